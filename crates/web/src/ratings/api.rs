//! 综合评级 over the API: a project's rating with its factors and the ratings given, and
//! giving one (no higher than the computed rating, having seen the latest given).

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::{Fields, object};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::ids::ProjectId;
use govit_core::rating::RatingForm;
use govit_storage::Target;
use govit_storage::projects::Project;
use govit_storage::ratings::{ProjectRating, RateProject};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_rating, rate_project))
}

#[derive(Serialize, ToSchema)]
pub struct FactorDto {
    /// cost, schedule or obligations
    factor: String,
    level: u8,
    /// What was measured, in words (已承诺投资超出批复投资 12.5%).
    measured: String,
}

#[derive(Serialize, ToSchema)]
pub struct GivenDto {
    id: i64,
    level: u8,
    /// The computed level when it was given.
    computed: u8,
    reason: String,
    rated_on: String,
    rated_by: String,
    rated_at_ms: i64,
}

/// A project's rating: 1 (高风险) to 5 (低风险).
#[derive(Serialize, ToSchema)]
pub struct RatingDto {
    project_id: i64,
    /// The rating now: the computed one, lowered by the latest given one. Null while the
    /// project is not approved.
    level: Option<u8>,
    label: Option<String>,
    /// green (4–5), yellow (3) or red (1–2).
    colour: Option<String>,
    computed: Option<u8>,
    factors: Vec<FactorDto>,
    /// The latest given rating is stale: the computed one moved since, or a year passed.
    stale: bool,
    /// The ratings given, newest first.
    history: Vec<GivenDto>,
    may_rate: bool,
    /// The latest given rating's id (0: none): send it back as `seen` when giving one.
    seen: i64,
}

fn dto(project: i64, r: ProjectRating) -> RatingDto {
    let rating = r.rating.as_ref();
    RatingDto {
        project_id: project,
        level: rating.map(|x| x.level),
        label: rating.map(|x| x.label().to_string()),
        colour: rating.map(|x| x.colour().to_string()),
        computed: rating.map(|x| x.computed.level),
        factors: rating
            .map(|x| {
                x.computed
                    .factors
                    .iter()
                    .map(|f| FactorDto {
                        factor: f.factor.as_str().into(),
                        level: f.level,
                        measured: f.measured.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        stale: rating.is_some_and(|x| x.stale),
        history: r
            .history
            .into_iter()
            .map(|k| GivenDto {
                id: k.id,
                level: k.level,
                computed: k.computed,
                reason: k.reason,
                rated_on: k.rated_on.to_string(),
                rated_by: k.rated_by,
                rated_at_ms: k.rated_at_ms,
            })
            .collect(),
        may_rate: r.may_rate,
        seen: r.seen,
    }
}

/// A project's rating, computed from its cost, schedule and obligations and lowered by the
/// authority's latest rating, with its factors and the ratings given.
#[utoipa::path(get, path = "/api/v1/projects/{id}/rating", tag = "ratings",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = RatingDto), (status = 404, body = ApiErrorBody)))]
pub async fn get_rating(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<RatingDto>, ApiError> {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    let r = state.store.project_rating(user.who(&state), &p).await?;
    Ok(Json(dto(id, r)))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct RatingBody {
    /// 1–5, no higher than the computed level.
    level: i64,
    /// Why (评级理由).
    reason: String,
    /// The id of the latest given rating read (`seen` of the GET; 0 for none): another
    /// given meanwhile → 409.
    seen: i64,
}

fn label(field: &str) -> &'static str {
    match field {
        "level" => "综合评级",
        "reason" => "评级理由",
        "seen" => "已读取的评级",
        _ => "",
    }
}

/// Gives an approved project a rating (the authority): no higher than the computed one.
#[utoipa::path(post, path = "/api/v1/projects/{id}/rating", tag = "ratings",
    params(("id" = i64, Path)), request_body = RatingBody, security(("bearer" = [])),
    responses((status = 201, body = RatingDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn rate_project(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<(StatusCode, Json<RatingDto>), ApiError> {
    let m = object(&body)?;
    let mut f = Fields::new(&m, label);
    let form = RatingForm { level: f.get("level"), reason: f.get("reason") };
    let seen = f.get("seen");
    let form = f.done(form)?;
    let seen = seen.trim().parse::<i64>().map_err(|_| {
        govit_core::DomainError::invalid("seen", "已读取的评级应为整数（没有评级时为 0）")
    })?;
    let step = RateProject { project: ProjectId(id), seen, form };
    let changed = state.store.run(user.who(&state), Target::New, &step).await?;
    state.after_change(&changed).await;
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    let r = state.store.project_rating(user.who(&state), &p).await?;
    Ok((StatusCode::CREATED, Json(dto(id, r))))
}
