//! 年度计划: the authority assembles the year's plan from the declarations that passed their
//! reviews, sends it along its profile's chain (yeji:8: the district government approves), and
//! publishes it; being in it is then a fact of each project (derived, never typed), which the
//! plan gates test.

use crate::harness::*;
use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A yeji project sent and taken through the joint review to 发改委's approval step; with
/// `approve`, approved as well.
async fn passed_reviews(app: &TestApp, name: &str, approve: bool) -> i64 {
    let id = app.api("clerk").await.send_new(declaration_json(name)).await;
    app.api("reviewer").await.confirm_yeji_approval_facts(id).await;
    app.pass_steps(id, &YEJI_JOINT_REVIEW).await;
    if approve {
        app.pass_steps(id, &["fgw"]).await;
    }
    id
}

/// `api`'s 退回 of project `id` to its unit, with `reason`.
async fn send_back(api: &Api, id: i64, reason: &str) {
    let (_, p) = api.get(&format!("/api/v1/projects/{id}")).await;
    let (s, p) = api
        .post(
            &format!("/api/v1/projects/{id}/decision"),
            json!({"decision": "return", "reason": reason, "version": p["version"]}),
        )
        .await;
    assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("returned")), "{p}");
}

/// yeji:8's gate before funds on project `pid` (`pass` once it is in a published plan).
async fn in_plan(api: &Api, pid: i64) -> String {
    let (_, g) = api.get(&format!("/api/v1/projects/{pid}/gates?action=fund")).await;
    let gate =
        g.as_array().into_iter().flatten().find(|x| x["rule_id"] == "yeji-8-plan-before-funds");
    gate.map(|x| x["outcome"].as_str().unwrap_or_default().to_string()).unwrap_or_default()
}

