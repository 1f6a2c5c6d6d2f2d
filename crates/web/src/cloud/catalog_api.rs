//! The cloud catalog and project cloud services over the API.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::input::{VersionOnly, Versioned};
use crate::shell::json_body::{Fields, int_field, object, version_field};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use govit_core::DomainError;
use govit_core::cloud::{
    CatalogDecision, CloudServiceForm, ServiceCategory, overlap_notice, service_field_label,
};
use govit_core::ids::ProjectId;
use govit_core::org::Role;
use govit_core::policy::Provision;
use govit_storage::Target;
use govit_storage::cloud::CloudLink;
use govit_storage::cloud::catalog_steps;
use govit_storage::cloud::catalog_steps::EditService;
use govit_storage::cloud::catalog_steps::ServiceChange;
use govit_storage::cloud::catalog_steps::StartDraft;
use govit_storage::cloud::{CatalogVersion, ProjectCloudLink, ServiceFilter, ServiceRecord};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A version of the catalog.
#[derive(Serialize, ToSchema)]
pub struct CatalogVersionDto {
    id: i64,
    version_no: i64,
    /// `draft`, `submitted`, `published`, `superseded` or `returned`
    status: String,
    status_label: String,
    note: String,
    drafted_by: String,
    created_at_ms: i64,
    submitted_at_ms: Option<i64>,
    decided_by: Option<String>,
    decided_at_ms: Option<i64>,
    /// The authority's opinion, or its reason for returning the version.
    decision_note: String,
    published_at_ms: Option<i64>,
    service_count: i64,
    /// Send this back with the next change to the version or its items; stale gets 409.
    version: i64,
}

impl From<CatalogVersion> for CatalogVersionDto {
    fn from(v: CatalogVersion) -> Self {
        CatalogVersionDto {
            id: v.id,
            version_no: v.version_no,
            status: v.status.as_str().into(),
            status_label: v.status.label().into(),
            note: v.note,
            drafted_by: v.drafted_by_name,
            created_at_ms: v.created_at_ms,
            submitted_at_ms: v.submitted_at_ms,
            decided_by: v.decided_by_name,
            decided_at_ms: v.decided_at_ms,
            decision_note: v.decision_note,
            published_at_ms: v.published_at_ms,
            service_count: v.service_count,
            version: v.version,
        }
    }
}

/// An item of the catalog: an item of the API's answers and a row of the page.
#[derive(Serialize, ToSchema)]
pub struct CloudServiceDto {
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) name: String,
    /// gov_cloud, extranet, video, iot, blockchain, ai_model, identity, base_database, other
    pub(crate) category: String,
    pub(crate) category_label: String,
    pub(crate) description: String,
    pub(crate) provider: String,
    pub(crate) unit: String,
    /// Common infrastructure or support capability (lhasa:8).
    pub(crate) is_common: bool,
    pub(crate) keywords: Vec<String>,
}

impl From<ServiceRecord> for CloudServiceDto {
    fn from(r: ServiceRecord) -> Self {
        let s = r.service;
        CloudServiceDto {
            id: r.id,
            category: s.category.as_str().into(),
            category_label: s.category.label().into(),
            code: s.code,
            name: s.name,
            description: s.description,
            provider: s.provider,
            unit: s.unit,
            is_common: s.is_common,
            keywords: s.keywords,
        }
    }
}

/// A version with its items.
#[derive(Serialize, ToSchema)]
pub struct CatalogDto {
    catalog: CatalogVersionDto,
    services: Vec<CloudServiceDto>,
}

