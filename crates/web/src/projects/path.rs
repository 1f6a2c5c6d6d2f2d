//! 审批路径: the path the project's profile lays out for it, on its page and over the API —
//! each stage with its rules, whether each applies to this project (and the facts still to be
//! established), and their steps with the parties named in the profile's own words.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::panels::{PanelCx, PanelFuture};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use govit_core::policy::{Profile, SignMode};
use govit_core::workflow::{RouteStep, StageOutline, VerbKind};
use govit_storage::projects::Project;
use govit_storage::projects::path::ProjectPath;
use serde::Serialize;
use utoipa::ToSchema;

/// One step as shown and sent.
#[derive(Serialize, ToSchema)]
pub struct StepDto {
    /// Stable key of the step (`stage/cite/n`).
    key: String,
    /// The acting parties in the profile's words (市交通运输局党组 …).
    parties: Vec<String>,
    /// Party kind codes.
    party_kinds: Vec<String>,
    /// `single`, `all` (会签) or `any` (或签)
    mode: String,
    /// 会签 / 或签, or empty.
    mode_label: String,
    action: String,
    /// The events its pass records for the project's duties (`materials_received` …).
    #[schema(schema_with = crate::shell::vocabulary::event_kinds)]
    records: Vec<String>,
    /// The same in words (收到申报材料), joined; empty when it records none.
    records_label: String,
}

/// One rule of a stage.
#[derive(Serialize, ToSchema)]
pub struct RuleDto {
    cite: String,
    text: String,
    /// `applies`, `not_applicable`, `undecided` (a fact it tests is not established) or
    /// `walked` (the facts leave it out now, but the project went through it, and it stays on
    /// the path).
    status: String,
    status_label: String,
    /// Facts still to be established, by their names.
    open_facts: Vec<String>,
    /// When the rule applies, in words; empty when always.
    condition: String,
    /// What the project's established facts say to the condition.
    known: String,
    steps: Vec<StepDto>,
}

#[derive(Serialize, ToSchema)]
pub struct StageDto {
    /// The stage code (`pre_review` …).
    stage: String,
    /// Its name in the profile's words.
    label: String,
    rules: Vec<RuleDto>,
}

/// Who acted at a step, and how.
#[derive(Serialize, ToSchema)]
pub struct ActDto {
    /// `pass`, `return`, `reject`, `withdraw`, `transfer`, `add_signer`, `urge`
    verb: String,
    verb_label: String,
    actor: String,
    actor_department: String,
    at_ms: i64,
    /// When, in Beijing time.
    at: String,
    /// The note or reason given.
    text: String,
    /// Acted at an earlier visit of its step, which a return ended (history, not the step's
    /// latest round).
    earlier: bool,
}

/// One step of the project's route as the run stands.
#[derive(Serialize, ToSchema)]
pub struct RunStepDto {
    #[serde(flatten)]
    step: StepDto,
    cite: String,
    stage_label: String,
    /// `done`, `current`, `to_come` or `rejected`
    state: String,
    state_label: String,
    /// For the current step: those who still have to sign, in the profile's words (or by
    /// name, once transferred or added).
    waiting_on: Vec<String>,
    /// Every act at this step so far, oldest first (work returned is kept).
    acts: Vec<ActDto>,
}

/// A threshold of the profile the project meets, and what it changes.
#[derive(Serialize, ToSchema)]
pub struct ThresholdDto {
    cite: String,
    text: String,
    /// What changes, in the regulation's words.
    effect: String,
    /// The condition in words (「项目投资 < 10 万元」).
    condition: String,
    /// Meeting it puts the project outside the regulation: its owner unit may record it so
    /// (`POST /api/v1/projects/{id}/outside-scope`).
    outside_scope: bool,
}

/// Where the project stands against its profile's yearly declaration window (yeji:6 before
/// October, lhasa:7 by August 31).
#[derive(Serialize, ToSchema)]
pub struct WindowDto {
    cite: String,
    text: String,
    /// The cut-off, `YYYY-MM-DD`.
    closes: String,
    /// Sent (or, not yet sent, would be if sent today) after the cut-off.
    late: bool,
    /// What being late changes: `plan_after_next` or `supplementary_plan`.
    if_late: Option<String>,
    /// The year of the plan the project is declared for.
    plan_year: i32,
    /// Whether it has been sent (otherwise: what sending it today would mean).
    sent: bool,
    /// The whole of it in a sentence.
    sentence: String,
}

