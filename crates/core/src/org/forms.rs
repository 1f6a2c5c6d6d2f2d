//! What the people who run govit type to set up a jurisdiction: the jurisdiction itself, its
//! departments with the parties they act as, its firms and its experts — one form each, and a
//! department tree read from a sheet. Each is checked here, field by field, in Chinese.

use super::{FirmKind, PartyKind};
use crate::error::FieldError;

const CODE_MAX: usize = 32;
const NAME_MAX: usize = 100;
const TEXT_MAX: usize = 200;

/// A code: letters, digits, `-` and `_`, as used in URLs, sheets and the command line.
fn code(errors: &mut Vec<FieldError>, field: &'static str, label: &str, v: &str) -> String {
    let v = v.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, format!("请填写{label}")));
    } else if v.chars().count() > CODE_MAX
        || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.push(FieldError::new(
            field,
            format!("{label}只能由字母、数字、“-”和“_”组成，不超过 {CODE_MAX} 个字符"),
        ));
    }
    v.to_string()
}

fn text(
    errors: &mut Vec<FieldError>, field: &'static str, label: &str, v: &str, max: usize,
    required: bool,
) -> String {
    let v = v.trim();
    if required && v.is_empty() {
        errors.push(FieldError::new(field, format!("请填写{label}")));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, format!("{label}不能超过 {max} 个字")));
    }
    v.to_string()
}

/// What the forms call a field.
pub fn org_field_label(field: &str) -> &'static str {
    match field {
        "code" => "编码",
        "name" => "名称",
        "parent" => "上级部门编码",
        "party_kinds" => "职能",
        "profile_id" => "适用的管理办法",
        "kind" => "企业类型",
        "credit_code" => "统一社会信用代码",
        "employer" => "工作单位",
        "fields" => "专业领域",
        "title" => "职称",
        "conflicts" => "申报回避的单位",
        "admin_login" => "首个管理员登录名",
        "admin_name" => "首个管理员姓名",
        _ => "",
    }
}

fn done<T>(errors: Vec<FieldError>, value: T) -> Result<T, Vec<FieldError>> {
    if errors.is_empty() { Ok(value) } else { Err(errors) }
}

impl PartyKind {
    /// A party kind from its code (`finance`) or its name (财政部门).
    pub fn from_text(s: &str) -> Option<PartyKind> {
        let s = s.trim();
        PartyKind::parse(s).or_else(|| PartyKind::ALL.iter().copied().find(|k| k.label() == s))
    }
}

impl FirmKind {
    /// A firm kind from its code (`supervisor`) or its name (监理单位).
    pub fn from_text(s: &str) -> Option<FirmKind> {
        let s = s.trim();
        FirmKind::parse(s).or_else(|| FirmKind::ALL.iter().copied().find(|k| k.label() == s))
    }
}

/// A jurisdiction as typed: its code, name and the profile that governs it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct JurisdictionForm {
    pub code: String,
    pub name: String,
    pub profile_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJurisdiction {
    pub code: String,
    pub name: String,
    pub profile_id: String,
}

impl JurisdictionForm {
    /// Checks the fields; whether the profile exists is the store's to check.
    pub fn parse(&self) -> Result<NewJurisdiction, Vec<FieldError>> {
        let mut e = Vec::new();
        let code = code(&mut e, "code", "辖区编码", &self.code);
        let name = text(&mut e, "name", "辖区名称", &self.name, NAME_MAX, true);
        let profile_id = self.profile_id.trim().to_string();
        if profile_id.is_empty() {
            e.push(FieldError::new("profile_id", "请选择适用的管理办法"));
        }
        done(e, NewJurisdiction { code, name, profile_id })
    }
}

/// A department as typed: its code, name, the parent's code (empty for a root) and the
/// parties it acts as (codes or names).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DepartmentForm {
    pub code: String,
    pub name: String,
    pub parent: String,
    pub party_kinds: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDepartment {
    pub code: String,
    pub name: String,
    /// The parent's code.
    pub parent: Option<String>,
    pub party_kinds: Vec<PartyKind>,
}

