//! The negative list (gaoping:11): the owner unit requests an exemption from the cloud or the
//! service platform; the authority approves it with its document number, rejects or revokes it.

use super::*;
use crate::base::change::stale_unless;
use crate::base::change::{At, Audited, Changed, Cx, Decided, Record, Step, Target, Who, Written};
use govit_core::policy::Provision;

impl Record for NegativeEntry {
    const KIND: &'static str = "negative_list";
    type Carry = ();

    fn key(&self) -> (i64, i64) {
        (self.id, self.version)
    }
    async fn load(conn: &mut AnyConnection, _: Who<'_>, id: i64) -> Result<Option<Self>> {
        fetch_negative(conn, id).await
    }
    async fn load_visible(conn: &mut AnyConnection, who: Who<'_>, id: i64) -> Result<Option<Self>> {
        Ok(fetch_negative(conn, id).await?.filter(|e| negative_visible(who.principal, e)))
    }
    fn audit_view(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// A request already open for the system.
fn already_open(status: &str) -> DomainError {
    DomainError::InvalidState {
        message: format!(
            "该系统已有{}的负面清单申请，不能重复申请",
            NegativeStatus::parse(status).map(|x| x.label()).unwrap_or("未办结")
        ),
    }
}

/// The owner unit asks to exempt one of its systems (gaoping:11).
struct Request<'a> {
    system: &'a crate::systems::SystemRecord,
    form: &'a NegativeListForm,
}

impl Step<NegativeEntry> for Request<'_> {
    /// The status of a request already open for the system, if any.
    type Input = Option<String>;
    type Decision = govit_core::cloud::NegativeListing;

    fn provision(&self) -> Option<Provision> {
        Some(Provision::NegativeList)
    }
    fn action(&self) -> String {
        "negative_list.request".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, NegativeEntry>) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT status FROM negative_list WHERE system_id = $1 AND status IN ('pending', 'approved')",
        )
        .bind(self.system.id)
        .fetch_optional(&mut *cx.conn)
        .await?)
    }
    fn decide(&self, at: At<'_, NegativeEntry>, open: Option<String>) -> Decided<Self::Decision> {
        let pr = at.who.principal;
        if !(pr.has(Role::Declarant) && pr.department_id == Some(self.system.owner_department_id)) {
            return Err(DomainError::Forbidden(
                "只有系统所属单位的经办人可以申请列入负面清单".into(),
            ));
        }
        let listing = self.form.parse().map_err(DomainError::Invalid)?;
        match open {
            Some(s) => Err(already_open(&s)),
            None => Ok(listing),
        }
    }
    async fn write(&self, cx: &mut Cx<'_, NegativeEntry>, l: Self::Decision) -> Result<Written> {
        let who = cx.who;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO negative_list (jurisdiction_id, system_id, exempt_cloud, exempt_platform, reasons, basis, status, \
             requested_by, requested_at_ms, version) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, 1) RETURNING id",
        )
        .bind(self.system.jurisdiction_id.0)
        .bind(self.system.id)
        .bind(i64::from(l.exempt_cloud))
        .bind(i64::from(l.exempt_platform))
        .bind(l.reasons.clone())
        .bind(l.basis.clone())
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *cx.conn)
        .await
        .map_err(|e| unless_unique(e, || already_open("pending")))?;
        let after = serde_json::json!({"system_id": self.system.id, "listing": l});
        Ok(Written { created: Some(id), ..Written::part(Audited::of(None, after)) })
    }
}

/// The authority approves (with its document number), rejects or revokes (with a reason).
pub struct Decide<'a>(pub &'a NegativeDecision);

impl Decide<'_> {
    /// (the status it leads to, the status it starts from, the document, the note)
    fn parts(&self, before: &NegativeEntry) -> (NegativeStatus, NegativeStatus, String, String) {
        match self.0 {
            NegativeDecision::Approve { document, note } => {
                (NegativeStatus::Approved, NegativeStatus::Pending, document.clone(), note.clone())
            }
            NegativeDecision::Reject { reason } => {
                (NegativeStatus::Rejected, NegativeStatus::Pending, String::new(), reason.clone())
            }
            NegativeDecision::Revoke { reason } => (
                NegativeStatus::Revoked,
                NegativeStatus::Approved,
                before.approval_document.clone(),
                reason.clone(),
            ),
        }
    }
}

