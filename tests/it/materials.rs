//! 申报材料: the materials a declaration must carry, their files and versions, the gate at
//! submission, hostile files, and downloads through data scope.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write as _;

const PLAN: &str = "yeji-6-plan";
const FORM: &str = "yeji-6-form";

async fn draft(api: &Api, name: &str) -> i64 {
    let (s, p) = api.post("/api/v1/projects", declaration_json(name)).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    p["id"].as_i64().expect("id")
}

async fn material(api: &Api, id: i64, mid: &str) -> Value {
    let (s, list) = api.get(&format!("/api/v1/projects/{id}/materials")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array()
        .and_then(|l| l.iter().find(|m| m["id"] == mid).cloned())
        .unwrap_or_else(|| panic!("{mid} not in {list}"))
}

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            z.start_file(*name, opts).expect("entry");
            z.write_all(bytes).expect("write");
        }
        z.finish().expect("finish");
    }
    buf.into_inner()
}

async fn submit(api: &Api, id: i64) -> (StatusCode, Value) {
    let (_, p) = api.get(&format!("/api/v1/projects/{id}")).await;
    api.post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]})).await
}

#[tokio::test]
async fn a_declaration_is_sent_only_with_its_profiles_materials_complete() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let id = draft(&clerk, "区政务数据共享交换平台").await;

    let (_, list) = clerk.get(&format!("/api/v1/projects/{id}/materials")).await;
    let required: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter(|m| m["requirement"] == "required" && m["stage"] == "declaration")
        .filter_map(|m| m["id"].as_str())
        .collect();
    for mid in ["yeji-6-basis", PLAN, "yeji-6-budget", "yeji-6-feasibility", FORM] {
        assert!(required.contains(&mid), "{mid} in {required:?}");
    }
    let framework = material(&clerk, id, "yeji-10-framework").await;
    assert_eq!(framework["requirement"], "undecided", "{framework}");
    assert_eq!(material(&clerk, id, PLAN).await["state"], "not_started");

    // Nothing handed in: the submission names the missing materials and their article.
    let (s, e) = submit(&clerk, id).await;
    assert_eq!((s, e["code"].clone()), (StatusCode::CONFLICT, json!("gate_refused")), "{e}");
    let msg = e["message"].as_str().unwrap_or_default();
    assert!(msg.contains("《项目建设方案》") && msg.contains("yeji:6"), "{msg}");

    // A file not marked complete leaves the material in progress, and the gate closed.
    let (s, m) = clerk.upload(id, PLAN, "建设方案.pdf", pdf("plan"), false).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["state"], "in_progress");
    assert_eq!(m["files"][0]["kind"], "pdf");
    assert_eq!(m["files"][0]["file_name"], "建设方案.pdf");
    assert_eq!(m["files"][0]["sm3"], govit_core::crypto::sm3_hex(&pdf("plan")));
    // Marking it at a version it no longer has is stale.
    let stale = json!({"complete": true, "version": m["version"].as_i64().unwrap_or(0) - 1});
    let (s, e) = clerk.put(&format!("/api/v1/projects/{id}/materials/{PLAN}/mark"), stale).await;
    assert_eq!((s, e["code"].clone()), (StatusCode::CONFLICT, json!("stale_version")), "{e}");
    let mark = json!({"complete": true, "version": m["version"]});
    let (s, m) = clerk.put(&format!("/api/v1/projects/{id}/materials/{PLAN}/mark"), mark).await;
    assert_eq!((s, m["state"].clone()), (StatusCode::OK, json!("completed")), "{m}");
    let (s, e) = submit(&clerk, id).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(!e["message"].as_str().unwrap_or_default().contains("《项目建设方案》"), "{e}");

    assert!(clerk.hand_in(id).await >= 4);
    let (s, p) = submit(&clerk, id).await;
    assert_eq!((s, p["status"].clone()), (StatusCode::OK, json!("submitted")), "{p}");

    // Sent: the materials are the reviewers' to read, no longer the clerk's to change.
    let (s, e) = clerk.upload(id, PLAN, "新方案.pdf", pdf("new"), true).await;
    assert_eq!((s, e["code"].clone()), (StatusCode::CONFLICT, json!("invalid_state")), "{e}");
    let reviewer = app.api("reviewer").await;
    let plan = material(&reviewer, id, PLAN).await;
    assert_eq!(plan["can_edit"], false);
    let href = plan["files"][0]["href"].as_str().expect("href").to_string();
    let r = reviewer.client.get(app.url(&href)).bearer_auth(&reviewer.token).send().await;
    let r = r.expect("download");
    assert_eq!(r.status(), StatusCode::OK);
    let sm3 = r.headers()["x-govit-sm3"].to_str().expect("sm3").to_string();
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), pdf("plan"));
    assert_eq!(sm3, govit_core::crypto::sm3_hex(&pdf("plan")));
    // Another unit's clerk cannot read the project, nor its files.
    let other = app.api("clerk2").await;
    let r = other.client.get(app.url(&href)).bearer_auth(&other.token).send().await;
    assert_eq!(r.expect("download").status(), StatusCode::NOT_FOUND);
    let r = app.client().get(app.url(&href)).send().await.expect("anonymous");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Returned: the clerk replaces the plan; the first version stays readable.
    let (_, p) = reviewer.get(&format!("/api/v1/projects/{id}")).await;
    let back = json!({"decision": "return", "reason": "请细化建设方案", "version": p["version"]});
    let (s, p) = reviewer.post(&format!("/api/v1/projects/{id}/decision"), back).await;
    assert_eq!((s, p["status"].clone()), (StatusCode::OK, json!("returned")), "{p}");
    let old = plan["files"][0]["id"].as_i64().expect("file id");
    // The same bytes again are no revision: refused, naming the material.
    let url = reqwest::Url::parse_with_params(
        &app.url(&format!("/api/v1/projects/{id}/materials/{PLAN}/files")),
        &[("name", "建设方案.pdf"), ("replaces", &old.to_string())],
    )
    .expect("url");
    let r = clerk.client.post(url).bearer_auth(&clerk.token).body(pdf("plan")).send().await;
    let r = r.expect("same bytes");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.expect("json");
    assert!(e["message"].as_str().unwrap_or_default().contains("完全相同"), "{e}");
    let url = reqwest::Url::parse_with_params(
        &app.url(&format!("/api/v1/projects/{id}/materials/{PLAN}/files")),
        &[("name", "建设方案（修改）.pdf"), ("complete", "true"), ("replaces", &old.to_string())],
    )
    .expect("url");
    let r = clerk
        .client
        .post(url)
        .bearer_auth(&clerk.token)
        .body(pdf("plan v2"))
        .send()
        .await
        .expect("replace");
    assert_eq!(r.status(), StatusCode::CREATED);
    let m: Value = r.json().await.expect("json");
    assert_eq!(m["files"].as_array().map(Vec::len), Some(1), "{m}");
    assert_eq!(m["files"][0]["file_name"], "建设方案（修改）.pdf");
    assert_eq!(m["earlier"][0]["id"], old, "{m}");
    let r = clerk.client.get(app.url(&href)).bearer_auth(&clerk.token).send().await;
    assert_eq!(r.expect("earlier").bytes().await.expect("bytes").to_vec(), pdf("plan"));
    let (s, p) = submit(&clerk, id).await;
    assert_eq!((s, p["status"].clone()), (StatusCode::OK, json!("submitted")), "{p}");

    // The timeline tells the reviewer what changed.
    let (_, events) = reviewer.get(&format!("/api/v1/projects/{id}/events")).await;
    let text = events.to_string();
    assert!(text.contains("替换《项目建设方案》：建设方案（修改）.pdf"), "{text}");
    // Each change is audited with the file's digest.
    let (_, log) = app.api("auditor").await.get("/api/v1/audit?action=project.material.add").await;
    assert!(log.to_string().contains(&govit_core::crypto::sm3_hex(&pdf("plan v2"))), "{log}");
}

