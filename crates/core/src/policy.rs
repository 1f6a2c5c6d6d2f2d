//! Policy profiles: one data file per jurisdiction holding its labels, flow, documents,
//! deadlines, thresholds, quotas, gates, sanctions and the gaps in its text, every rule with
//! its citation and the Chinese sentence a user sees.
//!
//! Onboarding a jurisdiction is writing a profile. `check` reads a profile leniently, rule by
//! rule, so that one run reports every mistake with its line and field.

use crate::org::{FirmKind, PartyKind};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The profiles shipped with govit.
pub const BUILTIN: &[(&str, &str)] = &[
    ("gaoping", include_str!("../../../policies/gaoping.toml")),
    ("yeji", include_str!("../../../policies/yeji.toml")),
    ("linxiang", include_str!("../../../policies/linxiang.toml")),
    ("lhasa", include_str!("../../../policies/lhasa.toml")),
    (
        "xinzhou-transport",
        include_str!("../../../policies/xinzhou-transport.toml"),
    ),
];

named_enum!(
    /// The stages of a project's life (the glossary of CONVENTIONS.md).
    Stage {
        Declaration => "declaration", "项目申报",
        AnnualPlan => "annual_plan", "年度计划",
        SupplementaryPlan => "supplementary_plan", "增补计划",
        PreReview => "pre_review", "预审",
        ExpertReview => "expert_review", "专家评审",
        JointReview => "joint_review", "联合审查",
        SecurityReview => "security_review", "网络安全审查",
        CryptoReview => "crypto_review", "密码应用审查",
        Approval => "approval", "立项审批",
        BudgetReview => "budget_review", "预算评审",
        Procurement => "procurement", "采购",
        ContractFiling => "contract_filing", "合同备案",
        SupervisorFiling => "supervisor_filing", "监理备案",
        Implementation => "implementation", "项目实施",
        ProgressReport => "progress_report", "进度报告",
        ChangeRequest => "change_request", "项目调整",
        DelayRequest => "delay_request", "延期申请",
        Termination => "termination", "项目终止",
        PreliminaryAcceptance => "preliminary_acceptance", "初步验收",
        CompletionAcceptance => "completion_acceptance", "竣工验收",
        AcceptanceFiling => "acceptance_filing", "验收备案",
        FinancialReview => "financial_review", "财务审核或审计",
        SelfEvaluation => "self_evaluation", "绩效自评价",
        PostEvaluation => "post_evaluation", "后评价",
        OmPeriod => "om_period", "运维期",
        OmFundApplication => "om_fund_application", "运维经费申请",
    }
);

named_enum!(
    /// What happens to a project; deadlines run from one event and are met by another.
    EventKind {
        PlanYearStart => "plan_year_start", "计划年度开始",
        DeclarationSubmitted => "declaration_submitted", "提交申报",
        MaterialsReceived => "materials_received", "收到申报材料",
        ReviewPassed => "review_passed", "审查通过",
        ReviewFailed => "review_failed", "审查未通过",
        ReviewOpinionSent => "review_opinion_sent", "出具审查意见",
        RevisionSubmitted => "revision_submitted", "提交修改材料",
        ReportedForApproval => "reported_for_approval", "报送审批",
        PlanApproved => "plan_approved", "列入年度计划",
        Approved => "approved", "立项批复",
        ContractSigned => "contract_signed", "签订合同",
        ContractFiled => "contract_filed", "合同备案",
        SupervisorAppointed => "supervisor_appointed", "确定监理",
        SupervisorFiled => "supervisor_filed", "监理备案",
        WorkStarted => "work_started", "开工建设",
        ProgressReported => "progress_reported", "报送进度",
        EquipmentPurchased => "equipment_purchased", "完成设备购置",
        PurchaseFiled => "purchase_filed", "购置备案",
        PreliminaryAcceptancePassed => "preliminary_acceptance_passed", "初步验收合格",
        CompletionAcceptanceApplied => "completion_acceptance_applied", "提出竣工验收申请",
        CompletionAcceptancePassed => "completion_acceptance_passed", "通过竣工验收",
        AcceptanceFiled => "acceptance_filed", "验收备案",
        FinanceNotified => "finance_notified", "书面告知财政",
        OperationStarted => "operation_started", "投入运行",
        FinalAccountsDone => "final_accounts_done", "完成竣工决算",
        FinancialReviewDone => "financial_review_done", "完成财务审核或审计",
        BudgetYearEnded => "budget_year_ended", "预算年度结束",
        SelfEvaluationSubmitted => "self_evaluation_submitted", "报送自评价报告",
        FinanceEvaluationDone => "finance_evaluation_done", "财政完成重点评价",
        RectificationReported => "rectification_reported", "报送整改报告",
        RectificationChecked => "rectification_checked", "完成整改核查",
        ShareRequestReceived => "share_request_received", "收到共享申请",
        ShareRequestAnswered => "share_request_answered", "答复共享申请",
        OmFreePeriodEnd => "om_free_period_end", "免费运维期届满",
        OmFundsApplied => "om_funds_applied", "申请运维经费",
    }
);

