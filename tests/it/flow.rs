//! The first flow end to end in the UI: declare, submit, return with a reason, resubmit,
//! approve; and the timeline that records it.

use crate::harness::*;
use reqwest::StatusCode;

#[tokio::test]
async fn declare_return_resubmit_approve_in_the_ui() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;

    // The clerk saves a draft, then edits it.
    let id = clerk.create_draft("叶集区教育资源公共服务平台").await;
    let (_, page) = clerk.text(&format!("/projects/{id}")).await;
    assert!(page.contains("草稿"), "{page}");
    assert!(page.contains("120.5 万元"));
    let mut fields = declaration("叶集区教育资源公共服务平台（一期）");
    fields.iter_mut().find(|(k, _)| *k == "remarks").expect("remarks").1 = "一期建设".into();
    let v = clerk.version(id).await;
    let mut form = as_pairs(&fields);
    form.push(("version", &v));
    let r = clerk.post(&format!("/projects/{id}/edit"), &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = clerk.text(&format!("/projects/{id}")).await;
    assert!(page.contains("（一期）") && page.contains("一期建设"));

    // Submit; it appears in the reviewer's queue with a count in the navigation.
    assert_eq!(clerk.submit(id).await.status(), StatusCode::SEE_OTHER);
    let reviewer = app.login("reviewer").await;
    let (s, queue) = reviewer.text("/review").await;
    assert_eq!(s, StatusCode::OK);
    assert!(queue.contains("（一期）"), "{queue}");
    assert!(queue.contains(r#"<span class="count">1</span>"#), "todo count missing");

    // Returning needs a reason.
    let v = reviewer.version(id).await;
    let r = reviewer
        .post(
            &format!("/projects/{id}/decide"),
            &[("version", &v), ("decision", "return"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    // The message names the field by its label on the form.
    assert!(body.contains("存在问题") && body.contains("请在“意见或理由”中写明"), "{body}");
    // The chosen 退回 stays chosen.
    assert!(body.contains(r#"value="return" id="decision-return" checked"#), "{body}");
    assert!(!body.contains(r#"id="decision-approve" checked"#));
    let r = reviewer
        .post(
            &format!("/projects/{id}/decide"),
            &[("version", &v), ("decision", "return"), ("reason", "请补充建设依据文件名称")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The clerk sees the outcome and the reason, edits and resubmits.
    let (_, home) = clerk.text("/").await;
    assert!(home.contains(r#"<span class="count">1</span>"#), "returned count missing: {home}");
    let (_, page) = clerk.text(&format!("/projects/{id}")).await;
    assert!(page.contains("已退回") && page.contains("请补充建设依据文件名称"), "{page}");
    // The edit page repeats why, and names the form in the clerk's own profile.
    let (_, edit) = clerk.text(&format!("/projects/{id}/edit")).await;
    assert!(edit.contains("退回理由") && edit.contains("请补充建设依据文件名称"), "{edit}");
    assert!(edit.contains("六安市叶集区政务信息化项目申报表"));
    // The check page, where the clerk sends it again, repeats why and shows the funding.
    let (_, check) = clerk.text(&format!("/projects/{id}/check")).await;
    assert!(check.contains("id=\"check-returned\"") && check.contains("请补充建设依据文件名称"));
    assert!(check.contains("财政资金") && check.contains("电子邮箱"), "{check}");
    let v = clerk.version(id).await;
    let mut form = as_pairs(&fields);
    form.push(("version", &v));
    assert_eq!(
        clerk.post(&format!("/projects/{id}/edit"), &form).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(clerk.submit(id).await.status(), StatusCode::SEE_OTHER);

    // yeji:7: the authority's reviewer signs the joint review; the four other offices follow.
    let v = reviewer.version(id).await;
    let (_, page) = reviewer.text(&format!("/projects/{id}")).await;
    assert!(
        page.contains("审核意见：集中审查论证（yeji:7）") && page.contains("通过，送下一步"),
        "{page}"
    );
    // Refused until the authority's own opinion is in, saying so on the page.
    let r = reviewer
        .post(
            &format!("/projects/{id}/decide"),
            &[("version", &v), ("decision", "approve"), ("reason", "同意")],
        )
        .await;
    // Back on the project page at the decision form, saying why, the reason typed kept.
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("通过前须先填写集中审查论证意见"), "{body}");
    assert!(body.contains("id=\"decision-form\"") && body.contains(">同意</textarea>"), "{body}");
    let r = reviewer
        .post(
            &format!("/projects/{id}/review"),
            &[("v.sharing", "90"), ("conclusion", "agree"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = reviewer
        .post(
            &format!("/projects/{id}/decide"),
            &[("version", &v), ("decision", "approve"), ("reason", "同意")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Signed: nothing is left for the authority's reviewer to do at this step.
    let (_, page) = reviewer.text(&format!("/projects/{id}")).await;
    assert!(!page.contains("id=\"decide\""), "{page}");
    app.pass_steps(id, &YEJI_JOINT_REVIEW[1..]).await;

    // 发改委's approval (yeji:5): refused, citing yeji:24, until its two facts are established.
    let fgw = app.login("fgw").await;
    let v = fgw.version(id).await;
    let r = fgw
        .post(
            &format!("/projects/{id}/decide"),
            &[("version", &v), ("decision", "approve"), ("reason", "同意")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("body");
    assert!(page.contains("尚未认定") && page.contains("yeji:24"), "{page}");
    let (_, page) = reviewer.text(&format!("/projects/{id}")).await;
    assert!(page.contains("立项审批关口") && page.contains("待认定"), "{page}");
    for fact in ["can_share", "uses_domestic_crypto"] {
        let r = reviewer
            .post(
                &format!("/projects/{id}/facts"),
                &[("fact", fact), ("value", "1"), ("basis", "据申报材料")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let v = fgw.version(id).await;
    let r = fgw
        .post(
            &format!("/projects/{id}/decide"),
            &[("version", &v), ("decision", "approve"), ("reason", "同意")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = clerk.text(&format!("/projects/{id}")).await;
    assert!(page.contains("审核通过"));
    // The timeline holds every step, newest first.
    for step in ["创建草稿", "修改申报表", "提交申报", "退回修改", "审核通过"]
    {
        assert!(page.contains(step), "timeline lacks {step}");
    }
    let timeline = &page[page.find("办理记录").expect("timeline")..];
    // Seven lines as before, and the five signatures of the joint review, besides the lines of
    // the materials handed in and the five offices' opinions.
    let materials = timeline.matches("更新申报材料").count();
    assert!(materials >= 5, "{timeline}");
    let opinions = timeline.matches("填写集中审查论证意见").count();
    assert_eq!(opinions, 5, "{timeline}");
    assert_eq!(timeline.matches("<li>").count() - materials - opinions, 12, "{timeline}");
    // An approved declaration cannot be edited any more.
    let (_, p) = app.api("clerk").await.get(&format!("/api/v1/projects/{id}")).await;
    let v = p["version"].to_string();
    let mut form = as_pairs(&fields);
    form.push(("version", &v));
    assert_eq!(
        clerk.post(&format!("/projects/{id}/edit"), &form).await.status(),
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn withdraw_returns_a_submission_to_draft() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("撤回测试项目").await;
    clerk.submit(id).await;
    let v = clerk.version(id).await;
    assert_eq!(
        clerk.post(&format!("/projects/{id}/withdraw"), &[("version", &v)]).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, page) = clerk.text(&format!("/projects/{id}")).await;
    assert!(page.contains("撤回：待审核 → 草稿"), "{page}");
    assert!(
        !page.contains("草稿 → 草稿"),
        "a step that keeps the status shows no transition: {page}"
    );
}

#[tokio::test]
async fn lists_filter_page_and_export() {
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    for i in 0..23 {
        clerk.create_draft(&format!("批量项目{i:02}")).await;
    }
    let special = clerk.create_draft("智慧校园安防平台").await;
    let (_, page) = clerk.text("/projects").await;
    assert!(page.contains("共 24 个项目") && page.contains("第 1 / 2 页"), "paging");
    // A clerk starts a declaration from the list; a reviewer has nothing to start there.
    assert!(page.contains("href=\"/projects/new\" id=\"new-project\""), "{page}");
    let (_, page) = app.login("reviewer").await.text("/projects").await;
    assert!(!page.contains("id=\"new-project\""), "{page}");
    let (_, page) = clerk.text("/projects?page=2").await;
    assert!(page.contains("第 2 / 2 页"));
    let (_, page) = clerk.text(&format!("/projects?q={}", "安防")).await;
    assert!(page.contains("共 1 个项目") && page.contains(&format!("/projects/{special}")));
    let (_, page) = clerk.text("/projects?status=approved").await;
    assert!(page.contains("共 0 个项目"));
    // The department tree filters to a department and those below it.
    let depts = app.store.departments(govit_core::ids::JurisdictionId(1)).await.expect("depts");
    let school = depts.iter().find(|d| d.code == "jyt-xx").expect("school");
    let (_, page) = clerk.text(&format!("/projects?dept={}", school.id)).await;
    assert!(page.contains("共 0 个项目"));
    let r = clerk.get("/projects/export.xlsx?q=安防").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap_or("").contains("spreadsheetml"));
    // A Chinese name dated today (RFC 5987), with an ASCII fallback.
    let today = govit_storage::china_today(app.now()).format("%Y-%m-%d").to_string();
    let disposition = r.headers()["content-disposition"].to_str().unwrap_or("").to_string();
    assert!(disposition.contains(&format!("filename=\"projects-{today}.xlsx\"")), "{disposition}");
    assert!(
        disposition.contains(&format!("filename*=UTF-8''%E9%A1%B9%E7%9B%AE%E5%BA%93-{today}.xlsx")),
        "{disposition}"
    );
    let bytes = r.bytes().await.expect("xlsx");
    let rows = xlsx_rows(&bytes, "项目申报表");
    // Amounts are numbers in a 万元 format, so that Excel sums them.
    {
        use calamine::{Data, Reader, Xlsx};
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
        let range = wb.worksheet_range("项目申报表").expect("sheet");
        assert_eq!(range.get((1, 5)), Some(&Data::Float(120.5)));
        assert_eq!(range.get((2, 5)), Some(&Data::Float(120.5)), "the 合计 row");
        assert!(matches!(range.get((1, 2)), Some(Data::String(_))));
    }
    // Header, the one project the filter keeps, the 合计 row.
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][2], "智慧校园安防平台");
    assert_eq!(rows[1][5], "120.5");
    assert_eq!((rows[2][0].as_str(), rows[2][5].as_str()), ("合计", "120.5"));
}

/// The message after a decision on the page says what happened: a 会签's signature waits for
/// the others; a return to an earlier step of the reviewers' is a return, not a pass.
#[tokio::test]
async fn the_message_after_a_decision_says_what_it_did() {
    let app = spawn_app().await;
    let id = app.api("clerk").await.send_new(declaration_json("区决定提示测试平台")).await;
    app.api("reviewer").await.confirm_yeji_approval_facts(id).await;
    // The first office to sign yeji:7's joint review: the others have still to sign.
    let reviewer = app.login("reviewer").await;
    let r = reviewer
        .post(
            &format!("/projects/{id}/review"),
            &[("v.sharing", "90"), ("conclusion", "agree"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = reviewer.version(id).await;
    let r = reviewer
        .post(
            &format!("/projects/{id}/decide"),
            &[("version", &v), ("decision", "approve"), ("reason", "同意")],
        )
        .await;
    assert_eq!(location(&r), "/review?done=cosign");
    let (_, page) = reviewer.text("/review?done=cosign").await;
    assert!(page.contains("本步为会签，其余单位签署后即送下一步办理"), "{page}");
    app.pass_steps(id, &YEJI_JOINT_REVIEW[1..]).await;
    // 发改委 returns it to the joint review: said as a return.
    let api = app.api("fgw").await;
    let (_, path) = api.get(&format!("/api/v1/projects/{id}/path")).await;
    let joint = path["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["action"] == "集中审查论证")
        .and_then(|s| s["key"].as_str())
        .unwrap_or_else(|| panic!("{path}"))
        .to_string();
    let fgw = app.login("fgw").await;
    let v = fgw.version(id).await;
    let r = fgw
        .post(
            &format!("/projects/{id}/decide"),
            &[
                ("version", &v),
                ("decision", "return"),
                ("reason", "请补充论证意见"),
                ("to", &joint),
            ],
        )
        .await;
    assert_eq!(location(&r), "/review?done=return_step");
    let (_, page) = fgw.text("/review?done=return_step").await;
    assert!(page.contains("已退回所选步骤重新办理") && !page.contains("已通过"), "{page}");
}
