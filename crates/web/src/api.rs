//! The JSON API under `/api/v1`. Each handler carries its OpenAPI description, and the router
//! is built from those descriptions (utoipa-axum), so a route cannot exist undocumented.

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiErrorBody, ApiFieldError};
use crate::json_body::{Fields, object, version_field};
use crate::pages::ListQuery;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use govit_core::DomainError;
use govit_core::declaration::DeclarationForm;
use govit_core::ids::ProjectId;
use govit_core::project::Decision;
use govit_storage::Page;
use govit_storage::projects::{Project, ProjectEvent};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
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
        .routes(routes!(me))
        .routes(routes!(my_todo))
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, update_project))
        .routes(routes!(submit_project))
        .routes(routes!(withdraw_project))
        .routes(routes!(decide_project))
        .routes(routes!(project_events))
        .routes(routes!(record_project_event))
        .routes(routes!(project_obligations))
        .routes(routes!(waive_obligation))
        .routes(routes!(list_obligations))
        .routes(routes!(list_policies))
        .routes(routes!(get_policy))
        .routes(routes!(calendar_month))
        .routes(routes!(list_systems, create_system))
        .routes(routes!(get_system, update_system))
        .routes(routes!(system_history))
        .routes({
            let (schemas, paths, method) = routes!(import_systems);
            let limit = axum::extract::DefaultBodyLimit::max(crate::auth::MAX_UPLOAD_BYTES);
            (schemas, paths, method.layer(limit))
        })
        .routes(routes!(project_similar))
        .routes(routes!(project_systems, link_project_system))
        .routes(routes!(unlink_project_system))
        .routes(routes!(project_gates))
        .routes(routes!(search))
        .routes(routes!(set_project_fact))
        .merge(crate::cloud_api::router())
}

/// The OpenAPI document of the whole API.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| router().into_openapi())
}

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3 文档")))]
async fn openapi_json() -> impl IntoResponse {
    Json(openapi().clone())
}

