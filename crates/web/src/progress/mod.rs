//! 进度报告: the owner unit of an approved project fills in a quarter's report (yeji:15's annex
//! 2: the unit's head and contacts, the project's main content, its progress with the
//! expected completion date, the amount invested so far against the approved budget); the
//! form says first what its profile asks of reports, with the articles. The report then runs
//! along its profile's chain (yeji 报送 → 区数据资源管理局备案; gaoping and xinzhou-transport the
//! owner's own step); sending it records 报送进度, which fulfils the quarter's duty. The project
//! page lists its reports; /progress lists what waits on the reader. The same over the API.

mod annex;
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
use govit_core::policy::{EventKind, Profile, Stage};
use govit_core::progress::{Quarter, ReportForm, ReportStatus};
use govit_core::{DomainError, FieldError};
use govit_storage::Target;
use govit_storage::progress::{EditReport, FileReport, Report};
use govit_storage::projects::Project;
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/progress", get(list_page))
        .route("/progress/forms.xlsx", get(annex::quarter_forms))
        .route("/progress/{id}/form.xlsx", get(annex::report_form))
        .route("/progress/{id}", get(report_page))
        .route("/progress/{id}/act", post(act_page))
        .route("/progress/{id}/edit", get(edit_page).post(edit_post))
        .route("/projects/{id}/progress/new", get(new_page))
        .route("/projects/{id}/progress", post(file_page))
}

/// What the profile asks of progress reports, in its words, each with its article: the
/// stage's procedure and the duties a report fulfils with their deadlines.
fn rules_said(profile: Option<&Profile>) -> Vec<String> {
    let Some(p) = profile else { return Vec::new() };
    let mut out: Vec<String> = p
        .stages
        .iter()
        .filter(|s| s.stage == Stage::ProgressReport)
        .map(|s| format!("{}（{}）", s.text, s.cite))
        .collect();
    // The duties a report fulfils, once each (yeji:15 words one duty under two conditions).
    let mut duties: Vec<(String, String)> = Vec::new();
    for d in p.deadlines.iter().filter(|d| d.fulfilled_by == EventKind::ProgressReported) {
        let key = (d.duty.clone(), d.cite.clone());
        if !duties.contains(&key) {
            duties.push(key);
        }
    }
    let stage_cites: Vec<&str> = out.iter().map(String::as_str).collect::<Vec<_>>();
    let mut said = Vec::new();
    for (duty, cite) in duties {
        // The stage's own sentence already says it when it cites the same article.
        if !stage_cites.iter().any(|o| o.ends_with(&format!("（{cite}）"))) {
            said.push(format!("{duty}（{cite}）"));
        }
    }
    out.extend(said);
    if out.is_empty() {
        out.push("本辖区的规定没有进度报告的报送程序和期限，填报即可".into());
    }
    out
}

#[derive(Template)]
#[template(path = "progress/form.html")]
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
    approved: String,
    f: ReportForm,
    e: HashMap<&'static str, String>,
}

async fn new_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    route::may_start(&state, &user, &p, "填报进度", "进度报告由项目建设单位的经办人填报").await?;
    // Last quarter by default; the contacts and the main content as the last report had them.
    let today = govit_storage::china_today(user.who(&state).now_ms);
    let reports = state.store.subjects_of::<Report>(p.id).await?;
    // Last quarter, unless it is reported or before the project's approval: then this one.
    let approved = state
        .store
        .milestones(p.id)
        .await?
        .into_iter()
        .filter(|m| m.kind == EventKind::Approved && !m.planned)
        .find_map(|m| chrono::NaiveDate::parse_from_str(&m.date, "%Y-%m-%d").ok());
    let open = |q: Quarter| {
        !reports.iter().any(|r| r.terms.period == q) && approved.is_none_or(|d| q >= Quarter::of(d))
    };
    let this = Quarter::of(today);
    let period = if !open(this.previous()) && open(this) { this } else { this.previous() };
    let last = reports.iter().max_by_key(|r| r.terms.period).cloned();
    let mut f = ReportForm {
        period: period.code(),
        content: p.declaration.name.clone(),
        ..ReportForm::default()
    };
    if let Some(r) = last {
        let t = r.terms;
        f = ReportForm {
            content: t.content,
            head: t.head,
            contact: t.contact,
            phone: t.phone,
            mobile: t.mobile,
            email: t.email,
            ..f
        };
    }
    render_form(&state, &user, &p, f, Vec::new(), None).await
}

