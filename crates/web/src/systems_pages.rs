//! Pages of the information system catalog.

use crate::AppState;
use crate::auth::User;
use crate::error::PageError;
use crate::view::{self, Layout, Pager, SummaryItem, fmt_ms};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use govit_core::ids::DepartmentId;
use govit_core::inventory::SystemSheet;
use govit_core::inventory::{
    Deployment, Disposition, Network, SHEET_COLUMNS, SystemForm, SystemStatus, UseFrequency,
    system_field_label,
};
use govit_core::org::Role;
use govit_core::{DomainError, FieldError};
use govit_storage::systems::{ImportReport, SystemFilter, SystemRecord};
use govit_storage::{Page, StoreError};
use serde::Deserialize;
use std::collections::HashMap;

type PageResult = Result<Response, PageError>;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SystemQuery {
    pub q: String,
    pub dept: String,
    pub disposition: String,
    pub zombies: String,
    pub page: String,
    pub done: String,
}

impl SystemQuery {
    pub fn filter(&self) -> SystemFilter {
        SystemFilter {
            keyword: self.q.chars().take(100).collect(),
            department: self.dept.parse().ok().map(DepartmentId),
            disposition: Disposition::parse(&self.disposition),
            status: None,
            zombies_only: self.zombies == "1",
        }
    }
    fn query_string(&self, page: Option<i64>) -> String {
        crate::view::filter_query(
            &[
                ("q", self.q.as_str()),
                ("dept", self.dept.as_str()),
                ("disposition", self.disposition.as_str()),
                ("zombies", self.zombies.as_str()),
            ],
            page,
        )
    }
}

struct Row {
    id: i64,
    name: String,
    department: String,
    deployment: &'static str,
    mlps: String,
    status: &'static str,
    disposition: &'static str,
    zombie: String,
}

fn mlps(level: Option<u8>) -> String {
    level
        .map(|l| format!("{l}级"))
        .unwrap_or_else(|| "未定级".into())
}

#[derive(Template)]
#[template(path = "systems.html")]
struct SystemsPage {
    layout: Layout,
    flash: Option<String>,
    q: String,
    dept: String,
    disposition: String,
    zombies: bool,
    departments: Vec<(i64, String)>,
    dispositions: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    pager: Pager,
    export_query: String,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<SystemQuery>,
) -> PageResult {
    let paged = state
        .store
        .list_systems(
            &user.principal,
            &q.filter(),
            state.now_ms(),
            Page::new(q.page.parse().unwrap_or(1), 30),
        )
        .await?;
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("/systems?{}", q.query_string(Some(n)))
    });
    let rows = paged
        .items
        .into_iter()
        .map(|s| Row {
            id: s.id,
            department: s.owner_department,
            deployment: s.system.deployment.label(),
            mlps: mlps(s.system.mlps_level),
            status: s.system.status.label(),
            disposition: s.system.disposition.label(),
            zombie: s
                .zombie_signals
                .iter()
                .map(|z| z.1.clone())
                .collect::<Vec<_>>()
                .join("；"),
            name: s.system.name,
        })
        .collect();
    let departments = state
        .store
        .departments(user.principal.jurisdiction_id)
        .await?
        .into_iter()
        .map(|d| (d.id.0, d.name))
        .collect();
    let body = SystemsPage {
        layout: Layout::for_user(&state, &user, "政务信息系统目录", "systems").await?,
        flash: (q.done == "create").then(|| "系统已登记。".to_string()),
        q: q.q.clone(),
        dept: q.dept.clone(),
        disposition: q.disposition.clone(),
        zombies: q.zombies == "1",
        departments,
        dispositions: Disposition::ALL
            .iter()
            .map(|d| (d.as_str(), d.label()))
            .collect(),
        rows,
        pager,
        export_query: q.query_string(None),
        can_create: user.principal.has(Role::Declarant) || user.principal.has(Role::Reviewer),
    }
    .render()?;
    Ok(Html(body).into_response())
}

pub async fn export(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<SystemQuery>,
) -> PageResult {
    let all = all_systems(&state.store, &user.principal, &q.filter(), state.now_ms()).await?;
    let (table, rows) = systems_table(all);
    crate::export::xlsx_response(table, rows, "systems.xlsx").await
}

