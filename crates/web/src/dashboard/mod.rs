//! 统计分析: the authority's dashboard (issue 12 §8). Projects by status and phase, obligations
//! overdue by department as of a day (today, or a past one: `?as_of=2025-06-30`), money
//! approved, paid and returned by department, and the measures in force — each a chart drawn
//! on the server as SVG (no script) over a table, each table exportable to .xlsx. For the
//! authority and those who oversee (reviewers and viewers); the same over the API.

mod api;

pub use api::router;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::excel::{FileName, Table, xlsx_response};
use crate::shell::page::{PageResult, html_status};
use crate::shell::view::{Layout, SummaryItem};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::NaiveDate;
use govit_core::money::Yuan;
use govit_core::org::Role;
use govit_core::policy::SanctionStep;
use govit_core::project::ProjectStatus;
use govit_core::rating;
use govit_core::{DomainError, FieldError};
use govit_storage::dashboard::Dashboard;
use govit_storage::ratings::Ratings;

pub fn pages() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard_page)).route("/dashboard/export", get(export))
}

/// Whether the user oversees the jurisdiction (the authority's reviewers, viewers).
pub(crate) fn oversees(p: &govit_core::org::Principal) -> Result<(), DomainError> {
    if p.has(Role::Reviewer) || p.has(Role::Viewer) {
        Ok(())
    } else {
        Err(DomainError::Forbidden("统计分析供主管部门及有关部门查看".into()))
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct AsOfQuery {
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    table: String,
}

/// The day asked about: today when none is typed; a day of the form, not after today nor
/// before 2000, otherwise an error naming `as_of`.
pub(crate) fn as_of(typed: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let t = typed.trim();
    if t.is_empty() {
        return Ok(today);
    }
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) if d > today => Err(FieldError::new("as_of", "统计日期不能晚于今天")),
        Ok(d) if d < NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(d) => {
            Err(FieldError::new("as_of", "统计日期不能早于 2000-01-01"))
        }
        Ok(d) => Ok(d),
        Err(_) => Err(FieldError::new("as_of", "统计日期应为日期，例如 2025-06-30")),
    }
}

/// One bar of a chart: where it sits, how long it is, what it says.
pub struct Bar {
    pub label: String,
    pub short: String,
    pub value: String,
    pub y: u32,
    pub width: u32,
    /// Its series (the CSS class that colours it).
    pub series: &'static str,
}

/// A horizontal bar chart drawn on the server.
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub bars: Vec<Bar>,
    pub height: u32,
    /// (series class, label) for the legend; empty for one series.
    pub legend: Vec<(&'static str, &'static str)>,
}

