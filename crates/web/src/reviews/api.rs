//! 评审意见 over the API: a project's review rounds with their summaries, and recording the
//! caller's own opinion at the step they hold.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::{object, version_field};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::DomainError;
use govit_core::review::{Conclusion, DimensionKind, OpinionInput};
use govit_storage::Target;
use govit_storage::projects::Project;
use govit_storage::reviews::{KeptOpinion, RecordOpinion, Reviews, Visit};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_reviews, record_opinion))
}

/// 同意, 修改后同意 (with conditions) or 不同意.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum ConclusionDto {
    Agree,
    Conditional,
    Disagree,
}

impl From<Conclusion> for ConclusionDto {
    fn from(c: Conclusion) -> Self {
        match c {
            Conclusion::Agree => ConclusionDto::Agree,
            Conclusion::Conditional => ConclusionDto::Conditional,
            Conclusion::Disagree => ConclusionDto::Disagree,
        }
    }
}

/// How a dimension is answered: `score` (whole points 0–100), `percent` (0–100, two
/// decimals at most), `choice` (one of `options`) or `text`.
#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum DimensionKindDto {
    Score,
    Percent,
    Choice,
    Text,
}

impl From<DimensionKind> for DimensionKindDto {
    fn from(k: DimensionKind) -> Self {
        match k {
            DimensionKind::Score => DimensionKindDto::Score,
            DimensionKind::Percent => DimensionKindDto::Percent,
            DimensionKind::Choice => DimensionKindDto::Choice,
            DimensionKind::Text => DimensionKindDto::Text,
        }
    }
}

/// A dimension of a review form.
#[derive(Serialize, ToSchema)]
pub struct DimensionDto {
    id: String,
    name: String,
    kind: DimensionKindDto,
    options: Vec<String>,
    /// The party that answers it; every reviewing party when absent.
    by: Option<String>,
}

/// A profile's review form.
#[derive(Serialize, ToSchema)]
pub struct FormDto {
    id: String,
    name: String,
    cite: String,
    text: String,
    dimensions: Vec<DimensionDto>,
}

/// An opinion as kept.
#[derive(Serialize, ToSchema)]
pub struct OpinionDto {
    id: i64,
    party: String,
    party_label: String,
    user_name: String,
    conclusion: ConclusionDto,
    conditions: String,
    note: String,
    /// Each dimension's answer in its one written form (`85`, `12.5`), by dimension id.
    values: BTreeMap<String, String>,
    at_ms: i64,
    /// Send it back to change the opinion; a change made on an older one is refused (409).
    version: i64,
    /// The SM3 of the opinion as kept, which later decisions' signatures cover.
    sm3: String,
}

impl From<&KeptOpinion> for OpinionDto {
    fn from(k: &KeptOpinion) -> Self {
        OpinionDto {
            id: k.id,
            party: k.opinion.party.clone(),
            party_label: k.party_label.clone(),
            user_name: k.user_name.clone(),
            conclusion: k.opinion.conclusion.into(),
            conditions: k.opinion.conditions.clone(),
            note: k.opinion.note.clone(),
            values: k.opinion.values.clone(),
            at_ms: k.opinion.at_ms,
            version: k.version,
            sm3: k.opinion.digest(),
        }
    }
}

/// One dimension across a round's opinions.
#[derive(Serialize, ToSchema)]
pub struct DimensionSummaryDto {
    id: String,
    answers: usize,
    mean: Option<String>,
    low: Option<String>,
    high: Option<String>,
    /// More than 20 points between the lowest and highest answer.
    divergent: bool,
    /// For a choice: how many chose each option.
    choices: BTreeMap<String, usize>,
}

/// A round's summary, derived from its opinions.
#[derive(Serialize, ToSchema)]
pub struct SummaryDto {
    opinions: usize,
    /// How many gave each conclusion.
    conclusions: BTreeMap<String, usize>,
    unanimous: bool,
    dimensions: Vec<DimensionSummaryDto>,
    /// Each 修改后同意's conditions, by party.
    conditions: Vec<(String, String)>,
    /// Who still owes an opinion: the step's parties (`finance`), or at a panel's step each
    /// member still owing one (`user:12`).
    missing: Vec<String>,
}

/// One round (visit) of a step with a review form.
#[derive(Serialize, ToSchema)]
pub struct RoundDto {
    /// The step's route key and what it does, with its article.
    step: String,
    action: String,
    since_ms: i64,
    /// The project is at this round now.
    current: bool,
    /// Which visit of its step (1 for the first).
    round: usize,
    /// The path went past the step in this round (办结); a round neither current nor passed
    /// was ended by a return or a withdrawal.
    passed: bool,
    form: FormDto,
    opinions: Vec<OpinionDto>,
    summary: SummaryDto,
}

