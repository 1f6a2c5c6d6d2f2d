//! The declaration form (申报表) of yeji annex 1, parsed once at the edge.
//!
//! Raw strings come in as [`DeclarationForm`] (from an HTML form or the JSON API); a
//! [`Declaration`] exists only when every field is valid, so code after parsing never
//! re-checks. The limits cited here move into the yeji policy profile with the rules engine.

use crate::error::{FieldError, checked, refused};
use crate::money::{AmountError, Yuan};
use serde::{Deserialize, Serialize};
use std::fmt;

/// yeji annex 1, note 2: 每个项目的简要说明字数控制在200字以内.
pub const SUMMARY_MAX_CHARS: usize = 200;
pub const SUMMARY_CITATION: &str = "yeji:附件1";
pub const NAME_MAX_CHARS: usize = 100;
pub const PERSON_MAX_CHARS: usize = 30;
pub const REMARKS_MAX_CHARS: usize = 500;

/// The form as typed: every field a string, missing fields empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeclarationForm {
    pub name: String,
    pub summary: String,
    pub period_start: String,
    pub period_end: String,
    pub investment: String,
    pub fiscal_funds: String,
    pub bank_loan: String,
    pub self_raised: String,
    pub other_funds: String,
    pub leader: String,
    pub contact: String,
    pub phone: String,
    pub email: String,
    pub remarks: String,
    /// 分年度投资计划 of a multi-year project: one year a line, `2026 120.5` (万元); optional.
    pub yearly_budget: String,
    /// 单部门 (`0`) or 跨部门 (`1`) project; empty when the unit leaves it to the reviewer.
    pub cross_department: String,
}

/// The most years a yearly budget lists.
pub const YEARLY_MAX_LINES: usize = 20;

/// The Chinese label of a form field, as printed on annex 1.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "name" => "项目名称",
        "summary" => "项目简要说明及建设依据",
        "period_start" => "建设年度（开始）",
        "period_end" => "建设年度（结束）",
        "investment" => "项目投资",
        "fiscal_funds" => "财政资金",
        "bank_loan" => "银行贷款",
        "self_raised" => "自筹",
        "other_funds" => "其他",
        "fund_sources" => "资金筹措",
        "leader" => "负责人",
        "contact" => "联系人",
        "phone" => "联系电话",
        "email" => "电子邮箱",
        "remarks" => "备注",
        "yearly_budget" => "分年度投资计划",
        "cross_department" => "单部门或跨部门项目",
        "version" => "版本",
        "reason" => "退回理由",
        "decision" => "审核意见",
        _ => "",
    }
}

/// A calendar month, as in 「2025年01月」.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    /// Accepts `2025-01`, `2025-1`, `2025年01月`, `2025年1月`, `2025/01`, `202501`.
    pub fn parse(input: &str) -> Option<YearMonth> {
        let s = input.trim();
        let (y, m) = if let Some(rest) = s.strip_suffix('月') {
            rest.split_once('年')?
        } else if let Some(pair) = s.split_once('-').or_else(|| s.split_once('/')) {
            pair
        } else if s.len() == 6 && s.is_ascii() {
            s.split_at(4)
        } else {
            return None;
        };
        if y.len() != 4 || !y.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if m.is_empty() || m.len() > 2 || !m.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        if !(1..=12).contains(&month) || !(1990..=2100).contains(&year) {
            return None;
        }
        Some(YearMonth { year, month })
    }

    /// `2025-01`, the value an `<input type="month">` expects.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}年{:02}月", self.year, self.month)
    }
}

/// 建设年度: a start month and an end month not before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstructionPeriod {
    pub start: YearMonth,
    pub end: YearMonth,
}

impl fmt::Display for ConstructionPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}至{}", self.start, self.end)
    }
}

/// 资金筹措: the four sources of annex 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FundSources {
    pub fiscal: Yuan,
    pub bank_loan: Yuan,
    pub self_raised: Yuan,
    pub other: Yuan,
}

impl FundSources {
    pub fn total(&self) -> Yuan {
        // Each source is at most MAX_YUAN, so four of them cannot overflow an i64.
        Yuan(self.fiscal.0 + self.bank_loan.0 + self.self_raised.0 + self.other.0)
    }
}

