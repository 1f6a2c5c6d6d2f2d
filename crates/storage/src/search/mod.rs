//! The search page's rows: the systems and projects a full-text hit names, kept only when the
//! user's data scope (and the department filter) allows them.

mod sources;

pub use sources::SearchSource;

use crate::{Result, Store, Where, bind_all};
use govit_core::ids::DepartmentId;
use govit_core::org::Principal;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct SearchRow {
    pub is_system: bool,
    pub id: i64,
    pub name: String,
    pub department: String,
    /// The status or 四个一批 label as the lists show it.
    pub status: String,
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl Store {
    /// The visible ones among these hits, keyed by (is_system, id).
    pub async fn search_rows(
        &self, principal: &Principal, systems: &[i64], projects: &[i64],
        department: Option<DepartmentId>,
    ) -> Result<HashMap<(bool, i64), SearchRow>> {
        let mut out = HashMap::new();
        let dept_clause = |w: &mut Where| {
            if let Some(d) = department {
                w.within_department(d);
            }
        };
        if !systems.is_empty() {
            let mut w = crate::visible_where(principal, "s");
            dept_clause(&mut w);
            let sql = format!(
                "SELECT s.id, s.name, s.disposition, d.name AS department FROM info_systems s \
                 JOIN departments d ON d.id = s.owner_department_id{} AND s.id IN ({})",
                w.sql(),
                id_list(systems)
            );
            for r in
                bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params).fetch_all(&self.pool).await?
            {
                let id: i64 = r.try_get("id")?;
                out.insert(
                    (true, id),
                    SearchRow {
                        is_system: true,
                        id,
                        name: r.try_get("name")?,
                        department: r.try_get("department")?,
                        status: govit_core::inventory::Disposition::parse(
                            &r.try_get::<String, _>("disposition")?,
                        )
                        .map(|d| d.label().to_string())
                        .unwrap_or_default(),
                    },
                );
            }
        }
        if !projects.is_empty() {
            let mut w = crate::projects::scope_where(principal);
            dept_clause(&mut w);
            let sql = format!(
                "SELECT p.id, p.name, p.status, d.name AS department FROM projects p \
                 JOIN departments d ON d.id = p.owner_department_id{} AND p.id IN ({})",
                w.sql(),
                id_list(projects)
            );
            for r in
                bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params).fetch_all(&self.pool).await?
            {
                let id: i64 = r.try_get("id")?;
                out.insert(
                    (false, id),
                    SearchRow {
                        is_system: false,
                        id,
                        name: r.try_get("name")?,
                        department: r.try_get("department")?,
                        status: govit_core::project::ProjectStatus::parse(
                            &r.try_get::<String, _>("status")?,
                        )
                        .map(|s| s.label().to_string())
                        .unwrap_or_default(),
                    },
                );
            }
        }
        Ok(out)
    }
}
