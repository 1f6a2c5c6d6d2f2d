//! 合同 as the store keeps them: the construction and supervision contracts an owner unit
//! signs for an approved project, their terms as signed, and the run of their filing along
//! the chain of the profile's `contract_filing` / `supervisor_filing` stage
//! (`govit_core::contract::filing_route`), folded from `contract_acts` by the same engine as a
//! project's path and a plan's. Signing records 签订合同 or 确定监理 on the project; the
//! filing's last step records 合同备案 or 监理备案. `om_years_in_contract` is derived from the
//! construction contracts here (a [`FactSource`]). See `steps` for the changes.

mod steps;

pub use steps::{EditContract, SignContract, not_editable};

/// One act on a contract's filing (报送, 局党组's 同意, 备案, 退回, 撤回).
pub type ContractAct = SubjectAct<Contract>;

use crate::base::change::Record;
use crate::projects::run::Acts;
use crate::projects::run::subject::{Subject, SubjectAct, SubjectView};
use crate::projects::{FactSource, FactsFuture, Project};
use crate::{Result, Store};
use chrono::NaiveDate;
use govit_core::contract::{
    self, ContractKind, ContractStatus, ContractTerms, Deliverable, ProcurementMethod,
};
use govit_core::ids::{JurisdictionId, ProjectId};
use govit_core::money::Yuan;
use govit_core::policy::{Fact, Facts};
use govit_core::project::ProjectAction;
use govit_core::workflow::{Progress, Route, VerbKind};
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
    /// When its run's current step began — its sending, or the act that brought it there (for
    /// a finished run, when it finished): how long it has waited.
    pub waiting_since_ms: i64,
    pub version: i64,
}

/// The verbs a filing offers: it is sent, filed, returned for correction or taken back.
pub const CONTRACT_VERBS: [VerbKind; 3] = [VerbKind::Pass, VerbKind::Return, VerbKind::Withdraw];

/// A contract's filing as its run leaves it, with the reader's verbs.
pub type ContractView = SubjectView<Contract>;

const SELECT: &str = "SELECT s.*, p.name AS project_name, p.profile_id, f.name AS firm_name, \
    u.name AS created_by_name FROM contracts s JOIN projects p ON p.id = s.project_id \
    JOIN departments d ON d.id = p.owner_department_id \
    JOIN firms f ON f.id = s.firm_id JOIN users u ON u.id = s.created_by";
const FROM: &str = "FROM contracts s JOIN projects p ON p.id = s.project_id \
    JOIN departments d ON d.id = p.owner_department_id JOIN firms f ON f.id = s.firm_id";

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
        waiting_since_ms: match r.try_get::<Option<i64>, _>("waiting_since_ms")? {
            Some(ms) => ms,
            None => r.try_get("created_at_ms")?,
        },
        version: r.try_get("version")?,
    })
}

crate::projects::run::subject::subject_record!(
    Contract,
    "contract",
    "contracts",
    |s| json!({"project_id": s.project_id, "terms": s.terms, "firm": s.firm_name,
               "status": s.status, "version": s.version})
);

/// The route of a contract's filing under its profile (empty: recorded only).
pub(crate) fn route_of(store: &Store, profile: &str, kind: ContractKind) -> Route {
    let rules = store.rules();
    rules.profile(profile).map(|p| contract::filing_route(p, kind)).unwrap_or_default()
}

impl Subject for Contract {
    const ACTS: Acts = Acts::Contract;
    const ROWS: &'static str = "contracts";
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = FROM;
    const KEYWORDS: &'static [&'static str] = &["s.title", "p.name", "f.name"];
    const VERBS: &'static [VerbKind] = &CONTRACT_VERBS;
    const OPEN: &'static [&'static str] = &["to_file", "returned", "filing"];
    const ACTION: ProjectAction = ProjectAction::Contract;
    const NO_ROUTE: &'static str = "本辖区的规定没有该类合同的备案程序，合同登记即可";

    fn from_row(r: &sqlx::any::AnyRow) -> Result<Self> {
        from_row(r)
    }
    fn project(&self) -> ProjectId {
        self.project_id
    }
    fn profile(&self) -> &str {
        &self.profile_id
    }
    fn started_ms(&self) -> i64 {
        self.created_at_ms
    }
    fn waiting_since_ms(&self) -> i64 {
        self.waiting_since_ms
    }
    fn route(&self, store: &Store) -> Route {
        route_of(store, &self.profile_id, self.terms.kind)
    }
    fn named(&self) -> String {
        format!("{}《{}》", self.terms.kind.label(), self.terms.title)
    }
    fn naming(&self) -> (&'static str, &'static str) {
        ("本合同的备案", "合同已备案")
    }
    fn state(route: &Route, progress: &Progress, returned: bool) -> &'static str {
        contract::status(route, progress, returned).as_str()
    }
    fn asked(&self) -> serde_json::Value {
        json!({"project_id": self.project_id, "terms": self.terms})
    }
}

/// The construction contracts' O&M period, in whole years: the longest of the project's
/// contracts (linxiang:19 tests it at signing). Unknown until a construction contract is in.
pub struct ContractFacts;

impl FactSource for ContractFacts {
    fn derive_all<'a>(
        &'a self, conn: &'a mut AnyConnection, ps: &'a [&'a Project],
    ) -> FactsFuture<'a> {
        Box::pin(async move {
            let ids: Vec<i64> = ps.iter().map(|p| p.id.0).collect();
            let rows = crate::projects::of_projects(
                conn,
                "SELECT project_id, MAX(om_months) AS months FROM contracts \
                 WHERE project_id IN ({ids}) AND kind = 'construction' GROUP BY project_id",
                &ids,
            )
            .await?;
            let mut months = std::collections::HashMap::new();
            for r in rows {
                months.insert(
                    r.try_get::<i64, _>("project_id")?,
                    r.try_get::<Option<i64>, _>("months")?,
                );
            }
            Ok(ps
                .iter()
                .map(|p| {
                    let mut facts = Facts::new();
                    if let Some(Some(m)) = months.get(&p.id.0) {
                        facts.insert(Fact::OmYearsInContract, m / 12);
                        facts.insert(Fact::OmMonthsInContract, *m);
                    }
                    facts
                })
                .collect())
        })
    }
    /// A contract is signed on an approved project only: before, unknown.
    fn before_approval(&self, _: &mut Facts) -> bool {
        true
    }
}

impl Store {
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