/// A mainland phone number: a mobile number or a landline with its area code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Option<Phone> {
        let s: String = input.trim().chars().filter(|c| *c != ' ').collect();
        let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
        let mobile = s.len() == 11
            && digits(&s)
            && s.starts_with('1')
            && matches!(s.as_bytes()[1], b'3'..=b'9');
        let landline = {
            let mut parts = s.split('-');
            let (a, b, c) = (parts.next(), parts.next(), parts.next());
            let ext_ok = |e: Option<&str>| e.is_none_or(|e| digits(e) && e.len() <= 6);
            match (a, b) {
                (Some(area), Some(num)) => {
                    parts.next().is_none()
                        && digits(area)
                        && area.starts_with('0')
                        && (3..=4).contains(&area.len())
                        && digits(num)
                        && (7..=8).contains(&num.len())
                        && ext_ok(c)
                }
                (Some(whole), None) => {
                    digits(whole) && whole.starts_with('0') && (10..=12).contains(&whole.len())
                }
                _ => false,
            }
        };
        (mobile || landline).then_some(Phone(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, checked for shape only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Option<Email> {
        let s = input.trim();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || !c.is_ascii()) {
            return None;
        }
        let (local, domain) = s.split_once('@')?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        (!local.is_empty() && !local.contains('@') && domain_ok).then(|| Email(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A declaration whose every field is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub name: String,
    pub summary: String,
    pub period: ConstructionPeriod,
    pub investment: Yuan,
    pub sources: FundSources,
    pub leader: String,
    pub contact: String,
    pub phone: Phone,
    pub email: Email,
    pub remarks: String,
    /// 分年度投资计划: (year, amount), in year order; empty when not given. When given, its years
    /// lie within the construction period and its amounts add up to the investment.
    #[serde(default)]
    pub yearly: Vec<(i32, Yuan)>,
    /// Whether it involves two or more departments, as the unit declares it (`None`: not
    /// said; the reviewer establishes it). A reviewer's finding (认定) prevails.
    #[serde(default)]
    pub cross_department: Option<bool>,
}

fn char_count(s: &str) -> usize {
    s.chars().count()
}

fn required_text(
    errors: &mut Vec<FieldError>, field: &'static str, value: &str, max: usize,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, format!("请填写{}", field_label(field))));
    } else if char_count(v) > max {
        errors.push(FieldError::new(
            field,
            format!("{}不能超过 {max} 个字，现为 {} 个字", field_label(field), char_count(v)),
        ));
    }
    v.to_string()
}

fn amount(
    errors: &mut Vec<FieldError>, field: &'static str, value: &str, optional: bool,
) -> Option<Yuan> {
    if optional && value.trim().is_empty() {
        return Some(Yuan(0));
    }
    match Yuan::parse_wan(value) {
        Ok(y) => Some(y),
        Err(AmountError::Empty) => {
            errors.push(FieldError::new(field, format!("请填写{}（万元）", field_label(field))));
            None
        }
        Err(e) => {
            errors.push(FieldError::new(field, format!("{}：{e}", field_label(field))));
            None
        }
    }
}

const PHONE_FORMAT: &str =
    "联系电话应为 11 位手机号，或带区号的固定电话（区号-号码，如 010-12345678）";
const EMAIL_FORMAT: &str = "电子邮箱格式不正确，例如 name@yeji.gov.cn";

fn month(errors: &mut Vec<FieldError>, field: &'static str, value: &str) -> Option<YearMonth> {
    if value.trim().is_empty() {
        errors
            .push(FieldError::new(field, format!("请填写{}，格式如 2025-01", field_label(field))));
        return None;
    }
    let message = format!("{}格式应为“2025年01月”或“2025-01”", field_label(field));
    checked(errors, field, YearMonth::parse(value), &message)
}

impl DeclarationForm {
    /// Parses the whole form, reporting every invalid field at once.
    pub fn parse(&self) -> Result<Declaration, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = required_text(&mut errors, "name", &self.name, NAME_MAX_CHARS);
        let summary = required_text(&mut errors, "summary", &self.summary, SUMMARY_MAX_CHARS);
        let start = month(&mut errors, "period_start", &self.period_start);
        let end = month(&mut errors, "period_end", &self.period_end);
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            errors.push(FieldError::new(
                "period_end",
                format!("建设年度的结束月份（{e}）不能早于开始月份（{s}）"),
            ));
        }
        let investment = amount(&mut errors, "investment", &self.investment, false);
        let fiscal = amount(&mut errors, "fiscal_funds", &self.fiscal_funds, true);
        let loan = amount(&mut errors, "bank_loan", &self.bank_loan, true);
        let self_raised = amount(&mut errors, "self_raised", &self.self_raised, true);
        let other = amount(&mut errors, "other_funds", &self.other_funds, true);
        let mut sources = None;
        if let (Some(inv), Some(f), Some(l), Some(s), Some(o)) =
            (investment, fiscal, loan, self_raised, other)
        {
            let fs = FundSources { fiscal: f, bank_loan: l, self_raised: s, other: o };
            if fs.total() != inv {
                errors.push(FieldError::new(
                    "fund_sources",
                    format!(
                        "资金筹措合计 {} 万元（财政资金、银行贷款、自筹、其他之和）与项目投资 {} 万元不一致",
                        fs.total().to_wan_string(),
                        inv.to_wan_string()
                    ),
                ));
            }
            sources = Some(fs);
        }
        let leader = required_text(&mut errors, "leader", &self.leader, PERSON_MAX_CHARS);
        let contact = required_text(&mut errors, "contact", &self.contact, PERSON_MAX_CHARS);
        let phone = match self.phone.trim() {
            "" => refused(&mut errors, "phone", "请填写联系电话"),
            _ => checked(&mut errors, "phone", Phone::parse(&self.phone), PHONE_FORMAT),
        };
        let email = match self.email.trim() {
            "" => refused(&mut errors, "email", "请填写电子邮箱"),
            _ => checked(&mut errors, "email", Email::parse(&self.email), EMAIL_FORMAT),
        };
        let remarks = self.remarks.trim().to_string();
        if char_count(&remarks) > REMARKS_MAX_CHARS {
            errors
                .push(FieldError::new("remarks", format!("备注不能超过 {REMARKS_MAX_CHARS} 个字")));
        }
        let yearly = match (start, end, investment) {
            (Some(s), Some(e), Some(inv)) if e >= s => yearly_budget(
                &mut errors,
                &self.yearly_budget,
                ConstructionPeriod { start: s, end: e },
                inv,
            ),
            _ => Vec::new(),
        };
        let cross_department = match self.cross_department.trim() {
            "" => None,
            "0" | "single" | "单部门" => Some(false),
            "1" | "cross" | "跨部门" => Some(true),
            _ => {
                errors.push(FieldError::new("cross_department", "请选择单部门项目或跨部门项目"));
                None
            }
        };
        match (start, end, investment, sources, phone, email) {
            (Some(start), Some(end), Some(investment), Some(sources), Some(phone), Some(email))
                if errors.is_empty() =>
            {
                Ok(Declaration {
                    yearly,
                    cross_department,
                    name,
                    summary,
                    period: ConstructionPeriod { start, end },
                    investment,
                    sources,
                    leader,
                    contact,
                    phone,
                    email,
                    remarks,
                })
            }
            _ => Err(errors),
        }
    }
}