impl DepartmentForm {
    pub fn parse(&self) -> Result<NewDepartment, Vec<FieldError>> {
        let mut e = Vec::new();
        let code = code(&mut e, "code", "部门编码", &self.code);
        let name = text(&mut e, "name", "部门名称", &self.name, NAME_MAX, true);
        let parent = self.parent.trim();
        let parent = (!parent.is_empty()).then(|| parent.to_string());
        if parent.as_deref() == Some(code.as_str()) {
            e.push(FieldError::new("parent", "上级部门不能是本部门"));
        }
        let mut party_kinds = Vec::new();
        for k in self.party_kinds.iter().filter(|k| !k.trim().is_empty()) {
            match PartyKind::from_text(k) {
                Some(k) if !party_kinds.contains(&k) => party_kinds.push(k),
                Some(_) => {}
                None => e.push(FieldError::new(
                    "party_kinds",
                    format!(
                        "职能“{}”不是以下之一：{}",
                        k.trim(),
                        PartyKind::ALL.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
                    ),
                )),
            }
        }
        party_kinds.sort();
        done(e, NewDepartment { code, name, parent, party_kinds })
    }
}

/// A firm as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct FirmForm {
    pub kind: String,
    pub name: String,
    /// 统一社会信用代码; optional.
    pub credit_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFirm {
    pub kind: FirmKind,
    pub name: String,
    pub credit_code: String,
}

impl FirmForm {
    pub fn parse(&self) -> Result<NewFirm, Vec<FieldError>> {
        let mut e = Vec::new();
        let kind = FirmKind::from_text(&self.kind);
        if kind.is_none() {
            e.push(FieldError::new(
                "kind",
                format!(
                    "请选择企业类型：{}",
                    FirmKind::ALL.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
                ),
            ));
        }
        let name = text(&mut e, "name", "企业名称", &self.name, NAME_MAX, true);
        let credit_code = self.credit_code.trim().to_ascii_uppercase();
        if !credit_code.is_empty()
            && (credit_code.len() != 18 || !credit_code.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            e.push(FieldError::new("credit_code", "统一社会信用代码应为 18 位字母或数字"));
        }
        done(e, NewFirm { kind: kind.unwrap_or(FirmKind::Contractor), name, credit_code })
    }
}

/// An expert as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ExpertForm {
    pub name: String,
    pub employer: String,
    /// Fields of expertise, separated by commas or 、.
    pub fields: String,
    /// 职称 (高级工程师 …).
    pub title: String,
    /// Units they declared a conflict of interest with, separated by commas or 、.
    pub conflicts: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExpert {
    pub name: String,
    pub employer: String,
    pub fields: String,
    pub title: String,
    pub conflicts: String,
}

impl NewExpert {
    /// An expert with no declared conflicts (the demo pools).
    pub fn without_conflicts(name: &str, employer: &str, fields: &str, title: &str) -> Self {
        NewExpert {
            name: name.into(),
            employer: employer.into(),
            fields: fields.into(),
            title: title.into(),
            conflicts: String::new(),
        }
    }
}

