//! Construction in Chromium: the owner unit reports last quarter's progress and asks for a
//! change; the district government approves the change and the authority files both, each
//! along yeji's own chain (yeji:15, yeji:20).

use super::*;

#[tokio::test]
async fn yeji_reports_progress_and_changes_its_project_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("浏览器建设期平台").await;
    clerk.submit(id).await;
    let p = app.approve_yeji(id).await;
    assert_eq!(p["status"], "approved", "{p}");
    let c = browser(&driver).await;
    let base = app.base.clone();
    let result = async {
        // The unit fills in last quarter's report (annex 2) and sends it.
        login(&c, &base, "clerk").await;
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        click(&c, "#new-report").await;
        wait_for(&c, "本辖区对进度报告的规定").await;
        for (field, value) in [
            ("progress", "已完成概要设计"),
            ("expected_on", "2027-06-30"),
            ("invested", "40"),
            ("head", "王主任"),
            ("contact", "李工"),
            ("phone", "0564-6000000"),
        ] {
            fill(&c, field, value).await;
        }
        click(&c, "#save-report").await;
        wait_for(&c, "已保存。请核对后报送。").await;
        let report = c.current_url().await.expect("url").path().to_string();
        click(&c, "#pass").await;
        wait_for(&c, "已报送，等待").await;
        // Then asks to change its content (yeji:20).
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        click(&c, "#new-change").await;
        wait_for(&c, "本辖区对项目调整的规定").await;
        for (field, value) in [
            ("title", "调整共享模块建设内容"),
            ("content", "将部分开发内容调整为接入区共享平台"),
            ("reason", "主要建设内容确需调整"),
            ("increase", "10"),
            ("decrease", "10"),
        ] {
            fill(&c, field, value).await;
        }
        click(&c, "#save-change").await;
        wait_for(&c, "已保存。请核对后报送。").await;
        let change = c.current_url().await.expect("url").path().to_string();
        click(&c, "#pass").await;
        wait_for(&c, "办理中").await;
        logout(&c).await;
        // The district government finds the change waiting and approves it.
        login(&c, &base, "qzf").await;
        click(&c, "nav.sidenav a[href='/changes']").await;
        wait_for(&c, "调整共享模块建设内容").await;
        c.goto(&format!("{base}{change}")).await.expect("goto change");
        wait_for(&c, "id=\"pass\"").await;
        click(&c, "#pass").await;
        wait_without(&c, "id=\"pass\"").await;
        logout(&c).await;
        // The authority files both.
        login(&c, &base, "reviewer").await;
        for (path, done) in [(&change, "已办结"), (&report, "已备案")] {
            c.goto(&format!("{base}{path}")).await.expect("goto");
            wait_for(&c, "id=\"pass\"").await;
            click(&c, "#pass").await;
            wait_for(&c, done).await;
        }
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        let page = wait_for(&c, "调整共享模块建设内容").await;
        assert!(page.contains("已备案") && page.contains("已办结"), "{page}");
    }
    .await;
    c.close().await.expect("close browser");
    result
}

#[tokio::test]
async fn yeji_accepts_its_project_and_a_failed_acceptance_is_begun_again_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("浏览器验收平台").await;
    clerk.submit(id).await;
    let p = app.approve_yeji(id).await;
    assert_eq!(p["status"], "approved", "{p}");
    let c = browser(&driver).await;
    let base = app.base.clone();
    let result = async {
        // The unit starts its acceptance, passes its own 初步验收 and applies (yeji:22).
        login(&c, &base, "clerk").await;
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        click(&c, "#new-acceptance").await;
        wait_for(&c, "本辖区对项目验收的规定").await;
        wait_for(&c, "验收申请报告").await;
        click(&c, "#save-acceptance").await;
        wait_for(&c, "请填写项目建设总结").await;
        for (field, value) in
            [("summary", "已按批复建成"), ("contact", "李工"), ("phone", "0564-6000000")]
        {
            fill(&c, field, value).await;
        }
        click(&c, "#save-acceptance").await;
        wait_for(&c, "等待项目建设单位组织初步验收").await;
        let acceptance = c.current_url().await.expect("url").path().to_string();
        click(&c, "#pass").await;
        wait_for(&c, "等待项目建设单位提出竣工验收申请").await;
        click(&c, "#pass").await;
        wait_for(&c, "组织竣工验收").await;
        logout(&c).await;
        // The authority finds it waiting; yeji:14 stands in front of its acceptance.
        login(&c, &base, "reviewer").await;
        click(&c, "nav.sidenav a[href='/acceptances']").await;
        wait_for(&c, "浏览器验收平台").await;
        c.goto(&format!("{base}{acceptance}")).await.expect("goto acceptance");
        wait_for(&c, "验收条件").await;
        click(&c, "#pass").await;
        wait_for(&c, "yeji:14").await;
        // It does not pass: the reason is kept, and the unit is told to begin again.
        c.goto(&format!("{base}{acceptance}")).await.expect("goto acceptance");
        fill(&c, "reason", "产品安全可靠情况说明未提供").await;
        click(&c, "#reject").await;
        wait_for(&c, "验收未通过").await;
        logout(&c).await;
        login(&c, &base, "clerk").await;
        c.goto(&format!("{base}{acceptance}")).await.expect("goto acceptance");
        let page = wait_for(&c, "产品安全可靠情况说明未提供").await;
        assert!(page.contains("整改后重新发起验收"), "{page}");
        click(&c, "#again").await;
        wait_for(&c, "第 1 次验收未通过").await;
    }
    .await;
    c.close().await.expect("close browser");
    result
}

