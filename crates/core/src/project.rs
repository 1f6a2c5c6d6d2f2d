//! A project's status and the actions of its timeline. The path from declaration to approval
//! is the workflow engine's (`crate::workflow`); the status is read off the run's progress.

use crate::declaration::{Declaration, DeclarationForm};
use crate::error::DomainError;
use crate::obligation::GateCheck;
use crate::org::{Principal, Role};
use crate::workflow::{Progress, Route, RunStatus, Verb, VerbKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Draft,
    Submitted,
    Returned,
    Approved,
    /// 不予通过: the path ended without approval.
    Rejected,
    /// 不适用本办法: recorded by its owner unit under a threshold that puts it outside the
    /// regulation (yeji:2); it takes no path until it is taken back to declare.
    OutsideScope,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 6] = [
        ProjectStatus::Draft,
        ProjectStatus::Submitted,
        ProjectStatus::Returned,
        ProjectStatus::Approved,
        ProjectStatus::Rejected,
        ProjectStatus::OutsideScope,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Draft => "draft",
            ProjectStatus::Submitted => "submitted",
            ProjectStatus::Returned => "returned",
            ProjectStatus::Approved => "approved",
            ProjectStatus::Rejected => "rejected",
            ProjectStatus::OutsideScope => "outside_scope",
        }
    }

    pub fn parse(s: &str) -> Option<ProjectStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ProjectStatus::Draft => "草稿",
            ProjectStatus::Submitted => "待审核",
            ProjectStatus::Returned => "已退回",
            ProjectStatus::Approved => "审核通过",
            ProjectStatus::Rejected => "不予通过",
            ProjectStatus::OutsideScope => "不适用本办法",
        }
    }

    /// Whether the owner unit may still change the declaration.
    pub fn is_editable(self) -> bool {
        matches!(self, ProjectStatus::Draft | ProjectStatus::Returned)
    }

    /// The status a run's progress means: in the declaration stage a draft (or, after a
    /// return, returned), past it under review, then approved or rejected.
    pub fn of_run(route: &Route, p: &Progress) -> ProjectStatus {
        match p.status {
            RunStatus::Completed => ProjectStatus::Approved,
            RunStatus::Rejected => ProjectStatus::Rejected,
            RunStatus::Active if p.declaring(route) => match p.returned {
                Some(_) => ProjectStatus::Returned,
                None => ProjectStatus::Draft,
            },
            RunStatus::Active => ProjectStatus::Submitted,
        }
    }
}

/// What can happen to a project; each is one line of its timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectAction {
    Create,
    Update,
    Submit,
    Withdraw,
    Approve,
    Return,
    /// 通过 one step of the path that does not end it.
    Pass,
    Reject,
    Transfer,
    AddSigner,
    Urge,
    /// 登记为不适用本办法 (yeji:2).
    OutsideScope,
    /// 恢复申报: an outside-scope record taken back.
    Reopen,
    /// A material's file added, replaced or taken out, or its mark changed.
    Materials,
    /// A review opinion recorded or changed.
    Review,
    /// 抽取专家: a panel drawn, or a member who declined before it began replaced.
    Panel,
    /// 回避: a panel's member gave their place to the next drawn.
    Decline,
    /// A contract recorded, or a step of its filing (报送, 同意, 备案, 退回, 撤回).
    Contract,
    /// 项目调整: a change requested or corrected, or a step of its run.
    Change,
    /// 进度报告: a report filled in or corrected, or a step of its run.
    Progress,
    /// 项目验收: an acceptance started or corrected, or a step of its run.
    Acceptance,
    /// 资金拨付: a payment requested or corrected, or a step of its run.
    Payment,
    /// 财评或审计, 绩效自评价, 后评价, 运维经费申请: one begun or corrected, or a step of its run.
    Submission,
    /// 督查处理: a measure taken on the project after a rule was broken, or lifted.
    Sanction,
    /// 综合评级: the authority gave the project a rating.
    Rating,
}