#[tokio::test]
async fn hostile_and_wrong_files_are_refused_naming_the_material() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let id = draft(&clerk, "区公共视频资源整合项目").await;
    let refused = |(s, e): (StatusCode, Value)| {
        assert_eq!(
            (s, e["code"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("invalid_input")),
            "{e}"
        );
        assert_eq!(e["field"], "file", "{e}");
        e["message"].as_str().unwrap_or_default().to_string()
    };
    // A text file named .pdf is text: the content decides.
    let m = refused(clerk.upload(id, PLAN, "方案.pdf", b"just text".to_vec(), true).await);
    assert!(m.contains("《项目建设方案》") && m.contains("无法识别"), "{m}");
    let m = refused(clerk.upload(id, PLAN, "空.pdf", Vec::new(), true).await);
    assert!(m.contains("空"), "{m}");
    // yeji's annex 1 form takes Excel, PDF or OFD, not a picture.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let m = refused(clerk.upload(id, FORM, "申报表.png", png, true).await);
    assert!(m.contains("《六安市叶集区政务信息化项目申报表》") && m.contains("不接受"), "{m}");
    // Over the form's 50 MB: refused while it streams.
    let mut big = pdf("big");
    big.resize(51 * 1024 * 1024, b' ');
    let m = refused(clerk.upload(id, FORM, "申报表.pdf", big, true).await);
    assert!(m.contains("50 MB"), "{m}");
    // A zip bomb: 64 MB of zeros packed into a few dozen KB.
    let bomb = zip_of(&[("zeros.bin", vec![0u8; 64 * 1024 * 1024])]);
    assert!(bomb.len() < 1024 * 1024);
    let m = refused(clerk.upload(id, PLAN, "方案.zip", bomb, true).await);
    assert!(m.contains("压缩炸弹"), "{m}");
    // Nothing of the refused files was added.
    let plan = material(&clerk, id, PLAN).await;
    assert_eq!((plan["state"].clone(), plan["files"].clone()), (json!("not_started"), json!([])));

    // A Word document is told by its parts, whatever its name.
    let docx = zip_of(&[
        ("[Content_Types].xml", b"<Types/>".to_vec()),
        ("word/document.xml", b"<w:document/>".to_vec()),
    ]);
    let (s, m) = clerk.upload(id, PLAN, "方案.bin", docx, true).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["files"][0]["kind"], "word");
    // Taken out again: an earlier version, and the material not started.
    let fid = m["files"][0]["id"].as_i64().expect("file id");
    let (s, _) = clerk
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/projects/{id}/materials/{PLAN}/files/{fid}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let plan = material(&clerk, id, PLAN).await;
    assert_eq!(
        (plan["state"].clone(), plan["earlier"][0]["id"].clone()),
        (json!("not_started"), json!(fid))
    );
    // A name with a path keeps only its last part.
    let (s, m) = clerk.upload(id, "yeji-6-basis", "../../etc/依据.pdf", pdf("b"), true).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["files"][0]["file_name"], "依据.pdf");

    // A material the profile does not have, and a project out of scope.
    let (s, _) = clerk.upload(id, "no-such-material", "a.pdf", pdf("x"), true).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.api("clerk2").await.upload(id, PLAN, "a.pdf", pdf("x"), true).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A draft is its unit's alone: a reviewer does not even see it.
    let (s, e) = app.api("reviewer").await.upload(id, PLAN, "a.pdf", pdf("x"), true).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
}

