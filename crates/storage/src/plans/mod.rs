//! 年度计划 and 增补计划 as the store keeps them: a plan of a jurisdiction for a year, its
//! lines (the projects it takes, as they stood, with the amount arranged for the year), and
//! its run along the chain of its profile's plan rule (`govit_core::plan::route`), folded from
//! its acts by the same engine as a project's path. Publishing a plan records 列入年度计划 on
//! each of its projects that still qualifies, from which their `in_annual_plan` is derived
//! (linxiang:12, yeji:8/21, lhasa:6 gate on it); the others' lines are kept as left out, with
//! why. See `steps` for the changes.

mod steps;
mod verify;

pub use steps::{EditLines, LineChange, PlanAct, PublishPlan, StartPlan};
pub use verify::PlanActCheck;

use crate::base::change::{Record, Who};
use crate::{Result, Store};
use govit_core::decision::{SeenOpinion, Verdict};
use govit_core::declaration::{ConstructionPeriod, YearMonth};
use govit_core::ids::{JurisdictionId, ProjectId};
use govit_core::money::Yuan;
use govit_core::obligation::{GateCheck, GateRefusal};
use govit_core::org::{Principal, Role};
use govit_core::plan::{self, PlanKind, PlanLine, PlanStatus};
use govit_core::policy::GatedAction;
use govit_core::workflow::{Act, Actor, Progress, Route, Verb, VerbKind, replay};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};

/// A plan, as read.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub id: i64,
    pub jurisdiction_id: JurisdictionId,
    pub profile_id: String,
    pub kind: PlanKind,
    pub year: i32,
    pub seq: i64,
    pub title: String,
    pub status: PlanStatus,
    pub created_by: String,
    pub created_at_ms: i64,
    pub published_by: Option<String>,
    pub published_at_ms: Option<i64>,
    /// How many projects it holds (once published, those it carries: not the lines it left
    /// out).
    pub lines: usize,
    pub version: i64,
}

/// One act of a plan's history, as a project's run keeps its own.
pub use crate::projects::run::ActRecord as PlanActRecord;

/// A plan's run as it stands.
#[derive(Debug, Clone)]
pub struct PlanRun {
    pub route: Route,
    pub progress: Progress,
    pub acts: Vec<PlanActRecord>,
}

/// The verbs a plan's route offers: a plan has no panel, and its compiler and approvers act
/// as their units (no 转办 or 加签 to name people).
pub const PLAN_VERBS: [VerbKind; 4] =
    [VerbKind::Pass, VerbKind::Return, VerbKind::Reject, VerbKind::Withdraw];

const SELECT: &str = "SELECT x.*, u.name AS created_by_name, pu.name AS published_by_name, \
    (SELECT COUNT(*) FROM plan_lines l WHERE l.plan_id = x.id AND l.left_out IS NULL) AS line_count \
    FROM plans x JOIN users u ON u.id = x.created_by LEFT JOIN users pu ON pu.id = x.published_by";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Plan> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    Ok(Plan {
        id: r.try_get("id")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        profile_id: r.try_get("profile_id")?,
        kind: PlanKind::parse(&kind).unwrap_or(PlanKind::Annual),
        year: r.try_get::<i64, _>("year")? as i32,
        seq: r.try_get("seq")?,
        title: r.try_get("title")?,
        status: PlanStatus::parse(&state).unwrap_or(PlanStatus::Drafting),
        created_by: r.try_get("created_by_name")?,
        created_at_ms: r.try_get("created_at_ms")?,
        published_by: r.try_get("published_by_name")?,
        published_at_ms: r.try_get("published_at_ms")?,
        lines: r.try_get::<i64, _>("line_count")? as usize,
        version: r.try_get("version")?,
    })
}

pub(crate) async fn fetch_plan(conn: &mut AnyConnection, id: i64) -> Result<Option<Plan>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE x.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Who may read a plan: the people of its jurisdiction who review, observe or audit see every
/// plan; everyone else of the jurisdiction sees published ones (a unit looks up whether its
/// project is in the plan).
fn may_see(p: &Principal, plan: &Plan) -> bool {
    p.jurisdiction_id == plan.jurisdiction_id
        && (plan.status == PlanStatus::Published
            || [Role::Reviewer, Role::Viewer, Role::Auditor].iter().any(|r| p.has(*r)))
}

impl Record for Plan {
    const KIND: &'static str = "plan";
    type Carry = ();
    const TABLE: Option<&'static str> = Some("plans");

