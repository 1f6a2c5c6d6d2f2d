//! The gates of the project's profile in front of an action, and their enforcement.

use super::*;
use crate::Who;

impl Store {
    /// Every gate of the project's profile in front of `action`, with its outcome now:
    /// lhasa:7's two declarations a year, gaoping:10's catalog, yeji:24's sharing and crypto …
    /// under `facts` when the caller has read them.
    pub(crate) async fn gate_checks(
        &self, conn: &mut AnyConnection, p: &Project, action: GatedAction, facts: Option<&Facts>,
    ) -> Result<Vec<GateCheck>> {
        let rules = self.rules();
        let Some(profile) = rules.profile(&p.profile_id) else {
            return Ok(Vec::new());
        };
        let facts = match facts {
            Some(f) => f.clone(),
            None => self.facts_of(conn, p).await?,
        };
        let quota_gated = profile.gates.iter().any(|g| g.action == action && g.quota.is_some());
        if !quota_gated {
            return Ok(gate_report(profile, action, &facts, &|_| 0));
        }
        let year_prefix = format!("{:04}-%", p.declaration.period.start.year);
        let same_department_year: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM projects WHERE owner_department_id = $1 AND period_start LIKE $2 \
             AND status <> 'draft' AND id <> $3",
        )
        .bind(p.owner_department_id.0)
        .bind(year_prefix.clone())
        .bind(p.id.0)
        .fetch_one(&mut *conn)
        .await?;
        let same_jurisdiction_year: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM projects WHERE jurisdiction_id = $1 AND period_start LIKE $2 \
             AND status <> 'draft' AND id <> $3",
        )
        .bind(p.jurisdiction_id.0)
        .bind(year_prefix)
        .bind(p.id.0)
        .fetch_one(&mut *conn)
        .await?;
        let used = |q: &QuotaRule| match q.per {
            QuotaScope::DepartmentYear => same_department_year as u32,
            QuotaScope::JurisdictionYear => same_jurisdiction_year as u32,
        };
        Ok(gate_report(profile, action, &facts, &used))
    }

    /// The gates in front of an action on a project the user can see, for the reviewer's page.
    pub async fn project_gates(
        &self, who: Who<'_>, id: ProjectId, action: GatedAction,
    ) -> Result<Vec<GateCheck>> {
        let p = self.read::<Project>(who, id.0).await?;
        self.gates_of(&p, action).await
    }

    /// The gates of a project the caller has already read (and so may see).
    pub async fn gates_of(&self, p: &Project, action: GatedAction) -> Result<Vec<GateCheck>> {
        let mut conn = self.pool.acquire().await?;
        self.gate_checks(&mut conn, p, action, None).await
    }
}
