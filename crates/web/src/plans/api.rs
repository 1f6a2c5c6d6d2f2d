//! 年度计划 and 增补计划 over the API: list, start (assembled from the projects that passed
//! their reviews), read with totals and route, compile (add, remove, set the year's amount),
//! act on its route and publish — every change at the version the caller read.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::json_body::{object, version_field};
use crate::shell::route::{RouteActDto, RouteStepDto, act_dtos, step_dtos};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use govit_core::DomainError;
use govit_core::money::Yuan;
use govit_core::plan::{PlanKind, PlanStatus, Sums};
use govit_storage::plans::{
    EditLines, LineChange, Plan, PlanAct, PlanFilter, PlanView, PublishPlan, StartPlan,
};
use govit_storage::{Step, Target};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_plans, start_plan))
        .routes(routes!(get_plan))
        .routes(routes!(add_lines))
        .routes(routes!(set_amount, remove_line))
        .routes(routes!(act_on_plan))
}

/// Which plan.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum PlanKindDto {
    /// 年度计划
    Annual,
    /// 增补计划
    Supplementary,
}

/// Where a plan stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatusDto {
    Drafting,
    Reviewing,
    Approved,
    Published,
    Rejected,
}

fn kind_dto(k: PlanKind) -> PlanKindDto {
    match k {
        PlanKind::Annual => PlanKindDto::Annual,
        PlanKind::Supplementary => PlanKindDto::Supplementary,
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    id: i64,
    kind: PlanKindDto,
    year: i32,
    /// 第 N 号 among the jurisdiction's plans of that year and kind.
    seq: i64,
    title: String,
    status: PlanStatusDto,
    /// The status in Chinese.
    status_label: String,
    created_by: String,
    created_at_ms: i64,
    published_by: Option<String>,
    published_at_ms: Option<i64>,
    /// How many projects it holds; once published, those it carries (not those it left out).
    projects: usize,
    version: i64,
}

impl From<&Plan> for PlanDto {
    fn from(x: &Plan) -> Self {
        PlanDto {
            id: x.id,
            kind: kind_dto(x.kind),
            year: x.year,
            seq: x.seq,
            title: x.title.clone(),
            status: match x.status {
                PlanStatus::Drafting => PlanStatusDto::Drafting,
                PlanStatus::Reviewing => PlanStatusDto::Reviewing,
                PlanStatus::Approved => PlanStatusDto::Approved,
                PlanStatus::Published => PlanStatusDto::Published,
                PlanStatus::Rejected => PlanStatusDto::Rejected,
            },
            status_label: x.status.label().to_string(),
            created_by: x.created_by.clone(),
            created_at_ms: x.created_at_ms,
            published_by: x.published_by.clone(),
            published_at_ms: x.published_at_ms,
            projects: x.lines,
            version: x.version,
        }
    }
}

/// Sums of a plan's projects, in yuan.
#[derive(Serialize, ToSchema)]
pub struct SumsDto {
    projects: usize,
    investment_yuan: i64,
    year_amount_yuan: i64,
    fiscal_yuan: i64,
    bank_loan_yuan: i64,
    self_raised_yuan: i64,
    other_yuan: i64,
}

impl From<&Sums> for SumsDto {
    fn from(s: &Sums) -> Self {
        SumsDto {
            projects: s.projects,
            investment_yuan: s.investment.0,
            year_amount_yuan: s.year_amount.0,
            fiscal_yuan: s.sources.fiscal.0,
            bank_loan_yuan: s.sources.bank_loan.0,
            self_raised_yuan: s.sources.self_raised.0,
            other_yuan: s.sources.other.0,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentSumsDto {
    department: String,
    #[serde(flatten)]
    sums: SumsDto,
}

#[derive(Serialize, ToSchema)]
pub struct PlanLineDto {
    project_id: i64,
    name: String,
    department: String,
    /// YYYY-MM
    period_start: String,
    period_end: String,
    investment_yuan: i64,
    fiscal_yuan: i64,
    bank_loan_yuan: i64,
    self_raised_yuan: i64,
    other_yuan: i64,
    /// 本年度安排
    year_amount_yuan: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CandidateDto {
    project_id: i64,
    name: String,
    department: String,
}

/// A signed decision on the plan's route, verified.
#[derive(Serialize, ToSchema)]
pub struct PlanDecisionDto {
    seq: i64,
    step: String,
    /// pass, return, reject
    verb: String,
    user: String,
    at_ms: i64,
    /// The signing key's fingerprint (empty: unsigned).
    key_id: String,
    /// valid, invalid, other_key, unsigned
    signature: String,
    intact: bool,
    /// What changed since it was signed, in Chinese.
    changes: Vec<String>,
}

/// A plan with its projects, totals, route and what the caller may do.
#[derive(Serialize, ToSchema)]
pub struct PlanDetailDto {
    #[serde(flatten)]
    plan: PlanDto,
    /// Every line it holds (once published, also those it left out: see `unfit`).
    lines: Vec<PlanLineDto>,
    /// Its sums; once published, of the lines it carries.
    total: SumsDto,
    by_department: Vec<DepartmentSumsDto>,
    steps: Vec<RouteStepDto>,
    /// The index of the current step (the number of steps once through).
    current_step: usize,
    acts: Vec<RouteActDto>,
    /// pass, return, reject, withdraw: what the caller may do on the route now.
    verbs: Vec<String>,
    editable: bool,
    publishable: bool,
    /// Projects the caller could add now (while compiling).
    candidates: Vec<CandidateDto>,
    /// Each signed decision (报批, 通过, 退回, 不予通过), verified.
    decisions: Vec<PlanDecisionDto>,
    /// Until it is published (or refused): the lines whose projects the plan could no
    /// longer take in (returned, withdrawn, refused, terminated, or kept out by a gate of
    /// the profile since), each with why. The plan is not sent on (报批) with any. Once
    /// published: the lines it was published without for that reason (their projects are
    /// not in the plan and may enter a later plan of the year).
    unfit: Vec<UnfitLineDto>,
}

/// A line of a plan its project no longer qualifies for.
#[derive(Serialize, ToSchema)]
pub struct UnfitLineDto {
    project_id: i64,
    name: String,
    /// Why, in Chinese (a gate's refusal names its article).
    reason: String,
}

impl From<&PlanView> for PlanDetailDto {
    fn from(v: &PlanView) -> Self {
        PlanDetailDto {
            plan: PlanDto::from(&v.plan),
            lines: v
                .lines
                .iter()
                .map(|l| PlanLineDto {
                    project_id: l.project_id.0,
                    name: l.name.clone(),
                    department: l.department.clone(),
                    period_start: l.period.start.iso(),
                    period_end: l.period.end.iso(),
                    investment_yuan: l.investment.0,
                    fiscal_yuan: l.sources.fiscal.0,
                    bank_loan_yuan: l.sources.bank_loan.0,
                    self_raised_yuan: l.sources.self_raised.0,
                    other_yuan: l.sources.other.0,
                    year_amount_yuan: l.year_amount.0,
                })
                .collect(),
            total: SumsDto::from(&v.totals.all),
            by_department: v
                .totals
                .by_department
                .iter()
                .map(|(d, s)| DepartmentSumsDto { department: d.clone(), sums: SumsDto::from(s) })
                .collect(),
            steps: step_dtos(&v.run.route),
            current_step: v.run.progress.current,
            acts: act_dtos(&v.run.acts),
            verbs: v.verbs.iter().map(|k| k.as_str().to_string()).collect(),
            editable: v.editable,
            publishable: v.publishable,
            candidates: v
                .candidates
                .iter()
                .map(|(id, name, dept)| CandidateDto {
                    project_id: *id,
                    name: name.clone(),
                    department: dept.clone(),
                })
                .collect(),
            unfit: v
                .unfit
                .iter()
                .map(|u| UnfitLineDto {
                    project_id: u.project_id.0,
                    name: u.name.clone(),
                    reason: u.reason.clone(),
                })
                .collect(),
            decisions: v
                .decisions
                .iter()
                .map(|c| PlanDecisionDto {
                    seq: c.seq,
                    step: c.step.clone(),
                    verb: c.verb.as_str().to_string(),
                    user: c.user_name.clone(),
                    at_ms: c.at_ms,
                    key_id: c.key_id.clone(),
                    signature: serde_json::to_value(c.verdict.signature)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                    intact: c.verdict.intact(),
                    changes: c.verdict.changes.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlanListDto {
    items: Vec<PlanDto>,
}

#[derive(Deserialize, IntoParams)]
pub struct PlanListQuery {
    /// Only plans of this year.
    year: Option<i32>,
    /// annual or supplementary.
    kind: Option<String>,
}

/// The plans of the caller's jurisdiction they may see (published ones for units that do not
/// review), newest year first.
#[utoipa::path(get, path = "/api/v1/plans", tag = "plans", params(PlanListQuery),
    security(("bearer" = [])), responses((status = 200, body = PlanListDto),
        (status = 422, body = ApiErrorBody)))]
pub async fn list_plans(
    State(state): State<AppState>, user: ApiUser, Query(q): Query<PlanListQuery>,
) -> Result<Json<PlanListDto>, ApiError> {
    let kind = match q.kind.as_deref() {
        None | Some("") => None,
        Some(k) => Some(
            PlanKind::parse(k)
                .ok_or_else(|| DomainError::invalid("kind", "kind 应为 annual 或 supplementary"))?,
        ),
    };
    let plans = state.store.list_plans(&user.principal, &PlanFilter { year: q.year, kind }).await?;
    Ok(Json(PlanListDto { items: plans.iter().map(PlanDto::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct StartBody {
    kind: PlanKindDto,
    year: i32,
    /// Optional; the profile's name of the plan with the year by default.
    title: Option<String>,
}

async fn detail(state: &AppState, user: &ApiUser, id: i64) -> Result<PlanDetailDto, ApiError> {
    let v = state.store.plan_view(user.who(state), id).await?;
    Ok(PlanDetailDto::from(&v))
}

/// Starts a plan of the caller's jurisdiction for a year, assembled from every project built
/// that year that its unit has sent (under review or approved) and is in no other plan of the year
/// (for a supplementary plan: those found urgent). Only the unit the profile's plan rule names
/// first compiles it.
#[utoipa::path(post, path = "/api/v1/plans", tag = "plans", request_body = StartBody,
    security(("bearer" = [])), responses((status = 201, body = PlanDetailDto),
        (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn start_plan(
    State(state): State<AppState>, user: ApiUser, body: Bytes,
) -> Result<(StatusCode, Json<PlanDetailDto>), ApiError> {
    let m = object(&body)?;
    let kind =
        m.get("kind").and_then(Value::as_str).and_then(PlanKind::parse).ok_or_else(|| {
            DomainError::invalid("kind", "请提供计划类别 kind：annual 或 supplementary")
        })?;
    let year = m
        .get("year")
        .and_then(Value::as_i64)
        .and_then(|y| i32::try_from(y).ok())
        .ok_or_else(|| DomainError::invalid("year", "请提供整数计划年度 year，如 2027"))?;
    let title = match m.get("title") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(DomainError::invalid("title", "title 应为文本").into()),
    };
    let changed =
        state.store.run(user.who(&state), Target::New, &StartPlan { kind, year, title }).await?;
    state.after_change(&changed).await;
    Ok((StatusCode::CREATED, Json(detail(&state, &user, changed.record.id).await?)))
}

/// A plan with its projects, totals by department and fund source, route and acts.
#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "plans", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = PlanDetailDto),
        (status = 404, body = ApiErrorBody)))]
pub async fn get_plan(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<PlanDetailDto>, ApiError> {
    Ok(Json(detail(&state, &user, id).await?))
}

async fn change<S: Step<Plan>>(
    state: &AppState, user: &ApiUser, id: i64, version: i64, step: &S,
) -> Result<Json<PlanDetailDto>, ApiError> {
    let changed = state.store.run(user.who(state), Target::at(id, version), step).await?;
    state.after_change(&changed).await;
    Ok(Json(detail(state, user, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct AddBody {
    version: i64,
    /// Project ids to take in.
    projects: Vec<i64>,
}

/// Takes projects into a plan being compiled (each must be one the plan may take).
#[utoipa::path(post, path = "/api/v1/plans/{id}/lines", tag = "plans", params(("id" = i64, Path)),
    request_body = AddBody, security(("bearer" = [])),
    responses((status = 200, body = PlanDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_lines(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, body: Bytes,
) -> Result<Json<PlanDetailDto>, ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let ids: Vec<i64> = match m.get("projects") {
        Some(Value::Array(a)) if a.len() <= 5_000 && a.iter().all(Value::is_i64) => {
            a.iter().filter_map(Value::as_i64).collect()
        }
        _ => {
            return Err(DomainError::invalid(
                "projects",
                "projects 应为项目编号（整数）的数组，至多 5000 个",
            )
            .into());
        }
    };
    change(&state, &user, id, version, &EditLines(LineChange::Add(ids))).await
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
struct AmountBody {
    version: i64,
    /// 本年度安排 in 万元, as text (up to four decimals: to the yuan).
    year_amount: String,
}

/// Sets the amount a plan being compiled arranges for the project in its year.
#[utoipa::path(put, path = "/api/v1/plans/{id}/lines/{project_id}", tag = "plans",
    params(("id" = i64, Path), ("project_id" = i64, Path)), request_body = AmountBody,
    security(("bearer" = [])),
    responses((status = 200, body = PlanDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_amount(
    State(state): State<AppState>, user: ApiUser, Path((id, project)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Json<PlanDetailDto>, ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    let text = m.get("year_amount").and_then(Value::as_str).unwrap_or_default();
    let amount = Yuan::parse_wan(text)
        .map_err(|e| DomainError::invalid("year_amount", format!("本年度安排资金{e}")))?;
    change(&state, &user, id, version, &EditLines(LineChange::Amount(project, amount))).await
}

#[derive(Deserialize, IntoParams)]
pub struct VersionQuery {
    /// The plan's version as read.
    version: i64,
}

/// Removes a project from a plan being compiled.
#[utoipa::path(delete, path = "/api/v1/plans/{id}/lines/{project_id}", tag = "plans",
    params(("id" = i64, Path), ("project_id" = i64, Path), VersionQuery),
    security(("bearer" = [])),
    responses((status = 200, body = PlanDetailDto), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn remove_line(
    State(state): State<AppState>, user: ApiUser, Path((id, project)): Path<(i64, i64)>,
    Query(q): Query<VersionQuery>,
) -> Result<Json<PlanDetailDto>, ApiError> {
    change(&state, &user, id, q.version, &EditLines(LineChange::Remove(project))).await
}

/// What may be done to a plan.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum PlanVerbDto {
    /// 通过 (at the compiler's step: 报批).
    Pass,
    /// 退回 to an earlier step (`to`: its key), with a reason.
    Return,
    /// 不予通过, with a reason: the plan ends.
    Reject,
    /// 撤回 by the sender while the next party has not acted.
    Withdraw,
    /// 发布 an approved plan: its projects are then in the plan (列入年度计划).
    Publish,
}

/// Acts on a plan's route (pass, return, reject, withdraw) or publishes it (publish), at the
/// version read.
#[utoipa::path(post, path = "/api/v1/plans/{id}/{verb}", tag = "plans",
    params(("id" = i64, Path), ("verb" = inline(PlanVerbDto), Path)), request_body = crate::shell::route::RouteActBody,
    security(("bearer" = [])),
    responses((status = 200, body = PlanDetailDto), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn act_on_plan(
    State(state): State<AppState>, user: ApiUser, Path((id, verb)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Json<PlanDetailDto>, ApiError> {
    let m = object(&body)?;
    let version = version_field(&m)?;
    if verb == "publish" {
        return change(&state, &user, id, version, &PublishPlan).await;
    }
    let v = crate::shell::route::body_verb(&verb, &govit_storage::plans::PLAN_VERBS, &m)?;
    change(&state, &user, id, version, &PlanAct(v)).await
}
