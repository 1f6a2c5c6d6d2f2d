//! Write transactions, and on SQLite their group commit and the log's flush.
//!
//! SQLite has one writer at a time. When writers queue for the lock, the one that finishes
//! leaves its transaction open for the next instead of committing, and the last of the group
//! commits for all. Each writer's work is a savepoint of its own, so a refused change rolls
//! back alone. A writer that stops without finishing (an error, a dropped request) leaves its
//! savepoint to be rolled back by the next; if none comes, the group's members finish the
//! group themselves.
//!
//! A commit writes the group's pages to the write-ahead log; the log is flushed to the disk
//! after the lock has passed on (`synchronous = NORMAL` on the writer's connection, and the
//! flush here), so the next writer works while the disk does. No caller hears that its change
//! is done before the log holding it is on the disk: groups of one change flush once per
//! commit; larger groups share a flush, one at a time, each covering every commit written
//! before it began. A flush runs on the writer's task while nobody else is writing (the change
//! is answered the moment the disk is done); while others are, it is handed to the log's
//! flushing thread, which flushes one request after another, so that the runtime's threads
//! stay with the writers. PostgreSQL gathers concurrent commits into one flush itself, so there
//! each writer keeps its own transaction.

use crate::{Result, StoreError};
use sqlx::AnyConnection;
use sqlx::any::AnyConnectOptions;
use sqlx_core::connection::Connection;
use sqlx_core::transaction::TransactionManager;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// At most this many changes share one commit.
const GROUP_MAX: usize = 64;
/// How long a member of a group waits for its commit before it finishes the group itself
/// (only when the writer it handed the transaction to went away).
const MEMBER_PATIENCE: Duration = Duration::from_millis(200);

/// Begins, commits and rolls back transactions on a connection of sqlx's `Any` kind.
type Manager = <sqlx::Any as sqlx::Database>::TransactionManager;

/// The open transaction of a write.
pub(crate) struct Tx<'a>(Option<Conn<'a>>);

enum Conn<'a> {
    /// A transaction of its own on a connection of the pool (PostgreSQL).
    Pool(sqlx::Transaction<'static, sqlx::Any>),
    /// The SQLite writer's connection, held with its lock.
    Own(Own<'a>),
}

/// The SQLite writer's connection with the group's transaction open on it, and the lock it
/// is held with: one cannot be had without the other.
struct Own<'a> {
    conn: AnyConnection,
    guard: tokio::sync::MutexGuard<'a, ()>,
    writer: &'a Writer,
    group: Arc<Group>,
}

impl std::ops::Deref for Tx<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self.0.as_ref().expect("the write's transaction is open until it commits") {
            Conn::Pool(tx) => tx,
            Conn::Own(own) => &own.conn,
        }
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self.0.as_mut().expect("the write's transaction is open until it commits") {
            Conn::Pool(tx) => tx,
            Conn::Own(own) => &mut own.conn,
        }
    }
}

/// SQLite's one writer at a time, its connection, and the group it commits in.
///
/// The connection is the writer's own, not a pool's: a pool takes a connection back on a task
/// of its own, and the next write waited for that task (≈0.1 ms a transition from one client,
/// `cargo bench --bench transitions`).
pub(crate) struct Writer {
    lock: tokio::sync::Mutex<()>,
    /// Writers waiting for the lock.
    waiting: AtomicUsize,
    /// The connection between writes (opened at the first), and the group whose transaction
    /// a finished writer left open on it for the next.
    idle: std::sync::Mutex<Idle>,
    options: AnyConnectOptions,
    /// How many changes may share one commit (`GROUP_MAX`; 1: each commits alone).
    group_max: AtomicUsize,
    /// The database's write-ahead log, flushed after each commit once the lock is released.
    log: Option<std::path::PathBuf>,
    /// The log's file as last opened, with its inode and device.
    log_fd: Arc<std::sync::Mutex<KeptLog>>,
    /// The thread that flushes the log for writers while others write (started at the first
    /// such flush; it ends when the writer is dropped), and how many such flushes are under way.
    flusher: std::sync::Mutex<Option<std::sync::mpsc::Sender<Flush>>>,
    flushing: AtomicUsize,
    /// Commits so far (each numbered by it), and up to which one the log is on the disk.
    commits: AtomicU64,
    flushed: tokio::sync::Mutex<u64>,
}

