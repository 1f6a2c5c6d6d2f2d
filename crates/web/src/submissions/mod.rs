//! 财评或审计, 绩效自评价, 后评价 and 运维经费申请: what an approved project sends through the
//! stages after its acceptance, each along its profile's chain for that stage (lhasa:21 the
//! approval department reviews up to 100,000,000 yuan, the audit office audits above; lhasa:22
//! finance evaluates the self-evaluation; yeji:29 the authority organizes the post-evaluation;
//! lhasa:27 the authority takes the O&M fund application, the `om_funds` gates in front of
//! it). The project page offers the stages its profile lays out to the party each begins
//! with; /submissions lists what waits on the reader. The same over the API.

mod api;

pub use api::router;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, html};
use crate::shell::route::{self, RunPanel};
use crate::shell::view::{Layout, Pager, SummaryItem, fmt_ms};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use govit_core::FieldError;
use govit_core::policy::Stage;
use govit_core::submission::{Kind, SubmissionForm, SubmissionStatus, kind, not_editable};
use govit_storage::Target;
use govit_storage::projects::Project;
use govit_storage::submissions::{EditSubmission, Offered, StartSubmission, Submission};
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/submissions", get(list_page))
        .route("/submissions/{id}", get(submission_page))
        .route("/submissions/{id}/act", post(act_page))
        .route("/submissions/{id}/edit", get(edit_page).post(edit_post))
        .route("/projects/{id}/submissions/new", get(new_page))
        .route("/projects/{id}/submissions", post(start_page))
}

/// The stage a form or a query names, if a submission runs it.
fn stage_of(code: &str) -> Result<Stage, govit_core::DomainError> {
    Stage::parse(code.trim())
        .filter(|s| kind(*s).is_some())
        .ok_or_else(|| govit_core::DomainError::invalid("stage", "请选择办理事项"))
}

#[derive(Template)]
#[template(path = "submissions/form.html")]
struct FormPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    project_id: i64,
    project_name: String,
    heading: String,
    action: String,
    editing: Option<(i64, i64)>,
    stage: &'static str,
    kind: &'static Kind,
    rules: Vec<String>,
    /// The sanctions a rectification may be ordered under: (id, article and text).
    sanctions: Vec<(String, String)>,
    /// What it scores: (id, name, as typed).
    dimensions: Vec<(String, String, String)>,
    f: SubmissionForm,
    e: HashMap<&'static str, String>,
}

#[derive(serde::Deserialize)]
struct StageQuery {
    #[serde(default)]
    stage: String,
}

/// What the project's profile offers of `stage` to the reader, refused when it offers none
/// or the reader does not begin it.
async fn offered(
    state: &AppState, user: &User, p: &Project, stage: Stage,
) -> Result<Offered, crate::shell::error::PageError> {
    let all = state.store.submissions_offered(user.who(state), p).await?;
    let Some(o) = all.into_iter().find(|o| o.stage == stage) else {
        return Err(govit_core::DomainError::InvalidState {
            message: format!("本辖区的规定没有“{}”的办理程序", stage.label()),
        }
        .into());
    };
    Ok(o)
}

async fn new_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(q): Query<StageQuery>,
) -> PageResult {
    let stage = stage_of(&q.stage)?;
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    let o = offered(&state, &user, &p, stage).await?;
    if !o.may_start {
        if o.open {
            return Err(govit_core::DomainError::InvalidState {
                message: format!("本项目已有正在办理的{}，办结后才能再次发起", o.label),
            }
            .into());
        }
        if let Some(why) = o.not_yet.clone() {
            return Err(govit_core::DomainError::InvalidState { message: why }.into());
        }
        if p.status != govit_core::project::ProjectStatus::Approved {
            return Err(govit_core::DomainError::InvalidState {
                message: format!("项目当前为“{}”，立项批复后才能发起{}", p.status.label(), o.label),
            }
            .into());
        }
        return Err(
            govit_core::DomainError::Forbidden(format!("您所在单位不能发起{}", o.label)).into()
        );
    }
    render_form(&state, &user, &p, stage, SubmissionForm::default(), Vec::new(), None).await
}

