//! Pages of the cloud-service catalog (gaoping:12), the common capabilities a project must
//! not rebuild (lhasa:8), the services a project names, and the negative list (gaoping:11).

use crate::AppState;
use crate::auth::User;
use crate::error::PageError;
use crate::view::{self, Layout, Pager, SummaryItem, fmt_ms, fmt_opt_ms};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use govit_core::cloud::{
    CatalogDecision, CatalogStatus, CloudServiceForm, NegativeDecision, NegativeListForm,
    NegativeStatus, Overlap, ServiceCategory, service_field_label,
};
use govit_core::ids::{DepartmentId, ProjectId};
use govit_core::org::Role;
use govit_core::{DomainError, FieldError};
use govit_storage::cloud::{
    CatalogVersion, NegativeEntry, NegativeFilter, ServiceFilter, ServiceRecord,
};
use govit_storage::projects::Project;
use govit_storage::systems::SystemRecord;
use govit_storage::{Page, StoreError};
use serde::Deserialize;
use std::collections::HashMap;

type PageResult = Result<Response, PageError>;

fn catalog_tag(s: CatalogStatus) -> &'static str {
    match s {
        CatalogStatus::Draft | CatalogStatus::Superseded => "draft",
        CatalogStatus::Submitted => "submitted",
        CatalogStatus::Published => "approved",
        CatalogStatus::Returned => "returned",
    }
}

fn negative_tag(s: NegativeStatus) -> &'static str {
    match s {
        NegativeStatus::Pending => "submitted",
        NegativeStatus::Approved => "approved",
        NegativeStatus::Rejected => "returned",
        NegativeStatus::Revoked => "draft",
    }
}

fn version_of(f: &HashMap<String, String>) -> Result<i64, PageError> {
    f.get("version")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| DomainError::invalid("version", "缺少版本号，请刷新页面后重试").into())
}

