//! The acts of a run as stored, in order: a project's path (`run_acts`), a plan's
//! (`plan_acts`) or a contract's filing (`contract_acts`), read and kept by the same two
//! functions and folded by the same engine.

use crate::Result;
use govit_core::ids::UserId;
use govit_core::workflow::{Act, Verb};
use sqlx::{AnyConnection, Row};

use super::ActRecord;

/// Which history of acts: a project's path (`run_acts`), a plan's (`plan_acts`) or a
/// contract's filing (`contract_acts`); the same engine folds them all.
#[derive(Debug, Clone, Copy)]
pub enum Acts {
    Project,
    Plan,
    Contract,
    Change,
    Progress,
    Acceptance,
    Payment,
    Submission,
}

impl Acts {
    /// The table and the column of its subject (fixed identifiers).
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Acts::Project => ("run_acts", "project_id"),
            Acts::Plan => ("plan_acts", "plan_id"),
            Acts::Contract => ("contract_acts", "contract_id"),
            Acts::Change => ("change_acts", "change_id"),
            Acts::Progress => ("progress_acts", "report_id"),
            Acts::Acceptance => ("acceptance_acts", "acceptance_id"),
            Acts::Payment => ("payment_acts", "payment_id"),
            Acts::Submission => ("submission_acts", "submission_id"),
        }
    }
}

/// The acts of a subject's run, in order, each with its actor's name and department as they
/// are now. A verb this version cannot read is left out of the fold rather than failing it.
pub(crate) async fn read_acts(
    conn: &mut AnyConnection, which: Acts, id: i64,
) -> Result<Vec<ActRecord>> {
    let (table, key) = which.table();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT a.seq, a.at_ms, a.user_id, a.parties, a.step, a.verb, COALESCE(u.name, '') AS name, \
         COALESCE(d.name, '') AS department FROM {table} a LEFT JOIN users u ON u.id = a.user_id \
         LEFT JOIN departments d ON d.id = u.department_id WHERE a.{key} = $1 ORDER BY a.seq"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let parties: String = r.try_get("parties")?;
        let verb_text: String = r.try_get("verb")?;
        let Ok(verb) = serde_json::from_str::<Verb>(&verb_text) else { continue };
        out.push(ActRecord {
            seq: r.try_get("seq")?,
            verb_text,
            act: Act {
                at_ms: r.try_get("at_ms")?,
                user: UserId(r.try_get("user_id")?),
                parties: parties.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
                step: r.try_get("step")?,
                verb,
            },
            actor_name: r.try_get("name")?,
            actor_department: r.try_get("department")?,
        });
    }
    Ok(out)
}

/// Keeps act number `seq` of a subject's run; a second act with the same number (two people
/// acting at once) is refused by the table's key.
pub(crate) async fn keep_act(
    conn: &mut AnyConnection, which: Acts, id: i64, seq: i64, act: &Act,
) -> Result<()> {
    let (table, key) = which.table();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {table} ({key}, seq, at_ms, user_id, parties, step, verb) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )))
    .bind(id)
    .bind(seq)
    .bind(act.at_ms)
    .bind(act.user.0)
    .bind(act.parties.join(","))
    .bind(act.step.clone())
    .bind(verb_text(&act.verb))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A verb as an act keeps it.
pub(crate) fn verb_text(verb: &Verb) -> String {
    serde_json::to_string(verb).unwrap_or_default()
}

/// The parties of a step in `profile`'s words, joined (市财政局、市发展改革委).
pub(crate) fn party_labels(store: &crate::Store, profile: &str, parties: &[String]) -> String {
    let rules = store.rules();
    parties
        .iter()
        .map(|k| rules.profile(profile).map_or_else(|| k.clone(), |p| p.party_label(k)))
        .collect::<Vec<_>>()
        .join("、")
}

/// How a subject's refusals name it: who holds its open step, what it is (本计划 /
/// 本合同的备案), and what is said once its run is through.
pub(crate) struct Naming<'a> {
    pub holders: &'a str,
    pub subject: &'a str,
    pub done: &'a str,
}

/// One act on a subject's run beside a project's path (a plan, a contract's filing), decided
/// by the engine for the caller's parties: the act to keep, the engine's outcome and the act's
/// number (`acts`: how many it has). A caller who holds nothing there is told who does, with
/// the step's article (403); a run that is through says so.
pub(crate) fn decide_on(
    route: &govit_core::workflow::Route, progress: &govit_core::workflow::Progress, acts: usize,
    actor: govit_core::workflow::Actor<'_>, verb: &Verb, now_ms: i64, naming: Naming<'_>,
) -> std::result::Result<(Act, govit_core::workflow::Outcome, i64), govit_core::DomainError> {
    use govit_core::DomainError;
    let outcome = match govit_core::workflow::decide(route, progress, actor, verb, now_ms) {
        Ok(o) => o,
        Err(DomainError::NotFound) => {
            return Err(match progress.step(route) {
                Some(s) => DomainError::Forbidden(format!(
                    "{}当前由{}办理（{}，{}）",
                    naming.subject, naming.holders, s.action, s.cite
                )),
                None => DomainError::InvalidState { message: naming.done.to_string() },
            });
        }
        Err(e) => return Err(e),
    };
    let step = progress.step(route).map(|s| s.key.clone()).unwrap_or_default();
    let act = Act {
        at_ms: now_ms,
        user: actor.user,
        parties: actor.parties.to_vec(),
        step,
        verb: verb.clone(),
    };
    Ok((act, outcome, acts as i64 + 1))
}

/// [`keep_act`] of a subject read at `version`: a second act on the same state (two people
/// at once) answers 409 with the version that won.
pub(crate) async fn keep_act_at(
    conn: &mut AnyConnection, which: Acts, id: i64, seq: i64, act: &Act, version: i64,
) -> Result<()> {
    match keep_act(conn, which, id, seq, act).await {
        Err(crate::StoreError::Db(e)) => Err(crate::base::unless_unique(e, || {
            govit_core::DomainError::StaleVersion { current: version + 1 }
        })),
        other => other,
    }
}
