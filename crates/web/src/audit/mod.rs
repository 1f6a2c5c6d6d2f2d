//! 审计日志: the auditor's search page and its Excel export.

use crate::AppState;
use crate::shell::auth::{ApiUser, User};
use crate::shell::error::{ApiError, ApiErrorBody, PageError};
use crate::shell::page::{PageResult, html};
use crate::shell::view::{self, Layout, Pager, fmt_ms};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use govit_core::DomainError;
use govit_core::audit::reading;
use govit_core::org::{Principal, Role};
use govit_storage::audit::{AuditEntry, AuditFilter};
use govit_storage::{Actor, Page, Paged};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// One record as the auditor reads it.
#[derive(Serialize, ToSchema)]
pub struct AuditRow {
    seq: i64,
    /// Beijing time, `YYYY-MM-DD HH:MM:SS`.
    when: String,
    /// The actor's name (the login when the account has none; `（匿名）` when nobody signed in).
    actor: String,
    login: String,
    /// The actor's department or firm.
    unit: String,
    ip: String,
    /// The action code (`project.approve`).
    action: String,
    /// Its Chinese name (审核通过).
    action_label: String,
    object_type: String,
    /// The kind's Chinese name (项目).
    object_kind: String,
    object_id: String,
    /// The object's kind, with its name when the record carries one (项目“区校园安全视频监控系统”).
    object_label: String,
    /// The object's own page, when it has one.
    object_href: Option<String>,
    /// `ok`, `refused` or `failed`
    result: String,
    result_label: &'static str,
    detail: String,
    /// The fields the change touched: labels in Chinese, amounts in 万元.
    changes: Vec<FieldChangeDto>,
    /// The record's JSON as chained, before and after.
    #[serde(skip)]
    raw: String,
}

#[derive(Serialize, ToSchema)]
pub struct FieldChangeDto {
    field: String,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "audit/audit.html")]
struct AuditPage {
    layout: Layout,
    export_query: String,
    actions: &'static [(&'static str, &'static str)],
    kinds: &'static [(&'static str, &'static str)],
    f: AuditFilter,
    from: String,
    to: String,
    rows: Vec<AuditRow>,
    pager: Pager,
}

#[derive(Default)]
pub struct AuditQuery {
    f: AuditFilter,
    from: String,
    to: String,
    page: String,
}

/// Beijing midnight of a `YYYY-MM-DD` date, in Unix milliseconds.
fn day_start_ms(d: &str) -> Option<i64> {
    let date = chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis() - 8 * 3600 * 1000)
}

/// Refuses anyone but the security auditor, recording the attempt.
pub async fn auditor_only(
    state: &AppState, principal: &Principal, actor: &Actor,
) -> Result<(), PageError> {
    if principal.has(Role::Auditor) {
        return Ok(());
    }
    let _ = state
        .store
        .audit_refusal(
            actor,
            state.now_ms(),
            "audit_log",
            "",
            "audit.search",
            "非审计员访问审计日志",
        )
        .await;
    Err(DomainError::Forbidden("只有安全审计员可以查看审计日志".into()).into())
}

impl AuditQuery {
    fn from_map(q: &HashMap<String, String>) -> AuditQuery {
        let get = |k: &str| q.get(k).map(|v| v.chars().take(100).collect()).unwrap_or_default();
        AuditQuery {
            f: AuditFilter {
                actor: get("actor"),
                unit: get("unit"),
                action: get("action"),
                object_type: get("object_type"),
                object_id: get("object_id"),
                result: get("result"),
                ip: get("ip"),
                ..AuditFilter::default()
            },
            from: get("from"),
            to: get("to"),
            page: get("page"),
        }
    }

    fn filter(&self) -> AuditFilter {
        let mut f = self.f.clone();
        f.from_ms = day_start_ms(&self.from);
        f.to_ms = day_start_ms(&self.to).map(|t| t + 24 * 3600 * 1000 - 1);
        f
    }