async fn render_form(
    state: &AppState, user: &User, p: &Project, f: ReportForm, errors: Vec<FieldError>,
    editing: Option<(i64, i64)>,
) -> PageResult {
    let heading = if editing.is_some() { "修改进度报告" } else { "填报进度报告" }.to_string();
    let action = match editing {
        Some((r, _)) => format!("/progress/{r}/edit"),
        None => format!("/projects/{}/progress", p.id.0),
    };
    let rules = {
        let r = state.store.rules();
        rules_said(r.profile(&p.profile_id))
    };
    let owner_name = p.owner_department.clone();
    let again = !errors.is_empty();
    let e = crate::shell::view::first_messages(&errors);
    let page = FormPage {
        layout: Layout::for_user(state, user, heading.clone(), "projects")
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
        approved: p.declaration.investment.to_wan_string(),
        f,
        e,
    };
    crate::shell::page::html_status(page, again)
}

fn form_of(f: &HashMap<String, String>) -> ReportForm {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    ReportForm {
        period: get("period"),
        content: get("content"),
        progress: get("progress"),
        expected_on: get("expected_on"),
        invested: get("invested"),
        head: get("head"),
        contact: get("contact"),
        phone: get("phone"),
        mobile: get("mobile"),
        email: get("email"),
    }
}

async fn file_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let form = form_of(&f);
    let step = FileReport { project: govit_core::ids::ProjectId(id), form: form.clone() };
    let result = state.store.run(user.who(&state), Target::New, &step).await;
    respond::page(
        &state,
        result,
        |r: &Report| format!("/progress/{}?done=saved", r.id),
        |errs| async {
            let p = state.store.read::<Project>(user.who(&state), id).await?;
            render_form(&state, &user, &p, form, errs, None).await
        },
    )
    .await
}

fn form_from(r: &Report) -> ReportForm {
    let t = &r.terms;
    ReportForm {
        period: t.period.code(),
        content: t.content.clone(),
        progress: t.progress.clone(),
        expected_on: t.expected_on.to_string(),
        invested: t.invested.to_wan_string(),
        head: t.head.clone(),
        contact: t.contact.clone(),
        phone: t.phone.clone(),
        mobile: t.mobile.clone(),
        email: t.email.clone(),
    }
}

async fn edit_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let r = state.store.read::<Report>(user.who(&state), id).await?;
    if let Some(why) = govit_storage::progress::not_editable(r.status) {
        return Err(DomainError::InvalidState { message: why.into() }.into());
    }
    let p = state.store.read::<Project>(user.who(&state), r.project_id.0).await?;
    if !route::owns(&user, &p) {
        return Err(
            DomainError::Forbidden("进度报告由项目建设单位的经办人填报和修改".into()).into()
        );
    }
    render_form(&state, &user, &p, form_from(&r), Vec::new(), Some((r.id, r.version))).await
}

async fn edit_post(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let r = state.store.read::<Report>(user.who(&state), id).await?;
    let version = crate::shell::page::version_of(&f)?;
    let form = form_of(&f);
    let step = EditReport { form: form.clone() };
    let result = state.store.run(user.who(&state), Target::at(id, version), &step).await;
    respond::page(
        &state,
        result,
        |r: &Report| format!("/progress/{}?done=saved", r.id),
        |errs| async {
            let p = state.store.read::<Project>(user.who(&state), r.project_id.0).await?;
            render_form(&state, &user, &p, form, errs, Some((id, version))).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "progress/page.html")]
struct ReportPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    /// The profile's progress form (its name and article), where it names one.
    form: Option<(String, String)>,
    r: Report,
    period: String,
    invested: String,
    approved: String,
    spent: String,
    over_budget: bool,
    done: bool,
    created_at: String,
    may_edit: bool,
    flash: Option<String>,
    returned: Option<String>,
    run: RunPanel,
}

async fn report_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Query(q): Query<route::DoneQuery>,
) -> PageResult {
    render_report(&state, &user, id, Vec::new(), None, q.done()).await
}

