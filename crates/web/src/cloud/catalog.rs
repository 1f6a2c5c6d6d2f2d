//! 政务云服务目录 (gaoping:12): the catalog in versions, drafted, submitted, published or returned.

use crate::AppState;
use crate::cloud::catalog_api::CloudServiceDto;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, VersionedForm, field};
use crate::shell::respond;
use crate::shell::view::{self, Layout, SummaryItem, fmt_ms, fmt_opt_ms};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use govit_core::FieldError;
use govit_core::cloud::{CatalogDecision, CatalogStatus, ServiceCategory};
use govit_core::policy::Provision;
use govit_storage::Target;
use govit_storage::cloud::catalog_steps;
use govit_storage::cloud::catalog_steps::StartDraft;
use govit_storage::cloud::{CatalogVersion, ServiceFilter};
use serde::Deserialize;
use std::collections::HashMap;

fn catalog_tag(s: CatalogStatus) -> &'static str {
    match s {
        CatalogStatus::Draft | CatalogStatus::Superseded => "draft",
        CatalogStatus::Submitted => "submitted",
        CatalogStatus::Published => "approved",
        CatalogStatus::Returned => "returned",
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CatalogQuery {
    pub q: String,
    pub category: String,
    pub common: String,
    pub version: String,
    pub done: String,
}

impl CatalogQuery {
    pub fn filter(&self) -> ServiceFilter {
        ServiceFilter {
            keyword: self.q.chars().take(100).collect(),
            category: ServiceCategory::parse(&self.category),
            common_only: self.common == "1",
        }
    }
    fn query_string(&self, version: Option<i64>) -> String {
        let v = version.map(|v| v.to_string()).unwrap_or_default();
        view::filter_query(
            &[
                ("q", self.q.as_str()),
                ("category", self.category.as_str()),
                ("common", self.common.as_str()),
                ("version", v.as_str()),
            ],
            None,
        )
    }
}

struct VersionRow {
    id: i64,
    version_no: i64,
    status: &'static str,
    tag: &'static str,
    drafted_by: String,
    published_at: String,
    services: i64,
}

struct TimelineRow {
    when: String,
    who: String,
    what: &'static str,
    detail: String,
}

fn step_label(action: &str) -> &'static str {
    match action {
        "cloud_catalog.draft" => "新建草稿",
        "cloud_service.add" => "添加服务",
        "cloud_service.update" => "修改服务",
        "cloud_service.remove" => "删除服务",
        "cloud_catalog.submit" => "提交审批",
        "cloud_catalog.publish" => "批准发布",
        "cloud_catalog.return" => "退回修改",
        "cloud_catalog.supersede" => "被新版本替代",
        _ => "其他",
    }
}

#[derive(Template)]
#[template(path = "cloud/cloud_catalog.html")]
struct CatalogPage {
    layout: Layout,
    /// The jurisdiction's own articles on the catalog and on common capabilities.
    catalog_rule: Option<String>,
    common_rule: Option<String>,
    csrf: String,
    flash: Option<String>,
    v: Option<CatalogVersion>,
    status_label: &'static str,
    status_tag: &'static str,
    rows: Vec<CloudServiceDto>,
    versions: Vec<VersionRow>,
    timeline: Vec<TimelineRow>,
    q: String,
    category: String,
    common: bool,
    categories: Vec<(&'static str, &'static str)>,
    filter_action: String,
    export_query: String,
    can_edit: bool,
    can_decide: bool,
    can_start: bool,
    open_draft: Option<(i64, i64)>,
    errors: Vec<SummaryItem>,
    decision_error: Option<String>,
    reason_error: Option<String>,
    reason: String,
    decision: String,
}

fn catalog_flash(done: &str) -> Option<String> {
    let m = match done {
        "draft" => "已新建目录草稿，内容复制自现行目录。",
        "add" => "服务已添加。",
        "update" => "服务已修改。",
        "remove" => "服务已删除。",
        "submit" => "已提交主管部门审批。",
        "publish" => "目录已发布，原版本已被替代。",
        "return" => "已退回大数据中心修改。",
        _ => return None,
    };
    Some(m.to_string())
}

