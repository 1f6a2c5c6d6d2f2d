//! Writing the audit chain: every change appends its record in its own transaction.

use crate::{Actor, Result};
use govit_core::audit::{self, AuditEvent, AuditRecord};
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
        object_type: &'a str, object_id: impl ToString, action: &'a str, detail: impl Into<String>,
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

/// Appends one record inside the caller's transaction. Appends queue for the head (its row
/// locked first on PostgreSQL; SQLite's one writer at a time), so the chain never forks.
pub(crate) async fn append(
    conn: &mut AnyConnection, actor: &Actor, now_ms: i64, change: Change<'_>,
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
    conn: &mut AnyConnection, actor: &Actor, now_ms: i64, changes: Vec<Change<'_>>,
) -> Result<i64> {
    let n = changes.len() as i64;
    // PostgreSQL: the head's row is locked first, so that concurrent appends queue for it.
    // SQLite runs one writer at a time: the head is read, and written once at the end.
    let locks = conn.backend_name() == "PostgreSQL";
    let row = if locks {
        sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, digest")
            .bind(n)
            .fetch_one(&mut *conn)
            .await?
    } else {
        sqlx::query("SELECT seq + $1 AS seq, digest FROM audit_head WHERE id = 1")
            .bind(n)
            .fetch_one(&mut *conn)
            .await?
    };
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
        let values = super::values_list(chunk.len(), 14);
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
    let head = if locks {
        sqlx::query("UPDATE audit_head SET digest = $1 WHERE id = 1").bind(prev_digest)
    } else {
        sqlx::query("UPDATE audit_head SET digest = $1, seq = $2 WHERE id = 1")
            .bind(prev_digest)
            .bind(last)
    };
    head.execute(&mut *conn).await?;
    Ok(last)
}
