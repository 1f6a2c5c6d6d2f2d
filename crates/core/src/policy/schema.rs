//! The rule types a profile is made of, and the checked `Profile` that holds them.

use super::vocabulary::{EventKind, Fact, GatedAction, SanctionStep, Stage};
use crate::org::{FirmKind, PartyKind};
use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl Op {
    pub fn holds(self, left: i64, right: i64) -> bool {
        match self {
            Op::Lt => left < right,
            Op::Le => left <= right,
            Op::Gt => left > right,
            Op::Ge => left >= right,
            Op::Eq => left == right,
            Op::Ne => left != right,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "≤",
            Op::Gt => ">",
            Op::Ge => "≥",
            Op::Eq => "=",
            Op::Ne => "≠",
        }
    }
    /// The comparison as a sentence says it (不超过 15%).
    pub fn words(self) -> &'static str {
        match self {
            Op::Lt => "低于",
            Op::Le => "不超过",
            Op::Gt => "超过",
            Op::Ge => "达到",
            Op::Eq => "等于",
            Op::Ne => "不等于",
        }
    }
}

/// `{ fact = "investment_yuan", op = ">=", value = 2000000 }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub fact: Fact,
    pub op: Op,
    pub value: i64,
}

/// The facts known about a project; a missing fact makes a condition undecided.
pub type Facts = BTreeMap<Fact, i64>;

impl Condition {
    /// A value of the fact that makes the condition hold (for demonstrations and tests that
    /// need a project to get through a gate).
    pub fn satisfying_value(&self) -> i64 {
        match self.op {
            Op::Lt => self.value - 1,
            Op::Gt => self.value + 1,
            Op::Ne if self.value == 0 => 1,
            Op::Ne => 0,
            _ => self.value,
        }
    }

    /// `None` when the fact is not known yet.
    pub fn eval(&self, facts: &Facts) -> Option<bool> {
        facts.get(&self.fact).map(|v| self.op.holds(*v, self.value))
    }
}

