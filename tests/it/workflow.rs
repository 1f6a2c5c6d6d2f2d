//! The path a project's profile lays out for it (the workflow engine's route), on the project
//! page and over the API: the profile's own chain, parties in its own words, and which rules
//! apply to this project.

use crate::harness::*;
use reqwest::StatusCode;

#[tokio::test]
async fn the_project_page_shows_the_path_of_its_own_profile() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("路径展示测试").await;
    let (s, page) = clerk.text(&format!("/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    for shown in [
        "审批路径",
        // yeji:7's joint review: five offices countersign, in yeji's own words.
        "区数据资源管理局、区财政局、区发展和改革委员会、区委机要局（密码管理局）、区委网信办（会签）：集中审查论证",
        "（yeji:7）",
        "区发展和改革委员会：立项审批",
    ] {
        assert!(page.contains(shown), "{shown} not in {page}");
    }
    // No other jurisdiction's rule is shown.
    assert!(!page.contains("linxiang:") && !page.contains("lhasa:"), "{page}");
    let api = app.api("clerk").await;
    let (s, path) = api.get(&format!("/api/v1/projects/{id}/path")).await;
    assert_eq!(s, StatusCode::OK, "{path}");
    assert_eq!(path["stages"][1]["stage"], "joint_review");
    let step = &path["stages"][1]["rules"][0]["steps"][0];
    assert_eq!(step["mode"], "all");
    assert_eq!(step["party_kinds"].as_array().map(Vec::len), Some(5));
    // Another unit's clerk gets 404.
    let other = app.api("clerk2").await;
    assert_eq!(other.get(&format!("/api/v1/projects/{id}/path")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn linxiang_adds_its_expert_panel_from_two_million_yuan() {
    let app = spawn_app().await;
    jurisdiction(&app, "lx", "linxiang").await;
    let clerk = app.api("lx-clerk").await;
    let mut status = Vec::new();
    for (name, wan) in [("一百九十九万项目", "199.9999"), ("二百万项目", "200")] {
        let mut body = declaration_json(name);
        body["investment"] = serde_json::json!(wan);
        body["fiscal_funds"] = serde_json::json!(wan);
        body["self_raised"] = serde_json::json!("0");
        let (s, p) = clerk.post("/api/v1/projects", body).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let (_, path) = clerk.get(&format!("/api/v1/projects/{}/path", p["id"])).await;
        let expert = path["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .find(|s| s["stage"] == "expert_review")
            .cloned()
            .expect("expert review on linxiang's path");
        assert_eq!(expert["rules"][0]["cite"], "linxiang:14");
        status.push(expert["rules"][0]["status"].as_str().unwrap_or_default().to_string());
        // The pre-review's author waits on a fact nobody has established yet.
        let pre = &path["stages"][1]["rules"][0];
        assert_eq!(pre["status"], "undecided", "{path}");
        assert!(pre["open_facts"].to_string().contains("是否跨部门项目"), "{path}");
    }
    assert_eq!(status, ["not_applicable", "applies"], "1,999,999 yuan and 2,000,000 yuan");
    // The page says why the expert panel does not apply, and what is open for the pre-review.
    let (_, list) = clerk.get("/api/v1/projects?q=一百九十九万").await;
    let id = list["items"][0]["id"].clone();
    let (_, page) = app.login("lx-clerk").await.text(&format!("/projects/{id}")).await;
    for shown in [
        "适用条件：项目投资 ≥ 200 万元；本项目：项目投资 199.9999 万元",
        "适用条件：是否跨部门项目为“否”；待认定：是否跨部门项目",
    ] {
        assert!(page.contains(shown), "{shown} not in {page}");
    }
}
