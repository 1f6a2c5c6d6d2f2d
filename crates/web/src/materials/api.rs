//! A project's materials over the API: the list with each material's state and files, a
//! file streamed in as the raw request body, a file taken out, a material marked complete,
//! and a file streamed out.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::object;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use govit_core::DomainError;
use govit_core::materials::{Requirement, accept_of, max_bytes};
use govit_storage::Target;
use govit_storage::materials::{MarkMaterial, MaterialFile, MaterialRow, RemoveFile};
use govit_storage::projects::Project;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A file of a material.
#[derive(Serialize, ToSchema)]
pub struct MaterialFileDto {
    id: i64,
    file_name: String,
    size_bytes: i64,
    /// The SM3 digest of its bytes, lowercase hex.
    sm3: String,
    /// What its content is: `pdf`, `ofd`, `word`, `excel`, `slides`, `legacy_office`,
    /// `image` or `zip`.
    kind: Option<String>,
    uploaded_by: String,
    uploaded_at_ms: i64,
    /// Set when it was replaced or removed: an earlier version, still readable.
    removed_at_ms: Option<i64>,
    /// Where to download it.
    href: String,
}

impl From<&MaterialFile> for MaterialFileDto {
    fn from(f: &MaterialFile) -> Self {
        MaterialFileDto {
            id: f.id,
            file_name: f.file_name.clone(),
            size_bytes: f.size_bytes,
            sm3: f.sm3.clone(),
            kind: f.kind.map(|k| k.as_str().to_string()),
            uploaded_by: f.uploaded_by.clone(),
            uploaded_at_ms: f.uploaded_at_ms,
            removed_at_ms: f.removed_at_ms,
            href: format!("/api/v1/material-files/{}", f.id),
        }
    }
}

/// A material the project's path asks for.
#[derive(Serialize, ToSchema)]
pub struct MaterialDto {
    /// The profile's document id.
    id: String,
    name: String,
    cite: String,
    text: String,
    /// The stage whose review reads it.
    stage: String,
    /// `required`, `undecided` (its condition rests on a fact not known yet) or
    /// `not_required`.
    requirement: String,
    /// `not_started` (未开始), `in_progress` (进行中) or `completed` (已完成).
    state: String,
    /// Send it back with a mark.
    version: i64,
    /// Whether the caller may hand it in now.
    can_edit: bool,
    /// The party that hands it in, in the profile's words.
    provider: String,
    /// The file types it takes.
    accept: Vec<String>,
    max_mb: u64,
    /// The material that may stand in for it here (lhasa:10).
    stand_in: Option<String>,
    files: Vec<MaterialFileDto>,
    earlier: Vec<MaterialFileDto>,
}

impl From<&MaterialRow> for MaterialDto {
    fn from(r: &MaterialRow) -> Self {
        MaterialDto {
            id: r.doc.id.clone(),
            name: r.doc.name.clone(),
            cite: r.doc.cite.clone(),
            text: r.doc.text.clone(),
            stage: r.doc.stage.as_str().to_string(),
            requirement: match r.requirement {
                Requirement::Required => "required",
                Requirement::Undecided => "undecided",
                Requirement::NotRequired => "not_required",
            }
            .to_string(),
            state: r.state.as_str().to_string(),
            version: r.version,
            can_edit: r.can_edit,
            provider: r.provider_label.clone(),
            accept: accept_of(&r.doc).iter().map(|k| k.as_str().to_string()).collect(),
            max_mb: max_bytes(&r.doc) / 1024 / 1024,
            stand_in: r.stand_in.clone(),
            files: r.files.iter().map(MaterialFileDto::from).collect(),
            earlier: r.earlier.iter().map(MaterialFileDto::from).collect(),
        }
    }
}

async fn rows(state: &AppState, user: &ApiUser, id: i64) -> Result<Vec<MaterialRow>, ApiError> {
    let p: Project = state.store.read(user.who(state), id).await?;
    Ok(state.store.materials_of(user.who(state), &p).await?)
}

