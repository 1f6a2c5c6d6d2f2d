//! The JSON API under `/api/v1`. Each handler carries its OpenAPI description, and the router
//! is built from those descriptions (utoipa-axum), so a route cannot exist undocumented.

use crate::AppState;
use crate::shell::error::{ApiErrorBody, ApiFieldError};
use axum::Json;
use axum::response::IntoResponse;
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "govit API", description = "政务信息化项目管理平台 JSON API。错误统一返回 {code, message, field}，message 为中文。"),
    modifiers(&BearerAuth),
    components(schemas(ApiErrorBody, ApiFieldError))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_json))
        .merge(crate::accounts::api::router())
        .merge(crate::home::api())
        .merge(crate::projects::api::router())
        .merge(crate::materials::api::router())
        .merge(crate::decisions::router())
        .merge(crate::panels::router())
        .merge(crate::plans::router())
        .merge(crate::contracts::router())
        .merge(crate::changes::router())
        .merge(crate::progress::router())
        .merge(crate::acceptances::router())
        .merge(crate::payments::router())
        .merge(crate::submissions::router())
        .merge(crate::sanctions::router())
        .merge(crate::ratings::router())
        .merge(crate::credit::router())
        .merge(crate::dashboard::router())
        .merge(crate::archives::router())
        .merge(crate::oc4ids::router())
        .merge(crate::reviews::router())
        .merge(crate::rules::api::router())
        .merge(crate::systems::api::router())
        .merge(crate::search::api::router())
        .merge(crate::cloud::catalog_api::router())
        .merge(crate::cloud::negative_api::router())
        .merge(crate::audit::api())
        .merge(crate::org::api::router())
}

/// The OpenAPI document of the whole API.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| router().into_openapi())
}

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3 文档")))]
pub async fn openapi_json() -> impl IntoResponse {
    Json(openapi().clone())
}
