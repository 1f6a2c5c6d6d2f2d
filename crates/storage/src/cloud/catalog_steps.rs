//! The catalog's changes on the change path (gaoping:12): the data center drafts a version
//! (a copy of the one in force), adds, edits and removes its services and submits it; the
//! authority publishes it — superseding the previous one — or returns it with a reason.
//! Every change of a version or its services bumps the version's lock.

use super::*;
use crate::base::change::stale_unless;
use crate::base::change::{At, Audited, Changed, Cx, Decided, Record, Step, Target, Who, Written};
use govit_core::policy::Provision;
use serde_json::json;

impl Record for CatalogVersion {
    const KIND: &'static str = "cloud_catalog";
    type Carry = ();

    fn key(&self) -> (i64, i64) {
        (self.id, self.version)
    }
    async fn load(conn: &mut AnyConnection, _: Who<'_>, id: i64) -> Result<Option<Self>> {
        fetch_version(conn, id).await
    }
    async fn load_visible(conn: &mut AnyConnection, who: Who<'_>, id: i64) -> Result<Option<Self>> {
        let roles = roles_of(conn, who.principal).await?;
        Ok(fetch_version(conn, id).await?.filter(|v| may_see_version(who.principal, roles, v)))
    }
    fn audit_view(&self) -> serde_json::Value {
        json!({"status": self.status, "version": self.version, "services": self.service_count})
    }
}

/// The data center may change this version now: it drafts, and the version is editable.
fn drafting(roles: CloudRoles, v: &CatalogVersion) -> Decided<()> {
    if !roles.drafter {
        return Err(drafter_only());
    }
    if !v.status.is_editable() {
        return Err(DomainError::InvalidState {
            message: format!(
                "目录第 {} 版当前状态为“{}”，不能修改",
                v.version_no,
                v.status.label()
            ),
        });
    }
    Ok(())
}

/// A second open version (another draft committed first).
fn draft_taken(e: sqlx::Error) -> crate::StoreError {
    unless_unique(e, || DomainError::InvalidState {
        message: "已有未发布的目录版本，请刷新后在其上继续编制".into(),
    })
}

/// A service code already in this version.
fn code_taken(e: sqlx::Error, code: &str) -> crate::StoreError {
    unless_unique(e, || DomainError::invalid("code", format!("本版目录已有编码为“{code}”的服务")))
}

/// Reads the caller's part in the catalog, for the steps that need no more.
async fn roles<R: Record>(cx: &mut Cx<'_, R>) -> Result<CloudRoles> {
    roles_of(cx.conn, cx.who.principal).await
}

/// The data center starts a new version as a copy of the one in force (`Target::New`).
pub struct StartDraft<'a> {
    pub note: &'a str,
}