impl ProjectAction {
    pub const ALL: [ProjectAction; 25] = [
        ProjectAction::Create,
        ProjectAction::Update,
        ProjectAction::Submit,
        ProjectAction::Withdraw,
        ProjectAction::Approve,
        ProjectAction::Return,
        ProjectAction::Pass,
        ProjectAction::Reject,
        ProjectAction::Transfer,
        ProjectAction::AddSigner,
        ProjectAction::Urge,
        ProjectAction::OutsideScope,
        ProjectAction::Reopen,
        ProjectAction::Materials,
        ProjectAction::Review,
        ProjectAction::Panel,
        ProjectAction::Decline,
        ProjectAction::Contract,
        ProjectAction::Change,
        ProjectAction::Progress,
        ProjectAction::Acceptance,
        ProjectAction::Payment,
        ProjectAction::Submission,
        ProjectAction::Sanction,
        ProjectAction::Rating,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectAction::Create => "create",
            ProjectAction::Update => "update",
            ProjectAction::Submit => "submit",
            ProjectAction::Withdraw => "withdraw",
            ProjectAction::Approve => "approve",
            ProjectAction::Return => "return",
            ProjectAction::Pass => "pass",
            ProjectAction::Reject => "reject",
            ProjectAction::Transfer => "transfer",
            ProjectAction::AddSigner => "add_signer",
            ProjectAction::Urge => "urge",
            ProjectAction::OutsideScope => "outside_scope",
            ProjectAction::Reopen => "reopen",
            ProjectAction::Materials => "materials",
            ProjectAction::Review => "review",
            ProjectAction::Panel => "panel",
            ProjectAction::Decline => "decline",
            ProjectAction::Contract => "contract",
            ProjectAction::Change => "change",
            ProjectAction::Progress => "progress",
            ProjectAction::Acceptance => "acceptance",
            ProjectAction::Payment => "payment",
            ProjectAction::Submission => "submission",
            ProjectAction::Sanction => "sanction",
            ProjectAction::Rating => "rating",
        }
    }

    pub fn parse(s: &str) -> Option<ProjectAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ProjectAction::Create => "创建草稿",
            ProjectAction::Update => "修改申报表",
            ProjectAction::Submit => "提交申报",
            ProjectAction::Withdraw => "撤回",
            ProjectAction::Approve => "审核通过",
            ProjectAction::Return => "退回修改",
            ProjectAction::Pass => "通过",
            ProjectAction::Reject => "不予通过",
            ProjectAction::Transfer => "转办",
            ProjectAction::AddSigner => "加签",
            ProjectAction::Urge => "催办",
            ProjectAction::OutsideScope => "登记为不适用本办法",
            ProjectAction::Reopen => "恢复申报",
            ProjectAction::Materials => "更新申报材料",
            ProjectAction::Review => "评审意见",
            ProjectAction::Panel => "抽取专家",
            ProjectAction::Decline => "回避",
            ProjectAction::Contract => "合同",
            ProjectAction::Change => "项目调整",
            ProjectAction::Progress => "进度报告",
            ProjectAction::Acceptance => "项目验收",
            ProjectAction::Payment => "资金拨付",
            ProjectAction::Submission => "评价与运维",
            ProjectAction::Sanction => "督查处理",
            ProjectAction::Rating => "综合评级",
        }
    }

    /// The timeline's name for a verb of the path, from the statuses before and after it: a
    /// pass out of the declaration is a submission, a pass that ends the path an approval.
    pub fn of_verb(verb: VerbKind, from: ProjectStatus, to: ProjectStatus) -> ProjectAction {
        match verb {
            VerbKind::Pass if from.is_editable() && !to.is_editable() => ProjectAction::Submit,
            VerbKind::Pass if to == ProjectStatus::Approved => ProjectAction::Approve,
            VerbKind::Pass => ProjectAction::Pass,
            VerbKind::Return => ProjectAction::Return,
            VerbKind::Reject => ProjectAction::Reject,
            VerbKind::Withdraw => ProjectAction::Withdraw,
            VerbKind::Transfer => ProjectAction::Transfer,
            VerbKind::AddSigner => ProjectAction::AddSigner,
            VerbKind::Urge => ProjectAction::Urge,
            VerbKind::Seat => ProjectAction::Panel,
            VerbKind::Decline => ProjectAction::Decline,
        }
    }

    /// Recording a project outside the regulation (`met`: the article and effect of a
    /// threshold with `outside_scope` that it meets, yeji:2), or taking the record back: the
    /// owner unit's clerk, from a draft or a returned declaration; back to a draft.
    pub fn outside_scope(
        reopen: bool, pr: &Principal, owner: crate::ids::DepartmentId, from: ProjectStatus,
        met: Option<(&str, &str)>,
    ) -> Result<ProjectStatus, DomainError> {
        let action = if reopen { ProjectAction::Reopen } else { ProjectAction::OutsideScope };
        if !(pr.has(Role::Declarant) && pr.department_id == Some(owner)) {
            return Err(DomainError::Forbidden(format!(
                "只有项目建设单位的经办人可以{}",
                action.label()
            )));
        }
        let refused = || DomainError::InvalidState {
            message: format!("项目当前状态为“{}”，不能{}", from.label(), action.label()),
        };
        if reopen {
            return match from {
                ProjectStatus::OutsideScope => Ok(ProjectStatus::Draft),
                _ => Err(refused()),
            };
        }
        if !from.is_editable() {
            return Err(refused());
        }
        match met {
            Some(_) => Ok(ProjectStatus::OutsideScope),
            None => Err(DomainError::InvalidState {
                message: "本项目不符合本办法规定的不适用情形（如规模标准），应按规定申报".into(),
            }),
        }
    }

    /// The status after an edit of the declaration (or a creation), or the reason it is not
    /// allowed now. Every other action is a verb of the path (`crate::workflow::decide`).
    pub fn apply(self, from: ProjectStatus) -> Result<ProjectStatus, DomainError> {
        match (self, from) {
            (ProjectAction::Update, s) if s.is_editable() => Ok(s),
            (ProjectAction::Create, _) => Ok(ProjectStatus::Draft),
            (action, from) => Err(DomainError::InvalidState {
                message: format!("项目当前状态为“{}”，不能{}", from.label(), action.label()),
            }),
        }
    }
}

