//! Routes: the steps a path lays out for a subject from its profile's stage rules, and the
//! outline of a path (which rules apply, which facts are still open) that pages show.

use super::{Act, is_review, stage_passed};
use crate::policy::{EventKind, Facts, Profile, SignMode, Stage, StageRule};
use serde::Serialize;

/// One step of a route: a link of a stage rule's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteStep {
    /// Stable across route changes: `stage/cite/n` (the n-th link of that rule's chain).
    pub key: String,
    pub stage: Stage,
    /// The article the step comes from.
    pub cite: String,
    /// What the party does (审查, 同意, 会签意见 …), in the regulation's words.
    pub action: String,
    /// The party kinds (or firm kinds, `expert`) that act.
    pub parties: Vec<String>,
    pub mode: SignMode,
    /// The events its pass records (the profile's `emits`, or its stage's outcome at the
    /// stage's last step).
    pub on_pass: Vec<EventKind>,
    /// What a pass records after a return or a failed review (提交修改材料).
    pub on_pass_again: Vec<EventKind>,
    /// What a return or a refusal by its party records (审查未通过 at a review).
    pub on_return: Vec<EventKind>,
    /// The review form its parties fill in before they pass (the profile's `[[reviews]]`).
    pub review: Option<String>,
    /// The expert panel (the profile's `[[panels]]`) whose members sign it, each in person:
    /// the holder of the step before names them (`Verb::Seat`) before passing.
    pub panel: Option<String>,
}

/// The steps a subject goes through, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Route {
    pub steps: Vec<RouteStep>,
}

impl Route {
    /// The route through `path`'s stages, in that order: for each stage every rule of it whose
    /// `when` holds for `facts` (an unknown fact does not hold), with its chain's links.
    pub fn from_rules(rules: &[StageRule], path: &[Stage], facts: &Facts) -> Route {
        Route::of_rules(rules, path, |r| r.applies(facts))
    }

    /// The route through `path`'s stages of the rules `keep` takes, in the path's order.
    fn of_rules(rules: &[StageRule], path: &[Stage], keep: impl Fn(&StageRule) -> bool) -> Route {
        let applying: Vec<&StageRule> = path
            .iter()
            .flat_map(|stage| {
                rules.iter().filter(|r| r.stage == *stage && !r.chain.is_empty() && keep(r))
            })
            .collect();
        let mut steps = Vec::new();
        for (i, rule) in applying.iter().enumerate() {
            let ends_stage = applying.get(i + 1).is_none_or(|next| next.stage != rule.stage);
            steps.extend(steps_of(rule, ends_stage));
        }
        Route { steps }
    }

    /// The route along the profile's path of that id (`approval`), if it has one.
    pub fn for_path(profile: &Profile, path: &str, facts: &Facts) -> Option<Route> {
        let p = profile.path(path)?;
        Some(Route::from_rules(&profile.stages, &p.stages, facts))
    }

    /// [`Route::from_rules`] for a subject with a history: a stage it has walked stays on its
    /// route when the facts no longer choose it, as long as that walk stands. A rule that does
    /// not apply under `facts` but whose chain's last step the history passed, and that no
    /// return has since taken the subject back before, is kept where it stood (yeji:8's 增列
    /// puts the project in the year's plan, which rules 增列 out for a project already in
    /// one; a stage done is not undone by what it did). Of rules that share their steps' keys
    /// (one stage and article), the one whose conditions hold without the facts its own steps
    /// set is kept; walked again after a return, a rule follows the facts.
    pub fn walked(
        rules: &[StageRule], path: &[Stage], facts: &Facts, started_ms: i64, acts: &[Act],
    ) -> Route {
        let route = Route::from_rules(rules, path, facts);
        // Passes at steps the route does not have: what a walked rule would have left.
        let off_route: Vec<&str> = acts
            .iter()
            .filter(|a| matches!(a.verb, super::Verb::Pass { .. }))
            .map(|a| a.step.as_str())
            .filter(|step| route.index_of(step).is_none())
            .collect();
        if off_route.is_empty() {
            return route;
        }
        // The rules walked to their end that the facts leave out, one per last step's key.
        let mut walked: Vec<(&StageRule, String)> = Vec::new();
        for r in rules.iter().filter(|r| path.contains(&r.stage) && !r.chain.is_empty()) {
            let key = step_key(r, r.chain.len());
            if r.applies(facts) || !off_route.contains(&key.as_str()) {
                continue;
            }
            match walked.iter().position(|(_, k)| *k == key) {
                Some(i) if !by_itself(walked[i].0, facts) && by_itself(r, facts) => {
                    walked[i] = (r, key)
                }
                Some(_) => {}
                None => walked.push((r, key)),
            }
        }
        if walked.is_empty() {
            return route;
        }
        let kept = |r: &StageRule, walked: &[(&StageRule, String)]| {
            r.applies(facts) || walked.iter().any(|(w, _)| std::ptr::eq(*w, r))
        };
        let full = Route::of_rules(rules, path, |r| kept(r, &walked));
        // A walk stands while the run is past its last step.
        let progress = super::replay(&full, started_ms, acts);
        let before = walked.len();
        walked.retain(|(_, key)| full.index_of(key).is_some_and(|i| i < progress.current));
        if walked.len() == before {
            return full;
        }
        Route::of_rules(rules, path, |r| kept(r, &walked))
    }

