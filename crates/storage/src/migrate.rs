//! Embedded migrations, one folder per backend, applied in order on start.

use crate::{Backend, Result, Store};
use sqlx::AssertSqlSafe;

struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("../migrations/sqlite/0002_calendar.sql"),
        postgres: include_str!("../migrations/postgres/0002_calendar.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("../migrations/sqlite/0003_obligations.sql"),
        postgres: include_str!("../migrations/postgres/0003_obligations.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("../migrations/sqlite/0004_notices.sql"),
        postgres: include_str!("../migrations/postgres/0004_notices.sql"),
    },
    Migration {
        version: 5,
        sqlite: include_str!("../migrations/sqlite/0005_systems.sql"),
        postgres: include_str!("../migrations/postgres/0005_systems.sql"),
    },
    Migration {
        version: 6,
        sqlite: include_str!("../migrations/sqlite/0006_project_systems.sql"),
        postgres: include_str!("../migrations/postgres/0006_project_systems.sql"),
    },
    Migration {
        version: 7,
        sqlite: include_str!("../migrations/sqlite/0007_cloud.sql"),
        postgres: include_str!("../migrations/postgres/0007_cloud.sql"),
    },
];

pub(crate) async fn run(store: &Store) -> Result<()> {
    let mut w = store.write().await?;
    if store.backend == Backend::Postgres {
        // Two servers starting at once must not both migrate.
        sqlx::query("SELECT pg_advisory_xact_lock(7202505)")
            .execute(&mut *w.tx)
            .await?;
    }
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)",
    )
    .execute(&mut *w.tx)
    .await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *w.tx)
        .await?;
    for m in MIGRATIONS {
        if applied.contains(&m.version) {
            continue;
        }
        let sql = match store.backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)")
            .bind(m.version)
            .bind(chrono::Utc::now().timestamp_millis())
            .execute(&mut *w.tx)
            .await?;
        tracing::info!(version = m.version, "applied migration");
    }
    w.commit().await
}
