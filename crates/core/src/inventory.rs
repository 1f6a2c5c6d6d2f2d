//! The government information system catalog (政务信息系统目录): each system's owner,
//! function, users, use, approval, funding, deployment, connections, 等保 level and its fate
//! under 「四个一批」 (gaoping:9), plus the signals that mark a likely zombie system.

use crate::error::FieldError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

named_enum!(
    /// 「四个一批」 and keeping a system as it is (gaoping:9).
    Disposition {
        Keep => "keep", "保留",
        Close => "close", "关闭（僵尸系统）",
        Merge => "merge", "整合（并入其他系统）",
        TakeOver => "take_over", "承接国家或省级系统",
        Build => "build", "新建",
    }
);

named_enum!(
    /// What a project does to a system it names (gaoping:10).
    SystemAction {
        Build => "build", "新建",
        Change => "change", "改造升级",
        Retire => "retire", "停用或整合",
    }
);

named_enum!(
    /// Where a system runs.
    Deployment {
        GovCloud => "gov_cloud", "政务云",
        OwnRoom => "own_room", "自有机房",
        Other => "other", "其他",
    }
);

named_enum!(
    /// Which network it is on.
    Network {
        Extranet => "extranet", "电子政务外网",
        Internet => "internet", "互联网",
        Private => "private", "业务专网",
    }
);

named_enum!(
    UseFrequency {
        Daily => "daily", "每日使用",
        Weekly => "weekly", "每周使用",
        Monthly => "monthly", "每月使用",
        Rarely => "rarely", "很少使用",
        Unused => "unused", "长期未使用",
    }
);

named_enum!(
    SystemStatus {
        Planned => "planned", "规划中",
        Building => "building", "建设中",
        Running => "running", "运行中",
        Retired => "retired", "已停用",
    }
);

/// The catalog form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SystemForm {
    pub name: String,
    pub function_summary: String,
    pub users_scope: String,
    pub use_frequency: String,
    pub approval_document: String,
    pub approval_date: String,
    pub funding_source: String,
    pub year_built: String,
    pub deployment: String,
    pub network: String,
    pub gov_service_connected: String,
    pub data_sharing_connected: String,
    pub mlps_level: String,
    pub status: String,
    pub disposition: String,
    pub disposition_reason: String,
    pub last_used_on: String,
    pub om_stopped: String,
    pub idle_resources: String,
}

/// A catalog entry whose every field is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoSystem {
    pub name: String,
    pub function_summary: String,
    pub users_scope: String,
    pub use_frequency: UseFrequency,
    pub approval_document: String,
    pub approval_date: Option<NaiveDate>,
    pub funding_source: String,
    pub year_built: Option<i32>,
    pub deployment: Deployment,
    pub network: Network,
    pub gov_service_connected: bool,
    pub data_sharing_connected: bool,
    /// 等保 level 1–5; `None` when not graded.
    pub mlps_level: Option<u8>,
    pub status: SystemStatus,
    pub disposition: Disposition,
    pub disposition_reason: String,
    pub last_used_on: Option<NaiveDate>,
    pub om_stopped: bool,
    pub idle_resources: bool,
}

pub fn system_field_label(field: &str) -> &'static str {
    match field {
        "name" => "系统名称",
        "function_summary" => "主要功能",
        "users_scope" => "使用对象和范围",
        "use_frequency" => "使用频度",
        "approval_document" => "审批文件",
        "approval_date" => "审批日期",
        "funding_source" => "资金来源",
        "year_built" => "建成年份",
        "deployment" => "部署方式",
        "network" => "网络",
        "gov_service_connected" => "是否接入政务服务平台",
        "data_sharing_connected" => "是否接入数据共享平台",
        "mlps_level" => "等保级别",
        "status" => "运行状态",
        "disposition" => "四个一批处置",
        "disposition_reason" => "处置理由",
        "last_used_on" => "最近使用日期",
        "om_stopped" => "是否已停止运维",
        "idle_resources" => "是否资源闲置",
        "merge_into" => "整合至",
        _ => "",
    }
}

