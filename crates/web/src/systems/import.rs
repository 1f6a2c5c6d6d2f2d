//! Importing an inventory sheet.

use super::list::systems_table;
use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::page::PageResult;
use crate::shell::view::Layout;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use govit_core::DomainError;
use govit_core::inventory::SystemForm;
use govit_core::inventory::SystemSheet;
use govit_storage::StoreError;
use govit_storage::systems::ImportReport;

#[derive(Template)]
#[template(path = "systems/system_import.html")]
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
    .parse(govit_storage::china_today(state.now_ms()))
    .map_err(|e| PageError::Internal(format!("template example invalid: {e:?}")))?;
    let mut row = vec![String::new()];
    row.extend(example.sheet_cells());
    let (table, _) = systems_table(Vec::new());
    crate::shell::excel::xlsx_response(
        table,
        vec![row],
        crate::shell::excel::FileName::dated(&state, "信息系统导入模板", "systems-template"),
    )
    .await
}

/// Reads the upload, imports (or only checks) it, and shows what happened row by row.
pub async fn import(
    State(state): State<AppState>, user: User, form: axum::extract::Multipart,
) -> PageResult {
    let (file, check_only) = crate::shell::sheet::import_form(form).await;
    let outcome = match file {
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
    state: &AppState, principal: &govit_core::org::Principal, actor: &govit_storage::Actor,
    bytes: &[u8], write: bool,
) -> Result<ImportReport, ImportError> {
    let cells = crate::shell::sheet::read_xlsx(bytes).map_err(ImportError::Sheet)?;
    let sheet = SystemSheet::read(&cells).map_err(ImportError::Sheet)?;
    let report = state
        .store
        .import_systems(principal, actor, state.now_ms(), &sheet, write)
        .await
        .map_err(ImportError::Store)?;
    state.reindex_systems(&report.changed_ids).await;
    Ok(report)
}
