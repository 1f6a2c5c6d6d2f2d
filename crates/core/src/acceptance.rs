//! 项目验收: the run that takes a built project through its profile's acceptance stages —
//! preliminary acceptance where the profile has one (yeji:22 the owner's own; linxiang:26 at or
//! above 2,000,000 yuan; lhasa:17 before the completion application), completion acceptance
//! (yeji:22 the owner applies, the authority and the trading centre accept; linxiang:26 split
//! by the investment; lhasa:17 the approval department with the archives office; gaoping:20
//! and xinzhou-transport:18 the owner's own) and the filing of its report (gaoping:20,
//! xinzhou-transport:21 after the party group's consent, lhasa:20, linxiang:28). Pure: what an
//! acceptance's form says, its route under the profile, the step the `accept` gates stand in
//! front of, and where it stands.
//!
//! A failed acceptance (不予通过 at an acceptance step: 验收不合格) ends its run; the owner
//! rectifies and applies again (linxiang:27) with a new acceptance, whose route starts at the
//! completion acceptance once the preliminary one has passed.

use crate::error::FieldError;
use crate::policy::{Facts, Profile, Stage};
use crate::workflow::{Progress, Route, RunStatus};

named_enum!(
    /// Where an acceptance stands, from its run: the stage of its open step, or how it ended.
    AcceptanceStatus {
        Preliminary => "preliminary", "初步验收中",
        Returned => "returned", "已退回",
        Accepting => "accepting", "竣工验收中",
        Filing => "filing", "验收备案中",
        Accepted => "accepted", "已通过验收",
        Filed => "filed", "已验收备案",
        Failed => "failed", "验收未通过",
    }
);

/// The stages an acceptance runs through, in order.
pub const STAGES: [Stage; 3] =
    [Stage::PreliminaryAcceptance, Stage::CompletionAcceptance, Stage::AcceptanceFiling];

/// An acceptance's form, as typed (the page's fields and the API's body alike).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AcceptanceForm {
    /// 项目建设总结: what was built against the approved content (yeji:22, lhasa:20).
    pub summary: String,
    /// 联系人 and 联系电话 for the acceptance.
    pub contact: String,
    pub phone: String,
}

/// An acceptance, read from its form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AcceptanceTerms {
    pub summary: String,
    pub contact: String,
    pub phone: String,
}

/// A field's label, for messages and forms.
pub fn label(field: &str) -> &'static str {
    match field {
        "summary" => "项目建设总结",
        "contact" => "联系人",
        "phone" => "联系电话",
        _ => "",
    }
}

impl AcceptanceForm {
    /// The acceptance, or every wrong field named.
    pub fn parse(&self) -> Result<AcceptanceTerms, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut text = |field: &'static str, v: &str, max: usize| {
            let v = v.trim();
            if v.is_empty() {
                errors.push(FieldError::new(field, format!("请填写{}", label(field))));
            } else if v.chars().count() > max {
                errors.push(FieldError::new(field, format!("{}不能超过 {max} 个字", label(field))));
            }
            v.to_string()
        };
        let summary = text("summary", &self.summary, 4000);
        let contact = text("contact", &self.contact, 50);
        let phone = text("phone", &self.phone, 30);
        // A number a person can dial: digits, with separators and an extension (转).
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let dialable = phone.chars().all(|c| c.is_ascii_digit() || " -+()（）转".contains(c));
        if !phone.is_empty() && (digits < 7 || !dialable) {
            errors.push(FieldError::new("phone", "联系电话应为电话号码，例如 0564-1234567"));
        }
        if errors.is_empty() {
            Ok(AcceptanceTerms { summary, contact, phone })
        } else {
            Err(errors)
        }
    }
}

/// The route of an acceptance under its profile and the project's facts (linxiang:26 chooses
/// by `investment_yuan`): the chains of its acceptance stages in order, from the completion
/// acceptance when `after_preliminary` (the preliminary acceptance has passed already).
pub fn route(profile: &Profile, facts: &Facts, after_preliminary: bool) -> Route {
    let stages: Vec<Stage> = STAGES
        .into_iter()
        .filter(|s| !(after_preliminary && *s == Stage::PreliminaryAcceptance))
        .collect();
    Route::from_rules(&profile.stages, &stages, facts)
}

