//! 工作日历: a month of working days, holidays and make-up workdays.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::PageResult;
use crate::shell::view::Layout;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse};
use chrono::Datelike;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "rules/calendar.html")]
struct CalendarPage {
    layout: Layout,
    year: i32,
    month: u32,
    prev: String,
    next: String,
    notices: String,
    days: Vec<(String, &'static str, &'static str, bool, String)>,
    working: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

pub async fn calendar(
    State(state): State<AppState>, user: User, Query(q): Query<MonthQuery>,
) -> PageResult {
    let today = govit_storage::china_today(state.now_ms());
    let ym = govit_core::declaration::YearMonth::parse(&q.month)
        .unwrap_or(govit_core::declaration::YearMonth { year: today.year(), month: today.month() });
    let rules = state.store.rules();
    const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    let days: Vec<_> = rules
        .calendar
        .month(ym.year, ym.month)
        .into_iter()
        .map(|(d, k, name)| {
            (
                d.format("%Y-%m-%d").to_string(),
                WEEKDAYS[d.weekday().num_days_from_monday() as usize],
                k.label(),
                k.is_working(),
                name.unwrap_or_default().to_string(),
            )
        })
        .collect();
    let notices = rules
        .calendar
        .schedule(ym.year)
        .map(|s| {
            s.notices
                .iter()
                .map(|n| format!("{}《{}》", n.number, n.title))
                .collect::<Vec<_>>()
                .join("；")
        })
        .unwrap_or_default();
    let (py, pm) = if ym.month == 1 { (ym.year - 1, 12) } else { (ym.year, ym.month - 1) };
    let (ny, nm) = if ym.month == 12 { (ym.year + 1, 1) } else { (ym.year, ym.month + 1) };
    let body = CalendarPage {
        layout: Layout::for_user(&state, &user, "工作日日历", "policies").await?,
        year: ym.year,
        month: ym.month,
        prev: format!("{py:04}-{pm:02}"),
        next: format!("{ny:04}-{nm:02}"),
        notices,
        working: days.iter().filter(|d| d.3).count(),
        days,
    }
    .render()?;
    Ok(Html(body).into_response())
}
