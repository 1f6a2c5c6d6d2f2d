//! A project's path run by the workflow engine: its acts are stored (`run_acts`), its state is
//! their fold over the route its profile lays out for it (`govit_core::workflow`), and who
//! may act now is kept as a projection (`run_tasks`) for 我的待办 and the review queue.
//!
//! Every verb runs through the change path as a [`RunStep`]: the act, the project's status,
//! the events the act causes (which the obligations count from), the tasks, the timeline
//! line and the audit record are written in one transaction, at the version the user saw.

use super::obligations::Basis;
use super::*;
use crate::base::change::{At, Cx, Decided, Step, Written, stale_unless};
use govit_core::obligation::GateCheck;
use govit_core::org::PartyKind;
use govit_core::policy::Stage;
use govit_core::project::first_refusal;
use govit_core::workflow::{
    Act, Actor, Outcome, Progress, Route, RunStatus, Signer, Verb, VerbKind, decide, replay,
};
use std::sync::Mutex;

mod acts;
pub mod subject;

pub use acts::Acts;
pub(crate) use acts::{
    Naming, decide_on, keep_act, keep_act_at, party_labels, read_acts, verb_text,
};

/// The party of the owner unit: the project's own department (and those above it).
pub const OWNER: &str = "owner_unit";

/// A project's run as it stands.
#[derive(Debug, Clone)]
pub struct Run {
    pub route: Route,
    pub progress: Progress,
    pub acts: Vec<ActRecord>,
}

/// One act of the history, with its actor's name as it is now.
#[derive(Debug, Clone)]
pub struct ActRecord {
    /// Its number in the run.
    pub seq: i64,
    pub act: Act,
    /// Its verb as kept (the bytes a signed decision's digest of it covers).
    pub verb_text: String,
    pub actor_name: String,
    pub actor_department: String,
}

/// The route the project's profile lays out for it under `facts`, keeping the stages its
/// history walked (`Route::walked`).
fn route_for(store: &Store, p: &Project, facts: &govit_core::policy::Facts, acts: &[Act]) -> Route {
    let rules = store.rules();
    let Some(profile) = rules.profile(&p.profile_id) else { return Route::default() };
    let path = profile
        .path("approval")
        .map_or(&[Stage::Declaration, Stage::Approval][..], |path| &path.stages[..]);
    Route::walked(&profile.stages, path, facts, p.created_at_ms, acts)
}

async fn acts_of(conn: &mut AnyConnection, id: ProjectId) -> Result<Vec<ActRecord>> {
    read_acts(conn, Acts::Project, id.0).await
}

/// The run of a project, read on `conn`.
pub(crate) async fn run_of(store: &Store, conn: &mut AnyConnection, p: &Project) -> Result<Run> {
    Ok(run_and_basis(store, conn, p).await?.0)
}

/// The run of a project, with the basis and the facts its route was laid out under.
pub(crate) async fn run_and_basis(
    store: &Store, conn: &mut AnyConnection, p: &Project,
) -> Result<(Run, Basis, govit_core::policy::Facts)> {
    let basis = store.basis_of(conn, p).await?;
    let (facts, _) = store.facts_from(p, &basis);
    let run = run_under(store, conn, p, &facts).await?;
    Ok((run, basis, facts))
}

/// What a step on a project carries to the project's consequences (see `Record::Carry`):
/// the basis of its facts and the acts of its run, as the step has left them.
#[derive(Default)]
pub struct Carried {
    pub(crate) basis: Option<Basis>,
    pub(crate) acts: Option<Vec<ActRecord>>,
    /// The project as the step's write left it.
    pub(crate) after: Option<Project>,
}

/// [`run_of`] with the facts the caller has already read.
pub(crate) async fn run_under(
    store: &Store, conn: &mut AnyConnection, p: &Project, facts: &govit_core::policy::Facts,
) -> Result<Run> {
    let acts = acts_of(conn, p.id).await?;
    Ok(fold(store, p, facts, acts))
}