fn flag(errors: &mut Vec<FieldError>, field: &'static str, v: &str) -> bool {
    match v.trim() {
        "1" | "true" | "是" | "on" | "yes" => true,
        "" | "0" | "false" | "否" | "no" => false,
        _ => {
            errors.push(FieldError::new(
                field,
                format!("{}应填写“是”或“否”", system_field_label(field)),
            ));
            false
        }
    }
}

fn choice<T: Copy>(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    v: &str,
    parse: fn(&str) -> Option<T>,
    all: &[T],
    label: fn(T) -> &'static str,
    default: Option<T>,
) -> Option<T> {
    let v = v.trim();
    if v.is_empty() {
        if default.is_none() {
            errors.push(FieldError::new(
                field,
                format!("请选择{}", system_field_label(field)),
            ));
        }
        return default;
    }
    // Accept the code or the Chinese label, as typed in a spreadsheet.
    let found = parse(v).or_else(|| {
        all.iter()
            .copied()
            .find(|x| label(*x) == v || label(*x).starts_with(v))
    });
    if found.is_none() {
        let options = all.iter().map(|x| label(*x)).collect::<Vec<_>>().join("、");
        errors.push(FieldError::new(
            field,
            format!("{}应为以下之一：{options}", system_field_label(field)),
        ));
    }
    found
}

fn date(errors: &mut Vec<FieldError>, field: &'static str, v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    let parsed = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%Y/%m/%d"))
        .or_else(|_| NaiveDate::parse_from_str(v, "%Y年%m月%d日"))
        .ok();
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            format!("{}格式应为 2025-10-14", system_field_label(field)),
        ));
    }
    parsed
}

