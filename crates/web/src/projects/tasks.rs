//! 我的待办 over the API: the open tasks of project paths waiting on the caller, and the verbs
//! they may use on each (通过, 退回, 不予通过, 撤回, 转办, 加签, 催办), each at the version seen.

use crate::AppState;
use crate::projects::api::ProjectDto;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::{object, version_field};
use crate::shell::respond;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use govit_core::DomainError;
use govit_core::workflow::{Verb, VerbKind};
use govit_storage::projects::RunStep;
use govit_storage::projects::tasks::{Task, TaskOrder};
use govit_storage::{Page, Target};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// An open task waiting on the caller.
#[derive(Serialize, ToSchema)]
pub struct TaskDto {
    /// `{project}-{slot}`
    id: String,
    project_id: i64,
    project_name: String,
    owner_department: String,
    status: String,
    /// The project's version, to send with the verb.
    version: i64,
    /// The step's key (`stage/cite/n`), its words and its article.
    step: String,
    action: String,
    cite: String,
    since_ms: i64,
    /// Working days the step has waited (Beijing days, the jurisdiction's calendar).
    waiting_working_days: u32,
    /// By when, under the profile's clock (the earliest open duty of the holder's party on the
    /// project, e.g. lhasa:11's first review within 5 working days), `YYYY-MM-DD`.
    due: Option<String>,
    /// That duty is overdue (flagged to its holder and, on the obligations page, the authority).
    overdue: bool,
    /// When the holder was last reminded (催办) at this step, if ever.
    urged_ms: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TaskList {
    /// All the caller's open tasks, on every page.
    total: i64,
    page: i64,
    page_size: i64,
    items: Vec<TaskDto>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// `waiting` (longest waiting first, the default), `-waiting`, `due` (earliest due date
    /// first, those without one last) or `-due`.
    sort: Option<String>,
    /// 1-based page number.
    page: Option<String>,
    /// Page size, at most 200 (default 100).
    page_size: Option<String>,
}

/// The caller's open tasks, longest waiting first unless `sort` says otherwise, a page at a
/// time (`total` counts them all).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", security(("bearer" = [])),
    params(TaskQuery),
    responses((status = 200, body = TaskList), (status = 422, body = ApiErrorBody)))]
pub async fn list_tasks(
    State(state): State<AppState>, user: ApiUser, Query(q): Query<TaskQuery>,
) -> Result<Json<TaskList>, ApiError> {
    let order = TaskOrder::parse(q.sort.as_deref().unwrap_or("").trim()).ok_or_else(|| {
        DomainError::invalid("sort", "排序方式只能是 waiting、-waiting、due 或 -due")
    })?;
    let number = |v: &Option<String>, field: &'static str, default: i64| match v.as_deref() {
        None | Some("") => Ok(default),
        Some(t) => t
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| DomainError::invalid(field, format!("{field} 应为正整数"))),
    };
    let page = Page::new(number(&q.page, "page", 1)?, number(&q.page_size, "page_size", 100)?);
    let paged = state.store.my_tasks_page(&user.principal, order, page).await?;
    let tasks = paged.items;
    let calendar = state.store.calendar().await?;
    let today = govit_storage::china_today(state.now_ms());
    let items: Vec<TaskDto> = tasks
        .into_iter()
        .map(|t: Task| TaskDto {
            waiting_working_days: calendar
                .working_days_between(govit_storage::china_today(t.since_ms), today),
            id: t.id,
            project_id: t.project_id,
            project_name: t.project_name,
            owner_department: t.owner_department,
            status: t.status.as_str().into(),
            version: t.version,
            step: t.step,
            action: t.action,
            cite: t.cite,
            since_ms: t.since_ms,
            due: t.due,
            overdue: t.overdue,
            urged_ms: t.urged_ms,
        })
        .collect();
    Ok(Json(TaskList { total: paged.total, page: paged.page, page_size: paged.page_size, items }))
}

