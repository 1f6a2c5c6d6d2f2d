//! The working-day calendar as the server uses it: the built-in schedule with imported
//! years laid over it.

use crate::base::audit_log::{Change, append};
use crate::{Actor, Result, Store};
use govit_core::DomainError;
use govit_core::calendar::{Calendar, YearSchedule};
use sqlx::Row;

/// Which years are imported, and when: `imported:2026@1700000000000;2027@…` (never empty,
/// unlike the stamp of the built-in rules, so that the first check always loads).
pub(super) async fn stamp(conn: &mut sqlx::AnyConnection) -> Result<String> {
    let rows = sqlx::query("SELECT year, imported_at_ms FROM calendar_years ORDER BY year")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(format!(
            "{}@{}",
            r.try_get::<i64, _>("year")?,
            r.try_get::<i64, _>("imported_at_ms")?
        ));
    }
    Ok(format!("imported:{}", out.join(";")))
}

/// The built-in schedule with every imported year in place of its built-in one.
pub(super) async fn load(conn: &mut sqlx::AnyConnection) -> Result<Calendar> {
    let rows = sqlx::query("SELECT schedule_json FROM calendar_years ORDER BY year")
        .fetch_all(&mut *conn)
        .await?;
    let mut years = Vec::new();
    for r in rows {
        let json: String = r.try_get("schedule_json")?;
        match serde_json::from_str::<YearSchedule>(&json) {
            Ok(y) => years.push(y),
            Err(e) => tracing::error!(error = %e, "unreadable imported calendar year skipped"),
        }
    }
    Ok(Calendar::builtin().with_years(years))
}

impl Store {
    /// The built-in schedule with every imported year in place of its built-in one.
    pub async fn calendar(&self) -> Result<Calendar> {
        let mut conn = self.pool.acquire().await?;
        load(&mut conn).await
    }

    /// Imports whole years from a calendar file (a new year, or an amendment that restates a
    /// year). Each year replaces the one before it; the change is audited with both versions.
    pub async fn import_calendar(
        &self, actor: &Actor, now_ms: i64, text: &str,
    ) -> Result<Vec<i32>> {
        let years = govit_core::calendar::parse_schedules(text).map_err(|errs| {
            DomainError::Invalid(
                errs.into_iter().map(|m| govit_core::FieldError::new("file", m)).collect(),
            )
        })?;
        let before = self.calendar().await?;
        let mut w = self.write().await?;
        let mut imported = Vec::new();
        for y in &years {
            let json =
                serde_json::to_string(y).map_err(|e| crate::StoreError::Config(e.to_string()))?;
            sqlx::query("DELETE FROM calendar_years WHERE year = $1")
                .bind(i64::from(y.year))
                .execute(&mut *w.tx)
                .await?;
            sqlx::query(
                "INSERT INTO calendar_years (year, schedule_json, imported_at_ms, imported_by) VALUES ($1, $2, $3, $4)",
            )
            .bind(i64::from(y.year))
            .bind(json)
            .bind(now_ms)
            .bind(actor.login.clone())
            .execute(&mut *w.tx)
            .await?;
            let mut change = Change::ok("calendar_year", y.year, "calendar.import")
                .after(y)
                .detail(y.notices.iter().map(|n| n.number.as_str()).collect::<Vec<_>>().join("、"));
            if let Some(old) = before.schedule(y.year) {
                change = change.before(old);
            }
            append(&mut w.tx, actor, now_ms, change).await?;
            imported.push(y.year);
        }
        w.commit().await?;
        Ok(imported)
    }
}
