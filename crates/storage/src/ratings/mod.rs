//! 综合评级 as the store keeps it (issue 12 §5): a project's rating computed from the rows the
//! other rooms keep (`govit_core::rating`: the approved investment against what its contracts
//! and payments commit, the construction contracts' period against the day the work was done
//! or is now expected, its obligations overdue today) — never stored, so it cannot fall
//! behind — and the ratings the authority gives (`project_ratings`), each no higher than the
//! computed one when given; the latest counts. One query computes the basis of one project or
//! of every approved project of a jurisdiction (the dashboard), so the two never disagree.
//! See `steps`.

mod steps;

pub use steps::RateProject;

use crate::base::change::{Record, Who};
use crate::projects::Project;
use crate::{Result, Store};
use chrono::NaiveDate;
use govit_core::ids::{JurisdictionId, ProjectId};
use govit_core::money::Yuan;
use govit_core::rating::{self, Basis, Given, Rating};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};

/// A rating the authority gave, as read.
#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    pub id: i64,
    pub project_id: ProjectId,
    pub jurisdiction_id: JurisdictionId,
    pub level: u8,
    /// The computed level when it was given.
    pub computed: u8,
    pub reason: String,
    pub rated_on: NaiveDate,
    pub rated_by: String,
    pub rated_at_ms: i64,
    pub version: i64,
}

impl Kept {
    pub fn label(&self) -> &'static str {
        rating::label(self.level)
    }
}

const SELECT: &str = "SELECT r.*, u.name AS rated_by_name FROM project_ratings r \
    JOIN users u ON u.id = r.rated_by";

fn level(n: i64) -> u8 {
    u8::try_from(n.clamp(i64::from(rating::LOWEST), i64::from(rating::HIGHEST)))
        .unwrap_or(rating::LOWEST)
}

fn day(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Kept> {
    Ok(Kept {
        id: r.try_get("id")?,
        project_id: ProjectId(r.try_get("project_id")?),
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        level: level(r.try_get("level")?),
        computed: level(r.try_get("computed")?),
        reason: r.try_get("reason")?,
        rated_on: day(r.try_get("rated_on")?).unwrap_or_default(),
        rated_by: r.try_get("rated_by_name")?,
        rated_at_ms: r.try_get("rated_at_ms")?,
        version: r.try_get("version")?,
    })
}

impl Record for Kept {
    const KIND: &'static str = "rating";
    type Carry = ();

    fn key(&self) -> (i64, i64) {
        (self.id, self.version)
    }
    async fn load(conn: &mut AnyConnection, _: Who<'_>, id: i64) -> Result<Option<Self>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        row.as_ref().map(from_row).transpose()
    }
    /// Seen by whoever sees its project.
    async fn load_visible(conn: &mut AnyConnection, who: Who<'_>, id: i64) -> Result<Option<Self>> {
        let Some(k) = Self::load(conn, who, id).await? else { return Ok(None) };
        Ok(Project::load_visible(conn, who, k.project_id.0).await?.map(|_| k))
    }
    fn audit_view(&self) -> serde_json::Value {
        json!({"project_id": self.project_id, "level": self.level, "computed": self.computed,
               "reason": self.reason, "rated_on": self.rated_on, "version": self.version})
    }
}

/// The ratings given to project `project`, newest first.
async fn kept_of(conn: &mut AnyConnection, project: ProjectId) -> Result<Vec<Kept>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE r.project_id = $1 ORDER BY r.id DESC"
    )))
    .bind(project.0)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The id of the latest rating given to project `project` (0: none).
pub(crate) async fn latest_id(conn: &mut AnyConnection, project: ProjectId) -> Result<i64> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT MAX(id) FROM project_ratings WHERE project_id = $1")
            .bind(project.0)
            .fetch_one(&mut *conn)
            .await?;
    Ok(id.unwrap_or(0))
}

/// How many projects at risk the dashboard lists (the page and the API; the export has all).
pub const AT_RISK_LISTED: usize = 200;

