//! A project's events, facts and waivers, recorded from its page.

use crate::AppState;
use crate::rules::obligations::{ObligationView, view};
use crate::shell::auth::User;
use crate::shell::page::{PageResult, field};
use crate::shell::panels::{Entered, PanelCx, PanelFuture};
use crate::shell::respond;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use govit_core::DomainError;
use govit_core::ids::ProjectId;
use govit_core::org::Role;
use govit_core::policy::{EventKind, Fact};
use govit_storage::projects::EstablishFact;
use govit_storage::projects::Project;
use govit_storage::projects::RecordEvent;
use govit_storage::projects::Waive;
use govit_storage::{Step, Target};
use std::collections::HashMap;

/// Runs `step` on project `id` (whatever its version), then goes back to its obligations
/// saying what was `done`.
async fn on_project<S: Step<Project>>(
    state: &AppState, user: &User, id: i64, step: &S, done: &str,
) -> PageResult {
    let to = |_: &Project| format!("/projects/{id}?done={done}#obligations");
    respond::run_redirect(state, user, Target::any_version(id), step, to).await
}

/// The posted field `name` as `parse` reads it, or the field's error `message`.
fn chosen<T>(
    f: &HashMap<String, String>, name: &'static str, parse: impl Fn(&str) -> Option<T>,
    message: &str,
) -> Result<T, DomainError> {
    parse(&field(f, name)).ok_or_else(|| DomainError::invalid(name, message))
}

/// Records an event on a project from its page.
pub async fn record_event(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let kind = chosen(&f, "kind", EventKind::parse, "请选择事件类型")?;
    let date = NaiveDate::parse_from_str(field(&f, "date").trim(), "%Y-%m-%d")
        .map_err(|_| DomainError::invalid("date", "事件日期格式应为 2025-10-14"))?;
    let note = field(&f, "note");
    let planned = field(&f, "planned") == "1";
    on_project(&state, &user, id, &RecordEvent { kind, date, note: note.trim(), planned }, "event")
        .await
}

/// Establishes a fact (认定) from the project page: a refused one (no basis, a value that does
/// not read) comes back on the page with the error summary and what was typed.
pub async fn set_fact(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let basis = field(&f, "basis");
    // Each material ticked as relied on: `material-{id}`.
    let mut materials: Vec<String> = f
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .filter_map(|(k, _)| k.strip_prefix("material-").map(str::to_string))
        .collect();
    materials.sort();
    let chosen = chosen(&f, "fact", Fact::parse, "请选择要认定的情况").and_then(|fact| {
        let value =
            fact.parse_value(&field(&f, "value")).map_err(|m| DomainError::invalid("value", m))?;
        Ok(EstablishFact { fact, value, basis: &basis, materials: &materials })
    });
    let step = match chosen {
        Ok(step) => Ok(step),
        Err(DomainError::Invalid(errors)) => Err(errors),
        Err(e) => return Err(e.into()),
    };
    let (state, user, f) = (&state, &user, &f);
    respond::run_page(
        state,
        user,
        Target::any_version(id),
        step,
        // Back where the finding was made: the gate list, or the obligations' form.
        |_: &Project| {
            let at = if field(f, "back") == "gates" { "gates" } else { "obligations" };
            format!("/projects/{id}?done=fact#{at}")
        },
        |errs| async move {
            // A finding made on the gate list is corrected in that gate's own basis field.
            let basis_at = match Fact::parse(&field(f, "fact")) {
                Some(fact) if field(f, "back") == "gates" => gate_basis_id(fact),
                _ => "fact-basis",
            };
            let ids = [
                ("fact", "fact"),
                ("value", "fact-value"),
                ("basis", basis_at),
                ("materials", "fact-materials"),
            ];
            let entered = Entered::refused(errs, &ids, f);
            state.panels.project_page(state, user, ProjectId(id), entered).await
        },
    )
    .await
}

/// The id of a gate's basis field on the gate list (`basis-<fact>`).
fn gate_basis_id(fact: Fact) -> &'static str {
    static IDS: std::sync::LazyLock<Vec<(Fact, String)>> = std::sync::LazyLock::new(|| {
        Fact::ALL.iter().map(|f| (*f, format!("basis-{}", f.as_str()))).collect()
    });
    IDS.iter().find(|(f, _)| *f == fact).map_or("fact-basis", |(_, id)| id.as_str())
}