#[tokio::test]
async fn the_pages_list_upload_and_check_materials_before_sending() {
    let app = spawn_app().await;
    let web = app.login("clerk").await;
    let id = web.create_draft("区智慧社区综合服务平台").await;
    let (s, html) = web.text(&format!("/projects/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"materials-list\"") && html.contains("项目建设方案"), "{html}");
    assert!(html.contains("必须提交的材料已完成 0 / "), "{html}");

    let (s, page) = web.text(&format!("/projects/{id}/materials/{PLAN}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("yeji:6") && page.contains("enctype=\"multipart/form-data\""), "{page}");

    // A form without its token is refused before the file is read.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", "wrong")
        .part("file", reqwest::multipart::Part::bytes(pdf("p")).file_name("a.pdf"));
    let r = web
        .client
        .post(app.url(&format!("/projects/{id}/materials/{PLAN}/upload")))
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A refused file shows the page again with the message at the file input, and what the
    // form had chosen (not to mark it complete) kept.
    let r = web.upload(id, PLAN, "a.pdf", b"plain text".to_vec(), false).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("page");
    assert!(page.contains("error-summary") && page.contains("href=\"#file\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\""), "{page}");
    assert!(page.contains("name=\"complete\" value=\"1\"> 上传后标记为已完成"), "{page}");
    assert!(page.contains("（所选文件：a.pdf）"), "the refused file is named: {page}");
    // A refresh of the form's address goes back to the material's page.
    let r = web.get(&format!("/projects/{id}/materials/{PLAN}/upload")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Sending now is refused on the check page itself, the refusal on top, the missing linked.
    let v = web.version(id).await;
    let r = web.post(&format!("/projects/{id}/check"), &[("version", &v)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.expect("page");
    assert!(page.contains("error-summary") && page.contains("项必须提交的材料未完成"), "{page}");
    // Without the materials there is no button to send, only what is missing.
    assert!(!page.contains("id=\"check-submit\"") && page.contains("check-submit-blocked"));
    let (_, project) = web.text(&format!("/projects/{id}")).await;
    assert!(project.contains("尚不能提交：") && project.contains("《项目建设方案》"), "{project}");
    assert!(!project.contains("button type=\"submit\" id=\"submit-declaration\""), "{project}");
    assert!(page.contains(&format!("href=\"/projects/{id}/materials/{PLAN}\"")), "{page}");
    let r = web.get(&format!("/projects/{id}/submit")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let r = web.upload(id, PLAN, "建设方案.pdf", pdf("p"), true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = web.text(&location(&r)).await;
    assert!(
        page.contains("文件已上传") && page.contains("建设方案.pdf") && page.contains("已完成"),
        "{page}"
    );

    // The check page lists what is still missing, and sending is refused until it is done.
    let (_, check) = web.text(&format!("/projects/{id}/check")).await;
    assert!(check.contains("id=\"check-missing\"") && check.contains("项目概算"), "{check}");
    let missing = check.split("id=\"check-missing\"").nth(1).unwrap_or_default();
    let missing = missing.split("</div>").next().unwrap_or_default();
    assert!(missing.contains("项目概算") && !missing.contains(">项目建设方案<"), "{missing}");
    assert!(web.hand_in(id).await >= 4);
    let (_, check) = web.text(&format!("/projects/{id}/check")).await;
    assert!(!check.contains("id=\"check-missing\""), "{check}");
    let v = input_value(&check, "version").expect("version");
    let r = web.post(&format!("/projects/{id}/check"), &[("version", &v)]).await;
    assert_eq!(
        (r.status(), location(&r)),
        (StatusCode::SEE_OTHER, format!("/projects/{id}?done=submit"))
    );
    let (_, page) = web.text(&format!("/projects/{id}/materials/{PLAN}")).await;
    assert!(page.contains("id=\"not-editable\"") && !page.contains("id=\"upload-file\""), "{page}");
}

/// With `GOVIT_TEST_S3_URL` (scripts/test.sh starts an S3-compatible server and sets it), the
/// materials go to its bucket: a file larger than one multipart part goes up in parts and
/// comes back whole, with its digest.
#[tokio::test]
async fn materials_live_in_an_s3_bucket_when_one_is_configured() {
    let Some(url) = std::env::var("GOVIT_TEST_S3_URL").ok().filter(|u| !u.is_empty()) else {
        assert!(
            std::env::var("GOVIT_REQUIRE_S3").is_err(),
            "GOVIT_REQUIRE_S3 is set but GOVIT_TEST_S3_URL is not"
        );
        return;
    };
    let app = spawn_app_with_files(Some(&url)).await;
    assert!(app.store.files().expect("files").describe.starts_with("s3://"));
    let clerk = app.api("clerk").await;
    let id = draft(&clerk, "区城市运行监测平台").await;
    let mut big = pdf("big plan");
    big.extend((0..20 * 1024 * 1024).map(|i: u32| (i % 251) as u8));
    let (s, m) = clerk.upload(id, PLAN, "建设方案.pdf", big.clone(), true).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let sm3 = govit_core::crypto::sm3_hex(&big);
    assert_eq!(m["files"][0]["sm3"], sm3);
    let href = m["files"][0]["href"].as_str().expect("href").to_string();
    let r = clerk.client.get(app.url(&href)).bearer_auth(&clerk.token).send().await;
    let r = r.expect("download");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.expect("bytes").len(), big.len());
    let key = format!("sm3/{}/{sm3}", &sm3[..2]);
    assert_eq!(app.store.files().expect("files").digest(&key).await.expect("digest"), sm3);
    assert!(clerk.hand_in(id).await >= 4);
    let (s, p) = submit(&clerk, id).await;
    assert_eq!((s, p["status"].clone()), (StatusCode::OK, json!("submitted")), "{p}");
}