/// One approved project's rating as the basis query reads it.
#[derive(Debug, Clone, Serialize)]
pub struct Rated {
    pub project_id: i64,
    pub project_name: String,
    pub department: String,
    pub rating: Rating,
}

/// The basis of the rating of every approved project not terminated of jurisdiction `j` (or
/// of the one project `only`) on `today`, with its latest given rating: one pass over
/// grouped reads.
async fn rated(
    conn: &mut AnyConnection, j: JurisdictionId, today: NaiveDate, only: Option<ProjectId>,
) -> Result<Vec<Rated>> {
    let on = today.to_string();
    // One project's rows are read by its own index; every project's by the jurisdiction's.
    let scope = if only.is_some() { "project_id = $3" } else { "jurisdiction_id = $1" };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.name, d.name AS department, p.investment_yuan, \
         c.amount AS contracted, c.starts, c.ends, pay.asked, \
         CASE WHEN c.starts IS NULL THEN NULL ELSE (SELECT MIN(m.event_date) \
           FROM project_milestones m WHERE m.project_id = p.id AND m.planned = 0 \
           AND m.kind IN ('preliminary_acceptance_passed', 'completion_acceptance_passed')) END AS done, \
         CASE WHEN c.starts IS NULL THEN NULL ELSE (SELECT r.expected_on FROM progress_reports r \
           WHERE r.project_id = p.id ORDER BY r.period DESC, r.id DESC LIMIT 1) END AS expected, \
         ob.n AS overdue, g.level AS given, g.computed AS given_computed, g.rated_on \
         FROM projects p JOIN departments d ON d.id = p.owner_department_id \
         LEFT JOIN (SELECT project_id, CAST(SUM(amount_yuan) AS BIGINT) AS amount, \
           MIN(CASE WHEN kind = 'construction' THEN starts_on END) AS starts, \
           MAX(CASE WHEN kind = 'construction' THEN ends_on END) AS ends \
           FROM contracts WHERE {scope} \
           GROUP BY project_id) c ON c.project_id = p.id \
         LEFT JOIN (SELECT project_id, CAST(SUM(amount_yuan) AS BIGINT) AS asked FROM project_payments \
           WHERE {scope} \
           AND state IN ('paid', 'reviewing') GROUP BY project_id) pay ON pay.project_id = p.id \
         LEFT JOIN (SELECT project_id, CAST(COUNT(*) AS BIGINT) AS n FROM obligations \
           WHERE {scope} AND status <> 'waived' \
           AND due_date IS NOT NULL AND due_date < $2 AND since_date <= $2 \
           AND (fulfilled_on IS NULL OR fulfilled_on > $2) AND (ended_on IS NULL OR ended_on > $2) \
           GROUP BY project_id) ob \
           ON ob.project_id = p.id \
         LEFT JOIN (SELECT project_id, MAX(id) AS id FROM project_ratings \
           WHERE {scope} GROUP BY project_id) gl \
           ON gl.project_id = p.id \
         LEFT JOIN project_ratings g ON g.id = gl.id \
         WHERE p.jurisdiction_id = $1 AND p.status = 'approved' AND ($3 = 0 OR p.id = $3) \
         AND NOT {terminated} \
         ORDER BY p.id",
        terminated = crate::base::TERMINATED
    )))
    .bind(j.0)
    .bind(on)
    .bind(only.map_or(0, |p| p.0))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let contracted: Option<i64> = r.try_get("contracted")?;
            let asked: Option<i64> = r.try_get("asked")?;
            let committed = contracted.unwrap_or(0).max(asked.unwrap_or(0));
            let period = match (day(r.try_get("starts")?), day(r.try_get("ends")?)) {
                (Some(s), Some(e)) => Some((s, e)),
                _ => None,
            };
            let basis = Basis {
                approved: Yuan(r.try_get("investment_yuan")?),
                committed: Yuan(committed),
                period,
                done: day(r.try_get("done")?),
                expected: day(r.try_get("expected")?),
                overdue: r.try_get::<Option<i64>, _>("overdue")?.unwrap_or(0),
            };
            let given = match (
                r.try_get::<Option<i64>, _>("given")?,
                r.try_get::<Option<i64>, _>("given_computed")?,
                day(r.try_get("rated_on")?),
            ) {
                (Some(l), Some(c), Some(on)) => {
                    Some(Given { level: level(l), computed: level(c), on })
                }
                _ => None,
            };
            Ok(Rated {
                project_id: r.try_get("id")?,
                project_name: r.try_get("name")?,
                department: r.try_get("department")?,
                rating: Rating::of(rating::compute(&basis, today), given, today),
            })
        })
        .collect()
}

