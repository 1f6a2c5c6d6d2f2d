//! A run beside a project's path: a record of the project (a contract's filing, a change
//! request) whose own route its profile lays out, whose acts are kept in a table of their own
//! and folded by the same engine. One mechanism for them all: the record says what it is
//! ([`Subject`]); reading its run, what the caller may do, its waiting list and every act on it
//! ([`SubjectAct`]: the act kept at the version read, the record's state and the parties it
//! waits on, the events the step records on the project, a line on the project's timeline)
//! are written once, here.

use super::{Acts, Naming, Run, party_labels, read_acts};
use crate::base::change::{At, Audited, Cx, Decided, Record, Step, Who, Written, stale_unless};
use crate::projects::Project;
use crate::{Param, Result, Store, Where, bind_all, like_pattern};
use govit_core::DomainError;
use govit_core::ids::ProjectId;
use govit_core::org::{Principal, Role};
use govit_core::policy::{EventKind, Fact, Facts, GatedAction};
use govit_core::project::ProjectAction;
use govit_core::workflow::{
    Act, Actor, Outcome, Progress, Route, RunStatus, Verb, VerbKind, replay,
};
use serde_json::json;
use sqlx::AnyConnection;
use std::marker::PhantomData;

mod act;
pub use act::{ActInput, SubjectAct};

/// A record whose run goes beside its project's path. Its table has `state` (one of
/// [`Subject::OPEN`] while someone must act), `waiting_on` (the parties of its open step,
/// comma-separated) and `version`; [`Subject::SELECT`] reads it as `s`, joined to its project
/// `p` and the project's owner department `d`.
pub trait Subject: Record + Clone + Send + Sync + 'static {
    /// Its acts' history.
    const ACTS: Acts;
    /// Its table.
    const ROWS: &'static str;
    /// The select of its rows (`s`, `p`, `d` as above).
    const SELECT: &'static str;
    /// SELECT's tables without the columns (`FROM … s JOIN projects p …`), to count its rows.
    const FROM: &'static str;
    /// The columns a keyword of its list matches (`s.title`, `p.name` …).
    const KEYWORDS: &'static [&'static str];
    /// The order of its list: newest first.
    const ORDER: &'static str = "s.id DESC";
    /// The verbs its run offers.
    const VERBS: &'static [VerbKind];
    /// The states in which its open step waits on someone.
    const OPEN: &'static [&'static str];
    /// The kind of line it leaves on its project's timeline.
    const ACTION: ProjectAction;
    /// Said when the profile lays out no run for it.
    const NO_ROUTE: &'static str;
    /// Whether the events its steps emit are recorded on its project (a contract's filing
    /// records 合同备案; a change sent through the approval stage again does not approve the
    /// project a second time).
    const RECORDS_EVENTS: bool = true;

    fn from_row(r: &sqlx::any::AnyRow) -> Result<Self>;
    fn project(&self) -> ProjectId;
    fn profile(&self) -> &str;
    /// When its run began.
    fn started_ms(&self) -> i64;
    /// When its run's current step began (`waiting_since_ms`, kept by every act; its start
    /// before any): how long it has waited.
    fn waiting_since_ms(&self) -> i64;
    /// The route its run takes under its profile.
    fn route(&self, store: &Store) -> Route;
    /// Its name in timeline lines and milestones (建设合同《…》).
    fn named(&self) -> String;
    /// How refusals name its run (本合同的备案), and what is said once it is through.
    fn naming(&self) -> (&'static str, &'static str);
    /// Why no one acts on it any more though its run is open (a change cancelled by its
    /// owner), if so.
    fn closed(&self) -> Option<&'static str> {
        None
    }
    /// The state a run leaves it in (`returned`: the last act returned it).
    fn state(route: &Route, progress: &Progress, returned: bool) -> &'static str;
    /// The action whose gates of the profile stand in front of a pass of the route's step
    /// `index` (an acceptance's last acceptance step: `accept`), if any.
    fn gated(_route: &Route, _index: usize) -> Option<GatedAction> {
        None
    }
    /// What it adds to its project's facts when its gates are judged (a payment: the share
    /// of the budget paid with its amount added).
    fn gate_facts(&self, _facts: &mut Facts) {}
    /// The day an event its step records happened, when the record states it (a financial
    /// review's final accounts were done on the day its owner says); `None`: the day of the
    /// act.
    fn event_day(&self, _event: EventKind) -> Option<chrono::NaiveDate> {
        None
    }
    /// Whether its run still passes once its project is terminated (项目终止): only what winds
    /// the project up does (its accounts, its evaluation, the termination's own statement).
    fn goes_on_when_ended(&self) -> bool {
        false
    }
    /// What it asks to be decided, as its decisions are signed over: its audit view without its
    /// state and version (a contract also without its firm's name as registered now).
    fn asked(&self) -> serde_json::Value {
        let mut content = self.audit_view();
        if let Some(o) = content.as_object_mut() {
            o.remove("status");
            o.remove("version");
        }
        content
    }
    /// Why a verb its run offers is not for it, if it is not (项目终止's receipt is not judged:
    /// the authority receives the owner's statement, or returns it for more).
    fn refuses(&self, _verb: VerbKind) -> Option<&'static str> {
        None
    }
}

