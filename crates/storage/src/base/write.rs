//! Write transactions, and on SQLite their group commit.
//!
//! SQLite has one writer at a time, and with `synchronous = FULL` each commit waits for the
//! disk. When writers queue for the lock, the one that finishes leaves its transaction open
//! for the next instead of committing, and the last of the group commits for all: one flush
//! for many changes. Each writer's work is a savepoint of its own, so a refused change rolls
//! back alone; and no caller hears that its change is done before the commit that holds it
//! has reached the disk. A writer that stops without finishing (an error, a dropped request)
//! leaves its savepoint to be rolled back by the next; if none comes, the group's members
//! finish the group themselves. PostgreSQL gathers concurrent commits into one flush itself,
//! so there each writer keeps its own transaction.

use crate::{Result, StoreError};
use sqlx::AnyConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// At most this many changes share one commit.
const GROUP_MAX: usize = 64;
/// How long a member of a group waits for its commit before it finishes the group itself
/// (only when the writer it handed the transaction to went away).
const MEMBER_PATIENCE: Duration = Duration::from_millis(200);

/// The open transaction of a write.
pub(crate) struct Tx(Option<sqlx::Transaction<'static, sqlx::Any>>);

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.0.as_deref().expect("the write's transaction is open until it commits")
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.0.as_deref_mut().expect("the write's transaction is open until it commits")
    }
}

/// SQLite's one writer at a time, and the group it commits in.
#[derive(Default)]
pub(crate) struct Writer {
    lock: tokio::sync::Mutex<()>,
    /// Writers waiting for the lock.
    waiting: AtomicUsize,
    /// The transaction a finished writer left open for the next.
    open: std::sync::Mutex<Option<Open>>,
}

struct Open {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    group: Arc<Group>,
    /// Its last writer went away without finishing: its savepoint is rolled back first.
    unfinished: bool,
}

/// The changes that commit together, and how their commit went.
struct Group {
    members: AtomicUsize,
    done: watch::Sender<Option<std::result::Result<(), String>>>,
}

impl Group {
    fn new() -> Arc<Group> {
        Arc::new(Group { members: AtomicUsize::new(0), done: watch::Sender::new(None) })
    }
}

/// Counts a writer as waiting for the lock until it has it (or gives up).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) struct WriteTx<'a> {
    pub tx: Tx,
    guard: Option<(tokio::sync::MutexGuard<'a, ()>, &'a Writer, Arc<Group>)>,
    writes: &'a AtomicU64,
}

/// Begins a write: its own transaction (PostgreSQL), or on SQLite its savepoint in the
/// group's transaction once it holds the lock.
pub(crate) async fn begin<'a>(
    pool: &sqlx::AnyPool, writer: Option<&'a Writer>, writes: &'a AtomicU64,
) -> Result<WriteTx<'a>> {
    let Some(writer) = writer else {
        return Ok(WriteTx { tx: Tx(Some(pool.begin().await?)), guard: None, writes });
    };
    let guard = {
        writer.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&writer.waiting);
        writer.lock.lock().await
    };
    let open = writer.open.lock().map_err(|_| poisoned())?.take();
    // The first writer of a group needs no savepoint: if it stops, nothing else is in the
    // transaction and all of it is rolled back.
    let (tx, group) = match open {
        Some(mut o) => {
            if o.unfinished {
                undo_savepoint(&mut o.tx).await?;
            }
            sqlx::query("SAVEPOINT govit_write").execute(&mut *o.tx).await?;
            (o.tx, o.group)
        }
        None => (pool.begin().await?, Group::new()),
    };
    Ok(WriteTx { tx: Tx(Some(tx)), guard: Some((guard, writer, group)), writes })
}

