//! Importing an inventory sheet: good rows in, bad rows reported by row and column with
//! nothing of them written, re-import changes nothing; the same through the API and the CLI.

use crate::harness::*;
use govit_storage::sqlx;
use reqwest::StatusCode;
use serde_json::{Value, json};

const HEADER: &[&str] = &[
    "序号",
    "所属单位",
    "系统名称",
    "主要功能",
    "使用对象和范围",
    "使用频度",
    "部署方式",
    "网络",
    "是否接入政务服务平台",
    "等保级别",
    "四个一批处置",
    "处置理由",
];

/// An .xlsx with a title row, the header, then these rows.
pub fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "叶集区政务信息系统目录（2026年）").expect("title");
    for (r, row) in std::iter::once(HEADER).chain(rows.iter().copied()).enumerate() {
        for (c, cell) in row.iter().enumerate() {
            ws.write_string((r + 1) as u32, c as u16, *cell).expect("cell");
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

/// A sheet with good rows and bad ones, for the browser test too.
pub fn sample_sheet() -> Vec<u8> {
    mixed()
}

fn mixed() -> Vec<u8> {
    workbook(&[
        // Row 3: good, Chinese labels, own unit named.
        &[
            "1",
            "区教育体育局",
            "学生资助管理系统",
            "家庭经济困难学生认定、资助发放和统计",
            "全区中小学",
            "每月使用",
            "政务云",
            "电子政务外网",
            "是",
            "二级",
            "保留",
            "",
        ],
        // Row 4: good, codes, unit left blank (= own unit).
        &[
            "2",
            "",
            "校园安全视频巡查系统",
            "学校出入口视频巡查和告警",
            "区教体局安全股",
            "daily",
            "own_room",
            "private",
            "否",
            "3",
            "keep",
            "",
        ],
        // Row 5: bad deployment and a disposition without a reason.
        &[
            "3",
            "区教育体育局",
            "教师继续教育学分系统",
            "教师培训学分登记",
            "全区教师",
            "每周使用",
            "月球",
            "电子政务外网",
            "否",
            "",
            "关闭",
            "",
        ],
        // Row 6: another unit's system — a clerk may import only their own.
        &[
            "4",
            "区卫生健康委员会",
            "家庭医生签约系统",
            "签约服务管理",
            "全区",
            "每日使用",
            "政务云",
            "电子政务外网",
            "是",
            "三级",
            "保留",
            "",
        ],
        // Row 7: the same system as row 3 again.
        &[
            "5",
            "区教育体育局",
            "学生资助管理系统",
            "重复的一行",
            "全区中小学",
            "每月使用",
            "政务云",
            "电子政务外网",
            "是",
            "二级",
            "保留",
            "",
        ],
        // Row 8: good, a 四个一批 closure with its reason.
        &[
            "6",
            "区教育体育局",
            "旧版学籍系统",
            "学籍信息登记（已由省平台替代）",
            "区教体局",
            "长期未使用",
            "自有机房",
            "电子政务外网",
            "否",
            "",
            "关闭（僵尸系统）",
            "已由省学籍平台替代（gaoping:9）",
        ],
    ])
}

async fn upload(web: &Web, bytes: Vec<u8>, check_only: bool) -> (StatusCode, String) {
    upload_sheet(web, "/systems/import", bytes, check_only).await
}

fn count(page: &str, id: &str) -> i64 {
    let at = page.find(&format!("id=\"{id}\">")).unwrap_or_else(|| panic!("{id} in {page}"));
    let rest = &page[at + id.len() + 6..];
    rest[..rest.find('<').expect("end")].parse().expect("number")
}

async fn catalog_names(api: &Api) -> Vec<String> {
    let (_, list) = api.get("/api/v1/systems?page_size=200").await;
    let mut names: Vec<String> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["system"]["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn mixed_file_imports_good_rows_reports_bad_ones_and_reimport_changes_nothing() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;

    // A check first writes nothing.
    let (s, page) = upload(&clerk, mixed(), true).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("检查结果（未写入）"), "{page}");
    assert_eq!(count(&page, "created"), 3);
    let api = app.api("clerk").await;
    assert!(catalog_names(&api).await.is_empty(), "a check writes nothing");

    let (s, page) = upload(&clerk, mixed(), false).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(
        (
            count(&page, "created"),
            count(&page, "updated"),
            count(&page, "unchanged"),
            count(&page, "refused")
        ),
        (3, 0, 0, 3),
        "{page}"
    );
    // Each problem names its row and its column in Excel's terms.
    for want in [
        "<td>5</td><td>G（部署方式）</td><td>部署方式应为以下之一",
        "<td>5</td><td>L（处置理由）</td>",
        "<td>6</td><td>B（所属单位）</td><td>无权导入“区卫生健康委员会”的系统",
        "<td>7</td><td>C（系统名称）</td><td>与第 3 行是同一单位的同名系统",
    ] {
        assert!(page.contains(want), "{want} not in {page}");
    }
    assert_eq!(
        catalog_names(&api).await,
        ["学生资助管理系统", "旧版学籍系统", "校园安全视频巡查系统"],
        "bad rows left nothing behind"
    );

    // The same file again: nothing changes, no new versions.
    let (_, page) = upload(&clerk, mixed(), false).await;
    assert_eq!(
        (count(&page, "created"), count(&page, "updated"), count(&page, "unchanged")),
        (0, 0, 3),
        "{page}"
    );

    // One corrected and one changed row: the corrected row comes in, the change is a new version.
    let fixed = workbook(&[
        &[
            "1",
            "区教育体育局",
            "学生资助管理系统",
            "家庭经济困难学生认定、资助发放、统计和公示",
            "全区中小学",
            "每月使用",
            "政务云",
            "电子政务外网",
            "是",
            "二级",
            "保留",
            "",
        ],
        &[
            "3",
            "区教育体育局",
            "教师继续教育学分系统",
            "教师培训学分登记",
            "全区教师",
            "每周使用",
            "政务云",
            "电子政务外网",
            "否",
            "",
            "保留",
            "",
        ],
    ]);
    let (_, page) = upload(&clerk, fixed, false).await;
    assert_eq!(
        (count(&page, "created"), count(&page, "updated"), count(&page, "refused")),
        (1, 1, 0),
        "{page}"
    );
    let (_, list) = api.get("/api/v1/systems?q=学生资助").await;
    let id = list["items"][0]["id"].as_i64().expect("id");
    let (_, history) = api.get(&format!("/api/v1/systems/{id}/history")).await;
    assert_eq!(history.as_array().map(Vec::len), Some(2), "{history}");
    let audit = app
        .audit(govit_storage::audit::AuditFilter {
            action: "system.update".into(),
            ..Default::default()
        })
        .await;
    assert!(audit.iter().any(|a| a.event.detail == "Excel 导入"), "{audit:?}");
    // Imports write their audit records in bulk; the chain stays whole.
    let created = app
        .audit(govit_storage::audit::AuditFilter {
            action: "system.create".into(),
            ..Default::default()
        })
        .await;
    assert!(created.len() >= 4, "{created:?}");
    let verified = app.store.verify_audit_chain().await.expect("db");
    assert!(verified.is_ok(), "{verified:?}");
}

#[tokio::test]
async fn unreadable_files_and_missing_columns_are_refused_whole() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let (s, page) = upload(&clerk, b"not a workbook".to_vec(), false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("错误：") && page.contains("请上传 Excel 工作簿"), "{page}");

    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "系统名称").expect("cell");
    ws.write_string(1, 0, "某系统").expect("cell");
    let (s, page) = upload(&clerk, wb.save_to_buffer().expect("xlsx"), false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("缺少必填列：主要功能、使用频度、部署方式、网络"), "{page}");

    // A multipart form without its CSRF token changes nothing.
    let part = reqwest::multipart::Part::bytes(mixed()).file_name("x.xlsx");
    let r = clerk
        .client
        .post(format!("{}/systems/import", clerk.app_base))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(catalog_names(&app.api("clerk").await).await.is_empty());

    // The template's example row reads back as a valid row.
    let r = clerk.get("/systems/import/template.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let (s, page) = upload(&clerk, r.bytes().await.expect("xlsx").to_vec(), true).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!((count(&page, "created"), count(&page, "refused")), (1, 0), "{page}");

    // Observers cannot import.
    let viewer = app.api("sjiju").await;
    let (s, body) = raw_import(&viewer, mixed(), false).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
}

async fn raw_import(api: &Api, bytes: Vec<u8>, dry_run: bool) -> (StatusCode, Value) {
    let r = api
        .client
        .post(format!("{}/api/v1/systems/import?dry_run={dry_run}", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .body(bytes)
        .send()
        .await
        .expect("import");
    let s = r.status();
    (s, r.json().await.expect("json"))
}

#[tokio::test]
async fn api_and_cli_import_and_export_round_trip() {
    let app = spawn_app().await;
    let reviewer = app.api("reviewer").await;
    // The authority imports for any unit.
    let (s, body) = raw_import(&reviewer, mixed(), true).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["written"], false);
    assert_eq!(body["created"], 4, "{body}");
    let (s, body) = raw_import(&reviewer, mixed(), false).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        (body["created"].clone(), body["refused_rows"].clone()),
        (json!(4), json!(2)),
        "{body}"
    );
    let problem = &body["problems"][0];
    assert_eq!(problem["row"], 5);
    assert_eq!(problem["column"], "G（部署方式）");
    assert_eq!(problem["field"], "deployment");
    let (s, body) = raw_import(&reviewer, b"PK-garbage".to_vec(), false).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (body["code"].as_str(), body["field"].as_str()),
        (Some("invalid_input"), Some("file"))
    );

    // The imported systems are in the duplicate check at once.
    let clerk = app.api("clerk2").await;
    let mut decl = declaration_json("家庭医生签约服务平台");
    decl["summary"] = json!("居民与家庭医生团队签约服务管理，签约、履约和考核");
    let (_, p) = clerk.post("/api/v1/projects", decl).await;
    let id = p["id"].as_i64().expect("id");
    clerk.hand_in(id).await;
    clerk.post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]})).await;
    let (_, similar) = reviewer.get(&format!("/api/v1/projects/{id}/similar")).await;
    assert_eq!(similar[0]["name"], "家庭医生签约系统", "{similar}");

    // CLI: export what the authority sees, import it back — nothing changes.
    let file = app.data_dir.join("catalog.xlsx");
    let file = file.to_str().expect("path");
    let out = app.cli(&["systems", "export", "--user", "reviewer", "--out", file]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("已导出 4 个系统"));
    let rows = xlsx_rows(&std::fs::read(file).expect("file"), "政务信息系统目录");
    assert_eq!(rows[0][1], "所属单位");
    let out = app.cli(&["systems", "import", file, "--user", "reviewer"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("新增 0，更新 0，未改动 4，未导入 0"), "{stdout}");

    // A file with bad rows: listed by row and column, exit status 3.
    let bad = app.data_dir.join("bad.xlsx");
    std::fs::write(&bad, mixed()).expect("write");
    let out = app.cli(&[
        "systems",
        "import",
        bad.to_str().expect("path"),
        "--user",
        "clerk",
        "--dry-run",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("第 5 行 G（部署方式）"), "{stdout}");
}

#[tokio::test]
async fn search_page_finds_systems_and_projects_within_scope() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    let (s, _) = raw_import(&clerk, mixed(), false).await;
    assert_eq!(s, StatusCode::OK);
    let reviewer = app.api("reviewer").await;
    let (s, _) = raw_import(&reviewer, mixed(), false).await;
    assert_eq!(s, StatusCode::OK);
    let mut decl = declaration_json("校园视频巡查平台升级");
    decl["summary"] = json!("学校出入口视频巡查、告警和处置");
    let (_, p) = clerk.post("/api/v1/projects", decl).await;
    let id = p["id"].as_i64().expect("id");

    // The clerk finds the unit's own system and its own draft, best first.
    let (s, hits) = clerk.get("/api/v1/search?q=校园视频巡查").await;
    assert_eq!(s, StatusCode::OK, "{hits}");
    let found: Vec<(String, String)> = hits
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| (h["kind"].as_str().unwrap_or("").into(), h["name"].as_str().unwrap_or("").into()))
        .collect();
    assert!(found.contains(&("system".into(), "校园安全视频巡查系统".into())), "{found:?}");
    assert!(found.contains(&("project".into(), "校园视频巡查平台升级".into())), "{found:?}");
    // A common word is what the person typed: 平台 finds the project named with it.
    let (_, hits) = clerk.get("/api/v1/search?q=平台").await;
    assert!(
        hits.as_array().expect("hits").iter().any(|h| h["name"] == "校园视频巡查平台升级"),
        "{hits}"
    );
    let (_, only) = clerk.get("/api/v1/search?q=校园视频巡查&kind=system").await;
    assert!(only.as_array().expect("hits").iter().all(|h| h["kind"] == "system"), "{only}");

    // The reviewer does not see the draft; another unit's clerk sees neither.
    let (_, hits) = reviewer.get("/api/v1/search?q=校园视频巡查").await;
    assert!(
        hits.as_array().expect("hits").iter().all(|h| h["id"] != id || h["kind"] != "project"),
        "{hits}"
    );
    let other = app.api("clerk2").await;
    let (_, hits) = other.get("/api/v1/search?q=校园视频巡查").await;
    assert_eq!(hits, json!([]), "out of scope");
    let (_, hits) = reviewer.get("/api/v1/search?q=家庭医生签约").await;
    assert_eq!(hits[0]["name"], "家庭医生签约系统", "{hits}");
    // A department filter leaves other units' records out.
    let (_, list) = reviewer.get("/api/v1/systems?q=家庭医生").await;
    let wjw = list["items"][0]["owner_department_id"].as_i64().expect("dept");
    let (_, hits) = reviewer.get(&format!("/api/v1/search?q=校园视频巡查&dept={wjw}")).await;
    assert_eq!(hits, json!([]), "{hits}");

    // The page and its export.
    let web = app.login("clerk").await;
    let (s, page) = web.text("/search?q=校园视频巡查&kind=system").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("校园安全视频巡查系统") && !page.contains("校园视频巡查平台升级"),
        "{page}"
    );
    let r = web.get("/search/export.xlsx?q=校园视频巡查").await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = xlsx_rows(&r.bytes().await.expect("xlsx"), "检索结果");
    assert!(rows.iter().any(|r| r.iter().any(|c| c == "校园视频巡查平台升级")), "{rows:?}");
}

#[tokio::test]
async fn a_check_only_import_waits_for_no_writer() {
    let app = spawn_app().await;
    let clerk = app.api("clerk").await;
    // The token's first use is recorded (a write, once a minute) before the lock is taken.
    assert_eq!(clerk.get("/api/v1/me").await.0, StatusCode::OK);
    // Another writer is in the middle of a transaction and holds the database's write lock
    // (and, on PostgreSQL, the audit chain's head row).
    let mut other = app.store.pool().begin().await.expect("begin");
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut *other)
        .await
        .expect("hold the head");
    let checked = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        raw_import(&clerk, sample_sheet(), true),
    )
    .await
    .expect("a check-only run needs no write lock");
    assert_eq!(checked.0, StatusCode::OK, "{}", checked.1);
    assert!(checked.1["created"].as_i64().unwrap_or(0) > 0, "{}", checked.1);
    assert_eq!(checked.1["written"], false);
    other.rollback().await.expect("rollback");
    // Nothing was written by the check.
    assert!(catalog_names(&clerk).await.is_empty());
    // A real import after the other writer is done writes what the check counted.
    let (s, body) = raw_import(&clerk, sample_sheet(), false).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["created"], checked.1["created"]);
}