fn round(v: &Visit) -> RoundDto {
    let s = &v.summary;
    RoundDto {
        step: v.step.clone(),
        action: v.action.clone(),
        since_ms: v.since_ms,
        current: v.current,
        round: v.round,
        passed: v.passed,
        form: FormDto {
            id: v.form.id.clone(),
            name: v.form.name.clone(),
            cite: v.form.cite.clone(),
            text: v.form.text.clone(),
            dimensions: v
                .form
                .dimensions
                .iter()
                .map(|d| DimensionDto {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    kind: d.kind.into(),
                    options: d.options.clone(),
                    by: d.by.clone(),
                })
                .collect(),
        },
        opinions: v.opinions.iter().map(OpinionDto::from).collect(),
        summary: SummaryDto {
            opinions: s.opinions,
            conclusions: s.conclusions.iter().map(|(c, n)| (c.as_str().to_string(), *n)).collect(),
            unanimous: s.unanimous,
            dimensions: s
                .dimensions
                .iter()
                .map(|d| DimensionSummaryDto {
                    id: d.id.clone(),
                    answers: d.answers,
                    mean: d.mean.clone(),
                    low: d.low.clone(),
                    high: d.high.clone(),
                    divergent: d.divergent,
                    choices: d.choices.iter().cloned().collect(),
                })
                .collect(),
            conditions: s.conditions.clone(),
            missing: s.missing.clone(),
        },
    }
}

/// A project's review opinions as the caller reads them.
#[derive(Serialize, ToSchema)]
pub struct ReviewsDto {
    /// The party the caller records an opinion for now, when they may.
    may_record_as: Option<String>,
    /// The current round first (when the project's step has a form), then earlier ones.
    rounds: Vec<RoundDto>,
    /// The caller's own opinion in the current round.
    mine: Option<OpinionDto>,
}

impl From<&Reviews> for ReviewsDto {
    fn from(r: &Reviews) -> Self {
        ReviewsDto {
            may_record_as: r.may_record.clone(),
            rounds: r.visits.iter().map(round).collect(),
            mine: r.mine.as_ref().map(OpinionDto::from),
        }
    }
}

/// The review rounds of a project (the steps whose profile names a review form), each with
/// its opinions and their summary; 404 outside the caller's data scope.
#[utoipa::path(get, path = "/api/v1/projects/{id}/reviews", tag = "projects",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = ReviewsDto), (status = 404, body = ApiErrorBody)))]
pub async fn list_reviews(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<ReviewsDto>, ApiError> {
    let p: Project = state.store.read(user.who(&state), id).await?;
    let view = state.store.run_view(&user.principal, &p, state.now_ms()).await?;
    let reviews = state.store.reviews_of(user.principal.user_id, &p, &view).await?;
    Ok(Json(ReviewsDto::from(&reviews)))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct OpinionBody {
    conclusion: ConclusionDto,
    /// Required with `conditional`.
    conditions: Option<String>,
    note: Option<String>,
    /// An answer per dimension the caller's party answers, by dimension id.
    values: BTreeMap<String, String>,
    /// The version of the caller's opinion read before (0 when they have none yet).
    version: i64,
}

/// Records (or, before the caller passes the step, changes) the caller's opinion at the
/// step of the project's path they hold. A pass of that step is refused until it is in.
#[utoipa::path(post, path = "/api/v1/projects/{id}/reviews", tag = "projects",
    params(("id" = i64, Path)), request_body = OpinionBody, security(("bearer" = [])),
    responses((status = 200, body = OpinionDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn record_opinion(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<(StatusCode, Json<OpinionDto>), ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let text = |k: &'static str| -> Result<String, ApiError> {
        match m.get(k) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(DomainError::invalid(k, format!("{k} 应为文本")).into()),
        }
    };
    let mut values = BTreeMap::new();
    match m.get("values") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            for (k, v) in o {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => {
                        return Err(DomainError::invalid(
                            "values",
                            format!("评审项 {k} 的值应为文本或数字"),
                        )
                        .into());
                    }
                };
                values.insert(k.clone(), v);
            }
        }
        Some(_) => {
            return Err(DomainError::invalid("values", "values 应为以评审项编号为键的对象").into());
        }
    }
    let input = OpinionInput {
        conclusion: text("conclusion")?,
        conditions: text("conditions")?,
        note: text("note")?,
        values,
    };
    let step = RecordOpinion { input, version, said: Default::default() };
    let changed = state.store.run(user.who(&state), Target::any_version(id), &step).await?;
    state.after_change(&changed).await;
    let p = changed.record;
    let view = state.store.run_view(&user.principal, &p, state.now_ms()).await?;
    let reviews = state.store.reviews_of(user.principal.user_id, &p, &view).await?;
    let mine = reviews.mine.as_ref().ok_or(DomainError::NotFound)?;
    Ok((StatusCode::OK, Json(OpinionDto::from(mine))))
}
