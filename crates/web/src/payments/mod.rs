//! 资金拨付: the owner unit of an approved project requests a payment (款项类别, 金额, 收款单位,
//! 用途及依据); the request then runs along its profile's `payment` stage — yeji:5 区数据资源管理局
//! 审核 → 区财政局 拨付; xinzhou-transport:5 财务科 审核备案及评估结果 → 局党组 同意 → 财务科 拨付;
//! the others finance pays. The profile's `pay` gates stand in front of the paying step, each
//! cited, judged with this request's amount added to what was paid. The page shows the
//! project's money (approved, paid by year, asked for, remaining) and the gates' state;
//! /payments lists what waits on the reader. The same over the API.

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
use govit_core::FieldError;
use govit_core::payment::{Funds, PaymentForm, PaymentKind, PaymentStatus, STAGES};
use govit_core::policy::{Fact, Profile};
use govit_storage::Target;
use govit_storage::payments::{EditPayment, Payment, StartPayment};
use govit_storage::projects::Project;
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/payments", get(list_page))
        .route("/payments/{id}", get(payment_page))
        .route("/payments/{id}/act", post(act_page))
        .route("/payments/{id}/edit", get(edit_page).post(edit_post))
        .route("/projects/{id}/payments/new", get(new_page))
        .route("/projects/{id}/payments", post(start_page))
}

/// What the profile says of payment, in its words, each with its article: the payment stage,
/// then its `pay` gates.
fn rules_said(profile: Option<&Profile>, facts: &govit_core::policy::Facts) -> Vec<String> {
    let Some(p) = profile else { return Vec::new() };
    let mut out: Vec<String> = p
        .stages
        .iter()
        .filter(|s| STAGES.contains(&s.stage) && s.applies(facts))
        .map(|s| format!("{}（{}）", s.text, s.cite))
        .collect();
    for g in p.gates.iter().filter(|g| g.action == govit_core::policy::GatedAction::Pay) {
        let line = format!("{}（{}）", g.text, g.cite);
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// The kinds of payment, for the form's choice.
fn kinds() -> Vec<(&'static str, &'static str)> {
    PaymentKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect()
}

#[derive(Template)]
#[template(path = "payments/form.html")]
struct FormPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    project_id: i64,
    project_name: String,
    heading: String,
    action: String,
    editing: Option<(i64, i64)>,
    rules: Vec<String>,
    funds: Funds,
    kinds: Vec<(&'static str, &'static str)>,
    f: PaymentForm,
    e: HashMap<&'static str, String>,
}

async fn new_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    route::may_start(&state, &user, &p, "申请拨付资金", "资金拨付由项目建设单位的经办人申请")
        .await?;
    let mut f = PaymentForm::default();
    // The payee of the last request, most often the same contractor.
    if let Some(last) = state.store.subjects_of::<Payment>(p.id).await?.last() {
        f.payee = last.terms.payee.clone();
    }
    render_form(&state, &user, &p, f, Vec::new(), None).await
}

async fn render_form(
    state: &AppState, user: &User, p: &Project, f: PaymentForm, errors: Vec<FieldError>,
    editing: Option<(i64, i64)>,
) -> PageResult {
    let heading = if editing.is_some() { "修改拨付申请" } else { "提出资金拨付申请" }.to_string();
    let action = match editing {
        Some((a, _)) => format!("/payments/{a}/edit"),
        None => format!("/projects/{}/payments", p.id.0),
    };
    let facts = state.store.current_facts(user.who(state), p.id).await?;
    let rules = rules_said(state.store.rules().profile(&p.profile_id), &facts);
    let again = !errors.is_empty();
    let e = crate::shell::view::first_messages(&errors);
    let page = FormPage {
        layout: Layout::for_user(state, user, heading.clone(), "payments")
            .await?
            .with_errors(!errors.is_empty()),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        project_id: p.id.0,
        project_name: p.declaration.name.clone(),
        heading,
        action,
        editing,
        rules,
        funds: state.store.project_funds(p).await?,
        kinds: kinds(),
        f,
        e,
    };
    crate::shell::page::html_status(page, again)
}

fn form_of(f: &HashMap<String, String>) -> PaymentForm {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    PaymentForm {
        kind: get("kind"),
        amount: get("amount"),
        payee: get("payee"),
        purpose: get("purpose"),
    }
}

async fn start_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let form = form_of(&f);
    let step = StartPayment { project: govit_core::ids::ProjectId(id), form: form.clone() };
    let result = state.store.run(user.who(&state), Target::New, &step).await;
    respond::page(
        &state,
        result,
        |a: &Payment| format!("/payments/{}?done=saved", a.id),
        |errs| async {
            let p = state.store.read::<Project>(user.who(&state), id).await?;
            render_form(&state, &user, &p, form, errs, None).await
        },
    )
    .await
}

async fn edit_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let a = state.store.read::<Payment>(user.who(&state), id).await?;
    if let Some(why) = govit_storage::payments::not_editable(a.status) {
        return Err(govit_core::DomainError::InvalidState { message: why.into() }.into());
    }
    let p = state.store.read::<Project>(user.who(&state), a.project_id.0).await?;
    if !route::owns(&user, &p) {
        return Err(govit_core::DomainError::Forbidden(
            "资金拨付由项目建设单位的经办人申请".into(),
        )
        .into());
    }
    let f = PaymentForm {
        kind: a.terms.kind.as_str().into(),
        amount: a.terms.amount.to_wan_string(),
        payee: a.terms.payee.clone(),
        purpose: a.terms.purpose.clone(),
    };
    render_form(&state, &user, &p, f, Vec::new(), Some((a.id, a.version))).await
}

