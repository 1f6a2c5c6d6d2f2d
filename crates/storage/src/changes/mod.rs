//! 项目调整 as the store keeps them: the owner unit's requests to change an approved project,
//! with the amounts they move, and the run of each along the route its profile lays out
//! (`govit_core::change::routing`: the `change_request` chain, or approval again past
//! lhasa:16's 15%), folded from `change_acts` by the subject mechanism every run beside a
//! project's path uses. `change_ratio_bp` is derived here from the project's changes (a
//! [`FactSource`]). See `steps` for the changes of a change.

mod steps;

pub use steps::{CancelChange, EditChange, RequestChange, not_editable};

use crate::projects::run::Acts;
use crate::projects::run::subject::{Subject, SubjectAct, SubjectView};
use crate::projects::{FactSource, FactsFuture, Project};
use crate::{Result, Store};
use govit_core::change::{ChangePath, ChangeStatus, ChangeTerms};
use govit_core::ids::{JurisdictionId, ProjectId};
use govit_core::money::Yuan;
use govit_core::policy::{Fact, Facts};
use govit_core::project::ProjectAction;
use govit_core::workflow::{Progress, Route, VerbKind};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};

/// A change, as read.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: i64,
    pub project_id: ProjectId,
    pub project_name: String,
    /// The project's approved budget (its investment) and its owner unit.
    pub approved: Yuan,
    pub owner_name: String,
    pub jurisdiction_id: JurisdictionId,
    pub profile_id: String,
    pub terms: ChangeTerms,
    /// The share of the approved budget the project's changes moved with this one, in basis
    /// points, when the approved budget is known.
    pub ratio_bp: Option<i64>,
    pub path: ChangePath,
    /// The facts its route was laid out under.
    #[serde(skip)]
    pub facts: Facts,
    pub status: ChangeStatus,
    /// The parties its open step waits on (comma-separated).
    #[serde(skip)]
    pub waiting_on: String,
    /// Why its owner cancelled it, when cancelled.
    pub cancel_reason: String,
    pub created_by: String,
    pub created_at_ms: i64,
    /// When its run's current step began — its sending, or the act that brought it there (for
    /// a finished run, when it finished): how long it has waited.
    pub waiting_since_ms: i64,
    pub version: i64,
}

impl Change {
    /// 累计调整占批复概算, as a person reads it (15%, 12.5%), or — when unknown.
    pub fn share(&self) -> String {
        self.ratio_bp.map_or_else(|| "—".into(), |b| Fact::ChangeRatioBp.show_value(b))
    }

    /// Whether it counts toward the project's adjustments (not refused, not cancelled).
    pub fn counts(&self) -> bool {
        !matches!(self.status, ChangeStatus::Refused | ChangeStatus::Cancelled)
    }

    /// The total investment after it, when it raises more than it lowers: more than the
    /// approved budget (lhasa:16 and yeji:20 let the owner change only within it).
    pub fn exceeds_budget(&self) -> Option<Yuan> {
        let net = self.terms.increase.0 - self.terms.decrease.0;
        (net > 0).then(|| Yuan(self.approved.0.saturating_add(net)))
    }
}

/// The verbs a change's run offers: sent, passed (批准, 备案), returned for correction,
/// taken back by the sender, or refused (不予通过).
pub const CHANGE_VERBS: [VerbKind; 4] =
    [VerbKind::Pass, VerbKind::Return, VerbKind::Withdraw, VerbKind::Reject];

/// A change as its run leaves it, with the reader's verbs.
pub type ChangeView = SubjectView<Change>;

/// One act on a change (申请调整, 批准, 备案, 退回, 撤回, 不予通过).
pub type ChangeAct = SubjectAct<Change>;

const SELECT: &str = "SELECT s.*, p.name AS project_name, p.profile_id, p.investment_yuan, \
    d.name AS owner_name, u.name AS created_by_name FROM project_changes s JOIN projects p ON p.id = s.project_id \
    JOIN departments d ON d.id = p.owner_department_id JOIN users u ON u.id = s.created_by";
const FROM: &str = "FROM project_changes s JOIN projects p ON p.id = s.project_id \
    JOIN departments d ON d.id = p.owner_department_id";

pub(crate) use crate::projects::run::subject::{facts_from_json, facts_json};

