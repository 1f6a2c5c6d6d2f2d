//! Reading an audit record as a Chinese auditor does: the action and the kind of object by
//! name, and the change as a table of fields with their labels, before and after, amounts in
//! 万元. The record itself keeps its codes and JSON (the chain is computed over them); this
//! only reads them.

use crate::cloud::{CatalogStatus, NegativeStatus, ServiceCategory};
use crate::inventory::{
    Deployment, Disposition, Network, SystemAction, SystemStatus, UseFrequency, system_field_label,
};
use crate::money::Yuan;
use crate::org::{FirmKind, PartyKind, Role, ScopeKind};
use crate::policy::{EventKind, Fact};
use crate::project::ProjectStatus;
use serde_json::Value;

/// The kinds of object the log names, with their Chinese names, in the order a filter lists
/// them.
pub const OBJECT_KINDS: &[(&str, &str)] = &[
    ("project", "项目"),
    ("obligation", "项目义务"),
    ("material_file", "申报材料文件"),
    ("material", "申报材料"),
    ("obligations", "义务计算"),
    ("info_system", "信息系统"),
    ("cloud_catalog", "云服务目录"),
    ("negative_list", "负面清单申请"),
    ("user", "用户账号"),
    ("api_token", "接口令牌"),
    ("session", "登录"),
    ("jurisdiction", "辖区"),
    ("department", "部门"),
    ("firm", "企业"),
    ("expert", "专家"),
    ("calendar_year", "工作日历"),
    ("audit_log", "审计日志"),
    ("review_queue", "待审核队列"),
    ("request", "请求"),
];

/// Every action the log records, by the kind of object it acts on, with its Chinese name.
/// A refused read is `<kind>.read`, named from the kind.
pub const ACTIONS: &[(&str, &str)] = &[
    ("project.create", "新建项目申报"),
    ("project.update", "修改项目申报"),
    ("project.submit", "提交申报"),
    ("project.withdraw", "撤回"),
    ("project.approve", "审核通过"),
    ("project.return", "退回"),
    ("project.pass", "审批步骤通过"),
    ("project.reject", "不予通过"),
    ("project.transfer", "转办"),
    ("project.add_signer", "加签"),
    ("project.urge", "催办"),
    ("project.event", "登记项目事项"),
    ("project.fact", "认定项目情况"),
    ("project.link_system", "关联信息系统"),
    ("project.unlink_system", "取消关联信息系统"),
    ("project.cloud_link", "选用云服务"),
    ("project.cloud_unlink", "取消选用云服务"),
    ("project.material.add", "上传申报材料"),
    ("project.material.remove", "移出申报材料文件"),
    ("project.material.mark", "标记申报材料状态"),
    ("obligation.waive", "免除义务"),
    ("obligations.recompute", "重新计算义务"),
    ("system.create", "登记信息系统"),
    ("system.update", "修改信息系统"),
    ("system.dispose", "确定处置方式"),
    ("system.import", "导入信息系统"),
    ("cloud_catalog.draft", "起草云服务目录"),
    ("cloud_service.add", "新增云服务"),
    ("cloud_service.update", "修改云服务"),
    ("cloud_service.remove", "删除云服务"),
    ("cloud_catalog.submit", "提交云服务目录"),
    ("cloud_catalog.decide", "审批云服务目录"),
    ("cloud_catalog.publish", "发布云服务目录"),
    ("cloud_catalog.return", "退回云服务目录"),
    ("cloud_catalog.supersede", "替代旧版云服务目录"),
    ("negative_list.request", "申请列入负面清单"),
    ("negative_list.decide", "审批负面清单申请"),
    ("negative_list.approve", "批准列入负面清单"),
    ("negative_list.reject", "不批准列入负面清单"),
    ("negative_list.revoke", "撤销负面清单"),
    ("user.create", "创建账号"),
    ("user.disable", "停用账号"),
    ("user.enable", "启用账号"),
    ("user.reset_password", "重置密码"),
    ("user.change_password", "修改密码"),
    ("user.lock", "锁定账号"),
    ("token.create", "创建接口令牌"),
    ("token.revoke", "吊销接口令牌"),
    ("login.success", "登录成功"),
    ("login.failure", "登录失败"),
    ("logout", "退出登录"),
    ("jurisdiction.create", "创建辖区"),
    ("department.create", "创建部门"),
    ("department.import", "导入部门"),
    ("firm.create", "登记企业"),
    ("expert.create", "登记专家"),
    ("calendar.import", "导入工作日历"),
    ("bench.generate", "生成测试数据"),
    ("audit.search", "查看审计日志"),
    ("audit.export", "导出审计日志"),
    ("page.forbidden", "访问无权限页面"),
    ("csrf.refused", "表单安全令牌校验"),
    ("api.unauthorized", "接口令牌校验"),
];

