//! What a project sends through the stages after its approval, each a report or an
//! application run along its profile's chain for that stage — one mechanism for six uses:
//! - 未按计划实施说明 (`unimplemented_report`, yeji:19): a project not carried out in its year
//!   explains why in writing to the authority, which may recover its funds;
//! - 结余资金退回 (`surplus_return`, yeji:19): a project whose investment has a surplus returns
//!   it, finance confirming the return (the project's money shows it as returned);
//! - 财评或审计 (`financial_review`, lhasa:21): the owner unit states its completed final
//!   accounts (决算金额, the day they were done: `final_accounts_done`) and asks for the review,
//!   which the profile sends to the approval department up to 100,000,000 yuan and to the
//!   audit office above (the rule's `when` on `approved_yuan`);
//! - 绩效自评价 (`self_evaluation`: yeji:23, gaoping:21, lhasa:22 with finance's evaluation of
//!   key projects, xinzhou-transport:22);
//! - 后评价 / 绩效考评 (`post_evaluation`: yeji:29, gaoping:22, linxiang:33,
//!   xinzhou-transport:23/26), begun by the party the chain's first step names;
//! - 运维经费申请 (`om_fund_application`, lhasa:27), its application the step the profile's
//!   `om_funds` gates stand in front of (lhasa:20's three years after acceptance);
//! - 限期整改 (`rectification`: gaoping:22, yeji:26, lhasa:18, linxiang:27, xinzhou-transport:24):
//!   the authority orders it under one of its profile's sanctions with a deadline, the owner
//!   unit reports what it did, the authority checks it — refused (整改后仍不符合要求) or lapsed,
//!   it opens the measures the sanction goes on to name (`crate::sanction`);
//! - 运行维护情况报告 (`om_report`, linxiang:29): after acceptance the owner unit issues one a year,
//!   naming the year it covers (one per year);
//! - 年度工作绩效考核 (`unit_assessment`, xinzhou-transport:25): the data centre assesses how a
//!   project of a unit is used, once a year after its acceptance, naming the year; the results
//!   are what the review of the unit's next declarations weighs;
//! - 项目终止 (`termination`, linxiang:25): the owner unit ends the project's implementation and
//!   sends its written statement to the authority; its first step records 项目终止, after which
//!   the project takes no further step of its construction (only what winds it up).
//!
//! Pure: the kinds and their fields, the form, the route and the state.

use crate::error::FieldError;
use crate::money::Yuan;
use crate::policy::{EventKind, Facts, GatedAction, Profile, ScoredDimension, Stage};
use crate::workflow::{Progress, Route, RunStatus};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

named_enum!(
    /// Where a submission stands, from its run.
    SubmissionStatus {
        Drafting => "drafting", "待报送",
        Returned => "returned", "已退回",
        Reviewing => "reviewing", "办理中",
        Done => "done", "已办结",
        Refused => "refused", "不予通过",
    }
);

/// The stages a submission may run, in the order of a project's life.
pub const STAGES: [Stage; 10] = [
    Stage::UnimplementedReport,
    Stage::SurplusReturn,
    Stage::FinancialReview,
    Stage::SelfEvaluation,
    Stage::PostEvaluation,
    Stage::OmFundApplication,
    Stage::OmReport,
    Stage::UnitAssessment,
    Stage::Rectification,
    Stage::Termination,
];

/// What a stage's submission asks for besides its text, and what stands in front of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub stage: Stage,
    /// The amount it states (决算金额, 申请运维经费), in 万元 on the form; `None`: none.
    pub amount: Option<&'static str>,
    /// The day it states and the event that day records on the project (竣工决算完成日期 →
    /// `final_accounts_done`); `None`: none.
    pub day: Option<(&'static str, EventKind)>,
    /// A day to come it sets (整改期限); `None`: none.
    pub due: Option<&'static str>,
    /// Whether it names the profile's sanction it is ordered under.
    pub rule: bool,
    /// The year it covers, one per year (报告年度); `None`: none.
    pub year: Option<&'static str>,
    /// The label of its text, and the hint under it.
    pub text: &'static str,
    pub hint: &'static str,
    /// The event that must have happened before it may begin (通过竣工验收).
    pub after: Option<EventKind>,
    /// The action whose gates stand in front of its first step's pass.
    pub gate: Option<GatedAction>,
    /// Whether it still goes on once the project is terminated (the reports that wind it up:
    /// its accounts, its surplus, its evaluation); the rest begin no more and pass no step.
    pub winds_up: bool,
}

