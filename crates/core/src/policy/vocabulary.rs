//! The closed vocabularies a profile is written in: stages, events, facts, gated actions and
//! sanction steps.

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
        Payment => "payment", "资金拨付",
        UnimplementedReport => "unimplemented_report", "未按计划实施说明",
        SurplusReturn => "surplus_return", "结余资金退回",
        FinancialReview => "financial_review", "财务审核或审计",
        SelfEvaluation => "self_evaluation", "绩效自评价",
        PostEvaluation => "post_evaluation", "后评价",
        OmPeriod => "om_period", "运维期",
        OmFundApplication => "om_fund_application", "运维经费申请",
        OmReport => "om_report", "运行维护情况报告",
        UnitAssessment => "unit_assessment", "年度工作绩效考核",
        Rectification => "rectification", "限期整改",
    }
);

named_enum!(
    /// What happens to a project; deadlines run from one event and are met by another.
    EventKind {
        PlanYearStart => "plan_year_start", "计划年度开始",
        DeclarationSubmitted => "declaration_submitted", "提交申报",
        MaterialsReceived => "materials_received", "收到申报材料",
        PreReviewPassed => "pre_review_passed", "预审通过",
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
        FinancialReviewRequested => "financial_review_requested", "提请财评或审计",
        FinancialReviewDone => "financial_review_done", "完成财务审核或审计",
        BudgetYearEnded => "budget_year_ended", "预算年度结束",
        SelfEvaluationSubmitted => "self_evaluation_submitted", "报送自评价报告",
        FinanceEvaluationDone => "finance_evaluation_done", "财政完成重点评价",
        PostEvaluationDone => "post_evaluation_done", "完成后评价",
        RectificationReported => "rectification_reported", "报送整改报告",
        RectificationChecked => "rectification_checked", "完成整改核查",
        ShareRequestReceived => "share_request_received", "收到共享申请",
        ShareRequestAnswered => "share_request_answered", "答复共享申请",
        OmFreePeriodEnd => "om_free_period_end", "免费运维期届满",
        OmFundsApplied => "om_funds_applied", "申请运维经费",
        ProjectTerminated => "project_terminated", "项目终止",
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
        OmMonthsInContract => "om_months_in_contract", "合同约定运维期（月）",
        QuotesCount => "quotes_count", "询价数量",
        FailedReviews => "failed_reviews", "评审未通过次数",
        SecurityTestPassed => "security_test_passed", "等保测评是否通过",
        RectificationPassed => "rectification_passed", "上年度整改是否通过",
        YearsSinceAcceptance => "years_since_acceptance", "验收后年数",
        UsesDomesticCrypto => "uses_domestic_crypto", "是否应用国产密码",
        SecureControllable => "secure_controllable", "产品是否安全可控",
        HasOmPlan => "has_om_plan", "是否有运维方案",
        DeclaredLate => "declared_late", "是否逾期申报",
        PaidRatioBp => "paid_ratio_bp", "累计拨付占批复概算比例（基点）",
        AcceptanceFailed => "acceptance_failed", "最近一次验收是否未通过",
        FundsSuspended => "funds_suspended", "是否已暂停拨付资金",
        ConstructionSuspended => "construction_suspended", "是否已暂停项目建设",
        OmFundsStopped => "om_funds_stopped", "是否已决定不安排运维经费",
        PreReviewPassed => "pre_review_passed", "是否已通过预审",
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

impl EventKind {
    /// The party that by nature causes an event, or `None` for what the flow and the
    /// calendar record themselves (a submission, a review's outcome, a year's start).
    pub fn caused_by(self) -> Option<crate::org::PartyKind> {
        use crate::org::PartyKind::*;
        use EventKind::*;
        match self {
            // The steps of the path record these (the workflow engine's transitions).
            PlanYearStart | BudgetYearEnded | DeclarationSubmitted | MaterialsReceived
            | PreReviewPassed | ReviewPassed | ReviewFailed | ReviewOpinionSent
            | RevisionSubmitted | PlanApproved | Approved => None,
            // The contracts' steps record these: signing one, and its filing's last step.
            ContractSigned | ContractFiled | SupervisorAppointed | SupervisorFiled => None,
            // A progress report's step records it (or its recording, where nothing is filed).
            ProgressReported => None,
            // The owner unit's termination (linxiang:25) or the authority's measure records it.
            ProjectTerminated => None,
            ReportedForApproval
            | CompletionAcceptancePassed
            | AcceptanceFiled
            | FinanceNotified
            | RectificationChecked
            | ShareRequestAnswered
            | PostEvaluationDone => Some(Authority),
            FinancialReviewDone | FinanceEvaluationDone => Some(Finance),
            WorkStarted
            | EquipmentPurchased
            | PurchaseFiled
            | PreliminaryAcceptancePassed
            | CompletionAcceptanceApplied
            | OperationStarted
            | FinalAccountsDone
            | FinancialReviewRequested
            | SelfEvaluationSubmitted
            | RectificationReported
            | ShareRequestReceived
            | OmFreePeriodEnd
            | OmFundsApplied => Some(OwnerUnit),
        }
    }
}

impl EventKind {
    /// Whether it winds a project up: its accounts closed and reviewed, its evaluation — what
    /// a terminated project still does and still owes.
    pub fn winds_up(self) -> bool {
        use EventKind::*;
        matches!(
            self,
            FinalAccountsDone
                | FinancialReviewRequested
                | FinancialReviewDone
                | SelfEvaluationSubmitted
                | FinanceEvaluationDone
                | PostEvaluationDone
        )
    }

    /// Whether only a step of a run records it, though a party causes it: an acceptance's
    /// steps record the preliminary acceptance, the application, the completion acceptance,
    /// the filing of its report and the authority's written notice to finance (gaoping:20),
    /// each by the party its step names.
    pub fn step_recorded(self) -> bool {
        use EventKind::*;
        matches!(
            self,
            PreliminaryAcceptancePassed
                | CompletionAcceptanceApplied
                | CompletionAcceptancePassed
                | AcceptanceFiled
                | FinanceNotified
        )
    }
}

/// How a fact is typed by a person: 是/否, an amount in 万元, a percentage, or a number. Facts
/// are stored as integers (flags 0/1, yuan, basis points); people never see those units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactUnit {
    Flag,
    Yuan,
    BasisPoints,
    Number,
}

impl Fact {
    /// Facts the project's events imply, counted rather than established by anyone:
    /// `failed_reviews` is the number of reviews of its path that returned or rejected it;
    /// `in_annual_plan` (a flag) whether a published plan, or the project's own 增列 step,
    /// has put it in a plan.
    pub fn from_events(self) -> Option<EventKind> {
        match self {
            Fact::FailedReviews => Some(EventKind::ReviewFailed),
            Fact::InAnnualPlan => Some(EventKind::PlanApproved),
            Fact::SupervisorAppointed => Some(EventKind::SupervisorAppointed),
            Fact::ContractFiled => Some(EventKind::ContractFiled),
            Fact::SupervisorFiled => Some(EventKind::SupervisorFiled),
            Fact::AcceptanceFiled => Some(EventKind::AcceptanceFiled),
            Fact::PreReviewPassed => Some(EventKind::PreReviewPassed),
            _ => None,
        }
    }

    /// How a fact the flow derives is computed, for the refusal of a typed value; `None` for
    /// the facts people establish.
    pub fn derivation(self) -> Option<&'static str> {
        match self {
            Fact::FailedReviews => Some("由审批流程的退回和不予通过次数自动计算"),
            Fact::DeclaredLate => Some("由首次提交申报的日期和本辖区的申报截止日期自动判定"),
            Fact::InAnnualPlan => Some("由已发布的年度计划、增补计划和项目的增列审批自动判定"),
            Fact::SupervisorAppointed => Some("由登记的监理合同自动判定"),
            Fact::ContractFiled => Some("由建设合同的备案步骤自动判定"),
            Fact::SupervisorFiled => Some("由监理合同的备案步骤自动判定"),
            Fact::AcceptanceFiled => Some("由项目验收的验收备案步骤自动判定"),
            Fact::PreReviewPassed => Some("由审批流程的项目申报预审步骤自动判定"),
            Fact::OmYearsInContract => Some("由登记的建设合同约定的运维期自动计算"),
            Fact::OmMonthsInContract => Some("由登记的建设合同约定的运维期自动计算"),
            Fact::ChangeRatioBp => Some("由登记的项目调整的调增、调减金额累计自动计算"),
            Fact::PaidRatioBp => Some("由已拨付的资金和本次申请的金额累计自动计算"),
            Fact::AcceptanceFailed => Some("由项目最近一次验收的结果自动判定"),
            Fact::YearsSinceAcceptance => Some("由通过竣工验收的日期自动计算"),
            Fact::FundsSuspended | Fact::ConstructionSuspended | Fact::OmFundsStopped => {
                Some("由项目页“督查处理”中采取、尚未解除的处理措施自动判定")
            }
            Fact::DelayRatioBp => Some(
                "由建设合同的工期和初步验收、竣工验收日期（未验收的按最近一期进度报告的预计完成时间）自动计算",
            ),
            _ => None,
        }
    }

    /// Derived by the flow, never typed.
    pub fn is_derived(self) -> bool {
        self.derivation().is_some()
    }

    pub fn unit(self) -> FactUnit {
        let code = self.as_str();
        if code.ends_with("_yuan") {
            FactUnit::Yuan
        } else if code.ends_with("_bp") {
            FactUnit::BasisPoints
        } else if self.label().contains("是否") {
            FactUnit::Flag
        } else {
            FactUnit::Number
        }
    }

    /// The label as a person reads it, in the unit they type: 万元 for yuan, % for basis
    /// points, 是/否 for flags.
    pub fn form_label(self) -> String {
        let label = self.label();
        match self.unit() {
            FactUnit::Yuan => label.replace("（元）", "（万元）"),
            FactUnit::BasisPoints => label.replace("（基点）", "（%）"),
            FactUnit::Flag => format!("{label}（是/否）"),
            FactUnit::Number => label.to_string(),
        }
    }

    /// Reads a value as a person types it (是, 120.5, 15%, 3) into the stored integer.
    pub fn parse_value(self, input: &str) -> Result<i64, String> {
        let v = input.trim();
        match self.unit() {
            FactUnit::Flag => match v {
                "是" | "1" | "true" | "yes" => Ok(1),
                "否" | "0" | "false" | "no" => Ok(0),
                _ => Err(format!("“{}”应填写“是”或“否”", self.label())),
            },
            FactUnit::Yuan => {
                crate::money::Yuan::parse_wan(v).map(|y| y.0).map_err(|e| e.to_string())
            }
            FactUnit::BasisPoints => {
                let n = v.trim_end_matches(['%', '％']).trim();
                // Percent with up to two decimals: 15 → 1500, 12.5 → 1250.
                let (int, frac) = n.split_once('.').unwrap_or((n, ""));
                let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
                if !digits(int)
                    || !(frac.is_empty() || digits(frac) && frac.len() <= 2)
                    || int.len() > 6
                {
                    return Err(format!("“{}”应填写百分比，例如 15 或 12.5", self.form_label()));
                }
                let frac = format!("{frac:0<2}");
                Ok(int.parse::<i64>().unwrap_or(0) * 100 + frac.parse::<i64>().unwrap_or(0))
            }
            FactUnit::Number => v
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=1_000_000).contains(n))
                .ok_or_else(|| format!("“{}”应填写整数", self.label())),
        }
    }

    /// A stored value as a person reads it (是, 120.5 万元, 15%).
    pub fn show_value(self, value: i64) -> String {
        match self.unit() {
            FactUnit::Flag => if value != 0 { "是" } else { "否" }.to_string(),
            FactUnit::Yuan => format!("{} 万元", crate::money::Yuan(value).to_wan_string()),
            FactUnit::BasisPoints => {
                let (i, f) = (value / 100, (value % 100).abs());
                if f == 0 { format!("{i}%") } else { format!("{i}.{f:02}%").replace("0%", "%") }
            }
            FactUnit::Number => value.to_string(),
        }
    }
}

