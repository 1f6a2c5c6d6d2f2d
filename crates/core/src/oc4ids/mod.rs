//! A project as the Open Contracting for Infrastructure Data Standard (OC4IDS 0.9) describes
//! one, for publishing (issue 12 §9): its identity, phase, period, budget and fund sources, the
//! parties (the owner unit, the firms it contracted) and each contract as a contracting process
//! (nature, procurement method, supplier, value, period). Pure: the storage reads what a project
//! is; this says how the standard spells it. The export is a *project package*: a head naming
//! the publisher, then the projects, written one by one so that a bulk export streams.
//!
//! Codes follow the standard's closed codelists (projectStatus, contractNature, method,
//! contractingProcessStatus, currency); what the standard has no code for stays in the details
//! field beside the code (采购方式 in Chinese in `procurementMethodDetails`).

use crate::contract::{ContractKind, ProcurementMethod};
use crate::declaration::{ConstructionPeriod, FundSources, YearMonth};
use crate::money::Yuan;
use crate::policy::EventKind;
use crate::project::ProjectStatus;
use chrono::{DateTime, NaiveDate};
use serde::Serialize;

/// The OC4IDS version the export follows (major.minor, as the package's `version`).
pub const VERSION: &str = "0.9";

/// The currency of every amount: 人民币.
pub const CURRENCY: &str = "CNY";

/// What the export needs of one contract.
#[derive(Debug, Clone)]
pub struct ContractIn {
    pub id: i64,
    pub kind: ContractKind,
    pub title: String,
    pub method: ProcurementMethod,
    pub amount: Yuan,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub firm_id: i64,
    pub firm_name: String,
}

/// What the export needs of one project.
#[derive(Debug, Clone)]
pub struct ProjectIn {
    /// The jurisdiction's code, which prefixes every identifier (`yeji`).
    pub jurisdiction: String,
    pub id: i64,
    pub name: String,
    pub summary: String,
    pub status: ProjectStatus,
    pub period: ConstructionPeriod,
    pub investment: Yuan,
    pub sources: FundSources,
    pub owner_id: i64,
    pub owner_name: String,
    pub updated_at_ms: i64,
    /// The events recorded as happened (not planned), with their days.
    pub events: Vec<(EventKind, NaiveDate)>,
    pub contracts: Vec<ContractIn>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    pub amount: i64,
    pub currency: &'static str,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_in_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetBreakdown {
    pub id: String,
    pub description: String,
    pub amount: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    pub amount: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_date: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub budget_breakdown: Vec<BudgetBreakdown>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Party {
    pub id: String,
    pub name: String,
    pub roles: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tender {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procurement_method: Option<&'static str>,
    pub procurement_method_details: &'static str,
    pub procuring_entity: PartyRef,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub title: String,
    pub nature: Vec<&'static str>,
    pub status: &'static str,
    pub tender: Tender,
    pub suppliers: Vec<PartyRef>,
    pub contract_value: Value,
    pub contract_period: Period,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractingProcess {
    pub id: String,
    pub summary: Summary,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Completion {
    pub end_date: String,
}

/// One project in OC4IDS.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    pub updated: String,
    pub title: String,
    pub description: String,
    pub status: &'static str,
    pub period: Period,
    pub budget: Budget,
    pub parties: Vec<Party>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contracting_processes: Vec<ContractingProcess>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<Completion>,
}

/// A day as the standard's date-time: the day's start in Beijing time.
pub fn day_time(day: NaiveDate) -> String {
    format!("{}T00:00:00+08:00", day.format("%Y-%m-%d"))
}

/// The end of a day as the standard's date-time (a period's last day is inside it).
pub fn day_end(day: NaiveDate) -> String {
    format!("{}T23:59:59+08:00", day.format("%Y-%m-%d"))
}

/// An instant as the standard's date-time, in Beijing time, to the second.
pub fn instant(at_ms: i64) -> String {
    let t = DateTime::from_timestamp_millis(at_ms).unwrap_or_default();
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    t.with_timezone(&beijing).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn first_day(m: YearMonth) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(m.year, m.month, 1)
}

fn last_day(m: YearMonth) -> Option<NaiveDate> {
    let (y, mo) = if m.month == 12 { (m.year + 1, 1) } else { (m.year, m.month + 1) };
    NaiveDate::from_ymd_opt(y, mo, 1)?.pred_opt()
}

fn period(start: Option<NaiveDate>, end: Option<NaiveDate>) -> Period {
    let days = match (start, end) {
        (Some(s), Some(e)) if e >= s => Some((e - s).num_days() + 1),
        _ => None,
    };
    Period { start_date: start.map(day_time), end_date: end.map(day_end), duration_in_days: days }
}

fn value(y: Yuan) -> Value {
    Value { amount: y.0, currency: CURRENCY }
}

/// The project's phase (projectStatus): not yet approved → identification; approved →
/// preparation until a contract is signed or work starts → implementation; completion
/// acceptance passed → completed; terminated (linxiang:25) or not approved (不予通过) →
/// cancelled.
pub fn phase(status: ProjectStatus, events: &[(EventKind, NaiveDate)]) -> &'static str {
    let has = |k: EventKind| events.iter().any(|(e, _)| *e == k);
    match status {
        ProjectStatus::Rejected => "cancelled",
        ProjectStatus::Approved if has(EventKind::ProjectTerminated) => "cancelled",
        ProjectStatus::Approved if has(EventKind::CompletionAcceptancePassed) => "completed",
        ProjectStatus::Approved
            if has(EventKind::ContractSigned) || has(EventKind::WorkStarted) =>
        {
            "implementation"
        }
        ProjectStatus::Approved => "preparation",
        _ => "identification",
    }
}

/// The standard's code for a procurement method (method codelist), where it has one.
pub fn method_code(m: ProcurementMethod) -> Option<&'static str> {
    match m {
        ProcurementMethod::OpenTender => Some("open"),
        ProcurementMethod::InvitedTender => Some("selective"),
        ProcurementMethod::Negotiation
        | ProcurementMethod::Consultation
        | ProcurementMethod::Inquiry => Some("limited"),
        ProcurementMethod::SingleSource => Some("direct"),
        ProcurementMethod::Framework | ProcurementMethod::Other => None,
    }
}

fn nature(k: ContractKind) -> &'static str {
    match k {
        ContractKind::Construction => "construction",
        ContractKind::Supervision => "supervision",
    }
}

