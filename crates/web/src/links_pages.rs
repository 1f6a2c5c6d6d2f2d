//! The project page's 涉及的信息系统 (what the project builds, changes or retires, and whether
//! each is in the catalog) and 立项审批关口 (each approval gate and what it still needs).

use crate::AppState;
use crate::auth::User;
use crate::error::PageError;
use crate::pages::Entered;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use govit_core::DomainError;
use govit_core::error::FieldError;
use govit_core::ids::ProjectId;
use govit_core::obligation::{GateCheck, GateOutcome};
use govit_storage::StoreError;
use govit_storage::project_systems::SystemLink;
use std::collections::HashMap;

pub struct LinkRow {
    pub id: i64,
    pub name: String,
    pub action: &'static str,
    pub note: String,
    /// The catalog entry's page, or `None` when the system is not in the catalog.
    pub catalog_link: Option<String>,
    /// Where to register it when it is not.
    pub register_link: String,
}

pub fn link_rows(links: Vec<SystemLink>) -> Vec<LinkRow> {
    links
        .into_iter()
        .map(|l| LinkRow {
            id: l.id,
            action: l.action.label(),
            note: l.note,
            catalog_link: l.catalog.map(|c| format!("/systems/{}", c.system_id)),
            register_link: format!(
                "/systems/new?name={}",
                form_urlencoded::byte_serialize(l.system_name.as_bytes()).collect::<String>()
            ),
            name: l.system_name,
        })
        .collect()
}

pub struct GateRow {
    pub cite: String,
    pub text: String,
    pub outcome: &'static str,
    pub tag: &'static str,
    /// Facts a reviewer can establish here: (code, label).
    pub unknown: Vec<(&'static str, &'static str)>,
}

pub fn gate_rows(checks: Vec<GateCheck>) -> Vec<GateRow> {
    checks
        .into_iter()
        .map(|g| {
            let (outcome, tag) = match g.outcome {
                GateOutcome::Pass => ("满足", "approved"),
                GateOutcome::Fail => ("不满足", "returned"),
                GateOutcome::Unknown => ("待认定", "submitted"),
                GateOutcome::NotApplicable => ("不适用", "draft"),
            };
            GateRow {
                cite: g.cite,
                text: g.text,
                outcome,
                tag,
                unknown: g
                    .unknown_facts
                    .iter()
                    .map(|f| (f.as_str(), f.label()))
                    .collect(),
            }
        })
        .collect()
}

/// Renames a refused field to the id of its input on the project page.
pub fn on_page(errs: Vec<FieldError>, ids: &[(&str, &'static str)]) -> Vec<FieldError> {
    errs.into_iter()
        .map(|e| FieldError {
            field: ids
                .iter()
                .find(|(field, _)| *field == e.field)
                .map_or(e.field, |(_, id)| id),
            message: e.message,
        })
        .collect()
}

pub async fn link(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let linked = state
        .store
        .link_project_system(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            &get("system_name"),
            &get("action"),
            &get("note"),
        )
        .await;
    match linked {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{id}?done=link#systems")).into_response()),
        // Refused input: the page again, the error at the form and what was typed kept.
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let entered = Entered {
                errors: on_page(
                    errs,
                    &[
                        ("system_name", "link-name"),
                        ("action", "link-action"),
                        ("note", "link-note"),
                    ],
                ),
                link_name: get("system_name"),
                link_action: get("action"),
                link_note: get("note"),
                ..Default::default()
            };
            crate::pages::project_page(&state, &user, ProjectId(id), None, entered).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn unlink(
    State(state): State<AppState>,
    user: User,
    Path((id, link_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    state
        .store
        .unlink_project_system(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            link_id,
        )
        .await?;
    Ok(Redirect::to(&format!("/projects/{id}?done=unlink#systems")).into_response())
}