/// The run of the acts given, along the route laid out under `facts`.
fn fold(
    store: &Store, p: &Project, facts: &govit_core::policy::Facts, acts: Vec<ActRecord>,
) -> Run {
    let plain: Vec<Act> = acts.iter().map(|a| a.act.clone()).collect();
    let route = route_for(store, p, facts, &plain);
    let progress = replay(&route, p.created_at_ms, &plain);
    Run { route, progress, acts }
}

/// The parties a person acts as on a project: the owner unit for a declarant of the owning
/// department (or one above it, in their data scope); for a reviewer, the party kinds of their
/// department in the project's jurisdiction; an expert's account acts as `expert`, a firm's
/// as its kind (`contractor` …).
fn parties_for(
    roles: &[Role], department_path: Option<&str>, kinds: &[String], jurisdiction: JurisdictionId,
    p: &Project, outside: Option<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    if jurisdiction == p.jurisdiction_id
        && let Some(k) = outside
    {
        out.push(k);
    }
    let owns = department_path.is_some_and(|path| p.owner_department_path.starts_with(path));
    if roles.contains(&Role::Declarant) && owns {
        out.push(OWNER.to_string());
    }
    if roles.contains(&Role::Reviewer) && jurisdiction == p.jurisdiction_id {
        out.extend(kinds.iter().filter(|k| k.as_str() != OWNER).cloned());
    }
    out
}

/// The party an account outside the departments acts as, read from `users u` and its firm:
/// `expert` for an expert's, the firm's kind for a firm's (NULL for a department's account).
/// Followed by the user's id.
macro_rules! outside_party_of_user {
    () => {
        "CASE WHEN u.expert_id IS NOT NULL THEN 'expert' ELSE f.kind END \
         FROM users u LEFT JOIN firms f ON f.id = u.firm_id WHERE u.id = "
    };
}

/// The parties `principal` acts as on `p`.
pub(crate) async fn acting_parties(
    conn: &mut AnyConnection, principal: &Principal, p: &Project,
) -> Result<Vec<String>> {
    // The party kinds of their department, and the party of an account outside the
    // departments, in one read.
    let rows: Vec<(i64, Option<String>)> = sqlx::query_as(concat!(
        "SELECT CAST(0 AS BIGINT) AS outside, kind FROM department_party_kinds WHERE department_id = $1 \
         UNION ALL SELECT CAST(1 AS BIGINT), ",
        outside_party_of_user!(),
        "$2"
    ))
    .bind(principal.department_id.map_or(-1, |d| d.0))
    .bind(principal.user_id.0)
    .fetch_all(&mut *conn)
    .await?;
    let kinds: Vec<String> = rows
        .iter()
        .filter(|(outside, _)| *outside == 0)
        .filter_map(|(_, k)| k.as_deref().and_then(PartyKind::parse))
        .map(|k| k.as_str().to_string())
        .collect();
    let outside = rows.iter().find(|(o, _)| *o == 1).and_then(|(_, k)| k.clone());
    let mut out = parties_for(
        &principal.roles,
        principal.department_path.as_deref(),
        &kinds,
        principal.jurisdiction_id,
        p,
        outside,
    );
    if out.iter().any(|k| k == OWNER) && !principal.can_see_project(&p.ownership(), p.status) {
        out.retain(|k| k != OWNER);
    }
    Ok(out)
}

