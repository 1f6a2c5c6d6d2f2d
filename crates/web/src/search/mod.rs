//! 检索: full-text search over the catalog and the projects in the user's scope.

pub mod api;
pub mod similar;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::view::Layout;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use govit_core::ids::DepartmentId;
use govit_core::org::Principal;
use govit_search::DocKind;
use govit_storage::StoreError;
use serde::{Deserialize, Serialize};

/// The most hits one search looks at.
const MAX_HITS: usize = 200;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
    /// `system`, `project` or empty for both.
    pub kind: String,
    pub dept: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// `system` or `project`
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub id: i64,
    pub name: String,
    pub department: String,
    pub status: String,
    pub score: f32,
    pub terms: Vec<String>,
    pub link: String,
}

/// Ranks the index's hits, keeps those the user may see and the filters allow.
pub async fn run_search(
    state: &AppState, principal: &Principal, q: &SearchQuery,
) -> Result<Vec<Hit>, StoreError> {
    let text: String = q.q.trim().chars().take(200).collect();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let matches = state.search_index(principal.jurisdiction_id.0, text, MAX_HITS).await;
    let kind = match q.kind.as_str() {
        "system" => Some(DocKind::System),
        "project" => Some(DocKind::Project),
        _ => None,
    };
    let matches: Vec<_> =
        matches.into_iter().filter(|m| kind.is_none_or(|k| k == m.kind)).collect();
    let ids =
        |k: DocKind| -> Vec<i64> { matches.iter().filter(|m| m.kind == k).map(|m| m.id).collect() };
    let mut rows = state
        .store
        .search_rows(
            principal,
            &ids(DocKind::System),
            &ids(DocKind::Project),
            q.dept.parse().ok().map(DepartmentId),
        )
        .await?;
    Ok(matches
        .into_iter()
        .filter_map(|m| {
            let is_system = m.kind == DocKind::System;
            let row = rows.remove(&(is_system, m.id))?;
            Some(Hit {
                kind: m.kind.as_str(),
                kind_label: if is_system { "信息系统" } else { "项目" },
                id: m.id,
                link: if is_system {
                    format!("/systems/{}", m.id)
                } else {
                    format!("/projects/{}", m.id)
                },
                name: row.name,
                department: row.department,
                status: row.status,
                score: m.score,
                terms: m.terms,
            })
        })
        .collect())
}

#[derive(Template)]
#[template(path = "search/search.html")]
struct SearchPage {
    layout: Layout,
    filters: crate::shell::view::Filters,
    kind: String,
    hits: Vec<Hit>,
    searched: bool,
    export_query: String,
}

pub async fn page(
    State(state): State<AppState>, user: User, Query(q): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let hits = run_search(&state, &user.principal, &q).await?;
    let filters = crate::shell::view::Filters::new(&state, &user, &q.q, &q.dept).await?;
    let body = SearchPage {
        layout: Layout::for_user(&state, &user, "系统与项目检索", "search").await?,
        searched: !q.q.trim().is_empty(),
        export_query: crate::shell::view::filter_query(
            &[("q", q.q.as_str()), ("kind", q.kind.as_str()), ("dept", q.dept.as_str())],
            None,
        ),
        filters,
        kind: q.kind,
        hits,
    }
    .render()?;
    Ok(Html(body).into_response())
}

pub async fn export(
    State(state): State<AppState>, user: User, Query(q): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let hits = run_search(&state, &user.principal, &q).await?;
    let headers = ["类别", "名称", "所属单位", "状态", "相关度", "匹配词"];
    let rows = hits
        .into_iter()
        .map(|h| {
            vec![
                h.kind_label.to_string(),
                h.name,
                h.department,
                h.status,
                format!("{:.1}", h.score),
                h.terms.join("、"),
            ]
        })
        .collect();
    let table = crate::shell::excel::Table::new("检索结果", &headers, &[(1, 40.0), (2, 24.0)]);
    crate::shell::excel::xlsx_response(
        table,
        rows,
        crate::shell::excel::FileName::dated(&state, "搜索结果", "search"),
    )
    .await
}

pub fn pages() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/search", get(page)).route("/search/export.xlsx", get(export))
}