fn from_row(r: &sqlx::any::AnyRow) -> Result<Change> {
    let path: String = r.try_get("path")?;
    let state: String = r.try_get("state")?;
    let ratio: i64 = r.try_get("ratio_bp")?;
    Ok(Change {
        id: r.try_get("id")?,
        project_id: ProjectId(r.try_get("project_id")?),
        project_name: r.try_get("project_name")?,
        approved: Yuan(r.try_get("investment_yuan")?),
        owner_name: r.try_get("owner_name")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        profile_id: r.try_get("profile_id")?,
        terms: ChangeTerms {
            title: r.try_get("title")?,
            content: r.try_get("content")?,
            reason: r.try_get("reason")?,
            increase: Yuan(r.try_get("increase_yuan")?),
            decrease: Yuan(r.try_get("decrease_yuan")?),
        },
        ratio_bp: (ratio >= 0).then_some(ratio),
        path: ChangePath::parse(&path).unwrap_or(ChangePath::Change),
        facts: facts_from_json(&r.try_get::<String, _>("facts")?),
        status: ChangeStatus::parse(&state).unwrap_or(ChangeStatus::ToSend),
        waiting_on: r.try_get("waiting_on")?,
        cancel_reason: r.try_get("cancel_reason")?,
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
    Change,
    "change",
    "project_changes",
    |s| json!({"project_id": s.project_id, "terms": s.terms, "ratio_bp": s.ratio_bp,
               "path": s.path, "status": s.status, "version": s.version})
);

/// The route of a change under its profile, from the facts it was recorded with.
pub(crate) fn route_of(store: &Store, profile: &str, facts: &Facts) -> Route {
    let rules = store.rules();
    let ratio = facts.get(&Fact::ChangeRatioBp).copied();
    rules
        .profile(profile)
        .map(|p| govit_core::change::routing(p, facts, ratio).route)
        .unwrap_or_default()
}

impl Subject for Change {
    const ACTS: Acts = Acts::Change;
    const ROWS: &'static str = "project_changes";
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = FROM;
    const KEYWORDS: &'static [&'static str] = &["s.title", "p.name"];
    const VERBS: &'static [VerbKind] = &CHANGE_VERBS;
    const OPEN: &'static [&'static str] = &["to_send", "returned", "handling"];
    const ACTION: ProjectAction = ProjectAction::Change;
    const NO_ROUTE: &'static str = "本辖区的规定没有项目调整的办理程序";
    const RECORDS_EVENTS: bool = false;

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
        route_of(store, &self.profile_id, &self.facts)
    }
    fn named(&self) -> String {
        format!("项目调整《{}》", self.terms.title)
    }
    fn naming(&self) -> (&'static str, &'static str) {
        ("本项目调整", "本项目调整已办结")
    }
    fn closed(&self) -> Option<&'static str> {
        (self.status == ChangeStatus::Cancelled).then_some("本项目调整已撤销")
    }
    fn state(_: &Route, progress: &Progress, returned: bool) -> &'static str {
        govit_core::change::status(progress, returned).as_str()
    }
}

/// The amount the project's changes have moved, the one `except` left out and refused or
/// cancelled ones not counted.
pub(crate) async fn moved_so_far(
    conn: &mut AnyConnection, project: ProjectId, except: Option<i64>,
) -> Result<Yuan> {
    // SUM of BIGINT is NUMERIC on PostgreSQL: cast back.
    let moved: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(increase_yuan + decrease_yuan), 0) AS BIGINT) FROM project_changes \
         WHERE project_id = $1 AND state NOT IN ('refused', 'cancelled') AND id <> $2",
    )
    .bind(project.0)
    .bind(except.unwrap_or(-1))
    .fetch_one(&mut *conn)
    .await?;
    Ok(Yuan(moved))
}

/// The share of the approved budget the project's changes have moved (lhasa:16 adds up their
/// absolute amounts), refused ones not counted. Unknown until a change is recorded.
pub struct ChangeFacts;

impl FactSource for ChangeFacts {
    fn derive_all<'a>(
        &'a self, conn: &'a mut AnyConnection, ps: &'a [&'a Project],
    ) -> FactsFuture<'a> {
        Box::pin(async move {
            // Which of them have a change at all (most have none), then what those moved.
            let ids: Vec<i64> = ps.iter().map(|p| p.id.0).collect();
            let rows = crate::projects::of_projects(
                conn,
                "SELECT DISTINCT project_id FROM project_changes WHERE project_id IN ({ids})",
                &ids,
            )
            .await?;
            let mut changed = std::collections::HashSet::new();
            for r in rows {
                changed.insert(r.try_get::<i64, _>("project_id")?);
            }
            let mut out = Vec::with_capacity(ps.len());
            for p in ps {
                let mut facts = Facts::new();
                if changed.contains(&p.id.0) {
                    let moved = moved_so_far(conn, p.id, None).await?;
                    if let Some(r) = govit_core::change::ratio_bp(moved, p.declaration.investment) {
                        facts.insert(Fact::ChangeRatioBp, r);
                    }
                }
                out.push(facts);
            }
            Ok(out)
        })
    }
    /// A change is requested on an approved project only: before, unknown.
    fn before_approval(&self, _: &mut Facts) -> bool {
        true
    }
}

impl Store {
    /// What the project's changes have moved so far (refused and cancelled ones not
    /// counted), for the form that requests another.
    pub async fn changes_moved(&self, project: ProjectId) -> Result<Yuan> {
        let mut conn = self.pool.acquire().await?;
        moved_so_far(&mut conn, project, None).await
    }
}