/// The order of a waiting list: longest waiting first (the queue's own order), or newest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WaitingOrder {
    #[default]
    Longest,
    Newest,
}

impl WaitingOrder {
    /// `waiting` (or nothing) and `-waiting`, as a list's `sort` names them.
    pub fn parse(s: &str) -> Option<WaitingOrder> {
        match s {
            "" | "waiting" => Some(WaitingOrder::Longest),
            "-waiting" => Some(WaitingOrder::Newest),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            WaitingOrder::Longest => "waiting",
            WaitingOrder::Newest => "-waiting",
        }
    }
}

/// The `Record` of a subject: keyed by its id and version, read with its select, seen by
/// whoever sees its project; `audit` its audit view (`|s| json!(…)`).
macro_rules! subject_record {
    ($t:ty, $kind:literal, $table:literal, |$s:ident| $audit:expr) => {
        impl crate::base::change::Record for $t {
            const KIND: &'static str = $kind;
            type Carry = ();
            const TABLE: Option<&'static str> = Some($table);

            fn key(&self) -> (i64, i64) {
                (self.id, self.version)
            }
            async fn load(
                conn: &mut sqlx::AnyConnection, _: crate::base::change::Who<'_>, id: i64,
            ) -> crate::Result<Option<Self>> {
                crate::projects::run::subject::fetch(conn, id).await
            }
            async fn load_visible(
                conn: &mut sqlx::AnyConnection, who: crate::base::change::Who<'_>, id: i64,
            ) -> crate::Result<Option<Self>> {
                crate::projects::run::subject::visible(conn, who, id).await
            }
            fn audit_view(&self) -> serde_json::Value {
                let $s = self;
                $audit
            }
        }
    };
}
pub(crate) use subject_record;

/// The rule of every subject an owner unit starts on its approved project (a contract, a
/// change, a report): the caller acts as the project's owner unit (`owner_label` its name in
/// the profile), the project is approved and not terminated (`ended`: the day it was). `by`
/// says who does it, `{owner}` standing for the owner (合同由{owner}登记); `doing` what waits on
/// approval (登记合同).
pub(crate) fn owner_of_approved(
    project: &Project, parties: &[String], owner_label: &str, ended: Option<chrono::NaiveDate>,
    (by, doing): (&str, &str),
) -> std::result::Result<(), DomainError> {
    if !parties.iter().any(|p| p == super::OWNER) {
        let owner = if owner_label.is_empty() { "项目建设单位" } else { owner_label };
        return Err(DomainError::Forbidden(by.replace("{owner}", owner)));
    }
    if project.status != govit_core::project::ProjectStatus::Approved {
        return Err(DomainError::InvalidState {
            message: format!("项目当前为“{}”，立项批复后才能{doing}", project.status.label()),
        });
    }
    if let Some(day) = ended {
        return Err(govit_core::project::ended_refusal(day, doing));
    }
    Ok(())
}