/// An item as sent: every field a string (codes or Chinese labels); `is_common` as
/// `true`/`false`, `1`/`0` or 是/否; `keywords` comma-separated or an array.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CloudServiceInput {
    /// The catalog version's `version`.
    version: i64,
    code: String,
    name: String,
    category: String,
    description: Option<String>,
    provider: Option<String>,
    unit: Option<String>,
    is_common: Option<bool>,
    keywords: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct VersionInput {
    version: i64,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct DraftInput {
    note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CatalogDecisionInput {
    version: i64,
    /// `approve` (publish) or `return`
    decision: String,
    /// Required when returning.
    reason: Option<String>,
}

fn filter_of(q: &HashMap<String, String>) -> ServiceFilter {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    ServiceFilter {
        keyword: get("q").chars().take(100).collect(),
        category: ServiceCategory::parse(&get("category")),
        common_only: get("common") == "1" || get("common") == "true",
    }
}

pub async fn catalog_dto(
    state: &AppState, user: &ApiUser, id: i64, filter: &ServiceFilter,
) -> Result<CatalogDto, ApiError> {
    let v = state.store.read::<CatalogVersion>(user.who(state), id).await?;
    let services = state.store.cloud_services(v.id, filter).await?;
    Ok(CatalogDto {
        catalog: v.into(),
        services: services.into_iter().map(CloudServiceDto::from).collect(),
    })
}

/// The published catalog with its items. Filters: `q`, `category`, `common=1`.
#[utoipa::path(get, path = "/api/v1/cloud/catalog", tag = "cloud", security(("bearer" = [])),
    params(("q" = Option<String>, Query), ("category" = Option<String>, Query), ("common" = Option<String>, Query)),
    responses((status = 200, body = CatalogDto), (status = 404, body = ApiErrorBody)))]
pub async fn current_catalog(
    State(state): State<AppState>, user: ApiUser, Query(q): Query<HashMap<String, String>>,
) -> Result<Json<CatalogDto>, ApiError> {
    let v = state
        .store
        .current_cloud_catalog(user.principal.jurisdiction_id)
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok(Json(catalog_dto(&state, &user, v.id, &filter_of(&q)).await?))
}

/// Every version the caller may see, newest first: published and superseded ones for all,
/// drafts for the data center, submitted and returned ones also for reviewers.
#[utoipa::path(get, path = "/api/v1/cloud/versions", tag = "cloud", security(("bearer" = [])),
    responses((status = 200, body = Vec<CatalogVersionDto>)))]
pub async fn list_versions(
    State(state): State<AppState>, user: ApiUser,
) -> Result<Json<Vec<CatalogVersionDto>>, ApiError> {
    Ok(Json(
        state
            .store
            .cloud_catalog_versions(&user.principal)
            .await?
            .into_iter()
            .map(CatalogVersionDto::from)
            .collect(),
    ))
}