/// A task past its due date, for the authority.
#[derive(Serialize, ToSchema)]
pub struct OverdueTaskDto {
    pub(crate) project_id: i64,
    pub(crate) project_name: String,
    pub(crate) owner_department: String,
    pub(crate) step: String,
    pub(crate) action: String,
    pub(crate) cite: String,
    /// Who holds it: the party in the profile's words, or the person it was handed to.
    pub(crate) holder: String,
    pub(crate) since_ms: i64,
    pub(crate) due: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OverdueTaskList {
    total: i64,
    page: i64,
    page_size: i64,
    items: Vec<OverdueTaskDto>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverdueQuery {
    /// 1-based page number.
    page: Option<String>,
}

/// The tasks of the jurisdiction past their due date (the clock of the step's own article,
/// e.g. lhasa:11), the longest overdue first, 50 a page: what the authority is told of.
/// Reviewers and viewers.
#[utoipa::path(get, path = "/api/v1/tasks/overdue", tag = "tasks", security(("bearer" = [])),
    params(OverdueQuery),
    responses((status = 200, body = OverdueTaskList), (status = 403, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
pub async fn overdue_tasks(
    State(state): State<AppState>, user: ApiUser, Query(q): Query<OverdueQuery>,
) -> Result<Json<OverdueTaskList>, ApiError> {
    let number = match q.page.as_deref().map(str::trim) {
        None | Some("") => 1,
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| DomainError::invalid("page", "page 应为正整数"))?,
    };
    let paged = overdue_views(&state, &user.principal, Page::new(number, 50)).await?;
    Ok(Json(OverdueTaskList {
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
        items: paged.items,
    }))
}

/// A page of the overdue tasks with their holders named in the profile's words.
pub async fn overdue_views(
    state: &AppState, principal: &govit_core::org::Principal, page: Page,
) -> govit_storage::Result<govit_storage::Paged<OverdueTaskDto>> {
    let paged = state.store.overdue_tasks(principal, page).await?;
    let jurisdiction = state.store.jurisdiction(principal.jurisdiction_id).await?;
    let rules = state.store.rules();
    let profile = rules.profile(&jurisdiction.profile_id);
    let items = paged
        .items
        .into_iter()
        .map(|t| OverdueTaskDto {
            holder: match (&t.user_name, profile) {
                (Some(name), _) => name.clone(),
                (None, Some(p)) => p.party_label(&t.party),
                (None, None) => t.party.clone(),
            },
            project_id: t.project_id,
            project_name: t.project_name,
            owner_department: t.owner_department,
            step: t.step,
            action: t.action,
            cite: t.cite,
            since_ms: t.since_ms,
            due: t.due,
        })
        .collect();
    Ok(govit_storage::Paged {
        items,
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
    })
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct VerbInput {
    /// The project's version the caller saw.
    version: i64,
    /// 通过, 转办, 加签, 催办: an opinion or a note.
    note: Option<String>,
    /// 退回, 不予通过: why (required).
    reason: Option<String>,
    /// 退回: the key of the earlier step to return to; 转办: the user id to hand over to.
    to: Option<Value>,
    /// 加签: a party kind (`finance` …) or a user id.
    signer_party: Option<String>,
    signer_user: Option<i64>,
    /// 加签: `before` or `after` oneself (default).
    position: Option<String>,
}

/// Acts on a task: `verb` is `pass`, `return`, `reject`, `withdraw`, `transfer`, `add_signer`
/// or `urge`. A task that is not the caller's answers 404; a version that moved on (someone
/// acted first) 409; a verb the step does not allow now 409 with the reason.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/{verb}", tag = "tasks",
    params(("id" = String, Path, description = "任务编号 {project}-{slot}"), ("verb" = String, Path)),
    request_body = VerbInput, security(("bearer" = [])),
    responses((status = 200, body = ProjectDto), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn act_on_task(
    State(state): State<AppState>, user: ApiUser, Path((id, verb)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<ProjectDto>, ApiError> {
    let project = id
        .split_once('-')
        .and_then(|(p, slot)| slot.parse::<u32>().ok().and(p.parse::<i64>().ok()))
        .ok_or(DomainError::NotFound)?;
    let kind = VerbKind::parse(&verb).ok_or(DomainError::NotFound)?;
    let m = object(&body)?;
    let version = version_field(&m)?;
    let field = |k: &str| match m.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let verb: Verb = Verb::from_fields(kind, field)?;
    let target = match kind {
        // A reminder does not race the record's fields.
        VerbKind::Urge => Target::any_version(project),
        _ => Target::at(project, version),
    };
    respond::run_json(&state, &user, target, &RunStep::verb(verb)).await
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks))
        .routes(routes!(overdue_tasks))
        .routes(routes!(act_on_task))
}

#[derive(askama::Template)]
#[template(path = "projects/overdue_tasks.html")]
struct OverduePage {
    layout: crate::shell::view::Layout,
    tasks: Vec<OverdueTaskDto>,
    pager: crate::shell::view::Pager,
}

/// 逾期未办的审批环节: the jurisdiction's tasks past their due date, for the authority.
pub async fn overdue_page(
    State(state): State<AppState>, user: crate::shell::auth::User, Query(q): Query<OverdueQuery>,
) -> crate::shell::page::PageResult {
    let number = q.page.as_deref().and_then(|p| p.trim().parse().ok()).unwrap_or(1);
    let paged = overdue_views(&state, &user.principal, Page::new(number, 50)).await?;
    let pager = crate::shell::view::Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("/tasks/overdue?page={n}")
    });
    crate::shell::page::html(OverduePage {
        layout: crate::shell::view::Layout::for_user(
            &state,
            &user,
            "逾期未办的审批环节",
            "overdue",
        )
        .await?,
        tasks: paged.items,
        pager,
    })
}