/// A project's approval path.
#[derive(Serialize, ToSchema)]
pub struct PathDto {
    /// The declaration window, when the profile has one.
    window: Option<WindowDto>,
    /// The profile's thresholds this project meets (yeji:2 below 100,000 yuan …).
    thresholds: Vec<ThresholdDto>,
    cite: String,
    text: String,
    stages: Vec<StageDto>,
    /// `active`, `completed` or `rejected`
    run_status: String,
    /// The route the run follows, step by step.
    steps: Vec<RunStepDto>,
}

/// One act at step `s`. The owner unit's pass is its sending (提交申报, 提交评审材料), and
/// reads so.
fn act_dto(a: &govit_storage::projects::run::ActRecord, s: &RouteStep, earlier: bool) -> ActDto {
    use govit_core::workflow::Verb;
    let text = match &a.act.verb {
        Verb::Pass { note } | Verb::Transfer { note, .. } | Verb::Urge { note } => note.clone(),
        Verb::AddSigner { note, .. } => note.clone(),
        Verb::Return { reason, .. } | Verb::Reject { reason } => reason.clone(),
        Verb::Seat { note, .. } => note.clone(),
        Verb::Decline { reason, .. } => reason.clone(),
        Verb::Withdraw => String::new(),
    };
    let kind = a.act.verb.kind();
    let owners = s.parties.iter().any(|k| k == govit_storage::projects::run::OWNER);
    let verb_label = match kind {
        VerbKind::Pass if owners && s.action.starts_with("提交") => s.action.clone(),
        VerbKind::Pass if owners => format!("提交{}", s.action),
        _ => kind.label().to_string(),
    };
    ActDto {
        verb: kind.as_str().into(),
        verb_label,
        actor: a.actor_name.clone(),
        actor_department: a.actor_department.clone(),
        at_ms: a.act.at_ms,
        at: crate::shell::view::fmt_ms(a.act.at_ms),
        text,
        earlier,
    }
}

fn run_steps(profile: &Profile, path: &ProjectPath) -> Vec<RunStepDto> {
    use govit_core::workflow::RunStatus;
    let run = &path.run;
    let (route, p) = (&run.route, &run.progress);
    let history: Vec<govit_core::workflow::Act> = run.acts.iter().map(|a| a.act.clone()).collect();
    let starts = govit_core::workflow::visit_starts(route, &history);
    route
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (state, label) = match p.status {
                RunStatus::Completed => ("done", "已通过"),
                RunStatus::Active | RunStatus::Rejected if i < p.current => ("done", "已通过"),
                RunStatus::Active if i == p.current => ("current", "办理中"),
                RunStatus::Rejected if i == p.current => ("rejected", "不予通过"),
                _ => ("to_come", "待办理"),
            };
            let waiting_on = if state == "current" {
                p.open_slots()
                    .into_iter()
                    .map(|(_, slot)| match slot.user {
                        Some(u) => path.user_names.get(&u.0).cloned().unwrap_or_default(),
                        None => slot
                            .parties
                            .iter()
                            .map(|k| profile.party_label(k))
                            .collect::<Vec<_>>()
                            .join(" 或 "),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            RunStepDto {
                step: step_dto(profile, s),
                cite: s.cite.clone(),
                stage_label: profile.stage_label(s.stage),
                state: state.into(),
                state_label: label.into(),
                waiting_on,
                acts: run
                    .acts
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.act.step == s.key)
                    .map(|(k, a)| act_dto(a, s, state == "to_come" || k < starts[i]))
                    .collect(),
            }
        })
        .collect()
}

fn step_dto(profile: &Profile, s: &RouteStep) -> StepDto {
    let (mode, mode_label) = match s.mode {
        SignMode::Single => ("single", ""),
        SignMode::All => ("all", "会签"),
        SignMode::Any => ("any", "或签"),
    };
    StepDto {
        key: s.key.clone(),
        parties: s.parties.iter().map(|p| profile.party_label(p)).collect(),
        party_kinds: s.parties.clone(),
        mode: mode.into(),
        mode_label: mode_label.into(),
        action: s.action.clone(),
        records: s.on_pass.iter().map(|e| e.as_str().to_string()).collect(),
        records_label: s.on_pass.iter().map(|e| e.label()).collect::<Vec<_>>().join("、"),
    }
}

