//! What follows when a project breaks its rules (issue 12 §7), as each profile's
//! `[[sanctions]]` lays it out: the authority orders a rectification with a deadline (限期整改,
//! run as a submission along the profile's `rectification` chain: the order, the owner unit's
//! report, the authority's check), and where the rule says so, only once that rectification
//! failed or lapsed (逾期不整改或者整改后仍不符合要求的) may it take the measures the rule goes on
//! to name — 暂停拨付资金, 暂停项目建设, 终止项目 … A measure in force is a fact the gates read
//! (`funds_suspended`, `construction_suspended`, `om_funds_stopped`), so a payment, a contract
//! or an O&M fund application is refused naming the rule; lifting it (解除) lifts the fact.
//! 终止项目 is not lifted.
//!
//! Pure: which rules order rectification, which measures a rule allows and when, their
//! effects, and the form.

use crate::error::FieldError;
use crate::policy::{Fact, Facts, Profile, SanctionRule, SanctionStep};

/// The rules of `profile` under which a rectification may be ordered (those naming 限期整改).
pub fn rectifying(profile: &Profile) -> Vec<&SanctionRule> {
    profile.sanctions.iter().filter(|r| r.steps.contains(&SanctionStep::Rectification)).collect()
}

/// Whether a measure is one taken on the project (not the rectification ordered through its
/// own chain, nor the owner's written report, nor a firm's credit record or blacklisting,
/// which the organization's register of firms and experts keeps).
pub fn is_measure(step: SanctionStep) -> bool {
    use SanctionStep::*;
    !matches!(step, Rectification | Report | CreditRecord | Blacklist)
}

/// Whether `step` stops or recovers money.
fn on_money(step: SanctionStep) -> bool {
    use SanctionStep::*;
    matches!(step, SuspendFunds | NoFurtherFunds | RecoverFunds | NoOmFunds)
}

/// The parties that take `step` under `rule`: its `funds_by` for what stops or recovers money
/// where it names them (linxiang:34 财政部门), else its `by` (gaoping:22 the authority,
/// xinzhou-transport:24 局党组).
pub fn takers(rule: &SanctionRule, step: SanctionStep) -> Vec<String> {
    if on_money(step) && !rule.funds_by.is_empty() {
        return rule.funds_by.clone();
    }
    rule.by.clone()
}

/// The measures taken by hand under a rule, in its order: none where it names no party to
/// take them.
pub fn measures(rule: &SanctionRule) -> Vec<SanctionStep> {
    if rule.by.is_empty() {
        return Vec::new();
    }
    rule.steps.iter().copied().filter(|s| is_measure(*s)).collect()
}

/// Whether the rule names a rectification before `step`: then `step` may only follow a
/// rectification that failed or lapsed.
pub fn after_rectification(rule: &SanctionRule, step: SanctionStep) -> bool {
    if !rule.escalates {
        return false;
    }
    let at = |s: SanctionStep| rule.steps.iter().position(|x| *x == s);
    matches!((at(SanctionStep::Rectification), at(step)), (Some(r), Some(m)) if r < m)
}

/// The facts a measure in force sets to 1.
pub fn effects(step: SanctionStep) -> &'static [Fact] {
    match step {
        SanctionStep::SuspendFunds | SanctionStep::NoFurtherFunds => &[Fact::FundsSuspended],
        SanctionStep::SuspendProject => &[Fact::ConstructionSuspended],
        SanctionStep::NoOmFunds => &[Fact::OmFundsStopped],
        SanctionStep::Terminate => &[Fact::FundsSuspended, Fact::ConstructionSuspended],
        _ => &[],
    }
}

/// Whether a measure stays in force once taken (暂停拨付资金 until lifted, 终止项目 for good);
/// the others are recorded once (通报批评, 收回资金, 压缩下一年度预算, 暂缓安排投资计划).
pub fn lasting(step: SanctionStep) -> bool {
    use SanctionStep::*;
    matches!(step, SuspendFunds | NoFurtherFunds | SuspendProject | NoOmFunds | Terminate)
}

/// Whether a measure in force may be lifted: a lasting one but 终止项目.
pub fn liftable(step: SanctionStep) -> bool {
    lasting(step) && step != SanctionStep::Terminate
}

/// The facts of the measures in force on a project: each of the three, 1 when a measure in
/// force sets it, else 0.
pub fn facts_of(in_force: &[SanctionStep]) -> Facts {
    let mut facts: Facts =
        [Fact::FundsSuspended, Fact::ConstructionSuspended, Fact::OmFundsStopped]
            .into_iter()
            .map(|f| (f, 0))
            .collect();
    for step in in_force {
        for f in effects(*step) {
            facts.insert(*f, 1);
        }
    }
    facts
}

/// Where the project's latest rectification under a rule stands, for what may follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rectified {
    /// None was ordered under this rule.
    NotOrdered,
    /// Ordered, its deadline not passed, not yet judged.
    Pending,
    /// Its deadline passed and the authority has not found it done (逾期不整改).
    Lapsed,
    /// The authority found it wanting (整改后仍不符合要求).
    Failed,
    /// The authority found it done.
    Passed,
}

