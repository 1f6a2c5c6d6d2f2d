//! Workflow transitions per second (figures, not pass/fail): `cargo bench --bench transitions`.
//!
//! Into a fresh SQLite database (or the empty PostgreSQL in `GOVIT_BENCH_DATABASE_URL`) with the
//! demo district, `GOVIT_BENCH_FLOW_PROJECTS` declarations (default 4,000) are drafted; then
//! 20,000 transitions run along yeji's path with the projects all in flight: every project is
//! submitted, then signed by four offices of yeji:7's joint review, one round after another
//! (each office's review opinion, which the profile asks for before its pass, is recorded
//! between the rounds, off the clock).
//! Each transition is one durable commit through the change path (SQLite: WAL, each commit's
//! log flushed to the disk before it is answered, the flush after the writer's lock — by the
//! writer alone, on the log's flushing thread while others write): the act, the project's
//! status and version, the events it causes, the recomputed obligations and tasks, the
//! timeline line, the SM3-chained audit record and — for an office's pass, a decision — its
//! SM2 signature by the platform's key (as the server signs them).
//! The first third runs from one client; the second from eight at once, each transition its
//! own commit and its own flush; the last from eight with group commit (on SQLite: the
//! writers queued behind one share its commit, and commits share a flush). Reported:
//! transitions per second for each, the median and 99th-percentile latency, the CPU per
//! transition, and the process's peak memory;
//! and first, for scale, the bare database's ceiling on the same database: a state row and an
//! audit row per durable commit, no engine at all.

use govit_core::org::Principal;
use govit_core::project::Decision;
use govit_storage::projects::{Command, CreateDraft, Project, RunStep};
use govit_storage::seed::demo;
use govit_storage::{Actor, Store, Target, Who, sqlite_url};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

mod common;

async fn principal(store: &Store, login: &str) -> Principal {
    let id = store.user_id_by_login(login).await.expect("db").expect("user");
    store.principal(id).await.expect("db").expect("principal")
}

/// One transition: `login`'s pass (or the clerk's submission) on project `id`; its latency.
async fn transit(store: &Store, who: &Principal, id: i64, submit: bool) -> f64 {
    let actor = Actor::cli("bench");
    let now = chrono::Utc::now().timestamp_millis();
    let step = if submit {
        RunStep::new(Command::Submit)
    } else {
        RunStep::new(Command::Decide(Decision::Approve { comment: "同意".into() }))
    };
    let t = Instant::now();
    store
        .run::<Project, _>(Who::new(who, &actor, now), Target::any_version(id), &step)
        .await
        .unwrap_or_else(|e| panic!("transition on {id}: {e:?}"));
    t.elapsed().as_secs_f64() * 1000.0
}

/// Statements run so far (counted only with `GOVIT_LOG_SQL`, when sqlx logs each one).
static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

/// Per statement text (sqlx's summary and SQL): how often it ran and its total time from the
/// caller's side (sqlx's `elapsed`: the hop to the connection's thread and back included).
static TIMES: std::sync::Mutex<Option<HashMap<String, (u64, f64)>>> = std::sync::Mutex::new(None);

/// Counts sqlx's statement log events, and sums their time per statement.
struct Statements;

#[derive(Default)]
struct Fields {
    sql: String,
    secs: f64,
}

