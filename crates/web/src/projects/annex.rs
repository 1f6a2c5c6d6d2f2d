//! The declaration form as the profile's text lays it out (yeji:6's annex 1,
//! 《六安市叶集区政务信息化项目申报表》): its fifteen columns under a two-row header with
//! 资金筹措 merged over its four sources, the 合计 row above the projects, the 项目主管部门意见
//! cell for the stamp and the form's 说明 under it. Offered only where the profile names the
//! form (`[[provisions]] provision = "declaration_form"`); one project's from its page, a list's
//! (a unit's declarations of a year, as the form has several rows) from the project list.

use crate::AppState;
use crate::projects::list::ListQuery;
use crate::shell::auth::{ApiUser, User};
use crate::shell::error::{ApiError, PageError};
use crate::shell::excel::{FileName, MAX_ROWS, all_pages};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use govit_core::DomainError;
use govit_core::ids::JurisdictionId;
use govit_core::money::Yuan;
use govit_core::policy::{Provision, ProvisionRule};
use govit_storage::projects::Project;
use govit_storage::{Store, StoreError};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// The columns after 序号 that hold amounts (项目投资 and the four sources), 0-based from 序号.
const MONEY: std::ops::RangeInclusive<u16> = 5..=9;
/// The form's last column (备注), 0-based.
const LAST: u16 = 14;

/// The form of `projects` as .xlsx bytes.
pub fn annex_xlsx(rule: &ProvisionRule, projects: &[Project]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("申报表")?;
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let center = cell.clone().set_align(FormatAlign::Center);
    let head = center.clone().set_bold();
    let wan = cell.clone().set_num_format("#,##0.00##");
    let bold_wan = wan.clone().set_bold();
    let heading = Format::new().set_bold().set_font_size(18).set_align(FormatAlign::Center);
    let opinion = cell.clone().set_align(FormatAlign::Top);
    let note = Format::new().set_text_wrap();

    ws.merge_range(0, 0, 0, LAST, &crate::shell::excel::form_title(rule), &heading)?;
    ws.set_row_height(0, 36)?;
    // The header: every column over two rows but 资金筹措, whose four sources sit under it.
    let columns =
        ["序号", "建设单位", "项目名称", "项目简要说明及建设依据", "建设年度", "项目投资（万元）"];
    for (c, h) in columns.iter().enumerate() {
        ws.merge_range(1, c as u16, 2, c as u16, h, &head)?;
    }
    ws.merge_range(1, 6, 1, 9, "资金筹措", &head)?;
    for (c, h) in
        ["财政资金（万元）", "银行贷款（万元）", "自筹（万元）", "其他（万元）"].iter().enumerate()
    {
        ws.write_string_with_format(2, 6 + c as u16, *h, &head)?;
    }
    for (c, h) in ["负责人", "联系人", "联系电话", "电子邮箱", "备注"].iter().enumerate()
    {
        ws.merge_range(1, 10 + c as u16, 2, 10 + c as u16, h, &head)?;
    }
    // 合计 over the first four columns, above the projects as the form has it.
    let mut totals = [0i64; 5];
    for p in projects {
        for (k, a) in amounts(p).iter().enumerate() {
            totals[k] += a.0;
        }
    }
    ws.merge_range(3, 0, 3, 3, "合计", &head)?;
    ws.write_blank(3, 4, &cell)?;
    for (k, c) in MONEY.enumerate() {
        ws.write_number_with_format(3, c, wan_number(Yuan(totals[k])), &bold_wan)?;
    }
    for c in 10..=LAST {
        ws.write_blank(3, c, &cell)?;
    }
    for (i, p) in projects.iter().enumerate() {
        let r = 4 + i as u32;
        let d = &p.declaration;
        ws.write_number_with_format(r, 0, (i + 1) as f64, &center)?;
        let texts = [&p.owner_department, &d.name, &d.summary, &d.period.to_string()];
        for (c, t) in texts.iter().enumerate() {
            ws.write_string_with_format(r, 1 + c as u16, *t, &cell)?;
        }
        for (a, c) in amounts(p).iter().zip(MONEY) {
            ws.write_number_with_format(r, c, wan_number(*a), &wan)?;
        }
        let contact =
            [d.leader.as_str(), d.contact.as_str(), d.phone.as_str(), d.email.as_str(), &d.remarks];
        for (c, t) in contact.iter().enumerate() {
            ws.write_string_with_format(r, 10 + c as u16, *t, &cell)?;
        }
    }
    // The competent department's opinion and stamp, then the form's 说明.
    let r = 4 + projects.len() as u32;
    ws.merge_range(r, 0, r, LAST, "项目主管部门意见（盖章）：\n\n\n\n年     月      日", &opinion)?;
    ws.set_row_height(r, 110)?;
    for (i, line) in rule.notes.iter().enumerate() {
        let text = if i == 0 { format!("说明：{line}") } else { line.clone() };
        ws.merge_range(r + 1 + i as u32, 0, r + 1 + i as u32, LAST, &text, &note)?;
    }
    for (c, w) in [
        (0, 6.0),
        (1, 16.0),
        (2, 22.0),
        (3, 40.0),
        (4, 14.0),
        (5, 11.0),
        (6, 11.0),
        (7, 11.0),
        (8, 11.0),
        (9, 11.0),
        (10, 9.0),
        (11, 9.0),
        (12, 14.0),
        (13, 20.0),
        (14, 14.0),
    ] {
        ws.set_column_width(c, w)?;
    }
    ws.set_landscape().set_paper_size(9).set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(1, 2)?;
    wb.save_to_buffer()
}