impl Step<CatalogVersion> for StartDraft<'_> {
    /// The roles, and the number of a version not yet published, if any.
    type Input = (CloudRoles, Option<i64>);
    type Decision = String;

    fn provision(&self) -> Option<Provision> {
        Some(Provision::CloudServiceCatalog)
    }
    fn action(&self) -> String {
        "cloud_catalog.draft".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, CatalogVersion>) -> Result<Self::Input> {
        let open = sqlx::query_scalar(
            "SELECT version_no FROM cloud_catalog_versions WHERE jurisdiction_id = $1 \
             AND status IN ('draft', 'submitted', 'returned')",
        )
        .bind(cx.who.principal.jurisdiction_id.0)
        .fetch_optional(&mut *cx.conn)
        .await?;
        Ok((roles(cx).await?, open))
    }
    fn decide(&self, _: At<'_, CatalogVersion>, (roles, open): Self::Input) -> Decided<String> {
        if !roles.drafter {
            return Err(drafter_only());
        }
        let note = govit_core::error::within("note", "说明", self.note, 500)?;
        if let Some(n) = open {
            return Err(DomainError::InvalidState {
                message: format!(
                    "目录第 {n} 版尚未发布，请在其上继续编制；同一时间只能有一个未发布的版本"
                ),
            });
        }
        Ok(note)
    }
    async fn write(&self, cx: &mut Cx<'_, CatalogVersion>, note: String) -> Result<Written> {
        let (conn, who) = (&mut *cx.conn, cx.who);
        let j = who.principal.jurisdiction_id.0;
        let next: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version_no), 0) + 1 FROM cloud_catalog_versions WHERE jurisdiction_id = $1",
        )
        .bind(j)
        .fetch_one(&mut *conn)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cloud_catalog_versions (jurisdiction_id, version_no, status, note, drafted_by, created_at_ms, version) \
             VALUES ($1, $2, 'draft', $3, $4, $5, 1) RETURNING id",
        )
        .bind(j)
        .bind(next)
        .bind(note.clone())
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *conn)
        .await
        .map_err(draft_taken)?;
        let copied = sqlx::query(
            "INSERT INTO cloud_services (catalog_version_id, code, name, category, description, provider, unit, is_common, keywords) \
             SELECT $1, cs.code, cs.name, cs.category, cs.description, cs.provider, cs.unit, cs.is_common, cs.keywords \
             FROM cloud_services cs JOIN cloud_catalog_versions v ON v.id = cs.catalog_version_id \
             WHERE v.jurisdiction_id = $2 AND v.status = 'published'",
        )
        .bind(id)
        .bind(j)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        let after = json!({"version_no": next, "note": note, "copied_services": copied});
        Ok(Written { created: Some(id), ..Written::part(Audited::of(None, after)) })
    }
}

/// What a service step does to the version's services.
pub enum ServiceChange<'a> {
    Add(&'a CloudServiceForm),
    Update(i64, &'a CloudServiceForm),
    Remove(i64),
}

/// Adds, replaces or removes a service of an editable version; the target is the version
/// at the lock the user saw (see `Store::update_cloud_service`).
pub struct EditService<'a>(pub ServiceChange<'a>);

impl Step<CatalogVersion> for EditService<'_> {
    /// The roles, and the service as it was (for an update or a removal).
    type Input = (CloudRoles, Option<ServiceRecord>);
    /// The service to write (none for a removal).
    type Decision = Option<CloudService>;

    fn provision(&self) -> Option<Provision> {
        match self.0 {
            ServiceChange::Add(f) | ServiceChange::Update(_, f)
                if govit_core::error::flag(&mut Vec::new(), "is_common", |_| "", &f.is_common) =>
            {
                Some(Provision::CommonCapability)
            }
            _ => Some(Provision::CloudServiceCatalog),
        }
    }
    fn action(&self) -> String {
        match self.0 {
            ServiceChange::Add(_) => "cloud_service.add",
            ServiceChange::Update(..) => "cloud_service.update",
            ServiceChange::Remove(_) => "cloud_service.remove",
        }
        .into()
    }
    async fn gather(&self, cx: &mut Cx<'_, CatalogVersion>) -> Result<Self::Input> {
        let before = match self.0 {
            ServiceChange::Add(_) => None,
            ServiceChange::Update(id, _) | ServiceChange::Remove(id) => {
                fetch_service(cx.conn, id).await?
            }
        };
        Ok((roles(cx).await?, before))
    }
    fn decide(
        &self, at: At<'_, CatalogVersion>, (roles, before): Self::Input,
    ) -> Decided<Self::Decision> {
        let v = at.record()?;
        if !matches!(self.0, ServiceChange::Add(_))
            && before.is_none_or(|s| s.catalog_version_id != v.id)
        {
            return Err(DomainError::NotFound);
        }
        drafting(roles, v)?;
        match self.0 {
            ServiceChange::Add(form) | ServiceChange::Update(_, form) => {
                Ok(Some(form.parse().map_err(DomainError::Invalid)?))
            }
            ServiceChange::Remove(_) => Ok(None),
        }
    }
    async fn write(
        &self, cx: &mut Cx<'_, CatalogVersion>, service: Option<CloudService>,
    ) -> Result<Written> {
        let (v, conn) = (cx.record()?, &mut *cx.conn);
        let before = match self.0 {
            ServiceChange::Add(_) => None,
            ServiceChange::Update(id, _) | ServiceChange::Remove(id) => {
                fetch_service(conn, id).await?.map(|r| r.service)
            }
        };
        let id = match (&self.0, service.as_ref()) {
            (ServiceChange::Add(_), Some(s)) => sqlx::query_scalar(
                "INSERT INTO cloud_services (catalog_version_id, code, name, category, description, provider, \
                 unit, is_common, keywords) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(v.id)
            .bind(s.code.clone())
            .bind(s.name.clone())
            .bind(s.category.as_str())
            .bind(s.description.clone())
            .bind(s.provider.clone())
            .bind(s.unit.clone())
            .bind(i64::from(s.is_common))
            .bind(s.keywords.join(","))
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| code_taken(e, &s.code))?,
            (ServiceChange::Update(id, _), Some(s)) => {
                sqlx::query(
                    "UPDATE cloud_services SET code = $1, name = $2, category = $3, description = $4, provider = $5, \
                     unit = $6, is_common = $7, keywords = $8 WHERE id = $9",
                )
                .bind(s.code.clone())
                .bind(s.name.clone())
                .bind(s.category.as_str())
                .bind(s.description.clone())
                .bind(s.provider.clone())
                .bind(s.unit.clone())
                .bind(i64::from(s.is_common))
                .bind(s.keywords.join(","))
                .bind(*id)
                .execute(&mut *conn)
                .await
                .map_err(|e| code_taken(e, &s.code))?;
                *id
            }
            (ServiceChange::Remove(id), _) => {
                sqlx::query("DELETE FROM cloud_services WHERE id = $1")
                    .bind(*id)
                    .execute(&mut *conn)
                    .await?;
                *id
            }
            (_, None) => return Err(DomainError::NotFound.into()),
        };
        bump(conn, v.id, v.version).await?;
        let after = match &service {
            Some(s) => json!({"service_id": id, "service": s}),
            None => serde_json::Value::Null,
        };
        let before = before.map(|b| json!({"service_id": id, "service": b}));
        Ok(Written::part(Audited::of(before, after)).with_part(id))
    }
}

