//! Obligations, events, facts, waivers, profiles and the calendar over the API.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::object;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use govit_core::DomainError;
use govit_core::ids::ProjectId;
use govit_storage::Page;
use govit_storage::projects::EstablishFact;
use govit_storage::projects::Project;
use govit_storage::projects::RecordEvent;
use govit_storage::projects::Waive;
use govit_storage::{Step, Target};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Serialize, ToSchema)]
pub struct ObligationDto {
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

impl From<govit_storage::projects::obligations::ObligationRow> for ObligationDto {
    fn from(o: govit_storage::projects::obligations::ObligationRow) -> Self {
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
    #[schema(schema_with = crate::shell::vocabulary::event_kind)]
    kind: String,
    /// `YYYY-MM-DD`: not in the future for an event that happened; today or later for a
    /// planned date.
    date: String,
    note: Option<String>,
    /// A date scheduled (e.g. `om_free_period_end`), shown on the project but not counted by
    /// the rules until the event is recorded as having happened. Default false.
    planned: Option<bool>,
}

/// Records an event on a project (contract signed, acceptance passed …); its obligations are
/// recomputed.
#[utoipa::path(post, path = "/api/v1/projects/{id}/events", tag = "obligations", params(("id" = i64, Path)), request_body = EventInput, security(("bearer" = [])),
    responses((status = 201, body = Vec<ObligationDto>), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn record_project_event(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let m = object(&body)?;
    let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let kind = govit_core::policy::EventKind::parse(&text("kind"))
        .ok_or_else(|| DomainError::invalid("kind", "kind 应为事件类型，例如 contract_signed"))?;
    let date = chrono::NaiveDate::parse_from_str(text("date").trim(), "%Y-%m-%d")
        .map_err(|_| DomainError::invalid("date", "date 格式应为 YYYY-MM-DD"))?;
    let note = text("note");
    let step = RecordEvent {
        kind,
        date,
        note: note.trim(),
        planned: m.get("planned").and_then(Value::as_bool).unwrap_or(false),
    };
    Ok((StatusCode::CREATED, Json(run_on_obligations(&state, &user, id, &step).await?)))
}

/// Runs `step` on project `id` (whatever its version) and answers the project's obligations
/// as the step left them.
async fn run_on_obligations<S: Step<Project>>(
    state: &AppState, user: &ApiUser, id: i64, step: &S,
) -> Result<Vec<ObligationDto>, ApiError> {
    state.store.run(user.who(state), Target::any_version(id), step).await?;
    obligations_of(state, user, id).await
}

/// Project `id`'s obligations.
async fn obligations_of(
    state: &AppState, user: &ApiUser, id: i64,
) -> Result<Vec<ObligationDto>, ApiError> {
    let list = state.store.project_obligations(user.who(state), ProjectId(id)).await?;
    Ok(list.into_iter().map(ObligationDto::from).collect())
}

/// A project's obligations.
#[utoipa::path(get, path = "/api/v1/projects/{id}/obligations", tag = "obligations", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<ObligationDto>), (status = 404, body = ApiErrorBody)))]
pub async fn project_obligations(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<Vec<ObligationDto>>, ApiError> {
    Ok(Json(obligations_of(&state, &user, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct FactInput {
    /// A fact code from the policy vocabulary, e.g. `can_share`.
    #[schema(schema_with = crate::shell::vocabulary::fact)]
    fact: String,
    /// As stored: an integer (1 = yes, 0 = no, amounts in yuan, ratios in basis points); or
    /// as a person types it: a string ("是", "120.5" in 万元, "15%").
    #[schema(value_type = serde_json::Value)]
    value: i64,
    /// What the finding rests on (the materials, minutes or documents), at most 500
    /// characters; required.
    basis: String,
    /// The declaration's materials it relied on: ids of the documents the project's profile
    /// asks for (`GET /api/v1/projects/{id}/materials`); optional.
    materials: Option<Vec<String>>,
}

/// A material a finding relied on: the profile's document id and its name.
#[derive(Serialize, ToSchema)]
pub struct FactMaterialDto {
    id: String,
    name: String,
}

/// A fact established on a project (认定), with its basis.
#[derive(Serialize, ToSchema)]
pub struct FactDto {
    /// The fact's code in the policy vocabulary.
    #[schema(schema_with = crate::shell::vocabulary::fact)]
    fact: String,
    fact_label: String,
    /// As stored: 1/0 for flags, yuan, basis points.
    value: i64,
    /// As a person reads it (是, 120 万元, 15%).
    value_label: String,
    /// The written basis; empty for findings made before bases were kept.
    basis: String,
    /// The declaration's materials it relied on.
    materials: Vec<FactMaterialDto>,
    established_by: Option<String>,
    established_at_ms: Option<i64>,
}

impl From<govit_storage::projects::facts::FactRecord> for FactDto {
    fn from(f: govit_storage::projects::facts::FactRecord) -> Self {
        FactDto {
            fact: f.fact.as_str().into(),
            fact_label: f.fact.label().into(),
            value_label: f.fact.show_value(f.value),
            value: f.value,
            basis: f.basis,
            materials: f
                .materials
                .into_iter()
                .map(|(id, name)| FactMaterialDto { id, name })
                .collect(),
            established_by: f.established_by,
            established_at_ms: f.established_at_ms,
        }
    }
}

/// The facts established on a project, each with its basis and who established it when.
#[utoipa::path(get, path = "/api/v1/projects/{id}/facts", tag = "projects", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<FactDto>), (status = 404, body = ApiErrorBody)))]
pub async fn project_facts(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<Vec<FactDto>>, ApiError> {
    let list = state.store.established_facts(user.who(&state), ProjectId(id)).await?;
    Ok(Json(list.into_iter().map(FactDto::from).collect()))
}

/// Establishes (认定) a fact about a project with its written basis (reviewers; audited).
/// Rules are re-applied at once.
#[utoipa::path(post, path = "/api/v1/projects/{id}/facts", tag = "projects", params(("id" = i64, Path)), request_body = FactInput, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_project_fact(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<StatusCode, ApiError> {
    let m = object(&body)?;
    let fact = m
        .get("fact")
        .and_then(Value::as_str)
        .and_then(govit_core::policy::Fact::parse)
        .ok_or_else(|| ApiError::from(DomainError::invalid("fact", "未知的项目情况")))?;
    let value = match m.get("value") {
        Some(Value::String(typed)) => {
            fact.parse_value(typed).map_err(|e| ApiError::from(DomainError::invalid("value", e)))?
        }
        Some(v) => v.as_i64().ok_or_else(|| {
            ApiError::from(DomainError::invalid("value", "认定值应为整数（是=1，否=0，金额为元）"))
        })?,
        None => return Err(DomainError::invalid("value", "请填写认定值").into()),
    };
    let basis = match m.get("basis") {
        None | Some(Value::Null) => "",
        Some(v) => v
            .as_str()
            .ok_or_else(|| ApiError::from(DomainError::invalid("basis", "认定依据应为文字")))?,
    };
    let materials: Vec<String> = match m.get("materials") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            items.iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<_>>().ok_or_else(
                || ApiError::from(DomainError::invalid("materials", "依据材料应为材料编号的列表")),
            )?
        }
        Some(_) => {
            return Err(DomainError::invalid("materials", "依据材料应为材料编号的列表").into());
        }
    };
    let step = EstablishFact { fact, value, basis, materials: &materials };
    state.store.run(user.who(&state), Target::any_version(id), &step).await?;
    Ok(StatusCode::NO_CONTENT)
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
pub async fn waive_obligation(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<Vec<ObligationDto>>, ApiError> {
    let m = object(&body)?;
    let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let (key, reason) = (text("key"), text("reason"));
    let step = Waive { key: &key, reason: &reason };
    Ok(Json(run_on_obligations(&state, &user, id, &step).await?))
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
pub struct ObligationList {
    items: Vec<ObligationDto>,
    total: i64,
    page: i64,
    page_size: i64,
}

/// The caller's to-do obligations, or every obligation in scope (`scope=all`), e.g. the
/// authority's overdue list with `scope=all&status=overdue`.
#[utoipa::path(get, path = "/api/v1/obligations", tag = "obligations", params(ObligationParams), security(("bearer" = [])),
    responses((status = 200, body = ObligationList), (status = 422, body = ApiErrorBody)))]
pub async fn list_obligations(
    State(state): State<AppState>, user: ApiUser,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<ObligationList>, ApiError> {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let status = get("status");
    let status = if status.is_empty() {
        None
    } else {
        Some(govit_core::obligation::Status::parse(&status).ok_or_else(|| {
            DomainError::invalid(
                "status",
                "status 应为 pending、due_soon、overdue、fulfilled 或 waived",
            )
        })?)
    };
    let filter = govit_storage::projects::obligations::ObligationFilter {
        status,
        department: get("dept").parse().ok().map(govit_core::ids::DepartmentId),
        keyword: get("q"),
        owed_by_me: get("scope") != "all",
        open_only: true,
    };
    let page = Page::new(get("page").parse().unwrap_or(1), get("page_size").parse().unwrap_or(50));
    let paged = state.store.list_obligations(&user.principal, &filter, page).await?;
    Ok(Json(ObligationList {
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
        items: paged.items.into_iter().map(ObligationDto::from).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PolicySummary {
    id: String,
    name: String,
    jurisdiction: String,
    issuer: String,
    document: String,
    issued: String,
    rules: usize,
}

/// The policy profile the caller's jurisdiction runs on (another jurisdiction's is not shown;
/// operators list them all with `govit policy list`).
#[utoipa::path(get, path = "/api/v1/policies", tag = "policies", security(("bearer" = [])), responses((status = 200, body = Vec<PolicySummary>)))]
pub async fn list_policies(
    State(state): State<AppState>, user: ApiUser,
) -> Result<Json<Vec<PolicySummary>>, ApiError> {
    let own = super::policies::own_profile(&state, &user.principal).await?;
    let rules = state.store.rules();
    Ok(Json(
        rules
            .profiles
            .values()
            .filter(|p| p.head.id == own)
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
    ))
}

/// The caller's jurisdiction's profile with every rule, each with its citation (404 for
/// another's).
#[utoipa::path(get, path = "/api/v1/policies/{id}", tag = "policies", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The profile as JSON"), (status = 404, body = ApiErrorBody)))]
pub async fn get_policy(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if super::policies::own_profile(&state, &user.principal).await? != id {
        return Err(DomainError::NotFound.into());
    }
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
pub struct CalendarMonth {
    month: String,
    /// False when the year's schedule is not loaded (weekends only, provisional).
    official: bool,
    notices: Vec<String>,
    days: Vec<CalendarDay>,
}

/// One month of the working-day calendar (`YYYY-MM`).
#[utoipa::path(get, path = "/api/v1/calendar/{month}", tag = "calendar", params(("month" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = CalendarMonth), (status = 422, body = ApiErrorBody)))]
pub async fn calendar_month(
    State(state): State<AppState>, _user: ApiUser, Path(month): Path<String>,
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

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_project_event))
        .routes(routes!(project_obligations))
        .routes(routes!(waive_obligation))
        .routes(routes!(list_obligations))
        .routes(routes!(list_policies))
        .routes(routes!(get_policy))
        .routes(routes!(calendar_month))
        .routes(routes!(set_project_fact, project_facts))
}
