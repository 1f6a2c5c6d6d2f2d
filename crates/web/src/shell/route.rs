//! A run's route as a page shows it: each step with its parties in the profile's words, its
//! article, whether it is done, current or to come, and who acted on it — for every subject the
//! workflow engine runs beside a project's path (a plan, a contract's filing).

use crate::AppState;
use crate::shell::view::fmt_ms;
use govit_core::workflow::{Progress, Route, RunStatus, Verb};
use govit_storage::projects::run::ActRecord;

/// One step of a route as the page shows it.
pub struct StepShown {
    pub key: String,
    pub action: String,
    pub parties: String,
    pub cite: String,
    /// 已办 / 当前 / 未到 / 未通过
    pub state: &'static str,
    /// Who acted on it, when, with what (newest last).
    pub acts: Vec<String>,
}

/// The parties of a step in the profile's words.
pub fn party_labels(state: &AppState, profile: &str, parties: &[String]) -> String {
    let rules = state.store.rules();
    parties
        .iter()
        .map(|k| rules.profile(profile).map_or_else(|| k.clone(), |p| p.party_label(k)))
        .collect::<Vec<_>>()
        .join("、")
}

/// How a route's passes read: 报批 at the first step then 通过 (a plan), or each step's own
/// action in the regulation's words (报送合同文本, 同意, 备案: a contract's filing).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PassWords {
    SendThenPass,
    StepAction,
}

/// An act as the route shows it.
pub fn verb_said(v: &Verb, first: bool, action: &str, words: PassWords) -> String {
    let pass = match (words, first) {
        (PassWords::StepAction, _) => action,
        (PassWords::SendThenPass, true) => "报批",
        (PassWords::SendThenPass, false) => "通过",
    };
    match v {
        Verb::Pass { note } if note.is_empty() => pass.to_string(),
        Verb::Pass { note } => format!("{pass}：{note}"),
        Verb::Return { reason, .. } => format!("退回：{reason}"),
        Verb::Reject { reason } => format!("不予通过：{reason}"),
        Verb::Withdraw => "撤回".into(),
        other => other.kind().label().to_string(),
    }
}

/// The step an act is shown under: where it was made, but a 撤回 under the sender's own step
/// (it is made while the next step is open, and takes the sender's pass back).
fn shown_at(route: &Route, a: &ActRecord) -> Option<usize> {
    let at = route.index_of(&a.act.step)?;
    match a.act.verb {
        Verb::Withdraw => Some(at.saturating_sub(1)),
        _ => Some(at),
    }
}

/// The steps of `route` under `progress`, with the acts made at each.
pub fn steps_shown(
    state: &AppState, profile: &str, route: &Route, progress: &Progress, acts: &[ActRecord],
    words: PassWords,
) -> Vec<StepShown> {
    let done = progress.status != RunStatus::Active;
    let refused = progress.status == RunStatus::Rejected;
    route
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepShown {
            key: s.key.clone(),
            action: s.action.clone(),
            parties: party_labels(state, profile, &s.parties),
            cite: s.cite.clone(),
            state: match (done, i.cmp(&progress.current)) {
                (true, _) if refused && i == progress.current => "未通过",
                (true, _) if refused && i > progress.current => "未办理",
                (true, _) | (false, std::cmp::Ordering::Less) => "已办",
                (false, std::cmp::Ordering::Equal) => "当前",
                (false, std::cmp::Ordering::Greater) => "未到",
            },
            acts: acts
                .iter()
                .filter(|a| shown_at(route, a) == Some(i))
                .map(|a| {
                    format!(
                        "{} {}（{}）{}",
                        fmt_ms(a.act.at_ms),
                        a.actor_name,
                        a.actor_department,
                        verb_said(&a.act.verb, i == 0, &s.action, words)
                    )
                })
                .collect(),
        })
        .collect()
}

/// A step of a route over the API.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RouteStepDto {
    key: String,
    action: String,
    party_kinds: Vec<String>,
    cite: String,
}

/// An act on a route over the API.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RouteActDto {
    step: String,
    /// pass, return, reject, withdraw
    verb: String,
    /// The note or the reason.
    text: String,
    actor: String,
    department: String,
    at_ms: i64,
}