/// The day project `project` was terminated (项目终止: by its owner unit, or a measure of the
/// authority's), if it was.
pub(crate) async fn ended_on(
    conn: &mut AnyConnection, project: ProjectId,
) -> Result<Option<chrono::NaiveDate>> {
    first_day(conn, project, EventKind::ProjectTerminated).await
}

/// The day each of `projects` was terminated, for those that were, on `conn` (a write's
/// transaction sees its own events): one query for them all.
pub(crate) async fn terminated_in(
    conn: &mut AnyConnection, projects: &[ProjectId],
) -> Result<std::collections::HashMap<i64, chrono::NaiveDate>> {
    let mut out = std::collections::HashMap::new();
    if projects.is_empty() {
        return Ok(out);
    }
    let mut ids: Vec<i64> = projects.iter().map(|p| p.0).collect();
    ids.sort_unstable();
    ids.dedup();
    let marks = vec!["?"; ids.len()].join(", ");
    let mut w = Where::default();
    w.and(
        "planned = 0 AND kind = ?",
        vec![Param::Text(EventKind::ProjectTerminated.as_str().into())],
    );
    w.and(&format!("project_id IN ({marks})"), ids.into_iter().map(Param::Int).collect());
    let sql = format!(
        "SELECT project_id, MIN(event_date) AS day FROM project_milestones{} GROUP BY project_id",
        w.sql()
    );
    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.params).fetch_all(conn).await?;
    for r in rows {
        let day: String = sqlx::Row::try_get(&r, "day")?;
        if let Ok(d) = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
            out.insert(sqlx::Row::try_get(&r, "project_id")?, d);
        }
    }
    Ok(out)
}

/// What starting a subject on a project reads first: the project (if the caller sees it), the
/// parties the caller acts as on it, the owner unit's name in its profile and the day the
/// project was terminated, if it was — for [`owner_of_approved`].
pub(crate) struct Opening {
    pub project: Project,
    pub parties: Vec<String>,
    pub owner_label: String,
    pub ended: Option<chrono::NaiveDate>,
}

/// The [`Opening`] of a subject of project `id`, on the write's connection; `None` when the
/// caller does not see the project.
pub(crate) async fn opening<S: Record>(
    cx: &mut Cx<'_, S>, id: ProjectId,
) -> Result<Option<Opening>> {
    let who = cx.who;
    let Some(project) = Project::load_visible(cx.conn, who, id.0).await? else {
        return Ok(None);
    };
    let parties = super::acting_parties(cx.conn, who.principal, &project).await?;
    let owner_label = cx
        .store
        .rules()
        .profile(&project.profile_id)
        .map(|p| p.party_label(super::OWNER))
        .unwrap_or_default();
    let ended = ended_on(cx.conn, id).await?;
    Ok(Some(Opening { project, parties, owner_label, ended }))
}

/// The first day `event` happened on project `project` (planned dates aside), if it did.
pub(crate) async fn first_day(
    conn: &mut AnyConnection, project: ProjectId, event: EventKind,
) -> Result<Option<chrono::NaiveDate>> {
    let day: Option<String> = sqlx::query_scalar(
        "SELECT MIN(event_date) FROM project_milestones WHERE project_id = $1 AND planned = 0 \
         AND kind = $2",
    )
    .bind(project.0)
    .bind(event.as_str())
    .fetch_one(&mut *conn)
    .await?;
    Ok(day.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()))
}

/// The day a project was approved (its first 立项批复 that happened), if it was.
pub(crate) async fn approved_on(
    conn: &mut AnyConnection, project: ProjectId,
) -> Result<Option<chrono::NaiveDate>> {
    first_day(conn, project, EventKind::Approved).await
}