/// The Chinese name of an object kind; the code itself when the log holds one not known here.
pub fn kind_label(kind: &str) -> &str {
    OBJECT_KINDS.iter().find(|(k, _)| *k == kind).map_or(kind, |(_, l)| l)
}

/// The Chinese name of an action; a refused read is 「查看」 and the kind's name; the code
/// itself when unknown.
pub fn action_label(action: &str) -> String {
    if let Some((_, l)) = ACTIONS.iter().find(|(a, _)| *a == action) {
        return (*l).to_string();
    }
    match action.strip_suffix(".read") {
        Some(kind) => format!("查看{}", kind_label(kind)),
        None => action.to_string(),
    }
}

/// A field the change touched, with its label and its values as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// How a field's value reads.
#[derive(Clone, Copy)]
enum Shown {
    Text,
    /// Yuan, shown in 万元.
    Money,
    /// A department's id, shown by its name.
    Department,
    /// A vocabulary code, shown by its label.
    Code(fn(&str) -> Option<&'static str>),
    /// Basis points of a fact, or any fact value, shown in its unit.
    Fact(Fact),
    /// Unix milliseconds, shown as Beijing time.
    Instant,
    /// An 等保 level, 1–5.
    Mlps,
    /// Not shown: bookkeeping (versions, paths).
    Hidden,
}

/// A vocabulary value's label, from its code or from its serialized name (they differ for a
/// few, e.g. `self` and `self_only`).
fn label_of<T: Copy + serde::Serialize>(
    all: &[T], as_str: fn(T) -> &'static str, label: fn(T) -> &'static str, s: &str,
) -> Option<&'static str> {
    let named = |v: &T| serde_json::to_value(v).ok().is_some_and(|j| j.as_str() == Some(s));
    all.iter().copied().find(|v| as_str(*v) == s || named(v)).map(label)
}

macro_rules! code {
    ($t:ty) => {
        Shown::Code(|s| label_of(&<$t>::ALL[..], <$t>::as_str, <$t>::label, s))
    };
}