impl Declaration {
    /// The form a stored declaration is edited with.
    pub fn to_form(&self) -> DeclarationForm {
        DeclarationForm {
            name: self.name.clone(),
            summary: self.summary.clone(),
            period_start: self.period.start.iso(),
            period_end: self.period.end.iso(),
            investment: self.investment.to_wan_string(),
            fiscal_funds: self.sources.fiscal.to_wan_string(),
            bank_loan: self.sources.bank_loan.to_wan_string(),
            self_raised: self.sources.self_raised.to_wan_string(),
            other_funds: self.sources.other.to_wan_string(),
            leader: self.leader.clone(),
            contact: self.contact.clone(),
            phone: self.phone.as_str().to_string(),
            email: self.email.as_str().to_string(),
            remarks: self.remarks.clone(),
            yearly_budget: self
                .yearly
                .iter()
                .map(|(y, a)| format!("{y} {}", a.to_wan_string()))
                .collect::<Vec<_>>()
                .join("\n"),
            cross_department: match self.cross_department {
                None => String::new(),
                Some(false) => "0".into(),
                Some(true) => "1".into(),
            },
        }
    }

    /// The yearly budget as stored: `2026:1000000;2027:205000` (yuan).
    pub fn yearly_stored(&self) -> String {
        self.yearly.iter().map(|(y, a)| format!("{y}:{}", a.0)).collect::<Vec<_>>().join(";")
    }

