//! Acceptances over the API: start one for an approved project, read it with its route,
//! correct its summary and contact before anyone acted (or after a return), act on its run
//! (pass, return, reject: 验收未通过, withdraw) at the version read, and list a project's
//! acceptances and those waiting on the caller.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::{Fields, object, version_field};
use crate::shell::route::RunDto;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::acceptance::{AcceptanceForm, label};
use govit_core::ids::ProjectId;
use govit_storage::Target;
use govit_storage::acceptances::{
    ACCEPTANCE_VERBS, Acceptance, AcceptanceView, EditAcceptance, StartAcceptance,
};
use govit_storage::projects::Project;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(acceptances_waiting))
        .routes(routes!(project_acceptances, start_acceptance))
        .routes(routes!(get_acceptance, edit_acceptance))
        .routes(routes!(act_on_acceptance))
}

#[derive(Serialize, ToSchema)]
pub struct AcceptanceDto {
    id: i64,
    project_id: i64,
    project_name: String,
    owner_name: String,
    /// The project's first, second … acceptance (a failed one is followed by the next).
    attempt: i64,
    summary: String,
    contact: String,
    phone: String,
    /// Whether its route starts at the completion acceptance (the preliminary one passed
    /// before).
    after_preliminary: bool,
    /// preliminary, returned, accepting, filing, accepted, filed, failed
    status: String,
    status_label: String,
    /// Whether the project passed its completion acceptance in it.
    passed: bool,
    created_by: String,
    created_at_ms: i64,
    /// When its run's current step began (收到日期: its sending, or the act that brought it
    /// there; for a finished run, when it finished).
    waiting_since_ms: i64,
    version: i64,
}

impl From<&Acceptance> for AcceptanceDto {
    fn from(a: &Acceptance) -> Self {
        AcceptanceDto {
            id: a.id,
            project_id: a.project_id.0,
            project_name: a.project_name.clone(),
            owner_name: a.owner_name.clone(),
            attempt: a.attempt,
            summary: a.terms.summary.clone(),
            contact: a.terms.contact.clone(),
            phone: a.terms.phone.clone(),
            after_preliminary: a.after_preliminary,
            status: a.status.as_str().into(),
            status_label: a.status.label().into(),
            passed: a.passed(),
            created_by: a.created_by.clone(),
            created_at_ms: a.created_at_ms,
            waiting_since_ms: a.waiting_since_ms,
            version: a.version,
        }
    }
}

/// An acceptance with its route, the acts on it and what the caller may do.
#[derive(Serialize, ToSchema)]
pub struct AcceptanceDetailDto {
    #[serde(flatten)]
    acceptance: AcceptanceDto,
    #[serde(flatten)]
    run: RunDto,
}

impl From<&AcceptanceView> for AcceptanceDetailDto {
    fn from(v: &AcceptanceView) -> Self {
        AcceptanceDetailDto { acceptance: AcceptanceDto::from(&v.record), run: RunDto::of(v) }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AcceptanceListDto {
    items: Vec<AcceptanceDto>,
}

/// The acceptances whose run waits on the caller's unit.
#[utoipa::path(get, path = "/api/v1/acceptances", tag = "acceptances", security(("bearer" = [])),
    responses((status = 200, body = AcceptanceListDto)))]
pub async fn acceptances_waiting(
    State(state): State<AppState>, user: ApiUser,
) -> Result<Json<AcceptanceListDto>, ApiError> {
    let items =
        crate::shell::subject_api::waiting::<Acceptance, AcceptanceDto>(&state, &user).await?;
    Ok(Json(AcceptanceListDto { items }))
}

