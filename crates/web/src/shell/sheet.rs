//! Reading an uploaded .xlsx into a grid of text cells, as Excel shows them, for the imports.

use calamine::{Data, DataRef, Reader, Xlsx};
use std::io::{Cursor, Read};

/// The largest sheet an import reads.
pub const MAX_ROWS: usize = 50_000;
/// The widest: the inventory has a few dozen columns.
pub const MAX_COLUMNS: usize = 200;
/// An .xlsx has a handful of parts; a file with thousands is not a workbook.
const MAX_PARTS: usize = 1_000;
/// What one part may unpack to (a 50,000-row sheet is well under this).
const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;
/// The most distinct strings a sheet within the bounds above can use.
const MAX_SHARED_STRINGS: u64 = (MAX_ROWS * MAX_COLUMNS) as u64;

/// The first worksheet as text, laid out from A1 so row and column numbers match Excel's.
/// Dates become `2025-10-14`, whole numbers lose their `.0`, booleans become 是/否.
///
/// An upload is hostile until read within bounds: the parts' unpacked sizes and the shared
/// strings a file declares are checked before the reader sees them, and cells are read one by
/// one — never as a dense range built from a declared dimension — so a cell far out at
/// `XFD1048576` is refused, not allocated for.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    preflight(bytes)?;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| "无法读取文件：请上传 Excel 工作簿（.xlsx）".to_string())?;
    let first =
        book.sheet_names().first().cloned().ok_or_else(|| "工作簿中没有工作表".to_string())?;
    let mut cells =
        book.worksheet_cells_reader(&first).map_err(|e| format!("无法读取第一个工作表：{e}"))?;
    let mut out: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(|e| format!("无法读取第一个工作表：{e}"))?
    {
        let (row, col) = cell.get_position();
        let (row, col) = (row as usize, col as usize);
        if row >= MAX_ROWS {
            return Err(format!("工作表超过 {MAX_ROWS} 行，请分成几个文件导入"));
        }
        if col >= MAX_COLUMNS {
            return Err(format!("工作表超过 {MAX_COLUMNS} 列，请只保留目录的各列"));
        }
        let text = cell_ref_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        if out.len() <= row {
            out.resize(row + 1, Vec::new());
        }
        let line = &mut out[row];
        if line.len() <= col {
            line.resize(col + 1, String::new());
        }
        line[col] = text;
    }
    Ok(out)
}

/// Checks an .xlsx's parts before a reader allocates for them: how many there are, what each
/// really unpacks to (declared sizes can lie, so each is read through once), and how many
/// shared strings the workbook declares (a reader reserves room for them).
fn preflight(bytes: &[u8]) -> Result<(), String> {
    let unreadable = || "无法读取文件：请上传 Excel 工作簿（.xlsx）".to_string();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    if zip.len() > MAX_PARTS {
        return Err(format!("文件包含 {} 个部件，不是正常的 Excel 工作簿", zip.len()));
    }
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| unreadable())?;
        let name = part.name().map_err(|_| unreadable())?.to_string();
        let too_large = || format!("文件中的 {name} 解压后超过 256 MB，请分成几个文件导入");
        if part.size() > MAX_PART_BYTES {
            return Err(too_large());
        }
        let mut unpacked: u64 = 0;
        let mut head = Vec::new();
        loop {
            let n = part.read(&mut buf).map_err(|_| unreadable())?;
            if n == 0 {
                break;
            }
            unpacked += n as u64;
            if unpacked > MAX_PART_BYTES {
                return Err(too_large());
            }
            if head.len() < 64 * 1024 {
                head.extend_from_slice(&buf[..n.min(64 * 1024 - head.len())]);
            }
        }
        if name.ends_with("sharedStrings.xml") {
            check_shared_strings(&head)?;
        }
    }
    Ok(())
}

/// The shared-string table's declared counts, within what a sheet in bounds can use.
fn check_shared_strings(head: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(head);
    let Some(start) = text.find("<sst") else {
        return Err("文件的共享字符串表格式异常".into());
    };
    let tag = &text[start..text[start..].find('>').map_or(text.len(), |e| start + e)];
    for attr in ["uniqueCount=\"", "count=\""] {
        if let Some(at) = tag.find(attr) {
            let digits: String =
                tag[at + attr.len()..].chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.len() > 12 || digits.parse::<u64>().unwrap_or(0) > MAX_SHARED_STRINGS {
                return Err("文件声明的字符串数量超出导入上限，不是正常的目录工作簿".into());
            }
        }
    }
    Ok(())
}

fn cell_ref_text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::SharedString(s) => s.to_string(),
        DataRef::String(s) => s.clone(),
        DataRef::Int(i) => cell_text(&Data::Int(*i)),
        DataRef::Float(f) => cell_text(&Data::Float(*f)),
        DataRef::Bool(b) => cell_text(&Data::Bool(*b)),
        DataRef::DateTime(dt) => cell_text(&Data::DateTime(*dt)),
        DataRef::DateTimeIso(s) => cell_text(&Data::DateTimeIso(s.clone())),
        DataRef::DurationIso(s) => cell_text(&Data::DurationIso(s.clone())),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
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

/// What an import form posts: the file (none when missing or empty) and whether only to
/// check it. The body was already bounded by the upload limit.
pub async fn import_form(mut form: axum::extract::Multipart) -> (Option<axum::body::Bytes>, bool) {
    let mut file = None;
    let mut check_only = false;
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("file") => file = field.bytes().await.ok(),
            Some("check_only") => check_only = true,
            _ => {}
        }
    }
    (file.filter(|f| !f.is_empty()), check_only)
}
