//! 我的待办's orders and pages, and the yearly declaration windows (yeji:6, lhasa:7).

use super::*;

#[tokio::test]
async fn my_tasks_sort_by_due_date_and_by_days_waiting() {
    let app = spawn_app().await;
    let at = beijing;
    app.set_now(at("2025-09-26 10:00"));
    let cast = Cast::of(&app, "lhasa").await;
    let early = declared(&cast, "拉萨市城市运行监测平台", "150").await;
    // The pre-reviews fall on the fourth Thursdays after: 10-23 and 11-27.
    app.set_now(at("2025-10-24 10:00"));
    let late = declared(&cast, "拉萨市政务服务一网通办平台", "150").await;
    let reviewer = cast.api("reviewer");
    let order = |tasks: &Value| -> Vec<i64> {
        tasks["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|t| t["project_id"].as_i64())
            .filter(|id| [early, late].contains(id))
            .collect()
    };
    let (_, all) = reviewer.get("/api/v1/tasks").await;
    let due: Vec<&str> =
        all["items"].as_array().expect("items").iter().filter_map(|t| t["due"].as_str()).collect();
    assert!(due.len() >= 2, "both tasks have a due date: {all}");
    for (sort, want) in [
        ("", vec![early, late]),
        ("?sort=waiting", vec![early, late]),
        ("?sort=-waiting", vec![late, early]),
        ("?sort=due", vec![early, late]),
        ("?sort=-due", vec![late, early]),
    ] {
        let (s, tasks) = reviewer.get(&format!("/api/v1/tasks{sort}")).await;
        assert_eq!(s, StatusCode::OK, "{tasks}");
        assert_eq!(order(&tasks), want, "{sort}: {tasks}");
    }
    // A page at a time, the total counting them all.
    let (_, first) = reviewer.get("/api/v1/tasks?sort=due&page_size=1").await;
    let (_, second) = reviewer.get("/api/v1/tasks?sort=due&page_size=1&page=2").await;
    assert_eq!(
        (first["total"].as_i64(), first["items"].as_array().map(Vec::len)),
        (Some(2), Some(1)),
        "{first}"
    );
    assert_eq!(
        (first["items"][0]["project_id"].as_i64(), second["items"][0]["project_id"].as_i64()),
        (Some(early), Some(late))
    );
    let (s, body) = reviewer.get("/api/v1/tasks?page=0").await;
    assert_eq!(
        (s, body["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("page")),
        "{body}"
    );
    let (s, body) = reviewer.get("/api/v1/tasks?sort=name").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "sort", "{body}");
    // The review queue sorts the same way, by its column headers.
    let login =
        cast.apis.iter().find(|(l, ..)| l.starts_with("reviewer")).expect("reviewer").0.clone();
    let web = app.login(&login).await;
    for (sort, first, second) in
        [("due", early, late), ("-due", late, early), ("-submitted", late, early)]
    {
        let (_, page) = web.text(&format!("/review?sort={sort}")).await;
        let pos = |id: i64| page.find(&format!("href=\"/projects/{id}\"")).expect("row");
        assert!(pos(first) < pos(second), "{sort}: {page}");
        assert!(page.contains("id=\"sort-due\""), "{page}");
    }
}

/// The keys' actions of a project's route.
async fn route_actions(api: &Api, id: i64) -> Vec<String> {
    let (_, path) = api.get(&format!("/api/v1/projects/{id}/path")).await;
    path["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The rules of a project's 增列 stage on its path: each one's first step's action and its
/// status, as JSON strings.
async fn supplementary_rules(api: &Api, id: i64) -> Vec<(String, String)> {
    let (_, path) = api.get(&format!("/api/v1/projects/{id}/path")).await;
    path["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["stage"] == "supplementary_plan")
        .flat_map(|s| s["rules"].as_array().cloned().unwrap_or_default())
        .map(|r| (r["steps"][0]["action"].to_string(), r["status"].to_string()))
        .collect()
}

#[tokio::test]
async fn yeji_6_a_declaration_sent_from_october_joins_only_by_the_supplementary_plan() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let mut sent = Vec::new();
    for (day, late) in [("2025-09-30 16:00", false), ("2025-10-01 09:00", true)] {
        app.set_now(beijing(day));
        let (s, p) =
            clerk.post("/api/v1/projects", declaration_json(&format!("时限测试{day}"))).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let id = p["id"].as_i64().expect("id");
        // Before it is sent, the clerk reads what sending it today means.
        let (_, path) = clerk.get(&format!("/api/v1/projects/{id}/path")).await;
        assert_eq!(
            (&path["window"]["sent"], &path["window"]["late"], &path["window"]["plan_year"]),
            (&json!(false), &json!(late), &json!(2026)),
            "{day}: {path}"
        );
        clerk.hand_in(id).await;
        let (s, p) = clerk
            .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        sent.push(id);
        let actions = route_actions(&clerk, id).await;
        assert_eq!(actions.iter().any(|a| a == "批准增列"), late, "{day}: {actions:?}");
        let (_, path) = clerk.get(&format!("/api/v1/projects/{id}/path")).await;
        let w = &path["window"];
        assert_eq!(
            (&w["sent"], &w["late"], &w["cite"]),
            (&json!(true), &json!(late), &json!("yeji:6"))
        );
        if late {
            assert_eq!(w["if_late"], "supplementary_plan", "{w}");
            assert!(w["sentence"].as_str().is_some_and(|s| s.contains("增列")), "{w}");
        }
    }
    // The late one's page says so, with the article, and names the plan year.
    let web = app.login("clerk").await;
    let (_, page) = web.text(&format!("/projects/{}", sent[1])).await;
    assert!(page.contains("逾期申报") && page.contains("id=\"plan-year\">2026<"), "{page}");
    // Its yeji:24 gates stand before 发改委's 立项审批 (yeji:5), not before the 增列 after it.
    let late_id = sent[1];
    app.pass_steps(late_id, &crate::harness::YEJI_JOINT_REVIEW).await;
    let fgw = app.api("fgw").await;
    let (_, p) = fgw.get(&format!("/api/v1/projects/{late_id}")).await;
    let (s, e) = fgw
        .post(
            &format!("/api/v1/projects/{late_id}/decision"),
            json!({"decision": "approve", "version": p["version"]}),
        )
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("gate_refused")), "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.contains("yeji:24")), "{e}");
    app.api("reviewer").await.confirm_yeji_approval_facts(late_id).await;
    let p = app.pass_steps(late_id, &["fgw"]).await;
    assert_eq!(p["status"], "submitted", "the 增列 steps are left: {p}");
    // Before it is walked, the late rule is on the route but not 已办理: whether the project is
    // urgent (which would take the urgent rule's 增列 instead) is still open.
    let statuses = supplementary_rules(&clerk, late_id).await;
    assert_eq!(statuses[1].1, "\"undecided\"", "{statuses:?}");
    // 增列 walked, the project is in the year's plan (yeji:8), which would now rule a 增列
    // out: the stage walked stays on its path, 已办理, and the urgent rule is not 待认定.
    let p = app.pass_steps(late_id, &["reviewer", "qzf"]).await;
    assert_eq!(p["status"], "approved", "{p}");
    let actions = route_actions(&clerk, late_id).await;
    assert_eq!(actions[actions.len() - 2..], ["审核逾期申报项目", "批准增列"], "{actions:?}");
    assert_eq!(
        supplementary_rules(&clerk, late_id).await,
        [
            ("\"审核\"".to_string(), "\"not_applicable\"".to_string()),
            ("\"审核逾期申报项目\"".to_string(), "\"walked\"".to_string())
        ]
    );
    let (_, page) = web.text(&format!("/projects/{late_id}")).await;
    assert!(page.contains("\">已办理</span>"), "{page}");
    // Whether it was late is derived, never typed.
    let (s, e) = app
        .api("reviewer")
        .await
        .post(
            &format!("/api/v1/projects/{}/facts", sent[0]),
            json!({"fact": "declared_late", "value": 1}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("fact")), "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.contains("自动判定")), "{e}");
}

#[tokio::test]
async fn lhasa_7_after_august_31_is_planned_for_the_year_after_next() {
    let app = spawn_app().await;
    app.set_now(beijing("2025-08-31 17:00"));
    let cast = Cast::of(&app, "lhasa").await;
    let on_time = declared(&cast, "拉萨市智慧城管平台", "150").await;
    app.set_now(beijing("2025-09-01 09:00"));
    let late = declared(&cast, "拉萨市智慧交通平台", "150").await;
    let reviewer = cast.api("reviewer");
    for (id, year, is_late) in [(on_time, 2026, false), (late, 2027, true)] {
        let (_, path) = reviewer.get(&format!("/api/v1/projects/{id}/path")).await;
        let w = &path["window"];
        assert_eq!(
            (&w["plan_year"], &w["late"], &w["cite"]),
            (&json!(year), &json!(is_late), &json!("lhasa:7")),
            "{w}"
        );
    }
    let (_, path) = reviewer.get(&format!("/api/v1/projects/{late}/path")).await;
    assert_eq!(path["window"]["if_late"], "plan_after_next", "{path}");
    // Its pre-review falls on the fourth Thursday of the month: 2025-09-25.
    let task = task_on(reviewer, late).await;
    assert_eq!(task["due"], "2025-09-25", "{task}");
    // The late one passes its pre-review; the one sent in time has not yet, so no project can
    // enter the 2026 plan (lhasa:7: what the pre-review passes enters the plan), and the
    // refusal says so.
    let signed = cast.pass_step(late).await;
    assert_eq!(signed.first().map(|(a, _)| a.as_str()), Some("组织预审"), "{signed:?}");
    let apis = cast.all();
    let start = || async {
        for api in &apis {
            let (s, p) = api.post("/api/v1/plans", json!({"kind": "annual", "year": 2026})).await;
            if s != StatusCode::FORBIDDEN {
                return (s, p);
            }
        }
        panic!("nobody compiles lhasa's plan");
    };
    let (s, e) = start().await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");
    assert!(e["message"].as_str().is_some_and(|m| m.contains("预审通过的纳入")), "{e}");
    // Pre-reviewed, the one sent in time enters it; the late one waits for the plan of its plan
    // year and cannot be added to this one.
    cast.pass_step(on_time).await;
    let (s, plan) = start().await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let lines: Vec<i64> = plan["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["project_id"].as_i64())
        .collect();
    assert_eq!(lines, [on_time], "{plan}");
    let id = plan["id"].as_i64().expect("plan");
    let (s, e) = reviewer
        .post(
            &format!("/api/v1/plans/{id}/lines"),
            json!({"version": plan["version"], "projects": [late]}),
        )
        .await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("projects")),
        "{e}"
    );
}
