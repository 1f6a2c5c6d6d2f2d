//! A progress report as its profile's text lays the form out (yeji:15's annex 2,
//! 《六安市叶集区政务信息化项目进度情况表》): four columns of label and value — the unit (for its
//! stamp), its head, the filing day, fax, contact, telephone, mobile and e-mail — then the
//! project's name, main content, owner unit, progress with the expected completion day, total
//! and invested amounts, and the form's 说明 under it. Offered only where the profile names the
//! form (`[[provisions]] provision = "progress_form"`); one report per sheet, a quarter's
//! reports of the reader's projects as one workbook.

use crate::AppState;
use crate::shell::auth::{ApiUser, User};
use crate::shell::error::{ApiError, PageError};
use crate::shell::excel::FileName;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use govit_core::DomainError;
use govit_core::policy::{Provision, ProvisionRule};
use govit_core::progress::Quarter;
use govit_storage::progress::Report;
use govit_storage::{Store, StoreError, Who};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// The most reports one workbook holds (a sheet each).
pub const MAX_SHEETS: usize = 500;

/// One report on `ws`, laid out as the form.
fn sheet(ws: &mut Worksheet, rule: &ProvisionRule, r: &Report) -> Result<(), XlsxError> {
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let label = cell.clone().set_align(FormatAlign::Center).set_bold();
    let heading = Format::new().set_bold().set_font_size(18).set_align(FormatAlign::Center);
    let sub = Format::new().set_align(FormatAlign::Center);
    let note = Format::new().set_text_wrap();
    let t = &r.terms;
    ws.merge_range(0, 0, 0, 3, &crate::shell::excel::form_title(rule), &heading)?;
    ws.set_row_height(0, 36)?;
    ws.merge_range(1, 0, 1, 3, &format!("报告期：{}", t.period.label()), &sub)?;
    let filed = govit_storage::china_today(r.created_at_ms);
    let filed = filed.format("%Y 年 %m 月 %d 日").to_string();
    // The four pairs of the form's head, two to a row.
    let pairs: [(&str, &str, &str, &str); 4] = [
        ("项目建设\n单位名称\n（盖章）", &r.owner_name, "负责人", &t.head),
        ("填报\n日期", &filed, "传  真", ""),
        ("联系人", &t.contact, "电  话", &t.phone),
        ("手  机", &t.mobile, "E-MAIL", &t.email),
    ];
    for (i, (a, av, b, bv)) in pairs.iter().enumerate() {
        let row = 2 + i as u32;
        ws.write_string_with_format(row, 0, *a, &label)?;
        ws.write_string_with_format(row, 1, *av, &cell)?;
        ws.write_string_with_format(row, 2, *b, &label)?;
        ws.write_string_with_format(row, 3, *bv, &cell)?;
        ws.set_row_height(row, if i == 0 { 48 } else { 30 })?;
    }
    let progress =
        format!("{}\n预计完成时间：{}", t.progress, t.expected_on.format("%Y 年 %m 月 %d 日"));
    let rows: [(&str, String, u16); 6] = [
        ("项目名称", r.project_name.clone(), 30),
        ("主要内容", t.content.clone(), 90),
        ("建设单位", r.owner_name.clone(), 30),
        ("建设进度", progress, 90),
        ("总投资\n（万元）", r.approved.to_wan_string(), 30),
        ("已投资\n（万元）", t.invested.to_wan_string(), 30),
    ];
    for (i, (l, v, h)) in rows.iter().enumerate() {
        let row = 6 + i as u32;
        ws.write_string_with_format(row, 0, *l, &label)?;
        ws.merge_range(row, 1, row, 3, v, &cell)?;
        ws.set_row_height(row, *h)?;
    }
    for (i, line) in rule.notes.iter().enumerate() {
        let text = if i == 0 { format!("说明：{line}") } else { line.clone() };
        ws.merge_range(12 + i as u32, 0, 12 + i as u32, 3, &text, &note)?;
    }
    for (c, w) in [(0, 14.0), (1, 30.0), (2, 12.0), (3, 30.0)] {
        ws.set_column_width(c, w)?;
    }
    ws.set_paper_size(9).set_print_fit_to_pages(1, 1);
    Ok(())
}

