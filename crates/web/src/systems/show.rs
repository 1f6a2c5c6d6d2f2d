//! One catalog entry: its details, zombie signals, panels and history.

use super::list::{SystemQuery, mlps};
use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::PageResult;
use crate::shell::view::{Layout, fmt_ms};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse};
use govit_core::inventory::system_field_label;
use govit_core::org::Role;
use govit_storage::systems::SystemRecord;

#[derive(Template)]
#[template(path = "systems/system_show.html")]
struct ShowPage {
    layout: Layout,
    s: SystemRecord,
    panels: crate::shell::panels::Rendered,
    flash: Option<String>,
    rows: Vec<(&'static str, String)>,
    can_edit: bool,
    history: Vec<(i64, String, String, &'static str, &'static str, &'static str)>,
}

pub async fn show(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(q): Query<SystemQuery>,
) -> PageResult {
    let s = state.store.read::<SystemRecord>(user.who(&state), id).await?;
    let sys = &s.system;
    let yes = |b: bool| if b { "是" } else { "否" }.to_string();
    let rows = vec![
        ("所属单位", s.owner_department.clone()),
        (system_field_label("function_summary"), sys.function_summary.clone()),
        (system_field_label("users_scope"), sys.users_scope.clone()),
        (system_field_label("use_frequency"), sys.use_frequency.label().into()),
        (system_field_label("approval_document"), sys.approval_document.clone()),
        (
            system_field_label("approval_date"),
            sys.approval_date.map(|d| d.to_string()).unwrap_or_default(),
        ),
        (system_field_label("funding_source"), sys.funding_source.clone()),
        (
            system_field_label("year_built"),
            sys.year_built.map(|y| y.to_string()).unwrap_or_default(),
        ),
        (system_field_label("deployment"), sys.deployment.label().into()),
        (system_field_label("network"), sys.network.label().into()),
        (system_field_label("gov_service_connected"), yes(sys.gov_service_connected)),
        (system_field_label("data_sharing_connected"), yes(sys.data_sharing_connected)),
        (system_field_label("mlps_level"), mlps(sys.mlps_level)),
        (system_field_label("status"), sys.status.label().into()),
        (system_field_label("disposition"), sys.disposition.label().into()),
        (system_field_label("disposition_reason"), sys.disposition_reason.clone()),
        (
            system_field_label("last_used_on"),
            sys.last_used_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
        (system_field_label("om_stopped"), yes(sys.om_stopped)),
        (system_field_label("idle_resources"), yes(sys.idle_resources)),
        ("版本", s.version.to_string()),
    ];
    let history = state
        .store
        .system_history(id)
        .await?
        .into_iter()
        .map(|h| {
            let action = match h.action.as_str() {
                "create" => "登记",
                "dispose" => "调整处置",
                _ => "修改",
            };
            (
                h.version,
                fmt_ms(h.changed_at_ms),
                h.changed_by,
                action,
                h.snapshot.disposition.label(),
                h.snapshot.status.label(),
            )
        })
        .collect();
    let p = &user.principal;
    let body = ShowPage {
        layout: Layout::for_user(&state, &user, s.system.name.clone(), "systems").await?,
        flash: match q.done.as_str() {
            "create" => Some("系统已登记。".into()),
            "update" => Some("修改已保存，原版本保留在变更历史中。".into()),
            _ => None,
        },
        can_edit: p.has(Role::Reviewer)
            || (p.has(Role::Declarant) && p.department_id == Some(s.owner_department_id)),
        rows,
        history,
        panels: state.panels.for_system(&state, &user, &s).await?,
        s,
    }
    .render()?;
    Ok(Html(body).into_response())
}
