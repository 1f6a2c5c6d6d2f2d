//! `govit audit verify` finds records edited, removed or inserted directly in the database.

use crate::harness::*;
use govit_storage::Backend;
use govit_storage::sqlx;
use reqwest::StatusCode;

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

/// Every record from `seq` on, rebuilt as a forger with write access to the database would:
/// `edit` changes the record at `seq`, then each digest after it and the head are recomputed.
async fn rewrite_from(app: &TestApp, seq: i64, edit: impl Fn(&mut govit_core::audit::AuditEvent)) {
    use govit_core::audit::chain;
    let mut records = app.audit(Default::default()).await;
    records.reverse();
    disable_protection(app).await;
    let mut prev = records[(seq - 2) as usize].clone();
    for r in records.iter().skip((seq - 1) as usize) {
        let mut event = r.event.clone();
        if r.seq == seq {
            edit(&mut event);
        }
        let rebuilt = chain(prev.seq, &prev.digest, event);
        sqlx::query(
            "UPDATE audit_log SET after_json = $1, prev_digest = $2, digest = $3 WHERE seq = $4",
        )
        .bind(&rebuilt.event.after)
        .bind(&rebuilt.prev_digest)
        .bind(&rebuilt.digest)
        .bind(rebuilt.seq)
        .execute(app.store.pool())
        .await
        .expect("rewrite");
        prev = rebuilt;
    }
    sqlx::query("UPDATE audit_head SET digest = $1 WHERE id = 1")
        .bind(&prev.digest)
        .execute(app.store.pool())
        .await
        .expect("head");
}

fn verify(app: &TestApp) -> (Option<i32>, String) {
    let out = app.cli(&["audit", "verify"]);
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn checkpoint(app: &TestApp) -> String {
    let out = app.cli(&["audit", "checkpoint"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_rewritten_record_with_the_chain_rebuilt_disagrees_with_the_signed_checkpoint() {
    let app = spawn_app().await;
    some_activity(&app).await;
    assert!(checkpoint(&app).contains("已签名检查点"));
    let (first, _) = app.store.audit_head().await.expect("head");
    some_activity(&app).await;
    assert!(checkpoint(&app).contains("已签名检查点"));
    let (second, _) = app.store.audit_head().await.expect("head");
    let (code, stdout) = verify(&app);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("与 2 个签名检查点一致"), "{stdout}");

    let target = first + 2;
    rewrite_from(&app, target, |e| e.after = "{\"investment\":1}".into()).await;
    // The chain alone no longer shows it: every digest was rebuilt.
    let log = govit_storage::audit::checkpoints::checkpoint_file(&app.data_dir);
    let aside = log.with_extension("aside");
    std::fs::rename(&log, &aside).expect("move checkpoints aside");
    let (code, stdout) = verify(&app);
    assert_eq!(code, Some(0), "without checkpoints the forgery verifies: {stdout}");
    std::fs::rename(&aside, &log).expect("put back");
    // The signed checkpoint does.
    let (code, stdout) = verify(&app);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stdout.contains(&format!("第 {} 至 {second} 条", first + 1)), "{stdout}");
    assert!(stdout.contains("检查点不符"), "{stdout}");
}

#[tokio::test]
async fn a_cut_tail_with_the_head_rewound_is_behind_the_last_checkpoint() {
    let app = spawn_app().await;
    some_activity(&app).await;
    checkpoint(&app);
    let (last, _) = app.store.audit_head().await.expect("head");
    let keep = last - 3;
    let (digest,): (String,) = sqlx::query_as("SELECT digest FROM audit_log WHERE seq = $1")
        .bind(keep)
        .fetch_one(app.store.pool())
        .await
        .expect("digest");
    disable_protection(&app).await;
    sqlx::query("DELETE FROM audit_log WHERE seq > $1")
        .bind(keep)
        .execute(app.store.pool())
        .await
        .expect("cut");
    sqlx::query("UPDATE audit_head SET seq = $1, digest = $2 WHERE id = 1")
        .bind(keep)
        .bind(&digest)
        .execute(app.store.pool())
        .await
        .expect("rewind");
    let (code, stdout) = verify(&app);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stdout.contains("落后") && stdout.contains(&format!("第 {} 条", keep + 1)), "{stdout}");
}

#[tokio::test]
async fn a_record_whose_own_digest_was_recomputed_is_named_itself() {
    let app = spawn_app().await;
    some_activity(&app).await;
    let records = {
        let mut r = app.audit(Default::default()).await;
        r.reverse();
        r
    };
    let mut forged = records[6].clone();
    forged.event.after = "{\"investment\":1}".into();
    let rebuilt = govit_core::audit::chain(6, &records[5].digest, forged.event);
    disable_protection(&app).await;
    sqlx::query("UPDATE audit_log SET after_json = $1, digest = $2 WHERE seq = 7")
        .bind(&rebuilt.event.after)
        .bind(&rebuilt.digest)
        .execute(app.store.pool())
        .await
        .expect("rewrite");
    let (code, stdout) = verify(&app);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stdout.contains("第 7 条记录被改写"), "{stdout}");
}

