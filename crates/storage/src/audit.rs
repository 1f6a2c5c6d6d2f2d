//! Appending to, searching and verifying the audit chain.

use crate::{Actor, Page, Paged, Param, Result, Store, Where, like_pattern};
use govit_core::audit::{self, AuditEvent, AuditRecord, ChainBreak, ChainVerifier};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

/// What a change looked like, for the audit record.
pub struct Change<'a> {
    pub object_type: &'a str,
    pub object_id: String,
    pub action: &'a str,
    pub before: String,
    pub after: String,
    pub result: &'a str,
    pub detail: String,
}

impl<'a> Change<'a> {
    pub fn ok(object_type: &'a str, object_id: impl ToString, action: &'a str) -> Self {
        Change {
            object_type,
            object_id: object_id.to_string(),
            action,
            before: String::new(),
            after: String::new(),
            result: audit::outcome::OK,
            detail: String::new(),
        }
    }
    pub fn refused(
        object_type: &'a str,
        object_id: impl ToString,
        action: &'a str,
        detail: impl Into<String>,
    ) -> Self {
        Change {
            result: audit::outcome::REFUSED,
            detail: detail.into(),
            ..Change::ok(object_type, object_id, action)
        }
    }
    pub fn before(mut self, v: &impl serde::Serialize) -> Self {
        self.before = serde_json::to_string(v).unwrap_or_default();
        self
    }
    pub fn after(mut self, v: &impl serde::Serialize) -> Self {
        self.after = serde_json::to_string(v).unwrap_or_default();
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }
}

/// Appends one record inside the caller's transaction. Locking the head row first makes
/// concurrent appends queue up, so the chain never forks.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    change: Change<'_>,
) -> Result<i64> {
    append_all(conn, actor, now_ms, vec![change]).await
}

/// Rows per multi-row INSERT: 14 parameters each stays far below SQLite's and PostgreSQL's
/// limits on bound parameters.
const INSERT_CHUNK: usize = 500;

/// Appends records in order inside the caller's transaction, as [`append`] would one by
/// one, but with one head update and multi-row inserts (a bulk import writes thousands).
/// Returns the last sequence number.
pub(crate) async fn append_all(
    conn: &mut AnyConnection,
    actor: &Actor,
    now_ms: i64,
    changes: Vec<Change<'_>>,
) -> Result<i64> {
    let n = changes.len() as i64;
    let row =
        sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, digest")
            .bind(n)
            .fetch_one(&mut *conn)
            .await?;
    let last: i64 = row.try_get("seq")?;
    let mut prev_seq = last - n;
    let mut prev_digest: String = row.try_get("digest")?;
    if changes.is_empty() {
        return Ok(last);
    }
    let records: Vec<AuditRecord> = changes
        .into_iter()
        .map(|change| {
            let event = AuditEvent {
                at_ms: now_ms,
                actor_id: actor.user_id,
                actor_login: actor.login.clone(),
                ip: actor.ip.clone(),
                object_type: change.object_type.to_string(),
                object_id: change.object_id,
                action: change.action.to_string(),
                before: change.before,
                after: change.after,
                result: change.result.to_string(),
                detail: change.detail,
            };
            let rec = audit::chain(prev_seq, &prev_digest, event);
            prev_seq = rec.seq;
            prev_digest.clone_from(&rec.digest);
            rec
        })
        .collect();
    for chunk in records.chunks(INSERT_CHUNK) {
        let values = crate::values_list(chunk.len(), 14);
        let sql = format!(
            "INSERT INTO audit_log (seq, at_ms, actor_id, actor_login, ip, object_type, object_id, action, \
             before_json, after_json, result, detail, prev_digest, digest) VALUES {values}"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for rec in chunk {
            let e = &rec.event;
            q = q
                .bind(rec.seq)
                .bind(e.at_ms)
                .bind(e.actor_id)
                .bind(e.actor_login.clone())
                .bind(e.ip.clone())
                .bind(e.object_type.clone())
                .bind(e.object_id.clone())
                .bind(e.action.clone())
                .bind(e.before.clone())
                .bind(e.after.clone())
                .bind(e.result.clone())
                .bind(e.detail.clone())
                .bind(rec.prev_digest.clone())
                .bind(rec.digest.clone());
        }
        q.execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE audit_head SET digest = $1 WHERE id = 1")
        .bind(prev_digest)
        .execute(&mut *conn)
        .await?;
    Ok(last)
}

/// Filters of the auditor's search page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub result: String,
    pub ip: String,
    /// Inclusive bounds in Unix milliseconds.
    #[serde(skip)]
    pub from_ms: Option<i64>,
    #[serde(skip)]
    pub to_ms: Option<i64>,
}

const COLUMNS: &str = "seq, at_ms, actor_id, actor_login, ip, object_type, object_id, action, \
                       before_json, after_json, result, detail, prev_digest, digest";

fn record(row: &sqlx::any::AnyRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: row.try_get("seq")?,
        event: AuditEvent {
            at_ms: row.try_get("at_ms")?,
            actor_id: row.try_get("actor_id")?,
            actor_login: row.try_get("actor_login")?,
            ip: row.try_get("ip")?,
            object_type: row.try_get("object_type")?,
            object_id: row.try_get("object_id")?,
            action: row.try_get("action")?,
            before: row.try_get("before_json")?,
            after: row.try_get("after_json")?,
            result: row.try_get("result")?,
            detail: row.try_get("detail")?,
        },
        prev_digest: row.try_get("prev_digest")?,
        digest: row.try_get("digest")?,
    })
}

