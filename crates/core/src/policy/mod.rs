//! Policy profiles: one data file per jurisdiction holding its labels, flow, documents,
//! deadlines, thresholds, quotas, gates, sanctions and the gaps in its text, every rule with
//! its citation and the Chinese sentence a user sees.
//!
//! Onboarding a jurisdiction is writing a profile. `check` reads a profile leniently, rule by
//! rule, so that one run reports every mistake with its line and field.

mod load;
mod schema;
#[cfg(test)]
mod tests;
mod vocabulary;
mod window;

pub use load::{ProfileError, load};
pub use schema::{
    ChainStep, Condition, DeadlineRule, DocumentRule, Facts, FixedDate, Gap, GateRule, Labels,
    NthWeekday, Op, Period, Profile, ProfileHead, Provision, ProvisionRule, QuotaRule, QuotaScope,
    Recorder, SanctionRule, ScoredDimension, SignMode, StageRule, ThresholdRule, Timing,
    WeekdayName, all_hold,
};
pub use vocabulary::{EventKind, Fact, FactUnit, GatedAction, SanctionStep, Stage};
pub use window::{DeclarationWindow, LateEffect};

/// The profiles shipped with govit.
pub const BUILTIN: &[(&str, &str)] = &[
    ("gaoping", include_str!("../../../../policies/gaoping.toml")),
    ("yeji", include_str!("../../../../policies/yeji.toml")),
    ("linxiang", include_str!("../../../../policies/linxiang.toml")),
    ("lhasa", include_str!("../../../../policies/lhasa.toml")),
    ("xinzhou-transport", include_str!("../../../../policies/xinzhou-transport.toml")),
];

/// The built-in profiles, checked. A profile that fails its check is a build defect caught by
/// the unit tests; here it is skipped rather than taking the server down.
pub fn builtin() -> Vec<Profile> {
    BUILTIN
        .iter()
        .filter_map(|(id, text)| load(&format!("policies/{id}.toml"), text).ok())
        .collect()
}