/// The step whose pass is the project's acceptance, which the profile's `accept` gates stand
/// in front of: the last step of the completion acceptance.
pub fn accepting_index(route: &Route) -> Option<usize> {
    route.steps.iter().rposition(|s| s.stage == Stage::CompletionAcceptance)
}

/// Where an acceptance stands by its run.
pub fn status(route: &Route, progress: &Progress, returned: bool) -> AcceptanceStatus {
    match progress.status {
        RunStatus::Completed if route.steps.iter().any(|s| s.stage == Stage::AcceptanceFiling) => {
            AcceptanceStatus::Filed
        }
        RunStatus::Completed => AcceptanceStatus::Accepted,
        RunStatus::Rejected => AcceptanceStatus::Failed,
        _ if returned => AcceptanceStatus::Returned,
        _ => match progress.step(route).map(|s| s.stage) {
            Some(Stage::PreliminaryAcceptance) => AcceptanceStatus::Preliminary,
            Some(Stage::AcceptanceFiling) => AcceptanceStatus::Filing,
            _ => AcceptanceStatus::Accepting,
        },
    }
}

/// Whether the project passed its acceptance in this run: its completion acceptance is behind
/// it (filing or done).
pub fn passed(status: AcceptanceStatus) -> bool {
    matches!(
        status,
        AcceptanceStatus::Filing | AcceptanceStatus::Accepted | AcceptanceStatus::Filed
    )
}

