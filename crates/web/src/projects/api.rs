//! Projects, their timeline, the systems they name and their gates over the API.

use crate::AppState;
use crate::projects::list::ListQuery;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::input::FromFields;
use crate::shell::input::{VersionOnly, Versioned};
use crate::shell::json_body::{object, version_field};
use crate::shell::respond;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use govit_core::DomainError;
use govit_core::declaration::DeclarationForm;
use govit_core::ids::ProjectId;
use govit_core::project::Decision;
use govit_core::workflow::Verb;
use govit_storage::Page;
use govit_storage::Target;
use govit_storage::projects::CreateDraft;
use govit_storage::projects::LinkSystem;
use govit_storage::projects::UnlinkSystem;
use govit_storage::projects::{Command, EditDeclaration, OutsideScope, RunStep};
use govit_storage::projects::{Project, ProjectEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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
    /// 分年度投资计划, in year order (empty when not given).
    yearly_budget: Vec<YearAmountDto>,
    /// As the unit declared it; null: not said.
    cross_department: Option<bool>,
    created_by: String,
    created_at_ms: i64,
    updated_at_ms: i64,
    submitted_at_ms: Option<i64>,
    /// Send this back with the next change; a stale version gets 409.
    version: i64,
}

/// One year of a yearly budget.
#[derive(Serialize, ToSchema)]
pub struct YearAmountDto {
    year: i32,
    amount_yuan: i64,
    amount_wan: String,
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
            yearly_budget: d
                .yearly
                .iter()
                .map(|(y, a)| YearAmountDto {
                    year: *y,
                    amount_yuan: a.0,
                    amount_wan: a.to_wan_string(),
                })
                .collect(),
            cross_department: d.cross_department,
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
    /// 分年度投资计划 of a multi-year project: one year a line, `2026 80` (万元); the years within
    /// the construction period, adding up to the investment.
    yearly_budget: Option<String>,
    /// `0` a single department's project, `1` a cross-department one; empty or absent: left
    /// to the reviewer (is_cross_department).
    cross_department: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ListParams {
    /// Keyword in the name or summary.
    q: Option<String>,
    /// `draft`, `submitted`, `returned` or `approved`; `terminated`: the approved projects
    /// terminated since (项目终止).
    status: Option<String>,
    /// A department id: that department and those below it.
    dept: Option<i64>,
    /// 1-based page number.
    page: Option<i64>,
    /// Page size, at most 200 (default 20).
    page_size: Option<i64>,
    /// `submitted`: longest waiting first; `-submitted`: newest submission first; most
    /// recently changed first otherwise.
    sort: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectList {
    items: Vec<ProjectDto>,
    total: i64,
    page: i64,
    page_size: i64,
}

/// Projects within the caller's data scope.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = ProjectList), (status = 401, body = ApiErrorBody)))]
pub async fn list_projects(
    State(state): State<AppState>, user: ApiUser,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<ProjectList>, ApiError> {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let lq = ListQuery {
        q: get("q"),
        status: get("status"),
        dept: get("dept"),
        page: get("page"),
        done: String::new(),
        sort: get("sort"),
    };
    if !["", "submitted", "-submitted"].contains(&lq.sort.as_str()) {
        return Err(DomainError::invalid("sort", "sort 应为 submitted 或 -submitted").into());
    }
    if !lq.status.is_empty()
        && lq.status != "terminated"
        && govit_core::project::ProjectStatus::parse(&lq.status).is_none()
    {
        return Err(DomainError::invalid(
            "status",
            "status 应为 draft、submitted、returned、approved 或 terminated",
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
pub async fn create_project(
    State(state): State<AppState>, user: ApiUser, body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let m = object(&body)?;
    let form = DeclarationForm::from_json(&m)?;
    let result = state.store.run(user.who(&state), Target::New, &CreateDraft(&form)).await;
    respond::api::<_, ProjectDto>(&state, result, StatusCode::CREATED).await
}

/// One project; 404 when it does not exist or lies outside the caller's data scope.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ProjectDto), (status = 404, body = ApiErrorBody)))]
pub async fn get_project(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<ProjectDto>, ApiError> {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    Ok(Json(p.into()))
}

/// Replaces the declaration of a draft or returned project. `version` is required.
#[utoipa::path(put, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = i64, Path)), request_body = ProjectInput, security(("bearer" = [])),
    responses((status = 200, body = ProjectDto), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update_project(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
    Versioned(version, form): Versioned<DeclarationForm>,
) -> Result<Json<ProjectDto>, ApiError> {
    respond::run_json(&state, &user, Target::at(id, version), &EditDeclaration(&form)).await
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct VersionInput {
    version: i64,
}

/// A step of the project that the caller posts with nothing but the version seen: its
/// handler, its path and its answer in the OpenAPI document.
macro_rules! version_step {
    ($(#[doc = $doc:literal])* $name:ident, $path:literal, $step:expr) => {
        $(#[doc = $doc])*
        #[utoipa::path(post, path = $path, tag = "projects", params(("id" = i64, Path)), request_body = VersionInput, security(("bearer" = [])),
            responses((status = 200, body = ProjectDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
        pub async fn $name(
            State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
            VersionOnly(version): VersionOnly,
        ) -> Result<Json<ProjectDto>, ApiError> {
            respond::run_json(&state, &user, Target::at(id, version), &$step).await
        }
    };
}

version_step!(
    /// Submits a draft or returned declaration to the authority.
    submit_project, "/api/v1/projects/{id}/submit", RunStep::new(Command::Submit)
);
version_step!(
    /// Withdraws a submitted declaration before it is decided (撤回).
    withdraw_project, "/api/v1/projects/{id}/withdraw", RunStep::verb(Verb::Withdraw)
);
version_step!(
    /// Records a draft or returned declaration as outside the regulation, under a threshold
    /// of its profile that it meets (yeji:2: investment under 100,000 yuan); the owner
    /// unit's clerk.
    record_outside_scope, "/api/v1/projects/{id}/outside-scope", OutsideScope::record()
);
version_step!(
    /// Takes back a project recorded as outside the regulation (恢复申报): it is a draft
    /// again.
    reopen_project, "/api/v1/projects/{id}/reopen", OutsideScope::reopen()
);

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct DecisionInput {
    /// `approve` (通过 the step the caller holds), `return` (退回 to the owner unit) or
    /// `reject` (不予通过, ending the path)
    decision: String,
    /// Required when returning or rejecting: what the owner unit must change, or why.
    reason: Option<String>,
    version: i64,
}

/// The reviewer's decision at the step of the project's path they hold: pass it (the path
/// moves on; the last step approves the project), return it to the owner unit with a reason,
/// or reject it with a reason. A shorthand for the verbs of that step.
#[utoipa::path(post, path = "/api/v1/projects/{id}/decision", tag = "projects", params(("id" = i64, Path)), request_body = DecisionInput, security(("bearer" = [])),
    responses((status = 200, body = ProjectDto), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn decide_project(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<ProjectDto>, ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let decision = Decision::parse(&text("decision"), &text("reason"))?;
    let step = RunStep::new(Command::Decide(decision));
    respond::run_json(&state, &user, Target::at(id, version), &step).await
}

#[derive(Serialize, ToSchema)]
pub struct EventDto {
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
        let ProjectEvent {
            action,
            from_status,
            to_status,
            actor_name,
            actor_department,
            at_ms,
            comment,
            ..
        } = e;
        EventDto {
            action: action.as_str().into(),
            action_label: action.label().into(),
            from_status: from_status.as_str().into(),
            to_status: to_status.as_str().into(),
            actor: actor_name,
            actor_department,
            at_ms,
            comment,
        }
    }
}

/// The project's timeline, oldest first.
#[utoipa::path(get, path = "/api/v1/projects/{id}/events", tag = "projects", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<EventDto>), (status = 404, body = ApiErrorBody)))]
pub async fn project_events(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<Vec<EventDto>>, ApiError> {
    let id = ProjectId(id);
    state.store.read::<Project>(user.who(&state), id.0).await?;
    let events = state.store.project_events(id).await?;
    Ok(Json(events.into_iter().map(EventDto::from).collect()))
}

/// A system the project builds, changes or retires.
#[derive(Serialize, ToSchema)]
pub struct SystemLinkDto {
    id: i64,
    system_name: String,
    /// `build`, `change` or `retire`.
    action: String,
    action_label: String,
    note: String,
    /// Whether a catalog entry of that name exists (gaoping:10: a project naming a system
    /// outside the catalog is not approved).
    in_catalog: bool,
    /// The catalog entry, when the caller may read it.
    catalog_system_id: Option<i64>,
}

impl From<govit_storage::projects::links::SystemLink> for SystemLinkDto {
    fn from(l: govit_storage::projects::links::SystemLink) -> Self {
        SystemLinkDto {
            id: l.id,
            system_name: l.system_name,
            action: l.action.as_str().into(),
            action_label: l.action.label().into(),
            note: l.note,
            in_catalog: l.catalog.is_some(),
            catalog_system_id: l.catalog.and_then(|c| c.system_id),
        }
    }
}

/// The systems a project names, each with whether it is in the catalog.
#[utoipa::path(get, path = "/api/v1/projects/{id}/systems", tag = "projects", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<SystemLinkDto>), (status = 404, body = ApiErrorBody)))]
pub async fn project_systems(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<Vec<SystemLinkDto>>, ApiError> {
    let links = state.store.project_systems(user.who(&state), ProjectId(id)).await?;
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
pub async fn link_project_system(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let m = object(&body)?;
    let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let changed = state
        .store
        .run(
            user.who(&state),
            Target::any_version(id),
            &LinkSystem {
                name: &text("system_name"),
                action: &text("action"),
                note: &text("note"),
            },
        )
        .await?;
    let link = state
        .store
        .systems_of(&user.principal, &changed.record)
        .await?
        .into_iter()
        .find(|l| Some(l.id) == changed.part)
        .ok_or(DomainError::NotFound)?;
    Ok((StatusCode::CREATED, Json(SystemLinkDto::from(link))))
}

/// Removes a system from the project's list.
#[utoipa::path(delete, path = "/api/v1/projects/{id}/systems/{link_id}", tag = "projects", params(("id" = i64, Path), ("link_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn unlink_project_system(
    State(state): State<AppState>, user: ApiUser, Path((id, link_id)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    state.store.run(user.who(&state), Target::any_version(id), &UnlinkSystem { link_id }).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GateParams {
    /// The gated action: `declare`, `approve` (default), `fund`, `start_work`, `accept`, `om_funds`…
    #[param(schema_with = crate::shell::vocabulary::gated_action)]
    action: Option<String>,
}

/// One gate and how the project stands before it.
#[derive(Serialize, ToSchema)]
pub struct GateDto {
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
pub async fn project_gates(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, Query(q): Query<GateParams>,
) -> Result<Json<Vec<GateDto>>, ApiError> {
    let action = match q.action.as_deref() {
        None | Some("") => govit_core::policy::GatedAction::Approve,
        Some(a) => govit_core::policy::GatedAction::parse(a)
            .ok_or_else(|| ApiError::from(DomainError::invalid("action", "未知的关口动作")))?,
    };
    let checks = state.store.project_gates(user.who(&state), ProjectId(id), action).await?;
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
                unknown_facts: g.unknown_facts.iter().map(|f| f.as_str().to_string()).collect(),
            })
            .collect(),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, update_project))
        .routes(routes!(submit_project))
        .routes(routes!(record_outside_scope))
        .routes(routes!(reopen_project))
        .routes(routes!(withdraw_project))
        .routes(routes!(decide_project))
        .routes(routes!(project_events))
        .routes(routes!(project_systems, link_project_system))
        .routes(routes!(unlink_project_system))
        .routes(routes!(project_gates))
        .routes(routes!(crate::projects::path::project_path))
        .routes(routes!(crate::projects::annex::api_project_annex))
        .merge(crate::projects::tasks::router())
}
