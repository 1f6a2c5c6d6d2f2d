//! 项目验收 as the store keeps it: an acceptance of a project, numbered by attempt, with the
//! owner's summary and contact, and the run of each along its profile's acceptance stages
//! (`govit_core::acceptance::route`, under the facts kept with it), folded from
//! `acceptance_acts` by the subject mechanism. Its steps record on the project what they
//! cause — 初步验收合格, 提出竣工验收申请, 通过竣工验收, 验收备案 — which meet the profile's
//! acceptance duties; the profile's `accept` gates stand in front of the step that accepts.
//! See `steps`.

mod steps;

pub use steps::{EditAcceptance, StartAcceptance, not_editable};

use crate::base::change::Record;
use crate::projects::run::Acts;
use crate::projects::run::subject::{Subject, SubjectAct, SubjectView, facts_from_json};
use crate::{Result, Store};
use govit_core::acceptance::{self, AcceptanceStatus, AcceptanceTerms};
use govit_core::ids::{JurisdictionId, ProjectId};
use govit_core::money::Yuan;
use govit_core::policy::{Facts, GatedAction};
use govit_core::project::ProjectAction;
use govit_core::workflow::{Progress, Route, VerbKind};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

/// An acceptance, as read.
#[derive(Debug, Clone, Serialize)]
pub struct Acceptance {
    pub id: i64,
    pub project_id: ProjectId,
    pub project_name: String,
    /// The project's approved budget and its owner unit.
    pub approved: Yuan,
    pub owner_name: String,
    pub jurisdiction_id: JurisdictionId,
    pub profile_id: String,
    /// The project's first, second … acceptance.
    pub attempt: i64,
    pub terms: AcceptanceTerms,
    /// Whether its route starts at the completion acceptance (the preliminary one passed in
    /// an earlier attempt).
    pub after_preliminary: bool,
    /// The facts its route was laid out under.
    #[serde(skip)]
    pub facts: Facts,
    pub status: AcceptanceStatus,
    pub created_by: String,
    pub created_at_ms: i64,
    /// When its run's current step began — its sending, or the act that brought it there (for
    /// a finished run, when it finished): how long it has waited.
    pub waiting_since_ms: i64,
    pub version: i64,
}

impl Acceptance {
    /// 第 2 次验收.
    pub fn name(&self) -> String {
        format!("第 {} 次验收", self.attempt)
    }

    /// Whether its run is over (passed and through, or failed).
    pub fn through(&self) -> bool {
        matches!(
            self.status,
            AcceptanceStatus::Accepted | AcceptanceStatus::Filed | AcceptanceStatus::Failed
        )
    }

    /// Whether the project passed its acceptance in it.
    pub fn passed(&self) -> bool {
        acceptance::passed(self.status)
    }
}

/// The verbs an acceptance's run offers: passed (验收合格, 申请, 备案), returned for
/// correction, taken back by the sender, or not passed (验收未通过: it ends, and the owner
/// rectifies and applies again).
pub const ACCEPTANCE_VERBS: [VerbKind; 4] =
    [VerbKind::Pass, VerbKind::Return, VerbKind::Withdraw, VerbKind::Reject];

/// An acceptance as its run leaves it, with the reader's verbs.
pub type AcceptanceView = SubjectView<Acceptance>;

/// One act on an acceptance.
pub type AcceptanceAct = SubjectAct<Acceptance>;

const SELECT: &str = "SELECT s.*, p.name AS project_name, p.profile_id, p.investment_yuan, \
    d.name AS owner_name, u.name AS created_by_name FROM project_acceptances s \
    JOIN projects p ON p.id = s.project_id JOIN departments d ON d.id = p.owner_department_id \
    JOIN users u ON u.id = s.created_by";
