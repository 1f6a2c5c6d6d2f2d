//! 督查处理: the measures taken on a project under its profile's sanctions (gaoping:22,
//! yeji:26–27, lhasa:18, linxiang:34, xinzhou-transport:24) — 暂停拨付资金, 暂停项目建设, 终止项目
//! … — by the parties its profile names, once the rectification the rule puts first failed
//! or lapsed; lifted with a reason. The project page's 督查处理 section lists them and offers
//! the measures the reader may take; /measures/{id} shows one with its lifting. The rectification
//! itself is a submission (限期整改). The same over the API.

mod api;

pub use api::router;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::PageResult;
use crate::shell::view::{Layout, SummaryItem, fmt_ms};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use govit_core::FieldError;
use govit_core::sanction::MeasureForm;
use govit_storage::Target;
use govit_storage::projects::Project;
use govit_storage::sanctions::{LiftMeasure, Measure, RuleOffer, TakeMeasure};
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/projects/{id}/measures", post(take_page))
        .route("/measures/{id}", get(measure_page))
        .route("/measures/{id}/lift", post(lift_page))
}

/// The (rule, measure) pairs the reader may take now, as the form's options:
/// (value `rule:step`, label).
fn choices(rules: &[RuleOffer]) -> Vec<(String, String)> {
    rules
        .iter()
        .flat_map(|r| {
            r.measures.iter().filter(|m| m.2.is_none()).map(move |m| {
                (format!("{}:{}", r.id, m.0.as_str()), format!("{}（{}）", m.1, r.cite))
            })
        })
        .collect()
}

/// A measure's form from the page: `measure` is `rule:step`.
fn form_of(f: &HashMap<String, String>) -> MeasureForm {
    let chosen = f.get("measure").map(String::as_str).unwrap_or_default();
    let (rule, step) = chosen.split_once(':').unwrap_or(("", ""));
    MeasureForm {
        rule: rule.to_string(),
        step: step.to_string(),
        reason: f.get("reason").cloned().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "sanctions/_project_panel.html")]
struct ProjectSanctions {
    project_id: i64,
    /// Where the form posts.
    action: String,
    /// Whether the reader orders rectification here (the link to the order's form).
    may_order: bool,
    csrf: String,
    measures: Vec<Measure>,
    rules: Vec<RuleOffer>,
    taker: bool,
    choices: Vec<(String, String)>,
    chosen: String,
    reason: String,
    e: HashMap<&'static str, String>,
    open: bool,
}

/// The project page's 督查处理 section: the measures taken with their state, and for those
/// who take them, each sanction's measures with whether they may be taken now and the form.
pub fn project_sanctions_panel(
    cx: crate::shell::panels::PanelCx<'_, Project>,
) -> crate::shell::panels::PanelFuture<'_> {
    Box::pin(async move {
        let p = cx.record;
        let s = cx.state.store.sanctions_of(cx.user.who(cx.state), p, cx.state.now_ms()).await?;
        if s.measures.is_empty() && !s.taker && !s.may_order {
            return Ok(None);
        }
        let panel = ProjectSanctions {
            project_id: p.id.0,
            may_order: s.may_order,
            action: format!("/projects/{}/measures", p.id.0),
            csrf: cx.user.csrf.clone(),
            choices: choices(&s.rules),
            measures: s.measures,
            rules: s.rules,
            taker: s.taker,
            chosen: String::new(),
            reason: String::new(),
            e: HashMap::new(),
            open: false,
        };
        Ok(Some(panel.render()?))
    })
}

