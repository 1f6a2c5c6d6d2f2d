//! 项目验收: the owner unit of an approved project starts its acceptance (项目建设总结, a
//! contact); the acceptance then runs along its profile's acceptance stages — yeji:22 初步验收 →
//! 提出竣工验收申请 → 区数据资源管理局会同区公共资源交易中心组织竣工验收; linxiang:26 split at
//! 2,000,000 yuan; lhasa:17 with the archives office; gaoping:20 and xinzhou-transport:21 the
//! filing of the report after the owner's own acceptance — each step recording on the project
//! what it causes. The profile's `accept` gates stand in front of the step that accepts, each
//! cited; 不予通过 there is 验收未通过, and the owner rectifies and applies again. The page says
//! the profile's rules, the materials its stages ask for and the gates' state; /acceptances
//! lists what waits on the reader. The same over the API.

mod api;

pub use api::router;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, html};
use crate::shell::respond;
use crate::shell::route::{self, RunPanel};
use crate::shell::view::{Layout, Pager, SummaryItem, fmt_ms};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use govit_core::acceptance::{AcceptanceForm, AcceptanceStatus, STAGES};
use govit_core::policy::{GatedAction, Profile};
use govit_core::project::ProjectStatus;
use govit_core::{DomainError, FieldError};
use govit_storage::Target;
use govit_storage::acceptances::{Acceptance, EditAcceptance, StartAcceptance};
use govit_storage::projects::Project;
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/acceptances", get(list_page))
        .route("/acceptances/{id}", get(acceptance_page))
        .route("/acceptances/{id}/act", post(act_page))
        .route("/acceptances/{id}/edit", get(edit_page).post(edit_post))
        .route("/projects/{id}/acceptances/new", get(new_page))
        .route("/projects/{id}/acceptances", post(start_page))
}

/// What the profile says of acceptance, in its words, each with its article: the stages that
/// apply to the project (linxiang:26's split chosen by its investment), then the duties their
/// events fulfil with their deadlines.
fn rules_said(profile: Option<&Profile>, facts: &govit_core::policy::Facts) -> Vec<String> {
    let Some(p) = profile else { return Vec::new() };
    let mut out: Vec<String> = p
        .stages
        .iter()
        .filter(|s| STAGES.contains(&s.stage) && s.applies(facts))
        .map(|s| format!("{}（{}）", s.text, s.cite))
        .collect();
    for d in p.deadlines.iter().filter(|d| d.fulfilled_by.step_recorded()) {
        let line = format!("{}（{}）", d.text, d.cite);
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// The materials the profile's acceptance stages ask for (name, article, what it says).
fn materials_said(
    profile: Option<&Profile>, facts: &govit_core::policy::Facts,
) -> Vec<(String, String, String)> {
    let Some(p) = profile else { return Vec::new() };
    p.documents
        .iter()
        .filter(|d| {
            STAGES.contains(&d.stage) && d.when.iter().all(|c| c.eval(facts) != Some(false))
        })
        .map(|d| (d.name.clone(), d.cite.clone(), d.text.clone()))
        .collect()
}

/// The profile's `accept` gates and how the project stands against each: (article, text,
/// 满足 / 不满足 / 待确定).
async fn gates_said(
    state: &AppState, p: &Project,
) -> Result<Vec<(String, String, &'static str)>, crate::shell::error::PageError> {
    Ok(route::gate_rows(state.store.gates_of(p, GatedAction::Accept).await?))
}

#[derive(Template)]
#[template(path = "acceptances/form.html")]
struct FormPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    project_id: i64,
    project_name: String,
    owner_name: String,
    heading: String,
    action: String,
    editing: Option<(i64, i64)>,
    rules: Vec<String>,
    materials: Vec<(String, String, String)>,
    approved: String,
    /// The failed acceptances before, with why they failed.
    failed: Vec<String>,
    f: AcceptanceForm,
    e: HashMap<&'static str, String>,
}

async fn new_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    route::may_start(&state, &user, &p, "组织验收", "项目验收由项目建设单位的经办人组织和申请")
        .await?;
    let earlier = state.store.subjects_of::<Acceptance>(p.id).await?;
    let standing: Vec<(i64, AcceptanceStatus)> =
        earlier.iter().map(|a| (a.attempt, a.status)).collect();
    if let Some(message) = govit_core::acceptance::start_refusal(&standing) {
        return Err(DomainError::InvalidState { message }.into());
    }
    let mut f = AcceptanceForm::default();
    if let Some(last) = earlier.last() {
        f = AcceptanceForm {
            summary: last.terms.summary.clone(),
            contact: last.terms.contact.clone(),
            phone: last.terms.phone.clone(),
        };
    }
    render_form(&state, &user, &p, f, Vec::new(), None).await
}