/// The facts a route was laid out under, as kept (`{"change_ratio_bp": 1500, …}`).
pub(crate) fn facts_json(facts: &Facts) -> String {
    let map: serde_json::Map<String, serde_json::Value> =
        facts.iter().map(|(f, v)| (f.as_str().to_string(), json!(v))).collect();
    serde_json::Value::Object(map).to_string()
}

pub(crate) fn facts_from_json(s: &str) -> Facts {
    let v: serde_json::Value = serde_json::from_str(s).unwrap_or_default();
    v.as_object()
        .map(|m| {
            m.iter().filter_map(|(k, v)| Some((Fact::parse(k)?, v.as_i64()?))).collect::<Facts>()
        })
        .unwrap_or_default()
}

/// The facts a subject's gates are judged on, on the day `now_ms` falls: its project's, with
/// the whole years since its completion acceptance (`years_since_acceptance`: gaoping:20 and
/// xinzhou-transport:21 ask for the filing from then on, lhasa:20 counts three years) and
/// what the subject adds ([`Subject::gate_facts`]).
pub(crate) async fn gate_facts<S: Subject>(
    store: &Store, conn: &mut AnyConnection, p: &Project, s: &S, now_ms: i64,
) -> Result<Facts> {
    let mut facts = store.facts_of(conn, p).await?;
    if let Some(day) = first_day(conn, p.id, EventKind::CompletionAcceptancePassed).await? {
        let today = crate::base::china_today(now_ms);
        let years = today.years_since(day).map_or(0, i64::from);
        facts.insert(Fact::YearsSinceAcceptance, years);
    }
    s.gate_facts(&mut facts);
    Ok(facts)
}

/// Whether a pass recording `events` on project `p` on the day `now_ms` falls comes before
/// the window its profile opens for the duty they fulfil (a deadline's `not_before_months`
/// after its starting event: lhasa:22's self-evaluation in months 12 to 24 after
/// acceptance): the deadline's article and why, if so.
pub(crate) async fn window_not_open(
    store: &Store, conn: &mut AnyConnection, p: &Project, events: &[EventKind], now_ms: i64,
) -> Result<Option<(String, String)>> {
    let rules = store.rules();
    let Some(profile) = rules.profile(&p.profile_id) else { return Ok(None) };
    for d in &profile.deadlines {
        let Some(n) = d.not_before_months else { continue };
        if !events.contains(&d.fulfilled_by) {
            continue;
        }
        let Some(from) = first_day(conn, p.id, d.after).await? else { continue };
        let opens = from.checked_add_months(chrono::Months::new(n)).unwrap_or(from);
        if crate::base::china_today(now_ms) < opens {
            let why = format!(
                "{}。本项目{}于 {from}，{opens} 起方可{}",
                d.text.trim_end_matches('。'),
                d.after.label(),
                d.duty
            );
            return Ok(Some((d.cite.clone(), why)));
        }
    }
    Ok(None)
}

/// A subject by id, as stored.
pub(crate) async fn fetch<S: Subject>(conn: &mut AnyConnection, id: i64) -> Result<Option<S>> {
    let sql = format!("{} WHERE s.id = $1", S::SELECT);
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(S::from_row).transpose()
}

/// A subject by id, if `who` sees its project (a subject is seen by whoever sees its project).
pub(crate) async fn visible<S: Subject>(
    conn: &mut AnyConnection, who: Who<'_>, id: i64,
) -> Result<Option<S>> {
    let Some(s) = fetch::<S>(conn, id).await? else { return Ok(None) };
    Ok(Project::load_visible(conn, who, s.project().0).await?.map(|_| s))
}

