//! `govit audit verify` finds records edited, removed or inserted directly in the database.

use crate::harness::*;
use govit_storage::Backend;
use govit_storage::sqlx;

async fn exec(app: &TestApp, sql: &'static str) {
    sqlx::raw_sql(sql).execute(app.store.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn disable_protection(app: &TestApp) {
    match app.store.backend() {
        Backend::Sqlite => {
            exec(app, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;").await
        }
        Backend::Postgres => {
            exec(app, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").await
        }
    }
}

async fn some_activity(app: &TestApp) {
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("审计链测试").await;
    clerk.submit(id).await;
}

#[tokio::test]
async fn verify_passes_on_an_intact_chain_and_names_an_edited_row() {
    let app = spawn_app().await;
    some_activity(&app).await;
    let out = app.cli(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("审计链完整"));

    // The table refuses edits through SQL as long as its triggers stand.
    assert!(
        sqlx::raw_sql("UPDATE audit_log SET detail = 'x' WHERE seq = 5")
            .execute(app.store.pool())
            .await
            .is_err()
    );

    disable_protection(&app).await;
    exec(&app, "UPDATE audit_log SET after_json = '{\"investment\":1}' WHERE seq = 7").await;
    let out = app.cli(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("第 7 条"), "{stdout}");
    assert!(stdout.contains("篡改"), "{stdout}");
}

#[tokio::test]
async fn verify_names_a_removed_row() {
    let app = spawn_app().await;
    some_activity(&app).await;
    disable_protection(&app).await;
    exec(&app, "DELETE FROM audit_log WHERE seq = 4").await;
    let out = app.cli(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("第 4 条") && stdout.contains("删除"), "{stdout}");
}

#[tokio::test]
async fn verify_names_the_last_row_removed() {
    let app = spawn_app().await;
    some_activity(&app).await;
    let (last,): (i64,) = sqlx::query_as("SELECT MAX(seq) FROM audit_log")
        .fetch_one(app.store.pool())
        .await
        .expect("max");
    disable_protection(&app).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = $1")
        .bind(last)
        .execute(app.store.pool())
        .await
        .expect("delete");
    let out = app.cli(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains(&format!("第 {last} 条")), "{stdout}");
}

#[tokio::test]
async fn cli_manages_users_and_tokens() {
    let app = spawn_app().await;
    let out = app.cli(&[
        "user",
        "add",
        "--login",
        "newclerk",
        "--name",
        "新经办人",
        "--department",
        "wjw",
        "--role",
        "declarant",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("初始密码"));
    let out = app.cli(&[
        "user",
        "add",
        "--login",
        "weak",
        "--name",
        "弱密码",
        "--role",
        "viewer",
        "--password",
        "abc",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("密码"));
    let out = app.cli(&["user", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("newclerk"));
    let out = app.cli(&["token", "create", "--user", "clerk"]);
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("govit_"), "{token}");
    let api = Api { base: app.base.clone(), client: app.client(), token };
    assert_eq!(api.get("/api/v1/me").await.0, reqwest::StatusCode::OK);
    let out = app.cli(&["user", "disable", "clerk"]);
    assert!(out.status.success());
    assert_eq!(api.get("/api/v1/me").await.0, reqwest::StatusCode::UNAUTHORIZED);
    let out = app.cli(&["user", "reset-password", "clerk2", "--password", "Another-Pass-9"]);
    assert!(out.status.success());
    let web = app.anonymous();
    let r = web.try_login("clerk2", "Another-Pass-9").await;
    assert_eq!(location(&r), "/account/password");
}