async fn render_form(
    state: &AppState, user: &User, p: &Project, f: AcceptanceForm, errors: Vec<FieldError>,
    editing: Option<(i64, i64)>,
) -> PageResult {
    let heading = if editing.is_some() { "修改验收申请" } else { "发起项目验收" }.to_string();
    let action = match editing {
        Some((a, _)) => format!("/acceptances/{a}/edit"),
        None => format!("/projects/{}/acceptances", p.id.0),
    };
    let facts = state.store.current_facts(user.who(state), p.id).await?;
    let (rules, materials) = {
        let r = state.store.rules();
        let profile = r.profile(&p.profile_id);
        (rules_said(profile, &facts), materials_said(profile, &facts))
    };
    let mut failed = Vec::new();
    for a in state.store.subjects_of::<Acceptance>(p.id).await? {
        if a.status == AcceptanceStatus::Failed && editing.is_none_or(|(id, _)| id != a.id) {
            let v = state.store.subject_view::<Acceptance>(user.who(state), a.id).await?;
            failed.push(format!(
                "{}未通过：{}",
                a.name(),
                route::rejected_note(&v.run.acts).unwrap_or_default()
            ));
        }
    }
    let owner_name = p.owner_department.clone();
    let again = !errors.is_empty();
    let e = crate::shell::view::first_messages(&errors);
    let page = FormPage {
        layout: Layout::for_user(state, user, heading.clone(), "acceptances")
            .await?
            .with_errors(!errors.is_empty()),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        project_id: p.id.0,
        project_name: p.declaration.name.clone(),
        owner_name,
        heading,
        action,
        editing,
        rules,
        materials,
        approved: p.declaration.investment.to_wan_string(),
        failed,
        f,
        e,
    };
    crate::shell::page::html_status(page, again)
}

fn form_of(f: &HashMap<String, String>) -> AcceptanceForm {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    AcceptanceForm { summary: get("summary"), contact: get("contact"), phone: get("phone") }
}

async fn start_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let form = form_of(&f);
    let step = StartAcceptance { project: govit_core::ids::ProjectId(id), form: form.clone() };
    let result = state.store.run(user.who(&state), Target::New, &step).await;
    respond::page(
        &state,
        result,
        |a: &Acceptance| format!("/acceptances/{}?done=saved", a.id),
        |errs| async {
            let p = state.store.read::<Project>(user.who(&state), id).await?;
            render_form(&state, &user, &p, form, errs, None).await
        },
    )
    .await
}

async fn edit_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let v = state.store.subject_view::<Acceptance>(user.who(&state), id).await?;
    let a = &v.record;
    if let Some(why) = govit_storage::acceptances::not_editable(a.status, !v.run.acts.is_empty()) {
        return Err(DomainError::InvalidState { message: why.into() }.into());
    }
    let p = state.store.read::<Project>(user.who(&state), a.project_id.0).await?;
    if !route::owns(&user, &p) {
        return Err(
            DomainError::Forbidden("项目验收由项目建设单位的经办人组织和申请".into()).into()
        );
    }
    let f = AcceptanceForm {
        summary: a.terms.summary.clone(),
        contact: a.terms.contact.clone(),
        phone: a.terms.phone.clone(),
    };
    render_form(&state, &user, &p, f, Vec::new(), Some((a.id, a.version))).await
}

