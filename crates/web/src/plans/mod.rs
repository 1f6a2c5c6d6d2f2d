//! 年度计划 and 增补计划: the list of a jurisdiction's plans, the compiler's form that starts
//! one (assembled from the projects that passed their reviews), the plan's page (its totals by
//! department and fund source, its projects with the year's amounts, the route its profile
//! sends it along with who acted, and the forms of what the reader may do), its .xlsx, and the
//! same over the API.

mod api;
mod export;

pub use api::router;
pub use export::plan_bytes;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::page::PageResult;
use crate::shell::respond;
use crate::shell::route::{self, StepShown, party_labels};
use crate::shell::view::{Layout, Pager, SummaryItem, error_for, filter_query, fmt_ms};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use govit_core::money::Yuan;
use govit_core::plan::{PlanKind, PlanStatus, Sums};
use govit_core::workflow::VerbKind;
use govit_core::{DomainError, FieldError};
use govit_storage::plans::{
    EditLines, LineChange, Plan, PlanAct, PlanFilter, PlanView, PublishPlan, StartPlan,
};
use govit_storage::{Step, Target};
use serde::Deserialize;
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list_page).post(start_page))
        .route("/plans/{id}", get(plan_page))
        .route("/plans/{id}/lines", post(add_page))
        .route("/plans/{id}/lines/{project}/amount", post(amount_page))
        .route("/plans/{id}/lines/{project}/remove", post(remove_page))
        .route("/plans/{id}/act", post(act_page))
        .route("/plans/{id}/publish", post(publish_page))
        .route("/plans/{id}/plan.xlsx", get(export::plan_xlsx))
}

/// A sum as the page shows it.
pub struct SumsShown {
    pub label: String,
    pub projects: usize,
    pub investment: String,
    pub year_amount: String,
    pub fiscal: String,
    pub bank_loan: String,
    pub self_raised: String,
    pub other: String,
}

fn sums_shown(label: &str, s: &Sums) -> SumsShown {
    SumsShown {
        label: label.to_string(),
        projects: s.projects,
        investment: s.investment.to_wan_string(),
        year_amount: s.year_amount.to_wan_string(),
        fiscal: s.sources.fiscal.to_wan_string(),
        bank_loan: s.sources.bank_loan.to_wan_string(),
        self_raised: s.sources.self_raised.to_wan_string(),
        other: s.sources.other.to_wan_string(),
    }
}

fn steps_shown(state: &AppState, v: &PlanView) -> Vec<StepShown> {
    let run = &v.run;
    route::steps_shown(
        state,
        &v.plan.profile_id,
        &run.route,
        &run.progress,
        &run.acts,
        route::PassWords::SendThenPass,
    )
}

/// A signed decision on the plan as the page shows it.
pub struct DecisionShown {
    pub seq: i64,
    pub at: String,
    pub step: String,
    pub verb: &'static str,
    pub user: String,
    pub signature: &'static str,
    pub intact: bool,
    pub changes: Vec<String>,
}

/// A line of the plan as the page shows it.
pub struct LineShown {
    pub project_id: i64,
    /// Whether the reader may open the project (else its name shows without a link).
    pub openable: bool,
    pub name: String,
    pub department: String,
    pub period: String,
    pub investment: String,
    pub fiscal: String,
    pub bank_loan: String,
    pub self_raised: String,
    pub other: String,
    pub year_amount: String,
    pub spans_years: bool,
    /// The plan could no longer take it in (why: above the lines).
    pub unfit: bool,
}

#[derive(Template)]
#[template(path = "plans/list.html")]
struct ListPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    plans: Vec<Plan>,
    waiting: Vec<Plan>,
    /// The kinds of plan this reader's unit compiles.
    kinds: Vec<(&'static str, &'static str)>,
    year: String,
    kind: String,
    title: String,
    year_error: Option<String>,
    title_error: Option<String>,
    filter_year: String,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    year: Option<String>,
}

async fn list_page(
    State(state): State<AppState>, user: User, Query(q): Query<ListQuery>,
) -> PageResult {
    let year = q.year.as_deref().and_then(|y| y.trim().parse::<i32>().ok());
    render_list(&state, &user, year, Vec::new(), None).await
}