/// A route's steps over the API.
pub fn step_dtos(route: &Route) -> Vec<RouteStepDto> {
    route
        .steps
        .iter()
        .map(|s| RouteStepDto {
            key: s.key.clone(),
            action: s.action.clone(),
            party_kinds: s.parties.clone(),
            cite: s.cite.clone(),
        })
        .collect()
}

/// A run's acts over the API.
pub fn act_dtos(acts: &[ActRecord]) -> Vec<RouteActDto> {
    acts.iter()
        .map(|a| RouteActDto {
            step: a.act.step.clone(),
            verb: a.act.verb.kind().as_str().to_string(),
            text: match &a.act.verb {
                Verb::Pass { note } => note.clone(),
                Verb::Return { reason, .. } | Verb::Reject { reason } => reason.clone(),
                _ => String::new(),
            },
            actor: a.actor_name.clone(),
            department: a.actor_department.clone(),
            at_ms: a.act.at_ms,
        })
        .collect()
}

/// The verb a page's form names (`verb`, with its note, reason or step to return to); an
/// unknown verb is refused, a missing reason named for the form to show again.
pub fn form_verb(
    f: &std::collections::HashMap<String, String>,
) -> Result<Verb, govit_core::DomainError> {
    let kind = f
        .get("verb")
        .and_then(|v| govit_core::workflow::VerbKind::parse(v.trim()))
        .ok_or_else(|| govit_core::DomainError::invalid("verb", "未知的办理操作"))?;
    Verb::from_fields(kind, |k| f.get(k).cloned().unwrap_or_default())
}

/// The verb an API call names in its path, among those the subject's route offers (another
/// answers 404), with its note, reason or step from the body.
pub fn body_verb(
    verb: &str, allowed: &[govit_core::workflow::VerbKind],
    m: &serde_json::Map<String, serde_json::Value>,
) -> Result<Verb, govit_core::DomainError> {
    let Some(kind) = govit_core::workflow::VerbKind::parse(verb).filter(|k| allowed.contains(k))
    else {
        let offered = allowed.iter().map(|v| v.label()).collect::<Vec<_>>().join("、");
        return Err(govit_core::DomainError::invalid("verb", format!("这里只能{offered}")));
    };
    let field =
        |k: &str| m.get(k).and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
    Verb::from_fields(kind, field)
}

/// The body of an act on a route over the API (a plan's, a contract's filing): the version
/// read and the verb's note, reason or step to return to.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RouteActBody {
    version: i64,
    note: Option<String>,
    reason: Option<String>,
    /// For a return: the key of the earlier step.
    to: Option<String>,
}

/// A run's route and the forms that act on it, as a subject's page shows them
/// (`shell/_run.html`): the steps with who acted, then 通过 (named by the step's action),
/// 退回 to an earlier step with a reason, 不予通过 with a reason and 撤回 — those the reader may
/// use now — each posting `verb` to `act_url` at the version read.
pub struct RunPanel {
    /// 备案程序 / 办理程序
    pub heading: &'static str,
    /// Said where the profile lays out no run.
    pub empty: &'static str,
    pub act_url: String,
    pub version: i64,
    pub steps: Vec<StepShown>,
    /// The current step's action: what 通过 is called there (报送合同文本, 批准, 备案).
    pub pass_label: String,
    pub may_pass: bool,
    pub may_return: bool,
    pub may_withdraw: bool,
    pub may_reject: bool,
    /// The steps a return may go back to (key, who：what).
    pub earlier: Vec<(String, String)>,
    pub note: String,
    pub reason: String,
    pub note_error: Option<String>,
    pub reason_error: Option<String>,
    /// Why the run no longer passes: its project was terminated while it was in flight.
    pub ended: Option<String>,
}

/// Where a subject's page is, for its [`RunPanel`].
pub struct PanelAt<'a> {
    pub heading: &'static str,
    pub empty: &'static str,
    pub act_url: String,
    pub version: i64,
    pub profile: &'a str,
    /// [`SubjectView::ended`](govit_storage::projects::run::subject::SubjectView).
    pub ended: Option<&'a str>,
}