/// The data center sends a draft (or a returned version) to the authority.
pub struct Submit;

impl Step<CatalogVersion> for Submit {
    type Input = CloudRoles;
    type Decision = ();

    fn provision(&self) -> Option<Provision> {
        Some(Provision::CloudServiceCatalog)
    }
    fn action(&self) -> String {
        "cloud_catalog.submit".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, CatalogVersion>) -> Result<CloudRoles> {
        roles(cx).await
    }
    fn decide(&self, at: At<'_, CatalogVersion>, roles: CloudRoles) -> Decided<()> {
        let v = at.record()?;
        drafting(roles, v)?;
        if v.service_count == 0 {
            return Err(DomainError::InvalidState {
                message: "目录中还没有服务，请先添加服务再提交".into(),
            });
        }
        Ok(())
    }
    async fn write(&self, cx: &mut Cx<'_, CatalogVersion>, (): ()) -> Result<Written> {
        let (v, conn, who) = (cx.record()?, &mut *cx.conn, cx.who);
        let n = sqlx::query(
            "UPDATE cloud_catalog_versions SET status = 'submitted', submitted_at_ms = $1, version = version + 1 \
             WHERE id = $2 AND version = $3",
        )
        .bind(who.now_ms)
        .bind(v.id)
        .bind(v.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "cloud_catalog_versions", v.id).await?;
        Ok(Written::record())
    }
}

/// The authority publishes a submitted version — the one in force becomes superseded — or
/// returns it with a reason (gaoping:12).
pub struct Decide<'a>(pub &'a CatalogDecision);

