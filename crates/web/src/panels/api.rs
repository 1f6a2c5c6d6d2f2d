//! 专家评审组 over the API: a project's panels, the draw, and a decline.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::object;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::DomainError;
use govit_storage::Target;
use govit_storage::panels::{DeclineSeat, DrawPanel, Panel, Panels};
use govit_storage::projects::Project;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_panels, draw_panel)).routes(routes!(decline_seat))
}

/// Why an expert could not be drawn.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionDto {
    OwnerEmployee,
    BidderEmployee,
    Conflict,
    Blacklisted,
    OtherField,
    NoAccount,
}

#[derive(Serialize, ToSchema)]
pub struct ExcludedDto {
    expert_id: i64,
    reason: ExclusionDto,
    /// In Chinese (任职于项目建设单位 …).
    label: String,
}

#[derive(Serialize, ToSchema)]
pub struct MemberDto {
    expert_id: i64,
    seat: i64,
    name: String,
    title: String,
    employer: String,
    /// When they declined (or were passed over for want of an account), with the reason.
    declined_at_ms: Option<i64>,
    reason: String,
}

/// A panel drawn: its seed and what re-runs the draw (the eligible experts in the drawn
/// order, the excluded with the reason), and its members. Who sits, the order and the
/// exclusions are told only to those who draw and to the members (a member: only their seat).
#[derive(Serialize, ToSchema)]
pub struct PanelDto {
    id: i64,
    /// The profile's panel (`linxiang-15-panel`).
    form: String,
    /// The draw step's key and when that visit of it began.
    step: String,
    since_ms: i64,
    /// A u64, as text.
    seed: String,
    size: usize,
    fields: Vec<String>,
    owner: String,
    bidders: Vec<String>,
    pool: usize,
    order: Vec<i64>,
    excluded: Vec<ExcludedDto>,
    drawn_by: String,
    at_ms: i64,
    members: Vec<MemberDto>,
}

impl From<&Panel> for PanelDto {
    fn from(x: &Panel) -> Self {
        use govit_core::draw::Exclusion as E;
        PanelDto {
            id: x.id,
            form: x.form.clone(),
            step: x.step.clone(),
            since_ms: x.since_ms,
            seed: x.seed.to_string(),
            size: x.request.size,
            fields: x.request.fields.clone(),
            owner: x.request.owner.clone(),
            bidders: x.request.bidders.clone(),
            pool: x.drawn.pool,
            order: x.drawn.order.clone(),
            excluded: x
                .drawn
                .excluded
                .iter()
                .map(|(id, why)| ExcludedDto {
                    expert_id: *id,
                    label: why.label().to_string(),
                    reason: match why {
                        E::OwnerEmployee => ExclusionDto::OwnerEmployee,
                        E::BidderEmployee => ExclusionDto::BidderEmployee,
                        E::Conflict => ExclusionDto::Conflict,
                        E::Blacklisted => ExclusionDto::Blacklisted,
                        E::OtherField => ExclusionDto::OtherField,
                        E::NoAccount => ExclusionDto::NoAccount,
                    },
                })
                .collect(),
            drawn_by: x.drawn_by_name.clone(),
            at_ms: x.at_ms,
            members: x
                .members
                .iter()
                .map(|m| MemberDto {
                    expert_id: m.expert_id,
                    seat: m.seat,
                    name: m.name.clone(),
                    title: m.title.clone(),
                    employer: m.employer.clone(),
                    declined_at_ms: m.declined_at_ms,
                    reason: m.reason.clone(),
                })
                .collect(),
        }
    }
}

/// A project's panels as the caller reads them.
#[derive(Serialize, ToSchema)]
pub struct PanelsDto {
    /// The profile's panel the current step draws for or is signed by, if any.
    form: Option<String>,
    cite: Option<String>,
    size: Option<usize>,
    /// The caller holds the draw step and the panel is not drawn yet.
    may_draw: bool,
    /// The caller holds the draw step with the panel drawn: they may record a member who
    /// cannot sit.
    may_record_decline: bool,
    /// The caller sits on the panel of the current step, not yet signed.
    may_decline: bool,
    /// Newest first.
    panels: Vec<PanelDto>,
}