/// The rule of an edit of the declaration, a pure function of who edits, the project's
/// status and the form: refused for the wrong role (Forbidden), from a status that is not the
/// owner's to edit (InvalidState) or for a bad form (Invalid, every field at once).
pub fn decide_edit(
    principal: &Principal, from: ProjectStatus, form: &DeclarationForm,
) -> Result<Declaration, DomainError> {
    if !principal.has(Role::Declarant) {
        return Err(DomainError::Forbidden(format!(
            "您没有修改项目申报的权限（需要“{}”角色）",
            Role::Declarant.label()
        )));
    }
    ProjectAction::Update.apply(from)?;
    form.parse().map_err(DomainError::Invalid)
}

/// The refusal of `doing` (登记合同, 发起…) on a project terminated on `day` (项目终止): the one
/// sentence every room says it with.
pub fn ended_refusal(day: chrono::NaiveDate, doing: &str) -> DomainError {
    DomainError::InvalidState { message: format!("项目已于 {day} 终止，不能再{doing}") }
}

/// The first gate of the profile in front of a step that does not pass, as a refusal with its
/// article.
pub fn first_refusal(gates: &[GateCheck]) -> Result<(), DomainError> {
    match gates.iter().find_map(GateCheck::refusal) {
        Some(first) => Err(DomainError::GateRefused { cite: first.cite, text: first.text }),
        None => Ok(()),
    }
}