/// The log's file as last opened: its inode, its device and the file.
type KeptLog = Option<(u64, u64, Arc<std::fs::File>)>;

/// A flush asked of the log's flushing thread, and where its outcome goes.
struct Flush {
    log: std::path::PathBuf,
    kept: Arc<std::sync::Mutex<KeptLog>>,
    done: tokio::sync::oneshot::Sender<std::io::Result<()>>,
}

#[derive(Default)]
struct Idle {
    conn: Option<AnyConnection>,
    /// Only with `conn`: its transaction is open.
    open: Option<Open>,
}

struct Open {
    group: Arc<Group>,
    /// Its last writer went away without finishing: its savepoint is rolled back first.
    unfinished: bool,
}

/// The changes that commit together, and how their commit went.
struct Group {
    members: AtomicUsize,
    /// Committed, its log being flushed: `done` follows.
    committed: std::sync::atomic::AtomicBool,
    done: watch::Sender<Option<std::result::Result<(), String>>>,
}

impl Group {
    fn new() -> Arc<Group> {
        Arc::new(Group {
            members: AtomicUsize::new(0),
            committed: std::sync::atomic::AtomicBool::new(false),
            done: watch::Sender::new(None),
        })
    }
}

impl Writer {
    /// The writer of the database `options` connect to (its connection opened at the first
    /// write).
    pub fn new(options: AnyConnectOptions) -> Writer {
        Writer {
            lock: tokio::sync::Mutex::new(()),
            waiting: AtomicUsize::new(0),
            idle: std::sync::Mutex::new(Idle::default()),
            log: crate::base::direct::log_of(&options),
            log_fd: Arc::new(std::sync::Mutex::new(None)),
            flusher: std::sync::Mutex::new(None),
            flushing: AtomicUsize::new(0),
            commits: AtomicU64::new(0),
            flushed: tokio::sync::Mutex::new(0),
            options,
            group_max: AtomicUsize::new(GROUP_MAX),
        }
    }

    /// How many changes may share one commit from now on (at least 1: each alone).
    pub fn limit_groups(&self, max: usize) {
        self.group_max.store(max.clamp(1, GROUP_MAX), Ordering::SeqCst);
    }

    /// Makes commit number `n` durable. Each commit flushes the log itself when groups are of
    /// one change; otherwise one flush at a time covers every commit written before it
    /// began, and a commit that one covered is done without one of its own.
    async fn flush_log(&self, n: u64) -> std::result::Result<(), String> {
        if self.group_max.load(Ordering::SeqCst) == 1 {
            return self.flush_now().await;
        }
        let mut flushed = self.flushed.lock().await;
        if *flushed >= n {
            return Ok(());
        }
        // Every commit counted so far has written its pages to the log's file.
        let upto = self.commits.load(Ordering::SeqCst);
        self.flush_now().await?;
        *flushed = upto;
        Ok(())
    }

    /// Flushes the log's file to the disk: every commit written to it before is then durable.
    ///
    /// While nobody else is writing (no writer queued for the lock, no flush handed off), here:
    /// the change is answered as soon as the disk is done. Otherwise on the log's flushing
    /// thread: flushing here would move the runtime's other tasks — the next writers among
    /// them — to another thread for the flush's time, at a thread switch each, while the lock
    /// waited for them (`cargo bench --bench transitions`: eight clients with a commit each,
    /// ≈1,950–2,250/s flushed here, ≈2,300–2,900/s on the thread). The thread flushes once per
    /// request, so that each commit still has a flush of its own when groups are of one.
    async fn flush_now(&self) -> std::result::Result<(), String> {
        let Some(log) = &self.log else { return Ok(()) };
        let alone =
            self.waiting.load(Ordering::SeqCst) == 0 && self.flushing.load(Ordering::SeqCst) == 0;
        let flushed = match alone {
            // The runtime's other tasks move to another of its threads meanwhile.
            true => crate::base::direct::blocking(|| sync_log(&self.log_fd, log)),
            false => self.flush_on_thread(log).await,
        };
        flushed.map_err(|e| {
            tracing::error!(error = %e, "the write-ahead log could not be flushed");
            format!("预写日志未能写入磁盘：{e}")
        })
    }