impl From<&Panels> for PanelsDto {
    fn from(x: &Panels) -> Self {
        PanelsDto {
            form: x.rule.as_ref().map(|r| r.id.clone()),
            cite: x.rule.as_ref().map(|r| r.cite.clone()),
            size: x.rule.as_ref().map(|r| r.size),
            may_draw: x.may_draw,
            may_record_decline: x.may_record_decline,
            may_decline: x.may_decline,
            panels: x.panels.iter().map(PanelDto::from).collect(),
        }
    }
}

async fn panels_now(state: &AppState, user: &ApiUser, p: &Project) -> Result<Panels, ApiError> {
    let view = state.store.run_view(&user.principal, p, state.now_ms()).await?;
    Ok(state.store.panels_of(&user.principal, p, &view).await?)
}

/// The expert panels of a project (linxiang:15); 404 outside the caller's data scope.
#[utoipa::path(get, path = "/api/v1/projects/{id}/panels", tag = "projects",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PanelsDto), (status = 404, body = ApiErrorBody)))]
pub async fn list_panels(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<PanelsDto>, ApiError> {
    let p: Project = state.store.read(user.who(&state), id).await?;
    Ok(Json(PanelsDto::from(&panels_now(&state, &user, &p).await?)))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct DrawBody {
    /// Units whose employees may not sit besides the owner unit's (bidders …).
    bidders: Option<Vec<String>>,
    note: Option<String>,
}

fn text(m: &serde_json::Map<String, Value>, k: &'static str) -> Result<String, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(DomainError::invalid(k, format!("{k} 应为文本")).into()),
    }
}

/// Draws the panel of the step after the one the caller holds, from the jurisdiction's
/// expert pool: once per visit of the step; a pass of the step is refused until it is drawn.
#[utoipa::path(post, path = "/api/v1/projects/{id}/panels", tag = "projects",
    params(("id" = i64, Path)), request_body = DrawBody, security(("bearer" = [])),
    responses((status = 201, body = PanelDto), (status = 400, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
pub async fn draw_panel(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<(StatusCode, Json<PanelDto>), ApiError> {
    let m = object(&body)?;
    let bidders = match m.get("bidders") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
            a.iter().filter_map(|v| v.as_str().map(String::from)).collect()
        }
        Some(_) => return Err(DomainError::invalid("bidders", "bidders 应为单位名称的数组").into()),
    };
    let step = DrawPanel::new(bidders, text(&m, "note")?);
    let changed = state.store.run(user.who(&state), Target::any_version(id), &step).await?;
    state.after_change(&changed).await;
    let panel = changed.part;
    let panels = panels_now(&state, &user, &changed.record).await?;
    let x = panels.panels.iter().find(|x| Some(x.id) == panel).ok_or(DomainError::NotFound)?;
    Ok((StatusCode::CREATED, Json(PanelDto::from(x))))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct DeclineBody {
    /// The member who cannot sit, for the holder of the draw step; a member declining
    /// themselves leaves it out.
    expert_id: Option<i64>,
    reason: String,
}

/// Records that a member cannot sit (the holder of the draw step, before the panel's step
/// begins) or declines (回避, the member, before signing): the next expert of the same drawn
/// order takes the seat.
#[utoipa::path(post, path = "/api/v1/projects/{id}/panels/decline", tag = "projects",
    params(("id" = i64, Path)), request_body = DeclineBody, security(("bearer" = [])),
    responses((status = 200, body = PanelDto), (status = 400, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
pub async fn decline_seat(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<PanelDto>, ApiError> {
    let m = object(&body)?;
    let expert = match m.get("expert_id") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or(DomainError::invalid("expert_id", "expert_id 应为整数"))?),
    };
    let step = DeclineSeat::new(expert, text(&m, "reason")?);
    let changed = state.store.run(user.who(&state), Target::any_version(id), &step).await?;
    state.after_change(&changed).await;
    let panel = changed.part;
    let panels = panels_now(&state, &user, &changed.record).await?;
    let x = panels.panels.iter().find(|x| Some(x.id) == panel).ok_or(DomainError::NotFound)?;
    Ok(Json(PanelDto::from(x)))
}
