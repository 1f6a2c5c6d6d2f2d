//! Projects published as OC4IDS 0.9 project packages (issue 12 §9; `govit_core::oc4ids`): one
//! project (`/api/v1/projects/{id}/oc4ids`, linked from its page) or every approved project the
//! caller may see (`/api/v1/oc4ids`, linked from the project list, and `govit oc4ids`), the bulk
//! one streamed a batch of projects at a time so that its memory does not grow with the
//! jurisdiction.

use crate::AppState;
use crate::shell::auth::{ApiUser, User};
use crate::shell::error::{ApiError, ApiErrorBody, PageError};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures_util::Stream;
use govit_core::DomainError;
use govit_core::ids::ProjectId;
use govit_core::oc4ids;
use govit_core::org::Principal;
use govit_storage::oc4ids::Publisher;
use govit_storage::{Store, StoreError, Who};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/projects/{id}/oc4ids.json", get(project_page))
        .route("/projects/oc4ids.json", get(bulk_page))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(project_api)).routes(routes!(bulk_api))
}

const JSON: &str = "application/json";

/// Project `id` as a package of one.
async fn one(state: &AppState, who: Who<'_>, id: i64) -> Result<Response, StoreError> {
    let publisher = state.store.publisher(who.principal.jurisdiction_id).await?;
    let input = state.store.oc4ids_project(who, ProjectId(id), &publisher.code).await?;
    let body = oc4ids::package(
        &publisher.uri(&format!("project:{id}")),
        &publisher.name,
        who.now_ms,
        &[oc4ids::project(&input)],
    );
    Ok(([(header::CONTENT_TYPE, JSON)], body).into_response())
}

/// The package of every approved project `principal` may see, as a stream of chunks: the
/// head, then each batch of projects, then the tail. A failure partway ends the stream with
/// the error, so the download breaks off instead of looking complete.
pub fn package_stream(
    store: Store, principal: Principal, publisher: Publisher, now_ms: i64,
) -> impl Stream<Item = Result<Bytes, StoreError>> + Send + 'static {
    let head = oc4ids::package_head(&publisher.uri("projects"), &publisher.name, now_ms);
    // (the last id written, whether none was yet, the head still to send)
    let start = Some((0i64, true, Some(head)));
    futures_util::stream::unfold(start, move |next| {
        let store = store.clone();
        let principal = principal.clone();
        let code = publisher.code.clone();
        async move {
            let (after, first, head) = next?;
            if let Some(head) = head {
                return Some((Ok(Bytes::from(head)), Some((after, first, None))));
            }
            let batch = match store.oc4ids_batch(&principal, &code, after).await {
                Ok(b) => b,
                Err(e) => return Some((Err(e), None)),
            };
            let Some(last) = batch.last().map(|p| p.id) else {
                return Some((Ok(Bytes::from_static(oc4ids::PACKAGE_TAIL.as_bytes())), None));
            };
            let mut out = Vec::with_capacity(batch.len() * 1024);
            for (i, p) in batch.iter().enumerate() {
                if !(first && i == 0) {
                    out.push(b',');
                }
                if let Err(e) = serde_json::to_writer(&mut out, &oc4ids::project(p)) {
                    return Some((Err(StoreError::Config(e.to_string())), None));
                }
            }
            Some((Ok(Bytes::from(out)), Some((last, false, None))))
        }
    })
}

/// The bulk package of `principal` as a stream and how many projects it holds; none when there
/// is no approved project to publish (a package holds at least one).
pub async fn bulk_package(
    store: &Store, principal: &Principal, now_ms: i64,
) -> Result<Option<(i64, impl Stream<Item = Result<Bytes, StoreError>> + Send + 'static)>, StoreError>
{
    let n = store.oc4ids_count(principal).await?;
    if n == 0 {
        return Ok(None);
    }
    let publisher = store.publisher(principal.jurisdiction_id).await?;
    Ok(Some((n, package_stream(store.clone(), principal.clone(), publisher, now_ms))))
}

/// A package's stream written to `out` (the command line's export), chunk by chunk as it
/// yields them.
pub async fn write_package(
    stream: impl Stream<Item = Result<Bytes, StoreError>>, out: &mut impl std::io::Write,
) -> Result<(), String> {
    use futures_util::StreamExt;
    let mut stream = std::pin::pin!(stream);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        out.write_all(&chunk).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

/// Why there is no bulk package: a package holds at least one project.
const NOTHING: &str = "没有可导出的已批复项目（OC4IDS 项目包至少包含一个项目）";

/// The bulk package as a response; none when there is no approved project to publish.
async fn bulk(state: &AppState, principal: &Principal) -> Result<Option<Response>, StoreError> {
    let Some((_, stream)) = bulk_package(&state.store, principal, state.now_ms()).await? else {
        return Ok(None);
    };
    let stream = futures_util::StreamExt::map(stream, |chunk| {
        chunk.map_err(|e| {
            tracing::warn!(error = %e, "OC4IDS export broken off");
            std::io::Error::other(e.to_string())
        })
    });
    Ok(Some(
        (
            [
                (header::CONTENT_TYPE, JSON),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"oc4ids-projects.json\""),
            ],
            axum::body::Body::from_stream(stream),
        )
            .into_response(),
    ))
}

async fn project_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(one(&state, user.who(&state), id).await?)
}

async fn bulk_page(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    bulk(&state, &user.principal)
        .await?
        .ok_or_else(|| DomainError::InvalidState { message: NOTHING.into() }.into())
}

/// Project `id` as an OC4IDS 0.9 project package holding it alone: its phase (`status`:
/// identification before approval, preparation, implementation from its first contract,
/// completed after completion acceptance, cancelled when terminated or not approved), period,
/// budget with its fund sources and approval date, the owner unit and contracted firms as
/// `parties`, and each contract as a `contractingProcesses` entry (nature, procurement method,
/// supplier, value, period). Amounts are yuan (CNY). 404 outside the caller's data scope.
#[utoipa::path(get, path = "/api/v1/projects/{id}/oc4ids", tag = "projects",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/json", description = "OC4IDS 项目包（一个项目）"),
        (status = 404, body = ApiErrorBody)))]
pub async fn project_api(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(one(&state, user.who(&state), id).await?)
}

/// Every approved project the caller may see (terminated ones as `cancelled`), as one OC4IDS
/// 0.9 project package, streamed in project id order. 404 `nothing_to_export` when there is
/// none.
#[utoipa::path(get, path = "/api/v1/oc4ids", tag = "projects", security(("bearer" = [])),
    responses((status = 200, content_type = "application/json", description = "OC4IDS 项目包（全部已批复项目）"),
        (status = 404, body = ApiErrorBody)))]
pub async fn bulk_api(State(state): State<AppState>, user: ApiUser) -> Result<Response, ApiError> {
    bulk(&state, &user.principal)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "nothing_to_export", NOTHING))
}
