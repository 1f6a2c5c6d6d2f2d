//! 信用档案 over the API: a firm's or an expert's credit file, and recording misconduct in it
//! (the jurisdiction's administrators, under the profile's rule).

use super::subject_of;
use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::{Fields, object};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::DomainError;
use govit_core::credit::{CreditForm, CreditSubject};
use govit_storage::Target;
use govit_storage::credit::{CreditRecord, RecordCredit};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(credit_file, record_credit))
}

#[derive(Serialize, ToSchema)]
pub struct CreditRecordDto {
    id: i64,
    /// firm or expert
    subject: String,
    subject_id: i64,
    subject_name: String,
    project_id: Option<i64>,
    project_name: Option<String>,
    /// The profile's rule it was recorded under, and its article (linxiang:35).
    rule_id: String,
    cite: String,
    conduct: String,
    recorded_by: String,
    recorded_at_ms: i64,
}

impl From<CreditRecord> for CreditRecordDto {
    fn from(r: CreditRecord) -> Self {
        CreditRecordDto {
            id: r.id,
            subject: r.subject.as_str().into(),
            subject_id: r.subject_id,
            subject_name: r.subject_name,
            project_id: r.project_id,
            project_name: r.project_name,
            rule_id: r.rule_id,
            cite: r.cite,
            conduct: r.conduct,
            recorded_by: r.recorded_by,
            recorded_at_ms: r.recorded_at_ms,
        }
    }
}

/// A credit file: whose, whether it is blacklisted, and its records, newest first.
#[derive(Serialize, ToSchema)]
pub struct CreditFileDto {
    subject: String,
    subject_id: i64,
    name: String,
    blacklisted: bool,
    blacklist_reason: String,
    /// The article the blacklist stands on, where the profile names one (linxiang:35, lhasa:22).
    blacklist_cite: Option<String>,
    /// The articles misconduct is recorded under (empty: the profile records none).
    recorded_under: Vec<String>,
    records: Vec<CreditRecordDto>,
}

/// `firms` or `experts`, as the path says.
fn kind_of(segment: &str) -> Result<CreditSubject, ApiError> {
    match segment {
        "firms" => Ok(CreditSubject::Firm),
        "experts" => Ok(CreditSubject::Expert),
        _ => Err(DomainError::NotFound.into()),
    }
}

async fn file(
    state: &AppState, user: &ApiUser, kind: CreditSubject, id: i64,
) -> Result<CreditFileDto, ApiError> {
    let j = user.principal.jurisdiction_id;
    let Some((s, profile)) = subject_of(state, j, kind, id).await? else {
        return Err(DomainError::NotFound.into());
    };
    let records = state.store.credit_records(user.who(state), j, kind, id).await?;
    Ok(CreditFileDto {
        subject: kind.as_str().into(),
        subject_id: id,
        name: s.holder.name,
        blacklisted: s.holder.blacklisted,
        blacklist_reason: s.holder.blacklist_reason,
        blacklist_cite: profile
            .as_ref()
            .and_then(govit_core::credit::blacklisting)
            .map(|r| r.cite.clone()),
        recorded_under: profile
            .as_ref()
            .map(|p| govit_core::credit::recording(p).iter().map(|r| r.cite.clone()).collect())
            .unwrap_or_default(),
        records: records.into_iter().map(CreditRecordDto::from).collect(),
    })
}

/// The credit file of a firm (`firms`) or an expert (`experts`) of the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/org/{kind}/{id}/credit-records", tag = "org",
    params(("kind" = String, Path, description = "firms or experts"), ("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = CreditFileDto), (status = 404, body = ApiErrorBody)))]
pub async fn credit_file(
    State(state): State<AppState>, user: ApiUser, Path((kind, id)): Path<(String, i64)>,
) -> Result<Json<CreditFileDto>, ApiError> {
    let kind = kind_of(&kind)?;
    Ok(Json(file(&state, &user, kind, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct CreditBody {
    /// The id of the profile's rule (may be left out where it has one: linxiang-35-firm-misconduct).
    rule: Option<String>,
    /// What was done and how it was established (不良行为).
    conduct: String,
    /// The number of the project it concerns, if one.
    project: Option<i64>,
}

fn label(field: &str) -> &'static str {
    match field {
        "rule" => "依据",
        "conduct" => "不良行为",
        "project" => "涉及项目编号",
        _ => "",
    }
}

/// Records misconduct in a credit file (the jurisdiction's administrators, where the profile
/// records it: linxiang:35). A record is never edited or removed.
#[utoipa::path(post, path = "/api/v1/org/{kind}/{id}/credit-records", tag = "org",
    params(("kind" = String, Path, description = "firms or experts"), ("id" = i64, Path)),
    request_body = CreditBody, security(("bearer" = [])),
    responses((status = 201, body = CreditRecordDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn record_credit(
    State(state): State<AppState>, user: ApiUser, Path((kind, id)): Path<(String, i64)>,
    body: Bytes,
) -> Result<(StatusCode, Json<CreditRecordDto>), ApiError> {
    let kind = kind_of(&kind)?;
    let m = object(&body)?;
    let mut f = Fields::new(&m, label);
    let form =
        CreditForm { rule: f.get("rule"), conduct: f.get("conduct"), project: f.get("project") };
    let form = f.done(form)?;
    let step = RecordCredit { subject: kind, subject_id: id, form };
    let result = state.store.run(user.who(&state), Target::New, &step).await;
    crate::shell::respond::api(&state, result, StatusCode::CREATED).await
}
