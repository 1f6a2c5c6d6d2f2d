//! The cloud-service catalog in versions (gaoping:12), the services projects name from it, the
//! common-capability flag (lhasa:8) and the negative list (gaoping:11).

use crate::harness::*;
use govit_core::org::{Role, ScopeKind};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A reviewer outside the authority: the finance bureau's.
async fn finance_reviewer(app: &TestApp) -> Api {
    let j = app.store.jurisdiction_by_code("yeji").await.expect("db").expect("yeji");
    let czj = app.store.department_by_code(j.id, "czj").await.expect("db");
    add_user(app, j.id, "czjreviewer", czj, &[Role::Reviewer], ScopeKind::All).await;
    app.api("czjreviewer").await
}

fn service(code: &str, name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("code", code.to_string()),
        ("name", name.to_string()),
        ("category", "other".to_string()),
        ("description", "政务短信统一发送".to_string()),
        ("provider", "区大数据中心".to_string()),
        ("unit", "条".to_string()),
        ("is_common", "0".to_string()),
        ("keywords", "".to_string()),
    ]
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array().expect("array").iter().filter_map(|x| x["id"].as_i64()).collect()
}

fn code_id(catalog: &Value, code: &str) -> i64 {
    catalog["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["code"] == code)
        .and_then(|s| s["id"].as_i64())
        .unwrap_or_else(|| panic!("no {code} in {catalog}"))
}

#[tokio::test]
async fn catalog_is_drafted_returned_resubmitted_and_published_in_versions() {
    let app = spawn_app().await;
    let dc = app.api("datacenter").await;
    // The demo publishes version 1 with the common capabilities of lhasa:8.
    let (s, v1) = dc.get("/api/v1/cloud/catalog").await;
    assert_eq!(s, StatusCode::OK, "{v1}");
    assert_eq!(v1["catalog"]["version_no"], 1);
    assert_eq!(v1["catalog"]["status"], "published");
    let first = v1["services"].as_array().expect("services");
    assert_eq!(first.len(), 8);
    assert!(first.iter().all(|s| s["is_common"] == true));
    let v1_id = v1["catalog"]["id"].as_i64().expect("id");
    // Its history names the command line that seeded it in Chinese, not as a login.
    let (_, page) = app.login("datacenter").await.text("/cloud").await;
    assert!(page.contains("命令行（demo）") && !page.contains("cli:demo"), "{page}");

    // Only the data center drafts; yeji's profile has no article on the catalog, so none
    // is cited (a gaoping user's refusal cites gaoping:12: hardening.rs).
    let clerk = app.api("clerk").await;
    let (s, e) = clerk.post("/api/v1/cloud/versions", json!({})).await;
    assert_eq!((s, e["code"].clone()), (StatusCode::FORBIDDEN, json!("forbidden")));
    let m = e["message"].as_str().unwrap_or("");
    assert!(m.contains("只有大数据中心经办人") && !m.contains("gaoping"), "{e}");
    let reviewer = app.api("reviewer").await;
    assert_eq!(reviewer.post("/api/v1/cloud/versions", json!({})).await.0, StatusCode::FORBIDDEN);
    // Each refusal is in the audit log.
    let refused = app
        .audit(govit_storage::audit::AuditFilter {
            action: "cloud_catalog.draft".into(),
            result: "refused".into(),
            ..Default::default()
        })
        .await;
    let who: Vec<&str> = refused.iter().map(|r| r.event.actor_login.as_str()).collect();
    assert_eq!(who, ["reviewer", "clerk"], "{refused:?}");

    // A new draft starts as a copy of the published version; one open draft at a time.
    let (s, v2) = dc.post("/api/v1/cloud/versions", json!({"note": "增加政务短信服务"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v2}");
    assert_eq!(v2["catalog"]["version_no"], 2);
    assert_eq!(v2["catalog"]["status"], "draft");
    assert_eq!(v2["services"].as_array().expect("copied").len(), 8);
    let v2_id = v2["catalog"]["id"].as_i64().expect("id");
    let (s, e) = dc.post("/api/v1/cloud/versions", json!({})).await;
    assert_eq!((s, e["code"].clone()), (StatusCode::CONFLICT, json!("invalid_state")));
    // Drafts stay with the data center.
    assert_eq!(
        clerk.get(&format!("/api/v1/cloud/versions/{v2_id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(ids(&clerk.get("/api/v1/cloud/versions").await.1), vec![v1_id]);

    // Items are edited on the web with the GOV.UK error summary; bad input saves nothing.
    let web = app.login("datacenter").await;
    let (_, page) = web.text(&format!("/cloud/versions/{v2_id}")).await;
    let version = input_value(&page, "version").expect("version");
    let mut bad = service("", "政务短信平台");
    bad.push(("version", version.clone()));
    let r = web.post(&format!("/cloud/versions/{v2_id}/services/new"), &as_pairs(&bad)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("href=\"#code\"") && body.contains("错误："), "{body}");
    let mut good = service("GC-09", "政务短信平台");
    good.push(("version", version.clone()));
    let r = web.post(&format!("/cloud/versions/{v2_id}/services/new"), &as_pairs(&good)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A common capability needs keywords (lhasa:8).
    let (_, now) = dc.get(&format!("/api/v1/cloud/versions/{v2_id}")).await;
    let (s, e) = dc
        .post(
            &format!("/api/v1/cloud/versions/{v2_id}/services"),
            json!({"version": now["catalog"]["version"], "code": "GC-10", "name": "政务地图",
                   "category": "其他", "is_common": true}),
        )
        .await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("keywords")));
    let m = e["message"].as_str().unwrap_or("");
    assert!(m.contains("查重关键词") && !m.contains("lhasa"), "{e}");
    // A stale version is refused; the current one goes through.
    let ai = code_id(&now, "GC-06");
    let stale = json!({"version": v2["catalog"]["version"], "code": "GC-06", "name": "AI大模型服务（政务版）",
                       "category": "ai_model", "is_common": true, "keywords": "大模型,智能问答"});
    let (s, e) = dc.put(&format!("/api/v1/cloud/services/{ai}"), stale.clone()).await;
    assert_eq!((s, e["code"].clone()), (StatusCode::CONFLICT, json!("stale_version")));
    let mut fresh = stale;
    fresh["version"] = now["catalog"]["version"].clone();
    let (s, after) = dc.put(&format!("/api/v1/cloud/services/{ai}"), fresh).await;
    assert_eq!(s, StatusCode::OK, "{after}");
    let chain = code_id(&after, "GC-05");
    let (s, after) = dc
        .call(
            Method::DELETE,
            &format!("/api/v1/cloud/services/{chain}?version={}", after["catalog"]["version"]),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{after}");
    assert_eq!(after["services"].as_array().expect("s").len(), 8);

    // Submitted on the web; then the authority returns it, a reason required.
    let (_, page) = web.text(&format!("/cloud/versions/{v2_id}")).await;
    let version = input_value(&page, "version").expect("version");
    let r = web.post(&format!("/cloud/versions/{v2_id}/submit"), &[("version", &version)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The submitted version waits in the authority's 待办, not in anyone else's.
    let (_, todo) = reviewer.get("/api/v1/me/todo").await;
    assert_eq!(todo["catalog_to_publish"], 1, "{todo}");
    assert_eq!(dc.get("/api/v1/me/todo").await.1["catalog_to_publish"], 0);
    assert_eq!(clerk.get("/api/v1/me/todo").await.1["catalog_to_publish"], 0);
    let reviewer_web = app.login("reviewer").await;
    let (_, home) = reviewer_web.text("/").await;
    assert!(home.contains("待审批的政务云服务目录"), "{home}");
    let (_, page) = reviewer_web.text(&format!("/cloud/versions/{v2_id}")).await;
    let version = input_value(&page, "version").expect("version");
    let r = reviewer_web
        .post(
            &format!("/cloud/versions/{v2_id}/decide"),
            &[("version", &version), ("decision", "return"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("href=\"#reason\""));
    // Neither a reviewer outside the authority nor the data center may decide.
    let finance = finance_reviewer(&app).await;
    let decide =
        |d: &str, reason: &str, v: &Value| json!({"version": v, "decision": d, "reason": reason});
    let v: i64 = version.parse().expect("int");
    let (s, _) = finance
        .post(&format!("/api/v1/cloud/versions/{v2_id}/decision"), decide("approve", "", &json!(v)))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = dc
        .post(&format!("/api/v1/cloud/versions/{v2_id}/decision"), decide("approve", "", &json!(v)))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let refused = app
        .audit(govit_storage::audit::AuditFilter {
            action: "cloud_catalog.decide".into(),
            result: "refused".into(),
            ..Default::default()
        })
        .await;
    assert_eq!(refused.len(), 2, "{refused:?}");
    let (s, returned) = reviewer
        .post(
            &format!("/api/v1/cloud/versions/{v2_id}/decision"),
            decide("return", "短信服务须注明计费标准", &json!(v)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{returned}");
    assert_eq!(returned["status"], "returned");
    let (_, todo) = dc.get("/api/v1/me/todo").await;
    assert_eq!(
        (todo["catalog_returned"].clone(), todo["catalog_to_publish"].clone()),
        (json!(1), json!(0)),
        "{todo}"
    );
    assert_eq!(reviewer.get("/api/v1/me/todo").await.1["catalog_to_publish"], 0);
    let (_, home) = web.text("/").await;
    assert!(home.contains("被退回的政务云服务目录"), "{home}");
    let (_, page) = web.text(&format!("/cloud/versions/{v2_id}")).await;
    assert!(page.contains("短信服务须注明计费标准") && page.contains("退回修改"), "{page}");

    // Fixed and resubmitted; the authority publishes; version 1 is superseded but kept.
    let (_, now) = dc.get(&format!("/api/v1/cloud/versions/{v2_id}")).await;
    let sms = code_id(&now, "GC-09");
    let mut body = json!({"version": now["catalog"]["version"], "code": "GC-09", "name": "政务短信平台",
                          "category": "other", "unit": "条（0.04元/条）"});
    let (s, now) = dc.put(&format!("/api/v1/cloud/services/{sms}"), body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{now}");
    let (s, sub) = dc
        .post(
            &format!("/api/v1/cloud/versions/{v2_id}/submit"),
            json!({"version": now["catalog"]["version"]}),
        )
        .await;
    assert_eq!((s, sub["status"].clone()), (StatusCode::OK, json!("submitted")));
    // Nothing changes a submitted version.
    body["version"] = sub["version"].clone();
    assert_eq!(
        dc.put(&format!("/api/v1/cloud/services/{sms}"), body).await.0,
        StatusCode::CONFLICT
    );
    let (s, published) = reviewer
        .post(
            &format!("/api/v1/cloud/versions/{v2_id}/decision"),
            decide("approve", "同意", &sub["version"]),
        )
        .await;
    assert_eq!((s, published["status"].clone()), (StatusCode::OK, json!("published")));
    let (_, current) = clerk.get("/api/v1/cloud/catalog").await;
    assert_eq!(current["catalog"]["version_no"], 2);
    let names: Vec<&str> = current["services"]
        .as_array()
        .expect("s")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(names.contains(&"政务短信平台") && !names.contains(&"区块链服务平台"), "{names:?}");
    let (_, versions) = clerk.get("/api/v1/cloud/versions").await;
    let statuses: Vec<(i64, &str)> = versions
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| (v["version_no"].as_i64().unwrap_or(0), v["status"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(statuses, [(2, "published"), (1, "superseded")]);
    let (s, old) = clerk.get(&format!("/api/v1/cloud/versions/{v1_id}")).await;
    assert_eq!((s, old["services"].as_array().map(|a| a.len())), (StatusCode::OK, Some(8)));
    let clerk_web = app.login("clerk").await;
    let (_, page) = clerk_web.text("/cloud").await;
    assert!(
        page.contains("第 2 版")
            && page.contains("已被新版本替代")
            && page.contains("政务短信平台"),
        "{page}"
    );
    // Audited, including the step aside of version 1.
    let log = app
        .audit(govit_storage::audit::AuditFilter {
            action: "cloud_catalog.supersede".into(),
            ..Default::default()
        })
        .await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].event.object_id, v1_id.to_string());
    let log = app
        .audit(govit_storage::audit::AuditFilter {
            action: "cloud_catalog.return".into(),
            ..Default::default()
        })
        .await;
    assert_eq!(log[0].event.detail, "短信服务须注明计费标准");

    // The filtered list exports as shown.
    let r = clerk_web.get("/cloud/export.xlsx?category=other").await;
    let rows = xlsx_rows(&r.bytes().await.expect("xlsx"), "政务云系统服务目录");
    assert_eq!(rows.len(), 2, "header and the one 其他 service: {rows:?}");
    assert_eq!(rows[1][3], "政务短信平台");
    assert_eq!(rows[1][7], "条（0.04元/条）");
    let r = clerk_web.get(&format!("/cloud/export.xlsx?version={v1_id}&common=1")).await;
    let rows = xlsx_rows(&r.bytes().await.expect("xlsx"), "政务云系统服务目录");
    assert_eq!(rows.len(), 9, "{rows:?}");
    assert!(rows[1][1].contains("第 1 版"), "{rows:?}");
}

fn system_json(name: &str) -> Value {
    json!({
        "name": name,
        "function_summary": "涉密公文的收发、流转和归档",
        "use_frequency": "daily",
        "deployment": "own_room",
        "network": "private",
        "status": "running",
    })
}

#[tokio::test]
async fn negative_list_is_requested_by_the_owner_and_decided_by_the_authority() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let (s, sys) = clerk.post("/api/v1/systems", system_json("涉密公文处理系统")).await;
    assert_eq!(s, StatusCode::CREATED, "{sys}");
    let sid = sys["id"].as_i64().expect("id");
    let request = json!({"system_id": sid, "exempt_cloud": true, "exempt_platform": false,
                         "reasons": "处理涉密公文，须在涉密网络中独立运行", "basis": "《中华人民共和国保守国家秘密法》第二十三条"});

    // Only the owner unit's clerk asks (gaoping:11).
    let other = app.api("clerk2").await;
    assert_eq!(other.post("/api/v1/negative-list", request.clone()).await.0, StatusCode::NOT_FOUND);
    let reviewer = app.api("reviewer").await;
    let (s, e) = reviewer.post("/api/v1/negative-list", request.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let m = e["message"].as_str().unwrap_or("");
    assert!(m.contains("所属单位的经办人") && !m.contains("gaoping"), "{e}");
    // Reasons and basis are both required; nothing is half-saved.
    for field in ["reasons", "basis"] {
        let mut bad = request.clone();
        bad[field] = json!("  ");
        let (s, e) = clerk.post("/api/v1/negative-list", bad).await;
        assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!(field)));
        assert!(
            e["message"].as_str().unwrap_or("").ends_with("负面清单须写明理由和依据：请填写理由")
                || e["message"]
                    .as_str()
                    .unwrap_or("")
                    .ends_with("负面清单须写明理由和依据：请填写依据")
        );
    }
    let mut none = request.clone();
    none["exempt_cloud"] = json!(false);
    let (s, e) = clerk.post("/api/v1/negative-list", none).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("exemptions")));
    assert_eq!(reviewer.get("/api/v1/negative-list").await.1["total"], 0);

    let (s, entry) = clerk.post("/api/v1/negative-list", request.clone()).await;
    assert_eq!((s, entry["status"].clone()), (StatusCode::CREATED, json!("pending")));
    let id = entry["id"].as_i64().expect("id");
    assert_eq!(clerk.post("/api/v1/negative-list", request.clone()).await.0, StatusCode::CONFLICT);
    // The pending request waits in the authority's 待办, which links to the pending filter.
    assert_eq!(reviewer.get("/api/v1/me/todo").await.1["negative_to_decide"], 1);
    assert_eq!(clerk.get("/api/v1/me/todo").await.1["negative_to_decide"], 0);
    let (_, home) = app.login("reviewer").await.text("/").await;
    assert!(
        home.contains("href=\"/negative-list?status=pending\"")
            && home.contains("待审批的负面清单申请"),
        "{home}"
    );
    // The clerk and a reviewer outside the authority cannot decide; approval needs 批准文号.
    let decision = |d: &str, doc: &str, reason: &str, v: &Value| json!({"version": v, "decision": d, "approval_document": doc, "reason": reason});
    let path = format!("/api/v1/negative-list/{id}/decision");
    assert_eq!(
        clerk.post(&path, decision("approve", "叶政函〔2025〕12号", "", &entry["version"])).await.0,
        StatusCode::FORBIDDEN
    );
    let finance = finance_reviewer(&app).await;
    assert_eq!(
        finance
            .post(&path, decision("approve", "叶政函〔2025〕12号", "", &entry["version"]))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (s, e) = reviewer.post(&path, decision("approve", "", "", &entry["version"])).await;
    assert_eq!(
        (s, e["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("approval_document"))
    );
    assert_eq!(
        reviewer.post(&path, decision("approve", "叶政函〔2025〕12号", "", &json!(99))).await.0,
        StatusCode::CONFLICT
    );
    let (s, approved) = reviewer
        .post(&path, decision("approve", "叶政函〔2025〕12号", "同意", &entry["version"]))
        .await;
    assert_eq!((s, approved["status"].clone()), (StatusCode::OK, json!("approved")));
    assert_eq!(approved["approval_document"], "叶政函〔2025〕12号");
    assert_eq!(reviewer.get("/api/v1/me/todo").await.1["negative_to_decide"], 0);

    // Shown on the system's page.
    let web = app.login("clerk").await;
    let (_, page) = web.text(&format!("/systems/{sid}")).await;
    assert!(
        page.contains("负面清单") && page.contains("已批准") && page.contains("叶政函〔2025〕12号"),
        "{page}"
    );
    assert!(!page.contains("申请列入负面清单"), "no second request while one is in force");

    // A second system: requested on the web, rejected with a reason.
    let (_, sys2) = clerk.post("/api/v1/systems", system_json("内部视频会议系统")).await;
    let sid2 = sys2["id"].as_i64().expect("id");
    let (_, page) = web.text(&format!("/systems/{sid2}")).await;
    assert!(page.contains("未列入负面清单") && page.contains("申请列入负面清单"), "{page}");
    let (s, form) = web.text(&format!("/negative-list/new?system={sid2}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(form.contains("不迁移上云"));
    let sid2s = sid2.to_string();
    let r = web
        .post(
            "/negative-list/new",
            &[("system_id", &sid2s), ("exempt_platform", "1"), ("reasons", ""), ("basis", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("href=\"#reasons\"") && body.contains("href=\"#basis\""), "{body}");
    let r = web
        .post(
            "/negative-list/new",
            &[
                ("system_id", &sid2s),
                ("exempt_platform", "1"),
                ("reasons", "仅供内部会议使用，不面向公众办事"),
                ("basis", "区政府办公室会议纪要〔2024〕3号"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = location(&r);
    let id2: i64 = loc
        .trim_start_matches("/negative-list/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let rweb = app.login("reviewer").await;
    let (_, page) = rweb.text(&format!("/negative-list/{id2}")).await;
    let v = input_value(&page, "version").expect("version");
    let r = rweb
        .post(
            &format!("/negative-list/{id2}/decide"),
            &[("version", &v), ("decision", "reject"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = rweb
        .post(
            &format!("/negative-list/{id2}/decide"),
            &[
                ("version", &v),
                ("decision", "reject"),
                ("reason", "视频会议应使用全区统一视频会议系统"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, got) = clerk.get(&format!("/api/v1/negative-list/{id2}")).await;
    assert_eq!(got["status"], "rejected");
    assert_eq!(got["decision_note"], "视频会议应使用全区统一视频会议系统");

    // Lists and exports with filters; other units see none of it.
    let (_, list) = reviewer.get("/api/v1/negative-list?status=approved").await;
    assert_eq!(list["total"], 1);
    assert_eq!(other.get("/api/v1/negative-list").await.1["total"], 0);
    let (_, page) = rweb.text("/negative-list").await;
    assert!(page.contains("涉密公文处理系统") && page.contains("内部视频会议系统"));
    let r = rweb.get("/negative-list/export.xlsx?status=approved").await;
    let rows = xlsx_rows(&r.bytes().await.expect("xlsx"), "负面清单");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][2], "涉密公文处理系统");
    assert_eq!(rows[1][3], "不迁移上云");
    assert_eq!(rows[1][7], "叶政函〔2025〕12号");

    // Revoking an exemption needs a reason and lets the owner ask again.
    let (s, revoked) = reviewer
        .post(&path, decision("revoke", "", "涉密系统已改由市级统一建设", &approved["version"]))
        .await;
    assert_eq!((s, revoked["status"].clone()), (StatusCode::OK, json!("revoked")));
    assert_eq!(clerk.post("/api/v1/negative-list", request).await.0, StatusCode::CREATED);
    let log = app
        .audit(govit_storage::audit::AuditFilter {
            action: "negative_list.approve".into(),
            ..Default::default()
        })
        .await;
    assert_eq!(log.len(), 1);
}

#[tokio::test]
async fn projects_name_published_cloud_services_while_editable() {
    let app = spawn_app().await;
    let web = app.login("clerk").await;
    let id = web.create_draft("区教育资源公共服务平台").await;
    let clerk = app.api("clerk").await;
    let (_, catalog) = clerk.get("/api/v1/cloud/catalog").await;
    let cloud = code_id(&catalog, "GC-01");
    let identity = code_id(&catalog, "GC-07");

    let cloud_s = cloud.to_string();
    let r = web
        .post(
            &format!("/projects/{id}/cloud-services"),
            &[("service_id", &cloud_s), ("note", "部署平台应用和数据库")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let path = format!("/api/v1/projects/{id}/cloud-services");
    let (s, list) = clerk.post(&path, json!({"service_id": identity})).await;
    assert_eq!(s, StatusCode::CREATED, "{list}");
    assert_eq!(list.as_array().map(|a| a.len()), Some(2));
    let (s, e) = clerk.post(&path, json!({"service_id": identity})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("service_id")));
    // On the page the same refusal shows at the form, with the note typed kept.
    let identity_s = identity.to_string();
    let r = web
        .post(
            &format!("/projects/{id}/cloud-services"),
            &[("service_id", &identity_s), ("note", "统一登录")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("body");
    assert!(
        page.contains("使用的政务云服务")
            && page.contains("href=\"#service_id\"")
            && page.contains("value=\"统一登录\""),
        "{page}"
    );
    // Only services of the published catalog.
    let dc = app.api("datacenter").await;
    let (_, draft) = dc.post("/api/v1/cloud/versions", json!({})).await;
    let draft_service = code_id(&draft, "GC-03");
    let (s, e) = clerk.post(&path, json!({"service_id": draft_service})).await;
    assert_eq!((s, e["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("service_id")));
    let m = e["message"].as_str().unwrap_or("");
    assert!(m.contains("已发布的《政务云系统服务目录》") && !m.contains("gaoping"), "{e}");
    // Other units cannot see the draft; the reviewer is not its clerk.
    let other = app.api("clerk2").await;
    assert_eq!(other.post(&path, json!({"service_id": cloud})).await.0, StatusCode::NOT_FOUND);
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(
        page.contains("使用的政务云服务")
            && page.contains("政务云计算存储")
            && page.contains("部署平台应用和数据库"),
        "{page}"
    );
    let r = web.post(&format!("/projects/{id}/cloud-services/{identity}/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, list) = clerk.get(&path).await;
    assert_eq!(list.as_array().map(|a| a.len()), Some(1));
    assert_eq!(list[0]["code"], "GC-01");
    assert_eq!(list[0]["catalog_version_no"], 1);

    // Once submitted the choice is fixed; the reviewer sees it but cannot change it.
    assert_eq!(web.submit(id).await.status(), StatusCode::SEE_OTHER);
    let (s, e) = clerk.post(&path, json!({"service_id": identity})).await;
    assert_eq!((s, e["code"].clone()), (StatusCode::CONFLICT, json!("invalid_state")));
    let reviewer = app.api("reviewer").await;
    assert_eq!(reviewer.get(&path).await.1.as_array().map(|a| a.len()), Some(1));
    assert_eq!(
        reviewer.call(Method::DELETE, &format!("{path}/{cloud}"), None).await.0,
        StatusCode::FORBIDDEN
    );
    let log = app
        .audit(govit_storage::audit::AuditFilter {
            action: "project.cloud_link".into(),
            ..Default::default()
        })
        .await;
    assert_eq!(log.len(), 2);
}

#[tokio::test]
async fn reviewers_see_proposals_that_rebuild_a_common_capability() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let declare = |name: &str, summary: &str| {
        let mut body = declaration_json(name);
        body["summary"] = json!(summary);
        body
    };
    let (_, p) = clerk
        .post(
            "/api/v1/projects",
            declare(
                "区校园视频监控汇聚平台",
                "新建覆盖全区中小学的视频监控前端和视频汇聚平台，依托政务云部署",
            ),
        )
        .await;
    let dup = p["id"].as_i64().expect("id");
    let (_, q) = clerk
        .post(
            "/api/v1/projects",
            declare("区学籍管理系统升级", "升级学籍管理功能，依托政务云部署，接入统一身份认证"),
        )
        .await;
    let fine = q["id"].as_i64().expect("id");
    for (id, v) in [(dup, &p["version"]), (fine, &q["version"])] {
        clerk.hand_in(id).await;
        clerk.post(&format!("/api/v1/projects/{id}/submit"), json!({"version": v})).await;
    }

    let reviewer = app.api("reviewer").await;
    let (s, got) = reviewer.get(&format!("/api/v1/projects/{dup}/common-overlaps")).await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["overlaps"][0]["service"], "视频共享平台");
    assert_eq!(got["overlaps"][0]["keyword"], "视频监控");
    assert_eq!(got["overlaps"].as_array().map(|a| a.len()), Some(1), "{got}");
    let message = got["message"].as_str().expect("message");
    assert!(
        message.starts_with("疑似重复建设共性能力：视频共享平台") && !message.contains("lhasa"),
        "{message}"
    );
    let (_, none) = reviewer.get(&format!("/api/v1/projects/{fine}/common-overlaps")).await;
    assert_eq!(none["overlaps"], json!([]));
    assert_eq!(none["message"], Value::Null);

    let rweb = app.login("reviewer").await;
    let (_, page) = rweb.text(&format!("/projects/{dup}")).await;
    assert!(page.contains(message), "{page}");
    let (_, page) = rweb.text(&format!("/projects/{fine}")).await;
    assert!(!page.contains("疑似重复建设共性能力"));
    // The flag is for reviewers.
    assert_eq!(
        clerk.get(&format!("/api/v1/projects/{dup}/common-overlaps")).await.0,
        StatusCode::FORBIDDEN
    );
    let web = app.login("clerk").await;
    let (_, page) = web.text(&format!("/projects/{dup}")).await;
    assert!(!page.contains("疑似重复建设共性能力"));
}

#[tokio::test]
async fn openapi_documents_the_cloud_routes() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    for (m, p) in [
        ("get", "/api/v1/cloud/catalog"),
        ("post", "/api/v1/cloud/versions/{id}/decision"),
        ("delete", "/api/v1/cloud/services/{id}"),
        ("post", "/api/v1/projects/{id}/cloud-services"),
        ("get", "/api/v1/projects/{id}/common-overlaps"),
        ("post", "/api/v1/negative-list"),
        ("post", "/api/v1/negative-list/{id}/decision"),
    ] {
        assert!(doc["paths"][p][m].is_object(), "{m} {p} missing");
    }
    for schema in ["CatalogDto", "NegativeDto", "CommonOverlapsDto", "CloudServiceInput"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema} missing");
    }
}
