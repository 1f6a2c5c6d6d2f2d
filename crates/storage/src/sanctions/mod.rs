//! 督查处理 as the store keeps it (issue 12 §7): the measures taken on a project under its
//! profile's sanctions (`govit_core::sanction`) — 暂停拨付资金, 暂停项目建设, 终止项目 … — each
//! with its rule, its article and its reason, in force until lifted (解除, with its reason;
//! 终止项目 never). The measures in force are the facts the gates read (`MeasureFacts`:
//! `funds_suspended`, `construction_suspended`, `om_funds_stopped`), so the payment, the
//! contract or the O&M fund application they stop is refused naming the rule. The
//! rectification ordered first is a submission (`stage = 'rectification'`); where a rule
//! escalates, its measures wait for that rectification to fail or lapse. See `steps`.

mod steps;

pub use steps::{LiftMeasure, TakeMeasure};

use crate::base::change::{Record, Who};
use crate::projects::{FactSource, FactsFuture, Project};
use crate::{Result, Store};
use govit_core::ids::{JurisdictionId, ProjectId};
use govit_core::policy::{Facts, Profile, SanctionRule, SanctionStep};
use govit_core::sanction::{self, Rectified};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};

/// A measure's lifting: who, when, why.
#[derive(Debug, Clone, Serialize)]
pub struct Lifted {
    pub by: String,
    pub at_ms: i64,
    pub reason: String,
}

/// A measure taken on a project, as read.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub id: i64,
    pub project_id: ProjectId,
    pub project_name: String,
    pub owner_name: String,
    pub jurisdiction_id: JurisdictionId,
    pub profile_id: String,
    /// The sanction it was taken under, and its article.
    pub rule_id: String,
    pub cite: String,
    pub step: SanctionStep,
    pub reason: String,
    pub taken_by: String,
    pub taken_at_ms: i64,
    pub lifted: Option<Lifted>,
    pub version: i64,
}

impl Measure {
    /// In force: a lasting measure (暂停拨付资金, 终止项目) not lifted; the others are recorded
    /// once (通报批评, 收回资金).
    pub fn in_force(&self) -> bool {
        self.lifted.is_none() && sanction::lasting(self.step)
    }
    /// Recorded once, never in force (通报批评, 压缩下一年度预算).
    pub fn recorded(&self) -> bool {
        !sanction::lasting(self.step)
    }
    /// Whether it may ever be lifted (终止项目 and what is recorded once may not).
    pub fn liftable(&self) -> bool {
        self.in_force() && sanction::liftable(self.step)
    }
}

