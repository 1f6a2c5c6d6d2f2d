//! Reading an uploaded .xlsx into a grid of text cells, as Excel shows them, for the imports.

use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// The largest sheet an import reads.
pub const MAX_ROWS: usize = 50_000;

/// The first worksheet as text, laid out from A1 so row and column numbers match Excel's.
/// Dates become `2025-10-14`, whole numbers lose their `.0`, booleans become 是/否.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| "无法读取文件：请上传 Excel 工作簿（.xlsx）".to_string())?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| "工作簿中没有工作表".to_string())?
        .map_err(|e| format!("无法读取第一个工作表：{e}"))?;
    let (top, left) = range.start().map(|(r, c)| (r as usize, c as usize)).unwrap_or((0, 0));
    if range.height() + top > MAX_ROWS {
        return Err(format!("工作表超过 {MAX_ROWS} 行，请分成几个文件导入"));
    }
    let mut out = vec![Vec::new(); top];
    for row in range.rows() {
        let mut cells = vec![String::new(); left];
        cells.extend(row.iter().map(cell_text));
        out.push(cells);
    }
    Ok(out)
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => {
            s.split('T').next().unwrap_or_default().to_string()
        }
    }
}