const KINDS: [Kind; 10] = [
    Kind {
        stage: Stage::UnimplementedReport,
        amount: None,
        day: None,
        due: None,
        rule: false,
        year: None,
        text: "未按计划实施的原因",
        hint: "说明当年度未按计划实施的内容、原因和后续安排。",
        after: None,
        gate: None,
        winds_up: true,
    },
    Kind {
        stage: Stage::SurplusReturn,
        amount: Some("退回结余资金（万元）"),
        day: None,
        due: None,
        rule: false,
        year: None,
        text: "结余情况说明",
        hint: "说明项目总投资结余的金额、形成原因和退回方式。",
        after: Some(EventKind::CompletionAcceptancePassed),
        gate: None,
        winds_up: true,
    },
    Kind {
        stage: Stage::FinancialReview,
        amount: Some("竣工决算金额（万元）"),
        day: Some(("竣工决算完成日期", EventKind::FinalAccountsDone)),
        due: None,
        rule: false,
        year: None,
        text: "决算情况说明",
        hint: "说明决（结）算手续的办理情况、资金来源及使用情况。",
        after: Some(EventKind::CompletionAcceptancePassed),
        gate: None,
        winds_up: true,
    },
    Kind {
        stage: Stage::SelfEvaluation,
        amount: None,
        day: None,
        due: None,
        rule: false,
        year: None,
        text: "自评价报告",
        hint: "项目运行效果、资金使用、产出和效果及遇到的问题等。",
        after: None,
        gate: None,
        winds_up: true,
    },
    Kind {
        stage: Stage::PostEvaluation,
        amount: None,
        day: None,
        due: None,
        rule: false,
        year: None,
        text: "评价报告",
        hint: "建设情况、应用情况、使用效果和安全状况等的评价及结论。",
        after: Some(EventKind::CompletionAcceptancePassed),
        gate: None,
        winds_up: true,
    },
    Kind {
        stage: Stage::OmFundApplication,
        amount: Some("申请运维经费（万元）"),
        day: None,
        due: None,
        rule: false,
        year: None,
        text: "绩效评价报告及运维需求",
        hint: "附绩效评价报告的主要结论，说明运维内容和经费测算。",
        after: Some(EventKind::CompletionAcceptancePassed),
        gate: Some(GatedAction::OmFunds),
        winds_up: false,
    },
    Kind {
        stage: Stage::OmReport,
        amount: None,
        day: None,
        due: None,
        rule: false,
        year: Some("报告年度"),
        text: "运行维护情况",
        hint: "本年度系统运行、维护和安全保障情况，运行维护方案、安全保障方案的执行情况及存在的问题。",
        after: Some(EventKind::CompletionAcceptancePassed),
        gate: None,
        winds_up: false,
    },
    Kind {
        stage: Stage::UnitAssessment,
        amount: None,
        day: None,
        due: None,
        rule: false,
        year: Some("考核年度"),
        text: "考核结果",
        hint: "本年度项目的使用情况、考核结论及存在的问题和改进要求。",
        after: Some(EventKind::CompletionAcceptancePassed),
        gate: None,
        winds_up: false,
    },
    Kind {
        stage: Stage::Rectification,
        amount: None,
        day: None,
        due: Some("整改期限"),
        rule: true,
        year: None,
        text: "发现的问题和整改要求",
        hint: "列明发现的问题、违反的规定或批复要求，以及整改的内容和要求。",
        after: None,
        gate: None,
        winds_up: false,
    },
    Kind {
        stage: Stage::Termination,
        amount: None,
        day: None,
        due: None,
        rule: false,
        year: None,
        text: "终止事由及书面说明",
        hint: "说明终止项目实施的事由和依据、已完成的建设内容、资金使用情况及后续处置安排。",
        after: None,
        gate: None,
        // Its statement goes on to the authority after the project ended with its first step.
        winds_up: true,
    },
];