pub async fn waive(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let (key, reason) = (field(&f, "key"), field(&f, "reason"));
    on_project(&state, &user, id, &Waive { key: &key, reason: &reason }, "waive").await
}

/// A project's obligations, events and facts, on its page.
/// A fact established, as the panel lists it: its name, its value as read, its basis, who
/// established it when, and the materials it relied on (id, name).
struct Established {
    name: String,
    value: String,
    basis: String,
    by: String,
    materials: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "rules/_project_panel.html")]
struct RulesPanelView<'a> {
    p: &'a Project,
    csrf: &'a str,
    obligations: Vec<ObligationView>,
    show_project: bool,
    can_waive: bool,
    can_record: bool,
    milestones: Vec<(String, String, String, String)>,
    event_kinds: Vec<(&'static str, &'static str)>,
    facts: Vec<(&'static str, String)>,
    established: Vec<Established>,
    /// The materials the profile asks for (id, name), to name those a finding relies on.
    documents: Vec<(String, String)>,
    basis_max: usize,
    today: String,
    profile_name: String,
}

/// Registered as a panel of the project page.
pub fn rules_panel(cx: PanelCx<'_, Project>) -> PanelFuture<'_> {
    Box::pin(async move {
        let (state, user, p) = (cx.state, cx.user, cx.record);
        let (pr, now) = (&user.principal, state.now_ms());
        let rules = state.store.rules();
        let profile = rules.profile(&p.profile_id);
        let obligations = state
            .store
            .project_obligations(user.who(state), p.id)
            .await?
            .into_iter()
            .map(|o| view(o, profile))
            .collect();
        let recorded = state.store.milestones(p.id).await?;
        // A terminated project records only what winds it up.
        let ended = recorded.iter().any(|m| !m.planned && m.kind == EventKind::ProjectTerminated);
        let milestones = recorded
            .into_iter()
            .map(|m| {
                let label = if m.planned {
                    format!("{}（计划）", m.kind.label())
                } else {
                    m.kind.label().to_string()
                };
                (m.date, label, m.recorded_by, m.note)
            })
            .collect();
        // Only the events this user's party records under the project's profile.
        let parties = state.store.parties_of(pr).await?;
        let owns = pr.department_id == Some(p.owner_department_id);
        let event_kinds: Vec<(&'static str, &'static str)> = EventKind::ALL
            .iter()
            .filter(|k| profile.is_some_and(|x| x.recorder(**k).allows(&pr.roles, &parties, owns)))
            .filter(|k| !ended || k.winds_up())
            .map(|k| (k.as_str(), k.label()))
            .collect();
        let established = state
            .store
            .established_facts(user.who(state), p.id)
            .await?
            .into_iter()
            .map(|f| {
                let by = match (f.established_by, f.established_at_ms) {
                    (Some(name), Some(ms)) => {
                        format!("{name}，{}", crate::shell::view::fmt_ms(ms))
                    }
                    (name, _) => name.unwrap_or_default(),
                };
                Established {
                    name: f.fact.form_label(),
                    value: f.fact.show_value(f.value),
                    basis: f.basis,
                    by,
                    materials: f.materials,
                }
            })
            .collect();
        let panel = RulesPanelView {
            p,
            csrf: &user.csrf,
            obligations,
            show_project: false,
            can_waive: pr.has(Role::Reviewer),
            can_record: !event_kinds.is_empty(),
            milestones,
            event_kinds,
            facts: Fact::ALL
                .iter()
                .filter(|f| !f.is_derived())
                .map(|f| (f.as_str(), f.form_label()))
                .collect(),
            established,
            documents: profile
                .map(|x| x.documents.iter().map(|d| (d.id.clone(), d.name.clone())).collect())
                .unwrap_or_default(),
            basis_max: govit_storage::projects::BASIS_MAX,
            today: govit_storage::china_today(now).format("%Y-%m-%d").to_string(),
            profile_name: profile.map(|x| x.head.name.clone()).unwrap_or_default(),
        };
        Ok(Some(panel.render()?))
    })
}
