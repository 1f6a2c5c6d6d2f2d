//! The JSON API: the same flow as the UI, optimistic concurrency, tokens, the OpenAPI document.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn declaration_flow_through_the_api() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let reviewer = app.api("reviewer").await;

    let (s, p) = clerk.post("/api/v1/projects", declaration_json("区级教育数据中台")).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["status"], "draft");
    assert_eq!(p["investment_wan"], "120.5");
    assert_eq!(p["investment_yuan"], 1_205_000);
    assert_eq!(p["period"], "2026年01月至2026年12月");
    let id = p["id"].as_i64().expect("id");

    let mut body = declaration_json("区级教育数据中台（修订）");
    body["version"] = p["version"].clone();
    body["investment"] = json!("0.0001");
    body["fiscal_funds"] = json!("0.0001");
    body["self_raised"] = json!("");
    let (s, p) = clerk.put(&format!("/api/v1/projects/{id}"), body).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["investment_yuan"], 1);

    clerk.hand_in(id).await;
    let (s, p) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!((s, p["status"].clone()), (StatusCode::OK, json!("submitted")));

    let (_, queue) = reviewer.get("/api/v1/projects?status=submitted").await;
    assert_eq!(queue["total"], 1);
    let (s, e) = reviewer
        .post(
            &format!("/api/v1/projects/{id}/decision"),
            json!({"decision": "return", "version": p["version"]}),
        )
        .await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("reason")));
    let (s, p) = reviewer
        .post(
            &format!("/api/v1/projects/{id}/decision"),
            json!({"decision": "return", "reason": "请细化概算", "version": p["version"]}),
        )
        .await;
    assert_eq!((s, p["status"].clone()), (StatusCode::OK, json!("returned")));

    let (_, p) = clerk.get(&format!("/api/v1/projects/{id}")).await;
    clerk.hand_in(id).await;
    let (s, _) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK);
    // yeji:7: the five offices review jointly (会签); the path moves on after the last.
    let p = app.pass_steps(id, &YEJI_JOINT_REVIEW).await;
    assert_eq!(p["status"], "submitted", "{p}");
    // yeji:24: 发改委's approval (yeji:5) waits until sharing and domestic crypto are
    // established.
    let fgw = app.api("fgw").await;
    let approve = json!({"decision": "approve", "version": p["version"]});
    let (s, e) = fgw.post(&format!("/api/v1/projects/{id}/decision"), approve.clone()).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("gate_refused")), "{e}");
    assert!(
        e["message"].as_str().unwrap_or("").contains("尚未认定")
            && e["message"].as_str().unwrap_or("").contains("yeji:24"),
        "{e}"
    );
    reviewer.confirm_yeji_approval_facts(id).await;
    let (s, p) = fgw.post(&format!("/api/v1/projects/{id}/decision"), approve).await;
    assert_eq!((s, p["status"].clone()), (StatusCode::OK, json!("approved")));

    let (_, events) = clerk.get(&format!("/api/v1/projects/{id}/events")).await;
    let all = events.as_array().expect("events");
    // The materials handed in before the first submission are lines of their own.
    let handed: Vec<&Value> = all.iter().filter(|e| e["action"] == "materials").collect();
    assert!(handed.len() >= 5, "{events}");
    assert!(handed.iter().all(|e| e["comment"].as_str().is_some_and(|c| c.starts_with("上传《"))));
    // Each office's opinion on the joint review is a line of its own before its signature.
    let opinions: Vec<&Value> = all.iter().filter(|e| e["action"] == "review").collect();
    assert_eq!(opinions.len(), 5, "{events}");
    assert!(opinions.iter().all(|e| {
        e["comment"].as_str().is_some_and(|c| c.starts_with("填写集中审查论证意见：同意"))
    }));
    let flow: Vec<&Value> =
        all.iter().filter(|e| e["action"] != "materials" && e["action"] != "review").collect();
    let actions: Vec<&str> = flow.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "create", "update", "submit", "return", "submit", "pass", "pass", "pass", "pass",
            "pass", "approve"
        ]
    );
    assert_eq!(flow[3]["comment"], "【集中审查论证】请细化概算");
}