/// Every entry the filter and the user's scope allow (at most 100,000), for exports.
async fn all_systems(
    store: &govit_storage::Store,
    principal: &govit_core::org::Principal,
    filter: &SystemFilter,
    now_ms: i64,
) -> Result<Vec<SystemRecord>, StoreError> {
    crate::export::all_pages(crate::export::CATALOG_MAX_ROWS, |page| {
        store.list_systems(principal, filter, now_ms, page)
    })
    .await
}

/// The catalog as a sheet in the columns the import reads back (`SHEET_COLUMNS`).
pub fn systems_table(
    records: Vec<SystemRecord>,
) -> (crate::export::Table<'static>, Vec<Vec<String>>) {
    static HEADERS: std::sync::LazyLock<Vec<&'static str>> =
        std::sync::LazyLock::new(|| SHEET_COLUMNS.iter().map(|(_, h)| *h).collect());
    let rows = records
        .into_iter()
        .map(|r| {
            let mut row = vec![r.owner_department];
            row.extend(r.system.sheet_cells());
            row.push(
                r.zombie_signals
                    .iter()
                    .map(|z| z.1.clone())
                    .collect::<Vec<_>>()
                    .join("；"),
            );
            row
        })
        .collect();
    let table = crate::export::Table {
        sheet: "政务信息系统目录",
        headers: &HEADERS,
        widths: &[(1, 30.0), (2, 40.0)],
        total: None,
    };
    (table, rows)
}

/// The whole visible catalog as .xlsx bytes, for `govit systems export`.
pub async fn systems_xlsx(
    store: &govit_storage::Store,
    principal: &govit_core::org::Principal,
    filter: &SystemFilter,
    now_ms: i64,
) -> Result<(usize, Vec<u8>), String> {
    let all = all_systems(store, principal, filter, now_ms)
        .await
        .map_err(|e| e.to_string())?;
    let n = all.len();
    let (table, rows) = systems_table(all);
    crate::export::xlsx_bytes(&table, &rows).map(|b| (n, b))
}

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

fn fields(f: &SystemForm, errors: &[FieldError]) -> Vec<Field> {
    let yes_no = vec![("0", "否"), ("1", "是")];
    let mk = |name: &'static str,
              value: &str,
              kind: &'static str,
              required: bool,
              hint: &'static str,
              options: Vec<(&'static str, &'static str)>| Field {
        name,
        label: system_field_label(name),
        value: value.to_string(),
        error: view::error_for(errors, name),
        hint,
        kind,
        required,
        options,
    };
    let opts = |all: Vec<(&'static str, &'static str)>| all;
    vec![
        mk("name", &f.name, "text", true, "", vec![]),
        mk(
            "function_summary",
            &f.function_summary,
            "textarea",
            true,
            "系统的主要业务功能，用于查重比对",
            vec![],
        ),
        mk(
            "users_scope",
            &f.users_scope,
            "text",
            false,
            "例如：区城管局及各街道网格员",
            vec![],
        ),
        mk(
            "use_frequency",
            &f.use_frequency,
            "select",
            true,
            "",
            opts(
                UseFrequency::ALL
                    .iter()
                    .map(|x| (x.as_str(), x.label()))
                    .collect(),
            ),
        ),
        mk(
            "approval_document",
            &f.approval_document,
            "text",
            false,
            "立项批复文号",
            vec![],
        ),
        mk("approval_date", &f.approval_date, "date", false, "", vec![]),
        mk(
            "funding_source",
            &f.funding_source,
            "text",
            false,
            "",
            vec![],
        ),
        mk(
            "year_built",
            &f.year_built,
            "text",
            false,
            "四位年份",
            vec![],
        ),
        mk(
            "deployment",
            &f.deployment,
            "select",
            true,
            "",
            opts(
                Deployment::ALL
                    .iter()
                    .map(|x| (x.as_str(), x.label()))
                    .collect(),
            ),
        ),
        mk(
            "network",
            &f.network,
            "select",
            true,
            "",
            opts(
                Network::ALL
                    .iter()
                    .map(|x| (x.as_str(), x.label()))
                    .collect(),
            ),
        ),
        mk(
            "gov_service_connected",
            &f.gov_service_connected,
            "select",
            false,
            "",
            yes_no.clone(),
        ),
        mk(
            "data_sharing_connected",
            &f.data_sharing_connected,
            "select",
            false,
            "",
            yes_no.clone(),
        ),
        mk(
            "mlps_level",
            &f.mlps_level,
            "text",
            false,
            "1 至 5，未定级留空",
            vec![],
        ),
        mk(
            "status",
            &f.status,
            "select",
            false,
            "",
            opts(
                SystemStatus::ALL
                    .iter()
                    .map(|x| (x.as_str(), x.label()))
                    .collect(),
            ),
        ),
        mk(
            "disposition",
            &f.disposition,
            "select",
            false,
            "gaoping:9：关闭、整合、承接、新建须写明理由",
            opts(
                Disposition::ALL
                    .iter()
                    .map(|x| (x.as_str(), x.label()))
                    .collect(),
            ),
        ),
        mk(
            "disposition_reason",
            &f.disposition_reason,
            "textarea",
            false,
            "",
            vec![],
        ),
        mk(
            "last_used_on",
            &f.last_used_on,
            "date",
            false,
            "超过 12 个月未使用将提示复核",
            vec![],
        ),
        mk(
            "om_stopped",
            &f.om_stopped,
            "select",
            false,
            "",
            yes_no.clone(),
        ),
        mk(
            "idle_resources",
            &f.idle_resources,
            "select",
            false,
            "",
            yes_no,
        ),
    ]
}

