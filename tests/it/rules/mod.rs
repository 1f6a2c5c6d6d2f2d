//! The rules engine end to end: obligations from events and days, gates from profiles, the
//! calendar import, and a sixth jurisdiction onboarded by writing a profile.

use crate::harness::*;
use govit_storage::audit::AuditFilter;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

mod onboarding;

pub(super) fn project_body(name: &str, start: &str, end: &str) -> Value {
    let mut b = declaration_json(name);
    b["period_start"] = json!(start);
    b["period_end"] = json!(end);
    b
}

pub(super) async fn create(api: &Api, body: Value) -> (i64, Value) {
    let (s, p) = api.post("/api/v1/projects", body).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    (p["id"].as_i64().expect("id"), p)
}

pub(super) fn find<'a>(list: &'a Value, rule: &str) -> &'a Value {
    list.as_array()
        .expect("array")
        .iter()
        .find(|o| o["rule_id"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {list}"))
}

/// Sends a yeji project and publishes the plan of its first year with it: yeji:21 lets work
/// start only on a project in the plan.
pub(super) async fn into_the_plan(app: &TestApp, id: i64) {
    let clerk = app.api("clerk").await;
    let (_, p) = clerk.get(&format!("/api/v1/projects/{id}")).await;
    clerk.hand_in(id).await;
    let (s, e) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let year: i32 = p["period_start"].as_str().expect("start")[..4].parse().expect("year");
    let (reviewer, gov) = (app.api("reviewer").await, app.api("qzf").await);
    publish_plan(&[&reviewer, &gov], year).await;
}

fn today(app: &TestApp) -> String {
    govit_storage::china_today(app.now()).format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn obligations_follow_events_and_the_passing_days() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let (id, p) = create(&clerk, project_body("城市运行管理平台", "2026-01", "2026-12")).await;
    // Submitted, so that the authority sees it.
    clerk.hand_in(id).await;
    let (s, _) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK);

    // Preliminary acceptance (the acceptance's first step) starts yeji:22's month for the
    // completion-acceptance application.
    app.accept_preliminarily(id).await;
    let (_, list) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    let o = find(&list, "yeji-22-apply-acceptance");
    assert_eq!(o["cite"], "yeji:22");
    assert_eq!(o["status"], "pending");
    assert!(o["due_date"].as_str().is_some());
    // Events cannot be in the future, and must be of a known kind.
    let (s, e) = clerk
        .post(
            &format!("/api/v1/projects/{id}/events"),
            json!({"kind": "equipment_purchased", "date": "2099-01-01"}),
        )
        .await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("date")));
    let (s, e) = clerk
        .post(
            &format!("/api/v1/projects/{id}/events"),
            json!({"kind": "party", "date": today(&app)}),
        )
        .await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("kind")));

    // It is the clerk's unit's to-do, not another unit's.
    let (_, mine) = clerk.get("/api/v1/obligations").await;
    assert!(mine["items"].as_array().expect("items").iter().any(|o| o["project_id"] == id));
    let (_, theirs) = app.api("clerk2").await.get("/api/v1/obligations").await;
    assert!(!theirs["items"].as_array().expect("items").iter().any(|o| o["project_id"] == id));
    let web = app.login("clerk").await;
    let (_, page) = web.text("/obligations").await;
    assert!(page.contains("提出竣工验收申请") && page.contains("yeji:22"), "{page}");

    // Forty days later (the daily tick), it is overdue and on the authority's overdue list.
    app.advance(Duration::from_secs(40 * 24 * 3600));
    app.store.refresh_all_obligations(app.now()).await.expect("tick");
    let reviewer = app.api("reviewer").await;
    let (_, overdue) = reviewer.get("/api/v1/obligations?scope=all&status=overdue").await;
    let o = overdue["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|o| o["project_id"] == id)
        .expect("overdue")
        .clone();
    assert_eq!(o["status_label"], "已逾期");
    let rweb = app.login("reviewer").await;
    let (_, page) = rweb.text("/obligations/overdue").await;
    assert!(page.contains("城市运行管理平台") && page.contains("已逾期"));
    let r = rweb.get("/obligations/export.xlsx?scope=overdue").await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = xlsx_rows(&r.bytes().await.expect("xlsx"), "逾期事项");
    let row =
        rows.iter().find(|r| r[1] == "城市运行管理平台").expect("the overdue project exported");
    assert_eq!(
        (row[3].as_str(), row[8].as_str(), row[10].as_str()),
        ("提出竣工验收申请", "已逾期", "yeji:22")
    );

    // Waiving needs the authority's role and a reason, and is audited.
    let key = o["key"].as_str().expect("key").to_string();
    let (s, _) = clerk
        .post(
            &format!("/api/v1/projects/{id}/obligations/waive"),
            json!({"key": key, "reason": "自行豁免"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = reviewer
        .post(
            &format!("/api/v1/projects/{id}/obligations/waive"),
            json!({"key": key, "reason": " "}),
        )
        .await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("reason")));
    let (s, list) = reviewer
        .post(
            &format!("/api/v1/projects/{id}/obligations/waive"),
            json!({"key": key, "reason": "项目调整为分期验收"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(find(&list, "yeji-22-apply-acceptance")["status"], "waived");
    let log =
        app.audit(AuditFilter { action: "obligation.waive".into(), ..Default::default() }).await;
    let results: Vec<&str> = log.iter().map(|r| r.event.result.as_str()).collect();
    assert_eq!(results, ["ok", "refused"], "the waiver and the clerk's refused attempt");
    assert_eq!(log[0].event.detail, "项目调整为分期验收");
}

#[tokio::test]
async fn a_late_filing_is_fulfilled_but_marked_late() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let (id, _) = create(&clerk, project_body("政务数据共享平台", "2026-01", "2026-12")).await;
    let acceptance = app.accept_preliminarily(id).await;
    // Sixty days later the owner applies: a month past yeji:22's.
    app.advance(Duration::from_secs(60 * 24 * 3600));
    app.pass_acceptance(acceptance).await;
    let (_, list) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    let o = find(&list, "yeji-22-apply-acceptance");
    assert_eq!((o["status"].clone(), o["late"].clone()), (json!("fulfilled"), json!(true)));
}

#[tokio::test]
async fn a_third_declaration_in_one_lhasa_year_is_refused_with_its_article() {
    let app = spawn_app().await;
    jurisdiction(&app, "lhasa", "lhasa").await;
    let clerk = app.api("lhasa-clerk").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let (id, p) =
            create(&clerk, project_body(&format!("拉萨项目{i}"), "2027-01", "2027-06")).await;
        ids.push((id, p["version"].clone()));
    }
    for (id, v) in &ids[..2] {
        clerk.hand_in(*id).await;
        let (s, p) =
            clerk.post(&format!("/api/v1/projects/{id}/submit"), json!({"version": v})).await;
        assert_eq!(s, StatusCode::OK, "{p}");
    }
    let (id, v) = &ids[2];
    clerk.hand_in(*id).await;
    let (s, e) = clerk.post(&format!("/api/v1/projects/{id}/submit"), json!({"version": v})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["code"], "gate_refused");
    assert!(e["message"].as_str().unwrap_or("").contains("lhasa:7"), "{e}");
    // The same in the UI, and nothing changed.
    let web = app.login("lhasa-clerk").await;
    let v = web.version(*id).await;
    let r = web.post(&format!("/projects/{id}/submit"), &[("version", &v)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body = r.text().await.expect("body");
    assert!(body.contains("lhasa:7") && body.contains("不符合办法规定"), "{body}");
    let (_, p) = clerk.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["status"], "draft");
    // A project for another year is not counted against this one.
    let (other, p) = create(&clerk, project_body("拉萨次年项目", "2028-01", "2028-06")).await;
    clerk.hand_in(other).await;
    let (s, _) = clerk
        .post(&format!("/api/v1/projects/{other}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK);
    // yeji has no such quota.
    let yeji = app.api("clerk").await;
    for i in 0..3 {
        let (pid, p) =
            create(&yeji, project_body(&format!("叶集项目{i}"), "2027-01", "2027-06")).await;
        yeji.hand_in(pid).await;
        let (s, _) = yeji
            .post(&format!("/api/v1/projects/{pid}/submit"), json!({"version": p["version"]}))
            .await;
        assert_eq!(s, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_calendar_import_recomputes_open_deadlines() {
    let app = spawn_app().await;
    // Thursday 2026-12-03, 10:00 in Beijing: Q4 2026 has begun, 2027's schedule is unknown.
    app.set_now(1_796_263_200_000);
    let clerk = app.api("clerk").await;
    // Twelve months of construction: quarterly progress reports (yeji:15).
    let (id, _) = create(&clerk, project_body("智慧教育平台", "2026-01", "2026-12")).await;
    into_the_plan(&app, id).await;
    let (_, list) = clerk
        .post(
            &format!("/api/v1/projects/{id}/events"),
            json!({"kind": "work_started", "date": "2026-10-15"}),
        )
        .await;
    let q4 = list
        .as_array()
        .expect("list")
        .iter()
        .find(|o| o["period"] == "2026年第4季度")
        .unwrap_or_else(|| panic!("no Q4 report in {list}"))
        .clone();
    // 2027's schedule is not published: the fifth working day of January is counted from
    // weekends alone and marked provisional.
    assert_eq!(
        (q4["due_date"].clone(), q4["provisional"].clone()),
        (json!("2027-01-07"), json!(true))
    );

    let file = app.data_dir.join("2027.toml");
    std::fs::write(
        &file,
        r#"[[year]]
year = 2027
notices = [{ number = "国办发明电〔2026〕1号", title = "国务院办公厅关于2027年部分节假日安排的通知（测试）", date = "2026-11-01" }]
holidays = [{ name = "元旦", from = "2027-01-01", to = "2027-01-03", statutory = ["2027-01-01"] }]
"#,
    )
    .expect("write calendar");
    let out = app.cli(&["calendar", "import", file.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, list) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    let q4 = list
        .as_array()
        .expect("list")
        .iter()
        .find(|o| o["period"] == "2026年第4季度")
        .expect("q4")
        .clone();
    assert_eq!(
        (q4["due_date"].clone(), q4["provisional"].clone()),
        (json!("2027-01-08"), json!(false))
    );
    // The running server computes the next change under the imported calendar at once, not
    // after its next reload.
    let (other, _) = create(&clerk, project_body("智慧医疗平台", "2026-01", "2026-12")).await;
    into_the_plan(&app, other).await;
    let (_, list) = clerk
        .post(
            &format!("/api/v1/projects/{other}/events"),
            json!({"kind": "work_started", "date": "2026-10-15"}),
        )
        .await;
    let q4 = list
        .as_array()
        .expect("list")
        .iter()
        .find(|o| o["period"] == "2026年第4季度")
        .expect("q4 of the second project")
        .clone();
    assert_eq!(
        (q4["due_date"].clone(), q4["provisional"].clone()),
        (json!("2027-01-08"), json!(false))
    );
    let log =
        app.audit(AuditFilter { action: "calendar.import".into(), ..Default::default() }).await;
    assert_eq!(log.len(), 1);
    let out = app.cli(&["calendar", "show", "2027-01"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2027-01-01  周五  法定节假日  元旦"), "{text}");
    // A file with mistakes is refused whole, naming them.
    std::fs::write(&file, "[[year]]\nyear = 2028\nnotices = []\nholidays = []\n").expect("write");
    let out = app.cli(&["calendar", "import", file.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("2028"));
}

#[tokio::test]
async fn policies_and_the_calendar_are_readable() {
    let app = spawn_app().await;
    let web = app.login("clerk").await;
    // A yeji clerk reads yeji's rules, and no other jurisdiction's.
    let (_, page) = web.text("/policies").await;
    assert!(page.contains("/policies/yeji"), "{page}");
    for id in ["gaoping", "linxiang", "lhasa", "xinzhou-transport"] {
        assert!(!page.contains(&format!("/policies/{id}")), "{id}");
    }
    let (s, _) = web.text("/policies/lhasa").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, page) = web.text("/policies/yeji").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("yeji:15"), "{page}");
    // lhasa's own users read lhasa's, its missing list included.
    let cast = crate::workflow::Cast::of(&app, "lhasa").await;
    let (s, _) = cast.all()[0].get("/api/v1/policies/lhasa").await;
    assert_eq!(s, StatusCode::OK);
    let (s, page) = app.login(&cast.apis[0].0).await.text("/policies/lhasa").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("lhasa:19") && page.contains("原文缺失"),
        "lhasa:19's missing list must be shown"
    );
    let (s, _) = cast.all()[0].get("/api/v1/policies/yeji").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, page) = web.text("/calendar?month=2025-10").await;
    assert!(page.contains("调休上班日") && page.contains("国办发明电〔2024〕12号"));
    let api = app.api("clerk").await;
    let (_, list) = api.get("/api/v1/policies").await;
    assert_eq!(list.as_array().map(|a| a.len()), Some(1), "{list}");
    assert_eq!(list[0]["id"], "yeji", "{list}");
    let (_, month) = api.get("/api/v1/calendar/2024-10").await;
    let day = |d: &str| {
        month["days"]
            .as_array()
            .expect("days")
            .iter()
            .find(|x| x["date"] == d)
            .expect("day")
            .clone()
    };
    assert_eq!(day("2024-10-12")["kind"], "make_up_workday");
    assert_eq!(day("2024-10-07")["working"], false);
    let (s, _) = api.get("/api/v1/policies/nowhere").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn due_and_overdue_obligations_go_to_the_webhook_once() {
    let app = spawn_app().await;
    // Off by default.
    assert_eq!(govit_web::send_notices(&app.state).await, Ok(0));

    let (state, received) = webhook(&app).await;

    let clerk = app.api("clerk").await;
    let (id, _) = create(&clerk, project_body("通知测试项目", "2026-01", "2026-12")).await;
    app.accept_preliminarily(id).await;
    // Forty-five days on, yeji:22's month is over.
    app.advance(Duration::from_secs(45 * 24 * 3600));
    app.store.refresh_all_obligations(app.now()).await.expect("tick");

    let sent = govit_web::send_notices(&state).await.expect("sent");
    assert!(sent >= 1);
    let bodies = received.lock().expect("lock").clone();
    assert_eq!(bodies.len(), 1);
    let o = bodies[0]["obligations"]
        .as_array()
        .expect("obligations")
        .iter()
        .find(|o| o["rule_id"] == "yeji-22-apply-acceptance")
        .expect("the overdue obligation")
        .clone();
    assert_eq!((o["status"].clone(), o["cite"].clone()), (json!("overdue"), json!("yeji:22")));
    // Announced once per status.
    assert_eq!(govit_web::send_notices(&state).await, Ok(0));
    assert_eq!(received.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn submitting_a_declaration_fulfils_the_duty_to_declare() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    // Next year's project, declared now: yeji:6 asks for it by 30 September of this year.
    let mut body = declaration_json("下一年度申报测试项目");
    // Dates are Beijing's (the server's day), not UTC's.
    let today = govit_storage::china_today(app.now());
    let next = chrono::Datelike::year(&today) + 1;
    body["period_start"] = serde_json::json!(format!("{next}-01"));
    body["period_end"] = serde_json::json!(format!("{next}-12"));
    let (s, p) = clerk.post("/api/v1/projects", body).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().expect("id");
    let duty = |list: &serde_json::Value| {
        list.as_array()
            .expect("list")
            .iter()
            .find(|o| o["rule_id"] == "yeji-6-declare")
            .cloned()
            .unwrap_or_default()
    };
    let (_, before) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    assert_eq!(duty(&before)["rule_id"], "yeji-6-declare", "a new draft owes it at once: {before}");
    assert_ne!(duty(&before)["status"], "fulfilled", "{before}");
    clerk.hand_in(id).await;
    let (s, e) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (_, after) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    let d = duty(&after);
    assert_eq!(d["status"], "fulfilled", "{after}");
    assert_eq!(d["fulfilled_on"], today.format("%Y-%m-%d").to_string());
    // Declared after 30 September it is late; before it, on time.
    let deadline = chrono::NaiveDate::from_ymd_opt(next - 1, 9, 30).expect("date");
    assert_eq!(d["late"], today > deadline, "{d}");
    // The clerk's overdue list no longer holds it.
    let (_, overdue) = clerk.get("/api/v1/obligations?status=overdue").await;
    assert!(
        !overdue["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|o| o["project_id"] == id && o["rule_id"] == "yeji-6-declare"),
        "{overdue}"
    );
}

#[tokio::test]
async fn events_are_recorded_only_by_the_party_the_profile_names() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let (s, p) = clerk.post("/api/v1/projects", declaration_json("事件登记权限测试项目")).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().expect("id");
    let today = govit_storage::china_today(app.now()).format("%Y-%m-%d").to_string();
    let record = |kind: &'static str| json!({"kind": kind, "date": today, "note": ""});
    let path = format!("/api/v1/projects/{id}/events");
    clerk.hand_in(id).await;
    let (s, e) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    // What the flow records is not typed in by anyone.
    let (s, e) = clerk.post(&path, record("materials_received")).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("kind")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("自动记录"), "{e}");
    // The authority's act is the authority's: the clerk is refused, naming who records it.
    let (s, e) = clerk.post(&path, record("rectification_checked")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("由"), "{e}");
    let reviewer = app.api("reviewer").await;
    let (s, e) = reviewer.post(&path, record("rectification_checked")).await;
    assert!(s.is_success(), "{e}");
    // An acceptance's steps record its events: nobody types them.
    let (s, e) = reviewer.post(&path, record("completion_acceptance_passed")).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("kind")), "{e}");
    // The owner unit's self-evaluation (yeji:23) is recorded by its own stage's step.
    let (s, e) = reviewer.post(&path, record("self_evaluation_submitted")).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("kind")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("绩效自评价办理步骤"), "{e}");
    let (s, e) = clerk.post(&path, record("equipment_purchased")).await;
    assert!(s.is_success(), "{e}");
    // A contract's signing and filing are recorded by the contract's own steps.
    let (s, e) = clerk.post(&path, record("contract_signed")).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("kind")), "{e}");
    let recorded = app.store.milestones(govit_core::ids::ProjectId(id)).await.expect("milestones");
    let kinds: Vec<&str> = recorded.iter().map(|m| m.kind.as_str()).collect();
    assert!(kinds.contains(&"equipment_purchased") && kinds.contains(&"rectification_checked"));
    assert!(!kinds.contains(&"self_evaluation_submitted"), "{kinds:?}");
    // A progress report's own steps record 报送进度: nobody types it.
    let (s, e) = clerk.post(&path, record("progress_reported")).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("kind")), "{e}");
    // The page offers each user only what they may record.
    let web = app.login("clerk").await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    let form = &page[page.find("name=\"kind\"").expect("event form")..];
    let form = &form[..form.find("</select>").expect("select")];
    assert!(form.contains("value=\"equipment_purchased\""), "{form}");
    assert!(!form.contains("value=\"contract_signed\""), "{form}");
    assert!(!form.contains("value=\"materials_received\""), "{form}");
    assert!(!form.contains("value=\"completion_acceptance_passed\""), "{form}");
}

#[tokio::test]
async fn the_reviewer_establishes_facts_in_yes_no_and_wan() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("认定单位测试项目").await;
    clerk.submit(id).await;
    let reviewer = app.login("reviewer").await;
    let (_, page) = reviewer.text(&format!("/projects/{id}")).await;
    assert!(page.contains("项目投资（万元）"));
    // The shares the flow derives (项目调整, 工期) are not offered to type.
    assert!(!page.contains("超出合同工期比例（%）") && !page.contains("调整金额占概算比例（%）"));
    assert!(!page.contains("基点") && !page.contains("（元）"), "no stored units on the page");
    // The form offers the profile's materials to name those a finding relies on.
    assert!(page.contains("name=\"material-yeji-6-feasibility\""), "{page}");
    for (fact, typed) in [("investment_yuan", "200"), ("can_share", "是")] {
        let form = [
            ("fact", fact),
            ("value", typed),
            ("basis", "据可研报告第三章"),
            ("material-yeji-6-feasibility", "1"),
            ("material-yeji-6-budget", "1"),
        ];
        let r = reviewer.post(&format!("/projects/{id}/facts"), &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{fact}");
    }
    // Each finding shows with its basis, the materials it relied on and who made it.
    let (_, page) = reviewer.text(&format!("/projects/{id}")).await;
    assert!(page.contains("已认定的项目情况") && page.contains("据可研报告第三章"), "{page}");
    assert!(
        page.contains(&format!(
            "依据材料：<a href=\"/projects/{id}/materials/yeji-6-budget\">项目概算</a>、\
             <a href=\"/projects/{id}/materials/yeji-6-feasibility\">项目可行性研究报告</a>"
        )),
        "{page}"
    );
    // A material the profile does not ask for is refused, naming the field; nothing saved.
    let form = [
        ("fact", "can_share"),
        ("value", "否"),
        ("basis", "改判"),
        ("material-lhasa-10-design", "1"),
    ];
    let r = reviewer.post(&format!("/projects/{id}/facts"), &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("本项目的申报材料中没有“lhasa-10-design”"));
    // Without a basis nothing is saved, and the field is named.
    let r = reviewer
        .post(&format!("/projects/{id}/facts"), &[("fact", "quotes_count"), ("value", "3")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("请写明认定依据"));
    let stored: Vec<(String, i64)> = govit_storage::sqlx::query_as(
        "SELECT fact, value FROM project_facts WHERE project_id = $1 ORDER BY fact",
    )
    .bind(id)
    .fetch_all(app.store.pool())
    .await
    .expect("facts");
    assert_eq!(
        stored,
        vec![("can_share".to_string(), 1), ("investment_yuan".to_string(), 2_000_000)]
    );
    // A value in the wrong unit is refused, naming the field.
    let r = reviewer
        .post(&format!("/projects/{id}/facts"), &[("fact", "can_share"), ("value", "2")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("应填写“是”或“否”"));
    // The API takes the same typed values, and still integers as stored.
    let api = app.api("reviewer").await;
    let path = format!("/api/v1/projects/{id}/facts");
    let basis = "据概算评审意见";
    assert_eq!(
        api.post(&path, json!({"fact": "investment_yuan", "value": "120.5", "basis": basis}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (s, e) = api.post(&path, json!({"fact": "quotes_count", "value": 2})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("basis")), "{e}");
    let long = "依".repeat(501);
    let (s, e) = api.post(&path, json!({"fact": "quotes_count", "value": 2, "basis": long})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("basis")), "{e}");
    assert_eq!(
        api.post(&path, json!({"fact": "quotes_count", "value": 2, "basis": "三家比价单"})).await.0,
        StatusCode::NO_CONTENT
    );
    // The API lists the findings with their bases, value as read, and who made them.
    let (s, list) = api.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let found = |code: &str| {
        list.as_array().expect("facts").iter().find(|f| f["fact"] == code).cloned().expect(code)
    };
    let investment = found("investment_yuan");
    assert_eq!(
        (investment["value"].as_i64(), investment["basis"].as_str()),
        (Some(1_205_000), Some(basis)),
        "{list}"
    );
    assert!(investment["established_by"].as_str().is_some_and(|n| !n.is_empty()), "{list}");
    assert_eq!(found("quotes_count")["basis"], "三家比价单", "{list}");
    assert_eq!(
        found("can_share")["materials"][0],
        json!({"id": "yeji-6-budget", "name": "项目概算"})
    );
    // Materials named through the API: known ids only, as a list.
    let (s, e) = api
        .post(&path, json!({"fact": "quotes_count", "value": 2, "basis": "比价", "materials": "x"}))
        .await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("materials")));
    let body = json!({"fact": "quotes_count", "value": 3, "basis": "比价单", "materials": ["yeji-6-form"]});
    assert_eq!(api.post(&path, body).await.0, StatusCode::NO_CONTENT);
    let (_, list) = api.get(&path).await;
    let quotes =
        list.as_array().expect("facts").iter().find(|f| f["fact"] == "quotes_count").cloned();
    assert_eq!(
        quotes.map(|q| q["materials"][0]["id"].clone()),
        Some(json!("yeji-6-form")),
        "{list}"
    );
    // A fact the path's events imply is counted, never typed (lhasa:11's failed reviews).
    let (s, e) = api.post(&path, json!({"fact": "failed_reviews", "value": 2})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("fact")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("自动计算"), "{e}");
    let (s, e) = api.post(&path, json!({"fact": "investment_yuan", "value": "很多"})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("value")));
    // Made from the gate list, it goes back to the gate list.
    let form = [
        ("fact", "uses_domestic_crypto"),
        ("value", "是"),
        ("basis", "密评报告"),
        ("back", "gates"),
    ];
    let r = reviewer.post(&format!("/projects/{id}/facts"), &form).await;
    assert_eq!(location(&r), format!("/projects/{id}?done=fact#gates"));
    // Refused there for want of a basis, the summary points at that gate's own basis field.
    // (on a project where 能否共享 is still to be established).
    let fresh = clerk.create_draft("认定依据测试项目").await;
    clerk.submit(fresh).await;
    let form = [("fact", "can_share"), ("value", "是"), ("basis", ""), ("back", "gates")];
    let r = reviewer.post(&format!("/projects/{fresh}/facts"), &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("page");
    assert!(page.contains("href=\"#basis-can_share\""), "{page}");
    // …and the field says what is wrong beside it.
    assert!(page.contains("id=\"basis-can_share-error\""), "{page}");
}

#[tokio::test]
async fn my_todo_lists_everything_waiting_and_agrees_with_the_badges() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    for name in ["待办测试一", "待办测试二"] {
        let id = clerk.create_draft(name).await;
        clerk.submit(id).await;
    }
    let reviewer = app.login("reviewer").await;
    let (_, page) = reviewer.text("/obligations").await;
    let api = app.api("reviewer").await;
    let (_, todo) = api.get("/api/v1/me/todo").await;
    let total = todo["total"].as_i64().expect("total");
    assert!(total >= 2, "{todo}");
    assert_eq!(
        total,
        [
            "to_review",
            "returned",
            "obligations",
            "catalog_to_publish",
            "catalog_returned",
            "negative_to_decide"
        ]
        .iter()
        .map(|k| todo[k].as_i64().unwrap_or(0))
        .sum::<i64>()
    );
    // The page's total, its rows and the navigation badge say the same.
    assert!(page.contains(&format!("共 {total} 项待办")), "{page}");
    let rows = &page[page.find("id=\"waiting\"").expect("waiting table")..];
    assert!(
        rows.contains("href=\"/review\">待审核的项目申报</a></td><td class=\"amount\">2</td>"),
        "{rows}"
    );
    let nav = &page[page.find("href=\"/obligations\">我的待办").expect("nav")..];
    assert!(
        nav.starts_with(&format!(
            "href=\"/obligations\">我的待办 <span class=\"count\">{total}</span>"
        )),
        "{nav}"
    );
}

#[tokio::test]
async fn the_review_queue_shows_when_each_was_submitted_longest_waiting_first() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let first = clerk.create_draft("先提交的申报").await;
    clerk.submit(first).await;
    app.advance(Duration::from_secs(10 * 86_400));
    let clerk = app.login("clerk").await;
    let second = clerk.create_draft("后提交的申报").await;
    clerk.submit(second).await;
    let reviewer = app.login("reviewer").await;
    let (_, page) = reviewer.text("/review").await;
    assert!(page.contains("提交日期") && page.contains("已等待（工作日）"), "{page}");
    let (a, b) = (
        page.find(&format!("/projects/{first}\"")).expect("first"),
        page.find(&format!("/projects/{second}\"")).expect("second"),
    );
    assert!(a < b, "the longest waiting comes first");
    // The first has waited working days, the second none yet.
    let row = |id: i64| {
        let at = page.find(&format!("/projects/{id}\"")).expect("row");
        page[at..at + page[at..].find("</tr>").expect("end")].to_string()
    };
    let waited = |r: &str| -> i64 {
        let cell = r.rsplit("<td class=\"amount\">").next().expect("cell");
        cell[..cell.find('<').expect("end")].trim().parse().expect("days")
    };
    assert!(waited(&row(first)) >= 5, "{}", row(first));
    assert_eq!(waited(&row(second)), 0, "{}", row(second));
    // Sorted the other way by its header link.
    let (_, newest) = reviewer.text("/review?sort=-submitted").await;
    assert!(
        newest.find(&format!("/projects/{second}\""))
            < newest.find(&format!("/projects/{first}\""))
    );
    let api = app.api("reviewer").await;
    let (s, e) = api.get("/api/v1/projects?sort=sideways").await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("sort")));
}

