//! 项目调整 during construction: the owner unit asks to change an approved project's content
//! and moves money between its budget lines (lhasa:16, yeji:20, gaoping:19,
//! xinzhou-transport:16, linxiang:24's 变更手续). Pure: what a change's form says, how much of
//! the approved budget the project's changes have moved so far (lhasa:16 counts the absolute
//! amounts, added up over every change), and the route a change takes — the chain of the
//! profile's `change_request` stage under that ratio, or, where a threshold of the profile says
//! the owner may no longer change it alone (lhasa:16 above 15%), its approval stage again.

use crate::error::FieldError;
use crate::money::Yuan;
use crate::policy::{Fact, Facts, Profile, Stage};
use crate::workflow::{Progress, Route, RunStatus};

named_enum!(
    /// Where a change stands, from its run.
    ChangeStatus {
        ToSend => "to_send", "待报送",
        Returned => "returned", "已退回",
        Handling => "handling", "办理中",
        Done => "done", "已办结",
        Refused => "refused", "不予通过",
        Cancelled => "cancelled", "已撤销",
    }
);

named_enum!(
    /// Which way a change goes: the profile's change procedure, or approval again.
    ChangePath {
        Change => "change", "按调整程序办理",
        Reapproval => "reapproval", "重新报批",
    }
);

/// A change's form, as typed (the page's fields and the API's body alike). Amounts in 万元.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ChangeForm {
    pub title: String,
    /// 调整内容: what changes in the project's content, schedule or budget lines.
    pub content: String,
    /// 调整理由 (lhasa:16's and yeji:20's cases).
    pub reason: String,
    /// 调增金额合计（万元）: the budget lines raised, added up.
    pub increase: String,
    /// 调减金额合计（万元）: the budget lines lowered, added up.
    pub decrease: String,
}

/// A change, read from its form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangeTerms {
    pub title: String,
    pub content: String,
    pub reason: String,
    pub increase: Yuan,
    pub decrease: Yuan,
}

/// The longest free text of a change, in characters.
pub const TEXT_MAX: usize = 2000;

/// A field's label, for messages and forms.
pub fn label(field: &str) -> &'static str {
    match field {
        "title" => "调整事项",
        "content" => "调整内容",
        "reason" => "调整理由",
        "increase" => "调增金额合计（万元）",
        "decrease" => "调减金额合计（万元）",
        _ => "",
    }
}

fn amount(errors: &mut Vec<FieldError>, field: &'static str, v: &str) -> Yuan {
    if v.trim().is_empty() {
        return Yuan(0);
    }
    match Yuan::parse_wan(v) {
        Ok(a) if a.0 >= 0 => a,
        Ok(_) => {
            errors.push(FieldError::new(field, format!("{}不能为负数", label(field))));
            Yuan(0)
        }
        Err(e) => {
            let m = e.to_string();
            let m = match m.strip_prefix("金额") {
                Some(rest) => format!("{}{rest}", label(field)),
                None => format!("{}：{m}", label(field)),
            };
            errors.push(FieldError::new(field, m));
            Yuan(0)
        }
    }
}

fn text(errors: &mut Vec<FieldError>, field: &'static str, v: &str, max: usize) -> String {
    let v = v.trim();
    if v.is_empty() {
        errors.push(FieldError::new(field, format!("请填写{}", label(field))));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, format!("{}不能超过 {max} 个字", label(field))));
    }
    v.to_string()
}

impl ChangeForm {
    pub fn parse(&self) -> Result<ChangeTerms, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = text(&mut errors, "title", &self.title, 200);
        let content = text(&mut errors, "content", &self.content, TEXT_MAX);
        let reason = text(&mut errors, "reason", &self.reason, TEXT_MAX);
        let increase = amount(&mut errors, "increase", &self.increase);
        let decrease = amount(&mut errors, "decrease", &self.decrease);
        match errors.is_empty() {
            true => Ok(ChangeTerms { title, content, reason, increase, decrease }),
            false => Err(errors),
        }
    }
}

impl ChangeTerms {
    /// The amount the change moves: its raised and lowered lines, added up as absolute
    /// amounts (lhasa:16's 资金调整数额绝对值).
    pub fn moved(&self) -> Yuan {
        Yuan(self.increase.0.saturating_add(self.decrease.0))
    }

    /// What changed between two versions of a change, for the project's timeline.
    pub fn changes(&self, new: &ChangeTerms) -> Vec<String> {
        let mut out = Vec::new();
        if self.title != new.title {
            out.push(format!("调整事项改为“{}”", new.title));
        }
        for (field, a, b) in
            [("increase", self.increase, new.increase), ("decrease", self.decrease, new.decrease)]
        {
            if a != b {
                out.push(format!("{} {} → {}", label(field), a.to_wan_string(), b.to_wan_string()));
            }
        }
        if self.content != new.content {
            out.push("调整内容已修改".into());
        }
        if self.reason != new.reason {
            out.push("调整理由已修改".into());
        }
        out
    }
}

/// The share of the approved budget `moved` is, in basis points, rounded up: any amount
/// above 15% reads as more than 1500 (lhasa:16 allows 15% exactly). Unknown (`None`) without
/// an approved budget.
pub fn ratio_bp(moved: Yuan, approved: Yuan) -> Option<i64> {
    if approved.0 <= 0 {
        return None;
    }
    let num = i128::from(moved.0.max(0)) * 10_000;
    let den = i128::from(approved.0);
    Some(i64::try_from((num + den - 1) / den).unwrap_or(i64::MAX))
}

