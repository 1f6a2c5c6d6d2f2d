//! The catalog form as typed and the entry it parses into: field labels, lenient field
//! parsing and the zombie-system signals.

use crate::error::FieldError;
use crate::error::{checked, flag};
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
        "disposition" => "处置方式",
        "disposition_reason" => "处置理由",
        "last_used_on" => "最近使用日期",
        "om_stopped" => "是否已停止运维",
        "idle_resources" => "是否资源闲置",
        "merge_into" => "整合至",
        _ => "",
    }
}

fn choice<T: Copy>(
    errors: &mut Vec<FieldError>, field: &'static str, v: &str, parse: fn(&str) -> Option<T>,
    all: &[T], label: fn(T) -> &'static str, default: Option<T>,
) -> Option<T> {
    let v = v.trim();
    if v.is_empty() {
        if default.is_none() {
            errors.push(FieldError::new(field, format!("请选择{}", system_field_label(field))));
        }
        return default;
    }
    // Accept the code or the Chinese label, as typed in a spreadsheet.
    let found = parse(v)
        .or_else(|| all.iter().copied().find(|x| label(*x) == v || label(*x).starts_with(v)));
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
    checked(errors, field, parsed, &format!("{}格式应为 2025-10-14", system_field_label(field)))
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
                e.push(FieldError::new(field, format!("请填写{}", system_field_label(field))));
            } else if v.chars().count() > max {
                e.push(FieldError::new(
                    field,
                    format!("{}不能超过 {max} 个字", system_field_label(field)),
                ));
            }
            v.to_string()
        };
        let name = text(&mut e, "name", &self.name, 100, true);
        let function_summary = text(&mut e, "function_summary", &self.function_summary, 1000, true);
        let users_scope = text(&mut e, "users_scope", &self.users_scope, 200, false);
        let approval_document =
            text(&mut e, "approval_document", &self.approval_document, 100, false);
        let funding_source = text(&mut e, "funding_source", &self.funding_source, 100, false);
        let disposition_reason =
            text(&mut e, "disposition_reason", &self.disposition_reason, 500, false);
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
        for (field, d) in [("approval_date", approval_date), ("last_used_on", last_used_on)] {
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
                    e.push(FieldError::new("mlps_level", "等保级别应为 1 至 5 级，未定级可留空"));
                    None
                }
            },
        };
        let gov_service_connected =
            flag(&mut e, "gov_service_connected", system_field_label, &self.gov_service_connected);
        let data_sharing_connected = flag(
            &mut e,
            "data_sharing_connected",
            system_field_label,
            &self.data_sharing_connected,
        );
        let om_stopped = flag(&mut e, "om_stopped", system_field_label, &self.om_stopped);
        let idle_resources =
            flag(&mut e, "idle_resources", system_field_label, &self.idle_resources);
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
            approval_date: self.approval_date.map(|d| d.to_string()).unwrap_or_default(),
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
        &self, today: NaiveDate, replaceable_by: Option<&str>,
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
