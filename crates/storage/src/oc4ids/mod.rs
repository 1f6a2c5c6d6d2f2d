//! Projects as OC4IDS (issue 12 §9): what `govit_core::oc4ids` needs of each project — its
//! declaration, the events recorded as happened and its contracts with their firms — read for
//! one project or for a batch of projects at a time, so that a bulk export holds one batch in
//! memory whatever the number of projects.

use crate::projects::{Project, ProjectFilter};
use crate::{Param, Result, Store, Where, Who, bind_all};
use chrono::NaiveDate;
use govit_core::contract::{ContractKind, ProcurementMethod};
use govit_core::ids::{JurisdictionId, ProjectId};
use govit_core::money::Yuan;
use govit_core::oc4ids::{ContractIn, ProjectIn};
use govit_core::org::Principal;
use govit_core::policy::EventKind;
use govit_core::project::ProjectStatus;
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// How many projects a bulk export reads at a time.
pub const BATCH: u32 = 200;

/// The publisher of a package: the jurisdiction's code and name.
#[derive(Debug, Clone)]
pub struct Publisher {
    pub code: String,
    pub name: String,
}

impl Publisher {
    /// The package's URI: a URN naming the jurisdiction and what the package holds.
    pub fn uri(&self, what: &str) -> String {
        format!("urn:govit:{}:{what}", self.code)
    }
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// `project_id IN (…)` over `ids` as a clause.
fn among(w: &mut Where, column: &str, ids: &[i64]) {
    let marks = vec!["?"; ids.len()].join(", ");
    w.and(&format!("{column} IN ({marks})"), ids.iter().map(|i| Param::Int(*i)).collect());
}

impl Store {
    /// The jurisdiction that publishes what `principal` exports.
    pub async fn publisher(&self, jurisdiction: JurisdictionId) -> Result<Publisher> {
        let row = sqlx::query("SELECT code, name FROM jurisdictions WHERE id = $1")
            .bind(jurisdiction.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(Publisher { code: row.try_get("code")?, name: row.try_get("name")? })
    }

    /// Project `id`, which the caller may see, as OC4IDS reads it; `code` is its publisher's
    /// (the caller's jurisdiction, the only one whose projects it sees).
    pub async fn oc4ids_project(
        &self, who: Who<'_>, id: ProjectId, code: &str,
    ) -> Result<ProjectIn> {
        let p = self.read::<Project>(who, id.0).await?;
        Ok(self.oc4ids_inputs(code, vec![p]).await?.remove(0))
    }

    /// How many projects a bulk export for `principal` holds: the approved ones it may see.
    pub async fn oc4ids_count(&self, principal: &Principal) -> Result<i64> {
        self.count_projects(principal, &published()).await
    }

    /// The next batch of a bulk export for `principal`: the approved projects it may see with
    /// ids above `after`, in id order, as OC4IDS reads them.
    pub async fn oc4ids_batch(
        &self, principal: &Principal, code: &str, after: i64,
    ) -> Result<Vec<ProjectIn>> {
        let projects = self.projects_after(principal, &published(), after, BATCH).await?;
        self.oc4ids_inputs(code, projects).await
    }

    /// The events and contracts of `projects`, read with one query each for the whole batch.
    async fn oc4ids_inputs(&self, code: &str, projects: Vec<Project>) -> Result<Vec<ProjectIn>> {
        if projects.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = projects.iter().map(|p| p.id.0).collect();
        let mut events: HashMap<i64, Vec<(EventKind, NaiveDate)>> = HashMap::new();
        let mut w = Where::default();
        w.and("planned = 0", vec![]);
        among(&mut w, "project_id", &ids);
        let sql = format!(
            "SELECT project_id, kind, event_date FROM project_milestones{} ORDER BY project_id, event_date, id",
            w.sql()
        );
        for r in bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params).fetch_all(&self.pool).await? {
            let kind = EventKind::parse(&r.try_get::<String, _>("kind")?);
            let on = day(&r.try_get::<String, _>("event_date")?);
            if let (Some(kind), Some(on)) = (kind, on) {
                events.entry(r.try_get("project_id")?).or_default().push((kind, on));
            }
        }
        let mut contracts: HashMap<i64, Vec<ContractIn>> = HashMap::new();
        let mut w = Where::default();
        among(&mut w, "c.project_id", &ids);
        let sql = format!(
            "SELECT c.id, c.project_id, c.kind, c.title, c.method, c.amount_yuan, c.starts_on, \
             c.ends_on, c.firm_id, f.name AS firm_name FROM contracts c JOIN firms f ON f.id = c.firm_id{} \
             ORDER BY c.project_id, c.id",
            w.sql()
        );
        for r in bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params).fetch_all(&self.pool).await? {
            let kind = ContractKind::parse(&r.try_get::<String, _>("kind")?);
            let starts = day(&r.try_get::<String, _>("starts_on")?);
            let ends = day(&r.try_get::<String, _>("ends_on")?);
            let (Some(kind), Some(starts_on), Some(ends_on)) = (kind, starts, ends) else {
                continue;
            };
            contracts.entry(r.try_get("project_id")?).or_default().push(ContractIn {
                id: r.try_get("id")?,
                kind,
                title: r.try_get("title")?,
                method: ProcurementMethod::parse(&r.try_get::<String, _>("method")?)
                    .unwrap_or(ProcurementMethod::Other),
                amount: Yuan(r.try_get("amount_yuan")?),
                starts_on,
                ends_on,
                firm_id: r.try_get("firm_id")?,
                firm_name: r.try_get("firm_name")?,
            });
        }
        Ok(projects
            .into_iter()
            .map(|p| ProjectIn {
                jurisdiction: code.to_string(),
                id: p.id.0,
                events: events.remove(&p.id.0).unwrap_or_default(),
                contracts: contracts.remove(&p.id.0).unwrap_or_default(),
                name: p.declaration.name,
                summary: p.declaration.summary,
                status: p.status,
                period: p.declaration.period,
                investment: p.declaration.investment,
                sources: p.declaration.sources,
                owner_id: p.owner_department_id.0,
                owner_name: p.owner_department,
                updated_at_ms: p.updated_at_ms,
            })
            .collect())
    }
}

/// What a bulk export publishes: the approved projects (terminated ones too, as cancelled).
fn published() -> ProjectFilter {
    ProjectFilter { status: Some(ProjectStatus::Approved), ..ProjectFilter::default() }
}
