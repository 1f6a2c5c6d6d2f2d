//! After acceptance (issue 12 §4–§6): what a project sends through its profile's later stages
//! — lhasa:21's review of the final accounts by the approval department up to 100,000,000
//! yuan and by the audit office above; lhasa:22's self-evaluation in months 12 to 24 after
//! acceptance, evaluated by finance; lhasa:20's three years without O&M funds before lhasa:27's
//! application; yeji:23's self-evaluation and yeji:29's post-evaluation begun by the authority.
//! Each step records its events on the project (never typed).

use super::Cast;
use super::acceptances::events;
use super::contracts::{approved, construction};
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

/// A project of `profile` approved and through its completion acceptance: the cast and its id.
pub(crate) async fn accepted(app: &TestApp, profile: &str) -> (Cast, i64) {
    let (cast, id, ..) = approved(app, profile).await;
    accept(app, &cast, id).await;
    (cast, id)
}

/// Takes approved project `id` through its completion acceptance with the cast.
async fn accept(app: &TestApp, cast: &Cast, id: i64) {
    let (_, clerk) = cast.owner_clerk(id).await;
    accept_with(app, clerk, cast.api("reviewer"), &cast.all(), id).await;
}

/// Takes approved project `id` through its completion acceptance: its owner's `clerk` starts
/// it, the authority's `reviewer` establishes what the `accept` gates ask, and `apis` pass
/// its steps.
pub(crate) async fn accept_with(
    app: &TestApp, clerk: &Api, reviewer: &Api, apis: &[&Api], id: i64,
) {
    reviewer
        .establish(
            id,
            &[
                ("catalog_in_sharing_platform", 1),
                ("secure_controllable", 1),
                ("uses_domestic_crypto", 1),
            ],
        )
        .await;
    let acceptance = json!({"summary": "已按批复建成全部建设内容", "contact": "李工",
                            "phone": "0891-1234567"});
    let (s, a) = clerk.post(&format!("/api/v1/projects/{id}/acceptances"), acceptance).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let (_, refused) = pass_all(apis, "acceptances", a["id"].as_i64().expect("id")).await;
    assert!(refused.is_none(), "{refused:?}");
    assert!(events(app, id).await.contains(&"completion_acceptance_passed".to_string()));
}

/// The project's obligation of rule `rule`, as its owner reads it.
async fn obligation(api: &Api, id: i64, rule: &str) -> Value {
    let (s, duties) = api.get(&format!("/api/v1/projects/{id}/obligations")).await;
    assert_eq!(s, StatusCode::OK, "{duties}");
    duties
        .as_array()
        .expect("obligations")
        .iter()
        .find(|d| d["rule_id"] == rule)
        .cloned()
        .unwrap_or_else(|| panic!("no {rule}: {duties}"))
}

fn today(app: &TestApp) -> String {
    govit_storage::china_today(app.now()).to_string()
}

async fn set_investment(app: &TestApp, id: i64, yuan: i64) {
    govit_storage::sqlx::query("UPDATE projects SET investment_yuan = $1 WHERE id = $2")
        .bind(yuan)
        .bind(id)
        .execute(app.store.pool())
        .await
        .expect("investment");
}

