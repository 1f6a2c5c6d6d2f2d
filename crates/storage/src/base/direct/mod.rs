//! The SQLite writer's statements, run on the thread that runs the write.
//!
//! sqlx's SQLite driver runs each connection's statements on a thread of its own: every
//! statement is a hop to that thread and back, two thread wake-ups. A transition runs twenty-odd
//! statements, and on a small machine the wake-ups cost more than SQLite's own work
//! (`cargo bench --bench transitions`: half of all CPU in the kernel). This driver answers the
//! calls of sqlx's `Any` connection at once, on the caller's thread, over one rusqlite
//! connection — so the change path's code, written against `AnyConnection`, stays as it is,
//! and PostgreSQL keeps sqlx's driver. It serves the SQLite writer alone (one connection,
//! [`crate::Store::connect`]): its statements are short, while a reader's long query (a
//! dashboard's grouped read) stays on sqlx's own thread, off the async runtime. Its commits
//! write the log without flushing it (`synchronous = NORMAL`): the writer has it flushed once
//! the lock has passed on (`base/write.rs`).
//!
//! sqlx's `Database` trait asks for types this driver never hands out: `never.rs`.

mod never;
#[cfg(test)]
mod tests;

pub use never::{Direct, Never, NeverRef, NoArguments};

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx_core::Either;
use sqlx_core::any::{
    AnyArguments, AnyColumn, AnyConnectOptions, AnyConnectionBackend, AnyQueryResult, AnyRow,
    AnyStatement, AnyTypeInfo, AnyTypeInfoKind, AnyValue, AnyValueKind,
};
use sqlx_core::error::{DatabaseError, Error, ErrorKind};
use sqlx_core::ext::ustr::UStr;
use sqlx_core::sql_str::SqlStr;
use std::borrow::Cow;
use std::future::{Future, ready};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The URL scheme of this driver: `sqlite-direct://<file>` (the file of `sqlite://<file>`).
pub const SCHEME: &str = "sqlite-direct";

/// The driver, as sqlx's `Any` connections find it by the URL's scheme.
pub const DRIVER: sqlx_core::any::driver::AnyDriver =
    sqlx_core::any::driver::AnyDriver::without_migrate::<Direct>();

/// Installs the drivers govit uses: sqlx's for PostgreSQL and SQLite, and this one. Once per
/// process; every `Any` connection needs it first.
pub fn install_drivers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        sqlx::any::install_drivers(&[sqlx_postgres::any::DRIVER, sqlx_sqlite::any::DRIVER, DRIVER])
            .expect("the drivers are installed once, here");
    });
}

/// The URL of this driver for a `sqlite:` URL (same file and options).
pub fn url_for(sqlite_url: &str) -> String {
    match sqlite_url.strip_prefix("sqlite:") {
        Some(rest) => format!("{SCHEME}:{rest}"),
        None => sqlite_url.to_string(),
    }
}

/// Where the writer's database is, and whether statements are logged.
#[derive(Debug, Clone)]
pub struct DirectOptions {
    path: PathBuf,
    log: bool,
}

impl FromStr for DirectOptions {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let url = sqlx_core::Url::parse(s).map_err(|e| Error::Configuration(e.into()))?;
        <DirectOptions as sqlx_core::connection::ConnectOptions>::from_url(&url)
    }
}

impl TryFrom<&AnyConnectOptions> for DirectOptions {
    type Error = Error;
    fn try_from(o: &AnyConnectOptions) -> Result<Self, Error> {
        let mut out =
            <DirectOptions as sqlx_core::connection::ConnectOptions>::from_url(&o.database_url)?;
        out.log = o.log_settings.statements_level != log::LevelFilter::Off;
        Ok(out)
    }
}

impl sqlx_core::connection::ConnectOptions for DirectOptions {
    type Connection = DirectConnection;
    fn from_url(url: &sqlx_core::Url) -> Result<Self, Error> {
        // `sqlite-direct://path/to/govit.db?mode=rwc`: the host and path name the file.
        let s = url.as_str();
        let rest = s
            .strip_prefix(SCHEME)
            .and_then(|r| r.strip_prefix(':'))
            .ok_or_else(|| Error::Configuration(format!("不是 {SCHEME} 地址：{s}").into()))?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let file = rest.split('?').next().unwrap_or_default();
        if file.is_empty() || file.starts_with(':') {
            return Err(Error::Configuration("写入连接须指向数据库文件".into()));
        }
        let file = percent_decode(file);
        Ok(DirectOptions { path: PathBuf::from(file), log: false })
    }
    fn connect(&self) -> impl Future<Output = Result<DirectConnection, Error>> + Send + '_ {
        ready(DirectConnection::open(self))
    }
    fn log_statements(mut self, level: log::LevelFilter) -> Self {
        self.log = level != log::LevelFilter::Off;
        self
    }
    fn log_slow_statements(self, _: log::LevelFilter, _: Duration) -> Self {
        self
    }
}