    fn query_string(&self, page: Option<i64>) -> String {
        let f = &self.f;
        let pairs = [
            ("actor", f.actor.as_str()),
            ("unit", f.unit.as_str()),
            ("action", f.action.as_str()),
            ("object_type", f.object_type.as_str()),
            ("object_id", f.object_id.as_str()),
            ("result", f.result.as_str()),
            ("ip", f.ip.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ];
        view::filter_query(&pairs, page)
    }
}

/// The names a page of records refers to by id, looked up once for the page: departments in
/// the changes, and projects whose record does not carry their name (an event, a fact).
struct Names {
    departments: HashMap<i64, String>,
    projects: HashMap<i64, String>,
}

async fn names(
    state: &AppState, entries: &[AuditEntry],
) -> Result<Names, govit_storage::StoreError> {
    let projects: Vec<i64> = entries
        .iter()
        .map(|e| &e.record.event)
        .filter(|e| matches!(e.object_type.as_str(), "project" | "obligation"))
        .filter_map(|e| e.object_id.split('/').next().and_then(|id| id.parse().ok()))
        .collect();
    Ok(Names {
        departments: department_names(state, entries).await?,
        projects: state.store.project_names(&projects).await?,
    })
}

/// The departments a page of records names by id.
async fn department_names(
    state: &AppState, entries: &[AuditEntry],
) -> Result<HashMap<i64, String>, govit_storage::StoreError> {
    let mut ids = Vec::new();
    for e in entries {
        for json in [&e.record.event.before, &e.record.event.after] {
            if !json.contains("department_id") {
                continue;
            }
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(json) {
                for key in ["/department_id", "/owner_department_id"] {
                    ids.extend(v.pointer(key).and_then(serde_json::Value::as_i64));
                }
            }
        }
    }
    state.store.department_names(&ids).await
}

/// The page an object of the log has, if any.
fn object_href(kind: &str, id: &str) -> Option<String> {
    let id = match kind {
        "obligation" => id.split('/').next()?,
        _ => id,
    };
    let n: i64 = id.parse().ok().filter(|n| *n > 0)?;
    Some(match kind {
        "project" | "obligation" => format!("/projects/{n}"),
        "info_system" => format!("/systems/{n}"),
        "cloud_catalog" => format!("/cloud/versions/{n}"),
        "negative_list" => format!("/negative-list/{n}"),
        _ => return None,
    })
}

fn audit_row(entry: &AuditEntry, names: &Names) -> AuditRow {
    let e = &entry.record.event;
    let department = |id: i64| names.departments.get(&id).cloned();
    let changes =
        reading::field_changes(&e.object_type, &e.action, &e.before, &e.after, &department)
            .into_iter()
            .map(|c| FieldChangeDto { field: c.label, before: c.before, after: c.after })
            .collect();
    let kind = reading::kind_label(&e.object_type).to_string();
    let project = || {
        let id: i64 = e.object_id.split('/').next()?.parse().ok()?;
        names
            .projects
            .get(&id)
            .cloned()
            .filter(|_| matches!(e.object_type.as_str(), "project" | "obligation"))
    };
    let object_label =
        match reading::object_name(&e.object_type, &e.before, &e.after).or_else(project) {
            Some(name) => format!("{kind}“{name}”"),
            None if e.object_id.is_empty() || e.object_id == "0" => kind.clone(),
            None => format!("{kind} {}", e.object_id),
        };
    let raw = match (e.before.is_empty(), e.after.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!("变更后：{}", e.after),
        (false, true) => format!("变更前：{}", e.before),
        (false, false) => format!("变更前：{}\n变更后：{}", e.before, e.after),
    };
    let actor = if entry.actor_name.is_empty() {
        reading::actor_label(&e.actor_login)
    } else {
        entry.actor_name.clone()
    };
    AuditRow {
        seq: entry.record.seq,
        when: fmt_ms(e.at_ms),
        actor,
        login: e.actor_login.clone(),
        unit: entry.actor_unit.clone(),
        ip: if e.ip == "local" { "本机".into() } else { e.ip.clone() },
        action: e.action.clone(),
        action_label: reading::action_label(&e.action),
        object_type: e.object_type.clone(),
        object_kind: kind,
        object_id: e.object_id.clone(),
        object_label,
        object_href: object_href(&e.object_type, &e.object_id),
        result: e.result.clone(),
        result_label: match e.result.as_str() {
            "ok" => "成功",
            "refused" => "拒绝",
            _ => "失败",
        },
        detail: e.detail.clone(),
        changes,
        raw,
    }
}

impl AuditRow {
    /// The changes as lines of text (a cell of the export).
    fn changes_text(&self) -> String {
        self.changes
            .iter()
            .map(|c| match (c.before.is_empty(), c.after.is_empty()) {
                (true, _) => format!("{}：{}", c.field, c.after),
                (false, true) => format!("{}：{}（删除）", c.field, c.before),
                (false, false) => format!("{}：{} → {}", c.field, c.before, c.after),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The link to this object's whole history in the log.
    fn history_href(&self) -> String {
        format!(
            "/audit?{}",
            view::filter_query(
                &[
                    ("object_type", self.object_type.as_str()),
                    ("object_id", self.object_id.as_str())
                ],
                None
            )
        )
    }
}

/// A page of records as read.
async fn read_page(
    state: &AppState, f: &AuditFilter, page: Page,
) -> Result<Paged<AuditRow>, govit_storage::StoreError> {
    let paged = state.store.search_audit(f, page).await?;
    let names = names(state, &paged.items).await?;
    let items = paged.items.iter().map(|e| audit_row(e, &names)).collect();
    Ok(Paged { items, total: paged.total, page: paged.page, page_size: paged.page_size })
}

pub async fn audit(
    State(state): State<AppState>, user: User, Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    auditor_only(&state, &user.principal, &user.actor()).await?;
    let q = AuditQuery::from_map(&q);
    let page: i64 = q.page.parse().unwrap_or(1);
    let paged = read_page(&state, &q.filter(), Page::new(page, 50)).await?;
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("/audit?{}", q.query_string(Some(n)))
    });
    html(AuditPage {
        layout: Layout::for_user(&state, &user, "审计日志", "audit").await?,
        export_query: q.query_string(None),
        actions: reading::ACTIONS,
        kinds: reading::OBJECT_KINDS,
        f: q.f,
        from: q.from,
        to: q.to,
        rows: paged.items,
        pager,
    })
}

/// The audit records matching the page's filters as .xlsx, newest first as on screen. The
/// export itself is recorded in the log.
pub async fn export_audit(
    State(state): State<AppState>, user: User, Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    auditor_only(&state, &user.principal, &user.actor()).await?;
    let q = AuditQuery::from_map(&q);
    let f = q.filter();
    let records = crate::shell::excel::all_pages(crate::shell::excel::MAX_ROWS, |page| {
        read_page(&state, &f, page)
    })
    .await?;
    let rows: Vec<Vec<String>> = records
        .into_iter()
        .map(|a| {
            let changes = a.changes_text();
            vec![
                a.seq.to_string(),
                a.when,
                a.actor,
                a.login,
                a.unit,
                a.ip,
                a.action_label,
                a.action,
                a.object_label,
                a.object_id,
                a.result_label.to_string(),
                a.detail,
                changes,
            ]
        })
        .collect();
    state
        .store
        .audit(
            &user.actor(),
            state.now_ms(),
            govit_storage::audit::Change::ok("audit_log", "", "audit.export").detail(format!(
                "导出 {} 条审计记录（{}）",
                rows.len(),
                q.query_string(None)
            )),
        )
        .await?;
    let table = crate::shell::excel::Table::new(
        "审计日志",
        &[
            "记录号",
            "时间",
            "操作人",
            "登录名",
            "所在单位",
            "来源地址",
            "操作",
            "操作代码",
            "对象",
            "对象编号",
            "结果",
            "说明",
            "变更内容",
        ],
        &[
            (1, 10.0),
            (2, 18.0),
            (3, 12.0),
            (4, 12.0),
            (5, 20.0),
            (6, 14.0),
            (7, 18.0),
            (8, 22.0),
            (9, 30.0),
            (12, 40.0),
            (13, 60.0),
        ],
    );
    crate::shell::excel::xlsx_response(
        table,
        rows,
        crate::shell::excel::FileName::dated(&state, "审计日志", "audit-log"),
    )
    .await
}

#[derive(Serialize, ToSchema)]
pub struct AuditListDto {
    items: Vec<AuditRow>,
    total: i64,
    page: i64,
    page_size: i64,
}

/// The audit log, newest first, as the security auditor reads it: actions, objects and
/// changed fields named in Chinese, amounts in 万元. Filters as on the page: `actor` (login or
/// name), `unit`, `action` and `object_type` (codes), `object_id`, `result`, `ip`, `from` and
/// `to` (dates, Beijing time). Only the security auditor may read it.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])),
    params(("actor" = Option<String>, Query), ("unit" = Option<String>, Query), ("action" = Option<String>, Query),
        ("object_type" = Option<String>, Query), ("object_id" = Option<String>, Query), ("result" = Option<String>, Query),
        ("ip" = Option<String>, Query), ("from" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "YYYY-MM-DD"), ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = AuditListDto), (status = 403, body = ApiErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>, user: ApiUser, Query(q): Query<HashMap<String, String>>,
) -> Result<Json<AuditListDto>, ApiError> {
    auditor_only(&state, &user.principal, &user.actor()).await.map_err(|_| {
        ApiError::from(DomainError::Forbidden("只有安全审计员可以查看审计日志".into()))
    })?;
    let query = AuditQuery::from_map(&q);
    let size = q.get("page_size").and_then(|s| s.parse().ok()).unwrap_or(50);
    let paged =
        read_page(&state, &query.filter(), Page::new(query.page.parse().unwrap_or(1), size))
            .await?;
    Ok(Json(AuditListDto {
        total: paged.total,
        page: paged.page,
        page_size: paged.page_size,
        items: paged.items,
    }))
}

pub fn pages() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/audit", get(audit)).route("/audit/export.xlsx", get(export_audit))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}
