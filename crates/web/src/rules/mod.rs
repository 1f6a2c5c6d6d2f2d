//! 规则: obligations and deadlines, the profiles in force and the working-day calendar, and a
//! project's events, facts and waivers.

pub mod api;
mod calendar;
pub mod notify;
pub mod obligations;
pub mod policies;
pub mod project;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/obligations", get(obligations::todo))
        .route("/obligations/overdue", get(obligations::overdue))
        .route("/obligations/export.xlsx", get(obligations::export))
        .route("/projects/{id}/events", post(project::record_event))
        .route("/projects/{id}/facts", post(project::set_fact))
        .route("/projects/{id}/obligations/waive", post(project::waive))
        .route("/policies", get(policies::policies))
        .route("/policies/{id}", get(policies::policy))
        .route("/calendar", get(calendar::calendar))
}
