//! 年度工作绩效考核 (issue 12 §5, xinzhou-transport:25): the data centre assesses each accepted
//! project once a year, and the reviewers of the unit's next declarations read the results with
//! its evaluations.

use super::submissions::accepted;
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn xinzhou_transport_25_the_data_center_assesses_a_units_project_once_a_year() {
    let app = spawn_app().await;
    let (cast, id) = accepted(&app, "xinzhou-transport").await;
    let year = govit_storage::china_today(app.now()).format("%Y").to_string();
    let path = format!("/api/v1/projects/{id}/submissions");
    let body = json!({"stage": "unit_assessment", "year": year,
                      "text": "系统使用率高，数据按时共享，考核结论为优秀"});
    // The data center assesses, not the owner unit.
    let (_, clerk) = cast.owner_clerk(id).await;
    let (s, e) = clerk.post(&path, body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let mut center = None;
    for api in cast.all() {
        let (s, offered) = api.get(&path).await;
        let may = offered["stages"].as_array().is_some_and(|a| {
            a.iter().any(|o| o["stage"] == "unit_assessment" && o["may_start"] == json!(true))
        });
        if s == StatusCode::OK && may {
            center = Some(api);
        }
    }
    let center = center.expect("the data center assesses");
    let (s, a) = center.post(&path, body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(route_actions(&a), ["年度绩效考核"]);
    let (s, a) =
        act_on(center, "submissions", a["id"].as_i64().expect("id"), "pass", json!({})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("done")), "{a}");
    // Once a year, naming the article.
    let (s, e) = center.post(&path, body).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("year")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("xinzhou-transport:25"), "{e}");

    // The result weighs in the unit's next declarations: a reviewer of one sees it.
    let reviewer = cast.api("reviewer");
    let (_, owner) = reviewer.get(&format!("/api/v1/projects/{id}")).await;
    let (_, sent) = reviewer.get("/api/v1/projects?status=submitted").await;
    let next = sent["items"][0]["id"].as_i64().expect("a declaration under review");
    govit_storage::sqlx::query("UPDATE projects SET owner_department_id = $1 WHERE id = $2")
        .bind(owner["owner_department_id"].as_i64().expect("owner"))
        .bind(next)
        .execute(app.store.pool())
        .await
        .expect("same unit");
    let (_, page) =
        app.login(&cast.login_of_reviewer()).await.text(&format!("/projects/{next}")).await;
    assert!(page.contains("id=\"unit-evaluations-table\""), "{page}");
    assert!(page.contains(&format!("{year} 年度工作绩效考核")), "{page}");
    assert!(page.contains("xinzhou-transport:25"), "{page}");
}
