//! Progress reports during construction: yeji:15's quarterly 进度情况表 (annex 2: the unit's
//! head and contacts, the project's main content, its progress with the expected completion
//! date, the total and the amount invested so far), gaoping:19's 对照分析、通报进展 and
//! xinzhou-transport:16's 填报项目进展. Pure: what a report's form says, the quarter it covers,
//! how its spending stands against the approved budget, and the route it takes (the chain of
//! the profile's `progress_report` stage; none: the report is only recorded).

use crate::error::FieldError;
use crate::money::Yuan;
use crate::policy::{Facts, Profile, Stage};
use crate::workflow::{Progress, Route, RunStatus};
use chrono::{Datelike, NaiveDate};

named_enum!(
    /// Where a report stands, from its run.
    ReportStatus {
        Recorded => "recorded", "已填报",
        ToSend => "to_send", "待报送",
        Returned => "returned", "已退回",
        Filing => "filing", "备案中",
        Reported => "reported", "已报送",
        Filed => "filed", "已备案",
    }
);

/// A quarter of a year (2026 年第 3 季度).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Quarter {
    pub year: i32,
    pub q: u32,
}

impl Quarter {
    /// The quarter a day falls in.
    pub fn of(d: NaiveDate) -> Quarter {
        Quarter { year: d.year(), q: (d.month() - 1) / 3 + 1 }
    }

    /// The quarter before.
    pub fn previous(self) -> Quarter {
        match self.q {
            1 => Quarter { year: self.year - 1, q: 4 },
            q => Quarter { year: self.year, q: q - 1 },
        }
    }

    /// `2026Q3`, as stored and typed; `2026年第3季度` and `2026-3` are read too.
    pub fn parse(s: &str) -> Option<Quarter> {
        let s: String = s.trim().chars().map(crate::money::half_width).collect();
        let digits: Vec<u32> = s
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse().ok())
            .collect();
        match digits.as_slice() {
            [y, q] if (2000..=2100).contains(y) && (1..=4).contains(q) => {
                Some(Quarter { year: *y as i32, q: *q })
            }
            _ => None,
        }
    }

    pub fn code(self) -> String {
        format!("{}Q{}", self.year, self.q)
    }

    pub fn label(self) -> String {
        format!("{} 年第 {} 季度", self.year, self.q)
    }

    /// The quarter's first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).unwrap_or_default()
    }
}

/// A report's form, as typed (the page's fields and the API's body alike).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReportForm {
    /// 报告期: the quarter reported on (`2026Q3`).
    pub period: String,
    /// 主要内容.
    pub content: String,
    /// 建设进度.
    pub progress: String,
    /// 预计完成时间 (YYYY-MM-DD).
    pub expected_on: String,
    /// 已投资（万元）.
    pub invested: String,
    /// 负责人, 联系人, 电话, 手机, E-MAIL.
    pub head: String,
    pub contact: String,
    pub phone: String,
    pub mobile: String,
    pub email: String,
}

/// A report, read from its form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReportTerms {
    pub period: Quarter,
    pub content: String,
    pub progress: String,
    pub expected_on: NaiveDate,
    pub invested: Yuan,
    pub head: String,
    pub contact: String,
    pub phone: String,
    pub mobile: String,
    pub email: String,
}

/// A field's label, for messages and forms (annex 2's words).
pub fn label(field: &str) -> &'static str {
    match field {
        "period" => "报告期",
        "content" => "主要内容",
        "progress" => "建设进度",
        "expected_on" => "预计完成时间",
        "invested" => "已投资（万元）",
        "head" => "负责人",
        "contact" => "联系人",
        "phone" => "电话",
        "mobile" => "手机",
        "email" => "E-MAIL",
        _ => "",
    }
}

fn text(
    errors: &mut Vec<FieldError>, field: &'static str, v: &str, max: usize, required: bool,
) -> String {
    let v = v.trim();
    if v.is_empty() && required {
        errors.push(FieldError::new(field, format!("请填写{}", label(field))));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, format!("{}不能超过 {max} 个字", label(field))));
    }
    v.to_string()
}

