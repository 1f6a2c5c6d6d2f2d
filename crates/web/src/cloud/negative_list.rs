//! 负面清单 (gaoping:11): exemption requests, the authority's decisions, the list and its export.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::input::{FromFields, read_fields};
use crate::shell::page::{PageResult, VersionedForm, field};
use crate::shell::panels::{PanelCx, PanelFuture};
use crate::shell::respond;
use crate::shell::view::{self, Layout, Pager, SummaryItem, fmt_ms, fmt_opt_ms};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use govit_core::cloud::{NegativeDecision, NegativeListForm, NegativeStatus, service_field_label};
use govit_core::ids::DepartmentId;
use govit_core::org::Role;
use govit_core::policy::Provision;
use govit_core::{DomainError, FieldError};
use govit_storage::Page;
use govit_storage::Target;
use govit_storage::cloud::negative_list;
use govit_storage::cloud::{NegativeEntry, NegativeFilter};
use govit_storage::systems::SystemRecord;
use serde::Deserialize;
use std::collections::HashMap;

fn negative_tag(s: NegativeStatus) -> &'static str {
    match s {
        NegativeStatus::Pending => "submitted",
        NegativeStatus::Approved => "approved",
        NegativeStatus::Rejected => "returned",
        NegativeStatus::Revoked => "draft",
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NegativeQuery {
    pub q: String,
    pub status: String,
    pub dept: String,
    pub page: String,
    pub system: String,
    pub done: String,
}

impl NegativeQuery {
    pub fn filter(&self) -> NegativeFilter {
        NegativeFilter {
            keyword: self.q.chars().take(100).collect(),
            status: NegativeStatus::parse(&self.status),
            department: self.dept.parse().ok().map(DepartmentId),
        }
    }
    fn query_string(&self, page: Option<i64>) -> String {
        view::filter_query(
            &[
                ("q", self.q.as_str()),
                ("status", self.status.as_str()),
                ("dept", self.dept.as_str()),
            ],
            page,
        )
    }
}

fn exemptions(e: &NegativeEntry) -> String {
    let mut v = Vec::new();
    if e.exempt_cloud {
        v.push("不迁移上云");
    }
    if e.exempt_platform {
        v.push("不接入政务服务平台");
    }
    v.join("、")
}

pub struct NegativeRow {
    pub(crate) id: i64,
    pub(crate) system: String,
    pub(crate) department: String,
    pub(crate) exemptions: String,
    pub(crate) status: &'static str,
    pub(crate) tag: &'static str,
    pub(crate) document: String,
    pub(crate) requested_at: String,
}

impl From<&NegativeEntry> for NegativeRow {
    fn from(e: &NegativeEntry) -> Self {
        NegativeRow {
            id: e.id,
            system: e.system_name.clone(),
            department: e.owner_department.clone(),
            exemptions: exemptions(e),
            status: e.status.label(),
            tag: negative_tag(e.status),
            document: e.approval_document.clone(),
            requested_at: fmt_ms(e.requested_at_ms),
        }
    }
}

#[derive(Template)]
#[template(path = "cloud/negative_list.html")]
struct NegativeListPage {
    layout: Layout,
    /// The jurisdiction's own article on the negative list, if its profile has one.
    rule: Option<String>,
    flash: Option<String>,
    filters: view::Filters,
    rows: Vec<NegativeRow>,
    pager: Pager,
    export_query: String,
}

pub async fn negative_list(
    State(state): State<AppState>, user: User, Query(q): Query<NegativeQuery>,
) -> PageResult {
    let paged = state
        .store
        .list_negative(&user.principal, &q.filter(), Page::new(q.page.parse().unwrap_or(1), 30))
        .await?;
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("/negative-list?{}", q.query_string(Some(n)))
    });
    let filters = view::Filters::new(&state, &user, &q.q, &q.dept)
        .await?
        .with_status(&q.status, NegativeStatus::ALL.iter().map(|s| (s.as_str(), s.label())));
    let body = NegativeListPage {
        layout: Layout::for_user(&state, &user, "负面清单", "negative").await?,
        rule: state
            .store
            .basis(user.principal.jurisdiction_id, Provision::NegativeList)
            .await
            .map(|b| b.cited()),
        flash: None,
        filters,
        rows: paged.items.iter().map(NegativeRow::from).collect(),
        pager,
        export_query: q.query_string(None),
    }
    .render()?;
    Ok(Html(body).into_response())
}

