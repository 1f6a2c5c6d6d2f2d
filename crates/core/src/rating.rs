//! A project's overall rating (综合评级, issue 12 §5): five levels of risk, as the US IT
//! Dashboard rates federal IT investments — computed from the project's cost, schedule and
//! obligations, and a rating the authority gives that may lower the computed one but never
//! raise it. A given rating is stale (已过时) once the computed one has moved since it was
//! given, or once a year has passed (the evaluations it stands beside are yearly: gaoping:22's
//! 绩效考评, xinzhou-transport:25's 年度工作绩效考核).
//!
//! The bands are govit's method, shown on every rating page, not a regulation's rule; the one
//! anchored in a regulation is lhasa:18's 超合同工期50%, the line between the two lowest
//! schedule levels. Pure: the basis in, the levels out.

use crate::error::FieldError;
use crate::money::Yuan;
use chrono::NaiveDate;

/// The lowest and highest level: 1 高风险 … 5 低风险.
pub const LOWEST: u8 = 1;
pub const HIGHEST: u8 = 5;

/// The longest reason a given rating keeps.
pub const REASON_MAX: usize = 1000;

/// How long a given rating stays current without a new one (days).
pub const STALE_AFTER_DAYS: i64 = 365;

/// A level's name.
pub fn label(level: u8) -> &'static str {
    match level {
        5 => "低风险",
        4 => "中低风险",
        3 => "中风险",
        2 => "中高风险",
        _ => "高风险",
    }
}

/// A level's colour as the pages draw it: green (4–5), yellow (3) or red (1–2).
pub fn colour(level: u8) -> &'static str {
    match level {
        4.. => "green",
        3 => "yellow",
        _ => "red",
    }
}

named_enum!(
    /// What a computed rating weighs.
    Factor {
        Cost => "cost", "成本",
        Schedule => "schedule", "进度",
        Obligations => "obligations", "法定义务",
    }
);

/// What a project's computed rating is computed from, as its rows stand today.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Basis {
    /// The approved investment.
    pub approved: Yuan,
    /// What is committed against it: the larger of its contracts' amounts and what was paid
    /// or is being asked for.
    pub committed: Yuan,
    /// The construction contracts' period (the earliest start, the latest end), if any.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// The day the work was done (初步验收 or 竣工验收, the earlier), if it was.
    pub done: Option<NaiveDate>,
    /// The completion the latest progress report expects, if any.
    pub expected: Option<NaiveDate>,
    /// Its obligations overdue today.
    pub overdue: i64,
}

/// One factor's level, with what it measured, in words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Weighed {
    pub factor: Factor,
    pub level: u8,
    /// 已承诺投资超出批复投资 12.5% / 超合同工期 60.0% / 逾期未履行的法定义务 2 项.
    pub measured: String,
}

/// A computed rating: the lowest of its factors' levels (each weighed where its basis is
/// known), and the factors.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Computed {
    pub level: u8,
    pub factors: Vec<Weighed>,
}

/// A variance in basis points to a level: none or below → 5; under 10% → 4; under 30% → 3;
/// up to 50% → 2; above 50% → 1 (lhasa:18's 严重滞后 is 超合同工期50%).
pub fn band(bp: i64) -> u8 {
    match bp {
        ..=0 => 5,
        1..1_000 => 4,
        1_000..3_000 => 3,
        3_000..=5_000 => 2,
        _ => 1,
    }
}

/// Obligations overdue to a level: none → 5; one → 3; two → 2; three or more → 1.
pub fn obligations_band(overdue: i64) -> u8 {
    match overdue {
        ..=0 => 5,
        1 => 3,
        2 => 2,
        _ => 1,
    }
}