named_enum!(
    /// Facts about a project that conditions, thresholds and gates test. Amounts are yuan,
    /// ratios basis points (1500 = 15%), flags 0 or 1.
    Fact {
        InvestmentYuan => "investment_yuan", "项目投资（元）",
        ApprovedYuan => "approved_yuan", "批复概算（元）",
        DurationMonths => "duration_months", "建设工期（月）",
        SpansYears => "spans_years", "是否跨年度",
        InDepartmentBudget => "in_department_budget", "是否列入部门预算",
        InAnnualPlan => "in_annual_plan", "是否列入年度计划",
        IsKeyProject => "is_key_project", "是否重点项目",
        IsCrossDepartment => "is_cross_department", "是否跨部门项目",
        IsClassified => "is_classified", "是否涉密",
        IsSimple => "is_simple", "是否建设内容简单",
        IsUrgent => "is_urgent", "是否急需项目",
        SystemsOutsideCatalog => "systems_outside_catalog", "未编入目录的系统数",
        ConnectedToServicePlatform => "connected_to_service_platform", "是否接入政务服务平台",
        CanShare => "can_share", "是否能互联互通、共享",
        CatalogInSharingPlatform => "catalog_in_sharing_platform", "资源目录是否纳入共享平台",
        BuildsOwnMachineRoom => "builds_own_machine_room", "是否自建机房",
        RebuildsCommonCapability => "rebuilds_common_capability", "是否重复建设共性基础设施或共性支撑能力",
        BuildsPrivateNetwork => "builds_private_network", "是否新建专网",
        SupervisorAppointed => "supervisor_appointed", "是否已确定监理",
        ContractFiled => "contract_filed", "是否已合同备案",
        SupervisorFiled => "supervisor_filed", "是否已监理备案",
        AcceptanceFiled => "acceptance_filed", "是否已验收备案",
        ChangeRatioBp => "change_ratio_bp", "调整金额占概算比例（基点）",
        DelayRatioBp => "delay_ratio_bp", "超出合同工期比例（基点）",
        OmYearsInContract => "om_years_in_contract", "合同约定运维年限",
        QuotesCount => "quotes_count", "询价数量",
        FailedReviews => "failed_reviews", "评审未通过次数",
        SecurityTestPassed => "security_test_passed", "等保测评是否通过",
        RectificationPassed => "rectification_passed", "上年度整改是否通过",
        YearsSinceAcceptance => "years_since_acceptance", "验收后年数",
        UsesDomesticCrypto => "uses_domestic_crypto", "是否应用国产密码",
        SecureControllable => "secure_controllable", "产品是否安全可控",
        HasOmPlan => "has_om_plan", "是否有运维方案",
    }
);

