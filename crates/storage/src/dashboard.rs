//! The authority's dashboard (issue 12 §8), read from the rows the other rooms keep: projects
//! by status and, once approved, by phase; obligations overdue by department as of a day —
//! today, or a past one ("what was overdue on 2025-06-30": due before it, arisen by then, and
//! not fulfilled by it, as the obligations stand now; waived ones left out); money approved,
//! paid and returned by department; and the measures in force. Each a few grouped queries
//! over a jurisdiction, so it stays fast at 100,000 projects.

use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use govit_core::ids::JurisdictionId;
use serde::Serialize;
use sqlx::Row;

/// How many overdue obligations the dashboard lists (the export holds up to the cap of every
/// export).
pub const OVERDUE_LISTED: i64 = 200;

/// A count under a label.
#[derive(Debug, Clone, Serialize)]
pub struct Count {
    pub label: String,
    pub count: i64,
}

/// A department's money: its approved projects, their approved investment, what was paid to
/// them and returned as surplus (yuan).
#[derive(Debug, Clone, Serialize)]
pub struct Money {
    pub department: String,
    pub projects: i64,
    pub approved_yuan: i64,
    pub paid_yuan: i64,
    pub returned_yuan: i64,
}

/// An obligation overdue on the day asked about.
#[derive(Debug, Clone, Serialize)]
pub struct Overdue {
    pub project_id: i64,
    pub project_name: String,
    pub department: String,
    pub duty: String,
    pub cite: String,
    pub due_date: String,
    /// The day it was met after all, if it was (after the day asked about).
    pub fulfilled_on: Option<String>,
}

/// A measure in force, by department.
#[derive(Debug, Clone, Serialize)]
pub struct InForce {
    pub department: String,
    pub step: String,
    pub count: i64,
}

/// What the dashboard shows of a jurisdiction on a day.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dashboard {
    pub as_of: NaiveDate,
    /// Projects by status (status code, count).
    pub by_status: Vec<(String, i64)>,
    /// Approved projects: under construction (neither through completion acceptance nor
    /// terminated), accepted (and not terminated), and terminated.
    pub building: i64,
    pub accepted: i64,
    /// Approved projects terminated (项目终止), whether accepted or not.
    pub terminated: i64,
    /// Overdue obligations on `as_of` by the department that owes them, most first.
    pub overdue_by_department: Vec<Count>,
    pub overdue_total: i64,
    /// The first [`OVERDUE_LISTED`] of them, longest overdue first.
    pub overdue: Vec<Overdue>,
    pub money: Vec<Money>,
    pub measures: Vec<InForce>,
}

const OVERDUE_WHERE: &str = "FROM obligations o LEFT JOIN departments d ON d.id = o.owed_department_id \
    JOIN projects p ON p.id = o.project_id \
    WHERE o.jurisdiction_id = $1 AND o.status <> 'waived' AND o.due_date IS NOT NULL \
    AND o.due_date < $2 AND o.since_date <= $2 AND (o.fulfilled_on IS NULL OR o.fulfilled_on > $2) \
    AND (o.ended_on IS NULL OR o.ended_on > $2)";