#[tokio::test]
async fn planned_dates_are_recorded_apart_from_what_happened() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let (s, p) = clerk.post("/api/v1/projects", declaration_json("计划日期测试项目")).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().expect("id");
    into_the_plan(&app, id).await;
    let path = format!("/api/v1/projects/{id}/events");
    let today = govit_storage::china_today(app.now());
    let later = (today + chrono::Duration::days(400)).format("%Y-%m-%d").to_string();
    let earlier = (today - chrono::Duration::days(3)).format("%Y-%m-%d").to_string();
    // A date by nature in the future cannot be recorded as having happened …
    let (s, e) = clerk.post(&path, json!({"kind": "om_free_period_end", "date": later})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("date")));
    assert!(e["message"].as_str().unwrap_or("").contains("计划日期"), "{e}");
    // … but as a planned date; nor can a planned date lie in the past.
    let (s, e) = clerk
        .post(&path, json!({"kind": "om_free_period_end", "date": later, "planned": true}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let (s, _) =
        clerk.post(&path, json!({"kind": "work_started", "date": earlier, "planned": true})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // A planned start of work owes nothing yet; the same start having happened does.
    let tomorrow = (today + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
    let (_, planned) =
        clerk.post(&path, json!({"kind": "work_started", "date": tomorrow, "planned": true})).await;
    let reports = |list: &Value| {
        list.as_array().expect("list").iter().filter(|o| o["rule_id"] == "yeji-15-progress").count()
    };
    assert_eq!(reports(&planned), 0, "{planned}");
    let (_, happened) = clerk.post(&path, json!({"kind": "work_started", "date": earlier})).await;
    assert!(reports(&happened) > 0, "{happened}");
    // The project page shows the planned date as planned.
    let web = app.login("clerk").await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("免费运维期届满（计划）"), "planned shown");
    let rows = app.store.milestones(govit_core::ids::ProjectId(id)).await.expect("milestones");
    assert_eq!(rows.iter().filter(|m| m.planned).count(), 2);
}
