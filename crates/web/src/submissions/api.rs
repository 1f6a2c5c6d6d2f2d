//! Submissions over the API: begin one of the stages a project's profile lays out after its
//! acceptance (财评或审计, 绩效自评价, 后评价, 运维经费申请), read it with its route, correct it
//! while its first party holds it, act on its run at the version read, and list a project's
//! submissions (with the stages the caller may begin) and those waiting on the caller.

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
use govit_core::policy::Stage;
use govit_core::submission::SubmissionForm;
use govit_storage::Target;
use govit_storage::projects::Project;
use govit_storage::submissions::{
    EditSubmission, SUBMISSION_VERBS, StartSubmission, Submission, SubmissionView,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submissions_waiting))
        .routes(routes!(project_submissions, start_submission))
        .routes(routes!(get_submission, edit_submission))
        .routes(routes!(act_on_submission))
}

#[derive(Serialize, ToSchema)]
pub struct SubmissionDto {
    id: i64,
    project_id: i64,
    project_name: String,
    owner_name: String,
    /// unimplemented_report, surplus_return, financial_review, self_evaluation,
    /// post_evaluation, om_fund_application, om_report, rectification, termination
    stage: String,
    /// The stage's name in the profile (财评或审计, 绩效自评).
    title: String,
    /// The project's first, second … of this stage.
    seq: i64,
    /// 退回结余资金, 竣工决算金额 or 申请运维经费, in yuan, where the stage states one.
    amount_yuan: Option<i64>,
    /// 竣工决算完成日期 (YYYY-MM-DD), where the stage states one.
    day: Option<String>,
    /// 整改期限 (YYYY-MM-DD) of a rectification order.
    due: Option<String>,
    /// The profile's sanction a rectification is ordered under (gaoping-22-rectify).
    rule: Option<String>,
    /// A post-evaluation's scores, 0 to 100, by the id of its profile's dimension (empty
    /// where the stage scores nothing); `mean` their mean with one decimal ("83.0").
    #[schema(value_type = Object)]
    scores: std::collections::BTreeMap<String, u8>,
    mean: Option<String>,
    /// The year a yearly report covers (om_report, linxiang:29).
    year: Option<i32>,
    text: String,
    /// drafting, returned, reviewing, done, refused
    status: String,
    status_label: String,
    created_by: String,
    created_at_ms: i64,
    /// When its run's current step began (收到日期: its sending, or the act that brought it
    /// there; for a finished run, when it finished).
    waiting_since_ms: i64,
    version: i64,
}

impl From<&Submission> for SubmissionDto {
    fn from(s: &Submission) -> Self {
        SubmissionDto {
            id: s.id,
            project_id: s.project_id.0,
            project_name: s.project_name.clone(),
            owner_name: s.owner_name.clone(),
            stage: s.stage.as_str().into(),
            title: s.title.clone(),
            seq: s.seq,
            amount_yuan: s.terms.amount.map(|a| a.0),
            day: s.terms.day.map(|d| d.to_string()),
            due: s.terms.due.map(|d| d.to_string()),
            rule: s.terms.rule.clone(),
            scores: s.terms.scores.clone(),
            mean: s.terms.mean_shown(),
            year: s.terms.year,
            text: s.terms.text.clone(),
            status: s.status.as_str().into(),
            status_label: s.status.label().into(),
            created_by: s.created_by.clone(),
            created_at_ms: s.created_at_ms,
            waiting_since_ms: s.waiting_since_ms,
            version: s.version,
        }
    }
}

/// A submission with its route, the acts on it and what the caller may do.
#[derive(Serialize, ToSchema)]
pub struct SubmissionDetailDto {
    #[serde(flatten)]
    submission: SubmissionDto,
    #[serde(flatten)]
    run: RunDto,
}

impl From<&SubmissionView> for SubmissionDetailDto {
    fn from(v: &SubmissionView) -> Self {
        SubmissionDetailDto { submission: SubmissionDto::from(&v.record), run: RunDto::of(v) }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SubmissionListDto {
    items: Vec<SubmissionDto>,
}

/// A stage the project's profile lays out a submission for.
#[derive(Serialize, ToSchema)]
pub struct OfferedDto {
    stage: String,
    label: String,
    /// What the profile says of it, each with its article.
    rules: Vec<String>,
    /// Whether the caller may begin one now (none open, what must happen first has).
    may_start: bool,
    /// Whether one is being handled now.
    open: bool,
    /// What must happen first and has not, in Chinese with its article.
    not_yet: Option<String>,
    /// What its party scores when beginning it: send `scores` with every id, 0 to 100.
    dimensions: Vec<DimensionDto>,
    /// A yearly report's years since the acceptance that none covers yet (om_report).
    years_missing: Vec<i32>,
}

/// One thing a post-evaluation scores, in the article's words.
#[derive(Serialize, ToSchema)]
pub struct DimensionDto {
    id: String,
    name: String,
}

/// A project's submissions, and the stages its profile lays them out for.
#[derive(Serialize, ToSchema)]
pub struct ProjectSubmissionsDto {
    items: Vec<SubmissionDto>,
    stages: Vec<OfferedDto>,
}

/// The submissions whose run waits on the caller's unit.
#[utoipa::path(get, path = "/api/v1/submissions", tag = "submissions", security(("bearer" = [])),
    responses((status = 200, body = SubmissionListDto)))]