/// The parties another user (an active account) acts as on `p`; none when there is no such
/// user.
async fn user_parties(conn: &mut AnyConnection, user: UserId, p: &Project) -> Result<Vec<String>> {
    let Some(r) = sqlx::query(
        "SELECT u.jurisdiction_id, u.department_id, d.path FROM users u \
         LEFT JOIN departments d ON d.id = u.department_id WHERE u.id = $1 AND u.disabled = 0",
    )
    .bind(user.0)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Vec::new());
    };
    let roles: Vec<String> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
        .bind(user.0)
        .fetch_all(&mut *conn)
        .await?;
    let roles: Vec<Role> = roles.iter().filter_map(|r| Role::parse(r)).collect();
    let dept: Option<i64> = r.try_get("department_id")?;
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM department_party_kinds WHERE department_id = $1")
            .bind(dept.unwrap_or(-1))
            .fetch_all(&mut *conn)
            .await?;
    let path: Option<String> = r.try_get("path")?;
    let j = JurisdictionId(r.try_get("jurisdiction_id")?);
    let outside = outside_party(conn, user).await?;
    Ok(parties_for(&roles, path.as_deref(), &kinds, j, p, outside))
}

/// The party an account outside the departments acts as (see `outside_party_of_user!`).
async fn outside_party(conn: &mut AnyConnection, user: UserId) -> Result<Option<String>> {
    let kind: Option<Option<String>> =
        sqlx::query_scalar(concat!("SELECT ", outside_party_of_user!(), "$1"))
            .bind(user.0)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(kind.flatten())
}

/// Whether `principal` takes part in the project's path: holds an open task on it (as a
/// person, or as one of the parties they act as there), or has acted on it. A task makes a
/// project visible to whoever must act on it, and what one has signed stays readable to
/// them (a second click on a task someone else just passed answers 409, not 404).
pub(crate) async fn takes_part(
    conn: &mut AnyConnection, principal: &Principal, p: &Project,
) -> Result<bool> {
    let acted: Option<i64> = sqlx::query_scalar(
        "SELECT seq FROM run_acts WHERE project_id = $1 AND user_id = $2 LIMIT 1",
    )
    .bind(p.id.0)
    .bind(principal.user_id.0)
    .fetch_optional(&mut *conn)
    .await?;
    if acted.is_some() {
        return Ok(true);
    }
    let parties = acting_parties(conn, principal, p).await?;
    let rows: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT party, user_id FROM run_tasks WHERE project_id = $1")
            .bind(p.id.0)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows.iter().any(|(party, user)| match user {
        Some(u) => *u == principal.user_id.0,
        None => parties.contains(party),
    }))
}

/// What a run step asks of the path: a verb, or one of the project's shorthands (the
/// declaration's 提交 and the reviewer's decision), which stand for the verb of the step the
/// caller holds.
#[derive(Debug, Clone)]
pub enum Command {
    Verb(Verb),
    /// 提交申报: 通过 at the owner's declaration step.
    Submit,
    /// 通过, 退回 to the owner, 不予通过 at the step the reviewer holds.
    Decide(Decision),
}

/// One act on a project's path (see the module's documentation).
pub struct RunStep {
    pub command: Command,
    /// The step acted on and its verb, for the timeline's line (set by the decision).
    said: Mutex<String>,
}

impl RunStep {
    pub fn new(command: Command) -> RunStep {
        RunStep { command, said: Mutex::new(String::new()) }
    }
    pub fn verb(verb: Verb) -> RunStep {
        RunStep::new(Command::Verb(verb))
    }
    fn kind(&self) -> VerbKind {
        match &self.command {
            Command::Verb(v) => v.kind(),
            Command::Submit => VerbKind::Pass,
            Command::Decide(Decision::Approve { .. }) => VerbKind::Pass,
            Command::Decide(Decision::Return { .. }) => VerbKind::Return,
            Command::Decide(Decision::Reject { .. }) => VerbKind::Reject,
        }
    }
}

/// What a run step reads before deciding.
#[derive(Default)]
pub struct RunInput {
    run: Option<Run>,
    parties: Vec<String>,
    /// The gates in front of the step when the act would pass a gated stage.
    gates: Vec<GateCheck>,
    /// For a transfer: the parties the person handed to acts as.
    receiver: Vec<String>,
    /// For an added signer: whether the person, or a department of the party, exists in the
    /// jurisdiction.
    signer_known: bool,
    seq: i64,
    /// The current step's parties in the profile's words, for a refusal.
    holders: String,
    /// The refusal of a pass that would hand in a material incomplete.
    missing: Option<DomainError>,
}

