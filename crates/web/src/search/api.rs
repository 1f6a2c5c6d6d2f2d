//! Search and the duplicate check over the API.

use super::similar::similar_to;
use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use axum::Json;
use axum::extract::{Path, Query, State};
use govit_core::DomainError;
use govit_storage::projects::Project;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct SearchParams {
    /// Words to look for in names and functions (Chinese word segmentation).
    q: String,
    /// `system`, `project`, or omitted for both.
    kind: Option<String>,
    /// Only this department and the ones below it.
    dept: Option<i64>,
}

/// One search hit.
#[derive(Serialize, ToSchema)]
pub struct SearchHitDto {
    /// `system` or `project`
    kind: String,
    id: i64,
    name: String,
    department: String,
    /// The project's status or the system's 四个一批 disposition, as labelled in the lists.
    status: String,
    /// BM25 relevance; higher is closer.
    score: f32,
    /// The query words the record contains.
    terms: Vec<String>,
}

/// Full-text search over the catalog and the projects the caller can see, best first
/// (at most 200).
#[utoipa::path(get, path = "/api/v1/search", tag = "systems", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<SearchHitDto>)))]
pub async fn search(
    State(state): State<AppState>, user: ApiUser, Query(q): Query<crate::search::SearchQuery>,
) -> Result<Json<Vec<SearchHitDto>>, ApiError> {
    let hits = crate::search::run_search(&state, &user.principal, &q).await?;
    Ok(Json(
        hits.into_iter()
            .map(|h| SearchHitDto {
                kind: h.kind.to_string(),
                id: h.id,
                name: h.name,
                department: h.department,
                status: h.status,
                score: h.score,
                terms: h.terms,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SimilarDto {
    /// `system` or `project`
    kind: String,
    id: i64,
    name: String,
    /// BM25 score; higher is more similar.
    score: f32,
    /// The words the two share.
    terms: Vec<String>,
}

/// The systems and projects most like this project, best first (the authority's reviewers).
#[utoipa::path(get, path = "/api/v1/projects/{id}/similar", tag = "systems", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<SimilarDto>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn project_similar(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<Vec<SimilarDto>>, ApiError> {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    if !user.principal.has(govit_core::org::Role::Reviewer) {
        return Err(DomainError::Forbidden("重复建设比对供主管部门审核人使用".into()).into());
    }
    Ok(Json(
        similar_to(&state, &user.principal, &p)
            .await?
            .into_iter()
            .map(|m| SimilarDto {
                kind: m.kind.as_str().into(),
                id: m.id,
                name: m.name,
                score: m.score,
                terms: m.terms,
            })
            .collect(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(project_similar)).routes(routes!(search))
}