impl SystemForm {
    /// Parses every field, reporting all mistakes at once; `today` bounds dates and years.
    pub fn parse(&self, today: NaiveDate) -> Result<InfoSystem, Vec<FieldError>> {
        let mut e = Vec::new();
        let text = |e: &mut Vec<FieldError>,
                    field: &'static str,
                    v: &str,
                    max: usize,
                    required: bool|
         -> String {
            let v = v.trim();
            if required && v.is_empty() {
                e.push(FieldError::new(
                    field,
                    format!("请填写{}", system_field_label(field)),
                ));
            } else if v.chars().count() > max {
                e.push(FieldError::new(
                    field,
                    format!("{}不能超过 {max} 个字", system_field_label(field)),
                ));
            }
            v.to_string()
        };
        let name = text(&mut e, "name", &self.name, 100, true);
        let function_summary = text(
            &mut e,
            "function_summary",
            &self.function_summary,
            1000,
            true,
        );
        let users_scope = text(&mut e, "users_scope", &self.users_scope, 200, false);
        let approval_document = text(
            &mut e,
            "approval_document",
            &self.approval_document,
            100,
            false,
        );
        let funding_source = text(&mut e, "funding_source", &self.funding_source, 100, false);
        let disposition_reason = text(
            &mut e,
            "disposition_reason",
            &self.disposition_reason,
            500,
            false,
        );
        let use_frequency = choice(
            &mut e,
            "use_frequency",
            &self.use_frequency,
            UseFrequency::parse,
            UseFrequency::ALL,
            UseFrequency::label,
            None,
        );
        let deployment = choice(
            &mut e,
            "deployment",
            &self.deployment,
            Deployment::parse,
            Deployment::ALL,
            Deployment::label,
            None,
        );
        let network = choice(
            &mut e,
            "network",
            &self.network,
            Network::parse,
            Network::ALL,
            Network::label,
            None,
        );
        let status = choice(
            &mut e,
            "status",
            &self.status,
            SystemStatus::parse,
            SystemStatus::ALL,
            SystemStatus::label,
            Some(SystemStatus::Running),
        );
        let disposition = choice(
            &mut e,
            "disposition",
            &self.disposition,
            Disposition::parse,
            Disposition::ALL,
            Disposition::label,
            Some(Disposition::Keep),
        );
        if disposition.is_some_and(|d| d != Disposition::Keep) && disposition_reason.is_empty() {
            e.push(FieldError::new(
                "disposition_reason",
                "关闭、整合、承接或新建须写明处置理由（gaoping:9）",
            ));
        }
        let approval_date = date(&mut e, "approval_date", &self.approval_date);
        let last_used_on = date(&mut e, "last_used_on", &self.last_used_on);
        for (field, d) in [
            ("approval_date", approval_date),
            ("last_used_on", last_used_on),
        ] {
            if d.is_some_and(|d| d > today) {
                e.push(FieldError::new(
                    field,
                    format!("{}不能晚于今天", system_field_label(field)),
                ));
            }
        }
        let year_built = match self.year_built.trim() {
            "" => None,
            y => match y.trim_end_matches('年').parse::<i32>() {
                Ok(y) if (1990..=today.year()).contains(&y) => Some(y),
                _ => {
                    e.push(FieldError::new(
                        "year_built",
                        format!("建成年份应为 1990 至 {} 之间的四位年份", today.year()),
                    ));
                    None
                }
            },
        };
        let mlps = self.mlps_level.trim();
        let mlps_level = match mlps.trim_end_matches('级').trim_start_matches('第') {
            _ if matches!(mlps, "" | "未定级" | "未定") => None,
            l => match l.parse::<u8>().ok().or(match l {
                "一" => Some(1),
                "二" => Some(2),
                "三" => Some(3),
                "四" => Some(4),
                "五" => Some(5),
                _ => None,
            }) {
                Some(n) if (1..=5).contains(&n) => Some(n),
                _ => {
                    e.push(FieldError::new(
                        "mlps_level",
                        "等保级别应为 1 至 5 级，未定级可留空",
                    ));
                    None
                }
            },
        };
        let gov_service_connected =
            flag(&mut e, "gov_service_connected", &self.gov_service_connected);
        let data_sharing_connected = flag(
            &mut e,
            "data_sharing_connected",
            &self.data_sharing_connected,
        );
        let om_stopped = flag(&mut e, "om_stopped", &self.om_stopped);
        let idle_resources = flag(&mut e, "idle_resources", &self.idle_resources);
        match (use_frequency, deployment, network, status, disposition) {
            (
                Some(use_frequency),
                Some(deployment),
                Some(network),
                Some(status),
                Some(disposition),
            ) if e.is_empty() => Ok(InfoSystem {
                name,
                function_summary,
                users_scope,
                use_frequency,
                approval_document,
                approval_date,
                funding_source,
                year_built,
                deployment,
                network,
                gov_service_connected,
                data_sharing_connected,
                mlps_level,
                status,
                disposition,
                disposition_reason,
                last_used_on,
                om_stopped,
                idle_resources,
            }),
            _ => Err(e),
        }
    }
}

impl InfoSystem {
    pub fn to_form(&self) -> SystemForm {
        let yes = |b: bool| if b { "1" } else { "0" }.to_string();
        SystemForm {
            name: self.name.clone(),
            function_summary: self.function_summary.clone(),
            users_scope: self.users_scope.clone(),
            use_frequency: self.use_frequency.as_str().into(),
            approval_document: self.approval_document.clone(),
            approval_date: self
                .approval_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            funding_source: self.funding_source.clone(),
            year_built: self.year_built.map(|y| y.to_string()).unwrap_or_default(),
            deployment: self.deployment.as_str().into(),
            network: self.network.as_str().into(),
            gov_service_connected: yes(self.gov_service_connected),
            data_sharing_connected: yes(self.data_sharing_connected),
            mlps_level: self.mlps_level.map(|l| l.to_string()).unwrap_or_default(),
            status: self.status.as_str().into(),
            disposition: self.disposition.as_str().into(),
            disposition_reason: self.disposition_reason.clone(),
            last_used_on: self.last_used_on.map(|d| d.to_string()).unwrap_or_default(),
            om_stopped: yes(self.om_stopped),
            idle_resources: yes(self.idle_resources),
        }
    }

