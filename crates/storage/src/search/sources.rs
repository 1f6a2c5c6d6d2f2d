//! What the duplicate-check index is built from: every system and project, and the catch-up
//! with changes made elsewhere.

use crate::{Result, Store};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

/// What the duplicate check indexes: every system and project of every jurisdiction as
/// (kind, id, jurisdiction, name, description).
#[derive(Debug, Clone)]
pub struct SearchSource {
    pub is_system: bool,
    pub id: i64,
    pub jurisdiction_id: i64,
    pub name: String,
    pub text: String,
}

impl SearchSource {
    fn from_row(is_system: bool, r: &AnyRow) -> Result<SearchSource> {
        Ok(SearchSource {
            is_system,
            id: r.try_get("id")?,
            jurisdiction_id: r.try_get("jurisdiction_id")?,
            name: r.try_get("name")?,
            text: r.try_get("text")?,
        })
    }
}

impl Store {
    /// The index entries of some catalog systems (after an import).
    pub async fn system_search_sources(&self, ids: &[i64]) -> Result<Vec<SearchSource>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!(
                "SELECT id, jurisdiction_id, name, function_summary AS text FROM info_systems WHERE id IN ({list})"
            );
            for r in sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await? {
                out.push(SearchSource::from_row(true, &r)?);
            }
        }
        Ok(out)
    }

    /// Every system and project changed at or after `since_ms` (all of them for 0), with the
    /// latest change time seen, so a running server can catch up with changes made elsewhere
    /// (the CLI's imports).
    pub async fn search_sources(&self, since_ms: i64) -> Result<(Vec<SearchSource>, i64)> {
        let mut out = Vec::new();
        let mut latest = since_ms;
        for (is_system, sql) in [
            (
                true,
                "SELECT id, jurisdiction_id, name, function_summary AS text, updated_at_ms FROM info_systems WHERE updated_at_ms >= $1",
            ),
            (
                false,
                "SELECT id, jurisdiction_id, name, summary AS text, updated_at_ms FROM projects WHERE updated_at_ms >= $1",
            ),
        ] {
            for r in sqlx::query(sql).bind(since_ms).fetch_all(&self.pool).await? {
                latest = latest.max(r.try_get("updated_at_ms")?);
                out.push(SearchSource::from_row(is_system, &r)?);
            }
        }
        Ok((out, latest))
    }

    /// The index entry of the record a change touched.
    pub async fn search_source(&self, r: crate::Reindex) -> Result<Option<SearchSource>> {
        let (is_system, sql, id) = match r {
            crate::Reindex::System(id) => (
                true,
                "SELECT id, jurisdiction_id, name, function_summary AS text FROM info_systems WHERE id = $1",
                id,
            ),
            crate::Reindex::Project(id) => (
                false,
                "SELECT id, jurisdiction_id, name, summary AS text FROM projects WHERE id = $1",
                id,
            ),
        };
        let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| SearchSource::from_row(is_system, &r)).transpose()
    }
}