fn stage_dto(profile: &Profile, s: &StageOutline) -> StageDto {
    StageDto {
        stage: s.stage.as_str().into(),
        label: profile.stage_label(s.stage),
        rules: s
            .rules
            .iter()
            .map(|r| {
                let (status, label) = match r.applies {
                    _ if r.walked => ("walked", "已办理"),
                    Some(true) => ("applies", "适用"),
                    Some(false) => ("not_applicable", "不适用"),
                    None => ("undecided", "待认定"),
                };
                RuleDto {
                    cite: r.cite.clone(),
                    text: r.text.clone(),
                    status: status.into(),
                    status_label: label.into(),
                    open_facts: r.unknown.iter().map(|f| f.label().to_string()).collect(),
                    condition: r.condition.clone(),
                    known: r.known.clone(),
                    steps: r.steps.iter().map(|s| step_dto(profile, s)).collect(),
                }
            })
            .collect(),
    }
}

fn path_dto(profile: &Profile, p: ProjectPath, today: chrono::NaiveDate) -> PathDto {
    use govit_core::workflow::RunStatus;
    let window = profile.declaration_window(p.first_sent.unwrap_or(today)).map(|w| WindowDto {
        sentence: match p.first_sent {
            Some(d) => format!("本项目于 {d} 首次提交：{}", w.sentence()),
            None => format!("如今天（{today}）提交：{}", w.sentence()),
        },
        cite: w.cite,
        text: w.text,
        closes: w.closes.to_string(),
        late: w.late,
        if_late: w.effect.map(|e| {
            serde_json::to_value(e)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        }),
        plan_year: w.plan_year,
        sent: p.first_sent.is_some(),
    });
    PathDto {
        window,
        thresholds: p
            .thresholds
            .iter()
            .map(|t| ThresholdDto {
                cite: t.cite.clone(),
                text: t.text.clone(),
                effect: t.effect.clone(),
                condition: format!(
                    "{} {} {}",
                    match t.fact.unit() {
                        // 建设工期（月）: the unit is in the name.
                        govit_core::policy::FactUnit::Number => t.fact.label(),
                        _ => t.fact.label().split_once('（').map_or(t.fact.label(), |(n, _)| n),
                    },
                    t.op.symbol(),
                    t.fact.show_value(t.value)
                ),
                outside_scope: t.outside_scope,
            })
            .collect(),
        steps: run_steps(profile, &p),
        run_status: match p.run.progress.status {
            RunStatus::Active => "active",
            RunStatus::Completed => "completed",
            RunStatus::Rejected => "rejected",
        }
        .into(),
        cite: p.cite,
        text: p.text,
        stages: p.stages.iter().map(|s| stage_dto(profile, s)).collect(),
    }
}

#[derive(Template)]
#[template(path = "projects/_path_panel.html")]
struct PathPanel {
    path: PathDto,
    /// The owner's clerk may record the project outside the regulation here (with the form's
    /// CSRF token and the version seen).
    outside_scope_form: Option<(String, i64, i64)>,
}

/// The project page's 审批路径 panel; nothing when the profile has no path.
pub fn path_panel(cx: PanelCx<'_, Project>) -> PanelFuture<'_> {
    Box::pin(async move {
        // Outside the regulation it has no path (the page says so at its top).
        if cx.record.status == govit_core::project::ProjectStatus::OutsideScope {
            return Ok(None);
        }
        let Some(path) = cx.state.store.path_of(cx.record).await? else { return Ok(None) };
        let rules = cx.state.store.rules();
        let Some(profile) = rules.profile(&cx.record.profile_id) else { return Ok(None) };
        let today = govit_storage::china_today(cx.state.now_ms());
        let (p, pr) = (cx.record, &cx.user.principal);
        let clerk = pr.has(govit_core::org::Role::Declarant)
            && pr.department_id == Some(p.owner_department_id);
        let outside_scope_form =
            (clerk && p.status.is_editable() && path.thresholds.iter().any(|t| t.outside_scope))
                .then(|| (cx.user.csrf.clone(), p.id.0, p.version));
        Ok(Some(PathPanel { path: path_dto(profile, path, today), outside_scope_form }.render()?))
    })
}

/// The approval path the project's profile lays out for it: each stage with its rules,
/// whether each applies to this project (and which facts are still open), and their steps.
#[utoipa::path(get, path = "/api/v1/projects/{id}/path", tag = "projects", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = PathDto), (status = 404, body = ApiErrorBody)))]
pub async fn project_path(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Json<PathDto>, ApiError> {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    let path = state.store.path_of(&p).await?;
    let rules = state.store.rules();
    match (path, rules.profile(&p.profile_id)) {
        (Some(path), Some(profile)) => {
            Ok(Json(path_dto(profile, path, govit_storage::china_today(state.now_ms()))))
        }
        _ => Err(govit_core::DomainError::NotFound.into()),
    }
}