impl Store {
    /// The dashboard of jurisdiction `j` as of `as_of`.
    pub async fn dashboard(&self, j: JurisdictionId, as_of: NaiveDate) -> Result<Dashboard> {
        let day = as_of.to_string();
        let pool = &self.pool;
        // Six independent reads, each on its own connection, at once: the page waits for the
        // slowest, not for their sum (PostgreSQL runs them in parallel; SQLite's readers too).
        let by_status = async {
            let rows: Vec<(String, i64)> = sqlx::query_as(
                "SELECT status, CAST(COUNT(*) AS BIGINT) FROM projects WHERE jurisdiction_id = $1 \
                 GROUP BY status ORDER BY status",
            )
            .bind(j.0)
            .fetch_all(pool)
            .await?;
            Ok::<_, StoreError>(rows)
        };
        // A terminated project counts as terminated, whatever it went through before.
        let phases = async {
            let r = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT CAST(COUNT(*) AS BIGINT) AS approved, \
                 CAST(COALESCE(SUM(CASE WHEN t.ended = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS terminated, \
                 CAST(COALESCE(SUM(CASE WHEN t.ended = 0 AND t.accepted = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS accepted \
                 FROM (SELECT \
                   CASE WHEN {terminated} THEN 1 ELSE 0 END AS ended, \
                   CASE WHEN EXISTS (SELECT 1 FROM project_milestones m WHERE m.project_id = p.id \
                     AND m.kind = 'completion_acceptance_passed') THEN 1 ELSE 0 END AS accepted \
                   FROM projects p WHERE p.jurisdiction_id = $1 AND p.status = 'approved') t",
                terminated = crate::base::TERMINATED
            )))
            .bind(j.0)
            .fetch_one(pool)
            .await?;
            let approved: i64 = r.try_get("approved")?;
            let accepted: i64 = r.try_get("accepted")?;
            let terminated: i64 = r.try_get("terminated")?;
            Ok::<_, StoreError>((approved, accepted, terminated))
        };
        let overdue_by_department = async {
            let rows = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(format!(
                "SELECT COALESCE(d.name, o.owed_by) AS unit, CAST(COUNT(*) AS BIGINT) AS n \
                 {OVERDUE_WHERE} GROUP BY COALESCE(d.name, o.owed_by) ORDER BY n DESC, unit"
            )))
            .bind(j.0)
            .bind(day.clone())
            .fetch_all(pool)
            .await?;
            Ok::<_, StoreError>(
                rows.into_iter().map(|(label, count)| Count { label, count }).collect::<Vec<_>>(),
            )
        };
        let overdue = async {
            let mut conn = pool.acquire().await?;
            overdue_on(&mut conn, j, &day, OVERDUE_LISTED).await
        };
        let money = async {
            let rows = sqlx::query(
                "SELECT d.name AS unit, CAST(COUNT(*) AS BIGINT) AS projects, \
                 CAST(COALESCE(SUM(p.investment_yuan), 0) AS BIGINT) AS approved, \
                 CAST(COALESCE(SUM(pp.paid), 0) AS BIGINT) AS paid, \
                 CAST(COALESCE(SUM(rr.returned), 0) AS BIGINT) AS returned \
                 FROM projects p JOIN departments d ON d.id = p.owner_department_id \
                 LEFT JOIN (SELECT project_id, SUM(amount_yuan) AS paid FROM project_payments \
                   WHERE jurisdiction_id = $1 AND state = 'paid' GROUP BY project_id) pp \
                   ON pp.project_id = p.id \
                 LEFT JOIN (SELECT project_id, SUM(amount_yuan) AS returned FROM project_submissions \
                   WHERE jurisdiction_id = $1 AND stage = 'surplus_return' AND state = 'done' \
                   GROUP BY project_id) rr ON rr.project_id = p.id \
                 WHERE p.jurisdiction_id = $1 AND p.status = 'approved' \
                 GROUP BY d.name ORDER BY approved DESC, unit",
            )
            .bind(j.0)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Money {
                        department: r.try_get("unit")?,
                        projects: r.try_get("projects")?,
                        approved_yuan: r.try_get("approved")?,
                        paid_yuan: r.try_get("paid")?,
                        returned_yuan: r.try_get("returned")?,
                    })
                })
                .collect::<Result<Vec<_>>>()
        };
        let measures = async {
            let rows = sqlx::query_as::<_, (String, String, i64)>(
                "SELECT d.name, m.step, CAST(COUNT(*) AS BIGINT) FROM project_measures m \
                 JOIN projects p ON p.id = m.project_id JOIN departments d ON d.id = p.owner_department_id \
                 WHERE m.jurisdiction_id = $1 AND m.lifted_at_ms IS NULL GROUP BY d.name, m.step \
                 ORDER BY d.name, m.step",
            )
            .bind(j.0)
            .fetch_all(pool)
            .await?;
            Ok::<_, StoreError>(
                rows.into_iter()
                    .map(|(department, step, count)| InForce { department, step, count })
                    .collect::<Vec<_>>(),
            )
        };
        let (
            by_status,
            (approved, accepted, terminated),
            overdue_by_department,
            overdue,
            money,
            measures,
        ) = tokio::try_join!(by_status, phases, overdue_by_department, overdue, money, measures)?;
        // Every department's count: they add up to the whole.
        let overdue_total =
            overdue_by_department.iter().map(|c| c.count).fold(0i64, i64::saturating_add);
        Ok(Dashboard {
            as_of,
            by_status,
            building: approved - accepted - terminated,
            accepted,
            terminated,
            overdue_by_department,
            overdue_total,
            overdue,
            money,
            measures,
        })
    }

    /// The obligations of jurisdiction `j` overdue on `as_of`, longest overdue first, at most
    /// `cap` (for the export).
    pub async fn overdue_on(
        &self, j: JurisdictionId, as_of: NaiveDate, cap: i64,
    ) -> Result<Vec<Overdue>> {
        let mut conn = self.pool.acquire().await?;
        overdue_on(&mut conn, j, &as_of.to_string(), cap).await
    }
}

async fn overdue_on(
    conn: &mut sqlx::AnyConnection, j: JurisdictionId, day: &str, cap: i64,
) -> Result<Vec<Overdue>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT o.project_id, p.name AS project_name, COALESCE(d.name, o.owed_by) AS unit, \
         o.duty, o.cite, o.due_date, o.fulfilled_on {OVERDUE_WHERE} \
         ORDER BY o.due_date, o.project_id, o.obligation_key LIMIT $3"
    )))
    .bind(j.0)
    .bind(day.to_string())
    .bind(cap)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Overdue {
                project_id: r.try_get("project_id")?,
                project_name: r.try_get("project_name")?,
                department: r.try_get("unit")?,
                duty: r.try_get("duty")?,
                cite: r.try_get("cite")?,
                due_date: r.try_get("due_date")?,
                fulfilled_on: r.try_get("fulfilled_on")?,
            })
        })
        .collect()
}
