//! yeji:2: a project under 100,000 yuan is outside the regulation; its owner unit records it
//! so (不适用本办法), it leaves the path and owes nothing under the regulation, and it can be
//! taken back to declare.

use super::*;

/// A yeji draft of `wan` 万元, all of it fiscal.
async fn draft_of(clerk: &Api, wan: &str) -> (i64, i64) {
    let mut body = declaration_json(&format!("规模登记{wan}万元"));
    body["investment"] = json!(wan);
    body["fiscal_funds"] = json!(wan);
    body["self_raised"] = json!("0");
    let (s, p) = clerk.post("/api/v1/projects", body).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    (p["id"].as_i64().expect("id"), p["version"].as_i64().expect("version"))
}

#[tokio::test]
async fn yeji_2_a_small_project_is_recorded_outside_the_regulation_and_taken_back() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let reviewer = app.api("reviewer").await;
    let web = app.login("clerk").await;

    // At 100,000 yuan the regulation applies: no button, and the API refuses with the rule.
    let (at_line, v) = draft_of(&clerk, "10").await;
    let (_, page) = web.text(&format!("/projects/{at_line}")).await;
    assert!(!page.contains("id=\"record-outside-scope\""), "{page}");
    let (s, e) = clerk
        .post(&format!("/api/v1/projects/{at_line}/outside-scope"), json!({"version": v}))
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("应按规定申报"), "{e}");

    // Below it, the path panel offers the record beside the article.
    let (small, v) = draft_of(&clerk, "9.9999").await;
    let (_, page) = web.text(&format!("/projects/{small}")).await;
    let button = page.find("id=\"record-outside-scope\"").expect("the record's button");
    assert!(page.find("yeji:2").is_some_and(|at| at < button), "{page}");
    let (_, path) = clerk.get(&format!("/api/v1/projects/{small}/path")).await;
    let yeji_2 = path["thresholds"]
        .as_array()
        .expect("thresholds")
        .iter()
        .find(|t| t["cite"] == "yeji:2")
        .cloned()
        .expect("yeji:2 is met");
    assert_eq!(yeji_2["outside_scope"], true, "{yeji_2}");

    // Only the owner unit records it.
    let (s, e) = reviewer
        .post(&format!("/api/v1/projects/{small}/outside-scope"), json!({"version": v}))
        .await;
    assert!(matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{s} {e}");

    // Recorded from the page, it stands outside: on the timeline with its article, owing
    // nothing, with no step to take and no task for anyone.
    let r =
        web.post(&format!("/projects/{small}/outside-scope"), &[("version", &v.to_string())]).await;
    assert_eq!(location(&r), format!("/projects/{small}?done=outside_scope"));
    let (_, p) = clerk.get(&format!("/api/v1/projects/{small}")).await;
    assert_eq!(p["status"], "outside_scope", "{p}");
    let (_, events) = clerk.get(&format!("/api/v1/projects/{small}/events")).await;
    let last = events.as_array().and_then(|e| e.last()).cloned().expect("an event");
    assert_eq!(
        (last["action"].as_str(), last["to_status"].as_str()),
        (Some("outside_scope"), Some("outside_scope"))
    );
    assert!(last["comment"].as_str().unwrap_or("").contains("yeji:2"), "{last}");
    let (_, owed) = clerk.get(&format!("/api/v1/projects/{small}/obligations")).await;
    assert_eq!(owed, json!([]), "nothing is owed under the regulation");
    let (s, e) = clerk
        .post(&format!("/api/v1/projects/{small}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("不适用本办法"), "{e}");
    let (_, tasks) = reviewer.get("/api/v1/tasks").await;
    assert!(
        !tasks["items"].as_array().expect("items").iter().any(|t| t["project_id"] == small),
        "{tasks}"
    );
    let (_, page) = web.text(&format!("/projects/{small}")).await;
    assert!(page.contains("id=\"outside-scope\"") && page.contains("id=\"reopen\""), "{page}");
    assert!(!page.contains("id=\"submit-declaration\""), "no sending from outside");
    // It has no path and no gates to show, only the notice at the top.
    assert!(!page.contains("id=\"path\"") && !page.contains("id=\"gates\""), "{page}");
    assert!(page.find("id=\"outside-scope\"") < page.find("<dl class=\"summary\""), "{page}");
    // The notice names the article that puts it there.
    let rule = page.find("id=\"outside-scope-rule\"").map(|i| &page[i..]).expect("the article");
    assert!(rule.contains("yeji:2"), "{rule}");

    // A stale version is refused; taken back, it is a draft that owes its duties again.
    let (s, _) =
        clerk.post(&format!("/api/v1/projects/{small}/reopen"), json!({"version": v})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, back) = clerk
        .post(&format!("/api/v1/projects/{small}/reopen"), json!({"version": p["version"]}))
        .await;
    assert_eq!((s, back["status"].as_str()), (StatusCode::OK, Some("draft")), "{back}");
    let (_, owed) = clerk.get(&format!("/api/v1/projects/{small}/obligations")).await;
    assert!(owed.as_array().is_some_and(|o| !o.is_empty()), "{owed}");
    let (s, e) = clerk
        .post(&format!("/api/v1/projects/{small}/reopen"), json!({"version": back["version"]}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a draft is not taken back: {e}");
}

#[tokio::test]
async fn yeji_2_tells_the_clerk_below_100_000_yuan_before_sending() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let web = app.login("clerk").await;
    for (wan, below) in [("9.9999", true), ("10", false)] {
        let (id, _) = draft_of(&clerk, wan).await;
        let (_, path) = clerk.get(&format!("/api/v1/projects/{id}/path")).await;
        let cites: Vec<&str> = path["thresholds"]
            .as_array()
            .expect("thresholds")
            .iter()
            .filter_map(|t| t["cite"].as_str())
            .collect();
        assert_eq!(cites.contains(&"yeji:2"), below, "{wan} 万元: {path}");
        let (_, page) = web.text(&format!("/projects/{id}")).await;
        let shown = page.contains("本项目适用的规模规定") && page.contains("不适用本办法");
        assert_eq!(shown, below, "{wan} 万元");
        // The notice stands before the button that sends it.
        if below {
            assert!(page.find("不适用本办法") < page.find("id=\"submit-declaration\""), "{page}");
        }
        // And on the check page, before its own button.
        let (_, check) = web.text(&format!("/projects/{id}/check")).await;
        assert_eq!(check.contains("id=\"check-outside-scope\""), below, "{wan} 万元: {check}");
    }
}