pub async fn submissions_waiting(
    State(state): State<AppState>, user: ApiUser,
) -> Result<Json<SubmissionListDto>, ApiError> {
    let items =
        crate::shell::subject_api::waiting::<Submission, SubmissionDto>(&state, &user).await?;
    Ok(Json(SubmissionListDto { items }))
}

/// The submissions of a project the caller may see, first first, with the stages its
/// profile lays out and whether the caller may begin one.
#[utoipa::path(get, path = "/api/v1/projects/{id}/submissions", tag = "submissions",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ProjectSubmissionsDto), (status = 404, body = ApiErrorBody)))]
pub async fn project_submissions(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<ProjectSubmissionsDto>, ApiError> {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    let list = state.store.subjects_of::<Submission>(p.id).await?;
    let offered = state.store.submissions_offered(user.who(&state), &p).await?;
    Ok(Json(ProjectSubmissionsDto {
        items: list.iter().map(SubmissionDto::from).collect(),
        stages: offered
            .into_iter()
            .map(|o| OfferedDto {
                stage: o.stage.as_str().into(),
                label: o.label,
                rules: o.rules,
                may_start: o.may_start,
                open: o.open,
                not_yet: o.not_yet,
                dimensions: o
                    .dimensions
                    .into_iter()
                    .map(|d| DimensionDto { id: d.id, name: d.name })
                    .collect(),
                years_missing: o.years_missing,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct SubmissionBody {
    /// When beginning (POST): unimplemented_report (yeji:19), surplus_return (yeji:19),
    /// financial_review, self_evaluation, post_evaluation, om_fund_application, om_report
    /// (linxiang:29), rectification (限期整改, begun by the party that orders it) or termination
    /// (项目终止, linxiang:25: the project takes no further construction step) — the stages
    /// the project's profile lays out (`GET /api/v1/projects/{id}/submissions`).
    stage: Option<String>,
    /// 退回结余资金 (surplus_return: at most what was paid and not yet returned), 竣工决算金额
    /// (financial_review) or 申请运维经费 (om_fund_application) in 万元, as typed: "118.2";
    /// not read for the other stages.
    amount: Option<String>,
    /// 竣工决算完成日期 (financial_review), YYYY-MM-DD, not after today nor before the
    /// completion acceptance; it is the day lhasa:21's two months run from.
    day: Option<String>,
    /// 整改期限 (rectification), YYYY-MM-DD, after today and within two years.
    due: Option<String>,
    /// The sanction of the profile a rectification is ordered under (rectification): the id
    /// of one of its `[[sanctions]]` that names 限期整改 (gaoping-22-rectify).
    rule: Option<String>,
    /// post_evaluation: a score from 0 to 100 for every dimension the stage lists (its `dimensions`
    /// in `GET /api/v1/projects/{id}/submissions`), by id: {"funds": 85, "outcome": 90}.
    #[schema(value_type = Option<Object>)]
    scores: Option<std::collections::BTreeMap<String, i64>>,
    /// om_report: the year it covers (2026), from the year of the acceptance to this one, one
    /// report a year.
    year: Option<String>,
    /// The report, statement or application.
    text: String,
    /// The version read: required when correcting (PUT), not when beginning (POST).
    version: Option<i64>,
}

fn label(field: &str) -> &'static str {
    match field {
        "stage" => "办理事项",
        "amount" => "金额",
        "day" => "日期",
        "due" => "整改期限",
        "rule" => "依据的规定",
        "scores" => "评分",
        "year" => "报告年度",
        "text" => "报告内容",
        _ => "",
    }
}

fn form_of(
    body: &Bytes,
) -> Result<(SubmissionForm, serde_json::Map<String, serde_json::Value>), ApiError> {
    let m = object(body)?;
    let mut f = Fields::new(&m, label);
    let scores = match m.get("scores") {
        None | Some(serde_json::Value::Null) => Default::default(),
        Some(serde_json::Value::Object(o)) if o.len() > 64 => {
            return Err(govit_core::DomainError::invalid("scores", "评分项不能超过 64 个").into());
        }
        Some(serde_json::Value::Object(o)) => o
            .iter()
            .map(|(k, v)| {
                let typed = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => "?".to_string(),
                };
                (k.clone(), typed)
            })
            .collect(),
        Some(_) => {
            return Err(govit_core::DomainError::invalid(
                "scores",
                "评分应为按评分项 id 列出的对象，例如 {\"funds\": 85}",
            )
            .into());
        }
    };
    let form = SubmissionForm {
        amount: f.get("amount"),
        day: f.get("day"),
        due: f.get("due"),
        rule: f.get("rule"),
        scores,
        year: f.get("year"),
        text: f.get("text"),
    };
    let form = f.done(form)?;
    Ok((form, m))
}

async fn detail(
    state: &AppState, user: &ApiUser, id: i64,
) -> Result<SubmissionDetailDto, ApiError> {
    crate::shell::subject_api::detail::<Submission, SubmissionDetailDto>(state, user, id).await
}

/// Begins a submission of a stage for an approved project (one at a time per stage; the
/// review of the final accounts once); it waits on its first party to send it (pass).
#[utoipa::path(post, path = "/api/v1/projects/{id}/submissions", tag = "submissions",
    params(("id" = i64, Path)), request_body = SubmissionBody, security(("bearer" = [])),
    responses((status = 201, body = SubmissionDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn start_submission(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<(StatusCode, Json<SubmissionDetailDto>), ApiError> {
    let (form, m) = form_of(&body)?;
    let stage = m
        .get("stage")
        .and_then(|v| v.as_str())
        .and_then(|s| Stage::parse(s.trim()))
        .filter(|s| govit_core::submission::kind(*s).is_some())
        .ok_or_else(|| {
            let codes: Vec<&str> =
                govit_core::submission::STAGES.iter().map(|s| s.as_str()).collect();
            govit_core::DomainError::invalid("stage", format!("办理事项应为 {}", codes.join("、")))
        })?;
    let step = StartSubmission { project: ProjectId(id), stage, form };
    let changed = state.store.run(user.who(&state), Target::New, &step).await?;
    state.after_change(&changed).await;
    Ok((StatusCode::CREATED, Json(detail(&state, &user, changed.record.id).await?)))
}

/// A submission with its route and acts.
#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "submissions",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = SubmissionDetailDto), (status = 404, body = ApiErrorBody)))]
pub async fn get_submission(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<SubmissionDetailDto>, ApiError> {
    Ok(Json(detail(&state, &user, id).await?))
}

/// Corrects a submission at the version read, while its first party holds it (not yet sent,
/// taken back, or returned).
#[utoipa::path(put, path = "/api/v1/submissions/{id}", tag = "submissions",
    params(("id" = i64, Path)), request_body = SubmissionBody, security(("bearer" = [])),
    responses((status = 200, body = SubmissionDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn edit_submission(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<SubmissionDetailDto>, ApiError> {
    let (form, m) = form_of(&body)?;
    let version = version_field(&m)?;
    let step = EditSubmission { form };
    let changed = state.store.run(user.who(&state), Target::at(id, version), &step).await?;
    state.after_change(&changed).await;
    Ok(Json(detail(&state, &user, id).await?))
}

/// What may be done on a submission's run.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum SubmissionVerbDto {
    /// 通过 the step held (报送, 财评, 审计, 评价); at an O&M fund application's first step
    /// refused while an `om_funds` gate does not hold; refused before the window of the duty
    /// it fulfils opens (lhasa:22).
    Pass,
    /// 退回 to an earlier step (`to`: its key), with a reason.
    Return,
    /// 不予通过 with a reason where the step judges: the run ends.
    Reject,
    /// 撤回 by the sender while the next party has not acted.
    Withdraw,
}

/// Acts on a submission's run at the version read.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/{verb}", tag = "submissions",
    params(("id" = i64, Path), ("verb" = inline(SubmissionVerbDto), Path)),
    request_body = crate::shell::route::RouteActBody, security(("bearer" = [])),
    responses((status = 200, body = SubmissionDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn act_on_submission(
    State(state): State<AppState>, user: ApiUser, Path((id, verb)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<SubmissionDetailDto>, ApiError> {
    crate::shell::subject_api::act::<Submission, _>(
        &state,
        &user,
        id,
        &verb,
        &SUBMISSION_VERBS,
        &body,
    )
    .await
}
