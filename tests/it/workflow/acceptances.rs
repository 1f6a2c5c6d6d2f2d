//! Acceptance (issue 12 §3): the owner unit of an approved project starts it, and it runs along
//! its profile's acceptance stages — yeji:22 初步验收 → 提出竣工验收申请 → the authority and the
//! trading centre's 会签; linxiang:26 split at 2,000,000 yuan; xinzhou-transport:21's filing
//! after the party group's consent. Each step records its event on the project (never typed),
//! the `accept` gates stand in front of the step that accepts, and a failed acceptance is
//! followed, after rectification, by the next (linxiang:27).

use super::Cast;
use super::contracts::{approved, fact};
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn body() -> Value {
    json!({"summary": "已按批复建成全部建设内容，试运行三个月，运行稳定", "contact": "李工",
           "phone": "0564-1234567"})
}

/// The events recorded on the project, in order.
pub(super) async fn events(app: &TestApp, id: i64) -> Vec<String> {
    let recorded = app.store.milestones(govit_core::ids::ProjectId(id)).await.expect("milestones");
    recorded.iter().filter(|m| !m.planned).map(|m| m.kind.as_str().to_string()).collect()
}

/// Acts on the acceptance as `api` at the version it reads.
async fn act(api: &Api, id: i64, verb: &str, extra: Value) -> (StatusCode, Value) {
    act_on(api, "acceptances", id, verb, extra).await
}

/// Passes the acceptance's steps with whoever may, until nobody may; the steps passed.
pub(super) async fn walk(cast: &Cast, id: i64) -> Vec<String> {
    let (done, refused) = pass_all(&cast.all(), "acceptances", id).await;
    assert!(refused.is_none(), "{refused:?}");
    done
}