#[derive(Serialize, ToSchema)]
struct Me {
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
async fn me(user: ApiUser) -> Json<Me> {
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

/// What waits on the caller: the numbers of the 待办 badges.
#[derive(Serialize, ToSchema)]
struct TodoDto {
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
    /// Cloud-service catalog versions awaiting publication (the authority, gaoping:12).
    catalog_to_publish: i64,
    /// Catalog versions returned to the data center.
    catalog_returned: i64,
    /// Negative-list requests awaiting a decision (the authority, gaoping:11).
    negative_to_decide: i64,
}

/// What waits on the caller, as counted in the web UI's 待办 badges.
#[utoipa::path(get, path = "/api/v1/me/todo", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = TodoDto), (status = 401, body = ApiErrorBody)))]
async fn my_todo(State(state): State<AppState>, user: ApiUser) -> Result<Json<TodoDto>, ApiError> {
    let c = state.store.todo_counts(&user.principal).await?;
    Ok(Json(TodoDto {
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

/// A project as the API shows it. Amounts are given in 万元 as exact decimal strings and in
/// yuan as integers.
#[derive(Serialize, ToSchema)]
pub struct ProjectDto {
    id: i64,
    status: String,
    status_label: String,
    owner_department_id: i64,
    owner_department: String,
    name: String,
    summary: String,
    /// `YYYY-MM`
    period_start: String,
    /// `YYYY-MM`
    period_end: String,
    /// 「2025年01月至2025年12月」
    period: String,
    investment_wan: String,
    investment_yuan: i64,
    fiscal_funds_wan: String,
    bank_loan_wan: String,
    self_raised_wan: String,
    other_funds_wan: String,
    leader: String,
    contact: String,
    phone: String,
    email: String,
    remarks: String,
    created_by: String,
    created_at_ms: i64,
    updated_at_ms: i64,
    submitted_at_ms: Option<i64>,
    /// Send this back with the next change; a stale version gets 409.
    version: i64,
}

impl From<Project> for ProjectDto {
    fn from(p: Project) -> Self {
        let d = p.declaration;
        ProjectDto {
            id: p.id.0,
            status: p.status.as_str().into(),
            status_label: p.status.label().into(),
            owner_department_id: p.owner_department_id.0,
            owner_department: p.owner_department,
            period_start: d.period.start.iso(),
            period_end: d.period.end.iso(),
            period: d.period.to_string(),
            investment_wan: d.investment.to_wan_string(),
            investment_yuan: d.investment.0,
            fiscal_funds_wan: d.sources.fiscal.to_wan_string(),
            bank_loan_wan: d.sources.bank_loan.to_wan_string(),
            self_raised_wan: d.sources.self_raised.to_wan_string(),
            other_funds_wan: d.sources.other.to_wan_string(),
            name: d.name,
            summary: d.summary,
            leader: d.leader,
            contact: d.contact,
            phone: d.phone.as_str().into(),
            email: d.email.as_str().into(),
            remarks: d.remarks,
            created_by: p.created_by_name,
            created_at_ms: p.created_at_ms,
            updated_at_ms: p.updated_at_ms,
            submitted_at_ms: p.submitted_at_ms,
            version: p.version,
        }
    }
}

/// The declaration form (yeji annex 1). Amounts are in 万元 with at most four decimals, as
/// strings (`"120.5"`) or integers; empty fund sources count as zero.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ProjectInput {
    /// Required when updating: the version last read.
    version: Option<i64>,
    name: String,
    /// At most 200 characters (yeji annex 1).
    summary: String,
    /// `YYYY-MM` or `YYYY年MM月`
    period_start: String,
    period_end: String,
    investment: String,
    fiscal_funds: Option<String>,
    bank_loan: Option<String>,
    self_raised: Option<String>,
    other_funds: Option<String>,
    leader: String,
    contact: String,
    phone: String,
    email: String,
    remarks: Option<String>,
}

/// The declaration fields of a JSON body (text or numbers).
fn declaration_from(m: &Map<String, Value>) -> Result<DeclarationForm, ApiError> {
    let mut f = Fields::new(m, govit_core::declaration::field_label);
    let form = DeclarationForm {
        name: f.get("name"),
        summary: f.get("summary"),
        period_start: f.get("period_start"),
        period_end: f.get("period_end"),
        investment: f.get("investment"),
        fiscal_funds: f.get("fiscal_funds"),
        bank_loan: f.get("bank_loan"),
        self_raised: f.get("self_raised"),
        other_funds: f.get("other_funds"),
        leader: f.get("leader"),
        contact: f.get("contact"),
        phone: f.get("phone"),
        email: f.get("email"),
        remarks: f.get("remarks"),
    };
    f.done(form)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ListParams {
    /// Keyword in the name or summary.
    q: Option<String>,
    /// `draft`, `submitted`, `returned` or `approved`.
    status: Option<String>,
    /// A department id: that department and those below it.
    dept: Option<i64>,
    /// 1-based page number.
    page: Option<i64>,
    /// Page size, at most 200 (default 20).
    page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct ProjectList {
    items: Vec<ProjectDto>,
    total: i64,
    page: i64,
    page_size: i64,
}

/// Projects within the caller's data scope.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = ProjectList), (status = 401, body = ApiErrorBody)))]
async fn list_projects(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<ProjectList>, ApiError> {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let lq = ListQuery {
        q: get("q"),
        status: get("status"),
        dept: get("dept"),
        page: get("page"),
        done: String::new(),
    };
    if !lq.status.is_empty() && govit_core::project::ProjectStatus::parse(&lq.status).is_none() {
        return Err(DomainError::invalid(
            "status",
            "status 应为 draft、submitted、returned 或 approved",
        )
        .into());
    }
    let size = get("page_size").parse().unwrap_or(20);
    let paged = state
        .store
        .list_projects(&user.principal, &lq.filter(), Page::new(lq.page(), size))
        .await?;
    Ok(Json(ProjectList {
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
        items: paged.items.into_iter().map(ProjectDto::from).collect(),
    }))
}

/// Saves a new draft declaration for the caller's department.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectInput, security(("bearer" = [])),
    responses((status = 201, body = ProjectDto), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn create_project(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let m = object(&body)?;
    let form = declaration_from(&m)?;
    let p = state
        .store
        .create_project(&user.principal, &user.actor(), state.now_ms(), &form)
        .await?;
    state.reindex_project(&p).await;
    Ok((StatusCode::CREATED, Json(ProjectDto::from(p))))
}

/// One project; 404 when it does not exist or lies outside the caller's data scope.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ProjectDto), (status = 404, body = ApiErrorBody)))]
async fn get_project(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ProjectDto>, ApiError> {
    let p = state
        .store
        .project(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
        )
        .await?;
    Ok(Json(p.into()))
}

/// Replaces the declaration of a draft or returned project. `version` is required.
#[utoipa::path(put, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = i64, Path)), request_body = ProjectInput, security(("bearer" = [])),
    responses((status = 200, body = ProjectDto), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn update_project(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<ProjectDto>, ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let form = declaration_from(&m)?;
    let p = state
        .store
        .update_project(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            version,
            &form,
        )
        .await?;
    state.reindex_project(&p).await;
    Ok(Json(p.into()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct VersionInput {
    version: i64,
}

/// Submits a draft or returned declaration to the authority.
#[utoipa::path(post, path = "/api/v1/projects/{id}/submit", tag = "projects", params(("id" = i64, Path)), request_body = VersionInput, security(("bearer" = [])),
    responses((status = 200, body = ProjectDto), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn submit_project(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<ProjectDto>, ApiError> {
    let version = version_field(&object(&body)?)?;
    let p = state
        .store
        .submit_project(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            version,
        )
        .await?;
    Ok(Json(p.into()))
}

/// Withdraws a submitted declaration before it is decided (撤回).
#[utoipa::path(post, path = "/api/v1/projects/{id}/withdraw", tag = "projects", params(("id" = i64, Path)), request_body = VersionInput, security(("bearer" = [])),
    responses((status = 200, body = ProjectDto), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn withdraw_project(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<ProjectDto>, ApiError> {
    let version = version_field(&object(&body)?)?;
    let p = state
        .store
        .withdraw_project(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            version,
        )
        .await?;
    Ok(Json(p.into()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct DecisionInput {
    /// `approve` or `return`
    decision: String,
    /// Required when returning: what the owner unit must change.
    reason: Option<String>,
    version: i64,
}

/// The reviewer's decision on a submitted declaration: approve, or return with a reason.
#[utoipa::path(post, path = "/api/v1/projects/{id}/decision", tag = "projects", params(("id" = i64, Path)), request_body = DecisionInput, security(("bearer" = [])),
    responses((status = 200, body = ProjectDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn decide_project(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<ProjectDto>, ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let decision = Decision::parse(&text("decision"), &text("reason"))?;
    let p = state
        .store
        .decide_project(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            version,
            &decision,
        )
        .await?;
    Ok(Json(p.into()))
}

#[derive(Serialize, ToSchema)]
struct EventDto {
    action: String,
    action_label: String,
    from_status: String,
    to_status: String,
    actor: String,
    actor_department: String,
    at_ms: i64,
    comment: String,
}

impl From<ProjectEvent> for EventDto {
    fn from(e: ProjectEvent) -> Self {
        EventDto {
            action: e.action.as_str().into(),
            action_label: e.action.label().into(),
            from_status: e.from_status.as_str().into(),
            to_status: e.to_status.as_str().into(),
            actor: e.actor_name,
            actor_department: e.actor_department,
            at_ms: e.at_ms,
            comment: e.comment,
        }
    }
}

/// The project's timeline, oldest first.
#[utoipa::path(get, path = "/api/v1/projects/{id}/events", tag = "projects", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<EventDto>), (status = 404, body = ApiErrorBody)))]
async fn project_events(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<EventDto>>, ApiError> {
    let id = ProjectId(id);
    state
        .store
        .project(&user.principal, &user.actor(), state.now_ms(), id)
        .await?;
    let events = state.store.project_events(id).await?;
    Ok(Json(events.into_iter().map(EventDto::from).collect()))
}

#[derive(Serialize, ToSchema)]
struct ObligationDto {
    project_id: i64,
    project_name: String,
    owner_department: String,
    /// Stable key of this occurrence, used to waive it.
    key: String,
    rule_id: String,
    /// The article, e.g. `yeji:15`.
    cite: String,
    duty: String,
    /// The rule's sentence.
    text: String,
    owed_by: String,
    owed_department: String,
    since: String,
    not_before: Option<String>,
    /// `YYYY-MM-DD`; absent when the text sets no time limit.
    due_date: Option<String>,
    /// The due date lies in a year whose holiday schedule is not yet published.
    provisional: bool,
    period: Option<String>,
    /// `pending`, `due_soon`, `overdue`, `fulfilled` or `waived`.
    status: String,
    status_label: String,
    fulfilled_on: Option<String>,
    late: bool,
}

impl From<govit_storage::obligations::ObligationRow> for ObligationDto {
    fn from(o: govit_storage::obligations::ObligationRow) -> Self {
        ObligationDto {
            project_id: o.project_id,
            project_name: o.project_name,
            owner_department: o.owner_department,
            key: o.key,
            rule_id: o.rule_id,
            cite: o.cite,
            duty: o.duty,
            text: o.text,
            owed_by: o.owed_by,
            owed_department: o.owed_department,
            since: o.since,
            not_before: o.not_before,
            due_date: o.due_date,
            provisional: o.provisional,
            period: o.period,
            status: o.status.as_str().into(),
            status_label: o.status.label().into(),
            fulfilled_on: o.fulfilled_on,
            late: o.late,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct EventInput {
    /// An event kind of the policy vocabulary, e.g. `contract_signed`.
    kind: String,
    /// `YYYY-MM-DD`, not in the future.
    date: String,
    note: Option<String>,
}

/// Records an event on a project (contract signed, acceptance passed …); its obligations are
/// recomputed.
#[utoipa::path(post, path = "/api/v1/projects/{id}/events", tag = "obligations", params(("id" = i64, Path)), request_body = EventInput, security(("bearer" = [])),
    responses((status = 201, body = Vec<ObligationDto>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn record_project_event(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let m = object(&body)?;
    let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let kind = govit_core::policy::EventKind::parse(&text("kind"))
        .ok_or_else(|| DomainError::invalid("kind", "kind 应为事件类型，例如 contract_signed"))?;
    let date = chrono::NaiveDate::parse_from_str(text("date").trim(), "%Y-%m-%d")
        .map_err(|_| DomainError::invalid("date", "date 格式应为 YYYY-MM-DD"))?;
    let now = state.now_ms();
    let pid = ProjectId(id);
    state
        .store
        .record_milestone(
            &user.principal,
            &user.actor(),
            now,
            pid,
            kind,
            date,
            text("note").trim(),
        )
        .await?;
    let list = state
        .store
        .project_obligations(&user.principal, &user.actor(), now, pid)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            list.into_iter()
                .map(ObligationDto::from)
                .collect::<Vec<_>>(),
        ),
    ))
}

/// A project's obligations.
#[utoipa::path(get, path = "/api/v1/projects/{id}/obligations", tag = "obligations", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<ObligationDto>), (status = 404, body = ApiErrorBody)))]
async fn project_obligations(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ObligationDto>>, ApiError> {
    let list = state
        .store
        .project_obligations(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
        )
        .await?;
    Ok(Json(list.into_iter().map(ObligationDto::from).collect()))
}

/// A system the project builds, changes or retires.
#[derive(Serialize, ToSchema)]
struct SystemLinkDto {
    id: i64,
    system_name: String,
    /// `build`, `change` or `retire`.
    action: String,
    action_label: String,
    note: String,
    /// The catalog entry of that name, or null when the system is not in the catalog
    /// (gaoping:10: such a project is not approved).
    catalog_system_id: Option<i64>,
}

impl From<govit_storage::project_systems::SystemLink> for SystemLinkDto {
    fn from(l: govit_storage::project_systems::SystemLink) -> Self {
        SystemLinkDto {
            id: l.id,
            system_name: l.system_name,
            action: l.action.as_str().into(),
            action_label: l.action.label().into(),
            note: l.note,
            catalog_system_id: l.catalog.map(|c| c.system_id),
        }
    }
}

/// The systems a project names, each with whether it is in the catalog.
#[utoipa::path(get, path = "/api/v1/projects/{id}/systems", tag = "projects", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<SystemLinkDto>), (status = 404, body = ApiErrorBody)))]
async fn project_systems(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SystemLinkDto>>, ApiError> {
    let links = state
        .store
        .project_systems(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
        )
        .await?;
    Ok(Json(links.into_iter().map(SystemLinkDto::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct SystemLinkInput {
    system_name: String,
    /// `build` (新建), `change` (改造升级) or `retire` (停用或整合).
    action: String,
    note: Option<String>,
}

/// Names a system the project builds, changes or retires (the owner unit's clerk, while the
/// declaration is a draft or returned).
#[utoipa::path(post, path = "/api/v1/projects/{id}/systems", tag = "projects", params(("id" = i64, Path)), request_body = SystemLinkInput, security(("bearer" = [])),
    responses((status = 201, body = SystemLinkDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn link_project_system(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let m = object(&body)?;
    let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let link = state
        .store
        .link_project_system(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            &text("system_name"),
            &text("action"),
            &text("note"),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(SystemLinkDto::from(link))))
}

/// Removes a system from the project's list.
#[utoipa::path(delete, path = "/api/v1/projects/{id}/systems/{link_id}", tag = "projects", params(("id" = i64, Path), ("link_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
async fn unlink_project_system(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, link_id)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .unlink_project_system(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            link_id,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct GateParams {
    /// The gated action: `declare`, `approve` (default), `fund`, `start_work`, `accept`, `om_funds`…
    action: Option<String>,
}

/// One gate and how the project stands before it.
#[derive(Serialize, ToSchema)]
struct GateDto {
    rule_id: String,
    cite: String,
    text: String,
    /// `pass`, `fail`, `unknown` (a fact is not established yet) or `not_applicable`.
    outcome: String,
    /// Facts a reviewer must establish (认定) before the gate can pass.
    unknown_facts: Vec<String>,
    /// What the user is told when the gate refuses, with its citation.
    refusal: Option<String>,
}

/// The profile's gates in front of an action on this project (default: 立项批复), with what
/// each still needs. Approving a declaration is refused while any of them does not pass.
#[utoipa::path(get, path = "/api/v1/projects/{id}/gates", tag = "projects", params(("id" = i64, Path), GateParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<GateDto>), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn project_gates(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<GateParams>,
) -> Result<Json<Vec<GateDto>>, ApiError> {
    let action = match q.action.as_deref() {
        None | Some("") => govit_core::policy::GatedAction::Approve,
        Some(a) => govit_core::policy::GatedAction::parse(a)
            .ok_or_else(|| ApiError::from(DomainError::invalid("action", "未知的关口动作")))?,
    };
    let checks = state
        .store
        .project_gates(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            action,
        )
        .await?;
    Ok(Json(
        checks
            .into_iter()
            .map(|g| GateDto {
                refusal: g.refusal().map(|r| r.to_string()),
                rule_id: g.rule_id,
                cite: g.cite,
                text: g.text,
                outcome: serde_json::to_value(g.outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                unknown_facts: g
                    .unknown_facts
                    .iter()
                    .map(|f| f.as_str().to_string())
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct FactInput {
    /// A fact code from the policy vocabulary, e.g. `can_share`.
    fact: String,
    /// 1 = yes, 0 = no; amounts in yuan.
    value: i64,
}

/// Establishes (认定) a fact about a project (reviewers; audited). Rules are re-applied at once.
#[utoipa::path(post, path = "/api/v1/projects/{id}/facts", tag = "projects", params(("id" = i64, Path)), request_body = FactInput, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn set_project_fact(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let m = object(&body)?;
    let fact = m
        .get("fact")
        .and_then(Value::as_str)
        .and_then(govit_core::policy::Fact::parse)
        .ok_or_else(|| ApiError::from(DomainError::invalid("fact", "未知的项目情况")))?;
    let value = m.get("value").and_then(Value::as_i64).ok_or_else(|| {
        ApiError::from(DomainError::invalid(
            "value",
            "认定值应为整数（是=1，否=0）",
        ))
    })?;
    state
        .store
        .set_project_fact(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            fact,
            value,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

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
struct SearchHitDto {
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
async fn search(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<crate::search_pages::SearchQuery>,
) -> Result<Json<Vec<SearchHitDto>>, ApiError> {
    let hits = crate::search_pages::run_search(&state, &user.principal, &q).await?;
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

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct WaiveInput {
    key: String,
    reason: String,
}

/// Waives an open obligation with a written reason (reviewers only; audited).
#[utoipa::path(post, path = "/api/v1/projects/{id}/obligations/waive", tag = "obligations", params(("id" = i64, Path)), request_body = WaiveInput, security(("bearer" = [])),
    responses((status = 200, body = Vec<ObligationDto>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn waive_obligation(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Vec<ObligationDto>>, ApiError> {
    let m = object(&body)?;
    let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let now = state.now_ms();
    let pid = ProjectId(id);
    state
        .store
        .waive_obligation(
            &user.principal,
            &user.actor(),
            now,
            pid,
            &text("key"),
            &text("reason"),
        )
        .await?;
    let list = state
        .store
        .project_obligations(&user.principal, &user.actor(), now, pid)
        .await?;
    Ok(Json(list.into_iter().map(ObligationDto::from).collect()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ObligationParams {
    /// `mine` (owed by the caller's department, the default) or `all` (the caller's scope).
    scope: Option<String>,
    /// `pending`, `due_soon`, `overdue`, `fulfilled`, `waived`; default: all open ones.
    status: Option<String>,
    dept: Option<i64>,
    q: Option<String>,
    page: Option<i64>,
    page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct ObligationList {
    items: Vec<ObligationDto>,
    total: i64,
    page: i64,
    page_size: i64,
}

/// The caller's to-do obligations, or every obligation in scope (`scope=all`), e.g. the
/// authority's overdue list with `scope=all&status=overdue`.
#[utoipa::path(get, path = "/api/v1/obligations", tag = "obligations", params(ObligationParams), security(("bearer" = [])),
    responses((status = 200, body = ObligationList), (status = 422, body = ApiErrorBody)))]
async fn list_obligations(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<ObligationList>, ApiError> {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let status = get("status");
    let status = if status.is_empty() {
        None
    } else {
        Some(
            govit_core::obligation::Status::parse(&status).ok_or_else(|| {
                DomainError::invalid(
                    "status",
                    "status 应为 pending、due_soon、overdue、fulfilled 或 waived",
                )
            })?,
        )
    };
    let filter = govit_storage::obligations::ObligationFilter {
        status,
        department: get("dept").parse().ok().map(govit_core::ids::DepartmentId),
        keyword: get("q"),
        owed_by_me: get("scope") != "all",
        open_only: true,
    };
    let page = Page::new(
        get("page").parse().unwrap_or(1),
        get("page_size").parse().unwrap_or(50),
    );
    let paged = state
        .store
        .list_obligations(&user.principal, &filter, page)
        .await?;
    Ok(Json(ObligationList {
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
        items: paged.items.into_iter().map(ObligationDto::from).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
struct PolicySummary {
    id: String,
    name: String,
    jurisdiction: String,
    issuer: String,
    document: String,
    issued: String,
    rules: usize,
}

/// The policy profiles in force.
#[utoipa::path(get, path = "/api/v1/policies", tag = "policies", security(("bearer" = [])), responses((status = 200, body = Vec<PolicySummary>)))]
async fn list_policies(State(state): State<AppState>, _user: ApiUser) -> Json<Vec<PolicySummary>> {
    let rules = state.store.rules();
    Json(
        rules
            .profiles
            .values()
            .map(|p| PolicySummary {
                id: p.head.id.clone(),
                name: p.head.name.clone(),
                jurisdiction: p.head.jurisdiction.clone(),
                issuer: p.head.issuer.clone(),
                document: p.head.document.clone(),
                issued: p.head.issued.to_string(),
                rules: p.rule_count(),
            })
            .collect(),
    )
}

/// One profile with every rule, each with its citation.
#[utoipa::path(get, path = "/api/v1/policies/{id}", tag = "policies", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The profile as JSON"), (status = 404, body = ApiErrorBody)))]
async fn get_policy(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let rules = state.store.rules();
    let p = rules.profile(&id).ok_or(DomainError::NotFound)?;
    Ok(Json(serde_json::to_value(p).map_err(|e| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
    })?))
}

#[derive(Serialize, ToSchema)]
struct CalendarDay {
    date: String,
    /// `workday`, `weekend`, `statutory_holiday`, `swap_rest_day`, `make_up_workday`
    kind: String,
    working: bool,
    holiday: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct CalendarMonth {
    month: String,
    /// False when the year's schedule is not loaded (weekends only, provisional).
    official: bool,
    notices: Vec<String>,
    days: Vec<CalendarDay>,
}

/// One month of the working-day calendar (`YYYY-MM`).
#[utoipa::path(get, path = "/api/v1/calendar/{month}", tag = "calendar", params(("month" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CalendarMonth), (status = 422, body = ApiErrorBody)))]
async fn calendar_month(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(month): Path<String>,
) -> Result<Json<CalendarMonth>, ApiError> {
    let ym = govit_core::declaration::YearMonth::parse(&month)
        .ok_or_else(|| DomainError::invalid("month", "月份格式应为 YYYY-MM"))?;
    let rules = state.store.rules();
    let schedule = rules.calendar.schedule(ym.year);
    Ok(Json(CalendarMonth {
        month: ym.iso(),
        official: schedule.is_some(),
        notices: schedule
            .map(|s| s.notices.iter().map(|n| n.number.clone()).collect())
            .unwrap_or_default(),
        days: rules
            .calendar
            .month(ym.year, ym.month)
            .into_iter()
            .map(|(d, k, name)| CalendarDay {
                date: d.format("%Y-%m-%d").to_string(),
                kind: serde_json::to_value(k)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                working: k.is_working(),
                holiday: name.map(str::to_string),
            })
            .collect(),
    }))
}

/// A catalog entry as the API shows it.
#[derive(Serialize, ToSchema)]
struct SystemDto {
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

fn system_form_from(m: &Map<String, Value>) -> Result<govit_core::inventory::SystemForm, ApiError> {
    let mut f = Fields::new(m, govit_core::inventory::system_field_label).with_booleans();
    let form = govit_core::inventory::SystemForm {
        name: f.get("name"),
        function_summary: f.get("function_summary"),
        users_scope: f.get("users_scope"),
        use_frequency: f.get("use_frequency"),
        approval_document: f.get("approval_document"),
        approval_date: f.get("approval_date"),
        funding_source: f.get("funding_source"),
        year_built: f.get("year_built"),
        deployment: f.get("deployment"),
        network: f.get("network"),
        gov_service_connected: f.get("gov_service_connected"),
        data_sharing_connected: f.get("data_sharing_connected"),
        mlps_level: f.get("mlps_level"),
        status: f.get("status"),
        disposition: f.get("disposition"),
        disposition_reason: f.get("disposition_reason"),
        last_used_on: f.get("last_used_on"),
        om_stopped: f.get("om_stopped"),
        idle_resources: f.get("idle_resources"),
    };
    f.done(form)
}

#[derive(Serialize, ToSchema)]
struct SystemList {
    items: Vec<SystemDto>,
    total: i64,
    page: i64,
    page_size: i64,
}

/// Catalog entries in the caller's scope. Filters: `q`, `dept`, `disposition`, `zombies=1`.
#[utoipa::path(get, path = "/api/v1/systems", tag = "systems", security(("bearer" = [])),
    params(("q" = Option<String>, Query), ("dept" = Option<i64>, Query), ("disposition" = Option<String>, Query), ("zombies" = Option<String>, Query), ("page" = Option<i64>, Query)),
    responses((status = 200, body = SystemList)))]
async fn list_systems(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<SystemList>, ApiError> {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let sq = crate::systems_pages::SystemQuery {
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
            Page::new(
                get("page").parse().unwrap_or(1),
                get("page_size").parse().unwrap_or(50),
            ),
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
async fn create_system(
    State(state): State<AppState>,
    user: ApiUser,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let form = system_form_from(&object(&body)?)?;
    let s = state
        .store
        .create_system(&user.principal, &user.actor(), state.now_ms(), &form)
        .await?;
    state.reindex_system(&s).await;
    Ok((StatusCode::CREATED, Json(SystemDto::from(s))))
}

#[derive(Deserialize, IntoParams)]
struct ImportParams {
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
    responses((status = 200, body = ImportReportDto), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn import_systems(
    State(state): State<AppState>,
    user: ApiUser,
    Query(params): Query<ImportParams>,
    body: Bytes,
) -> Result<Json<ImportReportDto>, ApiError> {
    if body.is_empty() {
        return Err(DomainError::invalid("file", "请求体应为 .xlsx 文件").into());
    }
    match crate::systems_pages::run_import(
        &state,
        &user.principal,
        &user.actor(),
        &body,
        !params.dry_run,
    )
    .await
    {
        Ok(r) => Ok(Json(r.into())),
        Err(crate::systems_pages::ImportError::Sheet(m)) => {
            Err(DomainError::invalid("file", m).into())
        }
        Err(crate::systems_pages::ImportError::Store(e)) => Err(e.into()),
    }
}

/// What an import did.
#[derive(Serialize, ToSchema)]
struct ImportReportDto {
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
async fn get_system(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<SystemDto>, ApiError> {
    Ok(Json(
        state
            .store
            .system(&user.principal, &user.actor(), state.now_ms(), id)
            .await?
            .into(),
    ))
}

/// Replaces an entry (with `version`); the previous version is kept in its history.
#[utoipa::path(put, path = "/api/v1/systems/{id}", tag = "systems", params(("id" = i64, Path)), request_body = SystemInput, security(("bearer" = [])),
    responses((status = 200, body = SystemDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn update_system(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<SystemDto>, ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let form = system_form_from(&m)?;
    let s = state
        .store
        .update_system(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            id,
            version,
            &form,
        )
        .await?;
    state.reindex_system(&s).await;
    Ok(Json(s.into()))
}

#[derive(Serialize, ToSchema)]
struct SystemVersionDto {
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
async fn system_history(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SystemVersionDto>>, ApiError> {
    state
        .store
        .system(&user.principal, &user.actor(), state.now_ms(), id)
        .await?;
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

/// The duplicate-construction check of a project: its most similar systems and projects.
pub(crate) async fn similar_to(state: &AppState, p: &Project) -> Vec<govit_search::Match> {
    state
        .query_index(
            p.jurisdiction_id.0,
            p.declaration.name.clone(),
            p.declaration.summary.clone(),
            Some((govit_search::DocKind::Project, p.id.0)),
            8,
        )
        .await
}

#[derive(Serialize, ToSchema)]
struct SimilarDto {
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
async fn project_similar(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<SimilarDto>>, ApiError> {
    let p = state
        .store
        .project(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
        )
        .await?;
    if !user.principal.has(govit_core::org::Role::Reviewer) {
        return Err(DomainError::Forbidden("重复建设比对供主管部门审核人使用".into()).into());
    }
    Ok(Json(
        similar_to(&state, &p)
            .await
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