async fn render_report(
    state: &AppState, user: &User, id: i64, errors: Vec<FieldError>,
    typed: Option<&HashMap<String, String>>, done: Option<&str>,
) -> PageResult {
    let v = state.store.subject_view::<Report>(user.who(state), id).await?;
    let r = &v.record;
    let profile = r.profile_id.clone();
    let p = state.store.read::<Project>(user.who(state), r.project_id.0).await?;
    let run = &v.run;
    let flash = done.map(|d| match (d, r.status) {
        (_, ReportStatus::Recorded) => "已填报，已记入项目事件（报送进度）。".to_string(),
        ("saved", ReportStatus::ToSend | ReportStatus::Returned) => {
            "已保存。请核对后报送。".to_string()
        }
        (_, ReportStatus::ToSend) => "已撤回，可修改后重新报送。".to_string(),
        (_, ReportStatus::Returned) => "已退回项目建设单位修改。".to_string(),
        (_, ReportStatus::Filing) => match run.progress.step(&run.route) {
            Some(s) => format!(
                "已报送，等待{}{}。",
                route::party_labels(state, &profile, &s.parties),
                s.action
            ),
            None => "已报送。".to_string(),
        },
        (_, ReportStatus::Reported) => "已报送，已记入项目事件（报送进度）。".to_string(),
        (_, ReportStatus::Filed) => "已备案。".to_string(),
    });
    let again = !errors.is_empty();
    let page = ReportPage {
        layout: Layout::for_user(
            state,
            user,
            format!("{}进度报告", r.terms.period.label()),
            "progress",
        )
        .await?
        .with_errors(!errors.is_empty()),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        form: annex::form_of(&state.store, &profile).ok().map(|f| (f.text, f.cite)),
        period: r.terms.period.label(),
        invested: r.terms.invested.to_wan_string(),
        approved: r.approved.to_wan_string(),
        spent: r.spent(),
        over_budget: r.over_budget(),
        done: r.through(),
        created_at: fmt_ms(r.created_at_ms),
        may_edit: route::owns(user, &p)
            && govit_storage::progress::not_editable(r.status).is_none(),
        flash,
        returned: route::returned_note(r.status == ReportStatus::Returned, &run.acts),
        run: RunPanel::new(
            state,
            route::PanelAt {
                heading: "报送程序",
                empty: "本辖区的规定没有进度报告的报送程序，填报即记入项目事件。",
                act_url: format!("/progress/{}/act", r.id),
                version: r.version,
                profile: &profile,
                ended: v.ended.as_deref(),
            },
            run,
            &v.verbs,
            &errors,
            typed,
        ),
        r: v.record.clone(),
    };
    crate::shell::page::html_status(page, again)
}

async fn act_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let to = |r: &Report| format!("/progress/{}?done=acted", r.id);
    route::act_posted(&state, &user, id, &f, to, |errs| async {
        render_report(&state, &user, id, errs, Some(&f), None).await
    })
    .await
}

#[derive(Template)]
#[template(path = "progress/list.html")]
struct ListPage {
    layout: Layout,
    /// The profile's progress form (its name and article), and the quarter it is offered for.
    form: Option<(String, String)>,
    last_quarter: String,
    ended: route::Ended,
    waiting: Vec<(Report, route::Since)>,
    sort: &'static str,
    resort_query: String,
    all: Vec<Report>,
    total: i64,
    q: String,
    pager: Pager,
}

async fn list_page(
    State(state): State<AppState>, user: User, Query(lq): Query<route::ListQuery>,
) -> PageResult {
    let l = route::listed::<Report>(&state, &user, &lq, "/progress").await?;
    let profile = state.store.jurisdiction(user.principal.jurisdiction_id).await?.profile_id;
    let today = govit_storage::china_today(state.now_ms());
    html(ListPage {
        layout: Layout::for_user(&state, &user, "进度报告", "progress").await?,
        form: annex::form_of(&state.store, &profile).ok().map(|r| (r.text, r.cite)),
        last_quarter: govit_core::progress::Quarter::of(today).previous().code(),
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
#[template(path = "progress/_project_panel.html")]
struct ProjectReports {
    project_id: i64,
    reports: Vec<Report>,
    may_file: bool,
}

/// The project page's 进度报告 section: its reports with their quarter, spending and state, and
/// for the owner unit of an approved project the link that fills one in.
pub fn project_reports_panel(
    cx: crate::shell::panels::PanelCx<'_, Project>,
) -> crate::shell::panels::PanelFuture<'_> {
    Box::pin(async move {
        let p = cx.record;
        let mut reports = cx.state.store.subjects_of::<Report>(p.id).await?;
        reports.sort_by_key(|r| std::cmp::Reverse(r.terms.period));
        let may_file = route::may_begin(cx.state, cx.user, p).await?;
        if reports.is_empty() && !may_file {
            return Ok(None);
        }
        Ok(Some(ProjectReports { project_id: p.id.0, reports, may_file }.render()?))
    })
}
