//! 项目终止 (issue 12 §2, §7): the owner unit ends its project's implementation with the written
//! statement linxiang:25 asks for, or the authority takes the measure 终止项目 (gaoping:22);
//! either records 项目终止, after which the project takes no further step of its construction
//! — no contract, progress report, change, acceptance or payment, nothing in flight passed —
//! owes no more of what it owed then, and is rated no more. What winds it up still goes on.

use super::contracts::{approved, construction};
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn today(app: &TestApp) -> String {
    govit_storage::china_today(app.now()).to_string()
}

fn change(title: &str) -> Value {
    json!({
        "title": title,
        "content": "调整数据共享模块的建设内容及进度",
        "reason": "根据业务发展需要",
        "increase": "0",
        "decrease": "0",
    })
}

fn report(app: &TestApp) -> Value {
    let today = govit_storage::china_today(app.now());
    json!({
        "period": govit_core::progress::Quarter::of(today).code(),
        "content": "建设全区统一的数据共享交换平台",
        "progress": "已完成概要设计",
        "expected_on": "2027-06-30",
        "invested": "10",
        "head": "王主任",
        "contact": "李工",
        "mobile": "13800000000",
    })
}

/// The project's obligations by status.
async fn statuses(api: &Api, id: i64) -> Vec<(String, String)> {
    let (s, duties) = api.get(&format!("/api/v1/projects/{id}/obligations")).await;
    assert_eq!(s, StatusCode::OK, "{duties}");
    duties
        .as_array()
        .expect("obligations")
        .iter()
        .map(|d| {
            (d["rule_id"].as_str().unwrap_or("").into(), d["status"].as_str().unwrap_or("").into())
        })
        .collect()
}

/// How many times the project's events hold 项目终止.
async fn terminations(app: &TestApp, id: i64) -> usize {
    let recorded = app.store.milestones(govit_core::ids::ProjectId(id)).await.expect("milestones");
    recorded.iter().filter(|m| m.kind.as_str() == "project_terminated").count()
}

fn refused_with(r: &(StatusCode, Value), says: &str) {
    assert_eq!(r.0, StatusCode::CONFLICT, "{}", r.1);
    let message = r.1["message"].as_str().unwrap_or("");
    assert!(message.contains(says), "expected “{says}”: {}", r.1);
}

