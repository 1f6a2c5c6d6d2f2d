//! The catalog over the API.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::input::Versioned;
use crate::shell::input::{FromFields, Upload};
use crate::shell::respond;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use govit_core::DomainError;
use govit_storage::Page;
use govit_storage::Target;
use govit_storage::systems::Edit;
use govit_storage::systems::Register;
use govit_storage::systems::SystemRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A catalog entry as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct SystemDto {
    id: i64,
    owner_department_id: i64,
    owner_department: String,
    /// Every field of the catalog form, by its code.
    #[schema(value_type = Object)]
    system: Value,
    /// Why it looks like a zombie (code, reason), if it does.
    zombie_signals: Vec<(String, String)>,
    updated_at_ms: i64,
    version: i64,
}

impl From<govit_storage::systems::SystemRecord> for SystemDto {
    fn from(r: govit_storage::systems::SystemRecord) -> Self {
        SystemDto {
            id: r.id,
            owner_department_id: r.owner_department_id.0,
            owner_department: r.owner_department,
            system: serde_json::to_value(&r.system).unwrap_or(Value::Null),
            zombie_signals: r.zombie_signals,
            updated_at_ms: r.updated_at_ms,
            version: r.version,
        }
    }
}

/// The catalog form: every field a string (codes or the Chinese labels); booleans as
/// `true`/`false`, `1`/`0` or 是/否.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct SystemInput {
    version: Option<i64>,
    name: String,
    function_summary: String,
    users_scope: Option<String>,
    /// daily, weekly, monthly, rarely, unused
    use_frequency: String,
    approval_document: Option<String>,
    approval_date: Option<String>,
    funding_source: Option<String>,
    year_built: Option<String>,
    /// gov_cloud, own_room, other
    deployment: String,
    /// extranet, internet, private
    network: String,
    gov_service_connected: Option<String>,
    data_sharing_connected: Option<String>,
    mlps_level: Option<String>,
    /// planned, building, running, retired
    status: Option<String>,
    /// keep, close, merge, take_over, build
    disposition: Option<String>,
    disposition_reason: Option<String>,
    last_used_on: Option<String>,
    om_stopped: Option<String>,
    idle_resources: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SystemList {
    items: Vec<SystemDto>,
    total: i64,
    page: i64,
    page_size: i64,
}

/// Catalog entries in the caller's scope. Filters: `q`, `dept`, `disposition`, `zombies=1`.
#[utoipa::path(get, path = "/api/v1/systems", tag = "systems", security(("bearer" = [])),
    params(("q" = Option<String>, Query), ("dept" = Option<i64>, Query), ("disposition" = Option<String>, Query), ("zombies" = Option<String>, Query), ("page" = Option<i64>, Query)),
    responses((status = 200, body = SystemList)))]
