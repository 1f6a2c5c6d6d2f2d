//! 专家评审组: the panel drawn for a step a profile has signed by experts — a panel on the
//! project page, a page on which the holder of the draw step draws and records a member who
//! cannot sit and a member declines (回避), and the same over the API.

mod api;

pub use api::router;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::PageResult;
use crate::shell::panels::{PanelCx, PanelFuture};
use crate::shell::respond;
use crate::shell::view::{Layout, SummaryItem, error_for, fmt_ms};
use askama::Template;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use govit_core::FieldError;
use govit_storage::panels::{DeclineSeat, DrawPanel, Panel, Panels};
use govit_storage::projects::Project;
use govit_storage::{Step, Target};
use std::collections::{BTreeMap, HashMap};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/projects/{id}/panel", get(panel_page).post(draw_page))
        .route("/projects/{id}/panel/decline", post(decline_page))
}

/// A panel as a page shows it.
pub struct PanelShown {
    pub at: String,
    pub by: String,
    pub seed: String,
    pub pool: usize,
    pub eligible: usize,
    /// (reason, how many), by reason.
    pub excluded: Vec<(&'static str, usize)>,
    pub bidders: String,
    /// (seat, name, title, employer, declined reason or empty, sitting, expert id)
    pub members: Vec<MemberShown>,
}

pub struct MemberShown {
    pub expert_id: i64,
    pub seat: i64,
    pub name: String,
    pub title: String,
    pub employer: String,
    pub sitting: bool,
    pub declined: String,
}

fn shown(x: &Panel) -> PanelShown {
    let mut by_reason: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (_, why) in &x.drawn.excluded {
        *by_reason.entry(why.label()).or_default() += 1;
    }
    PanelShown {
        at: fmt_ms(x.at_ms),
        by: x.drawn_by_name.clone(),
        seed: x.seed.to_string(),
        pool: x.drawn.pool,
        eligible: x.drawn.order.len(),
        excluded: by_reason.into_iter().collect(),
        bidders: x.request.bidders.join("、"),
        members: x
            .members
            .iter()
            .map(|m| MemberShown {
                expert_id: m.expert_id,
                seat: m.seat,
                name: m.name.clone(),
                title: m.title.clone(),
                employer: m.employer.clone(),
                sitting: m.declined_at_ms.is_none(),
                declined: match m.declined_at_ms {
                    Some(t) => format!("{} 回避：{}", fmt_ms(t), m.reason),
                    None => String::new(),
                },
            })
            .collect(),
    }
}

/// What the panel and the page both show.
pub struct PanelsView {
    pub name: String,
    pub cite: String,
    pub text: String,
    pub size: usize,
    pub fields: String,
    pub action: String,
    pub may_draw: bool,
    pub may_record_decline: bool,
    pub may_decline: bool,
    pub sees_members: bool,
    pub panels: Vec<PanelShown>,
}

fn view_of(x: &Panels) -> PanelsView {
    let rule = x.rule.as_ref();
    PanelsView {
        name: rule.map_or_else(|| "专家评审组".to_string(), |r| r.name.clone()),
        cite: rule.map(|r| r.cite.clone()).unwrap_or_default(),
        text: rule.map(|r| r.text.clone()).unwrap_or_default(),
        size: rule.map_or(0, |r| r.size),
        fields: rule.map(|r| r.fields.join("、")).unwrap_or_default(),
        action: x.action.clone(),
        may_draw: x.may_draw,
        may_record_decline: x.may_record_decline,
        may_decline: x.may_decline,
        sees_members: x.sees_members,
        panels: x.panels.iter().map(shown).collect(),
    }
}

#[derive(Template)]
#[template(path = "panels/_panel.html")]
struct PanelPanel<'a> {
    p: &'a Project,
    v: PanelsView,
}

/// The project page's 专家评审组 panel: the panel drawn (who sits, to those who draw and to
/// the members), and the way to draw or decline.
pub fn panels_panel(cx: PanelCx<'_, Project>) -> PanelFuture<'_> {
    Box::pin(async move {
        let Some(run) = cx.run else { return Ok(None) };
        let panels = cx.state.store.panels_of(&cx.user.principal, cx.record, run).await?;
        if panels.rule.is_none() && panels.panels.is_empty() {
            return Ok(None);
        }
        Ok(Some(PanelPanel { p: cx.record, v: view_of(&panels) }.render()?))
    })
}

#[derive(Template)]
#[template(path = "panels/page.html")]
struct PanelPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    p: Project,
    csrf: String,
    v: PanelsView,
    bidders: String,
    note: String,
    reason: String,
    expert: String,
    bidders_error: Option<String>,
    note_error: Option<String>,
    reason_error: Option<String>,
    expert_error: Option<String>,
}

async fn panel_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    render(&state, &user, id, Vec::new(), None).await
}

async fn render(
    state: &AppState, user: &User, id: i64, errors: Vec<FieldError>,
    typed: Option<&HashMap<String, String>>,
) -> PageResult {
    let p: Project = state.store.read(user.who(state), id).await?;
    let run = state.store.run_view(&user.principal, &p, state.now_ms()).await?;
    let panels = state.store.panels_of(&user.principal, &p, &run).await?;
    let get = |k: &str| typed.and_then(|t| t.get(k).cloned()).unwrap_or_default();
    let again = !errors.is_empty();
    let v = view_of(&panels);
    let page = PanelPage {
        layout: Layout::for_user(state, user, v.name.clone(), "projects")
            .await?
            .with_errors(!errors.is_empty()),
        bidders_error: error_for(&errors, "bidders"),
        note_error: error_for(&errors, "note"),
        reason_error: error_for(&errors, "reason"),
        expert_error: error_for(&errors, "expert"),
        errors: errors
            .iter()
            .map(|e| SummaryItem { href: format!("#{}", e.field), message: e.message.clone() })
            .collect(),
        csrf: user.csrf.clone(),
        bidders: get("bidders"),
        note: get("note"),
        reason: get("reason"),
        expert: get("expert"),
        v,
        p,
    };
    crate::shell::page::html_status(page, again)
}

/// The units a form or body lists one a line (or separated by 、 , ;).
pub(crate) fn units(text: &str) -> Vec<String> {
    text.split(['\n', '、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

async fn draw_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let step = DrawPanel::new(units(&get("bidders")), get("note"));
    run_page(&state, &user, id, &f, &step).await
}

/// Runs a panel's step for the page: back to the panel page, or the page again with the
/// errors beside what was typed.
async fn run_page<S: Step<Project>>(
    state: &AppState, user: &User, id: i64, typed: &HashMap<String, String>, step: &S,
) -> PageResult {
    let result = state.store.run(user.who(state), Target::any_version(id), step).await;
    respond::page(
        state,
        result,
        |_| format!("/projects/{id}/panel"),
        |errs| async move { render(state, user, id, errs, Some(typed)).await },
    )
    .await
}

async fn decline_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let expert = get("expert").trim().parse::<i64>().ok();
    if f.contains_key("expert") && expert.is_none() {
        let e = FieldError::new("expert", "请选择不能参加的专家");
        return render(&state, &user, id, vec![e], Some(&f)).await;
    }
    let step = DeclineSeat::new(expert, get("reason"));
    run_page(&state, &user, id, &f, &step).await
}