/// `reports` on the form, a sheet each (named by project and quarter), as .xlsx bytes.
pub fn progress_xlsx(rule: &ProvisionRule, reports: &[Report]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let mut names = std::collections::HashSet::new();
    for (i, r) in reports.iter().enumerate() {
        let ws = wb.add_worksheet();
        // A sheet's name: at most 31 characters, none of []:*?/\, each once.
        let plain: String = r
            .project_name
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\''))
            .take(20)
            .collect();
        let mut name = format!("{}{}", plain, r.terms.period.code());
        // Names are one whatever their letters' case (as the workbook compares them).
        if !names.insert(name.to_lowercase()) || plain.is_empty() {
            name = format!("{}-{}", r.terms.period.code(), i + 1);
            names.insert(name.to_lowercase());
        }
        ws.set_name(&name)?;
        sheet(ws, rule, r)?;
    }
    if reports.is_empty() {
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "没有符合条件的进度报告")?;
    }
    wb.save_to_buffer()
}

/// The profile's form, or 404 where it names none (no jurisdiction gets another's form).
pub(crate) fn form_of(store: &Store, profile: &str) -> Result<ProvisionRule, DomainError> {
    store
        .rules()
        .profile(profile)
        .and_then(|p| p.basis(Provision::ProgressForm))
        .ok_or(DomainError::NotFound)
}

/// Renders off the async workers and serves the download.
async fn download(
    rule: ProvisionRule, reports: Vec<Report>, name: FileName,
) -> Result<Response, String> {
    crate::shell::excel::workbook_download(move || progress_xlsx(&rule, &reports), name).await
}

/// One report on the form, from its page.
pub async fn report_form(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(one(&state, user.who(&state), id).await?)
}

/// Report `id` on its profile's form, for whoever may read it: 404 where it is not theirs or
/// its profile names no form; a failure of the store or of the workbook is one of the server.
async fn one(state: &AppState, who: Who<'_>, id: i64) -> Result<Response, StoreError> {
    let r: Report = state.store.read(who, id).await?;
    let rule = form_of(&state.store, &r.profile_id)?;
    download(rule, vec![r], FileName::dated(state, "项目进度情况表", "progress-form"))
        .await
        .map_err(StoreError::Config)
}

#[derive(serde::Deserialize, Default)]
pub struct QuarterQuery {
    #[serde(default)]
    period: String,
}

/// A quarter's reports of the projects the reader sees on the form, a sheet each (the first
/// [`MAX_SHEETS`]), from the reports' list: the quarter typed (`2026Q3`), or the last one.
pub async fn quarter_forms(
    State(state): State<AppState>, user: User, Query(q): Query<QuarterQuery>,
) -> Result<Response, PageError> {
    let typed = q.period.trim();
    let today = govit_storage::china_today(state.now_ms());
    let period = if typed.is_empty() {
        Quarter::of(today).previous()
    } else {
        Quarter::parse(typed)
            .ok_or_else(|| DomainError::invalid("period", "报告期应为季度，例如 2026Q3"))?
    };
    let profile = state.store.jurisdiction(user.principal.jurisdiction_id).await?.profile_id;
    let rule = form_of(&state.store, &profile)?;
    let reports =
        state.store.reports_of_quarter(user.who(&state), period, MAX_SHEETS as i64).await?;
    let name = FileName::dated(&state, "项目进度情况表", "progress-forms");
    download(rule, reports, name).await.map_err(PageError::Internal)
}

/// A progress report on its profile's form (yeji:15's annex 2), as .xlsx: 404 where the
/// profile names no form.
#[utoipa::path(get, path = "/api/v1/progress/{id}/form", tag = "progress",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses(
        (status = 200, description = "The form (.xlsx)",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = crate::shell::error::ApiErrorBody)))]
pub async fn api_report_form(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(one(&state, user.who(&state), id).await?)
}
