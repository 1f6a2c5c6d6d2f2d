//! 政务信息系统目录: the catalog's list, entries, history and Excel import and export.

pub mod api;
pub mod form;
pub mod import;
pub mod list;
pub mod show;

use crate::AppState;
use axum::Router;
use axum::routing::get;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/systems", get(list::list))
        .route("/systems/export.xlsx", get(list::export))
        .route(
            "/systems/import",
            get(import::import_form)
                .post(import::import)
                .layer(axum::extract::DefaultBodyLimit::max(crate::shell::auth::MAX_UPLOAD_BYTES)),
        )
        .route("/systems/import/template.xlsx", get(import::import_template))
        .route("/systems/new", get(form::new).post(form::create))
        .route("/systems/{id}", get(show::show))
        .route("/systems/{id}/edit", get(form::edit).post(form::update))
}