/// The state a run leaves a subject in, and the parties its open step still waits on (those
/// of its places nobody has signed: a 会签's party that has signed is no longer waited on).
/// A subject's verbs neither transfer nor add signers, so these parties are exactly who may
/// act: its waiting list is read from them without folding any run.
pub(crate) fn projection<S: Subject>(
    route: &Route, progress: &Progress, returned: bool,
) -> (&'static str, String) {
    let waiting = progress.waiting_parties(route);
    (S::state(route, progress, returned), waiting.join(","))
}

/// The run of a subject, read on `conn`.
pub(crate) async fn run_of<S: Subject>(
    store: &Store, conn: &mut AnyConnection, s: &S,
) -> Result<Run> {
    let route = s.route(store);
    let acts = read_acts(conn, S::ACTS, s.key().0).await?;
    let plain: Vec<Act> = acts.iter().map(|a| a.act.clone()).collect();
    let progress = replay(&route, s.started_ms(), &plain);
    Ok(Run { route, progress, acts })
}

/// The parties the caller acts as on a project (the owner unit, the authority, 局党组 …), as
/// on the project's own path, with the project.
pub(crate) async fn parties_on(
    conn: &mut AnyConnection, principal: &Principal, project: ProjectId,
) -> Result<(Option<Project>, Vec<String>)> {
    let Some(p) = crate::projects::fetch(conn, project).await? else {
        return Ok((None, Vec::new()));
    };
    let parties = super::acting_parties(conn, principal, &p).await?;
    Ok((Some(p), parties))
}

/// A subject, its run, and the verbs the reader may use on it now.
#[derive(Debug, Clone)]
pub struct SubjectView<S> {
    pub record: S,
    pub run: Run,
    pub verbs: Vec<VerbKind>,
    /// Why its run no longer passes, when its project was terminated while it was in flight
    /// (it may still be returned or withdrawn): said on its page before anyone acts.
    pub ended: Option<String>,
}

/// What is said of a subject in flight whose project was terminated on `day` (`subject`: how
/// refusals name its run, 本合同的备案).
fn no_longer(day: chrono::NaiveDate, subject: &str) -> String {
    format!("项目已于 {day} 终止，{subject}不再办理")
}

/// Whether a pass at the run's current step terminates the project (the step records 项目终止).
fn terminates_at(run: &Run) -> bool {
    run.route
        .steps
        .get(run.progress.current)
        .is_some_and(|st| st.on_pass.contains(&EventKind::ProjectTerminated))
}

/// Whether a pass of `s` at its run's current step waits on the project not being terminated:
/// it neither winds the project up nor terminates it.
fn stops_when_ended<S: Subject>(s: &S, run: &Run) -> bool {
    !terminates_at(run) && !s.goes_on_when_ended()
}

impl Store {
    /// When and how project `project` (which the caller has read) was terminated, if it was:
    /// the day and what recorded it (项目终止 and its number, or the authority's measure).
    pub async fn termination(
        &self, project: ProjectId,
    ) -> Result<Option<(chrono::NaiveDate, String)>> {
        let mut conn = self.pool.acquire().await?;
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT event_date, note FROM project_milestones WHERE project_id = $1 AND planned = 0 \
             AND kind = $2 ORDER BY event_date, id LIMIT 1",
        )
        .bind(project.0)
        .bind(EventKind::ProjectTerminated.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        Ok(row.and_then(|(d, note)| {
            let day = chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()?;
            Some((day, note))
        }))
    }

    /// A subject the caller may see, with its run and the verbs the caller may use.
    pub async fn subject_view<S: Subject>(&self, who: Who<'_>, id: i64) -> Result<SubjectView<S>> {
        let record = self.read::<S>(who, id).await?;
        let mut conn = self.pool.acquire().await?;
        let run = run_of(self, &mut conn, &record).await?;
        let (_, parties) = parties_on(&mut conn, who.principal, record.project()).await?;
        let actor = Actor { user: who.principal.user_id, parties: &parties };
        let ended = match record.closed() {
            None if run.progress.status == RunStatus::Active && stops_when_ended(&record, &run) => {
                ended_on(&mut conn, record.project())
                    .await?
                    .map(|d| no_longer(d, record.naming().0))
            }
            _ => None,
        };
        let verbs = match record.closed() {
            Some(_) => Vec::new(),
            None => run
                .progress
                .verbs(&run.route, actor, who.now_ms)
                .into_iter()
                .filter(|v| S::VERBS.contains(v) && record.refuses(*v).is_none())
                .filter(|v| *v != VerbKind::Pass || ended.is_none())
                .collect(),
        };
        Ok(SubjectView { record, run, verbs, ended })
    }

