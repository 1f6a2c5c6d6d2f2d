//! 项目调整: the owner unit of an approved project asks to change its content and move money
//! between its budget lines; the form tells it, before anything is typed, what its profile
//! says of changes (the chain with its article, lhasa:16's 15% of the approved budget and what
//! follows past it) and how much the project's changes have moved so far. The change then runs
//! along its profile's route (申请调整 → 区政府批准 → 备案 in yeji, 变更调整 → 备案 in lhasa, or
//! approval again past 15%); the project page lists its changes; /changes lists what waits on
//! the reader. The same over the API.

mod api;

pub use api::router;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, html};
use crate::shell::respond;
use crate::shell::route::{self, RunPanel};
use crate::shell::view::{Layout, Pager, SummaryItem, fmt_ms};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use govit_core::change::{ChangeForm, ChangeStatus, ratio_bp, routing};
use govit_core::money::Yuan;
use govit_core::policy::{Fact, Profile, Stage};
use govit_core::{DomainError, FieldError};
use govit_storage::Target;
use govit_storage::changes::{CancelChange, Change, EditChange, RequestChange};
use govit_storage::projects::Project;
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/changes", get(list_page))
        .route("/changes/{id}", get(change_page))
        .route("/changes/{id}/act", post(act_page))
        .route("/changes/{id}/cancel", post(cancel_page))
        .route("/changes/{id}/edit", get(edit_page).post(edit_post))
        .route("/projects/{id}/changes/new", get(new_page))
        .route("/projects/{id}/changes", post(request_page))
}

/// What the profile says of a change, in its words, each with its article: the procedure
/// (the `change_request` stage) and the thresholds on the share of the budget moved.
fn rules_said(profile: Option<&Profile>) -> Vec<String> {
    let Some(p) = profile else { return Vec::new() };
    let mut out: Vec<String> = p
        .stages
        .iter()
        .filter(|s| s.stage == Stage::ChangeRequest)
        .map(|s| format!("{}（{}）", s.text, s.cite))
        .collect();
    out.extend(p.thresholds.iter().filter(|t| t.fact == Fact::ChangeRatioBp).map(|t| {
        format!(
            "累计调整占批复概算{}{}的，{}（{}）",
            t.op.words(),
            Fact::ChangeRatioBp.show_value(t.value),
            t.effect,
            t.cite
        )
    }));
    if out.is_empty() {
        out.push("本辖区的规定没有项目调整的办理程序".into());
    }
    out
}

/// Whether the reader records for the project's owner unit.
#[derive(Template)]
#[template(path = "changes/form.html")]
struct FormPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    project_id: i64,
    project_name: String,
    heading: String,
    action: String,
    /// Correcting a change (its id, the version read).
    editing: Option<(i64, i64)>,
    rules: Vec<String>,
    /// 批复概算 in 万元, and what earlier changes have moved (万元, share).
    approved: String,
    moved: String,
    moved_share: String,
    f: ChangeForm,
    e: HashMap<&'static str, String>,
}

async fn new_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    // Told before typing: only the owner unit of an approved project asks for a change.
    route::may_start(&state, &user, &p, "申请调整", "项目调整由项目建设单位的经办人提出").await?;
    render_form(&state, &user, &p, ChangeForm::default(), Vec::new(), None).await
}

async fn render_form(
    state: &AppState, user: &User, p: &Project, f: ChangeForm, errors: Vec<FieldError>,
    editing: Option<(i64, i64)>,
) -> PageResult {
    let heading = if editing.is_some() { "修改项目调整申请" } else { "申请项目调整" }.to_string();
    let action = match editing {
        Some((c, _)) => format!("/changes/{c}/edit"),
        None => format!("/projects/{}/changes", p.id.0),
    };
    let rules = {
        let r = state.store.rules();
        rules_said(r.profile(&p.profile_id))
    };
    let mut moved = state.store.changes_moved(p.id).await?;
    if let Some((id, _)) = editing {
        // The change corrected is not counted twice.
        let c = state.store.read::<Change>(user.who(state), id).await?;
        moved = Yuan(moved.0 - c.terms.moved().0);
    }
    let approved = p.declaration.investment;
    let again = !errors.is_empty();
    let e = crate::shell::view::first_messages(&errors);
    let page = FormPage {
        layout: Layout::for_user(state, user, heading.clone(), "projects")
            .await?
            .with_errors(!errors.is_empty()),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        project_id: p.id.0,
        project_name: p.declaration.name.clone(),
        heading,
        action,
        editing,
        rules,
        approved: approved.to_wan_string(),
        moved: moved.to_wan_string(),
        moved_share: ratio_bp(moved, approved)
            .map_or_else(|| "—".into(), |b| Fact::ChangeRatioBp.show_value(b)),
        f,
        e,
    };
    crate::shell::page::html_status(page, again)
}

