//! Data to start from: the demo jurisdiction and large synthetic ones for benchmarks.

pub mod demo;
pub mod materials;
pub mod profile;
pub mod reviews;
pub mod synthetic;

use govit_core::declaration::DeclarationForm;

/// A declaration as the seeds, benchmarks and tests fill it in: `name`, `summary`, the
/// construction period (`2027-01` to `2027-12`) and `wan` 万元, all of it fiscal funds, with
/// the demo unit's leader and contact.
pub fn declaration(
    name: impl Into<String>, summary: impl Into<String>, start: impl Into<String>,
    end: impl Into<String>, wan: &str,
) -> DeclarationForm {
    DeclarationForm {
        name: name.into(),
        summary: summary.into(),
        period_start: start.into(),
        period_end: end.into(),
        investment: wan.into(),
        fiscal_funds: wan.into(),
        leader: "张建华".into(),
        contact: "李明".into(),
        phone: "0564-6661234".into(),
        email: "liming@yeji.gov.cn".into(),
        ..Default::default()
    }
}