async fn render_list(
    state: &AppState, user: &User, year: Option<i32>, errors: Vec<FieldError>,
    typed: Option<&HashMap<String, String>>,
) -> PageResult {
    let p = &user.principal;
    let plans = state.store.list_plans(p, &PlanFilter { year, kind: None }).await?;
    let waiting = state.store.plans_waiting(p).await?;
    // Only the unit its profile names compiles a plan: the form is offered to it alone.
    let kinds =
        state.store.plan_kinds_for(p).await?.into_iter().map(|k| (k.as_str(), k.label())).collect();
    let get = |k: &str| typed.and_then(|t| t.get(k).cloned()).unwrap_or_default();
    let next_year = govit_storage::china_today(state.now_ms()).format("%Y").to_string();
    let next_year = next_year.parse::<i32>().map_or(String::new(), |y| (y + 1).to_string());
    let again = !errors.is_empty();
    let page = ListPage {
        layout: Layout::for_user(state, user, "年度计划", "plans")
            .await?
            .with_errors(!errors.is_empty()),
        year_error: error_for(&errors, "year"),
        title_error: error_for(&errors, "title"),
        errors: summary(&errors),
        csrf: user.csrf.clone(),
        plans,
        waiting,
        kinds,
        year: match typed {
            Some(_) => get("year"),
            None => next_year,
        },
        kind: get("kind"),
        title: get("title"),
        filter_year: year.map(|y| y.to_string()).unwrap_or_default(),
    };
    crate::shell::page::html_status(page, again)
}

fn summary(errors: &[FieldError]) -> Vec<SummaryItem> {
    errors
        .iter()
        .map(|e| SummaryItem { href: format!("#{}", e.field), message: e.message.clone() })
        .collect()
}

async fn start_page(
    State(state): State<AppState>, user: User, Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let Some(kind) = PlanKind::parse(get("kind").trim()) else {
        let e = FieldError::new("kind", "请选择计划类别");
        return render_list(&state, &user, None, vec![e], Some(&f)).await;
    };
    let Ok(year) = get("year").trim().parse::<i32>() else {
        let e = FieldError::new("year", "请填写计划年度，如 2027");
        return render_list(&state, &user, None, vec![e], Some(&f)).await;
    };
    let step = StartPlan { kind, year, title: get("title") };
    let result = state.store.run(user.who(&state), Target::New, &step).await;
    respond::page(
        &state,
        result,
        |x: &Plan| format!("/plans/{}?done=compiled", x.id),
        |errs| async { render_list(&state, &user, None, errs, Some(&f)).await },
    )
    .await
}

#[derive(Template)]
#[template(path = "plans/page.html")]
struct PlanPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    x: Plan,
    status: &'static str,
    kind: &'static str,
    created_at: String,
    published_at: String,
    all: SumsShown,
    by_department: Vec<SumsShown>,
    lines: Vec<LineShown>,
    /// How many lines the plan has, and how many match the keyword.
    line_count: usize,
    matched: usize,
    /// The keyword and page the lines are shown at, carried by every form so an edit comes
    /// back to the same place.
    q: String,
    page: i64,
    pager: Pager,
    /// Candidates left out of the list because it is long (the keyword narrows it).
    candidates_more: usize,
    steps: Vec<StepShown>,
    editable: bool,
    publishable: bool,
    candidates: Vec<(i64, String, String)>,
    decisions: Vec<DecisionShown>,
    may_pass: bool,
    may_return: bool,
    may_reject: bool,
    may_withdraw: bool,
    /// The earlier steps a return may go to: (key, label).
    earlier: Vec<(String, String)>,
    /// The first step's action (报批 at the compiler's step): what 通过 is called there.
    pass_label: String,
    /// The notice after a write (已发布、已报批 …).
    flash: Option<String>,
    note: String,
    reason: String,
    reason_error: Option<String>,
    note_error: Option<String>,
    amount_error: Option<String>,
    projects_error: Option<String>,
    /// Lines the plan could no longer take in: (name, why), the first `UNFIT_SHOWN`; and how
    /// many there are (each is marked in the table).
    unfit: Vec<(String, String)>,
    unfit_count: usize,
    /// The plan is published: the lines above were left out of it.
    published: bool,
}

