//! The Excel writer every export uses: a table in the regulations' layouts, paged reads.

use crate::shell::error::PageError;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use govit_storage::Page;
use rust_xlsxwriter::{Format, Workbook};

/// The most rows one export holds.
pub const MAX_ROWS: usize = 50_000;

/// The most rows an export of the system catalog or the negative list holds: a whole
/// district's catalog, exported to be imported back.
pub const CATALOG_MAX_ROWS: usize = 100_000;

/// Every item of a paged list, page by page, stopping after the page that reaches `cap`
/// items (an export's bound).
pub async fn all_pages<T, Fut>(
    cap: usize, mut fetch: impl FnMut(Page) -> Fut,
) -> Result<Vec<T>, govit_storage::StoreError>
where
    Fut: std::future::Future<Output = Result<govit_storage::Paged<T>, govit_storage::StoreError>>,
{
    let mut all = Vec::new();
    let mut page = 1;
    loop {
        let paged = fetch(Page::new(page, 200)).await?;
        let last = page >= paged.pages() || paged.items.is_empty() || all.len() >= cap;
        all.extend(paged.items);
        if last {
            return Ok(all);
        }
        page += 1;
    }
}

/// A sheet of text cells: a bold header row, numbered rows, an optional bold total row.
pub struct Table<'a> {
    pub sheet: &'a str,
    pub headers: &'a [&'a str],
    /// (column after the 序号 column, width)
    pub widths: &'a [(u16, f64)],
    /// Cells from the 序号 column on.
    pub total: Option<Vec<String>>,
}

/// The table as .xlsx bytes (for the CLI and for downloads).
pub fn xlsx_bytes(table: &Table<'_>, rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let write = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(table.sheet)?;
        let bold = Format::new().set_bold();
        ws.write_string_with_format(0, 0, "序号", &bold)?;
        for (c, h) in table.headers.iter().enumerate() {
            ws.write_string_with_format(0, (c + 1) as u16, *h, &bold)?;
        }
        for (i, row) in rows.iter().enumerate() {
            let r = (i + 1) as u32;
            ws.write_number(r, 0, f64::from(r))?;
            for (c, cell) in row.iter().enumerate() {
                ws.write_string(r, (c + 1) as u16, cell)?;
            }
        }
        if let Some(total) = &table.total {
            let r = (rows.len() + 1) as u32;
            for (c, cell) in total.iter().enumerate() {
                ws.write_string_with_format(r, c as u16, cell, &bold)?;
            }
        }
        for (col, width) in table.widths {
            ws.set_column_width(col + 1, *width)?;
        }
        wb.save_to_buffer()
    };
    write().map_err(|e| e.to_string())
}

/// Renders a table to .xlsx off the async workers and serves it as a download.
pub async fn xlsx_response(
    table: Table<'_>, rows: Vec<Vec<String>>, filename: &str,
) -> Result<Response, PageError> {
    let sheet = table.sheet.to_string();
    let headers: Vec<String> = table.headers.iter().map(|h| h.to_string()).collect();
    let widths = table.widths.to_vec();
    let total = table.total;
    let bytes = tokio::task::spawn_blocking(move || {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let table = Table { sheet: &sheet, headers: &headers, widths: &widths, total };
        xlsx_bytes(&table, &rows)
    })
    .await
    .map_err(|e| PageError::Internal(e.to_string()))?
    .map_err(PageError::Internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response())
}