impl Step<NegativeEntry> for Decide<'_> {
    type Input = CloudRoles;
    type Decision = ();

    fn provision(&self) -> Option<Provision> {
        Some(Provision::NegativeList)
    }
    fn action(&self) -> String {
        "negative_list.decide".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, NegativeEntry>) -> Result<CloudRoles> {
        roles_of(cx.conn, cx.who.principal).await
    }
    fn decide(&self, at: At<'_, NegativeEntry>, roles: CloudRoles) -> Decided<()> {
        let before = at.record()?;
        if !roles.authority {
            return Err(authority_only("审批负面清单"));
        }
        let (to, from, ..) = self.parts(before);
        if before.status != from {
            return Err(DomainError::InvalidState {
                message: format!(
                    "该申请当前状态为“{}”，不能{}",
                    before.status.label(),
                    match to {
                        NegativeStatus::Revoked => "撤销",
                        _ => "审批",
                    }
                ),
            });
        }
        Ok(())
    }
    async fn write(&self, cx: &mut Cx<'_, NegativeEntry>, (): ()) -> Result<Written> {
        let (before, conn, who) = (cx.record()?, &mut *cx.conn, cx.who);
        let (to, _, document, note) = self.parts(before);
        let n = sqlx::query(
            "UPDATE negative_list SET status = $1, decided_by = $2, decided_at_ms = $3, approval_document = $4, \
             decision_note = $5, version = version + 1 WHERE id = $6 AND version = $7",
        )
        .bind(to.as_str())
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .bind(document)
        .bind(note)
        .bind(before.id)
        .bind(before.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "negative_list", before.id).await?;
        Ok(Written::record())
    }
    fn action_of(&self, _: Option<&NegativeEntry>, _: &NegativeEntry) -> String {
        match self.0 {
            NegativeDecision::Approve { .. } => "negative_list.approve",
            NegativeDecision::Reject { .. } => "negative_list.reject",
            NegativeDecision::Revoke { .. } => "negative_list.revoke",
        }
        .into()
    }
    fn detail(&self) -> String {
        match self.0 {
            NegativeDecision::Approve { note, .. } => note.clone(),
            NegativeDecision::Reject { reason } | NegativeDecision::Revoke { reason } => {
                reason.clone()
            }
        }
    }
}

impl Store {
    /// The owner unit asks to exempt one of its systems from the cloud and/or the service
    /// platform (gaoping:11).
    pub async fn request_negative_listing(
        &self, who: Who<'_>, system_id: i64, form: &NegativeListForm,
    ) -> Result<Changed<NegativeEntry>> {
        let system = self.read::<crate::systems::SystemRecord>(who, system_id).await?;
        self.run(who, Target::New, &Request { system: &system, form }).await
    }

    /// Every request about one system, newest first (the system must be visible).
    pub async fn negative_entries_for_system(
        &self, principal: &Principal, system_id: i64,
    ) -> Result<Vec<NegativeEntry>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {NEGATIVE_COLUMNS} {NEGATIVE_FROM} WHERE n.system_id = $1 ORDER BY n.id DESC"
        )))
        .bind(system_id)
        .fetch_all(&self.pool)
        .await?;
        visible_rows(&rows, negative_from_row, |e| negative_visible(principal, e))
    }

    /// The negative list in the caller's data scope.
    pub async fn list_negative(
        &self, principal: &Principal, f: &NegativeFilter, page: Page,
    ) -> Result<Paged<NegativeEntry>> {
        let mut w = crate::visible_where(principal, "s");
        w.keyword(&f.keyword, &["s.name", "n.reasons", "n.approval_document"]);
        if let Some(st) = f.status {
            w.and("n.status = ?", vec![Param::Text(st.as_str().into())]);
        }
        if let Some(dept) = f.department {
            w.within_department(dept);
        }
        let select = format!("SELECT {NEGATIVE_COLUMNS} {NEGATIVE_FROM}");
        self.fetch_page(
            (&select, NEGATIVE_FROM),
            &w,
            "n.requested_at_ms DESC, n.id DESC",
            page,
            negative_from_row,
        )
        .await
    }
}