    /// Why the system looks like a zombie (长期不用、可被替代、资源闲置、停止运维、使用范围窄且频度低),
    /// each with a reason to show the reviewer. A retired or already-closed system raises none.
    pub fn zombie_signals(
        &self,
        today: NaiveDate,
        replaceable_by: Option<&str>,
    ) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if matches!(self.status, SystemStatus::Retired) || self.disposition == Disposition::Close {
            return out;
        }
        if self.use_frequency == UseFrequency::Unused {
            out.push(("unused", "填报为长期未使用".to_string()));
        } else if let Some(last) = self.last_used_on
            && crate::calendar::add_months(last, 12) < today
        {
            out.push(("unused", format!("最近使用于 {last}，已超过 12 个月未使用")));
        }
        if let Some(other) = replaceable_by {
            out.push(("replaceable", format!("功能可由“{other}”替代")));
        }
        if self.idle_resources {
            out.push(("idle", "计算、存储等资源闲置".to_string()));
        }
        if self.om_stopped {
            out.push(("om_stopped", "已停止运维".to_string()));
        }
        if self.use_frequency == UseFrequency::Rarely && self.users_scope.chars().count() <= 10 {
            out.push((
                "narrow",
                format!(
                    "使用频度低且使用范围窄（{}）",
                    if self.users_scope.is_empty() {
                        "未填写使用范围"
                    } else {
                        &self.users_scope
                    }
                ),
            ));
        }
        out
    }
}

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
    ("disposition", "四个一批处置"),
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
];

