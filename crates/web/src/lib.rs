//! govit's web edge: server-rendered Chinese pages and the JSON API under `/api/v1`.
//!
//! Handlers parse input, call the store and render; they never touch SQL. Every route that
//! shows or changes data goes through the signed-in principal, whose role and data scope the
//! store checks.
//!
//! The crate is a floor (`shell`) and rooms, one per module a user would name. A room may
//! use the floor and the rooms listed above it here, never one below; this file is the only
//! place that knows them all: it merges their routes and registers their panels.

pub mod shell;

pub mod acceptances;
pub mod accounts;
pub mod archives;
pub mod audit;
pub mod changes;
pub mod cloud;
pub mod contracts;
pub mod credit;
pub mod dashboard;
pub mod decisions;
pub mod home;
pub mod materials;
pub mod oc4ids;
pub mod org;
pub mod panels;
pub mod payments;
pub mod plans;
pub mod progress;
pub mod projects;
pub mod ratings;
pub mod reviews;
pub mod rules;
pub mod sanctions;
pub mod search;
pub mod submissions;
pub mod systems;

mod openapi;

pub use openapi::openapi;
pub use rules::notify::{send_notices, send_reminders};
pub use rules::policies::rule_sections;
pub use shell::sheet;
pub use shell::state::{AppState, Clock, SystemClock, WebConfig};
pub use systems::list::systems_xlsx;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use shell::panels::{Panels, Slot};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// Every room's sections of other rooms' pages, in the order they appear.
fn panels() -> Panels {
    Panels {
        project: vec![
            (Slot::Main, materials::materials_panel),
            (Slot::Main, panels::panels_panel),
            (Slot::Main, reviews::reviews_panel),
            (Slot::Main, submissions::unit_evaluations_panel),
            (Slot::Main, projects::links::systems_panel),
            (Slot::Main, cloud::project_panel::project_cloud_panel),
            (Slot::Main, projects::path::path_panel),
            (Slot::Main, plans::project_plans_panel),
            (Slot::Main, contracts::project_contracts_panel),
            (Slot::Main, progress::project_reports_panel),
            (Slot::Main, changes::project_changes_panel),
            (Slot::Main, acceptances::project_acceptances_panel),
            (Slot::Main, payments::project_payments_panel),
            (Slot::Main, submissions::project_submissions_panel),
            (Slot::Main, sanctions::project_sanctions_panel),
            (Slot::Main, ratings::project_rating_panel),
            (Slot::Main, projects::links::gates_panel),
            (Slot::Below, search::similar::similar_panel),
            (Slot::Below, rules::project::rules_panel),
            (Slot::Below, decisions::decisions_panel),
        ],
        system: vec![(Slot::Main, cloud::negative_list::negative_panel)],
        project_page: Some(projects::show::rerender),
    }
}

/// The whole application.
pub fn router(mut state: AppState) -> Router {
    state.panels = Arc::new(panels());
    let (api, _) = openapi::router().split_for_parts();
    Router::new()
        .merge(home::pages())
        .merge(accounts::pages())
        .merge(projects::pages())
        .merge(materials::pages())
        .merge(decisions::pages())
        .merge(panels::pages())
        .merge(plans::pages())
        .merge(contracts::pages())
        .merge(changes::pages())
        .merge(progress::pages())
        .merge(acceptances::pages())
        .merge(payments::pages())
        .merge(submissions::pages())
        .merge(sanctions::pages())
        .merge(ratings::pages())
        .merge(dashboard::pages())
        .merge(archives::pages())
        .merge(oc4ids::pages())
        .merge(reviews::pages())
        .merge(rules::pages())
        .merge(search::pages())
        .merge(systems::pages())
        .merge(org::pages())
        .merge(credit::pages())
        .merge(audit::pages())
        .merge(cloud::pages())
        .merge(api)
        .route("/healthz", axum::routing::get(healthz))
        .route("/static/{*path}", axum::routing::get(shell::assets::serve))
        .method_not_allowed_fallback(shell::error::method_not_allowed)
        .fallback(shell::error::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), shell::error::error_in_layout))
        .layer(axum::middleware::from_fn_with_state(state.clone(), shell::auth::session_layer))
        .layer(axum::middleware::from_fn(shell::headers::security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Answers only when the database does.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.health().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Serves until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener, state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    match state.build_search_index().await {
        Ok(n) => tracing::info!(documents = n, "duplicate-check index built"),
        Err(e) => tracing::error!(error = %e, "duplicate-check index not built"),
    }
    let ticker = tokio::spawn(daily_tick(state.clone()));
    let app = router(state);
    let result = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    ticker.abort();
    result
}

/// Keeps obligations current as days pass: whenever the date in China changes (checked every
/// minute), every project's obligations are recomputed, so "due soon" and "overdue" are true
/// the morning they become so. Each minute it also picks up a calendar and catalog changes
/// made by another process.
pub async fn daily_tick(state: AppState) {
    let mut last = None;
    loop {
        // A calendar imported by another process (the CLI): every open deadline is
        // recomputed under it at once, not only the next day.
        let changed = match state.store.reload_calendar().await {
            Ok(changed) => changed,
            Err(e) => {
                tracing::error!(error = %e, "calendar reload failed");
                false
            }
        };
        let today = govit_storage::china_today(state.now_ms());
        if last != Some(today) || changed {
            match state.store.refresh_all_obligations(state.now_ms()).await {
                Ok(n) => {
                    tracing::info!(%today, obligations = n, "obligations recomputed for the day");
                    last = Some(today);
                }
                Err(e) => tracing::error!(error = %e, "daily obligation refresh failed"),
            }
        }
        let since = state.indexed_through.load(std::sync::atomic::Ordering::Relaxed);
        if let Err(e) = state.catch_up_search_index(since).await {
            tracing::error!(error = %e, "search index catch-up failed");
        }
        match rules::notify::send_notices(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(obligations = n, "notices sent"),
            Err(e) => tracing::warn!(error = %e, "notices not sent; retrying in a minute"),
        }
        match rules::notify::send_reminders(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "task reminders sent"),
            Err(e) => tracing::warn!(error = %e, "task reminders not sent; retrying in a minute"),
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
}