#[derive(Template)]
#[template(path = "system_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    csrf: String,
    version: Option<i64>,
    errors: Vec<SummaryItem>,
    fields: Vec<Field>,
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    user: &User,
    heading: String,
    action: String,
    cancel: String,
    version: Option<i64>,
    form: &SystemForm,
    errors: &[FieldError],
) -> PageResult {
    let body = FormPage {
        layout: Layout::for_user(state, user, heading.clone(), "systems")
            .await?
            .with_errors(!errors.is_empty()),
        heading,
        action,
        cancel,
        csrf: user.csrf.clone(),
        version,
        errors: view::summary(errors),
        fields: fields(form, errors),
    }
    .render()?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Html(body)).into_response())
}

fn system_form(f: &HashMap<String, String>) -> SystemForm {
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    SystemForm {
        name: g("name"),
        function_summary: g("function_summary"),
        users_scope: g("users_scope"),
        use_frequency: g("use_frequency"),
        approval_document: g("approval_document"),
        approval_date: g("approval_date"),
        funding_source: g("funding_source"),
        year_built: g("year_built"),
        deployment: g("deployment"),
        network: g("network"),
        gov_service_connected: g("gov_service_connected"),
        data_sharing_connected: g("data_sharing_connected"),
        mlps_level: g("mlps_level"),
        status: g("status"),
        disposition: g("disposition"),
        disposition_reason: g("disposition_reason"),
        last_used_on: g("last_used_on"),
        om_stopped: g("om_stopped"),
        idle_resources: g("idle_resources"),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    /// A name to start with (from a project's 登记到目录 link).
    name: String,
}

pub async fn new(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<NewQuery>,
) -> PageResult {
    form_page(
        &state,
        &user,
        "登记政务信息系统".into(),
        "/systems/new".into(),
        "/systems".into(),
        None,
        &SystemForm {
            name: q.name.chars().take(100).collect(),
            ..Default::default()
        },
        &[],
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let form = system_form(&f);
    match state
        .store
        .create_system(&user.principal, &user.actor(), state.now_ms(), &form)
        .await
    {
        Ok(s) => {
            state.reindex_system(&s).await;
            Ok(Redirect::to(&format!("/systems/{}?done=create", s.id)).into_response())
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            form_page(
                &state,
                &user,
                "登记政务信息系统".into(),
                "/systems/new".into(),
                "/systems".into(),
                None,
                &form,
                &errs,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "system_show.html")]
struct ShowPage {
    layout: Layout,
    s: SystemRecord,
    negative: crate::cloud_pages::NegativePanel,
    flash: Option<String>,
    rows: Vec<(&'static str, String)>,
    can_edit: bool,
    history: Vec<(
        i64,
        String,
        String,
        &'static str,
        &'static str,
        &'static str,
    )>,
}

pub async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<SystemQuery>,
) -> PageResult {
    let s = state
        .store
        .system(&user.principal, &user.actor(), state.now_ms(), id)
        .await?;
    let sys = &s.system;
    let yes = |b: bool| if b { "是" } else { "否" }.to_string();
    let rows = vec![
        ("所属单位", s.owner_department.clone()),
        (
            system_field_label("function_summary"),
            sys.function_summary.clone(),
        ),
        (system_field_label("users_scope"), sys.users_scope.clone()),
        (
            system_field_label("use_frequency"),
            sys.use_frequency.label().into(),
        ),
        (
            system_field_label("approval_document"),
            sys.approval_document.clone(),
        ),
        (
            system_field_label("approval_date"),
            sys.approval_date.map(|d| d.to_string()).unwrap_or_default(),
        ),
        (
            system_field_label("funding_source"),
            sys.funding_source.clone(),
        ),
        (
            system_field_label("year_built"),
            sys.year_built.map(|y| y.to_string()).unwrap_or_default(),
        ),
        (
            system_field_label("deployment"),
            sys.deployment.label().into(),
        ),
        (system_field_label("network"), sys.network.label().into()),
        (
            system_field_label("gov_service_connected"),
            yes(sys.gov_service_connected),
        ),
        (
            system_field_label("data_sharing_connected"),
            yes(sys.data_sharing_connected),
        ),
        (system_field_label("mlps_level"), mlps(sys.mlps_level)),
        (system_field_label("status"), sys.status.label().into()),
        (
            system_field_label("disposition"),
            sys.disposition.label().into(),
        ),
        (
            system_field_label("disposition_reason"),
            sys.disposition_reason.clone(),
        ),
        (
            system_field_label("last_used_on"),
            sys.last_used_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
        (system_field_label("om_stopped"), yes(sys.om_stopped)),
        (
            system_field_label("idle_resources"),
            yes(sys.idle_resources),
        ),
        ("版本", s.version.to_string()),
    ];
    let history = state
        .store
        .system_history(id)
        .await?
        .into_iter()
        .map(|h| {
            let action = match h.action.as_str() {
                "create" => "登记",
                "dispose" => "调整处置",
                _ => "修改",
            };
            (
                h.version,
                fmt_ms(h.changed_at_ms),
                h.changed_by,
                action,
                h.snapshot.disposition.label(),
                h.snapshot.status.label(),
            )
        })
        .collect();
    let p = &user.principal;
    let body = ShowPage {
        layout: Layout::for_user(&state, &user, s.system.name.clone(), "systems").await?,
        flash: match q.done.as_str() {
            "create" => Some("系统已登记。".into()),
            "update" => Some("修改已保存，原版本保留在变更历史中。".into()),
            _ => None,
        },
        can_edit: p.has(Role::Reviewer)
            || (p.has(Role::Declarant) && p.department_id == Some(s.owner_department_id)),
        rows,
        history,
        negative: crate::cloud_pages::negative_panel(&state, &user, &s).await?,
        s,
    }
    .render()?;
    Ok(Html(body).into_response())
}

pub async fn edit(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let s = state
        .store
        .system(&user.principal, &user.actor(), state.now_ms(), id)
        .await?;
    form_page(
        &state,
        &user,
        format!("修改：{}", s.system.name),
        format!("/systems/{id}/edit"),
        format!("/systems/{id}"),
        Some(s.version),
        &s.system.to_form(),
        &[],
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version: i64 = f
        .get("version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| DomainError::invalid("version", "缺少版本号，请刷新页面后重试"))?;
    let form = system_form(&f);
    match state
        .store
        .update_system(
            &user.principal,
            &user.actor(),
            state.now_ms(),
            id,
            version,
            &form,
        )
        .await
    {
        Ok(s) => {
            state.reindex_system(&s).await;
            Ok(Redirect::to(&format!("/systems/{id}?done=update")).into_response())
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            form_page(
                &state,
                &user,
                "修改系统".into(),
                format!("/systems/{id}/edit"),
                format!("/systems/{id}"),
                Some(version),
                &form,
                &errs,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "system_import.html")]
struct ImportPage {
    layout: Layout,
    csrf: String,
    error: Option<String>,
    report: Option<ImportReport>,
}

pub async fn import_form(State(state): State<AppState>, user: User) -> PageResult {
    let body = ImportPage {
        layout: Layout::for_user(&state, &user, "导入信息系统目录", "systems").await?,
        csrf: user.csrf.clone(),
        error: None,
        report: None,
    }
    .render()?;
    Ok(Html(body).into_response())
}

/// An empty sheet with the columns the import reads and one example row, written by the
/// export's own cell writer so the template cannot drift from the columns.
pub async fn import_template(State(state): State<AppState>) -> PageResult {
    let example = SystemForm {
        name: "示例：城市管理综合指挥系统".into(),
        function_summary: "城市部件事件的发现、派遣、处置和考核".into(),
        users_scope: "城管局及各街道网格员".into(),
        use_frequency: "每日使用".into(),
        deployment: "政务云".into(),
        network: "电子政务外网".into(),
        gov_service_connected: "是".into(),
        data_sharing_connected: "是".into(),
        mlps_level: "三级".into(),
        status: "运行中".into(),
        disposition: "保留".into(),
        ..Default::default()
    }
    .parse(govit_storage::obligations::china_today(state.now_ms()))
    .map_err(|e| PageError::Internal(format!("template example invalid: {e:?}")))?;
    let mut row = vec![String::new()];
    row.extend(example.sheet_cells());
    let (table, _) = systems_table(Vec::new());
    crate::export::xlsx_response(table, vec![row], "systems-template.xlsx").await
}

/// Reads the upload, imports (or only checks) it, and shows what happened row by row.
pub async fn import(
    State(state): State<AppState>,
    user: User,
    mut form: axum::extract::Multipart,
) -> PageResult {
    let mut file = None;
    let mut check_only = false;
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("file") => file = field.bytes().await.ok(),
            Some("check_only") => check_only = true,
            _ => {}
        }
    }
    let outcome = match file.filter(|f| !f.is_empty()) {
        None => Err("请选择要导入的 .xlsx 文件".to_string()),
        Some(bytes) => {
            match run_import(&state, &user.principal, &user.actor(), &bytes, !check_only).await {
                Ok(r) => Ok(r),
                Err(e) => Err(e.message()?),
            }
        }
    };
    let (status, error, report) = match outcome {
        Ok(r) => (StatusCode::OK, None, Some(r)),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, Some(e), None),
    };
    let body = ImportPage {
        layout: Layout::for_user(
            &state,
            &user,
            if error.is_some() {
                "错误：导入信息系统目录"
            } else {
                "导入信息系统目录"
            },
            "systems",
        )
        .await?,
        csrf: user.csrf.clone(),
        error,
        report,
    }
    .render()?;
    Ok((status, Html(body)).into_response())
}

/// Why an import wrote nothing: the file itself, or the store's refusal.
pub enum ImportError {
    Sheet(String),
    Store(StoreError),
}

impl ImportError {
    /// The page's message for it.
    fn message(self) -> Result<String, PageError> {
        match self {
            ImportError::Sheet(m) => Ok(m),
            ImportError::Store(StoreError::Domain(DomainError::StaleVersion { .. })) => {
                Ok("导入期间目录被他人修改，未写入任何行，请重新导入".to_string())
            }
            ImportError::Store(StoreError::Domain(d)) => Ok(d.to_string()),
            ImportError::Store(e) => Err(e.into()),
        }
    }
}

/// Parses a workbook and imports it (or only checks it); refreshes the duplicate-check
/// index for what changed.
pub async fn run_import(
    state: &AppState,
    principal: &govit_core::org::Principal,
    actor: &govit_storage::Actor,
    bytes: &[u8],
    write: bool,
) -> Result<ImportReport, ImportError> {
    let cells = crate::sheet::read_xlsx(bytes).map_err(ImportError::Sheet)?;
    let sheet = SystemSheet::read(&cells).map_err(ImportError::Sheet)?;
    let report = state
        .store
        .import_systems(principal, actor, state.now_ms(), &sheet, write)
        .await
        .map_err(ImportError::Store)?;
    state.reindex_systems(&report.changed_ids).await;
    Ok(report)
}