    /// Flushes the log on its flushing thread (started here the first time); here, should the
    /// thread be gone or not start.
    async fn flush_on_thread(&self, log: &std::path::Path) -> std::io::Result<()> {
        let (done, outcome) = tokio::sync::oneshot::channel();
        let asked = Flush { log: log.to_path_buf(), kept: self.log_fd.clone(), done };
        if let Err(asked) = self.ask_flusher(asked) {
            return crate::base::direct::blocking(|| sync_log(&asked.kept, &asked.log));
        }
        let _flushing = Counted::new(&self.flushing);
        outcome.await.unwrap_or_else(|_| Err(std::io::Error::other("日志刷写线程已退出")))
    }

    /// Hands `asked` to the flushing thread, starting it if it is not running; the request
    /// back when there is no thread to take it.
    fn ask_flusher(&self, asked: Flush) -> std::result::Result<(), Flush> {
        let Ok(mut flusher) = self.flusher.lock() else { return Err(asked) };
        if flusher.is_none() {
            let (sender, requests) = std::sync::mpsc::channel::<Flush>();
            let started =
                std::thread::Builder::new().name("govit-log-flush".into()).spawn(move || {
                    // Ends when the writer, and with it the sender, is dropped.
                    while let Ok(f) = requests.recv() {
                        let _ = f.done.send(sync_log(&f.kept, &f.log));
                    }
                });
            match started {
                Ok(_) => *flusher = Some(sender),
                Err(e) => {
                    tracing::error!(error = %e, "the log's flushing thread could not start");
                    return Err(asked);
                }
            }
        }
        let Some(sender) = flusher.as_ref() else { return Err(asked) };
        match sender.send(asked) {
            Ok(()) => Ok(()),
            Err(std::sync::mpsc::SendError(asked)) => {
                // The thread is gone: the next flush starts another.
                *flusher = None;
                Err(asked)
            }
        }
    }

    /// Takes the connection (and its open transaction's group) while holding the lock.
    fn take(&self) -> Result<(Option<AnyConnection>, Option<Open>)> {
        let mut idle = self.idle.lock().map_err(|_| poisoned())?;
        Ok((idle.conn.take(), idle.open.take()))
    }

    /// Leaves the connection for the next writer, with the group's transaction open or not.
    fn put(&self, conn: AnyConnection, open: Option<Open>) {
        match self.idle.lock() {
            Ok(mut idle) => *idle = Idle { conn: Some(conn), open },
            // Never poisoned (nothing panics while holding it); were it, the next write
            // opens a new connection and this one's transaction is rolled back as it closes.
            Err(_) => tracing::error!("the writer's connection could not be put back"),
        }
    }
}

/// Counts one in a counter until dropped: a writer waiting for the lock until it has it (or
/// gives up), a flush handed to the flushing thread until it is answered (or its writer goes).
struct Counted<'a>(&'a AtomicUsize);

