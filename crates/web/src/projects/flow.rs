//! The declaration flow's steps from the page: submit, withdraw, decide.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, VersionedForm, version_of};
use crate::shell::panels::Entered;
use crate::shell::respond;
use axum::Form;
use axum::extract::{Path, State};
use govit_core::DomainError;
use govit_core::ids::ProjectId;
use govit_core::org::Role;
use govit_core::project::ProjectAction;
use govit_core::project::{Decision, ProjectStatus};
use govit_core::workflow::{Verb, VerbKind};
use govit_storage::projects::{Command, OutsideScope, RunStep};
use govit_storage::{StoreError, Target};
use std::collections::HashMap;

/// A flow step the page posts with nothing but the version: submit or withdraw.
pub async fn plain_step(
    action: ProjectAction, State(state): State<AppState>, user: User, Path(id): Path<i64>,
    VersionedForm(version, _): VersionedForm,
) -> PageResult {
    // A reviewer takes back their own decision; a clerk, the declaration.
    let done = match action {
        ProjectAction::Withdraw if user.principal.has(Role::Reviewer) => "withdraw_decision",
        _ => action.as_str(),
    };
    let step = match action {
        ProjectAction::Submit => RunStep::new(Command::Submit),
        ProjectAction::Urge => RunStep::verb(Verb::Urge { note: String::new() }),
        _ => RunStep::verb(Verb::Withdraw),
    };
    let to = |_: &_| format!("/projects/{id}?done={done}");
    // A reminder does not race the record's fields: it never asks for the version seen.
    let target = if action == ProjectAction::Urge {
        Target::any_version(id)
    } else {
        Target::at(id, version)
    };
    respond::run_redirect(&state, &user, target, &step, to).await
}

/// 登记为不适用本办法 (yeji:2), or 恢复申报: the owner unit's record of a project outside the
/// regulation, and taking it back.
pub async fn outside_scope(
    reopen: bool, State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let step = if reopen { OutsideScope::reopen() } else { OutsideScope::record() };
    let done = if reopen { "reopen" } else { "outside_scope" };
    let to = |_: &_| format!("/projects/{id}?done={done}");
    respond::run_redirect(&state, &user, Target::at(id, version), &step, to).await
}

pub async fn decide_project(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    VersionedForm(version, f): VersionedForm,
) -> PageResult {
    let reason = f.get("reason").cloned().unwrap_or_default();
    let decision =
        match Decision::parse(f.get("decision").map(String::as_str).unwrap_or(""), &reason) {
            Ok(d) => d,
            Err(DomainError::Invalid(errs)) => {
                let entered =
                    Entered::refused(errs, &[("decision", "decision"), ("reason", "reason")], &f);
                return crate::projects::show::project_page(
                    &state,
                    &user,
                    ProjectId(id),
                    None,
                    entered,
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        };
    let passing = matches!(decision, Decision::Approve { .. });
    // A return to a chosen earlier step; the owner's first step otherwise.
    let to = f.get("to").map(|s| s.trim()).filter(|s| !s.is_empty());
    let command = match (&decision, to) {
        (Decision::Return { reason }, Some(to)) => {
            Command::Verb(Verb::Return { to: to.to_string(), reason: reason.clone() })
        }
        _ => Command::Decide(decision),
    };
    let reviewer = user.principal.has(Role::Reviewer);
    let step = RunStep::new(command);
    let result = state.store.run(user.who(&state), Target::at(id, version), &step).await;
    // A pass a rule refuses (no review opinion yet, a material missing) comes back on the
    // project page at the decision form, saying why, with what was typed kept.
    if let Err(StoreError::Domain(e @ DomainError::GateRefused { .. })) = &result {
        let errs = vec![govit_core::FieldError::new("decision", e.to_string())];
        let entered = Entered::refused(errs, &[("decision", "decision"), ("reason", "reason")], &f);
        return crate::projects::show::project_page(&state, &user, ProjectId(id), None, entered)
            .await;
    }
    let changed = result?;
    // A pass of a 会签 step others have still to sign leaves the step where it was.
    let cosigning = match (passing, changed.record.status) {
        (true, ProjectStatus::Submitted) => {
            let view =
                state.store.run_view(&user.principal, &changed.record, state.now_ms()).await?;
            view.run.acts.last().is_some_and(|a| {
                a.act.user == user.principal.user_id
                    && view.run.progress.step(&view.run.route).is_some_and(|s| s.key == a.act.step)
            })
        }
        _ => false,
    };
    Ok(respond::redirect(&state, changed, |p| {
        let done = match p.status {
            ProjectStatus::Approved => "approve",
            ProjectStatus::Rejected => "reject",
            ProjectStatus::Submitted if cosigning => "cosign",
            ProjectStatus::Submitted if passing => "pass",
            // Returned to an earlier step of the reviewers' (not to the owner).
            ProjectStatus::Submitted => "return_step",
            _ => "return",
        };
        // A reviewer goes back to the queue; the owner (a step of its own) to the project.
        if reviewer {
            format!("/review?done={done}")
        } else {
            format!("/projects/{id}?done={done}")
        }
    })
    .await)
}

/// A verb of the path from the project page's forms (转办, 加签 …), by its name; refused input
/// comes back on the project page with the error summary.
pub async fn act(
    State(state): State<AppState>, user: User, Path((id, verb)): Path<(i64, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let kind = VerbKind::parse(&verb).ok_or(DomainError::NotFound)?;
    let version = version_of(&f)?;
    let target =
        if kind == VerbKind::Urge { Target::any_version(id) } else { Target::at(id, version) };
    let step = match Verb::from_fields(kind, |k| f.get(k).cloned().unwrap_or_default()) {
        Ok(v) => Ok(RunStep::verb(v)),
        Err(DomainError::Invalid(errs)) => Err(errs),
        Err(e) => return Err(e.into()),
    };
    const IDS: &[(&str, &str)] = &[
        ("to", "to"),
        ("note", "note"),
        ("reason", "reason"),
        ("signer_party", "signer_party"),
        ("signer_user", "signer_user"),
        ("position", "position"),
    ];
    respond::run_page(
        &state,
        &user,
        target,
        step,
        |_: &govit_storage::projects::Project| format!("/projects/{id}?done={verb}"),
        |errs| {
            let entered = Entered::refused(errs, IDS, &f);
            crate::projects::show::project_page(&state, &user, ProjectId(id), None, entered)
        },
    )
    .await
}