#[tokio::test]
async fn linxiang_25_the_owner_terminates_its_project_and_nothing_of_its_construction_goes_on() {
    let app = spawn_app().await;
    let (cast, id, builder, _) = approved(&app, "linxiang").await;
    let (login, clerk) = cast.owner_clerk(id).await;
    let reviewer = cast.api("reviewer");
    let day = today(&app);
    // A change begun before the termination, not yet through.
    let (s, c) = clerk.post(&format!("/api/v1/projects/{id}/changes"), change("调整进度")).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let in_flight = c["id"].as_i64().expect("id");
    // A contract signed and not yet filed: its filing is owed (linxiang:20).
    let (s, k) =
        clerk.post(&format!("/api/v1/projects/{id}/contracts"), construction(&app, builder)).await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    let open_before = statuses(clerk, id)
        .await
        .iter()
        .filter(|(_, s)| matches!(s.as_str(), "pending" | "due_soon" | "overdue"))
        .count();
    assert!(open_before > 0, "the contract's filing is owed");

    let path = format!("/api/v1/projects/{id}/submissions");
    let (s, offered) = clerk.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{offered}");
    let stage = |o: &Value| {
        o["stages"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["stage"] == "termination").cloned())
            .unwrap_or_else(|| panic!("no termination offered: {o}"))
    };
    let t = stage(&offered);
    assert_eq!(t["may_start"], json!(true), "{t}");
    assert!(t["rules"].to_string().contains("linxiang:25"), "{t}");
    let evaluation = |o: &Value| {
        o["stages"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["stage"] == "post_evaluation").cloned())
            .unwrap_or_else(|| panic!("no post-evaluation: {o}"))
    };
    let (_, offered) = reviewer.get(&path).await;
    assert!(evaluation(&offered)["not_yet"].to_string().contains("竣工验收"), "{offered}");
    // The owner unit terminates it, not the authority; a statement is required.
    let statement = json!({"stage": "termination",
        "text": "承建单位不按建设方案批复和合同执行且拒不接受监督检查，依法终止项目实施"});
    let (s, e) = reviewer.post(&path, statement.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, e) = clerk.post(&path, json!({"stage": "termination", "text": " "})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("text")), "{e}");
    let (s, sub) = clerk.post(&path, statement).await;
    assert_eq!(s, StatusCode::CREATED, "{sub}");
    assert_eq!(route_actions(&sub), ["依法终止项目实施并提交书面说明", "接收书面说明"]);
    let sid = sub["id"].as_i64().expect("id");
    // Begun but not sent, the project goes on.
    let (s, _) = clerk.post(&format!("/api/v1/projects/{id}/progress"), report(&app)).await;
    assert_ne!(s, StatusCode::CONFLICT);
    let (s, r) = act_on(clerk, "submissions", sid, "pass", json!({})).await;
    assert_eq!((s, r["status"].clone()), (StatusCode::OK, json!("reviewing")), "{r}");

    // From now on nothing of its construction begins or passes, each refusal saying why.
    refused_with(
        &clerk.post(&format!("/api/v1/projects/{id}/changes"), change("再调整")).await,
        &format!("项目已于 {day} 终止，不能再申请调整"),
    );
    refused_with(
        &clerk.post(&format!("/api/v1/projects/{id}/progress"), report(&app)).await,
        "终止，不能再填报进度",
    );
    refused_with(
        &clerk
            .post(
                &format!("/api/v1/projects/{id}/acceptances"),
                json!({"summary": "已建成", "contact": "李工", "phone": "0891-1234567"}),
            )
            .await,
        "终止，不能再组织验收",
    );
    refused_with(
        &act_on(clerk, "changes", in_flight, "pass", json!({})).await,
        "终止，本项目调整不再办理",
    );
    // Its page and its API say so before anyone acts, and offer no 通过; the list marks it.
    let (s, detail) = clerk.get(&format!("/api/v1/changes/{in_flight}")).await;
    assert_eq!(s, StatusCode::OK, "{detail}");
    let ended = detail["project_ended"].as_str().unwrap_or("");
    assert!(ended.contains(&format!("项目已于 {day} 终止，本项目调整不再办理")), "{detail}");
    assert!(!detail["verbs"].to_string().contains("pass"), "{detail}");
    let web = app.login(&login).await;
    let (_, page) = web.text(&format!("/changes/{in_flight}")).await;
    assert!(page.contains("id=\"run-ended\"") && page.contains("本项目调整不再办理"), "{page}");
    assert!(!page.contains("id=\"pass\""), "{page}");
    // Published as OC4IDS, a terminated project is cancelled.
    let (s, package) = clerk.get(&format!("/api/v1/projects/{id}/oc4ids")).await;
    assert_eq!((s, package["projects"][0]["status"].clone()), (StatusCode::OK, json!("cancelled")));
    // The project list finds it under 已终止, marked so; the API alike.
    let (_, list) = web.text("/projects?status=terminated").await;
    assert!(list.contains(&format!("href=\"/projects/{id}\"")), "{list}");
    assert!(list.contains("ended-tag"), "{list}");
    let (s, found) = clerk.get("/api/v1/projects?status=terminated").await;
    assert_eq!(s, StatusCode::OK, "{found}");
    let ids: Vec<i64> =
        found["items"].as_array().expect("items").iter().filter_map(|p| p["id"].as_i64()).collect();
    assert_eq!(ids, [id], "{found}");
    let (_, drafts) = clerk.get("/api/v1/projects?status=draft").await;
    assert!(!drafts.to_string().contains(&format!("\"id\":{id},")), "{drafts}");
    let (_, approved) = clerk.get("/api/v1/projects?status=approved").await;
    assert!(approved.to_string().contains(&format!("\"id\":{id},")), "{approved}");
    let (_, list) = web.text("/changes").await;
    let waiting = list.split("id=\"all\"").next().unwrap_or("");
    assert!(waiting.contains(&format!("项目已于 {day} 终止，不再办理")), "{waiting}");
    refused_with(
        &clerk.post(&format!("/api/v1/projects/{id}/contracts"), construction(&app, builder)).await,
        "终止，不能再登记合同",
    );
    refused_with(
        &act_on(clerk, "contracts", k["id"].as_i64().expect("id"), "pass", json!({})).await,
        "终止，本合同的备案不再办理",
    );
    refused_with(&clerk.post(&path, json!({"stage": "termination", "text": "再次"})).await, "终止");
    refused_with(
        &clerk
            .post(
                &format!("/api/v1/projects/{id}/events"),
                json!({"kind": "work_started", "date": day.clone()}),
            )
            .await,
        "终止，不能再登记“开工建设”",
    );
    // What winds it up opens without the acceptance that will not come (linxiang:33).
    let (_, offered) = reviewer.get(&path).await;
    let e = evaluation(&offered);
    assert_eq!((e["not_yet"].clone(), e["may_start"].clone()), (json!(null), json!(true)), "{e}");
    let (_, offered) = clerk.get(&path).await;
    let t = stage(&offered);
    assert_eq!(t["may_start"], json!(false), "{t}");
    assert!(t["not_yet"].as_str().unwrap_or("").contains(&day), "{t}");

    // What it owed then is owed no more; it is rated no more.
    let after = statuses(clerk, id).await;
    assert!(
        !after.iter().any(|(_, s)| matches!(s.as_str(), "pending" | "due_soon" | "overdue")),
        "{after:?}"
    );
    assert_eq!(after.iter().filter(|(_, s)| s == "ended").count(), open_before, "{after:?}");
    let (s, r) = reviewer.get(&format!("/api/v1/projects/{id}/rating")).await;
    assert_eq!((s, r["may_rate"].clone()), (StatusCode::OK, json!(false)), "{r}");
    let (s, e) = reviewer
        .post(
            &format!("/api/v1/projects/{id}/rating"),
            json!({"level": 1, "reason": "已终止", "seen": 0}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");

    // The page says so and offers nothing of construction; a form reached anyway says why
    // before anything is typed. The dashboard counts it apart.
    let web = app.login(&login).await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains(&format!("本项目已于 {day} 终止")), "{page}");
    assert!(page.contains("id=\"ended-tag\""), "{page}");
    for link in ["new-change", "new-report", "new-acceptance", "new-payment", "contracts/new"] {
        assert!(!page.contains(link), "{link} offered: {page}");
    }
    let (s, form) = web.text(&format!("/projects/{id}/contracts/new")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(form.contains(&format!("项目已于 {day} 终止，不能再登记合同")), "{form}");
    let (s, d) = reviewer.get("/api/v1/dashboard").await;
    assert_eq!((s, d["terminated"].clone()), (StatusCode::OK, json!(1)), "{d}");

    // Taken back before the authority received the statement, the project goes on again …
    let (s, r) = act_on(clerk, "submissions", sid, "withdraw", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(!page.contains("project-ended"), "{page}");
    assert!(
        statuses(clerk, id).await.iter().all(|(_, s)| s != "ended"),
        "what it owed is owed again"
    );
    // … until it is sent again. The authority receives it, or returns it for more — it does not
    // refuse it; returned and sent again a day later, the project ended on the first day.
    let (s, r) = act_on(clerk, "submissions", sid, "pass", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let first_step = r["steps"][0]["key"].clone();
    refused_with(
        &act_on(reviewer, "submissions", sid, "reject", json!({"reason": "理由不充分"})).await,
        "不作“不予通过”",
    );
    let (s, r) = act_on(
        reviewer,
        "submissions",
        sid,
        "return",
        json!({"to": first_step, "reason": "请补充已完成的建设内容"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    app.advance(std::time::Duration::from_secs(86_400));
    let (s, r) = act_on(clerk, "submissions", sid, "pass", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let web = app.login(&login).await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains(&format!("本项目已于 {day} 终止")), "{page}");
    let (s, r) = act_on(reviewer, "submissions", sid, "pass", json!({})).await;
    assert_eq!((s, r["status"].clone()), (StatusCode::OK, json!("done")), "{r}");
    assert_eq!(terminations(&app, id).await, 1);
}

#[tokio::test]
async fn gaoping_22_the_authoritys_termination_ends_the_project_as_the_owners_does() {
    let app = spawn_app().await;
    let (cast, id, ..) = approved(&app, "gaoping").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let authority = cast.api("reviewer");
    // gaoping lays out no termination of the owner's own.
    let (_, offered) = clerk.get(&format!("/api/v1/projects/{id}/submissions")).await;
    assert!(!offered["stages"].to_string().contains("\"termination\""), "{offered}");
    let (s, e) = clerk
        .post(
            &format!("/api/v1/projects/{id}/submissions"),
            json!({"stage": "termination", "text": "终止"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    // The measure is taken after a rectification that failed.
    let rule = "gaoping-22-rectify";
    let due = (govit_storage::china_today(app.now()) + chrono::Duration::days(5)).to_string();
    let (s, r) = authority
        .post(
            &format!("/api/v1/projects/{id}/submissions"),
            json!({"stage": "rectification", "rule": rule, "due": due,
                   "text": "未经批准擅自调整建设内容"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let order = r["id"].as_i64().expect("id");
    let (s, r) = act_on(authority, "submissions", order, "pass", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    app.advance(std::time::Duration::from_secs(86_400 * 6));
    let (s, t) = authority
        .post(
            &format!("/api/v1/projects/{id}/measures"),
            json!({"rule": rule, "step": "terminate", "reason": "逾期不整改"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let day = today(&app);
    refused_with(
        &clerk.post(&format!("/api/v1/projects/{id}/changes"), change("调整")).await,
        &format!("项目已于 {day} 终止"),
    );
    let after = statuses(clerk, id).await;
    assert!(
        !after.iter().any(|(_, s)| matches!(s.as_str(), "pending" | "due_soon" | "overdue")),
        "{after:?}"
    );
    assert_eq!(terminations(&app, id).await, 1);
}

#[tokio::test]
async fn a_project_through_its_completion_acceptance_is_not_terminated() {
    let app = spawn_app().await;
    let (cast, id) = super::submissions::accepted(&app, "linxiang").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let path = format!("/api/v1/projects/{id}/submissions");
    refused_with(
        &clerk.post(&path, json!({"stage": "termination", "text": "预期目标不能实现"})).await,
        "通过竣工验收，实施已经完成",
    );
    assert_eq!(terminations(&app, id).await, 0);
}
