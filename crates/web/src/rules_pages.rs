//! Pages for the rules engine: to-do and overdue obligations, a project's events and
//! obligations, the policy profiles and the working-day calendar.

use crate::AppState;
use crate::auth::User;
use crate::error::PageError;
use crate::view::{Layout, Pager};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use govit_core::DomainError;
use govit_core::ids::{DepartmentId, ProjectId};
use govit_core::obligation::Status;
use govit_core::org::Role;
use govit_core::policy::{EventKind, Fact, Profile};
use govit_storage::Page;
use govit_storage::obligations::{ObligationFilter, ObligationRow};
use serde::Deserialize;
use std::collections::HashMap;

type PageResult = Result<Response, PageError>;

/// An obligation ready for display.
pub struct ObligationView {
    pub project_id: i64,
    pub project_name: String,
    pub owner_department: String,
    pub key: String,
    pub duty: String,
    pub text: String,
    pub cite: String,
    pub owed_label: String,
    pub due_date: Option<String>,
    pub provisional: bool,
    pub not_before: Option<String>,
    pub period: Option<String>,
    pub status_label: &'static str,
    pub status_class: &'static str,
    pub fulfilled_on: Option<String>,
    pub late: bool,
    pub open: bool,
}

pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Pending => "submitted",
        Status::DueSoon => "returned",
        Status::Overdue => "refused",
        Status::Fulfilled => "approved",
        Status::Waived => "draft",
    }
}

pub fn view(o: ObligationRow, profile: Option<&Profile>) -> ObligationView {
    let owed_label = match profile {
        Some(p) => p.party_label(&o.owed_by),
        None => o.owed_by.clone(),
    };
    let owed_label = if o.owed_department.is_empty() {
        owed_label
    } else {
        format!("{owed_label}（{}）", o.owed_department)
    };
    ObligationView {
        project_id: o.project_id,
        project_name: o.project_name,
        owner_department: o.owner_department,
        key: o.key,
        duty: o.duty,
        text: o.text,
        cite: o.cite,
        owed_label,
        due_date: o.due_date,
        provisional: o.provisional,
        not_before: o.not_before,
        period: o.period,
        status_label: o.status.label(),
        status_class: status_class(o.status),
        fulfilled_on: o.fulfilled_on,
        late: o.late,
        open: o.status.is_open(),
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ObligationQuery {
    pub q: String,
    pub status: String,
    pub dept: String,
    pub page: String,
    pub done: String,
}

impl ObligationQuery {
    pub fn filter(&self, owed_by_me: bool) -> ObligationFilter {
        ObligationFilter {
            status: Status::parse(&self.status),
            department: self.dept.trim().parse().ok().map(DepartmentId),
            keyword: self.q.chars().take(100).collect(),
            owed_by_me,
            open_only: true,
        }
    }
    fn query_string(&self, page: Option<i64>) -> String {
        crate::view::filter_query(
            &[
                ("q", self.q.as_str()),
                ("status", self.status.as_str()),
                ("dept", self.dept.as_str()),
            ],
            page,
        )
    }
}

#[derive(Template)]
#[template(path = "obligations.html")]
struct ObligationsPage {
    layout: Layout,
    heading: &'static str,
    intro: &'static str,
    base_path: &'static str,
    flash: Option<String>,
    q: String,
    status: String,
    dept: String,
    show_status_filter: bool,
    statuses: Vec<(&'static str, &'static str)>,
    departments: Vec<(i64, String)>,
    obligations: Vec<ObligationView>,
    show_project: bool,
    can_waive: bool,
    csrf: String,
    pager: Pager,
    export_query: String,
}

async fn list_page(state: &AppState, user: &User, q: ObligationQuery, overdue: bool) -> PageResult {
    let mut filter = q.filter(!overdue);
    if overdue {
        filter.status = Some(Status::Overdue);
    }
    let paged = state
        .store
        .list_obligations(
            &user.principal,
            &filter,
            Page::new(q.page.parse().unwrap_or(1), 50),
        )
        .await?;
    let rules = state.store.rules();
    let jurisdiction = state
        .store
        .jurisdiction(user.principal.jurisdiction_id)
        .await?;
    let profile = rules.profile(&jurisdiction.profile_id);
    let base_path = if overdue {
        "/obligations/overdue"
    } else {
        "/obligations"
    };
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("{base_path}?{}", q.query_string(Some(n)))
    });
    let departments = state
        .store
        .departments(user.principal.jurisdiction_id)
        .await?
        .into_iter()
        .map(|d| (d.id.0, d.name))
        .collect();
    let (heading, intro, active) = if overdue {
        (
            "逾期事项",
            "辖区内各单位已超过期限仍未完成的义务，期限按法定工作日计算。",
            "overdue",
        )
    } else {
        (
            "我的待办",
            "本单位须按管理办法完成的事项，按期限先后排列；期限按法定工作日计算。",
            "todo",
        )
    };
    let mut export = q.query_string(None);
    if overdue {
        export.push_str(if export.is_empty() {
            "scope=overdue"
        } else {
            "&scope=overdue"
        });
    }
    let body = ObligationsPage {
        layout: Layout::for_user(state, user, heading, active).await?,
        heading,
        intro,
        base_path,
        flash: (q.done == "waive").then(|| "已豁免该事项，理由已记入审计日志。".to_string()),
        q: q.q.clone(),
        status: q.status.clone(),
        dept: q.dept.clone(),
        show_status_filter: !overdue,
        statuses: [
            Status::Pending,
            Status::DueSoon,
            Status::Overdue,
            Status::Fulfilled,
            Status::Waived,
        ]
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect(),
        departments,
        obligations: paged.items.into_iter().map(|o| view(o, profile)).collect(),
        show_project: true,
        can_waive: user.principal.has(Role::Reviewer),
        csrf: user.csrf.clone(),
        pager,
        export_query: export,
    }
    .render()?;
    Ok(Html(body).into_response())
}