#[tokio::test]
async fn yeji_22_an_acceptance_runs_from_the_owners_preliminary_acceptance_to_the_joint_one() {
    let app = spawn_app().await;
    let web = app.login("clerk").await;
    let id = web.create_draft("验收测试平台").await;
    web.submit(id).await;
    let p = app.approve_yeji(id).await;
    assert_eq!(p["status"], "approved", "{p}");
    let clerk = &app.api("clerk").await;
    let reviewer = &app.api("reviewer").await;
    let centre = &app.api("jyzx").await;
    let path = format!("/api/v1/projects/{id}/acceptances");
    // Every wrong field named; the authority does not start the unit's acceptance.
    let (s, e) = clerk.post(&path, json!({"summary": " "})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|x| x["field"].as_str())
        .collect();
    assert_eq!(fields, ["summary", "contact", "phone"], "{e}");
    let (s, e) = reviewer.post(&path, body()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    // The acceptance's events cannot be typed: its steps record them.
    let today = govit_storage::china_today(app.now()).to_string();
    let (s, e) = clerk
        .post(
            &format!("/api/v1/projects/{id}/events"),
            json!({"kind": "preliminary_acceptance_passed", "date": today}),
        )
        .await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("kind")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("项目验收"), "{e}");

    let (s, a) = clerk.post(&path, body()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let acc = a["id"].as_i64().expect("id");
    assert_eq!((a["status"].clone(), a["attempt"].clone()), (json!("preliminary"), json!(1)));
    assert_eq!(route_actions(&a), ["组织初步验收", "提出竣工验收申请", "组织竣工验收"], "yeji:22");
    // One at a time.
    let (s, e) = clerk.post(&path, body()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("正在办理"), "{e}");
    // Another unit's clerk does not see it.
    let (s, _) = app.api("clerk2").await.get(&format!("/api/v1/acceptances/{acc}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The owner's preliminary acceptance starts yeji:22's month for the application.
    let (s, a) = act(clerk, acc, "pass", json!({"note": "初步验收合格"})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("accepting")), "{a}");
    assert!(events(&app, id).await.contains(&"preliminary_acceptance_passed".to_string()));
    let (_, list) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    let o = list
        .as_array()
        .expect("items")
        .iter()
        .find(|o| o["rule_id"] == "yeji-22-apply-acceptance")
        .cloned()
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(o["status"], "pending", "{o}");
    let (s, a) = act(clerk, acc, "pass", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let (_, list) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    let o = list
        .as_array()
        .expect("items")
        .iter()
        .find(|o| o["rule_id"] == "yeji-22-apply-acceptance")
        .cloned()
        .expect("duty");
    assert_eq!(o["status"], "fulfilled", "the application meets yeji:22: {o}");
    // The clerk no longer holds it (and may take it back until someone acts); the authority
    // and the trading centre sign it (会签) — not while yeji:14's product security is not
    // established.
    assert_eq!(a["verbs"], json!(["withdraw"]), "{a}");
    let (s, e) = act(reviewer, acc, "pass", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("yeji:14"), "{e}");
    // Not passed: the run ends, nothing is recorded, and the owner may try again.
    let (s, e) = act(reviewer, acc, "reject", json!({"reason": ""})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("reason")), "{e}");
    let (s, a) = act(reviewer, acc, "reject", json!({"reason": "密码应用安全性评估未完成"})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("failed")), "{a}");
    assert!(!events(&app, id).await.contains(&"completion_acceptance_passed".to_string()));
    let (_, page) = web.text(&format!("/acceptances/{acc}")).await;
    assert!(page.contains("验收未通过") && page.contains("密码应用安全性评估未完成"), "{page}");
    assert!(page.contains("整改后重新发起验收"), "{page}");

    // After rectification, the second acceptance starts at the application.
    reviewer.establish(id, &[("secure_controllable", 1)]).await;
    let (s, a) = clerk.post(&path, body()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let again = a["id"].as_i64().expect("id");
    assert_eq!((a["attempt"].clone(), a["after_preliminary"].clone()), (json!(2), json!(true)));
    assert_eq!(route_actions(&a), ["提出竣工验收申请", "组织竣工验收"]);
    let (s, a) = act(clerk, again, "pass", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    // 会签: the authority's signature alone does not accept it.
    let (s, a) = act(reviewer, again, "pass", json!({"note": "同意通过"})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("accepting")), "{a}");
    let (_, waiting) = centre.get("/api/v1/acceptances").await;
    assert!(waiting.to_string().contains("验收测试平台"), "{waiting}");
    let (s, a) = act(centre, again, "pass", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let (_, a) = clerk.get(&format!("/api/v1/acceptances/{again}")).await;
    assert_eq!((a["status"].clone(), a["passed"].clone()), (json!("accepted"), json!(true)));
    let recorded = events(&app, id).await;
    assert_eq!(
        recorded.iter().filter(|e| *e == "completion_acceptance_passed").count(),
        1,
        "{recorded:?}"
    );
    // Passed: no third.
    let (s, e) = clerk.post(&path, body()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("已在第 2 次验收中通过"), "{e}");
    // The project page and the lists say so.
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("第 2 次验收") && page.contains("已通过验收"), "{page}");
    let (_, page) = web.text("/acceptances").await;
    assert!(page.contains("第 1 次验收") && page.contains("验收未通过"), "{page}");
}

#[tokio::test]
async fn xinzhou_transport_21_files_the_report_after_the_party_groups_consent() {
    let app = spawn_app().await;
    let (cast, id, ..) = approved(&app, "xinzhou-transport").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let (s, a) = clerk.post(&format!("/api/v1/projects/{id}/acceptances"), body()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let acc = a["id"].as_i64().expect("id");
    assert_eq!(route_actions(&a), ["开展竣工验收", "报送竣工验收报告", "同意", "备案"]);
    // xinzhou-transport:19/20: the catalog and the products are conditions of acceptance.
    let (s, e) = act(clerk, acc, "pass", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("xinzhou-transport:"), "{e}");
    super::establish(&cast, id, &[("catalog_in_sharing_platform", 1), ("secure_controllable", 1)])
        .await;
    assert_eq!(fact(&app, &cast.login_of_reviewer(), id, "acceptance_filed").await, json!(0));
    let walked = walk(&cast, acc).await;
    assert_eq!(walked, ["开展竣工验收", "报送竣工验收报告", "同意", "备案"]);
    let (_, a) = clerk.get(&format!("/api/v1/acceptances/{acc}")).await;
    assert_eq!(a["status"], "filed", "{a}");
    let recorded = events(&app, id).await;
    for e in ["completion_acceptance_passed", "acceptance_filed"] {
        assert!(recorded.contains(&e.to_string()), "{e}: {recorded:?}");
    }
    // 验收备案 is derived from the filing step and cannot be typed.
    assert_eq!(fact(&app, &cast.login_of_reviewer(), id, "acceptance_filed").await, json!(1));
    let (s, e) = cast
        .api("reviewer")
        .post(
            &format!("/api/v1/projects/{id}/facts"),
            json!({"fact": "acceptance_filed", "value": 0, "basis": "手工"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
}

#[tokio::test]
async fn linxiang_26_splits_the_acceptance_at_two_million_yuan() {
    let app = spawn_app().await;
    let (cast, id, ..) = approved(&app, "linxiang").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let invest = |yuan: i64| {
        let app = &app;
        async move {
            govit_storage::sqlx::query("UPDATE projects SET investment_yuan = $1 WHERE id = $2")
                .bind(yuan)
                .bind(id)
                .execute(app.store.pool())
                .await
                .expect("investment");
        }
    };
    let path = format!("/api/v1/projects/{id}/acceptances");
    invest(1_999_999).await;
    let (s, a) = clerk.post(&path, body()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        route_actions(&a),
        ["委托组织竣工验收", "组织竣工验收并报送验收报告", "报送相关资料", "备案"],
        "below 2,000,000 yuan the owner accepts on the authority's commission"
    );
    let acc = a["id"].as_i64().expect("id");
    let (s, a) = act(cast.api("reviewer"), acc, "reject", json!({"reason": "试运行未满"})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("failed")), "{a}");
    invest(2_000_000).await;
    let (s, a) = clerk.post(&path, body()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let steps = route_actions(&a);
    assert_eq!(steps[0], "组织初步验收", "{steps:?}");
    assert!(steps.contains(&"组织专家进行竣工验收".to_string()), "{steps:?}");
    assert_eq!(a["attempt"], 2);
}

#[tokio::test]
async fn two_passes_of_one_step_at_once_give_one_409() {
    let app = spawn_app().await;
    let (cast, id, ..) = approved(&app, "lhasa").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let (_, a) = clerk.post(&format!("/api/v1/projects/{id}/acceptances"), body()).await;
    assert_eq!(route_actions(&a)[..2], ["组织初步验收", "提出竣工验收申请"], "lhasa:17");
    let acc = a["id"].as_i64().expect("id");
    let url = format!("/api/v1/acceptances/{acc}/pass");
    let b = json!({"version": a["version"]});
    let (x, y) = tokio::join!(clerk.post(&url, b.clone()), clerk.post(&url, b));
    let mut codes = [x.0, y.0];
    codes.sort();
    assert_eq!(codes, [StatusCode::OK, StatusCode::CONFLICT], "{x:?} {y:?}");
    // lhasa:17's six months run from the preliminary acceptance.
    let (_, list) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    assert!(list.to_string().contains("lhasa-17-apply-acceptance"), "{list}");
    assert!(events(&app, id).await.contains(&"preliminary_acceptance_passed".to_string()));
    // Taken back (撤回) before the application: so is what it recorded, and its duty.
    let (s, a) = act(clerk, acc, "withdraw", json!({})).await;
    assert_eq!((s, a["current_step"].clone()), (StatusCode::OK, json!(0)), "{a}");
    assert!(!events(&app, id).await.contains(&"preliminary_acceptance_passed".to_string()));
    let (_, list) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    assert!(!list.to_string().contains("lhasa-17-apply-acceptance"), "{list}");
    // Its own preliminary acceptance failed: the next starts with a preliminary one again.
    let (s, a) = act(clerk, acc, "reject", json!({"reason": "初步验收发现问题"})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("failed")), "{a}");
    let (s, a) = clerk.post(&format!("/api/v1/projects/{id}/acceptances"), body()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        (a["after_preliminary"].clone(), route_actions(&a)[0].clone()),
        (json!(false), "组织初步验收".to_string())
    );
}
