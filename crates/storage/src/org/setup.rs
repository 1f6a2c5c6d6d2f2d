//! Setting up a jurisdiction, as its administrators (or the operator) do: the jurisdiction
//! with its first administrator, departments one by one or a whole tree from a sheet, firms
//! and experts. Each is one transaction with its audit record; a refusal is audited.

use super::{DepartmentRow, department_of_code, insert_department, insert_row, unless_taken};
use crate::accounts::NewUser;
use crate::base::change::Who;
use crate::{Result, Store, StoreError};
use govit_core::DomainError;
use govit_core::ids::{DepartmentId, JurisdictionId, UserId};
use govit_core::org::Principal;
use govit_core::org::forms::{
    NewDepartment, NewExpert, NewFirm, NewJurisdiction, SheetProblem, read_department_sheet,
};
use sqlx::Row;

/// What a department-sheet import did, or would do.
#[derive(Debug, Clone)]
pub enum TreeImport {
    /// The rows were written (or, when only checked, would be), parents first.
    Done(Vec<NewDepartment>),
    /// Nothing was written: every problem, by row.
    Refused(Vec<SheetProblem>),
}

fn not_admin() -> DomainError {
    DomainError::Forbidden("只有本辖区的系统管理员可以维护组织机构".into())
}

impl Store {
    /// Refuses (and audits) a change of `jurisdiction`'s organization by anyone but its
    /// administrators and the operator.
    async fn org_admin(
        &self, who: Who<'_>, jurisdiction: JurisdictionId, kind: &str, action: &str,
    ) -> Result<()> {
        if who.principal.administers(jurisdiction) {
            return Ok(());
        }
        Err(self.refused(who, kind, None, action, not_admin().into()).await)
    }

    /// Creates a jurisdiction under an existing profile, with its first administrator when
    /// one is given, all or nothing: the platform's administrators (and the operator) set up
    /// the jurisdictions it serves; a jurisdiction's own administrator may not.
    pub async fn add_jurisdiction(
        &self, who: Who<'_>, j: &NewJurisdiction, first_admin: Option<NewUser>,
    ) -> Result<(JurisdictionId, Option<UserId>)> {
        if !who.principal.runs_platform() {
            let e = DomainError::Forbidden("只有平台管理员可以新建辖区".into());
            return Err(self
                .refused(who, "jurisdiction", None, "jurisdiction.create", e.into())
                .await);
        }
        if self.rules().profile(&j.profile_id).is_none() {
            let m = format!("没有编号为“{}”的管理办法", j.profile_id);
            return Err(DomainError::invalid("profile_id", m).into());
        }
        let hash = match &first_admin {
            Some(u) => Some(Store::prepare_user(u).await?),
            None => None,
        };
        let mut w = self.write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM jurisdictions WHERE code = $1")
            .bind(j.code.clone())
            .fetch_optional(&mut *w.tx)
            .await?;
        unless_taken(taken, "code", format!("已有编码为“{}”的辖区", j.code))?;
        let fields = [("code", j.code.as_str()), ("name", &j.name), ("profile_id", &j.profile_id)];
        let id = JurisdictionId(
            insert_row(&mut w.tx, who.actor, who.now_ms, "jurisdiction", None, &fields).await?,
        );
        match (first_admin, hash) {
            (Some(u), Some(hash)) => {
                let u = NewUser { jurisdiction_id: id, ..u };
                // The new jurisdiction has no administrator yet to act: its first one is
                // created as the operator would, audited under whoever asked.
                let operator = Principal::operator();
                let as_operator = Who::new(&operator, who.actor, who.now_ms);
                let user = self.create_user_in(w, as_operator, &u, hash).await?;
                Ok((id, Some(user)))
            }
            _ => {
                w.commit().await?;
                Ok((id, None))
            }
        }
    }

    /// Adds a department to the tree of `jurisdiction` under the parent of that code.
    pub async fn add_department(
        &self, who: Who<'_>, jurisdiction: JurisdictionId, d: &NewDepartment,
    ) -> Result<DepartmentId> {
        self.org_admin(who, jurisdiction, "department", "department.create").await?;
        let mut w = self.write().await?;
        let parent = match &d.parent {
            Some(code) => Some(parent_id(&mut w.tx, jurisdiction, code).await?),
            None => None,
        };
        let row: DepartmentRow<'_> = (parent, &d.code, &d.name, &d.party_kinds);
        let id = insert_department(&mut w.tx, who.actor, who.now_ms, jurisdiction, row).await?;
        w.commit().await?;
        Ok(id)
    }

