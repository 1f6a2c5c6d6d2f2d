//! Funds (issue 12 §4): the owner unit of an approved project requests a payment, and it runs
//! along its profile's `payment` stage to finance; the profile's `pay` gates stand in front of
//! the paying step, each refusal citing its article — xinzhou-transport:21 the contract and
//! supervisor filings, gaoping:20 the acceptance report's filing once accepted, linxiang:27
//! nothing more after a failed acceptance, yeji:21 the annual plan and yeji:19 the approved
//! budget, judged with the request's amount added to what was paid.

use super::contracts::{approved, construction, file, supervision};
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn body(wan: &str) -> Value {
    json!({"kind": "progress", "amount": wan, "payee": "测试承建公司",
           "purpose": "按合同约定支付第一期进度款"})
}

/// Acts on the payment as `api` at the version it reads.
async fn act(api: &Api, id: i64, verb: &str, extra: Value) -> (StatusCode, Value) {
    act_on(api, "payments", id, verb, extra).await
}

async fn funds(api: &Api, project: i64) -> Value {
    let (s, f) = api.get(&format!("/api/v1/projects/{project}/payments")).await;
    assert_eq!(s, StatusCode::OK, "{f}");
    f["funds"].clone()
}

#[tokio::test]
async fn xinzhou_transport_21_pays_only_once_the_contract_and_the_supervisor_are_filed() {
    let app = spawn_app().await;
    let (cast, id, builder, supervisor) = approved(&app, "xinzhou-transport").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let (s, a) = clerk.post(&format!("/api/v1/projects/{id}/payments"), body("20")).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let pay = a["id"].as_i64().expect("id");
    assert_eq!(a["status"], "applying", "{a}");
    assert_eq!(
        route_actions(&a),
        ["提出资金拨付申请", "审核备案及评估结果", "同意", "拨付资金"],
        "xinzhou-transport:5"
    );
    let (walked, refused) = pass_all(&cast.all(), "payments", pay).await;
    assert_eq!(walked, ["提出资金拨付申请", "审核备案及评估结果", "同意"]);
    let (s, e) = refused.expect("refused at the paying step");
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("xinzhou-transport:21"), "{e}");
    let (_, a) = clerk.get(&format!("/api/v1/payments/{pay}")).await;
    assert_eq!(a["status"], "reviewing", "nothing paid: {a}");
    assert_eq!(funds(clerk, id).await["paid_yuan"], 0);

    // Both filed, it is paid.
    for c in [construction(&app, builder), supervision(&app, supervisor)] {
        let (s, c) = clerk.post(&format!("/api/v1/projects/{id}/contracts"), c).await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        assert!(!file(&cast, c["id"].as_i64().expect("id")).await.is_empty());
    }
    let (walked, refused) = pass_all(&cast.all(), "payments", pay).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked, ["拨付资金"]);
    let (_, a) = clerk.get(&format!("/api/v1/payments/{pay}")).await;
    assert_eq!(a["status"], "paid", "{a}");
    let f = funds(clerk, id).await;
    assert_eq!((f["paid_yuan"].clone(), f["pending_yuan"].clone()), (json!(200_000), json!(0)));
    let year: i64 =
        govit_storage::china_today(app.now()).format("%Y").to_string().parse().expect("year");
    let this_year = f["by_year"]
        .as_array()
        .expect("years")
        .iter()
        .find(|y| y["year"] == year)
        .cloned()
        .unwrap_or_else(|| panic!("{f}"));
    assert_eq!(this_year["paid_yuan"], 200_000, "{f}");
}