/// Lines shown per page; candidates shown at most (the keyword narrows both).
const LINES_PER_PAGE: usize = 50;
const CANDIDATES_SHOWN: usize = 100;
/// Lines the plan could no longer take in, listed by name above the table.
const UNFIT_SHOWN: usize = 20;

#[derive(Deserialize, Default)]
struct LinesQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<String>,
    /// What was just done (`lines`, `acted`, `published`): which notice the page shows.
    #[serde(default)]
    done: String,
}

impl LinesQuery {
    fn from_form(f: &HashMap<String, String>) -> LinesQuery {
        LinesQuery {
            q: f.get("q").cloned().unwrap_or_default(),
            page: f.get("page").cloned(),
            done: String::new(),
        }
    }

    fn keyword(&self) -> &str {
        let q = self.q.trim();
        // A keyword longer than any name is cut, not refused.
        match q.char_indices().nth(100) {
            Some((i, _)) => &q[..i],
            None => q,
        }
    }

    fn page(&self) -> i64 {
        self.page.as_deref().and_then(|p| p.trim().parse::<i64>().ok()).unwrap_or(1).max(1)
    }

    /// Where the page's forms lead back to: the same keyword and page.
    fn back(&self) -> String {
        let page = self.page();
        let q = filter_query(&[("q", self.keyword())], (page > 1).then_some(page));
        if q.is_empty() { q } else { format!("?{q}") }
    }
}

async fn plan_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(at): Query<LinesQuery>,
) -> PageResult {
    render_plan(&state, &user, id, Vec::new(), None, &at).await
}

