//! 综合评级 (issue 12 §5): a project's overall rating — computed from its cost, schedule and
//! obligations (`govit_core::rating`), lowered (never raised) by the rating the authority
//! gives, stale once the computed one moves or a year passes. The project page's 综合评级
//! section shows it with its factors, the ratings given and, for the authority, the form;
//! the dashboard counts and lists them. The same over the API.

mod api;

pub use api::router;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::PageResult;
use crate::shell::view::fmt_ms;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use govit_core::FieldError;
use govit_core::rating::{self, RatingForm};
use govit_storage::Target;
use govit_storage::projects::Project;
use govit_storage::ratings::{Kept, ProjectRating, RateProject};
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new().route("/projects/{id}/rating", post(rate_page))
}

/// What the pages say of the method, in every jurisdiction alike.
pub const METHOD: &str = "按成本（已承诺投资超出批复投资的比例）、进度（超合同工期的比例）和法定义务（逾期未履行的项数）各评 1–5 级，取其中最低的：比例为 0 的 5 级，不足 10% 的 4 级，10% 至不足 30% 的 3 级，30% 至 50% 的 2 级，超过 50% 的 1 级；逾期义务 1 项 3 级、2 项 2 级、3 项及以上 1 级。主管部门可以调低计算的评级，不能调高；计算的评级变化后或满一年，所给评级标为已过时。";

#[derive(Template)]
#[template(path = "ratings/_project_panel.html")]
struct RatingPanel {
    action: String,
    csrf: String,
    r: ProjectRating,
    /// (level, label) the form offers: the computed level and below.
    levels: Vec<(u8, &'static str)>,
    history: Vec<(Kept, String)>,
    method: &'static str,
    chosen: String,
    reason: String,
    e: HashMap<&'static str, String>,
    open: bool,
}

fn panel(
    p: &Project, csrf: &str, r: ProjectRating, chosen: String, reason: String,
    errors: &[FieldError],
) -> Result<String, askama::Error> {
    let top = r.rating.as_ref().map_or(rating::HIGHEST, |x| x.computed.level);
    let levels = (rating::LOWEST..=top).rev().map(|l| (l, rating::label(l))).collect();
    let history = r.history.iter().map(|k| (k.clone(), fmt_ms(k.rated_at_ms))).collect();
    RatingPanel {
        action: format!("/projects/{}/rating", p.id.0),
        csrf: csrf.to_string(),
        levels,
        history,
        method: METHOD,
        chosen,
        reason,
        e: crate::shell::view::first_messages(errors),
        open: !errors.is_empty(),
        r,
    }
    .render()
}

/// The project page's 综合评级 section, for an approved project.
pub fn project_rating_panel(
    cx: crate::shell::panels::PanelCx<'_, Project>,
) -> crate::shell::panels::PanelFuture<'_> {
    Box::pin(async move {
        let p = cx.record;
        let r = cx.state.store.project_rating(cx.user.who(cx.state), p).await?;
        if r.rating.is_none() && r.history.is_empty() {
            return Ok(None);
        }
        Ok(Some(panel(p, &cx.user.csrf, r, String::new(), String::new(), &[])?))
    })
}

async fn rate_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let seen = get("seen").trim().parse::<i64>().unwrap_or(-1);
    // The reason's field has a name of its own: the project page has other sections' reasons.
    let form = RatingForm { level: get("level"), reason: get("rating_reason") };
    let step = RateProject { project: govit_core::ids::ProjectId(id), seen, form: form.clone() };
    let result = state.store.run(user.who(&state), Target::New, &step).await;
    let state = &state;
    let user = &user;
    crate::shell::respond::page(
        state,
        result,
        |k: &Kept| format!("/projects/{}?done=rated#rating", k.project_id.0),
        |errs: Vec<FieldError>| async move {
            let errs: Vec<FieldError> = errs
                .into_iter()
                .map(|e| match e.field {
                    "reason" => FieldError::new("rating_reason", e.message),
                    _ => e,
                })
                .collect();
            let p = state.store.read::<Project>(user.who(state), id).await?;
            let r = state.store.project_rating(user.who(state), &p).await?;
            let panel = panel(&p, &user.csrf, r, form.level.clone(), form.reason.clone(), &errs)?;
            crate::shell::page::panel_again(state, user, &p, "综合评级", panel, &errs).await
        },
    )
    .await
}
