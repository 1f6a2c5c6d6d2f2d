//! Setting up jurisdictions: administrators add departments (one by one and as a tree from a
//! sheet), firms and experts, in the UI, the API and the CLI; a new jurisdiction comes with
//! its first administrator; a demo seeds any profile's real parties.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::json;

fn sheet(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *cell).expect("cell");
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

const HEADER: &[&str] = &["部门编码", "部门名称", "上级部门编码", "职能"];

async fn department_codes(app: &TestApp) -> Vec<String> {
    let j = app.store.jurisdiction_by_code("yeji").await.expect("db").expect("yeji").id;
    app.store.departments(j).await.expect("db").into_iter().map(|d| d.code).collect()
}

#[tokio::test]
async fn administrators_set_up_departments_firms_and_experts_in_the_ui() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (s, page) = admin.text("/org").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("新增部门") && page.contains("从 Excel 导入部门树"), "{page}");
    // The profile's own words beside each party kind.
    assert!(page.contains("主管部门：区数据资源管理局"), "{page}");

    // Refused field by field, in Chinese; nothing saved.
    let before = department_codes(&app).await;
    let r = admin
        .post(
            "/org/departments",
            &[("code", "财务 科"), ("name", ""), ("parent", "sjj"), ("party_kinds", "finance")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("部门编码只能由字母") && body.contains("请填写部门名称"), "{body}");
    assert!(body.contains("value=\"财务 科\""), "what was typed is kept: {body}");
    assert_eq!(department_codes(&app).await, before);

    // Added under its parent with two party kinds.
    let r = admin
        .post(
            "/org/departments",
            &[
                ("code", "sjj-cwk"),
                ("name", "数据局财务科"),
                ("parent", "sjj"),
                ("party_kinds", "finance"),
                ("party_kinds", "data_center"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.text(&location(&r)).await;
    assert!(page.contains("已新增部门“数据局财务科”"), "{page}");
    assert!(
        page.contains(
            "<td class=\"depth-3\">数据局财务科</td><td>sjj-cwk</td><td>财政部门、大数据中心</td>"
        ),
        "{page}"
    );
    let r = admin.post("/org/departments", &[("code", "sjj-cwk"), ("name", "重复")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("本辖区已有编码为“sjj-cwk”的部门"));

    // Firms and experts.
    let r = admin
        .post("/org/firms", &[("kind", "supervisor"), ("name", "皖西监理"), ("credit_code", "123")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("统一社会信用代码应为 18 位"));
    let r = admin
        .post(
            "/org/firms",
            &[("kind", "supervisor"), ("name", "皖西监理"), ("credit_code", "91341500MA2N0000XY")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = admin
        .post(
            "/org/experts",
            &[
                ("name", "周敏"),
                ("title", "教授"),
                ("employer", "安徽大学"),
                ("fields", "数据治理、云计算"),
                ("conflicts", "皖西数智公司"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.text("/org").await;
    assert!(
        page.contains("<td>皖西监理</td><td>监理单位</td><td>91341500MA2N0000XY</td>"),
        "{page}"
    );
    let row =
        "<td>周敏</td><td>教授</td><td>安徽大学</td><td>数据治理、云计算</td><td>皖西数智公司</td>";
    assert!(page.contains(row), "{page}");
    // The blacklist (linxiang:15's draw leaves a blacklisted expert out): a reason is asked.
    let at = page.find(row).expect("row");
    let expert = page[..at]
        .rsplit("id=\"expert-")
        .next()
        .and_then(|t| t.split('"').next())
        .expect("expert id")
        .to_string();
    let url = format!("/org/experts/{expert}/blacklist");
    let r = admin.post(&url, &[("on", "1"), ("reason", " ")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("请填写列入黑名单的理由"));
    let r = admin.post(&url, &[("on", "1"), ("reason", "评审中泄露信息")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.text(&location(&r)).await;
    assert!(page.contains("已将专家“周敏”列入黑名单"), "{page}");
    assert!(page.contains("已列入</span> 评审中泄露信息"), "{page}");
    let r = admin.post(&url, &[("on", "0")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.text(&location(&r)).await;
    assert!(page.contains("已将专家“周敏”移出黑名单") && !page.contains("评审中泄露信息"));

    // Only administrators: a clerk neither sees the forms nor may post them.
    let clerk = app.login("clerk").await;
    let (_, page) = clerk.text("/org").await;
    assert!(!page.contains("新增部门"));
    let r = clerk.post("/org/departments", &[("code", "x1"), ("name", "越权部门")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!department_codes(&app).await.contains(&"x1".to_string()));

    // Every creation is in the audit log.
    let created = app
        .audit(govit_storage::audit::AuditFilter {
            action: "department.create".into(),
            ..Default::default()
        })
        .await;
    assert!(
        created.iter().any(|r| r.event.after.contains("sjj-cwk") && r.event.actor_login == "admin")
    );
}

#[tokio::test]
async fn a_department_tree_imports_whole_or_not_at_all() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let before = department_codes(&app).await;
    // A cycle, an unknown parent and an existing code: each named by row, nothing written.
    let bad = sheet(&[
        HEADER,
        &["jt", "交通局", "gov", "项目建设单位"],
        &["a", "甲", "b", ""],
        &["b", "乙", "a", ""],
        &["c", "丙", "nowhere", ""],
        &["sjj", "重名", "", ""],
    ]);
    let (s, page) = upload_sheet(&admin, "/org/departments/import", bad, false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for shown in [
        "未写入任何部门",
        "第 3 行",
        "循环",
        "第 5 行：上级部门编码“nowhere”",
        "第 6 行：部门编码“sjj”已存在",
    ] {
        assert!(page.contains(shown), "{shown} not in {page}");
    }
    assert_eq!(department_codes(&app).await, before);

    // A good tree, children listed before their parents: checked, then imported.
    let good = sheet(&[
        &["市直部门导入"],
        HEADER,
        &["jt-kj", "科技科", "jt", ""],
        &["jt", "区交通运输局", "gov", "项目建设单位"],
    ]);
    let (s, page) = upload_sheet(&admin, "/org/departments/import", good.clone(), true).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("检查通过：可导入 2 个部门（尚未写入）"), "{page}");
    assert_eq!(department_codes(&app).await, before);
    let (s, page) = upload_sheet(&admin, "/org/departments/import", good, false).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("已导入 2 个部门"), "{page}");
    assert!(page.contains("<td class=\"depth-3\">科技科</td>"), "placed under its parent: {page}");

    // Not a workbook: refused with its reason. The template downloads.
    let (s, page) =
        upload_sheet(&admin, "/org/departments/import", b"not a workbook".to_vec(), false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("无法读取文件"), "{page}");
    let r = admin.get("/org/departments/template.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = xlsx_rows(&r.bytes().await.expect("xlsx"), "部门");
    assert_eq!(rows[0][1..5], ["部门编码", "部门名称", "上级部门编码", "职能"]);

    // The API reads the same sheet; a clerk is refused.
    let api = app.api("admin").await;
    let r = api
        .client
        .post(format!("{}/api/v1/org/departments/import?dry_run=true", api.base))
        .bearer_auth(&api.token)
        .body(sheet(&[HEADER, &["wj", "区文旅局", "gov", "owner_unit"]]))
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(v["written"], false);
    assert_eq!(v["departments"][0]["party_kinds"][0], "owner_unit");
}

#[tokio::test]
async fn the_api_and_the_cli_set_up_the_organization() {
    let app = spawn_app().await;
    let api = app.api("admin").await;
    let (s, e) = api
        .post(
            "/api/v1/org/departments",
            json!({"code": "", "name": "无编码", "party_kinds": ["外星"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, ["code", "party_kinds"], "{e}");
    let (s, e) = api
        .post(
            "/api/v1/org/departments",
            json!({"code": "czj-ys", "name": "预算股", "parent": "czj", "party_kinds": ["finance"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let (s, e) = api
        .post("/api/v1/org/departments", json!({"code": "x", "name": "无上级", "parent": "nope"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("没有编码为“nope”的上级部门"), "{e}");
    let (s, _) = api.post("/api/v1/org/firms", json!({"kind": "tester", "name": "测评所"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = api
        .post("/api/v1/org/experts", json!({"name": "吴刚", "fields": ["网络安全", "密码"]}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, org) = api.get("/api/v1/org").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        org["departments"]
            .as_array()
            .expect("d")
            .iter()
            .any(|d| d["code"] == "czj-ys" && d["depth"] == 2)
    );
    assert!(
        org["firms"]
            .as_array()
            .expect("f")
            .iter()
            .any(|f| f["name"] == "测评所" && f["kind"] == "tester")
    );
    let wu = org["experts"]
        .as_array()
        .expect("x")
        .iter()
        .find(|x| x["fields"] == "网络安全,密码")
        .expect("吴刚")["id"]
        .as_i64()
        .expect("id");
    // The blacklist through the API: a reason when put on, none needed to come off.
    let url = format!("/api/v1/org/experts/{wu}/blacklist");
    let (s, e) = api.post(&url, json!({"blacklisted": true})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")));
    assert!(e.to_string().contains("reason"), "{e}");
    let (s, _) = api.post(&url, json!({"blacklisted": true, "reason": "多次无故缺席评审"})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, org) = api.get("/api/v1/org").await;
    let listed = org["experts"].as_array().expect("x").iter().find(|x| x["id"] == wu).cloned();
    assert_eq!(listed.as_ref().map(|x| x["blacklisted"].clone()), Some(json!(true)), "{org}");
    assert_eq!(
        api.post(&url, json!({"blacklisted": "yes"})).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (s, _) = app.api("clerk").await.post(&url, json!({"blacklisted": false})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) =
        api.post("/api/v1/org/experts/999999/blacklist", json!({"blacklisted": false})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let clerk = app.api("clerk").await;
    let (s, e) = clerk.post("/api/v1/org/firms", json!({"kind": "tester", "name": "越权"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(clerk.get("/api/v1/jurisdictions").await.0, StatusCode::FORBIDDEN);

    // The CLI, as the operator.
    let out = app.cli(&[
        "org",
        "add-department",
        "--jurisdiction",
        "yeji",
        "--code",
        "gaj-zx",
        "--name",
        "指挥中心",
        "--parent",
        "gaj",
        "--kind",
        "数据中心",
    ]);
    assert!(!out.status.success(), "an unknown party kind is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("职能“数据中心”不是以下之一"));
    let out = app.cli(&[
        "org",
        "add-department",
        "--jurisdiction",
        "yeji",
        "--code",
        "gaj-zx",
        "--name",
        "指挥中心",
        "--parent",
        "gaj",
        "--kind",
        "大数据中心",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = app.data_dir.join("tree.xlsx");
    std::fs::write(&file, sheet(&[HEADER, &["q", "丁", "zz", ""]])).expect("write");
    let out = app.cli(&[
        "org",
        "import-departments",
        file.to_str().expect("path"),
        "--jurisdiction",
        "yeji",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("第 2 行"));
    let out = app.cli(&["org", "show", "--jurisdiction", "yeji"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("gaj-zx 指挥中心 大数据中心") && shown.contains("测评所"), "{shown}");
    assert!(!shown.contains(" 丁 "), "{shown}");
}

/// Posts 新建辖区 for 忻州市交通运输局 (code `xz`) under `profile`, its first administrator `login`.
async fn new_jurisdiction(admin: &Web, profile: &str, login: &str) -> reqwest::Response {
    let fields = [
        ("code", "xz"),
        ("name", "忻州市交通运输局"),
        ("profile_id", profile),
        ("admin_login", login),
        ("admin_name", "忻州管理员"),
    ];
    admin.post("/org/jurisdictions", &fields).await
}

#[tokio::test]
async fn an_administrator_creates_a_jurisdiction_whose_first_admin_signs_in() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let (_, page) = admin.text("/org/jurisdictions").await;
    assert!(page.contains("忻州市交通运输局政务信息化项目建设应用管理办法"), "{page}");
    let count = || async { app.store.jurisdictions().await.expect("db").len() };
    let n = count().await;
    // A login already used elsewhere: refused on its field, and no jurisdiction is left behind.
    let r = new_jurisdiction(&admin, "xinzhou-transport", "clerk").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("登录名 clerk 已被使用"), "{body}");
    assert_eq!(count().await, n, "nothing half-saved");
    let r = new_jurisdiction(&admin, "nope", "xzadmin").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("没有编号为“nope”的管理办法"));

    let r = new_jurisdiction(&admin, "xinzhou-transport", "xzadmin").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let done = location(&r);
    let (_, page) = admin.text(&done).await;
    let at = page.find("首个管理员 xzadmin 的初始密码：").expect("password shown")
        + "首个管理员 xzadmin 的初始密码：".len();
    let password: String = page[at..].chars().take_while(|c| *c != '（').collect();
    let (_, again) = admin.text(&done).await;
    assert!(!again.contains(&password) && again.contains("已显示过"), "shown once only");
    assert_eq!(count().await, n + 1);

    // The new administrator signs in (and must change the password) and sets up the tree.
    let web = app.anonymous();
    let r = web.try_login("xzadmin", &password).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let web = web.with_csrf().await;
    let r = web
        .post(
            "/account/password",
            &[
                ("old_password", &password),
                ("new_password", "Xz-Admin-2026!"),
                ("confirm_password", "Xz-Admin-2026!"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(web.text(&location(&r)).await.1.contains("密码已修改"), "the change is confirmed");
    let web = web.with_csrf().await;
    let (s, page) = web.text("/org").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("尚无部门") && page.contains("党组：市交通运输局党组"), "{page}");
    // A jurisdiction's own administrator does not set up others, nor grant that right.
    assert_eq!(web.text("/org/jurisdictions").await.0, StatusCode::FORBIDDEN);
    let r = web
        .post(
            "/admin/users",
            &[("login", "xzplat"), ("name", "越权"), ("roles", "platform"), ("scope", "self")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(app.store.user_id_by_login("xzplat").await.expect("db").is_none());
    let r = web
        .post(
            "/org/departments",
            &[("code", "jtj"), ("name", "市交通运输局"), ("party_kinds", "party_group")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The yeji administrator's tree is untouched by it.
    assert!(!department_codes(&app).await.contains(&"jtj".to_string()));

    // The API creates one too, returning the first administrator's password once.
    let api = app.api("admin").await;
    let (s, v) = api
        .post("/api/v1/jurisdictions", json!({"code": "lx", "name": "临湘市", "profile_id": "linxiang", "admin_login": "lxadmin", "admin_name": "临湘管理员"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(v["admin_password"].as_str().is_some_and(|p| p.len() >= 8), "{v}");
    let (s, e) = api
        .post(
            "/api/v1/jurisdictions",
            json!({"code": "lx", "name": "临湘市", "profile_id": "linxiang"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("已有编码为“lx”的辖区"));
}

#[tokio::test]
async fn a_demo_of_any_profile_has_its_real_parties_and_an_account_each() {
    let app = spawn_app().await;
    let seeded = govit_storage::seed::profile::seed(
        &app.store,
        app.now(),
        "xinzhou-transport",
        |_| PASSWORD.to_string(),
        false,
    )
    .await
    .expect("seed")
    .expect("new");
    let names: Vec<String> = app
        .store
        .departments(seeded.jurisdiction)
        .await
        .expect("db")
        .into_iter()
        .map(|d| d.name)
        .collect();
    for n in [
        "市交通运输数据中心",
        "市交通运输局党组",
        "市交通运输局财务科",
        "市政务信息管理局",
        "市政府",
    ] {
        assert!(names.contains(&n.to_string()), "{n} not in {names:?}");
    }
    // The yeji demo already took the plain logins: these are suffixed, and sign in.
    let logins: Vec<&str> = seeded.accounts.iter().map(|a| a.login.as_str()).collect();
    for l in [
        "reviewer.xinzhou-transport",
        "party_group",
        "finance.xinzhou-transport",
        "datacenter.xinzhou-transport",
        "admin.xinzhou-transport",
    ] {
        assert!(logins.contains(&l), "{l} not in {logins:?}");
    }
    let web = app.login("party_group").await;
    let (_, page) = web.text("/org").await;
    assert!(page.contains("市交通运输局党组") && !page.contains("区数据资源管理局"), "{page}");
    // Seeding again changes nothing.
    let again = govit_storage::seed::profile::seed(
        &app.store,
        app.now(),
        "xinzhou-transport",
        |_| PASSWORD.to_string(),
        false,
    )
    .await
    .expect("seed");
    assert!(again.is_none());
}
