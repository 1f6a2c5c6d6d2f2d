//! The path a project's profile lays out for it (the workflow engine's route), on the project
//! page and over the API: the profile's own chain, parties in its own words, and which rules
//! apply to this project.

use crate::harness::*;
use govit_core::org::{Role, ScopeKind};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) use cast::Cast;
use cast::{declared, establish};

mod acceptances;
mod assessments;
mod cast;
mod changes;
mod contracts;
mod credit;
mod dashboard;
mod oc4ids;
mod panels;
mod payments;
mod progress;
mod ratings;
mod reminders;
mod sanctions;
mod scope;
pub(crate) mod submissions;
mod termination;
mod windows;

#[tokio::test]
async fn the_project_page_shows_the_path_of_its_own_profile() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("路径展示测试").await;
    let (s, page) = clerk.text(&format!("/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    for shown in [
        "审批路径",
        // yeji:7's joint review: five offices countersign, in yeji's own words.
        "区数据资源管理局、区财政局、区发展和改革委员会、区委机要局（密码管理局）、区委网信办（会签）：集中审查论证",
        "（yeji:7）",
        "区发展和改革委员会：立项审批",
    ] {
        assert!(page.contains(shown), "{shown} not in {page}");
    }
    // No other jurisdiction's rule is shown.
    assert!(!page.contains("linxiang:") && !page.contains("lhasa:"), "{page}");
    let api = app.api("clerk").await;
    let (s, path) = api.get(&format!("/api/v1/projects/{id}/path")).await;
    assert_eq!(s, StatusCode::OK, "{path}");
    assert_eq!(path["stages"][1]["stage"], "joint_review");
    let step = &path["stages"][1]["rules"][0]["steps"][0];
    assert_eq!(step["mode"], "all");
    assert_eq!(step["party_kinds"].as_array().map(Vec::len), Some(5));
    // Another unit's clerk gets 404.
    let other = app.api("clerk2").await;
    assert_eq!(other.get(&format!("/api/v1/projects/{id}/path")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn linxiang_adds_its_expert_panel_from_two_million_yuan() {
    let app = spawn_app().await;
    jurisdiction(&app, "lx", "linxiang").await;
    let clerk = app.api("lx-clerk").await;
    let mut status = Vec::new();
    for (name, wan) in [("一百九十九万项目", "199.9999"), ("二百万项目", "200")] {
        let mut body = declaration_json(name);
        body["investment"] = serde_json::json!(wan);
        body["fiscal_funds"] = serde_json::json!(wan);
        body["self_raised"] = serde_json::json!("0");
        let (s, p) = clerk.post("/api/v1/projects", body).await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let (_, path) = clerk.get(&format!("/api/v1/projects/{}/path", p["id"])).await;
        let expert = path["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .find(|s| s["stage"] == "expert_review")
            .cloned()
            .expect("expert review on linxiang's path");
        assert_eq!(expert["rules"][0]["cite"], "linxiang:14");
        status.push(expert["rules"][0]["status"].as_str().unwrap_or_default().to_string());
        // The pre-review's author waits on a fact nobody has established yet.
        let pre = &path["stages"][1]["rules"][0];
        assert_eq!(pre["status"], "undecided", "{path}");
        assert!(pre["open_facts"].to_string().contains("是否跨部门项目"), "{path}");
    }
    assert_eq!(status, ["not_applicable", "applies"], "1,999,999 yuan and 2,000,000 yuan");
    // The page says why the expert panel does not apply, and what is open for the pre-review.
    let (_, list) = clerk.get("/api/v1/projects?q=一百九十九万").await;
    let id = list["items"][0]["id"].clone();
    let (_, page) = app.login("lx-clerk").await.text(&format!("/projects/{id}")).await;
    for shown in [
        "适用条件：项目投资 ≥ 200 万元；本项目：项目投资 199.9999 万元",
        "适用条件：是否跨部门项目为“否”；待认定：是否跨部门项目",
    ] {
        assert!(page.contains(shown), "{shown} not in {page}");
    }
}

#[tokio::test]
async fn xinzhou_transport_runs_through_its_party_group_and_the_city_government() {
    let app = spawn_app().await;
    let cast = Cast::of(&app, "xinzhou-transport").await;
    let id = declared(&cast, "交通运输数据共享平台", "120").await;
    establish(&cast, id, &[("systems_outside_catalog", 0), ("can_share", 1)]).await;
    let mut walked = Vec::new();
    for _ in 0..10 {
        let (_, p) = cast.api("clerk").get(&format!("/api/v1/projects/{id}")).await;
        if p["status"] != "submitted" {
            break;
        }
        walked.extend(cast.pass_step(id).await);
    }
    let steps: Vec<&str> = walked.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(steps, ["全面审核并提出审核意见", "同意", "审查", "同意后批复"], "{walked:?}");
    let (_, p) = cast.api("clerk").get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["status"], "approved", "{p}");
}

#[tokio::test]
async fn lhasa_counts_only_failed_technical_reviews_and_refuses_a_third_round() {
    let app = spawn_app().await;
    let cast = Cast::of(&app, "lhasa").await;
    let id = declared(&cast, "拉萨市政务数据共享平台", "300").await;
    establish(
        &cast,
        id,
        &[
            ("builds_own_machine_room", 0),
            ("rebuilds_common_capability", 0),
            ("quotes_count", 3),
            ("is_classified", 0),
        ],
    )
    .await;
    let authority = cast.api("reviewer");
    let duties = |rule: &'static str| async move {
        let (_, list) = authority.get(&format!("/api/v1/projects/{id}/obligations")).await;
        let all = list.as_array().expect("obligations").clone();
        all.into_iter().filter(|o| o["rule_id"] == rule).collect::<Vec<Value>>()
    };
    // Through the pre-review, 网信办's security review and 机要保密局's crypto review to the
    // technical review, where the owner sends its materials (lhasa:11).
    let walked = cast.walk(id, |t| t["action"] == "技术评审").await;
    assert_eq!(walked, ["组织预审", "网络安全前置审查", "指导、监督、检查", "提交评审材料"]);
    // The owner's own later step is signed as its sending, not as a reviewer's pass.
    let (_, signed) = authority.get(&format!("/api/v1/projects/{id}/decisions")).await;
    let verbs: Vec<(&str, &str)> = signed
        .as_array()
        .expect("decisions")
        .iter()
        .map(|d| (d["step"].as_str().unwrap_or(""), d["verb"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(verbs.first(), Some(&("编制并报送项目建议书", "提交申报")), "{signed}");
    assert_eq!(verbs.last(), Some(&("提交评审材料", "报送")), "{signed}");
    assert_eq!(verbs[1], ("组织预审", "通过"), "{signed}");
    // The pre-review's pass met lhasa:7's duty; lhasa:11's clock runs from the materials.
    assert_eq!(duties("lhasa-7-pre-review").await[0]["status"], "fulfilled");
    let first = duties("lhasa-11-first-review").await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_ne!(first[0]["status"], "fulfilled", "{first:?}");
    // The authority returns it to the owner with a reason: the first failed review, and its
    // written opinion with it.
    let (s, p) = authority
        .post(
            &format!("/api/v1/projects/{id}/decision"),
            json!({"decision": "return", "reason": "概算依据不足", "version": cast.version(id).await}),
        )
        .await;
    assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("returned")), "{p}");
    assert_eq!(duties("lhasa-11-fail-opinion").await[0]["status"], "fulfilled");
    assert_eq!(duties("lhasa-11-revision").await[0]["owed_by"], "owner_unit");
    // The path keeps the work done: the pre-review's signature is still in its history.
    let (_, path) = cast.api("clerk").get(&format!("/api/v1/projects/{id}/path")).await;
    let step = |action: &str| {
        path["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .find(|s| s["action"] == action)
            .cloned()
            .expect("step")
    };
    let pre = step("组织预审");
    assert_eq!(pre["acts"][0]["verb"], "pass", "{pre}");
    assert_eq!(pre["records"], json!(["pre_review_passed"]), "{pre}");
    assert_eq!(path["steps"][0]["state"], "current", "{path}");
    // The owner's first submission shows at its step as an earlier round's, not this one's.
    let first = &path["steps"][0]["acts"][0];
    assert_eq!((first["verb"].as_str(), first["earlier"].as_bool()), (Some("pass"), Some(true)));
    // The owner resubmits; the path runs again from the pre-review.
    cast.api("clerk").hand_in(id).await;
    let (s, p) = cast
        .api("clerk")
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": cast.version(id).await}))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    // The crypto office returns it to the pre-review (an earlier step it chooses): not one
    // of lhasa:11's failed reviews. The project stays under review, at the pre-review.
    let at_crypto = |t: &Value| t["step"].as_str().is_some_and(|s| s.starts_with("crypto_review"));
    cast.walk(id, at_crypto).await;
    let holders = cast.holders(id).await;
    let (login, _, task) = holders.first().expect("crypto office holds the step");
    let pre_key = pre["key"].as_str().expect("key");
    let crypto = &cast.apis.iter().find(|(l, ..)| l == login).expect("api").2;
    let (s, p) = crypto
        .post(
            &format!("/api/v1/tasks/{}/return", task["id"].as_str().expect("id")),
            json!({"to": pre_key, "reason": "密码应用方案需重新预审", "version": cast.version(id).await}),
        )
        .await;
    assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("submitted")), "{p}");
    let holders = cast.holders(id).await;
    assert!(holders.iter().all(|(.., t)| t["step"] == pre_key), "{holders:?}");
    assert_eq!(duties("lhasa-11-fail-opinion").await.len(), 1, "still one failed review");
    // Resubmitted materials are the revision: lhasa:11's second review runs 3 working days
    // from them, and the authority's task is due then.
    let walked = cast.walk(id, |t| t["action"] == "技术评审").await;
    assert_eq!(walked.last().map(String::as_str), Some("提交评审材料"), "{walked:?}");
    assert_eq!(duties("lhasa-11-revision").await[0]["status"], "fulfilled");
    let second = duties("lhasa-11-second-review").await;
    let calendar = govit_core::calendar::Calendar::builtin();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 16).expect("the harness's day");
    let due = calendar.add_working_days(today, 3).date.to_string();
    assert_eq!(second[0]["due_date"], due.as_str(), "{second:?}");
    let task = task_on(authority, id).await;
    let at_review = (task["action"].as_str(), task["due"].as_str());
    assert_eq!(at_review, (Some("技术评审"), Some(due.as_str())), "{task}");
    // The second failure, back to the materials step.
    let materials = step("提交评审材料")["key"].clone();
    let (s, p) = authority
        .post(
            &format!("/api/v1/tasks/{}/return", task["id"].as_str().expect("id")),
            json!({"to": materials, "reason": "仍缺三家比价", "version": cast.version(id).await}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(duties("lhasa-11-fail-opinion").await.len(), 2, "two failed reviews");
    // Two failed reviews: lhasa:11's redraw gate refuses the approval at the end of the path.
    let walked = cast.walk(id, |t| t["action"] == "出具评审报告并下达批复文件").await;
    assert_eq!(walked.last().map(String::as_str), Some("在综合服务平台报批或备案"), "{walked:?}");
    let (_, p) = cast.api("clerk").get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["status"], "submitted", "the last pass was refused: {p}");
    // In the year's published plan (lhasa:6), only lhasa:11's gate stands.
    let apis: Vec<&Api> = cast.apis.iter().map(|(.., a)| a).collect();
    publish_plan(&apis, 2026).await;
    let holders = cast.holders(id).await;
    let (login, _, task) = holders.first().expect("the approver holds the last step");
    let api = &cast.apis.iter().find(|(l, ..)| l == login).expect("api").2;
    let (s, e) = api
        .post(
            &format!("/api/v1/tasks/{}/pass", task["id"].as_str().expect("id")),
            json!({"version": cast.version(id).await}),
        )
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("gate_refused")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("lhasa:11"), "{e}");
}

#[tokio::test]
async fn linxiang_sends_two_million_yuan_and_more_to_its_expert_panel() {
    let app = spawn_app().await;
    let cast = Cast::of(&app, "linxiang").await;
    let mut paths = Vec::new();
    for (name, wan) in [("一百九十九万项目", "199.9999"), ("二百万项目", "200")] {
        let id = declared(&cast, name, wan).await;
        establish(&cast, id, &[("is_cross_department", 0), ("can_share", 1)]).await;
        let walked = cast.walk(id, |_| false).await;
        let (_, p) = cast.api("clerk").get(&format!("/api/v1/projects/{id}")).await;
        assert_eq!(p["status"], "approved", "{name}: {p}");
        paths.push(walked);
    }
    // linxiang:13's pre-review (the owner sends, the authority reviews), linxiang:16's
    // approval; from 2,000,000 yuan linxiang:14's panel between them, the expert signing.
    assert!(!paths[0].iter().any(|a| a.contains("专家")), "{:?}", paths[0]);
    // The draw, then each of the five experts drawn.
    assert_eq!(paths[1].len(), paths[0].len() + 6, "{paths:?}");
    let (_, list) = cast.api("clerk").get("/api/v1/projects?q=二百万").await;
    let id = list["items"][0]["id"].clone();
    let (_, path) = cast.api("clerk").get(&format!("/api/v1/projects/{id}/path")).await;
    let expert = path["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["party_kinds"] == json!(["expert"]))
        .cloned()
        .expect("an expert step");
    assert_eq!(
        (expert["cite"].as_str(), expert["state"].as_str()),
        (Some("linxiang:14"), Some("done"))
    );
    // Each of the five experts drawn signs in person.
    let acts = expert["acts"].as_array().expect("acts");
    assert_eq!(acts.len(), 5, "{expert}");
    let mut who: Vec<&str> = acts.iter().filter_map(|a| a["actor"].as_str()).collect();
    who.sort();
    who.dedup();
    assert_eq!(who.len(), 5, "five different experts: {expert}");
}

/// A second reviewer of yeji's authority (`reviewer2`) and a reviewer of its audit office
/// (`auditreviewer`).
async fn more_reviewers(app: &TestApp) {
    let j = app.store.jurisdiction_by_code("yeji").await.expect("db").expect("yeji");
    let sjj = app.store.department_by_code(j.id, "sjj").await.expect("db");
    let audit = app.store.department_by_code(j.id, "sjiju").await.expect("db");
    add_user(app, j.id, "reviewer2", sjj, &[Role::Reviewer], ScopeKind::All).await;
    add_user(app, j.id, "auditreviewer", audit, &[Role::Reviewer], ScopeKind::All).await;
}

/// The caller's open task on a project.
async fn task_on(api: &Api, id: i64) -> Value {
    let (_, tasks) = api.get("/api/v1/tasks").await;
    tasks["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["project_id"] == id)
        .cloned()
        .expect("task")
}

async fn version_of(api: &Api, id: i64) -> Value {
    api.get(&format!("/api/v1/projects/{id}")).await.1["version"].clone()
}

#[tokio::test]
async fn withdraw_transfer_add_signer_urge_and_two_at_once_on_yeji() {
    let app = spawn_app().await;
    more_reviewers(&app).await;
    let clerk = app.api("clerk").await;
    let (_, p) = clerk.post("/api/v1/projects", declaration_json("流程动作测试项目")).await;
    let id = p["id"].as_i64().expect("id");
    clerk.hand_in(id).await;
    let submit = format!("/api/v1/projects/{id}/submit");
    assert_eq!(clerk.post(&submit, json!({"version": p["version"]})).await.0, StatusCode::OK);
    // 撤回 while nobody at the joint review has acted: back to a draft.
    let (s, p) = clerk
        .post(
            &format!("/api/v1/projects/{id}/withdraw"),
            json!({"version": version_of(&clerk, id).await}),
        )
        .await;
    assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("draft")), "{p}");
    assert_eq!(
        clerk.post(&submit, json!({"version": version_of(&clerk, id).await})).await.0,
        StatusCode::OK
    );

    // A task of another unit is not found; nor is one for a user of no party of the step.
    let task = format!("/api/v1/tasks/{id}-0");
    for login in ["clerk2", "sjiju"] {
        let api = app.api(login).await;
        let (s, e) = api
            .post(&format!("{task}/pass"), json!({"version": version_of(&clerk, id).await}))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{login}: {e}");
    }

    // 转办: the authority's reviewer hands the task to a colleague, who alone may act now.
    let reviewer = app.api("reviewer").await;
    let reviewer2 = app.api("reviewer2").await;
    let r2 = app.store.user_id_by_login("reviewer2").await.expect("db").expect("user").0;
    let (s, e) = reviewer
        .post(
            &format!("{task}/transfer"),
            json!({"to": r2, "note": "请王科长办理", "version": version_of(&clerk, id).await}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (_, mine) = reviewer.get("/api/v1/tasks").await;
    assert_eq!(mine["total"], 0, "{mine}");
    let (_, theirs) = reviewer2.get("/api/v1/tasks").await;
    assert_eq!(theirs["total"], 1, "{theirs}");
    let (s, _) = reviewer
        .post(&format!("{task}/pass"), json!({"version": version_of(&clerk, id).await}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // 转办 only within the party: not to the clerk.
    let clerk_id = app.store.user_id_by_login("clerk").await.expect("db").expect("user").0;
    let (s, e) = reviewer2
        .post(
            &format!("{task}/transfer"),
            json!({"to": clerk_id, "version": version_of(&clerk, id).await}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("to")), "{e}");
    // The colleague it was handed to records the authority's opinion, then signs.
    assert!(reviewer2.give_opinion(id).await);
    let (s, e) = reviewer2
        .post(&format!("{task}/pass"), json!({"version": version_of(&clerk, id).await}))
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    // Now the next party has acted: the clerk can no longer withdraw.
    let (s, e) = clerk
        .post(
            &format!("/api/v1/projects/{id}/withdraw"),
            json!({"version": version_of(&clerk, id).await}),
        )
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");

    // 加签: 财政局 adds the audit office after itself; the joint review then waits on it too.
    let finance = app.api("finance").await;
    let (_, tasks) = finance.get("/api/v1/tasks").await;
    let fin_task = tasks["items"][0]["id"].as_str().expect("finance's task").to_string();
    let (s, e) = finance
        .post(
            &format!("/api/v1/tasks/{fin_task}/add_signer"),
            json!({"signer_party": "audit_office", "position": "after", "version": version_of(&clerk, id).await}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let auditor = app.api("auditreviewer").await;
    let (_, t) = auditor.get("/api/v1/tasks").await;
    assert_eq!(t["total"], 0, "an added signer after finance waits for finance: {t}");
    // A party no department of the district acts as could never sign: refused, naming the field.
    let (s, e) = app
        .api("fgw")
        .await
        .post(
            &format!("/api/v1/tasks/{id}-2/add_signer"),
            json!({"signer_party": "archives", "version": version_of(&clerk, id).await}),
        )
        .await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("signer_party")),
        "{e}"
    );
    app.pass_steps(id, &["finance", "fgw", "jyj", "wxb"]).await;
    let (_, p) = clerk.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["status"], "submitted");
    let (_, t) = auditor.get("/api/v1/tasks").await;
    assert_eq!(t["total"], 1, "{t}");
    let (_, path) = clerk.get(&format!("/api/v1/projects/{id}/path")).await;
    assert_eq!(path["steps"][1]["state"], "current", "{path}");
    assert!(path["steps"][1]["waiting_on"].to_string().contains("审计"), "{path}");

    // 催办: the clerk reminds whoever holds the step; once in four hours.
    let (s, e) =
        clerk.post(&format!("{task}/urge"), json!({"version": 0, "note": "请尽快审核"})).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (s, e) = clerk.post(&format!("{task}/urge"), json!({"version": 0})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("小时内已催办"), "{e}");
    // An observer with no part in the path does not remind anyone.
    let (s, e) = app.api("sjiju").await.post(&format!("{task}/urge"), json!({"version": 0})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (_, events) = clerk.get(&format!("/api/v1/projects/{id}/events")).await;
    assert!(events.to_string().contains("请尽快审核"), "{events}");
    // The reminded holder sees it on the task, in their list and in the review queue.
    let (_, t) = auditor.get("/api/v1/tasks").await;
    let urged = t["items"].as_array().expect("items").iter().find(|x| x["project_id"] == id);
    assert!(urged.is_some_and(|x| x["urged_ms"].is_i64()), "{t}");
    let (_, page) = app.login("auditreviewer").await.text("/review").await;
    assert!(page.contains("已催办"), "{page}");

    // Two offices of one 会签 acting on one version: exactly one wins, the other gets 409.
    let (_, t) = auditor.get("/api/v1/tasks").await;
    let audit_task = t["items"][0]["id"].as_str().expect("task").to_string();
    // The added signer gives its opinion (the form's dimensions are the five offices').
    assert!(auditor.give_opinion(id).await);
    let v = version_of(&clerk, id).await;
    let pass = format!("/api/v1/tasks/{audit_task}/pass");
    let a = auditor.post(&pass, json!({"version": v}));
    let b = auditor.post(&pass, json!({"version": v}));
    let ((sa, _), (sb, _)) = tokio::join!(a, b);
    let mut got = [sa, sb];
    got.sort();
    assert_eq!(got, [StatusCode::OK, StatusCode::CONFLICT]);
    // A third click after the winner committed is 409 too, and the project the audit office
    // signed stays readable to it though no task of it is left there.
    let (s, e) = auditor.post(&pass, json!({"version": v})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, p) = auditor.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (_, p) = clerk.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["status"], "submitted", "发改委's approval is left: {p}");
}

#[tokio::test]
async fn each_profile_demo_has_projects_across_its_path() {
    let app = spawn_app().await;
    for profile in ["lhasa", "linxiang", "gaoping", "xinzhou-transport"] {
        let cast = Cast::of(&app, profile).await;
        let j = app.store.jurisdiction_by_code(profile).await.expect("db").expect("jurisdiction");
        govit_storage::seed::profile::sample_projects(&app.store, app.now(), j.id)
            .await
            .expect("samples");
        let (_, list) = cast.api("reviewer").get("/api/v1/projects?page_size=100").await;
        let mut statuses: Vec<String> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["status"].as_str().unwrap_or_default().to_string())
            .collect();
        statuses.sort();
        // The reviewer does not see the draft; one just sent, one on its way, one approved.
        assert_eq!(statuses, ["approved", "submitted", "submitted"], "{profile}: {list}");
        let on_its_way = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|p| p["name"].as_str().is_some_and(|n| n.contains("城市运行")))
            .cloned()
            .expect("project on its way");
        let (_, path) =
            cast.api("reviewer").get(&format!("/api/v1/projects/{}/path", on_its_way["id"])).await;
        let done = path["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .filter(|s| s["state"] == "done")
            .count();
        assert!(done >= 2, "{profile}: {path}");
        // Its contact is of this jurisdiction: nothing of yeji's shows in another's demo.
        let (_, p) =
            cast.api("reviewer").get(&format!("/api/v1/projects/{}", on_its_way["id"])).await;
        assert_eq!(p["email"], format!("liming@{profile}.gov.cn"), "{p}");
        assert!(!p.to_string().contains("yeji") && !p.to_string().contains("0564"), "{p}");
    }
}

#[tokio::test]
async fn transfer_and_add_a_signer_from_the_project_page() {
    let app = spawn_app().await;
    more_reviewers(&app).await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("页面转办加签测试").await;
    clerk.submit(id).await;

    let reviewer = app.login("reviewer").await;
    let (_, page) = reviewer.text(&format!("/projects/{id}")).await;
    assert!(page.contains("转办或加签") && page.contains("测试用户"), "{page}");
    // Nobody chosen: the form comes back naming the field.
    let v = reviewer.version(id).await;
    let r = reviewer
        .post(&format!("/projects/{id}/act/transfer"), &[("version", &v), ("to", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("请选择转办给谁") && body.contains("存在问题"), "{body}");
    // Handed to the colleague: the decision form moves with the task.
    let r2 =
        app.store.user_id_by_login("reviewer2").await.expect("db").expect("user").0.to_string();
    let r = reviewer
        .post(
            &format!("/projects/{id}/act/transfer"),
            &[("version", &v), ("to", &r2), ("note", "请办理")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = reviewer.text(&format!("/projects/{id}")).await;
    assert!(!page.contains("id=\"decide\""), "{page}");
    let colleague = app.login("reviewer2").await;
    let (_, page) = colleague.text(&format!("/projects/{id}")).await;
    assert!(page.contains("id=\"decide\""), "{page}");
    // 加签 before oneself: the colleague's turn waits for the audit office.
    let v = colleague.version(id).await;
    let r = colleague
        .post(
            &format!("/projects/{id}/act/add_signer"),
            &[("version", &v), ("signer_party", "audit_office"), ("position", "before")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = colleague.text(&format!("/projects/{id}")).await;
    assert!(!page.contains("id=\"decide\""), "waits for the added signer: {page}");
    let (_, page) = app.login("auditreviewer").await.text(&format!("/projects/{id}")).await;
    assert!(page.contains("id=\"decide\""), "{page}");
    assert!(page.contains("加签"), "the path shows the act: {page}");
}

#[tokio::test]
async fn lhasa_11_clock_shows_on_the_task_around_a_make_up_workday() {
    let app = spawn_app().await;
    // Friday 2025-09-26, 10:00 in Beijing; Sunday 2025-09-28 is a make-up working day before
    // the National Day break.
    let at = beijing;
    app.set_now(at("2025-09-26 10:00"));
    let cast = Cast::of(&app, "lhasa").await;
    let id = declared(&cast, "拉萨市一网统管平台", "150").await;
    // The pre-review's task is due on its own article's date, the fourth Thursday after it
    // was sent (lhasa:7): 10-23.
    let task = task_on(cast.api("reviewer"), id).await;
    assert_eq!(
        (task["action"].as_str(), task["due"].as_str(), task["overdue"].as_bool()),
        (Some("组织预审"), Some("2025-10-23"), Some(false)),
        "{task}"
    );
    let reviewer =
        cast.apis.iter().find(|(l, ..)| l.starts_with("reviewer")).expect("reviewer").0.clone();
    let (_, queue) = app.login(&reviewer).await.text("/review").await;
    assert!(queue.contains("2025-10-23") && !queue.contains("已逾期"), "{queue}");
    // lhasa:11's first review runs from the technical review's materials, sent the same
    // Friday after the pre-review and the security and crypto reviews: 5 working days.
    let walked = cast.walk(id, |t| t["action"] == "技术评审").await;
    assert_eq!(walked.last().map(String::as_str), Some("提交评审材料"), "{walked:?}");
    let calendar = govit_core::calendar::Calendar::builtin();
    let sent = chrono::NaiveDate::from_ymd_opt(2025, 9, 26).expect("date");
    let due = calendar.add_working_days(sent, 5).date;
    assert_eq!(due.to_string(), "2025-10-10", "the make-up Sunday counts, the holiday does not");
    let first_review = |list: &Value| {
        list.as_array()
            .expect("obligations")
            .iter()
            .find(|o| o["rule_id"] == "lhasa-11-first-review")
            .cloned()
            .expect("lhasa:11 first review")
    };
    let (_, list) = cast.api("reviewer").get(&format!("/api/v1/projects/{id}/obligations")).await;
    assert_eq!(first_review(&list)["due_date"], "2025-10-10", "{list}");
    let task = task_on(cast.api("reviewer"), id).await;
    let at_review = (task["action"].as_str(), task["due"].as_str());
    assert_eq!(at_review, (Some("技术评审"), Some("2025-10-10")), "{task}");
    // The path on the page says which step recorded which event.
    let (_, page) = app.login(&reviewer).await.text(&format!("/projects/{id}")).await;
    assert!(page.contains("办理后记录：预审通过"), "{page}");
    assert!(page.contains("办理后记录：收到申报材料"), "{page}");
    // The Monday after, lhasa:11's duty is overdue, and so is the task.
    app.set_now(at("2025-10-13 09:00"));
    establish(&cast, id, &[("quotes_count", 3)]).await;
    let (_, list) = cast.api("reviewer").get(&format!("/api/v1/projects/{id}/obligations")).await;
    assert_eq!(first_review(&list)["status"], "overdue", "{list}");
    let task = task_on(cast.api("reviewer"), id).await;
    assert_eq!(task["overdue"], true, "{task}");
    // 9-28 (make-up), 9-29, 9-30, 10-9, 10-10, 10-11 (make-up) and 10-13.
    assert_eq!(task["waiting_working_days"], 7, "{task}");
}

/// An instant given in Beijing time.
fn beijing(s: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .expect("time")
        .and_utc()
        .timestamp_millis()
        - 8 * 3600 * 1000
}

#[tokio::test]
async fn a_unit_declares_a_cross_department_project_and_its_route_follows_unless_a_finding_says_otherwise()
 {
    let app = spawn_app().await;
    jurisdiction(&app, "lx", "linxiang").await;
    let clerk = app.api("lx-clerk").await;
    let mut body = declaration_json("临湘市跨部门协同平台");
    body["cross_department"] = json!("3");
    let (s, e) = clerk.post("/api/v1/projects", body.clone()).await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cross_department")),
        "{e}"
    );
    body["cross_department"] = json!(1);
    let (s, p) = clerk.post("/api/v1/projects", body).await;
    assert_eq!((s, &p["cross_department"]), (StatusCode::CREATED, &json!(true)), "{p}");
    let id = p["id"].as_i64().expect("id");
    let pre = |path: &Value| -> Vec<(String, String)> {
        path["stages"][1]["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| {
                (
                    r["text"].as_str().unwrap_or("").chars().take(6).collect(),
                    r["status"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    // linxiang:13: a project of two or more departments is drawn up by the big-data center (统建).
    let (_, path) = clerk.get(&format!("/api/v1/projects/{id}/path")).await;
    assert_eq!(
        pre(&path),
        [
            ("涉及两个及以".to_string(), "applies".to_string()),
            ("自建项目的建".to_string(), "not_applicable".to_string())
        ],
        "{path}"
    );
    let (_, page) = app.login("lx-clerk").await.text(&format!("/projects/{id}")).await;
    assert!(page.contains("跨部门项目"), "{page}");
    // Sent, the reviewer's finding prevails over the unit's word.
    clerk.hand_in(id).await;
    let (s, p) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    app.api("lx-reviewer").await.establish(id, &[("is_cross_department", 0)]).await;
    let (_, path) = clerk.get(&format!("/api/v1/projects/{id}/path")).await;
    assert_eq!(pre(&path)[1].1, "applies", "{path}");
}