pub async fn todo(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ObligationQuery>,
) -> PageResult {
    list_page(&state, &user, q, false).await
}

pub async fn overdue(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ObligationQuery>,
) -> PageResult {
    if !user.principal.has(Role::Reviewer) && !user.principal.has(Role::Viewer) {
        return Err(DomainError::Forbidden("逾期事项汇总供主管部门及有关部门查看".into()).into());
    }
    list_page(&state, &user, q, true).await
}

/// Excel of the obligation list with the current filters.
pub async fn export(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let oq = ObligationQuery {
        q: get("q"),
        status: get("status"),
        dept: get("dept"),
        page: String::new(),
        done: String::new(),
    };
    let overdue = get("scope") == "overdue";
    let mut filter = oq.filter(!overdue);
    if overdue {
        filter.status = Some(Status::Overdue);
    }
    let rows = crate::export::all_pages(crate::export::MAX_ROWS, |page| {
        state.store.list_obligations(&user.principal, &filter, page)
    })
    .await?;
    let rules = state.store.rules();
    let jurisdiction = state
        .store
        .jurisdiction(user.principal.jurisdiction_id)
        .await?;
    let profile = rules.profile(&jurisdiction.profile_id).cloned();
    let headers = [
        "项目",
        "建设单位",
        "事项",
        "周期",
        "责任方",
        "期限",
        "期限是否暂定",
        "状态",
        "完成日期",
        "依据",
        "条文",
    ];
    let rows = rows
        .into_iter()
        .map(|o| {
            let v = view(o, profile.as_ref());
            vec![
                v.project_name,
                v.owner_department,
                v.duty,
                v.period.unwrap_or_default(),
                v.owed_label,
                v.due_date.unwrap_or_else(|| "未规定时限".into()),
                if v.provisional {
                    "是".into()
                } else {
                    String::new()
                },
                v.status_label.to_string(),
                v.fulfilled_on.unwrap_or_default(),
                v.cite,
                v.text,
            ]
        })
        .collect();
    let table = crate::export::Table {
        sheet: if overdue {
            "逾期事项"
        } else {
            "待办事项"
        },
        headers: &headers,
        widths: &[(0, 30.0), (10, 60.0)],
        total: None,
    };
    crate::export::xlsx_response(table, rows, "obligations.xlsx").await
}

/// Records an event on a project from its page.
pub async fn record_event(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let kind = EventKind::parse(&get("kind"))
        .ok_or_else(|| DomainError::invalid("kind", "请选择事件类型"))?;
    let date = NaiveDate::parse_from_str(get("date").trim(), "%Y-%m-%d")
        .map_err(|_| DomainError::invalid("date", "事件日期格式应为 2025-10-14"))?;
    state
        .store
        .record_milestone(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            kind,
            date,
            get("note").trim(),
        )
        .await?;
    Ok(Redirect::to(&format!("/projects/{id}?done=event#obligations")).into_response())
}

pub async fn set_fact(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let fact = Fact::parse(&get("fact"))
        .ok_or_else(|| DomainError::invalid("fact", "请选择要认定的情况"))?;
    let value: i64 = get("value")
        .trim()
        .parse()
        .map_err(|_| DomainError::invalid("value", "认定值应为整数（是=1，否=0）"))?;
    state
        .store
        .set_project_fact(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            fact,
            value,
        )
        .await?;
    Ok(Redirect::to(&format!("/projects/{id}?done=fact#obligations")).into_response())
}