#[tokio::test]
async fn gaoping_20_holds_further_funds_until_the_acceptance_report_is_filed() {
    let app = spawn_app().await;
    let (cast, id, ..) = approved(&app, "gaoping").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let (s, a) = clerk.post(&format!("/api/v1/projects/{id}/payments"), body("10")).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let first = a["id"].as_i64().expect("id");
    // Before acceptance, construction is paid.
    let (walked, refused) = pass_all(&cast.all(), "payments", first).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked, ["提出资金拨付申请", "审核并拨付资金"], "gaoping:5");

    // Accepted, its report not filed yet: no further funds.
    super::establish(&cast, id, &[("catalog_in_sharing_platform", 1), ("secure_controllable", 1)])
        .await;
    let acceptance = json!({"summary": "已建成", "contact": "李工", "phone": "0356-1234567"});
    let (s, acc) = clerk.post(&format!("/api/v1/projects/{id}/acceptances"), acceptance).await;
    assert_eq!(s, StatusCode::CREATED, "{acc}");
    let acc = acc["id"].as_i64().expect("id");
    let (_, a) = clerk.get(&format!("/api/v1/acceptances/{acc}")).await;
    let (s, a) = clerk
        .post(&format!("/api/v1/acceptances/{acc}/pass"), json!({"version": a["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let (_, a) = clerk.post(&format!("/api/v1/projects/{id}/payments"), body("10")).await;
    let second = a["id"].as_i64().expect("id");
    let (_, refused) = pass_all(&cast.all(), "payments", second).await;
    let (s, e) = refused.expect("refused");
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("gaoping:20"), "{e}");
    // The page says which condition stands against it.
    let (login, _) = cast.owner_clerk(id).await;
    let (_, page) = app.login(&login).await.text(&format!("/payments/{second}")).await;
    assert!(page.contains("拨付条件") && page.contains("gaoping:20"), "{page}");
    assert!(page.contains("不满足"), "{page}");

    // Filed: paid.
    for _ in 0..4 {
        for api in cast.all() {
            let (s, a) = api.get(&format!("/api/v1/acceptances/{acc}")).await;
            if s == StatusCode::OK
                && a["verbs"].as_array().is_some_and(|v| v.contains(&json!("pass")))
            {
                let (s, b) = api
                    .post(
                        &format!("/api/v1/acceptances/{acc}/pass"),
                        json!({"version": a["version"]}),
                    )
                    .await;
                assert_eq!(s, StatusCode::OK, "{b}");
            }
        }
    }
    let (_, a) = clerk.get(&format!("/api/v1/acceptances/{acc}")).await;
    assert_eq!(a["status"], "filed", "{a}");
    let (_, refused) = pass_all(&cast.all(), "payments", second).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(funds(clerk, id).await["paid_yuan"], 200_000);
}

#[tokio::test]
async fn linxiang_27_pays_nothing_more_after_a_failed_acceptance() {
    let app = spawn_app().await;
    let (cast, id, ..) = approved(&app, "linxiang").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let acceptance = json!({"summary": "已建成", "contact": "李工", "phone": "0730-1234567"});
    let (s, a) =
        clerk.post(&format!("/api/v1/projects/{id}/acceptances"), acceptance.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let acc = a["id"].as_i64().expect("id");
    let (_, a) = clerk.get(&format!("/api/v1/acceptances/{acc}")).await;
    // The owner's own preliminary acceptance (linxiang:26, from 2,000,000 yuan) finds it failed.
    let (s, a) = clerk
        .post(
            &format!("/api/v1/acceptances/{acc}/reject"),
            json!({"version": a["version"], "reason": "主要功能未实现"}),
        )
        .await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("failed")), "{a}");
    let (_, a) = clerk.post(&format!("/api/v1/projects/{id}/payments"), body("10")).await;
    let pay = a["id"].as_i64().expect("id");
    let (walked, refused) = pass_all(&cast.all(), "payments", pay).await;
    assert_eq!(walked, ["提出资金拨付申请"]);
    let (s, e) = refused.expect("refused");
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("linxiang:27"), "{e}");
    // Rectified and under acceptance again: the hold is lifted.
    let (s, _) = clerk.post(&format!("/api/v1/projects/{id}/acceptances"), acceptance).await;
    assert_eq!(s, StatusCode::CREATED);
    let (walked, refused) = pass_all(&cast.all(), "payments", pay).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked, ["拨付资金"], "linxiang:4");
}

