//! govit's storage and application services.
//!
//! One SQL implementation over sqlx's `Any` driver serves SQLite and PostgreSQL: queries use
//! `$n` placeholders both understand, booleans are stored as 0/1 and instants as Unix
//! milliseconds, and dialect differences live only in `migrations/<backend>/`. Every
//! state-changing method writes its audit record in the same transaction as the change.

pub mod audit;
pub mod calendar;
pub mod cloud;
pub mod demo;
mod migrate;
pub mod obligations;
pub mod org;
pub mod project_systems;
pub mod projects;
pub mod rules;
pub mod search;
pub mod synthetic;
pub mod systems;
pub mod users;

use govit_core::DomainError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Row};
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
        Actor {
            user_id: None,
            login: format!("cli:{login}"),
            ip: "local".into(),
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer; taking this lock before a write transaction avoids
    /// lock-upgrade failures between concurrent deferred transactions.
    write_lock: Option<Arc<tokio::sync::Mutex<()>>>,
    /// The calendar and profiles in force.
    rules: Arc<std::sync::RwLock<Arc<rules::Rules>>>,
}

/// The SQLite database file inside a data directory.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("govit.db").display())
}

impl Store {
    /// Connects to `postgres://…` or `sqlite://…` and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Config(format!(
                "不支持的数据库地址：{url}（应以 postgres:// 或 sqlite:// 开头）"
            )));
        };
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::raw_sql(
                                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
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
        let store = Store {
            pool,
            backend,
            write_lock: (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(()))),
            rules: Arc::new(std::sync::RwLock::new(Arc::new(rules::Rules::builtin()))),
        };
        migrate::run(&store).await?;
        store.reload_calendar().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Answers only when the database does.
    pub async fn health(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a write transaction, serialized on SQLite.
    pub(crate) async fn write(&self) -> Result<WriteTx<'_>> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, _guard: guard })
    }
}

pub(crate) struct WriteTx<'a> {
    pub tx: sqlx::Transaction<'static, sqlx::Any>,
    _guard: Option<tokio::sync::MutexGuard<'a, ()>>,
}

impl WriteTx<'_> {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// A page request: 1-based page number and page size.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    pub fn new(number: i64, size: i64) -> Page {
        Page {
            number: number.max(1),
            size: size.clamp(1, 200),
        }
    }
    pub fn offset(&self) -> i64 {
        (self.number - 1) * self.size
    }
}

/// One page of results and the total count behind it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.page_size - 1) / self.page_size).max(1)
    }
}

impl Store {
    /// How many rows `from` (a `FROM … JOIN …` clause) holds under the filter.
    pub(crate) async fn count_where(&self, from: &str, w: &Where) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) AS n {from}{}", w.sql());
        Ok(bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.params)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// One page of `select` (columns and `FROM` clause) under the filter in `order`, with
    /// the total counted over `count_from`.
    pub(crate) async fn fetch_page<T>(
        &self,
        (select, count_from): (&str, &str),
        w: &Where,
        order: &str,
        page: Page,
        item: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
    ) -> Result<Paged<T>> {
        let total = self.count_where(count_from, w).await?;
        let sql = format!(
            "{select}{} ORDER BY {order} LIMIT {} OFFSET {}",
            w.sql(),
            page.size,
            page.offset()
        );
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.params)
            .fetch_all(&self.pool)
            .await?;
        Ok(Paged {
            items: rows.iter().map(item).collect::<Result<_>>()?,
            total,
            page: page.number,
            page_size: page.size,
        })
    }
}

/// A bound parameter of dynamically assembled SQL.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Int(i64),
    Text(String),
}

/// Assembles a WHERE clause with `$n` placeholders from fixed fragments and bound values.
#[derive(Debug, Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    pub params: Vec<Param>,
}

impl Where {
    /// Adds a clause; each `?` in `fragment` becomes the next `$n`.
    pub fn and(&mut self, fragment: &str, params: Vec<Param>) {
        let mut out = String::new();
        let mut it = params.into_iter();
        for ch in fragment.chars() {
            if ch == '?' {
                if let Some(p) = it.next() {
                    self.params.push(p);
                }
                out.push_str(&format!("${}", self.params.len()));
            } else {
                out.push(ch);
            }
        }
        self.clauses.push(out);
    }

    /// Only records of the department aliased `d` and the departments below it.
    pub fn within_department(&mut self, dept: govit_core::ids::DepartmentId) {
        self.and(
            "d.path LIKE (SELECT path FROM departments WHERE id = ?) || '%'",
            vec![Param::Int(dept.0)],
        );
    }

    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

pub(crate) fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    params: &[Param],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for p in params {
        q = match p {
            Param::Int(i) => q.bind(*i),
            Param::Text(s) => q.bind(s.clone()),
        };
    }
    q
}

/// The records a principal may see, as a filter to build on: those of their jurisdiction in
/// their data scope. `alias` is the table with `jurisdiction_id`, `owner_department_id` and
/// `created_by`, joined to its department as `d`. The SQL mirror of `Principal::can_see`,
/// used by every list.
pub(crate) fn visible_where(principal: &govit_core::org::Principal, alias: &str) -> Where {
    use govit_core::org::ScopeFilter;
    let mut w = Where::default();
    w.and(
        &format!("{alias}.jurisdiction_id = ?"),
        vec![Param::Int(principal.jurisdiction_id.0)],
    );
    match principal.scope_filter() {
        ScopeFilter::Everything => {}
        ScopeFilter::Departments(ids) if ids.is_empty() => w.and("1 = 0", vec![]),
        ScopeFilter::Departments(ids) => {
            let marks = vec!["?"; ids.len()].join(", ");
            w.and(
                &format!("{alias}.owner_department_id IN ({marks})"),
                ids.iter().map(|d| Param::Int(d.0)).collect(),
            );
        }
        ScopeFilter::PathPrefix(prefix) => w.and(
            "d.path LIKE ? ESCAPE '\\'",
            vec![Param::Text(format!(
                "{}%",
                like_pattern(&prefix).trim_matches('%')
            ))],
        ),
        ScopeFilter::CreatedBy(u) => {
            w.and(&format!("{alias}.created_by = ?"), vec![Param::Int(u.0)])
        }
        ScopeFilter::Nothing => w.and("1 = 0", vec![]),
    }
    w
}

/// The `VALUES` list of a multi-row INSERT: `rows` tuples of `columns` numbered parameters,
/// `($1, $2), ($3, $4)`.
pub(crate) fn values_list(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let p = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({p})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(crate) fn like_pattern(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_list_numbers_parameters_row_by_row() {
        assert_eq!(super::values_list(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::values_list(1, 1), "($1)");
    }
}