/// The acceptances of a project the caller may see, first attempt first.
#[utoipa::path(get, path = "/api/v1/projects/{id}/acceptances", tag = "acceptances",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = AcceptanceListDto), (status = 404, body = ApiErrorBody)))]
pub async fn project_acceptances(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<AcceptanceListDto>, ApiError> {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    let list = state.store.subjects_of::<Acceptance>(p.id).await?;
    Ok(Json(AcceptanceListDto { items: list.iter().map(AcceptanceDto::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct AcceptanceBody {
    /// 项目建设总结.
    summary: String,
    contact: String,
    phone: String,
    /// The version read: required when correcting (PUT), not when starting (POST).
    version: Option<i64>,
}

fn form_of(
    body: &Bytes,
) -> Result<(AcceptanceForm, serde_json::Map<String, serde_json::Value>), ApiError> {
    let m = object(body)?;
    let mut f = Fields::new(&m, label);
    let form = AcceptanceForm {
        summary: f.get("summary"),
        contact: f.get("contact"),
        phone: f.get("phone"),
    };
    let form = f.done(form)?;
    Ok((form, m))
}

async fn detail(
    state: &AppState, user: &ApiUser, id: i64,
) -> Result<AcceptanceDetailDto, ApiError> {
    crate::shell::subject_api::detail::<Acceptance, AcceptanceDetailDto>(state, user, id).await
}

/// Starts an acceptance of an approved project: the first, or the next after a failed one;
/// refused while one is under way or once the project has passed.
#[utoipa::path(post, path = "/api/v1/projects/{id}/acceptances", tag = "acceptances",
    params(("id" = i64, Path)), request_body = AcceptanceBody, security(("bearer" = [])),
    responses((status = 201, body = AcceptanceDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn start_acceptance(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<(StatusCode, Json<AcceptanceDetailDto>), ApiError> {
    let (form, _) = form_of(&body)?;
    let step = StartAcceptance { project: ProjectId(id), form };
    let changed = state.store.run(user.who(&state), Target::New, &step).await?;
    state.after_change(&changed).await;
    Ok((StatusCode::CREATED, Json(detail(&state, &user, changed.record.id).await?)))
}

/// An acceptance with its route and acts.
#[utoipa::path(get, path = "/api/v1/acceptances/{id}", tag = "acceptances",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = AcceptanceDetailDto), (status = 404, body = ApiErrorBody)))]
pub async fn get_acceptance(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<AcceptanceDetailDto>, ApiError> {
    Ok(Json(detail(&state, &user, id).await?))
}

/// Corrects an acceptance's summary and contact at the version read, before anyone acted on
/// it or after a return.
#[utoipa::path(put, path = "/api/v1/acceptances/{id}", tag = "acceptances",
    params(("id" = i64, Path)), request_body = AcceptanceBody, security(("bearer" = [])),
    responses((status = 200, body = AcceptanceDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn edit_acceptance(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<AcceptanceDetailDto>, ApiError> {
    let (form, m) = form_of(&body)?;
    let version = version_field(&m)?;
    let changed = state
        .store
        .run(user.who(&state), Target::at(id, version), &EditAcceptance { form })
        .await?;
    state.after_change(&changed).await;
    Ok(Json(detail(&state, &user, id).await?))
}

/// What may be done on an acceptance's run.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum AcceptanceVerbDto {
    /// 通过 the step held (初步验收合格, 提出竣工验收申请, 组织竣工验收, 备案): records its event on
    /// the project; at the step that accepts, refused while an `accept` gate of the profile
    /// does not hold.
    Pass,
    /// 退回 to an earlier step (`to`: its key), with a reason.
    Return,
    /// 不予通过 with a reason: 验收未通过; the run ends and the owner applies again.
    Reject,
    /// 撤回 by the sender while the next party has not acted.
    Withdraw,
}

/// Acts on an acceptance's run at the version read.
#[utoipa::path(post, path = "/api/v1/acceptances/{id}/{verb}", tag = "acceptances",
    params(("id" = i64, Path), ("verb" = inline(AcceptanceVerbDto), Path)),
    request_body = crate::shell::route::RouteActBody, security(("bearer" = [])),
    responses((status = 200, body = AcceptanceDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn act_on_acceptance(
    State(state): State<AppState>, user: ApiUser, Path((id, verb)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<AcceptanceDetailDto>, ApiError> {
    crate::shell::subject_api::act::<Acceptance, _>(
        &state,
        &user,
        id,
        &verb,
        &ACCEPTANCE_VERBS,
        &body,
    )
    .await
}