/// A project's rating as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRating {
    /// None while the project is not approved, and once it is terminated (only approved
    /// projects under way or accepted are rated).
    pub rating: Option<Rating>,
    /// The ratings given, newest first.
    pub history: Vec<Kept>,
    /// Whether the reader may give one: they act for the authority on it, and it is approved.
    pub may_rate: bool,
    /// The latest rating's id the reader saw (0: none), sent back with a new one.
    pub seen: i64,
}

/// A jurisdiction's ratings, for the dashboard.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ratings {
    /// Approved projects by their rating now, 1 (高风险) to 5.
    pub by_level: Vec<(u8, i64)>,
    /// Given ratings now stale.
    pub stale: i64,
    /// Projects rated by the authority at all.
    pub given: i64,
    /// The projects at 1 or 2, lowest first (at most `cap`).
    pub at_risk: Vec<Rated>,
    pub at_risk_total: i64,
}

impl Store {
    /// The ratings given to project `p`, newest first (for its archive).
    pub async fn ratings_given(&self, p: ProjectId) -> Result<Vec<Kept>> {
        let mut conn = self.pool.acquire().await?;
        kept_of(&mut conn, p).await
    }

    /// The rating of project `p` (read by the caller) on the day of `who`'s instant.
    pub async fn project_rating(&self, who: Who<'_>, p: &Project) -> Result<ProjectRating> {
        let mut conn = self.pool.acquire().await?;
        let today = crate::china_today(who.now_ms);
        let history = kept_of(&mut conn, p.id).await?;
        let seen = history.first().map_or(0, |k| k.id);
        let approved = p.status == govit_core::project::ProjectStatus::Approved;
        let rating = if approved {
            rated(&mut conn, p.jurisdiction_id, today, Some(p.id)).await?.pop().map(|r| r.rating)
        } else {
            None
        };
        let parties = crate::projects::run::acting_parties(&mut conn, who.principal, p).await?;
        // A terminated project is rated no more (its ratings given stay in its history).
        let may_rate = rating.is_some() && parties.iter().any(|k| k == AUTHORITY);
        Ok(ProjectRating { rating, history, may_rate, seen })
    }

    /// The ratings of the approved projects of jurisdiction `j` on `today`, listing at most
    /// `cap` of those at risk.
    pub async fn ratings_of(
        &self, j: JurisdictionId, today: NaiveDate, cap: usize,
    ) -> Result<Ratings> {
        let mut conn = self.pool.acquire().await?;
        let all = rated(&mut conn, j, today, None).await?;
        let mut out = Ratings::default();
        let mut counts = [0i64; 5];
        for r in &all {
            if let Some(c) = counts.get_mut(usize::from(r.rating.level.saturating_sub(1))) {
                *c += 1;
            }
            if r.rating.given.is_some() {
                out.given += 1;
            }
            if r.rating.stale {
                out.stale += 1;
            }
        }
        out.by_level =
            (rating::LOWEST..=rating::HIGHEST).map(|l| (l, counts[usize::from(l - 1)])).collect();
        let mut risky: Vec<Rated> = all.into_iter().filter(|r| r.rating.level <= 2).collect();
        out.at_risk_total = risky.len() as i64;
        risky.sort_by_key(|r| (r.rating.level, r.project_id));
        risky.truncate(cap);
        out.at_risk = risky;
        Ok(out)
    }
}

/// The party that rates: the authority (政务信息化主管部门), as its evaluations are (gaoping:22).
pub(crate) const AUTHORITY: &str = "authority";