fn get(f: &HashMap<String, String>, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// The catalog

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

struct ServiceRow {
    id: i64,
    code: String,
    name: String,
    category: &'static str,
    description: String,
    provider: String,
    unit: String,
    is_common: bool,
    keywords: String,
}

impl From<ServiceRecord> for ServiceRow {
    fn from(r: ServiceRecord) -> Self {
        let s = r.service;
        ServiceRow {
            id: r.id,
            category: s.category.label(),
            keywords: s.keywords.join("、"),
            code: s.code,
            name: s.name,
            description: s.description,
            provider: s.provider,
            unit: s.unit,
            is_common: s.is_common,
        }
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
#[template(path = "cloud_catalog.html")]
struct CatalogPage {
    layout: Layout,
    csrf: String,
    flash: Option<String>,
    v: Option<CatalogVersion>,
    status_label: &'static str,
    status_tag: &'static str,
    rows: Vec<ServiceRow>,
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
async fn catalog_page(
    state: &AppState,
    user: &User,
    id: Option<i64>,
    q: &CatalogQuery,
    errors: Vec<FieldError>,
    decision: String,
    reason: String,
) -> PageResult {
    let now = state.now_ms();
    let p = &user.principal;
    let roles = state.store.cloud_roles(p).await?;
    let v = match id {
        Some(id) => Some(
            state
                .store
                .cloud_catalog_version(p, &user.actor(), now, id)
                .await?,
        ),
        None => state.store.current_cloud_catalog(p.jurisdiction_id).await?,
    };
    let rows = match &v {
        Some(v) => state
            .store
            .cloud_services(v.id, &q.filter())
            .await?
            .into_iter()
            .map(ServiceRow::from)
            .collect(),
        None => vec![],
    };
    let all = state.store.cloud_catalog_versions(p).await?;
    let open_draft = all
        .iter()
        .find(|x| x.status.is_open())
        .map(|x| (x.id, x.version_no));
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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = CatalogPage {
        layout: Layout::for_user(state, user, title, "cloud")
            .await?
            .with_errors(!errors.is_empty()),
        csrf: user.csrf.clone(),
        flash: catalog_flash(&q.done),
        status_label: v.as_ref().map(|v| v.status.label()).unwrap_or(""),
        status_tag: v.as_ref().map(|v| catalog_tag(v.status)).unwrap_or(""),
        can_edit: roles.drafter && v.as_ref().is_some_and(|v| v.status.is_editable()),
        can_decide: roles.authority
            && v.as_ref()
                .is_some_and(|v| v.status == CatalogStatus::Submitted),
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
        categories: ServiceCategory::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
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
    State(state): State<AppState>,
    user: User,
    Query(q): Query<CatalogQuery>,
) -> PageResult {
    catalog_page(
        &state,
        &user,
        None,
        &q,
        vec![],
        String::new(),
        String::new(),
    )
    .await
}

pub async fn version(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<CatalogQuery>,
) -> PageResult {
    catalog_page(
        &state,
        &user,
        Some(id),
        &q,
        vec![],
        String::new(),
        String::new(),
    )
    .await
}

pub async fn start_draft(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = state
        .store
        .start_cloud_draft(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            &get(&f, "note"),
        )
        .await?;
    Ok(Redirect::to(&format!("/cloud/versions/{}?done=draft", v.id)).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    state
        .store
        .submit_cloud_catalog(&user.principal, &user.actor(), state.now_ms(), id, version)
        .await?;
    Ok(Redirect::to(&format!("/cloud/versions/{id}?done=submit")).into_response())
}

pub async fn decide(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let (decision, reason) = (get(&f, "decision"), get(&f, "reason"));
    let parsed = CatalogDecision::parse(&decision, &reason);
    let result = match parsed {
        Ok(d) => state
            .store
            .decide_cloud_catalog(
                &user.principal,
                &user.actor(),
                state.now_ms(),
                id,
                version,
                &d,
            )
            .await
            .map(|_| d),
        Err(errs) => Err(StoreError::Domain(DomainError::Invalid(errs))),
    };
    match result {
        Ok(CatalogDecision::Publish { .. }) => {
            Ok(Redirect::to(&format!("/cloud/versions/{id}?done=publish")).into_response())
        }
        Ok(CatalogDecision::Return { .. }) => {
            Ok(Redirect::to(&format!("/cloud/versions/{id}?done=return")).into_response())
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            catalog_page(
                &state,
                &user,
                Some(id),
                &CatalogQuery::default(),
                errs,
                decision,
                reason,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export_catalog(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<CatalogQuery>,
) -> PageResult {
    let p = &user.principal;
    let v = match q.version.parse::<i64>() {
        Ok(id) => Some(
            state
                .store
                .cloud_catalog_version(p, &user.actor(), state.now_ms(), id)
                .await?,
        ),
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
    let table = crate::export::Table {
        sheet: "政务云系统服务目录",
        headers: &headers,
        widths: &[(2, 24.0), (4, 40.0), (8, 30.0)],
        total: None,
    };
    crate::export::xlsx_response(table, rows, "cloud-services.xlsx").await
}

// ---------------------------------------------------------------------------------------
// Catalog items

pub struct Field {
    name: &'static str,
    label: &'static str,
    value: String,
    error: Option<String>,
    hint: &'static str,
    kind: &'static str,
    required: bool,
    options: Vec<(&'static str, &'static str)>,
}

fn service_fields(f: &CloudServiceForm, errors: &[FieldError]) -> Vec<Field> {
    let mk = |name: &'static str,
              value: &str,
              kind: &'static str,
              required: bool,
              hint: &'static str,
              options: Vec<(&'static str, &'static str)>| Field {
        name,
        label: service_field_label(name),
        value: value.to_string(),
        error: view::error_for(errors, name),
        hint,
        kind,
        required,
        options,
    };
    vec![
        mk(
            "code",
            &f.code,
            "text",
            true,
            "例如 GC-01，同一版本内唯一",
            vec![],
        ),
        mk("name", &f.name, "text", true, "", vec![]),
        mk(
            "category",
            &f.category,
            "select",
            true,
            "",
            ServiceCategory::ALL
                .iter()
                .map(|c| (c.as_str(), c.label()))
                .collect(),
        ),
        mk("description", &f.description, "textarea", false, "", vec![]),
        mk("provider", &f.provider, "text", false, "", vec![]),
        mk(
            "unit",
            &f.unit,
            "text",
            false,
            "例如：vCPU·内存·存储（按月）",
            vec![],
        ),
        mk(
            "is_common",
            &f.is_common,
            "select",
            false,
            "lhasa:8：共性基础设施和共性支撑能力统一建设，各部门不得重复建设",
            vec![("0", "否"), ("1", "是")],
        ),
        mk(
            "keywords",
            &f.keywords,
            "text",
            false,
            "用逗号分隔，例如：视频监控,视频汇聚。项目名称或简介出现这些词时，提示审核人疑似重复建设",
            vec![],
        ),
    ]
}

#[derive(Template)]
#[template(path = "cloud_service_form.html")]
struct ServiceFormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    csrf: String,
    version: i64,
    errors: Vec<SummaryItem>,
    fields: Vec<Field>,
}

#[allow(clippy::too_many_arguments)]
async fn service_form_page(
    state: &AppState,
    user: &User,
    heading: String,
    action: String,
    cancel: String,
    version: i64,
    form: &CloudServiceForm,
    errors: &[FieldError],
) -> PageResult {
    let body = ServiceFormPage {
        layout: Layout::for_user(state, user, heading.clone(), "cloud")
            .await?
            .with_errors(!errors.is_empty()),
        heading,
        action,
        cancel,
        csrf: user.csrf.clone(),
        version,
        errors: view::summary(errors),
        fields: service_fields(form, errors),
    }
    .render()?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Html(body)).into_response())
}

fn service_form(f: &HashMap<String, String>) -> CloudServiceForm {
    CloudServiceForm {
        code: get(f, "code"),
        name: get(f, "name"),
        category: get(f, "category"),
        description: get(f, "description"),
        provider: get(f, "provider"),
        unit: get(f, "unit"),
        is_common: get(f, "is_common"),
        keywords: get(f, "keywords"),
    }
}

pub async fn new_service(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> PageResult {
    let v = state
        .store
        .cloud_catalog_version(&user.principal, &user.actor(), state.now_ms(), id)
        .await?;
    service_form_page(
        &state,
        &user,
        format!("添加服务（目录第 {} 版）", v.version_no),
        format!("/cloud/versions/{id}/services/new"),
        format!("/cloud/versions/{id}"),
        v.version,
        &CloudServiceForm {
            is_common: "0".into(),
            ..Default::default()
        },
        &[],
    )
    .await
}

pub async fn create_service(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let form = service_form(&f);
    match state
        .store
        .add_cloud_service(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            id,
            version,
            &form,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cloud/versions/{id}?done=add")).into_response()),
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            service_form_page(
                &state,
                &user,
                "添加服务".into(),
                format!("/cloud/versions/{id}/services/new"),
                format!("/cloud/versions/{id}"),
                version,
                &form,
                &errs,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_service(
    State(state): State<AppState>,
    user: User,
    Path(sid): Path<i64>,
) -> PageResult {
    let (v, s) = state
        .store
        .cloud_service(&user.principal, &user.actor(), state.now_ms(), sid)
        .await?;
    service_form_page(
        &state,
        &user,
        format!("修改服务：{}", s.service.name),
        format!("/cloud/services/{sid}/edit"),
        format!("/cloud/versions/{}", v.id),
        v.version,
        &s.service.to_form(),
        &[],
    )
    .await
}

pub async fn update_service(
    State(state): State<AppState>,
    user: User,
    Path(sid): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let form = service_form(&f);
    match state
        .store
        .update_cloud_service(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            sid,
            version,
            &form,
        )
        .await
    {
        Ok(s) => Ok(Redirect::to(&format!(
            "/cloud/versions/{}?done=update",
            s.catalog_version_id
        ))
        .into_response()),
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            service_form_page(
                &state,
                &user,
                "修改服务".into(),
                format!("/cloud/services/{sid}/edit"),
                "/cloud".into(),
                version,
                &form,
                &errs,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_service(
    State(state): State<AppState>,
    user: User,
    Path(sid): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let v = state
        .store
        .remove_cloud_service(&user.principal, &user.actor(), state.now_ms(), sid, version)
        .await?;
    Ok(Redirect::to(&format!("/cloud/versions/{}?done=remove", v.id)).into_response())
}

// ---------------------------------------------------------------------------------------
// The project page: services it uses, and the lhasa:8 flag for reviewers

/// What `_project_cloud_partial.html` shows on a project's page.
pub struct ProjectCloudPanel {
    pub(crate) links: Vec<LinkRow>,
    /// Services of the published catalog not yet chosen: (id, label).
    pub(crate) options: Vec<(i64, String)>,
    pub(crate) can_edit: bool,
    /// For the authority's reviewers only.
    pub(crate) overlaps: Option<Vec<Overlap>>,
}

pub struct LinkRow {
    pub(crate) service_id: i64,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) category: &'static str,
    pub(crate) version_no: i64,
    pub(crate) note: String,
    pub(crate) by: String,
    pub(crate) at: String,
}

impl ProjectCloudPanel {
    /// 「疑似重复建设共性能力：…（依据 lhasa:8）」 for reviewers, when there is an overlap.
    pub fn overlap_notice(&self) -> Option<String> {
        self.overlaps
            .as_deref()
            .and_then(govit_core::cloud::overlap_notice)
    }
}

/// Loads the panel for a project the user has already been shown.
pub async fn project_cloud_panel(
    state: &AppState,
    user: &User,
    p: &Project,
) -> Result<ProjectCloudPanel, PageError> {
    let pr = &user.principal;
    let now = state.now_ms();
    let links = state
        .store
        .project_cloud_links(pr, &user.actor(), now, p.id)
        .await?;
    let can_edit = pr.has(Role::Declarant)
        && pr.department_id == Some(p.owner_department_id)
        && p.status.is_editable();
    let options = if can_edit {
        match state.store.current_cloud_catalog(p.jurisdiction_id).await? {
            Some(v) => state
                .store
                .cloud_services(v.id, &ServiceFilter::default())
                .await?
                .into_iter()
                .filter(|s| !links.iter().any(|l| l.service_id == s.id))
                .map(|s| {
                    (
                        s.id,
                        format!(
                            "{} {}（{}）",
                            s.service.code,
                            s.service.name,
                            s.service.category.label()
                        ),
                    )
                })
                .collect(),
            None => vec![],
        }
    } else {
        vec![]
    };
    let overlaps = if pr.has(Role::Reviewer) {
        Some(
            state
                .store
                .project_common_overlaps(pr, &user.actor(), now, p.id)
                .await?,
        )
    } else {
        None
    };
    Ok(ProjectCloudPanel {
        links: links
            .into_iter()
            .map(|l| LinkRow {
                service_id: l.service_id,
                code: l.code,
                name: l.name,
                category: l.category.label(),
                version_no: l.catalog_version_no,
                note: l.note,
                by: l.created_by_name,
                at: fmt_ms(l.created_at_ms),
            })
            .collect(),
        options,
        can_edit,
        overlaps,
    })
}

pub async fn link_service(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let linked = match get(&f, "service_id").trim().parse::<i64>() {
        Ok(service_id) => {
            state
                .store
                .link_cloud_service(
                    &user.principal,
                    &user.actor(),
                    state.now_ms(),
                    ProjectId(id),
                    service_id,
                    &get(&f, "note"),
                )
                .await
        }
        Err(_) => Err(DomainError::invalid("service_id", "请选择要使用的政务云服务").into()),
    };
    match linked {
        Ok(_) => {
            Ok(Redirect::to(&format!("/projects/{id}?done=cloud#cloud-services")).into_response())
        }
        // Refused input: the page again, the error at the form and what was typed kept.
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let entered = crate::pages::Entered {
                errors: crate::links_pages::on_page(
                    errs,
                    &[("service_id", "service_id"), ("note", "cloud-note")],
                ),
                cloud_service: get(&f, "service_id"),
                cloud_note: get(&f, "note"),
                ..Default::default()
            };
            crate::pages::project_page(&state, &user, ProjectId(id), None, entered).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn unlink_service(
    State(state): State<AppState>,
    user: User,
    Path((id, sid)): Path<(i64, i64)>,
) -> PageResult {
    state
        .store
        .unlink_cloud_service(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            ProjectId(id),
            sid,
        )
        .await?;
    Ok(Redirect::to(&format!("/projects/{id}?done=uncloud#cloud-services")).into_response())
}

// ---------------------------------------------------------------------------------------
// The negative list

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
#[template(path = "negative_list.html")]
struct NegativeListPage {
    layout: Layout,
    flash: Option<String>,
    q: String,
    status: String,
    dept: String,
    statuses: Vec<(&'static str, &'static str)>,
    departments: Vec<(i64, String)>,
    rows: Vec<NegativeRow>,
    pager: Pager,
    export_query: String,
}

pub async fn negative_list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<NegativeQuery>,
) -> PageResult {
    let paged = state
        .store
        .list_negative(
            &user.principal,
            &q.filter(),
            Page::new(q.page.parse().unwrap_or(1), 30),
        )
        .await?;
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("/negative-list?{}", q.query_string(Some(n)))
    });
    let departments = state
        .store
        .departments(user.principal.jurisdiction_id)
        .await?
        .into_iter()
        .map(|d| (d.id.0, d.name))
        .collect();
    let body = NegativeListPage {
        layout: Layout::for_user(&state, &user, "负面清单", "negative").await?,
        flash: None,
        q: q.q.clone(),
        status: q.status.clone(),
        dept: q.dept.clone(),
        statuses: NegativeStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        departments,
        rows: paged.items.iter().map(NegativeRow::from).collect(),
        pager,
        export_query: q.query_string(None),
    }
    .render()?;
    Ok(Html(body).into_response())
}

pub async fn export_negative(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<NegativeQuery>,
) -> PageResult {
    let filter = q.filter();
    let all = crate::export::all_pages(crate::export::CATALOG_MAX_ROWS, |page| {
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
    let table = crate::export::Table {
        sheet: "负面清单",
        headers: &headers,
        widths: &[(1, 30.0), (3, 40.0), (4, 30.0)],
        total: None,
    };
    crate::export::xlsx_response(table, rows, "negative-list.xlsx").await
}

#[derive(Template)]
#[template(path = "negative_list_form.html")]
struct NegativeFormPage {
    layout: Layout,
    csrf: String,
    system_id: i64,
    system_name: String,
    errors: Vec<SummaryItem>,
    exemptions_error: Option<String>,
    reasons_error: Option<String>,
    basis_error: Option<String>,
    form: NegativeListForm,
}

async fn negative_form_page(
    state: &AppState,
    user: &User,
    system: &SystemRecord,
    form: &NegativeListForm,
    errors: &[FieldError],
) -> PageResult {
    let body = NegativeFormPage {
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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Html(body)).into_response())
}

pub async fn new_negative(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<NegativeQuery>,
) -> PageResult {
    let id: i64 = q.system.parse().map_err(|_| DomainError::NotFound)?;
    let s = state
        .store
        .system(&user.principal, &user.actor(), state.now_ms(), id)
        .await?;
    negative_form_page(&state, &user, &s, &NegativeListForm::default(), &[]).await
}

pub async fn create_negative(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let system_id: i64 = get(&f, "system_id")
        .parse()
        .map_err(|_| DomainError::invalid("system_id", "请从信息系统页面发起申请"))?;
    let form = NegativeListForm {
        exempt_cloud: get(&f, "exempt_cloud"),
        exempt_platform: get(&f, "exempt_platform"),
        reasons: get(&f, "reasons"),
        basis: get(&f, "basis"),
    };
    match state
        .store
        .request_negative_listing(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            system_id,
            &form,
        )
        .await
    {
        Ok(e) => Ok(Redirect::to(&format!("/negative-list/{}?done=request", e.id)).into_response()),
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let s = state
                .store
                .system(&user.principal, &user.actor(), state.now_ms(), system_id)
                .await?;
            negative_form_page(&state, &user, &s, &form, &errs).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "negative_list_show.html")]
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

async fn negative_page(
    state: &AppState,
    user: &User,
    id: i64,
    flash: Option<String>,
    errors: Vec<FieldError>,
    kept: (String, String, String),
) -> PageResult {
    let e = state
        .store
        .negative_entry(&user.principal, &user.actor(), state.now_ms(), id)
        .await?;
    let roles = state.store.cloud_roles(&user.principal).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = NegativeShowPage {
        layout: Layout::for_user(
            state,
            user,
            format!("负面清单：{}", e.system_name),
            "negative",
        )
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
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<NegativeQuery>,
) -> PageResult {
    let flash = match q.done.as_str() {
        "request" => Some("申请已提交，等待主管部门审批。".to_string()),
        "approve" => Some("已批准列入负面清单。".to_string()),
        "reject" => Some("已不予批准，理由已告知申请单位。".to_string()),
        "revoke" => Some("已撤销该系统的负面清单豁免。".to_string()),
        _ => None,
    };
    negative_page(
        &state,
        &user,
        id,
        flash,
        vec![],
        (String::new(), String::new(), String::new()),
    )
    .await
}

pub async fn decide_negative(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let kept = (
        get(&f, "decision"),
        get(&f, "approval_document"),
        get(&f, "reason"),
    );
    let result = match NegativeDecision::parse(&kept.0, &kept.1, &kept.2) {
        Ok(d) => state
            .store
            .decide_negative_listing(
                &user.principal,
                &user.actor(),
                state.now_ms(),
                id,
                version,
                &d,
            )
            .await
            .map(|e| e.status),
        Err(errs) => Err(StoreError::Domain(DomainError::Invalid(errs))),
    };
    match result {
        Ok(s) => {
            let done = match s {
                NegativeStatus::Approved => "approve",
                NegativeStatus::Rejected => "reject",
                _ => "revoke",
            };
            Ok(Redirect::to(&format!("/negative-list/{id}?done={done}")).into_response())
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            negative_page(&state, &user, id, None, errs, kept).await
        }
        Err(e) => Err(e.into()),
    }
}

/// What `_negative_list_partial.html` shows on a system's page.
pub struct NegativePanel {
    pub(crate) rows: Vec<NegativeRow>,
    /// The request pending or in force, if any.
    pub(crate) current: Option<NegativeRow>,
    pub(crate) can_request: bool,
}

/// Loads the panel for a system the user has already been shown.
pub async fn negative_panel(
    state: &AppState,
    user: &User,
    s: &SystemRecord,
) -> Result<NegativePanel, PageError> {
    let p = &user.principal;
    let entries = state.store.negative_entries_for_system(p, s.id).await?;
    let current = entries
        .iter()
        .find(|e| e.status.is_open())
        .map(NegativeRow::from);
    Ok(NegativePanel {
        can_request: current.is_none()
            && p.has(Role::Declarant)
            && p.department_id == Some(s.owner_department_id),
        current,
        rows: entries.iter().map(NegativeRow::from).collect(),
    })
}

/// The pages of this module, merged into `pages::router()`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/cloud", get(catalog))
        .route("/cloud/export.xlsx", get(export_catalog))
        .route("/cloud/drafts", post(start_draft))
        .route("/cloud/versions/{id}", get(version))
        .route("/cloud/versions/{id}/submit", post(submit))
        .route("/cloud/versions/{id}/decide", post(decide))
        .route(
            "/cloud/versions/{id}/services/new",
            get(new_service).post(create_service),
        )
        .route(
            "/cloud/services/{id}/edit",
            get(edit_service).post(update_service),
        )
        .route("/cloud/services/{id}/remove", post(remove_service))
        .route("/projects/{id}/cloud-services", post(link_service))
        .route(
            "/projects/{id}/cloud-services/{service_id}/remove",
            post(unlink_service),
        )
        .route("/negative-list", get(negative_list))
        .route("/negative-list/export.xlsx", get(export_negative))
        .route(
            "/negative-list/new",
            get(new_negative).post(create_negative),
        )
        .route("/negative-list/{id}", get(show_negative))
        .route("/negative-list/{id}/decide", post(decide_negative))
}
