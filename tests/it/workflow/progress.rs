//! Progress reports during construction (issue 12 §2): the owner unit fills in a quarter's
//! report with annex 2's fields (yeji:15), one per quarter; it runs along the profile's chain
//! (yeji 报送 → 备案), and the step that reports it records 报送进度 on the project — where the
//! profile files nothing (lhasa), filling it in does. Spending is read against the approved
//! budget.

use super::contracts::approved;
use crate::harness::*;
use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A report of this quarter (the test projects are approved today: no earlier quarter may be
/// reported on).
fn report(app: &TestApp, invested: &str) -> Value {
    let today = govit_storage::china_today(app.now());
    json!({
        "period": govit_core::progress::Quarter::of(today).code(),
        "content": "建设全区统一的数据共享交换平台",
        "progress": "已完成概要设计，开发完成四成",
        "expected_on": "2027-06-30",
        "invested": invested,
        "head": "王主任",
        "contact": "李工",
        "mobile": "13800000000",
    })
}

/// How many times the project's events hold 报送进度.
async fn reported(app: &TestApp, id: i64) -> usize {
    let recorded = app.store.milestones(govit_core::ids::ProjectId(id)).await.expect("milestones");
    recorded.iter().filter(|m| m.kind.as_str() == "progress_reported").count()
}

/// A yeji project taken through its joint review and approval.
async fn approved_yeji(app: &TestApp, name: &str) -> i64 {
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft(name).await;
    clerk.submit(id).await;
    let p = app.approve_yeji(id).await;
    assert_eq!(p["status"], "approved", "{p}");
    id
}

#[tokio::test]
async fn yeji_15_a_quarters_report_is_sent_then_filed_and_sending_it_is_the_report() {
    let app = spawn_app().await;
    let id = approved_yeji(&app, "进度报告测试平台").await;
    let clerk = app.api("clerk").await;
    let path = format!("/api/v1/projects/{id}/progress");
    // Every wrong field named at once; nothing kept.
    let mut bad = report(&app, "很多");
    bad["period"] = json!("2099Q1");
    bad["expected_on"] = json!("");
    bad["mobile"] = json!("");
    let (s, e) = clerk.post(&path, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|x| x["field"].as_str())
        .collect();
    assert_eq!(fields, ["period", "expected_on", "invested", "phone"], "{e}");
    assert!(e.to_string().contains("附件2"), "{e}");
    // No report covers a quarter before the project's approval.
    let mut early = report(&app, "60");
    early["period"] = json!("2020Q1");
    let (s, e) = clerk.post(&path, early).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("period")));
    assert!(e["message"].as_str().unwrap_or("").contains("立项批复"), "{e}");
    // The authority does not fill in the unit's report.
    let reviewer = app.api("reviewer").await;
    let (s, e) = reviewer.post(&path, report(&app, "60")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, r) = clerk.post(&path, report(&app, "60")).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["status"], "to_send", "{r}");
    let steps: Vec<&str> =
        r["steps"].as_array().expect("steps").iter().filter_map(|s| s["action"].as_str()).collect();
    assert_eq!(steps, ["填写进度情况表并报送", "备案"], "yeji:15");
    assert_eq!(reported(&app, id).await, 0, "not reported until it is sent");
    // One report a quarter.
    let (s, e) = clerk.post(&path, report(&app, "70")).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("period")));
    assert!(e["message"].as_str().unwrap_or("").contains(&format!("第 {} 号", r["id"])), "{e}");
    // Corrected before it is sent; then sent: that is 报送进度, on the project at once.
    let rid = r["id"].as_i64().expect("id");
    let mut body = report(&app, "62.5");
    body["version"] = r["version"].clone();
    let (s, r) = clerk.put(&format!("/api/v1/progress/{rid}"), body).await;
    assert_eq!((s, r["invested_yuan"].clone()), (StatusCode::OK, json!(625_000)), "{r}");
    let (s, r) =
        clerk.post(&format!("/api/v1/progress/{rid}/pass"), json!({"version": r["version"]})).await;
    assert_eq!((s, r["status"].clone()), (StatusCode::OK, json!("filing")), "{r}");
    assert_eq!(reported(&app, id).await, 1);
    // Sent, it cannot be corrected; the authority finds it waiting and files it.
    let mut body = report(&app, "1");
    body["version"] = r["version"].clone();
    let (s, e) = clerk.put(&format!("/api/v1/progress/{rid}"), body).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (_, waiting) = reviewer.get("/api/v1/progress").await;
    assert!(
        waiting["items"].as_array().expect("items").iter().any(|x| x["id"] == rid),
        "{waiting}"
    );
    let (s, r) = reviewer
        .post(&format!("/api/v1/progress/{rid}/pass"), json!({"version": r["version"]}))
        .await;
    assert_eq!((s, r["status"].clone()), (StatusCode::OK, json!("filed")), "{r}");
    assert_eq!(reported(&app, id).await, 1, "filing records nothing more");
    // Nobody types 报送进度.
    let (s, e) = clerk
        .post(
            &format!("/api/v1/projects/{id}/events"),
            json!({"kind": "progress_reported", "date": "2026-01-05"}),
        )
        .await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("kind")), "{e}");
    // The report on annex 2 as the text lays it out: labels and values side by side.
    let web = app.login("clerk").await;
    let (_, page) = web.text(&format!("/progress/{rid}")).await;
    assert!(
        page.contains(&format!("href=\"/progress/{rid}/form.xlsx\"")) && page.contains("yeji:15"),
        "{page}"
    );
    let r = web.get(&format!("/progress/{rid}/form.xlsx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.expect("bytes");
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let name = book.sheet_names().first().cloned().expect("a sheet");
    let sheet = book.worksheet_range(&name).expect("sheet");
    let at = |r: u32, c: u32| sheet.get_value((r, c)).map(Data::to_string).unwrap_or_default();
    assert_eq!(at(0, 0), "六安市叶集区政务信息化项目进度情况表");
    assert_eq!((at(2, 2), at(2, 3)), ("负责人".to_string(), "王主任".to_string()));
    assert_eq!((at(5, 0), at(5, 1)), ("手  机".to_string(), "13800000000".to_string()));
    assert_eq!(at(6, 0), "项目名称");
    assert_eq!(at(6, 1), "进度报告测试平台");
    assert!(
        at(9, 1).contains("已完成概要设计")
            && at(9, 1).contains("预计完成时间：2027 年 06 月 30 日")
    );
    assert_eq!((at(10, 1), at(11, 1)), ("120.5".to_string(), "62.5".to_string()));
    assert!(at(12, 0).starts_with("说明：1．本表由项目建设单位填写。"), "{}", at(12, 0));
    // The quarter's forms of the reader's projects in one workbook; a quarter not typed as one
    // is named.
    let period = report(&app, "1")["period"].as_str().unwrap_or_default().to_string();
    let r = web.get(&format!("/progress/forms.xlsx?period={period}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.expect("bytes");
    let book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    assert_eq!(book.sheet_names().len(), 1, "{:?}", book.sheet_names());
    let r = web.get("/progress/forms.xlsx?period=later").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = clerk.get(&format!("/api/v1/progress/{rid}/form")).await;
    assert_eq!(s, StatusCode::OK);

    // Spending read against the approved budget.
    let (_, list) = clerk.get(&path).await;
    let first = &list["items"][0];
    assert_eq!(first["over_budget"], json!(false), "{first}");
    assert!(first["spent_bp"].as_i64().is_some_and(|b| b > 0), "{first}");
}

#[tokio::test]
async fn lhasa_files_no_report_so_filling_it_in_is_the_report() {
    let app = spawn_app().await;
    let (cast, id, _, _) = approved(&app, "lhasa").await;
    let (_, clerk) = cast.owner_clerk(id).await;
    let (_, p) = clerk.get(&format!("/api/v1/projects/{id}")).await;
    let over = (p["investment_yuan"].as_i64().expect("investment") + 10_000) / 10_000;
    let (s, r) = clerk
        .post(&format!("/api/v1/projects/{id}/progress"), report(&app, &over.to_string()))
        .await;
    assert_eq!((s, r["status"].clone()), (StatusCode::CREATED, json!("recorded")), "{r}");
    assert!(r["verbs"].as_array().is_some_and(Vec::is_empty), "{r}");
    assert_eq!(r["over_budget"], json!(true), "{r}");
    assert_eq!(reported(&app, id).await, 1);
    // lhasa's text has no such form: nothing offers yeji's, and asking for it finds nothing.
    let rid = r["id"].as_i64().expect("id");
    let (s, _) = clerk.get(&format!("/api/v1/progress/{rid}/form")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (login, _) = cast.owner_clerk(id).await;
    let web = app.login(&login).await;
    let (_, page) = web.text(&format!("/progress/{rid}")).await;
    assert!(!page.contains("form.xlsx") && !page.contains("叶集"), "{page}");
    let (_, list) = web.text("/progress").await;
    assert!(!list.contains("叶集") && !list.contains("progress-forms"), "{list}");
}

#[tokio::test]
async fn a_report_is_filled_in_and_sent_on_its_pages_without_javascript() {
    let app = spawn_app().await;
    let id = approved_yeji(&app, "页面进度报告平台").await;
    let web = app.login("clerk").await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("id=\"new-report\""), "{page}");
    let (_, form) = web.text(&format!("/projects/{id}/progress/new")).await;
    // What the profile asks, with the article, and the quarter to report already chosen (this
    // one: the project was approved in it).
    let today = govit_storage::china_today(app.now());
    let last = govit_core::progress::Quarter::of(today).code();
    assert!(form.contains("（yeji:15）") && form.contains(&format!("value=\"{last}\"")), "{form}");
    let mut fields = vec![
        ("period", last.as_str()),
        ("content", "页面进度报告平台"),
        ("progress", ""),
        ("expected_on", "2027-06-30"),
        ("invested", "80"),
        ("head", "王主任"),
        ("contact", "李工"),
        ("phone", "0564-6000000"),
    ];
    let r = web.post(&format!("/projects/{id}/progress"), &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("请填写建设进度") && body.contains("0564-6000000"), "{body}");
    fields[2] = ("progress", "完成部署");
    let r = web.post(&format!("/projects/{id}/progress"), &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let landed = location(&r);
    let (_, page) = web.text(&landed).await;
    assert!(
        page.contains("已保存。请核对后报送。") && page.contains(">填写进度情况表并报送<"),
        "{page}"
    );
    let to = landed.split('?').next().expect("path").to_string();
    let v = input_value(&page, "version").expect("version");
    let r = web.post(&format!("{to}/act"), &[("version", &v), ("verb", "pass")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = web.text(&location(&r)).await;
    assert!(page.contains("已报送，等待") && page.contains("备案"), "{page}");
    let reviewer = app.login("reviewer").await;
    let (_, list) = reviewer.text("/progress").await;
    assert!(list.contains("页面进度报告平台") && list.contains("id=\"reports-waiting\""), "{list}");
}

#[tokio::test]
async fn lhasa_18_reads_a_serious_delay_from_the_contract_period_and_the_latest_report() {
    let app = spawn_app().await;
    let (cast, id, builder, _) = approved(&app, "lhasa").await;
    let (login, clerk) = cast.owner_clerk(id).await;
    let today = govit_storage::china_today(app.now());
    let contract = |ends: chrono::NaiveDate| {
        json!({
            "kind": "construction", "firm_id": builder, "title": "平台建设合同",
            "method": "open_tender", "amount": "100", "signed_on": today.to_string(),
            "starts_on": today.to_string(), "ends_on": ends.to_string(), "om_months": 36,
        })
    };
    // A 200-day contract.
    let ends = today + chrono::Days::new(200);
    let (s, c) = clerk.post(&format!("/api/v1/projects/{id}/contracts"), contract(ends)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let delay = || super::contracts::fact(&app, &login, id, "delay_ratio_bp");
    assert_eq!(delay().await, Value::Null, "no report yet");
    // The report expects it 100 days late: half the period, not more.
    let mut body = report(&app, "10");
    body["expected_on"] = json!((ends + chrono::Days::new(100)).to_string());
    let (s, r) = clerk.post(&format!("/api/v1/projects/{id}/progress"), body).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(delay().await, json!(5000));
    let web = app.login(&login).await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(!page.contains("属工程严重逾期"), "{page}");
    // The contract corrected to 199 days: 101 days late is more than half — a serious delay
    // (lhasa:18), shown on the project with its article; nobody types it.
    let mut body = contract(ends - chrono::Days::new(1));
    body["version"] = c["version"].clone();
    let (s, c) = clerk.put(&format!("/api/v1/contracts/{}", c["id"]), body).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(delay().await, json!(5076));
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("属工程严重逾期") && page.contains("lhasa:18"), "{page}");
    let (s, e) = cast
        .api("reviewer")
        .post(
            &format!("/api/v1/projects/{id}/facts"),
            json!({"fact": "delay_ratio_bp", "value": "0", "basis": "已赶工"}),
        )
        .await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("fact")), "{e}");
}

/// Sends a report of project `id` at `at` (Beijing): created and passed by its clerk, it then
/// waits on the authority.
async fn sent_at(app: &TestApp, id: i64, at: &str) -> Value {
    app.set_now(super::beijing(at));
    let clerk = app.api("clerk").await;
    let (s, r) = clerk.post(&format!("/api/v1/projects/{id}/progress"), report(app, "10")).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, r) = clerk
        .post(&format!("/api/v1/progress/{}/pass", r["id"]), json!({"version": r["version"]}))
        .await;
    assert_eq!((s, r["status"].clone()), (StatusCode::OK, json!("filing")), "{r}");
    r
}

#[tokio::test]
async fn what_waits_on_the_authority_is_listed_longest_waiting_first_with_the_working_days_waited()
{
    let app = spawn_app().await;
    app.set_now(super::beijing("2026-06-15 09:00"));
    let first = approved_yeji(&app, "先报送的进度平台").await;
    let second = approved_yeji(&app, "后报送的进度平台").await;
    // Sent on Tuesday and on Thursday; read the next Monday, after 端午节 (June 19).
    let a = sent_at(&app, first, "2026-06-16 10:00").await;
    let b = sent_at(&app, second, "2026-06-18 15:00").await;
    app.set_now(super::beijing("2026-06-22 09:00"));
    let reviewer = app.login("reviewer").await;
    let rows = |page: &str| -> Vec<String> {
        let table = page.split("id=\"reports-waiting\"").nth(1).unwrap_or("");
        let table = table.split("</table>").next().unwrap_or("");
        table
            .split("<tr>")
            .skip(2)
            .map(|r| r.split("<td").map(|c| c.trim()).collect::<Vec<_>>().join("|"))
            .collect()
    };
    let (_, page) = reviewer.text("/progress").await;
    let listed = rows(&page);
    assert_eq!(listed.len(), 2, "{page}");
    assert!(listed[0].contains("先报送的进度平台"), "{listed:?}");
    // 收到日期 and 已等待: June 17, 18 and 22 are working days, 19 a holiday.
    assert!(
        listed[0].contains(">2026-06-16</td>|") && listed[0].contains("num\">3</td>"),
        "{listed:?}"
    );
    assert!(
        listed[1].contains(">2026-06-18</td>|") && listed[1].contains("num\">1</td>"),
        "{listed:?}"
    );
    assert!(page.contains("href=\"?sort=-waiting#waiting\""), "{page}");
    let (_, newest) = reviewer.text("/progress?sort=-waiting").await;
    let listed = rows(&newest);
    assert!(listed[0].contains("后报送的进度平台"), "{listed:?}");
    assert!(newest.contains("href=\"?sort=waiting#waiting\""), "{newest}");
    // Searching the whole list keeps the order chosen.
    assert!(
        newest.contains("<input type=\"hidden\" name=\"sort\" value=\"-waiting\">"),
        "{newest}"
    );
    assert!(!page.contains("name=\"sort\""), "{page}");
    // An order the list does not know reads as its own.
    let (s, odd) = reviewer.text("/progress?sort=due").await;
    assert_eq!(s, StatusCode::OK);
    assert!(rows(&odd)[0].contains("先报送的进度平台"), "{odd}");
    // Returned and sent again, the first waits from its new sending, not from its creation.
    let api = app.api("reviewer").await;
    let (s, r) = api
        .post(
            &format!("/api/v1/progress/{}/return", a["id"]),
            json!({"version": a["version"], "reason": "投资额有误", "to": a["steps"][0]["key"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    app.set_now(super::beijing("2026-06-22 11:00"));
    let clerk = app.api("clerk").await;
    let (s, r) = clerk
        .post(&format!("/api/v1/progress/{}/pass", a["id"]), json!({"version": r["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    // (Signed in again: half an hour idle ends a session.)
    let reviewer = app.login("reviewer").await;
    let (_, page) = reviewer.text("/progress").await;
    let listed = rows(&page);
    assert!(listed[0].contains("后报送的进度平台"), "{listed:?}");
    assert!(
        listed[1].contains(">2026-06-22</td>|") && listed[1].contains("num\">0</td>"),
        "{listed:?}"
    );
    // The API lists them in the same order.
    let (_, waiting) = api.get("/api/v1/progress").await;
    let ids: Vec<Value> =
        waiting["items"].as_array().expect("items").iter().map(|x| x["id"].clone()).collect();
    assert_eq!(ids, [b["id"].clone(), a["id"].clone()], "{waiting}");
    // Each with since when: the second's sending, the first's sending again.
    let since: Vec<Value> = waiting["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|x| x["waiting_since_ms"].clone())
        .collect();
    let sent = |at: &str| json!(super::beijing(at));
    assert_eq!(since, [sent("2026-06-18 15:00"), sent("2026-06-22 11:00")], "{waiting}");
}
