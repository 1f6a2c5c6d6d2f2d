//! Progress reports over the API: fill one in for an approved project, read it with its
//! route, correct it before it is sent (or after a return), act on its run (pass, return,
//! withdraw) at the version read, and list a project's reports and those waiting on the
//! caller.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::{Fields, object, version_field};
use crate::shell::route::RunDto;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::ids::ProjectId;
use govit_core::progress::{ReportForm, label};
use govit_storage::Target;
use govit_storage::progress::{EditReport, FileReport, REPORT_VERBS, Report, ReportView};
use govit_storage::projects::Project;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reports_waiting))
        .routes(routes!(project_reports, file_report))
        .routes(routes!(get_report, edit_report))
        .routes(routes!(act_on_report))
        .routes(routes!(super::annex::api_report_form))
}

#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    id: i64,
    project_id: i64,
    project_name: String,
    owner_name: String,
    /// The quarter reported on: 2026Q3
    period: String,
    content: String,
    progress: String,
    /// YYYY-MM-DD
    expected_on: String,
    invested_yuan: i64,
    /// The project's approved budget (yuan), and the share invested (basis points).
    approved_yuan: i64,
    spent_bp: Option<i64>,
    over_budget: bool,
    head: String,
    contact: String,
    phone: String,
    mobile: String,
    email: String,
    /// recorded (its profile files nothing), to_send, returned, filing, filed
    status: String,
    status_label: String,
    created_by: String,
    created_at_ms: i64,
    /// When its run's current step began (收到日期: its sending, or the act that brought it
    /// there; for a finished run, when it finished).
    waiting_since_ms: i64,
    version: i64,
}

impl From<&Report> for ReportDto {
    fn from(r: &Report) -> Self {
        let t = &r.terms;
        ReportDto {
            id: r.id,
            project_id: r.project_id.0,
            project_name: r.project_name.clone(),
            owner_name: r.owner_name.clone(),
            period: t.period.code(),
            content: t.content.clone(),
            progress: t.progress.clone(),
            expected_on: t.expected_on.to_string(),
            invested_yuan: t.invested.0,
            approved_yuan: r.approved.0,
            spent_bp: govit_core::progress::spent_bp(t.invested, r.approved),
            over_budget: r.over_budget(),
            head: t.head.clone(),
            contact: t.contact.clone(),
            phone: t.phone.clone(),
            mobile: t.mobile.clone(),
            email: t.email.clone(),
            status: r.status.as_str().into(),
            status_label: r.status.label().into(),
            created_by: r.created_by.clone(),
            created_at_ms: r.created_at_ms,
            waiting_since_ms: r.waiting_since_ms,
            version: r.version,
        }
    }
}

/// A report with its route, the acts on it and what the caller may do.
#[derive(Serialize, ToSchema)]
pub struct ReportDetailDto {
    #[serde(flatten)]
    report: ReportDto,
    #[serde(flatten)]
    run: RunDto,
}

impl From<&ReportView> for ReportDetailDto {
    fn from(v: &ReportView) -> Self {
        ReportDetailDto { report: ReportDto::from(&v.record), run: RunDto::of(v) }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReportListDto {
    items: Vec<ReportDto>,
}

/// The progress reports whose run waits on the caller's unit (to send or file).
#[utoipa::path(get, path = "/api/v1/progress", tag = "progress", security(("bearer" = [])),
    responses((status = 200, body = ReportListDto)))]
pub async fn reports_waiting(
    State(state): State<AppState>, user: ApiUser,
) -> Result<Json<ReportListDto>, ApiError> {
    let items = crate::shell::subject_api::waiting::<Report, ReportDto>(&state, &user).await?;
    Ok(Json(ReportListDto { items }))
}

