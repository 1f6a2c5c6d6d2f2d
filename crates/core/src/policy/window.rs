//! The yearly declaration window: a profile's cut-off for declaring next year's projects
//! (yeji:6 before October, lhasa:7 by August 31) and what a declaration sent after it becomes
//! — the plan of the year after next (lhasa:7), or the supplementary plan only (yeji:8's 增列).

use super::schema::{DeadlineRule, Profile};
use super::vocabulary::{EventKind, Fact};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a declaration sent after the cut-off becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LateEffect {
    /// It enters the plan of the year after next (lhasa:7: 循环列入后一年度计划).
    PlanAfterNext,
    /// It can only join through the supplementary plan (增列), the path's
    /// `supplementary_plan` stage with `declared_late`.
    SupplementaryPlan,
}

impl LateEffect {
    pub fn label(self) -> &'static str {
        match self {
            LateEffect::PlanAfterNext => "列入后一年度计划",
            LateEffect::SupplementaryPlan => "只能按程序报批后增列入年度计划",
        }
    }
}

/// Where a declaration sent on a day stands against its profile's window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclarationWindow {
    pub cite: String,
    pub text: String,
    /// The last day of the window the day falls in or after (Beijing date).
    pub closes: NaiveDate,
    /// Sent after `closes`.
    pub late: bool,
    /// What being late changes, when late and the profile says.
    pub effect: Option<LateEffect>,
    /// The year whose plan the project is declared for.
    pub plan_year: i32,
}

impl DeclarationWindow {
    /// Whether a declaration sent in this window may enter the annual plan of `year`: one sent
    /// late where the profile sends it to the plan of the year after next (lhasa:7) enters
    /// none before its plan year; any other, any plan its construction period reaches.
    pub fn enters_annual_plan_of(&self, year: i32) -> bool {
        let deferred = self.late && self.effect == Some(LateEffect::PlanAfterNext);
        !deferred || year >= self.plan_year
    }

    /// What the window says to a declaration sent then, in a sentence for its page.
    pub fn sentence(&self) -> String {
        let closes =
            format!("{}年{}月{}日", self.closes.year(), self.closes.month(), self.closes.day());
        match (self.late, self.effect) {
            (false, _) => {
                format!("于 {closes} 前申报，申报{}年度项目（{}）", self.plan_year, self.cite)
            }
            (true, Some(e)) => format!(
                "{closes} 之后申报属逾期申报，{}（{}），本项目计划年度为{}年",
                e.label(),
                self.cite,
                self.plan_year
            ),
            (true, None) => format!(
                "{closes} 之后申报属逾期申报（{}），本项目计划年度为{}年",
                self.cite, self.plan_year
            ),
        }
    }
}

impl Profile {
    /// The profile's yearly declaration deadline: a fixed day, fulfilled by the submission.
    pub fn declaration_deadline(&self) -> Option<&DeadlineRule> {
        self.deadlines
            .iter()
            .find(|d| d.fulfilled_by == EventKind::DeclarationSubmitted && d.fixed.is_some())
    }

    /// Where a declaration sent on `sent` stands, if the profile has a yearly window. The
    /// cut-off of a year declares for the plan `-year_offset` years on (the year after).
    pub fn declaration_window(&self, sent: NaiveDate) -> Option<DeclarationWindow> {
        let rule = self.declaration_deadline()?;
        let fixed = rule.fixed?;
        let closes = NaiveDate::from_ymd_opt(sent.year(), fixed.month, fixed.day)
            // A 2-29 cut-off in a common year closes on 2-28.
            .or_else(|| NaiveDate::from_ymd_opt(sent.year(), fixed.month, fixed.day - 1))?;
        let ahead = (-fixed.year_offset).max(1);
        let late = sent > closes;
        let plan_year = match (late, rule.if_late) {
            (true, Some(LateEffect::PlanAfterNext)) => sent.year() + ahead + 1,
            _ => sent.year() + ahead,
        };
        Some(DeclarationWindow {
            cite: rule.cite.clone(),
            text: rule.text.clone(),
            closes,
            late,
            effect: if late { rule.if_late } else { None },
            plan_year,
        })
    }

    /// Whether a declaration sent on `sent` may enter the annual plan of `year` (see
    /// [`DeclarationWindow::enters_annual_plan_of`]; a profile without a window sets no bar).
    pub fn enters_annual_plan(&self, sent: NaiveDate, year: i32) -> bool {
        self.declaration_window(sent).is_none_or(|w| w.enters_annual_plan_of(year))
    }

    /// The facts the window implies for a declaration sent on `sent` (`declared_late`).
    pub fn window_facts(&self, sent: NaiveDate) -> Option<(Fact, i64)> {
        self.declaration_window(sent).map(|w| (Fact::DeclaredLate, i64::from(w.late)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin;

    fn profile(id: &str) -> Profile {
        builtin().into_iter().find(|p| p.head.id == id).expect(id)
    }
    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn lhasa_after_august_31_goes_to_the_plan_of_the_year_after_next() {
        let p = profile("lhasa");
        let on_time = p.declaration_window(day("2026-08-31")).expect("window");
        assert_eq!((on_time.late, on_time.plan_year, on_time.effect), (false, 2027, None));
        let late = p.declaration_window(day("2026-09-01")).expect("window");
        assert_eq!(
            (late.late, late.plan_year, late.effect),
            (true, 2028, Some(LateEffect::PlanAfterNext))
        );
        assert!(late.sentence().contains("2028") && late.sentence().contains("lhasa:7"));
        // A new year opens a new window.
        let january = p.declaration_window(day("2027-01-04")).expect("window");
        assert_eq!((january.late, january.plan_year), (false, 2028));
    }

    #[test]
    fn lhasa_7_a_late_declaration_enters_no_annual_plan_before_its_plan_year() {
        let p = profile("lhasa");
        let (on_time, late) = (day("2026-08-31"), day("2026-09-01"));
        assert!(p.enters_annual_plan(on_time, 2027));
        assert!(!p.enters_annual_plan(late, 2027));
        assert!(p.enters_annual_plan(late, 2028) && p.enters_annual_plan(late, 2029));
        // yeji's late declarations go by the supplementary plan, not to a later year: the
        // annual plan's bar is lhasa:7's alone.
        let yeji = profile("yeji");
        let w = yeji.declaration_window(day("2026-10-01")).expect("window");
        assert!(w.late && w.enters_annual_plan_of(w.plan_year - 1));
        // A profile without a yearly window (gaoping) sets no bar.
        let gaoping = profile("gaoping");
        assert!(
            gaoping.declaration_window(late).is_none() && gaoping.enters_annual_plan(late, 1990)
        );
    }

    #[test]
    fn yeji_from_october_joins_by_the_supplementary_plan_only() {
        let p = profile("yeji");
        let on_time = p.declaration_window(day("2026-09-30")).expect("window");
        assert_eq!((on_time.late, on_time.plan_year), (false, 2027));
        let late = p.declaration_window(day("2026-10-01")).expect("window");
        assert_eq!(
            (late.late, late.plan_year, late.effect),
            (true, 2027, Some(LateEffect::SupplementaryPlan))
        );
        assert_eq!(p.window_facts(day("2026-10-01")), Some((Fact::DeclaredLate, 1)));
        assert_eq!(p.window_facts(day("2026-09-30")), Some((Fact::DeclaredLate, 0)));
    }
}
