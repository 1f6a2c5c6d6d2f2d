//! The search page's rows: the systems and projects a full-text hit names, kept only when the
//! user's data scope (and the department filter) allows them.

mod sources;

pub use sources::SearchSource;

use crate::{Result, Store, bind_all};
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

/// One kind of hit: its table and alias, its status column and how the lists label it.
struct Kind {
    is_system: bool,
    from: &'static str,
    status: &'static str,
    label: fn(&str) -> Option<&'static str>,
}

const SYSTEMS: Kind = Kind {
    is_system: true,
    from: "info_systems s JOIN departments d ON d.id = s.owner_department_id",
    status: "s.disposition",
    label: |v| govit_core::inventory::Disposition::parse(v).map(|d| d.label()),
};

const PROJECTS: Kind = Kind {
    is_system: false,
    from: "projects p JOIN departments d ON d.id = p.owner_department_id",
    status: "p.status",
    label: |v| govit_core::project::ProjectStatus::parse(v).map(|s| s.label()),
};

impl Store {
    /// The visible ones among these hits, keyed by (is_system, id).
    pub async fn search_rows(
        &self, principal: &Principal, systems: &[i64], projects: &[i64],
        department: Option<DepartmentId>,
    ) -> Result<HashMap<(bool, i64), SearchRow>> {
        let mut out = HashMap::new();
        let scopes = [
            (SYSTEMS, systems, crate::visible_where(principal, "s")),
            (PROJECTS, projects, crate::projects::scope_where(principal)),
        ];
        for (kind, ids, mut w) in scopes {
            if ids.is_empty() {
                continue;
            }
            if let Some(d) = department {
                w.within_department(d);
            }
            let alias = &kind.status[..1];
            let sql = format!(
                "SELECT {alias}.id, {alias}.name, {} AS status, d.name AS department FROM {}{} AND {alias}.id IN ({})",
                kind.status,
                kind.from,
                w.sql(),
                id_list(ids)
            );
            let rows =
                bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params).fetch_all(&self.pool).await?;
            for r in rows {
                let (id, status): (i64, String) = (r.try_get("id")?, r.try_get("status")?);
                let row = SearchRow {
                    is_system: kind.is_system,
                    id,
                    name: r.try_get("name")?,
                    department: r.try_get("department")?,
                    status: (kind.label)(&status).unwrap_or_default().to_string(),
                };
                out.insert((kind.is_system, id), row);
            }
        }
        Ok(out)
    }
}