/// The label and reading of one flattened field (`declaration.sources.fiscal`) of a record
/// of `kind`, changed by `action`.
fn field(kind: &str, action: &str, path: &str) -> (String, Shown) {
    let leaf = path.rsplit('.').next().unwrap_or(path);
    let named = |l: &str, s: Shown| (l.to_string(), s);
    if let Some(f) = Fact::parse(path).filter(|_| action == "project.fact") {
        {
            let label = match f.unit() {
                crate::policy::FactUnit::Flag => f.label().to_string(),
                _ => f.form_label().to_string(),
            };
            return (label, Shown::Fact(f));
        }
    }
    if let Some(rest) = path.strip_prefix("declaration.") {
        let (key, shown) = match rest {
            "investment" => ("investment", Shown::Money),
            "sources.fiscal" => ("fiscal_funds", Shown::Money),
            "sources.bank_loan" => ("bank_loan", Shown::Money),
            "sources.self_raised" => ("self_raised", Shown::Money),
            "sources.other" => ("other_funds", Shown::Money),
            "period.start" => ("period_start", Shown::Text),
            "period.end" => ("period_end", Shown::Text),
            other => (other, Shown::Text),
        };
        let label = crate::declaration::field_label(key);
        let label = if matches!(shown, Shown::Money) {
            format!("{label}（万元）")
        } else {
            label.to_string()
        };
        return (if label.is_empty() { rest.to_string() } else { label }, shown);
    }
    match (kind, leaf) {
        (_, "version" | "path" | "service_id" | "user_id" | "must_change_password") => {
            named("", Shown::Hidden)
        }
        ("project", "status") => named("状态", code!(ProjectStatus)),
        ("cloud_catalog", "status") => named("状态", code!(CatalogStatus)),
        ("negative_list", "status") => named("状态", code!(NegativeStatus)),
        ("info_system", "status") => named("运行状态", code!(SystemStatus)),
        ("obligation", "status") => named("义务状态", Shown::Text),
        (_, l) if l.ends_with("_at_ms") => named(common_label(l).unwrap_or(path), Shown::Instant),
        (_, "mlps_level") => named("等保级别", Shown::Mlps),
        (_, "owner_department_id") => named("建设单位", Shown::Department),
        (_, "department_id") => named("部门", Shown::Department),
        (_, "deployment") => named("部署方式", code!(Deployment)),
        (_, "network") => named("网络", code!(Network)),
        (_, "use_frequency") => named("使用频度", code!(UseFrequency)),
        (_, "disposition") => named("处置方式", code!(Disposition)),
        (_, "category") => named("服务类别", code!(ServiceCategory)),
        (_, "roles") => named("角色", code!(Role)),
        (_, "scope") => named("数据范围", code!(ScopeKind)),
        (_, "party_kinds") => named("职能", code!(PartyKind)),
        ("firm", "kind") => named("企业类型", code!(FirmKind)),
        (_, "event") => named("事项", code!(EventKind)),
        ("project", "action") => named("建设方式", code!(SystemAction)),
        ("info_system", _) if !system_field_label(leaf).is_empty() => {
            named(system_field_label(leaf), Shown::Text)
        }
        ("cloud_catalog", _) if path.starts_with("service.") => {
            let l = crate::cloud::service_field_label(leaf);
            named(if l.is_empty() { leaf } else { l }, Shown::Text)
        }
        _ => named(common_label(leaf).unwrap_or(path), Shown::Text),
    }
}

fn common_label(key: &str) -> Option<&'static str> {
    Some(match key {
        "name" => "名称",
        "code" => "编码",
        "login" => "登录名",
        "disabled" => "已停用",
        "listed_departments" => "指定部门",
        "note" => "说明",
        "date" => "日期",
        "planned" => "计划事项",
        "system_name" => "信息系统",
        "service" => "云服务",
        "services" => "服务数",
        "version_no" => "目录版本",
        "copied_services" => "沿用服务数",
        "system_id" => "系统编号",
        "owner_department" => "建设单位",
        "exempt_cloud" => "免于上云",
        "exempt_platform" => "免于接入平台",
        "reasons" => "理由",
        "basis" => "依据",
        "requested_by_name" => "申请人",
        "requested_at_ms" => "申请时间",
        "decided_by_name" => "审批人",
        "decided_at_ms" => "审批时间",
        "approval_document" => "批准文件",
        "decision_reason" => "审批意见",
        "revoked" => "已吊销",
        "profile_id" => "适用规则",
        "credit_code" => "统一社会信用代码",
        "employer" => "工作单位",
        "fields" => "专业领域",
        "kind" => "类型",
        "year" => "年度",
        "id" => "编号",
        "jurisdiction_id" => "辖区",
        _ => return None,
    })
}

/// One value as shown: amounts in 万元, codes by their labels, departments by name, flags as
/// 是/否, nothing as empty.
fn show(v: &Value, shown: Shown, department: &dyn Fn(i64) -> Option<String>) -> String {
    match (v, shown) {
        (Value::Null, _) => String::new(),
        (Value::Bool(b), _) => if *b { "是" } else { "否" }.to_string(),
        (Value::Number(n), Shown::Money) => match n.as_i64() {
            Some(y) => Yuan(y).to_wan_string(),
            None => n.to_string(),
        },
        (Value::Number(n), Shown::Fact(f)) => match n.as_i64() {
            Some(x) => f.show_value(x),
            None => n.to_string(),
        },
        (Value::Number(n), Shown::Department) => match n.as_i64() {
            Some(id) => department(id).unwrap_or_else(|| format!("部门 {id}")),
            None => n.to_string(),
        },
        (Value::Number(n), Shown::Instant) => match n
            .as_i64()
            .and_then(|ms| chrono::DateTime::from_timestamp_millis(ms + 8 * 3600 * 1000))
        {
            Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            None => n.to_string(),
        },
        (Value::Number(n), Shown::Mlps) => match n.as_u64() {
            Some(l @ 1..=5) => format!("{}级", ["一", "二", "三", "四", "五"][l as usize - 1]),
            _ => n.to_string(),
        },
        (Value::String(s), Shown::Code(label)) => {
            label(s).map_or_else(|| s.clone(), str::to_string)
        }
        (Value::String(s), _) => s.clone(),
        (Value::Number(n), _) => n.to_string(),
        (Value::Array(items), _) => items
            .iter()
            .map(|i| show(i, shown, department))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("、"),
        (Value::Object(o), _) => format!("（{} 项）", o.len()),
    }
}