async fn render_form(
    state: &AppState, user: &User, p: &Project, stage: Stage, f: SubmissionForm,
    errors: Vec<FieldError>, editing: Option<(i64, i64)>,
) -> PageResult {
    let kind = kind(stage).ok_or(govit_core::DomainError::NotFound)?;
    let o = offered(state, user, p, stage).await?;
    let heading =
        if editing.is_some() { format!("修改{}", o.label) } else { format!("发起{}", o.label) };
    let action = match editing {
        Some((a, _)) => format!("/submissions/{a}/edit"),
        None => format!("/projects/{}/submissions", p.id.0),
    };
    let again = !errors.is_empty();
    let e = crate::shell::view::first_messages(&errors);
    let page = FormPage {
        layout: Layout::for_user(state, user, heading.clone(), "submissions")
            .await?
            .with_errors(!errors.is_empty()),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        project_id: p.id.0,
        project_name: p.declaration.name.clone(),
        heading,
        action,
        editing,
        stage: stage.as_str(),
        kind,
        rules: o.rules,
        sanctions: sanction_choices(state, &p.profile_id),
        dimensions: o
            .dimensions
            .iter()
            .map(|d| {
                (d.id.clone(), d.name.clone(), f.scores.get(&d.id).cloned().unwrap_or_default())
            })
            .collect(),
        f,
        e,
    };
    crate::shell::page::html_status(page, again)
}

/// The sanctions of `profile` a rectification may be ordered under, as its form offers them.
fn sanction_choices(state: &AppState, profile: &str) -> Vec<(String, String)> {
    let rules = state.store.rules();
    rules
        .profile(profile)
        .map(|p| {
            govit_core::sanction::rectifying(p)
                .into_iter()
                .map(|r| (r.id.clone(), format!("{}：{}", r.cite, r.text)))
                .collect()
        })
        .unwrap_or_default()
}

/// The sanction a rectification names, as its page shows it (its article and text).
fn sanction_named(state: &AppState, profile: &str, id: &str) -> String {
    sanction_choices(state, profile)
        .into_iter()
        .find(|(r, _)| r == id)
        .map_or_else(|| id.to_string(), |(_, t)| t)
}

fn form_of(f: &HashMap<String, String>) -> SubmissionForm {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    SubmissionForm {
        amount: get("amount"),
        day: get("day"),
        due: get("due"),
        rule: get("rule"),
        scores: f
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("score_").map(|id| (id.to_string(), v.clone())))
            .collect(),
        year: get("year"),
        text: get("text"),
    }
}

async fn start_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let stage = stage_of(f.get("stage").map(String::as_str).unwrap_or_default())?;
    let form = form_of(&f);
    let step =
        StartSubmission { project: govit_core::ids::ProjectId(id), stage, form: form.clone() };
    let result = state.store.run(user.who(&state), Target::New, &step).await;
    respond_page(&state, result, |errs| async {
        let p = state.store.read::<Project>(user.who(&state), id).await?;
        render_form(&state, &user, &p, stage, form, errs, None).await
    })
    .await
}

/// Where a saved submission goes, or its form again with what was wrong.
async fn respond_page<Again, Fut>(
    state: &AppState, result: govit_storage::Result<govit_storage::Changed<Submission>>,
    again: Again,
) -> PageResult
where
    Again: FnOnce(Vec<FieldError>) -> Fut,
    Fut: std::future::Future<Output = PageResult>,
{
    crate::shell::respond::page(
        state,
        result,
        |s: &Submission| format!("/submissions/{}?done=saved", s.id),
        again,
    )
    .await
}

async fn edit_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let s = state.store.read::<Submission>(user.who(&state), id).await?;
    if let Some(why) = not_editable(s.status) {
        return Err(govit_core::DomainError::InvalidState {
            message: format!("{}{why}", s.name()),
        }
        .into());
    }
    let p = state.store.read::<Project>(user.who(&state), s.project_id.0).await?;
    if !offered(&state, &user, &p, s.stage).await?.starter {
        return Err(
            govit_core::DomainError::Forbidden(format!("您所在单位不能修改{}", s.title)).into()
        );
    }
    let f = SubmissionForm {
        amount: s.terms.amount.map(|a| a.to_wan_string()).unwrap_or_default(),
        day: s.terms.day.map(|d| d.to_string()).unwrap_or_default(),
        due: s.terms.due.map(|d| d.to_string()).unwrap_or_default(),
        rule: s.terms.rule.clone().unwrap_or_default(),
        scores: s.terms.scores.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
        year: s.terms.year.map(|y| y.to_string()).unwrap_or_default(),
        text: s.terms.text.clone(),
    };
    render_form(&state, &user, &p, s.stage, f, Vec::new(), Some((s.id, s.version))).await
}

async fn edit_post(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let s = state.store.read::<Submission>(user.who(&state), id).await?;
    let version = crate::shell::page::version_of(&f)?;
    let form = form_of(&f);
    let step = EditSubmission { form: form.clone() };
    let result = state.store.run(user.who(&state), Target::at(id, version), &step).await;
    respond_page(&state, result, |errs| async {
        let p = state.store.read::<Project>(user.who(&state), s.project_id.0).await?;
        render_form(&state, &user, &p, s.stage, form, errs, Some((id, version))).await
    })
    .await
}