fn form_of(f: &HashMap<String, String>) -> ChangeForm {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    ChangeForm {
        title: get("title"),
        content: get("content"),
        reason: get("reason"),
        increase: get("increase"),
        decrease: get("decrease"),
    }
}

async fn request_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let form = form_of(&f);
    let step = RequestChange { project: govit_core::ids::ProjectId(id), form: form.clone() };
    let result = state.store.run(user.who(&state), Target::New, &step).await;
    respond::page(
        &state,
        result,
        |c: &Change| format!("/changes/{}?done=saved", c.id),
        |errs| async {
            let p = state.store.read::<Project>(user.who(&state), id).await?;
            render_form(&state, &user, &p, form, errs, None).await
        },
    )
    .await
}

fn form_from(c: &Change) -> ChangeForm {
    let t = &c.terms;
    ChangeForm {
        title: t.title.clone(),
        content: t.content.clone(),
        reason: t.reason.clone(),
        increase: t.increase.to_wan_string(),
        decrease: t.decrease.to_wan_string(),
    }
}

async fn edit_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let c = state.store.read::<Change>(user.who(&state), id).await?;
    if let Some(why) = govit_storage::changes::not_editable(c.status) {
        return Err(DomainError::InvalidState { message: why.into() }.into());
    }
    let p = state.store.read::<Project>(user.who(&state), c.project_id.0).await?;
    if !route::owns(&user, &p) {
        return Err(
            DomainError::Forbidden("项目调整由项目建设单位的经办人提出和修改".into()).into()
        );
    }
    render_form(&state, &user, &p, form_from(&c), Vec::new(), Some((c.id, c.version))).await
}

async fn edit_post(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let c = state.store.read::<Change>(user.who(&state), id).await?;
    let version = crate::shell::page::version_of(&f)?;
    let form = form_of(&f);
    let step = EditChange { form: form.clone() };
    let result = state.store.run(user.who(&state), Target::at(id, version), &step).await;
    respond::page(
        &state,
        result,
        |c: &Change| format!("/changes/{}?done=saved", c.id),
        |errs| async {
            let p = state.store.read::<Project>(user.who(&state), c.project_id.0).await?;
            render_form(&state, &user, &p, form, errs, Some((id, version))).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "changes/page.html")]
struct ChangePage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    csrf: String,
    c: Change,
    increase: String,
    decrease: String,
    /// 累计调整占批复概算 …
    share: String,
    /// The way it goes, with the threshold that decided it (its effect and article).
    way: String,
    approved: String,
    /// The total investment after it, when more than the approved budget.
    exceeds: Option<String>,
    /// What the share beside it says of it: counted, or not (refused, cancelled).
    share_note: &'static str,
    done: bool,
    created_at: String,
    may_edit: bool,
    /// The owner may cancel it (not sent, or returned).
    may_cancel: bool,
    cancel_reason: String,
    cancel_error: Option<String>,
    flash: Option<String>,
    returned: Option<String>,
    run: RunPanel,
}

async fn change_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Query(q): Query<route::DoneQuery>,
) -> PageResult {
    render_change(&state, &user, id, Vec::new(), None, q.done()).await
}

