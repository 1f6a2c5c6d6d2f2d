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
    /// Columns (counted after the 序号 column) holding amounts in 万元 as exact decimal
    /// text: written as numbers in a 万元 format, so that Excel can sum them.
    pub money: &'a [u16],
}

impl<'a> Table<'a> {
    /// A sheet of text cells: no 合计 row, no amount columns.
    pub fn new(sheet: &'a str, headers: &'a [&'a str], widths: &'a [(u16, f64)]) -> Table<'a> {
        Table { sheet, headers, widths, total: None, money: &[] }
    }
}

/// How 万元 amounts read in a sheet: thousands grouped, two to four decimals (to the yuan).
const WAN_FORMAT: &str = "#,##0.00##";

/// What a download is called: a Chinese name with the day's date, and an ASCII fallback for
/// clients that do not read RFC 5987's `filename*` (项目库-2026-12-02.xlsx).
pub struct FileName {
    pub name: &'static str,
    pub fallback: &'static str,
    pub date: chrono::NaiveDate,
}

impl FileName {
    /// `name` dated today in China.
    pub fn dated(state: &crate::AppState, name: &'static str, fallback: &'static str) -> Self {
        FileName { name, fallback, date: govit_storage::china_today(state.now_ms()) }
    }

    /// The `Content-Disposition` value.
    pub fn disposition(&self) -> String {
        let date = self.date.format("%Y-%m-%d");
        FileName::disposition_of(
            &format!("{}-{date}", self.name),
            &format!("{}-{date}", self.fallback),
        )
    }

    /// The `Content-Disposition` of `name`.xlsx, `fallback`.xlsx for clients that do not read
    /// RFC 5987's `filename*` (`fallback` is ASCII).
    pub fn disposition_of(name: &str, fallback: &str) -> String {
        // RFC 5987 attr-char: everything else is percent-encoded.
        const ATTR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'!')
            .remove(b'#')
            .remove(b'$')
            .remove(b'&')
            .remove(b'+')
            .remove(b'-')
            .remove(b'.')
            .remove(b'^')
            .remove(b'_')
            .remove(b'`')
            .remove(b'|')
            .remove(b'~');
        let full = format!("{name}.xlsx");
        format!(
            "attachment; filename=\"{fallback}.xlsx\"; filename*=UTF-8''{}",
            percent_encoding::utf8_percent_encode(&full, ATTR)
        )
    }
}

/// The table as .xlsx bytes (for the CLI and for downloads).
pub fn xlsx_bytes(table: &Table<'_>, rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let write = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(table.sheet)?;
        let bold = Format::new().set_bold();
        let wan = Format::new().set_num_format(WAN_FORMAT);
        let bold_wan = Format::new().set_bold().set_num_format(WAN_FORMAT);
        let is_money = |c: usize| table.money.contains(&(c as u16));
        ws.write_string_with_format(0, 0, "序号", &bold)?;
        for (c, h) in table.headers.iter().enumerate() {
            ws.write_string_with_format(0, (c + 1) as u16, *h, &bold)?;
        }
        for (i, row) in rows.iter().enumerate() {
            let r = (i + 1) as u32;
            ws.write_number(r, 0, f64::from(r))?;
            for (c, cell) in row.iter().enumerate() {
                match cell.parse::<f64>() {
                    Ok(n) if is_money(c) => {
                        ws.write_number_with_format(r, (c + 1) as u16, n, &wan)?
                    }
                    _ => ws.write_string(r, (c + 1) as u16, cell)?,
                };
            }
        }
        if let Some(total) = &table.total {
            let r = (rows.len() + 1) as u32;
            // The total row starts at the 序号 column.
            for (c, cell) in total.iter().enumerate() {
                match cell.parse::<f64>() {
                    Ok(n) if c > 0 && is_money(c - 1) => {
                        ws.write_number_with_format(r, c as u16, n, &bold_wan)?
                    }
                    _ => ws.write_string_with_format(r, c as u16, cell, &bold)?,
                };
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
    table: Table<'_>, rows: Vec<Vec<String>>, filename: FileName,
) -> Result<Response, PageError> {
    let sheet = table.sheet.to_string();
    let headers: Vec<String> = table.headers.iter().map(|h| h.to_string()).collect();
    let widths = table.widths.to_vec();
    let money = table.money.to_vec();
    let total = table.total;
    let bytes = tokio::task::spawn_blocking(move || {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let table =
            Table { sheet: &sheet, headers: &headers, widths: &widths, total, money: &money };
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
            (header::CONTENT_DISPOSITION, filename.disposition()),
        ],
        bytes,
    )
        .into_response())
}

/// A form's name as its profile's text gives it (within 《》), else the whole sentence: the
/// heading of a form laid out as the text's annex (申报表, 进度情况表).
pub fn form_title(rule: &govit_core::policy::ProvisionRule) -> String {
    match (rule.text.find('《'), rule.text.find('》')) {
        (Some(a), Some(b)) if a < b => rule.text[a + '《'.len_utf8()..b].to_string(),
        _ => rule.text.clone(),
    }
}

/// Builds a workbook off the async workers and serves it as a download named `name`.
pub async fn workbook_download<F>(build: F, name: FileName) -> Result<Response, String>
where
    F: FnOnce() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> + Send + 'static,
{
    let bytes = tokio::task::spawn_blocking(build)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, name.disposition()),
        ],
        bytes,
    )
        .into_response())
}
