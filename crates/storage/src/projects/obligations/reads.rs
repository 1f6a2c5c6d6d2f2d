//! What a recompute of obligations reads of its projects besides their bases: their events,
//! waivers and duties as stored, each read for a batch of projects in one statement.

use super::OwedRow;
use crate::Result;
use chrono::NaiveDate;
use govit_core::obligation::{Event, Waiver};
use govit_core::policy::EventKind;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// The obligations of these projects as stored, by project and key.
pub(super) async fn stored_of(
    conn: &mut AnyConnection, ids: &[i64],
) -> Result<HashMap<i64, HashMap<String, OwedRow>>> {
    let rows = crate::projects::of_projects(
        conn,
        "SELECT project_id, obligation_key, jurisdiction_id, rule_id, cite, duty, rule_text, owed_by, \
         owed_department_id, since_date, not_before, due_date, provisional, period, status, fulfilled_on, \
         late, ended_on FROM obligations WHERE project_id IN ({ids})",
        ids,
    )
    .await?;
    let mut out: HashMap<i64, HashMap<String, OwedRow>> = HashMap::new();
    for r in rows {
        let row = OwedRow {
            jurisdiction: r.try_get("jurisdiction_id")?,
            rule_id: r.try_get("rule_id")?,
            cite: r.try_get("cite")?,
            duty: r.try_get("duty")?,
            text: r.try_get("rule_text")?,
            owed_by: r.try_get("owed_by")?,
            owed_department: r.try_get("owed_department_id")?,
            since: r.try_get("since_date")?,
            not_before: r.try_get("not_before")?,
            due: r.try_get("due_date")?,
            provisional: r.try_get("provisional")?,
            period: r.try_get("period")?,
            status: r.try_get("status")?,
            fulfilled_on: r.try_get("fulfilled_on")?,
            late: r.try_get("late")?,
            ended_on: r.try_get("ended_on")?,
        };
        out.entry(r.try_get("project_id")?).or_default().insert(r.try_get("obligation_key")?, row);
    }
    Ok(out)
}

/// The events that happened to these projects, each project's in the order they were
/// recorded. Only what happened: planned dates are shown, never counted.
pub(super) async fn events_of(
    conn: &mut AnyConnection, ids: &[i64],
) -> Result<HashMap<i64, Vec<Event>>> {
    let rows = crate::projects::of_projects(
        conn,
        "SELECT project_id, kind, event_date FROM project_milestones \
         WHERE project_id IN ({ids}) AND planned = 0 ORDER BY project_id, id",
        ids,
    )
    .await?;
    let mut out: HashMap<i64, Vec<Event>> = HashMap::new();
    for r in rows {
        let kind: String = r.try_get("kind")?;
        let date: String = r.try_get("event_date")?;
        if let (Some(kind), Ok(date)) =
            (EventKind::parse(&kind), NaiveDate::parse_from_str(&date, "%Y-%m-%d"))
        {
            out.entry(r.try_get("project_id")?).or_default().push(Event { kind, date });
        }
    }
    Ok(out)
}

/// The waivers of these projects' duties.
pub(super) async fn waivers_of(
    conn: &mut AnyConnection, ids: &[i64],
) -> Result<HashMap<i64, Vec<Waiver>>> {
    let rows = crate::projects::of_projects(
        conn,
        "SELECT project_id, obligation_key, reason FROM obligation_waivers WHERE project_id IN ({ids})",
        ids,
    )
    .await?;
    let mut out: HashMap<i64, Vec<Waiver>> = HashMap::new();
    for r in rows {
        out.entry(r.try_get("project_id")?)
            .or_default()
            .push(Waiver { key: r.try_get("obligation_key")?, reason: r.try_get("reason")? });
    }
    Ok(out)
}

/// What a recompute of some projects' obligations reads besides their bases, read for all of
/// them at once: their waivers, their duties as stored, and the departments each party kind
/// stands for in a jurisdiction (read once a jurisdiction, when a duty is owed by a party
/// other than the owner unit).
pub(super) struct OweReads {
    pub(super) waivers: HashMap<i64, Vec<Waiver>>,
    pub(super) stored: HashMap<i64, HashMap<String, OwedRow>>,
    parties: HashMap<i64, Vec<(String, i64)>>,
}

impl OweReads {
    pub(super) async fn of(conn: &mut AnyConnection, ids: &[i64]) -> Result<OweReads> {
        Ok(OweReads {
            waivers: waivers_of(conn, ids).await?,
            stored: stored_of(conn, ids).await?,
            parties: HashMap::new(),
        })
    }

    pub(super) async fn parties(
        &mut self, conn: &mut AnyConnection, jurisdiction: i64,
    ) -> Result<&[(String, i64)]> {
        let rows = match self.parties.remove(&jurisdiction) {
            Some(rows) => rows,
            None => {
                sqlx::query_as(
                    "SELECT k.kind, d.id FROM department_party_kinds k JOIN departments d ON d.id = k.department_id \
                     WHERE d.jurisdiction_id = $1",
                )
                .bind(jurisdiction)
                .fetch_all(&mut *conn)
                .await?
            }
        };
        Ok(self.parties.entry(jurisdiction).or_insert(rows))
    }
}
