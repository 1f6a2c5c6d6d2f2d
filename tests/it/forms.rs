//! yeji:6's annex 1 (《六安市叶集区政务信息化项目申报表》) as the form lays it out: a
//! project's from its page and the API, a list's from the project list, and none where the
//! profile names no form.

use crate::harness::*;
use crate::workflow::Cast;
use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;

/// The sheet's cells and its merged ranges ((row, col) to (row, col)).
type Merges = Vec<((u32, u32), (u32, u32))>;

fn sheet(bytes: &[u8]) -> (calamine::Range<Data>, Merges) {
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let merges = wb
        .merge_cells_by_sheet_name("申报表")
        .expect("merges")
        .iter()
        .map(|d| (d.start, d.end))
        .collect();
    (wb.worksheet_range("申报表").expect("sheet"), merges)
}

fn text(range: &calamine::Range<Data>, at: (u32, u32)) -> String {
    range.get_value(at).map(|d| d.to_string()).unwrap_or_default()
}

#[tokio::test]
async fn yeji_declarations_export_as_annex_1_with_its_merged_header_total_and_opinion_cell() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let one = clerk.create_draft("附件测试教育资源平台").await;
    let two = clerk.create_draft("附件测试视频监控系统").await;

    // One project's form, from its page.
    let (_, page) = clerk.text(&format!("/projects/{one}")).await;
    assert!(page.contains("id=\"declaration-form-download\""), "{page}");
    assert!(page.contains("下载《六安市叶集区政务信息化项目申报表》"), "{page}");
    let r = clerk.get(&format!("/projects/{one}/declaration-form.xlsx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap_or("").contains("spreadsheetml"));
    let (range, merges) = sheet(&r.bytes().await.expect("bytes"));
    assert_eq!(text(&range, (0, 0)), "六安市叶集区政务信息化项目申报表");
    // The two-row header: 资金筹措 over its four sources, every other column over both rows.
    assert_eq!(text(&range, (1, 6)), "资金筹措");
    let sources: Vec<String> = (6..=9).map(|c| text(&range, (2, c))).collect();
    assert_eq!(sources, ["财政资金（万元）", "银行贷款（万元）", "自筹（万元）", "其他（万元）"]);
    assert!(merges.contains(&((1, 6), (1, 9))), "{merges:?}");
    assert!(merges.contains(&((1, 0), (2, 0))) && merges.contains(&((1, 14), (2, 14))));
    assert_eq!(
        (text(&range, (1, 3)), text(&range, (1, 14))),
        ("项目简要说明及建设依据".into(), "备注".into())
    );
    // 合计 above the projects, over the first four columns; amounts as numbers in 万元.
    assert_eq!(text(&range, (3, 0)), "合计");
    assert!(merges.contains(&((3, 0), (3, 3))), "{merges:?}");
    assert_eq!(range.get_value((3, 5)), Some(&Data::Float(120.5)));
    assert_eq!(range.get_value((4, 0)), Some(&Data::Float(1.0)));
    assert_eq!(text(&range, (4, 2)), "附件测试教育资源平台");
    assert_eq!(text(&range, (4, 4)), "2026年01月至2026年12月");
    assert_eq!(range.get_value((4, 8)), Some(&Data::Float(20.5)));
    assert_eq!(text(&range, (4, 12)), "0564-6661234");
    // The competent department's opinion, across the form, then its 说明 from the profile.
    assert!(text(&range, (5, 0)).starts_with("项目主管部门意见（盖章）："));
    assert!(merges.contains(&((5, 0), (5, 14))), "{merges:?}");
    assert_eq!(text(&range, (6, 0)), "说明：1．本表由项目建设单位填写，主管部门盖章。");
    assert!(text(&range, (8, 0)).contains("建设年度"));

    // The list's form: every listed project numbered, the 合计 their sum.
    let (_, list) = clerk.text("/projects").await;
    assert!(list.contains("id=\"export-declaration-form\""), "{list}");
    let r = clerk.get("/projects/declaration-form.xlsx?q=附件测试").await;
    assert_eq!(r.status(), StatusCode::OK);
    let (range, _) = sheet(&r.bytes().await.expect("bytes"));
    assert_eq!(range.get_value((3, 5)), Some(&Data::Float(241.0)));
    assert_eq!(range.get_value((5, 0)), Some(&Data::Float(2.0)));
    let names = [text(&range, (4, 2)), text(&range, (5, 2))];
    assert!(names.contains(&"附件测试视频监控系统".to_string()), "{names:?}");

    // The API, within data scope like every read.
    let api = app.api("clerk").await;
    let r = api
        .client
        .get(format!("{}/api/v1/projects/{two}/declaration-form", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(text(&sheet(&r.bytes().await.expect("bytes")).0, (4, 2)), "附件测试视频监控系统");
    let other = app.api("clerk2").await;
    let (s, e) = other.get(&format!("/api/v1/projects/{two}/declaration-form")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{e}");
    assert_eq!(
        app.login("clerk2")
            .await
            .get(&format!("/projects/{two}/declaration-form.xlsx"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_profile_that_names_no_form_offers_none() {
    let app = spawn_app().await;
    let cast = Cast::of(&app, "linxiang").await;
    let clerk = cast.api("clerk");
    let (s, p) = clerk.post("/api/v1/projects", declaration_json("临湘政务平台")).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let id = p["id"].as_i64().expect("id");
    let (s, e) = clerk.get(&format!("/api/v1/projects/{id}/declaration-form")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
}
