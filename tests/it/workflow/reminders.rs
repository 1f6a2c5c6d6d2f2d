//! 催办 and overdue tasks reach people: through the notice webhook (the holders, and for an
//! overdue task the authority too), and on the authority's list of overdue tasks.

use super::*;

#[tokio::test]
async fn an_urge_and_an_overdue_task_reach_their_holders_and_the_authority() {
    let app = spawn_app().await;
    let at = beijing;
    app.set_now(at("2025-09-26 10:00"));
    let (state, received) = webhook(&app).await;
    // Off by default.
    assert_eq!(govit_web::send_reminders(&app.state).await, Ok(0));
    let cast = Cast::of(&app, "lhasa").await;
    let id = declared(&cast, "拉萨市应急指挥平台", "150").await;
    cast.walk(id, |t| t["action"] == "技术评审").await;
    let reviewer = cast.api("reviewer");
    let reviewer_login =
        cast.apis.iter().find(|(l, ..)| l.starts_with("reviewer")).expect("reviewer").0.clone();
    let task = task_on(reviewer, id).await;
    // The owner reminds the authority of its technical review.
    let clerk = cast.api("clerk");
    let (s, e) = clerk
        .post(
            &format!("/api/v1/tasks/{}/urge", task["id"].as_str().expect("id")),
            json!({"version": 0, "note": "请尽快组织技术评审"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(govit_web::send_reminders(&state).await, Ok(1));
    let bodies = received.lock().expect("lock").clone();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["kind"], "reminders", "{}", bodies[0]);
    let urge = &bodies[0]["reminders"][0];
    assert_eq!((urge["kind"].as_str(), urge["action"].as_str()), (Some("urge"), Some("技术评审")));
    assert_eq!(urge["note"], "请尽快组织技术评审", "{urge}");
    let logins: Vec<&str> = urge["recipients"]
        .as_array()
        .expect("recipients")
        .iter()
        .filter_map(|r| r["login"].as_str())
        .collect();
    assert!(logins.contains(&reviewer_login.as_str()), "the holder: {urge}");
    // Delivered once.
    assert_eq!(govit_web::send_reminders(&state).await, Ok(0));

    // lhasa:11's five working days pass: the task turns overdue, and the authority is told
    // — on its list and through the webhook.
    app.set_now(at("2025-10-13 09:00"));
    establish(&cast, id, &[("quotes_count", 3)]).await;
    let (s, list) = reviewer.get("/api/v1/tasks/overdue").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let late = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["project_id"] == id)
        .cloned()
        .expect("the overdue task");
    assert_eq!(
        (late["action"].as_str(), late["holder"].as_str(), late["due"].as_str()),
        (Some("技术评审"), Some("市经济和信息化局"), Some("2025-10-10")),
        "{late}"
    );
    let (s, _) = clerk.get("/api/v1/tasks/overdue").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a declarant is not the authority");
    let (_, page) = app.login(&reviewer_login).await.text("/tasks/overdue").await;
    assert!(page.contains("拉萨市应急指挥平台") && page.contains("已逾期"), "{page}");
    assert_eq!(govit_web::send_reminders(&state).await, Ok(1));
    let bodies = received.lock().expect("lock").clone();
    let overdue = &bodies[1]["reminders"][0];
    assert_eq!(
        (overdue["kind"].as_str(), overdue["due"].as_str()),
        (Some("overdue"), Some("2025-10-10"))
    );
    let roles: Vec<&str> = overdue["recipients"]
        .as_array()
        .expect("recipients")
        .iter()
        .filter_map(|r| r["role"].as_str())
        .collect();
    assert!(roles.contains(&"holder"), "{overdue}");
    assert_eq!(govit_web::send_reminders(&state).await, Ok(0), "once per overdue task");
}