pub async fn list_systems(
    State(state): State<AppState>, user: ApiUser,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<SystemList>, ApiError> {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let sq = crate::systems::list::SystemQuery {
        q: get("q"),
        dept: get("dept"),
        disposition: get("disposition"),
        zombies: get("zombies"),
        page: get("page"),
        done: String::new(),
    };
    let paged = state
        .store
        .list_systems(
            &user.principal,
            &sq.filter(),
            state.now_ms(),
            Page::new(get("page").parse().unwrap_or(1), get("page_size").parse().unwrap_or(50)),
        )
        .await?;
    Ok(Json(SystemList {
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
        items: paged.items.into_iter().map(SystemDto::from).collect(),
    }))
}

/// Registers a system of the caller's department.
#[utoipa::path(post, path = "/api/v1/systems", tag = "systems", request_body = SystemInput, security(("bearer" = [])),
    responses((status = 201, body = SystemDto), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create_system(
    State(state): State<AppState>, user: ApiUser, body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let form = govit_core::inventory::SystemForm::from_body(&body)?;
    let result = state.store.run(user.who(&state), Target::New, &Register(&form)).await;
    respond::api::<_, SystemDto>(&state, result, StatusCode::CREATED).await
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// Only check the sheet and report what would happen; write nothing.
    #[serde(default)]
    dry_run: bool,
}

/// Imports an inventory sheet (.xlsx as the request body). Good rows are created or updated
/// (a new version when they differ), bad rows come back with row, column and a Chinese
/// message and write nothing; importing the same file again changes nothing.
#[utoipa::path(post, path = "/api/v1/systems/import", tag = "systems", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    security(("bearer" = [])),
    responses((status = 200, body = ImportReportDto), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
        (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn import_systems(
    State(state): State<AppState>, user: ApiUser, Query(params): Query<ImportParams>,
    Upload(body): Upload,
) -> Result<Json<ImportReportDto>, ApiError> {
    match crate::systems::import::run_import(
        &state,
        &user.principal,
        &user.actor(),
        &body,
        !params.dry_run,
    )
    .await
    {
        Ok(r) => Ok(Json(r.into())),
        Err(crate::systems::import::ImportError::Sheet(m)) => {
            Err(DomainError::invalid("file", m).into())
        }
        Err(crate::systems::import::ImportError::Store(e)) => Err(e.into()),
    }
}

/// What an import did.
#[derive(Serialize, ToSchema)]
pub struct ImportReportDto {
    /// Data rows read under the header.
    rows: usize,
    created: usize,
    updated: usize,
    /// Rows identical to the catalog already.
    unchanged: usize,
    /// Rows not imported because of the problems listed.
    refused_rows: usize,
    problems: Vec<RowProblemDto>,
    /// Headers that match no field.
    ignored_headers: Vec<String>,
    /// False for a dry run.
    written: bool,
}

#[derive(Serialize, ToSchema)]
struct RowProblemDto {
    /// Row number as Excel shows it.
    row: usize,
    /// Column letter and header, e.g. `C（主要功能）`.
    column: String,
    field: String,
    message: String,
}

impl From<govit_storage::systems::ImportReport> for ImportReportDto {
    fn from(r: govit_storage::systems::ImportReport) -> Self {
        ImportReportDto {
            rows: r.rows,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            refused_rows: r.refused_rows,
            problems: r
                .problems
                .into_iter()
                .map(|p| RowProblemDto {
                    row: p.row,
                    column: p.column,
                    field: p.field,
                    message: p.message,
                })
                .collect(),
            ignored_headers: r.ignored_headers,
            written: r.written,
        }
    }
}

/// One catalog entry; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/systems/{id}", tag = "systems", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = SystemDto), (status = 404, body = ApiErrorBody)))]
pub async fn get_system(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<SystemDto>, ApiError> {
    Ok(Json(state.store.read::<SystemRecord>(user.who(&state), id).await?.into()))
}

/// Replaces an entry (with `version`); the previous version is kept in its history.
#[utoipa::path(put, path = "/api/v1/systems/{id}", tag = "systems", params(("id" = i64, Path)), request_body = SystemInput, security(("bearer" = [])),
    responses((status = 200, body = SystemDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update_system(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
    Versioned(version, form): Versioned<govit_core::inventory::SystemForm>,
) -> Result<Json<SystemDto>, ApiError> {
    respond::run_json(&state, &user, Target::at(id, version), &Edit(&form)).await
}

#[derive(Serialize, ToSchema)]
pub struct SystemVersionDto {
    version: i64,
    action: String,
    changed_by: String,
    changed_at_ms: i64,
    #[schema(value_type = Object)]
    snapshot: Value,
}

/// Every version of an entry, newest first.
#[utoipa::path(get, path = "/api/v1/systems/{id}/history", tag = "systems", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<SystemVersionDto>), (status = 404, body = ApiErrorBody)))]
pub async fn system_history(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<Vec<SystemVersionDto>>, ApiError> {
    state.store.read::<SystemRecord>(user.who(&state), id).await?;
    let list = state.store.system_history(id).await?;
    Ok(Json(
        list.into_iter()
            .map(|h| SystemVersionDto {
                version: h.version,
                action: h.action,
                changed_by: h.changed_by,
                changed_at_ms: h.changed_at_ms,
                snapshot: serde_json::to_value(&h.snapshot).unwrap_or(Value::Null),
            })
            .collect(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_systems, create_system))
        .routes(routes!(get_system, update_system))
        .routes(routes!(system_history))
        .routes(routes!(import_systems))
}
