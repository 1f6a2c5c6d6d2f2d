//! 政务云: the cloud-service catalog in versions (gaoping:12), the services a project uses and
//! the common capabilities it must not rebuild (lhasa:8), and the negative list (gaoping:11).

pub mod catalog;
pub mod catalog_api;
pub mod negative_api;
pub mod negative_list;
pub mod project_panel;
pub mod services;

use crate::AppState;

pub fn pages() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/cloud", get(catalog::catalog))
        .route("/cloud/export.xlsx", get(catalog::export_catalog))
        .route("/cloud/drafts", post(catalog::start_draft))
        .route("/cloud/versions/{id}", get(catalog::version))
        .route("/cloud/versions/{id}/submit", post(catalog::submit))
        .route("/cloud/versions/{id}/decide", post(catalog::decide))
        .route(
            "/cloud/versions/{id}/services/new",
            get(services::new_service).post(services::create_service),
        )
        .route(
            "/cloud/services/{id}/edit",
            get(services::edit_service).post(services::update_service),
        )
        .route("/cloud/services/{id}/remove", post(services::remove_service))
        .route("/projects/{id}/cloud-services", post(project_panel::link_service))
        .route(
            "/projects/{id}/cloud-services/{service_id}/remove",
            post(project_panel::unlink_service),
        )
        .route("/negative-list", get(negative_list::negative_list))
        .route("/negative-list/export.xlsx", get(negative_list::export_negative))
        .route(
            "/negative-list/new",
            get(negative_list::new_negative).post(negative_list::create_negative),
        )
        .route("/negative-list/{id}", get(negative_list::show_negative))
        .route("/negative-list/{id}/decide", post(negative_list::decide_negative))
}