/// Renders the catalog page for one version (or the published one when `id` is `None`).
pub async fn catalog_page(
    state: &AppState, user: &User, id: Option<i64>, q: &CatalogQuery, errors: Vec<FieldError>,
    decision: String, reason: String,
) -> PageResult {
    let p = &user.principal;
    let roles = state.store.cloud_roles(p).await?;
    let v = match id {
        Some(id) => Some(state.store.read::<CatalogVersion>(user.who(state), id).await?),
        None => state.store.current_cloud_catalog(p.jurisdiction_id).await?,
    };
    let rows = match &v {
        Some(v) => state
            .store
            .cloud_services(v.id, &q.filter())
            .await?
            .into_iter()
            .map(CloudServiceDto::from)
            .collect(),
        None => vec![],
    };
    let all = state.store.cloud_catalog_versions(p).await?;
    let open_draft = all.iter().find(|x| x.status.is_open()).map(|x| (x.id, x.version_no));
    let versions = all
        .iter()
        .map(|x| VersionRow {
            id: x.id,
            version_no: x.version_no,
            status: x.status.label(),
            tag: catalog_tag(x.status),
            drafted_by: x.drafted_by_name.clone(),
            published_at: fmt_opt_ms(x.published_at_ms),
            services: x.service_count,
        })
        .collect();
    let timeline = match &v {
        Some(v) => state
            .store
            .cloud_catalog_timeline(v.id)
            .await?
            .into_iter()
            .map(|(at, who, action, detail)| TimelineRow {
                when: fmt_ms(at),
                who,
                what: step_label(&action),
                detail,
            })
            .collect(),
        None => vec![],
    };
    let title = match &v {
        Some(v) => format!("政务云系统服务目录（第 {} 版）", v.version_no),
        None => "政务云系统服务目录".to_string(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let j = user.principal.jurisdiction_id;
    let body = CatalogPage {
        layout: Layout::for_user(state, user, title, "cloud")
            .await?
            .with_errors(!errors.is_empty()),
        catalog_rule: state.store.basis(j, Provision::CloudServiceCatalog).await.map(|b| b.cited()),
        common_rule: state.store.basis(j, Provision::CommonCapability).await.map(|b| b.cited()),
        csrf: user.csrf.clone(),
        flash: catalog_flash(&q.done),
        status_label: v.as_ref().map(|v| v.status.label()).unwrap_or(""),
        status_tag: v.as_ref().map(|v| catalog_tag(v.status)).unwrap_or(""),
        can_edit: roles.drafter && v.as_ref().is_some_and(|v| v.status.is_editable()),
        can_decide: roles.authority
            && v.as_ref().is_some_and(|v| v.status == CatalogStatus::Submitted),
        can_start: roles.drafter && open_draft.is_none(),
        open_draft,
        filter_action: match id {
            Some(id) => format!("/cloud/versions/{id}"),
            None => "/cloud".into(),
        },
        export_query: q.query_string(v.as_ref().map(|v| v.id)),
        q: q.q.clone(),
        category: q.category.clone(),
        common: q.common == "1",
        categories: ServiceCategory::ALL.iter().map(|c| (c.as_str(), c.label())).collect(),
        rows,
        versions,
        timeline,
        decision_error: view::error_for(&errors, "decision"),
        reason_error: view::error_for(&errors, "reason"),
        errors: view::summary(&errors),
        reason,
        decision,
        v,
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

pub async fn catalog(
    State(state): State<AppState>, user: User, Query(q): Query<CatalogQuery>,
) -> PageResult {
    catalog_page(&state, &user, None, &q, vec![], String::new(), String::new()).await
}

pub async fn version(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(q): Query<CatalogQuery>,
) -> PageResult {
    catalog_page(&state, &user, Some(id), &q, vec![], String::new(), String::new()).await
}

pub async fn start_draft(
    State(state): State<AppState>, user: User, Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = state
        .store
        .run(user.who(&state), Target::New, &StartDraft { note: &field(&f, "note") })
        .await?;
    Ok(respond::redirect(&state, v, |r| format!("/cloud/versions/{}?done=draft", r.id)).await)
}

pub async fn submit(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    VersionedForm(version, _): VersionedForm,
) -> PageResult {
    respond::run_redirect(&state, &user, Target::at(id, version), &catalog_steps::Submit, |_| {
        format!("/cloud/versions/{id}?done=submit")
    })
    .await
}

pub async fn decide(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    VersionedForm(version, f): VersionedForm,
) -> PageResult {
    let (decision, reason) = (field(&f, "decision"), field(&f, "reason"));
    let parsed = CatalogDecision::parse(&decision, &reason);
    let step = parsed.as_ref().map(catalog_steps::Decide).map_err(Clone::clone);
    let (state, user) = (&state, &user);
    respond::run_page(
        state,
        user,
        Target::at(id, version),
        step,
        |v| {
            let done = if v.status == CatalogStatus::Published { "publish" } else { "return" };
            format!("/cloud/versions/{id}?done={done}")
        },
        |errs| async move {
            let q = CatalogQuery::default();
            catalog_page(state, user, Some(id), &q, errs, decision, reason).await
        },
    )
    .await
}

pub async fn export_catalog(
    State(state): State<AppState>, user: User, Query(q): Query<CatalogQuery>,
) -> PageResult {
    let p = &user.principal;
    let v = match q.version.parse::<i64>() {
        Ok(id) => Some(state.store.read::<CatalogVersion>(user.who(&state), id).await?),
        Err(_) => state.store.current_cloud_catalog(p.jurisdiction_id).await?,
    };
    let rows = match &v {
        Some(v) => state.store.cloud_services(v.id, &q.filter()).await?,
        None => vec![],
    };
    let version_no = v
        .as_ref()
        .map(|v| format!("第 {} 版（{}）", v.version_no, v.status.label()))
        .unwrap_or_default();
    let headers = [
        "目录版本",
        "服务编码",
        "服务名称",
        "服务类别",
        "服务说明",
        "提供方",
        "计量单位/规格",
        "共性能力",
        "查重关键词",
    ];
    let rows = rows
        .into_iter()
        .map(|r| {
            let s = r.service;
            vec![
                version_no.clone(),
                s.code,
                s.name,
                s.category.label().into(),
                s.description,
                s.provider,
                s.unit,
                if s.is_common { "是" } else { "否" }.into(),
                s.keywords.join(","),
            ]
        })
        .collect();
    let table = crate::shell::excel::Table::new(
        "政务云系统服务目录",
        &headers,
        &[(2, 24.0), (4, 40.0), (8, 30.0)],
    );
    crate::shell::excel::xlsx_response(
        table,
        rows,
        crate::shell::excel::FileName::dated(&state, "政务云服务目录", "cloud-services"),
    )
    .await
}
