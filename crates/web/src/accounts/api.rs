//! The signed-in user, over the API.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::ApiErrorBody;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Me {
    id: i64,
    login: String,
    name: String,
    department_id: Option<i64>,
    roles: Vec<String>,
    scope: String,
}

/// The user the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ApiErrorBody)))]
pub async fn me(user: ApiUser) -> Json<Me> {
    let p = user.principal;
    Json(Me {
        id: p.user_id.0,
        login: p.login,
        name: p.name,
        department_id: p.department_id.map(|d| d.0),
        roles: p.roles.iter().map(|r| r.as_str().to_string()).collect(),
        scope: p.scope.as_str().into(),
    })
}

pub fn router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(me))
}