/// The identifiers: `govit-<jurisdiction>-<what>-<id>`, unique across one platform.
fn ident(p: &ProjectIn, what: &str, id: i64) -> String {
    format!("govit-{}-{what}-{id}", p.jurisdiction)
}

/// One project as OC4IDS says it.
pub fn project(p: &ProjectIn) -> Project {
    let day_of = |k: EventKind| p.events.iter().find(|(e, _)| *e == k).map(|(_, d)| *d);
    let phase = phase(p.status, &p.events);
    let owner = PartyRef { id: ident(p, "unit", p.owner_id), name: p.owner_name.clone() };
    let mut parties = vec![Party {
        id: owner.id.clone(),
        name: owner.name.clone(),
        roles: vec!["publicAuthority", "procuringEntity"],
    }];
    for c in &p.contracts {
        let id = ident(p, "firm", c.firm_id);
        if !parties.iter().any(|x| x.id == id) {
            parties.push(Party { id, name: c.firm_name.clone(), roles: vec!["supplier"] });
        }
    }
    let sources = [
        ("fiscal", "财政资金", p.sources.fiscal),
        ("bank_loan", "银行贷款", p.sources.bank_loan),
        ("self_raised", "自筹", p.sources.self_raised),
        ("other", "其他", p.sources.other),
    ];
    let closed = matches!(phase, "completed" | "cancelled");
    Project {
        id: ident(p, "project", p.id),
        updated: instant(p.updated_at_ms),
        title: p.name.clone(),
        description: p.summary.clone(),
        status: phase,
        period: period(first_day(p.period.start), last_day(p.period.end)),
        budget: Budget {
            amount: value(p.investment),
            approval_date: day_of(EventKind::Approved).map(day_time),
            budget_breakdown: sources
                .into_iter()
                .filter(|(_, _, y)| y.0 > 0)
                .map(|(id, what, y)| BudgetBreakdown {
                    id: id.into(),
                    description: what.into(),
                    amount: value(y),
                })
                .collect(),
        },
        parties,
        contracting_processes: p
            .contracts
            .iter()
            .map(|c| ContractingProcess {
                id: ident(p, "contract", c.id),
                summary: Summary {
                    title: c.title.clone(),
                    nature: vec![nature(c.kind)],
                    status: if closed { "closed" } else { "active" },
                    tender: Tender {
                        procurement_method: method_code(c.method),
                        procurement_method_details: c.method.label(),
                        procuring_entity: owner.clone(),
                    },
                    suppliers: vec![PartyRef {
                        id: ident(p, "firm", c.firm_id),
                        name: c.firm_name.clone(),
                    }],
                    contract_value: value(c.amount),
                    contract_period: period(Some(c.starts_on), Some(c.ends_on)),
                },
            })
            .collect(),
        completion: match phase {
            "completed" => day_of(EventKind::CompletionAcceptancePassed)
                .map(|d| Completion { end_date: day_time(d) }),
            _ => None,
        },
    }
}

/// A package's head, up to and including the opening of its `projects` list: the bytes a
/// streamed export sends first. `uri` names the package; `published_ms` is when it was made.
pub fn package_head(uri: &str, publisher: &str, published_ms: i64) -> String {
    let head = serde_json::json!({
        "uri": uri,
        "publishedDate": instant(published_ms),
        "publisher": {"name": publisher},
        "version": VERSION,
    });
    let text = head.to_string();
    // `{...}` → `{..., "projects": [`
    format!("{},\"projects\":[", &text[..text.len() - 1])
}

/// What closes a package after its projects.
pub const PACKAGE_TAIL: &str = "]}";

/// A whole package of `projects`, for one project or a test.
pub fn package(uri: &str, publisher: &str, published_ms: i64, projects: &[Project]) -> String {
    let mut out = package_head(uri, publisher, published_ms);
    for (i, p) in projects.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(p).unwrap_or_default());
    }
    out.push_str(PACKAGE_TAIL);
    out
}

#[cfg(test)]
mod tests;