/// The write-ahead log of the database the writer's options name (`<file>-wal`).
pub(crate) fn log_of(options: &AnyConnectOptions) -> Option<PathBuf> {
    let mut path = DirectOptions::try_from(options).ok()?.path.into_os_string();
    path.push("-wal");
    Some(PathBuf::from(path))
}

fn percent_decode(s: &str) -> String {
    sqlx_core::percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The column names of a statement, as `AnyRow`s carry them, kept per SQL text.
type Names = (Arc<sqlx_core::HashMap<UStr, usize>>, Vec<UStr>);

/// A statement's column names, in order and by name.
fn names_of(stmt: &rusqlite::Statement<'_>) -> Names {
    let list: Vec<UStr> = stmt.column_names().into_iter().map(UStr::new).collect();
    let index = list.iter().enumerate().map(|(i, c)| (c.clone(), i)).collect();
    (Arc::new(index), list)
}

/// How often the checkpointing thread copies the log back.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Copies the write-ahead log of the database at `path` back into it from a thread of its
/// own, every [`CHECKPOINT_EVERY`], while the returned token lives: SQLite would otherwise
/// have the writer do it after the commit that fills the log (its reads of the log, writes
/// and flush of the database inside the writer's lock). A passive checkpoint waits for no
/// one and copies what no reader still needs.
fn checkpoints(path: &std::path::Path) -> Option<Arc<()>> {
    let alive = Arc::new(());
    let token = Arc::downgrade(&alive);
    let path = path.to_path_buf();
    std::thread::Builder::new()
        .name("govit-checkpoint".into())
        .spawn(move || {
            let Ok(conn) = rusqlite::Connection::open(&path) else { return };
            while token.strong_count() > 0 {
                std::thread::sleep(CHECKPOINT_EVERY);
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "checkpoint of the write-ahead log failed");
                }
            }
        })
        .ok()?;
    Some(alive)
}

/// One SQLite connection whose statements run on the calling thread.
pub struct DirectConnection {
    conn: rusqlite::Connection,
    /// 0: no transaction; 1: a transaction; more: savepoints inside it.
    depth: usize,
    names: std::collections::HashMap<String, Names>,
    log: bool,
    /// Keeps the checkpointing thread going while this connection lives.
    _checkpoints: Option<Arc<()>>,
}

impl std::fmt::Debug for DirectConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectConnection").field("depth", &self.depth).finish()
    }
}

/// At most this many statements' column names are kept (the writer's statements are fixed
/// texts; a text built per call would otherwise grow the map).
const NAMES_KEPT: usize = 512;