/// Basis points as a percentage with one decimal, rounded up as the bands read them (5,001 is
/// 50.1%, above half; 1 is 0.1%, not 0.0%).
fn percent(bp: i64) -> String {
    let tenths = bp.saturating_add(9) / 10;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// How far `committed` goes beyond `approved`, in basis points (rounded up), when the
/// approved investment is known.
pub fn overrun_bp(committed: Yuan, approved: Yuan) -> Option<i64> {
    if approved.0 <= 0 {
        return None;
    }
    let over = i128::from(committed.0.saturating_sub(approved.0).max(0));
    let den = i128::from(approved.0);
    Some(i64::try_from((over * 10_000 + den - 1) / den).unwrap_or(i64::MAX))
}

/// The day the work counts as finished for the schedule: the day it was done; while under way,
/// the later of the completion the latest report expects and `today` (a project past its end
/// with nothing done is at least as late as today).
pub fn finish(basis: &Basis, today: NaiveDate) -> NaiveDate {
    basis.done.unwrap_or_else(|| basis.expected.map_or(today, |e| e.max(today)))
}

/// The computed rating of a project with `basis` on `today`.
pub fn compute(basis: &Basis, today: NaiveDate) -> Computed {
    let mut factors = Vec::new();
    if let Some(bp) = overrun_bp(basis.committed, basis.approved) {
        let measured = if bp == 0 {
            "已承诺投资未超出批复投资".to_string()
        } else {
            format!("已承诺投资超出批复投资 {}", percent(bp))
        };
        factors.push(Weighed { factor: Factor::Cost, level: band(bp), measured });
    }
    if let Some((starts, ends)) = basis.period
        && let Some(bp) = crate::progress::delay_bp(starts, ends, finish(basis, today))
    {
        let measured = match (bp, basis.done) {
            (0, Some(_)) => "验收时未超合同工期".to_string(),
            (0, None) => "至今未超合同工期".to_string(),
            (_, Some(_)) => format!("验收时超合同工期 {}", percent(bp)),
            (_, None) => format!("至今已超合同工期 {}", percent(bp)),
        };
        factors.push(Weighed { factor: Factor::Schedule, level: band(bp), measured });
    }
    let measured = match basis.overdue {
        ..=0 => "没有逾期未履行的法定义务".to_string(),
        n => format!("逾期未履行的法定义务 {n} 项"),
    };
    factors.push(Weighed {
        factor: Factor::Obligations,
        level: obligations_band(basis.overdue),
        measured,
    });
    let level = factors.iter().map(|f| f.level).min().unwrap_or(HIGHEST);
    Computed { level, factors }
}

impl Computed {
    /// The factors not weighed, with why: no approved investment to weigh the cost against, no
    /// construction contract to give the schedule a period.
    pub fn unweighed(&self) -> Vec<(Factor, &'static str)> {
        let why = |f: Factor| match f {
            Factor::Cost => "尚无批复投资，不计成本",
            Factor::Schedule => "尚无建设合同的工期，不计进度",
            Factor::Obligations => "",
        };
        [Factor::Cost, Factor::Schedule]
            .into_iter()
            .filter(|f| !self.factors.iter().any(|w| w.factor == *f))
            .map(|f| (f, why(f)))
            .collect()
    }

    /// What brought it below 5, in words: each factor under 5 with what it measured.
    pub fn reasons(&self) -> String {
        self.factors
            .iter()
            .filter(|f| f.level < HIGHEST)
            .map(|f| format!("{}：{}", f.factor.label(), f.measured))
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// A rating the authority gave, as kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Given {
    pub level: u8,
    /// The computed level when it was given.
    pub computed: u8,
    pub on: NaiveDate,
}

/// What a project's rating is now: the computed one, lowered by the given one if there is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rating {
    pub level: u8,
    pub computed: Computed,
    pub given: Option<Given>,
    /// The given rating is stale: the computed one has moved since, or a year has passed.
    pub stale: bool,
}

impl Rating {
    /// `computed` with the latest `given` rating, on `today`.
    pub fn of(computed: Computed, given: Option<Given>, today: NaiveDate) -> Rating {
        let level = given.as_ref().map_or(computed.level, |g| g.level.min(computed.level));
        let stale = given.as_ref().is_some_and(|g| {
            g.computed != computed.level || (today - g.on).num_days() >= STALE_AFTER_DAYS
        });
        Rating { level, computed, given, stale }
    }
    pub fn label(&self) -> &'static str {
        label(self.level)
    }
    pub fn colour(&self) -> &'static str {
        colour(self.level)
    }
}

/// A rating to give, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RatingForm {
    /// 1–5.
    pub level: String,
    pub reason: String,
}

/// A rating to give, read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RatingTerms {
    pub level: u8,
    pub reason: String,
}

