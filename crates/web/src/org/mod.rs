//! 组织机构: the jurisdiction's department tree with its party kinds.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, html};
use crate::shell::view::Layout;
use askama::Template;
use axum::extract::State;

struct DeptRow {
    name: String,
    code: String,
    kinds: String,
    depth: usize,
}

#[derive(Template)]
#[template(path = "org/org.html")]
struct OrgPage {
    layout: Layout,
    jurisdiction: String,
    departments: Vec<DeptRow>,
    firms: Vec<(String, &'static str)>,
    experts: Vec<govit_storage::org::Expert>,
}

pub async fn org(State(state): State<AppState>, user: User) -> PageResult {
    let j = user.principal.jurisdiction_id;
    let jurisdiction = state.store.jurisdiction(j).await?.name;
    let departments = state
        .store
        .departments(j)
        .await?
        .into_iter()
        .map(|d| DeptRow {
            depth: d.depth(),
            kinds: d.party_kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("、"),
            name: d.name,
            code: d.code,
        })
        .collect();
    let firms = state.store.firms(j).await?.into_iter().map(|f| (f.name, f.kind.label())).collect();
    html(OrgPage {
        layout: Layout::for_user(&state, &user, "组织机构", "org").await?,
        jurisdiction,
        departments,
        firms,
        experts: state.store.experts(j).await?,
    })
}

pub fn pages() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/org", get(org))
}
