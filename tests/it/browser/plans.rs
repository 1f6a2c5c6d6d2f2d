//! The annual plan in Chromium (compiled, sent, approved and published along yeji:8's chain),
//! and the wide lists on a phone-sized screen.

use super::*;

#[tokio::test]
async fn the_authority_assembles_sends_and_publishes_the_annual_plan_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    // A declaration sent over the API: the plan takes it in.
    let id = app.api("clerk").await.send_new(declaration_json("年度计划浏览器测试平台")).await;
    let c = browser(&driver).await;
    let base = app.base.clone();
    let result = async {
        // The authority compiles the year's plan from the list page and sends it (报批).
        login(&c, &base, "reviewer").await;
        c.goto(&format!("{base}/plans")).await.expect("goto plans");
        wait_for(&c, "编制计划").await;
        fill(&c, "year", "2026").await;
        click(&c, "#start-plan").await;
        let page = wait_for(&c, "编制中").await;
        assert!(page.contains("年度计划浏览器测试平台") && page.contains("合计"), "{page}");
        assert!(page.contains("计划已创建，自动列入"), "{page}");
        let plan = c.current_url().await.expect("url").path().to_string();
        click(&c, "#pass").await;
        wait_for(&c, "报批中").await;
        logout(&c).await;
        // The district government finds it waiting, and approves it.
        login(&c, &base, "qzf").await;
        c.goto(&format!("{base}/plans")).await.expect("goto plans");
        wait_for(&c, "待我办理").await;
        c.goto(&format!("{base}{plan}")).await.expect("goto plan");
        wait_for(&c, "区政府：批准").await;
        click(&c, "#pass").await;
        wait_for(&c, "已批准待发布").await;
        logout(&c).await;
        // The authority publishes it: the project is now in the plan.
        login(&c, &base, "reviewer").await;
        c.goto(&format!("{base}{plan}")).await.expect("goto plan");
        click(&c, "#publish").await;
        wait_for(&c, "计划已发布。").await;
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        let page = wait_for(&c, "已列入").await;
        assert!(page.contains("年度政务信息化项目建设计划"), "{page}");
    }
    .await;
    c.close().await.expect("close browser");
    result
}

/// What the page's width is, and what it would take to show it whole: whether it scrolls
/// sideways.
async fn page_width(c: &Client) -> (i64, i64) {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await
        .expect("measure the page");
    let n = |i: usize| v[i].as_i64().expect("a width");
    (n(0), n(1))
}

/// On a phone's 390-pixel screen the pages with wide tables and filter rows (the project
/// list, the review queue, the overdue list) fit the screen: their tables scroll in their own
/// box and the page does not scroll sideways.
#[tokio::test]
async fn wide_pages_fit_a_phone_screen_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let id = app.api("clerk").await.send_new(declaration_json("手机屏幕宽度测试平台")).await;
    // A district of many departments: a long department tree beside the lists.
    let admin = app.login("admin").await;
    for i in 0..24 {
        let (code, name) = (format!("phone-{i}"), format!("手机测试科室{i}"));
        let r = admin
            .post("/org/departments", &[("code", &code), ("name", &name), ("parent", "sjj")])
            .await;
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "department {i}");
    }
    let c = browser(&driver).await;
    let base = app.base.clone();
    let result = async {
        c.set_window_size(390, 844).await.expect("a phone's window");
        login(&c, &base, "reviewer").await;
        for (path, shown) in [
            ("/projects", "手机屏幕宽度测试平台"),
            ("/review", "手机屏幕宽度测试平台"),
            ("/obligations/overdue", "手机屏幕宽度测试平台"),
        ] {
            if path == "/obligations/overdue" {
                // yeji:22's month for the acceptance application, forty days on: overdue,
                // on the authority's overdue list with its waiver form.
                app.accept_preliminarily(id).await;
                app.advance(Duration::from_secs(40 * 24 * 3600));
                app.store.refresh_all_obligations(app.now()).await.expect("the daily tick");
                // The session has long expired.
                login(&c, &base, "reviewer").await;
            }
            c.goto(&format!("{base}{path}")).await.expect("goto");
            let page = wait_for(&c, shown).await;
            assert!(page.contains("<table"), "{path}: {page}");
            if path != "/obligations/overdue" {
                // The department tree keeps to a few lines: the filter is on the first screen.
                let top = c
                    .execute(
                        "return document.getElementById('q').getBoundingClientRect().top + window.scrollY;",
                        vec![],
                    )
                    .await
                    .expect("where the filter is");
                let top = top.as_f64().expect("a number");
                assert!(top < 844.0, "{path}: the filter starts {top} px down");
            }
            let (wide, screen) = page_width(&c).await;
            assert!(screen <= 390, "{path}: the window is a phone's ({screen})");
            assert!(
                wide <= screen,
                "{path} scrolls sideways: {wide} px wide on a {screen} px screen"
            );
        }
    }
    .await;
    c.close().await.expect("close browser");
    result
}