    fn key(&self) -> (i64, i64) {
        (self.id, self.version)
    }
    async fn load(conn: &mut AnyConnection, _: Who<'_>, id: i64) -> Result<Option<Self>> {
        fetch_plan(conn, id).await
    }
    async fn load_visible(conn: &mut AnyConnection, who: Who<'_>, id: i64) -> Result<Option<Self>> {
        Ok(fetch_plan(conn, id).await?.filter(|x| may_see(who.principal, x)))
    }
    fn audit_view(&self) -> serde_json::Value {
        json!({"kind": self.kind, "year": self.year, "seq": self.seq, "title": self.title,
               "status": self.status, "lines": self.lines, "version": self.version})
    }
}

/// The route of a plan: its profile's plan rule (an empty route when the profile has none).
pub(crate) fn route_of(store: &Store, plan: &Plan) -> Route {
    let rules = store.rules();
    rules.profile(&plan.profile_id).and_then(|p| plan::route(p, plan.kind)).unwrap_or_default()
}

pub(crate) async fn acts_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<PlanActRecord>> {
    crate::projects::run::read_acts(conn, crate::projects::run::Acts::Plan, id).await
}

pub(crate) async fn run_of(
    store: &Store, conn: &mut AnyConnection, plan: &Plan,
) -> Result<PlanRun> {
    let route = route_of(store, plan);
    let acts = acts_of(conn, plan.id).await?;
    let plain: Vec<Act> = acts.iter().map(|a| a.act.clone()).collect();
    let progress = replay(&route, plan.created_at_ms, &plain);
    Ok(PlanRun { route, progress, acts })
}

/// The opinions of the decisions (通过, 退回, 不予通过) made before act `seq`: each by its number
/// and the SM3 of its verb as stored.
pub(crate) fn opinions_before(acts: &[PlanActRecord], seq: i64) -> Vec<SeenOpinion> {
    acts.iter()
        .enumerate()
        .map(|(i, a)| (i as i64 + 1, a))
        .filter(|(n, a)| *n < seq && decides(&a.act.verb))
        .map(|(n, a)| SeenOpinion::of(n, &serde_json::to_string(&a.act.verb).unwrap_or_default()))
        .collect()
}

fn decides(v: &Verb) -> bool {
    matches!(v.kind(), VerbKind::Pass | VerbKind::Return | VerbKind::Reject)
}

/// The parties a person acts as on their jurisdiction's plans: their unit's party kinds, for
/// a reviewer (the owner unit never acts on a plan).
pub(crate) async fn plan_parties(
    conn: &mut AnyConnection, p: &Principal, plan_jurisdiction: JurisdictionId,
) -> Result<Vec<String>> {
    if p.jurisdiction_id != plan_jurisdiction || !p.has(Role::Reviewer) {
        return Ok(Vec::new());
    }
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM department_party_kinds WHERE department_id = $1 ORDER BY kind",
    )
    .bind(p.department_id.map_or(-1, |d| d.0))
    .fetch_all(&mut *conn)
    .await?;
    Ok(kinds.into_iter().filter(|k| k != "owner_unit").collect())
}

/// The lines of a plan, in the order they were taken in (by department, then project).
pub(crate) async fn lines_of(conn: &mut AnyConnection, plan_id: i64) -> Result<Vec<PlanLine>> {
    let rows =
        sqlx::query("SELECT * FROM plan_lines WHERE plan_id = $1 ORDER BY department, project_id")
            .bind(plan_id)
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(PlanLine {
                project_id: ProjectId(r.try_get("project_id")?),
                name: r.try_get("name")?,
                department: r.try_get("department")?,
                period: crate::projects::period_of(r)?,
                investment: Yuan(r.try_get("investment_yuan")?),
                sources: crate::projects::sources_of(r)?,
                year_amount: Yuan(r.try_get("year_amount_yuan")?),
            })
        })
        .collect()
}

