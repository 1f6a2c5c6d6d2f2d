//! The catalog's changes on the change path: an entry registered or edited by its owner
//! unit's clerk or the authority's reviewer; every version is kept in the history and
//! audited, and the entry is reindexed for the duplicate check.

use super::*;
use crate::base::change::{At, Cx, Decided, Record, Reindex, Step, Who, Written, stale_unless};

impl Record for SystemRecord {
    const KIND: &'static str = "info_system";
    type Carry = ();

    fn key(&self) -> (i64, i64) {
        (self.id, self.version)
    }
    async fn load(conn: &mut AnyConnection, who: Who<'_>, id: i64) -> Result<Option<Self>> {
        fetch(conn, id, crate::china_today(who.now_ms)).await
    }
    async fn load_visible(conn: &mut AnyConnection, who: Who<'_>, id: i64) -> Result<Option<Self>> {
        let today = crate::china_today(who.now_ms);
        Ok(fetch(conn, id, today).await?.filter(|s| visible(who.principal, s)))
    }
    fn audit_view(&self) -> serde_json::Value {
        serde_json::to_value(&self.system).unwrap_or_default()
    }

    /// Every version of an entry is kept in its history, named as the audit names it.
    async fn consequences(
        cx: &mut Cx<'_, Self>, after: &Self, action: &str, _: &str,
    ) -> Result<()> {
        let action = action.strip_prefix("system.").unwrap_or(action);
        let entry = (after.id, after.version, &after.system);
        record_version(cx.conn, cx.who.principal, entry, action, cx.who.now_ms).await
    }

    fn reindex(before: Option<&SystemRecord>, after: &SystemRecord) -> Option<Reindex> {
        let indexed = |s: &SystemRecord| (s.system.name.clone(), s.system.function_summary.clone());
        (before.map(indexed) != Some(indexed(after))).then_some(Reindex::System(after.id))
    }
}

/// A name already registered by the unit.
fn name_taken(e: sqlx::Error, name: &str) -> crate::StoreError {
    unless_unique(e, || DomainError::invalid("name", format!("本单位已登记名为“{name}”的系统")))
}

/// The owner unit's clerk or the authority's reviewer registers an entry (`Target::New`).
pub struct Register<'a>(pub &'a SystemForm);

impl Step<SystemRecord> for Register<'_> {
    type Input = ();
    type Decision = (DepartmentId, InfoSystem);

    fn action(&self) -> String {
        "system.create".into()
    }
    fn decide(&self, at: At<'_, SystemRecord>, (): ()) -> Decided<Self::Decision> {
        let (pr, who) = (at.who.principal, at.who);
        let dept = pr
            .department_id
            .filter(|_| pr.has(Role::Declarant) || pr.has(Role::Reviewer))
            .ok_or_else(|| {
            DomainError::Forbidden("只有本单位经办人或主管部门审核人可以登记信息系统".into())
        })?;
        let s = self.0.parse(crate::china_today(who.now_ms)).map_err(DomainError::Invalid)?;
        Ok((dept, s))
    }
    async fn write(
        &self, cx: &mut Cx<'_, SystemRecord>, (dept, s): Self::Decision,
    ) -> Result<Written> {
        match insert(cx.conn, cx.who.principal, dept, &s, cx.who.now_ms).await {
            Ok(id) => Ok(Written::created(id)),
            Err(crate::StoreError::Db(e)) => Err(name_taken(e, &s.name)),
            Err(e) => Err(e),
        }
    }
}

/// Replaces an entry's fields at the version the user saw; the previous version stays in the
/// history.
pub struct Edit<'a>(pub &'a SystemForm);

impl Step<SystemRecord> for Edit<'_> {
    type Input = ();
    type Decision = InfoSystem;

    fn action(&self) -> String {
        "system.update".into()
    }
    fn decide(&self, at: At<'_, SystemRecord>, (): ()) -> Decided<InfoSystem> {
        let (before, who) = (at.record()?, at.who);
        if !may_edit(who.principal, before.owner_department_id) {
            return Err(DomainError::Forbidden(
                "只有系统所属单位经办人或主管部门审核人可以修改目录".into(),
            ));
        }
        self.0.parse(crate::china_today(who.now_ms)).map_err(DomainError::Invalid)
    }
    async fn write(&self, cx: &mut Cx<'_, SystemRecord>, s: InfoSystem) -> Result<Written> {
        let (before, conn) = (cx.record()?, &mut *cx.conn);
        let n = update_row(conn, before.id, before.version, &s, cx.who.now_ms)
            .await
            .map_err(|e| name_taken(e, &s.name))?;
        stale_unless(conn, n, "info_systems", before.id).await?;
        Ok(Written::record())
    }
    /// A new 四个一批 disposition is a disposal decision, anything else an update.
    fn action_of(&self, before: Option<&SystemRecord>, after: &SystemRecord) -> String {
        match before {
            Some(b) => format!("system.{}", change_action(&b.system, &after.system)),
            None => self.action(),
        }
    }
}