async fn render_change(
    state: &AppState, user: &User, id: i64, errors: Vec<FieldError>,
    typed: Option<&HashMap<String, String>>, done: Option<&str>,
) -> PageResult {
    let v = state.store.subject_view::<Change>(user.who(state), id).await?;
    let c = &v.record;
    let profile = c.profile_id.clone();
    let p = state.store.read::<Project>(user.who(state), c.project_id.0).await?;
    let owner = route::owns(user, &p);
    let open = govit_storage::changes::not_editable(c.status).is_none();
    let way = {
        let rules = state.store.rules();
        match rules.profile(&profile) {
            Some(pr) => {
                let r = routing(pr, &c.facts, c.ratio_bp);
                match r.threshold {
                    Some((cite, effect)) => format!("{}：{effect}（{cite}）", c.path.label()),
                    None => c.path.label().to_string(),
                }
            }
            None => c.path.label().to_string(),
        }
    };
    let run = &v.run;
    let flash = done.map(|d| match (d, c.status) {
        ("cancelled", _) => "已撤销。".to_string(),
        ("saved", ChangeStatus::ToSend | ChangeStatus::Returned) => {
            "已保存。请核对后报送。".to_string()
        }
        (_, ChangeStatus::ToSend) => "已撤回，可修改后重新报送。".to_string(),
        (_, ChangeStatus::Returned) => "已退回项目建设单位修改。".to_string(),
        (_, ChangeStatus::Handling) => match run.progress.step(&run.route) {
            Some(s) => format!(
                "已办理，等待{}{}。",
                route::party_labels(state, &profile, &s.parties),
                s.action
            ),
            None => "已办理。".to_string(),
        },
        (_, ChangeStatus::Done) => "已办结。".to_string(),
        (_, ChangeStatus::Refused) => "已不予通过。".to_string(),
        (_, ChangeStatus::Cancelled) => "已撤销。".to_string(),
    });
    let again = !errors.is_empty();
    let mut page = ChangePage {
        layout: Layout::for_user(state, user, c.terms.title.clone(), "changes")
            .await?
            .with_errors(!errors.is_empty()),
        errors: crate::shell::view::summary(&errors),
        csrf: user.csrf.clone(),
        increase: c.terms.increase.to_wan_string(),
        decrease: c.terms.decrease.to_wan_string(),
        share: c.share(),
        approved: c.approved.to_wan_string(),
        exceeds: c.exceeds_budget().map(|y| y.to_wan_string()),
        share_note: match c.status {
            ChangeStatus::Refused => "本次不予通过，不计入累计",
            ChangeStatus::Cancelled => "本次已撤销，不计入累计",
            _ => "含本次，不含不予通过和已撤销的调整",
        },
        way,
        done: c.status == ChangeStatus::Done,
        created_at: fmt_ms(c.created_at_ms),
        may_edit: owner && open,
        may_cancel: owner && open,
        cancel_reason: if typed.is_some_and(|t| t.contains_key("cancel")) {
            typed.and_then(|t| t.get("reason").cloned()).unwrap_or_default()
        } else {
            String::new()
        },
        cancel_error: crate::shell::view::error_for(&errors, "reason")
            .filter(|_| typed.is_some_and(|t| t.contains_key("cancel"))),
        flash,
        returned: route::returned_note(c.status == ChangeStatus::Returned, &run.acts),
        run: RunPanel::new(
            state,
            route::PanelAt {
                heading: "办理程序",
                empty: "本辖区的规定没有项目调整的办理程序。",
                act_url: format!("/changes/{}/act", c.id),
                version: c.version,
                profile: &profile,
                ended: v.ended.as_deref(),
            },
            run,
            &v.verbs,
            &errors,
            typed.filter(|t| !t.contains_key("cancel")),
        ),
        c: v.record.clone(),
    };
    // A cancelled change waits on nobody: its open step is not 当前.
    if page.c.status == ChangeStatus::Cancelled {
        for s in page.run.steps.iter_mut().filter(|s| s.state == "当前") {
            s.state = "已撤销";
        }
    }
    crate::shell::page::html_status(page, again)
}

async fn act_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let to = |c: &Change| format!("/changes/{}?done=acted", c.id);
    route::act_posted(&state, &user, id, &f, to, |errs| async {
        render_change(&state, &user, id, errs, Some(&f), None).await
    })
    .await
}

async fn cancel_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(mut f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    f.insert("cancel".into(), "1".into());
    let version = crate::shell::page::version_of(&f)?;
    let step = CancelChange { reason: f.get("reason").cloned().unwrap_or_default() };
    let result = state.store.run(user.who(&state), Target::at(id, version), &step).await;
    respond::page(
        &state,
        result,
        |c: &Change| format!("/changes/{}?done=cancelled", c.id),
        |errs| async { render_change(&state, &user, id, errs, Some(&f), None).await },
    )
    .await
}

#[derive(Template)]
#[template(path = "changes/list.html")]
struct ListPage {
    layout: Layout,
    ended: route::Ended,
    waiting: Vec<(Change, route::Since)>,
    sort: &'static str,
    resort_query: String,
    all: Vec<Change>,
    total: i64,
    q: String,
    pager: Pager,
}

async fn list_page(
    State(state): State<AppState>, user: User, Query(lq): Query<route::ListQuery>,
) -> PageResult {
    let l = route::listed::<Change>(&state, &user, &lq, "/changes").await?;
    html(ListPage {
        layout: Layout::for_user(&state, &user, "项目调整", "changes").await?,
        ended: l.ended,
        waiting: l.waiting,
        sort: l.sort,
        resort_query: l.resort_query,
        all: l.all,
        total: l.total,
        q: l.q,
        pager: l.pager,
    })
}

#[derive(Template)]
#[template(path = "changes/_project_panel.html")]
struct ProjectChanges {
    project_id: i64,
    changes: Vec<Change>,
    may_request: bool,
}

/// The project page's 项目调整 section: the project's changes with their state, and for the
/// owner unit of an approved project the link that requests one.
pub fn project_changes_panel(
    cx: crate::shell::panels::PanelCx<'_, Project>,
) -> crate::shell::panels::PanelFuture<'_> {
    Box::pin(async move {
        let p = cx.record;
        let changes = cx.state.store.subjects_of::<Change>(p.id).await?;
        let may_request = route::may_begin(cx.state, cx.user, p).await?;
        if changes.is_empty() && !may_request {
            return Ok(None);
        }
        Ok(Some(ProjectChanges { project_id: p.id.0, changes, may_request }.render()?))
    })
}
