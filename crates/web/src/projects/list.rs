//! 项目库 and 待审核: the project lists with their department tree and filters.

use super::show::flash_for;
use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, forbid, html};
use crate::shell::view::{Layout, Pager, fmt_ms};
use askama::Template;
use axum::extract::{Query, State};
use govit_core::ids::DepartmentId;
use govit_core::org::Role;
use govit_core::project::ProjectStatus;
use govit_storage::Page;
use govit_storage::projects::{ProjectFilter, ProjectOrder, TaskHolder};
use serde::Deserialize;

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub status: String,
    pub dept: String,
    pub page: String,
    /// What was just done, for the confirmation banner.
    pub done: String,
    /// `submitted` (longest waiting first) or `-submitted`, `due` (earliest due date first) or
    /// `-due`; most recently changed otherwise.
    pub sort: String,
}

impl ListQuery {
    pub fn filter(&self) -> ProjectFilter {
        // 已终止: the approved projects terminated since.
        let ended = self.status == "terminated";
        ProjectFilter {
            status: if ended {
                Some(ProjectStatus::Approved)
            } else {
                ProjectStatus::parse(&self.status)
            },
            ended,
            keyword: self.q.chars().take(100).collect(),
            department: self.dept.trim().parse().ok().map(DepartmentId),
            order: match self.sort.as_str() {
                "submitted" => ProjectOrder::SubmittedOldest,
                "-submitted" => ProjectOrder::SubmittedNewest,
                "due" => ProjectOrder::DueSoonest,
                "-due" => ProjectOrder::DueLatest,
                _ => ProjectOrder::Updated,
            },
            tasks_of: None,
        }
    }
    pub fn page(&self) -> i64 {
        self.page.trim().parse().unwrap_or(1)
    }
    fn query_string(&self, page: Option<i64>) -> String {
        crate::shell::view::filter_query(
            &[
                ("q", self.q.as_str()),
                ("status", self.status.as_str()),
                ("dept", self.dept.as_str()),
                ("sort", self.sort.as_str()),
            ],
            page,
        )
    }
}

struct ProjectRow {
    id: i64,
    name: String,
    department: String,
    period: String,
    investment: String,
    status: &'static str,
    status_label: &'static str,
    /// The day it was terminated (项目终止), if it was.
    ended: Option<String>,
    updated: String,
    /// The day it was (last) submitted, and the working days it has waited since.
    submitted: String,
    waiting: String,
    /// In the review queue: the step waiting on the reader (its words and article), and by
    /// when under the profile's clock.
    step: String,
    due: String,
    overdue: bool,
    /// When the holder was last reminded (催办), if ever.
    urged: String,
}

struct TreeItem {
    id: i64,
    name: String,
    depth: usize,
}

#[derive(Template)]
#[template(path = "projects/projects.html")]
struct ProjectsPage {
    layout: Layout,
    heading: &'static str,
    base_path: &'static str,
    flash: Option<String>,
    tree: Vec<TreeItem>,
    dept: Option<i64>,
    q: String,
    status: String,
    show_status_filter: bool,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<ProjectRow>,
    pager: Pager,
    export_query: String,
    /// The declaration form the profile names (yeji:6's annex 1), for its export: its article.
    declaration_form: Option<String>,
    /// The review queue: submission dates and days waiting, sorted by them.
    queue: bool,
    sort: String,
    /// The queue's filters with the other order by submission, and by due date.
    resort_query: String,
    due_sort_query: String,
    /// A clerk of a unit may start a declaration from the list.
    can_create: bool,
}