    /// A yearly budget as stored; what cannot be read is left out.
    pub fn yearly_from_stored(text: &str) -> Vec<(i32, Yuan)> {
        text.split(';')
            .filter_map(|part| {
                let (y, a) = part.split_once(':')?;
                Some((y.trim().parse().ok()?, Yuan(a.trim().parse().ok()?)))
            })
            .collect()
    }

    /// The amount declared for `year`, when the yearly budget names it.
    pub fn declared_for(&self, year: i32) -> Option<Yuan> {
        self.yearly.iter().find(|(y, _)| *y == year).map(|(_, a)| *a)
    }
}

/// Parses 分年度投资计划: one year a line (`2026 120.5`, `2026年：120.5万元`, or `;`-separated),
/// each year once and within the construction period, adding up to the investment (xinzhou-
/// transport:7 and linxiang:10 ask multi-year projects for it). Blank: none given.
fn yearly_budget(
    errors: &mut Vec<FieldError>, text: &str, period: ConstructionPeriod, investment: Yuan,
) -> Vec<(i32, Yuan)> {
    const FIELD: &str = "yearly_budget";
    let lines: Vec<&str> =
        text.split(['\n', ';', '；']).map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.len() > YEARLY_MAX_LINES {
        errors.push(FieldError::new(FIELD, format!("分年度投资计划最多 {YEARLY_MAX_LINES} 行")));
        return Vec::new();
    }
    let mut out: Vec<(i32, Yuan)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let digits: String = line.chars().take_while(char::is_ascii_digit).collect();
        let rest = line[digits.len()..]
            .trim_start_matches('年')
            .trim_start_matches([' ', ':', '：', '=', '\t'])
            .trim_end_matches("万元")
            .trim();
        let year = digits.parse::<i32>().ok().filter(|_| digits.len() == 4);
        let amount = Yuan::parse_wan(rest);
        let (Some(year), Ok(amount)) = (year, amount) else {
            errors.push(FieldError::new(
                FIELD,
                format!("分年度投资计划第 {} 行应为“年份 金额（万元）”，如“2026 120.5”", i + 1),
            ));
            return Vec::new();
        };
        if year < period.start.year || year > period.end.year {
            errors.push(FieldError::new(
                FIELD,
                format!("分年度投资计划的 {year} 年不在建设年度（{period}）内"),
            ));
            return Vec::new();
        }
        if out.iter().any(|(y, _)| *y == year) {
            errors.push(FieldError::new(FIELD, format!("分年度投资计划的 {year} 年填写了两次")));
            return Vec::new();
        }
        out.push((year, amount));
    }
    out.sort_by_key(|(y, _)| *y);
    let total: i64 = out.iter().map(|(_, a)| a.0).sum();
    if !out.is_empty() && total != investment.0 {
        errors.push(FieldError::new(
            FIELD,
            format!(
                "分年度投资合计 {} 万元与项目投资 {} 万元不一致",
                Yuan(total).to_wan_string(),
                investment.to_wan_string()
            ),
        ));
        return Vec::new();
    }
    out
}

