//! govit's storage and application services.
//!
//! One SQL implementation over sqlx's `Any` driver serves SQLite and PostgreSQL: queries use
//! `$n` placeholders both understand, booleans are stored as 0/1 and instants as Unix
//! milliseconds, and dialect differences live only in `migrations/<backend>/`. Every
//! state-changing method writes its audit record in the same transaction as the change.

// The floor: imports no room.
pub mod base;

// The rooms, lowest first: a room may use the floor and the rooms listed above it, never one
// below (checked by `tests/it/layout.rs`).
pub mod acceptances;
pub mod accounts;
pub mod archives;
pub mod audit;
pub mod changes;
pub mod cloud;
pub mod contracts;
pub mod credit;
pub mod dashboard;
pub mod decisions;
pub mod materials;
pub mod oc4ids;
pub mod org;
pub mod panels;
pub mod payments;
pub mod plans;
pub mod progress;
pub mod projects;
pub mod ratings;
pub mod reviews;
pub mod rules;
pub mod sanctions;
pub mod search;
pub mod seed;
pub mod submissions;
pub mod systems;
pub mod todo;

pub use base::change::{At, Changed, Cx, Decided, Record, Reindex, Step, Target, Who, Written};
pub use base::direct::install_drivers;
pub use base::{Page, Paged, china_today};
pub(crate) use base::{Param, Where, WriteTx, bind_all, like_pattern, values_list, visible_where};

use govit_core::DomainError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub use sqlx;

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Config(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who acts, from where: the identity written into audit records.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub login: String,
    pub ip: String,
}

impl Actor {
    /// The operator at the command line.
    pub fn cli(login: &str) -> Actor {
        Actor { user_id: None, login: format!("cli:{login}"), ip: "local".into() }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer: its lock, taken before a write transaction, avoids
    /// lock-upgrade failures between concurrent deferred transactions, and writers queued on
    /// it commit as a group (`base::write`). Its one connection runs its statements on the
    /// writing task's own thread (`base::direct`). On PostgreSQL, writes take connections
    /// of the pool.
    writer: Option<Arc<base::write::Writer>>,
    /// The calendar and profiles in force.
    rules: Arc<std::sync::RwLock<Arc<rules::Rules>>>,
    /// Where a project's derived facts come from: rooms above `projects` add theirs here
    /// (the cloud catalog's common capabilities), so `projects` never imports them.
    fact_sources: Arc<Vec<Box<dyn projects::FactSource>>>,
    /// What rooms above `projects` check before a step is passed (the materials handed in).
    pass_checks: Arc<Vec<Box<dyn projects::PassCheck>>>,
    /// What rooms above `projects` add to an act as it is written (its signature).
    act_hooks: Arc<Vec<Box<dyn projects::ActHook>>>,
    /// The kinds of record whose runs go beside a project's path, read without their types
    /// (the decisions room checks the signed decisions of each).
    subject_kinds: Arc<Vec<Box<dyn projects::run::subject::SubjectKind>>>,
    /// Bumped by every committed write, so that what is derived from the data (the
    /// navigation's counts) knows when it may have changed.
    writes: Arc<std::sync::atomic::AtomicU64>,
    /// Each user's 待办 counts, valid while no write has committed since (and briefly, for
    /// writes by other processes).
    todo_cache: Arc<todo::TodoCache>,
    /// List counts, valid like `todo_cache`.
    counts: Arc<base::CountCache>,
    /// Where the bytes of materials are kept (set once at start: `use_files`).
    files: Arc<std::sync::OnceLock<Arc<materials::FileStore>>>,
    /// The platform's SM2 signer, which signs each decision for its user (set once at start:
    /// `use_signer`; without one, decisions are kept unsigned and verification says so).
    signer: Arc<std::sync::OnceLock<Arc<dyn govit_core::crypto::Signer>>>,
    /// The signer is making parts of coming signatures ahead (see `prepare_signatures`).
    preparing: Arc<std::sync::atomic::AtomicBool>,
}

/// The SQLite database file inside a data directory.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("govit.db").display())
}