pub async fn waive(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    state
        .store
        .waive_obligation(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            &get("key"),
            &get("reason"),
        )
        .await?;
    Ok(Redirect::to(&format!("/projects/{id}?done=waive#obligations")).into_response())
}

#[derive(Template)]
#[template(path = "policies.html")]
struct PoliciesPage {
    layout: Layout,
    profiles: Vec<(String, String, String, String, String, usize)>,
}

pub async fn policies(State(state): State<AppState>, user: User) -> PageResult {
    let rules = state.store.rules();
    let profiles = rules
        .profiles
        .values()
        .map(|p| {
            (
                p.head.id.clone(),
                p.head.name.clone(),
                p.head.issuer.clone(),
                p.head.document.clone(),
                p.head.issued.to_string(),
                p.rule_count(),
            )
        })
        .collect();
    let body = PoliciesPage {
        layout: Layout::for_user(&state, &user, "管理办法与规则", "policies").await?,
        profiles,
    }
    .render()?;
    Ok(Html(body).into_response())
}

type RuleRows = Vec<(String, String, String)>;

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    layout: Layout,
    p: Profile,
    sections: Vec<(&'static str, RuleRows)>,
}

/// Every rule of a profile in rows of (citation, rule, content).
pub fn rule_sections(p: &Profile) -> Vec<(&'static str, RuleRows)> {
    vec![
        (
            "流程",
            p.stages
                .iter()
                .map(|s| (s.cite.clone(), p.stage_label(s.stage), s.text.clone()))
                .collect(),
        ),
        (
            "材料",
            p.documents
                .iter()
                .map(|d| {
                    (
                        d.cite.clone(),
                        format!("{}（{}）", d.name, p.stage_label(d.stage)),
                        d.text.clone(),
                    )
                })
                .collect(),
        ),
        (
            "期限",
            p.deadlines
                .iter()
                .map(|d| {
                    (
                        d.cite.clone(),
                        format!("{} · {}", d.duty, p.party_label(&d.owed_by)),
                        d.text.clone(),
                    )
                })
                .collect(),
        ),
        (
            "限额与标准",
            p.thresholds
                .iter()
                .map(|t| (t.cite.clone(), t.effect.clone(), t.text.clone()))
                .collect(),
        ),
        (
            "数量限制",
            p.quotas
                .iter()
                .map(|q| {
                    (
                        q.cite.clone(),
                        format!("每年最多 {} 个", q.max),
                        q.text.clone(),
                    )
                })
                .collect(),
        ),
        (
            "前置条件",
            p.gates
                .iter()
                .map(|g| (g.cite.clone(), g.action.label().to_string(), g.text.clone()))
                .collect(),
        ),
        (
            "处理措施",
            p.sanctions
                .iter()
                .map(|s| {
                    (
                        s.cite.clone(),
                        s.steps
                            .iter()
                            .map(|x| x.label())
                            .collect::<Vec<_>>()
                            .join(" → "),
                        s.text.clone(),
                    )
                })
                .collect(),
        ),
        (
            "原文缺失或未规定",
            p.gaps
                .iter()
                .map(|g| {
                    (
                        g.cite.clone(),
                        g.configurable.clone().unwrap_or_default(),
                        g.text.clone(),
                    )
                })
                .collect(),
        ),
    ]
}

pub async fn policy(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> PageResult {
    let rules = state.store.rules();
    let p = rules.profile(&id).cloned().ok_or(DomainError::NotFound)?;
    let body = PolicyPage {
        layout: Layout::for_user(&state, &user, p.head.name.clone(), "policies").await?,
        sections: rule_sections(&p),
        p,
    }
    .render()?;
    Ok(Html(body).into_response())
}

#[derive(Template)]
#[template(path = "calendar.html")]
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
    State(state): State<AppState>,
    user: User,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    let today = govit_storage::obligations::china_today(state.now_ms());
    let ym = govit_core::declaration::YearMonth::parse(&q.month).unwrap_or(
        govit_core::declaration::YearMonth {
            year: today.year(),
            month: today.month(),
        },
    );
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
    let (py, pm) = if ym.month == 1 {
        (ym.year - 1, 12)
    } else {
        (ym.year, ym.month - 1)
    };
    let (ny, nm) = if ym.month == 12 {
        (ym.year + 1, 1)
    } else {
        (ym.year, ym.month + 1)
    };
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
