//! 项目调整 during construction (issue 12 §2): the owner unit requests a change of an approved
//! project; the amounts it moves, added up over the project's changes, choose its route under
//! the profile — lhasa:16 at 15% exactly and just above — and the change runs along that route
//! with the engine's verbs. `change_ratio_bp` follows from the changes, never typed.

use super::Cast;
use super::contracts::{approved, fact};
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A change's body moving `increase` and `decrease` yuan.
fn change(title: &str, increase: i64, decrease: i64) -> Value {
    let wan = |y: i64| format!("{}.{:04}", y / 10_000, y % 10_000);
    json!({
        "title": title,
        "content": "在已批复的建设规划框架下调整数据共享模块的建设内容及进度",
        "reason": "根据业务发展需要（第十六条第三项）",
        "increase": wan(increase),
        "decrease": wan(decrease),
    })
}

/// Passes the change's run with whoever may, step by step, until no one can; the steps'
/// actions in order.
async fn pass_through(cast: &Cast, change: i64) -> Vec<String> {
    let mut done = Vec::new();
    for _ in 0..8 {
        let mut moved = false;
        for api in cast.all() {
            let (s, c) = api.get(&format!("/api/v1/changes/{change}")).await;
            if s != StatusCode::OK || c["status"] == "done" {
                continue;
            }
            if c["verbs"].as_array().is_some_and(|v| v.iter().any(|x| x == "pass")) {
                let at = c["current_step"].as_u64().expect("step") as usize;
                let step = c["steps"][at]["action"].as_str().unwrap_or_default().to_string();
                let body = json!({"version": c["version"]});
                let (s, b) = api.post(&format!("/api/v1/changes/{change}/pass"), body).await;
                assert_eq!(s, StatusCode::OK, "{b}");
                done.push(step);
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    done
}

fn actions(c: &Value) -> Vec<String> {
    c["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn lhasa_16_lets_the_owner_change_up_to_fifteen_percent_added_up_and_no_more() {
    let app = spawn_app().await;
    let (cast, id, _, _) = approved(&app, "lhasa").await;
    let (login, clerk) = cast.owner_clerk(id).await;
    let (_, p) = clerk.get(&format!("/api/v1/projects/{id}")).await;
    let budget = p["investment_yuan"].as_i64().expect("investment");
    let path = format!("/api/v1/projects/{id}/changes");
    assert_eq!(fact(&app, &login, id, "change_ratio_bp").await, Value::Null, "none yet");

    // The authority does not request the owner's changes; a bad amount is named.
    let (s, e) = cast.api("reviewer").post(&path, change("越权调整", 1, 0)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let mut bad = change("调整", 0, 0);
    bad["increase"] = json!("很多");
    bad["reason"] = json!("");
    let (s, e) = clerk.post(&path, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|x| x["field"].as_str())
        .collect();
    assert_eq!(fields, ["reason", "increase"], "{e}");

    // 10%: 5% raised and 5% lowered, counted as absolute amounts.
    let tenth = budget / 20;
    let (s, a) = clerk.post(&path, change("第一次调整", tenth, tenth)).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!((a["path"].clone(), a["ratio_bp"].clone()), (json!("change"), json!(1000)), "{a}");
    assert_eq!(actions(&a), ["变更调整", "备案"], "lhasa:16's own chain");
    assert_eq!(a["status"], "to_send");
    assert_eq!(fact(&app, &login, id, "change_ratio_bp").await, json!(1000));
    // The ratio is the changes' own: nobody types it.
    let facts = format!("/api/v1/projects/{id}/facts");
    let (s, e) = cast
        .api("reviewer")
        .post(&facts, json!({"fact": "change_ratio_bp", "value": "5%", "basis": "估算"}))
        .await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("fact")), "{e}");

    // 15% exactly, added up over two changes: still the owner's, filed with the authority.
    let rest = budget * 15 / 100 - 2 * tenth;
    let (s, b) = clerk.post(&path, change("第二次调整", rest, 0)).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!((b["path"].clone(), b["ratio_bp"].clone()), (json!("change"), json!(1500)), "{b}");
    // One yuan more and the owner may no longer change it alone: approval again (lhasa:14).
    let (s, c) = clerk.post(&path, change("第三次调整", 1, 0)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!((c["path"].clone(), c["ratio_bp"].clone()), (json!("reapproval"), json!(1501)));
    assert!(c["steps"].as_array().expect("steps").iter().any(|s| s["cite"] == "lhasa:14"), "{c}");
    let (_, page) = app.login(&login).await.text(&format!("/changes/{}", c["id"])).await;
    assert!(page.contains("须报项目审批部门重新审批（lhasa:16）"), "{page}");
    // Cancelled, it no longer counts and no one acts on it.
    let cid = c["id"].as_i64().expect("id");
    let cancel = format!("/api/v1/changes/{cid}/cancel");
    let (s, e) = clerk.post(&cancel, json!({"version": c["version"], "reason": ""})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("reason")));
    let (s, c) =
        clerk.post(&cancel, json!({"version": c["version"], "reason": "合并到下次"})).await;
    assert_eq!((s, c["status"].clone()), (StatusCode::OK, json!("cancelled")), "{c}");
    assert!(c["verbs"].as_array().is_some_and(Vec::is_empty), "{c}");
    let (s, e) =
        clerk.post(&format!("/api/v1/changes/{cid}/pass"), json!({"version": c["version"]})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(fact(&app, &login, id, "change_ratio_bp").await, json!(1500));
    // Its page says why, and that it no longer counts; the second, which raises more than it
    // lowers, says the total would pass the approved budget.
    let web = app.login(&login).await;
    let (_, page) = web.text(&format!("/changes/{cid}")).await;
    assert!(page.contains("合并到下次") && page.contains("本次已撤销，不计入累计"), "{page}");
    let (_, page) = web.text(&format!("/changes/{}", b["id"])).await;
    assert!(page.contains("超出批复概算") && page.contains("含本次"), "{page}");

    // The first runs through: the owner changes, the authority files; it waited on it.
    let aid = a["id"].as_i64().expect("id");
    let (_, theirs) = cast.api("reviewer").get("/api/v1/changes").await;
    assert!(!theirs["items"].as_array().expect("items").iter().any(|x| x["id"] == aid));
    assert_eq!(pass_through(&cast, aid).await, ["变更调整", "备案"]);
    let (_, a) = clerk.get(&format!("/api/v1/changes/{aid}")).await;
    assert_eq!(a["status"], "done", "{a}");
    // The second is refused by the authority: it no longer counts.
    let bid = b["id"].as_i64().expect("id");
    let (_, b) = clerk.get(&format!("/api/v1/changes/{bid}")).await;
    let (s, b) =
        clerk.post(&format!("/api/v1/changes/{bid}/pass"), json!({"version": b["version"]})).await;
    assert_eq!((s, b["status"].clone()), (StatusCode::OK, json!("handling")), "{b}");
    let reviewer = cast.api("reviewer");
    let url = format!("/api/v1/changes/{bid}/reject");
    let (s, e) = reviewer.post(&url, json!({"version": b["version"], "reason": ""})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, b) = reviewer
        .post(&url, json!({"version": b["version"], "reason": "不属于可自行调整的情形"}))
        .await;
    assert_eq!((s, b["status"].clone()), (StatusCode::OK, json!("refused")), "{b}");
    assert_eq!(fact(&app, &login, id, "change_ratio_bp").await, json!(1000));

    // A correction before anyone acted may change the way it goes: 5% more is 15% again,
    // 6% is above, and the run starts on the approval stage instead.
    let (_, d) = clerk.post(&path, change("第四次调整", budget / 20, 0)).await;
    assert_eq!((d["path"].clone(), d["ratio_bp"].clone()), (json!("change"), json!(1500)), "{d}");
    let did = d["id"].as_i64().expect("id");
    let mut body = change("第四次调整", budget * 6 / 100, 0);
    body["version"] = d["version"].clone();
    let (s, d) = clerk.put(&format!("/api/v1/changes/{did}"), body).await;
    assert_eq!((s, d["path"].clone()), (StatusCode::OK, json!("reapproval")), "{d}");
    assert_eq!(d["ratio_bp"], json!(1600));
    // Once sent, a correction that would change the way is refused with the reason.
    let (s, d) =
        clerk.post(&format!("/api/v1/changes/{did}/pass"), json!({"version": d["version"]})).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (s, d) = clerk
        .post(&format!("/api/v1/changes/{did}/withdraw"), json!({"version": d["version"]}))
        .await;
    assert_eq!((s, d["status"].clone()), (StatusCode::OK, json!("to_send")), "{d}");
    let mut body = change("第四次调整", budget / 20, 0);
    body["version"] = d["version"].clone();
    let (s, e) = clerk.put(&format!("/api/v1/changes/{did}"), body).await;
    assert_eq!(
        (s, e["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("increase")),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap_or("").contains("重新申请"), "{e}");
    // The project's timeline tells an auditor each step, with the ratio and the article.
    let (_, timeline) = clerk.get(&format!("/api/v1/projects/{id}/events")).await;
    let said = timeline.to_string();
    assert!(
        said.contains("填写项目调整申请《第一次调整》") && said.contains("累计调整占批复概算 10%"),
        "{said}"
    );
    assert!(
        said.contains("项目调整《第一次调整》：备案")
            && said.contains("撤销项目调整《第三次调整》"),
        "{said}"
    );
}

#[tokio::test]
async fn linxiang_registers_its_change_alone_and_gaoping_sends_it_to_its_authority() {
    let app = spawn_app().await;
    let (cast, id, _, _) = approved(&app, "linxiang").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let (s, c) =
        clerk.post(&format!("/api/v1/projects/{id}/changes"), change("调整建设进度", 0, 0)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    // linxiang:24 names no approver: the owner unit's own 变更手续 and 备案登记.
    let cid = c["id"].as_i64().expect("id");
    assert_eq!(pass_through(&cast, cid).await, ["依法依规办理变更手续并备案登记"]);
    let (_, c) = clerk.get(&format!("/api/v1/changes/{cid}")).await;
    assert_eq!(c["status"], "done", "{c}");

    let app = spawn_app().await;
    let (cast, id, _, _) = approved(&app, "gaoping").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let (s, c) = clerk
        .post(&format!("/api/v1/projects/{id}/changes"), change("调整建设内容", 50_000, 50_000))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    // gaoping sets no threshold: the ratio is shown, the way is its own chain.
    assert_eq!(c["path"], "change");
    let cid = c["id"].as_i64().expect("id");
    assert_eq!(pass_through(&cast, cid).await, ["提交调整申请", "综合评估并提出意见"]);
}

#[tokio::test]
async fn a_change_is_requested_and_handled_on_its_pages_without_javascript() {
    let app = spawn_app().await;
    let (cast, id, _, _) = approved(&app, "lhasa").await;
    let (login, _) = cast.owner_clerk(id).await;
    let web = app.login(&login).await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("id=\"new-change\""), "{page}");
    let (_, form) = web.text(&format!("/projects/{id}/changes/new")).await;
    // The form says what the profile says of changes, with the articles, before typing.
    assert!(form.contains("lhasa:16") && form.contains("累计调整占批复概算超过15%的"), "{form}");
    let mut fields = vec![
        ("title", "页面提出的调整"),
        ("content", ""),
        ("reason", "业务发展需要"),
        ("increase", "1"),
        ("decrease", "1"),
    ];
    let r = web.post(&format!("/projects/{id}/changes"), &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("请填写调整内容") && body.contains("页面提出的调整"), "{body}");
    fields[1] = ("content", "调整共享模块");
    let r = web.post(&format!("/projects/{id}/changes"), &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let landed = location(&r);
    let (_, page) = web.text(&landed).await;
    assert!(page.contains("已保存。请核对后报送。") && page.contains(">变更调整<"), "{page}");
    let to = landed.split('?').next().expect("path").to_string();
    let v = input_value(&page, "version").expect("version");
    let r = web.post(&format!("{to}/act"), &[("version", &v), ("verb", "pass")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The authority finds it in its list and its navigation, and files it.
    let reviewer = app.login(&cast.login_of_reviewer()).await;
    let (_, list) = reviewer.text("/changes").await;
    assert!(list.contains("页面提出的调整") && list.contains("id=\"changes-waiting\""), "{list}");
    let (_, page) = reviewer.text(&to).await;
    assert!(page.contains(">备案<") && page.contains("id=\"reject\""), "{page}");
    let v = input_value(&page, "version").expect("version");
    let r = reviewer.post(&format!("{to}/act"), &[("version", &v), ("verb", "pass")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = web.text(&to).await;
    assert!(page.contains("已办结"), "{page}");
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("页面提出的调整") && page.contains("已办结"), "{page}");
}