/// A reviewer's decision at the step they hold (the form's and the API's shorthand for the
/// verbs 通过, 退回 to the owner, 不予通过).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve { comment: String },
    Return { reason: String },
    Reject { reason: String },
}

pub const REASON_MAX_CHARS: usize = 500;

impl Decision {
    /// `decision` is `approve` or `return`; a return needs a written reason.
    pub fn parse(decision: &str, text: &str) -> Result<Decision, DomainError> {
        let text = text.trim().to_string();
        if text.chars().count() > REASON_MAX_CHARS {
            return Err(DomainError::invalid(
                "reason",
                format!("“意见或理由”不能超过 {REASON_MAX_CHARS} 个字"),
            ));
        }
        match decision {
            "approve" => Ok(Decision::Approve { comment: text }),
            "return" if text.is_empty() => Err(DomainError::invalid(
                "reason",
                "退回时请在“意见或理由”中写明申报单位需要修改什么",
            )),
            "return" => Ok(Decision::Return { reason: text }),
            "reject" if text.is_empty() => Err(DomainError::invalid(
                "reason",
                "不予通过时请在“意见或理由”中写明不予通过的理由",
            )),
            "reject" => Ok(Decision::Reject { reason: text }),
            _ => Err(DomainError::invalid("decision", "请选择审核结论：通过、退回或不予通过")),
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Decision::Approve { comment } => comment,
            Decision::Return { reason } | Decision::Reject { reason } => reason,
        }
    }

