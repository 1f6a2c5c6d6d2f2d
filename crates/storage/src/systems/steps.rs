//! The catalog's changes on the change path: an entry registered or edited by its owner
//! unit's clerk or the authority's reviewer; every version is kept in the history and
//! audited, and the entry is reindexed for the duplicate check.

use super::*;
use crate::base::change::{Changed, Record, Reindex, Step, Target, Who, Written, stale_unless};

impl Record for SystemRecord {
    const KIND: &'static str = "info_system";

    fn id(&self) -> i64 {
        self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
    async fn load_visible(
        conn: &mut AnyConnection,
        who: Who<'_>,
        id: i64,
    ) -> Result<Option<SystemRecord>> {
        Ok(fetch(conn, id, crate::china_today(who.now_ms))
            .await?
            .filter(|s| visible(who.principal, s)))
    }
    fn audit_view(&self) -> serde_json::Value {
        serde_json::to_value(&self.system).unwrap_or_default()
    }

    /// Every version of an entry is kept in its history, named as the audit names it.
    async fn consequences(
        _: &Store,
        conn: &mut AnyConnection,
        who: Who<'_>,
        _: Option<&SystemRecord>,
        after: &SystemRecord,
        action: &str,
        _: &str,
    ) -> Result<()> {
        let action = action.strip_prefix("system.").unwrap_or(action);
        let entry = (after.id, after.version, &after.system);
        record_version(conn, who.principal, entry, action, who.now_ms).await
    }

    fn reindex(before: Option<&SystemRecord>, after: &SystemRecord) -> Option<Reindex> {
        let indexed = |s: &SystemRecord| (s.system.name.clone(), s.system.function_summary.clone());
        (before.map(indexed) != Some(indexed(after))).then_some(Reindex::System(after.id))
    }
}

/// A name already registered by the unit.
fn name_taken(e: sqlx::Error, name: &str) -> crate::StoreError {
    if unique_violation(&e) {
        DomainError::invalid("name", format!("本单位已登记名为“{name}”的系统")).into()
    } else {
        e.into()
    }
}

struct Register<'a> {
    form: &'a SystemForm,
}

impl Step<SystemRecord> for Register<'_> {
    type Input = ();
    type Decision = (DepartmentId, InfoSystem);

    fn action(&self) -> String {
        "system.create".into()
    }
    fn decide(
        &self,
        who: Who<'_>,
        _: Option<&SystemRecord>,
        (): (),
    ) -> std::result::Result<(DepartmentId, InfoSystem), DomainError> {
        let pr = who.principal;
        let dept = pr
            .department_id
            .filter(|_| pr.has(Role::Declarant) || pr.has(Role::Reviewer))
            .ok_or_else(|| {
                DomainError::Forbidden("只有本单位经办人或主管部门审核人可以登记信息系统".into())
            })?;
        let s = self
            .form
            .parse(crate::china_today(who.now_ms))
            .map_err(DomainError::Invalid)?;
        Ok((dept, s))
    }
    async fn write(
        &self,
        conn: &mut AnyConnection,
        who: Who<'_>,
        _: Option<&SystemRecord>,
        (dept, s): (DepartmentId, InfoSystem),
    ) -> Result<Written<SystemRecord>> {
        let id = match insert(conn, who.principal, dept, &s, who.now_ms).await {
            Ok(id) => id,
            Err(crate::StoreError::Db(e)) => return Err(name_taken(e, &s.name)),
            Err(e) => return Err(e),
        };
        let rec = fetch(conn, id, crate::china_today(who.now_ms))
            .await?
            .ok_or(DomainError::NotFound)?;
        Ok(Written::record(rec))
    }
}

struct Edit<'a> {
    form: &'a SystemForm,
}

impl Step<SystemRecord> for Edit<'_> {
    type Input = ();
    type Decision = InfoSystem;

    fn action(&self) -> String {
        "system.update".into()
    }
    fn decide(
        &self,
        who: Who<'_>,
        before: Option<&SystemRecord>,
        (): (),
    ) -> std::result::Result<InfoSystem, DomainError> {
        let before = before.ok_or(DomainError::NotFound)?;
        if !may_edit(who.principal, before.owner_department_id) {
            return Err(DomainError::Forbidden(
                "只有系统所属单位经办人或主管部门审核人可以修改目录".into(),
            ));
        }
        self.form
            .parse(crate::china_today(who.now_ms))
            .map_err(DomainError::Invalid)
    }
    async fn write(
        &self,
        conn: &mut AnyConnection,
        who: Who<'_>,
        before: Option<&SystemRecord>,
        s: InfoSystem,
    ) -> Result<Written<SystemRecord>> {
        let before = before.ok_or(DomainError::NotFound)?;
        let n = update_row(conn, before.id, before.version, &s, who.now_ms)
            .await
            .map_err(|e| name_taken(e, &s.name))?;
        stale_unless(conn, n, "info_systems", before.id).await?;
        let after = fetch(conn, before.id, crate::china_today(who.now_ms))
            .await?
            .ok_or(DomainError::NotFound)?;
        Ok(Written::record(after))
    }
    /// A new 四个一批 disposition is a disposal decision, anything else an update.
    fn action_of(&self, before: Option<&SystemRecord>, after: &SystemRecord) -> String {
        match before {
            Some(b) => format!("system.{}", change_action(&b.system, &after.system)),
            None => self.action(),
        }
    }
}

impl Store {
    pub async fn create_system(
        &self,
        who: Who<'_>,
        form: &SystemForm,
    ) -> Result<Changed<SystemRecord>> {
        self.run(who, Target::New, &Register { form }).await
    }

    /// Replaces an entry's fields; the previous version stays in the history.
    pub async fn update_system(
        &self,
        who: Who<'_>,
        id: i64,
        expected_version: i64,
        form: &SystemForm,
    ) -> Result<Changed<SystemRecord>> {
        self.run(who, Target::at(id, expected_version), &Edit { form })
            .await
    }
}
