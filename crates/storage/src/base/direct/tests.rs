use super::*;
use sqlx::Row;

/// The writer's connection answers as sqlx's SQLite driver does: arguments by number or
/// in order, values as `Any` reads them, rows changed, constraint errors by kind, and
/// transactions with savepoints that roll back alone.
#[tokio::test]
async fn statements_bind_read_and_fail_as_sqlxs_driver_has_them() {
    install_drivers();
    let dir = std::env::temp_dir().join(format!("govit-direct-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.join("d.db").display());
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url_for(&url))
        .await
        .expect("writer");
    // A script without arguments runs whole, each statement seeing the ones before.
    sqlx::raw_sql(
        "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, score DOUBLE, note TEXT); \
         CREATE INDEX t_score ON t (score);",
    )
    .execute(&pool)
    .await
    .expect("script");
    // `$N` by number whatever their order in the text; `?` in order.
    sqlx::query("INSERT INTO t (name, id, score, note) VALUES ($2, $1, $3, $4)")
        .bind(1_i64)
        .bind("甲")
        .bind(2.5_f64)
        .bind(None::<String>)
        .execute(&pool)
        .await
        .expect("insert");
    sqlx::query("INSERT INTO t (id, name, score) VALUES (?, ?, ?)")
        .bind(2_i64)
        .bind("乙")
        .bind(1_i32)
        .execute(&pool)
        .await
        .expect("insert");
    let rows =
        sqlx::query("SELECT id, name, score, note, COUNT(*) OVER () AS n FROM t ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].try_get::<i64, _>("id").expect("id"), 1);
    assert_eq!(rows[0].try_get::<String, _>("name").expect("name"), "甲");
    assert_eq!(rows[0].try_get::<f64, _>("score").expect("score"), 2.5);
    assert_eq!(rows[0].try_get::<Option<String>, _>("note").expect("note"), None);
    assert_eq!(rows[1].try_get::<i32, _>("n").expect("n"), 2);
    let changed = sqlx::query("UPDATE t SET note = $1 WHERE score >= $2")
        .bind("改")
        .bind(1.0_f64)
        .execute(&pool)
        .await
        .expect("update")
        .rows_affected();
    assert_eq!(changed, 2);
    let one: Option<i64> = sqlx::query_scalar("SELECT id FROM t WHERE name = $1")
        .bind("丙")
        .fetch_optional(&pool)
        .await
        .expect("none");
    assert_eq!(one, None);
    // A unique index refuses a second 甲 as sqlx reports it.
    let e = sqlx::query("INSERT INTO t (id, name) VALUES ($1, $2)")
        .bind(3_i64)
        .bind("甲")
        .execute(&pool)
        .await
        .expect_err("unique");
    assert!(e.as_database_error().is_some_and(|d| d.is_unique_violation()), "{e}");
    assert!(crate::base::unique_violation(&e), "{e}");
    // A transaction, a savepoint rolled back inside it, the rest committed.
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("INSERT INTO t (id, name) VALUES (4, '丁')").execute(&mut *tx).await.expect("丁");
    {
        let mut inner = sqlx::Connection::begin(&mut *tx).await.expect("savepoint");
        sqlx::query("INSERT INTO t (id, name) VALUES (5, '戊')")
            .execute(&mut *inner)
            .await
            .expect("戊");
        inner.rollback().await.expect("rollback");
    }
    tx.commit().await.expect("commit");
    // A transaction dropped unfinished leaves nothing.
    {
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query("INSERT INTO t (id, name) VALUES (6, '己')")
            .execute(&mut *tx)
            .await
            .expect("己");
    }
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM t ORDER BY id").fetch_all(&pool).await.expect("ids");
    assert_eq!(ids, [1, 2, 4]);
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// While another process holds SQLite's write lock, the writer's transaction waits for it
/// (off the runtime's thread) and begins once it is let go, rather than failing at once; a
/// lock held past the wait fails as busy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_waits_for_the_lock_another_process_holds() {
    install_drivers();
    let dir = std::env::temp_dir().join(format!("govit-direct-busy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("b.db");
    let _ = std::fs::remove_file(&file);
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url_for(&url))
        .await
        .expect("writer");
    sqlx::raw_sql("CREATE TABLE t (id BIGINT PRIMARY KEY)").execute(&pool).await.expect("t");
    let other = rusqlite::Connection::open(&file).expect("other");
    other.execute_batch("BEGIN IMMEDIATE; INSERT INTO t (id) VALUES (1);").expect("lock");
    let released = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        other.execute_batch("COMMIT").expect("commit");
    });
    let started = Instant::now();
    let mut tx = pool.begin().await.expect("begins once the lock is let go");
    assert!(started.elapsed() >= Duration::from_millis(250), "{:?}", started.elapsed());
    sqlx::query("INSERT INTO t (id) VALUES (2)").execute(&mut *tx).await.expect("insert");
    tx.commit().await.expect("commit");
    released.join().expect("other");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&pool).await.expect("n");
    assert_eq!(n, 2);
}
