//! What an attacker on the intranet tried: bursts of wrong passwords, redirects to another
//! origin after login, framing and sniffing, unknown addresses.

use crate::harness::*;
use reqwest::StatusCode;
use std::time::Instant;

/// Posts the login form with `next`, as a browser that has just opened the login page.
async fn login_with_next(
    app: &TestApp, login: &str, password: &str, next: &str,
) -> reqwest::Response {
    let web = app.anonymous();
    let page = web.get("/login").await.text().await.expect("login page");
    let csrf = input_value(&page, "_csrf").expect("login csrf");
    web.client
        .post(app.url("/login"))
        .form(&[("_csrf", csrf.as_str()), ("login", login), ("password", password), ("next", next)])
        .send()
        .await
        .expect("post login")
}

#[tokio::test]
async fn after_login_only_paths_on_this_site_are_followed() {
    let app = spawn_app().await;
    let r = login_with_next(&app, "clerk", PASSWORD, "/projects?status=draft").await;
    assert_eq!(location(&r), "/projects?status=draft");
    for next in
        ["/\t/evil.example/", "//evil.example/", "/\\evil.example/", "/a\nSet-Cookie: x=1", "/a\r"]
    {
        let r = login_with_next(&app, "clerk", PASSWORD, next).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&r), "/", "{next:?}");
    }
}

