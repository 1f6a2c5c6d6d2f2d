//! The declaration's approval state machine (申报 → 审核 → 通过/退回).

use crate::declaration::{Declaration, DeclarationForm};
use crate::error::DomainError;
use crate::obligation::GateCheck;
use crate::org::{Principal, Role};
use crate::policy::{EventKind, GatedAction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Draft,
    Submitted,
    Returned,
    Approved,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 4] = [
        ProjectStatus::Draft,
        ProjectStatus::Submitted,
        ProjectStatus::Returned,
        ProjectStatus::Approved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Draft => "draft",
            ProjectStatus::Submitted => "submitted",
            ProjectStatus::Returned => "returned",
            ProjectStatus::Approved => "approved",
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
        }
    }

    /// Whether the owner unit may still change the declaration.
    pub fn is_editable(self) -> bool {
        matches!(self, ProjectStatus::Draft | ProjectStatus::Returned)
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
}

impl ProjectAction {
    pub const ALL: [ProjectAction; 6] = [
        ProjectAction::Create,
        ProjectAction::Update,
        ProjectAction::Submit,
        ProjectAction::Withdraw,
        ProjectAction::Approve,
        ProjectAction::Return,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectAction::Create => "create",
            ProjectAction::Update => "update",
            ProjectAction::Submit => "submit",
            ProjectAction::Withdraw => "withdraw",
            ProjectAction::Approve => "approve",
            ProjectAction::Return => "return",
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
            ProjectAction::Withdraw => "撤回申报",
            ProjectAction::Approve => "审核通过",
            ProjectAction::Return => "退回修改",
        }
    }

    /// The status after the action, or the reason it is not allowed now.
    pub fn apply(self, from: ProjectStatus) -> Result<ProjectStatus, DomainError> {
        use ProjectAction as A;
        use ProjectStatus as S;
        let to = match (self, from) {
            (A::Update, s) if s.is_editable() => s,
            (A::Submit, s) if s.is_editable() => S::Submitted,
            (A::Withdraw, S::Submitted) => S::Draft,
            (A::Approve, S::Submitted) => S::Approved,
            (A::Return, S::Submitted) => S::Returned,
            (A::Create, _) => S::Draft,
            (action, from) => {
                return Err(DomainError::InvalidState {
                    message: format!("项目当前状态为“{}”，不能{}", from.label(), action.label()),
                });
            }
        };
        Ok(to)
    }
}

/// A reviewer's decision on a submitted declaration.
impl ProjectAction {
    /// The role that takes this step, and what the refusal calls the step.
    pub fn role(self) -> (Role, &'static str) {
        match self {
            ProjectAction::Approve | ProjectAction::Return => (Role::Reviewer, "审核项目申报"),
            _ => (Role::Declarant, "修改或提交项目申报"),
        }
    }

    /// The gated action of the profile in front of this step, if any.
    pub fn gated(self) -> Option<GatedAction> {
        match self {
            ProjectAction::Submit => Some(GatedAction::Declare),
            ProjectAction::Approve => Some(GatedAction::Approve),
            _ => None,
        }
    }

    /// The events this step emits, which the rules count from: a first submission starts the
    /// review clock (materials received), a resubmission is a revision, a return is a failed
    /// review with its opinion sent (lhasa:11 counts them).
    pub fn emits(self, from: ProjectStatus) -> &'static [EventKind] {
        match (self, from) {
            (ProjectAction::Submit, ProjectStatus::Returned) => &[EventKind::RevisionSubmitted],
            (ProjectAction::Submit, _) => {
                &[EventKind::DeclarationSubmitted, EventKind::MaterialsReceived]
            }
            (ProjectAction::Approve, _) => &[EventKind::ReviewPassed],
            (ProjectAction::Return, _) => &[EventKind::ReviewFailed, EventKind::ReviewOpinionSent],
            _ => &[],
        }
    }
}

/// What one step of the declaration flow decides: the new status and declaration, and the
/// events the step emits.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutcome {
    pub status: ProjectStatus,
    pub declaration: Declaration,
    pub emits: &'static [EventKind],
}

/// The declaration flow's rule for one step, a pure function of who acts, the project's
/// status and declaration, the form (for edits) and the gates in front of the step: refused
/// for the wrong role (Forbidden), from the wrong status (InvalidState), for a bad form
/// (Invalid, every field at once) or at the first gate that does not pass (GateRefused,
/// with its article).
pub fn decide_step(
    principal: &Principal, action: ProjectAction, from: ProjectStatus, current: &Declaration,
    form: Option<&DeclarationForm>, gates: &[GateCheck],
) -> Result<StepOutcome, DomainError> {
    let (role, what) = action.role();
    if !principal.has(role) {
        return Err(DomainError::Forbidden(format!(
            "您没有{what}的权限（需要“{}”角色）",
            role.label()
        )));
    }
    let status = action.apply(from)?;
    let declaration = match form {
        Some(f) => f.parse().map_err(DomainError::Invalid)?,
        None => current.clone(),
    };
    if let Some(first) = gates.iter().find_map(GateCheck::refusal) {
        return Err(DomainError::GateRefused { cite: first.cite, text: first.text });
    }
    Ok(StepOutcome { status, declaration, emits: action.emits(from) })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve { comment: String },
    Return { reason: String },
}

pub const REASON_MAX_CHARS: usize = 500;