#[tokio::test]
async fn an_edited_checkpoint_file_is_refused_naming_its_line() {
    let app = spawn_app().await;
    some_activity(&app).await;
    checkpoint(&app);
    let log = govit_storage::audit::checkpoints::checkpoint_file(&app.data_dir);
    let text = std::fs::read_to_string(&log).expect("log");
    let (head, _) = app.store.audit_head().await.expect("head");
    // A forger moves the signed head back; the signature no longer covers it.
    let edited = text.replace(&format!("checkpoint {head} "), &format!("checkpoint {} ", head - 1));
    std::fs::write(&log, edited).expect("edit");
    let (code, stdout) = verify(&app);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(stdout.contains("第 2 行") && stdout.contains("签名无效"), "{stdout}");
    // An auditor who pins another key accepts none of these checkpoints.
    std::fs::write(&log, text).expect("restore");
    let other = app.data_dir.join("other.pub");
    let pk = govit_core::crypto::Signer::public_key(&govit_core::crypto::Sm2Signer::generate());
    std::fs::write(&other, hex::encode(&pk)).expect("write key");
    let out = app.cli(&["audit", "verify", "--public-key", other.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("未知的密钥"));
}

#[tokio::test]
async fn the_server_signs_the_head_while_it_runs_and_once_more_at_shutdown() {
    use govit_storage::audit::checkpoints::{Checkpointer, checkpoint_file, load_or_create_key};
    let app = spawn_app().await;
    let key = app.data_dir.join("audit").join("sm2-key.pem");
    // The harness made it on start (decisions are signed with it), as the server does.
    let (signer, made) = load_or_create_key(&key).expect("key");
    assert!(!made);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the private key is readable by its owner only");
    }
    let log = checkpoint_file(&app.data_dir);
    let checkpointer = std::sync::Arc::new(Checkpointer::new(signer, log.clone()).expect("new"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(checkpointer.run(
        app.store.clone(),
        std::time::Duration::from_millis(200),
        || chrono::Utc::now().timestamp_millis(),
        async {
            let _ = stopped.await;
        },
    ));
    some_activity(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    some_activity(&app).await;
    let _ = stop.send(());
    running.await.expect("stopped");
    let (head, _) = app.store.audit_head().await.expect("head");
    let text = std::fs::read_to_string(&log).expect("log");
    let checkpoints: Vec<&str> = text.lines().filter(|l| l.starts_with("checkpoint ")).collect();
    assert!(checkpoints.len() >= 2, "{text}");
    assert!(
        checkpoints.last().expect("last").starts_with(&format!("checkpoint {head} ")),
        "{text}"
    );
    // The same head is not signed twice, and the key is introduced once.
    assert_eq!(text.lines().filter(|l| l.starts_with("key ")).count(), 1);
    let (code, stdout) = verify(&app);
    assert_eq!(code, Some(0), "{stdout}");
}

/// The security auditor reads the log in Chinese: actions and objects by name with a link,
/// the actor's name and unit, what changed as a table with amounts in 万元; filters by
/// action, kind, actor name, unit and dates; the export and the API likewise.
#[tokio::test]
async fn the_auditor_reads_the_log_in_chinese() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("审计可读性测试").await;
    let v = clerk.version(id).await;
    let mut fields = declaration("审计可读性测试");
    for (k, val) in fields.iter_mut() {
        match *k {
            "investment" => *val = "245".into(),
            "fiscal_funds" => *val = "224.5".into(),
            _ => {}
        }
    }
    let mut form = as_pairs(&fields);
    form.push(("version", &v));
    let r = clerk.post(&format!("/projects/{id}/edit"), &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    clerk.submit(id).await;
    // The joint review of yeji:7, then 发改委's approval (yeji:5).
    let approved = app.approve_yeji(id).await;
    assert_eq!(approved["status"], "approved", "{approved}");

    let auditor = app.login("auditor").await;
    let (s, log) = auditor.text(&format!("/audit?object_type=project&object_id={id}")).await;
    assert_eq!(s, StatusCode::OK);
    for shown in [
        "新建项目申报",
        "修改项目申报",
        "提交申报",
        "审核通过",
        "认定项目情况",
        "项目“审计可读性测试”",
        &format!("href=\"/projects/{id}\""),
        "教体局申报经办人",
        "区教育体育局",
        "数管局审核人",
        "区数据资源管理局",
        // The edit: 120.5 → 245 万元, in a table of labelled fields.
        "<th scope=\"row\">项目投资（万元）</th><td>120.5</td><td>245</td>",
        "<th scope=\"row\">状态</th><td>待审核</td><td>审核通过</td>",
        "<th scope=\"row\">是否能互联互通、共享</th><td></td><td>是</td>",
    ] {
        assert!(log.contains(shown), "{shown} not in {log}");
    }
    assert!(!log.contains("<td>1205000</td>"), "amounts are 万元, not yuan");
    // The action list is a list of names, and the filters narrow.
    assert!(log.contains("<option value=\"project.approve\">审核通过</option>"), "{log}");
    let count = |html: &str| {
        let at = html.find("共 ").expect("total") + "共 ".len();
        html[at..].split(' ').next().expect("n").parse::<i64>().expect("number")
    };
    let all = count(&log);
    assert!(all >= 6, "{all}");
    let (_, by_unit) =
        auditor.text(&format!("/audit?object_type=project&object_id={id}&unit=教育体育")).await;
    let mut by_name = 0;
    for name in ["数管局", "财政局", "发改委", "机要局", "网信办"] {
        let (_, page) =
            auditor.text(&format!("/audit?object_type=project&object_id={id}&actor={name}")).await;
        by_name += count(&page);
    }
    assert_eq!(
        count(&by_unit) + by_name,
        all,
        "every record is the clerk's or a reviewer's of the joint review"
    );
    assert!(count(&by_unit) >= 3 && !by_unit.contains("数管局审核人"), "{by_unit}");
    let (_, by_action) =
        auditor.text(&format!("/audit?object_id={id}&action=project.approve")).await;
    assert_eq!(count(&by_action), 1);
    let tomorrow = chrono::DateTime::from_timestamp_millis(app.now() + 32 * 3600 * 1000)
        .expect("date")
        .format("%Y-%m-%d")
        .to_string();
    let (_, later) =
        auditor.text(&format!("/audit?object_type=project&object_id={id}&from={tomorrow}")).await;
    assert_eq!(count(&later), 0);
    let (_, until) =
        auditor.text(&format!("/audit?object_type=project&object_id={id}&to={tomorrow}")).await;
    assert_eq!(count(&until), all);

    // The export reads the same.
    let r = auditor.get(&format!("/audit/export.xlsx?object_type=project&object_id={id}")).await;
    let rows = xlsx_rows(&r.bytes().await.expect("xlsx"), "审计日志");
    let approve = rows.iter().find(|r| r[8] == "project.approve").expect("approve row");
    assert_eq!(approve[3], "发改委审核人");
    assert_eq!(approve[5], "区发展和改革委员会");
    assert_eq!(approve[7], "审核通过");
    assert!(approve[13].contains("状态：待审核 → 审核通过"), "{approve:?}");
    let edit = rows.iter().find(|r| r[8] == "project.update").expect("update row");
    assert!(edit[13].contains("项目投资（万元）：120.5 → 245"), "{edit:?}");

    // The API too, for the auditor only.
    let api = app.api("auditor").await;
    let (s, list) = api.get(&format!("/api/v1/audit?object_id={id}&action=project.approve")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 1);
    let item = &list["items"][0];
    assert_eq!(item["action_label"], "审核通过");
    assert_eq!(item["actor"], "发改委审核人");
    assert_eq!(item["object_href"], format!("/projects/{id}"));
    assert!(
        item["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| c["field"] == "状态" && c["before"] == "待审核" && c["after"] == "审核通过"),
        "{item}"
    );
    let (s, e) = app.api("clerk").await.get("/api/v1/audit").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["code"], "forbidden");
}