#[tokio::test]
async fn yeji_pays_within_the_plan_and_the_approved_budget() {
    let app = spawn_app().await;
    let web = app.login("clerk").await;
    let id = web.create_draft("拨付测试平台").await;
    web.submit(id).await;
    let p = app.approve_yeji(id).await;
    assert_eq!(p["status"], "approved", "{p}");
    let clerk = &app.api("clerk").await;
    let reviewer = &app.api("reviewer").await;
    let finance = &app.api("finance").await;
    let path = format!("/api/v1/projects/{id}/payments");
    // Every wrong field named, in Chinese; the authority does not request the unit's money;
    // another unit does not see it.
    let (s, e) = clerk.post(&path, json!({"kind": "gift", "amount": "-3"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|x| x["field"].as_str())
        .collect();
    assert_eq!(fields, ["kind", "amount", "payee", "purpose"], "{e}");
    assert!(e.to_string().contains("款项类别"), "{e}");
    let (s, _) = clerk.post(&path, json!(["progress", "5"])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "not an object");
    let (s, e) = reviewer.post(&path, body("10")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (_, list) = clerk.get(&path).await;
    assert_eq!(list["items"], json!([]), "nothing half-saved");

    // The whole budget (120.5 万元) and one yuan more.
    let (s, a) = clerk.post(&path, body("120.5001")).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let over = a["id"].as_i64().expect("id");
    assert_eq!(route_actions(&a), ["提出资金支付申请", "审核", "拨付资金"], "yeji:5");
    let (s, _) = app.api("clerk2").await.get(&format!("/api/v1/payments/{over}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Not sent, it asks for nothing yet; a verb payments do not have is named.
    assert_eq!(funds(clerk, id).await["pending_yuan"], 0);
    let (s, e) = act(clerk, over, "transfer", json!({})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("verb")), "{e}");
    // Sent, it can no longer be corrected; taken back, it can.
    let (s, a) = act(clerk, over, "pass", json!({})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("reviewing")), "{a}");
    assert_eq!(funds(clerk, id).await["pending_yuan"], 1_205_001);
    let (_, waiting) = reviewer.get("/api/v1/payments").await;
    assert!(waiting.to_string().contains("拨付测试平台"), "{waiting}");
    let mut edit = body("120.5001");
    edit["version"] = a["version"].clone();
    let (s, e) = clerk.put(&format!("/api/v1/payments/{over}"), edit).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, a) = act(reviewer, over, "pass", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    // Not in the annual plan (yeji:21).
    let (s, e) = act(finance, over, "pass", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("yeji:21"), "{e}");
    let year = 2026;
    publish_plan(&[reviewer, &app.api("qzf").await], year).await;
    // Within the plan, one yuan beyond the approved budget (yeji:19).
    let (s, e) = act(finance, over, "pass", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("yeji:19"), "{e}");
    let (s, a) = act(finance, over, "reject", json!({"reason": "超出批复概算"})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("refused")), "{a}");

    // Exactly the budget, in two payments: both paid; the page and the funds add up.
    let (_, a) = clerk.post(&path, body("100")).await;
    let first = a["id"].as_i64().expect("id");
    let (_, a) = clerk.post(&path, body("20.5")).await;
    let second = a["id"].as_i64().expect("id");
    assert_eq!(a["seq"], 3, "{a}");
    for pay in [first, second] {
        let (walked, refused) = pass_all(&[clerk, reviewer, finance], "payments", pay).await;
        assert!(refused.is_none(), "{refused:?}");
        assert_eq!(walked.len(), 3, "{walked:?}");
    }
    let f = funds(clerk, id).await;
    assert_eq!((f["paid_yuan"].clone(), f["remaining_yuan"].clone()), (json!(1_205_000), json!(0)));
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("资金拨付") && page.contains("已拨付"), "{page}");
    assert!(page.contains("第 3 笔资金拨付申请") && page.contains("资金筹措"), "{page}");
    // Nothing remains: another yuan is refused at the paying step.
    let (_, a) = clerk.post(&path, body("0.0001")).await;
    let more = a["id"].as_i64().expect("id");
    let (_, refused) = pass_all(&[clerk, reviewer, finance], "payments", more).await;
    assert!(refused.expect("refused").1.to_string().contains("yeji:19"));

    // Two passes of one step at once: one wins, the other gets 409.
    let (_, a) = clerk.post(&path, body("1")).await;
    let race = a["id"].as_i64().expect("id");
    let url = format!("/api/v1/payments/{race}/pass");
    let b = json!({"version": a["version"]});
    let (x, y) = tokio::join!(clerk.post(&url, b.clone()), clerk.post(&url, b));
    let mut codes = [x.0, y.0];
    codes.sort();
    assert_eq!(codes, [StatusCode::OK, StatusCode::CONFLICT], "{x:?} {y:?}");
}

/// The decisions of the project's payment runs, as `GET /api/v1/projects/{id}/decisions`
/// lists them: (verb, intact, changes).
async fn payment_decisions(api: &Api, id: i64) -> Vec<(String, bool, String)> {
    let (s, list) = api.get(&format!("/api/v1/projects/{id}/decisions")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array()
        .expect("list")
        .iter()
        .filter(|d| d["run"].as_str().is_some_and(|r| r.contains("拨付申请")))
        .map(|d| {
            let v = d["verb"].as_str().unwrap_or_default().to_string();
            (v, d["intact"] == json!(true), d["changes"].to_string())
        })
        .collect()
}

async fn exec(app: &TestApp, sql: &str) {
    govit_storage::sqlx::raw_sql(govit_storage::sqlx::AssertSqlSafe(sql.to_string()))
        .execute(app.store.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn each_payment_decision_is_signed_over_the_request_and_a_changed_amount_is_named() {
    let app = spawn_app().await;
    let web = app.login("clerk").await;
    let id = web.create_draft("拨付签名测试").await;
    web.submit(id).await;
    assert_eq!(app.approve_yeji(id).await["status"], "approved");
    let clerk = &app.api("clerk").await;
    let reviewer = &app.api("reviewer").await;
    let finance = &app.api("finance").await;
    publish_plan(&[reviewer, &app.api("qzf").await], 2026).await;
    let (_, path_before) = clerk.get(&format!("/api/v1/projects/{id}/decisions")).await;
    let path_before = path_before.as_array().map(Vec::len).expect("list");
    let (s, a) = clerk.post(&format!("/api/v1/projects/{id}/payments"), body("10")).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let pay = a["id"].as_i64().expect("id");
    // Sent, returned for a correction, corrected and sent again, then paid.
    let (s, a) = act(clerk, pay, "pass", json!({})).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let first_step = a["steps"][0]["key"].clone();
    let (s, a) =
        act(reviewer, pay, "return", json!({"to": first_step, "reason": "收款单位名称有误"})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("returned")), "{a}");
    let mut edit = body("12");
    edit["version"] = a["version"].clone();
    let (s, a) = clerk.put(&format!("/api/v1/payments/{pay}"), edit).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let (walked, refused) = pass_all(&[clerk, reviewer, finance], "payments", pay).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked.len(), 3, "{walked:?}");

    let list = payment_decisions(clerk, id).await;
    let verbs: Vec<&str> = list.iter().map(|(v, ..)| v.as_str()).collect();
    assert_eq!(verbs, ["报送", "退回", "报送", "通过", "通过"], "{list:?}");
    assert!(list.iter().all(|(_, intact, _)| *intact), "{list:?}");
    let (_, all) = clerk.get(&format!("/api/v1/projects/{id}/decisions")).await;
    assert_eq!(all.as_array().map(Vec::len), Some(path_before + 5), "the path's stay listed");
    assert!(all.to_string().contains("\"signature\":\"valid\""), "{all}");

    // The amount raised in the database after it was paid: the decisions since the last
    // sending name it; those before the owner's correction saw what was then asked.
    exec(&app, &format!("UPDATE project_payments SET amount_yuan = 1200000 WHERE id = {pay}"))
        .await;
    let list = payment_decisions(clerk, id).await;
    let intact: Vec<bool> = list.iter().map(|(_, i, _)| *i).collect();
    assert_eq!(intact, [true, true, false, false, false], "{list:?}");
    assert!(list[4].2.contains("所办事项的内容已被改动"), "{list:?}");
    // The payment's signature of its last decision removed: named as unsigned.
    exec(&app, &format!("UPDATE project_payments SET amount_yuan = 120000 WHERE id = {pay}")).await;
    exec(
        &app,
        &format!(
            "DELETE FROM subject_decision_signatures WHERE kind = 'payment' AND subject_id = {pay} \
             AND seq = (SELECT MAX(seq) FROM subject_decision_signatures WHERE subject_id = {pay})"
        ),
    )
    .await;
    let list = payment_decisions(clerk, id).await;
    let intact: Vec<bool> = list.iter().map(|(_, i, _)| *i).collect();
    assert_eq!(intact, [true, true, true, true, false], "{list:?}");
    assert!(list[4].2.contains("没有这项决定的签名记录"), "{list:?}");
    // The page lists them under the payment's name.
    let (_, page) = web.text(&format!("/projects/{id}/verify")).await;
    assert!(page.contains("第 1 笔资金拨付申请："), "{page}");
}

#[tokio::test]
async fn a_payment_is_requested_on_its_pages_without_javascript() {
    let app = spawn_app().await;
    let web = app.login("clerk").await;
    let id = web.create_draft("拨付页面测试").await;
    web.submit(id).await;
    app.approve_yeji(id).await;
    let (s, page) = web.text(&format!("/projects/{id}/payments/new")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("yeji:5") && page.contains("尚可申请"), "{page}");
    let r = web.post(&format!("/projects/{id}/payments"), &[("kind", ""), ("amount", "abc")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("page");
    assert!(page.contains("请选择款项类别") && page.contains("申请金额"), "{page}");
    let r = web
        .post(
            &format!("/projects/{id}/payments"),
            &[
                ("kind", "advance"),
                ("amount", "30"),
                ("payee", "测试承建公司"),
                ("purpose", "预付款"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().expect("location").to_string();
    let (_, page) = web.text(&to).await;
    assert!(page.contains("<h1>第 1 笔资金拨付申请：") && page.contains("待报送"), "{page}");
    assert!(page.contains("拨付程序") && page.contains("提出资金支付申请"), "{page}");
    assert!(page.contains("yeji:21") && page.contains("不满足"), "{page}");
    let (_, list) = web.text("/payments").await;
    assert!(list.contains("拨付页面测试") && list.contains("30"), "{list}");
}