impl tracing::field::Visit for Fields {
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.secs = value;
        }
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if matches!(field.name(), "summary" | "db.statement") {
            self.sql.push_str(value.trim());
            self.sql.push(' ');
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if matches!(field.name(), "summary" | "db.statement") {
            self.sql.push_str(format!("{value:?}").trim_matches('"'));
            self.sql.push(' ');
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Statements {
    fn on_event(&self, e: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if e.metadata().target() == "sqlx::query" {
            STATEMENTS.fetch_add(1, Ordering::Relaxed);
            let mut f = Fields::default();
            e.record(&mut f);
            if let Ok(mut times) = TIMES.lock() {
                let t = times.get_or_insert_with(HashMap::new).entry(f.sql).or_default();
                *t = (t.0 + 1, t.1 + f.secs);
            }
        }
    }
}

/// The statements that took the most time since the last call, per transition: runs, µs per
/// run, µs per transition.
fn slowest_statements(transitions: usize) {
    let Some(times) = TIMES.lock().ok().and_then(|mut t| t.take()) else { return };
    let mut times: Vec<(String, (u64, f64))> = times.into_iter().collect();
    times.sort_by(|a, b| b.1.1.total_cmp(&a.1.1));
    let total: f64 = times.iter().map(|t| t.1.1).sum();
    println!(
        "time in statements: {:.0} µs per transition; the largest shares (runs per transition, µs per run, µs per transition):",
        total * 1e6 / transitions.max(1) as f64
    );
    // GOVIT_BENCH_STATEMENTS=N lists N of them (all: 0).
    let shown = match std::env::var("GOVIT_BENCH_STATEMENTS").ok().and_then(|n| n.parse().ok()) {
        Some(0) => usize::MAX,
        Some(n) => n,
        None => 12,
    };
    for (sql, (runs, secs)) in times.iter().take(shown) {
        let sql: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        let sql: String = sql.chars().take(110).collect();
        println!(
            "  {:>5.2} × {:>6.1} µs = {:>6.1} µs  {sql}",
            *runs as f64 / transitions.max(1) as f64,
            secs * 1e6 / *runs as f64,
            secs * 1e6 / transitions.max(1) as f64
        );
    }
}

/// The bare database: `n` commits of one state row updated and one audit row inserted, from
/// one client, on scratch tables dropped afterwards; per second. They run on a connection of
/// the kind the store's writes run on (on SQLite, the writer's: `base::direct`).
async fn bare(url: &str, n: usize) -> f64 {
    use govit_storage::sqlx::{self, Connection};
    let url = govit_storage::base::direct::url_for(url);
    let mut conn = sqlx::AnyConnection::connect(&url).await.expect("bare connection");
    if !url.starts_with("postgres") {
        // Each commit flushed by SQLite before it returns, as the peers' were.
        sqlx::query("PRAGMA synchronous = FULL").execute(&mut conn).await.expect("full");
    }
    for sql in [
        "CREATE TABLE bench_state (id BIGINT PRIMARY KEY, step BIGINT NOT NULL)",
        "CREATE TABLE bench_audit (seq BIGINT PRIMARY KEY, at_ms BIGINT NOT NULL, detail TEXT NOT NULL)",
        "INSERT INTO bench_state (id, step) VALUES (1, 0)",
    ] {
        sqlx::query(sql).execute(&mut conn).await.expect("scratch table");
    }
    let t = Instant::now();
    for i in 0..n as i64 {
        let mut tx = conn.begin().await.expect("begin");
        sqlx::query("UPDATE bench_state SET step = $1 WHERE id = 1")
            .bind(i)
            .execute(&mut *tx)
            .await
            .expect("state");
        sqlx::query("INSERT INTO bench_audit (seq, at_ms, detail) VALUES ($1, $2, $3)")
            .bind(i)
            .bind(chrono::Utc::now().timestamp_millis())
            .bind("通过")
            .execute(&mut *tx)
            .await
            .expect("audit");
        tx.commit().await.expect("commit");
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    for sql in ["DROP TABLE bench_state", "DROP TABLE bench_audit"] {
        sqlx::query(sql).execute(&mut conn).await.expect("drop");
    }
    rate
}

/// A phase's rate and latencies, and the CPU time it took per transition (all threads: the
/// engine, the runtime, the database's), which bounds the rate two cores can reach.
fn report(what: &str, n: usize, secs: f64, cpu: f64, mut lat: Vec<f64>) {
    lat.sort_by(f64::total_cmp);
    println!(
        "{what:<34} {n:>6} transitions in {secs:>7.2} s = {:>7.0}/s   p50 {:>6.2} ms   p99 {:>6.2} ms   CPU {:>5.0} µs each",
        n as f64 / secs,
        common::percentile(&lat, 0.5),
        common::percentile(&lat, 0.99),
        cpu * 1e6 / n.max(1) as f64
    );
}

/// `items` from eight clients at once, each on its own share of the projects (kept in their
/// order of rounds, so that a project's steps stay in sequence); reported as `what`.
async fn eight_clients(store: &Arc<Store>, what: &str, items: Vec<(Principal, bool, i64)>) {
    let total = items.len();
    let t = Instant::now();
    let cpu_since = common::cpu_secs();
    let mut tasks = Vec::new();
    for c in 0..8 {
        let mine: Vec<(Principal, bool, i64)> =
            items.iter().filter(|(_, _, id)| (*id as usize) % 8 == c).cloned().collect();
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(mine.len());
            for (who, submit, id) in mine {
                lat.push(transit(&store, &who, id, submit).await);
            }
            lat
        }));
    }
    let mut lat = Vec::with_capacity(total);
    for t in tasks {
        lat.extend(t.await.expect("client"));
    }
    report(what, total, t.elapsed().as_secs_f64(), common::cpu_secs() - cpu_since, lat);
}