#[cfg(test)]
pub(crate) fn valid_form() -> DeclarationForm {
    DeclarationForm {
        name: "叶集区智慧城管平台".into(),
        summary: "建设城市管理综合指挥平台，依据《叶集区数字政府建设规划》。".into(),
        period_start: "2025-01".into(),
        period_end: "2025年12月".into(),
        investment: "120.5".into(),
        fiscal_funds: "100".into(),
        bank_loan: "".into(),
        self_raised: "20.5".into(),
        other_funds: "0".into(),
        leader: "张三".into(),
        contact: "李四".into(),
        phone: "0564-6661234".into(),
        email: "lisi@yeji.gov.cn".into(),
        remarks: "".into(),
        yearly_budget: "".into(),
        cross_department: "".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(form: &DeclarationForm) -> Vec<&'static str> {
        form.parse().err().map(|e| e.into_iter().map(|f| f.field).collect()).unwrap_or_default()
    }

    #[test]
    fn valid_form_parses() {
        let d = valid_form().parse().expect("valid");
        assert_eq!(d.investment, Yuan(1_205_000));
        assert_eq!(d.sources.total(), d.investment);
        assert_eq!(d.period.to_string(), "2025年01月至2025年12月");
        assert_eq!(d.to_form().parse(), Ok(d));
    }

    #[test]
    fn a_yearly_budget_lies_within_the_period_and_adds_up_to_the_investment() {
        let mut f = valid_form();
        f.period_start = "2025-07".into();
        f.period_end = "2026-06".into();
        f.yearly_budget = "2025年：60.5万元\n2026 60".into();
        let d = f.parse().expect("valid");
        assert_eq!(d.yearly, vec![(2025, Yuan(605_000)), (2026, Yuan(600_000))]);
        assert_eq!(d.declared_for(2026), Some(Yuan(600_000)));
        assert_eq!(Declaration::yearly_from_stored(&d.yearly_stored()), d.yearly);
        assert_eq!(d.to_form().parse(), Ok(d));
        for (bad, says) in [
            ("2025 60.5\n2026 50", "分年度投资合计 110.5 万元与项目投资 120.5 万元不一致"),
            ("2027 120.5", "2027 年不在建设年度"),
            ("2025 60\n2025 60.5", "填写了两次"),
            ("明年 120.5", "第 1 行应为"),
            ("25 120.5", "第 1 行应为"),
        ] {
            f.yearly_budget = bad.into();
            let e = f.parse().expect_err(bad);
            assert_eq!(e.len(), 1, "{bad}: {e:?}");
            assert_eq!(e[0].field, "yearly_budget");
            assert!(e[0].message.contains(says), "{bad}: {}", e[0].message);
        }
        f.yearly_budget = "2025 1\n".repeat(YEARLY_MAX_LINES + 1);
        assert_eq!(fields(&f), vec!["yearly_budget"]);
        f.yearly_budget = "  ".into();
        assert!(f.parse().expect("blank").yearly.is_empty());
    }

    #[test]
    fn a_unit_may_say_whether_its_project_is_cross_department() {
        let mut f = valid_form();
        assert_eq!(f.parse().expect("blank").cross_department, None);
        for (typed, is) in [("1", Some(true)), ("跨部门", Some(true)), ("0", Some(false))] {
            f.cross_department = typed.into();
            let d = f.parse().expect(typed);
            assert_eq!(d.cross_department, is);
            assert_eq!(d.to_form().parse(), Ok(d));
        }
        f.cross_department = "2".into();
        assert_eq!(fields(&f), vec!["cross_department"]);
    }

    #[test]
    fn summary_at_and_over_the_limit() {
        let mut f = valid_form();
        f.summary = "字".repeat(SUMMARY_MAX_CHARS);
        assert!(f.parse().is_ok());
        f.summary = "字".repeat(SUMMARY_MAX_CHARS + 1);
        assert_eq!(fields(&f), vec!["summary"]);
    }

    #[test]
    fn period_must_not_end_before_it_starts() {
        let mut f = valid_form();
        f.period_start = "2025-06".into();
        f.period_end = "2025-05".into();
        assert_eq!(fields(&f), vec!["period_end"]);
        f.period_end = "2025-06".into();
        assert!(f.parse().is_ok());
        f.period_start = "2025-13".into();
        assert_eq!(fields(&f), vec!["period_start"]);
    }

    #[test]
    fn sources_must_add_up() {
        let mut f = valid_form();
        f.self_raised = "20.4999".into();
        assert_eq!(fields(&f), vec!["fund_sources"]);
    }

    #[test]
    fn bad_amounts_name_their_field() {
        for bad in ["abc", "-5", "1e9", "100000000000000000000"] {
            let mut f = valid_form();
            f.investment = bad.into();
            assert_eq!(fields(&f), vec!["investment"], "{bad}");
            let mut f = valid_form();
            f.bank_loan = bad.into();
            assert_eq!(fields(&f), vec!["bank_loan"], "{bad}");
        }
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        let f = DeclarationForm::default();
        let got = fields(&f);
        for want in [
            "name",
            "summary",
            "period_start",
            "period_end",
            "investment",
            "leader",
            "contact",
            "phone",
            "email",
        ] {
            assert!(got.contains(&want), "{want} missing from {got:?}");
        }
    }

    #[test]
    fn phones_and_emails() {
        for ok in ["13800000000", "0564-6661234", "010-12345678-123", "05646661234"] {
            assert!(Phone::parse(ok).is_some(), "{ok}");
        }
        for bad in ["12345", "12800000000", "abc", "0564-12", "564-6661234"] {
            assert!(Phone::parse(bad).is_none(), "{bad}");
        }
        assert!(Email::parse("a.b@yeji.gov.cn").is_some());
        for bad in ["a@b", "@b.cn", "a b@c.cn", "a@.cn", "张@a.cn"] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
    }
}
