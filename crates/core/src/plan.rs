//! The annual plan (年度计划) and the supplementary plan (增补计划): the list of projects an
//! authority assembles for a year from the declarations that passed their reviews, with the
//! amount arranged for that year, its totals, and the route its profile sends it along for
//! approval (yeji:8, linxiang:11, lhasa:7, gaoping:7, xinzhou-transport:6). Pure: the store
//! keeps plans and their acts; this module says what a plan adds up to and where it stands.

use crate::DomainError;
use crate::declaration::{ConstructionPeriod, FundSources};
use crate::ids::ProjectId;
use crate::money::Yuan;
use crate::policy::{Fact, Facts, Profile, Stage};
use crate::workflow::{Progress, Route, RunStatus};
use serde::Serialize;

named_enum!(
    /// Which plan: the year's plan, or the supplementary one urgent projects join.
    PlanKind {
        Annual => "annual", "年度计划",
        Supplementary => "supplementary", "增补计划",
    }
);

named_enum!(
    /// Where a plan stands, derived from its run and whether it is published.
    PlanStatus {
        Drafting => "drafting", "编制中",
        Reviewing => "reviewing", "报批中",
        Approved => "approved", "已批准待发布",
        Published => "published", "已发布",
        Rejected => "rejected", "未获批准",
    }
);

impl PlanKind {
    /// The stage of the profile whose rule routes a plan of this kind.
    pub fn stage(self) -> Stage {
        match self {
            PlanKind::Annual => Stage::AnnualPlan,
            PlanKind::Supplementary => Stage::SupplementaryPlan,
        }
    }
}

/// The route a plan of `kind` takes in `profile`: the chain of the profile's first rule of the
/// plan's stage. A supplementary plan is for urgent projects, so the rule for them is the one
/// that applies (yeji:8 also has one for late declarations, which is the projects' own path).
/// `None` when the profile has no such rule, or when its chain starts with the owner unit
/// (lhasa:7's urgent projects are each approved on their own, not as a plan).
pub fn route(profile: &Profile, kind: PlanKind) -> Option<Route> {
    let mut facts = Facts::new();
    if kind == PlanKind::Supplementary {
        facts.insert(Fact::IsUrgent, 1);
        facts.insert(Fact::InAnnualPlan, 0);
        facts.insert(Fact::DeclaredLate, 0);
    }
    let stage = kind.stage();
    let rule = profile
        .stages
        .iter()
        .find(|r| r.stage == stage && !r.chain.is_empty() && r.applies(&facts))?;
    if rule.chain[0].parties.iter().any(|p| p == "owner_unit") {
        return None;
    }
    let route = Route::from_rules(std::slice::from_ref(rule), &[stage], &facts);
    (!route.steps.is_empty()).then_some(route)
}

/// Where a plan stands: drafting while its first step (the compiler's) is open, reviewing
/// while a later step is, approved once its chain is through, and published once published.
pub fn status(progress: &Progress, published: bool) -> PlanStatus {
    match progress.status {
        RunStatus::Rejected => PlanStatus::Rejected,
        RunStatus::Completed if published => PlanStatus::Published,
        RunStatus::Completed => PlanStatus::Approved,
        RunStatus::Active if progress.current == 0 => PlanStatus::Drafting,
        RunStatus::Active => PlanStatus::Reviewing,
    }
}

/// One project of a plan, as the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanLine {
    pub project_id: ProjectId,
    pub name: String,
    pub department: String,
    pub period: ConstructionPeriod,
    pub investment: Yuan,
    pub sources: FundSources,
    /// 本年度安排: what the plan arranges for its year.
    pub year_amount: Yuan,
}

impl PlanLine {
    /// Whether the project is built over more than one year (its yearly amount then differs
    /// from its investment).
    pub fn spans_years(&self) -> bool {
        self.period.start.year != self.period.end.year
    }
}

/// Sums of a set of lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Sums {
    pub projects: usize,
    pub investment: Yuan,
    pub year_amount: Yuan,
    pub sources: FundSources,
}