const SELECT: &str = "SELECT m.*, p.name AS project_name, p.profile_id, d.name AS owner_name, \
    t.name AS taken_by_name, l.name AS lifted_by_name \
    FROM project_measures m JOIN projects p ON p.id = m.project_id \
    JOIN departments d ON d.id = p.owner_department_id \
    JOIN users t ON t.id = m.taken_by LEFT JOIN users l ON l.id = m.lifted_by";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Measure> {
    let step: String = r.try_get("step")?;
    let step = SanctionStep::parse(&step)
        .ok_or_else(|| crate::StoreError::Config(format!("未知的处理措施 {step}")))?;
    let lifted_at: Option<i64> = r.try_get("lifted_at_ms")?;
    let lifted = match lifted_at {
        Some(at_ms) => Some(Lifted {
            by: r.try_get::<Option<String>, _>("lifted_by_name")?.unwrap_or_default(),
            at_ms,
            reason: r.try_get::<Option<String>, _>("lift_reason")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Measure {
        id: r.try_get("id")?,
        project_id: ProjectId(r.try_get("project_id")?),
        project_name: r.try_get("project_name")?,
        owner_name: r.try_get("owner_name")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        profile_id: r.try_get("profile_id")?,
        rule_id: r.try_get("rule_id")?,
        cite: r.try_get("cite")?,
        step,
        reason: r.try_get("reason")?,
        taken_by: r.try_get("taken_by_name")?,
        taken_at_ms: r.try_get("taken_at_ms")?,
        lifted,
        version: r.try_get("version")?,
    })
}

async fn fetch(conn: &mut AnyConnection, id: i64) -> Result<Option<Measure>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE m.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

impl Record for Measure {
    const KIND: &'static str = "measure";
    type Carry = ();
    const TABLE: Option<&'static str> = Some("project_measures");

    fn key(&self) -> (i64, i64) {
        (self.id, self.version)
    }
    async fn load(conn: &mut AnyConnection, _: Who<'_>, id: i64) -> Result<Option<Self>> {
        fetch(conn, id).await
    }
    /// Seen by whoever sees its project.
    async fn load_visible(conn: &mut AnyConnection, who: Who<'_>, id: i64) -> Result<Option<Self>> {
        let Some(m) = fetch(conn, id).await? else { return Ok(None) };
        Ok(Project::load_visible(conn, who, m.project_id.0).await?.map(|_| m))
    }
    fn audit_view(&self) -> serde_json::Value {
        json!({"project_id": self.project_id, "rule_id": self.rule_id, "cite": self.cite,
               "step": self.step, "reason": self.reason, "in_force": self.in_force(),
               "lift_reason": self.lifted.as_ref().map(|l| l.reason.clone()),
               "version": self.version})
    }
}

/// The lasting measures in force on project `project`.
async fn in_force(conn: &mut AnyConnection, project: ProjectId) -> Result<Vec<SanctionStep>> {
    Ok(in_force_all(conn, &[project.0]).await?.remove(&project.0).unwrap_or_default())
}

/// The lasting measures in force on each of these projects, read in one statement.
async fn in_force_all(
    conn: &mut AnyConnection, ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<SanctionStep>>> {
    let rows = crate::projects::of_projects(
        conn,
        "SELECT project_id, step FROM project_measures WHERE project_id IN ({ids}) AND lifted_at_ms IS NULL",
        ids,
    )
    .await?;
    let mut out: std::collections::HashMap<i64, Vec<SanctionStep>> = Default::default();
    for r in rows {
        let project: i64 = r.try_get("project_id")?;
        let steps = out.entry(project).or_default();
        if let Some(s) = SanctionStep::parse(&r.try_get::<String, _>("step")?)
            && sanction::lasting(s)
        {
            steps.push(s);
        }
    }
    Ok(out)
}

/// The key of the step of `profile`'s rectification chain where the owner unit reports (its
/// pass says when it reported).
pub(crate) fn report_step(profile: &Profile) -> Option<String> {
    let route = govit_core::submission::route(
        profile,
        govit_core::policy::Stage::Rectification,
        &Facts::new(),
    );
    route
        .steps
        .iter()
        .find(|s| s.parties.iter().any(|p| p == crate::projects::run::OWNER))
        .map(|s| s.key.clone())
}

/// `funds_suspended`, `construction_suspended`, `om_funds_stopped`: the measures in force on
/// the project (0 for a project with none).
pub struct MeasureFacts;

impl FactSource for MeasureFacts {
    fn derive_all<'a>(
        &'a self, conn: &'a mut AnyConnection, ps: &'a [&'a Project],
    ) -> FactsFuture<'a> {
        Box::pin(async move {
            let ids: Vec<i64> = ps.iter().map(|p| p.id.0).collect();
            let mut all = in_force_all(conn, &ids).await?;
            Ok(ps
                .iter()
                .map(|p| sanction::facts_of(&all.remove(&p.id.0).unwrap_or_default()))
                .collect())
        })
    }
    /// A measure is taken on an approved project only: before, none is in force.
    fn before_approval(&self, facts: &mut Facts) -> bool {
        facts.extend(sanction::facts_of(&[]));
        true
    }
}