named_enum!(
    /// Actions a gate can stand in front of.
    GatedAction {
        Declare => "declare", "申报项目",
        EnterPlan => "enter_plan", "列入年度计划",
        Approve => "approve", "立项批复",
        Fund => "fund", "安排建设资金",
        StartWork => "start_work", "开工建设",
        Sign => "sign", "签订合同",
        Accept => "accept", "通过验收",
        Pay => "pay", "支付资金",
        OmFunds => "om_funds", "安排运维经费",
        Deploy => "deploy", "上线部署",
    }
);

named_enum!(
    /// What follows a violation.
    SanctionStep {
        Rectification => "rectification", "限期整改",
        Criticism => "criticism", "通报批评",
        DeferPlan => "defer_plan", "暂缓安排投资计划",
        SuspendFunds => "suspend_funds", "暂停拨付资金",
        SuspendProject => "suspend_project", "暂停项目建设",
        Terminate => "terminate", "终止项目",
        RecoverFunds => "recover_funds", "收回资金",
        BudgetCut => "budget_cut", "压缩下一年度预算",
        NoOmFunds => "no_om_funds", "不安排运维经费",
        NoFurtherFunds => "no_further_funds", "不再安排后续资金",
        CreditRecord => "credit_record", "记入信用记录",
        Blacklist => "blacklist", "列入黑名单",
        Report => "report", "书面报告",
    }
);

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
}

/// One mistake in a profile file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.message
        )
    }
}

fn strip<T>(v: Vec<(usize, T)>) -> Vec<T> {
    v.into_iter().map(|(_, x)| x).collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The sections of a profile made of `[[section]]` entries.
const SECTIONS: &[&str] = &[
    "stages",
    "documents",
    "deadlines",
    "thresholds",
    "quotas",
    "gates",
    "sanctions",
    "gaps",
];

/// An entry's body: from the end of its `[[header]]` line to the next header.
fn entry_bodies(text: &str, section: &str) -> Vec<(usize, String)> {
    let header = format!("[[{section}]]");
    let mut out = Vec::new();
    let mut offset = 0;
    let mut current: Option<(usize, String)> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            if let Some(c) = current.take() {
                out.push(c);
            }
            if trimmed == header {
                current = Some((offset + line.len(), String::new()));
            }
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
        }
        offset += line.len();
    }
    if let Some(c) = current {
        out.push(c);
    }
    out
}

/// Everything outside the `[[…]]` entries: the head and the labels.
fn head_text(text: &str) -> String {
    let mut out = String::new();
    let mut in_entry = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with("[[") {
            in_entry = true;
        } else if trimmed.starts_with('[') {
            in_entry = false;
        }
        // Keep line numbers: blank out entry lines instead of dropping them.
        if in_entry {
            out.push('\n');
        } else {
            out.push_str(line);
        }
    }
    out
}

fn field_of_serde_error(message: &str) -> String {
    for marker in ["field `", "variant `"] {
        if let Some(i) = message.find(marker) {
            let rest = &message[i + marker.len()..];
            if let Some(j) = rest.find('`') {
                return rest[..j].to_string();
            }
        }
    }
    String::new()
}

struct Reader<'a> {
    file: &'a str,
    errors: Vec<ProfileError>,
}