#[tokio::test]
async fn a_stale_version_gets_409_and_changes_nothing() {
    let app = spawn_app().await;
    let a = app.api("clerk").await;
    let (_, p) = a.post("/api/v1/projects", declaration_json("并发编辑项目")).await;
    let id = p["id"].as_i64().expect("id");
    let v = p["version"].clone();
    let mut first = declaration_json("第一个人的修改");
    first["version"] = v.clone();
    assert_eq!(a.put(&format!("/api/v1/projects/{id}"), first).await.0, StatusCode::OK);
    let mut second = declaration_json("第二个人的修改");
    second["version"] = v.clone();
    let (s, e) = a.put(&format!("/api/v1/projects/{id}"), second).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(e["code"], "stale_version");
    assert!(e["message"].as_str().unwrap_or("").contains("已在别处被修改"), "{e}");
    let (_, p) = a.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["name"], "第一个人的修改");
    // Without a version at all: refused, naming the field.
    let (s, e) = a.put(&format!("/api/v1/projects/{id}"), declaration_json("无版本")).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("version")));

    // The same through the form.
    let web = app.login("clerk").await;
    let fields = declaration("表单旧版本");
    let mut form = as_pairs(&fields);
    let stale = v.to_string();
    form.push(("version", &stale));
    let r = web.post(&format!("/projects/{id}/edit"), &form).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.expect("body").contains("已在别处被修改"));
}

