//! 督查处理 over the API: a project's measures with what the caller may take under each of its
//! profile's sanctions, taking one, reading one, and lifting it at the version read.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::{Fields, object, version_field};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::ids::ProjectId;
use govit_core::sanction::MeasureForm;
use govit_storage::Target;
use govit_storage::projects::Project;
use govit_storage::sanctions::{LiftMeasure, Measure, TakeMeasure};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(project_measures, take_measure))
        .routes(routes!(get_measure))
        .routes(routes!(lift_measure))
}

#[derive(Serialize, ToSchema)]
pub struct MeasureDto {
    id: i64,
    project_id: i64,
    project_name: String,
    owner_name: String,
    /// The profile's sanction it was taken under, and its article.
    rule: String,
    cite: String,
    /// suspend_funds, suspend_project, terminate, defer_plan, criticism, recover_funds,
    /// budget_cut, no_om_funds, no_further_funds
    step: String,
    step_label: String,
    reason: String,
    taken_by: String,
    taken_at_ms: i64,
    /// Not lifted: it holds back what its facts gate (funds_suspended, construction_suspended,
    /// om_funds_stopped).
    in_force: bool,
    lifted_by: Option<String>,
    lifted_at_ms: Option<i64>,
    lift_reason: Option<String>,
    version: i64,
}

impl From<Measure> for MeasureDto {
    fn from(m: Measure) -> Self {
        MeasureDto {
            id: m.id,
            project_id: m.project_id.0,
            in_force: m.in_force(),
            project_name: m.project_name,
            owner_name: m.owner_name,
            rule: m.rule_id,
            cite: m.cite,
            step: m.step.as_str().into(),
            step_label: m.step.label().into(),
            reason: m.reason,
            taken_by: m.taken_by,
            taken_at_ms: m.taken_at_ms,
            lifted_by: m.lifted.as_ref().map(|l| l.by.clone()),
            lifted_at_ms: m.lifted.as_ref().map(|l| l.at_ms),
            lift_reason: m.lifted.map(|l| l.reason),
            version: m.version,
        }
    }
}

/// A measure a sanction names, and whether the caller may take it now.
#[derive(Serialize, ToSchema)]
pub struct MeasureOfferDto {
    step: String,
    label: String,
    /// Why it may not be taken now, in Chinese with the article; none: it may.
    not_now: Option<String>,
}

/// A sanction of the project's profile with the measures the caller takes under it.
#[derive(Serialize, ToSchema)]
pub struct RuleOfferDto {
    rule: String,
    cite: String,
    text: String,
    measures: Vec<MeasureOfferDto>,
}

/// A project's measures, and the sanctions the caller may take measures under.
#[derive(Serialize, ToSchema)]
pub struct ProjectMeasuresDto {
    items: Vec<MeasureDto>,
    rules: Vec<RuleOfferDto>,
}

/// The measures taken on a project the caller may see, newest first, with the sanctions of
/// its profile and what the caller may take under each now.
#[utoipa::path(get, path = "/api/v1/projects/{id}/measures", tag = "sanctions",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ProjectMeasuresDto), (status = 404, body = ApiErrorBody)))]
pub async fn project_measures(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<ProjectMeasuresDto>, ApiError> {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    let s = state.store.sanctions_of(user.who(&state), &p, state.now_ms()).await?;
    Ok(Json(ProjectMeasuresDto {
        items: s.measures.into_iter().map(MeasureDto::from).collect(),
        rules: s
            .rules
            .into_iter()
            .map(|r| RuleOfferDto {
                rule: r.id,
                cite: r.cite,
                text: r.text,
                measures: r
                    .measures
                    .into_iter()
                    .map(|(step, label, not_now)| MeasureOfferDto {
                        step: step.as_str().into(),
                        label: label.into(),
                        not_now,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct MeasureBody {
    /// The id of one of the profile's `[[sanctions]]` (gaoping-22-rectify).
    rule: String,
    /// A measure that sanction names: suspend_funds, suspend_project, terminate …
    step: String,
    /// Why (at most 1000 characters).
    reason: String,
}

fn label(field: &str) -> &'static str {
    match field {
        "rule" => "依据的规定",
        "step" => "处理措施",
        "reason" => "理由",
        _ => "",
    }
}

/// Takes a measure on an approved project under one of its profile's sanctions: by the
/// parties the profile names (who orders rectification; finance too for money), once the
/// rectification the sanction puts first failed or lapsed where it escalates (gaoping:22
/// 拒不整改或整改后仍不符合要求的). Refused (409) while the same measure is in force or after
/// 终止项目.
#[utoipa::path(post, path = "/api/v1/projects/{id}/measures", tag = "sanctions",
    params(("id" = i64, Path)), request_body = MeasureBody, security(("bearer" = [])),
    responses((status = 201, body = MeasureDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn take_measure(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<(StatusCode, Json<MeasureDto>), ApiError> {
    let m = object(&body)?;
    let mut f = Fields::new(&m, label);
    let form = MeasureForm { rule: f.get("rule"), step: f.get("step"), reason: f.get("reason") };
    let form = f.done(form)?;
    let step = TakeMeasure { project: ProjectId(id), form };
    let result = state.store.run(user.who(&state), Target::New, &step).await;
    crate::shell::respond::api(&state, result, StatusCode::CREATED).await
}

/// A measure.
#[utoipa::path(get, path = "/api/v1/measures/{id}", tag = "sanctions",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = MeasureDto), (status = 404, body = ApiErrorBody)))]
pub async fn get_measure(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<MeasureDto>, ApiError> {
    Ok(Json(state.store.read::<Measure>(user.who(&state), id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct LiftBody {
    /// Why it is lifted (at most 1000 characters).
    reason: String,
    /// The version read.
    version: i64,
}

/// Lifts a measure in force at the version read, with the reason, by the parties that take
/// it; 终止项目 is not lifted (409).
#[utoipa::path(post, path = "/api/v1/measures/{id}/lift", tag = "sanctions",
    params(("id" = i64, Path)), request_body = LiftBody, security(("bearer" = [])),
    responses((status = 200, body = MeasureDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn lift_measure(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<(StatusCode, Json<MeasureDto>), ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let mut f = Fields::new(&m, label);
    let reason = f.get("reason");
    let reason = f.done(reason)?;
    let step = LiftMeasure { reason };
    let result = state.store.run(user.who(&state), Target::at(id, version), &step).await;
    crate::shell::respond::api(&state, result, StatusCode::OK).await
}
