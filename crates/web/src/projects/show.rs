//! One project's page: its declaration, its flow's actions and timeline, and the panels other
//! rooms register (the systems it names, its cloud services, its gates, the duplicate check,
//! its obligations and events).

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, html};
use crate::shell::panels::{Entered, Rendered};
use crate::shell::view::{self, Layout, SummaryItem, fmt_ms};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use govit_core::ids::ProjectId;
use govit_core::org::Role;
use govit_core::project::ProjectStatus;
use govit_core::workflow::VerbKind;
use govit_storage::projects::Project;
use serde::Deserialize;
use std::future::Future;
use std::pin::Pin;

struct TimelineItem {
    when: String,
    who: String,
    what: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "projects/project_show.html")]
struct ProjectPage {
    layout: Layout,
    p: Project,
    /// The declaration form the profile names (yeji:6's annex 1): its name and article.
    declaration_form: Option<(String, String)>,
    csrf: String,
    flash: Option<String>,
    last_return: Option<String>,
    can_edit: bool,
    /// Why 提交申报 would be refused now (materials not complete): the button then leads to
    /// the check page, which lists them.
    submit_blocked: Option<String>,
    /// Why 通过 would be refused now by a registered check (the signer's review opinion, the
    /// materials it hands in), said above the decision form.
    pass_blocked: Option<String>,
    /// The reader's step has a review form (评审意见) to fill in.
    review_form: bool,
    can_withdraw: bool,
    /// 恢复申报 of a project recorded as outside the regulation.
    can_reopen: bool,
    /// The article that puts a project recorded as outside the regulation there (yeji:2).
    outside_scope_rule: Option<(String, String)>,
    /// The day the project was terminated (项目终止) and what recorded it, if it was.
    ended: Option<(String, String)>,
    can_decide: bool,
    /// The step the caller decides on, in the regulation's words, with its article.
    step_label: String,
    /// Whether passing the step ends the path (审核通过) or sends it on (通过).
    last_step: bool,
    /// The step is the owner unit's own (it sends, it does not judge: no 退回 or 不予通过).
    owner_step: bool,
    /// The earlier steps a return may go back to: key, label.
    return_to: Vec<(String, String)>,
    /// Whether the caller may remind whoever holds the current step.
    can_urge: bool,
    /// 转办: the colleagues the caller may hand the task to (id, name).
    colleagues: Vec<(i64, String)>,
    /// 加签: the parties a signer may be added from (code, the profile's word).
    signer_parties: Vec<(String, String)>,
    /// Errors of the 转办 and 加签 forms.
    to_error: Option<String>,
    signer_error: Option<String>,
    errors: Vec<SummaryItem>,
    decision_error: Option<String>,
    reason_error: Option<String>,
    reason: String,
    /// The decision chosen before a refusal, kept checked.
    decision: String,
    timeline: Vec<TimelineItem>,
    /// The other rooms' sections, rendered.
    panels: Rendered,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

pub(crate) fn flash_for(done: &str) -> Option<String> {
    let m = match done {
        "create" => "草稿已保存。上传申报材料后，点击“核对申报内容并提交”。",
        "update" => "修改已保存。",
        "submit" => "已提交申报，等待主管部门审核。",
        "withdraw" => "已撤回申报，可修改后重新提交。",
        "withdraw_decision" => "已撤回您的决定，本步重新由您办理。",
        "approve" => "已审核通过。",
        "event" => "事件已登记，相关期限已重新计算。",
        "fact" => "项目情况已认定，相关规则已重新适用。",
        "waive" => "已豁免该事项，理由已记入审计日志。",
        "return" => "已退回申报单位修改。",
        "return_step" => "已退回所选步骤重新办理，理由已记入办理记录。",
        "pass" => "已通过，已送下一步办理。",
        "cosign" => "已签署通过。本步为会签，其余单位签署后即送下一步办理。",
        "reject" => "已不予通过，审批流程结束。",
        "urge" => "已催办，办理人会在待办中看到。",
        "transfer" => "已转办，该事项改由所选同事办理。",
        "add_signer" => "已加签，本步须待加签单位一并办理。",
        "link" => "已添加涉及的信息系统。",
        "unlink" => "已移除该信息系统。",
        "outside_scope" => "已登记为不适用本办法，本项目不再走申报审批流程。",
        "reopen" => "已恢复申报，可修改后提交。",
        "cloud" => "已选用该政务云服务。",
        "uncloud" => "已移除该政务云服务。",
        "rated" => "已评定综合评级。",
        _ => return None,
    };
    Some(m.to_string())
}

use govit_storage::projects::returned_because;

/// [`returned_because`] for a project the caller has already read.
pub async fn last_return(
    state: &AppState, id: ProjectId,
) -> Result<Option<String>, crate::shell::error::PageError> {
    Ok(returned_because(&state.store.project_events(id).await?))
}

pub async fn project_page(
    state: &AppState, user: &User, id: ProjectId, flash: Option<String>, entered: Entered,
) -> PageResult {
    let errors = &entered.errors;
    let p = state.store.read::<Project>(user.who(state), id.0).await?;
    let events = state.store.project_events(id).await?;
    let last_return = returned_because(&events);
    let timeline = events
        .iter()
        .rev()
        .map(|e| TimelineItem {
            when: fmt_ms(e.at_ms),
            who: if e.actor_department.is_empty() {
                e.actor_name.clone()
            } else {
                format!("{}（{}）", e.actor_name, e.actor_department)
            },
            what: if e.from_status == e.to_status {
                e.action.label().to_string()
            } else {
                format!("{}：{} → {}", e.action.label(), e.from_status.label(), e.to_status.label())
            },
            comment: e.comment.clone(),
        })
        .collect();
    let pr = &user.principal;
    let view = state.store.run_view(pr, &p, state.now_ms()).await?;
    let (route, progress) = (&view.run.route, &view.run.progress);
    let step = progress.step(route);
    let can_decide = view.verbs.contains(&VerbKind::Pass) && !progress.declaring(route);
    let step_label = step.map(|s| format!("{}（{}）", s.action, s.cite)).unwrap_or_default();
    let last_step = progress.current + 1 == route.steps.len();
    let owner_step = step.is_some_and(|s| s.parties.iter().all(|k| k == "owner_unit"));
    let return_to = route.steps[..progress.current.min(route.steps.len())]
        .iter()
        .map(|s| (s.key.clone(), format!("{}（{}）", s.action, s.cite)))
        .collect();
    let (colleagues, signer_parties) = if view.verbs.contains(&VerbKind::Transfer) {
        let rules = state.store.rules();
        let profile = rules.profile(&p.profile_id);
        let parties = state.store.jurisdiction_parties(p.jurisdiction_id).await?;
        (
            state.store.colleagues(pr).await?,
            parties
                .into_iter()
                .map(|k| {
                    let label = profile.map_or_else(|| k.clone(), |x| x.party_label(&k));
                    (k, label)
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let can_edit = pr.has(Role::Declarant) && p.status.is_editable();
    let blocked =
        if can_edit || can_decide { state.store.pass_blocked(pr, &p, &view).await? } else { None };
    let (submit_blocked, pass_blocked) = if can_edit { (blocked, None) } else { (None, blocked) };
    let panels = state.panels.for_project(state, user, &p, &entered, &view).await?;
    let ended = state.store.termination(id).await?.map(|(d, note)| (d.to_string(), note));
    // The project's own profile names its form (no read of the jurisdiction).
    let declaration_form = state
        .store
        .rules()
        .profile(&p.profile_id)
        .and_then(|x| x.basis(govit_core::policy::Provision::DeclarationForm))
        .map(|r| (r.text, r.cite));
    // The reader's step asks for their review opinion first: 您现在可以 leads to its form.
    let review_form = can_decide && step.is_some_and(|s| s.review.is_some());
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp = html(ProjectPage {
        layout: Layout::for_user(state, user, p.declaration.name.clone(), "projects")
            .await?
            .with_errors(!errors.is_empty()),
        can_edit,
        ended,
        submit_blocked,
        pass_blocked,
        review_form,
        can_withdraw: view.verbs.contains(&VerbKind::Withdraw),
        outside_scope_rule: (p.status == ProjectStatus::OutsideScope)
            .then(|| {
                let rules = state.store.rules();
                let profile = rules.profile(&p.profile_id)?;
                let t = profile.thresholds.iter().find(|t| t.outside_scope)?;
                Some((t.cite.clone(), t.text.clone()))
            })
            .flatten(),
        can_reopen: p.status == ProjectStatus::OutsideScope
            && pr.has(Role::Declarant)
            && pr.department_id == Some(p.owner_department_id),
        declaration_form,
        can_decide,
        step_label,
        last_step,
        owner_step,
        return_to,
        can_urge: view.verbs.contains(&VerbKind::Urge),
        colleagues,
        signer_parties,
        to_error: view::error_for(errors, "to"),
        signer_error: view::error_for(errors, "signer_party"),
        csrf: user.csrf.clone(),
        flash,
        last_return,
        decision_error: view::error_for(errors, "decision"),
        reason_error: view::error_for(errors, "reason"),
        errors: view::summary(errors),
        reason: entered.value("reason").to_string(),
        decision: entered.value("decision").to_string(),
        timeline,
        panels,
        p,
    })?;
    *resp.status_mut() = status;
    Ok(resp)
}

/// The page again after a refused form, for the panel registry.
pub fn rerender<'a>(
    state: &'a AppState, user: &'a User, id: ProjectId, entered: Entered,
) -> Pin<Box<dyn Future<Output = PageResult> + Send + 'a>> {
    Box::pin(project_page(state, user, id, None, entered))
}

pub async fn show_project(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(q): Query<DoneQuery>,
) -> Result<Response, crate::shell::error::PageError> {
    project_page(&state, &user, ProjectId(id), flash_for(&q.done), Entered::default()).await
}