impl DirectConnection {
    fn open(o: &DirectOptions) -> Result<DirectConnection, Error> {
        let conn = rusqlite::Connection::open(&o.path).map_err(db_error)?;
        // As sqlx's connections are set up, but without memory-mapped reads: the writer reads
        // through its own page cache, which it keeps from one write to the next, while pages
        // mapped from the file counted into the process's memory as the file grew (a bench of
        // 4,000 projects: a peak of 133 MiB mapped, 39 MiB without, at the same rates).
        // The log is copied back into the database by a thread of its own (`checkpoints`),
        // off the writer's path; the writer does it itself only when the log has grown past
        // 10,000 pages, as a backstop.
        // The undo records of savepoints and statements (the sub-journal) stay in memory: in a
        // temporary file, a transition's savepoint past 64 KiB of pages meant creating,
        // writing and deleting a file inside the writer's lock (a tenth of the writer's CPU in
        // `cargo bench --bench transitions`). They hold at most the pages the write changes,
        // as the page cache does already.
        // A commit writes its pages to the log without waiting for the disk (`synchronous =
        // NORMAL`): the log is flushed by the writer after the lock has passed on
        // (`base::write`), and nobody is told a change is done before that flush.
        // The page cache is 4 MB, not the readers' 16: a commit after a b-tree split that swapped
        // two pages through the lock-byte page's number (SQLite's `balance_nonroot`) walks the
        // cache's whole hash table to drop pages past the database's end, and that walk grows
        // with the cache (≈3 % of all CPU with 16 MB; `cargo bench --bench transitions`: the
        // same rates with 4 MB, and a peak 12–15 MiB lower).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
             PRAGMA synchronous = NORMAL; PRAGMA mmap_size = 0; PRAGMA cache_size = -4000; \
             PRAGMA wal_autocheckpoint = 10000; PRAGMA temp_store = MEMORY;",
        )
        .map_err(db_error)?;
        conn.busy_timeout(BUSY_WAIT).map_err(db_error)?;
        conn.set_prepared_statement_cache_capacity(256);
        Ok(DirectConnection {
            conn,
            depth: 0,
            names: std::collections::HashMap::new(),
            log: o.log,
            _checkpoints: checkpoints(&o.path),
        })
    }

    /// Runs `sql` with `args`: its rows (at most `limit`) and the rows it changed.
    fn run(
        &mut self, sql: &str, args: Option<AnyArguments>, limit: Option<usize>,
    ) -> Result<(Vec<AnyRow>, u64), Error> {
        let started = self.log.then(Instant::now);
        let out = self.run_now(sql, args, limit);
        if let (Some(t), Ok((rows, changed))) = (started, &out) {
            let elapsed = t.elapsed();
            let summary: String = sql.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
            tracing::debug!(
                target: "sqlx::query",
                summary = %summary,
                db.statement = %sql,
                rows_affected = changed,
                rows_returned = rows.len(),
                elapsed = ?elapsed,
                elapsed_secs = elapsed.as_secs_f64(),
            );
        }
        out
    }

    fn run_now(
        &mut self, sql: &str, args: Option<AnyArguments>, limit: Option<usize>,
    ) -> Result<(Vec<AnyRow>, u64), Error> {
        let DirectConnection { conn, names, .. } = self;
        // No arguments at all (sqlx's `raw_sql`: a migration, BEGIN, a savepoint): a script,
        // its statements run one after the other; it returns no rows.
        let Some(args) = args else {
            conn.execute_batch(sql).map_err(db_error)?;
            return Ok((Vec::new(), conn.changes()));
        };
        let values = args.values.0;
        let mut stmt = conn.prepare_cached(sql).map_err(db_error)?;
        // `$N` and `?N` take the Nth argument; a bare `?` the next one (as sqlx binds them).
        let mut next = 0;
        for i in 1..=stmt.parameter_count() {
            let n = match stmt.parameter_name(i) {
                Some(name) => name
                    .strip_prefix('$')
                    .or_else(|| name.strip_prefix('?'))
                    .and_then(|d| d.parse::<usize>().ok())
                    .ok_or_else(|| {
                        Error::Protocol(format!("parameters must be $N or ?N, not {name}"))
                    })?,
                None => {
                    next += 1;
                    next
                }
            };
            let bound = match n.checked_sub(1).and_then(|k| values.get(k)) {
                None | Some(AnyValueKind::Null(_)) => {
                    stmt.raw_bind_parameter(i, rusqlite::types::Null)
                }
                Some(AnyValueKind::Bool(b)) => stmt.raw_bind_parameter(i, i64::from(*b)),
                Some(AnyValueKind::SmallInt(v)) => stmt.raw_bind_parameter(i, i64::from(*v)),
                Some(AnyValueKind::Integer(v)) => stmt.raw_bind_parameter(i, i64::from(*v)),
                Some(AnyValueKind::BigInt(v)) => stmt.raw_bind_parameter(i, *v),
                Some(AnyValueKind::Real(v)) => stmt.raw_bind_parameter(i, f64::from(*v)),
                Some(AnyValueKind::Double(v)) => stmt.raw_bind_parameter(i, *v),
                Some(AnyValueKind::Text(t)) => stmt.raw_bind_parameter(i, t.as_str()),
                Some(AnyValueKind::TextSlice(t)) => stmt.raw_bind_parameter(i, &**t),
                Some(AnyValueKind::Blob(b)) => stmt.raw_bind_parameter(i, b.as_slice()),
                Some(other) => {
                    return Err(Error::Protocol(format!("unsupported argument {other:?}")));
                }
            };
            bound.map_err(db_error)?;
        }
        let (index, column_names) = match names.get(sql) {
            Some(n) => n.clone(),
            None => {
                let n = names_of(&stmt);
                if names.len() >= NAMES_KEPT {
                    names.clear();
                }
                names.insert(sql.to_string(), n.clone());
                n
            }
        };
        let readonly = stmt.readonly();
        let mut out = Vec::new();
        {
            let mut rows = stmt.raw_query();
            while let Some(row) = rows.next().map_err(db_error)? {
                let mut columns = Vec::with_capacity(column_names.len());
                let mut values = Vec::with_capacity(column_names.len());
                for (i, name) in column_names.iter().enumerate() {
                    let kind = match row.get_ref(i).map_err(db_error)? {
                        rusqlite::types::ValueRef::Null => {
                            AnyValueKind::Null(AnyTypeInfoKind::Null)
                        }
                        rusqlite::types::ValueRef::Integer(v) => AnyValueKind::BigInt(v),
                        rusqlite::types::ValueRef::Real(v) => AnyValueKind::Double(v),
                        rusqlite::types::ValueRef::Text(t) => AnyValueKind::Text(Arc::new(
                            String::from_utf8(t.to_vec()).map_err(|e| Error::Decode(e.into()))?,
                        )),
                        rusqlite::types::ValueRef::Blob(b) => {
                            AnyValueKind::Blob(Arc::new(b.to_vec()))
                        }
                    };
                    columns.push(AnyColumn {
                        ordinal: i,
                        name: name.clone(),
                        type_info: AnyTypeInfo { kind: kind_of(&kind) },
                    });
                    values.push(AnyValue { kind });
                }
                out.push(AnyRow { column_names: index.clone(), columns, values });
                if limit.is_some_and(|l| out.len() >= l) {
                    break;
                }
            }
        }
        let changed = if readonly { 0 } else { conn.changes() };
        Ok((out, changed))
    }

    fn begin_now(&mut self, statement: Option<SqlStr>) -> Result<(), Error> {
        let sql = match (self.depth, statement) {
            // The writer takes SQLite's write lock as it begins: a write that began by reading
            // could not take it later if another connection wrote in between.
            (0, None) => {
                self.begin_immediate()?;
                self.depth += 1;
                return Ok(());
            }
            (0, Some(s)) => s.as_str().to_string(),
            (_, Some(_)) => return Err(Error::InvalidSavePointStatement),
            (d, None) => format!("SAVEPOINT _sqlx_savepoint_{d}"),
        };
        self.run(&sql, None, None)?;
        self.depth += 1;
        Ok(())
    }

    /// `BEGIN IMMEDIATE`: at once when no other process holds SQLite's write lock (the
    /// writer's lock of this process is the only one, as a rule); while another does (`govit`
    /// run from the command line on the same file), the wait of up to [`BUSY_WAIT`] happens
    /// with the runtime's other tasks moved off this thread, as a commit's flush does.
    fn begin_immediate(&mut self) -> Result<(), Error> {
        self.conn.busy_timeout(Duration::ZERO).map_err(db_error)?;
        let first = self.run("BEGIN IMMEDIATE", None, None);
        self.conn.busy_timeout(BUSY_WAIT).map_err(db_error)?;
        match first {
            Err(Error::Database(e)) if e.code().as_deref().is_some_and(busy) => {
                blocking(|| self.run("BEGIN IMMEDIATE", None, None)).map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    fn commit_now(&mut self) -> Result<(), Error> {
        let sql = match self.depth {
            0 => return Ok(()),
            1 => "COMMIT".to_string(),
            d => format!("RELEASE SAVEPOINT _sqlx_savepoint_{}", d - 1),
        };
        // The commit writes the log and does not wait for the disk (the writer flushes it
        // after the lock, `base::write`).
        self.run(&sql, None, None)?;
        self.depth -= 1;
        Ok(())
    }

    fn rollback_now(&mut self) -> Result<(), Error> {
        let sql = match self.depth {
            0 => return Ok(()),
            1 => "ROLLBACK".to_string(),
            d => format!("ROLLBACK TO SAVEPOINT _sqlx_savepoint_{}", d - 1),
        };
        let out = self.run(&sql, None, None);
        self.depth -= 1;
        // A statement that failed may have ended the transaction already (SQLite rolls back
        // on some errors): then there is nothing left to roll back.
        if self.conn.is_autocommit() {
            self.depth = 0;
        }
        out.map(|_| ())
    }
}

/// How long the writer waits for SQLite's write lock held by another process before it gives
/// up (as `PRAGMA busy_timeout` on sqlx's connections).
const BUSY_WAIT: Duration = Duration::from_millis(5000);

/// Whether an SQLite error code (extended, as text) is `SQLITE_BUSY` or one of its kinds.
fn busy(code: &str) -> bool {
    code.parse::<i32>().is_ok_and(|c| c & 0xff == rusqlite::ffi::SQLITE_BUSY)
}

/// Runs `f`, which waits for the disk, letting a multi-threaded runtime move its other tasks
/// off this thread meanwhile (a single-threaded one, as in tests, just runs it).
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

fn kind_of(v: &AnyValueKind) -> AnyTypeInfoKind {
    match v {
        AnyValueKind::BigInt(_) => AnyTypeInfoKind::BigInt,
        AnyValueKind::Double(_) => AnyTypeInfoKind::Double,
        AnyValueKind::Text(_) | AnyValueKind::TextSlice(_) => AnyTypeInfoKind::Text,
        AnyValueKind::Blob(_) => AnyTypeInfoKind::Blob,
        _ => AnyTypeInfoKind::Null,
    }
}

/// An error SQLite returned, as sqlx reports a database's.
#[derive(Debug)]
struct SqliteError {
    code: i32,
    message: String,
}

impl std::fmt::Display for SqliteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SqliteError {}

impl DatabaseError for SqliteError {
    fn message(&self) -> &str {
        &self.message
    }
    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }
    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }
    fn kind(&self) -> ErrorKind {
        // SQLite's extended result codes for constraints.
        match self.code {
            2067 | 1555 => ErrorKind::UniqueViolation,
            787 => ErrorKind::ForeignKeyViolation,
            1299 => ErrorKind::NotNullViolation,
            275 => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

fn db_error(e: rusqlite::Error) -> Error {
    match e {
        rusqlite::Error::SqliteFailure(f, message) => {
            let message = message.unwrap_or_else(|| f.to_string());
            Error::Database(Box::new(SqliteError { code: f.extended_code, message }))
        }
        other => Error::Protocol(other.to_string()),
    }
}

/// Transactions and savepoints on a [`DirectConnection`].
pub struct DirectTransactions;

impl sqlx_core::transaction::TransactionManager for DirectTransactions {
    type Database = Direct;
    fn begin(
        conn: &mut DirectConnection, statement: Option<SqlStr>,
    ) -> impl Future<Output = Result<(), Error>> + Send + '_ {
        ready(conn.begin_now(statement))
    }
    fn commit(conn: &mut DirectConnection) -> impl Future<Output = Result<(), Error>> + Send + '_ {
        ready(conn.commit_now())
    }
    fn rollback(
        conn: &mut DirectConnection,
    ) -> impl Future<Output = Result<(), Error>> + Send + '_ {
        ready(conn.rollback_now())
    }
    fn start_rollback(conn: &mut DirectConnection) {
        if let Err(e) = conn.rollback_now() {
            tracing::error!(error = %e, "could not roll back the writer's transaction");
        }
    }
    fn get_transaction_depth(conn: &DirectConnection) -> usize {
        conn.depth
    }
}

