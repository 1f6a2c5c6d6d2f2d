//! 信用档案 (issue 12 §7, linxiang:35): a jurisdiction's administrators record a firm's or an
//! expert's misconduct under the profile's rule, with the project it concerns; everyone of the
//! jurisdiction reads the file, no one of another; a profile without the rule records nothing.

use super::Cast;
use super::contracts::approved;
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn fields(e: &Value) -> Vec<String> {
    e["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["field"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn linxiang_35_records_a_firms_misconduct_in_its_credit_file() {
    let app = spawn_app().await;
    let (cast, id, builder, _) = approved(&app, "linxiang").await;
    let admin = app.api(&cast.admin).await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let url = format!("/api/v1/org/firms/{builder}/credit-records");
    let (s, file) = admin.get(&url).await;
    assert_eq!(s, StatusCode::OK, "{file}");
    assert_eq!(
        (file["recorded_under"].clone(), file["blacklist_cite"].clone(), file["records"].clone()),
        (json!(["linxiang:35"]), json!("linxiang:35"), json!([]))
    );
    let conduct = "出具的系统测试报告与实际测试结果严重不符";
    // Only the administrators record; every wrong field is named; nothing is kept.
    let (s, e) = clerk.post(&url, json!({"conduct": conduct})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, e) = admin.post(&url, json!({"conduct": " ", "project": "第一"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), ["conduct", "project"], "{e}");
    let (s, e) = admin.post(&url, json!({"conduct": conduct, "project": 999_999})).await;
    assert_eq!((s, fields(&e)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["project".into()]), "{e}");
    assert!(e.to_string().contains("本辖区没有编号为 999999 的项目"), "{e}");
    let (s, e) =
        admin.post(&url, json!({"rule": "linxiang-34-owner-violation", "conduct": conduct})).await;
    assert_eq!((s, fields(&e)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["rule".into()]), "{e}");
    assert_eq!(admin.get(&url).await.1["records"], json!([]));

    let (s, r) = admin.post(&url, json!({"conduct": conduct, "project": id})).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!((r["cite"].clone(), r["project_id"].clone()), (json!("linxiang:35"), json!(id)));
    assert!(r["project_name"].is_string(), "{r}");
    // Everyone of the jurisdiction reads it; the project's timeline says so.
    let (s, file) = clerk.get(&url).await;
    assert_eq!(s, StatusCode::OK, "{file}");
    assert_eq!(file["records"][0]["conduct"], conduct, "{file}");
    let (_, events) = clerk.get(&format!("/api/v1/projects/{id}/events")).await;
    assert!(events.to_string().contains("记入信用档案（linxiang:35）"), "{events}");
    // No one of another jurisdiction; nothing that is not a firm or an expert.
    let (s, _) = app.api("clerk").await.get(&url).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = admin.get(&format!("/api/v1/org/bogus/{builder}/credit-records")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = admin.get("/api/v1/org/firms/999999/credit-records").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // An expert's file, without a project.
    let (s, x) =
        admin.post("/api/v1/org/experts", json!({"name": "郑伟", "fields": ["软件"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{x}");
    let expert = x["id"].as_i64().expect("id");
    let (s, r) = admin
        .post(
            &format!("/api/v1/org/experts/{expert}/credit-records"),
            json!({"conduct": "评审结论严重失实"}),
        )
        .await;
    assert_eq!((s, r["subject"].clone()), (StatusCode::CREATED, json!("expert")), "{r}");

    // On the pages: 组织机构 counts the records and leads to the file, where the administrator
    // records another (an empty one shown again with the error).
    let web = app.login(&cast.admin).await.with_csrf().await;
    let (_, org) = web.text("/org").await;
    assert!(org.contains(&format!("/org/firms/{builder}/credit")), "{org}");
    assert!(org.contains("不良行为记录 1 条") && org.contains("黑名单（linxiang:35）"), "{org}");
    let page = format!("/org/firms/{builder}/credit");
    let (s, shown) = web.text(&page).await;
    assert_eq!(s, StatusCode::OK);
    assert!(shown.contains(conduct) && shown.contains("linxiang:35"), "{shown}");
    // The administrator does not see the project: its number, not its name or a link.
    assert!(shown.contains(&format!("第 {id} 号项目")), "{shown}");
    assert!(!shown.contains(&format!("href=\"/projects/{id}\"")), "{shown}");
    let r = web.post(&page, &[("conduct", ""), ("project", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("请填写不良行为") && body.contains("error-summary"), "{body}");
    let r = web.post(&page, &[("conduct", "监理日志弄虚作假"), ("project", "")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, shown) = web.text(&format!("{page}?done=recorded")).await;
    assert!(shown.contains("已记入信用档案") && shown.contains("监理日志弄虚作假"), "{shown}");
    // The clerk reads the page without the form, and is told when choosing the firm.
    let (login, _) = cast.owner_clerk(id).await;
    let clerk_web = app.login(&login).await;
    let (_, seen) = clerk_web.text(&page).await;
    assert!(seen.contains(conduct) && !seen.contains("record-credit"), "{seen}");
    assert!(seen.contains(&format!("href=\"/projects/{id}\"")), "the clerk sees it: {seen}");
    let (_, form) = clerk_web.text(&format!("/projects/{id}/contracts/new")).await;
    assert!(form.contains("（信用档案有不良行为记录 2 条）"), "{form}");
}

#[tokio::test]
async fn a_profile_without_the_article_records_nothing() {
    let app = spawn_app().await;
    let cast = Cast::of(&app, "gaoping").await;
    let admin = app.api(&cast.admin).await;
    let (s, f) =
        admin.post("/api/v1/org/firms", json!({"kind": "contractor", "name": "某承建公司"})).await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let url = format!("/api/v1/org/firms/{}/credit-records", f["id"]);
    let (s, file) = admin.get(&url).await;
    assert_eq!((s, file["recorded_under"].clone()), (StatusCode::OK, json!([])), "{file}");
    let (s, e) = admin.post(&url, json!({"conduct": "弄虚作假"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["message"].as_str().unwrap_or("").contains("没有将不良行为记入信用档案的规定"),
        "{e}"
    );
}
