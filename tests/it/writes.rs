//! Concurrent changes commit together on SQLite (group commit) and each still stands or falls
//! alone: a refused change in the middle of a group leaves no trace but its refusal, the
//! others are all there, and the audit chain stays whole. On PostgreSQL the same changes run
//! in transactions of their own.

use crate::harness::*;
use govit_core::declaration::DeclarationForm;
use govit_storage::projects::{CreateDraft, Project};
use govit_storage::{Actor, Target, Who};
use std::sync::Arc;

#[tokio::test]
async fn concurrent_changes_commit_together_and_a_refused_one_alone_rolls_back() {
    let app = spawn_app().await;
    let store = Arc::new(app.store.clone());
    let id = store.user_id_by_login("clerk").await.expect("db").expect("clerk");
    let clerk = Arc::new(store.principal(id).await.expect("db").expect("principal"));
    let before: i64 = govit_storage::sqlx::query_scalar("SELECT COUNT(*) FROM projects")
        .fetch_one(store.pool())
        .await
        .expect("count");
    let now = app.now();
    // Forty drafts at once; every fifth is refused (no name) after others have joined its
    // group.
    let mut writers = Vec::new();
    for i in 0..40 {
        let (store, clerk) = (store.clone(), clerk.clone());
        writers.push(tokio::spawn(async move {
            let form = DeclarationForm {
                name: if i % 5 == 3 {
                    String::new()
                } else {
                    format!("并发写入测试项目{i}")
                },
                ..govit_storage::seed::declaration("", "检验并发提交", "2027-01", "2027-12", "30")
            };
            let actor = Actor::cli("writes");
            let who = Who::new(&clerk, &actor, now);
            (
                i,
                store
                    .run::<Project, _>(who, Target::New, &CreateDraft(&form))
                    .await
                    .map(|c| c.record.id.0),
            )
        }));
    }
    let mut made = Vec::new();
    for w in writers {
        let (i, r) = w.await.expect("writer");
        match r {
            Ok(id) => {
                assert_ne!(i % 5, 3, "draft {i} has no name and was taken");
                made.push(id);
            }
            Err(e) => assert_eq!(i % 5, 3, "draft {i} was refused: {e:?}"),
        }
    }
    assert_eq!(made.len(), 32);
    // What each caller was told is what the database holds, once each.
    let after: i64 = govit_storage::sqlx::query_scalar("SELECT COUNT(*) FROM projects")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(after - before, 32);
    let nameless: i64 =
        govit_storage::sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE name = ''")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!(nameless, 0);
    for id in &made {
        let events: i64 = govit_storage::sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE object_type = 'project' AND object_id = $1",
        )
        .bind(id.to_string())
        .fetch_one(store.pool())
        .await
        .expect("audit");
        assert_eq!(events, 1, "project {id} has its one audit record");
    }
    let chain = store.verify_audit_chain().await.expect("db");
    assert!(chain.is_ok(), "{chain:?}");
}