/// Whether `step` may be taken under `rule` now, given where its rectification stands; the
/// refusal names the rule and its article.
pub fn may_take(
    rule: &SanctionRule, step: SanctionStep, rectified: Rectified,
) -> Result<(), String> {
    if !rule.steps.contains(&step) || !is_measure(step) {
        return Err(format!(
            "{}（{}）规定的处理措施不包括“{}”",
            short(&rule.text),
            rule.cite,
            step.label()
        ));
    }
    if !after_rectification(rule, step) {
        return Ok(());
    }
    let wait = match rectified {
        Rectified::Lapsed | Rectified::Failed => return Ok(()),
        Rectified::NotOrdered => "须先责令限期整改",
        Rectified::Pending => "限期整改尚未到期，也未经复核",
        Rectified::Passed => "限期整改已经复核通过",
    };
    Err(format!(
        "按{}，逾期不整改或者整改后仍不符合要求的，方可{}；本项目{wait}",
        rule.cite,
        step.label()
    ))
}

/// The first clause of a rule's text, for a refusal.
fn short(text: &str) -> String {
    let first = text.split(['，', '；', '。']).next().unwrap_or(text);
    first.chars().take(40).collect()
}

/// The longest reason a measure keeps.
pub const REASON_MAX: usize = 1000;

/// A measure's form, as typed: the rule, the measure, and why.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct MeasureForm {
    pub rule: String,
    pub step: String,
    pub reason: String,
}

/// A measure, read from its form against its profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureTerms {
    pub rule: SanctionRule,
    pub step: SanctionStep,
    pub reason: String,
}