/// The projects of a plan's lines that `p` may open, by the data scope the project page
/// applies (one read for the plan; everyone sees every line when their scope is the whole
/// jurisdiction).
async fn openable_lines(
    conn: &mut AnyConnection, p: &Principal, plan_id: i64,
) -> Result<std::collections::HashSet<ProjectId>> {
    let rows = sqlx::query(
        "SELECT p.id, p.status, p.jurisdiction_id, p.owner_department_id, p.created_by, d.path \
         FROM plan_lines l JOIN projects p ON p.id = l.project_id \
         JOIN departments d ON d.id = p.owner_department_id WHERE l.plan_id = $1",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = std::collections::HashSet::new();
    for r in &rows {
        let path: String = r.try_get("path")?;
        let o = govit_core::org::Ownership {
            jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
            department_id: govit_core::ids::DepartmentId(r.try_get("owner_department_id")?),
            department_path: &path,
            created_by: govit_core::ids::UserId(r.try_get("created_by")?),
        };
        let status = govit_core::project::ProjectStatus::parse(&r.try_get::<String, _>("status")?)
            .unwrap_or(govit_core::project::ProjectStatus::Draft);
        if p.can_see_project(&o, status) {
            out.insert(ProjectId(r.try_get("id")?));
        }
    }
    Ok(out)
}

/// The projects a plan of `kind` for `year` may take in `j`: those built during the year that
/// their units have sent (under review, or approved: linxiang:11 assembles the plan from the
/// declarations, before the pre-review linxiang:12 makes it the precondition of; yeji:8 after
/// the joint review; the compiler removes what it does not take), and that no other plan of
/// the year holds (one that was not refused); for a supplementary plan, only those a reviewer
/// found urgent (is_urgent).
pub(crate) async fn candidate_ids(
    store: &Store, conn: &mut AnyConnection, profile: &str, j: JurisdictionId, kind: PlanKind,
    year: i32, among: Among<'_>,
) -> Result<Vec<i64>> {
    Ok(candidates(store, conn, profile, j, kind, year, among).await?.0)
}

/// Which projects [`candidates`] looks at.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Among<'a> {
    /// All of the jurisdiction's.
    All,
    /// These.
    Only(&'a [i64]),
    /// These lines of the plan with this id: the plan's own lines do not keep them out.
    LinesOf(i64, &'a [i64]),
}

/// [`candidate_ids`], and those of them otherwise takeable that an `enter_plan` gate of the
/// profile keeps out, each with the gate's refusal.
pub(crate) async fn candidates(
    store: &Store, conn: &mut AnyConnection, profile: &str, j: JurisdictionId, kind: PlanKind,
    year: i32, among: Among<'_>,
) -> Result<(Vec<i64>, Vec<(i64, GateRefusal)>)> {
    let urgent = match kind {
        PlanKind::Supplementary => {
            " AND EXISTS (SELECT 1 FROM project_facts f WHERE f.project_id = p.id \
             AND f.fact = 'is_urgent' AND f.value = 1)"
        }
        PlanKind::Annual => "",
    };
    let (only, except) = match among {
        Among::All => (None, 0),
        Among::Only(ids) => (Some(ids), 0),
        Among::LinesOf(plan, ids) => (Some(ids), plan),
    };
    let only_sql = match only {
        Some(ids) if !ids.is_empty() => {
            format!(
                " AND p.id IN ({})",
                ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
            )
        }
        Some(_) => return Ok((Vec::new(), Vec::new())),
        None => String::new(),
    };
    let y = format!("{year:04}");
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.submitted_at_ms FROM projects p WHERE p.jurisdiction_id = $1 \
         AND substr(p.period_start, 1, 4) <= $2 AND substr(p.period_end, 1, 4) >= $2 \
         AND p.status IN ('submitted', 'approved') \
         AND NOT {terminated} \
         AND NOT EXISTS (SELECT 1 FROM plan_lines l JOIN plans x ON x.id = l.plan_id \
              WHERE l.project_id = p.id AND x.year = $3 AND x.state <> 'rejected' AND x.id <> $4 \
              AND l.left_out IS NULL)\
         {urgent}{only_sql} ORDER BY p.id",
        terminated = crate::base::TERMINATED
    )))
    .bind(j.0)
    .bind(y)
    .bind(i64::from(year))
    .bind(except)
    .fetch_all(&mut *conn)
    .await?;
    // A declaration sent after the window's cut-off whose profile sends it to the plan of the
    // year after next (lhasa:7) enters no annual plan before that year.
    let rules = store.rules();
    let profile = rules.profile(profile);
    let ids = rows
        .into_iter()
        .filter(|(_, sent)| match (kind, profile, sent) {
            (PlanKind::Annual, Some(p), Some(sent)) => {
                p.enters_annual_plan(crate::china_today(*sent), year)
            }
            _ => true,
        })
        .map(|(id, _)| id)
        .collect::<Vec<i64>>();
    // An annual plan takes only those its profile's `enter_plan` gates let in (lhasa:7: once
    // pre-reviewed; linxiang-data:11: able to share their data).
    let gated = kind == PlanKind::Annual
        && profile.is_some_and(|p| p.gates.iter().any(|g| g.action == GatedAction::EnterPlan));
    if !gated {
        return Ok((ids, Vec::new()));
    }
    let (mut kept, mut refused) = (Vec::with_capacity(ids.len()), Vec::new());
    for id in ids {
        let Some(p) = crate::projects::fetch(conn, ProjectId(id)).await? else { continue };
        let gates = store.gate_checks(conn, &p, GatedAction::EnterPlan, None).await?;
        match gates.iter().find_map(GateCheck::refusal) {
            None => kept.push(id),
            Some(r) => refused.push((id, r)),
        }
    }
    Ok((kept, refused))
}