impl Decision {
    /// `decision` is `approve` or `return`; a return needs a written reason.
    pub fn parse(decision: &str, text: &str) -> Result<Decision, DomainError> {
        let text = text.trim().to_string();
        if text.chars().count() > REASON_MAX_CHARS {
            return Err(DomainError::invalid(
                "reason",
                format!("审核意见不能超过 {REASON_MAX_CHARS} 个字"),
            ));
        }
        match decision {
            "approve" => Ok(Decision::Approve { comment: text }),
            "return" if text.is_empty() => Err(DomainError::invalid(
                "reason",
                "退回时请填写退回理由，告诉申报单位需要修改什么",
            )),
            "return" => Ok(Decision::Return { reason: text }),
            _ => Err(DomainError::invalid("decision", "请选择审核意见：通过或退回")),
        }
    }

    pub fn action(&self) -> ProjectAction {
        match self {
            Decision::Approve { .. } => ProjectAction::Approve,
            Decision::Return { .. } => ProjectAction::Return,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Decision::Approve { comment } => comment,
            Decision::Return { reason } => reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectAction as A;
    use ProjectStatus as S;

    #[test]
    fn the_declaration_flow() {
        assert_eq!(A::Submit.apply(S::Draft), Ok(S::Submitted));
        assert_eq!(A::Return.apply(S::Submitted), Ok(S::Returned));
        assert_eq!(A::Update.apply(S::Returned), Ok(S::Returned));
        assert_eq!(A::Submit.apply(S::Returned), Ok(S::Submitted));
        assert_eq!(A::Approve.apply(S::Submitted), Ok(S::Approved));
        assert_eq!(A::Withdraw.apply(S::Submitted), Ok(S::Draft));
    }

    #[test]
    fn refuses_out_of_order_actions() {
        assert!(A::Update.apply(S::Submitted).is_err());
        assert!(A::Update.apply(S::Approved).is_err());
        assert!(A::Approve.apply(S::Draft).is_err());
        assert!(A::Return.apply(S::Approved).is_err());
        assert!(A::Submit.apply(S::Approved).is_err());
        assert!(A::Withdraw.apply(S::Approved).is_err());
    }

    #[test]
    fn return_needs_a_reason() {
        assert!(Decision::parse("return", "  ").is_err());
        assert!(Decision::parse("approve", "").is_ok());
        assert!(Decision::parse("maybe", "x").is_err());
        assert_eq!(Decision::parse("return", "请补充概算").map(|d| d.action()), Ok(A::Return));
    }

    #[test]
    fn steps_emit_the_events_rules_count_from() {
        assert_eq!(
            A::Submit.emits(S::Draft),
            &[EventKind::DeclarationSubmitted, EventKind::MaterialsReceived]
        );
        assert_eq!(A::Submit.emits(S::Returned), &[EventKind::RevisionSubmitted]);
        assert_eq!(
            A::Return.emits(S::Submitted),
            &[EventKind::ReviewFailed, EventKind::ReviewOpinionSent]
        );
        assert!(A::Update.emits(S::Draft).is_empty());
        assert_eq!(A::Approve.gated(), Some(GatedAction::Approve));
        assert_eq!(A::Withdraw.gated(), None);
    }

    fn someone(roles: Vec<crate::org::Role>) -> Principal {
        use crate::ids::{DepartmentId, JurisdictionId, UserId};
        Principal {
            user_id: UserId(7),
            login: "u".into(),
            name: "用户".into(),
            jurisdiction_id: JurisdictionId(1),
            department_id: Some(DepartmentId(4)),
            department_path: Some("/1/4/".into()),
            roles,
            scope: crate::org::ScopeKind::OwnDepartment,
            listed_departments: vec![],
        }
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
    fn a_step_is_refused_by_role_then_status_then_form_then_gate() {
        use crate::obligation::GateOutcome;
        let form = crate::declaration::valid_form();
        let decl = form.parse().expect("valid");
        let clerk = someone(vec![Role::Declarant]);
        let reviewer = someone(vec![Role::Reviewer]);
        // The wrong role is refused before anything else.
        let e = decide_step(&clerk, A::Approve, S::Submitted, &decl, None, &[]);
        assert!(matches!(e, Err(DomainError::Forbidden(_))), "{e:?}");
        // The right role from the wrong status.
        let e = decide_step(&reviewer, A::Approve, S::Draft, &decl, None, &[]);
        assert!(matches!(e, Err(DomainError::InvalidState { .. })), "{e:?}");
        // An edit with a bad form names its fields.
        let bad = DeclarationForm { name: String::new(), ..form.clone() };
        let e = decide_step(&clerk, A::Update, S::Draft, &decl, Some(&bad), &[]);
        assert!(
            matches!(e, Err(DomainError::Invalid(ref f)) if f.iter().any(|x| x.field == "name"))
        );
        // A gate that fails or is not yet established refuses, citing its article.
        for outcome in [GateOutcome::Fail, GateOutcome::Unknown] {
            let e = decide_step(&reviewer, A::Approve, S::Submitted, &decl, None, &[gate(outcome)]);
            assert!(
                matches!(e, Err(DomainError::GateRefused { ref cite, .. }) if cite == "yeji:24"),
                "{e:?}"
            );
        }
        // Passing gates: the new status and the events the step emits.
        let ok = decide_step(
            &reviewer,
            A::Approve,
            S::Submitted,
            &decl,
            None,
            &[gate(GateOutcome::Pass)],
        )
        .expect("approved");
        assert_eq!(ok.status, S::Approved);
        assert_eq!(ok.emits, &[EventKind::ReviewPassed]);
        assert_eq!(ok.declaration, decl);
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