impl ExpertForm {
    pub fn parse(&self) -> Result<NewExpert, Vec<FieldError>> {
        let mut e = Vec::new();
        let name = text(&mut e, "name", "专家姓名", &self.name, NAME_MAX, true);
        let employer = text(&mut e, "employer", "工作单位", &self.employer, NAME_MAX, false);
        let title = text(&mut e, "title", "职称", &self.title, NAME_MAX, false);
        let list = |s: String| {
            s.split([',', '，', '、', ';', '；', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        };
        let fields = list(text(&mut e, "fields", "专业领域", &self.fields, TEXT_MAX, false));
        let conflicts =
            list(text(&mut e, "conflicts", "申报回避的单位", &self.conflicts, TEXT_MAX, false));
        done(e, NewExpert { name, employer, fields, title, conflicts })
    }
}

/// One problem in a department sheet: its row (as Excel numbers it) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SheetProblem {
    pub row: usize,
    pub message: String,
}

/// The columns a department sheet has, by their headers.
pub const DEPARTMENT_COLUMNS: [&str; 4] = ["部门编码", "部门名称", "上级部门编码", "职能"];

/// The most departments one sheet may hold.
pub const MAX_DEPARTMENTS: usize = 5_000;

/// Reads a department tree from a sheet's cells: a header row naming the four columns (in
/// any order, within the first ten rows), then one department per row; party kinds are
/// separated by 、 or commas. Every row is checked, and the tree too: codes are unique, and a
/// parent is a department above it in the sheet or one of `existing` codes. Rows come back in
/// an order where each parent precedes its children.
pub fn read_department_sheet(
    cells: &[Vec<String>], existing: &[String],
) -> Result<Vec<NewDepartment>, Vec<SheetProblem>> {
    let header = cells
        .iter()
        .take(10)
        .position(|row| DEPARTMENT_COLUMNS[..2].iter().all(|h| row.iter().any(|c| c.trim() == *h)));
    let Some(header) = header else {
        return Err(vec![SheetProblem {
            row: 1,
            message: format!("找不到表头：第一行应为 {}", DEPARTMENT_COLUMNS.join("、")),
        }]);
    };
    let col = |h: &str| cells[header].iter().position(|c| c.trim() == h);
    let columns: Vec<Option<usize>> = DEPARTMENT_COLUMNS.iter().map(|h| col(h)).collect();
    let cell = |row: &[String], i: usize| {
        columns[i].and_then(|c| row.get(c)).map(|s| s.trim().to_string()).unwrap_or_default()
    };
    let mut problems = Vec::new();
    let mut rows: Vec<(usize, NewDepartment)> = Vec::new();
    for (i, row) in cells.iter().enumerate().skip(header + 1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let excel_row = i + 1;
        if rows.len() >= MAX_DEPARTMENTS {
            problems.push(SheetProblem {
                row: excel_row,
                message: format!("一次最多导入 {MAX_DEPARTMENTS} 个部门"),
            });
            break;
        }
        let form = DepartmentForm {
            code: cell(row, 0),
            name: cell(row, 1),
            parent: cell(row, 2),
            party_kinds: cell(row, 3)
                .split(['、', ',', '，', ';', '；'])
                .map(str::to_string)
                .collect(),
        };
        match form.parse() {
            Ok(d) => rows.push((excel_row, d)),
            Err(errors) => problems.extend(
                errors.into_iter().map(|e| SheetProblem { row: excel_row, message: e.message }),
            ),
        }
    }
    // The tree: unique codes, parents known, no cycles — placed parent first.
    let mut placed: Vec<String> = Vec::new();
    let mut ordered = Vec::with_capacity(rows.len());
    for (row, d) in &rows {
        if existing.contains(&d.code) {
            problems
                .push(SheetProblem {
                    row: *row, message: format!("部门编码“{}”已存在", d.code)
                });
        } else if rows.iter().filter(|(_, o)| o.code == d.code).count() > 1 {
            problems.push(SheetProblem {
                row: *row,
                message: format!("部门编码“{}”在表中出现了不止一次", d.code),
            });
        }
    }
    let mut pending: Vec<&(usize, NewDepartment)> = rows.iter().collect();
    loop {
        let before = pending.len();
        pending.retain(|(_, d)| {
            let ready = match &d.parent {
                None => true,
                Some(p) => existing.contains(p) || placed.contains(p),
            };
            if ready {
                placed.push(d.code.clone());
                ordered.push(d.clone());
            }
            !ready
        });
        if pending.is_empty() || pending.len() == before {
            break;
        }
    }
    for (row, d) in pending {
        let parent = d.parent.as_deref().unwrap_or_default();
        let message = if rows.iter().any(|(_, o)| o.code == parent) {
            format!("上级部门“{parent}”与本部门互为上下级，形成循环")
        } else {
            format!("上级部门编码“{parent}”既不在表中，也不是已有部门")
        };
        problems.push(SheetProblem { row: *row, message });
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(SheetProblem { row: header + 2, message: "表中没有部门".into() });
    }
    problems.sort_by_key(|p| p.row);
    if problems.is_empty() { Ok(ordered) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    }

    #[test]
    fn a_department_is_checked_field_by_field() {
        let d = DepartmentForm {
            code: " cwk ".into(),
            name: "财务科".into(),
            parent: "jtj".into(),
            party_kinds: vec!["财政部门".into(), "finance".into(), "".into()],
        }
        .parse()
        .expect("valid");
        assert_eq!(d.code, "cwk");
        assert_eq!(d.parent.as_deref(), Some("jtj"));
        assert_eq!(d.party_kinds, vec![PartyKind::Finance]);
        let e = DepartmentForm {
            code: "财务 科".into(),
            name: "".into(),
            parent: "".into(),
            party_kinds: vec!["总务".into()],
        }
        .parse()
        .expect_err("invalid");
        let fields: Vec<_> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["code", "name", "party_kinds"]);
        assert!(e[2].message.contains("总务") && e[2].message.contains("财政部门"));
    }