    /// The step whose pass is the project's approval, which the `approve` gates stand in
    /// front of: the last step of the approval stage (yeji:5's 立项审批, before a late
    /// project's 增列), or the route's last step when it has no approval stage.
    pub fn approval_index(&self) -> Option<usize> {
        self.steps
            .iter()
            .rposition(|s| s.stage == Stage::Approval)
            .or_else(|| self.steps.len().checked_sub(1))
    }

    /// Whether a pass at step `key` sends the record on: the route's first step, its author's
    /// (a plan's 报批, a contract's or a payment's 报送); a pass at a later step decides.
    pub fn sends_at(&self, key: &str) -> bool {
        self.steps.first().is_some_and(|s| s.key == key)
    }

    /// Whether an act of `verb` at step `key` sent the record on: a pass where it
    /// [`Route::sends_at`].
    pub fn sent_by(&self, verb: super::VerbKind, key: &str) -> bool {
        verb == super::VerbKind::Pass && self.sends_at(key)
    }

    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.key == key)
    }
}

/// The key of the `n`-th link (from 1) of `rule`'s chain: `stage/cite/n`.
fn step_key(rule: &StageRule, n: usize) -> String {
    format!("{}/{}/{}", rule.stage.as_str(), rule.cite, n)
}

/// Whether `rule`'s conditions hold under `facts` without the facts its own steps set (a
/// 增列's `in_annual_plan`): whether it was the rule chosen when it was walked.
fn by_itself(rule: &StageRule, facts: &Facts) -> bool {
    let own = events_of(rule);
    let mut before = facts.clone();
    before.retain(|f, _| f.from_events().is_none_or(|e| !own.contains(&e)));
    rule.applies(&before)
}

/// The events a pass of any step of `rule`'s chain records, first or again.
pub fn events_of(rule: &StageRule) -> Vec<EventKind> {
    let mut out = Vec::new();
    for s in steps_of(rule, true) {
        for e in s.on_pass.into_iter().chain(s.on_pass_again) {
            if !out.contains(&e) {
                out.push(e);
            }
        }
    }
    out
}

/// The steps of one rule's chain, keyed `stage/cite/n`. `ends_stage`: whether its last link
/// is the last step of its stage on the route (where a stage's outcome is recorded unless the
/// profile says which step records what).
fn steps_of(rule: &StageRule, ends_stage: bool) -> Vec<RouteStep> {
    let last = rule.chain.len().saturating_sub(1);
    rule.chain
        .iter()
        .enumerate()
        .map(|(n, link)| {
            let (pass, again) = match ends_stage && n == last {
                true => stage_passed(rule.stage),
                false => (vec![], vec![]),
            };
            let on_pass = link.emits.clone().unwrap_or(pass);
            let on_pass_again = match (&link.emits_again, &link.emits) {
                (Some(again), _) => again.clone(),
                (None, Some(emits)) => emits.clone(),
                (None, None) => again,
            };
            let on_return =
                link.emits_on_return.clone().unwrap_or_else(|| match is_review(rule.stage) {
                    true => vec![EventKind::ReviewFailed, EventKind::ReviewOpinionSent],
                    false => vec![],
                });
            RouteStep {
                key: step_key(rule, n + 1),
                stage: rule.stage,
                cite: rule.cite.clone(),
                action: link.action.clone(),
                parties: link.parties.clone(),
                mode: link.mode,
                on_pass,
                on_pass_again,
                on_return,
                review: link.review.clone(),
                panel: link.panel.clone(),
            }
        })
        .collect()
}

/// One rule of a stage on a path, and whether it applies to the subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleOutline {
    pub cite: String,
    pub text: String,
    /// `Some(true)`: its conditions hold; `Some(false)`: they do not; `None`: a fact they
    /// test is not established yet.
    pub applies: Option<bool>,
    /// The facts its conditions test that are not established yet.
    pub unknown: Vec<crate::policy::Fact>,
    /// Its conditions in words (「项目投资 ≥ 200 万元」), empty when it always applies.
    pub condition: String,
    /// What the subject's established facts say to them (「项目投资 150 万元」).
    pub known: String,
    /// Its steps (those of the route when it applies).
    pub steps: Vec<RouteStep>,
    /// Left out by the facts as they are now, but walked, and kept on the subject's route
    /// ([`Route::walked`]).
    pub walked: bool,
}

