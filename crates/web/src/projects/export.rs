//! Excel export of the project list with the current filters, laid out as yeji annex 1.

use crate::AppState;
use crate::projects::list::ListQuery;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::excel::{MAX_ROWS, Table, all_pages, xlsx_response};
use axum::extract::{Query, State};
use axum::response::Response;
use govit_core::money::Yuan;

pub async fn projects_xlsx(
    State(state): State<AppState>, user: User, Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let filter = q.filter();
    let projects =
        all_pages(MAX_ROWS, |page| state.store.list_projects(&user.principal, &filter, page))
            .await?;
    let headers = [
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
    let mut totals = [0i64; 5];
    let rows: Vec<Vec<String>> = projects
        .iter()
        .map(|p| {
            let d = &p.declaration;
            let amounts = super::annex::amounts(p);
            for (k, a) in amounts.iter().enumerate() {
                totals[k] += a.0;
            }
            let mut row = vec![
                p.owner_department.clone(),
                d.name.clone(),
                d.summary.clone(),
                d.period.to_string(),
            ];
            // Amounts as their exact decimal text, never a float.
            row.extend(amounts.iter().map(|a| a.to_wan_string()));
            row.extend([
                d.leader.clone(),
                d.contact.clone(),
                d.phone.as_str().to_string(),
                d.email.as_str().to_string(),
                d.remarks.clone(),
                p.status.label().to_string(),
            ]);
            row
        })
        .collect();
    let mut total_row =
        vec!["合计".to_string(), String::new(), String::new(), String::new(), String::new()];
    total_row.extend(totals.iter().map(|t| Yuan(*t).to_wan_string()));
    let table = Table {
        sheet: "项目申报表",
        headers: &headers,
        widths: &[(1, 30.0), (2, 50.0)],
        total: Some(total_row),
        money: &[4, 5, 6, 7, 8],
    };
    xlsx_response(table, rows, crate::shell::excel::FileName::dated(&state, "项目库", "projects"))
        .await
}
