//! Sanctions (issue 12 §7): a rectification ordered under one of the profile's sanctions with
//! a deadline, the owner's report and the authority's check, then — where the rule escalates
//! (gaoping:22 拒不整改或整改后仍不符合要求的) — the measures it names, taken by the parties
//! the profile names and in force until lifted: a payment, a contract or an O&M fund
//! application they stop is refused naming the rule.

use super::Cast;
use super::contracts::{approved, construction};
use crate::harness::input_value;
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

fn day_after(app: &TestApp, days: i64) -> String {
    (govit_storage::china_today(app.now()) + chrono::Duration::days(days)).to_string()
}

async fn take(api: &Api, id: i64, rule: &str, step: &str) -> (StatusCode, Value) {
    api.post(
        &format!("/api/v1/projects/{id}/measures"),
        json!({"rule": rule, "step": step, "reason": "拒不整改，经复核仍不符合批复要求"}),
    )
    .await
}

/// What the caller may take under `rule` now: (step, why not).
async fn offered(api: &Api, id: i64, rule: &str) -> Vec<(String, Option<String>)> {
    let (s, m) = api.get(&format!("/api/v1/projects/{id}/measures")).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    m["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| r["rule"] == rule)
        .flat_map(|r| r["measures"].as_array().cloned().unwrap_or_default())
        .map(|x| {
            (x["step"].as_str().unwrap_or("").to_string(), x["not_now"].as_str().map(String::from))
        })
        .collect()
}

/// Orders a rectification under `rule` due in `days` as `by`: its id.
async fn order(app: &TestApp, by: &Api, id: i64, rule: &str, days: i64) -> i64 {
    let (s, r) = by
        .post(
            &format!("/api/v1/projects/{id}/submissions"),
            json!({"stage": "rectification", "rule": rule, "due": day_after(app, days),
                   "text": "未经批准擅自调整建设内容，须恢复按批复内容建设"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(route_actions(&r), ["责令限期整改", "报送整改情况", "复核整改情况"], "{r}");
    let sub = r["id"].as_i64().expect("id");
    let (s, r) = act_on(by, "submissions", sub, "pass", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    sub
}

#[tokio::test]
async fn gaoping_22_suspends_funds_only_after_a_failed_rectification_until_lifted() {
    let app = spawn_app().await;
    let (cast, id, ..) = approved(&app, "gaoping").await;
    let (login, clerk) = cast.owner_clerk(id).await;
    let authority = cast.api("reviewer");
    let rule = "gaoping-22-rectify";
    // The authority is led from the project's 督查处理 to the order's form.
    let (_, page) =
        app.login(&cast.login_of_reviewer()).await.text(&format!("/projects/{id}")).await;
    let link = format!(
        "href=\"/projects/{id}/submissions/new?stage=rectification\" id=\"order-rectification\""
    );
    assert!(page.contains(&link), "{page}");

    // Nothing is suspended without a rectification first, and the refusal says so.
    let before = offered(authority, id, rule).await;
    assert_eq!(
        before.iter().map(|m| m.0.as_str()).collect::<Vec<_>>(),
        ["suspend_funds", "terminate"]
    );
    assert!(before[0].1.as_deref().unwrap_or("").contains("须先责令限期整改"), "{before:?}");
    let (s, e) = take(authority, id, rule, "suspend_funds").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("gaoping:22"), "{e}");
    // Neither by the owner unit (the authority decides), whose offer is empty.
    let (s, e) = take(clerk, id, rule, "suspend_funds").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(offered(clerk, id, rule).await.is_empty());
    // Field errors name their fields; nothing is saved.
    for (body, field) in [
        (json!({"rule": "yeji-26-rectify", "step": "suspend_funds", "reason": "x"}), "rule"),
        (json!({"rule": rule, "step": "suspend_project", "reason": "x"}), "step"),
        (json!({"rule": rule, "step": "suspend_funds", "reason": " "}), "reason"),
    ] {
        let (s, e) = authority.post(&format!("/api/v1/projects/{id}/measures"), body).await;
        assert_eq!(
            (s, e["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!(field)),
            "{e}"
        );
    }

    // The order: by the authority only, under a rule of the profile, due on a day to come.
    let path = format!("/api/v1/projects/{id}/submissions");
    let order_body = |rule: &str, due: String| json!({"stage": "rectification", "rule": rule, "due": due, "text": "擅自调整建设内容"});
    let (s, e) = clerk.post(&path, order_body(rule, day_after(&app, 30))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, e) = authority.post(&path, order_body("yeji-26-rectify", day_after(&app, 30))).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("rule")), "{e}");
    let (s, e) = authority.post(&path, order_body(rule, day_after(&app, 0))).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("due")), "{e}");
    let sub = order(&app, authority, id, rule, 30).await;
    // Sent to the owner: still nothing to take before its deadline.
    let pending = offered(authority, id, rule).await;
    assert!(pending[0].1.as_deref().unwrap_or("").contains("尚未到期"), "{pending:?}");
    let (s, r) =
        act_on(clerk, "submissions", sub, "pass", json!({"note": "已恢复按批复内容建设"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, r) =
        act_on(authority, "submissions", sub, "reject", json!({"reason": "整改后仍不符合要求"}))
            .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["status"], "refused", "{r}");

    // Now the measure: taken, its fact set, a payment refused naming the rule.
    assert_eq!(offered(authority, id, rule).await[0].1, None);
    let (s, m) = take(authority, id, rule, "suspend_funds").await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!((m["in_force"].clone(), m["cite"].clone()), (json!(true), json!("gaoping:22")));
    let measure = m["id"].as_i64().expect("id");
    let (s, e) = take(authority, id, rule, "suspend_funds").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("正在实施"), "{e}");
    // gaoping:22 is the authority's: finance does not take it.
    let (s, e) = take(cast.api("finance"), id, rule, "terminate").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let pay = json!({"kind": "progress", "amount": "10", "payee": "测试承建公司",
                     "purpose": "按合同约定支付第一期进度款"});
    let (s, p) = clerk.post(&format!("/api/v1/projects/{id}/payments"), pay).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let payment = p["id"].as_i64().expect("id");
    let (_, refused) = pass_all(&cast.all(), "payments", payment).await;
    let (s, e) = refused.expect("refused while suspended");
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("gaoping:22"), "{e}");

    // Lifted by the authority with a reason, at the version read.
    let lift = |v: &Value, reason: &str| json!({"version": v["version"], "reason": reason});
    let (s, e) = clerk.post(&format!("/api/v1/measures/{measure}/lift"), lift(&m, "已整改")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, e) = authority.post(&format!("/api/v1/measures/{measure}/lift"), lift(&m, "")).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("reason")), "{e}");
    let stale = json!({"version": 99, "reason": "已整改"});
    let (s, e) = authority.post(&format!("/api/v1/measures/{measure}/lift"), stale).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, l) = authority
        .post(&format!("/api/v1/measures/{measure}/lift"), lift(&m, "经复查已按要求完成整改"))
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!((l["in_force"].clone(), l["lifted_by"].is_string()), (json!(false), true), "{l}");
    let (s, e) =
        authority.post(&format!("/api/v1/measures/{measure}/lift"), lift(&l, "再次")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (walked, refused) = pass_all(&cast.all(), "payments", payment).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked, ["审核并拨付资金"]);

    // The lifting closed that rectification: what follows needs a new order, and a report
    // that does not come by its deadline (逾期不整改) opens the measures again.
    let (s, e) = take(authority, id, rule, "terminate").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("须先责令限期整改"), "{e}");
    app.advance(Duration::from_secs(3600));
    let again = order(&app, authority, id, rule, 5).await;
    app.advance(DAY * 6);
    let (s, r) =
        act_on(clerk, "submissions", again, "pass", json!({"note": "迟报的整改情况"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, shown) = app.login(&login).await.text(&format!("/submissions/{again}")).await;
    assert!(shown.contains("整改期限") && shown.contains("gaoping:22"), "{shown}");

    // 终止项目 is final: never lifted, and nothing follows it.
    let (s, t) = take(authority, id, rule, "terminate").await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let (s, e) =
        authority.post(&format!("/api/v1/measures/{}/lift", t["id"]), lift(&t, "恢复")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, e) = take(authority, id, rule, "suspend_funds").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let ended = format!("项目已于 {} 终止", govit_storage::china_today(app.now()));
    assert!(e["message"].as_str().unwrap_or("").contains(&ended), "{e}");

    // The owner reads it all on its project's page and timeline.
    let web = app.login(&login).await;
    let (s, page) = web.text(&format!("/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("督查处理") && page.contains("暂停拨付资金") && page.contains("实施中"),
        "{page}"
    );
    assert!(!page.contains("take-measure"), "the owner is offered no measure");
    assert!(!page.contains("order-rectification"), "nor the order");
    let (_, m) = web.text(&format!("/measures/{measure}")).await;
    assert!(m.contains("经复查已按要求完成整改") && m.contains("gaoping:22"), "{m}");
    let (_, events) = clerk.get(&format!("/api/v1/projects/{id}/events")).await;
    assert!(events.to_string().contains("暂停拨付资金（gaoping:22）"), "{events}");
}

#[tokio::test]
async fn xinzhou_transport_24_a_lapsed_rectification_opens_the_measures_to_the_party_group() {
    let app = spawn_app().await;
    let (cast, id, ..) = approved(&app, "xinzhou-transport").await;
    let rule = "xinzhou-transport-24-rectify";
    let group = cast.api("party_group");
    // 局党组 orders it (not the city's authority).
    let (s, e) = cast
        .api("reviewer")
        .post(
            &format!("/api/v1/projects/{id}/submissions"),
            json!({"stage": "rectification", "rule": rule, "due": day_after(&app, 10), "text": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    order(&app, group, id, rule, 10).await;
    let (s, e) = take(group, id, rule, "suspend_funds").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("尚未到期"), "{e}");
    // Ten days on it is still due; the eleventh it has lapsed with the owner not reporting.
    app.advance(DAY * 10);
    let (s, e) = take(group, id, rule, "suspend_funds").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(e["message"].as_str().unwrap_or("").contains("尚未到期"), "{e}");
    app.advance(DAY);
    // 局党组 decides and notifies finance (通知相关财务部门暂停拨付): finance does not decide.
    let (s, e) = take(cast.api("finance"), id, rule, "suspend_funds").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("市交通运输局党组"), "{e}");
    let gate = |gates: Value| {
        gates
            .as_array()
            .expect("gates")
            .iter()
            .find(|g| g["rule_id"] == "xinzhou-transport-24-suspended-om-funds")
            .map(|g| g["outcome"].clone())
            .unwrap_or_default()
    };
    let (_, gates) = group.get(&format!("/api/v1/projects/{id}/gates?action=om_funds")).await;
    assert_eq!(gate(gates), "pass");
    let (s, m) = take(group, id, rule, "suspend_funds").await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let (_, gates) = group.get(&format!("/api/v1/projects/{id}/gates?action=om_funds")).await;
    assert_eq!(gate(gates), "fail");
    // Another jurisdiction's authority neither sees nor lifts it.
    let other = Cast::of(&app, "gaoping").await;
    let stranger = other.api("reviewer");
    let (s, _) = stranger.get(&format!("/api/v1/measures/{}", m["id"])).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let lift = json!({"version": m["version"], "reason": "x"});
    let (s, _) = stranger.post(&format!("/api/v1/measures/{}/lift", m["id"]), lift).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = stranger.get(&format!("/api/v1/projects/{id}/measures")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn linxiang_34_suspends_construction_directly_and_no_contract_is_signed() {
    let app = spawn_app().await;
    let (cast, id, builder, _) = approved(&app, "linxiang").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let rule = "linxiang-34-owner-violation";
    // linxiang:34 names no rectification: the authority suspends at once.
    let (s, m) = take(cast.api("reviewer"), id, rule, "suspend_project").await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let (s, e) =
        clerk.post(&format!("/api/v1/projects/{id}/contracts"), construction(&app, builder)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("linxiang:34"), "{e}");
    // linxiang:35's blacklisting is the register of firms', not a measure on a project.
    assert!(offered(cast.api("reviewer"), id, "linxiang-35-firm-misconduct").await.is_empty());
}

#[tokio::test]
async fn measures_are_taken_and_lifted_on_the_pages_without_javascript() {
    let app = spawn_app().await;
    let (cast, id, ..) = approved(&app, "linxiang").await;
    let login = cast.login_of_reviewer();
    let web = app.login(&login).await.with_csrf().await;
    let (s, page) = web.text(&format!("/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"take-measure\"") && page.contains("linxiang:34"), "{page}");
    // linxiang lays out no rectification: no order is offered.
    assert!(!page.contains("order-rectification"), "{page}");
    // Nothing chosen: the form again with its error summary, nothing saved.
    let r = web.post(&format!("/projects/{id}/measures"), &[("measure", ""), ("reason", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = r.text().await.expect("body");
    assert!(again.contains("请选择处理措施") && again.contains("请填写处理理由"), "{again}");
    assert!(again.contains("href=\"#measure\"") && again.contains("id=\"measure\""), "{again}");
    // One message for the one control: the measure's, not the sanction's beside it.
    assert!(!again.contains("请选择依据的本辖区规定"), "{again}");
    let r = web
        .post(
            &format!("/projects/{id}/measures"),
            &[
                ("measure", "linxiang-34-owner-violation:suspend_project"),
                ("reason", "未按规定实行政府采购"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let to = r.headers()["location"].to_str().expect("location").to_string();
    let (_, shown) = web.text(&to).await;
    assert!(shown.contains("已采取处理措施") && shown.contains("未按规定实行政府采购"), "{shown}");
    let version = input_value(&shown, "version").expect("version");
    let lift = to.split('?').next().unwrap_or_default().to_string() + "/lift";
    let r = web.post(&lift, &[("version", version.as_str()), ("reason", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = web.post(&lift, &[("version", version.as_str()), ("reason", "已补办采购手续")]).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let (_, lifted) = web.text(r.headers()["location"].to_str().expect("location")).await;
    assert!(lifted.contains("已解除") && lifted.contains("已补办采购手续"), "{lifted}");
}

#[tokio::test]
async fn yeji_27_cuts_the_units_next_budget_and_its_clerk_is_told_when_declaring() {
    let app = spawn_app().await;
    let web = app.login("clerk").await;
    let id = web.create_draft("预算压缩测试平台").await;
    web.submit(id).await;
    let p = app.approve_yeji(id).await;
    assert_eq!(p["status"], "approved", "{p}");
    let reviewer = app.api("reviewer").await;
    // yeji:27 is 区数据资源管理局's alone, and needs no rectification first.
    let (s, e) = take(&app.api("finance").await, id, "yeji-27-budget-cut", "budget_cut").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, m) = take(&reviewer, id, "yeji-27-budget-cut", "budget_cut").await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    // Recorded once: not in force, nothing to lift, and it may be recorded again.
    assert_eq!(m["in_force"], false, "{m}");
    let lift = json!({"version": m["version"], "reason": "x"});
    let (s, e) = reviewer.post(&format!("/api/v1/measures/{}/lift", m["id"]), lift).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    // The unit's clerk is told on the declaration form, this year and next; not the year after.
    let (_, form) = web.text("/projects/new").await;
    assert!(
        form.contains("压缩预算") && form.contains("2027 年") && form.contains("yeji:27"),
        "{form}"
    );
    app.advance(DAY * 200);
    let (_, form) = app.login("clerk").await.text("/projects/new").await;
    assert!(form.contains("2027 年"), "{form}");
    app.advance(DAY * 366);
    let (_, form) = app.login("clerk").await.text("/projects/new").await;
    assert!(!form.contains("压缩预算"), "{form}");
}
