//! Contracts after approval (issue 12 §1): the owner unit records what it signed, its profile's
//! terms and `sign` gates refuse what the regulation forbids, and the filing runs along the
//! profile's chain; the events and facts follow from those steps, never typed.

use super::Cast;
use crate::harness::*;
use govit_core::org::{FirmKind, Principal};
use govit_storage::Actor;
use govit_storage::Who;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The cast of `profile` with its sample projects; the approved one's id and the ids of a
/// contractor and a supervisor of the jurisdiction.
pub(super) async fn approved(app: &TestApp, profile: &str) -> (Cast, i64, i64, i64) {
    let cast = Cast::of(app, profile).await;
    let j = app.store.jurisdiction_by_code(profile).await.expect("db").expect("jurisdiction");
    govit_storage::seed::profile::sample_projects(&app.store, app.now(), j.id)
        .await
        .expect("samples");
    let (_, list) = cast.api("reviewer").get("/api/v1/projects?status=approved").await;
    let id = list["items"][0]["id"].as_i64().unwrap_or_else(|| panic!("{profile}: {list}"));
    let actor = Actor::cli("test");
    let firm = |kind, name: &str| {
        let name = format!("{profile}{name}");
        let store = app.store.clone();
        let actor = actor.clone();
        async move { store.create_firm(&actor, app.now(), j.id, kind, &name, "").await.expect("firm") }
    };
    let builder = firm(FirmKind::Contractor, "测试承建公司").await;
    let supervisor = firm(FirmKind::Supervisor, "测试监理公司").await;
    (cast, id, builder, supervisor)
}

fn today(app: &TestApp) -> String {
    govit_storage::china_today(app.now()).to_string()
}

pub(super) fn construction(app: &TestApp, firm: i64) -> Value {
    json!({
        "kind": "construction", "firm_id": firm, "title": "平台建设合同", "method": "open_tender",
        "amount": "180", "signed_on": today(app), "starts_on": today(app), "ends_on": "2027-12-31",
        "om_months": 36, "deliverables": ["design_docs", "source_code", "test_docs"],
        "ownership": "系统所有权归业主单位", "termination": "出现第二十五条所列情形时终止",
    })
}

pub(super) fn supervision(app: &TestApp, firm: i64) -> Value {
    json!({
        "kind": "supervision", "firm_id": firm, "title": "平台监理合同", "method": "inquiry",
        "amount": "6", "signed_on": today(app), "starts_on": today(app), "ends_on": "2027-12-31",
    })
}

