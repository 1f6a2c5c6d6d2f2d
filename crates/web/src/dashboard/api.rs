//! 统计分析 over the API: the dashboard of the caller's jurisdiction as of a day.

use super::{AsOfQuery, as_of, oversees};
use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use axum::Json;
use axum::extract::{Query, State};
use govit_core::DomainError;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_dashboard))
}

#[derive(Serialize, ToSchema)]
pub struct CountDto {
    label: String,
    count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MoneyDto {
    department: String,
    projects: i64,
    approved_yuan: i64,
    paid_yuan: i64,
    returned_yuan: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OverdueDto {
    project_id: i64,
    project_name: String,
    /// The department that owes it (or the party, where no department does).
    department: String,
    duty: String,
    cite: String,
    due_date: String,
    /// The day it was met after all (after `as_of`), if it was.
    fulfilled_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MeasureCountDto {
    department: String,
    /// suspend_funds, suspend_project, terminate …
    step: String,
    count: i64,
}

/// The dashboard of the caller's jurisdiction.
#[derive(Serialize, ToSchema)]
pub struct DashboardDto {
    /// The day the overdue obligations are counted on (YYYY-MM-DD).
    as_of: String,
    /// Projects by status code (draft, submitted, returned, approved, rejected, outside_scope).
    by_status: Vec<CountDto>,
    /// Approved projects not yet through completion acceptance, those through it, and those
    /// terminated (项目终止; counted there only).
    building: i64,
    accepted: i64,
    terminated: i64,
    overdue_total: i64,
    overdue_by_department: Vec<CountDto>,
    /// The first 200 overdue on `as_of`, longest overdue first.
    overdue: Vec<OverdueDto>,
    money: Vec<MoneyDto>,
    measures_in_force: Vec<MeasureCountDto>,
    /// The approved projects' overall ratings today.
    ratings: RatingsDto,
}

#[derive(Serialize, ToSchema)]
pub struct LevelCountDto {
    /// 1 (高风险) to 5 (低风险).
    level: u8,
    count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RiskyDto {
    project_id: i64,
    project_name: String,
    department: String,
    level: u8,
    computed: u8,
    /// The authority's latest rating, if any, and whether it is stale.
    given: Option<u8>,
    stale: bool,
}

/// The approved projects' overall ratings today: computed from cost, schedule and
/// obligations, lowered by the authority's (`GET /api/v1/projects/{id}/rating`).
#[derive(Serialize, ToSchema)]
pub struct RatingsDto {
    by_level: Vec<LevelCountDto>,
    /// Projects the authority rated, and those of their ratings now stale.
    given: i64,
    stale: i64,
    /// Those at 1 or 2, lowest first (the first 200).
    at_risk_total: i64,
    at_risk: Vec<RiskyDto>,
}

/// The dashboard of the caller's jurisdiction (for reviewers and viewers): projects by status
/// and phase, obligations overdue by department as of `as_of` (default today; a past day shows
/// what was overdue then), money approved, paid and returned by department, measures in force.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "dashboard",
    params(("as_of" = Option<String>, Query, description = "YYYY-MM-DD, not after today")),
    security(("bearer" = [])),
    responses((status = 200, body = DashboardDto), (status = 403, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
pub async fn get_dashboard(
    State(state): State<AppState>, user: ApiUser, Query(q): Query<AsOfQuery>,
) -> Result<Json<DashboardDto>, ApiError> {
    oversees(&user.principal)?;
    let today = govit_storage::china_today(state.now_ms());
    let day = as_of(&q.as_of, today).map_err(|e| DomainError::Invalid(vec![e]))?;
    let j = user.principal.jurisdiction_id;
    // Two independent reads over the jurisdiction, each on its own connection, at once.
    let (d, r) = tokio::try_join!(
        state.store.dashboard(j, day),
        state.store.ratings_of(j, today, govit_storage::ratings::AT_RISK_LISTED)
    )?;
    Ok(Json(DashboardDto {
        as_of: d.as_of.to_string(),
        by_status: d
            .by_status
            .into_iter()
            .map(|(label, count)| CountDto { label, count })
            .collect(),
        building: d.building,
        accepted: d.accepted,
        terminated: d.terminated,
        overdue_total: d.overdue_total,
        overdue_by_department: d
            .overdue_by_department
            .into_iter()
            .map(|c| CountDto { label: c.label, count: c.count })
            .collect(),
        overdue: d
            .overdue
            .into_iter()
            .map(|o| OverdueDto {
                project_id: o.project_id,
                project_name: o.project_name,
                department: o.department,
                duty: o.duty,
                cite: o.cite,
                due_date: o.due_date,
                fulfilled_on: o.fulfilled_on,
            })
            .collect(),
        money: d
            .money
            .into_iter()
            .map(|m| MoneyDto {
                department: m.department,
                projects: m.projects,
                approved_yuan: m.approved_yuan,
                paid_yuan: m.paid_yuan,
                returned_yuan: m.returned_yuan,
            })
            .collect(),
        measures_in_force: d
            .measures
            .into_iter()
            .map(|m| MeasureCountDto { department: m.department, step: m.step, count: m.count })
            .collect(),
        ratings: RatingsDto {
            by_level: r
                .by_level
                .iter()
                .map(|(level, count)| LevelCountDto { level: *level, count: *count })
                .collect(),
            given: r.given,
            stale: r.stale,
            at_risk_total: r.at_risk_total,
            at_risk: r
                .at_risk
                .into_iter()
                .map(|x| RiskyDto {
                    project_id: x.project_id,
                    project_name: x.project_name,
                    department: x.department,
                    level: x.rating.level,
                    computed: x.rating.computed.level,
                    given: x.rating.given.as_ref().map(|g| g.level),
                    stale: x.rating.stale,
                })
                .collect(),
        },
    }))
}