#[tokio::test]
async fn concurrent_updates_never_both_win() {
    let app = spawn_app().await;
    let a = app.api("clerk").await;
    let (_, p) = a.post("/api/v1/projects", declaration_json("并发")).await;
    let id = p["id"].as_i64().expect("id");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let api = Api { base: a.base.clone(), client: a.client.clone(), token: a.token.clone() };
        let mut body = declaration_json(&format!("并发修改{i}"));
        body["version"] = p["version"].clone();
        tasks.push(tokio::spawn(async move {
            api.put(&format!("/api/v1/projects/{id}"), body).await.0
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("task") {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn tokens_are_required_and_revocable() {
    let app = spawn_app().await;
    let r = app.client().get(app.url("/api/v1/projects")).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let e: Value = r.json().await.expect("json");
    assert_eq!(e["code"], "unauthorized");
    // A session cookie is not an API credential.
    let web = app.login("clerk").await;
    assert_eq!(web.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    // Tokens are created and revoked on the account page; the plaintext is shown once.
    let r = web.post("/account/tokens", &[("name", "对接测试")]).await;
    let page = r.text().await.expect("body");
    let start = page.find("govit_").expect("token shown");
    let token: String =
        page[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let api = Api { base: app.base.clone(), client: app.client(), token };
    let (s, me) = api.get("/api/v1/me").await;
    assert_eq!((s, me["login"].clone()), (StatusCode::OK, json!("clerk")));
    let (_, page) = web.text("/account/tokens").await;
    assert!(!page.contains(&api.token), "token plaintext shown again");
    let tokens = app
        .store
        .list_tokens(app.store.user_id_by_login("clerk").await.expect("db").expect("u"))
        .await
        .expect("tokens");
    let r = web.post(&format!("/account/tokens/{}/revoke", tokens[0].id), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(api.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}

/// Every API route the suite uses is in the OpenAPI document, and every documented route is
/// served (401 without a token, never 404 or 405).
#[tokio::test]
async fn openapi_documents_every_route() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    let expected = [
        ("get", "/api/v1/openapi.json"),
        ("get", "/api/v1/me"),
        ("get", "/api/v1/me/todo"),
        ("get", "/api/v1/projects"),
        ("post", "/api/v1/projects"),
        ("get", "/api/v1/projects/{id}"),
        ("put", "/api/v1/projects/{id}"),
        ("post", "/api/v1/projects/{id}/submit"),
        ("post", "/api/v1/projects/{id}/withdraw"),
        ("post", "/api/v1/projects/{id}/outside-scope"),
        ("post", "/api/v1/projects/{id}/reopen"),
        ("post", "/api/v1/projects/{id}/decision"),
        ("get", "/api/v1/projects/{id}/events"),
        ("post", "/api/v1/projects/{id}/events"),
        ("get", "/api/v1/projects/{id}/obligations"),
        ("post", "/api/v1/projects/{id}/obligations/waive"),
        ("get", "/api/v1/obligations"),
        ("get", "/api/v1/policies"),
        ("get", "/api/v1/policies/{id}"),
        ("get", "/api/v1/calendar/{month}"),
        ("get", "/api/v1/cloud/catalog"),
        ("get", "/api/v1/cloud/versions"),
        ("post", "/api/v1/cloud/versions"),
        ("get", "/api/v1/cloud/versions/{id}"),
        ("post", "/api/v1/cloud/versions/{id}/services"),
        ("put", "/api/v1/cloud/services/{id}"),
        ("delete", "/api/v1/cloud/services/{id}"),
        ("post", "/api/v1/cloud/versions/{id}/submit"),
        ("post", "/api/v1/cloud/versions/{id}/decision"),
        ("get", "/api/v1/projects/{id}/cloud-services"),
        ("post", "/api/v1/projects/{id}/cloud-services"),
        ("delete", "/api/v1/projects/{id}/cloud-services/{service_id}"),
        ("get", "/api/v1/projects/{id}/common-overlaps"),
        ("get", "/api/v1/negative-list"),
        ("post", "/api/v1/negative-list"),
        ("get", "/api/v1/negative-list/{id}"),
        ("post", "/api/v1/negative-list/{id}/decision"),
        ("get", "/api/v1/systems"),
        ("post", "/api/v1/systems"),
        ("get", "/api/v1/systems/{id}"),
        ("put", "/api/v1/systems/{id}"),
        ("get", "/api/v1/systems/{id}/history"),
        ("get", "/api/v1/projects/{id}/similar"),
        ("get", "/api/v1/projects/{id}/systems"),
        ("post", "/api/v1/projects/{id}/systems"),
        ("delete", "/api/v1/projects/{id}/systems/{link_id}"),
        ("get", "/api/v1/projects/{id}/gates"),
        ("get", "/api/v1/projects/{id}/facts"),
        ("post", "/api/v1/projects/{id}/facts"),
        ("post", "/api/v1/systems/import"),
        ("get", "/api/v1/search"),
        ("get", "/api/v1/audit"),
        ("get", "/api/v1/projects/{id}/path"),
        ("get", "/api/v1/projects/{id}/declaration-form"),
        ("get", "/api/v1/tasks"),
        ("get", "/api/v1/tasks/overdue"),
        ("post", "/api/v1/tasks/{id}/{verb}"),
        ("get", "/api/v1/org"),
        ("post", "/api/v1/org/departments"),
        ("post", "/api/v1/org/departments/import"),
        ("post", "/api/v1/org/firms"),
        ("post", "/api/v1/org/experts"),
        ("post", "/api/v1/org/experts/{id}/blacklist"),
        ("get", "/api/v1/projects/{id}/panels"),
        ("post", "/api/v1/projects/{id}/panels"),
        ("post", "/api/v1/projects/{id}/panels/decline"),
        ("get", "/api/v1/jurisdictions"),
        ("post", "/api/v1/jurisdictions"),
        ("get", "/api/v1/projects/{id}/materials"),
        ("get", "/api/v1/projects/{id}/decisions"),
        ("get", "/api/v1/projects/{id}/reviews"),
        ("post", "/api/v1/projects/{id}/reviews"),
        ("post", "/api/v1/projects/{id}/materials/{material}/files"),
        ("delete", "/api/v1/projects/{id}/materials/{material}/files/{file_id}"),
        ("put", "/api/v1/projects/{id}/materials/{material}/mark"),
        ("get", "/api/v1/material-files/{file_id}"),
        ("get", "/api/v1/plans"),
        ("post", "/api/v1/plans"),
        ("get", "/api/v1/plans/{id}"),
        ("post", "/api/v1/plans/{id}/lines"),
        ("put", "/api/v1/plans/{id}/lines/{project_id}"),
        ("delete", "/api/v1/plans/{id}/lines/{project_id}"),
        ("post", "/api/v1/plans/{id}/{verb}"),
        ("get", "/api/v1/changes"),
        ("get", "/api/v1/changes/{id}"),
        ("put", "/api/v1/changes/{id}"),
        ("post", "/api/v1/changes/{id}/cancel"),
        ("post", "/api/v1/changes/{id}/{verb}"),
        ("get", "/api/v1/projects/{id}/changes"),
        ("post", "/api/v1/projects/{id}/changes"),
        ("get", "/api/v1/acceptances"),
        ("get", "/api/v1/acceptances/{id}"),
        ("put", "/api/v1/acceptances/{id}"),
        ("post", "/api/v1/acceptances/{id}/{verb}"),
        ("get", "/api/v1/projects/{id}/acceptances"),
        ("get", "/api/v1/projects/{id}/archive"),
        ("post", "/api/v1/projects/{id}/acceptances"),
        ("get", "/api/v1/payments"),
        ("get", "/api/v1/payments/{id}"),
        ("put", "/api/v1/payments/{id}"),
        ("post", "/api/v1/payments/{id}/{verb}"),
        ("get", "/api/v1/projects/{id}/payments"),
        ("get", "/api/v1/submissions"),
        ("get", "/api/v1/submissions/{id}"),
        ("put", "/api/v1/submissions/{id}"),
        ("post", "/api/v1/submissions/{id}/{verb}"),
        ("get", "/api/v1/projects/{id}/submissions"),
        ("post", "/api/v1/projects/{id}/submissions"),
        ("get", "/api/v1/projects/{id}/measures"),
        ("post", "/api/v1/projects/{id}/measures"),
        ("get", "/api/v1/measures/{id}"),
        ("post", "/api/v1/measures/{id}/lift"),
        ("get", "/api/v1/projects/{id}/rating"),
        ("get", "/api/v1/progress/{id}/form"),
        ("post", "/api/v1/projects/{id}/rating"),
        ("get", "/api/v1/dashboard"),
        ("post", "/api/v1/projects/{id}/payments"),
        ("get", "/api/v1/progress"),
        ("get", "/api/v1/progress/{id}"),
        ("put", "/api/v1/progress/{id}"),
        ("post", "/api/v1/progress/{id}/{verb}"),
        ("get", "/api/v1/projects/{id}/progress"),
        ("post", "/api/v1/projects/{id}/progress"),
        ("get", "/api/v1/contracts"),
        ("get", "/api/v1/contracts/{id}"),
        ("put", "/api/v1/contracts/{id}"),
        ("post", "/api/v1/contracts/{id}/{verb}"),
        ("get", "/api/v1/projects/{id}/contracts"),
        ("post", "/api/v1/projects/{id}/contracts"),
        ("post", "/api/v1/org/firms/{id}/blacklist"),
        ("get", "/api/v1/org/{kind}/{id}/credit-records"),
        ("post", "/api/v1/org/{kind}/{id}/credit-records"),
        ("get", "/api/v1/projects/{id}/oc4ids"),
        ("get", "/api/v1/oc4ids"),
    ];
    let paths = doc["paths"].as_object().expect("paths");
    for (m, p) in expected {
        assert!(
            paths.get(p).and_then(|x| x.get(m)).is_some(),
            "{m} {p} missing from the OpenAPI document"
        );
    }
    let mut documented = 0;
    for (path, ops) in paths {
        for method in ops.as_object().expect("ops").keys() {
            documented += 1;
            assert!(
                expected.contains(&(method.as_str(), path.as_str())),
                "{method} {path} is documented but not tested"
            );
            let url = app.url(
                &path
                    .replace("{id}", "1")
                    .replace("{link_id}", "1")
                    .replace("{month}", "2025-10")
                    .replace("{verb}", "pass"),
            );
            let r = app
                .client()
                .request(method.to_uppercase().parse().expect("method"), url)
                .send()
                .await
                .expect("call");
            let want = if path.ends_with("openapi.json") {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            };
            assert_eq!(r.status(), want, "{method} {path}");
        }
    }
    assert_eq!(documented, expected.len());
    // Every schema the document refers to is in it (a generated client resolves them all).
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(doc["components"]["schemas"].get(name).is_some(), "{r} is not defined");
    }
}

/// The policy vocabularies a program sends are closed enums in the document, so a client
/// learns the codes the server accepts (and a generated client rejects a typo).
#[tokio::test]
async fn openapi_lists_the_event_and_fact_vocabularies() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    let schemas = &doc["components"]["schemas"];
    let values = |schema: &str, field: &str| -> Vec<String> {
        schemas[schema]["properties"][field]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema}.{field} is an enum: {}", schemas[schema]))
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    };
    let kinds = values("EventInput", "kind");
    for k in ["contract_signed", "materials_received", "pre_review_passed", "approved"] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }
    assert_eq!(kinds.len(), govit_core::policy::EventKind::ALL.len());
    let facts = values("FactInput", "fact");
    assert_eq!(facts.len(), govit_core::policy::Fact::ALL.len());
    assert!(facts.iter().any(|f| f == "can_share"), "{facts:?}");
    assert_eq!(values("FactDto", "fact"), facts);
    let records = &schemas["StepDto"]["properties"]["records"]["items"]["enum"];
    assert_eq!(records.as_array().map(Vec::len), Some(kinds.len()), "{}", schemas["StepDto"]);
}