impl Step<CatalogVersion> for Decide<'_> {
    type Input = CloudRoles;
    type Decision = ();

    fn provision(&self) -> Option<Provision> {
        Some(Provision::CloudServiceCatalog)
    }
    fn action(&self) -> String {
        "cloud_catalog.decide".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, CatalogVersion>) -> Result<CloudRoles> {
        roles(cx).await
    }
    fn decide(&self, at: At<'_, CatalogVersion>, roles: CloudRoles) -> Decided<()> {
        let v = at.record()?;
        if !roles.authority {
            return Err(authority_only("审批发布政务云系统服务目录"));
        }
        if v.status != CatalogStatus::Submitted {
            return Err(DomainError::InvalidState {
                message: format!(
                    "目录第 {} 版当前状态为“{}”，只有待审批的版本可以发布或退回",
                    v.version_no,
                    v.status.label()
                ),
            });
        }
        Ok(())
    }
    async fn write(&self, cx: &mut Cx<'_, CatalogVersion>, (): ()) -> Result<Written> {
        let (v, conn, who) = (cx.record()?, &mut *cx.conn, cx.who);
        let (status, note) = match self.0 {
            CatalogDecision::Publish { note } => ("published", note),
            CatalogDecision::Return { reason } => ("returned", reason),
        };
        if status == "published" {
            // The version in force steps aside first: one published version per jurisdiction.
            let old: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM cloud_catalog_versions WHERE jurisdiction_id = $1 AND status = 'published'",
            )
            .bind(v.jurisdiction_id.0)
            .fetch_all(&mut *conn)
            .await?;
            for old_id in old {
                sqlx::query(
                    "UPDATE cloud_catalog_versions SET status = 'superseded', version = version + 1 WHERE id = $1",
                )
                .bind(old_id)
                .execute(&mut *conn)
                .await?;
                append(
                    conn,
                    who.actor,
                    who.now_ms,
                    Change::ok("cloud_catalog", old_id, "cloud_catalog.supersede")
                        .detail(format!("由第 {} 版替代", v.version_no)),
                )
                .await?;
            }
        }
        let n = sqlx::query(
            "UPDATE cloud_catalog_versions SET status = $1, decided_by = $2, decided_at_ms = $3, decision_note = $4, \
             published_at_ms = CASE WHEN $5 = 1 THEN $3 ELSE published_at_ms END, version = version + 1 \
             WHERE id = $6 AND version = $7",
        )
        .bind(status)
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .bind(note.clone())
        .bind(i64::from(status == "published"))
        .bind(v.id)
        .bind(v.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "cloud_catalog_versions", v.id).await?;
        Ok(Written::record())
    }
    fn action_of(&self, _: Option<&CatalogVersion>, _: &CatalogVersion) -> String {
        match self.0 {
            CatalogDecision::Publish { .. } => "cloud_catalog.publish",
            CatalogDecision::Return { .. } => "cloud_catalog.return",
        }
        .into()
    }
    fn detail(&self) -> String {
        match self.0 {
            CatalogDecision::Publish { note } => note.clone(),
            CatalogDecision::Return { reason } => reason.clone(),
        }
    }
}

impl Store {
    /// The catalog version a service belongs to: the target of an [`EditService`] that
    /// replaces or removes it (0 when there is no such service, which the change path then
    /// refuses as not found).
    async fn catalog_version_of_service(&self, service_id: i64) -> Result<i64> {
        let mut conn = self.pool.acquire().await?;
        Ok(fetch_service(&mut conn, service_id).await?.map_or(0, |s| s.catalog_version_id))
    }
}

impl Store {
    /// Replaces a service of an editable version; `expected_version` is the version's lock.
    pub async fn update_cloud_service(
        &self, who: Who<'_>, service_id: i64, expected_version: i64, form: &CloudServiceForm,
    ) -> Result<Changed<CatalogVersion>> {
        let version_id = self.catalog_version_of_service(service_id).await?;
        let step = EditService(ServiceChange::Update(service_id, form));
        self.run(who, Target::at(version_id, expected_version), &step).await
    }

    /// Removes a service from an editable version.
    pub async fn remove_cloud_service(
        &self, who: Who<'_>, service_id: i64, expected_version: i64,
    ) -> Result<Changed<CatalogVersion>> {
        let version_id = self.catalog_version_of_service(service_id).await?;
        let step = EditService(ServiceChange::Remove(service_id));
        self.run(who, Target::at(version_id, expected_version), &step).await
    }
}