impl ReportForm {
    /// The report, or every wrong field named. A report covers a quarter already begun, not
    /// one to come.
    pub fn parse(&self, today: NaiveDate) -> Result<ReportTerms, Vec<FieldError>> {
        let mut errors = Vec::new();
        let period = Quarter::parse(&self.period);
        match period {
            None => errors.push(FieldError::new("period", "报告期应为某年某季度，例如 2026Q3")),
            Some(p) if p > Quarter::of(today) => {
                errors.push(FieldError::new("period", "报告期不能晚于本季度"))
            }
            _ => {}
        }
        let content = text(&mut errors, "content", &self.content, 2000, true);
        let progress = text(&mut errors, "progress", &self.progress, 2000, true);
        let expected: String =
            self.expected_on.trim().chars().map(crate::money::half_width).collect();
        let expected_on = match NaiveDate::parse_from_str(&expected, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) if expected.is_empty() => {
                errors.push(FieldError::new("expected_on", "请填写预计完成时间（附件2说明第2条）"));
                None
            }
            Err(_) => {
                errors.push(FieldError::new(
                    "expected_on",
                    "预计完成时间应为 年-月-日，例如 2027-06-30",
                ));
                None
            }
        };
        let invested = match Yuan::parse_wan(&self.invested) {
            Ok(a) if a.0 >= 0 => Some(a),
            Ok(_) => {
                errors.push(FieldError::new("invested", "已投资不能为负数"));
                None
            }
            Err(e) => {
                let m = e.to_string();
                let m = match m.strip_prefix("金额") {
                    Some(rest) => format!("已投资{rest}"),
                    None if m == "请填写金额" => "请填写已投资（万元）".to_string(),
                    None => format!("已投资：{m}"),
                };
                errors.push(FieldError::new("invested", m));
                None
            }
        };
        let head = text(&mut errors, "head", &self.head, 50, true);
        let contact = text(&mut errors, "contact", &self.contact, 50, true);
        let phone = text(&mut errors, "phone", &self.phone, 30, false);
        let mobile = text(&mut errors, "mobile", &self.mobile, 30, false);
        let email = text(&mut errors, "email", &self.email, 100, false);
        if phone.is_empty() && mobile.is_empty() {
            errors.push(FieldError::new("phone", "电话和手机至少填写一项"));
        }
        if !email.is_empty() && !email.contains('@') {
            errors.push(FieldError::new("email", "E-MAIL 格式不正确"));
        }
        match (period, expected_on, invested, errors.is_empty()) {
            (Some(period), Some(expected_on), Some(invested), true) => Ok(ReportTerms {
                period,
                content,
                progress,
                expected_on,
                invested,
                head,
                contact,
                phone,
                mobile,
                email,
            }),
            _ => Err(errors),
        }
    }
}

/// The share of the approved budget invested so far, in basis points (rounded down), when the
/// budget is known.
pub fn spent_bp(invested: Yuan, approved: Yuan) -> Option<i64> {
    if approved.0 <= 0 {
        return None;
    }
    Some(
        i64::try_from(i128::from(invested.0) * 10_000 / i128::from(approved.0)).unwrap_or(i64::MAX),
    )
}

/// How far past its contract period a project finishes, as a share of that period in basis
/// points, rounded up so that anything above half reads above 5000 (lhasa:18's 超合同工期50%):
/// `finish` is the day the work was done, or the day the latest report expects it. None when
/// the period is empty; 0 when it finishes in time.
pub fn delay_bp(starts_on: NaiveDate, ends_on: NaiveDate, finish: NaiveDate) -> Option<i64> {
    let period = (ends_on - starts_on).num_days();
    if period <= 0 {
        return None;
    }
    let late = (finish - ends_on).num_days().max(0);
    Some((late * 10_000 + period - 1) / period)
}

/// The route a report takes under its profile: the chain of its `progress_report` stage
/// (yeji:15 报送 → 备案; gaoping:19 and xinzhou-transport:16 the owner's own step); empty where
/// the profile has none, and the report is only recorded.
pub fn report_route(profile: &Profile) -> Route {
    Route::from_rules(&profile.stages, &[Stage::ProgressReport], &Facts::new())
}

