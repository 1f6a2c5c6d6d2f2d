//! The facts reviewers have established (认定) on a project, with their basis, for the pages
//! and the API that show them.

use super::*;
use crate::Who;
use govit_core::policy::Fact;

/// A fact as established: its value, its basis and who found it when.
#[derive(Debug, Clone, Serialize)]
pub struct FactRecord {
    pub fact: Fact,
    pub value: i64,
    /// The written basis; empty for findings made before bases were kept.
    pub basis: String,
    /// The materials of the declaration it relied on: (document id, its name in the profile).
    pub materials: Vec<(String, String)>,
    /// Who established it, when known.
    pub established_by: Option<String>,
    pub established_at_ms: Option<i64>,
}

impl Store {
    /// The facts established on a project, in the vocabulary's order, for a caller who may
    /// see it. Derived facts (counted from events) are not among them.
    pub async fn established_facts(&self, who: Who<'_>, id: ProjectId) -> Result<Vec<FactRecord>> {
        let p = self.read::<Project>(who, id.0).await?;
        let rules = self.rules();
        let profile = rules.profile(&p.profile_id);
        let named = |ids: &str| -> Vec<(String, String)> {
            ids.split(',')
                .filter(|m| !m.is_empty())
                .map(|m| {
                    let doc = profile.and_then(|x| x.documents.iter().find(|d| d.id == m));
                    (m.to_string(), doc.map_or_else(|| m.to_string(), |d| d.name.clone()))
                })
                .collect()
        };
        let rows = sqlx::query(
            "SELECT f.fact, f.value, f.basis, f.materials, f.established_at_ms, u.name \
             FROM project_facts f \
             LEFT JOIN users u ON u.id = f.established_by WHERE f.project_id = $1",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let Some(fact) = Fact::parse(&r.try_get::<String, _>("fact")?) else { continue };
            if fact.is_derived() {
                continue;
            }
            out.push(FactRecord {
                fact,
                value: r.try_get("value")?,
                basis: r.try_get("basis")?,
                materials: named(&r.try_get::<String, _>("materials")?),
                established_by: r.try_get("name")?,
                established_at_ms: r.try_get("established_at_ms")?,
            });
        }
        out.sort_by_key(|f| Fact::ALL.iter().position(|x| *x == f.fact));
        Ok(out)
    }

    /// Every fact of a project the caller may see as the rules read it now: those its
    /// declaration implies, those derived from its events and records (合同备案, the contract's
    /// O&M years …) and the reviewers' findings.
    pub async fn current_facts(&self, who: Who<'_>, id: ProjectId) -> Result<Facts> {
        let p = self.read::<Project>(who, id.0).await?;
        let mut conn = self.pool.acquire().await?;
        self.facts_of(&mut conn, &p).await
    }
}