/// The kind of submission a stage runs, if it runs one.
pub fn kind(stage: Stage) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.stage == stage)
}

/// A submission's form, as typed (the page's fields and the API's body alike).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SubmissionForm {
    /// The amount in 万元, where its kind states one.
    pub amount: String,
    /// The day (YYYY-MM-DD), where its kind states one.
    pub day: String,
    /// The day to come it sets (YYYY-MM-DD), where its kind sets one.
    pub due: String,
    /// The id of the profile's sanction it is ordered under, where its kind names one.
    pub rule: String,
    /// Its scores by the id of the profile's dimension, where its stage's rules list any.
    pub scores: BTreeMap<String, String>,
    /// The year it covers, where its kind names one.
    pub year: String,
    /// Its text: the report, the statement, the application.
    pub text: String,
}

/// A submission, read from its form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SubmissionTerms {
    pub amount: Option<Yuan>,
    pub day: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub rule: Option<String>,
    /// Each dimension's score, 0 to 100 (empty where its stage scores nothing).
    pub scores: BTreeMap<String, u8>,
    /// The year it covers (2026), where its kind names one.
    pub year: Option<i32>,
    pub text: String,
}

impl SubmissionTerms {
    /// The mean of its scores in tenths of a point, rounded half up (82.4 → 824); None
    /// without scores.
    pub fn mean_tenths(&self) -> Option<i64> {
        if self.scores.is_empty() {
            return None;
        }
        let n = self.scores.len() as i64;
        let sum: i64 = self.scores.values().map(|v| i64::from(*v)).sum();
        Some((sum * 20 + n) / (2 * n))
    }

    /// The mean as shown: 82.4.
    pub fn mean_shown(&self) -> Option<String> {
        self.mean_tenths().map(|t| format!("{}.{}", t / 10, t % 10))
    }
}

/// A year as typed on a form (2026, 2026年, ２０２６年度), if it reads as one: the one reading
/// of it for the form and for the check that a year is covered once.
pub fn typed_year(typed: &str) -> Option<i32> {
    let t: String = typed.trim().chars().map(crate::money::half_width).collect();
    let t = t.strip_suffix("年度").or_else(|| t.strip_suffix('年')).unwrap_or(&t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) || t.len() > 4 {
        return None;
    }
    t.parse().ok()
}

/// Whether what `rule`'s submissions conclude is what the review of the unit's next
/// declarations weighs: the evaluations a profile scores (gaoping:22, yeji:29, linxiang:33,
/// xinzhou-transport:23/26) and xinzhou-transport:25's yearly assessment of units.
pub fn weighed_next_year(rule: &crate::policy::StageRule) -> bool {
    match rule.stage {
        Stage::PostEvaluation => !rule.dimensions.is_empty(),
        Stage::UnitAssessment => true,
        _ => false,
    }
}

/// Whether a stage's rules may list what its submissions score: the evaluations.
pub fn scored(stage: Stage) -> bool {
    stage == Stage::PostEvaluation
}

/// What a submission of `stage` scores under `profile` and the project's `facts`: the
/// dimensions of its rules that apply, in their order, each once.
pub fn dimensions(profile: &Profile, stage: Stage, facts: &Facts) -> Vec<ScoredDimension> {
    let mut out: Vec<ScoredDimension> = Vec::new();
    for r in profile.stages.iter().filter(|r| r.stage == stage && r.applies(facts)) {
        for d in &r.dimensions {
            if !out.iter().any(|o| o.id == d.id) {
                out.push(d.clone());
            }
        }
    }
    out
}

