//! 审计日志: the auditor's search page and its Excel export.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::page::{PageResult, html};
use crate::shell::view::{self, Layout, Pager, fmt_ms};
use askama::Template;
use axum::extract::{Query, State};
use govit_core::DomainError;
use govit_core::org::Role;
use govit_storage::Page;
use govit_storage::audit::AuditFilter;
use serde::Deserialize;

struct AuditRow {
    seq: i64,
    when: String,
    actor: String,
    ip: String,
    action: String,
    object: String,
    result: String,
    result_label: &'static str,
    detail: String,
    change: String,
}

#[derive(Template)]
#[template(path = "audit/audit.html")]
struct AuditPage {
    layout: Layout,
    export_query: String,
    f: AuditFilter,
    from: String,
    to: String,
    rows: Vec<AuditRow>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    #[serde(flatten)]
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
pub async fn auditor_only(state: &AppState, user: &User) -> Result<(), PageError> {
    if user.principal.has(Role::Auditor) {
        return Ok(());
    }
    let _ = state
        .store
        .audit_refusal(
            &user.actor(),
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
            ("action", f.action.as_str()),
            ("object_type", f.object_type.as_str()),
            ("object_id", f.object_id.as_str()),
            ("result", f.result.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ];
        view::filter_query(&pairs, page)
    }
}

fn audit_row(r: &govit_core::audit::AuditRecord) -> AuditRow {
    let e = &r.event;
    let change = match (e.before.is_empty(), e.after.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!("变更后：{}", e.after),
        (false, true) => format!("变更前：{}", e.before),
        (false, false) => format!("变更前：{}\n变更后：{}", e.before, e.after),
    };
    AuditRow {
        seq: r.seq,
        when: fmt_ms(e.at_ms),
        actor: if e.actor_login.is_empty() { "（匿名）".into() } else { e.actor_login.clone() },
        ip: e.ip.clone(),
        action: e.action.clone(),
        object: format!("{} {}", e.object_type, e.object_id),
        result: e.result.clone(),
        result_label: match e.result.as_str() {
            "ok" => "成功",
            "refused" => "拒绝",
            _ => "失败",
        },
        detail: e.detail.clone(),
        change,
    }
}

pub async fn audit(
    State(state): State<AppState>, user: User, Query(q): Query<AuditQuery>,
) -> PageResult {
    auditor_only(&state, &user).await?;
    let page: i64 = q.page.parse().unwrap_or(1);
    let paged = state.store.search_audit(&q.filter(), Page::new(page, 50)).await?;
    let rows = paged.items.iter().map(audit_row).collect();
    let pager = Pager::new(paged.page, paged.pages(), paged.total, |n| {
        format!("/audit?{}", q.query_string(Some(n)))
    });
    html(AuditPage {
        layout: Layout::for_user(&state, &user, "审计日志", "audit").await?,
        export_query: q.query_string(None),
        f: q.f,
        from: q.from,
        to: q.to,
        rows,
        pager,
    })
}

/// The audit records matching the page's filters as .xlsx, newest first as on screen. The
/// export itself is recorded in the log.
pub async fn export_audit(
    State(state): State<AppState>, user: User, Query(q): Query<AuditQuery>,
) -> PageResult {
    auditor_only(&state, &user).await?;
    let f = q.filter();
    let records = crate::shell::excel::all_pages(crate::shell::excel::MAX_ROWS, |page| {
        state.store.search_audit(&f, page)
    })
    .await?;
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let a = audit_row(r);
            vec![
                a.seq.to_string(),
                a.when,
                a.actor,
                a.ip,
                a.action,
                a.object,
                a.result_label.to_string(),
                a.detail,
                a.change,
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
    let table = crate::shell::excel::Table {
        sheet: "审计日志",
        headers: &[
            "记录号",
            "时间",
            "操作人",
            "来源地址",
            "操作",
            "对象",
            "结果",
            "说明",
            "变更内容",
        ],
        widths: &[
            (1, 10.0),
            (2, 18.0),
            (3, 12.0),
            (4, 14.0),
            (5, 22.0),
            (6, 20.0),
            (8, 40.0),
            (9, 60.0),
        ],
        total: None,
        money: &[],
    };
    crate::shell::excel::xlsx_response(
        table,
        rows,
        crate::shell::excel::FileName::dated(&state, "审计日志", "audit-log"),
    )
    .await
}

pub fn pages() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/audit", get(audit)).route("/audit/export.xlsx", get(export_audit))
}