/// The leaves of a JSON value by dotted path, in document order; arrays are leaves. A value
/// that is not an object is one leaf with an empty path.
fn flatten(v: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    // A month (`{"year": 2026, "month": 1}`) is one value: 2026-01.
    if let Value::Object(map) = v {
        let part = |k: &str| map.get(k).and_then(Value::as_i64);
        if let (2, Some(y), Some(m)) = (map.len(), part("year"), part("month")) {
            out.push((prefix.to_string(), Value::String(format!("{y}-{m:02}"))));
            return;
        }
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(child, &path, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// At most this many leaves are read from one side of a record: a record is shown, not
/// processed, and a calendar year holds hundreds of days.
const MAX_LEAVES: usize = 200;

fn leaves(json: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if json.trim().is_empty() {
        return out;
    }
    if let Ok(v) = serde_json::from_str::<Value>(json) {
        flatten(&v, "", &mut out);
    }
    out.truncate(MAX_LEAVES);
    out
}

fn blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The fields a record of `kind` changed by `action` shows, from its before and after JSON:
/// for a change, the fields whose value differs; for a creation (or a removal), every field
/// with a value. Bookkeeping fields (versions) are left out.
pub fn field_changes(
    kind: &str, action: &str, before: &str, after: &str, department: &dyn Fn(i64) -> Option<String>,
) -> Vec<FieldChange> {
    let (b, a) = (leaves(before), leaves(after));
    let mut paths: Vec<&str> = a.iter().map(|(p, _)| p.as_str()).collect();
    for (p, _) in &b {
        if !paths.contains(&p.as_str()) {
            paths.push(p);
        }
    }
    let find = |side: &[(String, Value)], p: &str| {
        side.iter().find(|(q, _)| q == p).map(|(_, v)| v.clone())
    };
    let mut out = Vec::new();
    for p in paths {
        let (vb, va) = (find(&b, p).unwrap_or(Value::Null), find(&a, p).unwrap_or(Value::Null));
        if vb == va || (blank(&vb) && blank(&va)) {
            continue;
        }
        let (label, shown) = field(kind, action, p);
        if matches!(shown, Shown::Hidden) {
            continue;
        }
        let label = if label.is_empty() { p.to_string() } else { label };
        out.push(FieldChange {
            label,
            before: show(&vb, shown, department),
            after: show(&va, shown, department),
        });
    }
    out
}

/// The name of the object of `kind` a record acts on, when its JSON carries it (a project's
/// name, a system's, an account's login); a part's JSON (a linked system, a service) does not
/// name the object.
pub fn object_name(kind: &str, before: &str, after: &str) -> Option<String> {
    let pointer = match kind {
        "project" => "/declaration/name",
        "info_system" | "department" | "firm" | "expert" | "jurisdiction" => "/name",
        "negative_list" => "/system_name",
        "user" => "/login",
        _ => return None,
    };
    [after, before].into_iter().find_map(|json| {
        let v = serde_json::from_str::<Value>(json).ok()?;
        v.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
    })
}

/// Who acted, for a record without an account: the command line (`cli:<user>`) or nobody.
pub fn actor_label(login: &str) -> String {
    match login.strip_prefix("cli:") {
        Some(who) => format!("命令行（{who}）"),
        None if login.is_empty() => "（匿名）".to_string(),
        None => login.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: i64) -> Option<String> {
        None
    }

    #[test]
    fn actions_and_kinds_read_in_chinese() {
        assert_eq!(action_label("project.approve"), "审核通过");
        assert_eq!(action_label("info_system.read"), "查看信息系统");
        assert_eq!(action_label("something.new"), "something.new");
        assert_eq!(kind_label("cloud_catalog"), "云服务目录");
        assert_eq!(kind_label("unknown"), "unknown");
        let codes: std::collections::HashSet<_> = ACTIONS.iter().map(|(a, _)| a).collect();
        assert_eq!(codes.len(), ACTIONS.len(), "an action is listed twice");
    }

    #[test]
    fn a_project_change_shows_only_what_changed_with_money_in_wan() {
        // Fields come in the record's own order (the order of its type's fields).
        let before = r#"{"status":"submitted","version":2,"owner_department_id":9,
            "declaration":{"name":"甲","investment":2450000,"sources":{"fiscal":2450000,"other":0}}}"#;
        let after = r#"{"status":"approved","version":3,"owner_department_id":9,
            "declaration":{"name":"甲","investment":1205000,"sources":{"fiscal":1200000,"other":5000}}}"#;
        let rows = field_changes("project", "project.approve", before, after, &none);
        let got: Vec<(&str, &str, &str)> =
            rows.iter().map(|r| (r.label.as_str(), r.before.as_str(), r.after.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("状态", "待审核", "审核通过"),
                ("项目投资（万元）", "245", "120.5"),
                ("财政资金（万元）", "245", "120"),
                ("其他（万元）", "0", "0.5"),
            ]
        );
    }

    #[test]
    fn a_creation_lists_every_field_with_codes_and_departments_named() {
        let after = r#"{"login":"li","name":"李四","department_id":3,"roles":["declarant","viewer"],
            "scope":"self_only","listed_departments":[]}"#;
        let dept = |id: i64| (id == 3).then(|| "区教育局".to_string());
        let rows = field_changes("user", "user.create", "", after, &dept);
        let find = |l: &str| rows.iter().find(|r| r.label == l).map(|r| r.after.clone());
        assert_eq!(find("部门").as_deref(), Some("区教育局"));
        assert_eq!(find("登录名").as_deref(), Some("li"));
        assert!(find("角色").is_some_and(|r| r.starts_with("申报经办人、")), "{rows:?}");
        assert!(find("指定部门").is_none(), "empty fields are left out: {rows:?}");
        assert!(rows.iter().all(|r| r.before.is_empty()));
    }

    #[test]
    fn months_levels_and_serialized_codes_read_as_people_say_them() {
        let after = r#"{"declaration":{"period":{"start":{"year":2026,"month":1}}}}"#;
        let rows = field_changes("project", "project.create", "", after, &none);
        assert_eq!(
            (rows[0].label.as_str(), rows[0].after.as_str()),
            ("建设年度（开始）", "2026-01")
        );
        let rows = field_changes("info_system", "system.create", "", r#"{"mlps_level":2}"#, &none);
        assert_eq!(rows[0].after, "二级");
        let rows = field_changes("user", "user.create", "", r#"{"scope":"self_only"}"#, &none);
        assert_eq!(rows[0].after, "仅本人数据");
    }

    #[test]
    fn facts_read_in_their_units_and_garbage_reads_as_nothing() {
        let rows = field_changes(
            "project",
            "project.fact",
            r#"{"change_ratio_bp":null}"#,
            r#"{"change_ratio_bp":1250}"#,
            &none,
        );
        assert_eq!(rows[0].label, "调整金额占概算比例（%）");
        assert_eq!(rows[0].after, "12.5%");
        assert!(field_changes("project", "project.update", "not json", "[1,2", &none).is_empty());
        let wide = format!(
            "{{{}}}",
            (0..10_000).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(",")
        );
        assert_eq!(field_changes("x", "x.y", "", &wide, &none).len(), MAX_LEAVES);
    }

    #[test]
    fn the_object_is_named_from_its_record() {
        let project = r#"{"declaration":{"name":"甲项目"}}"#;
        assert_eq!(object_name("project", "", project).as_deref(), Some("甲项目"));
        // A project's linked system does not name the project.
        assert_eq!(object_name("project", r#"{"system_name":"乙系统"}"#, ""), None);
        let entry = r#"{"system_name":"乙系统"}"#;
        assert_eq!(object_name("negative_list", entry, "").as_deref(), Some("乙系统"));
        let user = r#"{"login":"li","name":"李四"}"#;
        assert_eq!(object_name("user", "", user).as_deref(), Some("li"));
        assert_eq!(actor_label("cli:demo"), "命令行（demo）");
    }
}