/// 项目投资 and the four sources of a project.
pub(crate) fn amounts(p: &Project) -> [Yuan; 5] {
    let d = &p.declaration;
    [d.investment, d.sources.fiscal, d.sources.bank_loan, d.sources.self_raised, d.sources.other]
}

/// An amount in 万元 as the sheet's number (its exact decimal text read back: yuan are whole).
fn wan_number(a: Yuan) -> f64 {
    a.to_wan_string().parse().unwrap_or_default()
}

/// The profile's form, or 404 where it names none (no jurisdiction gets another's form).
async fn form_of(store: &Store, j: JurisdictionId) -> Result<ProvisionRule, DomainError> {
    store.basis(j, Provision::DeclarationForm).await.ok_or(DomainError::NotFound)
}

/// Renders off the async workers and serves the download.
async fn download(
    rule: ProvisionRule, projects: Vec<Project>, name: FileName,
) -> Result<Response, String> {
    crate::shell::excel::workbook_download(move || annex_xlsx(&rule, &projects), name).await
}

/// One project's form, from its page.
pub async fn project_annex(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let p: Project = state.store.read(user.who(&state), id).await?;
    let rule = form_of(&state.store, p.jurisdiction_id).await?;
    download(rule, vec![p], FileName::dated(&state, "项目申报表", "declaration"))
        .await
        .map_err(PageError::Internal)
}

/// The listed projects (the list's filters) on one form, from the project list.
pub async fn list_annex(
    State(state): State<AppState>, user: User, Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let rule = form_of(&state.store, user.principal.jurisdiction_id).await?;
    let filter = q.filter();
    let projects =
        all_pages(MAX_ROWS, |page| state.store.list_projects(&user.principal, &filter, page))
            .await?;
    download(rule, projects, FileName::dated(&state, "项目申报表", "declarations"))
        .await
        .map_err(PageError::Internal)
}

/// A project's declaration as its profile's form lays it out (yeji:6's annex 1), as .xlsx:
/// 404 where the profile names no form.
#[utoipa::path(get, path = "/api/v1/projects/{id}/declaration-form", tag = "projects",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses(
        (status = 200, description = "The form (.xlsx)",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = crate::shell::error::ApiErrorBody)))]
pub async fn api_project_annex(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let p: Project = state.store.read(user.who(&state), id).await?;
    let rule = form_of(&state.store, p.jurisdiction_id).await?;
    download(rule, vec![p], FileName::dated(&state, "项目申报表", "declaration"))
        .await
        .map_err(|e| ApiError::from(StoreError::Config(e)))
}