const FROM: &str = "FROM project_acceptances s JOIN projects p ON p.id = s.project_id \
    JOIN departments d ON d.id = p.owner_department_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Acceptance> {
    let state: String = r.try_get("state")?;
    Ok(Acceptance {
        id: r.try_get("id")?,
        project_id: ProjectId(r.try_get("project_id")?),
        project_name: r.try_get("project_name")?,
        approved: Yuan(r.try_get("investment_yuan")?),
        owner_name: r.try_get("owner_name")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        profile_id: r.try_get("profile_id")?,
        attempt: r.try_get("attempt")?,
        terms: AcceptanceTerms {
            summary: r.try_get("summary")?,
            contact: r.try_get("contact")?,
            phone: r.try_get("phone")?,
        },
        after_preliminary: r.try_get::<i64, _>("after_preliminary")? != 0,
        facts: facts_from_json(&r.try_get::<String, _>("facts")?),
        status: AcceptanceStatus::parse(&state).unwrap_or(AcceptanceStatus::Accepting),
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
    Acceptance,
    "acceptance",
    "project_acceptances",
    |s| json!({"project_id": s.project_id, "attempt": s.attempt, "terms": s.terms,
               "status": s.status, "version": s.version})
);

/// The route of an acceptance under its profile, from the facts it was started with.
pub(crate) fn route_of(store: &Store, profile: &str, facts: &Facts, after: bool) -> Route {
    let rules = store.rules();
    rules.profile(profile).map(|p| acceptance::route(p, facts, after)).unwrap_or_default()
}

impl Subject for Acceptance {
    const ACTS: Acts = Acts::Acceptance;
    const ROWS: &'static str = "project_acceptances";
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = FROM;
    const KEYWORDS: &'static [&'static str] = &["p.name", "d.name"];
    const VERBS: &'static [VerbKind] = &ACCEPTANCE_VERBS;
    const OPEN: &'static [&'static str] = &["preliminary", "returned", "accepting", "filing"];
    const ACTION: ProjectAction = ProjectAction::Acceptance;
    const NO_ROUTE: &'static str = "本辖区的规定没有项目验收的办理程序";

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
        route_of(store, &self.profile_id, &self.facts, self.after_preliminary)
    }
    fn named(&self) -> String {
        format!("项目{}", self.name())
    }
    fn naming(&self) -> (&'static str, &'static str) {
        ("本次验收", "本次验收已办结")
    }
    fn state(route: &Route, progress: &Progress, returned: bool) -> &'static str {
        acceptance::status(route, progress, returned).as_str()
    }
    fn gated(route: &Route, index: usize) -> Option<GatedAction> {
        (acceptance::accepting_index(route) == Some(index)).then_some(GatedAction::Accept)
    }
}

/// `acceptance_failed`: whether the project's latest acceptance failed (验收未通过), which
/// holds back what remains to be paid until a later one passes (linxiang:27); 0 for a project
/// whose latest acceptance has not failed or that has none.
pub struct AcceptanceFacts;

impl crate::projects::FactSource for AcceptanceFacts {
    fn derive_all<'a>(
        &'a self, conn: &'a mut sqlx::AnyConnection, ps: &'a [&'a crate::projects::Project],
    ) -> crate::projects::FactsFuture<'a> {
        Box::pin(async move {
            // Each project's acceptances by attempt: the last row is its latest.
            let ids: Vec<i64> = ps.iter().map(|p| p.id.0).collect();
            let rows = crate::projects::of_projects(
                conn,
                "SELECT project_id, state FROM project_acceptances WHERE project_id IN ({ids}) \
                 ORDER BY project_id, attempt",
                &ids,
            )
            .await?;
            let mut last = std::collections::HashMap::new();
            for r in rows {
                last.insert(r.try_get::<i64, _>("project_id")?, r.try_get::<String, _>("state")?);
            }
            Ok(ps
                .iter()
                .map(|p| {
                    let failed = last.get(&p.id.0).map(String::as_str)
                        == Some(AcceptanceStatus::Failed.as_str());
                    let mut facts = Facts::new();
                    facts.insert(govit_core::policy::Fact::AcceptanceFailed, i64::from(failed));
                    facts
                })
                .collect())
        })
    }
    /// An acceptance begins on an approved project only: before, none has failed.
    fn before_approval(&self, facts: &mut Facts) -> bool {
        facts.insert(govit_core::policy::Fact::AcceptanceFailed, 0);
        true
    }
}