impl Sums {
    fn add(&mut self, l: &PlanLine) {
        // Each amount is at most MAX_YUAN; a plan of a million lines still fits an i64.
        self.projects += 1;
        self.investment.0 += l.investment.0;
        self.year_amount.0 += l.year_amount.0;
        self.sources.fiscal.0 += l.sources.fiscal.0;
        self.sources.bank_loan.0 += l.sources.bank_loan.0;
        self.sources.self_raised.0 += l.sources.self_raised.0;
        self.sources.other.0 += l.sources.other.0;
    }
}

/// A plan's totals: overall, by department (in the order departments first appear) and by
/// fund source (the four of annex 1, in `all.sources`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PlanTotals {
    pub all: Sums,
    pub by_department: Vec<(String, Sums)>,
}

pub fn totals<'a>(lines: impl IntoIterator<Item = &'a PlanLine>) -> PlanTotals {
    let mut t = PlanTotals::default();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for l in lines {
        t.all.add(l);
        let i = *index.entry(l.department.as_str()).or_insert_with(|| {
            t.by_department.push((l.department.clone(), Sums::default()));
            t.by_department.len() - 1
        });
        t.by_department[i].1.add(l);
    }
    t
}

/// What a project's line arranges for `year` unless the compiler says otherwise: its
/// investment spread evenly over the months of its construction period, the months in
/// `year` taken (all of it for a project built within the year; the last year takes what
/// rounding left).
pub fn default_year_amount(period: &ConstructionPeriod, investment: Yuan, year: i32) -> Yuan {
    let month = |y: i32, m: u32| i64::from(y) * 12 + i64::from(m) - 1;
    let (s, e) =
        (month(period.start.year, period.start.month), month(period.end.year, period.end.month));
    if e < s {
        return Yuan(0);
    }
    let total = e - s + 1;
    let (ys, ye) = (month(year, 1).max(s), month(year, 12).min(e));
    if ye < ys {
        return Yuan(0);
    }
    // Amounts are at most MAX_YUAN (< 2^53) and months few: the product fits an i128.
    let upto =
        |m: i64| (i128::from(investment.0) * i128::from(m - s + 1) / i128::from(total)) as i64;
    let before = if ys > s { upto(ys - 1) } else { 0 };
    Yuan(upto(ye) - before)
}

/// Checks the amount the compiler arranges for a line: more than nothing, at most the
/// project's investment. The refusal names the field and the project.
pub fn check_year_amount(line: &PlanLine, amount: Yuan) -> Result<(), DomainError> {
    if amount.0 <= 0 {
        return Err(DomainError::invalid(
            "year_amount",
            format!("“{}”的本年度安排资金应大于 0", line.name),
        ));
    }
    if amount.0 > line.investment.0 {
        return Err(DomainError::invalid(
            "year_amount",
            format!(
                "“{}”的本年度安排资金（{} 万元）不能超过项目总投资（{} 万元）",
                line.name,
                amount.to_wan_string(),
                line.investment.to_wan_string()
            ),
        ));
    }
    Ok(())
}

/// The format of a plan act's signed message, its first field.
pub const SIGNED_FORMAT: &str = "govit-plan-act/1";

/// A decision on a plan's route (报批, 通过, 退回, 不予通过) as the platform's signer signs it
/// for its user (issue 11 §6): the act, the user, the time, the plan's lines as they stood
/// (their count and SM3) and the earlier decisions' opinions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SignedAct {
    pub format: String,
    pub plan: i64,
    pub seq: i64,
    pub step: String,
    /// The verb as stored (JSON).
    pub verb: String,
    pub user: i64,
    pub at_ms: i64,
    pub lines: usize,
    pub lines_sm3: String,
    pub opinions: Vec<crate::decision::SeenOpinion>,
}