/// Passes the contract's filing with whoever may, step by step, until it is filed; the steps'
/// actions in order.
pub(super) async fn file(cast: &Cast, contract: i64) -> Vec<String> {
    let mut done = Vec::new();
    for _ in 0..6 {
        let mut moved = false;
        for api in cast.all() {
            let (s, c) = api.get(&format!("/api/v1/contracts/{contract}")).await;
            if s != StatusCode::OK || c["status"] == "filed" {
                continue;
            }
            if c["verbs"].as_array().is_some_and(|v| v.iter().any(|x| x == "pass")) {
                let step = c["steps"][c["current_step"].as_u64().expect("step") as usize]["action"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let body = json!({"version": c["version"]});
                let (s, b) = api.post(&format!("/api/v1/contracts/{contract}/pass"), body).await;
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

/// A fact of the project as the rules read it now (derived ones included), as `login` sees it.
pub(super) async fn fact(app: &TestApp, login: &str, project: i64, name: &str) -> Value {
    let user = app.store.user_id_by_login(login).await.expect("db").expect("user");
    let who = app.store.principal(user).await.expect("db").expect("principal");
    let actor = Actor::cli("test");
    let facts = app
        .store
        .current_facts(Who::new(&who, &actor, app.now()), govit_core::ids::ProjectId(project))
        .await
        .expect("facts");
    let f = govit_core::policy::Fact::parse(name).expect("fact");
    facts.get(&f).map_or(Value::Null, |v| json!(v))
}

#[tokio::test]
async fn gaoping_contract_is_held_to_its_terms_and_filed_within_five_working_days() {
    let app = spawn_app().await;
    let (cast, id, builder, supervisor) = approved(&app, "gaoping").await;
    let (login, clerk) = cast.owner_clerk(id).await;
    let path = format!("/api/v1/projects/{id}/contracts");
    // gaoping:15: the test documents are a deliverable; a contract without them is refused,
    // naming the field and the article, and nothing is kept.
    let mut body = construction(&app, builder);
    body["deliverables"] = json!(["design_docs", "source_code"]);
    let (s, e) = clerk.post(&path, body).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("deliverables")));
    assert!(e["message"].as_str().unwrap_or("").contains("gaoping:15"), "{e}");
    // A contract signed tomorrow is not a contract yet; the wrong kind of firm is named.
    let mut body = construction(&app, builder);
    body["signed_on"] = json!("2099-01-01");
    let (s, e) = clerk.post(&path, body).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("signed_on")));
    let (s, e) = clerk.post(&path, construction(&app, supervisor)).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("firm_id")));
    // The authority does not sign the owner unit's contracts.
    let (s, e) = cast.api("reviewer").post(&path, construction(&app, builder)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (_, list) = clerk.get(&path).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");

    // Signed before the project was approved: not a contract of this approval.
    let mut body = construction(&app, builder);
    body["signed_on"] = json!("2020-01-01");
    let (s, e) = clerk.post(&path, body).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("signed_on")));
    assert!(e["message"].as_str().unwrap_or("").contains("立项批复"), "{e}");

    let (s, c) = clerk.post(&path, construction(&app, builder)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let contract = c["id"].as_i64().expect("id");
    assert_eq!(c["status"], "to_file", "{c}");
    // It waits on the owner unit, not on the authority.
    let (_, mine) = clerk.get("/api/v1/contracts").await;
    assert!(mine["items"].as_array().expect("items").iter().any(|x| x["id"] == contract));
    let (_, theirs) = cast.api("reviewer").get("/api/v1/contracts").await;
    assert!(!theirs["items"].as_array().expect("items").iter().any(|x| x["id"] == contract));
    // The same contract again is refused, naming the one recorded.
    let (s, e) = clerk.post(&path, construction(&app, builder)).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("title")));
    assert!(e["message"].as_str().unwrap_or("").contains("已登记过《平台建设合同》"), "{e}");
    // 签订合同 is the project's event on the signing day, and gaoping:15's clock runs from it.
    let (_, duties) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    let duty = duties
        .as_array()
        .expect("obligations")
        .iter()
        .find(|o| o["rule_id"] == "gaoping-15-contract-filing")
        .cloned()
        .unwrap_or_else(|| panic!("{duties}"));
    assert_ne!(duty["status"], "fulfilled", "{duty}");
    // Nobody types what the steps record.
    let events = format!("/api/v1/projects/{id}/events");
    let (s, e) = clerk.post(&events, json!({"kind": "contract_filed", "date": today(&app)})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("kind")), "{e}");
    let facts = format!("/api/v1/projects/{id}/facts");
    let body = json!({"fact": "contract_filed", "value": 1, "basis": "已备案"});
    let (s, e) = cast.api("reviewer").post(&facts, body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fact(&app, &login, id, "contract_filed").await, json!(0));
    // The authority cannot file what the owner has not sent: it is told who holds it.
    let (_, now) = cast.api("reviewer").get(&format!("/api/v1/contracts/{contract}")).await;
    let body = json!({"version": now["version"]});
    let (s, e) =
        cast.api("reviewer").post(&format!("/api/v1/contracts/{contract}/pass"), body).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("实施单位"), "{e}");
    // The owner sends it; the authority finds it waiting and files it.
    let body = json!({"version": now["version"]});
    let (s, sent) = clerk.post(&format!("/api/v1/contracts/{contract}/pass"), body).await;
    assert_eq!((s, sent["status"].clone()), (StatusCode::OK, json!("filing")), "{sent}");
    let (_, waiting) = cast.api("reviewer").get("/api/v1/contracts").await;
    assert!(waiting["items"].as_array().expect("items").iter().any(|x| x["id"] == contract));
    // Two clicks on one version: one files, the other is told it is stale.
    let url = format!("/api/v1/contracts/{contract}/pass");
    let body = json!({"version": sent["version"]});
    let reviewer = cast.api("reviewer");
    let (a, b) = tokio::join!(reviewer.post(&url, body.clone()), reviewer.post(&url, body));
    let mut got = [a.0, b.0];
    got.sort();
    assert_eq!(got, [StatusCode::OK, StatusCode::CONFLICT]);
    let (_, c) = clerk.get(&format!("/api/v1/contracts/{contract}")).await;
    assert_eq!(c["status"], "filed", "{c}");
    assert_eq!(fact(&app, &login, id, "contract_filed").await, json!(1));
    let (_, duties) = clerk.get(&format!("/api/v1/projects/{id}/obligations")).await;
    let duty = duties
        .as_array()
        .expect("obligations")
        .iter()
        .find(|o| o["rule_id"] == "gaoping-15-contract-filing")
        .cloned()
        .expect("duty");
    assert_eq!(duty["status"], "fulfilled", "{duty}");
    let recorded = app.store.milestones(govit_core::ids::ProjectId(id)).await.expect("milestones");
    let kinds: Vec<&str> = recorded.iter().map(|m| m.kind.as_str()).collect();
    assert!(kinds.contains(&"contract_signed") && kinds.contains(&"contract_filed"), "{kinds:?}");
    // The project's timeline tells an auditor who recorded and filed it.
    let (_, timeline) = clerk.get(&events).await;
    let said = timeline.to_string();
    assert!(
        said.contains("登记建设合同《平台建设合同》")
            && said.contains("建设合同《平台建设合同》：备案"),
        "{said}"
    );

    // A blacklisted supervisor cannot be contracted (the blacklist is the administrator's).
    let j = app.store.jurisdiction_by_code("gaoping").await.expect("db").expect("j");
    let op = Principal::operator();
    let actor = Actor::cli("test");
    app.store
        .blacklist_firm(
            Who::new(&op, &actor, app.now()),
            j.id,
            supervisor,
            true,
            "监理报告弄虚作假",
        )
        .await
        .expect("blacklist");
    let (s, e) = clerk.post(&path, supervision(&app, supervisor)).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("firm_id")));
    assert!(e["message"].as_str().unwrap_or("").contains("黑名单"), "{e}");
}