#[derive(Template)]
#[template(path = "submissions/page.html")]
struct SubmissionPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    s: Submission,
    kind: &'static Kind,
    created_at: String,
    may_edit: bool,
    /// The project's money, for a review of its final accounts or a surplus return.
    funds: Option<govit_core::payment::Funds>,
    /// The step the gates stand in front of (申请运维经费).
    gated: String,
    flash: Option<String>,
    returned: Option<String>,
    refused: Option<String>,
    rules: Vec<String>,
    /// The sanction a rectification was ordered under, and whether its deadline passed
    /// while it waits on the owner unit.
    sanction: Option<String>,
    /// Its scores (dimension, score) and their mean.
    scores: Vec<(String, u8)>,
    mean: Option<String>,
    overdue: bool,
    gates: Vec<(String, String, &'static str)>,
    run: RunPanel,
}

async fn submission_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Query(q): Query<route::DoneQuery>,
) -> PageResult {
    render_submission(&state, &user, id, Vec::new(), None, q.done()).await
}

async fn render_submission(
    state: &AppState, user: &User, id: i64, errors: Vec<FieldError>,
    typed: Option<&HashMap<String, String>>, done: Option<&str>,
) -> PageResult {
    let v = state.store.subject_view::<Submission>(user.who(state), id).await?;
    let s = &v.record;
    let kind = s.kind().ok_or(govit_core::DomainError::NotFound)?;
    let profile = s.profile_id.clone();
    let p = state.store.read::<Project>(user.who(state), s.project_id.0).await?;
    let run = &v.run;
    let waiting =
        route::waiting_on(state, &profile, &run.route, &run.progress).map(|w| format!("等待{w}"));
    let flash = done.map(|d| match (d, s.status) {
        ("saved", _) => "已保存。核对无误后请报送。".to_string(),
        (_, SubmissionStatus::Done) => "已办结。".to_string(),
        (_, SubmissionStatus::Refused) => "已记录不予通过。".to_string(),
        (_, SubmissionStatus::Returned) => "已退回。".to_string(),
        _ => format!("已办理。{}。", waiting.clone().unwrap_or_default()),
    });
    let offered = state.store.submissions_offered(user.who(state), &p).await?;
    let here = offered.iter().find(|o| o.stage == s.stage);
    let gates = if s.through() {
        Vec::new()
    } else {
        route::gate_rows(state.store.submission_gates(&p, s, state.now_ms()).await?)
    };
    let funds = if matches!(s.stage, Stage::FinancialReview | Stage::SurplusReturn) {
        Some(state.store.project_funds(&p).await?)
    } else {
        None
    };
    let again = !errors.is_empty();
    let page = SubmissionPage {
        layout: Layout::for_user(
            state,
            user,
            format!("{}：{}", s.name(), s.project_name),
            "submissions",
        )
        .await?
        .with_errors(!errors.is_empty()),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        kind,
        created_at: fmt_ms(s.created_at_ms),
        may_edit: here.is_some_and(|o| o.starter) && not_editable(s.status).is_none(),
        funds,
        gated: run.route.steps.first().map(|x| x.action.clone()).unwrap_or_default(),
        flash,
        returned: route::returned_note(s.status == SubmissionStatus::Returned, &run.acts),
        refused: (s.status == SubmissionStatus::Refused)
            .then(|| route::rejected_note(&run.acts))
            .flatten(),
        rules: here.map(|o| o.rules.clone()).unwrap_or_default(),
        sanction: s.terms.rule.as_deref().map(|r| sanction_named(state, &profile, r)),
        scores: s.scored(state.store.rules().profile(&profile)),
        mean: s.terms.mean_shown(),
        // Past its deadline while it waits on the owner unit's report (逾期不整改).
        overdue: !s.through()
            && s.terms.due.is_some_and(|d| govit_storage::china_today(state.now_ms()) > d)
            && run
                .route
                .steps
                .get(run.progress.current)
                .is_some_and(|st| st.parties.iter().any(|p| p == "owner_unit")),
        gates,
        run: RunPanel::new(
            state,
            route::PanelAt {
                heading: "办理程序",
                empty: "本辖区的规定没有这一事项的办理程序。",
                act_url: format!("/submissions/{}/act", s.id),
                version: s.version,
                profile: &profile,
                ended: v.ended.as_deref(),
            },
            run,
            &v.verbs,
            &errors,
            typed,
        ),
        s: v.record.clone(),
    };
    crate::shell::page::html_status(page, again)
}

