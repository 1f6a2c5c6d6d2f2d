use super::*;
use crate::Actor;
use govit_core::policy::Fact;

/// Each project's obligations and its tasks' due dates, in one order.
async fn owed(store: &Store) -> Vec<String> {
    let rows = sqlx::query(
        "SELECT project_id, obligation_key, status, since_date, due_date, owed_department_id, late \
         FROM obligations ORDER BY project_id, obligation_key",
    )
    .fetch_all(&store.pool)
    .await
    .expect("obligations");
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {:?} {:?} {}",
                r.get::<i64, _>("project_id"),
                r.get::<String, _>("obligation_key"),
                r.get::<String, _>("status"),
                r.get::<String, _>("since_date"),
                r.get::<Option<String>, _>("due_date"),
                r.get::<Option<i64>, _>("owed_department_id"),
                r.get::<i64, _>("late"),
            )
        })
        .collect();
    let tasks = sqlx::query(
        "SELECT project_id, slot, party, due_date, overdue FROM run_tasks ORDER BY project_id, slot, party",
    )
    .fetch_all(&store.pool)
    .await
    .expect("tasks");
    out.extend(tasks.iter().map(|r| {
        format!(
            "task {} {} {} {:?} {}",
            r.get::<i64, _>("project_id"),
            r.get::<i64, _>("slot"),
            r.get::<String, _>("party"),
            r.get::<Option<String>, _>("due_date"),
            r.get::<i64, _>("overdue"),
        )
    }));
    out
}

/// The daily recompute reads and writes two hundred projects at a time: each project owes
/// exactly what it owes recomputed alone, its facts read with the others' are its own, and
/// the tasks' due dates follow.
#[tokio::test]
async fn projects_recomputed_together_owe_what_each_owes_recomputed_alone() {
    let dir = std::env::temp_dir().join(format!("govit-owe-together-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let store = Store::connect(&crate::sqlite_url(&dir)).await.expect("db");
    let now = 1_781_575_200_000;
    store.generate_synthetic(&Actor::cli("test"), now, 450, 7).await.expect("generate");

    // The bases read at once are those read one project at a time.
    let mut conn = store.pool.acquire().await.expect("conn");
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM projects ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .expect("ids");
    assert!(ids.len() > 400, "{} projects", ids.len());
    let projects = super::super::fetch_all(&mut conn, &ids).await.expect("projects");
    let all: Vec<&Project> = projects.iter().collect();
    let together = store.bases_of(&mut conn, &all).await.expect("bases");
    assert_eq!(together.len(), all.len());
    let mut sourced = std::collections::BTreeSet::new();
    for (p, basis) in all.iter().zip(&together) {
        assert_eq!(basis, &store.basis_of(&mut conn, p).await.expect("basis"), "{}", p.id.0);
        sourced.extend(basis.sourced.keys().copied());
    }
    // The sources that read records of approved projects found some.
    for fact in [Fact::OmMonthsInContract, Fact::AcceptanceFailed, Fact::DelayRatioBp] {
        assert!(sourced.contains(&fact), "no project has {fact:?}");
    }
    drop(conn);

    // Recomputed together a month later (duties fall due), then each alone from nothing.
    let later = now + 30 * 86_400_000;
    store.refresh_all_obligations(later).await.expect("refresh");
    let at_once = owed(&store).await;
    assert!(at_once.iter().any(|r| r.contains(" overdue ")), "nothing overdue");
    let mut w = store.write().await.expect("write");
    sqlx::query("DELETE FROM obligations").execute(&mut *w.tx).await.expect("delete");
    sqlx::query("UPDATE run_tasks SET due_date = NULL, overdue = 0")
        .execute(&mut *w.tx)
        .await
        .expect("clear");
    w.commit().await.expect("commit");
    assert_ne!(owed(&store).await, at_once);
    for id in &ids {
        let mut w = store.write().await.expect("write");
        store.recompute_in(&mut w.tx, ProjectId(*id), later).await.expect("recompute");
        w.commit().await.expect("commit");
    }
    assert_eq!(owed(&store).await, at_once);
    let _ = std::fs::remove_dir_all(&dir);
}
