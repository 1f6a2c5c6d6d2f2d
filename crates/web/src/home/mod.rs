//! 工作台 and 我的待办 over the API: what waits on the signed-in user.

use crate::AppState;
use crate::shell::auth::{ApiUser, User};
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::page::{PageResult, html};
use crate::shell::view::Layout;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use govit_storage::projects::ProjectFilter;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    layout: Layout,
    flash: Option<&'static str>,
    visible_total: i64,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct HomeQuery {
    done: String,
}

pub async fn home(
    State(state): State<AppState>, user: User, Query(q): Query<HomeQuery>,
) -> PageResult {
    let visible_total =
        state.store.count_projects(&user.principal, &ProjectFilter::default()).await?;
    html(HomePage {
        layout: Layout::for_user(&state, &user, "工作台", "home").await?,
        flash: (q.done == "password").then_some("密码已修改，请牢记新密码。"),
        visible_total,
    })
}

/// What waits on the caller: the numbers of the 待办 badges.
#[derive(Serialize, ToSchema)]
pub struct TodoDto {
    /// Everything waiting on the caller, as 我的待办 and its navigation badge count it: the
    /// sum of to_review, returned, obligations, catalog_to_publish, catalog_returned and
    /// negative_to_decide.
    total: i64,
    /// Submitted declarations awaiting a reviewer's decision.
    to_review: i64,
    /// The caller's unit's returned declarations.
    returned: i64,
    /// The caller's unit's unsent drafts.
    drafts: i64,
    /// Open obligations owed by the caller's unit.
    obligations: i64,
    /// Overdue obligations in scope (reviewers and observers).
    overdue: i64,
    /// Cloud-service catalog versions awaiting publication (the authority).
    catalog_to_publish: i64,
    /// Catalog versions returned to the data center.
    catalog_returned: i64,
    /// Negative-list requests awaiting a decision (the authority).
    negative_to_decide: i64,
}

/// What waits on the caller, as counted in the web UI's 待办 badges.
#[utoipa::path(get, path = "/api/v1/me/todo", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = TodoDto), (status = 401, body = ApiErrorBody)))]
pub async fn my_todo(
    State(state): State<AppState>, user: ApiUser,
) -> Result<Json<TodoDto>, ApiError> {
    let c = state.store.todo_counts(&user.principal).await?;
    Ok(Json(TodoDto {
        total: c.total(),
        to_review: c.to_review,
        returned: c.returned,
        drafts: c.drafts,
        obligations: c.obligations,
        overdue: c.overdue,
        catalog_to_publish: c.catalog_to_publish,
        catalog_returned: c.catalog_returned,
        negative_to_decide: c.negative_to_decide,
    }))
}

pub fn pages() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/", get(home))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_todo))
}
