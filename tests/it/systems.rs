//! The information system catalog: entries with history, 四个一批 dispositions, zombie
//! flags, data scope, validation and export.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn system(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_string()),
        ("function_summary", "城市部件事件的发现、派遣、处置和考核评价".to_string()),
        ("users_scope", "区城管局及各街道网格员".to_string()),
        ("use_frequency", "daily".to_string()),
        ("approval_document", "叶发改〔2019〕88号".to_string()),
        ("approval_date", "2019-06-01".to_string()),
        ("funding_source", "区级财政".to_string()),
        ("year_built", "2020".to_string()),
        ("deployment", "gov_cloud".to_string()),
        ("network", "extranet".to_string()),
        ("gov_service_connected", "1".to_string()),
        ("data_sharing_connected", "1".to_string()),
        ("mlps_level", "3".to_string()),
        ("status", "running".to_string()),
        ("disposition", "keep".to_string()),
        ("disposition_reason", "".to_string()),
        ("last_used_on", "".to_string()),
        ("om_stopped", "0".to_string()),
        ("idle_resources", "0".to_string()),
    ]
}

fn system_json(name: &str) -> Value {
    Value::Object(
        system(name).into_iter().map(|(k, v)| (k.to_string(), Value::String(v))).collect(),
    )
}

fn id_from(location: &str) -> i64 {
    location
        .trim_start_matches("/systems/")
        .split(['?', '/'])
        .next()
        .and_then(|s| s.parse().ok())
        .expect("system id")
}

#[tokio::test]
async fn register_edit_and_dispose_with_history() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let fields = system("教育资源管理系统");
    let r = clerk.post("/systems/new", &as_pairs(&fields)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = id_from(&location(&r));
    let (_, page) = clerk.text(&format!("/systems/{id}")).await;
    assert!(
        page.contains("教育资源管理系统") && page.contains("政务云") && page.contains("3级"),
        "{page}"
    );

    // Closing it needs a reason (gaoping:9).
    let v = input_value(&clerk.text(&format!("/systems/{id}/edit")).await.1, "version")
        .expect("version");
    let mut edit = fields.clone();
    edit.iter_mut().find(|(k, _)| *k == "disposition").expect("d").1 = "close".into();
    let mut form = as_pairs(&edit);
    form.push(("version", &v));
    let r = clerk.post(&format!("/systems/{id}/edit"), &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("href=\"#disposition_reason\""));
    edit.iter_mut().find(|(k, _)| *k == "disposition_reason").expect("r").1 =
        "功能已由市级平台覆盖，长期无人使用".into();
    let mut form = as_pairs(&edit);
    form.push(("version", &v));
    assert_eq!(
        clerk.post(&format!("/systems/{id}/edit"), &form).await.status(),
        StatusCode::SEE_OTHER
    );

    let api = app.api("clerk").await;
    let (_, history) = api.get(&format!("/api/v1/systems/{id}/history")).await;
    let actions: Vec<&str> =
        history.as_array().expect("history").iter().filter_map(|h| h["action"].as_str()).collect();
    assert_eq!(actions, ["dispose", "create"]);
    assert_eq!(history[1]["snapshot"]["disposition"], "keep", "the old version is kept");
    let log = app
        .audit(govit_storage::audit::AuditFilter {
            action: "system.dispose".into(),
            ..Default::default()
        })
        .await;
    assert_eq!(log.len(), 1);

    // A stale version is refused.
    let mut body = system_json("教育资源管理系统");
    body["version"] = json!(1);
    let (s, e) = api.put(&format!("/api/v1/systems/{id}"), body).await;
    assert_eq!((s, e["code"].clone()), (StatusCode::CONFLICT, json!("stale_version")));
}

#[tokio::test]
async fn bad_input_is_named_and_nothing_is_saved() {
    let app = spawn_app().await;
    let api = app.api("clerk").await;
    for (field, bad) in [
        ("name", ""),
        ("deployment", "月球"),
        ("mlps_level", "6"),
        ("year_built", "2099"),
        ("approval_date", "2019-13-01"),
        ("gov_service_connected", "也许"),
    ] {
        let mut body = system_json("校验系统");
        body[field] = json!(bad);
        let (s, e) = api.post("/api/v1/systems", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {e}");
        assert!(
            e["errors"].as_array().expect("errors").iter().any(|x| x["field"] == field),
            "{field}: {e}"
        );
    }
    let (_, list) = api.get("/api/v1/systems").await;
    assert_eq!(list["total"], 0);
    // The same name twice in one unit is refused, naming the field.
    let (s, _) = api.post("/api/v1/systems", system_json("唯一系统")).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, e) = api.post("/api/v1/systems", system_json("唯一系统")).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("name")));
}