pub async fn export_negative(
    State(state): State<AppState>, user: User, Query(q): Query<NegativeQuery>,
) -> PageResult {
    let filter = q.filter();
    let all = crate::shell::excel::all_pages(crate::shell::excel::CATALOG_MAX_ROWS, |page| {
        state.store.list_negative(&user.principal, &filter, page)
    })
    .await?;
    let headers = [
        "所属单位",
        "系统名称",
        "豁免事项",
        "理由",
        "依据",
        "状态",
        "批准文号",
        "审批意见",
        "申请人",
        "申请时间",
        "审批人",
        "审批时间",
    ];
    let rows = all
        .iter()
        .map(|e| {
            vec![
                e.owner_department.clone(),
                e.system_name.clone(),
                exemptions(e),
                e.reasons.clone(),
                e.basis.clone(),
                e.status.label().into(),
                e.approval_document.clone(),
                e.decision_note.clone(),
                e.requested_by_name.clone(),
                fmt_ms(e.requested_at_ms),
                e.decided_by_name.clone().unwrap_or_default(),
                e.decided_at_ms.map(fmt_ms).unwrap_or_default(),
            ]
        })
        .collect();
    let table =
        crate::shell::excel::Table::new("负面清单", &headers, &[(1, 30.0), (3, 40.0), (4, 30.0)]);
    crate::shell::excel::xlsx_response(
        table,
        rows,
        crate::shell::excel::FileName::dated(&state, "负面清单", "negative-list"),
    )
    .await
}

#[derive(Template)]
#[template(path = "cloud/negative_list_form.html")]
struct NegativeFormPage {
    layout: Layout,
    rule: Option<String>,
    csrf: String,
    system_id: i64,
    system_name: String,
    errors: Vec<SummaryItem>,
    exemptions_error: Option<String>,
    reasons_error: Option<String>,
    basis_error: Option<String>,
    form: NegativeListForm,
}

pub async fn negative_form_page(
    state: &AppState, user: &User, system: &SystemRecord, form: &NegativeListForm,
    errors: &[FieldError],
) -> PageResult {
    let rule = state
        .store
        .basis(user.principal.jurisdiction_id, Provision::NegativeList)
        .await
        .map(|b| b.cited());
    let body = NegativeFormPage {
        rule,
        layout: Layout::for_user(
            state,
            user,
            format!("申请列入负面清单：{}", system.system.name),
            "negative",
        )
        .await?
        .with_errors(!errors.is_empty()),
        csrf: user.csrf.clone(),
        system_id: system.id,
        system_name: system.system.name.clone(),
        errors: view::summary(errors),
        exemptions_error: view::error_for(errors, "exemptions"),
        reasons_error: view::error_for(errors, "reasons"),
        basis_error: view::error_for(errors, "basis"),
        form: form.clone(),
    }
    .render()?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Html(body)).into_response())
}

pub async fn new_negative(
    State(state): State<AppState>, user: User, Query(q): Query<NegativeQuery>,
) -> PageResult {
    let id: i64 = q.system.parse().map_err(|_| DomainError::NotFound)?;
    let s = state.store.read::<SystemRecord>(user.who(&state), id).await?;
    negative_form_page(&state, &user, &s, &NegativeListForm::default(), &[]).await
}

