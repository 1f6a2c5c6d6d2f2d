//! Excel export of the project list with the current filters, laid out as yeji annex 1.

use crate::AppState;
use crate::auth::User;
use crate::error::PageError;
use crate::pages::ListQuery;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use govit_core::money::Yuan;
use govit_storage::Page;
use rust_xlsxwriter::{Format, Workbook};

/// The most rows one export holds.
const MAX_ROWS: i64 = 50_000;

pub async fn projects_xlsx(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let filter = q.filter();
    let mut projects = Vec::new();
    let mut page = 1;
    loop {
        let paged = state
            .store
            .list_projects(&user.principal, &filter, Page::new(page, 200))
            .await?;
        let done =
            paged.items.is_empty() || page >= paged.pages() || (projects.len() as i64) >= MAX_ROWS;
        projects.extend(paged.items);
        if done {
            break;
        }
        page += 1;
    }
    let bytes =
        tokio::task::spawn_blocking(move || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            ws.set_name("项目申报表")?;
            let bold = Format::new().set_bold();
            let headers = [
                "序号",
                "建设单位",
                "项目名称",
                "项目简要说明及建设依据",
                "建设年度",
                "项目投资（万元）",
                "财政资金（万元）",
                "银行贷款（万元）",
                "自筹（万元）",
                "其他（万元）",
                "负责人",
                "联系人",
                "联系电话",
                "电子邮箱",
                "备注",
                "状态",
            ];
            for (c, h) in headers.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &bold)?;
            }
            let wan = |y: Yuan| y.to_wan_string();
            let mut totals = [0i64; 5];
            for (i, p) in projects.iter().enumerate() {
                let r = (i + 1) as u32;
                let d = &p.declaration;
                let amounts = [
                    d.investment,
                    d.sources.fiscal,
                    d.sources.bank_loan,
                    d.sources.self_raised,
                    d.sources.other,
                ];
                ws.write_number(r, 0, r as f64)?;
                ws.write_string(r, 1, &p.owner_department)?;
                ws.write_string(r, 2, &d.name)?;
                ws.write_string(r, 3, &d.summary)?;
                ws.write_string(r, 4, d.period.to_string())?;
                for (k, a) in amounts.iter().enumerate() {
                    // Written as text: the exact decimal, never a float.
                    ws.write_string(r, 5 + k as u16, wan(*a))?;
                    totals[k] += a.0;
                }
                ws.write_string(r, 10, &d.leader)?;
                ws.write_string(r, 11, &d.contact)?;
                ws.write_string(r, 12, d.phone.as_str())?;
                ws.write_string(r, 13, d.email.as_str())?;
                ws.write_string(r, 14, &d.remarks)?;
                ws.write_string(r, 15, p.status.label())?;
            }
            let r = (projects.len() + 1) as u32;
            ws.write_string_with_format(r, 0, "合计", &bold)?;
            for (k, t) in totals.iter().enumerate() {
                ws.write_string_with_format(r, 5 + k as u16, wan(Yuan(*t)), &bold)?;
            }
            ws.set_column_width(2, 30)?;
            ws.set_column_width(3, 50)?;
            wb.save_to_buffer()
        })
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"projects.xlsx\"".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}
