//! The organization over the API: read the jurisdiction's tree, firms and experts; its
//! administrators add to them (a department tree from a sheet too); the platform's
//! administrators create jurisdictions.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::input::{FromFields, Upload};
use crate::shell::json_body::object;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use govit_core::DomainError;
use govit_core::org::forms::{DepartmentForm, ExpertForm, FirmForm, JurisdictionForm};
use govit_storage::accounts::generate_password_for;
use govit_storage::org::setup::TreeImport;
use govit_storage::org::{Department, Expert};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Serialize, ToSchema)]
pub struct JurisdictionDto {
    id: i64,
    code: String,
    name: String,
    /// The profile (管理办法) the jurisdiction runs under.
    profile_id: String,
}

impl From<govit_storage::org::Jurisdiction> for JurisdictionDto {
    fn from(j: govit_storage::org::Jurisdiction) -> Self {
        JurisdictionDto { id: j.id.0, code: j.code, name: j.name, profile_id: j.profile_id }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentDto {
    id: i64,
    code: String,
    name: String,
    parent_id: Option<i64>,
    /// 0 for a root.
    depth: usize,
    /// Party kind codes (`authority`, `finance` …).
    party_kinds: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FirmDto {
    id: i64,
    /// `contractor`, `supervisor`, `tester` or `consultant`
    kind: String,
    kind_label: String,
    name: String,
    credit_code: String,
    /// On the blacklist: cannot be contracted.
    blacklisted: bool,
    blacklist_reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExpertDto {
    id: i64,
    name: String,
    employer: String,
    /// Comma-separated.
    fields: String,
    title: String,
    /// Comma-separated.
    conflicts: String,
    blacklisted: bool,
    blacklist_reason: String,
}

impl From<Department> for DepartmentDto {
    fn from(d: Department) -> Self {
        DepartmentDto {
            id: d.id.0,
            depth: d.depth(),
            parent_id: d.parent_id.map(|p| p.0),
            party_kinds: d.party_kinds.iter().map(|k| k.as_str().to_string()).collect(),
            code: d.code,
            name: d.name,
        }
    }
}

impl From<Expert> for ExpertDto {
    fn from(e: Expert) -> Self {
        ExpertDto {
            id: e.id,
            name: e.name,
            employer: e.employer,
            fields: e.fields,
            title: e.title,
            conflicts: e.conflicts,
            blacklisted: e.blacklisted,
            blacklist_reason: e.blacklist_reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrgDto {
    jurisdiction: JurisdictionDto,
    /// Depth-first, parents before children.
    departments: Vec<DepartmentDto>,
    firms: Vec<FirmDto>,
    experts: Vec<ExpertDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedDto {
    id: i64,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct DepartmentInput {
    /// Letters, digits, `-` and `_`; unique in the jurisdiction.
    code: String,
    name: String,
    /// The parent's code; none for a root.
    parent: Option<String>,
    /// Party kind codes or names.
    party_kinds: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct FirmInput {
    /// `contractor`, `supervisor`, `tester` or `consultant` (or its name)
    kind: String,
    name: String,
    /// 统一社会信用代码 (18 characters), optional.
    credit_code: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ExpertInput {
    name: String,
    employer: Option<String>,
    /// Comma-separated, or an array.
    fields: Option<String>,
    /// 职称.
    title: Option<String>,
    /// Units they declared a conflict with: comma-separated, or an array.
    conflicts: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct BlacklistInput {
    /// true: on the blacklist (not drawn); false: off it.
    blacklisted: bool,
    /// Required when putting on.
    reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct JurisdictionInput {
    code: String,
    name: String,
    profile_id: String,
    /// The first administrator's login; with `admin_name`, the account is created with a
    /// generated initial password, returned once.
    admin_login: Option<String>,
    admin_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JurisdictionCreatedDto {
    id: i64,
    code: String,
    admin_login: Option<String>,
    /// Shown this once; to be changed at first login.
    admin_password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TreeImportDto {
    /// False when only checked, or refused.
    written: bool,
    /// The departments read, parents first (none when refused).
    departments: Vec<DepartmentRowDto>,
    /// Every problem by row; nothing is written when there is one.
    problems: Vec<SheetProblemDto>,
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentRowDto {
    code: String,
    name: String,
    parent: Option<String>,
    party_kinds: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SheetProblemDto {
    /// The row as Excel numbers it.
    row: usize,
    message: String,
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// Only check the sheet; write nothing.
    #[serde(default)]
    dry_run: bool,
}

/// The caller's jurisdiction: its department tree with party kinds, firms and experts.
#[utoipa::path(get, path = "/api/v1/org", tag = "org", security(("bearer" = [])),
    responses((status = 200, body = OrgDto)))]
pub async fn get_org(
    State(state): State<AppState>, user: ApiUser,
) -> Result<Json<OrgDto>, ApiError> {
    let org = state.store.organization(user.principal.jurisdiction_id).await?;
    Ok(Json(OrgDto {
        jurisdiction: org.jurisdiction.into(),
        departments: org.departments.into_iter().map(Into::into).collect(),
        firms: org
            .firms
            .into_iter()
            .map(|f| FirmDto {
                id: f.id,
                kind: f.kind.as_str().into(),
                kind_label: f.kind.label().into(),
                name: f.name,
                credit_code: f.credit_code,
                blacklisted: f.blacklisted,
                blacklist_reason: f.blacklist_reason,
            })
            .collect(),
        experts: org.experts.into_iter().map(Into::into).collect(),
    }))
}

/// Adds a department under the parent of that code (the jurisdiction's administrators).
#[utoipa::path(post, path = "/api/v1/org/departments", tag = "org", request_body = DepartmentInput,
    security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_department(
    State(state): State<AppState>, user: ApiUser, body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let form = DepartmentForm::from_body(&body)?;
    let d = form.parse().map_err(DomainError::Invalid)?;
    let id =
        state.store.add_department(user.who(&state), user.principal.jurisdiction_id, &d).await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: id.0 })))
}

/// Imports a department tree from an .xlsx (部门编码, 部门名称, 上级部门编码, 职能): every
/// row or none; the problems are listed by row.
#[utoipa::path(post, path = "/api/v1/org/departments/import", tag = "org", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    security(("bearer" = [])),
    responses((status = 200, body = TreeImportDto), (status = 403, body = ApiErrorBody),
        (status = 413, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn import_departments(
    State(state): State<AppState>, user: ApiUser, Query(params): Query<ImportParams>,
    Upload(body): Upload,
) -> Result<Json<TreeImportDto>, ApiError> {
    let cells =
        crate::shell::sheet::read_xlsx(&body).map_err(|m| DomainError::invalid("file", m))?;
    let (who, j) = (user.who(&state), user.principal.jurisdiction_id);
    let done = state.store.import_departments(who, j, &cells, !params.dry_run).await?;
    Ok(Json(match done {
        TreeImport::Done(rows) => TreeImportDto {
            written: !params.dry_run,
            departments: rows
                .into_iter()
                .map(|d| DepartmentRowDto {
                    party_kinds: d.party_kinds.iter().map(|k| k.as_str().to_string()).collect(),
                    code: d.code,
                    name: d.name,
                    parent: d.parent,
                })
                .collect(),
            problems: vec![],
        },
        TreeImport::Refused(problems) => TreeImportDto {
            written: false,
            departments: vec![],
            problems: problems
                .into_iter()
                .map(|p| SheetProblemDto { row: p.row, message: p.message })
                .collect(),
        },
    }))
}

/// Registers a firm (the jurisdiction's administrators).
#[utoipa::path(post, path = "/api/v1/org/firms", tag = "org", request_body = FirmInput,
    security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_firm(
    State(state): State<AppState>, user: ApiUser, body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let f = FirmForm::from_body(&body)?.parse().map_err(DomainError::Invalid)?;
    let id = state.store.add_firm(user.who(&state), user.principal.jurisdiction_id, &f).await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// Registers a review expert (the jurisdiction's administrators).
#[utoipa::path(post, path = "/api/v1/org/experts", tag = "org", request_body = ExpertInput,
    security(("bearer" = [])),
    responses((status = 201, body = CreatedDto), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_expert(
    State(state): State<AppState>, user: ApiUser, body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let x = ExpertForm::from_body(&body)?.parse().map_err(DomainError::Invalid)?;
    let id = state.store.add_expert(user.who(&state), user.principal.jurisdiction_id, &x).await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// Puts an expert of the caller's jurisdiction on the blacklist, or takes them off it (its
/// administrators): a blacklisted expert is not drawn for a panel.
#[utoipa::path(post, path = "/api/v1/org/experts/{id}/blacklist", tag = "org",
    params(("id" = i64, Path)), request_body = BlacklistInput, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
pub async fn blacklist_expert(
    State(state): State<AppState>, user: ApiUser,
    axum::extract::Path(id): axum::extract::Path<i64>, body: Bytes,
) -> Result<StatusCode, ApiError> {
    let (on, reason) = blacklist_body(&body)?;
    let j = user.principal.jurisdiction_id;
    state.store.blacklist_expert(user.who(&state), j, id, on, &reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Puts a firm of the caller's jurisdiction on the blacklist, or takes it off (its
/// administrators): a blacklisted firm cannot be contracted.
#[utoipa::path(post, path = "/api/v1/org/firms/{id}/blacklist", tag = "org",
    params(("id" = i64, Path)), request_body = BlacklistInput, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
pub async fn blacklist_firm(
    State(state): State<AppState>, user: ApiUser,
    axum::extract::Path(id): axum::extract::Path<i64>, body: Bytes,
) -> Result<StatusCode, ApiError> {
    let (on, reason) = blacklist_body(&body)?;
    let j = user.principal.jurisdiction_id;
    state.store.blacklist_firm(user.who(&state), j, id, on, &reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A blacklist body: `blacklisted` and, when putting on, the `reason`.
fn blacklist_body(body: &Bytes) -> Result<(bool, String), ApiError> {
    let m = crate::shell::json_body::object(body)?;
    let on = match m.get("blacklisted") {
        Some(serde_json::Value::Bool(b)) => *b,
        _ => {
            return Err(
                DomainError::invalid("blacklisted", "blacklisted 应为 true 或 false").into()
            );
        }
    };
    let reason = match m.get("reason") {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(_) => return Err(DomainError::invalid("reason", "reason 应为文本").into()),
    };
    Ok((on, reason))
}

/// Every jurisdiction (platform administrators only).
#[utoipa::path(get, path = "/api/v1/jurisdictions", tag = "org", security(("bearer" = [])),
    responses((status = 200, body = Vec<JurisdictionDto>), (status = 403, body = ApiErrorBody)))]
pub async fn list_jurisdictions(
    State(state): State<AppState>, user: ApiUser,
) -> Result<Json<Vec<JurisdictionDto>>, ApiError> {
    if !user.principal.runs_platform() {
        return Err(DomainError::Forbidden("只有平台管理员可以管理辖区".into()).into());
    }
    Ok(Json(state.store.jurisdictions().await?.into_iter().map(Into::into).collect()))
}

/// Creates a jurisdiction under a profile in force, with its first administrator when
/// `admin_login` and `admin_name` are given (platform administrators only).
#[utoipa::path(post, path = "/api/v1/jurisdictions", tag = "org", request_body = JurisdictionInput,
    security(("bearer" = [])),
    responses((status = 201, body = JurisdictionCreatedDto), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create_jurisdiction(
    State(state): State<AppState>, user: ApiUser, body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let m = object(&body)?;
    let form = JurisdictionForm::from_json(&m)?;
    let text = |k: &str| m.get(k).and_then(|v| v.as_str()).unwrap_or_default().trim().to_string();
    let (login, name) = (text("admin_login"), text("admin_name"));
    let j = form.parse().map_err(DomainError::Invalid)?;
    let admin = if login.is_empty() && name.is_empty() {
        None
    } else {
        let password = generate_password_for(&login);
        let u = super::jurisdictions::first_admin(&login, &name, password.clone())
            .map_err(DomainError::Invalid)?;
        Some((u, password))
    };
    let (user_to_create, password) = match admin {
        Some((u, p)) => (Some(u), Some(p)),
        None => (None, None),
    };
    let created = state.store.add_jurisdiction(user.who(&state), &j, user_to_create).await;
    let (id, admin_id) = match created {
        Ok(x) => x,
        Err(govit_storage::StoreError::Domain(DomainError::Invalid(e))) => {
            return Err(DomainError::Invalid(super::jurisdictions::admin_fields(e)).into());
        }
        Err(e) => return Err(e.into()),
    };
    Ok((
        StatusCode::CREATED,
        Json(JurisdictionCreatedDto {
            id: id.0,
            code: j.code,
            admin_login: admin_id.map(|_| login),
            admin_password: admin_id.and(password),
        }),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_org))
        .routes(routes!(add_department))
        .routes(routes!(import_departments))
        .routes(routes!(add_firm))
        .routes(routes!(add_expert))
        .routes(routes!(blacklist_expert))
        .routes(routes!(blacklist_firm))
        .routes(routes!(list_jurisdictions, create_jurisdiction))
}