pub async fn create_negative(
    State(state): State<AppState>, user: User, Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let system_id: i64 = field(&f, "system_id")
        .parse()
        .map_err(|_| DomainError::invalid("system_id", "请从信息系统页面发起申请"))?;
    let form = NegativeListForm::from_form(&f);
    let (state, user) = (&state, &user);
    let result = state.store.request_negative_listing(user.who(state), system_id, &form).await;
    respond::page(
        state,
        result,
        |r| format!("/negative-list/{}?done=request", r.id),
        |errs| async move {
            let s = state.store.read::<SystemRecord>(user.who(state), system_id).await?;
            negative_form_page(state, user, &s, &form, &errs).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "cloud/negative_list_show.html")]
struct NegativeShowPage {
    layout: Layout,
    csrf: String,
    flash: Option<String>,
    e: NegativeEntry,
    row: NegativeRow,
    requested_at: String,
    decided_at: String,
    can_decide: bool,
    can_revoke: bool,
    errors: Vec<SummaryItem>,
    decision_error: Option<String>,
    document_error: Option<String>,
    reason_error: Option<String>,
    decision: String,
    approval_document: String,
    reason: String,
}

pub async fn negative_page(
    state: &AppState, user: &User, id: i64, flash: Option<String>, errors: Vec<FieldError>,
    kept: (String, String, String),
) -> PageResult {
    let e = state.store.read::<NegativeEntry>(user.who(state), id).await?;
    let roles = state.store.cloud_roles(&user.principal).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = NegativeShowPage {
        layout: Layout::for_user(state, user, format!("负面清单：{}", e.system_name), "negative")
            .await?
            .with_errors(!errors.is_empty()),
        csrf: user.csrf.clone(),
        flash,
        row: NegativeRow::from(&e),
        requested_at: fmt_ms(e.requested_at_ms),
        decided_at: fmt_opt_ms(e.decided_at_ms),
        can_decide: roles.authority && e.status == NegativeStatus::Pending,
        can_revoke: roles.authority && e.status == NegativeStatus::Approved,
        decision_error: view::error_for(&errors, "decision"),
        document_error: view::error_for(&errors, "approval_document"),
        reason_error: view::error_for(&errors, "reason"),
        errors: view::summary(&errors),
        decision: kept.0,
        approval_document: kept.1,
        reason: kept.2,
        e,
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

pub async fn show_negative(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(q): Query<NegativeQuery>,
) -> PageResult {
    let flash = match q.done.as_str() {
        "request" => Some("申请已提交，等待主管部门审批。".to_string()),
        "approve" => Some("已批准列入负面清单。".to_string()),
        "reject" => Some("已不予批准，理由已告知申请单位。".to_string()),
        "revoke" => Some("已撤销该系统的负面清单豁免。".to_string()),
        _ => None,
    };
    negative_page(&state, &user, id, flash, vec![], (String::new(), String::new(), String::new()))
        .await
}

pub async fn decide_negative(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    VersionedForm(version, f): VersionedForm,
) -> PageResult {
    let kept = (field(&f, "decision"), field(&f, "approval_document"), field(&f, "reason"));
    let parsed = NegativeDecision::parse(&kept.0, &kept.1, &kept.2);
    let step = parsed.as_ref().map(negative_list::Decide).map_err(Clone::clone);
    let (state, user) = (&state, &user);
    respond::run_page(
        state,
        user,
        Target::at(id, version),
        step,
        |e| {
            let done = match e.status {
                NegativeStatus::Approved => "approve",
                NegativeStatus::Rejected => "reject",
                _ => "revoke",
            };
            format!("/negative-list/{id}?done={done}")
        },
        |errs| negative_page(state, user, id, None, errs, kept),
    )
    .await
}

/// The negative-list section of a system's page (gaoping:11).
#[derive(Template)]
#[template(path = "cloud/_system_panel.html")]
struct SystemPanelView<'a> {
    s: &'a SystemRecord,
    rows: Vec<NegativeRow>,
    /// The request pending or in force, if any.
    current: Option<NegativeRow>,
    can_request: bool,
    rule: Option<String>,
}

/// Registered as a panel of the system page.
pub fn negative_panel(cx: PanelCx<'_, SystemRecord>) -> PanelFuture<'_> {
    Box::pin(async move {
        let (p, s) = (&cx.user.principal, cx.record);
        let entries = cx.state.store.negative_entries_for_system(p, s.id).await?;
        let current = entries.iter().find(|e| e.status.is_open()).map(NegativeRow::from);
        let rule = cx.state.store.basis(p.jurisdiction_id, Provision::NegativeList).await;
        let view = SystemPanelView {
            rule: rule.map(|b| b.cited()),
            can_request: current.is_none()
                && p.has(Role::Declarant)
                && p.department_id == Some(s.owner_department_id),
            current,
            rows: entries.iter().map(NegativeRow::from).collect(),
            s,
        };
        Ok(Some(view.render()?))
    })
}

// An exemption request as pages and the API read it.
read_fields!(NegativeListForm, service_field_label, booleans: true, {
    exempt_cloud, exempt_platform, reasons, basis,
});