impl SignedAct {
    /// The bytes that are signed: the act as JSON, its fields in their declared order.
    pub fn message(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn parse(message: &str) -> Option<SignedAct> {
        serde_json::from_str::<SignedAct>(message).ok().filter(|d| d.format == SIGNED_FORMAT)
    }

    /// What differs between the act as signed and as the records stand now (`None`: the act
    /// is gone), in Chinese; empty when nothing does.
    pub fn differences(&self, now: Option<&SignedAct>) -> Vec<String> {
        let Some(now) = now else { return vec!["决定记录已被删除".to_string()] };
        let mut out = Vec::new();
        crate::decision::record_changes(
            (&self.step, &self.verb, self.user, self.at_ms),
            (&now.step, &now.verb, now.user, now.at_ms),
            &mut out,
        );
        if self.lines_sm3 != now.lines_sm3 {
            out.push(format!(
                "计划所列项目或金额已被改动（签名时 {} 个项目，SM3 {}；现为 {} 个，SM3 {}）",
                self.lines,
                crate::decision::short(&self.lines_sm3),
                now.lines,
                crate::decision::short(&now.lines_sm3)
            ));
        }
        crate::decision::opinion_changes(&self.opinions, &now.opinions, &mut out);
        out
    }
}

/// The SM3 of a plan's lines: each line's project, amounts and period, in project order.
pub fn lines_digest(lines: &[PlanLine]) -> String {
    let mut sorted: Vec<&PlanLine> = lines.iter().collect();
    sorted.sort_by_key(|l| l.project_id.0);
    crate::crypto::sm3_hex(serde_json::to_string(&sorted).unwrap_or_default().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declaration::YearMonth;
    use crate::workflow::VerbKind;

    fn period(sy: i32, sm: u32, ey: i32, em: u32) -> ConstructionPeriod {
        ConstructionPeriod {
            start: YearMonth { year: sy, month: sm },
            end: YearMonth { year: ey, month: em },
        }
    }

    fn line(id: i64, dept: &str, wan: i64, fiscal: i64) -> PlanLine {
        PlanLine {
            project_id: ProjectId(id),
            name: format!("项目{id}"),
            department: dept.into(),
            period: period(2027, 1, 2027, 12),
            investment: Yuan(wan * 10_000),
            sources: FundSources {
                fiscal: Yuan(fiscal * 10_000),
                other: Yuan((wan - fiscal) * 10_000),
                ..Default::default()
            },
            year_amount: Yuan(wan * 10_000),
        }
    }

    #[test]
    fn totals_add_up_by_department_and_source() {
        let lines =
            [line(1, "公安局", 300, 200), line(2, "民政局", 50, 50), line(3, "公安局", 120, 0)];
        let t = totals(&lines);
        assert_eq!(t.all.projects, 3);
        assert_eq!(t.all.investment, Yuan(4_700_000));
        assert_eq!(t.all.sources.fiscal, Yuan(2_500_000));
        assert_eq!(t.all.sources.other, Yuan(2_200_000));
        assert_eq!(t.all.sources.total(), t.all.investment);
        let names: Vec<&str> = t.by_department.iter().map(|(d, _)| d.as_str()).collect();
        assert_eq!(names, ["公安局", "民政局"]);
        assert_eq!(t.by_department[0].1.projects, 2);
        assert_eq!(t.by_department[0].1.investment, Yuan(4_200_000));
        assert_eq!(t.by_department[1].1.year_amount, Yuan(500_000));
    }

    #[test]
    fn a_year_amount_is_the_share_of_months_and_the_years_add_up() {
        let p = period(2026, 7, 2028, 6);
        let inv = Yuan(2_400_001);
        let by_year: Vec<Yuan> = (2026..=2028).map(|y| default_year_amount(&p, inv, y)).collect();
        assert_eq!(by_year, [Yuan(600_000), Yuan(1_200_000), Yuan(600_001)]);
        assert_eq!(by_year.iter().map(|y| y.0).sum::<i64>(), inv.0);
        assert_eq!(default_year_amount(&p, inv, 2025), Yuan(0));
        assert_eq!(default_year_amount(&period(2027, 3, 2027, 5), inv, 2027), inv);
    }

    #[test]
    fn a_year_amount_is_positive_and_within_the_investment() {
        let l = line(1, "公安局", 100, 100);
        assert!(check_year_amount(&l, Yuan(1_000_000)).is_ok());
        let over = check_year_amount(&l, Yuan(1_000_001)).expect_err("over the investment");
        assert!(format!("{over:?}").contains("不能超过项目总投资"), "{over:?}");
        assert!(check_year_amount(&l, Yuan(0)).is_err());
    }

    #[test]
    fn each_profile_routes_its_annual_plan_from_its_own_rule() {
        let rules = crate::policy::builtin();
        let find = |id: &str| rules.iter().find(|p| p.head.id == id).expect(id);
        let parties = |id: &str, kind| -> Vec<Vec<String>> {
            route(find(id), kind)
                .map(|r| r.steps.iter().map(|s| s.parties.clone()).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            parties("yeji", PlanKind::Annual),
            [vec!["authority".to_string()], vec!["city_government".into()]]
        );
        assert_eq!(parties("xinzhou-transport", PlanKind::Annual).len(), 3);
        assert_eq!(parties("linxiang", PlanKind::Annual)[0].len(), 3);
        assert_eq!(
            parties("linxiang", PlanKind::Supplementary),
            [vec!["leading_group_office".to_string()], vec!["city_government".into()]]
        );
        // lhasa:7's urgent projects are approved one by one, from their owner's plan.
        assert!(route(find("lhasa"), PlanKind::Supplementary).is_none());
        assert!(route(find("lhasa"), PlanKind::Annual).is_some());
        let yeji = route(find("yeji"), PlanKind::Annual).expect("route");
        assert!(yeji.steps.iter().all(|s| s.cite == "yeji:8"));
    }

    /// The route of yeji's annual plan (yeji:8).
    fn yeji_annual() -> Route {
        let rules = crate::policy::builtin();
        let yeji = rules.iter().find(|p| p.head.id == "yeji").expect("yeji");
        route(yeji, PlanKind::Annual).expect("route")
    }

    #[test]
    fn only_the_compilers_pass_of_the_first_step_sends_a_plan_for_approval() {
        let r = yeji_annual();
        let keys: Vec<&str> = r.steps.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys.len(), 2, "yeji:8: the authority compiles, the city government approves");
        assert!(r.sends_at(keys[0]));
        assert!(!r.sends_at(keys[1]));
        assert!(!r.sends_at("annual_plan/yeji:8/9"));
        assert!(!Route::default().sends_at(keys[0]));
        // Only a pass there sends it: not a return or a reminder at that step.
        assert!(r.sent_by(VerbKind::Pass, keys[0]));
        assert!(!r.sent_by(VerbKind::Return, keys[0]) && !r.sent_by(VerbKind::Urge, keys[0]));
        assert!(!r.sent_by(VerbKind::Pass, keys[1]));
    }

    #[test]
    fn a_plan_is_drafting_until_sent_and_published_only_once_approved() {
        let r = yeji_annual();
        let mut p = Progress::start(&r, 0);
        assert_eq!(status(&p, false), PlanStatus::Drafting);
        p.current = 1;
        assert_eq!(status(&p, false), PlanStatus::Reviewing);
        p.status = RunStatus::Completed;
        assert_eq!(status(&p, false), PlanStatus::Approved);
        assert_eq!(status(&p, true), PlanStatus::Published);
    }

    #[test]
    fn a_signed_act_names_a_changed_amount_and_a_changed_opinion() {
        let lines = vec![line(1, "公安局", 300, 200), line(2, "民政局", 50, 50)];
        let act = SignedAct {
            format: SIGNED_FORMAT.into(),
            plan: 1,
            seq: 3,
            step: "annual_plan/yeji:8/2".into(),
            verb: r#"{"verb":"pass","note":"同意"}"#.into(),
            user: 9,
            at_ms: 1,
            lines: 2,
            lines_sm3: lines_digest(&lines),
            opinions: vec![crate::decision::SeenOpinion::of(1, "报批")],
        };
        assert_eq!(SignedAct::parse(&act.message()), Some(act.clone()));
        assert!(act.differences(Some(&act)).is_empty());
        let mut changed = lines.clone();
        changed[1].year_amount = Yuan(1);
        let mut now = act.clone();
        now.lines_sm3 = lines_digest(&changed);
        now.opinions = vec![crate::decision::SeenOpinion::of(1, "报批（改）")];
        let d = act.differences(Some(&now));
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].contains("计划所列项目或金额已被改动"), "{d:?}");
        // The order lines are read in does not change the digest.
        let mut reversed = lines.clone();
        reversed.reverse();
        assert_eq!(lines_digest(&reversed), act.lines_sm3);
    }
}