impl Store {
    /// Connects to `postgres://…` or `sqlite://…` and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        base::direct::install_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Config(format!(
                "不支持的数据库地址：{url}（应以 postgres:// 或 sqlite:// 开头）"
            )));
        };
        // With GOVIT_LOG_SQL set, every statement is logged (at debug, target `sqlx::query`):
        // a diagnosis, at a cost to each statement; otherwise none is.
        let logged = |options: AnyConnectOptions| match std::env::var_os("GOVIT_LOG_SQL") {
            Some(_) => options,
            None => options.disable_statement_logging(),
        };
        let options = logged(AnyConnectOptions::from_str(url)?);
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    // A file on this machine does not drop a connection: no ping before each use.
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::raw_sql(
                                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                                 PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
                                 PRAGMA mmap_size = 268435456; PRAGMA cache_size = -16000;",
                            )
                            .execute(conn)
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        // One writer at a time: one connection, its own, opened at the first write (after the
        // migrations), whose page cache no other connection's writes make it drop.
        let writer = match backend {
            Backend::Sqlite => Some(Arc::new(base::write::Writer::new(logged(
                AnyConnectOptions::from_str(&base::direct::url_for(url))?,
            )))),
            Backend::Postgres => None,
        };
        let store = Store {
            pool,
            backend,
            writer,
            rules: Arc::new(std::sync::RwLock::new(Arc::new(rules::Rules::builtin()))),
            fact_sources: Arc::new(vec![
                Box::new(projects::links::LinkFacts),
                Box::new(cloud::CommonCapabilityFacts),
                Box::new(contracts::ContractFacts),
                Box::new(changes::ChangeFacts),
                Box::new(progress::DelayFacts),
                Box::new(acceptances::AcceptanceFacts),
                Box::new(sanctions::MeasureFacts),
            ]),
            pass_checks: Arc::new(vec![
                Box::new(materials::MaterialsHandedIn),
                Box::new(reviews::OpinionBeforePass),
            ]),
            act_hooks: Arc::new(vec![Box::new(decisions::SignDecisions)]),
            subject_kinds: Arc::new({
                use projects::run::subject::KindOf;
                vec![
                    KindOf::<contracts::Contract>::boxed(),
                    KindOf::<changes::Change>::boxed(),
                    KindOf::<progress::Report>::boxed(),
                    KindOf::<acceptances::Acceptance>::boxed(),
                    KindOf::<payments::Payment>::boxed(),
                    KindOf::<submissions::Submission>::boxed(),
                ]
            }),
            writes: Arc::default(),
            todo_cache: Arc::default(),
            counts: Arc::default(),
            files: Arc::default(),
            signer: Arc::default(),
            preparing: Arc::default(),
        };
        base::migrate::run(&store).await?;
        if backend == Backend::Sqlite {
            // Statistics for the query planner, gathered where tables have grown (SQLite's
            // advice for long-lived connections; quick when nothing changed).
            sqlx::raw_sql("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")
                .execute(&store.pool)
                .await?;
        }
        store.reload_calendar().await?;
        Ok(store)
    }

    /// The platform signer's public key and SM2 signature over `message`, in hex; both empty
    /// when no key is configured (a decision is then kept unsigned, and verification says so).
    pub(crate) fn sign_hex(&self, message: &str) -> Result<(String, String)> {
        match self.signer.get() {
            Some(s) => {
                let sig = s
                    .sign(message.as_bytes())
                    .map_err(|e| StoreError::Config(format!("决定签名失败：{e}")))?;
                self.prepare_signatures();
                Ok((hex::encode(s.public_key()), hex::encode(sig)))
            }
            None => Ok((String::new(), String::new())),
        }
    }

    /// Has the signer make the parts of coming signatures that need no message (an SM2
    /// nonce and its point) ahead, on one of the runtime's blocking threads, one run at a
    /// time and only when what was made runs low: a decision's signature, made inside its
    /// write while other writers wait, is then quick.
    pub(crate) fn prepare_signatures(&self) {
        use std::sync::atomic::Ordering;
        let (Some(signer), Ok(rt)) = (self.signer.get(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        if !signer.needs_preparing() || self.preparing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (signer, preparing) = (signer.clone(), self.preparing.clone());
        rt.spawn_blocking(move || {
            while signer.prepare() {}
            preparing.store(false, Ordering::Release);
        });
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Answers only when the database does.
    /// A consistent copy of a SQLite database in a new file, taken in one read transaction
    /// while writers go on (`VACUUM INTO`).
    pub async fn backup_to(&self, file: &Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Config("backup_to copies SQLite databases only".into()));
        }
        sqlx::query("VACUUM INTO $1").bind(file.display().to_string()).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn health(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// How many changes may share one commit on SQLite (1: each its own; 64 at most, and by
    /// default): for measuring what group commit brings (`cargo bench --bench transitions`).
    pub fn limit_groups(&self, max: usize) {
        if let Some(w) = &self.writer {
            w.limit_groups(max);
        }
    }

    /// Begins a write transaction, serialized on SQLite (and committed with the writers
    /// queued behind it).
    pub(crate) async fn write(&self) -> Result<WriteTx<'_>> {
        base::write::begin(&self.pool, self.writer.as_deref(), &self.writes).await
    }

    /// Runs one statement in a write transaction of its own.
    pub(crate) async fn write_one(
        &self, q: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> Result<()> {
        let mut w = self.write().await?;
        q.execute(&mut *w.tx).await?;
        w.commit().await
    }
}
