//! The systems a project names, and the gates in front of its approval.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::panels::{Entered, PanelCx, PanelFuture};
use crate::shell::respond;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use govit_core::ids::ProjectId;
use govit_core::inventory::SystemAction;
use govit_core::obligation::{GateCheck, GateOutcome};
use govit_core::org::Role;
use govit_core::policy::GatedAction;
use govit_core::policy::Provision;
use govit_storage::Target;
use govit_storage::projects::LinkSystem;
use govit_storage::projects::Project;
use govit_storage::projects::UnlinkSystem;
use govit_storage::projects::links::SystemLink;
use std::collections::HashMap;

struct LinkRow {
    pub id: i64,
    pub name: String,
    pub action: &'static str,
    pub note: String,
    /// Whether the system is in the catalog.
    pub in_catalog: bool,
    /// The catalog entry's page, when the user may read it.
    pub catalog_link: Option<String>,
    /// Where to register it when it is not.
    pub register_link: String,
}

fn link_rows(links: Vec<SystemLink>) -> Vec<LinkRow> {
    links
        .into_iter()
        .map(|l| LinkRow {
            id: l.id,
            action: l.action.label(),
            note: l.note,
            in_catalog: l.catalog.is_some(),
            catalog_link: l.catalog.and_then(|c| c.system_id).map(|id| format!("/systems/{id}")),
            register_link: format!(
                "/systems/new?name={}",
                form_urlencoded::byte_serialize(l.system_name.as_bytes()).collect::<String>()
            ),
            name: l.system_name,
        })
        .collect()
}

struct GateRow {
    pub cite: String,
    pub text: String,
    pub outcome: &'static str,
    pub tag: &'static str,
    /// Facts a reviewer can establish here: (code, label in the unit typed, a yes/no fact,
    /// the refusal of the finding just made there).
    pub unknown: Vec<(&'static str, String, bool, Option<String>)>,
    /// For a gate not met on facts the flow derives (being in a plan …): each such fact and how
    /// it comes about, since no one establishes it here.
    pub derived: Vec<(String, &'static str)>,
}

fn gate_rows(
    checks: Vec<GateCheck>, entered: &Entered, profile: Option<&govit_core::policy::Profile>,
) -> Vec<GateRow> {
    checks
        .into_iter()
        .map(|g| {
            let derived = match g.outcome {
                GateOutcome::Fail => profile
                    .and_then(|p| p.gates.iter().find(|r| r.id == g.rule_id))
                    .map(|r| {
                        r.requires
                            .iter()
                            .filter_map(|c| c.fact.derivation().map(|d| (c.fact.label().into(), d)))
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
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
                    .map(|f| {
                        let flag = f.unit() == govit_core::policy::FactUnit::Flag;
                        let error = entered.error(&format!("basis-{}", f.as_str()));
                        (f.as_str(), f.form_label(), flag, error)
                    })
                    .collect(),
                derived,
            }
        })
        .collect()
}

pub async fn link(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    // Refused input: the page again, the error at the form and what was typed kept.
    let (state, user, f) = (&state, &user, &f);
    respond::run_page(
        state,
        user,
        Target::any_version(id),
        Ok(LinkSystem { name: &get("system_name"), action: &get("action"), note: &get("note") }),
        |_| format!("/projects/{id}?done=link#systems"),
        |errs| async move {
            let ids =
                [("system_name", "link-name"), ("action", "link-action"), ("note", "link-note")];
            let entered = Entered::refused(errs, &ids, f);
            super::show::project_page(state, user, ProjectId(id), None, entered).await
        },
    )
    .await
}

pub async fn unlink(
    State(state): State<AppState>, user: User, Path((id, link_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    respond::run_redirect(&state, &user, Target::any_version(id), &UnlinkSystem { link_id }, |_| {
        format!("/projects/{id}?done=unlink#systems")
    })
    .await
}

/// The systems a project names, on its page.
#[derive(Template)]
#[template(path = "projects/_systems_panel.html")]
struct SystemsPanelView<'a> {
    p: &'a Project,
    csrf: &'a str,
    entered: &'a Entered,
    links: Vec<LinkRow>,
    can_link: bool,
    catalog_names: Vec<String>,
    system_actions: Vec<(&'static str, &'static str)>,
    /// The project's own rule on systems outside the catalog, with its article, if its
    /// profile has one (a gate that tests `systems_outside_catalog` before approval).
    catalog_rule: Option<String>,
}

/// The rule of `profile_id` that a project's systems must be in the catalog before approval.
fn catalog_rule(state: &crate::AppState, profile_id: &str) -> Option<String> {
    let rules = state.store.rules();
    Some(rules.profile(profile_id)?.basis(Provision::SystemsInCatalog)?.cited())
}

pub fn systems_panel(cx: PanelCx<'_, Project>) -> PanelFuture<'_> {
    Box::pin(async move {
        let (state, pr, p) = (cx.state, &cx.user.principal, cx.record);
        let can_link = pr.has(Role::Declarant)
            && pr.department_id == Some(p.owner_department_id)
            && p.status.is_editable();
        let catalog_names =
            if can_link { state.store.system_names(pr.jurisdiction_id).await? } else { Vec::new() };
        let view = SystemsPanelView {
            p,
            csrf: &cx.user.csrf,
            entered: cx.entered,
            links: link_rows(state.store.systems_of(pr, p).await?),
            can_link,
            catalog_names,
            system_actions: SystemAction::ALL.iter().map(|a| (a.as_str(), a.label())).collect(),
            catalog_rule: catalog_rule(state, &p.profile_id),
        };
        Ok(Some(view.render()?))
    })
}

/// The gates in front of approval, on the project's page.
#[derive(Template)]
#[template(path = "projects/_gates_panel.html")]
struct GatesPanelView<'a> {
    p: &'a Project,
    csrf: &'a str,
    gates: Vec<GateRow>,
    can_waive: bool,
    profile_name: String,
}

pub fn gates_panel(cx: PanelCx<'_, Project>) -> PanelFuture<'_> {
    Box::pin(async move {
        let (state, p) = (cx.state, cx.record);
        if p.status == govit_core::project::ProjectStatus::OutsideScope {
            return Ok(None);
        }
        let checks = state.store.gates_of(p, GatedAction::Approve).await?;
        let rules = state.store.rules();
        let gates = gate_rows(checks, cx.entered, rules.profile(&p.profile_id));
        let view = GatesPanelView {
            p,
            csrf: &cx.user.csrf,
            gates,
            can_waive: cx.user.principal.has(Role::Reviewer),
            profile_name: rules
                .profile(&p.profile_id)
                .map(|x| x.head.name.clone())
                .unwrap_or_default(),
        };
        Ok(Some(view.render()?))
    })
}