/// Why a project whose acceptances so far are `earlier` (attempt, status) may not start
/// another, if it may not: one has passed, or one is under way. After failed ones it may.
pub fn start_refusal(earlier: &[(i64, AcceptanceStatus)]) -> Option<String> {
    earlier.iter().find(|(_, s)| *s != AcceptanceStatus::Failed).map(|(attempt, status)| {
        if passed(*status) {
            format!("本项目已在第 {attempt} 次验收中通过竣工验收，不需再次验收")
        } else {
            format!("本项目的第 {attempt} 次验收正在办理（{}），办结前不能再次发起", status.label())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{EventKind, Fact};

    fn profile(id: &str) -> Profile {
        crate::policy::builtin().into_iter().find(|p| p.head.id == id).expect("profile")
    }

    fn steps(r: &Route) -> Vec<(String, Vec<String>, Vec<EventKind>)> {
        r.steps.iter().map(|s| (s.action.clone(), s.parties.clone(), s.on_pass.clone())).collect()
    }

    fn invest(y: i64) -> Facts {
        let mut f = Facts::new();
        f.insert(Fact::InvestmentYuan, y);
        f
    }

    #[test]
    fn yeji_22_the_owner_accepts_first_then_applies_and_the_authority_accepts_with_the_centre() {
        let r = route(&profile("yeji"), &invest(3_000_000), false);
        let s = steps(&r);
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(s[0].0, "组织初步验收");
        assert_eq!(s[0].2, [EventKind::PreliminaryAcceptancePassed]);
        assert_eq!(s[1].2, [EventKind::CompletionAcceptanceApplied]);
        assert_eq!(s[2].1, ["authority", "trading_center"]);
        assert_eq!(s[2].2, [EventKind::CompletionAcceptancePassed]);
        assert_eq!(accepting_index(&r), Some(2));
        // Once the preliminary acceptance has passed, an acceptance again starts at the
        // application.
        let again = route(&profile("yeji"), &invest(3_000_000), true);
        assert_eq!(again.steps.len(), 2);
        assert_eq!(again.steps[0].action, "提出竣工验收申请");
    }

    #[test]
    fn linxiang_26_splits_at_two_million_yuan() {
        let below = route(&profile("linxiang"), &invest(1_999_999), false);
        let at = route(&profile("linxiang"), &invest(2_000_000), false);
        let below: Vec<String> = below.steps.iter().map(|s| s.action.clone()).collect();
        let at: Vec<String> = at.steps.iter().map(|s| s.action.clone()).collect();
        assert_eq!(
            below,
            ["委托组织竣工验收", "组织竣工验收并报送验收报告", "报送相关资料", "备案"]
        );
        assert_eq!(at[0], "组织初步验收");
        assert!(at.contains(&"提出竣工验收申请".to_string()), "{at:?}");
        assert!(at.iter().any(|a| a.contains("组织专家")), "{at:?}");
        assert_eq!(at.last().map(String::as_str), Some("备案"));
    }

    #[test]
    fn the_filing_ends_it_where_the_profile_files_acceptance() {
        let x = route(&profile("xinzhou-transport"), &Facts::new(), false);
        let a: Vec<String> = x.steps.iter().map(|s| s.action.clone()).collect();
        assert_eq!(a, ["开展竣工验收", "报送竣工验收报告", "同意", "备案"]);
        assert_eq!(x.steps[3].on_pass, [EventKind::AcceptanceFiled]);
        let mut p = Progress::start(&x, 0);
        assert_eq!(status(&x, &p, false), AcceptanceStatus::Accepting);
        p.current = 1;
        assert_eq!(status(&x, &p, false), AcceptanceStatus::Filing);
        assert!(passed(status(&x, &p, false)));
        p.status = RunStatus::Completed;
        assert_eq!(status(&x, &p, false), AcceptanceStatus::Filed);
        let y = route(&profile("yeji"), &Facts::new(), true);
        assert_eq!(status(&y, &p, false), AcceptanceStatus::Accepted);
        p.status = RunStatus::Rejected;
        assert_eq!(status(&y, &p, false), AcceptanceStatus::Failed);
        assert!(!passed(AcceptanceStatus::Failed));
    }

    #[test]
    fn gaoping_20_the_authority_files_then_tells_finance_in_writing() {
        let g = route(&profile("gaoping"), &Facts::new(), false);
        let s = steps(&g);
        let a: Vec<&str> = s.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(a, ["组织竣工验收", "提交竣工验收报告", "备案", "书面告知市财政部门"]);
        assert_eq!(s[0].2, [EventKind::CompletionAcceptancePassed]);
        assert_eq!(s[2].2, [EventKind::AcceptanceFiled]);
        assert_eq!(s[3].2, [EventKind::FinanceNotified]);
        // The owner's own acceptance is its first step: it may find it failed there.
        assert!(g.steps[0].judges() && !g.steps[1].judges());
        // An application hands the acceptance in: it does not judge it.
        let y = route(&profile("yeji"), &Facts::new(), true);
        assert!(!y.steps[0].judges() && y.steps[1].judges());
    }

    #[test]
    fn another_acceptance_starts_only_after_failed_ones() {
        use AcceptanceStatus::*;
        assert_eq!(start_refusal(&[]), None);
        assert_eq!(start_refusal(&[(1, Failed), (2, Failed)]), None);
        let open = start_refusal(&[(1, Failed), (2, Accepting)]).expect("under way");
        assert!(open.contains("第 2 次验收正在办理（竣工验收中）"), "{open}");
        let done = start_refusal(&[(1, Filing)]).expect("passed");
        assert!(done.contains("已在第 1 次验收中通过"), "{done}");
    }

    #[test]
    fn a_form_names_every_wrong_field() {
        let errs = AcceptanceForm::default().parse().expect_err("empty");
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["summary", "contact", "phone"]);
        for bad in ["不是电话号码!!", "123", "0564-12a4567"] {
            let f = AcceptanceForm {
                summary: "已建成".into(),
                contact: "李工".into(),
                phone: bad.into(),
            };
            assert_eq!(f.parse().expect_err(bad)[0].field, "phone", "{bad}");
        }
        let ext = AcceptanceForm {
            summary: "已建成".into(),
            contact: "李工".into(),
            phone: "(0564) 123 4567转801".into(),
        };
        assert!(ext.parse().is_ok());
        let ok = AcceptanceForm {
            summary: " 已按批复建成 ".into(),
            contact: "李工".into(),
            phone: "0564-1234567".into(),
        };
        assert_eq!(ok.parse().expect("ok").summary, "已按批复建成");
    }
}