/// Where the project's latest rectification under `rule` stands on `today`: refused
/// (整改后仍不符合要求, or 拒不整改 where the owner refused it) is failed, done is passed; sent
/// and not reported by the end of its deadline is lapsed (逾期不整改), reported in time or not
/// yet due is pending; one never sent is none. An order older than the latest lifting of a
/// measure under the rule counts for nothing: what follows a lifting needs a new order.
pub(crate) async fn rectified(
    conn: &mut AnyConnection, project: ProjectId, rule: &str, report_step: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<Rectified> {
    let row = sqlx::query(
        "SELECT id, state, due_day, created_at_ms FROM project_submissions \
         WHERE project_id = $1 AND stage = 'rectification' AND rule_id = $2 \
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(project.0)
    .bind(rule)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(Rectified::NotOrdered) };
    let id: i64 = r.try_get("id")?;
    let state: String = r.try_get("state")?;
    let due: Option<String> = r.try_get("due_day")?;
    let ordered_ms: i64 = r.try_get("created_at_ms")?;
    let lifted: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(lifted_at_ms) FROM project_measures WHERE project_id = $1 AND rule_id = $2",
    )
    .bind(project.0)
    .bind(rule)
    .fetch_one(&mut *conn)
    .await?;
    if lifted.is_some_and(|l| l >= ordered_ms) {
        return Ok(Rectified::NotOrdered);
    }
    // Sent at all: its first step passed once; reported: the owner's step passed.
    let acts =
        crate::projects::run::read_acts(conn, crate::projects::run::Acts::Submission, id).await?;
    let passes = || {
        acts.iter()
            .map(|a| &a.act)
            .filter(|a| matches!(a.verb, govit_core::workflow::Verb::Pass { .. }))
    };
    let sent = passes().next().is_some();
    let reported_ms =
        passes().filter(|a| Some(a.step.as_str()) == report_step).map(|a| a.at_ms).min();
    let due = due.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let reported_in_time = match (reported_ms, due) {
        (Some(at), Some(d)) => crate::base::china_today(at) <= d,
        _ => false,
    };
    Ok(match state.as_str() {
        "refused" => Rectified::Failed,
        "done" => Rectified::Passed,
        _ if !sent => Rectified::NotOrdered,
        _ if reported_in_time => Rectified::Pending,
        _ if due.is_some_and(|d| today > d) => Rectified::Lapsed,
        _ => Rectified::Pending,
    })
}

/// A sanction of the project's profile as its page offers it: the measures it names, each
/// with whether the reader may take it now or why not.
#[derive(Debug, Clone, Serialize)]
pub struct RuleOffer {
    pub id: String,
    pub cite: String,
    pub text: String,
    /// (measure, its label, why it may not be taken now — none: it may).
    pub measures: Vec<(SanctionStep, &'static str, Option<String>)>,
}

/// What a project's 督查处理 section shows the reader.
#[derive(Debug, Clone, Serialize)]
pub struct Sanctions {
    pub measures: Vec<Measure>,
    /// The sanctions of its profile with measures on a project, for those who take them.
    pub rules: Vec<RuleOffer>,
    /// Whether the reader takes any measure on this project.
    pub taker: bool,
    /// The parties the reader acts as on it.
    pub parties: Vec<String>,
    /// Whether the reader orders rectification on it (the first party of the profile's
    /// `rectification` chain, on an approved project not terminated).
    pub may_order: bool,
}

impl Sanctions {
    /// Whether the reader takes (and lifts) `step` under `rule`.
    pub fn takes(&self, rule: &SanctionRule, step: SanctionStep) -> bool {
        sanction::takers(rule, step).iter().any(|t| self.parties.contains(t))
    }
}

/// The rules of `profile` that name measures on a project.
pub fn rules_with_measures(profile: &Profile) -> Vec<&SanctionRule> {
    profile.sanctions.iter().filter(|r| !sanction::measures(r).is_empty()).collect()
}

/// A 压缩下一年度预算 (yeji:27) on one of a unit's projects: the year whose declarations it
/// bears on, and why.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetCut {
    pub project_name: String,
    pub cite: String,
    pub reason: String,
    pub taken_by: String,
    pub taken_at_ms: i64,
    /// The day it was taken, in China.
    pub taken_on: chrono::NaiveDate,
    /// The budget year it cuts: the year after it was taken.
    pub year: i32,
}

