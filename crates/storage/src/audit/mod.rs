//! Searching and verifying the audit chain (the auditor's room); appending is in
//! `base::audit_log`, on every change path.

pub mod checkpoints;

pub use crate::base::audit_log::Change;
use crate::base::audit_log::append;
use crate::base::{Page, Paged, Param, Where};
use crate::{Actor, Result, Store};
use govit_core::audit::checkpoint::Checkpoint;
use govit_core::audit::{AuditEvent, AuditRecord, ChainBreak, ChainReport, ChainVerifier};
use sqlx::{AssertSqlSafe, Row};

/// Filters of the auditor's search page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// Part of the actor's login or name.
    pub actor: String,
    /// Part of the name of the actor's unit (department or firm).
    pub unit: String,
    /// An action code, exactly.
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

/// The search's rows: the log joined with who the actor is.
const SEARCH_FROM: &str = "FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
                           LEFT JOIN departments d ON d.id = u.department_id \
                           LEFT JOIN firms f ON f.id = u.firm_id";

/// An audit record as the auditor reads it: with the actor's name and unit as they are now.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub record: AuditRecord,
    /// Empty for an anonymous or command-line actor.
    pub actor_name: String,
    /// The actor's department or firm; empty when none.
    pub actor_unit: String,
}

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
        &self, actor: &Actor, now_ms: i64, object_type: &str, object_id: &str, action: &str,
        detail: &str,
    ) -> Result<i64> {
        self.audit(actor, now_ms, Change::refused(object_type, object_id, action, detail)).await
    }

    /// The records matching `f`, newest first, with each actor's name and unit.
    pub async fn search_audit(&self, f: &AuditFilter, page: Page) -> Result<Paged<AuditEntry>> {
        let mut w = Where::default();
        let text = |s: &str| Param::Text(s.trim().to_string());
        w.keyword(&f.actor, &["a.actor_login", "u.name"]);
        w.keyword(&f.unit, &["d.name", "f.name"]);
        let exact = [
            ("a.action", &f.action),
            ("a.object_type", &f.object_type),
            ("a.object_id", &f.object_id),
            ("a.result", &f.result),
            ("a.ip", &f.ip),
        ];
        for (column, value) in exact {
            if !value.trim().is_empty() {
                w.and(&format!("{column} = ?"), vec![text(value)]);
            }
        }
        if let Some(from) = f.from_ms {
            w.and("a.at_ms >= ?", vec![Param::Int(from)]);
        }
        if let Some(to) = f.to_ms {
            w.and("a.at_ms <= ?", vec![Param::Int(to)]);
        }
        let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("a.{}", c.trim())).collect();
        let select = format!(
            "SELECT {}, COALESCE(u.name, '') AS actor_name, COALESCE(d.name, f.name, '') AS actor_unit {SEARCH_FROM}",
            columns.join(", ")
        );
        // The count joins the actors only when it filters by them.
        let count_from = if f.actor.trim().is_empty() && f.unit.trim().is_empty() {
            "FROM audit_log a"
        } else {
            SEARCH_FROM
        };
        self.fetch_page((&select, count_from), &w, "a.seq DESC", page, |row| {
            Ok(AuditEntry {
                record: record(row)?,
                actor_name: row.try_get("actor_name")?,
                actor_unit: row.try_get("actor_unit")?,
            })
        })
        .await
    }

    /// Walks the whole chain in pages of 1,000 and reports the first broken record.
    pub async fn verify_audit_chain(&self) -> Result<Result<ChainReport, ChainBreak>> {
        self.verify_audit_chain_against(Vec::new()).await
    }

    /// As [`Store::verify_audit_chain`], and the chain must agree with every signed
    /// checkpoint.
    pub async fn verify_audit_chain_against(
        &self, checkpoints: Vec<Checkpoint>,
    ) -> Result<Result<ChainReport, ChainBreak>> {
        let mut verifier = ChainVerifier::with_checkpoints(checkpoints);
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
        let (head_seq, head_digest) = self.audit_head().await?;
        Ok(verifier.finish(head_seq, &head_digest))
    }
}
