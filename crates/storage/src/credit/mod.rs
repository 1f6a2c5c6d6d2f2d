//! 信用档案 as the store keeps it (issue 12 §7, linxiang:35): the misconduct of a firm or an
//! expert of a jurisdiction recorded under the profile's rule (`credit_records`), newest first,
//! read by everyone of the jurisdiction (the article has them 予以公布) and recorded by its
//! administrators, who keep its blacklist too. A record is never edited or removed. See `steps`.

mod steps;

pub use steps::RecordCredit;

use crate::base::change::{Record, Who};
use crate::{Result, Store};
use govit_core::credit::CreditSubject;
use govit_core::ids::JurisdictionId;
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// A record of a credit file, as read.
#[derive(Debug, Clone, Serialize)]
pub struct CreditRecord {
    pub id: i64,
    pub jurisdiction_id: JurisdictionId,
    pub subject: CreditSubject,
    pub subject_id: i64,
    /// The firm's or the expert's name.
    pub subject_name: String,
    pub project_id: Option<i64>,
    pub project_name: Option<String>,
    pub rule_id: String,
    pub cite: String,
    pub conduct: String,
    pub recorded_by: String,
    pub recorded_at_ms: i64,
    pub version: i64,
}

const SELECT: &str = "SELECT c.*, u.name AS recorded_by_name, p.name AS project_name, \
    COALESCE(f.name, e.name, '') AS subject_name FROM credit_records c \
    JOIN users u ON u.id = c.recorded_by \
    LEFT JOIN projects p ON p.id = c.project_id \
    LEFT JOIN firms f ON c.subject_kind = 'firm' AND f.id = c.subject_id \
    LEFT JOIN experts e ON c.subject_kind = 'expert' AND e.id = c.subject_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<CreditRecord> {
    let kind: String = r.try_get("subject_kind")?;
    Ok(CreditRecord {
        id: r.try_get("id")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        subject: CreditSubject::parse(&kind).unwrap_or(CreditSubject::Firm),
        subject_id: r.try_get("subject_id")?,
        subject_name: r.try_get("subject_name")?,
        project_id: r.try_get("project_id")?,
        project_name: r.try_get("project_name")?,
        rule_id: r.try_get("rule_id")?,
        cite: r.try_get("cite")?,
        conduct: r.try_get("conduct")?,
        recorded_by: r.try_get("recorded_by_name")?,
        recorded_at_ms: r.try_get("recorded_at_ms")?,
        version: r.try_get("version")?,
    })
}

impl Record for CreditRecord {
    const KIND: &'static str = "credit_record";
    type Carry = ();

    fn key(&self) -> (i64, i64) {
        (self.id, self.version)
    }
    async fn load(conn: &mut AnyConnection, _: Who<'_>, id: i64) -> Result<Option<Self>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1")))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        row.as_ref().map(from_row).transpose()
    }
    /// Seen by everyone of its jurisdiction (and the platform's administrators).
    async fn load_visible(conn: &mut AnyConnection, who: Who<'_>, id: i64) -> Result<Option<Self>> {
        let Some(r) = Self::load(conn, who, id).await? else { return Ok(None) };
        let p = who.principal;
        Ok((p.jurisdiction_id == r.jurisdiction_id || p.runs_platform()).then_some(r))
    }
    fn audit_view(&self) -> serde_json::Value {
        json!({"subject": self.subject, "subject_id": self.subject_id, "subject_name": self.subject_name,
               "project_id": self.project_id, "rule_id": self.rule_id, "cite": self.cite,
               "conduct": self.conduct})
    }
}

/// Whose credit file it is: a firm or an expert of a jurisdiction.
#[derive(Debug, Clone, Serialize)]
pub struct Holder {
    pub name: String,
    /// 承建单位, 监理单位 … for a firm; the employer for an expert.
    pub what: String,
    pub blacklisted: bool,
    pub blacklist_reason: String,
}

impl Store {
    /// The firm or expert `id` of jurisdiction `j`, if there is one.
    pub async fn credit_holder(
        &self, j: JurisdictionId, subject: CreditSubject, id: i64,
    ) -> Result<Option<Holder>> {
        let (sql, what) = match subject {
            CreditSubject::Firm => {
                ("SELECT name, kind AS what, blacklisted, blacklist_reason FROM firms", true)
            }
            CreditSubject::Expert => {
                ("SELECT name, employer AS what, blacklisted, blacklist_reason FROM experts", false)
            }
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{sql} WHERE id = $1 AND jurisdiction_id = $2"
        )))
        .bind(id)
        .bind(j.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let typed: String = r.try_get("what")?;
            Ok(Holder {
                name: r.try_get("name")?,
                what: match what {
                    true => govit_core::org::FirmKind::parse(&typed)
                        .map_or(typed, |k| k.label().to_string()),
                    false => format!("评审专家（{typed}）"),
                },
                blacklisted: r.try_get::<i64, _>("blacklisted")? != 0,
                blacklist_reason: r.try_get("blacklist_reason")?,
            })
        })
        .transpose()
    }

    /// The credit file of the firm or expert `id` of jurisdiction `j`, newest first, as `who`
    /// reads it: the project a record concerns is named only to those who see the project.
    pub async fn credit_records(
        &self, who: Who<'_>, j: JurisdictionId, subject: CreditSubject, id: i64,
    ) -> Result<Vec<CreditRecord>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE c.jurisdiction_id = $1 AND c.subject_kind = $2 AND c.subject_id = $3 \
             ORDER BY c.id DESC"
        )))
        .bind(j.0)
        .bind(subject.as_str())
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        for r in out.iter_mut() {
            if let Some(p) = r.project_id
                && crate::projects::Project::load_visible(&mut conn, who, p).await?.is_none()
            {
                r.project_name = None;
            }
        }
        Ok(out)
    }

    /// How many records each firm and expert of jurisdiction `j` has, by (kind, id).
    pub async fn credit_counts(
        &self, j: JurisdictionId,
    ) -> Result<HashMap<(CreditSubject, i64), i64>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT subject_kind, subject_id, CAST(COUNT(*) AS BIGINT) FROM credit_records \
             WHERE jurisdiction_id = $1 GROUP BY subject_kind, subject_id",
        )
        .bind(j.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, id, n)| Some(((CreditSubject::parse(&k)?, id), n)))
            .collect())
    }
}