impl<'a> Counted<'a> {
    fn new(counter: &'a AtomicUsize) -> Counted<'a> {
        counter.fetch_add(1, Ordering::SeqCst);
        Counted(counter)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) struct WriteTx<'a> {
    pub tx: Tx<'a>,
    writes: &'a AtomicU64,
}

/// Begins a write: its own transaction (PostgreSQL), or on SQLite its savepoint in the
/// group's transaction once it holds the lock.
pub(crate) async fn begin<'a>(
    pool: &sqlx::AnyPool, writer: Option<&'a Writer>, writes: &'a AtomicU64,
) -> Result<WriteTx<'a>> {
    let Some(writer) = writer else {
        let tx = Conn::Pool(pool.begin().await?);
        return Ok(WriteTx { tx: Tx(Some(tx)), writes });
    };
    let guard = {
        let _waiting = Counted::new(&writer.waiting);
        writer.lock.lock().await
    };
    let (conn, open) = writer.take()?;
    let conn = match conn {
        Some(conn) => conn,
        None => AnyConnection::connect_with(&writer.options).await?,
    };
    let group = open.as_ref().map_or_else(Group::new, |o| o.group.clone());
    // From here on, dropping the write puts the connection back (see `Drop`).
    let mut w = WriteTx { tx: Tx(Some(Conn::Own(Own { conn, guard, writer, group }))), writes };
    match open {
        // The first writer of a group needs no savepoint: if it stops, nothing else is in
        // the transaction and all of it is rolled back.
        None => Manager::begin(&mut w.tx, None).await?,
        Some(o) => {
            if o.unfinished {
                undo_savepoint(&mut w.tx).await?;
            }
            sqlx::query("SAVEPOINT govit_write").execute(&mut *w.tx).await?;
        }
    }
    Ok(w)
}

async fn undo_savepoint(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("ROLLBACK TO SAVEPOINT govit_write").execute(&mut *conn).await?;
    sqlx::query("RELEASE SAVEPOINT govit_write").execute(&mut *conn).await?;
    Ok(())
}

fn failed(e: String) -> StoreError {
    StoreError::Config(format!("提交失败：{e}"))
}

fn poisoned() -> StoreError {
    StoreError::Config("写入队列状态异常".into())
}

impl WriteTx<'_> {
    /// Commits the write: returns once it is on disk (with the group it joined, on SQLite).
    pub async fn commit(mut self) -> Result<()> {
        let Own { mut conn, guard, writer, group } =
            match self.tx.0.take().expect("a write commits once") {
                Conn::Own(own) => own,
                Conn::Pool(tx) => {
                    tx.commit().await?;
                    self.writes.fetch_add(1, Ordering::SeqCst);
                    return Ok(());
                }
            };
        let members = group.members.fetch_add(1, Ordering::SeqCst) + 1;
        if members > 1
            && let Err(e) = sqlx::query("RELEASE SAVEPOINT govit_write").execute(&mut conn).await
        {
            // Not a member after all: the next writer undoes what is left of the savepoint.
            group.members.fetch_sub(1, Ordering::SeqCst);
            writer.put(conn, Some(Open { group, unfinished: true }));
            return Err(e.into());
        }
        if writer.waiting.load(Ordering::SeqCst) > 0
            && members < writer.group_max.load(Ordering::SeqCst)
        {
            // Someone is queued: they carry the transaction on; this change commits with it.
            writer.put(conn, Some(Open { group: group.clone(), unfinished: false }));
            drop(guard);
            return member_waits(writer, &group, self.writes).await;
        }
        finish(writer, conn, guard, &group, self.writes).await
    }
}

/// Commits the group's transaction, leaves the connection for the next writer, releases the
/// lock, flushes the log to the disk and tells the group's members how it went.
async fn finish(
    writer: &Writer, mut conn: AnyConnection, guard: tokio::sync::MutexGuard<'_, ()>,
    group: &Group, writes: &AtomicU64,
) -> Result<()> {
    let committed = Manager::commit(&mut conn).await;
    let mut n = 0;
    match &committed {
        // Told before the lock passes on: a member that takes it then waits for the flush.
        Ok(()) => {
            n = writer.commits.fetch_add(1, Ordering::SeqCst) + 1;
            group.committed.store(true, Ordering::SeqCst);
        }
        // A commit that failed may leave the transaction open: none of it stays.
        Err(_) => Manager::start_rollback(&mut conn),
    }
    writer.put(conn, None);
    drop(guard);
    writes.fetch_add(1, Ordering::SeqCst);
    if let Err(e) = committed {
        group.done.send_replace(Some(Err(e.to_string())));
        return Err(e.into());
    }
    let flushed = writer.flush_log(n).await;
    group.done.send_replace(Some(flushed.clone()));
    flushed.map_err(failed)
}