async fn render_plan(
    state: &AppState, user: &User, id: i64, errors: Vec<FieldError>,
    typed: Option<&HashMap<String, String>>, at: &LinesQuery,
) -> PageResult {
    let v = state.store.plan_view(user.who(state), id).await?;
    let keyword = at.keyword();
    let hit = |name: &str, department: &str| {
        keyword.is_empty() || name.contains(keyword) || department.contains(keyword)
    };
    let matching: Vec<_> = v.lines.iter().filter(|l| hit(&l.name, &l.department)).collect();
    let matched = matching.len();
    let pages = (matched.div_ceil(LINES_PER_PAGE) as i64).max(1);
    let page = at.page().min(pages);
    let pager = Pager::new(page, pages, matched as i64, |n| {
        format!("/plans/{id}?{}#lines", filter_query(&[("q", keyword)], Some(n)))
    });
    let candidates: Vec<_> = v.candidates.iter().filter(|c| hit(&c.1, &c.2)).cloned().collect();
    let candidates_more = candidates.len().saturating_sub(CANDIDATES_SHOWN);
    let get = |k: &str| typed.and_then(|t| t.get(k).cloned()).unwrap_or_default();
    let again = !errors.is_empty();
    let has = |k: VerbKind| v.verbs.contains(&k);
    let current = v.run.progress.current;
    let earlier = v
        .run
        .route
        .steps
        .iter()
        .take(current)
        .map(|s| {
            (
                s.key.clone(),
                format!("{}：{}", party_labels(state, &v.plan.profile_id, &s.parties), s.action),
            )
        })
        .collect();
    let pass_label = match v.run.progress.step(&v.run.route) {
        Some(s) if v.run.route.sends_at(&s.key) => "报批".to_string(),
        _ => "通过".to_string(),
    };
    let flash = (errors.is_empty()).then(|| flash_of(state, &at.done, &v)).flatten();
    let page = PlanPage {
        layout: Layout::for_user(state, user, v.plan.title.clone(), "plans")
            .await?
            .with_errors(!errors.is_empty()),
        reason_error: error_for(&errors, "reason"),
        note_error: error_for(&errors, "note"),
        amount_error: error_for(&errors, "year_amount"),
        projects_error: error_for(&errors, "projects"),
        errors: summary(&errors),
        csrf: user.csrf.clone(),
        status: v.plan.status.label(),
        kind: v.plan.kind.label(),
        created_at: fmt_ms(v.plan.created_at_ms),
        published_at: v.plan.published_at_ms.map(fmt_ms).unwrap_or_default(),
        all: sums_shown("合计", &v.totals.all),
        by_department: v.totals.by_department.iter().map(|(d, s)| sums_shown(d, s)).collect(),
        line_count: v.lines.len(),
        matched,
        q: keyword.to_string(),
        page,
        pager,
        candidates_more,
        lines: matching
            .into_iter()
            .skip((page as usize - 1) * LINES_PER_PAGE)
            .take(LINES_PER_PAGE)
            .map(|l| LineShown {
                project_id: l.project_id.0,
                openable: v.openable.contains(&l.project_id),
                name: l.name.clone(),
                department: l.department.clone(),
                period: l.period.to_string(),
                investment: l.investment.to_wan_string(),
                fiscal: l.sources.fiscal.to_wan_string(),
                bank_loan: l.sources.bank_loan.to_wan_string(),
                self_raised: l.sources.self_raised.to_wan_string(),
                other: l.sources.other.to_wan_string(),
                year_amount: l.year_amount.to_wan_string(),
                spans_years: l.spans_years(),
                unfit: v.unfit.iter().any(|u| u.project_id == l.project_id),
            })
            .collect(),
        steps: steps_shown(state, &v),
        editable: v.editable,
        publishable: v.publishable,
        candidates: candidates.into_iter().take(CANDIDATES_SHOWN).collect(),
        decisions: v
            .decisions
            .iter()
            .map(|c| DecisionShown {
                seq: c.seq,
                at: fmt_ms(c.at_ms),
                step: c.step.clone(),
                verb: c.verb_label(),
                user: c.user_name.clone(),
                signature: c.verdict.signature.label(),
                intact: c.verdict.intact(),
                changes: c.verdict.changes.clone(),
            })
            .collect(),
        may_pass: has(VerbKind::Pass),
        may_return: has(VerbKind::Return),
        may_reject: has(VerbKind::Reject),
        may_withdraw: has(VerbKind::Withdraw),
        earlier,
        pass_label,
        flash,
        note: get("note"),
        reason: get("reason"),
        unfit: v
            .unfit
            .iter()
            .take(UNFIT_SHOWN)
            .map(|u| (u.name.clone(), u.reason.clone()))
            .collect(),
        unfit_count: v.unfit.len(),
        published: v.plan.status == PlanStatus::Published,
        x: v.plan,
    };
    crate::shell::page::html_status(page, again)
}

/// The notice after a write, by what was done and where the plan now stands.
fn flash_of(state: &AppState, done: &str, v: &govit_storage::plans::PlanView) -> Option<String> {
    let waiting = || {
        route::waiting_on(state, &v.plan.profile_id, &v.run.route, &v.run.progress)
            .map(|w| format!("，等待{w}"))
            .unwrap_or_default()
    };
    Some(match (done, v.plan.status) {
        ("compiled", _) if v.lines.is_empty() => "计划已创建，暂无符合列入条件的项目。".to_string(),
        ("compiled", _) => format!(
            "计划已创建，自动列入 {} 个项目；可增删项目、调整本年度安排资金后报批。",
            v.lines.len()
        ),
        ("lines", _) => "已更新计划项目及资金安排。".to_string(),
        ("published", _) | ("acted", PlanStatus::Published) => "计划已发布。".to_string(),
        ("acted", PlanStatus::Reviewing) => {
            let sent = v
                .run
                .acts
                .last()
                .is_some_and(|a| v.run.route.sent_by(a.act.verb.kind(), &a.act.step));
            format!("{}{}。", if sent { "已报批" } else { "已办理" }, waiting())
        }
        ("acted", PlanStatus::Approved) => "计划已批准，待发布。".to_string(),
        ("acted", PlanStatus::Rejected) => "已记录不予批准。".to_string(),
        ("acted", PlanStatus::Drafting) => "计划已退回编制，可修改后重新报批。".to_string(),
        _ => return None,
    })
}