    /// The day each of `projects` was terminated, for those that were (a list's rows).
    pub async fn terminated_among(
        &self, projects: &[ProjectId],
    ) -> Result<std::collections::HashMap<i64, chrono::NaiveDate>> {
        let mut conn = self.pool.acquire().await?;
        terminated_in(&mut conn, projects).await
    }

    /// The subjects of a project the caller has read (and so may see), oldest first.
    pub async fn subjects_of<S: Subject>(&self, project: ProjectId) -> Result<Vec<S>> {
        let mut conn = self.pool.acquire().await?;
        let sql = format!("{} WHERE s.project_id = $1 ORDER BY s.id", S::SELECT);
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project.0).fetch_all(&mut *conn).await?;
        rows.iter().map(S::from_row).collect()
    }

    /// The subjects of the projects the caller may see, in the subject's order, a page at a
    /// time; `q` matches its keyword columns.
    pub async fn list_subjects<S: Subject>(
        &self, principal: &Principal, q: &str, page: crate::base::Page,
    ) -> Result<crate::base::Paged<S>> {
        let mut w = crate::projects::scope_where(principal);
        w.and("s.jurisdiction_id = ?", vec![Param::Int(principal.jurisdiction_id.0)]);
        w.keyword(q, S::KEYWORDS);
        self.fetch_page((S::SELECT, S::FROM), &w, S::ORDER, page, S::from_row).await
    }

    /// The subjects of the caller's jurisdiction whose run waits on them now, oldest first,
    /// at most `limit`: those of the projects they may see whose open step waits on one of
    /// their parties — the owner unit's (a declarant of the unit or one above it) or their
    /// department's party kinds — read from the projection alone.
    pub async fn subjects_waiting<S: Subject>(
        &self, principal: &Principal, order: WaitingOrder, limit: usize,
    ) -> Result<Vec<S>> {
        let mut conn = self.pool.acquire().await?;
        let Some((w, _)) = waiting_where::<S>(&mut conn, principal).await? else {
            return Ok(Vec::new());
        };
        let direction = match order {
            WaitingOrder::Longest => "ASC",
            WaitingOrder::Newest => "DESC",
        };
        let sql = format!(
            "{}{} ORDER BY COALESCE(s.waiting_since_ms, s.created_at_ms) {direction}, s.id {direction} LIMIT {}",
            S::SELECT,
            w.sql(),
            limit.min(2000)
        );
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.params)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(S::from_row).collect()
    }

    /// How many subjects wait on the caller now (the navigation's and 我的待办's count).
    pub async fn count_subjects_waiting<S: Subject>(&self, principal: &Principal) -> Result<i64> {
        let mut conn = self.pool.acquire().await?;
        let Some((w, joined)) = waiting_where::<S>(&mut conn, principal).await? else {
            return Ok(0);
        };
        drop(conn);
        // Without the projects' and departments' columns, the subject's table alone: its
        // state index, not a join per open subject (the count after every write).
        let from = match joined {
            true => S::FROM,
            false => S::FROM.split(" JOIN ").next().unwrap_or(S::FROM),
        };
        self.count_where(from, &w).await
    }
}

