//! 我的待办 and 逾期事项: obligation lists, their Excel export, and the view of one obligation.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::PageResult;
use crate::shell::view::{Layout, Pager};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse};
use govit_core::DomainError;
use govit_core::ids::DepartmentId;
use govit_core::obligation::Status;
use govit_core::org::Role;
use govit_core::policy::Profile;
use govit_storage::Page;
use govit_storage::projects::obligations::{ObligationFilter, ObligationRow};
use serde::Deserialize;
use std::collections::HashMap;

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
        Status::Waived | Status::Ended => "draft",
    }
}

pub fn view(o: ObligationRow, profile: Option<&Profile>) -> ObligationView {
    let owed_label = match profile {
        Some(p) => p.party_label(&o.owed_by),
        None => o.owed_by.clone(),
    };
    // The department is named after the party unless the party's label is its name already.
    let owed_label = if o.owed_department.is_empty() || o.owed_department == owed_label {
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
        crate::shell::view::filter_query(
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
#[template(path = "rules/obligations.html")]
struct ObligationsPage {
    layout: Layout,
    heading: &'static str,
    intro: &'static str,
    base_path: &'static str,
    flash: Option<String>,
    /// No status to choose on 逾期事项: all of it is overdue.
    filters: crate::shell::view::Filters,
    obligations: Vec<ObligationView>,
    show_project: bool,
    can_waive: bool,
    csrf: String,
    pager: Pager,
    export_query: String,
    /// On 我的待办: everything else waiting on the user, each with its count and list, and
    /// the total the navigation badge shows.
    waiting: Vec<(&'static str, i64, &'static str)>,
    waiting_total: i64,
}

pub async fn list_page(
    state: &AppState, user: &User, q: ObligationQuery, overdue: bool,
) -> PageResult {
    let mut filter = q.filter(!overdue);
    if overdue {
        filter.status = Some(Status::Overdue);
    }
    let paged = state
        .store
        .list_obligations(&user.principal, &filter, Page::new(q.page.parse().unwrap_or(1), 50))
        .await?;
    let rules = state.store.rules();
    let jurisdiction = state.store.jurisdiction(user.principal.jurisdiction_id).await?;
    let profile = rules.profile(&jurisdiction.profile_id);
    let base_path = if overdue { "/obligations/overdue" } else { "/obligations" };
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("{base_path}?{}", q.query_string(Some(n)))
    });
    let mut filters = crate::shell::view::Filters::new(state, user, &q.q, &q.dept).await?;
    if !overdue {
        use Status as S;
        let statuses = [S::Pending, S::DueSoon, S::Overdue, S::Fulfilled, S::Waived, S::Ended];
        filters = filters.with_status(&q.status, statuses.iter().map(|s| (s.as_str(), s.label())));
    }
    let (heading, intro, active) = if overdue {
        ("逾期事项", "辖区内各单位已超过期限仍未完成的义务，期限按法定工作日计算。", "overdue")
    } else {
        ("我的待办", "本单位须按管理办法完成的事项，按期限先后排列；期限按法定工作日计算。", "todo")
    };
    let mut export = q.query_string(None);
    if overdue {
        export.push_str(if export.is_empty() { "scope=overdue" } else { "&scope=overdue" });
    }
    let layout = Layout::for_user(state, user, heading, active).await?;
    let counts = layout.nav.as_ref().map(|n| n.todo).unwrap_or_default();
    let (waiting, waiting_total) =
        if overdue { (Vec::new(), 0) } else { (counts.waiting(), counts.total()) };
    let body = ObligationsPage {
        waiting,
        waiting_total,
        layout,
        heading,
        intro,
        base_path,
        flash: (q.done == "waive").then(|| "已豁免该事项，理由已记入审计日志。".to_string()),
        filters,
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
    State(state): State<AppState>, user: User, Query(q): Query<ObligationQuery>,
) -> PageResult {
    list_page(&state, &user, q, false).await
}

pub async fn overdue(
    State(state): State<AppState>, user: User, Query(q): Query<ObligationQuery>,
) -> PageResult {
    if !user.principal.has(Role::Reviewer) && !user.principal.has(Role::Viewer) {
        return Err(DomainError::Forbidden("逾期事项汇总供主管部门及有关部门查看".into()).into());
    }
    list_page(&state, &user, q, true).await
}

/// Excel of the obligation list with the current filters.
pub async fn export(
    State(state): State<AppState>, user: User, Query(q): Query<HashMap<String, String>>,
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
    let rows = crate::shell::excel::all_pages(crate::shell::excel::MAX_ROWS, |page| {
        state.store.list_obligations(&user.principal, &filter, page)
    })
    .await?;
    let rules = state.store.rules();
    let jurisdiction = state.store.jurisdiction(user.principal.jurisdiction_id).await?;
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
                if v.provisional { "是".into() } else { String::new() },
                v.status_label.to_string(),
                v.fulfilled_on.unwrap_or_default(),
                v.cite,
                v.text,
            ]
        })
        .collect();
    let table = crate::shell::excel::Table::new(
        if overdue { "逾期事项" } else { "待办事项" },
        &headers,
        &[(0, 30.0), (10, 60.0)],
    );
    crate::shell::excel::xlsx_response(
        table,
        rows,
        crate::shell::excel::FileName::dated(&state, "义务清单", "obligations"),
    )
    .await
}