/// The longest text a submission keeps.
pub const TEXT_MAX: usize = 4000;

/// How far ahead a deadline it sets may be (two years).
pub const DUE_MAX_DAYS: i64 = 730;

impl SubmissionForm {
    /// The submission of `kind`, or every wrong field named. `today` bounds its day (a day
    /// that has not come is refused), `earliest` from below (final accounts are done after
    /// the acceptance they follow); `rules` are the sanctions it may name; `dimensions` what
    /// it scores (each 0 to 100, every one, nothing else).
    pub fn parse(
        &self, kind: &Kind, today: NaiveDate, earliest: Option<NaiveDate>, rules: &[String],
        dimensions: &[ScoredDimension],
    ) -> Result<SubmissionTerms, Vec<FieldError>> {
        let mut errors = Vec::new();
        let amount = kind.amount.and_then(|label| {
            let name = label.split('（').next().unwrap_or(label);
            match Yuan::parse_wan(&self.amount) {
                Ok(a) if a.0 > 0 => Some(a),
                Ok(_) => {
                    errors.push(FieldError::new("amount", format!("{name}应大于 0")));
                    None
                }
                Err(e) => {
                    errors.push(FieldError::new("amount", format!("{name}：{e}")));
                    None
                }
            }
        });
        let day = kind.day.and_then(|(label, _)| {
            let typed = self.day.trim();
            match NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
                _ if typed.is_empty() => {
                    errors.push(FieldError::new("day", format!("请填写{label}")));
                    None
                }
                Ok(d) if d > today => {
                    errors.push(FieldError::new("day", format!("{label}不能晚于今天")));
                    None
                }
                Ok(d) if earliest.is_some_and(|e| d < e) => {
                    let e = earliest.map(|e| e.to_string()).unwrap_or_default();
                    errors.push(FieldError::new(
                        "day",
                        format!("{label}不能早于通过竣工验收的日期（{e}）"),
                    ));
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errors
                        .push(FieldError::new("day", format!("{label}应为日期，例如 2026-06-30")));
                    None
                }
            }
        });
        let rule = kind.rule.then(|| self.rule.trim().to_string());
        if rule.as_ref().is_some_and(|r| !rules.contains(r)) {
            errors.push(FieldError::new("rule", "请选择依据的本辖区规定"));
        }
        let due = kind.due.and_then(|label| {
            let typed = self.due.trim();
            match NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
                _ if typed.is_empty() => {
                    errors.push(FieldError::new("due", format!("请填写{label}")));
                    None
                }
                Ok(d) if d <= today => {
                    errors.push(FieldError::new("due", format!("{label}应晚于今天")));
                    None
                }
                Ok(d) if (d - today).num_days() > DUE_MAX_DAYS => {
                    errors.push(FieldError::new("due", format!("{label}不能超过两年")));
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errors
                        .push(FieldError::new("due", format!("{label}应为日期，例如 2026-06-30")));
                    None
                }
            }
        });
        let year = kind.year.and_then(|label| {
            let first = earliest.map_or(2000, |e| e.year());
            match typed_year(&self.year) {
                _ if self.year.trim().is_empty() => {
                    errors.push(FieldError::new("year", format!("请填写{label}")));
                    None
                }
                Some(y) if y > today.year() => {
                    errors.push(FieldError::new("year", format!("{label}不能晚于今年")));
                    None
                }
                Some(y) if y < first => {
                    errors.push(FieldError::new(
                        "year",
                        format!("{label}不能早于通过竣工验收的年度（{first} 年）"),
                    ));
                    None
                }
                Some(y) => Some(y),
                None => {
                    errors.push(FieldError::new("year", format!("{label}应为年份，例如 2026")));
                    None
                }
            }
        });
        let mut scores = BTreeMap::new();
        for d in dimensions {
            let typed = self.scores.get(&d.id).map(|s| s.trim()).unwrap_or_default();
            match crate::review::score(typed) {
                _ if typed.is_empty() => {
                    errors.push(FieldError::new("scores", format!("请为“{}”评分", d.name)));
                }
                Some(v) => {
                    scores.insert(d.id.clone(), v);
                }
                None => errors.push(FieldError::new(
                    "scores",
                    format!("“{}”的评分须为 0 到 100 的整数", d.name),
                )),
            }
        }
        // Every key it has no dimension for, said once (a form may carry any number).
        let unknown: Vec<&String> =
            self.scores.keys().filter(|id| !dimensions.iter().any(|d| &d.id == *id)).collect();
        if let Some(first) = unknown.first() {
            let shown: String = first.chars().take(40).collect();
            let more = match unknown.len() {
                1 => String::new(),
                n => format!("等 {n} 项"),
            };
            errors.push(FieldError::new("scores", format!("本事项没有“{shown}”{more}这一评分项")));
        }
        let text = crate::error::free_text(&self.text, "text", kind.text, TEXT_MAX, &mut errors);
        if errors.is_empty() {
            Ok(SubmissionTerms { amount, day, due, rule, scores, year, text })
        } else {
            Err(errors)
        }
    }
}

