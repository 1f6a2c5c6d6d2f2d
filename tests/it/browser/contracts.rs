//! Contracts in Chromium: recorded by the owner unit, consented to and filed along the
//! profile's chain.

use super::*;

#[tokio::test]
async fn xinzhou_transport_records_and_files_its_supervisor_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let seeded = govit_storage::seed::profile::seed(
        &app.store,
        app.now(),
        "xinzhou-transport",
        |_| PASSWORD.into(),
        false,
    )
    .await
    .expect("seed")
    .expect("jurisdiction");
    let j = seeded.jurisdiction;
    govit_storage::seed::profile::sample_projects(&app.store, app.now(), j).await.expect("samples");
    let login_named = |part: &str| {
        seeded.accounts.iter().find(|a| a.name.contains(part)).expect(part).login.clone()
    };
    let authority = login_named("市政务信息管理局审核人");
    let party_group = login_named("党组审核人");
    let (_, list) = app.api(&authority).await.get("/api/v1/projects?status=approved").await;
    let id = list["items"][0]["id"].as_i64().expect("approved project");
    // The owner unit's clerk: the one of the clerks who sees the project.
    let mut clerk = String::new();
    for a in seeded.accounts.iter().filter(|a| a.login.starts_with("clerk")) {
        if app.api(&a.login).await.get(&format!("/api/v1/projects/{id}")).await.0
            == reqwest::StatusCode::OK
        {
            clerk = a.login.clone();
            break;
        }
    }
    let actor = govit_storage::Actor::cli("test");
    let firm = app
        .store
        .create_firm(
            &actor,
            app.now(),
            j,
            govit_core::org::FirmKind::Supervisor,
            "浏览器监理公司",
            "",
        )
        .await
        .expect("firm");
    let day = govit_storage::china_today(app.now()).to_string();
    let c = browser(&driver).await;
    let base = app.base.clone();
    let result = async {
        // The owner unit records the supervision contract from the project page and sends it.
        login(&c, &base, &clerk).await;
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        click(&c, "#new-supervision").await;
        wait_for(&c, "本辖区对合同的要求").await;
        for (field, value) in [("firm_id", firm.to_string()), ("method", "inquiry".to_string())] {
            c.execute(&format!("document.getElementById('{field}').value = '{value}'"), vec![])
                .await
                .expect("choose");
        }
        for (field, value) in [
            ("title", "交通数据平台监理合同"),
            ("amount", "6"),
            ("signed_on", day.as_str()),
            ("starts_on", day.as_str()),
            ("ends_on", "2027-12-31"),
        ] {
            fill(&c, field, value).await;
        }
        click(&c, "#sign").await;
        let page = wait_for(&c, "待报送备案").await;
        assert!(page.contains("局党组") || page.contains("党组"), "{page}");
        let contract = c.current_url().await.expect("url").path().to_string();
        click(&c, "#pass").await;
        let page = wait_for(&c, "备案中").await;
        assert!(page.contains("action=\"/logout\""), "{page}");
        logout(&c).await;
        // The party group finds it waiting and consents (xinzhou-transport:17).
        login(&c, &base, &party_group).await;
        click(&c, "nav.sidenav a[href='/contracts']").await;
        wait_for(&c, "交通数据平台监理合同").await;
        c.goto(&format!("{base}{contract}")).await.expect("goto contract");
        wait_for(&c, "id=\"pass\"").await;
        click(&c, "#pass").await;
        // Its step is done: nothing left for it to pass.
        wait_without(&c, "id=\"pass\"").await;
        logout(&c).await;
        // The authority files it.
        login(&c, &base, &authority).await;
        c.goto(&format!("{base}{contract}")).await.expect("goto contract");
        wait_for(&c, "id=\"pass\"").await;
        click(&c, "#pass").await;
        wait_for(&c, "已备案").await;
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        let page = wait_for(&c, "交通数据平台监理合同").await;
        assert!(page.contains("已备案"), "{page}");
    }
    .await;
    c.close().await.expect("close browser");
    result
}