impl sqlx_core::connection::Connection for DirectConnection {
    type Database = Direct;
    type Options = DirectOptions;
    fn close(self) -> impl Future<Output = Result<(), Error>> + Send + 'static {
        drop(self);
        ready(Ok(()))
    }
    fn close_hard(self) -> impl Future<Output = Result<(), Error>> + Send + 'static {
        drop(self);
        ready(Ok(()))
    }
    fn ping(&mut self) -> impl Future<Output = Result<(), Error>> + Send + '_ {
        ready(Ok(()))
    }
    fn begin(
        &mut self,
    ) -> impl Future<Output = Result<sqlx_core::transaction::Transaction<'_, Direct>, Error>> + Send + '_
    {
        sqlx_core::transaction::Transaction::begin(self, None)
    }
    fn shrink_buffers(&mut self) {}
    fn flush(&mut self) -> impl Future<Output = Result<(), Error>> + Send + '_ {
        ready(Ok(()))
    }
    fn should_flush(&self) -> bool {
        false
    }
    fn connect_with(
        options: &DirectOptions,
    ) -> impl Future<Output = Result<Self, Error>> + Send + '_ {
        ready(DirectConnection::open(options))
    }
}

impl AnyConnectionBackend for DirectConnection {
    fn name(&self) -> &str {
        "SQLite"
    }
    fn close(self: Box<Self>) -> BoxFuture<'static, sqlx_core::Result<()>> {
        drop(self);
        Box::pin(ready(Ok(())))
    }
    fn close_hard(self: Box<Self>) -> BoxFuture<'static, sqlx_core::Result<()>> {
        drop(self);
        Box::pin(ready(Ok(())))
    }
    fn ping(&mut self) -> BoxFuture<'_, sqlx_core::Result<()>> {
        Box::pin(ready(Ok(())))
    }
    fn begin(&mut self, statement: Option<SqlStr>) -> BoxFuture<'_, sqlx_core::Result<()>> {
        Box::pin(ready(self.begin_now(statement)))
    }
    fn commit(&mut self) -> BoxFuture<'_, sqlx_core::Result<()>> {
        Box::pin(ready(self.commit_now()))
    }
    fn rollback(&mut self) -> BoxFuture<'_, sqlx_core::Result<()>> {
        Box::pin(ready(self.rollback_now()))
    }
    fn start_rollback(&mut self) {
        <DirectTransactions as sqlx_core::transaction::TransactionManager>::start_rollback(self)
    }
    fn get_transaction_depth(&self) -> usize {
        self.depth
    }
    fn shrink_buffers(&mut self) {}
    fn flush(&mut self) -> BoxFuture<'_, sqlx_core::Result<()>> {
        Box::pin(ready(Ok(())))
    }
    fn should_flush(&self) -> bool {
        false
    }
    fn fetch_many(
        &mut self, query: SqlStr, _persistent: bool, arguments: Option<AnyArguments>,
    ) -> BoxStream<'_, sqlx_core::Result<Either<AnyQueryResult, AnyRow>>> {
        let items: Vec<sqlx_core::Result<Either<AnyQueryResult, AnyRow>>> =
            match self.run(query.as_str(), arguments, None) {
                Ok((rows, changed)) => rows
                    .into_iter()
                    .map(|r| Ok(Either::Right(r)))
                    .chain(std::iter::once(Ok(Either::Left(AnyQueryResult {
                        rows_affected: changed,
                        last_insert_id: None,
                    }))))
                    .collect(),
                Err(e) => vec![Err(e)],
            };
        Box::pin(futures_util::stream::iter(items))
    }
    fn fetch_optional(
        &mut self, query: SqlStr, _persistent: bool, arguments: Option<AnyArguments>,
    ) -> BoxFuture<'_, sqlx_core::Result<Option<AnyRow>>> {
        let out =
            self.run(query.as_str(), arguments, Some(1)).map(|(rows, _)| rows.into_iter().next());
        Box::pin(ready(out))
    }
    fn prepare_with<'c, 'q: 'c>(
        &'c mut self, sql: SqlStr, _parameters: &[AnyTypeInfo],
    ) -> BoxFuture<'c, sqlx_core::Result<AnyStatement>> {
        let prepared = self.conn.prepare_cached(sql.as_str()).map_err(db_error).map(|stmt| {
            let (index, list) = names_of(&stmt);
            let columns = list
                .iter()
                .enumerate()
                .map(|(i, name)| AnyColumn {
                    ordinal: i,
                    name: name.clone(),
                    type_info: AnyTypeInfo { kind: AnyTypeInfoKind::Null },
                })
                .collect();
            (stmt.parameter_count(), columns, index)
        });
        Box::pin(ready(prepared.map(|(count, columns, index)| AnyStatement {
            sql,
            parameters: Some(Either::Right(count)),
            column_names: index,
            columns,
        })))
    }
    fn describe(
        &mut self, _sql: SqlStr,
    ) -> BoxFuture<'_, sqlx_core::Result<sqlx_core::describe::Describe<sqlx_core::any::Any>>> {
        Box::pin(ready(Err(Error::Protocol("the writer's connection describes no query".into()))))
    }
}