#[tokio::test]
async fn units_edit_only_their_own_and_the_authority_sees_all() {
    let app = spawn_app().await;
    let api = app.api("clerk").await;
    let (_, s) = api.post("/api/v1/systems", system_json("教体局专属系统")).await;
    let id = s["id"].as_i64().expect("id");
    let other = app.api("clerk2").await;
    assert_eq!(other.get(&format!("/api/v1/systems/{id}")).await.0, StatusCode::NOT_FOUND);
    let mut body = system_json("改名");
    body["version"] = s["version"].clone();
    assert_eq!(
        other.put(&format!("/api/v1/systems/{id}"), body.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = other.get("/api/v1/systems?q=专属").await;
    assert_eq!(list["total"], 0);
    let web = app.login("clerk2").await;
    assert_eq!(web.text(&format!("/systems/{id}")).await.0, StatusCode::NOT_FOUND);
    let reviewer = app.api("reviewer").await;
    let (s2, got) = reviewer.get(&format!("/api/v1/systems/{id}")).await;
    assert_eq!((s2, got["owner_department"].clone()), (StatusCode::OK, json!("区教育体育局")));
    // A read-only observer sees it but cannot change it.
    let observer = app.api("sjiju").await;
    assert_eq!(observer.put(&format!("/api/v1/systems/{id}"), body).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn zombie_systems_are_flagged_with_reasons_and_filtered() {
    let app = spawn_app().await;
    let api = app.api("clerk").await;
    api.post("/api/v1/systems", system_json("正常运行的系统")).await;
    let mut stale = system_json("多年未用的系统");
    stale["last_used_on"] = json!("2023-05-01");
    stale["om_stopped"] = json!(true);
    let (_, z) = api.post("/api/v1/systems", stale).await;
    let codes: Vec<&str> = z["zombie_signals"]
        .as_array()
        .expect("signals")
        .iter()
        .filter_map(|s| s[0].as_str())
        .collect();
    assert_eq!(codes, ["unused", "om_stopped"], "{z}");
    let (_, list) = api.get("/api/v1/systems?zombies=1").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["system"]["name"], "多年未用的系统");
    let web = app.login("clerk").await;
    let (_, page) = web.text("/systems?zombies=1").await;
    assert!(page.contains("疑似僵尸") && page.contains("已停止运维"), "{page}");
    // The filtered list exports as it is shown.
    let r = web.get("/systems/export.xlsx?zombies=1").await;
    let rows = xlsx_rows(&r.bytes().await.expect("xlsx"), "政务信息系统目录");
    assert_eq!(rows.len(), 2, "header and the one zombie: {rows:?}");
    assert_eq!(rows[1][2], "多年未用的系统");
}

#[tokio::test]
async fn the_reviewer_sees_existing_systems_a_declaration_duplicates() {
    let app = spawn_app().await;
    let owner = app.api("clerk2").await;
    let mut existing = system_json("城市管理综合指挥系统");
    existing["function_summary"] =
        json!("城市部件和事件的发现上报、派遣、处置、核查与考核评价，网格员巡查上报问题");
    let (_, sys) = owner.post("/api/v1/systems", existing).await;
    owner.post("/api/v1/systems", system_json("学籍管理系统")).await;

    let clerk = app.api("clerk").await;
    let mut body = declaration_json("数字城管案件处置平台");
    body["summary"] =
        json!("网格监督员采集城市部件事件问题，指挥中心派遣到责任单位处置并核查结案，开展考核");
    let (_, p) = clerk.post("/api/v1/projects", body).await;
    let id = p["id"].as_i64().expect("id");
    clerk.hand_in(id).await;
    clerk.post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]})).await;

    let reviewer = app.api("reviewer").await;
    let (s, similar) = reviewer.get(&format!("/api/v1/projects/{id}/similar")).await;
    assert_eq!(s, StatusCode::OK, "{similar}");
    assert_eq!(similar[0]["kind"], "system");
    assert_eq!(similar[0]["id"], sys["id"]);
    let terms: Vec<&str> =
        similar[0]["terms"].as_array().expect("terms").iter().filter_map(|t| t.as_str()).collect();
    assert!(terms.contains(&"城市") || terms.contains(&"部件"), "{terms:?}");
    assert!(
        similar.as_array().expect("list").iter().all(|m| m["name"] != "数字城管案件处置平台"),
        "not itself"
    );
    // On the declaration's page too; clerks do not get the comparison.
    let web = app.login("reviewer").await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("重复建设比对") && page.contains("城市管理综合指挥系统"), "{page}");
    assert_eq!(clerk.get(&format!("/api/v1/projects/{id}/similar")).await.0, StatusCode::FORBIDDEN);
}
