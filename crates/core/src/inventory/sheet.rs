//! Importing and exporting the catalog as a spreadsheet: header recognition, column letters and
//! the rows read under the header.

use super::form::{InfoSystem, SystemForm, system_field_label};
use serde::Serialize;

/// The catalog's spreadsheet columns in export order: (field, header). `department` is the
/// owner unit; `skip` columns (the export's 序号 and zombie notes) are ignored on import.
pub const SHEET_COLUMNS: &[(&str, &str)] = &[
    ("department", "所属单位"),
    ("name", "系统名称"),
    ("function_summary", "主要功能"),
    ("users_scope", "使用对象和范围"),
    ("use_frequency", "使用频度"),
    ("approval_document", "审批文件"),
    ("approval_date", "审批日期"),
    ("funding_source", "资金来源"),
    ("year_built", "建成年份"),
    ("deployment", "部署方式"),
    ("network", "网络"),
    ("gov_service_connected", "接入政务服务平台"),
    ("data_sharing_connected", "接入数据共享平台"),
    ("mlps_level", "等保级别"),
    ("status", "运行状态"),
    ("disposition", "处置方式"),
    ("disposition_reason", "处置理由"),
    ("last_used_on", "最近使用日期"),
    ("om_stopped", "停止运维"),
    ("idle_resources", "资源闲置"),
    ("skip", "复核提示"),
];

/// Other headers people give the same columns.
const SHEET_ALIASES: &[(&str, &str)] = &[
    ("skip", "序号"),
    ("department", "所属部门"),
    ("department", "单位名称"),
    ("department", "建设单位"),
    ("name", "信息系统名称"),
    ("function_summary", "功能简介"),
    ("function_summary", "系统功能"),
    ("deployment", "部署位置"),
    ("network", "网络环境"),
    ("mlps_level", "等级保护级别"),
    ("disposition", "四个一批处置"),
];

/// A header as people write it: without spaces, a required-mark or a note in brackets.
fn normalize_header(h: &str) -> String {
    let h: String = h.chars().filter(|c| !c.is_whitespace() && *c != '*').collect();
    let h = match h.find(['（', '(']) {
        Some(i) => h[..i].to_string(),
        None => h,
    };
    h.trim_start_matches("是否").to_string()
}

fn header_field(h: &str) -> Option<&'static str> {
    let h = normalize_header(h);
    if h.is_empty() {
        return None;
    }
    SHEET_COLUMNS
        .iter()
        .chain(SHEET_ALIASES)
        .find(|(_, header)| normalize_header(header) == h)
        .map(|(f, _)| *f)
        .or_else(|| {
            SHEET_COLUMNS.iter().map(|(f, _)| *f).find(|f| {
                !system_field_label(f).is_empty() && normalize_header(system_field_label(f)) == h
            })
        })
}

/// Excel's letter for a 0-based column.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// One data row of an imported sheet, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// The row number Excel shows.
    pub row: usize,
    pub department: String,
    pub form: SystemForm,
}

/// A refused row's mistake, named as the user sees it in Excel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub row: usize,
    /// Column letter and header, e.g. 「C（主要功能）」; empty when the problem is the whole row.
    pub column: String,
    pub field: String,
    pub message: String,
}

