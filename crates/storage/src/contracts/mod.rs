//! 合同 as the store keeps them: the construction and supervision contracts an owner unit
//! signs for an approved project, their terms as signed, and the run of their filing along
//! the chain of the profile's `contract_filing` / `supervisor_filing` stage
//! (`govit_core::contract::filing_route`), folded from `contract_acts` by the same engine as a
//! project's path and a plan's. Signing records 签订合同 or 确定监理 on the project; the
//! filing's last step records 合同备案 or 监理备案. `om_years_in_contract` is derived from the
//! construction contracts here (a [`FactSource`]). See `steps` for the changes.

mod steps;

pub use steps::{ContractAct, EditContract, SignContract, not_editable};

use crate::base::change::{Record, Who};
use crate::projects::run::{ActRecord, Acts, read_acts};
use crate::projects::{FactFuture, FactSource, Project};
use crate::{Result, Store};
use chrono::NaiveDate;
use govit_core::contract::{
    self, ContractKind, ContractStatus, ContractTerms, Deliverable, ProcurementMethod,
};
use govit_core::ids::{JurisdictionId, ProjectId};
use govit_core::money::Yuan;
use govit_core::org::Principal;
use govit_core::policy::{Fact, Facts};
use govit_core::workflow::{Act, Actor, Progress, Route, VerbKind, replay};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};

/// A contract, as read.
#[derive(Debug, Clone, Serialize)]
pub struct Contract {
    pub id: i64,
    pub project_id: ProjectId,
    pub project_name: String,
    pub jurisdiction_id: JurisdictionId,
    pub profile_id: String,
    pub terms: ContractTerms,
    pub firm_name: String,
    pub status: ContractStatus,
    pub created_by: String,
    pub created_at_ms: i64,
    pub version: i64,
}

/// A contract's filing run as it stands.
#[derive(Debug, Clone)]
pub struct ContractRun {
    pub route: Route,
    pub progress: Progress,
    pub acts: Vec<ActRecord>,
}

/// The verbs a filing offers: it is sent, filed, returned for correction or taken back.
pub const CONTRACT_VERBS: [VerbKind; 3] = [VerbKind::Pass, VerbKind::Return, VerbKind::Withdraw];

const SELECT: &str = "SELECT c.*, p.name AS project_name, p.profile_id, f.name AS firm_name, \
    u.name AS created_by_name FROM contracts c JOIN projects p ON p.id = c.project_id \
    JOIN departments d ON d.id = p.owner_department_id \
    JOIN firms f ON f.id = c.firm_id JOIN users u ON u.id = c.created_by";

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Contract> {
    let kind: String = r.try_get("kind")?;
    let method: String = r.try_get("method")?;
    let state: String = r.try_get("state")?;
    let deliverables: String = r.try_get("deliverables")?;
    Ok(Contract {
        id: r.try_get("id")?,
        project_id: ProjectId(r.try_get("project_id")?),
        project_name: r.try_get("project_name")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        profile_id: r.try_get("profile_id")?,
        terms: ContractTerms {
            kind: ContractKind::parse(&kind).unwrap_or(ContractKind::Construction),
            firm_id: r.try_get("firm_id")?,
            title: r.try_get("title")?,
            method: ProcurementMethod::parse(&method).unwrap_or(ProcurementMethod::Other),
            amount: Yuan(r.try_get("amount_yuan")?),
            signed_on: day(&r.try_get::<String, _>("signed_on")?),
            starts_on: day(&r.try_get::<String, _>("starts_on")?),
            ends_on: day(&r.try_get::<String, _>("ends_on")?),
            om_months: r.try_get::<i64, _>("om_months")?.clamp(0, 600) as u32,
            deliverables: deliverables.split(',').filter_map(Deliverable::parse).collect(),
            ownership: r.try_get("ownership")?,
            termination: r.try_get("termination")?,
        },
        firm_name: r.try_get("firm_name")?,
        status: ContractStatus::parse(&state).unwrap_or(ContractStatus::Recorded),
        created_by: r.try_get("created_by_name")?,
        created_at_ms: r.try_get("created_at_ms")?,
        version: r.try_get("version")?,
    })
}

