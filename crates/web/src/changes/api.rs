//! Project changes over the API: request one for an approved project, read it with its route,
//! correct or cancel it before it is sent (or after a return), act on its run (pass, return,
//! withdraw, reject) at the version read, and list a project's changes and those waiting on
//! the caller.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::{Fields, object, version_field};
use crate::shell::route::RunDto;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::change::{ChangeForm, label};
use govit_core::ids::ProjectId;
use govit_storage::Target;
use govit_storage::changes::{
    CHANGE_VERBS, CancelChange, Change, ChangeView, EditChange, RequestChange,
};
use govit_storage::projects::Project;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(changes_waiting))
        .routes(routes!(project_changes, request_change))
        .routes(routes!(get_change, edit_change))
        .routes(routes!(cancel_change))
        .routes(routes!(act_on_change))
}

#[derive(Serialize, ToSchema)]
pub struct ChangeDto {
    id: i64,
    project_id: i64,
    project_name: String,
    title: String,
    content: String,
    reason: String,
    /// The budget lines raised, added up (yuan).
    increase_yuan: i64,
    /// The budget lines lowered, added up (yuan).
    decrease_yuan: i64,
    /// The share of the approved budget the project's changes moved with this one (basis
    /// points: 1500 = 15%); null when the approved budget is unknown.
    ratio_bp: Option<i64>,
    /// change (the profile's change procedure) or reapproval (approval again, lhasa:16)
    path: String,
    path_label: String,
    /// to_send, returned, handling, done, refused, cancelled
    status: String,
    status_label: String,
    created_by: String,
    created_at_ms: i64,
    /// When its run's current step began (收到日期: its sending, or the act that brought it
    /// there; for a finished run, when it finished).
    waiting_since_ms: i64,
    version: i64,
}

impl From<&Change> for ChangeDto {
    fn from(c: &Change) -> Self {
        let t = &c.terms;
        ChangeDto {
            id: c.id,
            project_id: c.project_id.0,
            project_name: c.project_name.clone(),
            title: t.title.clone(),
            content: t.content.clone(),
            reason: t.reason.clone(),
            increase_yuan: t.increase.0,
            decrease_yuan: t.decrease.0,
            ratio_bp: c.ratio_bp,
            path: c.path.as_str().into(),
            path_label: c.path.label().into(),
            status: c.status.as_str().into(),
            status_label: c.status.label().into(),
            created_by: c.created_by.clone(),
            created_at_ms: c.created_at_ms,
            waiting_since_ms: c.waiting_since_ms,
            version: c.version,
        }
    }
}

/// A change with its route, the acts on it and what the caller may do.
#[derive(Serialize, ToSchema)]
pub struct ChangeDetailDto {
    #[serde(flatten)]
    change: ChangeDto,
    #[serde(flatten)]
    run: RunDto,
}

impl From<&ChangeView> for ChangeDetailDto {
    fn from(v: &ChangeView) -> Self {
        ChangeDetailDto { change: ChangeDto::from(&v.record), run: RunDto::of(v) }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChangeListDto {
    items: Vec<ChangeDto>,
}

/// The changes whose run waits on the caller's unit (to send, approve or file).
#[utoipa::path(get, path = "/api/v1/changes", tag = "changes", security(("bearer" = [])),
    responses((status = 200, body = ChangeListDto)))]
pub async fn changes_waiting(
    State(state): State<AppState>, user: ApiUser,
) -> Result<Json<ChangeListDto>, ApiError> {
    let items = crate::shell::subject_api::waiting::<Change, ChangeDto>(&state, &user).await?;
    Ok(Json(ChangeListDto { items }))
}