/// Plan `id` as .xlsx, as `web` downloads it.
async fn plan_xlsx(web: &Web, id: i64) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    let r = web.get(&format!("/plans/{id}/plan.xlsx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.expect("bytes");
    Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx")
}

async fn act(api: &Api, plan: i64, verb: &str, extra: Value) -> (StatusCode, Value) {
    let (_, now) = api.get(&format!("/api/v1/plans/{plan}")).await;
    let mut body = json!({"version": now["version"]});
    for (k, v) in extra.as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    api.post(&format!("/api/v1/plans/{plan}/{verb}"), body).await
}

#[tokio::test]
async fn the_authority_assembles_sends_and_publishes_the_plan_and_its_projects_are_in_it() {
    let app = spawn_app().await;
    let approved = passed_reviews(&app, "计划测试教育资源平台", true).await;
    let waiting = passed_reviews(&app, "计划测试视频监控系统", false).await;
    let draft = app.login("clerk").await.create_draft("计划测试未提交项目").await;
    let reviewer = app.api("reviewer").await;

    // Only the unit yeji:8 names compiles it.
    let (s, e) = app
        .api("finance")
        .await
        .post("/api/v1/plans", json!({"kind": "annual", "year": 2026}))
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("yeji:8"), "{e}");
    // Bad input names its field.
    let (s, e) = reviewer.post("/api/v1/plans", json!({"kind": "annual", "year": "明年"})).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("year")), "{e}");

    let (s, plan) = reviewer.post("/api/v1/plans", json!({"kind": "annual", "year": 2026})).await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let id = plan["id"].as_i64().expect("id");
    assert_eq!(plan["status"], "drafting");
    assert_eq!(plan["title"], "2026年度政务信息化项目建设计划");
    let ids: Vec<i64> = plan["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["project_id"].as_i64())
        .collect();
    assert!(ids.contains(&approved) && ids.contains(&waiting), "{plan}");
    assert!(!ids.contains(&draft), "a draft is not sent: {plan}");
    // The totals are the sums of its projects: 120.5 万元 each, 100 fiscal, 20.5 self-raised.
    let n = ids.len() as i64;
    assert_eq!(plan["total"]["projects"], n);
    assert_eq!(plan["total"]["investment_yuan"], 1_205_000 * n);
    assert_eq!(plan["total"]["fiscal_yuan"], 1_000_000 * n);
    assert_eq!(plan["total"]["self_raised_yuan"], 205_000 * n);
    assert_eq!(plan["total"]["year_amount_yuan"], 1_205_000 * n, "built within 2026: all of it");
    let by_dept: i64 = plan["by_department"]
        .as_array()
        .expect("depts")
        .iter()
        .map(|d| d["projects"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(by_dept, n);

    // One open plan of a kind a year.
    let (s, e) = reviewer.post("/api/v1/plans", json!({"kind": "annual", "year": 2026})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");

    // The year's amount: within the investment, at the version read.
    let line = format!("/api/v1/plans/{id}/lines/{approved}");
    let (s, e) =
        reviewer.put(&line, json!({"version": plan["version"], "year_amount": "200"})).await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("year_amount")),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap_or("").contains("不能超过项目总投资"), "{e}");
    let (s, p2) =
        reviewer.put(&line, json!({"version": plan["version"], "year_amount": "100"})).await;
    assert_eq!(s, StatusCode::OK, "{p2}");
    assert_eq!(p2["total"]["year_amount_yuan"], 1_205_000 * n - 205_000);
    let (s, e) =
        reviewer.put(&line, json!({"version": plan["version"], "year_amount": "90"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("stale_version")), "{e}");
    // A project the plan may not take is refused, naming the field; nothing is added.
    let (s, e) = reviewer
        .post(
            &format!("/api/v1/plans/{id}/lines"),
            json!({"version": p2["version"], "projects": [draft]}),
        )
        .await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("projects")),
        "{e}"
    );

    // Units that do not review see only published plans.
    let clerk = app.api("clerk").await;
    assert_eq!(clerk.get(&format!("/api/v1/plans/{id}")).await.0, StatusCode::NOT_FOUND);

    // 报批 → the district government returns it → 报批 again → approves.
    let (s, p) = act(&reviewer, id, "pass", json!({"note": "请审定"})).await;
    assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("reviewing")), "{p}");
    let (s, e) = act(&reviewer, id, "pass", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the district government holds it now: {e}");
    assert!(e["message"].as_str().unwrap_or("").contains("区政府"), "{e}");
    let gov = app.api("qzf").await;
    let first = p["steps"][0]["key"].as_str().expect("key").to_string();
    let (s, p) =
        act(&gov, id, "return", json!({"to": first, "reason": "请补充资金来源说明"})).await;
    assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("drafting")), "{p}");
    let (s, p) = act(&reviewer, id, "pass", json!({"note": "已补充"})).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (s, p) = act(&gov, id, "pass", json!({"note": "同意"})).await;
    assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("approved")), "{p}");
    // The history keeps the return with its reason.
    assert!(p["acts"].to_string().contains("请补充资金来源说明"), "{p}");

    // In a plan only once published: the fact is derived, and nobody may type it.
    let (s, e) = reviewer
        .post(
            &format!("/api/v1/projects/{approved}/facts"),
            json!({"fact": "in_annual_plan", "value": 1, "basis": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        in_plan(&reviewer, approved).await,
        "fail",
        "approved but not yet in a published plan"
    );
    let (s, e) = act(&gov, id, "publish", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the compiler publishes: {e}");
    let (s, p) = act(&reviewer, id, "publish", json!({})).await;
    assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("published")), "{p}");
    assert_eq!(in_plan(&reviewer, approved).await, "pass", "in the published plan (yeji:8)");
    assert_eq!(in_plan(&reviewer, waiting).await, "pass");
    // Everyone of the jurisdiction may now read it; a later batch takes only what it did not.
    assert_eq!(clerk.get(&format!("/api/v1/plans/{id}")).await.0, StatusCode::OK);
    let (s, e) = reviewer.post("/api/v1/plans", json!({"kind": "annual", "year": 2026})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("没有可列入"), "{e}");
    let late = passed_reviews(&app, "计划测试第二批项目", false).await;
    let (s, second) = reviewer.post("/api/v1/plans", json!({"kind": "annual", "year": 2026})).await;
    assert_eq!((s, second["seq"].as_i64()), (StatusCode::CREATED, Some(2)), "{second}");
    assert_eq!(second["lines"].as_array().map(Vec::len), Some(1), "{second}");
    assert_eq!(second["lines"][0]["project_id"], late);
    // Every decision on its route is signed, and intact; an amount changed behind govit's
    // back is named on the decisions that saw it.
    let (_, now) = reviewer.get(&format!("/api/v1/plans/{id}")).await;
    let decisions = now["decisions"].as_array().expect("decisions").clone();
    assert_eq!(decisions.len(), 4, "报批, 退回, 报批, 批准: {now}");
    assert!(decisions.iter().all(|d| d["intact"] == true && d["signature"] == "valid"), "{now}");
    govit_storage::sqlx::query(
        "UPDATE plan_lines SET year_amount_yuan = 1 WHERE plan_id = $1 AND project_id = $2",
    )
    .bind(id)
    .bind(waiting)
    .execute(app.store.pool())
    .await
    .expect("tamper");
    let (_, now) = reviewer.get(&format!("/api/v1/plans/{id}")).await;
    let out = app.cli(&["verify", "plan", &id.to_string()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("计划所列项目或金额已被改动") && text.contains("2 项决定与签名时不一致"),
        "{text}"
    );
    // The compiler's passes read as the 报批 they are, the approver's as 通过.
    assert_eq!(text.matches("编制计划 报批").count(), 2, "{text}");
    assert!(!text.contains("编制计划 通过"), "{text}");
    let changed: Vec<&Value> = now["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .filter(|d| d["intact"] == false)
        .collect();
    assert_eq!(changed.len(), 2, "the second 报批 and the approval saw these amounts: {now}");
    assert!(changed[0]["changes"].to_string().contains("计划所列项目或金额已被改动"), "{now}");
    govit_storage::sqlx::query(
        "UPDATE plan_lines SET year_amount_yuan = 1205000 WHERE plan_id = $1 AND project_id = $2",
    )
    .bind(id)
    .bind(waiting)
    .execute(app.store.pool())
    .await
    .expect("restore");
    let (_, now) = reviewer.get(&format!("/api/v1/plans/{id}")).await;
    assert!(now["decisions"].as_array().expect("d").iter().all(|d| d["intact"] == true), "{now}");
    let out = app.cli(&["verify", "plan", &id.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(app.cli(&["verify", "plan", "999999"]).status.code(), Some(2));
    // Published, it is no longer changed.
    let (s, _) = reviewer.put(&line, json!({"version": p["version"], "year_amount": "50"})).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The plan as .xlsx, read back: the 合计 row above the projects, amounts as 万元.
    let web = app.login("reviewer").await;
    let mut wb = plan_xlsx(&web, id).await;
    let sheet = wb.worksheet_range("计划").expect("sheet");
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(0, 0).to_string(), "2026年度政务信息化项目建设计划");
    assert_eq!(cell(1, 9).to_string(), "本年度安排（万元）");
    assert!(cell(2, 0).to_string().starts_with("合计"));
    assert_eq!(cell(2, 4), Data::Float(120.5 * n as f64));
    assert_eq!(cell(2, 9), Data::Float(120.5 * n as f64 - 20.5));
    let rows: Vec<String> = (3..3 + n as u32).map(|r| cell(r, 2).to_string()).collect();
    assert!(rows.contains(&"计划测试教育资源平台".to_string()), "{rows:?}");
    let summary = wb.worksheet_range("汇总").expect("summary");
    assert!(summary.rows().any(|r| r.first().is_some_and(|c| *c == Data::String("合计".into()))));

    // The pages: the list with the plan, the plan with its route and totals.
    let (s, page) = web.text("/plans").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&format!("/plans/{id}")) && page.contains("已发布"), "{page}");
    let (_, page) = web.text(&format!("/plans/{id}")).await;
    for shown in [
        "区数据资源管理局：编制计划",
        "区政府：批准",
        "（yeji:8）",
        "退回：请补充资金来源说明",
        "报批：已补充",
        "合计",
    ] {
        assert!(page.contains(shown), "{shown} not in {page}");
    }
    // The published plan is read across the district; a line's project opens only for those
    // whose scope holds it (教体局's for its clerk, not for 卫健委's): no link to a 404.
    let (_, dto) = reviewer.get(&format!("/api/v1/plans/{id}")).await;
    let line = dto["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["name"] == "计划测试教育资源平台")
        .cloned()
        .expect("line");
    let link = format!("href=\"/projects/{}\"", line["project_id"]);
    let (s, page) = app.login("clerk2").await.text(&format!("/plans/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("计划测试教育资源平台") && !page.contains(&link), "{page}");
    let (_, page) = app.login("clerk").await.text(&format!("/plans/{id}")).await;
    assert!(page.contains(&link), "{page}");
}

#[tokio::test]
async fn a_plan_is_compiled_on_its_page_and_sent_without_javascript() {
    let app = spawn_app().await;
    let one = passed_reviews(&app, "页面计划测试平台", true).await;
    let two = passed_reviews(&app, "另一个检索对照系统", true).await;
    let web = app.login("reviewer").await;
    // A year typed wrong: the form again with the field named, nothing made.
    let r = web.post("/plans", &[("kind", "annual"), ("year", "明年")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("text");
    assert!(page.contains("请填写计划年度"), "{page}");
    let r = web.post("/plans", &[("kind", "annual"), ("year", "2026"), ("title", "")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().expect("location").to_string();
    let (_, page) = web.text(&to).await;
    assert!(page.contains("页面计划测试平台") && page.contains("编制中"), "{page}");
    // It says what it took in.
    assert!(page.contains("计划已创建，自动列入 2 个项目"), "{page}");
    let to = to.split('?').next().expect("the plan's path").to_string();
    let version = |page: &str| {
        let i = page.find("name=\"version\" value=\"").expect("version")
            + "name=\"version\" value=\"".len();
        page[i..].chars().take_while(char::is_ascii_digit).collect::<String>()
    };
    // Remove the project, then take it in again from the list of those it may take.
    let v = version(&page);
    let r = web.post(&format!("{to}/lines/{one}/remove"), &[("version", &v)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = web.text(&location(&r)).await;
    assert!(page.contains("id=\"plan-flash\"") && page.contains("已更新计划项目"), "{page}");
    let (_, page) = web.text(&to).await;
    assert!(!page.contains("id=\"plan-flash\""), "{page}");
    assert!(page.contains("可列入的项目") && page.contains(&format!("value=\"{one}\"")), "{page}");
    let v = version(&page);
    let r =
        web.post(&format!("{to}/lines"), &[("version", &v), ("project", &one.to_string())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A long plan is searched and paged: the keyword keeps one line, and an edit made from
    // the narrowed list comes back to it.
    let (_, page) = web.text(&format!("{to}?q=检索对照&page=7")).await;
    assert!(page.contains("与“检索对照”相符的项目 1 个"), "{page}");
    assert!(page.contains(&format!("/projects/{two}\"")), "{page}");
    assert!(!page.contains(&format!("/projects/{one}\"")), "{page}");
    let v = version(&page);
    let r = web
        .post(
            &format!("{to}/lines/{two}/amount"),
            &[("version", &v), ("year_amount", "10"), ("q", "检索对照"), ("page", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let back = r.headers()["location"].to_str().expect("location");
    assert!(back.starts_with(&to) && back.contains("?q=") && back.ends_with("#lines"), "{back}");
    // An amount that is not a number is named beside the table.
    let (_, page) = web.text(&to).await;
    let v = version(&page);
    let r = web
        .post(&format!("{to}/lines/{one}/amount"), &[("version", &v), ("year_amount", "很多")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // 报批 from the page; the district government's navigation counts it.
    let r =
        web.post(&format!("{to}/act"), &[("version", &v), ("verb", "pass"), ("note", "")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, sent) = web.text(&location(&r)).await;
    let flash = &sent[sent.find("id=\"plan-flash\"").expect("notice")..];
    assert!(flash.starts_with("id=\"plan-flash\">已报批，等待区政府"), "{flash}");
    let gov = app.login("qzf").await;
    let (_, home) = gov.text("/plans").await;
    assert!(home.contains("待我办理") && home.contains(&to), "{home}");
    // The district government approves plans; it does not compile them: no form for it.
    assert!(!home.contains("id=\"start-plan\""), "{home}");
    let (_, page) = gov.text(&to).await;
    assert!(page.contains("id=\"pass\"") && page.contains("报批中"), "{page}");
    // Its signed decisions name the compiler's pass as the 报批 it is.
    let signed = &page[page.find("id=\"plan-decisions\"").expect("decisions")..];
    assert!(signed.contains("编制计划 报批"), "{signed}");
}

#[tokio::test]
async fn urgent_projects_join_through_linxiangs_supplementary_plan_and_lhasa_has_none() {
    let app = spawn_app().await;
    let cast = crate::workflow::Cast::of(&app, "linxiang").await;
    let clerk = cast.api("clerk");
    let sent = |name: &'static str| clerk.send_new(declaration_json(name));
    let planned = sent("临湘市年度计划内项目").await;
    // linxiang-data:11: a project enters the plan once found able to share its data.
    cast.api("reviewer").establish(planned, &[("can_share", 1)]).await;
    let apis = cast.all();
    let annual = publish_plan(&apis, 2026).await;
    assert!(annual["lines"].to_string().contains(&format!("\"project_id\":{planned}")), "{annual}");
    // linxiang:11: the annual plan was drawn up by 领导小组办公室 with 财政局 and 发改局 (会签), then 市政府.
    assert_eq!(annual["steps"][0]["party_kinds"].as_array().map(Vec::len), Some(3), "{annual}");
    let urgent = sent("临湘市急需建设项目").await;
    let ordinary = sent("临湘市一般项目").await;
    cast.api("reviewer").establish(urgent, &[("is_urgent", 1)]).await;
    let supplementary = publish_plan_of(&apis, "supplementary", 2026).await;
    let ids: Vec<i64> = supplementary["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["project_id"].as_i64())
        .collect();
    assert_eq!(ids, [urgent], "only the urgent one: {supplementary}");
    assert_eq!(supplementary["steps"][0]["cite"], "linxiang:11");
    // In a published plan, linxiang:12's gate before approval passes; outside it, not.
    let gate = |pid: i64| {
        let reviewer = cast.api("reviewer");
        async move {
            let (_, g) = reviewer.get(&format!("/api/v1/projects/{pid}/gates")).await;
            let gate = g
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| x["rule_id"] == "linxiang-12-plan-before-approval");
            gate.map(|x| x["outcome"].as_str().unwrap_or_default().to_string()).unwrap_or_default()
        }
    };
    assert_eq!(gate(urgent).await, "pass");
    assert_eq!(gate(planned).await, "pass");
    assert_eq!(gate(ordinary).await, "fail");
    // The project page says how that fact comes about, since no one establishes it there.
    let (_, page) =
        app.login(&cast.login_of_reviewer()).await.text(&format!("/projects/{ordinary}")).await;
    assert!(
        page.contains(
            "“是否列入年度计划”由已发布的年度计划、增补计划和项目的增列审批自动判定，无须认定"
        ),
        "{page}"
    );
    // The year's second batch takes a project found able to share its data, not one that is
    // not found so yet; added by hand, that one is refused under linxiang-data:11.
    let sharing = sent("临湘市第二批项目").await;
    cast.api("reviewer").establish(sharing, &[("can_share", 1)]).await;
    let mut batch = None;
    for api in &apis {
        let (s, p) = api.post("/api/v1/plans", json!({"kind": "annual", "year": 2026})).await;
        if s == StatusCode::CREATED {
            batch = Some((*api, p));
            break;
        }
    }
    let (compiler, second) = batch.expect("a second batch");
    let lines = second["lines"].to_string();
    assert!(lines.contains(&format!("\"project_id\":{sharing}")), "{second}");
    assert!(!lines.contains(&format!("\"project_id\":{ordinary}")), "{second}");
    let (s, e) = compiler
        .post(
            &format!("/api/v1/plans/{}/lines", second["id"]),
            json!({"version": second["version"], "projects": [ordinary]}),
        )
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("gate_refused")), "{e}");
    assert!(e.to_string().contains("linxiang-data:11"), "{e}");
    assert!(e.to_string().contains("是否能互联互通、共享"), "{e}");
    // Found unable to share since it was taken in, the project is flagged under the gate's
    // article, and the batch is not sent with it.
    cast.api("reviewer").establish(sharing, &[("can_share", 0)]).await;
    let (_, now) = compiler.get(&format!("/api/v1/plans/{}", second["id"])).await;
    let unfit = now["unfit"].as_array().expect("unfit");
    assert_eq!(unfit.len(), 1, "{now}");
    assert_eq!(unfit[0]["project_id"], sharing, "{now}");
    assert!(unfit[0]["reason"].as_str().unwrap_or("").contains("linxiang-data:11"), "{now}");
    let (s, e) = act(compiler, second["id"].as_i64().expect("id"), "pass", json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("linxiang-data:11"), "{e}");

    // lhasa:7's urgent projects are each approved by the city on their owner's plan: no
    // supplementary plan to compile, and the refusal says so.
    let lhasa = crate::workflow::Cast::of(&app, "lhasa").await;
    let (s, e) = lhasa
        .api("reviewer")
        .post("/api/v1/plans", json!({"kind": "supplementary", "year": 2026}))
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("增补计划"), "{e}");
}

#[tokio::test]
async fn a_multi_year_project_declares_its_yearly_budget_and_each_years_plan_arranges_it() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let mut body = declaration_json("跨年度计划测试平台");
    body["period_start"] = json!("2026-07");
    body["period_end"] = json!("2027-06");
    // Years that do not add up to the investment are refused, naming the field; nothing saved.
    body["yearly_budget"] = json!("2026 80\n2027 50");
    let (s, e) = clerk.post("/api/v1/projects", body.clone()).await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("yearly_budget")),
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap_or("")
            .contains("分年度投资合计 130 万元与项目投资 120.5 万元不一致"),
        "{e}"
    );
    body["yearly_budget"] = json!("2026年：80万元\n2027 40.5");
    let (s, p) = clerk.post("/api/v1/projects", body).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["yearly_budget"][1]["amount_yuan"], 405_000, "{p}");
    let id = p["id"].as_i64().expect("id");
    clerk.hand_in(id).await;
    let (s, p) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    // The page shows it; each year's plan arranges that year's declared amount.
    let (_, page) = app.login("clerk").await.text(&format!("/projects/{id}")).await;
    assert!(page.contains("2026 年 80 万元；2027 年 40.5 万元"), "{page}");
    let reviewer = app.api("reviewer").await;
    for (year, yuan) in [(2026, 800_000), (2027, 405_000)] {
        let (s, plan) =
            reviewer.post("/api/v1/plans", json!({"kind": "annual", "year": year})).await;
        assert_eq!(s, StatusCode::CREATED, "{plan}");
        let line = plan["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .find(|l| l["project_id"] == id)
            .cloned();
        assert_eq!(line.map(|l| l["year_amount_yuan"].clone()), Some(json!(yuan)), "{plan}");
    }
}

/// The yeji demo's project under construction was declared inside yeji:6's window for the
/// year it is built in: its plan year is that year, it is a line of that year's published
/// plan, and its declaration deadline was met on time (no 逾期完成 beside 是否逾期申报：否).
#[tokio::test]
async fn the_demo_project_under_construction_is_in_its_own_plan_years_plan() {
    let app = spawn_app().await;
    govit_storage::seed::demo::sample_projects(&app.store, app.now()).await.expect("samples");
    let api = app.api("reviewer").await;
    let (_, list) = api.get("/api/v1/projects?page_size=100").await;
    let p = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["name"].as_str().is_some_and(|n| n.contains("校园安全视频监控")))
        .cloned()
        .expect("the project under construction");
    let id = p["id"].as_i64().expect("id");
    let built: i64 = p["period_start"].as_str().expect("start")[..4].parse().expect("year");
    let (_, path) = api.get(&format!("/api/v1/projects/{id}/path")).await;
    assert_eq!(path["window"]["plan_year"], built, "{path}");
    assert_eq!(path["window"]["late"], false, "{path}");
    let (_, plans) = api.get("/api/v1/plans").await;
    let plan = plans["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|x| x["status"] == "published")
        .cloned()
        .expect("a published plan");
    assert_eq!(plan["year"], built, "{plan}");
    let (_, plan) = api.get(&format!("/api/v1/plans/{}", plan["id"])).await;
    assert!(plan["lines"].as_array().expect("lines").iter().any(|l| l["project_id"] == id));
    let (_, owed) = api.get(&format!("/api/v1/projects/{id}/obligations")).await;
    let declared = owed
        .as_array()
        .expect("obligations")
        .iter()
        .find(|o| o["rule_id"] == "yeji-6-declare")
        .cloned()
        .expect("yeji:6's deadline");
    assert_eq!((&declared["status"], &declared["late"]), (&json!("fulfilled"), &json!(false)));
}

/// A project sent back to its unit after the plan took it in is flagged on the plan's page and
/// in its API, and the plan is not sent on (报批) with it, the refusal naming it; sent again by
/// its unit, it is in scope again and the plan goes on.
#[tokio::test]
async fn a_plan_is_not_sent_with_a_project_returned_since_it_was_taken_in() {
    let app = spawn_app().await;
    let kept = passed_reviews(&app, "复核计划保留项目", true).await;
    let back = passed_reviews(&app, "复核计划退回项目", false).await;
    let reviewer = app.api("reviewer").await;
    let (s, plan) = reviewer.post("/api/v1/plans", json!({"kind": "annual", "year": 2026})).await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let id = plan["id"].as_i64().expect("id");
    assert_eq!(plan["unfit"], json!([]), "{plan}");

    // 发改委 sends the project back to its unit.
    let fgw = app.api("fgw").await;
    send_back(&fgw, back, "请补充概算明细").await;
    let (_, plan) = reviewer.get(&format!("/api/v1/plans/{id}")).await;
    let unfit = plan["unfit"].as_array().expect("unfit");
    assert_eq!(unfit.len(), 1, "{plan}");
    assert_eq!(unfit[0]["project_id"], back, "{plan}");
    assert!(unfit[0]["reason"].as_str().unwrap_or("").contains("已退回申报单位修改"), "{plan}");
    let web = app.login("reviewer").await;
    let (_, page) = web.text(&format!("/plans/{id}")).await;
    let notice = &page[page.find("id=\"plan-unfit\"").expect("the notice")..];
    assert!(notice.contains("复核计划退回项目：项目已退回申报单位修改"), "{notice}");
    assert!(notice.contains("报批前请移出计划"), "{notice}");
    let row = &page[page.find(&format!("/projects/{back}\"")).expect("its line")..];
    assert!(row[..row.find("</td>").expect("cell")].contains("不再符合列入条件"), "{row}");

    // 报批 is refused, naming the project and why; the plan is as it was.
    let (s, e) = act(&reviewer, id, "pass", json!({"note": "请审定"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_state")), "{e}");
    let m = e["message"].as_str().unwrap_or("");
    assert!(m.contains(&format!("项目 {back}「复核计划退回项目」：项目已退回")), "{e}");
    let (_, now) = reviewer.get(&format!("/api/v1/plans/{id}")).await;
    assert_eq!((now["status"].as_str(), &now["version"]), (Some("drafting"), &plan["version"]));
    // From the page, the same refusal.
    let v = now["version"].to_string();
    let r = web.post(&format!("/plans/{id}/act"), &[("version", &v), ("verb", "pass")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.expect("text");
    assert!(page.contains("复核计划退回项目」：项目已退回申报单位修改"), "{page}");

    // Sent again by its unit, it is in scope again: nothing flagged, and 报批 goes through.
    let r = app.login("clerk").await.submit(back).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, plan) = reviewer.get(&format!("/api/v1/plans/{id}")).await;
    assert_eq!(plan["unfit"], json!([]), "{plan}");
    let (_, page) = web.text(&format!("/plans/{id}")).await;
    assert!(!page.contains("id=\"plan-unfit\""), "{page}");
    let (s, p) = act(&reviewer, id, "pass", json!({"note": "请审定"})).await;
    assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("reviewing")), "{p}");

    // Sent back again while the district government decides: its approval is its own call
    // (only the pass that sends the plan is held), and the approved plan still tells its
    // publisher which project no longer qualifies.
    send_back(&fgw, back, "概算仍需细化").await;
    let (s, p) = act(&app.api("qzf").await, id, "pass", json!({"note": "同意"})).await;
    assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("approved")), "{p}");
    assert_eq!(p["unfit"][0]["project_id"], back, "{p}");
    let (_, page) = web.text(&format!("/plans/{id}")).await;
    let notice = &page[page.find("id=\"plan-unfit\"").expect("the notice")..];
    let notice = &notice[..notice.find("</div>").expect("its end")];
    assert!(notice.contains("复核计划退回项目：项目已退回申报单位修改"), "{notice}");
    assert!(!notice.contains("报批前请移出计划"), "{notice}");
    assert!(notice.contains("发布时将不列入本计划"), "{notice}");

    // Published, the plan leaves it out: its line stays, marked with why; the project is not
    // in the plan (nothing records 列入年度计划 on it), the one that still qualifies is.
    let (s, p) = act(&reviewer, id, "publish", json!({})).await;
    assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("published")), "{p}");
    assert_eq!(p["lines"].as_array().map(Vec::len), Some(2), "{p}");
    let unfit = p["unfit"].as_array().expect("unfit");
    assert_eq!((unfit.len(), &unfit[0]["project_id"]), (1, &json!(back)), "{p}");
    assert!(unfit[0]["reason"].as_str().unwrap_or("").contains("已退回申报单位修改"), "{p}");
    assert_eq!(in_plan(&reviewer, kept).await, "pass", "in the published plan (yeji:8)");
    assert_eq!(in_plan(&reviewer, back).await, "fail", "left out of it");
    let (_, page) = web.text(&format!("/plans/{id}")).await;
    let notice = &page[page.find("id=\"plan-unfit\"").expect("the notice")..];
    assert!(notice.contains("未列入本计划（重新符合条件后可列入本年度的后续计划）"), "{notice}");
    assert!(notice.contains("复核计划退回项目：项目已退回申报单位修改"), "{notice}");
    let row = &page[page.find(&format!("/projects/{back}\"")).expect("its line")..];
    assert!(row[..row.find("</td>").expect("cell")].contains("未列入"), "{row}");
    // Its sums and its sheet are of what it carries; the line left out follows, marked.
    assert_eq!(p["total"]["projects"], 1, "{p}");
    let (_, plans) = reviewer.get("/api/v1/plans").await;
    let listed = plans["items"].as_array().expect("items").iter().find(|x| x["id"] == id);
    assert_eq!(listed.map(|x| &x["projects"]), Some(&json!(1)), "{plans}");
    let sheet = plan_xlsx(&web, id).await.worksheet_range("计划").expect("sheet");
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(2, 0).to_string(), "合计（1 个项目）");
    assert_eq!(cell(3, 2).to_string(), "复核计划保留项目");
    let out = cell(4, 0).to_string();
    assert!(
        out.starts_with("未列入：复核计划退回项目（发布时已不再符合列入条件：项目已退回"),
        "{out}"
    );
    let (_, page) = web.text(&format!("/projects/{back}")).await;
    let panel = &page[page.find("id=\"plans\"").expect("the plans panel")..];
    assert!(panel.contains("未列入") && panel.contains("发布时不再符合列入条件"), "{panel}");
    let (_, page) = web.text(&format!("/projects/{kept}")).await;
    let panel = &page[page.find("id=\"plans\"").expect("the plans panel")..];
    assert!(panel.contains("已列入") && !panel.contains("未列入"), "{panel}");

    // Sent again by its unit, it is free for a later plan of the year (the one it is in
    // already is not).
    let r = app.login("clerk").await.submit(back).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (s, later) = reviewer.post("/api/v1/plans", json!({"kind": "annual", "year": 2026})).await;
    assert_eq!(s, StatusCode::CREATED, "{later}");
    let ids: Vec<&Value> =
        later["lines"].as_array().expect("lines").iter().map(|l| &l["project_id"]).collect();
    assert_eq!(ids, [&json!(back)], "{later}");
}