    /// Reads a department tree from a sheet's cells and, unless only checking, adds it to
    /// `jurisdiction` in one transaction: every row or none.
    pub async fn import_departments(
        &self, who: Who<'_>, jurisdiction: JurisdictionId, cells: &[Vec<String>], write: bool,
    ) -> Result<TreeImport> {
        self.org_admin(who, jurisdiction, "department", "department.import").await?;
        let existing: Vec<String> =
            sqlx::query("SELECT code FROM departments WHERE jurisdiction_id = $1")
                .bind(jurisdiction.0)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.try_get("code"))
                .collect::<std::result::Result<_, _>>()?;
        let tree = match read_department_sheet(cells, &existing) {
            Ok(tree) => tree,
            Err(problems) => return Ok(TreeImport::Refused(problems)),
        };
        if !write {
            return Ok(TreeImport::Done(tree));
        }
        let mut w = self.write().await?;
        let mut ids: Vec<(String, DepartmentId)> = Vec::with_capacity(tree.len());
        for d in &tree {
            let parent = match &d.parent {
                Some(code) => match ids.iter().find(|(c, _)| c == code) {
                    Some((_, id)) => Some(*id),
                    None => Some(parent_id(&mut w.tx, jurisdiction, code).await?),
                },
                None => None,
            };
            let row: DepartmentRow<'_> = (parent, &d.code, &d.name, &d.party_kinds);
            let id = insert_department(&mut w.tx, who.actor, who.now_ms, jurisdiction, row).await?;
            ids.push((d.code.clone(), id));
        }
        w.commit().await?;
        Ok(TreeImport::Done(tree))
    }

    /// Registers a firm (contractor, supervisor, tester, consultant) of `jurisdiction`.
    pub async fn add_firm(
        &self, who: Who<'_>, jurisdiction: JurisdictionId, f: &NewFirm,
    ) -> Result<i64> {
        self.org_admin(who, jurisdiction, "firm", "firm.create").await?;
        let mut w = self.write().await?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM firms WHERE jurisdiction_id = $1 AND name = $2")
                .bind(jurisdiction.0)
                .bind(f.name.clone())
                .fetch_optional(&mut *w.tx)
                .await?;
        unless_taken(taken, "name", format!("本辖区已登记名为“{}”的企业", f.name))?;
        let fields =
            [("kind", f.kind.as_str()), ("name", f.name.as_str()), ("credit_code", &f.credit_code)];
        let id = insert_row(&mut w.tx, who.actor, who.now_ms, "firm", Some(jurisdiction), &fields)
            .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Registers a review expert of `jurisdiction`.
    pub async fn add_expert(
        &self, who: Who<'_>, jurisdiction: JurisdictionId, e: &NewExpert,
    ) -> Result<i64> {
        self.org_admin(who, jurisdiction, "expert", "expert.create").await?;
        let mut w = self.write().await?;
        let fields = [
            ("name", e.name.as_str()),
            ("employer", e.employer.as_str()),
            ("fields", &e.fields),
            ("title", &e.title),
            ("conflicts", &e.conflicts),
        ];
        let id =
            insert_row(&mut w.tx, who.actor, who.now_ms, "expert", Some(jurisdiction), &fields)
                .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Puts an expert of the jurisdiction on the blacklist (with the reason) or takes them off
    /// it (the jurisdiction's administrators): a blacklisted expert is not drawn.
    pub async fn blacklist_expert(
        &self, who: Who<'_>, jurisdiction: JurisdictionId, id: i64, on: bool, reason: &str,
    ) -> Result<()> {
        self.blacklist(who, jurisdiction, "expert", id, on, reason).await
    }

    /// Puts a firm of the jurisdiction on the blacklist (with the reason) or takes it off
    /// (the jurisdiction's administrators): a blacklisted firm cannot be contracted.
    pub async fn blacklist_firm(
        &self, who: Who<'_>, jurisdiction: JurisdictionId, id: i64, on: bool, reason: &str,
    ) -> Result<()> {
        self.blacklist(who, jurisdiction, "firm", id, on, reason).await
    }

    /// The blacklist of `kind` (`expert` or `firm`, whose table is `<kind>s`).
    async fn blacklist(
        &self, who: Who<'_>, jurisdiction: JurisdictionId, kind: &'static str, id: i64, on: bool,
        reason: &str,
    ) -> Result<()> {
        let action = format!("{kind}.blacklist");
        self.org_admin(who, jurisdiction, kind, &action).await?;
        let reason = reason.trim();
        if on && reason.is_empty() {
            return Err(DomainError::invalid("reason", "请填写列入黑名单的理由").into());
        }
        if reason.chars().count() > 500 {
            return Err(DomainError::invalid("reason", "理由不能超过 500 个字").into());
        }
        let mut w = self.write().await?;
        let before: Option<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT blacklisted, blacklist_reason FROM {kind}s WHERE id = $1 AND jurisdiction_id = $2"
        )))
        .bind(id)
        .bind(jurisdiction.0)
        .fetch_optional(&mut *w.tx)
        .await?;
        let Some(before) = before else { return Err(DomainError::NotFound.into()) };
        let reason = if on { reason.to_string() } else { String::new() };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {kind}s SET blacklisted = $2, blacklist_reason = $3 WHERE id = $1"
        )))
        .bind(id)
        .bind(on as i64)
        .bind(reason.clone())
        .execute(&mut *w.tx)
        .await?;
        let change = crate::base::audit_log::Change::ok(kind, id, &action)
            .before(&serde_json::json!({ "blacklisted": before.0 != 0, "reason": before.1 }))
            .after(&serde_json::json!({ "blacklisted": on, "reason": reason }));
        crate::base::audit_log::append(&mut w.tx, who.actor, who.now_ms, change).await?;
        w.commit().await?;
        Ok(())
    }

    /// Every jurisdiction, by code.
    pub async fn jurisdictions(&self) -> Result<Vec<super::Jurisdiction>> {
        let rows =
            sqlx::query("SELECT id, code, name, profile_id FROM jurisdictions ORDER BY code")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(super::Jurisdiction {
                    id: JurisdictionId(r.try_get("id")?),
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    profile_id: r.try_get("profile_id")?,
                })
            })
            .collect()
    }
}

/// The department of `code` in `jurisdiction`, as a parent; an unknown code is refused naming
/// the field.
async fn parent_id(
    conn: &mut sqlx::AnyConnection, jurisdiction: JurisdictionId, code: &str,
) -> Result<DepartmentId> {
    department_of_code(conn, jurisdiction, code).await?.ok_or_else(|| -> StoreError {
        DomainError::invalid("parent", format!("没有编码为“{code}”的上级部门")).into()
    })
}
