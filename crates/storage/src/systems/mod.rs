//! The information system catalog: entries owned by departments, every change kept as a
//! version in `info_system_history`, data scope and optimistic versions as for projects.

mod import;
mod steps;

pub use import::ImportReport;
pub use steps::{Edit, Register};

use crate::base::audit_log::{Change, append_all};
use crate::base::unless_unique;
use crate::{Actor, Page, Paged, Param, Result, Store};
use govit_core::DomainError;
use govit_core::ids::{DepartmentId, JurisdictionId, UserId};
use govit_core::inventory::{
    Deployment, Disposition, InfoSystem, Network, RowProblem, SystemForm, SystemSheet,
    SystemStatus, UseFrequency,
};
use govit_core::org::{Ownership, Principal, Role};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct SystemRecord {
    pub id: i64,
    pub jurisdiction_id: JurisdictionId,
    pub owner_department_id: DepartmentId,
    pub owner_department: String,
    pub owner_department_path: String,
    pub system: InfoSystem,
    pub created_by: UserId,
    pub updated_at_ms: i64,
    pub version: i64,
    /// Why it looks like a zombie, if it does.
    pub zombie_signals: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemVersion {
    pub version: i64,
    pub action: String,
    pub snapshot: InfoSystem,
    pub changed_by: String,
    pub changed_at_ms: i64,
}

#[derive(Debug, Clone, Default)]
pub struct SystemFilter {
    pub keyword: String,
    pub department: Option<DepartmentId>,
    pub disposition: Option<Disposition>,
    pub status: Option<SystemStatus>,
    /// Only systems flagged as likely zombies.
    pub zombies_only: bool,
}

const SELECT: &str = "SELECT s.*, d.name AS owner_department, d.path AS owner_department_path \
    FROM info_systems s JOIN departments d ON d.id = s.owner_department_id";

fn date(s: Option<String>) -> Option<chrono::NaiveDate> {
    s.and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn from_row(r: &AnyRow, today: chrono::NaiveDate) -> Result<SystemRecord> {
    let text = |c: &str| -> Result<String> { Ok(r.try_get::<String, _>(c)?) };
    let system = InfoSystem {
        name: text("name")?,
        function_summary: text("function_summary")?,
        users_scope: text("users_scope")?,
        use_frequency: UseFrequency::parse(&text("use_frequency")?).unwrap_or(UseFrequency::Daily),
        approval_document: text("approval_document")?,
        approval_date: date(r.try_get("approval_date")?),
        funding_source: text("funding_source")?,
        year_built: r.try_get::<Option<i64>, _>("year_built")?.map(|y| y as i32),
        deployment: Deployment::parse(&text("deployment")?).unwrap_or(Deployment::Other),
        network: Network::parse(&text("network")?).unwrap_or(Network::Extranet),
        gov_service_connected: r.try_get::<i64, _>("gov_service_connected")? != 0,
        data_sharing_connected: r.try_get::<i64, _>("data_sharing_connected")? != 0,
        mlps_level: r.try_get::<Option<i64>, _>("mlps_level")?.map(|l| l as u8),
        status: SystemStatus::parse(&text("status")?).unwrap_or(SystemStatus::Running),
        disposition: Disposition::parse(&text("disposition")?).unwrap_or(Disposition::Keep),
        disposition_reason: text("disposition_reason")?,
        last_used_on: date(r.try_get("last_used_on")?),
        om_stopped: r.try_get::<i64, _>("om_stopped")? != 0,
        idle_resources: r.try_get::<i64, _>("idle_resources")? != 0,
    };
    let zombie_signals =
        system.zombie_signals(today, None).into_iter().map(|(c, m)| (c.to_string(), m)).collect();
    Ok(SystemRecord {
        id: r.try_get("id")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        owner_department_id: DepartmentId(r.try_get("owner_department_id")?),
        owner_department: text("owner_department")?,
        owner_department_path: text("owner_department_path")?,
        created_by: UserId(r.try_get("created_by")?),
        updated_at_ms: r.try_get("updated_at_ms")?,
        version: r.try_get("version")?,
        system,
        zombie_signals,
    })
}

fn visible(principal: &Principal, s: &SystemRecord) -> bool {
    let o = Ownership {
        jurisdiction_id: s.jurisdiction_id,
        department_id: s.owner_department_id,
        department_path: &s.owner_department_path,
        created_by: s.created_by,
    };
    principal.can_see(&o)
}

/// Who may change an entry: the owner unit's clerks, and the authority's reviewers.
fn may_edit(principal: &Principal, owner: DepartmentId) -> bool {
    principal.has(Role::Reviewer)
        || (principal.has(Role::Declarant) && principal.department_id == Some(owner))
}

async fn fetch(
    conn: &mut AnyConnection, id: i64, today: chrono::NaiveDate,
) -> Result<Option<SystemRecord>> {
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE s.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(|r| from_row(r, today)).transpose()
}

fn bind_system<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>, s: &InfoSystem,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(s.name.clone())
        .bind(s.function_summary.clone())
        .bind(s.users_scope.clone())
        .bind(s.use_frequency.as_str())
        .bind(s.approval_document.clone())
        .bind(s.approval_date.map(|d| d.to_string()))
        .bind(s.funding_source.clone())
        .bind(s.year_built.map(i64::from))
        .bind(s.deployment.as_str())
        .bind(s.network.as_str())
        .bind(i64::from(s.gov_service_connected))
        .bind(i64::from(s.data_sharing_connected))
        .bind(s.mlps_level.map(i64::from))
        .bind(s.status.as_str())
        .bind(s.disposition.as_str())
        .bind(s.disposition_reason.clone())
        .bind(s.last_used_on.map(|d| d.to_string()))
        .bind(i64::from(s.om_stopped))
        .bind(i64::from(s.idle_resources))
}

const COLUMNS: &str = "name, function_summary, users_scope, use_frequency, approval_document, approval_date, \
    funding_source, year_built, deployment, network, gov_service_connected, data_sharing_connected, mlps_level, \
    status, disposition, disposition_reason, last_used_on, om_stopped, idle_resources";

/// Keeps version `version` of entry `id` in its history.
async fn record_version(
    conn: &mut AnyConnection, principal: &Principal,
    (id, version, system): (i64, i64, &InfoSystem), action: &str, now_ms: i64,
) -> Result<()> {
    record_versions(conn, principal, &[(id, version, system, action)], now_ms).await
}

/// [`record_version`] for many entries, in multi-row inserts (an import writes thousands).
async fn record_versions(
    conn: &mut AnyConnection, principal: &Principal, rows: &[(i64, i64, &InfoSystem, &str)],
    now_ms: i64,
) -> Result<()> {
    for chunk in rows.chunks(1000) {
        let values = crate::values_list(chunk.len(), 7);
        let sql = format!(
            "INSERT INTO info_system_history (system_id, version, action, snapshot_json, changed_by, changed_by_name, changed_at_ms) \
             VALUES {values}"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, version, system, action) in chunk {
            q = q
                .bind(*id)
                .bind(*version)
                .bind(action.to_string())
                .bind(serde_json::to_string(system).unwrap_or_default())
                .bind(principal.user_id.0)
                .bind(principal.name.clone())
                .bind(now_ms);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Replaces an entry's fields if it is still at `expected_version`; the rows changed (0 when
/// someone else changed it first).
async fn update_row(
    conn: &mut AnyConnection, id: i64, expected_version: i64, s: &InfoSystem, now_ms: i64,
) -> std::result::Result<u64, sqlx::Error> {
    let sets = COLUMNS
        .split(", ")
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE info_systems SET {sets}, updated_at_ms = $20, version = version + 1 WHERE id = $21 AND version = $22"
    );
    Ok(bind_system(sqlx::query(AssertSqlSafe(sql)), s)
        .bind(now_ms)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// How a change is named in the history and the audit log: a new 四个一批 disposition is a
/// disposal decision, anything else an update.
fn change_action(before: &InfoSystem, after: &InfoSystem) -> &'static str {
    if after.disposition != before.disposition { "dispose" } else { "update" }
}

async fn insert(
    conn: &mut AnyConnection, principal: &Principal, dept: DepartmentId, s: &InfoSystem,
    now_ms: i64,
) -> Result<i64> {
    let placeholders = (1..=19).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "INSERT INTO info_systems ({COLUMNS}, jurisdiction_id, owner_department_id, created_by, created_at_ms, updated_at_ms, version) \
         VALUES ({placeholders}, $20, $21, $22, $23, $23, 1) RETURNING id"
    );
    Ok(bind_system(sqlx::query(AssertSqlSafe(sql)), s)
        .bind(principal.jurisdiction_id.0)
        .bind(dept.0)
        .bind(principal.user_id.0)
        .bind(now_ms)
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?)
}

impl Store {
    pub async fn system_history(&self, id: i64) -> Result<Vec<SystemVersion>> {
        let rows = sqlx::query(
            "SELECT version, action, snapshot_json, changed_by_name, changed_at_ms FROM info_system_history \
             WHERE system_id = $1 ORDER BY version DESC, id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .filter_map(|r| {
                let snapshot =
                    serde_json::from_str(&r.try_get::<String, _>("snapshot_json").ok()?).ok()?;
                Some(Ok(SystemVersion {
                    version: r.try_get("version").ok()?,
                    action: r.try_get("action").ok()?,
                    snapshot,
                    changed_by: r.try_get("changed_by_name").ok()?,
                    changed_at_ms: r.try_get("changed_at_ms").ok()?,
                }))
            })
            .collect()
    }

    pub async fn list_systems(
        &self, principal: &Principal, f: &SystemFilter, now_ms: i64, page: Page,
    ) -> Result<Paged<SystemRecord>> {
        let mut w = crate::visible_where(principal, "s");
        w.keyword(&f.keyword, &["s.name", "s.function_summary"]);
        if let Some(dept) = f.department {
            w.within_department(dept);
        }
        if let Some(d) = f.disposition {
            w.and("s.disposition = ?", vec![Param::Text(d.as_str().into())]);
        }
        if let Some(st) = f.status {
            w.and("s.status = ?", vec![Param::Text(st.as_str().into())]);
        }
        if f.zombies_only {
            // The same signals as `InfoSystem::zombie_signals`, as SQL.
            let year_ago = crate::china_today(now_ms)
                .checked_sub_months(chrono::Months::new(12))
                .map(|d| d.to_string())
                .unwrap_or_default();
            w.and(
                "s.status <> 'retired' AND s.disposition <> 'close' AND (s.use_frequency = 'unused' OR s.idle_resources = 1 \
                 OR s.om_stopped = 1 OR (s.last_used_on IS NOT NULL AND s.last_used_on < ?) \
                 OR (s.use_frequency = 'rarely' AND LENGTH(s.users_scope) <= 10))",
                vec![Param::Text(year_ago)],
            );
        }
        let from = "FROM info_systems s JOIN departments d ON d.id = s.owner_department_id";
        let today = crate::china_today(now_ms);
        self.fetch_page((SELECT, from), &w, "d.path, s.name", page, |r| from_row(r, today)).await
    }
}

impl Store {
    /// Every catalog name in a jurisdiction, for suggesting names as a clerk types.
    pub async fn system_names(&self, jurisdiction: JurisdictionId) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT name FROM info_systems WHERE jurisdiction_id = $1 ORDER BY name LIMIT 5000",
        )
        .bind(jurisdiction.0)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Store {
    /// Which of these catalog entries the principal may read (the same filter as the lists).
    pub async fn readable_systems(
        &self, principal: &Principal, ids: &[i64],
    ) -> Result<std::collections::HashSet<i64>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let w = crate::visible_where(principal, "s");
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        // The scope may filter on the owner department's place in the tree (`d.path`).
        let sql = format!(
            "SELECT s.id FROM info_systems s JOIN departments d ON d.id = s.owner_department_id{} \
             AND s.id IN ({list})",
            w.sql()
        );
        let rows = crate::bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>("id")?)).collect()
    }
}