#[cfg(test)]
mod fact_tests {
    use super::*;

    #[test]
    fn facts_are_typed_in_yes_no_wan_and_percent() {
        assert_eq!(Fact::CanShare.unit(), FactUnit::Flag);
        assert_eq!(Fact::CanShare.parse_value("是"), Ok(1));
        assert_eq!(Fact::CanShare.parse_value("否"), Ok(0));
        assert!(Fact::CanShare.parse_value("2").is_err());
        assert_eq!(Fact::InvestmentYuan.form_label(), "项目投资（万元）");
        assert_eq!(Fact::InvestmentYuan.parse_value("200"), Ok(2_000_000));
        assert_eq!(Fact::InvestmentYuan.parse_value("120.5"), Ok(1_205_000));
        assert_eq!(Fact::ChangeRatioBp.form_label(), "调整金额占概算比例（%）");
        assert_eq!(Fact::ChangeRatioBp.parse_value("15%"), Ok(1500));
        assert_eq!(Fact::ChangeRatioBp.parse_value("12.5"), Ok(1250));
        assert!(Fact::ChangeRatioBp.parse_value("abc").is_err());
        assert_eq!(Fact::FailedReviews.parse_value("2"), Ok(2));
        assert!(Fact::FailedReviews.parse_value("-1").is_err());
        assert_eq!(Fact::ChangeRatioBp.show_value(1250), "12.5%");
        assert_eq!(Fact::ChangeRatioBp.show_value(1500), "15%");
        assert_eq!(Fact::InvestmentYuan.show_value(1_205_000), "120.5 万元");
        assert_eq!(Fact::SecurityTestPassed.unit(), FactUnit::Flag);
        assert_eq!(Fact::CatalogInSharingPlatform.unit(), FactUnit::Flag);
        assert_eq!(Fact::SecureControllable.unit(), FactUnit::Flag);
        assert_eq!(Fact::DurationMonths.unit(), FactUnit::Number);
    }
}
