//! 决定签名: every decision signed over the materials it saw; `govit verify project`, the
//! API and the pages name a changed file, a changed record and a removed signature.

use crate::harness::*;
use govit_storage::sqlx;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn decisions(api: &Api, id: i64, deep: bool) -> Vec<Value> {
    let (s, list) = api.get(&format!("/api/v1/projects/{id}/decisions?deep={deep}")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array().cloned().expect("list")
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(app.store.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A declaration sent, returned with a reason and sent again: three decisions.
async fn decided(app: &TestApp) -> (i64, Api) {
    let clerk = app.api("clerk").await;
    let reviewer = app.api("reviewer").await;
    let (s, p) = clerk.post("/api/v1/projects", declaration_json("区教育决定签名测试")).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().expect("id");
    assert!(clerk.hand_in(id).await >= 5);
    let (s, p) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (s, p) = reviewer
        .post(
            &format!("/api/v1/projects/{id}/decision"),
            json!({"decision": "return", "reason": "请细化概算", "version": p["version"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (s, p) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    (id, clerk)
}

#[tokio::test]
async fn each_decision_is_signed_over_what_it_saw_and_a_changed_file_is_named() {
    let app = spawn_app().await;
    let (id, clerk) = decided(&app).await;

    let list = decisions(&clerk, id, true).await;
    let verbs: Vec<&str> = list.iter().filter_map(|d| d["verb"].as_str()).collect();
    assert_eq!(verbs, ["提交申报", "退回", "提交申报"], "{list:?}");
    for d in &list {
        assert_eq!((d["signature"].as_str(), d["intact"].as_bool()), (Some("valid"), Some(true)));
        assert!(d["files"].as_array().is_some_and(|f| f.len() >= 5), "{d}");
        assert_eq!(d["key_id"].as_str().map(str::len), Some(16));
    }
    // The platform's key, as `govit audit key` prints it, signed them.
    let key = app.cli(&["audit", "key"]);
    let key = String::from_utf8_lossy(&key.stdout).to_string();
    assert!(key.contains(list[0]["key_id"].as_str().unwrap_or("?")), "{key}");
    let out = app.cli(&["verify", "project", &id.to_string()]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("全部决定及其所见材料与签名时一致"), "{stdout}");

    // Another unit's clerk does not learn the project exists.
    let other = app.api("clerk2").await;
    let (s, _) = other.get(&format!("/api/v1/projects/{id}/decisions")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The plan's bytes are changed in the file store behind govit's back.
    let plan = list[0]["files"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["material"] == "yeji-6-plan").cloned())
        .expect("the plan among the files seen");
    let sm3 = plan["sm3"].as_str().expect("sm3");
    let object = app.data_dir.join("files/objects/sm3").join(&sm3[..2]).join(sm3);
    let mut perms = std::fs::metadata(&object).expect("object kept").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).expect("writable");
    std::fs::write(&object, pdf("另一份建设方案")).expect("overwrite");

    // A download of the changed file breaks off rather than hand it over as the recorded one.
    let href = format!("/api/v1/material-files/{}", plan["file_id"].as_i64().expect("file id"));
    // (A small file breaks off before its headers are out, a large one in its body.)
    let broken = || async {
        match clerk.client.get(app.url(&href)).bearer_auth(&clerk.token).send().await {
            Err(_) => true,
            Ok(r) => r.bytes().await.is_err(),
        }
    };
    assert!(broken().await, "the changed bytes must not arrive whole");
    // The recorded bytes with one appended: broken off as well.
    std::fs::write(&object, [pdf("yeji-6-plan"), b"x".to_vec()].concat()).expect("append");
    assert!(broken().await);
    // And the recorded bytes themselves download whole.
    std::fs::write(&object, pdf("yeji-6-plan")).expect("restore");
    assert!(!broken().await);
    std::fs::write(&object, pdf("另一份建设方案")).expect("overwrite again");

    // Its records are as they were: only reading the bytes again finds it.
    assert!(decisions(&clerk, id, false).await.iter().all(|d| d["intact"] == true));
    let deep = decisions(&clerk, id, true).await;
    for d in &deep {
        assert_eq!(d["intact"], false, "{d}");
        let changes = d["changes"].to_string();
        assert!(changes.contains("《项目建设方案》") && changes.contains("内容已被改动"), "{d}");
    }
    let out = app.cli(&["verify", "project", &id.to_string()]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("3 项决定与签名时不一致") && stdout.contains("项目建设方案"),
        "{stdout}"
    );
    // The operator who reads only the records is told the bytes were not read.
    let out = app.cli(&["verify", "project", &id.to_string(), "--shallow"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--shallow"));

    // The page reads the bytes again and says the same.
    let web = app.login("clerk").await;
    let (s, page) = web.text(&format!("/projects/{id}/verify")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("3 项决定与签名时不一致") && page.contains("内容已被改动"), "{page}");
    // Numbered 1 to 3 whatever the acts between them; the declaration's two visits by round.
    assert!(page.contains("第 3 项：") && page.contains("（第 2 轮）"), "{page}");
    let (_, project) = web.text(&format!("/projects/{id}")).await;
    assert!(project.contains("id=\"decisions\"") && project.contains("记录完整"), "{project}");
}

#[tokio::test]
async fn a_changed_opinion_a_changed_file_record_and_a_removed_signature_are_named() {
    let app = spawn_app().await;
    let (id, clerk) = decided(&app).await;
    let list = decisions(&clerk, id, false).await;
    let ret = list[1]["seq"].as_i64().expect("seq");
    let file = list[0]["files"][0]["file_id"].as_i64().expect("file");

    // The reviewer's reason is rewritten in the database.
    exec(
        &app,
        &format!(
            "UPDATE run_acts SET verb = '{{\"verb\":\"return\",\"to\":\"declaration\",\"reason\":\"同意\"}}' \
             WHERE project_id = {id} AND seq = {ret}"
        ),
    )
    .await;
    let list = decisions(&clerk, id, false).await;
    assert_eq!(list[0]["intact"], true, "{list:?}");
    assert!(list[1]["changes"].to_string().contains("决定或意见已被改动"), "{list:?}");
    // The resubmission saw the reviewer's opinion: it no longer matches either.
    assert!(list[2]["changes"].to_string().contains(&format!("第 {ret} 项办理记录的意见")));

    // A file's record is pointed at other bytes.
    exec(
        &app,
        &format!("UPDATE material_files SET sm3 = 'ab{}' WHERE id = {file}", "0".repeat(62)),
    )
    .await;
    let list = decisions(&clerk, id, false).await;
    assert!(list[0]["changes"].to_string().contains("的记录已被改动"), "{list:?}");

    // A signature taken away is missed.
    exec(&app, &format!("DELETE FROM decision_signatures WHERE project_id = {id} AND seq = {ret}"))
        .await;
    let list = decisions(&clerk, id, false).await;
    let gone = list.iter().find(|d| d["seq"] == ret).expect("still listed");
    assert_eq!(gone["signature"], "unsigned");
    assert!(gone["changes"].to_string().contains("没有这项决定的签名记录"), "{gone}");

    // A signature over an altered message does not verify.
    exec(
        &app,
        &format!(
            "UPDATE decision_signatures SET message = REPLACE(message, '\"user\":', '\"user\": ') \
             WHERE project_id = {id} AND seq = {}",
            list[0]["seq"]
        ),
    )
    .await;
    let list = decisions(&clerk, id, false).await;
    assert_eq!(list[0]["signature"], "invalid", "{list:?}");
}