/// The materials of a project's path, stage by stage, each with its state and files.
#[utoipa::path(get, path = "/api/v1/projects/{id}/materials", tag = "materials", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<MaterialDto>), (status = 404, body = ApiErrorBody)))]
pub async fn list_materials(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<Vec<MaterialDto>>, ApiError> {
    Ok(Json(rows(&state, &user, id).await?.iter().map(MaterialDto::from).collect()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// The file's name as the user knows it (its type is told by its content).
    name: Option<String>,
    /// `true` to mark the material complete (已完成) with this file; otherwise it stays in
    /// progress (进行中).
    complete: Option<bool>,
    /// A current file of the material this one replaces (it stays readable as an earlier
    /// version).
    replaces: Option<i64>,
}

/// Adds a file to a material: the raw request body, streamed, at most the material's
/// `max_mb`. Refused with 422 and the material's name when its content is not a type the
/// material takes, empty, too large or a zip bomb; 409 when the material is not the caller's
/// to hand in now.
#[utoipa::path(post, path = "/api/v1/projects/{id}/materials/{material}/files", tag = "materials",
    params(("id" = i64, Path), ("material" = String, Path), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 201, body = MaterialDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn upload_file(
    State(state): State<AppState>, user: ApiUser, Path((id, material)): Path<(i64, String)>,
    Query(q): Query<UploadParams>, body: Body,
) -> Result<(StatusCode, Json<MaterialDto>), ApiError> {
    let doc = state.store.may_upload(user.who(&state), id, &material).await?;
    let form = super::upload::UploadForm {
        file_name: q.name.unwrap_or_default(),
        complete: q.complete.unwrap_or(false),
        replaces: q.replaces,
    };
    let changed = super::upload::receive_and_add(
        &state,
        user.who(&state),
        id,
        &material,
        body.into_data_stream(),
        &form,
        &doc,
    )
    .await?;
    let rows = state.store.materials_of(user.who(&state), &changed.record).await?;
    let row = rows.iter().find(|r| r.doc.id == material).ok_or(DomainError::NotFound)?;
    Ok((StatusCode::CREATED, Json(MaterialDto::from(row))))
}

/// Takes a file out of its material; it stays readable as an earlier version.
#[utoipa::path(delete, path = "/api/v1/projects/{id}/materials/{material}/files/{file_id}", tag = "materials",
    params(("id" = i64, Path), ("material" = String, Path), ("file_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn remove_file(
    State(state): State<AppState>, user: ApiUser,
    Path((id, material, file_id)): Path<(i64, String, i64)>,
) -> Result<StatusCode, ApiError> {
    let step = RemoveFile { material: &material, file_id, said: Default::default() };
    state.store.run(user.who(&state), Target::any_version(id), &step).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct MarkInput {
    /// `true`: 已完成; `false`: back to 进行中.
    complete: bool,
    /// The material's version as last read.
    version: i64,
}

/// Marks a material complete (已完成) or back in progress, at the version last read (409
/// `stale_version` when its files changed since).
#[utoipa::path(put, path = "/api/v1/projects/{id}/materials/{material}/mark", tag = "materials",
    params(("id" = i64, Path), ("material" = String, Path)), request_body = MarkInput, security(("bearer" = [])),
    responses((status = 200, body = MaterialDto), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn mark_material(
    State(state): State<AppState>, user: ApiUser, Path((id, material)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<MaterialDto>, ApiError> {
    let m = object(&body)?;
    let complete = match m.get("complete") {
        Some(Value::Bool(b)) => *b,
        _ => return Err(DomainError::invalid("complete", "complete 应为 true 或 false").into()),
    };
    let Some(version) = m.get("version").and_then(Value::as_i64) else {
        return Err(DomainError::invalid("version", "缺少版本号 version").into());
    };
    let step = MarkMaterial { material: &material, complete, version, said: Default::default() };
    let changed = state.store.run(user.who(&state), Target::any_version(id), &step).await?;
    let rows = state.store.materials_of(user.who(&state), &changed.record).await?;
    let row = rows.iter().find(|r| r.doc.id == material).ok_or(DomainError::NotFound)?;
    Ok(Json(MaterialDto::from(row)))
}

/// A material's file, streamed, with its SM3 digest in `X-Govit-SM3`; 404 outside the
/// caller's data scope.
#[utoipa::path(get, path = "/api/v1/material-files/{file_id}", tag = "materials", params(("file_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ApiErrorBody)))]
pub async fn download_file(
    State(state): State<AppState>, user: ApiUser, Path(file_id): Path<i64>,
) -> Result<Response, ApiError> {
    let f = state.store.material_file(user.who(&state), file_id).await?;
    Ok(super::download(&state, &f).await?.into_response())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_materials))
        .routes(routes!(upload_file))
        .routes(routes!(remove_file))
        .routes(routes!(mark_material))
        .routes(routes!(download_file))
}