impl RunPanel {
    /// The panel of `run` for a reader who may use `verbs`; `typed` is what a refused form
    /// held, shown again with its `errors`.
    pub fn new(
        state: &AppState, at: PanelAt<'_>, run: &govit_storage::projects::run::Run,
        verbs: &[govit_core::workflow::VerbKind], errors: &[govit_core::FieldError],
        typed: Option<&std::collections::HashMap<String, String>>,
    ) -> RunPanel {
        use govit_core::workflow::VerbKind;
        let get = |k: &str| typed.and_then(|t| t.get(k).cloned()).unwrap_or_default();
        let earlier = run
            .route
            .steps
            .iter()
            .take(run.progress.current)
            .map(|s| {
                let who = party_labels(state, at.profile, &s.parties);
                (s.key.clone(), format!("{who}：{}", s.action))
            })
            .collect();
        RunPanel {
            heading: at.heading,
            empty: at.empty,
            act_url: at.act_url,
            version: at.version,
            steps: steps_shown(
                state,
                at.profile,
                &run.route,
                &run.progress,
                &run.acts,
                PassWords::StepAction,
            ),
            pass_label: run
                .progress
                .step(&run.route)
                .map_or_else(|| "通过".to_string(), |s| s.action.clone()),
            may_pass: verbs.contains(&VerbKind::Pass),
            may_return: verbs.contains(&VerbKind::Return),
            may_withdraw: verbs.contains(&VerbKind::Withdraw),
            may_reject: verbs.contains(&VerbKind::Reject),
            earlier,
            note: get("note"),
            reason: get("reason"),
            note_error: crate::shell::view::error_for(errors, "note"),
            reason_error: crate::shell::view::error_for(errors, "reason"),
            ended: at.ended.map(str::to_string),
        }
    }

    /// Whether the reader may act at all.
    pub fn acts(&self) -> bool {
        self.may_pass || self.may_return || self.may_withdraw || self.may_reject
    }
}

/// Who the run waits on now and for what (区公共资源交易中心组织竣工验收): the parties of its
/// places nobody has signed yet, in the profile's words; None once it is through.
pub fn waiting_on(
    state: &AppState, profile: &str, route: &govit_core::workflow::Route,
    progress: &govit_core::workflow::Progress,
) -> Option<String> {
    let step = progress.step(route)?;
    let open = progress.waiting_parties(route);
    Some(format!("{}{}", party_labels(state, profile, &open), step.action))
}

/// The last return's reason and who gave it, while the subject stands returned.
pub fn returned_note(returned: bool, acts: &[ActRecord]) -> Option<String> {
    match (returned, acts.last()) {
        (true, Some(a)) => match &a.act.verb {
            Verb::Return { reason, .. } => Some(format!(
                "{} 于 {} 退回，理由：{}",
                a.actor_name,
                fmt_ms(a.act.at_ms),
                reason.trim_end_matches(['。', '.', '；', ';'])
            )),
            _ => None,
        },
        _ => None,
    }
}

/// Who ended the run with 不予通过, when, and why, if its last act did (验收未通过, 不予拨付).
pub fn rejected_note(acts: &[ActRecord]) -> Option<String> {
    acts.last().and_then(|a| match &a.act.verb {
        Verb::Reject { reason } => Some(format!(
            "{}（{}）于 {} 认定：{}",
            a.actor_name,
            a.actor_department,
            fmt_ms(a.act.at_ms),
            reason.trim_end_matches(['。', '.', '；', ';'])
        )),
        _ => None,
    })
}

/// The gates in front of a subject's step as its page lists them: (article, condition,
/// 满足 / 不满足 / 待确定), those that do not apply to the project left out.
pub fn gate_rows(
    checks: Vec<govit_core::obligation::GateCheck>,
) -> Vec<(String, String, &'static str)> {
    use govit_core::obligation::GateOutcome;
    checks
        .into_iter()
        .filter(|g| g.outcome != GateOutcome::NotApplicable)
        .map(|g| {
            let said = match g.outcome {
                GateOutcome::Pass => "满足",
                GateOutcome::Fail => "不满足",
                _ => "待确定",
            };
            (g.cite, g.text, said)
        })
        .collect()
}

