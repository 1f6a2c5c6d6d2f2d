//! 项目: declarations — the lists, the form, the project page composed of panels, the
//! declaration flow's steps, the systems a project names and its Excel export.

pub mod annex;
pub mod api;
pub mod export;
mod flow;
pub mod form;
pub mod links;
pub mod list;
pub mod path;
pub mod show;
pub mod tasks;

use crate::AppState;
use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use govit_core::project::ProjectAction;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list::projects))
        .route("/review", get(list::review_queue))
        .route("/tasks/overdue", get(tasks::overdue_page))
        .route("/projects/export.xlsx", get(export::projects_xlsx))
        .route("/projects/declaration-form.xlsx", get(annex::list_annex))
        .route("/projects/{id}/declaration-form.xlsx", get(annex::project_annex))
        .route("/projects/new", get(form::new_project).post(form::create_project))
        .route("/projects/{id}", get(show::show_project))
        .route("/projects/{id}/edit", get(form::edit_project).post(form::update_project))
        .route(
            "/projects/{id}/submit",
            post(|s, u, p, f| flow::plain_step(ProjectAction::Submit, s, u, p, f)).get(
                |Path(id): Path<i64>| async move {
                    crate::shell::page::see_other(&format!("/projects/{id}"))
                },
            ),
        )
        .route(
            "/projects/{id}/withdraw",
            post(|s, u, p, f| flow::plain_step(ProjectAction::Withdraw, s, u, p, f)),
        )
        .route(
            "/projects/{id}/urge",
            post(|s, u, p, f| flow::plain_step(ProjectAction::Urge, s, u, p, f)),
        )
        .route(
            "/projects/{id}/outside-scope",
            post(|s, u, p, f| flow::outside_scope(false, s, u, p, f)),
        )
        .route("/projects/{id}/reopen", post(|s, u, p, f| flow::outside_scope(true, s, u, p, f)))
        .route("/projects/{id}/decide", post(flow::decide_project))
        .route("/projects/{id}/act/{verb}", post(flow::act))
        .route("/projects/{id}/systems", post(links::link))
        .route("/projects/{id}/systems/{link}/remove", post(links::unlink))
}
