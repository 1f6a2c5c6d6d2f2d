//! A sixth jurisdiction onboarded by writing its profile: checked, loaded from the data
//! directory, and run end to end.

use super::{create, find, project_body};
use crate::harness::*;
use reqwest::StatusCode;
use serde_json::json;

const ZHENYUAN: &str = r#"
id = "zhenyuan"
name = "镇远县政务信息化项目管理办法（示例）"
jurisdiction = "镇远县"
issuer = "镇远县人民政府办公室"
document = "镇府办发〔2026〕3号"
issued = "2026-03-01"

[labels.parties]
authority = "县大数据发展局"
owner_unit = "项目单位"

[[stages]]
stage = "declaration"
cite = "zhenyuan:4"
text = "项目单位向县大数据发展局申报项目。"
chain = [{ parties = ["owner_unit"], action = "申报" }]

[[deadlines]]
id = "zhenyuan-5-start"
cite = "zhenyuan:5"
text = "开工建设后3个工作日内向县大数据发展局报送开工报告。"
duty = "报送开工报告"
owed_by = "owner_unit"
owed_to = "authority"
after = "work_started"
working_days = 3
fulfilled_by = "progress_reported"

[[documents]]
id = "zhenyuan-4-plan"
cite = "zhenyuan:4"
stage = "declaration"
name = "建设方案"
text = "申报须提交建设方案。"

[[quotas]]
id = "zhenyuan-6-quota"
cite = "zhenyuan:6"
text = "每个部门每年申报项目不超过1个。"
counts = "declaration_submitted"
per = "department_year"
max = 1

[[gates]]
id = "zhenyuan-6-gate"
cite = "zhenyuan:6"
text = "每个部门每年申报项目不超过1个，本年度名额已用完。"
action = "declare"
quota = "zhenyuan-6-quota"
"#;

#[tokio::test]
async fn a_sixth_jurisdiction_is_onboarded_by_writing_a_profile() {
    let app = spawn_app().await;
    let dir = app.data_dir.join("policies");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("zhenyuan.toml");
    std::fs::write(&file, ZHENYUAN).expect("write profile");
    let out = app.cli(&["policy", "check", file.to_str().expect("path")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let out = app.cli(&["policy", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("zhenyuan"));
    // The running server picks it up from the data directory (as `serve` does on start).
    assert!(app.store.load_profile_overrides(&dir).is_empty());
    jurisdiction(&app, "zhenyuan", "zhenyuan").await;
    let clerk = app.api("zhenyuan-clerk").await;
    let (id, p) = create(&clerk, project_body("镇远县智慧旅游平台", "2027-01", "2027-12")).await;
    let started = (govit_storage::china_today(app.now()) - chrono::Days::new(1)).to_string();
    let (_, list) = clerk
        .post(
            &format!("/api/v1/projects/{id}/events"),
            json!({"kind": "work_started", "date": started}),
        )
        .await;
    assert_eq!(find(&list, "zhenyuan-5-start")["cite"], "zhenyuan:5");
    clerk.hand_in(id).await;
    let (s, _) = clerk
        .post(&format!("/api/v1/projects/{id}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (second, p) = create(&clerk, project_body("镇远县第二个项目", "2027-01", "2027-12")).await;
    clerk.hand_in(second).await;
    let (s, e) = clerk
        .post(&format!("/api/v1/projects/{second}/submit"), json!({"version": p["version"]}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(e["message"].as_str().unwrap_or("").contains("zhenyuan:6"), "{e}");
    // Its labels are the ones users see.
    let web = app.login("zhenyuan-clerk").await;
    let (_, page) = web.text(&format!("/projects/{id}")).await;
    assert!(page.contains("项目单位") && page.contains("报送开工报告"), "{page}");

    // A profile with mistakes: every one named with file, line and field; exit code 2.
    let broken = ZHENYUAN
        .replace("working_days = 3", "working_days = \"三\"")
        .replace("owed_to = \"authority\"", "owed_to = \"mayor\"");
    std::fs::write(&file, broken).expect("write");
    let out = app.cli(&["policy", "check", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("zhenyuan.toml:27: deadlines.working_days"), "{report}");
}
