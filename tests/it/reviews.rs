//! 评审意见: at a step whose profile names a review form, each signer records an opinion
//! with the dimensions it answers before it may pass; the summary is derived; the decisions'
//! signatures cover the opinions; the page works without JavaScript.

use crate::harness::*;
use govit_storage::sqlx;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A yeji declaration with its materials, sent to yeji:7's joint review.
async fn at_joint_review(app: &TestApp, name: &str) -> i64 {
    app.api("clerk").await.send_new(declaration_json(name)).await
}

async fn pass(api: &Api, id: i64) -> (StatusCode, Value) {
    let (_, p) = api.get(&format!("/api/v1/projects/{id}")).await;
    api.post(
        &format!("/api/v1/projects/{id}/decision"),
        json!({"decision": "approve", "version": p["version"]}),
    )
    .await
}

async fn opinion(api: &Api, id: i64, body: Value) -> (StatusCode, Value) {
    api.post(&format!("/api/v1/projects/{id}/reviews"), body).await
}

async fn reviews(api: &Api, id: i64) -> Value {
    let (s, r) = api.get(&format!("/api/v1/projects/{id}/reviews")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r
}

#[tokio::test]
async fn a_joint_review_waits_for_every_offices_own_opinion_and_signs_them() {
    let app = spawn_app().await;
    let id = at_joint_review(&app, "区教育评审意见测试").await;
    let reviewer = app.api("reviewer").await;
    reviewer.confirm_yeji_approval_facts(id).await;

    // No pass without one's own opinion, citing the article in Chinese.
    let (s, e) = pass(&reviewer, id).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("gate_refused")), "{e}");
    let m = e["message"].as_str().unwrap_or_default();
    assert!(m.contains("集中审查论证意见") && m.contains("yeji:7"), "{e}");

    // The authority answers its own dimension only, within bounds.
    let r = reviews(&reviewer, id).await;
    assert_eq!(r["may_record_as"], "authority", "{r}");
    let (s, e) = opinion(
        &reviewer,
        id,
        json!({"conclusion": "agree", "values": {"crypto": "90", "sharing": "120"}, "version": 0}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let text = e.to_string();
    assert!(text.contains("“密码应用安全性”不由本单位评价"), "{e}");
    assert!(text.contains("“资源共享性”须为 0 到 100 的整数分"), "{e}");
    let (s, e) =
        opinion(&reviewer, id, json!({"conclusion": "maybe", "values": {}, "version": 0})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("请选择评审结论"), "{e}");
    assert_eq!(reviews(&reviewer, id).await["rounds"][0]["opinions"], json!([]), "nothing kept");
    let (s, o) = opinion(
        &reviewer,
        id,
        json!({"conclusion": "agree", "values": {"sharing": 88}, "note": "共享分析充分", "version": 0}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!((o["version"].as_i64(), o["values"]["sharing"].as_str()), (Some(1), Some("88")));
    // A change made on what it no longer is: 409, nothing overwritten.
    let (s, e) = opinion(
        &reviewer,
        id,
        json!({"conclusion": "agree", "values": {"sharing": 60}, "version": 0}),
    )
    .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("stale_version")), "{e}");
    let (s, p) = pass(&reviewer, id).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    // Signed: it is no longer open to change.
    let (s, e) = opinion(
        &reviewer,
        id,
        json!({"conclusion": "agree", "values": {"sharing": 60}, "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or_default().contains("已在本环节"), "{e}");

    // 财政局, 发改委 and 机要局 give theirs and sign; 网信办's is missing: the step waits.
    for login in ["finance", "fgw", "jyj"] {
        let api = app.api(login).await;
        assert!(api.give_opinion(id).await, "{login}");
        let (s, p) = pass(&api, id).await;
        assert_eq!(s, StatusCode::OK, "{login}: {p}");
    }
    let wxb = app.api("wxb").await;
    let r = reviews(&wxb, id).await;
    let round = &r["rounds"][0];
    assert_eq!(round["current"], true);
    assert_eq!(round["summary"]["opinions"], 4, "{round}");
    assert_eq!(round["summary"]["missing"], json!(["cyberspace"]), "{round}");
    let planning = round["summary"]["dimensions"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["id"] == "planning").cloned())
        .expect("planning");
    assert_eq!((planning["answers"].as_i64(), planning["mean"].as_str()), (Some(1), Some("85")));
    let (s, e) = pass(&wxb, id).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (_, p) = wxb.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["status"], "submitted", "still at the joint review: {p}");

    // A 不同意 cannot pass; 修改后同意 needs its conditions and then can.
    let (s, o) = opinion(
        &wxb,
        id,
        json!({"conclusion": "disagree", "values": {"feasibility": 40}, "version": 0}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a 不同意 says why: {o}");
    let (s, o) = opinion(
        &wxb,
        id,
        json!({"conclusion": "disagree", "values": {"feasibility": 40},
               "note": "安全投入不足", "version": 0}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    let (s, e) = pass(&wxb, id).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or_default().contains("不同意"), "{e}");
    let (s, e) = opinion(
        &wxb,
        id,
        json!({"conclusion": "conditional", "values": {"feasibility": 70}, "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("须写明修改条件"), "{e}");
    let (s, o) = opinion(
        &wxb,
        id,
        json!({"conclusion": "conditional", "conditions": "补充网络安全等级保护方案",
               "values": {"feasibility": 70}, "version": 1}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    let (s, p) = pass(&wxb, id).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    // 网信办 signed last and takes its decision back: only its own signature reopens; the
    // round and the other offices' opinions and signatures stand.
    let (s, p) = wxb
        .post(&format!("/api/v1/projects/{id}/withdraw"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let r = reviews(&wxb, id).await;
    let round = &r["rounds"][0];
    assert_eq!((round["current"].as_bool(), round["round"].as_i64()), (Some(true), Some(1)));
    assert_eq!(round["summary"]["opinions"], 5, "{round}");
    assert_eq!(r["may_record_as"], "cyberspace");
    let (_, tasks) = app.api("finance").await.get("/api/v1/tasks").await;
    let held = tasks["items"].as_array().into_iter().flatten().any(|t| t["project_id"] == id);
    assert!(!held, "财政局 signed and holds nothing: {tasks}");
    let (s, p) = pass(&wxb, id).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let r = reviews(&wxb, id).await;
    let round = &r["rounds"][0];
    assert_eq!(round["current"], false, "the project has moved on: {r}");
    assert_eq!((round["passed"].as_bool(), round["round"].as_i64()), (Some(true), Some(1)));
    assert_eq!(round["summary"]["unanimous"], false);
    assert_eq!(round["summary"]["conditions"][0][1], "补充网络安全等级保护方案");

    // Each decision's signature covers the opinions final when it was made.
    let (_, list) = wxb.get(&format!("/api/v1/projects/{id}/decisions")).await;
    let list = list.as_array().cloned().expect("decisions");
    assert!(list.iter().all(|d| d["intact"] == true), "{list:?}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "UPDATE review_opinions SET answers = '{{\"estimate\":\"99\"}}' \
         WHERE project_id = {id} AND party = 'finance'"
    )))
    .execute(app.store.pool())
    .await
    .expect("tamper");
    let (_, list) = wxb.get(&format!("/api/v1/projects/{id}/decisions")).await;
    let list = list.as_array().cloned().expect("decisions");
    let changed: Vec<&Value> = list.iter().filter(|d| d["intact"] == false).collect();
    // 财政局's own decision and the four after it (网信办 signed twice) saw the opinion; the
    // ones before did not.
    assert_eq!(changed.len(), 5, "{list:?}");
    assert!(changed[0]["changes"].to_string().contains("区财政局"), "{list:?}");
    assert!(changed[0]["changes"].to_string().contains("评审意见已被改动"), "{list:?}");
    let out = app.cli(&["verify", "project", &id.to_string(), "--shallow"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));

    // The timeline says who recorded what.
    let (_, events) = wxb.get(&format!("/api/v1/projects/{id}/events")).await;
    assert!(events.to_string().contains("填写集中审查论证意见：不同意"), "{events}");
    assert!(events.to_string().contains("修改集中审查论证意见：修改后同意"), "{events}");
}

#[tokio::test]
async fn the_review_page_works_without_javascript_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    let id = at_joint_review(&app, "区卫生评审页面测试").await;
    let finance = app.login("finance").await;
    let (s, page) = finance.text(&format!("/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"reviews\"") && page.contains("填写我的评审意见"), "{page}");
    // 您现在可以 leads straight to the form.
    assert!(page.contains(&format!("href=\"/projects/{id}/review\" id=\"next-review\"")), "{page}");
    let (s, form) = finance.text(&format!("/projects/{id}/review")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(form.contains("概算合理性") && !form.contains("name=\"v.crypto\""), "{form}");
    assert!(form.contains("区财政局"), "{form}");

    // Refused: 422, the error named, what was typed kept.
    let finance = finance.with_csrf().await;
    let r = finance
        .post(
            &format!("/projects/{id}/review"),
            &[
                ("v.estimate", "一百"),
                ("conclusion", "agree"),
                ("note", "概算偏高"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("“概算合理性”须为 0 到 100 的整数分"), "{body}");
    assert!(body.contains("value=\"一百\"") && body.contains("概算偏高"), "{body}");
    let r = finance
        .post(
            &format!("/projects/{id}/review"),
            &[
                ("v.estimate", "76"),
                ("conclusion", "agree"),
                ("note", "概算偏高"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/projects/{id}/review?saved=1"));
    let (_, page) = finance.text(&format!("/projects/{id}")).await;
    assert!(page.contains("修改我的评审意见") && page.contains("概算合理性：76"), "{page}");
    assert!(page.contains("尚缺"), "{page}");

    // Who does not sign here reads the opinions but cannot record one; another unit: 404.
    let clerk = app.login("clerk").await;
    let (s, form) = clerk.text(&format!("/projects/{id}/review")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(form.contains("id=\"not-reviewer\"") && form.contains("概算偏高"), "{form}");
    let clerk = clerk.with_csrf().await;
    let r = clerk
        .post(&format!("/projects/{id}/review"), &[("conclusion", "agree"), ("version", "0")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let other = app.login("clerk2").await;
    let (s, _) = other.text(&format!("/projects/{id}/review")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.api("clerk2").await.get(&format!("/api/v1/projects/{id}/reviews")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Returned: the round ended without passing, and the page says so rather than 已办结.
    let reviewer = app.api("reviewer").await;
    let (_, p) = reviewer.get(&format!("/api/v1/projects/{id}")).await;
    let (s, p) = reviewer
        .post(
            &format!("/api/v1/projects/{id}/decision"),
            json!({"decision": "return", "reason": "请补充概算明细", "version": p["version"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let r = reviews(&reviewer, id).await;
    let round = &r["rounds"][0];
    assert_eq!((round["current"].as_bool(), round["passed"].as_bool()), (Some(false), Some(false)));
    let web = app.login("clerk").await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    let panel = page.split("id=\"reviews\"").nth(1).unwrap_or_default();
    assert!(panel.contains("已退回或撤回") && !panel.contains("已办结"), "{panel}");
}
