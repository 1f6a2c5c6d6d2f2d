//! A plan as .xlsx: its projects under a title row, with the 合计 row first (as annex 1
//! sets totals above the projects) and amounts as 万元 numbers; a second sheet with the
//! totals by department and by fund source.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use govit_core::money::Yuan;
use govit_core::plan::{PlanLine, PlanStatus, PlanTotals, Sums};
use govit_storage::plans::Plan;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// 万元 as a number for a cell (exact to the yuan).
fn wan(y: Yuan) -> f64 {
    y.0 as f64 / 10_000.0
}

const HEADERS: [&str; 11] = [
    "序号",
    "建设单位",
    "项目名称",
    "建设年度",
    "项目总投资（万元）",
    "财政资金",
    "银行贷款",
    "自筹资金",
    "其他资金",
    "本年度安排（万元）",
    "项目编号",
];

/// The plan as .xlsx bytes: `lines` with their `totals`, then a row for each line it was
/// published without (`left_out`: name and why).
pub fn plan_bytes(
    plan: &Plan, lines: &[PlanLine], totals: &PlanTotals, left_out: &[(String, String)],
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let head = cell.clone().set_align(FormatAlign::Center).set_bold();
    let money = cell.clone().set_num_format("#,##0.00##");
    let bold_money = money.clone().set_bold();
    let bold = cell.clone().set_bold();
    let heading = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let last = (HEADERS.len() - 1) as u16;
    let sums_row = |ws: &mut rust_xlsxwriter::Worksheet,
                    r: u32,
                    first: u16,
                    s: &Sums,
                    f: &Format|
     -> Result<(), XlsxError> {
        ws.write_number_with_format(r, first, wan(s.investment), f)?;
        ws.write_number_with_format(r, first + 1, wan(s.sources.fiscal), f)?;
        ws.write_number_with_format(r, first + 2, wan(s.sources.bank_loan), f)?;
        ws.write_number_with_format(r, first + 3, wan(s.sources.self_raised), f)?;
        ws.write_number_with_format(r, first + 4, wan(s.sources.other), f)?;
        ws.write_number_with_format(r, first + 5, wan(s.year_amount), f)?;
        Ok(())
    };

    let ws = wb.add_worksheet();
    ws.set_name("计划")?;
    ws.merge_range(0, 0, 0, last, &plan.title, &heading)?;
    ws.set_row_height(0, 30)?;
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &head)?;
    }
    ws.merge_range(2, 0, 2, 3, &format!("合计（{} 个项目）", totals.all.projects), &bold)?;
    sums_row(ws, 2, 4, &totals.all, &bold_money)?;
    ws.write_string_with_format(2, last, "", &bold)?;
    for (i, l) in lines.iter().enumerate() {
        let r = (i + 3) as u32;
        ws.write_number_with_format(r, 0, (i + 1) as f64, &cell)?;
        ws.write_string_with_format(r, 1, &l.department, &cell)?;
        ws.write_string_with_format(r, 2, &l.name, &cell)?;
        ws.write_string_with_format(r, 3, l.period.to_string(), &cell)?;
        let s = Sums {
            projects: 1,
            investment: l.investment,
            year_amount: l.year_amount,
            sources: l.sources,
        };
        sums_row(ws, r, 4, &s, &money)?;
        ws.write_number_with_format(r, last, l.project_id.0 as f64, &cell)?;
    }
    for (i, (name, why)) in left_out.iter().enumerate() {
        let r = (lines.len() + 3 + i) as u32;
        let text = format!("未列入：{name}（发布时已不再符合列入条件：{why}）");
        ws.merge_range(r, 0, r, last, &text, &cell)?;
    }
    for (c, w) in [(0u16, 6.0), (1, 18.0), (2, 30.0), (3, 22.0), (4, 14.0), (9, 14.0)] {
        ws.set_column_width(c, w)?;
    }
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_repeat_rows(1, 1)?;

    let ws = wb.add_worksheet();
    ws.set_name("汇总")?;
    let heads = [
        "类别",
        "项目数",
        "项目总投资（万元）",
        "财政资金",
        "银行贷款",
        "自筹资金",
        "其他资金",
        "本年度安排（万元）",
    ];
    ws.merge_range(
        0,
        0,
        0,
        (heads.len() - 1) as u16,
        &format!("{}（按建设单位汇总）", plan.title),
        &heading,
    )?;
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &head)?;
    }
    let all = ("合计".to_string(), totals.all);
    for (r, (d, s)) in (2u32..).zip(totals.by_department.iter().chain(std::iter::once(&all))) {
        let f = if std::ptr::eq(d, &all.0) { &bold_money } else { &money };
        ws.write_string_with_format(r, 0, d, &cell)?;
        ws.write_number_with_format(r, 1, s.projects as f64, &cell)?;
        sums_row(ws, r, 2, s, f)?;
    }
    ws.set_column_width(0, 24)?;
    ws.set_column_width(2, 16)?;
    ws.set_column_width(7, 16)?;
    wb.save_to_buffer()
}

/// `/plans/{id}/plan.xlsx`: the plan for whoever may read it.
pub async fn plan_xlsx(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let v = state.store.plan_view(user.who(&state), id).await?;
    let name = format!("{}-第{}号", v.plan.title, v.plan.seq);
    // A published plan's sheet holds what it carries; the lines it left out follow, marked.
    let left_out: Vec<(String, String)> = match v.plan.status {
        PlanStatus::Published => {
            v.unfit.iter().map(|u| (u.name.clone(), u.reason.clone())).collect()
        }
        _ => Vec::new(),
    };
    let lines: Vec<PlanLine> = v.carried().into_iter().cloned().collect();
    let (plan, totals) = (v.plan, v.totals);
    let bytes = tokio::task::spawn_blocking(move || plan_bytes(&plan, &lines, &totals, &left_out))
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let disposition = crate::shell::excel::FileName::disposition_of(&name, &format!("plan-{id}"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
