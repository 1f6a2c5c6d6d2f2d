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
use govit_core::workflow::{RouteStep, StageOutline};
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
}

/// One rule of a stage.
#[derive(Serialize, ToSchema)]
pub struct RuleDto {
    cite: String,
    text: String,
    /// `applies`, `not_applicable` or `undecided` (a fact it tests is not established).
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

/// A project's approval path.
#[derive(Serialize, ToSchema)]
pub struct PathDto {
    cite: String,
    text: String,
    stages: Vec<StageDto>,
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

fn path_dto(profile: &Profile, p: ProjectPath) -> PathDto {
    PathDto {
        cite: p.cite,
        text: p.text,
        stages: p.stages.iter().map(|s| stage_dto(profile, s)).collect(),
    }
}

#[derive(Template)]
#[template(path = "projects/_path_panel.html")]
struct PathPanel {
    path: PathDto,
}

/// The project page's 审批路径 panel; nothing when the profile has no path.
pub fn path_panel(cx: PanelCx<'_, Project>) -> PanelFuture<'_> {
    Box::pin(async move {
        let Some(path) = cx.state.store.path_of(cx.record).await? else { return Ok(None) };
        let rules = cx.state.store.rules();
        let Some(profile) = rules.profile(&cx.record.profile_id) else { return Ok(None) };
        Ok(Some(PathPanel { path: path_dto(profile, path) }.render()?))
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
        (Some(path), Some(profile)) => Ok(Json(path_dto(profile, path))),
        _ => Err(govit_core::DomainError::NotFound.into()),
    }
}
