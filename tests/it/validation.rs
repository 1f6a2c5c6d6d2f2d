//! Every invalid declaration field gets a 4xx naming the field, in the UI and the API; nothing
//! is saved and nothing answers 500.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// (field to change, bad value, field the error must name)
fn cases() -> Vec<(&'static str, String, &'static str)> {
    let mut v = vec![
        ("summary", "字".repeat(201), "summary"),
        ("period_end", "2025-12".to_string(), "period_end"),
        ("period_start", "2026-13".to_string(), "period_start"),
        ("self_raised", "20.4".to_string(), "fund_sources"),
        ("name", "".to_string(), "name"),
        ("phone", "12345".to_string(), "phone"),
        ("email", "not-an-email".to_string(), "email"),
        ("investment", "120.00001".to_string(), "investment"),
    ];
    for bad in ["abc", "-5", "1e9", "100000000000000000000"] {
        v.push(("investment", bad.to_string(), "investment"));
        v.push(("fiscal_funds", bad.to_string(), "fiscal_funds"));
    }
    v
}

#[tokio::test]
async fn invalid_fields_in_the_form() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    for (field, bad, named) in cases() {
        let mut fields = declaration("校验测试项目");
        fields.iter_mut().find(|(k, _)| *k == field).expect("field").1 = bad.clone();
        let r = clerk.post("/projects/new", &as_pairs(&fields)).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}={bad}");
        let html = r.text().await.expect("body");
        assert!(html.contains("<title>错误："), "title prefix for {field}");
        assert!(html.contains("存在问题"), "summary for {field}");
        assert!(html.contains(&format!("href=\"#{named}\"")), "{field}={bad} should link #{named}");
        // The user's values are kept.
        if field != "summary" {
            assert!(
                html.contains(&format!("value=\"{}\"", bad.replace('&', "&amp;")))
                    || bad.is_empty(),
                "{field} value kept"
            );
        }
    }
    let (_, list) = clerk.text("/projects").await;
    assert!(list.contains("共 0 个项目"), "something was saved");
}

#[tokio::test]
async fn invalid_fields_in_the_api() {
    let app = spawn_app().await;
    let api = app.api("clerk").await;
    for (field, bad, named) in cases() {
        let mut body = declaration_json("校验测试项目");
        body[field] = Value::String(bad.clone());
        let (s, e) = api.post("/api/v1/projects", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}={bad}: {e}");
        assert_eq!(e["code"], "invalid_input");
        assert!(
            e["errors"].as_array().expect("errors").iter().any(|x| x["field"] == named),
            "{field}={bad}: {e}"
        );
        assert!(!e["message"].as_str().unwrap_or("").is_ascii(), "message should be Chinese: {e}");
    }
    // Numbers are taken at their decimal text; floats in exponent form are refused.
    let mut body = declaration_json("数字金额");
    body["investment"] = json!(1e9);
    let (s, e) = api.post("/api/v1/projects", body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let mut body = declaration_json("类型错误");
    body["name"] = json!({"x": 1});
    let (s, e) = api.post("/api/v1/projects", body).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("name")));
    // Malformed JSON.
    let r = api
        .client
        .post(format!("{}/api/v1/projects", api.base))
        .bearer_auth(&api.token)
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.expect("json error");
    assert_eq!(e["code"], "invalid_json");
    let (_, list) = api.get("/api/v1/projects").await;
    assert_eq!(list["total"], 0, "something was saved");
    // Integer amounts are accepted as 万元.
    let mut body = declaration_json("整数金额");
    body["investment"] = json!(120);
    body["fiscal_funds"] = json!(120);
    body["self_raised"] = json!(null);
    let (s, p) = api.post("/api/v1/projects", body).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["investment_yuan"], 1_200_000);
}