pub(crate) async fn fetch_contract(conn: &mut AnyConnection, id: i64) -> Result<Option<Contract>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

impl Record for Contract {
    const KIND: &'static str = "contract";
    type Carry = ();
    const TABLE: Option<&'static str> = Some("contracts");

    fn key(&self) -> (i64, i64) {
        (self.id, self.version)
    }
    async fn load(conn: &mut AnyConnection, _: Who<'_>, id: i64) -> Result<Option<Self>> {
        fetch_contract(conn, id).await
    }
    /// A contract is seen by whoever sees its project.
    async fn load_visible(conn: &mut AnyConnection, who: Who<'_>, id: i64) -> Result<Option<Self>> {
        let Some(c) = fetch_contract(conn, id).await? else { return Ok(None) };
        Ok(Project::load_visible(conn, who, c.project_id.0).await?.map(|_| c))
    }
    fn audit_view(&self) -> serde_json::Value {
        json!({"project_id": self.project_id, "terms": self.terms, "firm": self.firm_name,
               "status": self.status, "version": self.version})
    }
}

/// The route of a contract's filing under its profile (empty: recorded only).
pub(crate) fn route_of(store: &Store, profile: &str, kind: ContractKind) -> Route {
    let rules = store.rules();
    rules.profile(profile).map(|p| contract::filing_route(p, kind)).unwrap_or_default()
}

pub(crate) async fn run_of(
    store: &Store, conn: &mut AnyConnection, c: &Contract,
) -> Result<ContractRun> {
    let route = route_of(store, &c.profile_id, c.terms.kind);
    let acts = read_acts(conn, Acts::Contract, c.id).await?;
    let plain: Vec<Act> = acts.iter().map(|a| a.act.clone()).collect();
    let progress = replay(&route, c.created_at_ms, &plain);
    Ok(ContractRun { route, progress, acts })
}

/// The parties the caller acts as on the contract's project (the owner unit, the authority,
/// 局党组 …), as on the project's own path.
pub(crate) async fn contract_parties(
    conn: &mut AnyConnection, principal: &Principal, project: ProjectId,
) -> Result<(Option<Project>, Vec<String>)> {
    let Some(p) = crate::projects::fetch(conn, project).await? else {
        return Ok((None, Vec::new()));
    };
    let parties = crate::projects::run::acting_parties(conn, principal, &p).await?;
    Ok((Some(p), parties))
}

/// A contract, its run, and what the reader may do with it.
#[derive(Debug, Clone)]
pub struct ContractView {
    pub contract: Contract,
    pub run: ContractRun,
    pub verbs: Vec<VerbKind>,
}

/// The construction contracts' O&M period, in whole years: the longest of the project's
/// contracts (linxiang:19 tests it at signing). Unknown until a construction contract is in.
pub struct ContractFacts;

impl FactSource for ContractFacts {
    fn derive<'a>(
        &'a self, conn: &'a mut AnyConnection, p: &'a Project, facts: &'a mut Facts,
    ) -> FactFuture<'a> {
        Box::pin(async move {
            let months: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(om_months) FROM contracts WHERE project_id = $1 AND kind = 'construction'",
            )
            .bind(p.id.0)
            .fetch_one(&mut *conn)
            .await?;
            if let Some(m) = months {
                facts.insert(Fact::OmYearsInContract, m / 12);
            }
            Ok(())
        })
    }
}

impl Store {
    /// A contract the caller may see, with its filing's run and the verbs the caller may use.
    pub async fn contract_view(&self, who: Who<'_>, id: i64) -> Result<ContractView> {
        let contract = self.read::<Contract>(who, id).await?;
        let mut conn = self.pool.acquire().await?;
        let run = run_of(self, &mut conn, &contract).await?;
        let (_, parties) = contract_parties(&mut conn, who.principal, contract.project_id).await?;
        let actor = Actor { user: who.principal.user_id, parties: &parties };
        let verbs = run
            .progress
            .verbs(&run.route, actor, who.now_ms)
            .into_iter()
            .filter(|v| CONTRACT_VERBS.contains(v))
            .collect();
        Ok(ContractView { contract, run, verbs })
    }

