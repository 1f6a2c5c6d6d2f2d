//! Assembling, reading, exporting and publishing an annual plan (figures, not pass/fail):
//! `cargo bench --bench plans`.
//!
//! Into a fresh SQLite database (or the empty PostgreSQL in `GOVIT_BENCH_DATABASE_URL`) with the
//! demo district, `GOVIT_BENCH_PLAN_PROJECTS` declarations (default 2,000) are sent and taken
//! through yeji:7's joint review to 发改委's approval step (not timed). Then, timed: the
//! authority starts the 2027 plan (assembled from all of them in one change), the plan read as
//! its page reads it, its .xlsx, 报批 and the district government's approval, and publication,
//! which records 列入年度计划 on every project and recomputes each one's obligations and
//! tasks in the same transaction. Peak memory at the end.

use govit_core::org::Principal;
use govit_core::plan::PlanKind;
use govit_core::project::Decision;
use govit_core::workflow::Verb;
use govit_storage::plans::{Plan, PlanAct, PublishPlan, StartPlan};
use govit_storage::projects::{Command, CreateDraft, Project, RunStep};
use govit_storage::seed::demo;
use govit_storage::{Actor, Store, Target, Who, sqlite_url};
use std::sync::Arc;
use std::time::Instant;

mod common;

async fn principal(store: &Store, login: &str) -> Principal {
    let id = store.user_id_by_login(login).await.expect("db").expect("user");
    store.principal(id).await.expect("db").expect("principal")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("GOVIT_BENCH_PLAN_PROJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let dir = std::env::temp_dir().join(format!("govit-plan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = std::env::var("GOVIT_BENCH_DATABASE_URL").unwrap_or_else(|_| sqlite_url(&dir));
    let store = Arc::new(Store::connect(&url).await.expect("database"));
    let files = govit_storage::materials::FileStore::local(&dir.join("files"));
    store.use_files(files.expect("file store"));
    demo::seed(&store, now(), |_| "Bench-pass-2026".into(), false).await.expect("seed");
    let clerk = principal(&store, "clerk").await;
    let offices = Arc::new(vec![
        principal(&store, "reviewer").await,
        principal(&store, "finance").await,
        principal(&store, "fgw").await,
        principal(&store, "jyj").await,
        principal(&store, "wxb").await,
    ]);
    println!(
        "backend: {}",
        if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite (WAL, synchronous=FULL)" }
    );
    let actor = Actor::cli("bench");
    let t = Instant::now();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let start = if i % 3 == 0 { "2026-07" } else { "2027-01" };
        let wan = format!("{}", 20 + i % 500);
        let form = govit_storage::seed::declaration(
            format!("计划性能测试项目{i}"),
            "检验年度计划的编制",
            start,
            "2027-12",
            &wan,
        );
        let p = store
            .run::<Project, _>(Who::new(&clerk, &actor, now()), Target::New, &CreateDraft(&form))
            .await
            .expect("draft");
        let id = p.record.id.0;
        govit_storage::seed::materials::hand_in(&store, Who::new(&clerk, &actor, now()), id)
            .await
            .expect("materials");
        store
            .run::<Project, _>(
                Who::new(&clerk, &actor, now()),
                Target::any_version(id),
                &RunStep::new(Command::Submit),
            )
            .await
            .expect("submit");
        ids.push(id);
    }
    // yeji:7's five offices, eight clients at once, each on its share of the projects.
    let mut tasks = Vec::new();
    for c in 0..8usize {
        let mine: Vec<i64> = ids.iter().copied().filter(|id| (*id as usize) % 8 == c).collect();
        let (store, offices) = (store.clone(), offices.clone());
        tasks.push(tokio::spawn(async move {
            let actor = Actor::cli("bench");
            for id in mine {
                for who in offices.iter() {
                    govit_storage::seed::reviews::give_opinion(
                        &store,
                        Who::new(who, &actor, now()),
                        id,
                    )
                    .await
                    .expect("opinion");
                    let step = RunStep::new(Command::Decide(Decision::Approve {
                        comment: "同意".into(),
                    }));
                    store
                        .run::<Project, _>(
                            Who::new(who, &actor, now()),
                            Target::any_version(id),
                            &step,
                        )
                        .await
                        .unwrap_or_else(|e| panic!("pass {id}: {e:?}"));
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
    println!(
        "{n} declarations sent and through the joint review in {:.1} s (not timed below)",
        t.elapsed().as_secs_f64()
    );

    let authority = &offices[0];
    let gov = principal(&store, "qzf").await;
    let timed = |what: &str, t: Instant| {
        println!("{what:<44} {:>9.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    };
    let t = Instant::now();
    let start = StartPlan { kind: PlanKind::Annual, year: 2027, title: String::new() };
    let plan = store
        .run::<Plan, _>(Who::new(authority, &actor, now()), Target::New, &start)
        .await
        .expect("start");
    timed(&format!("assemble the plan ({} projects)", plan.record.lines), t);
    let id = plan.record.id;
    let t = Instant::now();
    let view = store.plan_view(Who::new(authority, &actor, now()), id).await.expect("view");
    timed("read it as its page does (lines, totals, run)", t);
    let t = Instant::now();
    let bytes =
        govit_web::plans::plan_bytes(&view.plan, &view.lines, &view.totals, &[]).expect("xlsx");
    timed(&format!("export it as .xlsx ({} KiB)", bytes.len() / 1024), t);
    let t = Instant::now();
    for who in [authority, &gov] {
        store
            .run::<Plan, _>(
                Who::new(who, &actor, now()),
                Target::any_version(id),
                &PlanAct(Verb::Pass { note: "同意".into() }),
            )
            .await
            .expect("pass");
    }
    timed("报批 and the district government's approval", t);
    let t = Instant::now();
    store
        .run::<Plan, _>(Who::new(authority, &actor, now()), Target::any_version(id), &PublishPlan)
        .await
        .expect("publish");
    timed("publish (every project's event, obligations, tasks)", t);
    println!("peak memory (VmHWM): {:.0} MiB", common::status_mib("self", "VmHWM:"));
    let _ = std::fs::remove_dir_all(&dir);
}