/// All conditions hold; an unknown fact counts as not holding.
pub fn all_hold(conds: &[Condition], facts: &Facts) -> bool {
    conds.iter().all(|c| c.eval(facts) == Some(true))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SignMode {
    /// One party acts.
    #[default]
    Single,
    /// 会签: every listed party must sign.
    All,
    /// 或签: any one of them may sign.
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainStep {
    pub parties: Vec<String>,
    #[serde(default)]
    pub mode: SignMode,
    #[serde(default)]
    pub action: String,
    /// The events the step records when it is passed. Without it, the last step of a stage
    /// records the stage's outcome (提交申报, 审查通过, 立项批复 …) and the others nothing.
    #[serde(default)]
    pub emits: Option<Vec<EventKind>>,
    /// What it records when passed again after a return or a failed review (提交修改材料);
    /// `emits` without it.
    #[serde(default)]
    pub emits_again: Option<Vec<EventKind>>,
    /// What it records when its party returns or refuses the subject. Without it, a review
    /// stage's step records 审查未通过 and 出具审查意见; each 审查未通过 counts as a failed review.
    #[serde(default)]
    pub emits_on_return: Option<Vec<EventKind>>,
    /// The review form (`[[reviews]]` id) each of its parties fills in before it passes.
    #[serde(default)]
    pub review: Option<String>,
    /// The expert panel (`[[panels]]` id) whose members sign it: the holder of the step
    /// before draws them, and each member signs in person (会签).
    #[serde(default)]
    pub panel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageRule {
    pub stage: Stage,
    pub cite: String,
    pub text: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub chain: Vec<ChainStep>,
    #[serde(default)]
    pub when: Vec<Condition>,
    /// The rule does not apply when any of these holds (an unknown fact holds neither way):
    /// a late yeji declaration takes yeji:8's 增列 unless it is already an urgent one.
    #[serde(default)]
    pub unless: Vec<Condition>,
    /// What the party that begins a submission of the stage scores, 0 to 100 each, in the
    /// article's words (gaoping:22's 建设、服务、运维、应用、服务对象满意度…).
    #[serde(default)]
    pub dimensions: Vec<ScoredDimension>,
}

/// One thing a performance evaluation scores (资金使用情况), 0 to 100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoredDimension {
    /// Its key in a submission's scores: lower-case ASCII letters and `_`.
    pub id: String,
    pub name: String,
}

impl StageRule {
    /// Whether the rule applies to a subject with these facts: every `when` holds and no
    /// `unless` does.
    pub fn applies(&self, facts: &Facts) -> bool {
        all_hold(&self.when, facts) && !self.unless.iter().any(|c| c.eval(facts) == Some(true))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRule {
    pub id: String,
    pub cite: String,
    pub stage: Stage,
    pub name: String,
    pub text: String,
    #[serde(default)]
    pub when: Vec<Condition>,
    /// Another document that may stand in for this one when `replace_when` holds (lhasa:10).
    #[serde(default)]
    pub replaceable_by: Option<String>,
    #[serde(default)]
    pub replace_when: Vec<Condition>,
    /// The file types it takes (the content decides, not the name); the usual office
    /// documents when empty.
    #[serde(default)]
    pub accept: Vec<crate::materials::FileKind>,
    /// The largest file it takes, in MB (500 when unset).
    #[serde(default)]
    pub max_mb: Option<u64>,
    /// The party that hands it in; the owner unit when unset.
    #[serde(default)]
    pub by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedDate {
    pub month: u32,
    pub day: u32,
    /// Relative to the year of the anchor event (-1: the year before).
    #[serde(default)]
    pub year_offset: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NthWeekday {
    pub weekday: WeekdayName,
    pub n: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeekdayName {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl WeekdayName {
    pub fn weekday(self) -> Weekday {
        match self {
            WeekdayName::Mon => Weekday::Mon,
            WeekdayName::Tue => Weekday::Tue,
            WeekdayName::Wed => Weekday::Wed,
            WeekdayName::Thu => Weekday::Thu,
            WeekdayName::Fri => Weekday::Fri,
            WeekdayName::Sat => Weekday::Sat,
            WeekdayName::Sun => Weekday::Sun,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Month,
    Quarter,
    Year,
}

/// How a deadline's due date is found. Exactly one is given in a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Timing {
    WorkingDays(u32),
    CalendarDays(u32),
    Months(u32),
    /// A fixed day of a year relative to the anchor.
    Fixed(FixedDate),
    /// The next nth weekday of a month on or after the anchor (lhasa:7's fourth Thursday).
    NextNthWeekday(NthWeekday),
    /// Every period while the obligation runs, due on the period's first month's nth working
    /// day (yeji:15: the first 5 working days of each quarter).
    Recurring {
        every: Period,
        working_day: u32,
    },
    /// The text sets no time limit.
    Unspecified,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRule {
    pub id: String,
    pub cite: String,
    pub text: String,
    /// What is owed, in a few Chinese words (合同备案).
    pub duty: String,
    pub owed_by: String,
    #[serde(default)]
    pub owed_to: Option<String>,
    /// The event the time runs from.
    pub after: EventKind,
    /// The event that meets the obligation.
    pub fulfilled_by: EventKind,
    /// For recurring duties: the event that ends them.
    #[serde(default)]
    pub until: Option<EventKind>,
    #[serde(default)]
    pub when: Vec<Condition>,
    #[serde(default)]
    pub working_days: Option<u32>,
    #[serde(default)]
    pub calendar_days: Option<u32>,
    #[serde(default)]
    pub months: Option<u32>,
    /// With `months`: not before this many months (lhasa:22's months 12–24).
    #[serde(default)]
    pub not_before_months: Option<u32>,
    #[serde(default)]
    pub fixed: Option<FixedDate>,
    #[serde(default)]
    pub next_nth_weekday: Option<NthWeekday>,
    #[serde(default)]
    pub every: Option<Period>,
    #[serde(default)]
    pub working_day: Option<u32>,
    #[serde(default)]
    pub unspecified: bool,
    /// For the yearly declaration cut-off (`fixed`, fulfilled by `declaration_submitted`):
    /// what a declaration sent after it becomes (lhasa:7's plan of the year after next,
    /// yeji:8's 增列 only).
    #[serde(default)]
    pub if_late: Option<super::window::LateEffect>,
}

impl DeadlineRule {
    /// The timing, if exactly one form is given.
    pub fn timing(&self) -> Result<Timing, String> {
        let mut forms = Vec::new();
        if let Some(n) = self.working_days {
            forms.push(Timing::WorkingDays(n));
        }
        if let Some(n) = self.calendar_days {
            forms.push(Timing::CalendarDays(n));
        }
        if let Some(n) = self.months {
            forms.push(Timing::Months(n));
        }
        if let Some(f) = self.fixed {
            forms.push(Timing::Fixed(f));
        }
        if let Some(w) = self.next_nth_weekday {
            forms.push(Timing::NextNthWeekday(w));
        }
        match (self.every, self.working_day) {
            (Some(every), Some(working_day)) => {
                forms.push(Timing::Recurring { every, working_day })
            }
            (None, None) => {}
            _ => return Err("周期性期限须同时给出 every 和 working_day".into()),
        }
        if self.unspecified {
            forms.push(Timing::Unspecified);
        }
        match forms.len() {
            1 => Ok(forms[0]),
            0 => Err("未给出期限：working_days、calendar_days、months、fixed、next_nth_weekday、every 或 unspecified 须给出其一".into()),
            _ => Err("期限只能给出一种形式".into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdRule {
    pub id: String,
    pub cite: String,
    pub text: String,
    pub fact: Fact,
    pub op: Op,
    pub value: i64,
    /// What changes when the threshold is met, in Chinese.
    pub effect: String,
    /// A stage the threshold adds to the flow.
    #[serde(default)]
    pub adds_stage: Option<Stage>,
    /// Meeting it puts the project outside the regulation (yeji:2): its owner unit may
    /// record it as such instead of declaring it.
    #[serde(default)]
    pub outside_scope: bool,
}

impl ThresholdRule {
    pub fn met(&self, facts: &Facts) -> Option<bool> {
        facts.get(&self.fact).map(|v| self.op.holds(*v, self.value))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaScope {
    /// Per department and plan year.
    DepartmentYear,
    /// Per jurisdiction and plan year.
    JurisdictionYear,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaRule {
    pub id: String,
    pub cite: String,
    pub text: String,
    /// What is counted (the event that uses the quota).
    pub counts: EventKind,
    pub per: QuotaScope,
    pub max: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateRule {
    pub id: String,
    pub cite: String,
    /// The refusal the user reads.
    pub text: String,
    pub action: GatedAction,
    /// Every condition must hold for the action to go ahead.
    #[serde(default)]
    pub requires: Vec<Condition>,
    /// Or: the action uses up one unit of this quota.
    #[serde(default)]
    pub quota: Option<String>,
    /// The gate applies only when these hold.
    #[serde(default)]
    pub when: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SanctionRule {
    pub id: String,
    pub cite: String,
    pub text: String,
    /// Deadlines whose lapse triggers it; empty for violations found by supervision.
    #[serde(default)]
    pub on_overdue: Vec<String>,
    pub steps: Vec<SanctionStep>,
    /// Whether the measures it names after 限期整改 follow only a rectification that lapsed
    /// or failed (逾期不整改或者整改后仍不符合要求的); otherwise any of them may be taken.
    #[serde(default)]
    pub escalates: bool,
    /// The parties that take its measures on a project (`[]`: none are taken by hand — what
    /// it says follows from the gates, as gaoping:20's unfiled projects, or concerns firms).
    #[serde(default)]
    pub by: Vec<String>,
    /// The parties that take its measures on money (暂停拨付资金, 收回资金), where they are not
    /// `by` (linxiang:34: 财政部门).
    #[serde(default)]
    pub funds_by: Vec<String>,
}

/// Something govit does for every jurisdiction that this profile grounds in an article: the
/// sentence and citation its pages show. A jurisdiction without the provision sees neutral
/// text and no article (never another jurisdiction's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provision {
    /// Each system's disposition (gaoping's 四个一批).
    SystemDisposition,
    /// Systems exempted, with reasons, from moving to the cloud or joining the service platform.
    NegativeList,
    /// Projects use the services of the cloud-service catalog rather than build their own.
    CloudServiceCatalog,
    /// Common infrastructure and support capabilities are built once, not by each department.
    CommonCapability,
    /// Systems a project names must be in the system catalog before approval.
    SystemsInCatalog,
    /// The declaration form's own name in the text (yeji's annex 1), for the form's heading.
    DeclarationForm,
    /// The quarterly progress form's own name in the text (yeji's annex 2), for its heading.
    ProgressForm,
}

/// A path through the stages, in the order the regulation runs them: the workflow engine lays
/// a subject's route along it (`approval`: from declaration to approval).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathRule {
    pub id: String,
    pub cite: String,
    pub text: String,
    pub stages: Vec<Stage>,
}

/// A provision's sentence in the profile's own words, with its article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionRule {
    pub provision: Provision,
    pub cite: String,
    pub text: String,
    /// Lines a form prints under it, as its text has them (annex 1's 说明).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ProvisionRule {
    /// 「text（cite）」, as pages cite a rule.
    pub fn cited(&self) -> String {
        format!("{}（{}）", self.text, self.cite)
    }
}

/// Who may record an event by hand: nobody (`party: None`, the flow records it when its step
/// runs) or the users of one party, with the article that names it when the profile does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorder {
    pub party: Option<PartyKind>,
    pub cite: Option<String>,
    /// The stage whose step records it, when a submission's (财评或审计 records 完成竣工决算).
    pub stage: Option<Stage>,
}

impl Recorder {
    /// Whether a user may record the event: the owner unit's declarants for their own
    /// project, the authority's reviewers, and anyone working in another named party.
    pub fn allows(
        &self, roles: &[crate::org::Role], own_parties: &[PartyKind], owns_project: bool,
    ) -> bool {
        use crate::org::Role;
        match self.party {
            None => false,
            Some(PartyKind::OwnerUnit) => owns_project && roles.contains(&Role::Declarant),
            Some(PartyKind::Authority) => {
                roles.contains(&Role::Reviewer) && own_parties.contains(&PartyKind::Authority)
            }
            Some(p) => own_parties.contains(&p),
        }
    }
}

/// A place where the published text is missing or incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    pub cite: String,
    pub text: String,
    /// The key under which an administrator configures what the text leaves out.
    #[serde(default)]
    pub configurable: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    #[serde(default)]
    pub parties: BTreeMap<String, String>,
    #[serde(default)]
    pub stages: BTreeMap<String, String>,
}

/// The head of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileHead {
    pub id: String,
    pub name: String,
    pub jurisdiction: String,
    pub issuer: String,
    pub document: String,
    pub issued: NaiveDate,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    #[serde(default)]
    pub basis: Vec<String>,
    /// Citation prefixes this profile may use besides its id (linxiang's data regulation).
    #[serde(default)]
    pub cite_prefixes: Vec<String>,
}

/// A loaded, checked profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub head: ProfileHead,
    pub labels: Labels,
    pub stages: Vec<StageRule>,
    pub documents: Vec<DocumentRule>,
    pub deadlines: Vec<DeadlineRule>,
    pub thresholds: Vec<ThresholdRule>,
    pub quotas: Vec<QuotaRule>,
    pub gates: Vec<GateRule>,
    pub sanctions: Vec<SanctionRule>,
    pub gaps: Vec<Gap>,
    pub provisions: Vec<ProvisionRule>,
    pub paths: Vec<PathRule>,
    pub reviews: Vec<crate::review::ReviewForm>,
    pub panels: Vec<crate::draw::PanelRule>,
    pub clauses: Vec<ClauseRule>,
}

/// A term a contract of a kind must contain (`[[clauses]]`): gaoping:15's and
/// xinzhou-transport:12's ownership and deliverables, linxiang:25's termination mechanism.
/// A contract without it is refused at signing, with the article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseRule {
    pub id: String,
    pub cite: String,
    pub text: String,
    pub contract: crate::contract::ContractKind,
    pub clause: crate::contract::Clause,
}

impl Profile {
    /// The profile's own word for a party kind, or the neutral label.
    pub fn party_label(&self, party: &str) -> String {
        if let Some(l) = self.labels.parties.get(party) {
            return l.clone();
        }
        PartyKind::parse(party)
            .map(|k| k.label().to_string())
            .or_else(|| FirmKind::parse(party).map(|k| k.label().to_string()))
            .unwrap_or_else(|| party.to_string())
    }

    pub fn stage_label(&self, stage: Stage) -> String {
        self.labels.stages.get(stage.as_str()).cloned().unwrap_or_else(|| stage.label().to_string())
    }

    /// Who records `event` on a project under this profile: the flow itself, or the party
    /// whose duty it fulfils here (a deadline's `owed_by`, with its article), or else the party
    /// that by nature causes it.
    pub fn recorder(&self, event: EventKind) -> Recorder {
        // What a submission's step records (财评, 自评价, 运维经费申请) is recorded by it alone.
        let by_submission = self
            .stages
            .iter()
            .find(|r| {
                crate::submission::kind(r.stage).is_some()
                    && crate::workflow::events_of(r).contains(&event)
            })
            .map(|r| r.stage);
        let Some(default) =
            event.caused_by().filter(|_| !event.step_recorded() && by_submission.is_none())
        else {
            return Recorder { party: None, cite: None, stage: by_submission };
        };
        let owed = self.deadlines.iter().find_map(|d| {
            (d.fulfilled_by == event)
                .then(|| PartyKind::parse(&d.owed_by).map(|p| (p, d.cite.clone())))
                .flatten()
        });
        match owed {
            Some((party, cite)) => Recorder { party: Some(party), cite: Some(cite), stage: None },
            None => Recorder { party: Some(default), cite: None, stage: None },
        }
    }

    /// Whether any rule of this profile tests `fact` (a stage's, a document's or a
    /// deadline's condition, a threshold, a gate's requirement or condition): a fact no rule
    /// tests decides nothing under it, and need not be derived for its projects.
    pub fn mentions(&self, fact: Fact) -> bool {
        let any = |conds: &[Condition]| conds.iter().any(|c| c.fact == fact);
        self.stages.iter().any(|r| any(&r.when) || any(&r.unless))
            || self.documents.iter().any(|r| any(&r.when) || any(&r.replace_when))
            || self.deadlines.iter().any(|r| any(&r.when))
            || self.thresholds.iter().any(|r| r.fact == fact)
            || self.gates.iter().any(|r| any(&r.requires) || any(&r.when))
    }

    /// Where this profile grounds a provision: its own `[[provisions]]` entry, or the gate that
    /// enforces it (a common capability rebuilt, systems outside the catalog at approval).
    pub fn basis(&self, provision: Provision) -> Option<ProvisionRule> {
        if let Some(p) = self.provisions.iter().find(|p| p.provision == provision) {
            return Some(p.clone());
        }
        let fact = match provision {
            Provision::CommonCapability => Fact::RebuildsCommonCapability,
            Provision::SystemsInCatalog => Fact::SystemsOutsideCatalog,
            _ => return None,
        };
        self.gates
            .iter()
            .find(|g| g.action == GatedAction::Approve && g.requires.iter().any(|c| c.fact == fact))
            .map(|g| ProvisionRule {
                provision,
                cite: g.cite.clone(),
                text: g.text.clone(),
                notes: vec![],
            })
    }

    /// Every rule with its kind and citation, for `govit policy show` and the rules page.
    pub fn rule_count(&self) -> usize {
        self.stages.len()
            + self.documents.len()
            + self.deadlines.len()
            + self.thresholds.len()
            + self.quotas.len()
            + self.gates.len()
            + self.sanctions.len()
            + self.gaps.len()
            + self.provisions.len()
            + self.paths.len()
            + self.reviews.len()
            + self.panels.len()
            + self.clauses.len()
    }

    /// The path of that id (`approval`).
    pub fn path(&self, id: &str) -> Option<&PathRule> {
        self.paths.iter().find(|p| p.id == id)
    }

    /// The expert panel of that id.
    pub fn panel(&self, id: &str) -> Option<&crate::draw::PanelRule> {
        self.panels.iter().find(|r| r.id == id)
    }

    /// The review form of that id.
    pub fn review(&self, id: &str) -> Option<&crate::review::ReviewForm> {
        self.reviews.iter().find(|r| r.id == id)
    }

    /// What the step of that route key (`stage/cite/n`, see `workflow::RouteStep`) does, in
    /// the regulation's words, whichever route it was on.
    pub fn step_action(&self, key: &str) -> Option<&str> {
        self.chain_step(key).map(|l| l.action.as_str())
    }

    /// The step of the chains of that route key (`stage/cite/n`), whichever route it was on.
    pub fn chain_step(&self, key: &str) -> Option<&ChainStep> {
        let (rest, n) = key.rsplit_once('/')?;
        let (stage, cite) = rest.split_once('/')?;
        let n: usize = n.parse().ok()?;
        self.stages
            .iter()
            .find(|r| r.stage.as_str() == stage && r.cite == cite)
            .and_then(|r| r.chain.get(n.checked_sub(1)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_satisfying_value_makes_every_kind_of_condition_hold() {
        for op in [Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::Eq, Op::Ne] {
            for value in [0, 1, 3] {
                let c = Condition { fact: Fact::QuotesCount, op, value };
                let facts = Facts::from([(Fact::QuotesCount, c.satisfying_value())]);
                assert_eq!(c.eval(&facts), Some(true), "{op:?} {value}");
            }
        }
    }
}