/// The route of a submission of `stage` under its profile and the project's facts.
pub fn route(profile: &Profile, stage: Stage, facts: &Facts) -> Route {
    if kind(stage).is_none() {
        return Route::default();
    }
    Route::from_rules(&profile.stages, &[stage], facts)
}

/// The stages of the profile a project may send a submission through: those it lays out a
/// chain for, in [`STAGES`]' order.
pub fn stages_of(profile: &Profile) -> Vec<Stage> {
    STAGES
        .iter()
        .copied()
        .filter(|s| profile.stages.iter().any(|r| r.stage == *s && !r.chain.is_empty()))
        .collect()
}

/// What must have happened on a project before a submission of `stage` may begin, under
/// `profile` on `route`: its kind's event (通过竣工验收), or else the event the profile's
/// deadline for what its first step records runs from (yeji:23's self-evaluation after
/// 投入运行) with that deadline's article — not a calendar's (gaoping:21's 预算年度结束 is
/// no one's act).
pub fn opens_after(profile: &Profile, route: &Route) -> Option<(EventKind, Option<String>)> {
    let first = route.steps.first()?;
    if let Some(e) = kind(first.stage).and_then(|k| k.after) {
        return Some((e, None));
    }
    profile.deadlines.iter().find_map(|d| {
        let calendar = matches!(d.after, EventKind::PlanYearStart | EventKind::BudgetYearEnded);
        (first.on_pass.contains(&d.fulfilled_by) && !calendar)
            .then(|| (d.after, Some(d.cite.clone())))
    })
}

/// Where a submission stands by its run: its first step's party holds it until it sends it.
pub fn status(route: &Route, progress: &Progress, returned: bool) -> SubmissionStatus {
    match progress.status {
        RunStatus::Completed => SubmissionStatus::Done,
        RunStatus::Rejected => SubmissionStatus::Refused,
        // Returned to its first party; returned to a later step it is still being handled.
        _ if returned && progress.current == 0 => SubmissionStatus::Returned,
        _ if progress.current == 0 && !route.steps.is_empty() => SubmissionStatus::Drafting,
        _ => SubmissionStatus::Reviewing,
    }
}

/// Why a submission in `status` cannot be corrected now, if it cannot: only while its first
/// party holds it (not yet sent, taken back, or returned).
pub fn not_editable(status: SubmissionStatus) -> Option<&'static str> {
    match status {
        SubmissionStatus::Drafting | SubmissionStatus::Returned => None,
        SubmissionStatus::Done | SubmissionStatus::Refused => Some("已办结，不能再修改"),
        SubmissionStatus::Reviewing => {
            Some("正在办理，不能修改；需修改的，请撤回或由办理单位退回后修改")
        }
    }
}

#[cfg(test)]
mod tests;