impl Reader<'_> {
    fn err(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.errors.push(ProfileError {
            file: self.file.to_string(),
            line,
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Deserializes each `[[section]]` entry on its own, so one bad entry does not hide the
    /// next. Returns the entries with the line of their header.
    fn entries<T: serde::de::DeserializeOwned>(
        &mut self,
        text: &str,
        section: &str,
    ) -> Vec<(usize, T)> {
        let mut out = Vec::new();
        for (start, body) in entry_bodies(text, section) {
            let header_line = line_of(text, start) - 1;
            match toml::from_str::<T>(&body) {
                Ok(v) => out.push((header_line, v)),
                Err(e) => {
                    let line = e
                        .span()
                        .map(|s| header_line + line_of(&body, s.start))
                        .unwrap_or(header_line);
                    let msg = e.message().to_string();
                    // The key on the offending line names the field best; serde's message
                    // names it when the line does not (a missing field).
                    let key = e
                        .span()
                        .and_then(|s| {
                            body[..s.start.min(body.len())]
                                .lines()
                                .last()
                                .map(str::to_string)
                        })
                        .and_then(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
                        .filter(|k| !k.is_empty() && !k.contains(' '));
                    let field = key.unwrap_or_else(|| field_of_serde_error(&msg));
                    self.err(
                        line,
                        format!("{section}.{field}").trim_end_matches('.'),
                        msg,
                    );
                }
            }
        }
        out
    }
}

/// The line of `key = ` inside an entry starting at `header_line`, for precise messages.
fn field_line(text: &str, header_line: usize, key: &str) -> usize {
    for (i, line) in text.lines().enumerate().skip(header_line) {
        let t = line.trim_start();
        if i > header_line && t.starts_with("[[") {
            break;
        }
        if t.starts_with(key) && t[key.len()..].trim_start().starts_with('=') {
            return i + 1;
        }
    }
    header_line
}

/// Reads and checks a profile; every problem is reported, each with file, line and field.
pub fn load(file: &str, text: &str) -> Result<Profile, Vec<ProfileError>> {
    let mut r = Reader {
        file,
        errors: Vec::new(),
    };
    // Syntax first: a file that is not TOML cannot be read rule by rule.
    let (_, syntax) = toml::de::DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        for e in syntax {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            r.err(line, "", format!("TOML 语法错误：{}", e.message()));
        }
        return Err(r.errors);
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Head {
        #[serde(flatten)]
        head: ProfileHead,
        #[serde(default)]
        labels: Labels,
    }
    let head_src = head_text(text);
    let head = match toml::from_str::<Head>(&head_src) {
        Ok(h) => Some(h),
        Err(e) => {
            let line = e.span().map(|s| line_of(&head_src, s.start)).unwrap_or(1);
            let msg = e.message().to_string();
            let field = field_of_serde_error(&msg);
            r.err(line, &field, msg);
            None
        }
    };
    let stages: Vec<(usize, StageRule)> = r.entries(text, "stages");
    let documents: Vec<(usize, DocumentRule)> = r.entries(text, "documents");
    let deadlines: Vec<(usize, DeadlineRule)> = r.entries(text, "deadlines");
    let thresholds: Vec<(usize, ThresholdRule)> = r.entries(text, "thresholds");
    let quotas: Vec<(usize, QuotaRule)> = r.entries(text, "quotas");
    let gates: Vec<(usize, GateRule)> = r.entries(text, "gates");
    let sanctions: Vec<(usize, SanctionRule)> = r.entries(text, "sanctions");
    let gaps: Vec<(usize, Gap)> = r.entries(text, "gaps");

    // Sections the reader does not know.
    for line in text.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|s| s.strip_suffix("]]"))
            && !SECTIONS.contains(&name)
        {
            let n = text
                .lines()
                .position(|l| l.trim() == t)
                .map(|i| i + 1)
                .unwrap_or(1);
            r.err(
                n,
                name,
                format!("未知的规则类别 [[{name}]]（可用：{}）", SECTIONS.join("、")),
            );
        }
    }

    let Some(Head { head, labels }) = head else {
        return Err(r.errors);
    };
    let mut prefixes: Vec<String> = vec![head.id.clone()];
    prefixes.extend(head.cite_prefixes.iter().cloned());
    let party_ok = |p: &str| {
        PartyKind::parse(p).is_some()
            || FirmKind::parse(p).is_some()
            || p == "expert"
            || p == "public"
    };

    for key in labels.parties.keys() {
        if !party_ok(key) {
            let line = field_line(text, 0, key);
            r.err(line, &format!("labels.parties.{key}"), "未知的参与方类型");
        }
    }
    for key in labels.stages.keys() {
        if Stage::parse(key).is_none() {
            let line = field_line(text, 0, key);
            r.err(line, &format!("labels.stages.{key}"), "未知的阶段");
        }
    }

    let mut ids: BTreeSet<String> = BTreeSet::new();
    // Common checks for every rule: unique id, a citation of this profile, a Chinese sentence.
    let mut common = |r: &mut Reader<'_>,
                      section: &str,
                      line: usize,
                      id: Option<&str>,
                      cite: &str,
                      text_field: &str| {
        if let Some(id) = id {
            if id.trim().is_empty() {
                r.err(line, &format!("{section}.id"), "规则编号不能为空");
            } else if !ids.insert(id.to_string()) {
                r.err(
                    field_line(text, line, "id"),
                    &format!("{section}.id"),
                    format!("规则编号 {id} 重复"),
                );
            }
        }
        let cite_ok = cite
            .split_once(':')
            .is_some_and(|(p, art)| prefixes.iter().any(|x| x == p) && !art.trim().is_empty());
        if !cite_ok {
            r.err(
                field_line(text, line, "cite"),
                &format!("{section}.cite"),
                format!(
                    "依据“{cite}”应写作“{}:条款”，例如 {}:15",
                    prefixes[0], prefixes[0]
                ),
            );
        }
        if !text_field
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        {
            r.err(
                field_line(text, line, "text"),
                &format!("{section}.text"),
                "须写明用户看到的中文表述",
            );
        }
    };

    for (line, s) in &stages {
        common(&mut r, "stages", *line, None, &s.cite, &s.text);
        for step in &s.chain {
            for p in &step.parties {
                if !party_ok(p) {
                    r.err(
                        field_line(text, *line, "chain"),
                        "stages.chain.parties",
                        format!("未知的参与方类型 {p}"),
                    );
                }
            }
            if step.parties.is_empty() {
                r.err(
                    field_line(text, *line, "chain"),
                    "stages.chain.parties",
                    "审批环节须列出参与方",
                );
            }
            if step.mode == SignMode::Single && step.parties.len() > 1 {
                r.err(
                    field_line(text, *line, "chain"),
                    "stages.chain.mode",
                    "多个参与方须写明 mode = \"all\"（会签）或 \"any\"（或签）",
                );
            }
        }
    }
    let doc_ids: BTreeSet<String> = documents.iter().map(|(_, d)| d.id.clone()).collect();
    for (line, d) in &documents {
        common(&mut r, "documents", *line, Some(&d.id), &d.cite, &d.text);
        if let Some(other) = &d.replaceable_by
            && !doc_ids.contains(other)
        {
            r.err(
                field_line(text, *line, "replaceable_by"),
                "documents.replaceable_by",
                format!("找不到材料 {other}"),
            );
        }
    }
    let deadline_ids: BTreeSet<String> = deadlines.iter().map(|(_, d)| d.id.clone()).collect();
    for (line, d) in &deadlines {
        common(&mut r, "deadlines", *line, Some(&d.id), &d.cite, &d.text);
        if !party_ok(&d.owed_by) {
            r.err(
                field_line(text, *line, "owed_by"),
                "deadlines.owed_by",
                format!("未知的参与方类型 {}", d.owed_by),
            );
        }
        if let Some(to) = &d.owed_to
            && !party_ok(to)
        {
            r.err(
                field_line(text, *line, "owed_to"),
                "deadlines.owed_to",
                format!("未知的参与方类型 {to}"),
            );
        }
        match d.timing() {
            Err(m) => r.err(*line, "deadlines.timing", m),
            Ok(Timing::Fixed(f)) => {
                if NaiveDate::from_ymd_opt(2024, f.month, f.day).is_none() {
                    r.err(
                        field_line(text, *line, "fixed"),
                        "deadlines.fixed",
                        format!("{}月{}日不是有效日期", f.month, f.day),
                    );
                }
            }
            Ok(Timing::NextNthWeekday(w)) if !(1..=5).contains(&w.n) => {
                r.err(
                    field_line(text, *line, "next_nth_weekday"),
                    "deadlines.next_nth_weekday.n",
                    "第几个须为 1–5",
                );
            }
            Ok(Timing::Recurring { working_day, .. }) => {
                if d.until.is_none() {
                    r.err(
                        *line,
                        "deadlines.until",
                        "周期性义务须写明到哪个事件为止（until）",
                    );
                }
                if working_day == 0 || working_day > 23 {
                    r.err(
                        field_line(text, *line, "working_day"),
                        "deadlines.working_day",
                        "第几个工作日须为 1–23",
                    );
                }
            }
            Ok(_) => {}
        }
        if d.not_before_months.is_some() && d.months.is_none() {
            r.err(
                field_line(text, *line, "not_before_months"),
                "deadlines.not_before_months",
                "not_before_months 只能与 months 一起使用",
            );
        }
    }
    for (line, t) in &thresholds {
        common(&mut r, "thresholds", *line, Some(&t.id), &t.cite, &t.text);
    }
    let quota_ids: BTreeSet<String> = quotas.iter().map(|(_, q)| q.id.clone()).collect();
    for (line, q) in &quotas {
        common(&mut r, "quotas", *line, Some(&q.id), &q.cite, &q.text);
        if q.max == 0 {
            r.err(field_line(text, *line, "max"), "quotas.max", "限额须大于 0");
        }
    }
    for (line, g) in &gates {
        common(&mut r, "gates", *line, Some(&g.id), &g.cite, &g.text);
        match (&g.quota, g.requires.is_empty()) {
            (None, true) => r.err(
                *line,
                "gates.requires",
                "关口须给出 requires 条件或 quota 限额",
            ),
            (Some(q), _) if !quota_ids.contains(q) => r.err(
                field_line(text, *line, "quota"),
                "gates.quota",
                format!("找不到限额 {q}"),
            ),
            _ => {}
        }
    }
    for (line, s) in &sanctions {
        common(&mut r, "sanctions", *line, Some(&s.id), &s.cite, &s.text);
        for d in &s.on_overdue {
            if !deadline_ids.contains(d) {
                r.err(
                    field_line(text, *line, "on_overdue"),
                    "sanctions.on_overdue",
                    format!("找不到期限 {d}"),
                );
            }
        }
        if s.steps.is_empty() {
            r.err(
                field_line(text, *line, "steps"),
                "sanctions.steps",
                "须列出处理措施",
            );
        }
    }
    for (line, g) in &gaps {
        common(&mut r, "gaps", *line, None, &g.cite, &g.text);
    }
    if head.issued.year() < 1990 {
        r.err(field_line(text, 0, "issued"), "issued", "发布日期不合理");
    }
    if !r.errors.is_empty() {
        r.errors.sort_by_key(|e| e.line);
        return Err(r.errors);
    }
    Ok(Profile {
        head,
        labels,
        stages: strip(stages),
        documents: strip(documents),
        deadlines: strip(deadlines),
        thresholds: strip(thresholds),
        quotas: strip(quotas),
        gates: strip(gates),
        sanctions: strip(sanctions),
        gaps: strip(gaps),
    })
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
        self.labels
            .stages
            .get(stage.as_str())
            .cloned()
            .unwrap_or_else(|| stage.label().to_string())
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
    }
}