#[tokio::test]
async fn yeji_requests_a_payment_and_finance_is_held_by_the_plan_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("浏览器拨付平台").await;
    clerk.submit(id).await;
    let p = app.approve_yeji(id).await;
    assert_eq!(p["status"], "approved", "{p}");
    let c = browser(&driver).await;
    let base = app.base.clone();
    let result = async {
        // The unit requests its first progress payment and sends it (yeji:5).
        login(&c, &base, "clerk").await;
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        click(&c, "#new-payment").await;
        wait_for(&c, "本辖区对资金拨付的规定").await;
        click(&c, "#save-payment").await;
        wait_for(&c, "请选择款项类别").await;
        click(&c, "#kind option[value='progress']").await;
        for (field, value) in
            [("amount", "30"), ("payee", "测试承建公司"), ("purpose", "第一期进度款")]
        {
            fill(&c, field, value).await;
        }
        click(&c, "#save-payment").await;
        wait_for(&c, "核对无误后请报送").await;
        let payment = c.current_url().await.expect("url").path().to_string();
        click(&c, "#pass").await;
        wait_for(&c, "等待区数据资源管理局审核").await;
        logout(&c).await;
        // The authority finds it waiting and checks it.
        login(&c, &base, "reviewer").await;
        click(&c, "nav.sidenav a[href='/payments']").await;
        wait_for(&c, "浏览器拨付平台").await;
        c.goto(&format!("{base}{payment}")).await.expect("goto payment");
        click(&c, "#pass").await;
        wait_for(&c, "等待区财政局拨付资金").await;
        logout(&c).await;
        // Finance sees the conditions; outside the annual plan, yeji:21 holds the money.
        login(&c, &base, "finance").await;
        c.goto(&format!("{base}{payment}")).await.expect("goto payment");
        let page = wait_for(&c, "拨付条件").await;
        assert!(page.contains("不满足") && page.contains("尚可申请"), "{page}");
        click(&c, "#pass").await;
        wait_for(&c, "yeji:21").await;
    }
    .await;
    c.close().await.expect("close browser");
    result
}

#[tokio::test]
async fn yeji_applies_for_om_funds_after_acceptance_and_finance_arranges_them_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let clerk = app.login("clerk").await;
    let id = clerk.create_draft("浏览器运维经费平台").await;
    clerk.submit(id).await;
    let p = app.approve_yeji(id).await;
    assert_eq!(p["status"], "approved", "{p}");
    let (owner, reviewer, centre) =
        (app.api("clerk").await, app.api("reviewer").await, app.api("jyzx").await);
    crate::workflow::submissions::accept_with(
        &app,
        &owner,
        &reviewer,
        &[&owner, &reviewer, &centre],
        id,
    )
    .await;
    let c = browser(&driver).await;
    let base = app.base.clone();
    let result = async {
        // The unit applies for next year's O&M funds (yeji:5) and sends the application.
        login(&c, &base, "clerk").await;
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        wait_for(&c, "项目投入运行后才能发起绩效自评价").await;
        click(&c, "#new-om_fund_application").await;
        wait_for(&c, "yeji:5").await;
        click(&c, "#save-submission").await;
        wait_for(&c, "请填写绩效评价报告及运维需求").await;
        fill(&c, "amount", "8.5").await;
        fill(&c, "text", "绩效自评价结论为良好；申请下一年度运维经费").await;
        click(&c, "#save-submission").await;
        wait_for(&c, "核对无误后请报送").await;
        let page = c.current_url().await.expect("url").path().to_string();
        click(&c, "#pass").await;
        wait_for(&c, "等待区财政局审核并安排运维经费").await;
        logout(&c).await;
        // Finance finds it waiting and arranges the funds.
        login(&c, &base, "finance").await;
        c.goto(&format!("{base}/submissions")).await.expect("goto list");
        wait_for(&c, "浏览器运维经费平台").await;
        c.goto(&format!("{base}{page}")).await.expect("goto submission");
        click(&c, "#pass").await;
        wait_for(&c, "已办结").await;
    }
    .await;
    c.close().await.expect("close browser");
    result
}