/// The way a change goes under its profile, with the ratio it was judged at and the
/// threshold that decided it (its article and effect), if one did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    pub path: ChangePath,
    pub route: Route,
    pub ratio_bp: Option<i64>,
    /// (article, what the threshold says follows)
    pub threshold: Option<(String, String)>,
}

/// The route of a change whose project's changes, this one included, have moved `ratio_bp`
/// of its approved budget: the profile's `change_request` chain under that ratio, or the
/// approval stage again where a threshold of the profile sends it there (lhasa:16 above 15%).
/// `facts` are the project's own.
pub fn routing(profile: &Profile, facts: &Facts, ratio_bp: Option<i64>) -> Routing {
    let mut facts = facts.clone();
    if let Some(r) = ratio_bp {
        facts.insert(Fact::ChangeRatioBp, r);
    }
    let threshold = profile
        .thresholds
        .iter()
        .find(|t| t.fact == Fact::ChangeRatioBp && t.met(&facts) == Some(true));
    let reapproval = threshold.is_some_and(|t| t.adds_stage == Some(Stage::Approval));
    let (path, stage) = match reapproval {
        true => (ChangePath::Reapproval, Stage::Approval),
        false => (ChangePath::Change, Stage::ChangeRequest),
    };
    Routing {
        path,
        route: Route::from_rules(&profile.stages, &[stage], &facts),
        ratio_bp,
        threshold: threshold.map(|t| (t.cite.clone(), t.effect.clone())),
    }
}

/// Where a change stands by its run (`returned`: its last act returned it; `refused`: 不予通过).
pub fn status(progress: &Progress, returned: bool) -> ChangeStatus {
    match progress.status {
        RunStatus::Completed => ChangeStatus::Done,
        RunStatus::Rejected => ChangeStatus::Refused,
        _ if progress.current == 0 && returned => ChangeStatus::Returned,
        _ if progress.current == 0 => ChangeStatus::ToSend,
        _ => ChangeStatus::Handling,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(id: &str) -> Profile {
        crate::policy::builtin().into_iter().find(|p| p.head.id == id).expect("profile")
    }

    fn form(increase: &str, decrease: &str) -> ChangeForm {
        ChangeForm {
            title: "调整建设内容".into(),
            content: "将数据中台模块的部分功能调整为共享交换模块".into(),
            reason: "业务发展需要".into(),
            increase: increase.into(),
            decrease: decrease.into(),
        }
    }

    #[test]
    fn a_change_is_read_with_its_fields_named() {
        let t = form("１０", "5.5").parse().expect("parses");
        assert_eq!(
            (t.increase, t.decrease, t.moved()),
            (Yuan(100_000), Yuan(55_000), Yuan(155_000))
        );
        let errs =
            ChangeForm { increase: "-3".into(), decrease: "abc".into(), ..ChangeForm::default() }
                .parse()
                .expect_err("refused");
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "content", "reason", "increase", "decrease"]);
        assert!(errs[3].message.contains("调增金额合计（万元）"), "{:?}", errs[3]);
        let long = ChangeForm { reason: "长".repeat(TEXT_MAX + 1), ..form("", "") };
        assert!(long.parse().expect_err("too long")[0].message.contains("不能超过"));
    }

    #[test]
    fn the_ratio_rounds_up_so_that_just_above_fifteen_percent_is_above() {
        let approved = Yuan(2_000_000);
        assert_eq!(ratio_bp(Yuan(300_000), approved), Some(1500));
        assert_eq!(ratio_bp(Yuan(300_001), approved), Some(1501));
        assert_eq!(ratio_bp(Yuan(0), approved), Some(0));
        assert_eq!(ratio_bp(Yuan(1), Yuan(0)), None);
    }

    #[test]
    fn lhasa_16_files_up_to_fifteen_percent_and_sends_more_to_approval_again() {
        let p = profile("lhasa");
        let facts: Facts = [(Fact::IsClassified, 0)].into_iter().collect();
        let at = routing(&p, &facts, Some(1500));
        assert_eq!(at.path, ChangePath::Change);
        let actions: Vec<&str> = at.route.steps.iter().map(|s| s.action.as_str()).collect();
        assert_eq!(actions, ["变更调整", "备案"]);
        assert_eq!(at.threshold.as_ref().map(|t| t.0.as_str()), Some("lhasa:16"));
        let above = routing(&p, &facts, Some(1501));
        assert_eq!(above.path, ChangePath::Reapproval);
        assert!(above.threshold.as_ref().is_some_and(|t| t.1.contains("重新审批")));
        assert!(above.route.steps.iter().any(|s| s.cite == "lhasa:14"), "{:?}", above.route);
    }

    #[test]
    fn each_profile_has_its_own_chain() {
        let chain = |id: &str| -> Vec<String> {
            routing(&profile(id), &Facts::new(), Some(100))
                .route
                .steps
                .iter()
                .map(|s| s.action.clone())
                .collect()
        };
        assert_eq!(chain("yeji"), ["申请调整", "批准", "备案"]);
        assert_eq!(chain("gaoping"), ["提交调整申请", "综合评估并提出意见"]);
        assert_eq!(chain("linxiang"), ["依法依规办理变更手续并备案登记"]);
    }
}