    /// The contracts of a project the caller has read (and so may see), oldest first.
    pub async fn contracts_of(&self, project: ProjectId) -> Result<Vec<Contract>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE c.project_id = $1 ORDER BY c.id"
        )))
        .bind(project.0)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The contracts of the caller's jurisdiction whose filing waits on them now (the owner
    /// unit's 报送, 局党组's consent, the authority's 备案), oldest first, at most `limit`.
    pub async fn contracts_waiting(
        &self, principal: &Principal, limit: usize,
    ) -> Result<Vec<Contract>> {
        use crate::{Param, Where, bind_all, like_pattern};
        let mut conn = self.pool.acquire().await?;
        // Only the rows whose open step waits on one of the caller's parties are read and
        // folded: the owner unit's (a declarant of the unit or one above it) and the party
        // kinds of the caller's department.
        let mut any: Vec<(String, Vec<Param>)> = Vec::new();
        if principal.has(govit_core::org::Role::Declarant)
            && let Some(path) = principal.department_path.as_deref()
        {
            let below = format!("{}%", like_pattern(path).trim_matches('%'));
            any.push((
                "(c.waiting_on = 'owner_unit' AND d.path LIKE ? ESCAPE '\\')".into(),
                vec![Param::Text(below)],
            ));
        }
        if principal.has(govit_core::org::Role::Reviewer) {
            for k in crate::org::parties_of(&mut conn, principal).await? {
                if k.as_str() == crate::projects::run::OWNER {
                    continue;
                }
                any.push((
                    "(',' || c.waiting_on || ',') LIKE ?".into(),
                    vec![Param::Text(format!("%,{},%", k.as_str()))],
                ));
            }
        }
        if any.is_empty() {
            return Ok(Vec::new());
        }
        let mut w = Where::default();
        w.and("c.jurisdiction_id = ?", vec![Param::Int(principal.jurisdiction_id.0)]);
        w.and("c.state IN ('to_file', 'returned', 'filing')", vec![]);
        let clause = any.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(" OR ");
        w.and(&format!("({clause})"), any.into_iter().flat_map(|(_, p)| p).collect());
        let sql = format!("{SELECT}{} ORDER BY c.id LIMIT 2000", w.sql());
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.params)
            .fetch_all(&mut *conn)
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let c = from_row(r)?;
            let run = run_of(self, &mut conn, &c).await?;
            let (p, parties) = contract_parties(&mut conn, principal, c.project_id).await?;
            let visible = match p {
                Some(p) => principal.can_see_project(&p.ownership(), p.status),
                None => false,
            };
            let actor = Actor { user: principal.user_id, parties: &parties };
            if visible && run.progress.holds(actor) {
                out.push(c);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The contracts of the projects the caller may see, newest first, a page at a time;
    /// `q` matches the contract's title, its project's name or its firm's.
    pub async fn list_contracts(
        &self, principal: &Principal, q: &str, page: crate::base::Page,
    ) -> Result<crate::base::Paged<Contract>> {
        let mut w = crate::projects::scope_where(principal);
        w.and("c.jurisdiction_id = ?", vec![crate::Param::Int(principal.jurisdiction_id.0)]);
        w.keyword(q, &["c.title", "p.name", "f.name"]);
        let count_from = "FROM contracts c JOIN projects p ON p.id = c.project_id \
                          JOIN departments d ON d.id = p.owner_department_id \
                          JOIN firms f ON f.id = c.firm_id";
        self.fetch_page((SELECT, count_from), &w, "c.id DESC", page, from_row).await
    }

    /// The firms of a kind in the caller's jurisdiction a contract may be signed with now
    /// (id, name), blacklisted ones left out.
    pub async fn contractable_firms(
        &self, jurisdiction: JurisdictionId, kind: ContractKind,
    ) -> Result<Vec<(i64, String)>> {
        let mut conn = self.pool.acquire().await?;
        Ok(sqlx::query_as(
            "SELECT id, name FROM firms WHERE jurisdiction_id = $1 AND kind = $2 AND blacklisted = 0 ORDER BY name",
        )
        .bind(jurisdiction.0)
        .bind(kind.firm_kind().as_str())
        .fetch_all(&mut *conn)
        .await?)
    }
}