/// One stage of a path with its rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageOutline {
    pub stage: Stage,
    pub rules: Vec<RuleOutline>,
}

/// The profile's path of that id laid out for a subject: each stage with every rule of it,
/// whether it applies (and which facts are still open), and its steps — what the route is
/// made of, and what it leaves out and why.
pub fn outline(profile: &Profile, path: &str, facts: &Facts) -> Option<Vec<StageOutline>> {
    let p = profile.path(path)?;
    let out = p
        .stages
        .iter()
        .map(|stage| StageOutline {
            stage: *stage,
            rules: profile
                .stages
                .iter()
                .filter(|r| r.stage == *stage)
                .map(|r| {
                    // An `unless` that holds rules it out; one on an unknown fact leaves it open.
                    let outcomes: Vec<Option<bool>> = r
                        .when
                        .iter()
                        .map(|c| c.eval(facts))
                        .chain(r.unless.iter().map(|c| c.eval(facts).map(|held| !held)))
                        .collect();
                    let applies = if outcomes.contains(&Some(false)) {
                        Some(false)
                    } else if outcomes.contains(&None) {
                        None
                    } else {
                        Some(true)
                    };
                    // Open facts matter only while they decide: none once a known one rules
                    // the rule out.
                    let unknown = r
                        .when
                        .iter()
                        .chain(&r.unless)
                        .filter(|c| applies.is_none() && c.eval(facts).is_none())
                        .map(|c| c.fact)
                        .collect();
                    // Laid out whether or not it applies, to show what it would add.
                    let steps = steps_of(r, true);
                    let known = r
                        .when
                        .iter()
                        .chain(&r.unless)
                        .filter_map(|c| facts.get(&c.fact).map(|v| (c.fact, *v)))
                        .map(|(f, v)| format!("{} {}", fact_name(f), f.show_value(v)))
                        .collect::<Vec<_>>()
                        .join("，");
                    RuleOutline {
                        cite: r.cite.clone(),
                        text: r.text.clone(),
                        applies,
                        unknown,
                        condition: rule_condition(r),
                        known,
                        steps,
                        walked: false,
                    }
                })
                .collect(),
        })
        .collect();
    Some(out)
}

/// Marks the rules of an outline that the facts rule out but `route` keeps, walked (see
/// [`Route::walked`]): each of their steps is on it, by key, action and parties (rules of one
/// stage and article share their keys, and may share their actions).
pub fn mark_walked(stages: &mut [StageOutline], route: &Route) {
    for r in stages.iter_mut().flat_map(|s| s.rules.iter_mut()) {
        r.walked = r.applies == Some(false)
            && !r.steps.is_empty()
            && r.steps.iter().all(|st| {
                route.steps.iter().any(|on| {
                    on.key == st.key && on.action == st.action && on.parties == st.parties
                })
            });
    }
}

/// A rule's conditions in words: 「逾期申报为“是”，但不含：是否紧急项目为“是”」.
fn rule_condition(r: &StageRule) -> String {
    // Every `when` must hold; any one `unless` rules the rule out.
    let join = |cs: &[crate::policy::Condition], word: &str| {
        cs.iter().map(condition_text).collect::<Vec<_>>().join(word)
    };
    match (r.when.is_empty(), r.unless.is_empty()) {
        (_, true) => join(&r.when, "，且"),
        (true, false) => format!("不含：{}", join(&r.unless, "，或")),
        (false, false) => {
            format!("{}，但不含：{}", join(&r.when, "，且"), join(&r.unless, "，或"))
        }
    }
}

/// A fact's name without its unit (「项目投资」 for 「项目投资（元）」).
fn fact_name(f: crate::policy::Fact) -> &'static str {
    let l = f.label();
    l.split_once('（').map_or(l, |(name, _)| name)
}

/// A condition in words: 「是否跨部门项目为“否”」, 「项目投资 ≥ 200 万元」.
fn condition_text(c: &crate::policy::Condition) -> String {
    use crate::policy::{FactUnit, Op};
    let name = fact_name(c.fact);
    if c.fact.unit() == FactUnit::Flag && matches!(c.op, Op::Eq | Op::Ne) {
        let yes = (c.value != 0) == (c.op == Op::Eq);
        return format!("{name}为“{}”", if yes { "是" } else { "否" });
    }
    format!("{name} {} {}", c.op.symbol(), c.fact.show_value(c.value))
}