/// A subject page's query after a write: `done=saved`, `done=acted` or `done=cancelled`
/// says which notice to show.
#[derive(serde::Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

impl DoneQuery {
    /// `saved`, `acted` or `cancelled`, or nothing for anything else.
    pub fn done(&self) -> Option<&str> {
        matches!(self.done.as_str(), "saved" | "acted" | "cancelled").then_some(self.done.as_str())
    }
}

/// A subject's run over the API, beside its record: the steps, where it stands, the acts on it
/// and what the caller may do now.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RunDto {
    steps: Vec<RouteStepDto>,
    /// The index of the current step (the number of steps once through).
    current_step: usize,
    acts: Vec<RouteActDto>,
    /// pass, return, withdraw, reject: those of the subject's verbs the caller may use now.
    verbs: Vec<String>,
    /// Why the run no longer passes, when its project was terminated while it was in flight
    /// (项目已于 2026-05-06 终止，本合同的备案不再办理); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    project_ended: Option<String>,
}

impl RunDto {
    pub fn of<S>(v: &govit_storage::projects::run::subject::SubjectView<S>) -> RunDto {
        RunDto {
            steps: step_dtos(&v.run.route),
            current_step: v.run.progress.current,
            acts: act_dtos(&v.run.acts),
            verbs: v.verbs.iter().map(|k| k.as_str().to_string()).collect(),
            project_ended: v.ended.clone(),
        }
    }
}

/// An act posted from a subject's page: the verb its form names, at the version read; on
/// success the page `to` names, otherwise `again` — the page with the errors beside what was
/// typed.
pub async fn act_posted<S, Again, Fut>(
    state: &AppState, user: &crate::shell::auth::User, id: i64,
    f: &std::collections::HashMap<String, String>, to: impl FnOnce(&S) -> String, again: Again,
) -> crate::shell::page::PageResult
where
    S: govit_storage::projects::run::subject::Subject,
    Again: FnOnce(Vec<govit_core::FieldError>) -> Fut,
    Fut: std::future::Future<Output = crate::shell::page::PageResult>,
{
    use govit_storage::projects::run::subject::SubjectAct;
    let verb = match form_verb(f) {
        Ok(v) => v,
        Err(govit_core::DomainError::Invalid(errs)) => return again(errs).await,
        Err(e) => return Err(e.into()),
    };
    let version = crate::shell::page::version_of(f)?;
    let target = govit_storage::Target::at(id, version);
    let result = state.store.run(user.who(state), target, &SubjectAct::<S>::new(verb)).await;
    crate::shell::respond::page(state, result, to, again).await
}

/// A subject list's query: a keyword and a page; the order of what waits on the reader
/// (`waiting`, longest first, or `-waiting`).
#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    sort: Option<String>,
}

/// Since when a subject has waited on the reader: the day its open step began, and the
/// working days since (Beijing days, the calendar in force).
pub struct Since {
    pub day: String,
    pub days: u32,
}

/// A subject's list page as the reader sees it: what waits on them (longest waiting first
/// unless `sort` says newest), then every one of the projects they may see, searched and 50 a
/// page.
pub struct Listed<S> {
    pub waiting: Vec<(S, Since)>,
    /// The waiting list's order (`waiting` or `-waiting`), and the query that turns it round.
    pub sort: &'static str,
    pub resort_query: String,
    /// The day each waiting one's project was terminated, for those that were.
    pub ended: Ended,
    pub all: Vec<S>,
    pub total: i64,
    pub q: String,
    pub pager: crate::shell::view::Pager,
}