impl Store {
    /// Appends a record on its own (a login, a refusal), outside any business change.
    pub async fn audit(&self, actor: &Actor, now_ms: i64, change: Change<'_>) -> Result<i64> {
        let mut w = self.write().await?;
        let seq = append(&mut w.tx, actor, now_ms, change).await?;
        w.commit().await?;
        Ok(seq)
    }

    /// Records a refused access (wrong scope, wrong role, bad CSRF token).
    pub async fn audit_refusal(
        &self,
        actor: &Actor,
        now_ms: i64,
        object_type: &str,
        object_id: &str,
        action: &str,
        detail: &str,
    ) -> Result<i64> {
        self.audit(
            actor,
            now_ms,
            Change::refused(object_type, object_id, action, detail),
        )
        .await
    }

    pub async fn search_audit(&self, f: &AuditFilter, page: Page) -> Result<Paged<AuditRecord>> {
        let mut w = Where::default();
        let text = |s: &str| Param::Text(s.trim().to_string());
        if !f.actor.trim().is_empty() {
            w.and(
                "actor_login LIKE ? ESCAPE '\\'",
                vec![Param::Text(like_pattern(f.actor.trim()))],
            );
        }
        if !f.action.trim().is_empty() {
            w.and(
                "action LIKE ? ESCAPE '\\'",
                vec![Param::Text(like_pattern(f.action.trim()))],
            );
        }
        if !f.object_type.trim().is_empty() {
            w.and("object_type = ?", vec![text(&f.object_type)]);
        }
        if !f.object_id.trim().is_empty() {
            w.and("object_id = ?", vec![text(&f.object_id)]);
        }
        if !f.result.trim().is_empty() {
            w.and("result = ?", vec![text(&f.result)]);
        }
        if !f.ip.trim().is_empty() {
            w.and("ip = ?", vec![text(&f.ip)]);
        }
        if let Some(from) = f.from_ms {
            w.and("at_ms >= ?", vec![Param::Int(from)]);
        }
        if let Some(to) = f.to_ms {
            w.and("at_ms <= ?", vec![Param::Int(to)]);
        }
        let select = format!("SELECT {COLUMNS} FROM audit_log");
        self.fetch_page((&select, "FROM audit_log"), &w, "seq DESC", page, record)
            .await
    }

    /// Walks the whole chain in pages of 1,000 and reports the first broken record.
    pub async fn verify_audit_chain(&self) -> Result<Result<u64, ChainBreak>> {
        let mut verifier = ChainVerifier::new();
        let mut after: i64 = 0;
        loop {
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000"
            )))
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let r = record(row)?;
                if let Err(b) = verifier.check(&r) {
                    return Ok(Err(b));
                }
                after = r.seq;
            }
        }
        let head = sqlx::query("SELECT seq, digest FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let head_seq: i64 = head.try_get("seq")?;
        let head_digest: String = head.try_get("digest")?;
        Ok(verifier.finish(head_seq, &head_digest))
    }
}