async fn act_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let to = |s: &Submission| format!("/submissions/{}?done=acted", s.id);
    route::act_posted(&state, &user, id, &f, to, |errs| async {
        render_submission(&state, &user, id, errs, Some(&f), None).await
    })
    .await
}

#[derive(Template)]
#[template(path = "submissions/list.html")]
struct ListPage {
    layout: Layout,
    ended: route::Ended,
    waiting: Vec<(Submission, route::Since)>,
    sort: &'static str,
    resort_query: String,
    all: Vec<Submission>,
    total: i64,
    q: String,
    pager: Pager,
}

async fn list_page(
    State(state): State<AppState>, user: User, Query(lq): Query<route::ListQuery>,
) -> PageResult {
    let l = route::listed::<Submission>(&state, &user, &lq, "/submissions").await?;
    html(ListPage {
        layout: Layout::for_user(&state, &user, "评价与运维", "submissions").await?,
        ended: l.ended,
        waiting: l.waiting,
        sort: l.sort,
        resort_query: l.resort_query,
        all: l.all,
        total: l.total,
        q: l.q,
        pager: l.pager,
    })
}

#[derive(Template)]
#[template(path = "submissions/_project_panel.html")]
struct ProjectSubmissions {
    project_id: i64,
    /// What the project's profile lays out, by its names (财评或审计、后评价 …), for "none yet".
    stages: String,
    submissions: Vec<Submission>,
    offered: Vec<Offered>,
}

/// The project page's 财评、评价与运维 section: what the project has sent through those stages
/// with their state, and the stages the reader may begin one of.
pub fn project_submissions_panel(
    cx: crate::shell::panels::PanelCx<'_, Project>,
) -> crate::shell::panels::PanelFuture<'_> {
    Box::pin(async move {
        let p = cx.record;
        let submissions = cx.state.store.subjects_of::<Submission>(p.id).await?;
        let offered: Vec<Offered> = if p.status == govit_core::project::ProjectStatus::Approved {
            let all = cx.state.store.submissions_offered(cx.user.who(cx.state), p).await?;
            all.into_iter().filter(|o| o.starter).collect()
        } else {
            Vec::new()
        };
        if submissions.is_empty() && offered.is_empty() {
            return Ok(None);
        }
        let stages = {
            let rules = cx.state.store.rules();
            rules
                .profile(&p.profile_id)
                .map(|pr| {
                    govit_core::submission::stages_of(pr)
                        .into_iter()
                        .filter(|s| *s != Stage::Rectification)
                        .map(|s| pr.stage_label(s))
                        .collect::<Vec<_>>()
                        .join("、")
                })
                .unwrap_or_default()
        };
        Ok(Some(ProjectSubmissions { project_id: p.id.0, stages, submissions, offered }.render()?))
    })
}

#[derive(Template)]
#[template(path = "submissions/_unit_evaluations.html")]
struct UnitEvaluations {
    owner: String,
    /// The profile's post-evaluation rules that say so, with their articles.
    rules: Vec<String>,
    evaluations: Vec<(Submission, String)>,
}

/// How many of a unit's evaluations a declaration's reviewer sees.
const UNIT_EVALUATIONS: i64 = 10;

/// For the reviewers of a declaration being decided: the performance evaluations of its unit's
/// earlier projects, where the profile's post-evaluation rules score them — their results weigh
/// in the review of the unit's next projects (gaoping:22, yeji:29, linxiang:33).
pub fn unit_evaluations_panel(
    cx: crate::shell::panels::PanelCx<'_, Project>,
) -> crate::shell::panels::PanelFuture<'_> {
    Box::pin(async move {
        let p = cx.record;
        let reviewing = matches!(
            p.status,
            govit_core::project::ProjectStatus::Submitted
                | govit_core::project::ProjectStatus::Returned
        );
        if !reviewing || !cx.user.principal.has(govit_core::org::Role::Reviewer) {
            return Ok(None);
        }
        let rules: Vec<String> = {
            let all = cx.state.store.rules();
            let Some(profile) = all.profile(&p.profile_id) else { return Ok(None) };
            profile
                .stages
                .iter()
                .filter(|r| govit_core::submission::weighed_next_year(r))
                .map(|r| format!("{}（{}）", r.text, r.cite))
                .collect()
        };
        if rules.is_empty() {
            return Ok(None);
        }
        let list = cx.state.store.unit_evaluations(&cx.user.principal, p, UNIT_EVALUATIONS).await?;
        let evaluations = list.into_iter().map(|s| {
            let at = fmt_ms(s.created_at_ms);
            (s, at)
        });
        Ok(Some(
            UnitEvaluations {
                owner: p.owner_department.clone(),
                rules,
                evaluations: evaluations.collect(),
            }
            .render()?,
        ))
    })
}