/// The list of subjects `S` at `path` for the reader.
pub async fn listed<S: govit_storage::projects::run::subject::Subject>(
    state: &AppState, user: &crate::shell::auth::User, lq: &ListQuery, path: &str,
) -> Result<Listed<S>, crate::shell::error::PageError> {
    use crate::shell::view::{Pager, filter_query};
    use govit_storage::projects::run::subject::WaitingOrder;
    // An order the list does not know reads as its own (a hand-typed address, an old link).
    let order = WaitingOrder::parse(lq.sort.as_deref().unwrap_or("").trim()).unwrap_or_default();
    let waiting = state.store.subjects_waiting::<S>(&user.principal, order, 200).await?;
    let projects: Vec<_> =
        waiting.iter().filter(|s| !s.goes_on_when_ended()).map(|s| s.project()).collect();
    let ended = Ended(state.store.terminated_among(&projects).await?);
    let calendar = state.store.calendar().await?;
    let today = govit_storage::china_today(state.now_ms());
    let waiting = waiting
        .into_iter()
        .map(|s| {
            let began = govit_storage::china_today(s.waiting_since_ms());
            let days = calendar.working_days_between(began, today);
            (s, Since { day: began.to_string(), days })
        })
        .collect();
    let q: String = lq.q.trim().chars().take(100).collect();
    let page = lq.page.as_deref().and_then(|p| p.trim().parse::<i64>().ok()).unwrap_or(1);
    let paged = state
        .store
        .list_subjects::<S>(&user.principal, &q, govit_storage::Page::new(page, 50))
        .await?;
    // The waiting list's order is kept while the whole list is paged.
    let kept = if order == WaitingOrder::Longest { "" } else { order.as_str() };
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("{path}?{}", filter_query(&[("q", q.as_str()), ("sort", kept)], Some(n)))
    });
    let turned = match order {
        WaitingOrder::Longest => WaitingOrder::Newest,
        WaitingOrder::Newest => WaitingOrder::Longest,
    };
    let resort_query = filter_query(&[("q", q.as_str()), ("sort", turned.as_str())], None);
    Ok(Listed {
        waiting,
        sort: order.as_str(),
        resort_query,
        ended,
        all: paged.items,
        total: paged.total,
        q,
        pager,
    })
}

/// The projects of a list's rows that were terminated, and on what day: a row in flight of
/// one of them is marked, since it no longer passes.
#[derive(Default)]
pub struct Ended(std::collections::HashMap<i64, chrono::NaiveDate>);

impl Ended {
    /// The day project `id` was terminated, if it was.
    pub fn on(&self, id: &i64) -> Option<String> {
        self.0.get(id).map(|d| d.to_string())
    }
}

/// Whether the reader records for the project's owner unit: a clerk (申报经办人) of its
/// department.
pub fn owns(user: &crate::shell::auth::User, p: &govit_storage::projects::Project) -> bool {
    user.principal.has(govit_core::org::Role::Declarant)
        && user.principal.department_id == Some(p.owner_department_id)
}

/// Told before typing, on the form that starts a subject of an approved project (a contract,
/// a change, a report): the project must be approved and not terminated (`doing`: 登记合同 …)
/// and the reader its owner unit's clerk (`forbidden`: who does it instead).
pub async fn may_start(
    state: &AppState, user: &crate::shell::auth::User, p: &govit_storage::projects::Project,
    doing: &str, forbidden: &str,
) -> Result<(), govit_storage::StoreError> {
    if p.status != govit_core::project::ProjectStatus::Approved {
        return Err(govit_core::DomainError::InvalidState {
            message: format!("项目当前为“{}”，立项批复后才能{doing}", p.status.label()),
        }
        .into());
    }
    if !owns(user, p) {
        return Err(govit_core::DomainError::Forbidden(forbidden.into()).into());
    }
    if let Some((day, _)) = state.store.termination(p.id).await? {
        return Err(govit_core::project::ended_refusal(day, doing).into());
    }
    Ok(())
}

/// Whether the project page offers the reader to start a subject of the project: what
/// [`may_start`] would not refuse.
pub async fn may_begin(
    state: &AppState, user: &crate::shell::auth::User, p: &govit_storage::projects::Project,
) -> Result<bool, govit_storage::StoreError> {
    match may_start(state, user, p, "", "").await {
        Ok(()) => Ok(true),
        Err(govit_storage::StoreError::Domain(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