/// Where a report stands by its run.
pub fn status(route: &Route, progress: &Progress, returned: bool) -> ReportStatus {
    if route.steps.is_empty() {
        return ReportStatus::Recorded;
    }
    match progress.status {
        // Reported where the owner's own step is the last; filed where another party files it.
        RunStatus::Completed
            if route.steps.last().is_some_and(|s| s.parties.iter().all(|p| p == "owner_unit")) =>
        {
            ReportStatus::Reported
        }
        RunStatus::Completed => ReportStatus::Filed,
        _ if progress.current == 0 && returned => ReportStatus::Returned,
        _ if progress.current == 0 => ReportStatus::ToSend,
        _ => ReportStatus::Filing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day")
    }

    fn form() -> ReportForm {
        ReportForm {
            period: "2026年第3季度".into(),
            content: "建设全区统一的数据共享交换平台".into(),
            progress: "已完成需求调研和概要设计，开发完成 40%".into(),
            expected_on: "2027-06-30".into(),
            invested: "１２０".into(),
            head: "王主任".into(),
            contact: "李工".into(),
            phone: "".into(),
            mobile: "13800000000".into(),
            email: "li@example.gov.cn".into(),
        }
    }

    #[test]
    fn quarters_are_read_and_counted() {
        assert_eq!(Quarter::of(day("2026-10-09")), Quarter { year: 2026, q: 4 });
        assert_eq!(Quarter::of(day("2026-01-05")).previous(), Quarter { year: 2025, q: 4 });
        for s in ["2026Q3", "2026年第3季度", "２０２６-3"] {
            assert_eq!(Quarter::parse(s), Some(Quarter { year: 2026, q: 3 }), "{s}");
        }
        assert_eq!(Quarter::parse("2026Q5"), None);
        assert_eq!(Quarter::parse("2026"), None);
        assert_eq!(Quarter { year: 2026, q: 3 }.first_day(), day("2026-07-01"));
    }

    #[test]
    fn a_report_is_read_with_every_wrong_field_named() {
        let t = form().parse(day("2026-10-09")).expect("valid");
        assert_eq!((t.period.code(), t.invested), ("2026Q3".to_string(), Yuan(1_200_000)));
        let bad = ReportForm {
            period: "2027Q1".into(),
            expected_on: "明年".into(),
            invested: "-1".into(),
            mobile: "".into(),
            email: "li".into(),
            ..form()
        };
        let errs = bad.parse(day("2026-10-09")).expect_err("refused");
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["period", "expected_on", "invested", "phone", "email"], "{errs:?}");
        let none = ReportForm::default().parse(day("2026-10-09")).expect_err("empty");
        assert!(none.iter().any(|e| e.message.contains("附件2")), "{none:?}");
    }

    #[test]
    fn spending_is_a_share_of_the_approved_budget() {
        assert_eq!(spent_bp(Yuan(1_200_000), Yuan(3_000_000)), Some(4000));
        assert_eq!(spent_bp(Yuan(1), Yuan(0)), None);
    }

    #[test]
    fn lhasa_18_reads_a_delay_on_both_sides_of_half_the_contract_period() {
        // A 200-day contract: 100 days late is half, 101 days more than half.
        let (a, b) = (day("2026-01-01"), day("2026-07-20"));
        assert_eq!((b - a).num_days(), 200);
        assert_eq!(delay_bp(a, b, day("2026-10-28")), Some(5000));
        assert_eq!(delay_bp(a, b, day("2026-10-29")), Some(5050));
        assert_eq!(delay_bp(a, b, day("2026-05-01")), Some(0), "in time");
        assert_eq!(delay_bp(b, a, b), None, "no period");
        // One day over a 3-day contract rounds up.
        assert_eq!(delay_bp(a, day("2026-01-04"), day("2026-01-05")), Some(3334));
    }

    #[test]
    fn each_profile_reports_along_its_own_chain() {
        let chain = |id: &str| -> Vec<String> {
            let p = crate::policy::builtin().into_iter().find(|p| p.head.id == id).expect("p");
            report_route(&p).steps.iter().map(|s| s.action.clone()).collect()
        };
        assert_eq!(chain("yeji"), ["填写进度情况表并报送", "备案"]);
        assert_eq!(chain("xinzhou-transport"), ["填报项目进展"]);
        assert!(chain("lhasa").is_empty(), "recorded only");
    }
}