/// The progress reports of a project the caller may see, oldest quarter first.
#[utoipa::path(get, path = "/api/v1/projects/{id}/progress", tag = "progress",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ReportListDto), (status = 404, body = ApiErrorBody)))]
pub async fn project_reports(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<ReportListDto>, ApiError> {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    let list = state.store.subjects_of::<Report>(p.id).await?;
    Ok(Json(ReportListDto { items: list.iter().map(ReportDto::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct ReportBody {
    /// The quarter reported on: 2026Q3 (not later than this quarter).
    period: String,
    content: String,
    progress: String,
    /// YYYY-MM-DD
    expected_on: String,
    /// 万元, as text or a number.
    invested: String,
    head: String,
    contact: String,
    /// 电话 or 手机, at least one.
    phone: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
}

fn form_of(
    body: &Bytes,
) -> Result<(ReportForm, serde_json::Map<String, serde_json::Value>), ApiError> {
    let m = object(body)?;
    let mut f = Fields::new(&m, label);
    let form = ReportForm {
        period: f.get("period"),
        content: f.get("content"),
        progress: f.get("progress"),
        expected_on: f.get("expected_on"),
        invested: f.get("invested"),
        head: f.get("head"),
        contact: f.get("contact"),
        phone: f.get("phone"),
        mobile: f.get("mobile"),
        email: f.get("email"),
    };
    let form = f.done(form)?;
    Ok((form, m))
}

async fn detail(state: &AppState, user: &ApiUser, id: i64) -> Result<ReportDetailDto, ApiError> {
    crate::shell::subject_api::detail::<Report, ReportDetailDto>(state, user, id).await
}

/// Fills in a quarter's progress report for an approved project; one per quarter. Where the
/// profile has no `progress_report` chain, this is the report: 报送进度 is recorded at once.
#[utoipa::path(post, path = "/api/v1/projects/{id}/progress", tag = "progress",
    params(("id" = i64, Path)), request_body = ReportBody, security(("bearer" = [])),
    responses((status = 201, body = ReportDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn file_report(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<(StatusCode, Json<ReportDetailDto>), ApiError> {
    let (form, _) = form_of(&body)?;
    let step = FileReport { project: ProjectId(id), form };
    let changed = state.store.run(user.who(&state), Target::New, &step).await?;
    state.after_change(&changed).await;
    Ok((StatusCode::CREATED, Json(detail(&state, &user, changed.record.id).await?)))
}

/// A progress report with its route and acts.
#[utoipa::path(get, path = "/api/v1/progress/{id}", tag = "progress", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = ReportDetailDto),
        (status = 404, body = ApiErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<ReportDetailDto>, ApiError> {
    Ok(Json(detail(&state, &user, id).await?))
}

/// Corrects a report not yet sent (or returned) at the version read, under the same rules.
#[utoipa::path(put, path = "/api/v1/progress/{id}", tag = "progress", params(("id" = i64, Path)),
    request_body = ReportBody, security(("bearer" = [])),
    responses((status = 200, body = ReportDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn edit_report(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<ReportDetailDto>, ApiError> {
    let (form, m) = form_of(&body)?;
    let version = version_field(&m)?;
    let changed =
        state.store.run(user.who(&state), Target::at(id, version), &EditReport { form }).await?;
    state.after_change(&changed).await;
    Ok(Json(detail(&state, &user, id).await?))
}

/// What may be done on a report's run.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum ReportVerbDto {
    /// 通过 the step held: 报送 at the owner's (which records 报送进度), 备案 at the authority's.
    Pass,
    /// 退回 to an earlier step (`to`: its key), with a reason.
    Return,
    /// 撤回 by the sender while the next party has not acted.
    Withdraw,
}

/// Acts on a report's run at the version read.
#[utoipa::path(post, path = "/api/v1/progress/{id}/{verb}", tag = "progress",
    params(("id" = i64, Path), ("verb" = inline(ReportVerbDto), Path)), request_body = crate::shell::route::RouteActBody,
    security(("bearer" = [])),
    responses((status = 200, body = ReportDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn act_on_report(
    State(state): State<AppState>, user: ApiUser, Path((id, verb)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<ReportDetailDto>, ApiError> {
    crate::shell::subject_api::act::<Report, _>(&state, &user, id, &verb, &REPORT_VERBS, &body)
        .await
}