async fn edit_post(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let a = state.store.read::<Payment>(user.who(&state), id).await?;
    let version = crate::shell::page::version_of(&f)?;
    let form = form_of(&f);
    let step = EditPayment { form: form.clone() };
    let result = state.store.run(user.who(&state), Target::at(id, version), &step).await;
    respond::page(
        &state,
        result,
        |a: &Payment| format!("/payments/{}?done=saved", a.id),
        |errs| async {
            let p = state.store.read::<Project>(user.who(&state), a.project_id.0).await?;
            render_form(&state, &user, &p, form, errs, Some((id, version))).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "payments/page.html")]
struct PaymentPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    a: Payment,
    created_at: String,
    may_edit: bool,
    funds: Funds,
    /// The share of the budget paid once this request is paid (for a request not yet
    /// through).
    ratio: Option<String>,
    /// The step the gates stand in front of (拨付资金).
    paying: String,
    flash: Option<String>,
    returned: Option<String>,
    refused: Option<String>,
    rules: Vec<String>,
    gates: Vec<(String, String, &'static str)>,
    run: RunPanel,
}

async fn payment_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Query(q): Query<route::DoneQuery>,
) -> PageResult {
    render_payment(&state, &user, id, Vec::new(), None, q.done()).await
}

async fn render_payment(
    state: &AppState, user: &User, id: i64, errors: Vec<FieldError>,
    typed: Option<&HashMap<String, String>>, done: Option<&str>,
) -> PageResult {
    let v = state.store.subject_view::<Payment>(user.who(state), id).await?;
    let a = &v.record;
    let profile = a.profile_id.clone();
    let p = state.store.read::<Project>(user.who(state), a.project_id.0).await?;
    let run = &v.run;
    let waiting =
        route::waiting_on(state, &profile, &run.route, &run.progress).map(|w| format!("等待{w}"));
    let flash = done.map(|d| match (d, a.status) {
        ("saved", _) => "已保存。核对无误后请报送。".to_string(),
        (_, PaymentStatus::Paid) => "已拨付，已记入项目资金。".to_string(),
        (_, PaymentStatus::Refused) => "已记录不予拨付。".to_string(),
        (_, PaymentStatus::Returned) => "已退回。".to_string(),
        _ => format!("已办理。{}。", waiting.clone().unwrap_or_default()),
    });
    let rules = rules_said(state.store.rules().profile(&profile), &a.facts);
    let gates = if a.through() {
        Vec::new()
    } else {
        route::gate_rows(state.store.payment_gates(&p, a, state.now_ms()).await?)
    };
    let again = !errors.is_empty();
    let page = PaymentPage {
        layout: Layout::for_user(
            state,
            user,
            format!("{}{}", a.project_name, a.name()),
            "payments",
        )
        .await?
        .with_errors(!errors.is_empty()),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        created_at: fmt_ms(a.created_at_ms),
        may_edit: route::owns(user, &p)
            && govit_storage::payments::not_editable(a.status).is_none(),
        funds: state.store.project_funds(&p).await?,
        ratio: (!a.through())
            .then(|| {
                govit_core::payment::paid_ratio_bp_shown(a.paid_before, a.terms.amount, a.approved)
                    .map(|bp| Fact::PaidRatioBp.show_value(bp))
            })
            .flatten(),
        paying: govit_core::payment::paying_index(&run.route)
            .and_then(|i| run.route.steps.get(i))
            .map(|s| s.action.clone())
            .unwrap_or_default(),
        flash,
        returned: route::returned_note(a.status == PaymentStatus::Returned, &run.acts),
        refused: (a.status == PaymentStatus::Refused)
            .then(|| route::rejected_note(&run.acts))
            .flatten(),
        rules,
        gates,
        run: RunPanel::new(
            state,
            route::PanelAt {
                heading: "拨付程序",
                empty: "本辖区的规定没有资金拨付的办理程序。",
                act_url: format!("/payments/{}/act", a.id),
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
    let to = |a: &Payment| format!("/payments/{}?done=acted", a.id);
    route::act_posted(&state, &user, id, &f, to, |errs| async {
        render_payment(&state, &user, id, errs, Some(&f), None).await
    })
    .await
}

#[derive(Template)]
#[template(path = "payments/list.html")]
struct ListPage {
    layout: Layout,
    ended: route::Ended,
    waiting: Vec<(Payment, route::Since)>,
    sort: &'static str,
    resort_query: String,
    all: Vec<Payment>,
    total: i64,
    q: String,
    pager: Pager,
}

async fn list_page(
    State(state): State<AppState>, user: User, Query(lq): Query<route::ListQuery>,
) -> PageResult {
    let l = route::listed::<Payment>(&state, &user, &lq, "/payments").await?;
    html(ListPage {
        layout: Layout::for_user(&state, &user, "资金拨付", "payments").await?,
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
#[template(path = "payments/_project_panel.html")]
struct ProjectPayments {
    project_id: i64,
    funds: Funds,
    payments: Vec<Payment>,
    may_start: bool,
}

/// The project page's 资金拨付 section: the project's money, its requests with their state,
/// and for the owner unit of an approved project the link that requests one.
pub fn project_payments_panel(
    cx: crate::shell::panels::PanelCx<'_, Project>,
) -> crate::shell::panels::PanelFuture<'_> {
    Box::pin(async move {
        let p = cx.record;
        let payments = cx.state.store.subjects_of::<Payment>(p.id).await?;
        let may_start = route::may_begin(cx.state, cx.user, p).await?;
        if payments.is_empty() && !may_start {
            return Ok(None);
        }
        let funds = cx.state.store.project_funds(p).await?;
        Ok(Some(ProjectPayments { project_id: p.id.0, funds, payments, may_start }.render()?))
    })
}