/// Flushes the log's file to the disk (see [`log_file`]).
fn sync_log(kept: &std::sync::Mutex<KeptLog>, log: &std::path::Path) -> std::io::Result<()> {
    log_file(kept, log)?.sync_data()
}

/// The log's file, opened once and again only when the path names another file (SQLite
/// removed the log when its last connection closed, and made a new one). A log opened anew
/// has its folder flushed too: its name, as well as its pages, must survive.
fn log_file(
    kept: &std::sync::Mutex<KeptLog>, log: &std::path::Path,
) -> std::io::Result<Arc<std::fs::File>> {
    use std::os::unix::fs::MetadataExt;
    let now = std::fs::metadata(log)?;
    let mut kept = kept.lock().map_err(|_| std::io::Error::other("poisoned"))?;
    if let Some((ino, dev, f)) = kept.as_ref()
        && *ino == now.ino()
        && *dev == now.dev()
    {
        return Ok(f.clone());
    }
    let f = Arc::new(std::fs::File::open(log)?);
    if let Some(folder) = log.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(folder)?.sync_all()?;
    }
    let m = f.metadata()?;
    *kept = Some((m.ino(), m.dev(), f.clone()));
    Ok(f)
}

/// A member of a group waits for the commit; if the writer it handed the transaction to went
/// away and nobody carries it on, it finishes the group itself.
async fn member_waits(writer: &Writer, group: &Arc<Group>, writes: &AtomicU64) -> Result<()> {
    let mut done = group.done.subscribe();
    loop {
        let waited =
            match tokio::time::timeout(MEMBER_PATIENCE, done.wait_for(Option::is_some)).await {
                Ok(Ok(outcome)) => outcome.clone(),
                _ => None,
            };
        if let Some(outcome) = waited {
            return outcome.map_err(failed);
        }
        if group.committed.load(Ordering::SeqCst) {
            // Committed, and not yet flushed: the flush is slow, or the writer that was to do
            // it went away (its request dropped) — flushed here, either way.
            return writer.flush_now().await.map_err(failed);
        }
        let guard = writer.lock.lock().await;
        let outcome = group.done.borrow().clone();
        if let Some(outcome) = outcome {
            return outcome.map_err(failed);
        }
        match writer.take()? {
            (Some(mut conn), Some(o)) if Arc::ptr_eq(&o.group, group) => {
                if o.unfinished
                    && let Err(e) = undo_savepoint(&mut conn).await
                {
                    writer.put(conn, Some(o));
                    return Err(e);
                }
                return finish(writer, conn, guard, group, writes).await;
            }
            // Another group's, or none open: not ours to touch.
            (Some(conn), open) => writer.put(conn, open),
            (None, _) => {}
        }
        if group.done.borrow().is_none() && !group.committed.load(Ordering::SeqCst) {
            // Neither committed nor open: the transaction was lost with the writer that held it.
            return Err(StoreError::Config("写入未能提交，请重试".into()));
        }
    }
}