impl MeasureForm {
    /// The measure under `profile`, or every wrong field named.
    pub fn parse(&self, profile: &Profile) -> Result<MeasureTerms, Vec<FieldError>> {
        let mut errors = Vec::new();
        let rule = profile.sanctions.iter().find(|r| r.id == self.rule.trim());
        if rule.is_none() {
            errors.push(FieldError::new("rule", "请选择依据的本辖区规定"));
        }
        let step = SanctionStep::parse(self.step.trim()).filter(|s| is_measure(*s));
        match (rule, step) {
            (_, None) => errors.push(FieldError::new("step", "请选择处理措施")),
            (Some(r), Some(s)) if !r.steps.contains(&s) => errors.push(FieldError::new(
                "step",
                format!("{}规定的处理措施不包括“{}”", r.cite, s.label()),
            )),
            _ => {}
        }
        let reason =
            crate::error::free_text(&self.reason, "reason", "处理理由", REASON_MAX, &mut errors);
        match (rule, step) {
            (Some(rule), Some(step)) if errors.is_empty() => {
                Ok(MeasureTerms { rule: rule.clone(), step, reason })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin;

    fn profile(id: &str) -> Profile {
        builtin().into_iter().find(|p| p.head.id == id).expect(id)
    }

    fn rule<'a>(p: &'a Profile, id: &str) -> &'a SanctionRule {
        p.sanctions.iter().find(|r| r.id == id).expect(id)
    }

    #[test]
    fn a_measure_after_rectification_waits_for_it_to_fail_or_lapse() {
        let gaoping = profile("gaoping");
        let r = rule(&gaoping, "gaoping-22-rectify");
        assert_eq!(measures(r), [SanctionStep::SuspendFunds, SanctionStep::Terminate]);
        for (state, ok) in [
            (Rectified::NotOrdered, false),
            (Rectified::Pending, false),
            (Rectified::Passed, false),
            (Rectified::Lapsed, true),
            (Rectified::Failed, true),
        ] {
            let got = may_take(r, SanctionStep::SuspendFunds, state);
            assert_eq!(got.is_ok(), ok, "{state:?}: {got:?}");
            if let Err(why) = got {
                assert!(why.contains("gaoping:22") && why.contains("暂停拨付资金"), "{why}");
            }
        }
        // A measure the rule does not name is refused whatever the rectification.
        let why = may_take(r, SanctionStep::SuspendProject, Rectified::Failed).expect_err("no");
        assert!(why.contains("gaoping:22") && why.contains("暂停项目建设"), "{why}");
        // linxiang:34 names no rectification: its measures are taken directly.
        let linxiang = profile("linxiang");
        let direct = rule(&linxiang, "linxiang-34-owner-violation");
        assert!(may_take(direct, SanctionStep::SuspendProject, Rectified::NotOrdered).is_ok());
        assert!(rectifying(&linxiang).iter().all(|r| r.id != "linxiang-34-owner-violation"));
        // yeji:27 requires rectification *or* suspension: either may come first.
        let yeji = profile("yeji");
        let either = rule(&yeji, "yeji-27-budget-cut");
        assert!(may_take(either, SanctionStep::SuspendProject, Rectified::NotOrdered).is_ok());
        // A firm's blacklisting is the register's, not a measure on the project.
        assert!(measures(rule(&linxiang, "linxiang-35-firm-misconduct")).is_empty());
    }

    #[test]
    fn who_takes_a_measure_is_read_from_the_profile() {
        let x = profile("xinzhou-transport");
        let r = rule(&x, "xinzhou-transport-24-rectify");
        // 局党组 decides, and tells finance: finance does not act on its own.
        assert_eq!(takers(r, SanctionStep::Terminate), ["party_group"]);
        assert_eq!(takers(r, SanctionStep::SuspendFunds), ["party_group"]);
        let l = profile("linxiang");
        let r = rule(&l, "linxiang-34-owner-violation");
        assert_eq!(takers(r, SanctionStep::SuspendProject), ["authority"]);
        assert_eq!(takers(r, SanctionStep::SuspendFunds), ["finance"]);
        // yeji:27 is 区数据资源管理局's alone.
        let y = profile("yeji");
        assert_eq!(
            takers(rule(&y, "yeji-27-budget-cut"), SanctionStep::SuspendProject),
            ["authority"]
        );
        // What follows from the gates by itself is taken by no one (gaoping:20 unfiled).
        let g = profile("gaoping");
        assert!(measures(rule(&g, "gaoping-20-unfiled")).is_empty());
        assert!(measures(rule(&profile("lhasa"), "lhasa-22-dishonest-list")).is_empty());
    }

    #[test]
    fn every_measure_a_profile_takes_is_enforced_by_its_gates() {
        for p in builtin() {
            for r in p.sanctions.iter() {
                for step in measures(r) {
                    for fact in effects(step) {
                        let read =
                            p.gates.iter().any(|g| g.requires.iter().any(|c| c.fact == *fact));
                        assert!(
                            read,
                            "{}: {} sets {} but no gate reads it",
                            p.head.id,
                            r.id,
                            fact.as_str()
                        );
                    }
                }
            }
            // A project suspended or terminated gets no money, O&M included, and no contract.
            let gated = |f: Fact, a: crate::policy::GatedAction| {
                p.gates.iter().any(|g| g.action == a && g.requires.iter().any(|c| c.fact == f))
            };
            let takes = |s: SanctionStep| p.sanctions.iter().any(|r| measures(r).contains(&s));
            if takes(SanctionStep::Terminate) || takes(SanctionStep::SuspendFunds) {
                for a in [crate::policy::GatedAction::Pay, crate::policy::GatedAction::OmFunds] {
                    assert!(gated(Fact::FundsSuspended, a), "{}: {a:?}", p.head.id);
                }
            }
            if takes(SanctionStep::Terminate) || takes(SanctionStep::SuspendProject) {
                for a in [crate::policy::GatedAction::Sign, crate::policy::GatedAction::StartWork] {
                    assert!(gated(Fact::ConstructionSuspended, a), "{}: {a:?}", p.head.id);
                }
            }
        }
    }

    #[test]
    fn measures_in_force_set_the_facts_the_gates_read() {
        let none = facts_of(&[]);
        assert_eq!(none.get(&Fact::FundsSuspended), Some(&0));
        let f = facts_of(&[SanctionStep::SuspendFunds, SanctionStep::Criticism]);
        assert_eq!(
            (f[&Fact::FundsSuspended], f[&Fact::ConstructionSuspended], f[&Fact::OmFundsStopped]),
            (1, 0, 0)
        );
        let t = facts_of(&[SanctionStep::Terminate]);
        assert_eq!((t[&Fact::FundsSuspended], t[&Fact::ConstructionSuspended]), (1, 1));
        assert!(liftable(SanctionStep::SuspendFunds));
        assert!(!liftable(SanctionStep::Terminate));
        assert!(!liftable(SanctionStep::Criticism));
    }

    #[test]
    fn the_form_names_every_wrong_field() {
        let gaoping = profile("gaoping");
        let form = |rule: &str, step: &str, reason: &str| MeasureForm {
            rule: rule.into(),
            step: step.into(),
            reason: reason.into(),
        };
        let ok = form("gaoping-22-rectify", "suspend_funds", "逾期未整改").parse(&gaoping);
        assert_eq!(ok.expect("ok").step, SanctionStep::SuspendFunds);
        let fields = |f: MeasureForm| -> Vec<&'static str> {
            f.parse(&gaoping).expect_err("refused").into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(form("", "", "")), ["rule", "step", "reason"]);
        assert_eq!(fields(form("gaoping-22-rectify", "rectification", "x")), ["step"]);
        assert_eq!(fields(form("gaoping-22-rectify", "suspend_project", "x")), ["step"]);
        assert_eq!(fields(form("yeji-26-rectify", "suspend_funds", "a\u{0}")), ["rule", "reason"]);
        let long = "字".repeat(REASON_MAX + 1);
        assert_eq!(fields(form("gaoping-22-rectify", "terminate", &long)), ["reason"]);
    }
}