    #[test]
    fn firms_and_experts_are_checked() {
        let f = FirmForm {
            kind: "监理单位".into(), name: "某监理".into(), credit_code: "".into()
        };
        assert_eq!(f.parse().expect("ok").kind, FirmKind::Supervisor);
        let bad = FirmForm { kind: "x".into(), name: "".into(), credit_code: "123".into() };
        let fields: Vec<_> = bad.parse().expect_err("bad").iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["kind", "name", "credit_code"]);
        let x = ExpertForm {
            name: "王".into(),
            employer: "".into(),
            fields: "云计算、 数据治理，".into(),
            title: "高级工程师".into(),
            conflicts: "某局；某公司".into(),
        };
        let parsed = x.parse().expect("ok");
        assert_eq!(parsed.fields, "云计算,数据治理");
        assert_eq!(parsed.conflicts, "某局,某公司");
        assert!(JurisdictionForm::default().parse().is_err());
    }

    #[test]
    fn a_tree_is_read_parent_first_whatever_the_row_order() {
        let cells = sheet(&[
            &["组织机构导入"],
            &["部门名称", "部门编码", "上级部门编码", "职能"],
            &["财务科", "cwk", "jtj", "财政部门"],
            &["市交通运输局", "jtj", "", ""],
            &["", "", "", ""],
            &["数据中心", "sjzx", "jtj", "大数据中心、项目建设单位"],
            &["养护科", "yhk", "gov", ""],
        ]);
        let tree = read_department_sheet(&cells, &["gov".to_string()]).expect("valid");
        let codes: Vec<_> = tree.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, vec!["jtj", "sjzx", "yhk", "cwk"]);
        assert_eq!(tree[1].party_kinds, vec![PartyKind::DataCenter, PartyKind::OwnerUnit]);
    }

    #[test]
    fn a_bad_tree_names_every_row() {
        let cells = sheet(&[
            &["部门编码", "部门名称", "上级部门编码", "职能"],
            &["a", "甲", "b", ""],
            &["b", "乙", "a", ""],
            &["c", "丙", "zz", ""],
            &["c", "丙二", "", ""],
            &["gov", "已有", "", ""],
            &["d", "", "", "外星部门"],
        ]);
        let problems = read_department_sheet(&cells, &["gov".to_string()]).expect_err("bad");
        let rows: Vec<_> = problems.iter().map(|p| p.row).collect();
        assert_eq!(rows, vec![2, 3, 4, 4, 5, 6, 7, 7], "{problems:?}");
        assert!(problems.iter().any(|p| p.message.contains("循环")));
        assert!(problems.iter().any(|p| p.message.contains("“zz”既不在表中")));
        assert!(problems.iter().any(|p| p.message.contains("已存在")));
        assert!(read_department_sheet(&sheet(&[&["名称"]]), &[]).is_err());
    }
}