impl Store {
    /// The 压缩下一年度预算 taken on department `d`'s projects whose budget year has not passed
    /// in `year` (taken this year or the year before), newest first.
    pub async fn budget_cuts_of(
        &self, d: govit_core::ids::DepartmentId, year: i32,
    ) -> Result<Vec<BudgetCut>> {
        use chrono::Datelike;
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(
            "SELECT p.name AS project_name, m.cite, m.reason, m.taken_at_ms, u.name AS taken_by \
             FROM project_measures m JOIN projects p ON p.id = m.project_id \
             JOIN users u ON u.id = m.taken_by \
             WHERE p.owner_department_id = $1 AND m.step = 'budget_cut' AND m.taken_at_ms >= $2 \
             ORDER BY m.taken_at_ms DESC LIMIT 20",
        )
        .bind(d.0)
        .bind(crate::base::china_year_start_ms(year - 1))
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let at: i64 = r.try_get("taken_at_ms")?;
            let taken_year = crate::base::china_today(at).year();
            if taken_year + 1 >= year {
                out.push(BudgetCut {
                    project_name: r.try_get("project_name")?,
                    cite: r.try_get("cite")?,
                    reason: r.try_get("reason")?,
                    taken_by: r.try_get("taken_by")?,
                    taken_at_ms: at,
                    taken_on: crate::base::china_today(at),
                    year: taken_year + 1,
                });
            }
        }
        Ok(out)
    }

    /// The measures taken on project `p` (which the caller has read), newest first.
    pub async fn measures_of(&self, p: ProjectId) -> Result<Vec<Measure>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE m.project_id = $1 ORDER BY m.id DESC"
        )))
        .bind(p.0)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Project `p`'s measures and what the caller may take under each of its profile's
    /// sanctions now (`now_ms`).
    pub async fn sanctions_of(&self, who: Who<'_>, p: &Project, now_ms: i64) -> Result<Sanctions> {
        let measures = self.measures_of(p.id).await?;
        let rules = self.rules();
        let Some(profile) = rules.profile(&p.profile_id) else {
            return Ok(Sanctions {
                measures,
                rules: Vec::new(),
                taker: false,
                parties: Vec::new(),
                may_order: false,
            });
        };
        let mut conn = self.pool.acquire().await?;
        let parties = crate::projects::run::acting_parties(&mut conn, who.principal, p).await?;
        let today = crate::base::china_today(now_ms);
        let approved = p.status == govit_core::project::ProjectStatus::Approved;
        let ended = measures.iter().any(|m| m.step == SanctionStep::Terminate)
            || crate::projects::run::subject::ended_on(&mut conn, p.id).await?.is_some();
        let report = report_step(profile);
        let mut taker = false;
        let mut offers = Vec::new();
        for rule in rules_with_measures(profile) {
            let state = rectified(&mut conn, p.id, &rule.id, report.as_deref(), today).await?;
            let mut offered = Vec::new();
            for step in sanction::measures(rule) {
                let takes = sanction::takers(rule, step).iter().any(|t| parties.contains(t));
                taker |= takes;
                if !takes {
                    continue;
                }
                let why = if !approved {
                    Some("立项批复后才能采取处理措施".to_string())
                } else if ended {
                    Some("项目已终止".to_string())
                } else if measures.iter().any(|m| m.in_force() && m.step == step) {
                    Some(format!("“{}”正在实施", step.label()))
                } else {
                    sanction::may_take(rule, step, state).err()
                };
                offered.push((step, step.label(), why));
            }
            if !offered.is_empty() {
                offers.push(RuleOffer {
                    id: rule.id.clone(),
                    cite: rule.cite.clone(),
                    text: rule.text.clone(),
                    measures: offered,
                });
            }
        }
        let orders = govit_core::submission::route(
            profile,
            govit_core::policy::Stage::Rectification,
            &Facts::new(),
        )
        .steps
        .first()
        .is_some_and(|s| s.parties.iter().any(|p| parties.contains(p)));
        let may_order = orders && approved && !ended && !sanction::rectifying(profile).is_empty();
        Ok(Sanctions { measures, rules: offers, taker, parties, may_order })
    }
}