/// A line of a plan whose project the plan could not take in now, and why.
#[derive(Debug, Clone, Serialize)]
pub struct UnfitLine {
    pub project_id: ProjectId,
    pub name: String,
    /// Why, in Chinese; a gate's refusal names its article.
    pub reason: String,
}

/// The lines of `lines` whose projects are not among `unfit`: what a plan carries once it is
/// published without those (the publication reads it here).
fn kept<'a>(
    lines: &'a [PlanLine], unfit: &'a [UnfitLine],
) -> impl Iterator<Item = &'a PlanLine> + 'a {
    lines.iter().filter(|l| !unfit.iter().any(|u| u.project_id == l.project_id))
}

/// The lines a plan in `status` holds as its sums count them: once published, those it
/// carries (not the lines it left out, `unfit`); before, all of them. The page's sums and
/// the sheet read it here.
fn carried<'a>(
    status: PlanStatus, lines: &'a [PlanLine], unfit: &'a [UnfitLine],
) -> Vec<&'a PlanLine> {
    match status {
        PlanStatus::Published => kept(lines, unfit).collect(),
        _ => lines.iter().collect(),
    }
}

/// The lines of `plan` whose projects it could no longer take in: sent back to their unit,
/// withdrawn, refused or terminated since they were taken in, taken into another plan of the
/// year, or kept out now by an `enter_plan` gate of the profile (lhasa:7's pre-review, the
/// fact it asks for found otherwise since). The compiler sees them on the plan's page, and
/// the plan is not sent on with them (its 报批).
pub(crate) async fn unfit_lines(
    store: &Store, conn: &mut AnyConnection, plan: &Plan, lines: &[PlanLine],
) -> Result<Vec<UnfitLine>> {
    let ids: Vec<i64> = lines.iter().map(|l| l.project_id.0).collect();
    let (j, kind, year) = (plan.jurisdiction_id, plan.kind, plan.year);
    let among = Among::LinesOf(plan.id, &ids);
    let (fit, gated) = candidates(store, conn, &plan.profile_id, j, kind, year, among).await?;
    let unfit: Vec<&PlanLine> = lines.iter().filter(|l| !fit.contains(&l.project_id.0)).collect();
    // Where no gate says why, the project's state does: read for them all at once.
    let ungated: Vec<ProjectId> = unfit
        .iter()
        .map(|l| l.project_id)
        .filter(|id| !gated.iter().any(|(g, _)| *g == id.0))
        .collect();
    let states = states_of(conn, &ungated).await?;
    Ok(unfit
        .into_iter()
        .map(|line| {
            let id = line.project_id;
            let reason = match gated.iter().find(|(g, _)| *g == id.0) {
                Some((_, r)) => r.to_string(),
                None => why_not_takeable(states.get(&id).copied(), kind).into(),
            };
            UnfitLine { project_id: id, name: line.name.clone(), reason }
        })
        .collect())
}

/// The lines a published plan left out (its projects no longer qualified when it was
/// published), with why.
async fn left_out_of(conn: &mut AnyConnection, plan: i64) -> Result<Vec<UnfitLine>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT project_id, name, left_out FROM plan_lines \
         WHERE plan_id = $1 AND left_out IS NOT NULL ORDER BY department, project_id",
    )
    .bind(plan)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, reason)| UnfitLine { project_id: ProjectId(id), name, reason })
        .collect())
}

type ProjectState = (govit_core::project::ProjectStatus, bool);

/// The status of each of these projects, and whether it is terminated.
async fn states_of(
    conn: &mut AnyConnection, ids: &[ProjectId],
) -> Result<std::collections::HashMap<ProjectId, ProjectState>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let list = ids.iter().map(|i| i.0.to_string()).collect::<Vec<_>>().join(",");
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.status, CASE WHEN {terminated} THEN 1 ELSE 0 END FROM projects p \
         WHERE p.id IN ({list})",
        terminated = crate::base::TERMINATED
    )))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, status, ended)| {
            let status = govit_core::project::ProjectStatus::parse(&status)?;
            Some((ProjectId(id), (status, ended == 1)))
        })
        .collect())
}