async fn undo_savepoint(tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> Result<()> {
    sqlx::query("ROLLBACK TO SAVEPOINT govit_write").execute(&mut **tx).await?;
    sqlx::query("RELEASE SAVEPOINT govit_write").execute(&mut **tx).await?;
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
        let mut tx = self.tx.0.take().expect("a write commits once");
        let Some((guard, writer, group)) = self.guard.take() else {
            tx.commit().await?;
            self.writes.fetch_add(1, Ordering::SeqCst);
            return Ok(());
        };
        let members = group.members.fetch_add(1, Ordering::SeqCst) + 1;
        if members > 1 {
            sqlx::query("RELEASE SAVEPOINT govit_write").execute(&mut *tx).await?;
        }
        if writer.waiting.load(Ordering::SeqCst) > 0 && members < GROUP_MAX {
            // Someone is queued: they carry the transaction on; this change commits with it.
            *writer.open.lock().map_err(|_| poisoned())? =
                Some(Open { tx, group: group.clone(), unfinished: false });
            drop(guard);
            return member_waits(writer, &group, self.writes).await;
        }
        finish(tx, &group, self.writes).await
    }
}

/// Commits the group's transaction and tells its members how it went.
async fn finish(
    tx: sqlx::Transaction<'static, sqlx::Any>, group: &Group, writes: &AtomicU64,
) -> Result<()> {
    let outcome = tx.commit().await;
    writes.fetch_add(1, Ordering::SeqCst);
    group.done.send_replace(Some(outcome.as_ref().map(|_| ()).map_err(|e| e.to_string())));
    Ok(outcome?)
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
        let _guard = writer.lock.lock().await;
        let outcome = group.done.borrow().clone();
        if let Some(outcome) = outcome {
            return outcome.map_err(failed);
        }
        let open = writer.open.lock().map_err(|_| poisoned())?.take();
        match open {
            Some(mut o) if Arc::ptr_eq(&o.group, group) => {
                if o.unfinished {
                    undo_savepoint(&mut o.tx).await?;
                }
                return finish(o.tx, group, writes).await;
            }
            // Another group's: not ours to touch.
            Some(o) => *writer.open.lock().map_err(|_| poisoned())? = Some(o),
            None => {}
        }
        if group.done.borrow().is_none() {
            // Neither committed nor open: the transaction was lost with the writer that held it.
            return Err(StoreError::Config("写入未能提交，请重试".into()));
        }
    }
}

impl Drop for WriteTx<'_> {
    /// A write that does not commit is rolled back: alone, by dropping its transaction; in a
    /// group, by leaving its savepoint to be undone by whoever carries the group on.
    fn drop(&mut self) {
        let (Some(tx), Some((_, writer, group))) = (self.tx.0.take(), self.guard.as_ref()) else {
            return;
        };
        if group.members.load(Ordering::SeqCst) == 0 {
            return;
        }
        if let Ok(mut open) = writer.open.lock() {
            *open = Some(Open { tx, group: group.clone(), unfinished: true });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn rows(pool: &sqlx::AnyPool) -> Vec<i64> {
        sqlx::query_scalar("SELECT x FROM t ORDER BY x").fetch_all(pool).await.expect("rows")
    }

    /// Three writers queue: the first hands its transaction on, the second stops without
    /// committing, the third commits the group. The first and third are on disk; the
    /// second's insert is not.
    #[tokio::test]
    async fn a_group_commits_its_finished_writes_and_undoes_the_unfinished_one() {
        crate::base::direct::install_drivers();
        let dir = std::env::temp_dir().join(format!("govit-group-commit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        let readers =
            sqlx::any::AnyPoolOptions::new().max_connections(2).connect(&url).await.expect("db");
        sqlx::query("PRAGMA journal_mode = WAL").execute(&readers).await.expect("wal");
        sqlx::query("CREATE TABLE t (x BIGINT NOT NULL)").execute(&readers).await.expect("table");
        // Writes run on the writer's own connection, as the store's do.
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&crate::base::direct::url_for(&url))
            .await
            .expect("writer");
        let writer = Arc::new(Writer::default());
        let writes = Arc::new(AtomicU64::new(0));
        let insert = |x: i64| {
            let (pool, writer, writes) = (pool.clone(), writer.clone(), writes.clone());
            async move {
                let mut w = begin(&pool, Some(&writer), &writes).await?;
                sqlx::query("INSERT INTO t (x) VALUES ($1)").bind(x).execute(&mut *w.tx).await?;
                tokio::time::sleep(Duration::from_millis(40)).await;
                if x == 2 {
                    return Err(StoreError::Config("stops".into()));
                }
                w.commit().await
            }
        };
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
        let _ = std::fs::remove_dir_all(&dir);
    }
}
