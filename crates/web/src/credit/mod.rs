//! 信用档案 (issue 12 §7, linxiang:35): the credit file of a firm or an expert of the
//! jurisdiction — its misconduct recorded under the profile's rule, with the project it
//! concerns — on a page of its own reached from 组织机构, where the administrators record it;
//! the same over the API. Its blacklisting stays on 组织机构, with the article it stands on.

mod api;

pub use api::router;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, html};
use crate::shell::view::{self, Layout, SummaryItem, fmt_ms};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use govit_core::FieldError;
use govit_core::credit::{self, CreditForm, CreditSubject};
use govit_storage::Target;
use govit_storage::credit::{CreditRecord, RecordCredit};
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/org/firms/{id}/credit", get(firm_page).post(record_firm))
        .route("/org/experts/{id}/credit", get(expert_page).post(record_expert))
}

/// A firm or an expert of the caller's jurisdiction as its credit file shows it.
pub(crate) struct Subject {
    pub kind: CreditSubject,
    pub id: i64,
    pub holder: govit_storage::credit::Holder,
}

/// The firm or expert `id` of jurisdiction `j`, if there is one, and the jurisdiction's profile.
pub(crate) async fn subject_of(
    state: &AppState, j: govit_core::ids::JurisdictionId, kind: CreditSubject, id: i64,
) -> Result<Option<(Subject, Option<govit_core::policy::Profile>)>, govit_storage::StoreError> {
    let Some(holder) = state.store.credit_holder(j, kind, id).await? else { return Ok(None) };
    let profile_id = state.store.jurisdiction(j).await?.profile_id;
    let profile = state.store.rules().profile(&profile_id).cloned();
    Ok(Some((Subject { kind, id, holder }, profile)))
}

#[derive(askama::Template)]
#[template(path = "credit/page.html")]
struct CreditPage {
    layout: Layout,
    csrf: String,
    flash: Option<String>,
    s: Subject,
    records: Vec<(CreditRecord, String)>,
    /// The profile's rules that record misconduct: (id, article, text).
    rules: Vec<(String, String, String)>,
    /// The article the blacklist stands on, if the profile names one.
    blacklist_rule: Option<(String, String)>,
    may_record: bool,
    form: CreditForm,
    e: HashMap<&'static str, String>,
    errors: Vec<SummaryItem>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

async fn show(
    state: &AppState, user: &User, kind: CreditSubject, id: i64, form: CreditForm,
    errors: &[FieldError], flash: Option<String>,
) -> PageResult {
    let j = user.principal.jurisdiction_id;
    let Some((s, profile)) = subject_of(state, j, kind, id).await? else {
        return Err(govit_storage::StoreError::Domain(govit_core::DomainError::NotFound).into());
    };
    let records = state
        .store
        .credit_records(user.who(state), j, kind, id)
        .await?
        .into_iter()
        .map(|r| {
            let at = fmt_ms(r.recorded_at_ms);
            (r, at)
        })
        .collect();
    let rules: Vec<(String, String, String)> = profile
        .as_ref()
        .map(|p| {
            credit::recording(p)
                .into_iter()
                .map(|r| (r.id.clone(), r.cite.clone(), r.text.clone()))
                .collect()
        })
        .unwrap_or_default();
    let blacklist_rule =
        profile.as_ref().and_then(credit::blacklisting).map(|r| (r.cite.clone(), r.text.clone()));
    let title = format!("信用档案：{}", s.holder.name);
    let failed = !errors.is_empty();
    let mut resp = html(CreditPage {
        layout: Layout::for_user(
            state,
            user,
            if failed { format!("错误：{title}") } else { title },
            "org",
        )
        .await?
        .with_errors(failed),
        csrf: user.csrf.clone(),
        flash,
        may_record: user.principal.administers(j) && !rules.is_empty(),
        records,
        rules,
        blacklist_rule,
        s,
        form,
        e: view::first_messages(errors),
        errors: view::summary(errors),
    })?;
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

fn flash_for(done: &str) -> Option<String> {
    (done == "recorded").then(|| "已记入信用档案。".to_string())
}

async fn firm_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(q): Query<DoneQuery>,
) -> PageResult {
    show(&state, &user, CreditSubject::Firm, id, CreditForm::default(), &[], flash_for(&q.done))
        .await
}

async fn expert_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(q): Query<DoneQuery>,
) -> PageResult {
    show(&state, &user, CreditSubject::Expert, id, CreditForm::default(), &[], flash_for(&q.done))
        .await
}

async fn record(
    state: &AppState, user: &User, kind: CreditSubject, id: i64, f: HashMap<String, String>,
) -> PageResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let form = CreditForm { rule: get("rule"), conduct: get("conduct"), project: get("project") };
    let step = RecordCredit { subject: kind, subject_id: id, form: form.clone() };
    let result = state.store.run(user.who(state), Target::New, &step).await;
    crate::shell::respond::page(
        state,
        result,
        |r: &CreditRecord| {
            format!("/org/{}s/{}/credit?done=recorded", r.subject.as_str(), r.subject_id)
        },
        |errs: Vec<FieldError>| async move { show(state, user, kind, id, form, &errs, None).await },
    )
    .await
}

async fn record_firm(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    record(&state, &user, CreditSubject::Firm, id, f).await
}

async fn record_expert(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    record(&state, &user, CreditSubject::Expert, id, f).await
}