/// The changes of a project the caller may see.
#[utoipa::path(get, path = "/api/v1/projects/{id}/changes", tag = "changes",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ChangeListDto), (status = 404, body = ApiErrorBody)))]
pub async fn project_changes(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<ChangeListDto>, ApiError> {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    let list = state.store.subjects_of::<Change>(p.id).await?;
    Ok(Json(ChangeListDto { items: list.iter().map(ChangeDto::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct ChangeBody {
    title: String,
    content: String,
    reason: String,
    /// 万元, as text or a number: the budget lines raised, added up.
    increase: Option<String>,
    /// 万元: the budget lines lowered, added up (a positive amount).
    decrease: Option<String>,
}

fn form_of(
    body: &Bytes,
) -> Result<(ChangeForm, serde_json::Map<String, serde_json::Value>), ApiError> {
    let m = object(body)?;
    let mut f = Fields::new(&m, label);
    let form = ChangeForm {
        title: f.get("title"),
        content: f.get("content"),
        reason: f.get("reason"),
        increase: f.get("increase"),
        decrease: f.get("decrease"),
    };
    let form = f.done(form)?;
    Ok((form, m))
}

async fn detail(state: &AppState, user: &ApiUser, id: i64) -> Result<ChangeDetailDto, ApiError> {
    crate::shell::subject_api::detail::<Change, ChangeDetailDto>(state, user, id).await
}

/// Requests a change of an approved project. Its amounts, added to those of the project's
/// earlier changes, choose its route under the profile: the `change_request` chain, or the
/// approval stage again where a threshold says so (lhasa:16 above 15% of the approved budget).
#[utoipa::path(post, path = "/api/v1/projects/{id}/changes", tag = "changes",
    params(("id" = i64, Path)), request_body = ChangeBody, security(("bearer" = [])),
    responses((status = 201, body = ChangeDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn request_change(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<(StatusCode, Json<ChangeDetailDto>), ApiError> {
    let (form, _) = form_of(&body)?;
    let step = RequestChange { project: ProjectId(id), form };
    let changed = state.store.run(user.who(&state), Target::New, &step).await?;
    state.after_change(&changed).await;
    Ok((StatusCode::CREATED, Json(detail(&state, &user, changed.record.id).await?)))
}

/// A change with its route and acts.
#[utoipa::path(get, path = "/api/v1/changes/{id}", tag = "changes", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = ChangeDetailDto),
        (status = 404, body = ApiErrorBody)))]
pub async fn get_change(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<ChangeDetailDto>, ApiError> {
    Ok(Json(detail(&state, &user, id).await?))
}

/// Corrects a change not yet sent (or returned) at the version read, under the same rules as
/// requesting it. A correction that changes its route is refused once anyone has acted on it.
#[utoipa::path(put, path = "/api/v1/changes/{id}", tag = "changes", params(("id" = i64, Path)),
    request_body = ChangeBody, security(("bearer" = [])),
    responses((status = 200, body = ChangeDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn edit_change(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<ChangeDetailDto>, ApiError> {
    let (form, m) = form_of(&body)?;
    let version = version_field(&m)?;
    let changed =
        state.store.run(user.who(&state), Target::at(id, version), &EditChange { form }).await?;
    state.after_change(&changed).await;
    Ok(Json(detail(&state, &user, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct CancelBody {
    version: i64,
    reason: String,
}

/// Cancels a change not yet sent (or returned): it no longer counts toward the project's
/// adjustments and no one acts on it again.
#[utoipa::path(post, path = "/api/v1/changes/{id}/cancel", tag = "changes",
    params(("id" = i64, Path)), request_body = CancelBody, security(("bearer" = [])),
    responses((status = 200, body = ChangeDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn cancel_change(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<ChangeDetailDto>, ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let mut f = Fields::new(&m, |_| "撤销理由");
    let reason = f.get("reason");
    let reason = f.done(reason)?;
    let changed = state
        .store
        .run(user.who(&state), Target::at(id, version), &CancelChange { reason })
        .await?;
    state.after_change(&changed).await;
    Ok(Json(detail(&state, &user, id).await?))
}

/// What may be done on a change's run.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum ChangeVerbDto {
    /// 通过 the step held: 申请 at the owner's, 批准 or 备案 at the later ones.
    Pass,
    /// 退回 to an earlier step (`to`: its key), with a reason.
    Return,
    /// 撤回 by the sender while the next party has not acted.
    Withdraw,
    /// 不予通过, with a reason: the change ends and no longer counts.
    Reject,
}

/// Acts on a change's run at the version read.
#[utoipa::path(post, path = "/api/v1/changes/{id}/{verb}", tag = "changes",
    params(("id" = i64, Path), ("verb" = inline(ChangeVerbDto), Path)), request_body = crate::shell::route::RouteActBody,
    security(("bearer" = [])),
    responses((status = 200, body = ChangeDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn act_on_change(
    State(state): State<AppState>, user: ApiUser, Path((id, verb)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<ChangeDetailDto>, ApiError> {
    crate::shell::subject_api::act::<Change, _>(&state, &user, id, &verb, &CHANGE_VERBS, &body)
        .await
}
