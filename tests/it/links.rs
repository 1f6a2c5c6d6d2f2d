//! A project's systems and the approval gates: gaoping:10's catalog gate refuses until every
//! named system is in the catalog, unknown facts hold approval until a reviewer establishes
//! them, lhasa:8's machine room follows from the catalog entry of a new system, and a
//! project that looks like a common capability of the published catalog waits for a finding.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn submitted_project(clerk: &Api, name: &str, systems: &[(&str, &str)]) -> (i64, Value) {
    let (s, p) = clerk.post("/api/v1/projects", declaration_json(name)).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().expect("id");
    for (system, action) in systems {
        let (s, l) = clerk
            .post(
                &format!("/api/v1/projects/{id}/systems"),
                json!({"system_name": system, "action": action}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{l}");
    }
    clerk.hand_in(id).await;
    let (s, p) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    (id, p)
}

fn gate<'a>(gates: &'a Value, id: &str) -> &'a Value {
    gates
        .as_array()
        .expect("gates")
        .iter()
        .find(|g| g["rule_id"] == id)
        .unwrap_or_else(|| panic!("{id} in {gates}"))
}

fn system(name: &str, deployment: &str, disposition: &str) -> Value {
    json!({
        "name": name, "function_summary": "停车泊位采集、诱导和收费管理", "use_frequency": "daily",
        "deployment": deployment, "network": "extranet", "status": "planned",
        "disposition": disposition, "disposition_reason": "城市停车治理需要"
    })
}