#[tokio::test]
async fn linxiang_19_refuses_less_than_three_years_of_om_and_25_asks_for_termination() {
    let app = spawn_app().await;
    let (cast, id, builder, supervisor) = approved(&app, "linxiang").await;
    let (login, clerk) = cast.owner_clerk(id).await;
    let path = format!("/api/v1/projects/{id}/contracts");
    // linxiang:19 tests the construction contract's O&M; a supervision contract signed
    // first is not held to it (linxiang:22 asks for the supervisor before the work).
    let (s, c) = clerk.post(&path, supervision(&app, supervisor)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let mut body = construction(&app, builder);
    body["om_months"] = json!(24);
    let (s, e) = clerk.post(&path, body).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("linxiang:19"), "{e}");
    let mut body = construction(&app, builder);
    body["termination"] = json!("");
    let (s, e) = clerk.post(&path, body).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("termination")));
    assert!(e["message"].as_str().unwrap_or("").contains("linxiang:25"), "{e}");
    // Three years exactly is enough; the O&M years are then the project's, derived.
    let (s, c) = clerk.post(&path, construction(&app, builder)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(fact(&app, &login, id, "om_years_in_contract").await, json!(3));
    // Corrected before it is sent: linxiang:19 holds for a correction too.
    let url = format!("/api/v1/contracts/{}", c["id"]);
    let mut body = construction(&app, builder);
    body["om_months"] = json!(30);
    body["version"] = c["version"].clone();
    let (s, e) = clerk.put(&url, body.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    body["om_months"] = json!(48);
    let (s, e) = clerk.put(&url, body).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(fact(&app, &login, id, "om_years_in_contract").await, json!(4));
    let steps = file(&cast, c["id"].as_i64().expect("id")).await;
    assert_eq!(steps, ["报送采购文件和合同", "备案"], "linxiang:20");
}

#[tokio::test]
async fn xinzhou_transport_files_its_supervisor_after_the_party_groups_consent() {
    let app = spawn_app().await;
    let (cast, id, _, supervisor) = approved(&app, "xinzhou-transport").await;
    let (login, clerk) = cast.owner_clerk(id).await;
    let (s, c) = clerk
        .post(&format!("/api/v1/projects/{id}/contracts"), supervision(&app, supervisor))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(fact(&app, &login, id, "supervisor_appointed").await, json!(1));
    assert_eq!(fact(&app, &login, id, "supervisor_filed").await, json!(0));
    let steps = file(&cast, c["id"].as_i64().expect("id")).await;
    assert_eq!(steps, ["确定监理单位", "同意", "备案"], "xinzhou-transport:17");
    assert_eq!(fact(&app, &login, id, "supervisor_filed").await, json!(1));
    // The project page lists it, filed, and the supervisor signs nothing here.
    let (_, page) = app.login(&login).await.text(&format!("/projects/{id}")).await;
    assert!(page.contains("平台监理合同") && page.contains("已备案"), "{page}");
}

#[tokio::test]
async fn lhasa_13_allows_no_work_before_a_supervisor_is_contracted() {
    let app = spawn_app().await;
    let (cast, id, _, supervisor) = approved(&app, "lhasa").await;
    let (login, clerk) = cast.owner_clerk(id).await;
    let events = format!("/api/v1/projects/{id}/events");
    let (s, e) = clerk.post(&events, json!({"kind": "work_started", "date": today(&app)})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("lhasa:13"), "{e}");
    assert_eq!(fact(&app, &login, id, "supervisor_appointed").await, json!(0));
    // lhasa files no contracts: the supervision contract is recorded, and work may start.
    let (s, c) = clerk
        .post(&format!("/api/v1/projects/{id}/contracts"), supervision(&app, supervisor))
        .await;
    assert_eq!((s, c["status"].clone()), (StatusCode::CREATED, json!("recorded")), "{c}");
    assert!(c["verbs"].as_array().is_some_and(Vec::is_empty), "{c}");
    assert_eq!(fact(&app, &login, id, "supervisor_appointed").await, json!(1));
    let (s, e) = clerk.post(&events, json!({"kind": "work_started", "date": today(&app)})).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
}

#[tokio::test]
async fn a_contract_is_recorded_and_filed_on_its_pages_without_javascript() {
    let app = spawn_app().await;
    let (cast, id, builder, _) = approved(&app, "gaoping").await;
    let (login, _) = cast.owner_clerk(id).await;
    let web = app.login(&login).await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("id=\"new-construction\""), "{page}");
    let (_, form) = web.text(&format!("/projects/{id}/contracts/new?kind=construction")).await;
    // The form says what the profile asks of a contract, with the articles.
    assert!(form.contains("约定提交测试文档（gaoping:15）"), "{form}");
    assert!(form.contains("合同备案") && form.contains("gaoping:15"), "{form}");
    let builder = builder.to_string();
    let day = today(&app);
    let mut fields = vec![
        ("kind", "construction"),
        ("firm_id", builder.as_str()),
        ("title", "页面登记的建设合同"),
        ("method", "open_tender"),
        ("amount", "很多"),
        ("signed_on", day.as_str()),
        ("starts_on", day.as_str()),
        ("ends_on", "2027-12-31"),
        ("om_months", "36"),
        ("deliverables", "design_docs"),
        ("deliverables", "source_code"),
        ("ownership", "归业主单位"),
    ];
    // Every wrong field named at once beside what was typed; nothing kept.
    let r = web.post(&format!("/projects/{id}/contracts"), &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("存在问题") && body.contains("合同金额"), "{body}");
    assert!(body.contains("页面登记的建设合同"), "typed values kept: {body}");
    fields[4] = ("amount", "180");
    let r = web.post(&format!("/projects/{id}/contracts"), &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("测试文档") && body.contains("gaoping:15"), "{body}");
    fields.push(("deliverables", "test_docs"));
    let r = web.post(&format!("/projects/{id}/contracts"), &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let landed = location(&r);
    assert!(landed.starts_with("/contracts/"), "{landed}");
    // Said once after the change, then the plain address.
    let (_, page) = web.text(&landed).await;
    assert!(page.contains("已保存。请核对后报送备案。"), "{page}");
    let to = landed.split('?').next().expect("path").to_string();
    let (_, page) = web.text(&to).await;
    assert!(page.contains("待报送备案") && page.contains("报送合同文本"), "{page}");
    assert!(!page.contains("contract-flash"), "{page}");
    let v = input_value(&page, "version").expect("version");
    let r =
        web.post(&format!("{to}/act"), &[("version", &v), ("verb", "pass"), ("note", "")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The authority's navigation counts it; its page offers 备案 and a return with a reason.
    let reviewer = app.login(&cast.login_of_reviewer()).await;
    let (_, list) = reviewer.text("/contracts").await;
    assert!(list.contains("页面登记的建设合同"), "{list}");
    let (_, page) = reviewer.text(&to).await;
    assert!(page.contains("id=\"return\"") && page.contains(">备案<"), "{page}");
    let v = input_value(&page, "version").expect("version");
    let r = reviewer
        .post(&format!("{to}/act"), &[("version", &v), ("verb", "return"), ("reason", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a return needs its reason");
    // Returned: the owner reads why, corrects the amount, and sends it again.
    let first = body_of(&step_of(&page, "return-form"));
    let to_owner = input_value(&first, "to").unwrap_or_default();
    let r = reviewer
        .post(
            &format!("{to}/act"),
            &[
                ("version", &v),
                ("verb", "return"),
                ("to", &to_owner),
                ("reason", "合同金额与中标通知书不符"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = web.text(&to).await;
    assert!(page.contains("已退回") && page.contains("合同金额与中标通知书不符"), "{page}");
    let (_, form) = web.text(&format!("{to}/edit")).await;
    assert!(form.contains("修改建设合同") && form.contains("value=\"180\""), "{form}");
    let v = input_value(&form, "version").expect("version");
    let mut fixed: Vec<(&str, &str)> =
        fields.iter().filter(|(k, _)| *k != "kind").copied().collect();
    for f in fixed.iter_mut() {
        if f.0 == "amount" {
            f.1 = "176.5";
        }
    }
    fixed.push(("version", &v));
    let r = web.post(&format!("{to}/edit"), &fixed).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = web.text(&to).await;
    assert!(page.contains("176.5 万元") && page.contains("id=\"pass\""), "{page}");
    // The project's timeline says what the correction changed.
    let (_, project_page) = web.text(&format!("/projects/{id}")).await;
    assert!(project_page.contains("合同金额（万元） 180 → 176.5"), "{project_page}");
    let v = input_value(&page, "version").expect("version");
    let r =
        web.post(&format!("{to}/act"), &[("version", &v), ("verb", "pass"), ("note", "")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Sent, it can no longer be corrected, and its form says so before anything is typed;
    // the reviewer never corrects the unit's contract.
    let (_, page) = web.text(&to).await;
    assert!(!page.contains("id=\"edit-contract\""), "{page}");
    let r = web.get(&format!("{to}/edit")).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.expect("body").contains("请先撤回"));
    let r = reviewer.get(&format!("{to}/edit")).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let (_, page) = reviewer.text(&to).await;
    let v = input_value(&page, "version").expect("version");
    let r = reviewer.post(&format!("{to}/act"), &[("version", &v), ("verb", "pass")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("页面登记的建设合同") && page.contains("已备案"), "{page}");
}

/// The HTML of the form with that id in a page.
fn step_of(page: &str, form_id: &str) -> String {
    let start =
        page.find(&format!("id=\"{form_id}\"")).unwrap_or_else(|| panic!("{form_id}: {page}"));
    let end = page[start..].find("</form>").map_or(page.len(), |e| start + e);
    page[start..end].to_string()
}

/// The first option's value of a form's select, as an `input_value` can read it.
fn body_of(form: &str) -> String {
    let key = "<option value=\"";
    let Some(i) = form.find(key) else { return String::new() };
    let v = &form[i + key.len()..];
    format!("name=\"to\" value=\"{}\"", &v[..v.find('"').unwrap_or(0)])
}