/// A header as people write it: without spaces, a required-mark or a note in brackets.
fn normalize_header(h: &str) -> String {
    let h: String = h
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .collect();
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
        let Some(header_at) = cells
            .iter()
            .take(20)
            .position(|r| r.iter().any(|c| header_field(c) == Some("name")))
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
        let missing: Vec<&str> = [
            "name",
            "function_summary",
            "use_frequency",
            "deployment",
            "network",
        ]
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
            rows.push(SheetRow {
                row: n + 1,
                department,
                form,
            });
        }
        Ok(SystemSheet {
            columns,
            rows,
            ignored_headers,
        })
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
            self.approval_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            self.funding_source.clone(),
            self.year_built.map(|y| y.to_string()).unwrap_or_default(),
            self.deployment.label().into(),
            self.network.label().into(),
            yes(self.gov_service_connected),
            yes(self.data_sharing_connected),
            self.mlps_level
                .map(|l| format!("{l}级"))
                .unwrap_or_else(|| "未定级".into()),
            self.status.label().into(),
            self.disposition.label().into(),
            self.disposition_reason.clone(),
            self.last_used_on.map(|d| d.to_string()).unwrap_or_default(),
            yes(self.om_stopped),
            yes(self.idle_resources),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    pub(crate) fn form() -> SystemForm {
        SystemForm {
            name: "叶集区城市管理综合指挥系统".into(),
            function_summary: "城市部件事件的发现、派遣、处置和考核".into(),
            users_scope: "区城管局及各街道网格员".into(),
            use_frequency: "daily".into(),
            approval_document: "叶发改〔2019〕88号".into(),
            approval_date: "2019-06-01".into(),
            funding_source: "区级财政".into(),
            year_built: "2020".into(),
            deployment: "政务云".into(),
            network: "extranet".into(),
            gov_service_connected: "是".into(),
            data_sharing_connected: "1".into(),
            mlps_level: "三级".into(),
            ..Default::default()
        }
    }

    #[test]
    fn parses_codes_and_chinese_labels() {
        let s = form().parse(today()).expect("valid");
        assert_eq!(s.deployment, Deployment::GovCloud);
        assert_eq!(s.mlps_level, Some(3));
        assert!(s.gov_service_connected);
        assert_eq!(
            (s.status, s.disposition),
            (SystemStatus::Running, Disposition::Keep)
        );
        assert_eq!(s.to_form().parse(today()), Ok(s));
    }

    #[test]
    fn names_every_bad_field() {
        let mut f = form();
        f.name = String::new();
        f.deployment = "月球".into();
        f.mlps_level = "6".into();
        assert_eq!(
            SystemForm {
                mlps_level: "未定级".into(),
                ..form()
            }
            .parse(today())
            .map(|s| s.mlps_level),
            Ok(None),
            "the export's 未定级 reads back"
        );
        f.year_built = "2099".into();
        f.gov_service_connected = "也许".into();
        f.disposition = "close".into();
        f.approval_date = "2030-01-01".into();
        let fields: Vec<&str> = f
            .parse(today())
            .expect_err("invalid")
            .iter()
            .map(|e| e.field)
            .collect();
        for want in [
            "name",
            "deployment",
            "mlps_level",
            "year_built",
            "gov_service_connected",
            "disposition_reason",
            "approval_date",
        ] {
            assert!(fields.contains(&want), "{want} not in {fields:?}");
        }
    }

    fn cells(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn sheet_finds_header_below_a_title_and_maps_aliases() {
        let sheet = SystemSheet::read(&cells(&[
            &["叶集区政务信息系统目录"],
            &[],
            &[
                "序号",
                "所属部门",
                "*系统名称",
                "备注说明",
                "主要功能（必填）",
                "使用频度",
                "部署方式",
                "网络环境",
                "是否接入政务服务平台",
            ],
            &[
                "1",
                "区城管局",
                "城管指挥系统",
                "",
                "派遣处置",
                "每日使用",
                "政务云",
                "电子政务外网",
                "是",
            ],
            &["", "", "", "", "", "", "", "", ""],
            &["2", "", "", "x", "无名", "daily", "月球", "extranet", "否"],
        ]))
        .expect("sheet");
        assert_eq!(sheet.ignored_headers, ["备注说明"]);
        assert_eq!(sheet.rows.len(), 2, "the empty row is skipped");
        assert_eq!(sheet.rows[0].row, 4);
        assert_eq!(sheet.rows[0].department, "区城管局");
        assert!(sheet.rows[0].form.parse(today()).is_ok());
        assert_eq!(sheet.rows[1].row, 6);
        assert_eq!(sheet.column_of("deployment"), "G（部署方式）");
        assert_eq!(sheet.column_of("name"), "C（*系统名称）");
        let bad: Vec<&str> = sheet.rows[1]
            .form
            .parse(today())
            .expect_err("invalid")
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(bad, ["name", "deployment"]);
    }

    #[test]
    fn sheet_without_required_columns_is_refused_whole() {
        let e = SystemSheet::read(&cells(&[&["系统名称", "网络"]])).expect_err("missing");
        assert!(e.contains("主要功能") && e.contains("部署方式"), "{e}");
        assert!(SystemSheet::read(&cells(&[&["名称"]])).is_err());
    }

    #[test]
    fn exported_cells_read_back_to_the_same_system() {
        let s = form().parse(today()).expect("valid");
        let mut header: Vec<String> = SHEET_COLUMNS.iter().map(|(_, h)| h.to_string()).collect();
        header.pop();
        let mut row = vec!["区城管局".to_string()];
        row.extend(s.sheet_cells());
        let sheet = SystemSheet::read(&[header, row]).expect("sheet");
        assert_eq!(sheet.rows[0].form.parse(today()), Ok(s));
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27 * 26), "AAA");
    }

    #[test]
    fn zombie_signals_with_reasons() {
        let mut s = form().parse(today()).expect("valid");
        assert!(s.zombie_signals(today(), None).is_empty());
        s.last_used_on = NaiveDate::from_ymd_opt(2025, 11, 22);
        assert_eq!(
            s.zombie_signals(today(), None).len(),
            1,
            "12 months and a day"
        );
        s.last_used_on = NaiveDate::from_ymd_opt(2025, 11, 23);
        assert!(
            s.zombie_signals(today(), None).is_empty(),
            "exactly 12 months is not yet"
        );
        s.om_stopped = true;
        s.idle_resources = true;
        let codes: Vec<&str> = s
            .zombie_signals(today(), Some("市级城管平台"))
            .iter()
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(codes, ["replaceable", "idle", "om_stopped"]);
        s.disposition = Disposition::Close;
        assert!(
            s.zombie_signals(today(), Some("x")).is_empty(),
            "already being closed"
        );
    }
}