pub async fn list_page(
    state: &AppState, user: &User, q: ListQuery, heading: &'static str, base_path: &'static str,
    active: &'static str, tasks_of: Option<TaskHolder>,
) -> PageResult {
    let filter = ProjectFilter { tasks_of, ..q.filter() };
    let paged =
        state.store.list_projects(&user.principal, &filter, Page::new(q.page(), 20)).await?;
    let tree = state
        .store
        .departments(user.principal.jurisdiction_id)
        .await?
        .into_iter()
        .map(|d| TreeItem { id: d.id.0, depth: d.depth(), name: d.name })
        .collect();
    let queue = base_path == "/review";
    let (calendar, today) =
        (state.store.calendar().await?, govit_storage::china_today(state.now_ms()));
    let tasks = if queue {
        let ids: Vec<i64> = paged.items.iter().map(|p| p.id.0).collect();
        state.store.tasks_of(&user.principal, Some(&ids), Default::default()).await?
    } else {
        Vec::new()
    };
    let task = |id: i64| tasks.iter().find(|t| t.project_id == id);
    let approved: Vec<_> =
        paged.items.iter().filter(|p| p.status == ProjectStatus::Approved).map(|p| p.id).collect();
    let ended = state.store.terminated_among(&approved).await?;
    let rows = paged
        .items
        .iter()
        .map(|p| ProjectRow {
            step: task(p.id.0).map(|t| format!("{}（{}）", t.action, t.cite)).unwrap_or_default(),
            due: task(p.id.0).and_then(|t| t.due.clone()).unwrap_or_default(),
            overdue: task(p.id.0).is_some_and(|t| t.overdue),
            urged: task(p.id.0).and_then(|t| t.urged_ms).map(fmt_ms).unwrap_or_default(),
            submitted: p
                .submitted_at_ms
                .map(|ms| govit_storage::china_today(ms).to_string())
                .unwrap_or_default(),
            waiting: p
                .submitted_at_ms
                .map(|ms| {
                    calendar.working_days_between(govit_storage::china_today(ms), today).to_string()
                })
                .unwrap_or_default(),
            id: p.id.0,
            name: p.declaration.name.clone(),
            department: p.owner_department.clone(),
            period: p.declaration.period.to_string(),
            investment: p.declaration.investment.to_wan_string(),
            status: p.status.as_str(),
            status_label: p.status.label(),
            ended: ended.get(&p.id.0).map(|d| d.to_string()),
            updated: fmt_ms(p.updated_at_ms),
        })
        .collect();
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("{base_path}?{}", q.query_string(Some(n)))
    });
    let resort = ListQuery {
        sort: if q.sort == "submitted" { "-submitted".into() } else { "submitted".into() },
        ..q.clone()
    };
    let due_sort =
        ListQuery { sort: if q.sort == "due" { "-due".into() } else { "due".into() }, ..q.clone() };
    html(ProjectsPage {
        queue,
        sort: q.sort.clone(),
        resort_query: resort.query_string(None),
        due_sort_query: due_sort.query_string(None),
        layout: Layout::for_user(state, user, heading, active).await?,
        heading,
        base_path,
        flash: flash_for(&q.done),
        tree,
        dept: q.dept.trim().parse().ok(),
        q: q.q.clone(),
        status: q.status.clone(),
        show_status_filter: base_path == "/projects",
        statuses: ProjectStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .chain([("terminated", "已终止")])
            .collect(),
        rows,
        pager,
        export_query: q.query_string(None),
        declaration_form: state
            .store
            .basis(user.principal.jurisdiction_id, govit_core::policy::Provision::DeclarationForm)
            .await
            .map(|r| r.cite),
        can_create: base_path == "/projects"
            && user.principal.has(Role::Declarant)
            && user.principal.department_id.is_some(),
    })
}

pub async fn projects(
    State(state): State<AppState>, user: User, Query(q): Query<ListQuery>,
) -> PageResult {
    let active = match q.status.as_str() {
        "returned" if user.principal.has(Role::Declarant) => "mine",
        "draft" if user.principal.has(Role::Declarant) => "drafts",
        _ => "projects",
    };
    list_page(&state, &user, q, "项目库", "/projects", active, None).await
}

/// The reviewer's 待办: the projects whose current step of the path waits on them (their
/// unit's party, or them by name), longest waiting first.
pub async fn review_queue(
    State(state): State<AppState>, user: User, Query(mut q): Query<ListQuery>,
) -> PageResult {
    let holder = state.store.task_holder(&user.principal).await?;
    if holder.parties.is_empty() {
        return Err(forbid(&state, &user, "review_queue", "只有审核人可以查看待审核队列").await);
    }
    q.status = ProjectStatus::Submitted.as_str().into();
    if q.sort.is_empty() {
        // Longest waiting first, as a reviewer works a queue.
        q.sort = "submitted".into();
    }
    list_page(&state, &user, q, "待审核的项目申报", "/review", "review", Some(holder)).await
}