#[tokio::main]
async fn main() {
    let counting = std::env::var_os("GOVIT_LOG_SQL").is_some();
    if counting {
        use tracing_subscriber::prelude::*;
        let only = tracing_subscriber::filter::Targets::new()
            .with_target("sqlx::query", tracing::Level::DEBUG);
        tracing_subscriber::registry().with(Statements.with_filter(only)).init();
        println!("GOVIT_LOG_SQL: counting statements (every one is logged: the rates are slower)");
    }
    let n: usize = std::env::var("GOVIT_BENCH_FLOW_PROJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000);
    let dir = std::env::temp_dir().join(format!("govit-flow-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = std::env::var("GOVIT_BENCH_DATABASE_URL").unwrap_or_else(|_| sqlite_url(&dir));
    let store = Arc::new(Store::connect(&url).await.expect("database"));
    let files = govit_storage::materials::FileStore::local(&dir.join("files"));
    store.use_files(files.expect("file store"));
    // Decisions are signed as the server signs them: SM2, with the data directory's key.
    let key = govit_storage::audit::checkpoints::default_key_file(&dir);
    let (signer, _) = govit_storage::audit::checkpoints::load_or_create_key(&key).expect("key");
    store.use_signer(signer);
    let now = chrono::Utc::now().timestamp_millis();
    demo::seed(&store, now, |_| "Bench-pass-2026".into(), false).await.expect("seed");
    let clerk = principal(&store, "clerk").await;
    let offices = [
        principal(&store, "reviewer").await,
        principal(&store, "finance").await,
        principal(&store, "fgw").await,
        principal(&store, "jyj").await,
    ];
    println!(
        "backend: {}",
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite (WAL, each commit flushed before it is answered)"
        }
    );

    println!(
        "bare database (a state row and an audit row per durable commit, no engine): {:.0}/s",
        bare(&url, 5_000).await
    );

    let t = Instant::now();
    let mut ids = Vec::with_capacity(n);
    let actor = Actor::cli("bench");
    for i in 0..n {
        let wan = format!("{}", 20 + i % 500);
        let form = govit_storage::seed::declaration(
            format!("流程性能测试项目{i}"),
            "检验审批流程的吞吐",
            "2027-01",
            "2027-12",
            &wan,
        );
        let p = store
            .run::<Project, _>(Who::new(&clerk, &actor, now), Target::New, &CreateDraft(&form))
            .await
            .expect("draft");
        ids.push(p.record.id.0);
        // yeji:6's materials, so that the submission passes its check (not timed).
        govit_storage::seed::materials::hand_in(
            &store,
            Who::new(&clerk, &actor, now),
            p.record.id.0,
        )
        .await
        .expect("materials");
    }
    println!("drafted {n} declarations with their materials in {:.1} s", t.elapsed().as_secs_f64());

    // Rounds: submit, then the four offices; 5 × n transitions, the projects all in flight.
    let mut rounds: Vec<(Principal, bool)> = vec![(clerk.clone(), true)];
    rounds.extend(offices.iter().map(|o| (o.clone(), false)));
    // A third from one client, the rest from eight (below).
    let first = rounds.len() * n / 3;
    let mut done = 0usize;
    let mut lat = Vec::new();
    let (mut timed, mut since) = (std::time::Duration::ZERO, Instant::now());
    let (mut cpu, mut cpu_since) = (0.0, common::cpu_secs());
    let mut opined = false;
    // Statements counted (with GOVIT_LOG_SQL) and transitions: submissions, then passes.
    let mut statements = [(0u64, 0u64); 2];
    'one: for (who, submit) in &rounds {
        if !submit && !opined {
            // yeji:7's offices each record their review opinion before they pass (the review
            // form the profile names): recorded here for every project, off the clock — the
            // figures are of the transitions alone.
            timed += since.elapsed();
            cpu += common::cpu_secs() - cpu_since;
            let t = Instant::now();
            for o in &offices {
                for id in &ids {
                    let now = chrono::Utc::now().timestamp_millis();
                    govit_storage::seed::reviews::give_opinion(
                        &store,
                        Who::new(o, &actor, now),
                        *id,
                    )
                    .await
                    .unwrap_or_else(|e| panic!("opinion on {id}: {e:?}"));
                }
            }
            println!(
                "recorded the offices' review opinions in {:.1} s (not timed)",
                t.elapsed().as_secs_f64()
            );
            opined = true;
            if let Ok(mut t) = TIMES.lock() {
                t.take();
            }
            since = Instant::now();
            cpu_since = common::cpu_secs();
        }
        for id in &ids {
            if done == first {
                break 'one;
            }
            let before = STATEMENTS.load(Ordering::Relaxed);
            lat.push(transit(&store, who, *id, *submit).await);
            let n = (STATEMENTS.load(Ordering::Relaxed) - before) as u64;
            let kind = &mut statements[usize::from(!*submit)];
            *kind = (kind.0 + n, kind.1 + 1);
            done += 1;
        }
    }
    timed += since.elapsed();
    cpu += common::cpu_secs() - cpu_since;
    report("one client", lat.len(), timed.as_secs_f64(), cpu, lat);
    if counting {
        let mean = |(n, k): (u64, u64)| n as f64 / k.max(1) as f64;
        println!(
            "statements per transition: a submission {:.1}, an office's pass {:.1}",
            mean(statements[0]),
            mean(statements[1])
        );
        slowest_statements(statements[1].1 as usize);
    }

    // The rest from eight clients at once, each on its own share of the projects: first
    // with each transition its own commit, then with group commit.
    let mut left: Vec<(Principal, bool, i64)> = Vec::new();
    let mut k = 0usize;
    for (who, submit) in &rounds {
        for id in &ids {
            if k >= first {
                left.push((who.clone(), *submit, *id));
            }
            k += 1;
        }
    }
    let grouped = left.split_off(left.len() / 2);
    store.limit_groups(1);
    eight_clients(&store, "eight clients, a commit each", left).await;
    store.limit_groups(64);
    eight_clients(&store, "eight clients, group commit", grouped).await;
    println!("peak memory (VmHWM): {:.0} MiB", common::status_mib("self", "VmHWM:"));
    let _ = std::fs::remove_dir_all(&dir);
}