impl RatingForm {
    /// The rating, or every wrong field named: a level from 1 to 5 not above `computed`
    /// (the authority may lower the computed rating, never raise it), and the reason.
    pub fn parse(&self, computed: u8) -> Result<RatingTerms, Vec<FieldError>> {
        let mut errors = Vec::new();
        let typed: String = self.level.trim().chars().map(crate::money::half_width).collect();
        let level = match typed.parse::<u8>() {
            _ if typed.is_empty() => {
                errors.push(FieldError::new("level", "请选择综合评级"));
                None
            }
            Ok(l) if (LOWEST..=HIGHEST).contains(&l) && l > computed => {
                errors.push(FieldError::new(
                    "level",
                    format!(
                        "综合评级只能调低、不能调高：按成本、进度和法定义务计算为 {computed} 级（{}），所给评级不能高于它",
                        label(computed)
                    ),
                ));
                None
            }
            Ok(l) if (LOWEST..=HIGHEST).contains(&l) => Some(l),
            _ => {
                errors.push(FieldError::new("level", "综合评级应为 1 到 5 的整数"));
                None
            }
        };
        let reason =
            crate::error::free_text(&self.reason, "reason", "评级理由", REASON_MAX, &mut errors);
        match level {
            Some(level) if errors.is_empty() => Ok(RatingTerms { level, reason }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a day")
    }

    fn basis() -> Basis {
        Basis { approved: Yuan(1_000_000), committed: Yuan(900_000), ..Basis::default() }
    }

    #[test]
    fn bands_meet_at_their_edges() {
        assert_eq!(band(0), 5);
        assert_eq!(band(1), 4);
        assert_eq!(band(999), 4);
        assert_eq!(band(1_000), 3);
        assert_eq!(band(2_999), 3);
        assert_eq!(band(3_000), 2);
        // lhasa:18: 超合同工期50% is serious only above it.
        assert_eq!(band(5_000), 2);
        assert_eq!(band(5_001), 1);
        assert_eq!(obligations_band(0), 5);
        assert_eq!(obligations_band(1), 3);
        assert_eq!(obligations_band(2), 2);
        assert_eq!(obligations_band(3), 1);
    }

    #[test]
    fn a_project_within_budget_time_and_duty_is_low_risk() {
        let c = compute(&basis(), d("2026-06-16"));
        assert_eq!(c.level, 5);
        assert_eq!(c.factors.len(), 2, "no contract period: the schedule is not weighed");
        assert_eq!(c.unweighed(), [(Factor::Schedule, "尚无建设合同的工期，不计进度")]);
        assert_eq!(c.reasons(), "");
    }

    #[test]
    fn the_worst_factor_decides() {
        let mut b = basis();
        b.committed = Yuan(1_150_000); // 15% over → 3
        b.overdue = 1; // → 3
        b.period = Some((d("2026-01-01"), d("2026-05-01"))); // 120 days
        // Today 2026-06-16 and not done: 46 days late on 120 → 38.4% (rounded up) → 2.
        let c = compute(&b, d("2026-06-16"));
        assert_eq!(c.level, 2);
        let schedule = c.factors.iter().find(|f| f.factor == Factor::Schedule).expect("there");
        assert_eq!(schedule.level, 2);
        assert!(schedule.measured.contains("至今已超合同工期 38.4%"), "{}", schedule.measured);
        assert!(
            c.reasons().starts_with("成本：已承诺投资超出批复投资 15.0%；进度："),
            "{}",
            c.reasons()
        );
        let cost = c.factors.iter().find(|f| f.factor == Factor::Cost).expect("there");
        assert_eq!((cost.level, cost.measured.as_str()), (3, "已承诺投资超出批复投资 15.0%"));
    }

    #[test]
    fn a_report_expecting_later_completion_counts_and_the_done_day_ends_the_clock() {
        let mut b = basis();
        b.period = Some((d("2026-01-01"), d("2026-05-01")));
        b.expected = Some(d("2026-08-30")); // 121 days late on 120 → above half
        assert_eq!(compute(&b, d("2026-03-01")).level, 1);
        b.done = Some(d("2026-05-01"));
        let done = compute(&b, d("2027-03-01"));
        assert_eq!(done.level, 5);
        assert!(done.factors.iter().any(|f| f.measured == "验收时未超合同工期"), "{done:?}");
    }

    #[test]
    fn a_given_rating_lowers_never_raises_and_goes_stale() {
        let computed = compute(&basis(), d("2026-06-16"));
        let form = RatingForm { level: "5".into(), reason: "核查属实".into() };
        assert_eq!(form.parse(5).expect("read").level, 5);
        let e = form.parse(3).expect_err("refused");
        assert_eq!(e[0].field, "level");
        assert!(e[0].message.contains("不能调高"), "{}", e[0].message);
        for bad in ["0", "6", "x", "2.5"] {
            let f = RatingForm { level: bad.into(), reason: "理由".into() };
            assert_eq!(f.parse(5).expect_err("refused")[0].field, "level", "{bad}");
        }
        let f = RatingForm { level: "２".into(), reason: " ".into() };
        let e = f.parse(5).expect_err("refused");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "reason");
        let given = Given { level: 2, computed: 5, on: d("2026-06-16") };
        let r = Rating::of(computed.clone(), Some(given.clone()), d("2026-06-16"));
        assert_eq!((r.level, r.stale), (2, false));
        // A year later the same rating is stale.
        let r = Rating::of(computed.clone(), Some(given.clone()), d("2027-06-16"));
        assert!(r.stale);
        // The computed one fell below the given one: it wins, and the given one is stale.
        let mut worse = computed;
        worse.level = 1;
        let r = Rating::of(worse, Some(given), d("2026-06-20"));
        assert_eq!((r.level, r.stale), (1, true));
    }

    #[test]
    fn shown_percentages_round_up_as_the_bands_do() {
        assert_eq!(percent(5_001), "50.1%");
        assert_eq!(percent(5_000), "50.0%");
        assert_eq!(percent(1), "0.1%");
        assert_eq!(percent(0), "0.0%");
    }

    #[test]
    fn overrun_rounds_up_and_needs_a_budget() {
        assert_eq!(overrun_bp(Yuan(1_000_001), Yuan(1_000_000)), Some(1));
        assert_eq!(overrun_bp(Yuan(5), Yuan(0)), None);
        assert_eq!(overrun_bp(Yuan(i64::MAX), Yuan(1)), Some(i64::MAX));
    }
}