async fn take_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let form = form_of(&f);
    let step = TakeMeasure { project: govit_core::ids::ProjectId(id), form: form.clone() };
    let result = state.store.run(user.who(&state), Target::New, &step).await;
    let chosen = f.get("measure").cloned().unwrap_or_default();
    let state = &state;
    let user = &user;
    crate::shell::respond::page(
        state,
        result,
        |m: &Measure| format!("/measures/{}?done=taken", m.id),
        |errs: Vec<FieldError>| async move {
            // The page has one control for the sanction and its measure: it says what is
            // wrong with the measure, or else with the sanction.
            let of_step = errs.iter().any(|e| e.field == "step");
            let errs: Vec<FieldError> = errs
                .into_iter()
                .filter(|e| !(of_step && e.field == "rule"))
                .map(|e| match e.field {
                    "rule" | "step" => FieldError::new("measure", e.message),
                    _ => e,
                })
                .collect();
            let p = state.store.read::<Project>(user.who(state), id).await?;
            let s = state.store.sanctions_of(user.who(state), &p, state.now_ms()).await?;
            let panel = ProjectSanctions {
                project_id: id,
                may_order: s.may_order,
                action: format!("/projects/{id}/measures"),
                csrf: user.csrf.clone(),
                choices: choices(&s.rules),
                measures: s.measures,
                rules: s.rules,
                taker: s.taker,
                chosen,
                reason: form.reason.clone(),
                e: crate::shell::view::first_messages(&errs),
                open: true,
            }
            .render()?;
            crate::shell::page::panel_again(state, user, &p, "采取处理措施", panel, &errs).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "sanctions/page.html")]
struct MeasurePage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    m: Measure,
    rule_text: String,
    owner_label: String,
    taken_at: String,
    lifted_at: String,
    may_lift: bool,
    flash: Option<&'static str>,
    reason: String,
    e: HashMap<&'static str, String>,
}

#[derive(serde::Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn measure_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(q): Query<DoneQuery>,
) -> PageResult {
    let flash = match q.done.as_str() {
        "taken" => Some("已采取处理措施。"),
        "lifted" => Some("已解除。"),
        _ => None,
    };
    render_measure(&state, &user, id, Vec::new(), String::new(), flash).await
}

async fn render_measure(
    state: &AppState, user: &User, id: i64, errors: Vec<FieldError>, reason: String,
    flash: Option<&'static str>,
) -> PageResult {
    let m = state.store.read::<Measure>(user.who(state), id).await?;
    let p = state.store.read::<Project>(user.who(state), m.project_id.0).await?;
    let s = state.store.sanctions_of(user.who(state), &p, state.now_ms()).await?;
    let rules = state.store.rules();
    let profile = rules.profile(&m.profile_id);
    let rule_text = profile
        .and_then(|pr| pr.sanctions.iter().find(|r| r.id == m.rule_id))
        .map(|r| r.text.clone())
        .unwrap_or_default();
    let rule = profile.and_then(|pr| pr.sanctions.iter().find(|r| r.id == m.rule_id));
    let takes = rule.is_some_and(|r| s.takes(r, m.step));
    let owner_label =
        profile.map_or_else(|| "项目建设单位".to_string(), |pr| pr.party_label("owner_unit"));
    let again = !errors.is_empty();
    let page = MeasurePage {
        layout: Layout::for_user(
            state,
            user,
            format!("{}{}", m.project_name, m.step.label()),
            "projects",
        )
        .await?
        .with_errors(again),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        rule_text,
        owner_label,
        taken_at: fmt_ms(m.taken_at_ms),
        lifted_at: m.lifted.as_ref().map(|l| fmt_ms(l.at_ms)).unwrap_or_default(),
        may_lift: takes && m.liftable(),
        flash,
        reason,
        e: crate::shell::view::first_messages(&errors),
        m,
    };
    crate::shell::page::html_status(page, again)
}

async fn lift_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let version = crate::shell::page::version_of(&f)?;
    let reason = f.get("reason").cloned().unwrap_or_default();
    let step = LiftMeasure { reason: reason.clone() };
    let result = state.store.run(user.who(&state), Target::at(id, version), &step).await;
    crate::shell::respond::page(
        &state,
        result,
        |m: &Measure| format!("/measures/{}?done=lifted", m.id),
        |errs| async { render_measure(&state, &user, id, errs, reason.clone(), None).await },
    )
    .await
}
