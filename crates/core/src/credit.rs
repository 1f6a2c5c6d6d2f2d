//! 信用档案 (issue 12 §7, linxiang:35): a firm's or an expert's misconduct — 违规操作、弄虚作假、
//! 成果报告或审查结论严重失实、造成项目质量低劣 — recorded in its credit file under the rule of
//! the profile that says so, beside the blacklist (linxiang:35, lhasa:22) that stops a firm
//! being contracted and an expert being drawn. A record is kept for good: what is recorded in
//! error is answered by a record of its correction, not by deleting it.
//!
//! Pure: the rules that record, the form.

use crate::error::FieldError;
use crate::policy::{Profile, SanctionRule, SanctionStep};

named_enum!(
    /// Whose credit file a record goes in.
    CreditSubject {
        Firm => "firm", "企业",
        Expert => "expert", "专家",
    }
);

/// The rules of `profile` under which misconduct is recorded in a credit file (记入信用档案).
pub fn recording(profile: &Profile) -> Vec<&SanctionRule> {
    profile.sanctions.iter().filter(|r| r.steps.contains(&SanctionStep::CreditRecord)).collect()
}

/// The rule of `profile` its blacklist stands on (linxiang:35, lhasa:22), if it names one.
pub fn blacklisting(profile: &Profile) -> Option<&SanctionRule> {
    profile.sanctions.iter().find(|r| r.steps.contains(&SanctionStep::Blacklist))
}

/// The longest account of the conduct a record keeps.
pub const CONDUCT_MAX: usize = 1000;

/// A credit record as typed (the page's fields and the API's body alike).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CreditForm {
    /// The id of the profile's rule it is recorded under; may be left out where the profile
    /// has one.
    pub rule: String,
    /// What was done, on which project, and how it was established.
    pub conduct: String,
    /// The number of the project it concerns, if one (选填).
    pub project: String,
}

/// A credit record, read from its form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CreditTerms {
    pub rule_id: String,
    pub cite: String,
    pub conduct: String,
    pub project: Option<i64>,
}

impl CreditForm {
    /// The record under one of `profile`'s recording rules, or every wrong field named. A
    /// profile without such a rule records nothing (the caller says so first).
    pub fn parse(&self, profile: &Profile) -> Result<CreditTerms, Vec<FieldError>> {
        let mut errors = Vec::new();
        let rules = recording(profile);
        let typed = self.rule.trim();
        let rule = match (typed, rules.as_slice()) {
            ("", [only]) => Some(*only),
            _ => rules.iter().copied().find(|r| r.id == typed),
        };
        if rule.is_none() {
            errors.push(FieldError::new("rule", "请选择依据的本辖区规定"));
        }
        let conduct =
            crate::error::free_text(&self.conduct, "conduct", "不良行为", CONDUCT_MAX, &mut errors);
        let number: String = self.project.trim().chars().map(crate::money::half_width).collect();
        let project = match number.trim_start_matches('#') {
            "" => None,
            n => match n.parse::<i64>() {
                Ok(v) if v > 0 && n.bytes().all(|b| b.is_ascii_digit()) => Some(v),
                _ => {
                    errors.push(FieldError::new("project", "项目编号应为数字，例如 1024"));
                    None
                }
            },
        };
        match rule {
            Some(r) if errors.is_empty() => {
                Ok(CreditTerms { rule_id: r.id.clone(), cite: r.cite.clone(), conduct, project })
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
        builtin().into_iter().find(|p| p.head.id == id).expect("profile")
    }

    fn fields(r: Result<CreditTerms, Vec<FieldError>>) -> Vec<&'static str> {
        r.err().map(|e| e.iter().map(|x| x.field).collect()).unwrap_or_default()
    }

    #[test]
    fn linxiang_35_records_misconduct_and_the_others_do_not() {
        let linxiang = profile("linxiang");
        assert_eq!(
            recording(&linxiang).iter().map(|r| r.cite.as_str()).collect::<Vec<_>>(),
            ["linxiang:35"]
        );
        for id in ["yeji", "gaoping", "lhasa", "xinzhou-transport"] {
            assert!(recording(&profile(id)).is_empty(), "{id}");
        }
        assert_eq!(blacklisting(&linxiang).map(|r| r.cite.as_str()), Some("linxiang:35"));
        assert_eq!(blacklisting(&profile("lhasa")).map(|r| r.cite.as_str()), Some("lhasa:22"));
        assert!(blacklisting(&profile("yeji")).is_none());
    }

    #[test]
    fn the_form_names_what_is_wrong() {
        let p = profile("linxiang");
        let ok = CreditForm {
            rule: String::new(),
            conduct: "出具的验收测评报告严重失实".into(),
            project: "１０２４".into(),
        };
        let t = ok.parse(&p).expect("the only rule is taken");
        assert_eq!(
            (t.cite.as_str(), t.project, t.conduct.as_str()),
            ("linxiang:35", Some(1024), "出具的验收测评报告严重失实")
        );
        let bad = CreditForm {
            rule: "gaoping-22-rectify".into(),
            conduct: " ".into(),
            project: "一".into(),
        };
        assert_eq!(fields(bad.parse(&p)), ["rule", "conduct", "project"]);
        let zero = CreditForm { project: "0".into(), ..ok.clone() };
        assert_eq!(fields(zero.parse(&p)), ["project"]);
        let long = CreditForm { conduct: "失".repeat(CONDUCT_MAX + 1), ..ok };
        assert_eq!(fields(long.parse(&p)), ["conduct"]);
    }
}