/// A chart's row: its label and its values (value, as shown, series).
type ChartRow = (String, Vec<(i64, String, &'static str)>);

/// The longest bar, in the chart's units.
const BAR_MAX: u32 = 420;
const ROW: u32 = 24;

impl Chart {
    /// A chart of `rows` (label, [(value, shown, series)]), bars scaled to the largest value.
    fn of(
        id: &'static str, title: impl Into<String>, rows: Vec<ChartRow>,
        legend: Vec<(&'static str, &'static str)>,
    ) -> Chart {
        let max = rows.iter().flat_map(|r| r.1.iter().map(|v| v.0)).max().unwrap_or(0).max(1);
        let mut bars = Vec::new();
        let mut y = 0;
        for (label, values) in rows {
            let short: String = if label.chars().count() > 12 {
                label.chars().take(11).chain(['…']).collect()
            } else {
                label.clone()
            };
            for (i, (v, shown, series)) in values.into_iter().enumerate() {
                let width = ((v.max(0) as f64 / max as f64) * f64::from(BAR_MAX)).round() as u32;
                bars.push(Bar {
                    label: label.clone(),
                    short: if i == 0 { short.clone() } else { String::new() },
                    value: shown,
                    y,
                    width: width.max(u32::from(v > 0)),
                    series,
                });
                y += ROW;
            }
            y += 6;
        }
        Chart { id, title: title.into(), height: y.max(ROW), bars, legend }
    }
}

fn wan(y: i64) -> String {
    Yuan(y).to_wan_string()
}

fn status_label(code: &str) -> String {
    ProjectStatus::ALL
        .iter()
        .find(|s| s.as_str() == code)
        .map_or_else(|| code.to_string(), |s| s.label().to_string())
}

fn step_label(code: &str) -> String {
    SanctionStep::parse(code).map_or_else(|| code.to_string(), |s| s.label().to_string())
}

/// The name of who owes an obligation: its department, or the profile's name of its party.
fn owed_label(state: &AppState, profile: &str, who: &str) -> String {
    let rules = state.store.rules();
    match rules.profile(profile) {
        Some(p) if p.labels.parties.contains_key(who) => p.party_label(who),
        _ => who.to_string(),
    }
}

#[derive(Template)]
#[template(path = "dashboard/page.html")]
struct DashboardPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    typed: String,
    as_of: String,
    past: bool,
    d: Dashboard,
    statuses: Vec<(String, i64)>,
    overdue_rows: Vec<(String, i64)>,
    money_rows: Vec<(String, i64, String, String, String, String)>,
    totals: (i64, String, String, String, String),
    measure_rows: Vec<(String, String, i64)>,
    overdue_list: Vec<(i64, String, String, String, String, String, String)>,
    charts: Vec<Chart>,
    ratings: Ratings,
    rating_rows: Vec<(u8, &'static str, &'static str, i64)>,
    today: String,
}

async fn dashboard_page(
    State(state): State<AppState>, user: User, Query(q): Query<AsOfQuery>,
) -> PageResult {
    oversees(&user.principal)?;
    let today = govit_storage::china_today(state.now_ms());
    let (day, errors) = match as_of(&q.as_of, today) {
        Ok(d) => (d, Vec::new()),
        Err(e) => (today, vec![e]),
    };
    let j = user.principal.jurisdiction_id;
    let profile = state.store.jurisdiction(j).await?.profile_id;
    // Two independent reads over the jurisdiction, each on its own connection, at once.
    let (d, ratings) = tokio::try_join!(
        state.store.dashboard(j, day),
        state.store.ratings_of(j, today, govit_storage::ratings::AT_RISK_LISTED)
    )?;
    let rating_rows: Vec<(u8, &'static str, &'static str, i64)> = ratings
        .by_level
        .iter()
        .rev()
        .map(|(l, n)| (*l, rating::label(*l), rating::colour(*l), *n))
        .collect();
    let statuses: Vec<(String, i64)> =
        d.by_status.iter().map(|(s, n)| (status_label(s), *n)).collect();
    let overdue_rows: Vec<(String, i64)> = d
        .overdue_by_department
        .iter()
        .map(|c| (owed_label(&state, &profile, &c.label), c.count))
        .collect();
    let money_rows = d
        .money
        .iter()
        .map(|m| {
            let used = m.paid_yuan - m.returned_yuan;
            (
                m.department.clone(),
                m.projects,
                wan(m.approved_yuan),
                wan(m.paid_yuan),
                wan(m.returned_yuan),
                percent(used, m.approved_yuan),
            )
        })
        .collect();
    let sum = |f: fn(&govit_storage::dashboard::Money) -> i64| {
        d.money.iter().map(f).fold(0i64, i64::saturating_add)
    };
    let (approved, paid, returned) =
        (sum(|m| m.approved_yuan), sum(|m| m.paid_yuan), sum(|m| m.returned_yuan));
    let totals = (
        sum(|m| m.projects),
        wan(approved),
        wan(paid),
        wan(returned),
        percent(paid - returned, approved),
    );
    let measure_rows =
        d.measures.iter().map(|m| (m.department.clone(), step_label(&m.step), m.count)).collect();
    let overdue_list = d
        .overdue
        .iter()
        .map(|o| {
            (
                o.project_id,
                o.project_name.clone(),
                owed_label(&state, &profile, &o.department),
                o.duty.clone(),
                o.due_date.clone(),
                o.fulfilled_on
                    .clone()
                    .map(|f| format!("{f} 完成"))
                    .unwrap_or_else(|| "未完成".into()),
                o.cite.clone(),
            )
        })
        .collect();
    let mut phases = statuses.clone();
    phases.retain(|(l, _)| l != ProjectStatus::Approved.label());
    phases.push(("已批复·建设中".into(), d.building));
    phases.push(("已批复·已竣工验收".into(), d.accepted));
    phases.push(("已批复·已终止".into(), d.terminated));
    let charts = vec![
        Chart::of(
            "chart-status",
            "项目状态（个）",
            phases.iter().map(|(l, n)| (l.clone(), vec![(*n, n.to_string(), "s1")])).collect(),
            Vec::new(),
        ),
        Chart::of(
            "chart-overdue",
            format!("{day} 逾期事项（件）"),
            overdue_rows
                .iter()
                .take(15)
                .map(|(l, n)| (l.clone(), vec![(*n, n.to_string(), "s3")]))
                .collect(),
            Vec::new(),
        ),
        Chart::of(
            "chart-money",
            "批复、拨付与退回（万元）",
            d.money
                .iter()
                .take(10)
                .map(|m| {
                    (
                        m.department.clone(),
                        vec![
                            (m.approved_yuan, wan(m.approved_yuan), "s1"),
                            (m.paid_yuan, wan(m.paid_yuan), "s2"),
                            (m.returned_yuan, wan(m.returned_yuan), "s4"),
                        ],
                    )
                })
                .collect(),
            vec![("s1", "批复投资"), ("s2", "已拨付"), ("s4", "已退回结余")],
        ),
        Chart::of(
            "chart-ratings",
            format!("{today} 综合评级（个）"),
            rating_rows
                .iter()
                .map(|(l, label, colour, n)| {
                    (format!("{l} 级 · {label}"), vec![(*n, n.to_string(), *colour)])
                })
                .collect(),
            Vec::new(),
        ),
    ];
    let again = !errors.is_empty();
    let page = DashboardPage {
        layout: Layout::for_user(&state, &user, "统计分析", "dashboard").await?.with_errors(again),
        errors: crate::shell::view::summary(&errors),
        typed: q.as_of.trim().chars().take(40).collect(),
        as_of: day.to_string(),
        past: day < today,
        statuses,
        overdue_rows,
        money_rows,
        totals,
        measure_rows,
        overdue_list,
        charts,
        ratings,
        rating_rows,
        today: today.to_string(),
        d,
    };
    html_status(page, again)
}

/// `part` of `whole` as a percentage with one decimal (—, for no whole).
fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// One of the dashboard's tables as .xlsx: `table` = status, overdue, departments, money,
/// measures (as of `as_of`) or ratings (today).
async fn export(
    State(state): State<AppState>, user: User, Query(q): Query<AsOfQuery>,
) -> PageResult {
    oversees(&user.principal)?;
    let today = govit_storage::china_today(state.now_ms());
    let day = as_of(&q.as_of, today).map_err(|e| DomainError::Invalid(vec![e]))?;
    let j = user.principal.jurisdiction_id;
    let profile = state.store.jurisdiction(j).await?.profile_id;
    let file = |name: &'static str, fallback: &'static str| FileName { name, fallback, date: day };
    // The whole list of the overdue is read on its own; the other tables are the dashboard's.
    let d = match q.table.as_str() {
        "status" | "departments" | "money" | "measures" => state.store.dashboard(j, day).await?,
        "overdue" | "ratings" => Dashboard::default(),
        _ => {
            return Err(DomainError::invalid(
                "table",
                "table 应为 status、departments、overdue、money、measures 或 ratings",
            )
            .into());
        }
    };
    let response = match q.table.as_str() {
        "status" => {
            let mut rows: Vec<Vec<String>> =
                d.by_status.iter().map(|(s, n)| vec![status_label(s), n.to_string()]).collect();
            rows.push(vec!["其中：已批复·建设中".into(), d.building.to_string()]);
            rows.push(vec!["其中：已批复·已竣工验收".into(), d.accepted.to_string()]);
            rows.push(vec!["其中：已批复·已终止".into(), d.terminated.to_string()]);
            let headers = ["状态", "项目数"];
            xlsx_response(
                Table::new("项目状态", &headers, &[(0, 24.0)]),
                rows,
                file("项目状态统计", "project-status"),
            )
            .await?
        }
        "departments" => {
            let rows = d
                .overdue_by_department
                .iter()
                .map(|c| vec![owed_label(&state, &profile, &c.label), c.count.to_string()])
                .collect();
            let headers = ["责任单位", "逾期事项数"];
            xlsx_response(
                Table::new("逾期事项（按单位）", &headers, &[(0, 30.0)]),
                rows,
                file("逾期事项按单位统计", "overdue-by-department"),
            )
            .await?
        }
        "money" => {
            let rows = d
                .money
                .iter()
                .map(|m| {
                    vec![
                        m.department.clone(),
                        m.projects.to_string(),
                        wan(m.approved_yuan),
                        wan(m.paid_yuan),
                        wan(m.returned_yuan),
                    ]
                })
                .collect();
            let headers = [
                "建设单位",
                "已批复项目数",
                "批复投资（万元）",
                "已拨付（万元）",
                "已退回结余（万元）",
            ];
            let mut t = Table::new("资金", &headers, &[(0, 30.0), (2, 18.0), (3, 18.0), (4, 18.0)]);
            t.money = &[2, 3, 4];
            xlsx_response(t, rows, file("资金统计", "funds")).await?
        }
        "measures" => {
            let rows = d
                .measures
                .iter()
                .map(|m| vec![m.department.clone(), step_label(&m.step), m.count.to_string()])
                .collect();
            let headers = ["建设单位", "处理措施", "次数（未解除）"];
            xlsx_response(
                Table::new("处理措施", &headers, &[(0, 30.0), (1, 20.0)]),
                rows,
                file("处理措施统计", "measures"),
            )
            .await?
        }
        "ratings" => {
            let file =
                FileName {
                    name: "综合评级中高风险以上项目", fallback: "ratings", date: today
                };
            let r = state.store.ratings_of(j, today, crate::shell::excel::MAX_ROWS).await?;
            let rows = r
                .at_risk
                .into_iter()
                .map(|x| {
                    let given = x.rating.given.as_ref();
                    vec![
                        x.project_name,
                        x.department,
                        format!("{} 级 · {}", x.rating.level, x.rating.label()),
                        x.rating.computed.level.to_string(),
                        given.map(|g| g.level.to_string()).unwrap_or_default(),
                        given.map(|g| g.on.to_string()).unwrap_or_default(),
                        match (given.is_some(), x.rating.stale) {
                            (false, _) => "未评定",
                            (true, false) => "有效",
                            (true, true) => "已过时",
                        }
                        .to_string(),
                        x.rating.computed.reasons(),
                    ]
                })
                .collect();
            let headers = [
                "项目",
                "建设单位",
                "综合评级",
                "计算评级",
                "主管部门评定",
                "评定日期",
                "评定状态",
                "计算依据",
            ];
            xlsx_response(
                Table::new("综合评级", &headers, &[(0, 30.0), (1, 24.0), (2, 16.0), (7, 60.0)]),
                rows,
                file,
            )
            .await?
        }
        // "overdue", the only table left.
        _ => {
            let list = state.store.overdue_on(j, day, crate::shell::excel::MAX_ROWS as i64).await?;
            let rows = list
                .into_iter()
                .map(|o| {
                    vec![
                        o.project_name,
                        owed_label(&state, &profile, &o.department),
                        o.duty,
                        o.due_date,
                        o.fulfilled_on.unwrap_or_default(),
                        o.cite,
                    ]
                })
                .collect();
            let headers = ["项目", "责任单位", "事项", "期限", "完成日期", "依据"];
            xlsx_response(
                Table::new("逾期事项", &headers, &[(0, 30.0), (1, 24.0), (2, 30.0)]),
                rows,
                file("逾期事项清单", "overdue"),
            )
            .await?
        }
    };
    Ok(response.into_response())
}
