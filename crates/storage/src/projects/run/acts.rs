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
pub(crate) enum Acts {
    Project,
    Plan,
    Contract,
}

impl Acts {
    /// The table and the column of its subject (fixed identifiers).
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Acts::Project => ("run_acts", "project_id"),
            Acts::Plan => ("plan_acts", "plan_id"),
            Acts::Contract => ("contract_acts", "contract_id"),
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
        "SELECT a.at_ms, a.user_id, a.parties, a.step, a.verb, COALESCE(u.name, '') AS name, \
         COALESCE(d.name, '') AS department FROM {table} a LEFT JOIN users u ON u.id = a.user_id \
         LEFT JOIN departments d ON d.id = u.department_id WHERE a.{key} = $1 ORDER BY a.seq"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let parties: String = r.try_get("parties")?;
        let verb: String = r.try_get("verb")?;
        let Ok(verb) = serde_json::from_str::<Verb>(&verb) else { continue };
        out.push(ActRecord {
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
    .bind(serde_json::to_string(&act.verb).unwrap_or_default())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