#[tokio::test]
async fn lhasa_21_sends_the_final_accounts_to_review_or_audit_by_the_approved_amount() {
    let app = spawn_app().await;
    let (cast, id, ..) = approved(&app, "lhasa").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let path = format!("/api/v1/projects/{id}/submissions");
    let review = |amount: &str, day: &str| {
        json!({"stage": "financial_review", "amount": amount, "day": day,
               "text": "竣工决算已办结，资金全部来源于财政资金"})
    };
    // Not before the completion acceptance.
    let (s, e) = clerk.post(&path, review("118", &today(&app))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("通过竣工验收后"), "{e}");
    accept(&app, &cast, id).await;

    // The split is read from the profile at its boundary.
    for (yuan, says) in
        [(100_000_000, "提交项目审批部门进行财评"), (100_000_001, "提交审计部门进行审计")]
    {
        set_investment(&app, id, yuan).await;
        let (_, offered) = clerk.get(&path).await;
        let stage = offered["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .find(|s| s["stage"] == "financial_review")
            .cloned()
            .unwrap_or_else(|| panic!("{offered}"));
        assert_eq!(stage["may_start"], true, "{stage}");
        let rules = stage["rules"].to_string();
        assert!(rules.contains(says) && rules.contains("lhasa:21"), "{yuan}: {rules}");
        assert_eq!(rules.matches("lhasa:21").count(), 1, "only the rule that applies: {rules}");
    }
    set_investment(&app, id, 1_205_000).await;

    // Field errors name their fields; nothing is saved.
    let (s, e) = clerk
        .post(
            &path,
            json!({"stage": "financial_review", "amount": "0",
                                          "day": "2099-01-01", "text": ""}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    for f in ["amount", "day", "text"] {
        assert!(e.to_string().contains(&format!("\"{f}\"")), "{f}: {e}");
    }
    let (s, e) = clerk.post(&path, json!({"stage": "payment", "text": "x"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("stage"), "{e}");
    let (_, listed) = clerk.get(&path).await;
    assert_eq!(listed["items"], json!([]), "{listed}");
    // Only the owner unit asks for it.
    let (s, e) = cast.api("reviewer").post(&path, review("118", &today(&app))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");

    let (s, a) = clerk.post(&path, review("118", &today(&app))).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(route_actions(&a), ["提请财评", "财评"]);
    assert_eq!(
        (a["status"].clone(), a["amount_yuan"].clone()),
        (json!("drafting"), json!(1_180_000))
    );
    let sub = a["id"].as_i64().expect("id");
    // One at a time.
    let (s, e) = clerk.post(&path, review("118", &today(&app))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    // Corrected while its owner holds it, at the version read.
    let (s, e) = clerk
        .put(
            &format!("/api/v1/submissions/{sub}"),
            json!({"amount": "117.5", "day": today(&app),
             "text": "竣工决算已办结", "version": 0}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a stale version: {e}");
    let (s, a) = clerk
        .put(
            &format!("/api/v1/submissions/{sub}"),
            json!({"amount": "117.5", "day": today(&app),
             "text": "竣工决算已办结", "version": a["version"]}),
        )
        .await;
    assert_eq!((s, a["amount_yuan"].clone()), (StatusCode::OK, json!(1_175_000)), "{a}");

    // Sent, returned by the authority for a correction, corrected and sent again: the project
    // keeps one 完成竣工决算, on the corrected day, and one 提请财评.
    let (s, a) = act_on(clerk, "submissions", sub, "pass", json!({})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("reviewing")), "{a}");
    let first_step = a["steps"][0]["key"].clone();
    let (s, a) = act_on(
        cast.api("reviewer"),
        "submissions",
        sub,
        "return",
        json!({"to": first_step, "reason": "决算完成日期与决算报告不符"}),
    )
    .await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("returned")), "{a}");
    app.advance(DAY * 3);
    let corrected = today(&app);
    let (s, a) = clerk
        .put(
            &format!("/api/v1/submissions/{sub}"),
            json!({"amount": "117.5", "day": corrected, "text": "竣工决算已办结",
                   "version": a["version"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let (walked, refused) = pass_all(&cast.all(), "submissions", sub).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked, ["提请财评", "财评"]);
    let (_, a) = clerk.get(&format!("/api/v1/submissions/{sub}")).await;
    assert_eq!(a["status"], "done", "{a}");
    let milestones =
        app.store.milestones(govit_core::ids::ProjectId(id)).await.expect("milestones");
    let of = |kind: &str| -> Vec<String> {
        milestones
            .iter()
            .filter(|m| !m.planned && m.kind.as_str() == kind)
            .map(|m| m.date.clone())
            .collect()
    };
    assert_eq!(of("final_accounts_done"), [corrected]);
    assert_eq!(of("financial_review_requested").len(), 1);
    let recorded = events(&app, id).await;
    for e in ["final_accounts_done", "financial_review_requested", "financial_review_done"] {
        assert!(recorded.contains(&e.to_string()), "{e}: {recorded:?}");
    }
    // The review is done once.
    let (s, e) = clerk.post(&path, review("118", &today(&app))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("已完成"), "{e}");
    // Its events are the steps', never typed.
    let (s, e) = clerk
        .post(
            &format!("/api/v1/projects/{id}/events"),
            json!({"kind": "final_accounts_done", "date": today(&app)}),
        )
        .await;
    assert!(s == StatusCode::FORBIDDEN || s == StatusCode::UNPROCESSABLE_ENTITY, "{s}: {e}");
}

#[tokio::test]
async fn above_100_million_yuan_lhasa_21_sends_it_to_the_audit_office() {
    let app = spawn_app().await;
    let (cast, id) = accepted(&app, "lhasa").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    set_investment(&app, id, 100_000_001).await;
    // The day the final accounts were done: after the acceptance, not before.
    let accepted_on = today(&app);
    app.advance(DAY * 70);
    let (s, a) = clerk
        .post(
            &format!("/api/v1/projects/{id}/submissions"),
            json!({"stage": "financial_review", "amount": "9800", "day": accepted_on,
                   "text": "决算已办结"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(route_actions(&a), ["提请审计", "审计"]);
    let sub = a["id"].as_i64().expect("id");
    let (walked, refused) = pass_all(&cast.all(), "submissions", sub).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked, ["提请审计", "审计"]);
    // The final accounts are recorded on the day stated, so the two months ran out before
    // the request: lhasa:21's duty reads as met late.
    let milestones =
        app.store.milestones(govit_core::ids::ProjectId(id)).await.expect("milestones");
    let done = milestones
        .iter()
        .find(|m| !m.planned && m.kind.as_str() == "final_accounts_done")
        .expect("final accounts");
    assert_eq!(done.date, accepted_on);
    let (s, duties) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    assert_eq!(s, StatusCode::OK, "{duties}");
    let audit = duties
        .as_array()
        .expect("obligations")
        .iter()
        .find(|d| d["rule_id"] == "lhasa-21-audit")
        .cloned()
        .unwrap_or_else(|| panic!("{duties}"));
    assert_eq!((audit["status"].clone(), audit["late"].clone()), (json!("fulfilled"), json!(true)));
    assert_eq!(audit["since"], accepted_on, "{audit}");
    assert!(
        !duties.to_string().contains("lhasa-21-financial-review"),
        "only the rule of its amount: {duties}"
    );
}

#[tokio::test]
async fn lhasa_22_and_20_keep_their_windows_after_acceptance() {
    let app = spawn_app().await;
    let (cast, id, builder, _) = approved(&app, "lhasa").await;
    let (login, _) = cast.owner_clerk(id).await;
    let clerk = app.api(&login).await;
    // Its construction contract keeps three years of O&M (36 months).
    let (s, c) =
        clerk.post(&format!("/api/v1/projects/{id}/contracts"), construction(&app, builder)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    accept(&app, &cast, id).await;
    let path = format!("/api/v1/projects/{id}/submissions");
    // lhasa:27: apply by August 31 of the year before the free O&M period ends (three years
    // after the acceptance, implied by the contract; nobody typed it).
    let accepted_year: i32 = today(&app)[..4].parse().expect("year");
    let om = obligation(&clerk, id, "lhasa-27-om-funds").await;
    assert_eq!(om["due_date"], format!("{}-08-31", accepted_year + 2), "{om}");
    assert_eq!(om["status"], "pending", "{om}");
    // lhasa:22: the self-evaluation from the 12th month after acceptance.
    let (s, a) =
        clerk.post(&path, json!({"stage": "self_evaluation", "text": "运行稳定，用户满意"})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(route_actions(&a), ["绩效自评", "重点项目绩效评价"]);
    let own = a["id"].as_i64().expect("id");
    let (s, e) = act_on(&clerk, "submissions", own, "pass", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("lhasa:22") && e.to_string().contains("起方可"), "{e}");
    // lhasa:20: no O&M funds within three years of acceptance.
    let (s, a) = clerk
        .post(
            &path,
            json!({"stage": "om_fund_application", "amount": "12", "text": "申请运维经费"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let om = a["id"].as_i64().expect("id");
    let (s, e) = act_on(&clerk, "submissions", om, "pass", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("lhasa:20"), "{e}");

    // A year on, the self-evaluation goes, and finance evaluates it.
    app.advance(DAY * 366);
    let apis: Vec<Api> = {
        let mut v = Vec::new();
        for (l, ..) in &cast.apis {
            v.push(app.api(l).await);
        }
        v
    };
    let all: Vec<&Api> = apis.iter().collect();
    let (walked, refused) = pass_all(&all, "submissions", own).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked, ["绩效自评", "重点项目绩效评价"]);
    let recorded = events(&app, id).await;
    for e in ["self_evaluation_submitted", "finance_evaluation_done"] {
        assert!(recorded.contains(&e.to_string()), "{e}: {recorded:?}");
    }
    // Still within three years: refused; after them, applied for and taken by the authority.
    let (_, refused) = pass_all(&all, "submissions", om).await;
    assert_eq!(refused.map(|r| r.0), Some(StatusCode::CONFLICT));
    app.advance(DAY * 366 * 2);
    let clerk = app.api(&login).await;
    let (_, a) = clerk.get(&format!("/api/v1/submissions/{om}")).await;
    assert_eq!(a["status"], "drafting", "{a}");
    let mut apis = Vec::new();
    for (l, ..) in &cast.apis {
        apis.push(app.api(l).await);
    }
    let all: Vec<&Api> = apis.iter().collect();
    let (walked, refused) = pass_all(&all, "submissions", om).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked, ["申请运维经费", "审核或统一申请"]);
    assert!(events(&app, id).await.contains(&"om_funds_applied".to_string()));
    let clerk = app.api(&login).await;
    let om = obligation(&clerk, id, "lhasa-27-om-funds").await;
    assert_eq!(om["status"], "fulfilled", "{om}");
}

#[tokio::test]
async fn yeji_evaluates_on_its_pages_without_javascript() {
    let app = spawn_app().await;
    let web = app.login("clerk").await;
    let id = web.create_draft("评价测试平台").await;
    web.submit(id).await;
    let p = app.approve_yeji(id).await;
    assert_eq!(p["status"], "approved", "{p}");
    let clerk = &app.api("clerk").await;
    let reviewer = &app.api("reviewer").await;
    let centre = &app.api("jyzx").await;
    accept_with(&app, clerk, reviewer, &[clerk, reviewer, centre], id).await;
    // yeji:23: the self-evaluation follows 投入运行, which the unit records.
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("项目投入运行后才能发起绩效自评价（yeji:23）"), "{page}");
    let (s, e) = clerk
        .post(
            &format!("/api/v1/projects/{id}/submissions"),
            json!({"stage": "self_evaluation", "text": "运行良好"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("yeji:23"), "{e}");
    let (s, e) = clerk
        .post(
            &format!("/api/v1/projects/{id}/events"),
            json!({"kind": "operation_started", "date": today(&app)}),
        )
        .await;
    assert!(s.is_success(), "{s}: {e}");
    let (s, page) = web.text(&format!("/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("财评、评价与运维") && page.contains("发起绩效自评价"), "{page}");
    assert!(!page.contains("发起后评价"), "yeji:29's post-evaluation is the authority's");
    let (s, page) =
        web.text(&format!("/projects/{id}/submissions/new?stage=self_evaluation")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("yeji:23") && page.contains("自评价报告"), "{page}");
    let (s, _) = web.text(&format!("/projects/{id}/submissions/new?stage=financial_review")).await;
    assert_eq!(s, StatusCode::CONFLICT, "yeji lays out no financial review");
    let r = web
        .post(&format!("/projects/{id}/submissions"), &[("stage", "self_evaluation"), ("text", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("page");
    assert!(page.contains("请填写自评价报告"), "{page}");
    let r = web
        .post(
            &format!("/projects/{id}/submissions"),
            &[
                ("stage", "self_evaluation"),
                ("text", "系统运行稳定\n遇到的问题：数据共享接口偶有超时"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().expect("location").to_string();
    let (_, page) = web.text(&to).await;
    assert!(
        page.contains("待报送") && page.contains("自评价") && page.contains("已保存"),
        "{page}"
    );
    // One step, the owner's: sending it is the submission (yeji:23).
    let sub: i64 = to
        .trim_start_matches("/submissions/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let (_, a) = clerk.get(&format!("/api/v1/submissions/{sub}")).await;
    let r = web
        .post(
            &format!("/submissions/{sub}/act"),
            &[("verb", "pass"), ("version", &a["version"].to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap_or_default());
    let (_, page) = web.text(&format!("/submissions/{sub}")).await;
    assert!(page.contains("已办结"), "{page}");
    assert!(events(&app, id).await.contains(&"self_evaluation_submitted".to_string()));

    // yeji:29: the authority begins the post-evaluation; the owner cannot.
    let path = format!("/api/v1/projects/{id}/submissions");
    // yeji:29 scores its 系统运行效率 and 使用效果.
    let body = json!({"stage": "post_evaluation", "text": "建设内容全部完成，应用效果良好",
                      "scores": {"efficiency": 88, "effect": "92"}});
    let (s, e) = clerk.post(&path, body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, a) = reviewer.post(&path, body).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(route_actions(&a), ["组织后评价"]);
    assert_eq!(
        (a["scores"].clone(), a["mean"].clone()),
        (json!({"efficiency": 88, "effect": 92}), json!("90.0"))
    );
    let post = a["id"].as_i64().expect("id");
    let (_, waiting) = reviewer.get("/api/v1/submissions").await;
    assert!(waiting.to_string().contains(&format!("\"id\":{post}")), "{waiting}");
    let (s, a) = act_on(reviewer, "submissions", post, "pass", json!({})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("done")), "{a}");

    // yeji:29: the result weighs in the unit's next declarations — their reviewer sees it.
    let next = web.create_draft("评价测试平台二期").await;
    let (_, page) = app.login("reviewer").await.text(&format!("/projects/{next}")).await;
    assert!(!page.contains("id=\"unit-evaluations\""), "not before it is sent: {page}");
    web.submit(next).await;
    let (_, page) = app.login("reviewer").await.text(&format!("/projects/{next}")).await;
    assert!(page.contains("id=\"unit-evaluations-table\""), "{page}");
    assert!(
        page.contains("评价测试平台") && page.contains(">90.0<") && page.contains("yeji:29"),
        "{page}"
    );
    let (_, page) = web.text(&format!("/projects/{next}")).await;
    assert!(!page.contains("id=\"unit-evaluations\""), "the unit's clerk does not see it: {page}");

    // yeji:24: no O&M funds for a system that does not share; the page says so beforehand.
    let om = json!({"stage": "om_fund_application", "amount": "8.5",
                    "text": "申请下一年度运维经费，绩效自评价结论为良好"});
    let (s, a) = clerk.post(&path, om).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(route_actions(&a), ["申请运维经费", "审核并安排运维经费"], "yeji:5");
    let om = a["id"].as_i64().expect("id");
    // Found since its approval not to share after all.
    reviewer.establish(id, &[("can_share", 0)]).await;
    let (_, page) = web.text(&format!("/submissions/{om}")).await;
    assert!(page.contains("办理条件") && page.contains("yeji:24"), "{page}");
    assert!(page.contains("不满足"), "{page}");
    let (s, e) = act_on(clerk, "submissions", om, "pass", json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("yeji:24"), "{e}");
    reviewer.establish(id, &[("can_share", 1)]).await;
    let finance = &app.api("finance").await;
    let (walked, refused) = pass_all(&[clerk, finance], "submissions", om).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked, ["申请运维经费", "审核并安排运维经费"]);
    assert!(events(&app, id).await.contains(&"om_funds_applied".to_string()));
    let (_, list) = web.text("/submissions").await;
    assert!(list.contains("后评价") && list.contains("自评价"), "{list}");
}

#[tokio::test]
async fn yeji_19_a_year_not_carried_out_is_explained_and_a_surplus_returned() {
    let app = spawn_app().await;
    let web = app.login("clerk").await;
    let id = web.create_draft("结余测试平台").await;
    web.submit(id).await;
    let p = app.approve_yeji(id).await;
    assert_eq!(p["status"], "approved", "{p}");
    let clerk = &app.api("clerk").await;
    let reviewer = &app.api("reviewer").await;
    let finance = &app.api("finance").await;
    let centre = &app.api("jyzx").await;
    let path = format!("/api/v1/projects/{id}/submissions");
    // Not carried out in its year: the unit explains in writing to the authority (yeji:19).
    let (s, a) = clerk
        .post(
            &path,
            json!({"stage": "unimplemented_report", "text": "因选址调整，当年度未按计划开工"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(route_actions(&a), ["书面说明原因", "审查说明（视情收回资金）"]);
    let explained = a["id"].as_i64().expect("id");
    let (walked, refused) = pass_all(&[clerk, reviewer], "submissions", explained).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked.len(), 2, "{walked:?}");
    // No surplus before the acceptance.
    let surplus = |wan: &str| json!({"stage": "surplus_return", "amount": wan, "text": "项目总投资结余，按规定退回"});
    let (s, e) = clerk.post(&path, surplus("5")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    // 100 万元 paid within the plan, then accepted.
    publish_plan(&[reviewer, &app.api("qzf").await], 2026).await;
    let (s, a) = clerk
        .post(
            &format!("/api/v1/projects/{id}/payments"),
            json!({"kind": "progress", "amount": "100", "payee": "测试承建公司",
                   "purpose": "进度款"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let (_, refused) =
        pass_all(&[clerk, reviewer, finance], "payments", a["id"].as_i64().expect("id")).await;
    assert!(refused.is_none(), "{refused:?}");
    accept_with(&app, clerk, reviewer, &[clerk, reviewer, centre], id).await;
    // At most what was paid: 100 万元 and one yuan is refused, naming the field.
    let (s, e) = clerk.post(&path, surplus("100.0001")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("\"amount\"") && e.to_string().contains("100"), "{e}");
    let (s, a) = clerk.post(&path, surplus("12.5")).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(route_actions(&a), ["退回结余资金", "确认收回"]);
    let back = a["id"].as_i64().expect("id");
    let (_, funds) = clerk.get(&format!("/api/v1/projects/{id}/payments")).await;
    assert_eq!(funds["funds"]["returned_yuan"], 0, "not confirmed yet: {funds}");
    let (walked, refused) = pass_all(&[clerk, finance], "submissions", back).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked, ["退回结余资金", "确认收回"]);
    let (_, funds) = clerk.get(&format!("/api/v1/projects/{id}/payments")).await;
    assert_eq!(funds["funds"]["returned_yuan"], 125_000, "{funds}");
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("已退回结余") && page.contains("实际使用 87.5 万元"), "{page}");
    // What was returned is no longer there to return.
    let (s, e) = clerk.post(&path, surplus("87.5001")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
}

/// The dimensions the caller is offered to score on a project's post-evaluation, by id, and
/// whether the caller may begin one.
async fn post_evaluation_offer(api: &Api, id: i64) -> (Vec<(String, String)>, bool) {
    let (s, list) = api.get(&format!("/api/v1/projects/{id}/submissions")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let stage = list["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|x| x["stage"] == "post_evaluation")
        .cloned()
        .unwrap_or_else(|| panic!("{list}"));
    let dims = stage["dimensions"]
        .as_array()
        .expect("dimensions")
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap_or("").to_string(),
                d["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    (dims, stage["may_start"] == true)
}

#[tokio::test]
async fn a_performance_evaluation_scores_every_dimension_its_article_names() {
    let app = spawn_app().await;
    // gaoping:22: the authority scores seven dimensions, 0 to 100 each.
    let (cast, id) = accepted(&app, "gaoping").await;
    let reviewer = cast.api("reviewer");
    let (dims, may) = post_evaluation_offer(reviewer, id).await;
    assert!(may);
    let names: Vec<&str> = dims.iter().map(|d| d.1.as_str()).collect();
    assert_eq!(
        names,
        ["应用建设", "服务", "运维", "应用", "服务对象满意度", "资金使用情况", "项目产出和效果"]
    );
    let path = format!("/api/v1/projects/{id}/submissions");
    let all = |score: &dyn Fn(usize) -> Value| -> Value {
        Value::Object(dims.iter().enumerate().map(|(i, d)| (d.0.clone(), score(i))).collect())
    };
    let body = |scores: Value| json!({"stage": "post_evaluation", "text": "年度绩效考评结论：良好", "scores": scores});
    let refused = |r: (StatusCode, Value)| -> String {
        assert_eq!(r.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.1);
        assert_eq!(r.1["field"], "scores", "{}", r.1);
        r.1["message"].as_str().unwrap_or("").to_string()
    };
    // Each wrong score names its dimension; nothing is kept.
    let mut missing = all(&|_| json!(80));
    missing.as_object_mut().expect("object").remove(&dims[4].0);
    assert_eq!(refused(reviewer.post(&path, body(missing)).await), "请为“服务对象满意度”评分");
    let over = all(&|i| json!(if i == 0 { 101 } else { 80 }));
    assert!(
        refused(reviewer.post(&path, body(over)).await)
            .contains("“应用建设”的评分须为 0 到 100 的整数")
    );
    let mut extra = all(&|_| json!(80));
    extra.as_object_mut().expect("object").insert("gifts".into(), json!(100));
    assert!(refused(reviewer.post(&path, body(extra)).await).contains("没有“gifts”这一评分项"));
    assert!(refused(reviewer.post(&path, body(json!([80, 90]))).await).contains("评分应为"));
    let (_, list) = reviewer.get(&path).await;
    assert_eq!(list["items"], json!([]), "{list}");
    // Scored 70 … 76: 73.0 on average, sent by the authority itself (one step).
    let (s, a) = reviewer.post(&path, body(all(&|i| json!(70 + i)))).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["mean"], "73.0", "{a}");
    assert_eq!(a["scores"][&dims[6].0], 76, "{a}");
    let post = a["id"].as_i64().expect("id");
    let (s, a) = act_on(reviewer, "submissions", post, "pass", json!({})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("done")), "{a}");
    // Its page lists the scores by name with the mean.
    let web = app.login(&cast.login_of_reviewer()).await.with_csrf().await;
    let (_, page) = web.text(&format!("/submissions/{post}")).await;
    assert!(page.contains("id=\"submission-scores\"") && page.contains("服务对象满意度"), "{page}");
    assert!(page.contains("id=\"submission-mean\">73.0<"), "{page}");

    // The form on the pages asks each one; one left out is named, the others kept as typed.
    let (_, form) =
        web.text(&format!("/projects/{id}/submissions/new?stage=post_evaluation")).await;
    assert!(form.contains("name=\"score_satisfaction\""), "{form}");
    let mut fields: Vec<(String, String)> = dims
        .iter()
        .filter(|d| d.0 != "funds")
        .map(|d| (format!("score_{}", d.0), "85".to_string()))
        .collect();
    fields.push(("stage".into(), "post_evaluation".into()));
    fields.push(("text".into(), "第二次绩效考评".into()));
    let plain: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = web.post(&format!("/projects/{id}/submissions"), &plain).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap_or_default();
    assert!(page.contains("请为“资金使用情况”评分"), "{page}");
    assert!(page.contains("id=\"score_service\" name=\"score_service\" value=\"85\""), "{page}");

    // xinzhou-transport:23 and :26: the data center scores both articles' dimensions at once,
    // then finance checks it.
    let (cast, id) = accepted(&app, "xinzhou-transport").await;
    let mut starter = None;
    for api in cast.all() {
        if api.get(&format!("/api/v1/projects/{id}")).await.0 != StatusCode::OK {
            continue;
        }
        let (dims, may) = post_evaluation_offer(api, id).await;
        if may {
            starter = Some((api, dims));
        }
    }
    let (center, dims) = starter.expect("the data center begins it");
    let names: Vec<&str> = dims.iter().map(|d| d.1.as_str()).collect();
    assert_eq!(names.len(), 8, "{names:?}");
    assert!(names.contains(&"资金使用情况") && names.contains(&"用户满意度"), "{names:?}");
    let scores = Value::Object(dims.iter().map(|d| (d.0.clone(), json!(90))).collect());
    let (s, a) = center
        .post(
            &format!("/api/v1/projects/{id}/submissions"),
            json!({"stage": "post_evaluation", "text": "绩效评价与应用效能评估", "scores": scores}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["mean"], "90.0", "{a}");
    let (walked, refused) =
        pass_all(&cast.all(), "submissions", a["id"].as_i64().expect("id")).await;
    assert!(refused.is_none(), "{refused:?}");
    assert_eq!(walked.first().map(String::as_str), Some("绩效评价"), "{walked:?}");
}

#[tokio::test]
async fn linxiang_29_issues_one_om_report_a_year_after_acceptance() {
    let app = spawn_app().await;
    let (cast, id) = accepted(&app, "linxiang").await;
    let (login, clerk) = cast.owner_clerk(id).await;
    let this_year = govit_storage::china_today(app.now()).format("%Y").to_string();
    let year: i32 = this_year.parse().expect("year");
    // The owner unit is told which years it has not covered yet, with the article.
    let web = app.login(&login).await.with_csrf().await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains(&format!("运行维护情况报告尚未出具的年度：{year} 年")), "{page}");
    assert!(page.contains("linxiang:29"), "{page}");
    let path = format!("/api/v1/projects/{id}/submissions");
    let report =
        |y: &str| json!({"stage": "om_report", "year": y, "text": "系统运行平稳，未发生安全事件"});
    for (typed, says) in [
        ("", "请填写报告年度"),
        (&*format!("{}", year + 1), "报告年度不能晚于今年"),
        (&*format!("{}", year - 1), "报告年度不能早于通过竣工验收的年度"),
        (&*format!("{year}年度年"), "报告年度应为年份"),
    ] {
        let (s, e) = clerk.post(&path, report(typed)).await;
        assert_eq!(
            (s, e["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("year")),
            "{e}"
        );
        assert!(e["message"].as_str().unwrap_or("").contains(says), "{typed}: {e}");
    }
    // Only the owner unit issues it.
    let (s, e) = cast.api("reviewer").post(&path, report(&this_year)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, a) = clerk.post(&path, report(&format!("{year}年度"))).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!((a["year"].clone(), a["title"].clone()), (json!(year), json!("运行维护情况报告")));
    assert_eq!(route_actions(&a), ["出具运行维护情况报告"]);
    let (s, a) =
        act_on(clerk, "submissions", a["id"].as_i64().expect("id"), "pass", json!({})).await;
    assert_eq!((s, a["status"].clone()), (StatusCode::OK, json!("done")), "{a}");
    // Once a year: the same year again is refused naming the article; the page no longer asks.
    let (s, e) = clerk.post(&path, report(&this_year)).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("year")), "{e}");
    assert!(
        e["message"].as_str().unwrap_or("").contains("已出具（linxiang:29：每年出具一次）"),
        "{e}"
    );
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(!page.contains("运行维护情况报告尚未出具的年度"), "{page}");
    assert!(page.contains(&format!("{year} 年度运行维护情况报告")), "{page}");
    // A year on, the next year is asked for, and issued through the form.
    app.advance(DAY * 366);
    let web = app.login(&login).await.with_csrf().await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains(&format!("运行维护情况报告尚未出具的年度：{} 年", year + 1)), "{page}");
    let next = (year + 1).to_string();
    let r = web
        .post(
            &format!("/projects/{id}/submissions"),
            &[("stage", "om_report"), ("year", &next), ("text", "运行维护方案执行良好")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap_or_default());
    // Another jurisdiction's profile has no such report.
    let (cast, id) = accepted(&app, "gaoping").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let (s, e) =
        clerk.post(&format!("/api/v1/projects/{id}/submissions"), report(&this_year)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(!e.to_string().contains("linxiang"), "{e}");
}