/// Starts the next version as a copy of the published one (the data center's clerks; one
/// open version at a time, else 409).
#[utoipa::path(post, path = "/api/v1/cloud/versions", tag = "cloud", request_body = DraftInput, security(("bearer" = [])),
    responses((status = 201, body = CatalogDto), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn start_draft(
    State(state): State<AppState>, user: ApiUser, body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let m = if body.is_empty() { Map::new() } else { object(&body)? };
    let mut f = Fields::new(&m, service_field_label).with_booleans();
    let note = f.get("note");
    f.done(())?;
    let v = state.store.run(user.who(&state), Target::New, &StartDraft { note: &note }).await?;
    Ok((
        StatusCode::CREATED,
        Json(catalog_dto(&state, &user, v.record.id, &ServiceFilter::default()).await?),
    ))
}

/// One version with its items; 404 when the caller may not see it.
#[utoipa::path(get, path = "/api/v1/cloud/versions/{id}", tag = "cloud", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = CatalogDto), (status = 404, body = ApiErrorBody)))]
pub async fn get_version(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<CatalogDto>, ApiError> {
    Ok(Json(catalog_dto(&state, &user, id, &filter_of(&q)).await?))
}

/// Adds an item to a draft or returned version.
#[utoipa::path(post, path = "/api/v1/cloud/versions/{id}/services", tag = "cloud", params(("id" = i64, Path)),
    request_body = CloudServiceInput, security(("bearer" = [])),
    responses((status = 201, body = CatalogDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_service(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
    Versioned(version, form): Versioned<CloudServiceForm>,
) -> Result<impl IntoResponse, ApiError> {
    state
        .store
        .run(user.who(&state), Target::at(id, version), &EditService(ServiceChange::Add(&form)))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(catalog_dto(&state, &user, id, &ServiceFilter::default()).await?),
    ))
}

/// Replaces an item of a draft or returned version (`version` is the catalog version's).
#[utoipa::path(put, path = "/api/v1/cloud/services/{id}", tag = "cloud", params(("id" = i64, Path)),
    request_body = CloudServiceInput, security(("bearer" = [])),
    responses((status = 200, body = CatalogDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update_service(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
    Versioned(version, form): Versioned<CloudServiceForm>,
) -> Result<Json<CatalogDto>, ApiError> {
    let s = state.store.update_cloud_service(user.who(&state), id, version, &form).await?;
    Ok(Json(catalog_dto(&state, &user, s.record.id, &ServiceFilter::default()).await?))
}

/// Removes an item of a draft or returned version; `version` (query) is the catalog
/// version's.
#[utoipa::path(delete, path = "/api/v1/cloud/services/{id}", tag = "cloud", params(("id" = i64, Path), ("version" = i64, Query)),
    security(("bearer" = [])),
    responses((status = 200, body = CatalogDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody)))]
pub async fn remove_service(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<CatalogDto>, ApiError> {
    let mut m = Map::new();
    if let Some(v) = q.get("version") {
        m.insert("version".into(), Value::String(v.clone()));
    }
    let version = version_field(&m)?;
    let v = state.store.remove_cloud_service(user.who(&state), id, version).await?;
    Ok(Json(catalog_dto(&state, &user, v.record.id, &ServiceFilter::default()).await?))
}

/// Sends a draft or returned version to the authority.
#[utoipa::path(post, path = "/api/v1/cloud/versions/{id}/submit", tag = "cloud", params(("id" = i64, Path)),
    request_body = VersionInput, security(("bearer" = [])),
    responses((status = 200, body = CatalogVersionDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody)))]
pub async fn submit_version(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
    VersionOnly(version): VersionOnly,
) -> Result<Json<CatalogVersionDto>, ApiError> {
    Ok(Json(
        state
            .store
            .run(user.who(&state), Target::at(id, version), &catalog_steps::Submit)
            .await?
            .record
            .into(),
    ))
}

/// The authority publishes a submitted version (the published one becomes superseded) or
/// returns it with a reason.
#[utoipa::path(post, path = "/api/v1/cloud/versions/{id}/decision", tag = "cloud", params(("id" = i64, Path)),
    request_body = CatalogDecisionInput, security(("bearer" = [])),
    responses((status = 200, body = CatalogVersionDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn decide_version(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<CatalogVersionDto>, ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let mut f = Fields::new(&m, service_field_label).with_booleans();
    let (decision, reason) = (f.get("decision"), f.get("reason"));
    f.done(())?;
    let d = CatalogDecision::parse(&decision, &reason).map_err(DomainError::Invalid)?;
    Ok(Json(
        state
            .store
            .run(user.who(&state), Target::at(id, version), &catalog_steps::Decide(&d))
            .await?
            .record
            .into(),
    ))
}

/// A cloud service a project will use.
#[derive(Serialize, ToSchema)]
pub struct ProjectCloudServiceDto {
    service_id: i64,
    code: String,
    name: String,
    category: String,
    is_common: bool,
    /// The catalog version it was chosen from.
    catalog_version_no: i64,
    note: String,
    created_by: String,
    created_at_ms: i64,
}

impl From<ProjectCloudLink> for ProjectCloudServiceDto {
    fn from(l: ProjectCloudLink) -> Self {
        ProjectCloudServiceDto {
            service_id: l.service_id,
            code: l.code,
            name: l.name,
            category: l.category.as_str().into(),
            is_common: l.is_common,
            catalog_version_no: l.catalog_version_no,
            note: l.note,
            created_by: l.created_by_name,
            created_at_ms: l.created_at_ms,
        }
    }
}

fn links(list: Vec<ProjectCloudLink>) -> Vec<ProjectCloudServiceDto> {
    list.into_iter().map(ProjectCloudServiceDto::from).collect()
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CloudLinkInput {
    /// A service of the published catalog.
    service_id: i64,
    note: Option<String>,
}

/// The cloud services a project names.
#[utoipa::path(get, path = "/api/v1/projects/{id}/cloud-services", tag = "cloud", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<ProjectCloudServiceDto>), (status = 404, body = ApiErrorBody)))]
pub async fn project_cloud_services(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<Vec<ProjectCloudServiceDto>>, ApiError> {
    Ok(Json(links(state.store.project_cloud_links(user.who(&state), ProjectId(id)).await?)))
}

/// The owner unit's clerk names a published service the project will use (draft or
/// returned projects only).
#[utoipa::path(post, path = "/api/v1/projects/{id}/cloud-services", tag = "cloud", params(("id" = i64, Path)),
    request_body = CloudLinkInput, security(("bearer" = [])),
    responses((status = 201, body = Vec<ProjectCloudServiceDto>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn link_cloud_service(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let m = object(&body)?;
    let service_id = int_field(&m, "service_id", "请提供要使用的政务云服务 service_id")?;
    let mut f = Fields::new(&m, service_field_label).with_booleans();
    let note = f.get("note");
    f.done(())?;
    state
        .store
        .run(
            user.who(&state),
            Target::any_version(id),
            &CloudLink { service_id, note: Some(&note) },
        )
        .await?;
    Ok((StatusCode::CREATED, project_cloud_services(State(state), user, Path(id)).await?))
}

/// Removes a service from a draft or returned project.
#[utoipa::path(delete, path = "/api/v1/projects/{id}/cloud-services/{service_id}", tag = "cloud",
    params(("id" = i64, Path), ("service_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<ProjectCloudServiceDto>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody)))]
pub async fn unlink_cloud_service(
    State(state): State<AppState>, user: ApiUser, Path((id, service_id)): Path<(i64, i64)>,
) -> Result<Json<Vec<ProjectCloudServiceDto>>, ApiError> {
    state
        .store
        .run(user.who(&state), Target::any_version(id), &CloudLink { service_id, note: None })
        .await?;
    project_cloud_services(State(state), user, Path(id)).await
}

#[derive(Serialize, ToSchema)]
pub struct OverlapDto {
    /// The common capability of the published catalog.
    service: String,
    /// The word of the project's name or summary that matched.
    keyword: String,
}

/// The common-capability check of a project (lhasa:8 where the profile has it).
#[derive(Serialize, ToSchema)]
pub struct CommonOverlapsDto {
    overlaps: Vec<OverlapDto>,
    /// 「疑似重复建设共性能力：…（依据 lhasa:8）」, or null.
    message: Option<String>,
    /// The article of the jurisdiction's profile on common capabilities, or null when it has
    /// none (the check is then a hint without a rule).
    citation: Option<String>,
}

/// Common capabilities (lhasa:8) the project's name and summary look like building anew
/// (the authority's reviewers).
#[utoipa::path(get, path = "/api/v1/projects/{id}/common-overlaps", tag = "cloud", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = CommonOverlapsDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn project_common_overlaps(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<CommonOverlapsDto>, ApiError> {
    let list = state.store.project_common_overlaps(user.who(&state), ProjectId(id)).await?;
    if !user.principal.has(Role::Reviewer) {
        return Err(
            DomainError::Forbidden("共性能力重复建设比对供主管部门审核人使用".into()).into()
        );
    }
    let citation = state
        .store
        .basis(user.principal.jurisdiction_id, Provision::CommonCapability)
        .await
        .map(|b| b.cite);
    Ok(Json(CommonOverlapsDto {
        message: overlap_notice(&list, citation.as_deref()),
        citation,
        overlaps: list
            .into_iter()
            .map(|o| OverlapDto { service: o.service, keyword: o.keyword })
            .collect(),
    }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(current_catalog))
        .routes(routes!(list_versions, start_draft))
        .routes(routes!(get_version))
        .routes(routes!(add_service))
        .routes(routes!(update_service, remove_service))
        .routes(routes!(submit_version))
        .routes(routes!(decide_version))
        .routes(routes!(project_cloud_services, link_cloud_service))
        .routes(routes!(unlink_cloud_service))
        .routes(routes!(project_common_overlaps))
}