/// The built-in profiles, checked. A profile that fails its check is a build defect caught by
/// the unit tests; here it is skipped rather than taking the server down.
pub fn builtin() -> Vec<Profile> {
    BUILTIN
        .iter()
        .filter_map(|(id, text)| load(&format!("policies/{id}.toml"), text).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_profile_passes_its_check() {
        for (id, text) in BUILTIN {
            let p = load(&format!("policies/{id}.toml"), text).unwrap_or_else(|e| {
                panic!(
                    "{id}: {}",
                    e.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            });
            assert_eq!(&p.head.id, id);
            assert!(
                p.rule_count() >= 40,
                "{id} has only {} rules",
                p.rule_count()
            );
            assert!(
                !p.deadlines.is_empty() && !p.gates.is_empty() && !p.documents.is_empty(),
                "{id}"
            );
            // Every rule's citation belongs to the profile.
            for d in &p.deadlines {
                assert!(d.cite.starts_with(id), "{id}: {}", d.cite);
            }
        }
        assert_eq!(builtin().len(), 5);
    }

    #[test]
    fn the_texts_own_gaps_are_recorded() {
        let lhasa = builtin()
            .into_iter()
            .find(|p| p.head.id == "lhasa")
            .expect("lhasa");
        for cite in ["lhasa:16", "lhasa:19"] {
            assert!(
                lhasa.gaps.iter().any(|g| g.cite == cite),
                "lhasa gap {cite} missing"
            );
        }
        let q = lhasa
            .quotas
            .iter()
            .find(|q| q.cite == "lhasa:7")
            .expect("lhasa:7 quota");
        assert_eq!((q.max, q.per), (2, QuotaScope::DepartmentYear));
    }

    #[test]
    fn mistakes_are_reported_with_file_line_and_field() {
        let bad = r#"id = "bad"
name = "错误示例"
jurisdiction = "某市"
issuer = "某市人民政府"
document = "某政发〔2025〕1号"
issued = "2025-01-01"

[[deadlines]]
id = "bad-1"
cite = "bad:1"
text = "合同签订后5个工作日内备案。"
duty = "合同备案"
owed_by = "landlord"
after = "contract_signed"
fulfilled_by = "contract_filed"

[[deadlines]]
id = "bad-2"
cite = "other:2"
text = "no chinese here"
duty = "x"
owed_by = "owner_unit"
after = "contract_signed"
working_days = "five"
fulfilled_by = "contract_filed"

[[gates]]
id = "bad-1"
cite = "bad:3"
text = "未列入计划的不予审批。"
action = "approve"
requires = [{ fact = "in_plan", op = "==", value = 1 }]

[[widgets]]
id = "w"
"#;
        let errors = load("policies/bad.toml", bad).expect_err("must fail");
        let has = |line: usize, field: &str| {
            errors
                .iter()
                .any(|e| e.line == line && e.field.contains(field) && e.file == "policies/bad.toml")
        };
        let all = errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(has(13, "owed_by"), "unknown party\n{all}");
        assert!(has(8, "timing"), "no timing\n{all}");
        assert!(has(24, "working_days"), "wrong type\n{all}");
        assert!(has(32, "requires"), "unknown fact\n{all}");
        assert!(has(34, "widgets"), "unknown section\n{all}");
        assert!(errors.len() >= 5, "{all}");
    }

    #[test]
    fn thresholds_at_their_boundaries() {
        let t = |op: &str, value: i64| ThresholdRule {
            id: "t".into(),
            cite: "t:1".into(),
            text: "阈值".into(),
            fact: Fact::InvestmentYuan,
            op: serde_json::from_value(serde_json::Value::String(op.into())).expect("op"),
            value,
            effect: String::new(),
            adds_stage: None,
        };
        let at = |v: i64| Facts::from([(Fact::InvestmentYuan, v)]);
        // linxiang:14: ≥ 2,000,000 → expert panel.
        let ge = t(">=", 2_000_000);
        assert_eq!(ge.met(&at(1_999_999)), Some(false));
        assert_eq!(ge.met(&at(2_000_000)), Some(true));
        assert_eq!(ge.met(&at(2_000_001)), Some(true));
        // yeji:2: under 100,000 is outside the regulation.
        let lt = t("<", 100_000);
        assert_eq!(lt.met(&at(99_999)), Some(true));
        assert_eq!(lt.met(&at(100_000)), Some(false));
        // lhasa:21: ≤ 100,000,000 financial review, above it audit.
        let le = t("<=", 100_000_000);
        assert_eq!(le.met(&at(100_000_000)), Some(true));
        assert_eq!(le.met(&at(100_000_001)), Some(false));
        assert_eq!(le.met(&Facts::new()), None, "unknown facts decide nothing");
    }

    /// Every deadline, threshold, quota, gate and document rule RULES.md maps is in its
    /// profile under the article's citation.
    #[test]
    fn profiles_cover_the_map_of_the_regulations() {
        let expected: &[(&str, &[&str])] = &[
            (
                "deadlines",
                &[
                    "gaoping:15",
                    "gaoping:20",
                    "gaoping:21",
                    "yeji:6",
                    "yeji:15",
                    "yeji:22",
                    "yeji:23",
                    "linxiang:10",
                    "linxiang-data:21",
                    "lhasa:7",
                    "lhasa:10",
                    "lhasa:11",
                    "lhasa:17",
                    "lhasa:21",
                    "lhasa:22",
                    "lhasa:24",
                    "lhasa:27",
                    "xinzhou-transport:14",
                    "xinzhou-transport:21",
                ],
            ),
            (
                "thresholds",
                &[
                    "yeji:2",
                    "linxiang:14",
                    "linxiang:26",
                    "lhasa:10",
                    "lhasa:16",
                    "lhasa:21",
                ],
            ),
            ("quotas", &["lhasa:7"]),
            (
                "gates",
                &[
                    "gaoping:10",
                    "gaoping:11",
                    "gaoping:18",
                    "gaoping:20",
                    "yeji:8",
                    "yeji:14",
                    "yeji:21",
                    "yeji:24",
                    "linxiang:7",
                    "linxiang:12",
                    "linxiang:19",
                    "linxiang:22",
                    "linxiang-data:11",
                    "lhasa:6",
                    "lhasa:7",
                    "lhasa:13",
                    "lhasa:20",
                    "lhasa:24",
                    "xinzhou-transport:8",
                    "xinzhou-transport:19",
                    "xinzhou-transport:20",
                    "xinzhou-transport:21",
                ],
            ),
            (
                "documents",
                &[
                    "gaoping:8",
                    "yeji:6",
                    "yeji:9",
                    "yeji:22",
                    "linxiang:10",
                    "linxiang:20",
                    "linxiang:28",
                    "lhasa:10",
                    "lhasa:15",
                    "xinzhou-transport:7",
                    "xinzhou-transport:8",
                    "xinzhou-transport:12",
                ],
            ),
            ("gaps", &["lhasa:16", "lhasa:19"]),
        ];
        let profiles = builtin();
        let mut missing = Vec::new();
        for (kind, cites) in expected {
            for cite in *cites {
                let prefix = cite.split(':').next().unwrap_or_default();
                let id = prefix.strip_suffix("-data").unwrap_or(prefix);
                let p = profiles.iter().find(|p| p.head.id == id).expect("profile");
                let found = match *kind {
                    "deadlines" => p.deadlines.iter().any(|r| r.cite == *cite),
                    "thresholds" => p.thresholds.iter().any(|r| r.cite == *cite),
                    "quotas" => p.quotas.iter().any(|r| r.cite == *cite),
                    "gates" => p.gates.iter().any(|r| r.cite == *cite),
                    "documents" => p.documents.iter().any(|r| r.cite == *cite),
                    _ => p.gaps.iter().any(|r| r.cite == *cite),
                };
                if !found {
                    missing.push(format!("{kind} {cite}"));
                }
            }
        }
        assert!(missing.is_empty(), "missing from the profiles: {missing:?}");
    }
}