impl RunInput {
    /// The run as read, for a step that wraps a run step (the panel's draw).
    pub fn run(&self) -> Option<&Run> {
        self.run.as_ref()
    }
    /// The parties the caller acts as on the project.
    pub fn parties(&self) -> &[String] {
        &self.parties
    }
}

/// What the decision says to write.
pub struct RunDecision {
    act: Act,
    outcome: Outcome,
    status: ProjectStatus,
    seq: i64,
}

impl Step<Project> for RunStep {
    type Input = RunInput;
    type Decision = RunDecision;

    fn action(&self) -> String {
        let a = match (&self.command, self.kind()) {
            (Command::Submit, _) => ProjectAction::Submit,
            (Command::Decide(Decision::Approve { .. }), _) => ProjectAction::Approve,
            (_, k) => ProjectAction::of_verb(k, ProjectStatus::Submitted, ProjectStatus::Submitted),
        };
        format!("project.{}", a.as_str())
    }

    fn action_of(&self, before: Option<&Project>, after: &Project) -> String {
        let from = before.map_or(ProjectStatus::Draft, |b| b.status);
        format!("project.{}", ProjectAction::of_verb(self.kind(), from, after.status).as_str())
    }

    async fn gather(&self, cx: &mut Cx<'_, Project>) -> Result<RunInput> {
        let p = cx.record()?;
        let (run, basis, facts) = run_and_basis(cx.store, cx.conn, p).await?;
        let parties = acting_parties(cx.conn, cx.who.principal, p).await?;
        let actor = Actor { user: cx.who.principal.user_id, parties: &parties };
        let mut input = RunInput { seq: run.acts.len() as i64 + 1, ..RunInput::default() };
        if self.kind() == VerbKind::Pass && run.progress.holds(actor) {
            let i = run.progress.current;
            let approves = run.route.approval_index() == Some(i);
            let gated = if run.progress.declaring(&run.route)
                && run.route.steps.get(i + 1).is_none_or(|s| s.stage != Stage::Declaration)
            {
                Some(GatedAction::Declare)
            } else if approves {
                Some(GatedAction::Approve)
            } else {
                None
            };
            // A 会签 step passes the gate only with its last signature; checking each one is
            // cheap and tells every signer early.
            if let Some(g) = gated {
                input.gates = cx.store.gate_checks(cx.conn, p, g, Some(&facts)).await?;
            }
            let user = cx.who.principal.user_id;
            input.missing =
                pass_refusal(cx.store, cx.conn, p, &run, &facts, &parties, user).await?;
        }
        match &self.command {
            Command::Verb(Verb::Transfer { to, .. }) => {
                input.receiver = user_parties(cx.conn, *to, p).await?;
            }
            Command::Verb(Verb::AddSigner { signer: Signer::Party(k), .. }) => {
                // A party no department of the jurisdiction acts as could never sign.
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM department_party_kinds k JOIN departments d ON d.id = k.department_id \
                     WHERE d.jurisdiction_id = $1 AND k.kind = $2",
                )
                .bind(p.jurisdiction_id.0)
                .bind(k.clone())
                .fetch_one(&mut *cx.conn)
                .await?;
                input.signer_known = n > 0;
            }
            Command::Verb(Verb::AddSigner { signer: Signer::User(u), .. }) => {
                let j: Option<i64> = sqlx::query_scalar(
                    "SELECT jurisdiction_id FROM users WHERE id = $1 AND disabled = 0",
                )
                .bind(u.0)
                .fetch_optional(&mut *cx.conn)
                .await?;
                input.signer_known = j == Some(p.jurisdiction_id.0);
            }
            _ => {}
        }
        if let Some(step) = run.progress.step(&run.route) {
            let rules = cx.store.rules();
            input.holders = step
                .parties
                .iter()
                .map(|k| match rules.profile(&p.profile_id) {
                    Some(profile) => profile.party_label(k),
                    None => k.clone(),
                })
                .collect::<Vec<_>>()
                .join("、");
        }
        cx.carry = Carried { basis: Some(basis), acts: Some(run.acts.clone()), after: None };
        input.run = Some(run);
        input.parties = parties;
        Ok(input)
    }

    fn decide(&self, at: At<'_, Project>, input: RunInput) -> Decided<RunDecision> {
        let p = at.record()?;
        let pr = at.who.principal;
        let run = input.run.ok_or(DomainError::NotFound)?;
        if p.status == ProjectStatus::OutsideScope && self.kind() != VerbKind::Urge {
            return Err(DomainError::InvalidState {
                message: "项目已登记为不适用本办法，不走审批流程；如需申报，请先恢复申报".into(),
            });
        }
        let (route, progress) = (run.route, run.progress);
        let actor = Actor { user: pr.user_id, parties: &input.parties };
        // The shorthands keep the answers programs written against them expect.
        let verb = match &self.command {
            Command::Verb(v) => v.clone(),
            Command::Submit => {
                if !pr.has(Role::Declarant) {
                    return Err(DomainError::Forbidden(format!(
                        "您没有提交项目申报的权限（需要“{}”角色）",
                        Role::Declarant.label()
                    )));
                }
                if !p.status.is_editable() {
                    return Err(not_now(p.status, ProjectAction::Submit));
                }
                Verb::Pass { note: String::new() }
            }
            Command::Decide(d) => {
                // The owner's own steps mid-path (lhasa:11's materials) are decided by its
                // declarant; every other step by a reviewer.
                if !pr.has(Role::Reviewer) && !progress.holds(actor) {
                    return Err(DomainError::Forbidden(format!(
                        "您没有审核项目申报的权限（需要“{}”角色）",
                        Role::Reviewer.label()
                    )));
                }
                if p.status != ProjectStatus::Submitted {
                    return Err(not_now(
                        p.status,
                        ProjectAction::of_verb(self.kind(), p.status, p.status),
                    ));
                }
                d.verb(&route)
            }
        };
        let step = progress.step(&route).cloned();
        let outcome = match decide(&route, &progress, actor, &verb, at.who.now_ms) {
            // The project is in the caller's scope (the path loaded it): say whose step it is.
            Err(DomainError::NotFound) if !matches!(self.command, Command::Verb(_)) => {
                return Err(DomainError::Forbidden(format!(
                    "当前步骤“{}”由{}办理，您没有这一步的待办",
                    step.as_ref().map(|s| s.action.as_str()).unwrap_or(""),
                    input.holders
                )));
            }
            other => other?,
        };
        match &verb {
            Verb::Pass { .. } => {
                first_refusal(&input.gates).and(input.missing.map_or(Ok(()), Err))?
            }
            Verb::Transfer { .. } => {
                let slot = progress
                    .open_slots()
                    .into_iter()
                    .find(|(_, s)| s.held_by(actor))
                    .map(|(_, s)| s.parties.clone())
                    .unwrap_or_default();
                let same = input.receiver.iter().any(|k| slot.contains(k))
                    || (slot.is_empty() && !input.receiver.is_empty());
                if !same {
                    return Err(DomainError::invalid(
                        "to",
                        "只能转办给同一办理单位（同一角色）的人员",
                    ));
                }
            }
            Verb::AddSigner { signer: Signer::User(_), .. } if !input.signer_known => {
                return Err(DomainError::invalid("signer_user", "没有这个用户，或不属于本辖区"));
            }
            Verb::AddSigner { signer: Signer::Party(k), .. }
                if PartyKind::parse(k).is_none() || !input.signer_known =>
            {
                return Err(DomainError::invalid(
                    "signer_party",
                    "本辖区没有这一类单位，请重新选择加签单位",
                ));
            }
            _ => {}
        }
        // The timeline line of a submission says 提交申报 itself; another act names its step.
        if let Some(s) = step.as_ref().filter(|_| !matches!(self.command, Command::Submit)) {
            let note = match &verb {
                Verb::Pass { note } | Verb::Transfer { note, .. } | Verb::Urge { note } => {
                    note.clone()
                }
                Verb::AddSigner { note, .. } => note.clone(),
                Verb::Return { reason, .. } | Verb::Reject { reason } => reason.clone(),
                Verb::Seat { note, .. } => note.clone(),
                Verb::Decline { reason, .. } => format!("回避：{reason}"),
                Verb::Withdraw => String::new(),
            };
            let mut said = format!("【{}】", s.action);
            said.push_str(note.trim());
            if let Ok(mut m) = self.said.lock() {
                *m = said;
            }
        }
        let status = ProjectStatus::of_run(&route, &outcome.progress);
        let act = Act {
            at_ms: at.who.now_ms,
            user: pr.user_id,
            parties: input.parties.clone(),
            step: step.map(|s| s.key).unwrap_or_default(),
            verb,
        };
        Ok(RunDecision { act, outcome, status, seq: input.seq })
    }

    async fn write(&self, cx: &mut Cx<'_, Project>, d: RunDecision) -> Result<Written> {
        let (p, conn, who) = (cx.record()?, &mut *cx.conn, cx.who);
        // The project's row first, guarded by the version read: a second act on the same state
        // waits for the first to commit, then finds the version moved on (409).
        let sent =
            d.outcome.events.iter().any(|e| {
                matches!(e, EventKind::DeclarationSubmitted | EventKind::RevisionSubmitted)
            });
        set_status(conn, p, d.status, who.now_ms, sent).await?;
        cx.carry.after = Some(Project {
            status: d.status,
            updated_at_ms: who.now_ms,
            submitted_at_ms: if sent { Some(who.now_ms) } else { p.submitted_at_ms },
            version: p.version + 1,
            ..p.clone()
        });
        write_act(conn, p.id, d.seq, &d.act).await?;
        super::act_written(cx.store, conn, p, d.seq, &d.act, cx.carry.acts.as_deref(), None)
            .await?;
        if let Some(acts) = &mut cx.carry.acts {
            acts.push(ActRecord {
                seq: d.seq,
                verb_text: verb_text(&d.act.verb),
                act: d.act.clone(),
                actor_name: who.principal.name.clone(),
                actor_department: String::new(),
            });
        }
        if matches!(d.act.verb, Verb::Urge { .. }) {
            super::reminders::queue_urge(conn, p.id, d.seq, &d.act.step).await?;
        }
        let today = crate::china_today(who.now_ms);
        for kind in &d.outcome.events {
            obligations::insert_milestone(
                conn,
                p.id,
                *kind,
                today,
                "",
                who.principal.user_id.0,
                who.now_ms,
            )
            .await?;
            if let Some(b) = &mut cx.carry.basis {
                b.record(*kind, today);
            }
        }
        // The tasks are rewritten by the project's consequences, from the act just stored.
        Ok(Written::record())
    }

    fn detail(&self) -> String {
        self.said.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// The refusal of a shorthand from a status that does not allow it.
fn not_now(status: ProjectStatus, action: ProjectAction) -> DomainError {
    DomainError::InvalidState {
        message: format!("项目当前状态为“{}”，不能{}", status.label(), action.label()),
    }
}

/// Keeps act number `seq` of the project's run.
pub(crate) async fn write_act(
    conn: &mut AnyConnection, id: ProjectId, seq: i64, act: &Act,
) -> Result<()> {
    keep_act(conn, Acts::Project, id.0, seq, act).await
}

/// Moves the project to `to` at the version it was read at (stale otherwise); `sent`: a
/// declaration sent now, whose sending time it keeps. Only the columns that change are set:
/// each one set rewrites the list indexes that hold it, and most acts leave the status as it
/// was (one signature of several, a step after a step).
pub(crate) async fn set_status(
    conn: &mut AnyConnection, p: &Project, to: ProjectStatus, now_ms: i64, sent: bool,
) -> Result<()> {
    let status = (to != p.status).then_some(to.as_str());
    let sql = match (status.is_some(), sent) {
        (true, true) => {
            "UPDATE projects SET status = $3, submitted_at_ms = $4, updated_at_ms = $4, \
             version = version + 1 WHERE id = $1 AND version = $2"
        }
        (true, false) => {
            "UPDATE projects SET status = $3, updated_at_ms = $4, version = version + 1 \
             WHERE id = $1 AND version = $2"
        }
        (false, true) => {
            "UPDATE projects SET submitted_at_ms = $3, updated_at_ms = $3, version = version + 1 \
             WHERE id = $1 AND version = $2"
        }
        (false, false) => {
            "UPDATE projects SET updated_at_ms = $3, version = version + 1 WHERE id = $1 AND version = $2"
        }
    };
    let mut q = sqlx::query(sql).bind(p.id.0).bind(p.version);
    if let Some(s) = status {
        q = q.bind(s);
    }
    let n = q.bind(now_ms).execute(&mut *conn).await?.rows_affected();
    stale_unless(conn, n, "projects", p.id.0).await
}

/// Rewrites who may act on a project now from its run (none once approved, rejected or
/// recorded outside the regulation), and the tasks' due dates. Works from the facts and acts
/// the caller has, when it has them.
pub(crate) async fn refresh_tasks(
    store: &Store, conn: &mut AnyConnection, p: &Project,
    facts: Option<&govit_core::policy::Facts>, acts: Option<Vec<ActRecord>>,
    obligations_moved: bool,
) -> Result<()> {
    let mut run = match (facts, acts) {
        (Some(facts), Some(acts)) => fold(store, p, facts, acts),
        (Some(facts), None) => run_under(store, conn, p, facts).await?,
        (None, _) => run_of(store, conn, p).await?,
    };
    if matches!(
        p.status,
        ProjectStatus::Approved | ProjectStatus::Rejected | ProjectStatus::OutsideScope
    ) {
        run.progress.status = RunStatus::Completed;
    }
    // A task's due date follows the obligations and is written with the task: only a new
    // task, or moved obligations, change one (a task that turns overdue by the day alone is
    // the daily recompute's, whose obligations move that day).
    if write_tasks(conn, p, &run.route, &run.progress).await? || obligations_moved {
        super::tasks::write_dues(conn, p.id).await?;
    }
    Ok(())
}

/// One task as stored: its slot, party (empty for a person) and person, step and since when.
type TaskRow = (i64, String, Option<i64>, String, String, String, i64);

/// Rewrites who may act on the project now: one row per open slot and party (or person).
/// Only the rows that changed are written: an act usually closes one slot or opens the next
/// step's. Whether a task was added.
async fn write_tasks(
    conn: &mut AnyConnection, p: &Project, route: &Route, progress: &Progress,
) -> Result<bool> {
    let mut want: Vec<TaskRow> = Vec::new();
    if let (RunStatus::Active, Some(step)) = (progress.status, progress.step(route)) {
        for (i, slot) in progress.open_slots() {
            let holders: Vec<(String, Option<i64>)> = match slot.user {
                Some(u) => vec![(String::new(), Some(u.0))],
                None => slot.parties.iter().map(|k| (k.clone(), None)).collect(),
            };
            for (party, user) in holders {
                let (key, action, cite) =
                    (step.key.clone(), step.action.clone(), step.cite.clone());
                want.push((i as i64, party, user, key, action, cite, progress.since_ms));
            }
        }
    }
    // 催办 reminds whoever holds the step: each of its tasks shows the last reminder.
    let urged = progress.urged.iter().map(|(_, at)| *at).max();
    let rows = sqlx::query(
        "SELECT slot, party, user_id, step, action, cite, since_ms, urged_ms FROM run_tasks \
         WHERE project_id = $1",
    )
    .bind(p.id.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut reminded = true;
    let mut have: Vec<TaskRow> = Vec::with_capacity(rows.len());
    for r in rows {
        let row: TaskRow = (
            r.try_get("slot")?,
            r.try_get("party")?,
            r.try_get("user_id")?,
            r.try_get("step")?,
            r.try_get("action")?,
            r.try_get("cite")?,
            r.try_get("since_ms")?,
        );
        reminded &= r.try_get::<Option<i64>, _>("urged_ms")? == urged || !want.contains(&row);
        have.push(row);
    }
    for (slot, party, ..) in have.iter().filter(|t| !want.contains(t)) {
        sqlx::query("DELETE FROM run_tasks WHERE project_id = $1 AND slot = $2 AND party = $3")
            .bind(p.id.0)
            .bind(*slot)
            .bind(party.clone())
            .execute(&mut *conn)
            .await?;
    }
    // The new ones in one statement (a step of several parties opens a task for each).
    let added: Vec<TaskRow> = want.into_iter().filter(|t| !have.contains(t)).collect();
    if !added.is_empty() {
        let sql = format!(
            "INSERT INTO run_tasks (project_id, slot, party, user_id, step, action, cite, since_ms, \
             jurisdiction_id, urged_ms) VALUES {}",
            crate::base::values_list(added.len(), 10)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (slot, party, user, step, action, cite, since) in added.iter().cloned() {
            q = q
                .bind(p.id.0)
                .bind(slot)
                .bind(party)
                .bind(user)
                .bind(step)
                .bind(action)
                .bind(cite)
                .bind(since)
                .bind(p.jurisdiction_id.0)
                .bind(urged);
        }
        q.execute(&mut *conn).await?;
    }
    // The tasks kept show the reminder too (the new ones were written with it).
    if !reminded {
        sqlx::query(
            "UPDATE run_tasks SET urged_ms = $2 WHERE project_id = $1 AND urged_ms IS DISTINCT FROM $2",
        )
        .bind(p.id.0)
        .bind(urged)
        .execute(&mut *conn)
        .await?;
    }
    Ok(!added.is_empty())
}

/// A project's run with what the caller may do now.
#[derive(Debug, Clone)]
pub struct RunView {
    pub run: Run,
    /// The parties the caller acts as on this project.
    pub parties: Vec<String>,
    pub verbs: Vec<VerbKind>,
    /// The facts its route was laid out under.
    pub facts: govit_core::policy::Facts,
}

impl Store {
    /// What `principal` holds tasks as in review queues: themselves, and — for a reviewer —
    /// the party kinds of their department other than the owner unit's.
    pub async fn task_holder(&self, principal: &Principal) -> Result<TaskHolder> {
        let mut parties: Vec<String> = if principal.has(Role::Reviewer) {
            self.parties_of(principal)
                .await?
                .into_iter()
                .map(|k| k.as_str().to_string())
                .filter(|k| k != OWNER)
                .collect()
        } else {
            Vec::new()
        };
        let mut conn = self.pool.acquire().await?;
        parties.extend(outside_party(&mut conn, principal.user_id).await?);
        Ok(TaskHolder { user: principal.user_id, parties })
    }

    /// The run of a project the caller has read, with the verbs they may use now.
    pub async fn run_view(
        &self, principal: &Principal, p: &Project, now_ms: i64,
    ) -> Result<RunView> {
        let mut conn = self.pool.acquire().await?;
        let (run, _, facts) = run_and_basis(self, &mut conn, p).await?;
        let parties = acting_parties(&mut conn, principal, p).await?;
        let actor = Actor { user: principal.user_id, parties: &parties };
        let verbs = run.progress.verbs(&run.route, actor, now_ms);
        Ok(RunView { run, parties, verbs, facts })
    }
}