async fn edit_post(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let a = state.store.read::<Acceptance>(user.who(&state), id).await?;
    let version = crate::shell::page::version_of(&f)?;
    let form = form_of(&f);
    let step = EditAcceptance { form: form.clone() };
    let result = state.store.run(user.who(&state), Target::at(id, version), &step).await;
    respond::page(
        &state,
        result,
        |a: &Acceptance| format!("/acceptances/{}?done=saved", a.id),
        |errs| async {
            let p = state.store.read::<Project>(user.who(&state), a.project_id.0).await?;
            render_form(&state, &user, &p, form, errs, Some((id, version))).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "acceptances/page.html")]
struct AcceptancePage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    a: Acceptance,
    approved: String,
    created_at: String,
    may_edit: bool,
    may_again: bool,
    /// The acceptance that followed this one: (id, 第 2 次验收, its state).
    later: Option<(i64, String, &'static str)>,
    /// The step the gates stand in front of (组织竣工验收).
    accepting: String,
    flash: Option<String>,
    returned: Option<String>,
    failed: Option<String>,
    rules: Vec<String>,
    materials: Vec<(String, String, String)>,
    gates: Vec<(String, String, &'static str)>,
    run: RunPanel,
}

async fn acceptance_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Query(q): Query<route::DoneQuery>,
) -> PageResult {
    render_acceptance(&state, &user, id, Vec::new(), None, q.done()).await
}

async fn render_acceptance(
    state: &AppState, user: &User, id: i64, errors: Vec<FieldError>,
    typed: Option<&HashMap<String, String>>, done: Option<&str>,
) -> PageResult {
    let v = state.store.subject_view::<Acceptance>(user.who(state), id).await?;
    let a = &v.record;
    let profile = a.profile_id.clone();
    let p = state.store.read::<Project>(user.who(state), a.project_id.0).await?;
    let run = &v.run;
    let waiting =
        route::waiting_on(state, &profile, &run.route, &run.progress).map(|w| format!("等待{w}"));
    let flash = done.map(|d| match (d, a.status) {
        ("saved", _) => format!("已保存。{}。", waiting.clone().unwrap_or_default()),
        (_, AcceptanceStatus::Failed) => {
            "已记录验收未通过。项目建设单位整改后可重新发起验收。".to_string()
        }
        (_, AcceptanceStatus::Accepted) => "已通过竣工验收，已记入项目事件。".to_string(),
        (_, AcceptanceStatus::Filed) => "已验收备案，已记入项目事件。".to_string(),
        (_, AcceptanceStatus::Returned) => "已退回。".to_string(),
        _ => format!("已办理。{}。", waiting.clone().unwrap_or_default()),
    });
    let facts = a.facts.clone();
    let (rules, materials) = {
        let r = state.store.rules();
        let pr = r.profile(&profile);
        (rules_said(pr, &facts), materials_said(pr, &facts))
    };
    let acted = !run.acts.is_empty();
    let owns = route::owns(user, &p);
    // The acceptance that followed this one, if any.
    let later = state
        .store
        .subjects_of::<Acceptance>(a.project_id)
        .await?
        .into_iter()
        .filter(|x| x.attempt > a.attempt)
        .max_by_key(|x| x.attempt);
    let again = !errors.is_empty();
    let page = AcceptancePage {
        layout: Layout::for_user(
            state,
            user,
            format!("{}{}", a.project_name, a.name()),
            "acceptances",
        )
        .await?
        .with_errors(!errors.is_empty()),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        approved: a.approved.to_wan_string(),
        created_at: fmt_ms(a.created_at_ms),
        may_edit: owns && govit_storage::acceptances::not_editable(a.status, acted).is_none(),
        may_again: owns
            && a.status == AcceptanceStatus::Failed
            && p.status == ProjectStatus::Approved
            && later.is_none(),
        later: later.map(|x| (x.id, x.name(), x.status.label())),
        accepting: govit_core::acceptance::accepting_index(&run.route)
            .and_then(|i| run.route.steps.get(i))
            .map(|s| s.action.clone())
            .unwrap_or_default(),
        flash,
        returned: route::returned_note(a.status == AcceptanceStatus::Returned, &run.acts),
        failed: (a.status == AcceptanceStatus::Failed)
            .then(|| route::rejected_note(&run.acts))
            .flatten(),
        rules,
        materials,
        gates: gates_said(state, &p).await?,
        run: RunPanel::new(
            state,
            route::PanelAt {
                heading: "验收程序",
                empty: "本辖区的规定没有项目验收的办理程序。",
                act_url: format!("/acceptances/{}/act", a.id),
                version: a.version,
                profile: &profile,
                ended: v.ended.as_deref(),
            },
            run,
            &v.verbs,
            &errors,
            typed,
        ),
        a: v.record.clone(),
    };
    crate::shell::page::html_status(page, again)
}

async fn act_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let to = |a: &Acceptance| format!("/acceptances/{}?done=acted", a.id);
    route::act_posted(&state, &user, id, &f, to, |errs| async {
        render_acceptance(&state, &user, id, errs, Some(&f), None).await
    })
    .await
}

#[derive(Template)]
#[template(path = "acceptances/list.html")]
struct ListPage {
    layout: Layout,
    ended: route::Ended,
    waiting: Vec<(Acceptance, route::Since)>,
    sort: &'static str,
    resort_query: String,
    all: Vec<Acceptance>,
    total: i64,
    q: String,
    pager: Pager,
}

async fn list_page(
    State(state): State<AppState>, user: User, Query(lq): Query<route::ListQuery>,
) -> PageResult {
    let l = route::listed::<Acceptance>(&state, &user, &lq, "/acceptances").await?;
    html(ListPage {
        layout: Layout::for_user(&state, &user, "项目验收", "acceptances").await?,
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
#[template(path = "acceptances/_project_panel.html")]
struct ProjectAcceptances {
    project_id: i64,
    acceptances: Vec<Acceptance>,
    may_start: bool,
}

/// The project page's 项目验收 section: its acceptances with their state, and for the owner
/// unit of an approved project whose acceptances all failed (or who has none) the link that
/// starts one.
pub fn project_acceptances_panel(
    cx: crate::shell::panels::PanelCx<'_, Project>,
) -> crate::shell::panels::PanelFuture<'_> {
    Box::pin(async move {
        let p = cx.record;
        let acceptances = cx.state.store.subjects_of::<Acceptance>(p.id).await?;
        let may_start = route::may_begin(cx.state, cx.user, p).await?
            && acceptances.iter().all(|a| a.status == AcceptanceStatus::Failed);
        if acceptances.is_empty() && !may_start {
            return Ok(None);
        }
        Ok(Some(ProjectAcceptances { project_id: p.id.0, acceptances, may_start }.render()?))
    })
}