impl Drop for WriteTx<'_> {
    /// A write that does not commit is rolled back: alone, by dropping its transaction (or
    /// rolling back the writer's); in a group, by leaving its savepoint to be undone by
    /// whoever carries the group on.
    fn drop(&mut self) {
        let Some(Conn::Own(Own { mut conn, guard, writer, group })) = self.tx.0.take() else {
            return;
        };
        if group.members.load(Ordering::SeqCst) == 0 {
            Manager::start_rollback(&mut conn);
            writer.put(conn, None);
        } else {
            writer.put(conn, Some(Open { group, unfinished: true }));
        }
        // The lock passes on only once the connection is back.
        drop(guard);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// A scratch database with one table, its readers, and a writer (writes run on the
    /// writer's own connection, as the store's do).
    async fn scratch(name: &str) -> (std::path::PathBuf, sqlx::AnyPool, Writer) {
        crate::base::direct::install_drivers();
        let dir = std::env::temp_dir().join(format!("govit-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        let readers =
            sqlx::any::AnyPoolOptions::new().max_connections(2).connect(&url).await.expect("db");
        sqlx::query("PRAGMA journal_mode = WAL").execute(&readers).await.expect("wal");
        sqlx::query("CREATE TABLE t (x BIGINT NOT NULL)").execute(&readers).await.expect("table");
        let options = sqlx::any::AnyConnectOptions::from_str(&crate::base::direct::url_for(&url))
            .expect("writer's options");
        (dir, readers, Writer::new(options))
    }

    /// Inserts `x` in a write that lasts 40 ms (so that others queue behind it) and commits
    /// it, or stops before the commit.
    async fn insert(
        pool: sqlx::AnyPool, writer: Arc<Writer>, writes: Arc<AtomicU64>, x: i64, stops: bool,
    ) -> Result<()> {
        let mut w = begin(&pool, Some(&writer), &writes).await?;
        sqlx::query("INSERT INTO t (x) VALUES ($1)").bind(x).execute(&mut *w.tx).await?;
        tokio::time::sleep(Duration::from_millis(40)).await;
        if stops {
            return Err(StoreError::Config("stops".into()));
        }
        w.commit().await
    }

    async fn rows(pool: &sqlx::AnyPool) -> Vec<i64> {
        sqlx::query_scalar("SELECT x FROM t ORDER BY x").fetch_all(pool).await.expect("rows")
    }

    /// Three writers queue: the first hands its transaction on, the second stops without
    /// committing, the third commits the group. The first and third are on disk; the
    /// second's insert is not.
    #[tokio::test]
    async fn a_group_commits_its_finished_writes_and_undoes_the_unfinished_one() {
        let (dir, readers, writer) = scratch("group-commit").await;
        let pool = readers.clone();
        let writer = Arc::new(writer);
        let writes = Arc::new(AtomicU64::new(0));
        // The write of 2 stops before it commits.
        let insert = |x: i64| insert(pool.clone(), writer.clone(), writes.clone(), x, x == 2);
        let first = tokio::spawn(insert(1));
        tokio::time::sleep(Duration::from_millis(10)).await;
        let second = tokio::spawn(insert(2));
        tokio::time::sleep(Duration::from_millis(10)).await;
        let third = tokio::spawn(insert(3));
        assert!(first.await.expect("first").is_ok());
        assert!(second.await.expect("second").is_err());
        assert!(third.await.expect("third").is_ok());
        assert_eq!(rows(&readers).await, [1, 3]);
        // One commit for the group of the first and the third.
        assert_eq!(writes.load(Ordering::SeqCst), 1);

        // A writer that stops with nobody behind it: the member it leaves finishes alone.
        let first = tokio::spawn(insert(4));
        tokio::time::sleep(Duration::from_millis(10)).await;
        let second = tokio::spawn(insert(2));
        assert!(first.await.expect("first").is_ok());
        assert!(second.await.expect("second").is_err());
        assert_eq!(rows(&readers).await, [1, 3, 4]);

        // A write alone that stops is rolled back, and the writer's connection serves the next.
        assert!(insert(2).await.is_err());
        assert!(insert(5).await.is_ok());
        assert_eq!(rows(&readers).await, [1, 3, 4, 5]);
        assert_eq!(writes.load(Ordering::SeqCst), 3);

        // Groups limited to one change: writers queued behind each other commit one by one.
        writer.limit_groups(1);
        // (This runtime runs them in the order they were spawned, each in turn.)
        let queued: Vec<_> = (6..9).map(|x| tokio::spawn(insert(x))).collect();
        for w in queued {
            assert!(w.await.expect("writer").is_ok());
        }
        assert_eq!(rows(&readers).await, [1, 3, 4, 5, 6, 7, 8]);
        assert_eq!(writes.load(Ordering::SeqCst), 6, "three commits, one each");
        // Each flushed while the next was writing: on the log's flushing thread.
        assert!(writer.flusher.lock().expect("flusher").is_some(), "flushed on the thread");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A change is done only once the log that holds it is on the disk: the commit writes it,
    /// the flush after the lock makes it durable, and a flush that fails reaches the writer
    /// and every member of its group as a failure (the next write goes on).
    #[tokio::test]
    async fn a_write_is_not_done_until_its_log_is_flushed() {
        let (dir, readers, mut writer) = scratch("flush").await;
        assert_eq!(writer.log.as_deref(), Some(dir.join("t.db-wal").as_path()));
        let pool = readers.clone();
        let writes = Arc::new(AtomicU64::new(0));
        let log = writer.log.clone();
        writer.log = Some(dir.join("gone").join("t.db-wal"));
        let writer = Arc::new(writer);
        let insert = |x: i64| insert(pool.clone(), writer.clone(), writes.clone(), x, false);
        // Two in one group, whose log cannot be flushed: neither is told it is done.
        let first = tokio::spawn(insert(1));
        tokio::time::sleep(Duration::from_millis(10)).await;
        let second = tokio::spawn(insert(2));
        for w in [first, second] {
            let e = w.await.expect("writer").expect_err("not flushed");
            assert!(e.to_string().contains("预写日志未能写入磁盘"), "{e}");
        }
        assert_eq!(writes.load(Ordering::SeqCst), 1, "one commit for the two");
        // Alone, with a flush of its own: the same.
        writer.limit_groups(1);
        let e = insert(3).await.expect_err("not flushed");
        assert!(e.to_string().contains("预写日志未能写入磁盘"), "{e}");
        assert!(writer.flusher.lock().expect("flusher").is_none(), "flushed by its writer");
        // Each its own commit while another writes: flushed on the thread, and failing there
        // just the same.
        let first = tokio::spawn(insert(5));
        tokio::time::sleep(Duration::from_millis(10)).await;
        let second = tokio::spawn(insert(6));
        for w in [first, second] {
            let e = w.await.expect("writer").expect_err("not flushed");
            assert!(e.to_string().contains("预写日志未能写入磁盘"), "{e}");
        }
        assert!(writer.flusher.lock().expect("flusher").is_some(), "flushed on the thread");
        writer.limit_groups(GROUP_MAX);
        // The log found again: the next write is flushed and done.
        let writer = Arc::into_inner(writer);
        let mut writer = writer.expect("the writer alone");
        writer.log = log;
        let writer = Arc::new(writer);
        let (p, w, n) = (pool.clone(), writer.clone(), writes.clone());
        let mut tx = begin(&p, Some(&w), &n).await.expect("begin");
        sqlx::query("INSERT INTO t (x) VALUES (4)").execute(&mut *tx.tx).await.expect("insert");
        tx.commit().await.expect("flushed");
        assert_eq!(rows(&readers).await, [1, 2, 3, 4, 5, 6]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A group's members are answered even when the writer that committed the group goes
    /// away before its flush (a dropped request): they flush the log themselves.
    #[tokio::test]
    async fn a_group_is_flushed_when_its_committer_goes_away_before_the_flush() {
        let (dir, readers, writer) = scratch("committer-gone").await;
        let (pool, writer) = (readers.clone(), Arc::new(writer));
        let writes = Arc::new(AtomicU64::new(0));
        let insert = |x: i64| insert(pool.clone(), writer.clone(), writes.clone(), x, false);
        // Another flush under way holds the second writer back after its commit.
        let other_flush = writer.flushed.lock().await;
        let first = tokio::spawn(insert(1));
        tokio::time::sleep(Duration::from_millis(10)).await;
        let second = tokio::spawn(insert(2));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(writes.load(Ordering::SeqCst), 1, "the group committed");
        second.abort();
        assert!(second.await.is_err_and(|e| e.is_cancelled()));
        drop(other_flush);
        let answered = tokio::time::timeout(Duration::from_secs(2), first).await;
        assert!(answered.expect("answered").expect("first").is_ok());
        assert_eq!(rows(&readers).await, [1, 2]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
