//! 信息系统目录: the list with its filters and its Excel export.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::PageResult;
use crate::shell::view::{Layout, Pager};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse};
use govit_core::ids::DepartmentId;
use govit_core::inventory::{Disposition, SHEET_COLUMNS};
use govit_core::org::Role;
use govit_core::policy::Provision;
use govit_storage::systems::{SystemFilter, SystemRecord};
use govit_storage::{Page, StoreError};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SystemQuery {
    pub q: String,
    pub dept: String,
    pub disposition: String,
    pub zombies: String,
    pub page: String,
    pub done: String,
}

impl SystemQuery {
    pub fn filter(&self) -> SystemFilter {
        SystemFilter {
            keyword: self.q.chars().take(100).collect(),
            department: self.dept.parse().ok().map(DepartmentId),
            disposition: Disposition::parse(&self.disposition),
            status: None,
            zombies_only: self.zombies == "1",
        }
    }
    fn query_string(&self, page: Option<i64>) -> String {
        crate::shell::view::filter_query(
            &[
                ("q", self.q.as_str()),
                ("dept", self.dept.as_str()),
                ("disposition", self.disposition.as_str()),
                ("zombies", self.zombies.as_str()),
            ],
            page,
        )
    }
}

struct Row {
    id: i64,
    name: String,
    department: String,
    deployment: &'static str,
    mlps: String,
    status: &'static str,
    disposition: &'static str,
    zombie: String,
}

pub(crate) fn mlps(level: Option<u8>) -> String {
    level.map(|l| format!("{l}级")).unwrap_or_else(|| "未定级".into())
}

#[derive(Template)]
#[template(path = "systems/systems.html")]
struct SystemsPage {
    layout: Layout,
    /// The jurisdiction's own article on disposing of systems, if its profile has one.
    disposition_rule: Option<String>,
    flash: Option<String>,
    /// Its status is the disposition chosen.
    filters: crate::shell::view::Filters,
    zombies: bool,
    rows: Vec<Row>,
    pager: Pager,
    export_query: String,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>, user: User, Query(q): Query<SystemQuery>,
) -> PageResult {
    let paged = state
        .store
        .list_systems(
            &user.principal,
            &q.filter(),
            state.now_ms(),
            Page::new(q.page.parse().unwrap_or(1), 30),
        )
        .await?;
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("/systems?{}", q.query_string(Some(n)))
    });
    let rows = paged
        .items
        .into_iter()
        .map(|s| Row {
            id: s.id,
            department: s.owner_department,
            deployment: s.system.deployment.label(),
            mlps: mlps(s.system.mlps_level),
            status: s.system.status.label(),
            disposition: s.system.disposition.label(),
            zombie: s.zombie_signals.iter().map(|z| z.1.clone()).collect::<Vec<_>>().join("；"),
            name: s.system.name,
        })
        .collect();
    let filters = crate::shell::view::Filters::new(&state, &user, &q.q, &q.dept)
        .await?
        .with_status(&q.disposition, Disposition::ALL.iter().map(|d| (d.as_str(), d.label())));
    let body = SystemsPage {
        layout: Layout::for_user(&state, &user, "政务信息系统目录", "systems").await?,
        disposition_rule: state
            .store
            .basis(user.principal.jurisdiction_id, Provision::SystemDisposition)
            .await
            .map(|b| b.cited()),
        flash: (q.done == "create").then(|| "系统已登记。".to_string()),
        filters,
        zombies: q.zombies == "1",
        rows,
        pager,
        export_query: q.query_string(None),
        can_create: user.principal.has(Role::Declarant) || user.principal.has(Role::Reviewer),
    }
    .render()?;
    Ok(Html(body).into_response())
}

pub async fn export(
    State(state): State<AppState>, user: User, Query(q): Query<SystemQuery>,
) -> PageResult {
    let all = all_systems(&state.store, &user.principal, &q.filter(), state.now_ms()).await?;
    let (table, rows) = systems_table(all);
    crate::shell::excel::xlsx_response(
        table,
        rows,
        crate::shell::excel::FileName::dated(&state, "政务信息系统目录", "systems"),
    )
    .await
}

/// Every entry the filter and the user's scope allow (at most 100,000), for exports.
pub async fn all_systems(
    store: &govit_storage::Store, principal: &govit_core::org::Principal, filter: &SystemFilter,
    now_ms: i64,
) -> Result<Vec<SystemRecord>, StoreError> {
    crate::shell::excel::all_pages(crate::shell::excel::CATALOG_MAX_ROWS, |page| {
        store.list_systems(principal, filter, now_ms, page)
    })
    .await
}

/// The catalog as a sheet in the columns the import reads back (`SHEET_COLUMNS`).
pub fn systems_table(
    records: Vec<SystemRecord>,
) -> (crate::shell::excel::Table<'static>, Vec<Vec<String>>) {
    static HEADERS: std::sync::LazyLock<Vec<&'static str>> =
        std::sync::LazyLock::new(|| SHEET_COLUMNS.iter().map(|(_, h)| *h).collect());
    let rows = records
        .into_iter()
        .map(|r| {
            let mut row = vec![r.owner_department];
            row.extend(r.system.sheet_cells());
            row.push(r.zombie_signals.iter().map(|z| z.1.clone()).collect::<Vec<_>>().join("；"));
            row
        })
        .collect();
    let table =
        crate::shell::excel::Table::new("政务信息系统目录", &HEADERS, &[(1, 30.0), (2, 40.0)]);
    (table, rows)
}

/// The whole visible catalog as .xlsx bytes, for `govit systems export`.
pub async fn systems_xlsx(
    store: &govit_storage::Store, principal: &govit_core::org::Principal, filter: &SystemFilter,
    now_ms: i64,
) -> Result<(usize, Vec<u8>), String> {
    let all = all_systems(store, principal, filter, now_ms).await.map_err(|e| e.to_string())?;
    let n = all.len();
    let (table, rows) = systems_table(all);
    crate::shell::excel::xlsx_bytes(&table, &rows).map(|b| (n, b))
}