/// An inventory sheet read into rows: where each field's column is, and the rows under the header.
#[derive(Debug, Clone)]
pub struct SystemSheet {
    columns: Vec<(&'static str, usize, String)>,
    pub rows: Vec<SheetRow>,
    /// Headers that match no field and were skipped.
    pub ignored_headers: Vec<String>,
}

impl SystemSheet {
    /// Finds the header row (a title row or two above it is fine) and reads every non-empty
    /// row below it. Fails, in Chinese, when there is no header or a required column is missing.
    pub fn read(cells: &[Vec<String>]) -> Result<SystemSheet, String> {
        let Some(header_at) =
            cells.iter().take(20).position(|r| r.iter().any(|c| header_field(c) == Some("name")))
        else {
            return Err("未找到表头：前 20 行中没有“系统名称”列。请使用导出的目录表格式。".into());
        };
        let mut columns = Vec::new();
        let mut ignored_headers = Vec::new();
        for (i, h) in cells[header_at].iter().enumerate() {
            match header_field(h) {
                Some("skip") => {}
                Some(f) if !columns.iter().any(|(g, _, _)| *g == f) => {
                    columns.push((f, i, h.trim().to_string()))
                }
                Some(_) => ignored_headers.push(format!("{}（重复的列）", h.trim())),
                None if h.trim().is_empty() => {}
                None => ignored_headers.push(h.trim().to_string()),
            }
        }
        let missing: Vec<&str> =
            ["name", "function_summary", "use_frequency", "deployment", "network"]
                .into_iter()
                .filter(|f| !columns.iter().any(|(g, _, _)| g == f))
                .map(system_field_label)
                .collect();
        if !missing.is_empty() {
            return Err(format!("缺少必填列：{}", missing.join("、")));
        }
        let mut rows = Vec::new();
        for (n, r) in cells.iter().enumerate().skip(header_at + 1) {
            if r.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut form = SystemForm::default();
            let mut department = String::new();
            for (field, i, _) in &columns {
                let v = r.get(*i).map(|c| c.trim().to_string()).unwrap_or_default();
                match *field {
                    "department" => department = v,
                    f => {
                        if let Some(slot) = form.field_mut(f) {
                            *slot = v;
                        }
                    }
                }
            }
            rows.push(SheetRow { row: n + 1, department, form });
        }
        Ok(SystemSheet { columns, rows, ignored_headers })
    }

    /// 「C（主要功能）」 for a field, or empty when the sheet has no such column.
    pub fn column_of(&self, field: &str) -> String {
        self.columns
            .iter()
            .find(|(f, _, _)| *f == field)
            .map(|(_, i, h)| format!("{}（{h}）", column_letter(*i)))
            .unwrap_or_default()
    }

    pub fn problem(&self, row: usize, field: &str, message: impl Into<String>) -> RowProblem {
        RowProblem {
            row,
            column: self.column_of(field),
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl SystemForm {
    fn field_mut(&mut self, field: &str) -> Option<&mut String> {
        Some(match field {
            "name" => &mut self.name,
            "function_summary" => &mut self.function_summary,
            "users_scope" => &mut self.users_scope,
            "use_frequency" => &mut self.use_frequency,
            "approval_document" => &mut self.approval_document,
            "approval_date" => &mut self.approval_date,
            "funding_source" => &mut self.funding_source,
            "year_built" => &mut self.year_built,
            "deployment" => &mut self.deployment,
            "network" => &mut self.network,
            "gov_service_connected" => &mut self.gov_service_connected,
            "data_sharing_connected" => &mut self.data_sharing_connected,
            "mlps_level" => &mut self.mlps_level,
            "status" => &mut self.status,
            "disposition" => &mut self.disposition,
            "disposition_reason" => &mut self.disposition_reason,
            "last_used_on" => &mut self.last_used_on,
            "om_stopped" => &mut self.om_stopped,
            "idle_resources" => &mut self.idle_resources,
            _ => return None,
        })
    }
}

/// A spreadsheet cell as the export writes it: labels, 是/否, 三级.
impl InfoSystem {
    pub fn sheet_cells(&self) -> Vec<String> {
        let yes = |b: bool| if b { "是" } else { "否" }.to_string();
        vec![
            self.name.clone(),
            self.function_summary.clone(),
            self.users_scope.clone(),
            self.use_frequency.label().into(),
            self.approval_document.clone(),
            self.approval_date.map(|d| d.to_string()).unwrap_or_default(),
            self.funding_source.clone(),
            self.year_built.map(|y| y.to_string()).unwrap_or_default(),
            self.deployment.label().into(),
            self.network.label().into(),
            yes(self.gov_service_connected),
            yes(self.data_sharing_connected),
            self.mlps_level.map(|l| format!("{l}级")).unwrap_or_else(|| "未定级".into()),
            self.status.label().into(),
            self.disposition.label().into(),
            self.disposition_reason.clone(),
            self.last_used_on.map(|d| d.to_string()).unwrap_or_default(),
            yes(self.om_stopped),
            yes(self.idle_resources),
        ]
    }
}