#[tokio::test]
async fn forty_simultaneous_wrong_logins_check_at_most_five() {
    let app = spawn_app().await;
    let started = Instant::now();
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..41 {
        // The right password rides in the middle of the burst.
        let password = if i == 20 { PASSWORD } else { "Wrong-Pass-1" };
        let web = app.anonymous();
        let page = web.get("/login").await.text().await.expect("login page");
        let csrf = input_value(&page, "_csrf").expect("csrf");
        let url = app.url("/login");
        burst.spawn(async move {
            let form = [
                ("_csrf", csrf.as_str()),
                ("login", "clerk"),
                ("password", password),
                ("next", "/"),
            ];
            web.client.post(url).form(&form).send().await.expect("post").status()
        });
    }
    let statuses = burst.join_all().await;
    eprintln!("41 simultaneous logins answered in {:?}", started.elapsed());
    let checked = app
        .audit(govit_storage::audit::AuditFilter {
            action: "login.failure".into(),
            ..Default::default()
        })
        .await
        .into_iter()
        .filter(|r| r.event.detail.starts_with("密码错误"))
        .count();
    let succeeded = statuses.iter().filter(|s| **s == StatusCode::SEE_OTHER).count();
    assert!(
        checked + succeeded <= 5,
        "{checked} wrong passwords and {succeeded} logins were checked"
    );
    // The account is locked once five were wrong, or was never unlocked by the burst.
    if succeeded == 0 {
        let r = app.anonymous().try_login("clerk", PASSWORD).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn unknown_disabled_and_locked_logins_answer_alike() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    admin.post("/admin/users/wang/disable", &[]).await;
    for _ in 0..5 {
        app.anonymous().try_login("clerk", "Wrong-Pass-1").await;
    }
    let mut bodies = Vec::new();
    for (login, password) in [
        ("nobody", "Wrong-Pass-1"),
        ("wang", PASSWORD),
        ("clerk", PASSWORD),
        ("reviewer", "Wrong-Pass-1"),
    ] {
        let r = app.anonymous().try_login(login, password).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{login}");
        let body = r.text().await.expect("body");
        let start = body.find("class=\"error-summary").expect("summary");
        bodies.push(body[start..start + body[start..].find("</div>").expect("end")].to_string());
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:#?}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let api = app.api("clerk").await;
    let api_response =
        api.client.get(app.url("/api/v1/me")).bearer_auth(&api.token).send().await.expect("api");
    for r in [clerk.get("/projects").await, app.anonymous().get("/login").await, api_response] {
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().expect("csp");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert_eq!(h["cache-control"], "no-store");
    }
    // Static assets may be cached, and carry the rest.
    let css = app.anonymous().get("/static/govit.css").await;
    assert!(css.headers()["cache-control"].to_str().expect("cc").starts_with("public"));
    assert_eq!(css.headers()["x-content-type-options"], "nosniff");
    // No page needs an inline style or script the policy would block.
    let page = clerk.get("/projects").await.text().await.expect("page");
    assert!(!page.contains("style=\"") && !page.contains("<script"), "inline style or script");
}

#[tokio::test]
async fn unknown_addresses_get_govits_own_not_found() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let (status, page) = clerk.text("/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("页面不存在") && page.contains("href=\"/\""), "{page}");
    let api = app.api("clerk").await;
    let (status, body) = api.get("/api/v1/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
    // Inside the signed-in user's layout, saying what is missing, with a real link back to
    // the page the user came from (this site's Referer), which works without JavaScript.
    assert!(page.contains("没有这个页面") && page.contains("教体局申报经办人"), "{page}");
    let host = app.base.trim_start_matches("http://").to_string();
    let r = clerk
        .client
        .get(app.url("/no-such-page"))
        .header("referer", format!("http://{host}/projects?status=draft"))
        .send()
        .await
        .expect("get");
    let page = r.text().await.expect("body");
    assert!(page.contains(r#"href="/projects?status=draft" id="back">返回上一页<"#), "{page}");
    // Another site's Referer is not followed.
    let r = clerk
        .client
        .get(app.url("/no-such-page"))
        .header("referer", "http://evil.example/phish")
        .send()
        .await
        .expect("get");
    assert!(!r.text().await.expect("body").contains("id=\"back\""));
    // A refusal, too, keeps the navigation.
    let (status, page) = clerk.text("/admin/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("没有权限") && page.contains("教体局申报经办人"), "{page}");
    // Someone not signed in gets the page without navigation.
    let (status, page) = app.anonymous().text("/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("页面不存在") && !page.contains("教体局申报经办人"));
}

/// A form's address opened as a page (entered again after a refused form, bookmarked) says so
/// in Chinese, inside the layout, with a link to the record the form belongs to; the router's
/// `Allow` header stays. The API says `method_not_allowed`.
#[tokio::test]
async fn a_forms_address_opened_as_a_page_leads_back_to_its_record() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    for (path, back) in
        [("/projects/1/decide", "/projects/1"), ("/projects/1/act/transfer", "/projects/1")]
    {
        let r = clerk.get(path).await;
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert!(r.headers()["allow"].to_str().expect("allow").contains("POST"), "{path}");
        let page = r.text().await.expect("body");
        assert!(
            page.contains("此地址用于提交表单")
                && page.contains(&format!(r#"href="{back}" id="back">返回表单所在页面<"#))
                && page.contains("教体局申报经办人"),
            "{path}: {page}"
        );
    }
    // Posted to a page that only shows: said so, with the page itself to go back to.
    let r = clerk.post("/healthz", &[("x", "1")]).await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let r = clerk.post("/projects/1/declaration-form.xlsx", &[("x", "1")]).await;
    let page = r.text().await.expect("body");
    assert!(
        page.contains("此页面不接受提交")
            && page.contains(r#"href="/projects/1/declaration-form.xlsx" id="back">打开此页面<"#),
        "{page}"
    );
    let api = app.api("clerk").await;
    let r = api
        .client
        .get(app.url("/api/v1/projects/1/submit"))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("api");
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["code"], "method_not_allowed");
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = spawn_app().await;
    let here = app.login("clerk").await;
    let elsewhere = app.login("clerk").await;
    assert_eq!(elsewhere.get("/projects").await.status(), StatusCode::OK);
    // Everything wrong at once is said at once, each at its field; nothing changes.
    let r = here
        .post(
            "/account/password",
            &[("old_password", "wrong"), ("new_password", "abc"), ("confirm_password", "abd")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("body");
    for said in ["当前密码不正确", "两次输入的新密码不一致", "href=\"#new_password\""]
    {
        assert!(page.contains(said), "{said} not in {page}");
    }
    assert_eq!(elsewhere.get("/projects").await.status(), StatusCode::OK);
    let r = here
        .post(
            "/account/password",
            &[
                ("old_password", PASSWORD),
                ("new_password", "Fresh-Pass-2026"),
                ("confirm_password", "Fresh-Pass-2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The session that changed it goes on; the other one is signed out.
    assert_eq!(here.get("/projects").await.status(), StatusCode::OK);
    assert!(location(&elsewhere.get("/projects").await).starts_with("/login"));
}

/// A sheet larger than the multipart reader's own default (2 MB): text that does not compress.
fn large_sheet(rows: usize) -> Vec<u8> {
    let mut seed: u32 = 0x2026_1202;
    let mut noise = |n: usize| -> String {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                char::from_u32(0x4E00 + seed % 0x5000).unwrap_or('政')
            })
            .collect()
    };
    let owned: Vec<Vec<String>> = (0..rows)
        .map(|i| {
            vec![
                (i + 1).to_string(),
                "区教育局".into(),
                format!("系统{i}"),
                noise(600),
                "全区".into(),
                "每日使用".into(),
                "政务云".into(),
                "电子政务外网".into(),
            ]
        })
        .collect();
    let rows: Vec<Vec<&str>> =
        owned.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    let refs: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    crate::import::workbook(&refs)
}

#[tokio::test]
async fn uploads_up_to_the_one_limit_reach_the_import() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let sheet = large_sheet(2500);
    assert!(sheet.len() > 3 * 1024 * 1024, "{} bytes", sheet.len());
    let form = reqwest::multipart::Form::new()
        .text("_csrf", clerk.csrf.clone())
        .text("check_only", "1")
        .part("file", reqwest::multipart::Part::bytes(sheet).file_name("目录.xlsx"));
    let r =
        clerk.client.post(app.url("/systems/import")).multipart(form).send().await.expect("upload");
    let status = r.status();
    let body = r.text().await.expect("body");
    assert_ne!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(!body.contains("请求已失效"));
    // Past the limit: a Chinese 413, on the page and through the API.
    let too_large = vec![0u8; 33 * 1024 * 1024];
    let form = reqwest::multipart::Form::new()
        .text("_csrf", clerk.csrf.clone())
        .part("file", reqwest::multipart::Part::bytes(too_large.clone()).file_name("目录.xlsx"));
    let r =
        clerk.client.post(app.url("/systems/import")).multipart(form).send().await.expect("upload");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().await.expect("body").contains("32 MB"));
    let api = app.api("clerk").await;
    let r = api
        .client
        .post(app.url("/api/v1/systems/import?dry_run=true"))
        .bearer_auth(&api.token)
        .body(too_large)
        .send()
        .await
        .expect("api upload");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["code"], "payload_too_large");
}

#[tokio::test]
async fn free_text_fields_are_bounded() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let (s, p) = clerk.post("/api/v1/projects", declaration_json("城市运行管理平台")).await;
    assert_eq!(s, StatusCode::CREATED);
    let id = p["id"].as_i64().expect("id");
    let today = govit_storage::china_today(app.now()).format("%Y-%m-%d").to_string();
    let long = "注".repeat(100_000);
    let (s, e) = clerk
        .post(
            &format!("/api/v1/projects/{id}/events"),
            serde_json::json!({"kind": "equipment_purchased", "date": today, "note": long}),
        )
        .await;
    assert_eq!(
        (s, e["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, serde_json::json!("note"))
    );
    let (_, events) = clerk.get(&format!("/api/v1/projects/{id}/events")).await;
    assert!(!events.to_string().contains("注注注"), "nothing stored");
}

#[tokio::test]
async fn the_duplicate_check_and_system_links_show_only_what_the_user_may_read() {
    use govit_core::org::{PartyKind, Role, ScopeKind};
    let app = spawn_app().await;
    let j = app.store.jurisdiction_by_code("yeji").await.expect("db").expect("yeji");
    let unit = add_department(&app, j.id, "jtj", "区交通运输局", &[PartyKind::OwnerUnit]).await;
    add_user(&app, j.id, "jtjclerk", Some(unit), &[Role::Declarant], ScopeKind::OwnDepartment)
        .await;
    // The education bureau's catalog entry, and its draft much like the project under review.
    let clerk = app.api("clerk").await;
    let entry = serde_json::json!({
        "name": "校园安全视频监控系统", "function_summary": "校园出入口和重点部位视频监控、告警和巡查",
        "use_frequency": "daily", "deployment": "gov_cloud", "network": "extranet", "status": "running",
        "disposition": "keep"
    });
    let (s, sys) = clerk.post("/api/v1/systems", entry).await;
    assert_eq!(s, StatusCode::CREATED, "{sys}");
    let mut draft = declaration_json("校园安全视频监控联网平台");
    draft["summary"] = serde_json::json!("校园视频监控联网汇聚，安全预警，视频智能分析");
    let (_, d) = clerk.post("/api/v1/projects", draft).await;
    let draft_id = d["id"].clone();
    let other = app.api("jtjclerk").await;
    let mut body = declaration_json("校园周边视频监控联网平台");
    body["summary"] = serde_json::json!("校园周边道路视频监控联网汇聚，安全预警，视频智能分析");
    let (s, p) = other.post("/api/v1/projects", body).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().expect("id");
    // It names a system the education bureau catalogued: in the catalog, but not its id.
    let (s, link) = other
        .post(
            &format!("/api/v1/projects/{id}/systems"),
            serde_json::json!({"system_name": "校园安全视频监控系统", "action": "change"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{link}");
    let (_, links) = other.get(&format!("/api/v1/projects/{id}/systems")).await;
    assert_eq!(links[0]["in_catalog"], true, "{links}");
    assert!(links[0]["catalog_system_id"].is_null(), "{links}");
    let (_, p) = other.get(&format!("/api/v1/projects/{id}")).await;
    other.hand_in(id).await;
    other
        .post(
            &format!("/api/v1/projects/{id}/submit"),
            serde_json::json!({"version": p["version"]}),
        )
        .await;
    // The reviewer's check lists no other unit's draft, on the API and on the page.
    let reviewer = app.api("reviewer").await;
    let (s, similar) = reviewer.get(&format!("/api/v1/projects/{id}/similar")).await;
    assert_eq!(s, StatusCode::OK, "{similar}");
    let list = similar.as_array().expect("list");
    assert!(
        list.iter().any(|m| m["kind"] == "system"),
        "the catalogued system is found: {similar}"
    );
    assert!(!list.iter().any(|m| m["kind"] == "project" && m["id"] == draft_id), "{similar}");
    let page = app.login("reviewer").await.text(&format!("/projects/{id}")).await.1;
    assert!(!page.contains(&format!("/projects/{draft_id}\"")), "draft linked on the page");
}

#[tokio::test]
async fn a_password_may_not_contain_the_login() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let r = clerk
        .post(
            "/account/password",
            &[
                ("old_password", PASSWORD),
                ("new_password", "Clerk-2026-pass"),
                ("confirm_password", "Clerk-2026-pass"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("密码不能包含登录名"));
    // Nor be one of the passwords people choose first.
    let r = clerk
        .post(
            "/account/password",
            &[
                ("old_password", PASSWORD),
                ("new_password", "P@ssw0rd2026"),
                ("confirm_password", "P@ssw0rd2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("密码过于常见"));
}

/// A workbook whose part `name` is rewritten by `edit` (or added, when it has none).
fn rewritten(book: Vec<u8>, name: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(book)).expect("xlsx");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for i in 0..src.len() {
        let mut f = src.by_index(i).expect("part");
        let mut text = String::new();
        f.read_to_string(&mut text).expect("xml");
        let part = f.name().expect("name").to_string();
        out.start_file(part.as_str(), opts).expect("start");
        let text = if part == name { edit(text) } else { text };
        out.write_all(text.as_bytes()).expect("write");
    }
    out.finish().expect("zip").into_inner()
}

/// A workbook with one part that unpacks to far more than it weighs.
fn expanding(book: Vec<u8>) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(book)).expect("xlsx");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for i in 0..src.len() {
        let mut f = src.by_index(i).expect("part");
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).expect("bytes");
        out.start_file(f.name().expect("name").to_string(), opts).expect("start");
        out.write_all(&bytes).expect("write");
    }
    out.start_file("xl/media/padding.bin", opts).expect("start");
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..300 {
        out.write_all(&zeros).expect("write");
    }
    out.finish().expect("zip").into_inner()
}

#[tokio::test]
async fn hostile_workbooks_are_refused_and_the_server_lives() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let base = crate::import::workbook(&[]);
    let far = {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "系统名称").expect("a1");
        ws.write_string(1_048_575, 16_383, "远").expect("xfd");
        wb.save_to_buffer().expect("xlsx")
    };
    let strings = rewritten(base.clone(), "xl/sharedStrings.xml", |xml| {
        let at = xml.find("uniqueCount=\"").expect("uniqueCount") + "uniqueCount=\"".len();
        let end = at + xml[at..].find('"').expect("end");
        format!("{}100000000000{}", &xml[..at], &xml[end..])
    });
    let bomb = expanding(base);
    assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes", bomb.len());
    for (what, file, says) in [
        ("far cell", far, "超过"),
        ("declared strings", strings, "字符串"),
        ("expanding part", bomb, "256 MB"),
    ] {
        let r = clerk
            .client
            .post(app.url("/api/v1/systems/import?dry_run=true"))
            .bearer_auth(&clerk.token)
            .body(file.clone())
            .send()
            .await
            .expect("import");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let body: serde_json::Value = r.json().await.expect("json");
        assert!(body["message"].as_str().unwrap_or("").contains(says), "{what}: {body}");
        // The page says the same, and the server still answers.
        let web = app.login("clerk").await;
        let form = reqwest::multipart::Form::new()
            .text("_csrf", web.csrf.clone())
            .text("check_only", "1")
            .part("file", reqwest::multipart::Part::bytes(file).file_name("目录.xlsx"));
        let r =
            web.client.post(app.url("/systems/import")).multipart(form).send().await.expect("page");
        assert!(r.status().is_client_error(), "{what}: {}", r.status());
        assert_eq!(clerk.get("/api/v1/me").await.0, StatusCode::OK, "{what}");
    }
}

#[tokio::test]
async fn a_backup_taken_while_writes_run_restores_whole() {
    let app = spawn_app().await;
    let out = app.data_dir.join("备份.db");
    if app.postgres {
        let o = app.cli(&["backup", "--out", out.to_str().expect("path")]);
        assert!(String::from_utf8_lossy(&o.stdout).contains("pg_dump"), "{o:?}");
        return;
    }
    let clerk = app.api("clerk").await;
    let mut before = Vec::new();
    for i in 0..20 {
        let (s, p) =
            clerk.post("/api/v1/projects", declaration_json(&format!("备份前项目{i}"))).await;
        assert_eq!(s, StatusCode::CREATED);
        before.push(p["id"].as_i64().expect("id"));
    }
    // Writes go on while the backup runs.
    let writer = {
        let clerk = app.api("clerk").await;
        tokio::spawn(async move {
            for i in 0..40 {
                clerk.post("/api/v1/projects", declaration_json(&format!("备份中项目{i}"))).await;
            }
        })
    };
    let args = ["backup", "--out", out.to_str().expect("path")];
    let o = app.cli(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    writer.await.expect("writer");
    let restored = app.data_dir.join("restored");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_govit"))
        .args([
            "restore",
            out.to_str().expect("path"),
            "--data-dir",
            restored.to_str().expect("dir"),
        ])
        .env_remove("GOVIT_DATABASE_URL")
        .output()
        .expect("restore");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}");
    assert!(stdout.contains("审计链完整"), "{stdout}");
    // The signed checkpoints travel with the backup and still agree after the restore.
    assert!(stdout.contains("签名检查点一致"), "{stdout}");
    let store =
        govit_storage::Store::connect(&govit_storage::sqlite_url(&restored)).await.expect("open");
    for id in before {
        let n: i64 =
            govit_storage::sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE id = $1")
                .bind(id)
                .fetch_one(store.pool())
                .await
                .expect("count");
        assert_eq!(n, 1, "project {id} acknowledged before the backup");
    }
    // A second backup to the same file is refused rather than overwritten.
    assert!(!app.cli(&args).status.success());
}

#[tokio::test]
async fn a_project_page_cites_only_its_own_profile() {
    let app = spawn_app().await;
    jurisdiction(&app, "gaoping", "gaoping").await;
    // yeji has no rule on systems outside the catalog; gaoping's is article 10.
    for (login, cites, not) in
        [("clerk", None, "gaoping"), ("gaoping-clerk", Some("（gaoping:10）"), "xinzhou")]
    {
        let web = app.login(login).await;
        let r = web.post("/projects/new", &as_pairs(&declaration("本地化测试项目"))).await;
        let page = web.text(&location(&r)).await.1;
        let panel = &page[page.find("id=\"systems\"").expect("systems panel")..];
        let panel = &panel[..panel.find("</form>").unwrap_or(panel.len())];
        assert!(!panel.contains(not), "{login}: {panel}");
        if let Some(c) = cites {
            assert!(panel.contains(c), "{login}: {panel}");
        }
    }
}

/// Every citation on `page`: `prefix:article` for each profile id govit ships.
fn cited_profiles(page: &str) -> Vec<&'static str> {
    ["gaoping:", "lhasa:", "linxiang:", "xinzhou-transport:", "yeji:"]
        .into_iter()
        .filter(|p| page.contains(p))
        .collect()
}

#[tokio::test]
async fn catalog_and_cloud_pages_and_refusals_cite_only_the_users_own_profile() {
    let app = spawn_app().await;
    jurisdiction(&app, "gaoping", "gaoping").await;
    jurisdiction(&app, "lhasa", "lhasa").await;
    // Each user has a system and a project of their own, so its pages can be read.
    let mut pages = Vec::new();
    for login in ["clerk", "gaoping-clerk", "lhasa-clerk"] {
        let api = app.api(login).await;
        let (s, sys) = api
            .post(
                "/api/v1/systems",
                serde_json::json!({"name": format!("{login}的业务系统"), "function_summary": "日常业务办理",
                    "use_frequency": "daily", "deployment": "gov_cloud", "network": "extranet"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{sys}");
        let web = app.login(login).await;
        let r = web.post("/projects/new", &as_pairs(&declaration("本地化测试项目"))).await;
        let project = location(&r);
        let mut seen = Vec::new();
        for path in [
            "/systems".to_string(),
            "/systems/new".to_string(),
            format!("/systems/{}", sys["id"]),
            format!("/negative-list/new?system={}", sys["id"]),
            "/negative-list".to_string(),
            "/cloud".to_string(),
            "/projects/new".to_string(),
            project.clone(),
        ] {
            let (status, page) = web.text(&path).await;
            assert_eq!(status, StatusCode::OK, "{login} {path}");
            seen.push((path, cited_profiles(&page), page));
        }
        pages.push((login, seen));
    }
    for (login, seen) in &pages {
        let own = match *login {
            "clerk" => "yeji:",
            "gaoping-clerk" => "gaoping:",
            _ => "lhasa:",
        };
        for (path, cited, _) in seen {
            assert!(cited.iter().all(|c| *c == own), "{login} {path} cites {cited:?}");
        }
    }
    // Where the profile has the article, the page says it.
    let page = |login: &str, path: &str| {
        let seen = &pages.iter().find(|(l, _)| *l == login).expect("login").1;
        seen.iter().find(|(p, ..)| p == path).expect("page").2.clone()
    };
    assert!(
        page("gaoping-clerk", "/systems").contains("四个一批")
            && page("gaoping-clerk", "/systems").contains("gaoping:9")
    );
    assert!(page("gaoping-clerk", "/systems/new").contains("（gaoping:9）"));
    assert!(page("gaoping-clerk", "/negative-list").contains("gaoping:11"));
    assert!(page("gaoping-clerk", "/cloud").contains("gaoping:12"));
    assert!(page("lhasa-clerk", "/cloud").contains("lhasa:8"));
    assert!(!page("clerk", "/systems").contains("四个一批"));
    // The declaration form is named as the user's own text names it, or not at all.
    assert!(page("clerk", "/projects/new").contains("六安市叶集区政务信息化项目申报表"));
    assert!(!page("gaoping-clerk", "/projects/new").contains("叶集"));

    // A refusal cites the acting user's own article, and none where the profile has none.
    for (login, cite) in [("gaoping-clerk", Some("gaoping:12")), ("clerk", None)] {
        let api = app.api(login).await;
        let (s, e) = api.post("/api/v1/cloud/versions", serde_json::json!({})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
        let m = e["message"].as_str().unwrap_or("");
        assert!(m.contains("只有大数据中心经办人"), "{m}");
        match cite {
            Some(c) => assert!(m.ends_with(&format!("（{c}）")), "{m}"),
            None => assert!(cited_profiles(m).is_empty(), "{m}"),
        }
    }
}

#[tokio::test]
async fn required_selects_of_the_system_form_start_at_choose() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let page = clerk.text("/systems/new").await.1;
    let select = &page[page.find("id=\"use_frequency\"").expect("select")..];
    assert!(
        select[..select.find("</select>").expect("end")]
            .contains("<option value=\"\">请选择</option>")
    );
    // Skipping them is refused, naming each.
    let r =
        clerk.post("/systems/new", &[("name", "未选择的系统"), ("function_summary", "测试")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    for id in ["use_frequency", "deployment", "network"] {
        assert!(body.contains(&format!("href=\"#{id}\"")), "{id}");
    }
}