/// Why a plan of `kind` could not take in a project in `state` (one that no gate keeps out).
fn why_not_takeable(state: Option<ProjectState>, kind: PlanKind) -> &'static str {
    use govit_core::project::ProjectStatus as S;
    match state {
        None => "项目已不存在",
        Some((_, true)) => "项目已终止",
        Some((S::Returned, _)) => "项目已退回申报单位修改，尚未重新提交",
        Some((S::Draft, _)) => "项目已撤回申报，尚未重新提交",
        Some((S::Rejected, _)) => "项目审批不予通过",
        Some((S::OutsideScope, _)) => "项目已登记为不适用本办法",
        Some(_) if kind == PlanKind::Supplementary => {
            "项目不再认定为急需项目，或已列入本年度其他计划，或建设期不含本年度"
        }
        Some(_) => "项目已列入本年度其他计划，或建设期不含本年度",
    }
}

/// A plan with what its reader may do with it.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub plan: Plan,
    pub lines: Vec<PlanLine>,
    /// Its sums; once published, of the lines it carries (not those it left out).
    pub totals: plan::PlanTotals,
    pub run: PlanRun,
    /// The verbs the reader may use now.
    pub verbs: Vec<VerbKind>,
    /// Whether the reader compiles it now (adds, removes, sets amounts).
    pub editable: bool,
    /// Whether the reader may publish it now.
    pub publishable: bool,
    /// The projects the reader could add now (while compiling): (id, name, department).
    pub candidates: Vec<(i64, String, String)>,
    /// Each signed decision on its route, verified.
    pub decisions: Vec<PlanActCheck>,
    /// The lines' projects the reader may open (in their data scope): a published plan is
    /// read across the jurisdiction, another unit's project is not.
    pub openable: std::collections::HashSet<ProjectId>,
    /// Until it is published (or refused): the lines whose projects it could no longer take
    /// in ([`unfit_lines`]); once published: the lines it was published without, for that.
    pub unfit: Vec<UnfitLine>,
}

impl PlanView {
    /// The lines the plan holds as its sums count them: once published, those it carries (not
    /// the lines it left out); before, all of them.
    pub fn carried(&self) -> Vec<&PlanLine> {
        carried(self.plan.status, &self.lines, &self.unfit)
    }
}

/// Filters of the plan list.
#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    pub year: Option<i32>,
    pub kind: Option<PlanKind>,
}

