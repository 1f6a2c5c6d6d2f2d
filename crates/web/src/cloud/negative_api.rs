//! The negative list over the API.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::input::FromFields;
use crate::shell::json_body::{Fields, int_field, object, version_field};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use govit_core::DomainError;
use govit_core::cloud::{NegativeDecision, NegativeListForm, service_field_label};
use govit_core::ids::DepartmentId;
use govit_storage::Page;
use govit_storage::Target;
use govit_storage::cloud::negative_list;
use govit_storage::cloud::{NegativeEntry, NegativeFilter};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A negative-list entry.
#[derive(Serialize, ToSchema)]
pub struct NegativeDto {
    id: i64,
    system_id: i64,
    system_name: String,
    owner_department_id: i64,
    owner_department: String,
    /// Exempt from migrating to the government cloud.
    exempt_cloud: bool,
    /// Exempt from connecting to the government service platform.
    exempt_platform: bool,
    reasons: String,
    basis: String,
    /// `pending`, `approved`, `rejected` or `revoked`
    status: String,
    status_label: String,
    requested_by: String,
    requested_at_ms: i64,
    decided_by: Option<String>,
    decided_at_ms: Option<i64>,
    /// 批准文号
    approval_document: String,
    decision_note: String,
    version: i64,
}

impl From<NegativeEntry> for NegativeDto {
    fn from(e: NegativeEntry) -> Self {
        NegativeDto {
            id: e.id,
            system_id: e.system_id,
            system_name: e.system_name,
            owner_department_id: e.owner_department_id.0,
            owner_department: e.owner_department,
            exempt_cloud: e.exempt_cloud,
            exempt_platform: e.exempt_platform,
            reasons: e.reasons,
            basis: e.basis,
            status: e.status.as_str().into(),
            status_label: e.status.label().into(),
            requested_by: e.requested_by_name,
            requested_at_ms: e.requested_at_ms,
            decided_by: e.decided_by_name,
            decided_at_ms: e.decided_at_ms,
            approval_document: e.approval_document,
            decision_note: e.decision_note,
            version: e.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NegativeListDto {
    items: Vec<NegativeDto>,
    total: i64,
    page: i64,
    page_size: i64,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NegativeInput {
    system_id: i64,
    exempt_cloud: bool,
    exempt_platform: bool,
    /// Required (gaoping:11).
    reasons: String,
    /// Required (gaoping:11).
    basis: String,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NegativeDecisionInput {
    version: i64,
    /// `approve`, `reject` or `revoke`
    decision: String,
    /// 批准文号: required when approving.
    approval_document: Option<String>,
    /// Required when rejecting or revoking.
    reason: Option<String>,
}

/// The negative list in the caller's data scope. Filters: `q`, `status`, `dept`.
#[utoipa::path(get, path = "/api/v1/negative-list", tag = "cloud", security(("bearer" = [])),
    params(("q" = Option<String>, Query), ("status" = Option<String>, Query), ("dept" = Option<i64>, Query), ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = NegativeListDto)))]
pub async fn list_negative(
    State(state): State<AppState>, user: ApiUser, Query(q): Query<HashMap<String, String>>,
) -> Result<Json<NegativeListDto>, ApiError> {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let filter = NegativeFilter {
        keyword: get("q").chars().take(100).collect(),
        status: govit_core::cloud::NegativeStatus::parse(&get("status")),
        department: get("dept").parse().ok().map(DepartmentId),
    };
    let paged = state
        .store
        .list_negative(
            &user.principal,
            &filter,
            Page::new(get("page").parse().unwrap_or(1), get("page_size").parse().unwrap_or(50)),
        )
        .await?;
    Ok(Json(NegativeListDto {
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
        items: paged.items.into_iter().map(NegativeDto::from).collect(),
    }))
}

/// The system's owner unit asks to exempt it from the cloud and/or the service platform,
/// with reasons and basis (gaoping:11).
#[utoipa::path(post, path = "/api/v1/negative-list", tag = "cloud", request_body = NegativeInput, security(("bearer" = [])),
    responses((status = 201, body = NegativeDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn request_negative(
    State(state): State<AppState>, user: ApiUser, body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let m = object(&body)?;
    let system_id = int_field(&m, "system_id", "请提供信息系统 system_id")?;
    let form = NegativeListForm::from_json(&m)?;
    let e = state.store.request_negative_listing(user.who(&state), system_id, &form).await?;
    Ok((StatusCode::CREATED, Json(NegativeDto::from(e.record))))
}

/// One entry; 404 outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/negative-list/{id}", tag = "cloud", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = NegativeDto), (status = 404, body = ApiErrorBody)))]
pub async fn get_negative(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<NegativeDto>, ApiError> {
    Ok(Json(state.store.read::<NegativeEntry>(user.who(&state), id).await?.into()))
}

/// The authority approves (批准文号 required), rejects or revokes (reason required).
#[utoipa::path(post, path = "/api/v1/negative-list/{id}/decision", tag = "cloud", params(("id" = i64, Path)),
    request_body = NegativeDecisionInput, security(("bearer" = [])),
    responses((status = 200, body = NegativeDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn decide_negative(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<NegativeDto>, ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let mut f = Fields::new(&m, service_field_label).with_booleans();
    let (decision, document, reason) =
        (f.get("decision"), f.get("approval_document"), f.get("reason"));
    f.done(())?;
    let d = NegativeDecision::parse(&decision, &document, &reason).map_err(DomainError::Invalid)?;
    Ok(Json(
        state
            .store
            .run(user.who(&state), Target::at(id, version), &negative_list::Decide(&d))
            .await?
            .record
            .into(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_negative, request_negative))
        .routes(routes!(get_negative))
        .routes(routes!(decide_negative))
}