/// The version the form was rendered at.
fn version(f: &HashMap<String, String>) -> Result<i64, PageError> {
    f.get("version")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| DomainError::invalid("version", "表单缺少版本号，请刷新页面后重试").into())
}

/// Runs a step on the plan for its page: back to the plan, or the page again with the errors
/// beside what was typed.
async fn run_plan<S: Step<Plan>>(
    state: &AppState, user: &User, id: i64, f: &HashMap<String, String>, step: &S, done: &str,
    anchor: &str,
) -> PageResult {
    let result = state.store.run(user.who(state), Target::at(id, version(f)?), step).await;
    let at = LinesQuery::from_form(f);
    let back = match at.back() {
        b if b.is_empty() => format!("?done={done}"),
        b => format!("{b}&done={done}"),
    };
    respond::page(
        state,
        result,
        |x: &Plan| format!("/plans/{}{back}{anchor}", x.id),
        |errs| async move { render_plan(state, user, id, errs, Some(f), &at).await },
    )
    .await
}

async fn add_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, body: axum::body::Bytes,
) -> PageResult {
    // Several `project` fields: read the pairs, not a map.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| PageError::from(DomainError::invalid("project", "表单无法读取")))?;
    let f: HashMap<String, String> = pairs.iter().cloned().collect();
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "project")
        .filter_map(|(_, v)| v.trim().parse::<i64>().ok())
        .take(5_000)
        .collect();
    run_plan(&state, &user, id, &f, &EditLines(LineChange::Add(ids)), "lines", "#lines").await
}

async fn amount_page(
    State(state): State<AppState>, user: User, Path((id, project)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let typed = f.get("year_amount").cloned().unwrap_or_default();
    let amount = match Yuan::parse_wan(&typed) {
        Ok(a) => a,
        Err(e) => {
            let e = FieldError::new("year_amount", format!("本年度安排资金{e}"));
            return render_plan(&state, &user, id, vec![e], Some(&f), &LinesQuery::from_form(&f))
                .await;
        }
    };
    let step = EditLines(LineChange::Amount(project, amount));
    run_plan(&state, &user, id, &f, &step, "lines", "#lines").await
}

async fn remove_page(
    State(state): State<AppState>, user: User, Path((id, project)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    run_plan(&state, &user, id, &f, &EditLines(LineChange::Remove(project)), "lines", "#lines")
        .await
}

async fn act_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let verb = match route::form_verb(&f) {
        Ok(v) => v,
        Err(DomainError::Invalid(errs)) => {
            return render_plan(&state, &user, id, errs, Some(&f), &LinesQuery::from_form(&f))
                .await;
        }
        Err(e) => return Err(e.into()),
    };
    run_plan(&state, &user, id, &f, &PlanAct(verb), "acted", "").await
}

async fn publish_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    run_plan(&state, &user, id, &f, &PublishPlan, "published", "").await
}

#[derive(Template)]
#[template(path = "plans/_project_panel.html")]
struct ProjectPlans {
    /// (plan id, title, status label, published, why the plan was published without it)
    plans: Vec<(i64, String, &'static str, bool, Option<String>)>,
}

/// The project page's 年度计划 section: the plans that hold the project (the published ones
/// to readers who see only those), or nothing when none does.
pub fn project_plans_panel(
    cx: crate::shell::panels::PanelCx<'_, govit_storage::projects::Project>,
) -> crate::shell::panels::PanelFuture<'_> {
    Box::pin(async move {
        use govit_core::org::Role;
        let p = &cx.user.principal;
        let all = [Role::Reviewer, Role::Viewer, Role::Auditor].iter().any(|r| p.has(*r));
        let plans: Vec<_> = cx
            .state
            .store
            .plans_of_project(cx.record.id)
            .await?
            .into_iter()
            .filter(|(_, _, s, _)| all || *s == PlanStatus::Published)
            .map(|(id, title, s, out)| (id, title, s.label(), s == PlanStatus::Published, out))
            .collect();
        if plans.is_empty() {
            return Ok(None);
        }
        Ok(Some(ProjectPlans { plans }.render()?))
    })
}