/// The rows of `S` waiting on the caller: visible to them, open, and waiting on one of their
/// parties; None when they act as no party at all. With it, whether the filter reads the
/// project's or its department's columns (`p.`, `d.`): a caller who sees their whole
/// jurisdiction sees every subject of it — a subject is begun only on an approved project, so
/// never on a draft — and needs neither.
async fn waiting_where<S: Subject>(
    conn: &mut AnyConnection, principal: &Principal,
) -> Result<Option<(Where, bool)>> {
    let mut any: Vec<(String, Vec<Param>)> = Vec::new();
    let whole = matches!(principal.scope_filter(), govit_core::org::ScopeFilter::Everything);
    let mut joined = !whole;
    if principal.has(Role::Declarant)
        && let Some(path) = principal.department_path.as_deref()
    {
        joined = true;
        let below = format!("{}%", like_pattern(path).trim_matches('%'));
        any.push((
            "((',' || s.waiting_on || ',') LIKE '%,owner_unit,%' AND d.path LIKE ? ESCAPE '\\')"
                .into(),
            vec![Param::Text(below)],
        ));
    }
    if principal.has(Role::Reviewer) {
        for k in crate::org::parties_of(conn, principal).await? {
            if k.as_str() == super::OWNER {
                continue;
            }
            any.push((
                "(',' || s.waiting_on || ',') LIKE ?".into(),
                vec![Param::Text(format!("%,{},%", k.as_str()))],
            ));
        }
    }
    if any.is_empty() {
        return Ok(None);
    }
    let mut w = match joined {
        true => crate::projects::scope_where(principal),
        false => Where::default(),
    };
    w.and("s.jurisdiction_id = ?", vec![Param::Int(principal.jurisdiction_id.0)]);
    let open = S::OPEN.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    w.and(&format!("s.state IN ({open})"), vec![]);
    let clause = any.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(" OR ");
    w.and(&format!("({clause})"), any.into_iter().flat_map(|(_, p)| p).collect());
    Ok(Some((w, joined)))
}

/// A subject as a decision on its run is signed over: its kind and id, and what it asks to be
/// decided ([`Subject::asked`]: the terms of a payment, a contract's …).
#[derive(Debug, Clone)]
pub struct Asked {
    pub kind: &'static str,
    pub id: i64,
    pub content: serde_json::Value,
}

impl Asked {
    pub fn of<S: Subject>(s: &S) -> Asked {
        Asked { kind: S::KIND, id: s.key().0, content: s.asked() }
    }
}

/// A subject as its signed decisions are checked again: what it asks now, its name and its
/// run.
pub struct SubjectNow {
    pub asked: Asked,
    pub named: String,
    pub run: Run,
}

/// The subjects of one kind read without knowing their type (the decisions room checks every
/// run of a project): registered with the store, one for each kind of subject.
pub trait SubjectKind: Send + Sync {
    /// The subjects of this kind on `project`, each with its run.
    fn on_project<'a>(
        &'a self, store: &'a Store, conn: &'a mut AnyConnection, project: ProjectId,
    ) -> SubjectsFuture<'a>;
}

/// What [`SubjectKind::on_project`] returns.
pub type SubjectsFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<SubjectNow>>> + Send + 'a>>;

/// The [`SubjectKind`] of `S`.
pub struct KindOf<S>(PhantomData<fn() -> S>);

impl<S> KindOf<S> {
    pub fn boxed() -> Box<dyn SubjectKind>
    where
        S: Subject,
    {
        Box::new(KindOf::<S>(PhantomData))
    }
}

impl<S: Subject> SubjectKind for KindOf<S> {
    fn on_project<'a>(
        &'a self, store: &'a Store, conn: &'a mut AnyConnection, project: ProjectId,
    ) -> SubjectsFuture<'a> {
        Box::pin(async move {
            let sql = format!("{} WHERE s.project_id = $1 ORDER BY s.id", S::SELECT);
            let rows =
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project.0).fetch_all(&mut *conn).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let s = S::from_row(row)?;
                let run = run_of(store, conn, &s).await?;
                out.push(SubjectNow { asked: Asked::of(&s), named: s.named(), run });
            }
            Ok(out)
        })
    }
}