impl Store {
    /// The plans of the caller's jurisdiction they may see, newest year first.
    pub async fn list_plans(&self, principal: &Principal, f: &PlanFilter) -> Result<Vec<Plan>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE x.jurisdiction_id = $1 AND ($2 = 0 OR x.year = $2) AND ($3 = '' OR x.kind = $3) \
             ORDER BY x.year DESC, x.kind, x.seq DESC LIMIT 500"
        )))
        .bind(principal.jurisdiction_id.0)
        .bind(f.year.map_or(0, i64::from))
        .bind(f.kind.map_or("", |k| k.as_str()))
        .fetch_all(&mut *conn)
        .await?;
        let plans: Vec<Plan> = rows.iter().map(from_row).collect::<Result<_>>()?;
        Ok(plans.into_iter().filter(|x| may_see(principal, x)).collect())
    }

    /// A plan as its page shows it, for a reader who may see it (404 otherwise).
    pub async fn plan_view(&self, who: Who<'_>, id: i64) -> Result<PlanView> {
        let plan = self.read::<Plan>(who, id).await?;
        let mut conn = self.pool.acquire().await?;
        let lines = lines_of(&mut conn, id).await?;
        let run = run_of(self, &mut conn, &plan).await?;
        let parties = plan_parties(&mut conn, who.principal, plan.jurisdiction_id).await?;
        let actor = Actor { user: who.principal.user_id, parties: &parties };
        let verbs: Vec<VerbKind> = run
            .progress
            .verbs(&run.route, actor, who.now_ms)
            .into_iter()
            .filter(|v| PLAN_VERBS.contains(v))
            .collect();
        let compiler =
            run.route.steps.first().is_some_and(|s| s.parties.iter().any(|k| parties.contains(k)));
        let editable = plan.status == PlanStatus::Drafting && run.progress.holds(actor);
        let publishable = plan.status == PlanStatus::Approved && compiler;
        let candidates = match editable {
            true => {
                let (j, kind, year) = (plan.jurisdiction_id, plan.kind, plan.year);
                let ids =
                    candidate_ids(self, &mut conn, &plan.profile_id, j, kind, year, Among::All)
                        .await?;
                names_of(&mut conn, &ids).await?
            }
            false => Vec::new(),
        };
        let decisions = self.verify_plan_with(&mut conn, &plan, &run, &lines).await?;
        let openable = openable_lines(&mut conn, who.principal, id).await?;
        let unfit = match plan.status {
            PlanStatus::Drafting | PlanStatus::Reviewing | PlanStatus::Approved => {
                unfit_lines(self, &mut conn, &plan, &lines).await?
            }
            PlanStatus::Published => left_out_of(&mut conn, plan.id).await?,
            _ => Vec::new(),
        };
        drop(conn);
        // A published plan sums what it carries: the lines it left out are not in it.
        let totals = plan::totals(carried(plan.status, &lines, &unfit));
        Ok(PlanView {
            plan,
            lines,
            totals,
            run,
            verbs,
            editable,
            publishable,
            candidates,
            decisions,
            openable,
            unfit,
        })
    }

    /// The kinds of plan the caller's unit compiles in their jurisdiction (the first party of
    /// its profile's plan rule): what 编制计划 offers them.
    pub async fn plan_kinds_for(&self, principal: &Principal) -> Result<Vec<PlanKind>> {
        let mut conn = self.pool.acquire().await?;
        let parties = plan_parties(&mut conn, principal, principal.jurisdiction_id).await?;
        let profile: String =
            sqlx::query_scalar("SELECT profile_id FROM jurisdictions WHERE id = $1")
                .bind(principal.jurisdiction_id.0)
                .fetch_one(&mut *conn)
                .await?;
        let rules = self.rules();
        let Some(profile) = rules.profile(&profile) else { return Ok(Vec::new()) };
        Ok(PlanKind::ALL
            .iter()
            .copied()
            .filter(|k| {
                plan::route(profile, *k)
                    .and_then(|r| r.steps.first().cloned())
                    .is_some_and(|s| s.parties.iter().any(|p| parties.contains(p)))
            })
            .collect())
    }

    /// The plans of the caller's jurisdiction waiting on them: to compile, to approve, to
    /// publish.
    pub async fn plans_waiting(&self, principal: &Principal) -> Result<Vec<Plan>> {
        if !principal.has(Role::Reviewer) {
            return Ok(Vec::new());
        }
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE x.jurisdiction_id = $1 AND x.state IN ('drafting', 'reviewing', 'approved') \
             ORDER BY x.created_at_ms LIMIT 100"
        )))
        .bind(principal.jurisdiction_id.0)
        .fetch_all(&mut *conn)
        .await?;
        let parties = plan_parties(&mut conn, principal, principal.jurisdiction_id).await?;
        if parties.is_empty() {
            return Ok(Vec::new());
        }
        let actor = Actor { user: principal.user_id, parties: &parties };
        let mut out = Vec::new();
        for r in &rows {
            let plan = from_row(r)?;
            let run = run_of(self, &mut conn, &plan).await?;
            let waits = match plan.status {
                PlanStatus::Approved => run
                    .route
                    .steps
                    .first()
                    .is_some_and(|s| s.parties.iter().any(|k| parties.contains(k))),
                _ => run.progress.holds(actor),
            };
            if waits {
                out.push(plan);
            }
        }
        Ok(out)
    }

    /// The plans a project is in (any state), for its page: (plan id, title, status, and —
    /// when the plan was published without it — why it was left out).
    pub async fn plans_of_project(
        &self, id: ProjectId,
    ) -> Result<Vec<(i64, String, PlanStatus, Option<String>)>> {
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT x.id, x.title, x.state, l.left_out FROM plan_lines l \
             JOIN plans x ON x.id = l.plan_id WHERE l.project_id = $1 ORDER BY x.year, x.id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(i, t, s, out)| {
                (i, t, PlanStatus::parse(&s).unwrap_or(PlanStatus::Drafting), out)
            })
            .collect())
    }
}

/// (id, name, department) of the projects given, in that order.
async fn names_of(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<(i64, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let rows: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.name, d.name FROM projects p JOIN departments d ON d.id = p.owner_department_id \
         WHERE p.id IN ({list}) ORDER BY d.name, p.id"
    )))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows)
}