    /// The verb it stands for; a return goes back to the route's first step (the owner's).
    pub fn verb(&self, route: &Route) -> Verb {
        match self {
            Decision::Approve { comment } => Verb::Pass { note: comment.clone() },
            Decision::Return { reason } => Verb::Return {
                to: route.steps.first().map(|s| s.key.clone()).unwrap_or_default(),
                reason: reason.clone(),
            },
            Decision::Reject { reason } => Verb::Reject { reason: reason.clone() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectAction as A;
    use ProjectStatus as S;

    #[test]
    fn only_the_owners_statuses_are_editable() {
        assert_eq!(A::Update.apply(S::Draft), Ok(S::Draft));
        assert_eq!(A::Update.apply(S::Returned), Ok(S::Returned));
        for s in [S::Submitted, S::Approved, S::Rejected] {
            assert!(A::Update.apply(s).is_err(), "{s:?}");
        }
        // Every other action is a verb of the path, never an edit.
        assert!(A::Approve.apply(S::Submitted).is_err());
    }

    #[test]
    fn a_return_or_a_rejection_needs_a_reason() {
        assert!(Decision::parse("return", "  ").is_err());
        assert!(Decision::parse("reject", "").is_err());
        assert!(Decision::parse("approve", "").is_ok());
        assert!(Decision::parse("maybe", "x").is_err());
        let route = crate::workflow::Route {
            steps: vec![crate::workflow::RouteStep {
                key: "declaration/yeji:6/1".into(),
                stage: crate::policy::Stage::Declaration,
                cite: "yeji:6".into(),
                action: "申报".into(),
                parties: vec!["owner_unit".into()],
                mode: crate::policy::SignMode::Single,
                on_pass: vec![],
                on_pass_again: vec![],
                on_return: vec![],
                review: None,
                panel: None,
            }],
        };
        let back = Decision::parse("return", "请补充概算").expect("valid").verb(&route);
        assert_eq!(
            back,
            Verb::Return { to: "declaration/yeji:6/1".into(), reason: "请补充概算".into() }
        );
    }

    #[test]
    fn the_timeline_names_a_pass_by_where_it_leads() {
        use VerbKind as V;
        assert_eq!(A::of_verb(V::Pass, S::Draft, S::Submitted), A::Submit);
        assert_eq!(A::of_verb(V::Pass, S::Returned, S::Submitted), A::Submit);
        assert_eq!(A::of_verb(V::Pass, S::Submitted, S::Submitted), A::Pass);
        assert_eq!(A::of_verb(V::Pass, S::Submitted, S::Approved), A::Approve);
        assert_eq!(A::of_verb(V::Return, S::Submitted, S::Returned), A::Return);
    }

    #[test]
    fn only_the_owner_records_a_project_outside_the_regulation_under_its_threshold() {
        use crate::ids::DepartmentId;
        let clerk = someone(vec![Role::Declarant]);
        let (own, other) = (DepartmentId(4), DepartmentId(5));
        let met = Some(("yeji:2", "不适用本办法"));
        let record =
            |pr: &Principal, owner, from, met| A::outside_scope(false, pr, owner, from, met);
        assert_eq!(record(&clerk, own, S::Draft, met), Ok(S::OutsideScope));
        assert_eq!(record(&clerk, own, S::Returned, met), Ok(S::OutsideScope));
        let e = record(&clerk, own, S::Draft, None);
        assert!(
            matches!(e, Err(DomainError::InvalidState { ref message }) if message.contains("应按规定申报")),
            "{e:?}"
        );
        assert!(matches!(
            record(&clerk, own, S::Submitted, met),
            Err(DomainError::InvalidState { .. })
        ));
        assert!(matches!(record(&clerk, other, S::Draft, met), Err(DomainError::Forbidden(_))));
        let reviewer = someone(vec![Role::Reviewer]);
        assert!(matches!(record(&reviewer, own, S::Draft, met), Err(DomainError::Forbidden(_))));
        // Taken back, it is a draft again; nothing else is taken back.
        assert_eq!(A::outside_scope(true, &clerk, own, S::OutsideScope, None), Ok(S::Draft));
        assert!(A::outside_scope(true, &clerk, own, S::Draft, met).is_err());
    }

    fn someone(roles: Vec<crate::org::Role>) -> Principal {
        Principal::sample(roles, crate::org::ScopeKind::OwnDepartment)
    }

    fn gate(outcome: crate::obligation::GateOutcome) -> GateCheck {
        GateCheck {
            rule_id: "g".into(),
            cite: "yeji:24".into(),
            text: "应能共享".into(),
            outcome,
            unknown_facts: vec![],
        }
    }

    #[test]
    fn an_edit_is_refused_by_role_then_status_then_form() {
        let form = crate::declaration::valid_form();
        let clerk = someone(vec![Role::Declarant]);
        let reviewer = someone(vec![Role::Reviewer]);
        let e = decide_edit(&reviewer, S::Draft, &form);
        assert!(matches!(e, Err(DomainError::Forbidden(_))), "{e:?}");
        let e = decide_edit(&clerk, S::Submitted, &form);
        assert!(matches!(e, Err(DomainError::InvalidState { .. })), "{e:?}");
        let bad = DeclarationForm { name: String::new(), ..form.clone() };
        let e = decide_edit(&clerk, S::Draft, &bad);
        assert!(
            matches!(e, Err(DomainError::Invalid(ref f)) if f.iter().any(|x| x.field == "name"))
        );
        assert_eq!(
            decide_edit(&clerk, S::Returned, &form),
            form.parse().map_err(DomainError::Invalid)
        );
    }

    #[test]
    fn a_gate_that_fails_or_is_unknown_refuses_citing_its_article() {
        use crate::obligation::GateOutcome;
        for outcome in [GateOutcome::Fail, GateOutcome::Unknown] {
            let e = first_refusal(&[gate(GateOutcome::Pass), gate(outcome)]);
            assert!(
                matches!(e, Err(DomainError::GateRefused { ref cite, .. }) if cite == "yeji:24"),
                "{e:?}"
            );
        }
        assert_eq!(first_refusal(&[gate(GateOutcome::Pass)]), Ok(()));
    }

    #[test]
    fn names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        for a in A::ALL {
            assert_eq!(A::parse(a.as_str()), Some(a));
        }
    }
}