#[tokio::test]
async fn catalog_gate_refuses_approval_until_every_system_is_in_the_catalog() {
    let app = spawn_app().await;
    let (j, _) = jurisdiction(&app, "gaoping", "gaoping").await;
    city_government(&app, j, "gaoping").await;
    let clerk = app.api("gaoping-clerk").await;
    let reviewer = app.api("gaoping-reviewer").await;
    let (s, _) =
        clerk.post("/api/v1/systems", system("城市停车管理系统", "gov_cloud", "keep")).await;
    assert_eq!(s, StatusCode::CREATED);
    let (id, p) = submitted_project(
        &clerk,
        "智慧停车二期",
        &[("城市停车管理系统", "change"), ("停车诱导发布系统", "build")],
    )
    .await;

    let (_, links) = clerk.get(&format!("/api/v1/projects/{id}/systems")).await;
    assert!(links[0]["catalog_system_id"].is_i64(), "{links}");
    assert!(links[1]["catalog_system_id"].is_null(), "{links}");
    // In the year's published plan, it skips gaoping:11's pre-review of unplanned projects.
    let gov = app.api("gaoping-gov").await;
    publish_plan(&[&reviewer, &gov], 2026).await;
    let (s, gates) = reviewer.get(&format!("/api/v1/projects/{id}/gates")).await;
    assert_eq!(s, StatusCode::OK, "{gates}");
    assert_eq!(gate(&gates, "gaoping-10-catalog-approve")["outcome"], "fail");
    let share = gate(&gates, "gaoping-11-share-approve");
    assert_eq!(share["outcome"], "unknown");
    assert_eq!(share["unknown_facts"], json!(["can_share"]));

    // Approval is refused with the article; nothing changes.
    let approve = |v: &Value| json!({"decision": "approve", "version": v});
    // gaoping:11's review form is filled in; the gates still decide.
    assert!(reviewer.give_opinion(id).await);
    let (s, e) =
        reviewer.post(&format!("/api/v1/projects/{id}/decision"), approve(&p["version"])).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("gate_refused")), "{e}");
    let msg = e["message"].as_str().unwrap_or_default();
    assert!(msg.contains("未列入目录的，不予审批项目") && msg.contains("gaoping:10"), "{msg}");
    let (_, now) = reviewer.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(
        (now["status"].clone(), now["version"].clone()),
        (json!("submitted"), p["version"].clone())
    );

    // The list cannot change once submitted; the unit registers the new system instead.
    let (s, e) = clerk
        .post(
            &format!("/api/v1/projects/{id}/systems"),
            json!({"system_name": "另一个系统", "action": "build"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, _) =
        clerk.post("/api/v1/systems", system("停车诱导发布系统", "gov_cloud", "build")).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, gates) = reviewer.get(&format!("/api/v1/projects/{id}/gates")).await;
    assert_eq!(gate(&gates, "gaoping-10-catalog-approve")["outcome"], "pass");

    // Still refused: sharing is not established yet (gaoping:11), and the message says so.
    let (s, e) =
        reviewer.post(&format!("/api/v1/projects/{id}/decision"), approve(&p["version"])).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let msg = e["message"].as_str().unwrap_or_default();
    assert!(msg.contains("尚未认定“是否能互联互通、共享”") && msg.contains("gaoping:11"), "{msg}");
    // Only reviewers establish facts.
    let (s, _) = clerk
        .post(&format!("/api/v1/projects/{id}/facts"), json!({"fact": "can_share", "value": 1}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = reviewer
        .post(&format!("/api/v1/projects/{id}/facts"), json!({"fact": "no_such_fact", "value": 1}))
        .await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("fact")));
    let (s, _) = reviewer
        .post(
            &format!("/api/v1/projects/{id}/facts"),
            json!({"fact": "can_share", "value": 1, "basis": "共享目录已登记"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, p) =
        reviewer.post(&format!("/api/v1/projects/{id}/decision"), approve(&p["version"])).await;
    assert_eq!((s, p["status"].clone()), (StatusCode::OK, json!("approved")), "{p}");
    let refusals = app
        .audit(govit_storage::audit::AuditFilter {
            action: "project.approve".into(),
            ..Default::default()
        })
        .await;
    assert!(
        refusals.iter().any(|a| a.event.result != "ok" && a.event.detail.contains("gaoping:10")),
        "the refusal is audited: {refusals:?}"
    );
}

#[tokio::test]
async fn a_new_system_in_its_own_machine_room_fails_lhasa_8() {
    let app = spawn_app().await;
    jurisdiction(&app, "lhasa", "lhasa").await;
    let clerk = app.api("lhasa-clerk").await;
    let reviewer = app.api("lhasa-reviewer").await;
    clerk.post("/api/v1/systems", system("交通视频分析系统", "own_room", "build")).await;
    clerk.post("/api/v1/systems", system("城市停车管理系统", "gov_cloud", "build")).await;
    let (own, _) =
        submitted_project(&clerk, "交通视频分析", &[("交通视频分析系统", "build")]).await;
    let (cloud, _) = submitted_project(&clerk, "停车管理", &[("城市停车管理系统", "build")]).await;
    let (_, gates) = reviewer.get(&format!("/api/v1/projects/{own}/gates")).await;
    assert_eq!(gate(&gates, "lhasa-8-no-machine-room")["outcome"], "fail", "{gates}");
    let (_, gates) = reviewer.get(&format!("/api/v1/projects/{cloud}/gates")).await;
    assert_eq!(gate(&gates, "lhasa-8-no-machine-room")["outcome"], "pass", "{gates}");
    // A project that names no system implies nothing: the fact waits for a reviewer.
    // (A draft, since lhasa:7 allows two declarations a year; its clerk sees its gates.)
    let (_, draft) = clerk.post("/api/v1/projects", declaration_json("无系统项目")).await;
    let (_, gates) = clerk.get(&format!("/api/v1/projects/{}/gates", draft["id"])).await;
    assert_eq!(gate(&gates, "lhasa-8-no-machine-room")["outcome"], "unknown", "{gates}");
}

#[tokio::test]
async fn a_project_that_looks_like_a_common_capability_waits_for_a_finding_lhasa_8() {
    let app = spawn_app().await;
    let (j, _) = jurisdiction(&app, "lhasa", "lhasa").await;
    data_center(&app, j, "lhasa").await;
    let clerk = app.api("lhasa-clerk").await;
    let reviewer = app.api("lhasa-reviewer").await;
    let rule = "lhasa-8-no-common-rebuild";

    // No published catalog: nothing to compare with, so a reviewer must establish it.
    let (parking, _) = submitted_project(&clerk, "城市停车管理二期", &[]).await;
    let (_, gates) = reviewer.get(&format!("/api/v1/projects/{parking}/gates")).await;
    assert_eq!(gate(&gates, rule)["outcome"], "unknown", "{gates}");

    // The data center publishes a catalog with the city's video platform as a common
    // capability.
    let dc = app.api("lhasa-datacenter").await;
    let (s, draft) = dc.post("/api/v1/cloud/versions", json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{draft}");
    let vid = draft["catalog"]["id"].as_i64().expect("id");
    let (s, draft) = dc
        .post(
            &format!("/api/v1/cloud/versions/{vid}/services"),
            json!({"version": draft["catalog"]["version"], "code": "V-01", "name": "市视频共享平台",
                   "category": "video", "is_common": true, "keywords": "视频监控,视频汇聚"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{draft}");
    let (s, sub) = dc
        .post(
            &format!("/api/v1/cloud/versions/{vid}/submit"),
            json!({"version": draft["catalog"]["version"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    let (s, published) = reviewer
        .post(
            &format!("/api/v1/cloud/versions/{vid}/decision"),
            json!({"version": sub["version"], "decision": "approve"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{published}");

    // Now a project unlike any common capability passes; one that looks like rebuilding
    // the video platform waits for the reviewer, the refusal naming the fact and lhasa:8.
    let (_, gates) = reviewer.get(&format!("/api/v1/projects/{parking}/gates")).await;
    assert_eq!(gate(&gates, rule)["outcome"], "pass", "{gates}");
    let (video, _) = submitted_project(&clerk, "交通路口视频监控汇聚平台", &[]).await;
    let (_, gates) = reviewer.get(&format!("/api/v1/projects/{video}/gates")).await;
    let g = gate(&gates, rule);
    assert_eq!(g["outcome"], "unknown", "{gates}");
    assert_eq!(g["unknown_facts"], json!(["rebuilds_common_capability"]));
    let refusal = g["refusal"].as_str().expect("refusal");
    assert!(
        refusal.contains("是否重复建设共性基础设施或共性支撑能力") && refusal.contains("lhasa:8"),
        "{refusal}"
    );
    let (_, overlaps) = reviewer.get(&format!("/api/v1/projects/{video}/common-overlaps")).await;
    assert_eq!(overlaps["overlaps"][0]["service"], "市视频共享平台");

    // The reviewer finds it does rebuild the platform: the gate fails; finding otherwise
    // lets it pass.
    let find = |value: i64| json!({"fact": "rebuilds_common_capability", "value": value, "basis": "比对平台清单"});
    let facts = format!("/api/v1/projects/{video}/facts");
    assert_eq!(reviewer.post(&facts, find(1)).await.0, StatusCode::NO_CONTENT);
    let (_, gates) = reviewer.get(&format!("/api/v1/projects/{video}/gates")).await;
    assert_eq!(gate(&gates, rule)["outcome"], "fail", "{gates}");
    assert_eq!(reviewer.post(&facts, find(0)).await.0, StatusCode::NO_CONTENT);
    let (_, gates) = reviewer.get(&format!("/api/v1/projects/{video}/gates")).await;
    assert_eq!(gate(&gates, rule)["outcome"], "pass", "{gates}");
}

#[tokio::test]
async fn clerks_list_systems_on_the_project_page_with_checks() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("学生综合素质评价平台").await;

    // Bad input names both fields and saves nothing.
    let r = clerk
        .post(
            &format!("/projects/{id}/systems"),
            &[("system_name", ""), ("action", "爆破"), ("note", "替换旧平台")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("body");
    assert!(
        page.contains("请填写信息系统名称") && page.contains("请选择对该系统的建设内容"),
        "{page}"
    );
    // The project page again: the summary links to the inputs, and the note typed is kept.
    assert!(
        page.contains("涉及的信息系统")
            && page.contains("href=\"#link-name\"")
            && page.contains("href=\"#link-action\"")
            && page.contains("value=\"替换旧平台\""),
        "{page}"
    );

    let r = clerk
        .post(
            &format!("/projects/{id}/systems"),
            &[("system_name", "综合素质评价系统"), ("action", "build"), ("note", "新建")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = clerk
        .post(
            &format!("/projects/{id}/systems"),
            &[("system_name", "区学籍管理系统"), ("action", "改造升级")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = clerk
        .post(
            &format!("/projects/{id}/systems"),
            &[("system_name", "综合素质评价系统"), ("action", "build")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "listed twice");

    let (_, page) = clerk.text(&format!("/projects/{id}")).await;
    assert!(page.contains("涉及的信息系统") && page.contains("未编入目录"), "{page}");
    assert!(page.contains("/systems/new?name="), "a link to register it: {page}");

    // Another unit's clerk cannot touch it; the list is audited.
    let other = app.login("clerk2").await;
    let r = other
        .post(&format!("/projects/{id}/systems"), &[("system_name", "x"), ("action", "build")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let api = app.api("clerk").await;
    let (_, links) = api.get(&format!("/api/v1/projects/{id}/systems")).await;
    assert_eq!(links.as_array().map(Vec::len), Some(2), "{links}");
    let link_id = links[0]["id"].as_i64().expect("id");
    let r = clerk.post(&format!("/projects/{id}/systems/{link_id}/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, links) = api.get(&format!("/api/v1/projects/{id}/systems")).await;
    assert_eq!(links.as_array().map(Vec::len), Some(1), "{links}");
    let r = api
        .client
        .delete(format!("{}/api/v1/projects/{id}/systems/{link_id}", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "already removed");
    let audit = app
        .audit(govit_storage::audit::AuditFilter {
            action: "project.unlink_system".into(),
            ..Default::default()
        })
        .await;
    assert_eq!(audit.len(), 1);
}

/// Every page of the demo's projects opens for each kind of account, whatever its data scope:
/// a scope on the department tree (the clerk's 本部门及以下) once made the page of a project
/// naming a catalog system fail.
#[tokio::test]
async fn every_demo_project_opens_for_every_scope() {
    let app = spawn_app().await;
    govit_storage::seed::demo::sample_projects(&app.store, app.now()).await.expect("samples");
    for login in ["clerk", "reviewer", "finance"] {
        let web = app.login(login).await;
        let (_, list) = app.api(login).await.get("/api/v1/projects?page_size=100").await;
        let items = list["items"].as_array().expect("items").clone();
        assert!(!items.is_empty(), "{login} sees no project");
        for p in items {
            let (s, page) = web.text(&format!("/projects/{}", p["id"])).await;
            assert_eq!(s, StatusCode::OK, "{login} on project {}: {page}", p["id"]);
        }
    }
}
