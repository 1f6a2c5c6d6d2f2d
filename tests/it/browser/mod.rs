//! The main journey in real headless Chromium, driven through Debian's chromedriver, which
//! this harness starts itself. Nothing is downloaded.

use crate::harness::*;
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod construction;
mod contracts;
mod plans;

struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver on a free port, or says why it cannot.
async fn start_driver() -> Option<Driver> {
    let path =
        std::env::var("GOVIT_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    if !std::path::Path::new(&path).exists() {
        let required = std::env::var("GOVIT_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(!required, "chromedriver not found at {path}, but GOVIT_REQUIRE_BROWSER=1");
        eprintln!(
            "skipping the browser test: no chromedriver at {path} (scripts/test.sh installs it)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child = Command::new(&path)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

async fn browser(driver: &Driver) -> Client {
    let chromium = std::env::var("GOVIT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    // One profile per session: two browser tests may run at once.
    static SESSIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = std::env::temp_dir().join(format!("govit-chromium-{}-{n}", std::process::id()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--window-size=1280,1600",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("open a Chromium session")
}

async fn fill(c: &Client, id: &str, value: &str) {
    let el = c.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("#{id}: {e}"));
    el.clear().await.expect("clear");
    el.send_keys(value).await.expect("type");
}

/// Clicks the element `css` names. A page still being replaced by the previous click's
/// navigation can hand back an element that is gone a moment later: find it again then.
/// A click on a link or a submit button returns only once the browser has left the page it
/// was on, so that the next wait reads the page the click led to, never the one it left
/// (which may well hold the same words). The element is scrolled to the middle of the window
/// first (the pages need no script; the test driver uses one to scroll).
async fn click(c: &Client, css: &str) {
    for _ in 0..50 {
        let el = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        let leaves = match navigates(&el).await {
            Ok(leaves) => leaves,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let old =
            if leaves { Some(c.find(Locator::Css("html")).await.expect("html")) } else { None };
        // Brought to the middle of the window first: a button at the window's very edge is
        // "clicked" by Chromium without pressing it (the click lands on the form above it).
        let arg = serde_json::to_value(&el).expect("element");
        if c.execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg]).await.is_err() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        match el.click().await {
            Ok(()) => {
                if let Some(old) = old {
                    left(&old, css).await;
                }
                return;
            }
            Err(fantoccini::error::CmdError::Standard(w))
                if w.error == fantoccini::error::ErrorStatus::StaleElementReference =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("click {css}: {e}"),
        }
    }
    panic!("{css} kept going stale");
}

/// Whether clicking the element loads another page: a link to somewhere, or a button that
/// submits its form.
async fn navigates(
    el: &fantoccini::elements::Element,
) -> Result<bool, fantoccini::error::CmdError> {
    let tag = el.tag_name().await?.to_ascii_lowercase();
    let kind = el.attr("type").await?.unwrap_or_default().to_ascii_lowercase();
    Ok(match tag.as_str() {
        "a" => el.attr("href").await?.is_some_and(|h| !h.starts_with('#')),
        "button" => kind.is_empty() || kind == "submit",
        "input" => kind == "submit",
        _ => false,
    })
}

/// Waits until `old` (the root of the page a click left) is no longer in the browser.
async fn left(old: &fantoccini::elements::Element, css: &str) {
    for _ in 0..100 {
        if old.tag_name().await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("clicking {css} never left the page");
}

async fn source(c: &Client) -> String {
    c.source().await.expect("page source")
}

/// Waits for the page no longer to contain `text`.
async fn wait_without(c: &Client, text: &str) {
    for _ in 0..100 {
        if !source(c).await.contains(text) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page kept showing {text:?}");
}

/// Waits for the page to contain `text` (navigation after a click is asynchronous).
async fn wait_for(c: &Client, text: &str) -> String {
    let mut page = String::new();
    for _ in 0..100 {
        page = source(c).await;
        if page.contains(text) {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page never showed {text:?}: {page}");
}

async fn login(c: &Client, base: &str, who: &str) {
    c.goto(&format!("{base}/login")).await.expect("goto login");
    fill(c, "login", who).await;
    fill(c, "password", PASSWORD).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    wait_for(c, "您好").await;
}

/// Hands in, through the pages, each material the check page says is missing: a PDF chosen
/// in the file input, uploaded and marked complete. Ends on the check page.
async fn hand_in_materials(c: &Client, base: &str, project_path: &str) {
    let pdf_path = std::env::temp_dir().join(format!("govit-material-{}.pdf", std::process::id()));
    std::fs::write(&pdf_path, pdf("browser")).expect("write pdf");
    let check = format!("{base}{project_path}/check");
    c.goto(&check).await.expect("goto check");
    let page = wait_for(c, "核对申报内容").await;
    let block = page.split("id=\"check-missing\"").nth(1).unwrap_or("");
    let block = block.split("</div>").next().unwrap_or("");
    let prefix = format!("href=\"{project_path}/materials/");
    let materials: Vec<String> = block
        .split(&prefix)
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_string))
        .collect();

    for m in materials {
        c.goto(&format!("{base}{project_path}/materials/{m}")).await.expect("goto material");
        wait_for(c, "上传文件").await;
        let input = c.find(Locator::Id("file")).await.expect("file input");
        input.send_keys(&pdf_path.display().to_string()).await.expect("choose file");
        click(c, "#upload-file").await;
        wait_for(c, "文件已上传").await;
    }
    c.goto(&check).await.expect("goto check");
    wait_without(c, "check-missing").await;
}

/// Records, through the review page, the signer's opinion on the project's current step when
/// the project page offers it: every score 86, a percentage 8.5, the first choice, a written
/// risk, 同意. Ends back on the project page.
async fn give_opinion(c: &Client, base: &str, project_path: &str) {
    let page = source(c).await;
    if !page.contains("id=\"record-opinion\"") {
        return;
    }
    c.goto(&format!("{base}{project_path}/review")).await.expect("goto review");
    let form = wait_for(c, "评审结论").await;
    // Each dimension's input, by its kind (a choice's radios name it once each).
    let mut dims: Vec<String> = Vec::new();
    for part in form.split("name=\"v.").skip(1) {
        let dim: String = part.chars().take_while(|ch| *ch != '"').collect();
        if !dims.contains(&dim) {
            dims.push(dim);
        }
    }
    assert!(!form.contains("id=\"not-reviewer\""), "{form}");
    for dim in dims {
        let id = format!("v-{dim}");
        if form.contains(&format!("type=\"radio\" name=\"v.{dim}\"")) {
            click(c, &format!("input[name='v.{dim}']")).await;
        } else if form.contains(&format!("<textarea id=\"{id}\"")) {
            fill(c, &id, "数据跨网传输存在泄露风险，已有加密措施").await;
        } else if form
            .contains(&format!("id=\"{id}\" name=\"v.{dim}\" value=\"\" inputmode=\"decimal\""))
        {
            fill(c, &id, "8.5").await;
        } else {
            fill(c, &id, "86").await;
        }
    }
    click(c, "#conclusion-agree").await;
    fill(c, "note", "方案可行，同意。").await;
    click(c, "#save-opinion").await;
    wait_for(c, "评审意见已保存").await;
    c.goto(&format!("{base}{project_path}")).await.expect("back to the project");
    wait_for(c, "修改我的评审意见").await;
}

async fn logout(c: &Client) {
    click(c, "form[action='/logout'] button").await;
    wait_for(c, "连续 5 次输错密码").await;
}

#[tokio::test]
async fn declare_return_resubmit_approve_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let c = browser(&driver).await;
    let base = app.base.clone();
    let result = async {
        // The clerk declares and submits.
        login(&c, &base, "clerk").await;
        click(&c, "nav.sidenav a[href='/projects/new']").await;
        // An empty form shows the error summary and keeps the user on the page.
        click(&c, "form[action='/projects/new'] button[type=submit]").await;
        wait_for(&c, "存在问题").await;
        wait_for(&c, "请填写项目名称").await;
        for (id, v) in declaration("叶集区智慧校园平台") {
            if id.starts_with("period") {
                // <input type="month"> takes its value as the page would submit it.
                c.execute(&format!("document.getElementById('{id}').value = '{v}'"), vec![])
                    .await
                    .expect("set month");
            } else {
                fill(&c, id, &v).await;
            }
        }
        click(&c, "form[action='/projects/new'] button[type=submit]").await;
        wait_for(&c, "草稿已保存").await;
        let project_path = c.current_url().await.expect("url").path().to_string();
        // The project page says sending would be refused while materials are missing, naming
        // them and their article, and leads to the check page that lists them.
        wait_for(&c, "尚不能提交：").await;
        click(&c, "#submit-declaration").await;
        wait_for(&c, "完成上列材料后即可提交").await;
        hand_in_materials(&c, &base, &project_path).await;
        click(&c, "#check-submit").await;
        wait_for(&c, "已提交申报").await;
        logout(&c).await;

        // The reviewer returns it with a reason.
        login(&c, &base, "reviewer").await;
        click(&c, "nav.sidenav a[href='/review']").await;
        c.find(Locator::LinkText("叶集区智慧校园平台"))
            .await
            .expect("in the queue")
            .click()
            .await
            .expect("open");
        click(&c, "#decision-return").await;
        fill(&c, "reason", "请补充与现有教育系统的对接方案").await;
        click(&c, "#decide").await;
        wait_for(&c, "已退回申报单位修改").await;
        logout(&c).await;

        // The clerk sees the reason, edits and resubmits.
        login(&c, &base, "clerk").await;
        c.goto(&format!("{base}{project_path}")).await.expect("goto project");
        wait_for(&c, "请补充与现有教育系统的对接方案").await;
        c.find(Locator::LinkText("修改申报表"))
            .await
            .expect("edit link")
            .click()
            .await
            .expect("edit");
        fill(&c, "remarks", "已补充对接方案").await;
        click(&c, "form button[type=submit]:not(.button-secondary)").await;
        wait_for(&c, "修改已保存").await;
        click(&c, "#submit-declaration").await;
        wait_for(&c, "已提交申报").await;
        logout(&c).await;

        // The reviewer approves.
        login(&c, &base, "reviewer").await;
        c.goto(&format!("{base}{project_path}")).await.expect("goto project");
        // yeji:24's facts are established from the gate list, one button each, with a basis.
        // The flash reads the same after both, so wait for each button to go: a fact once
        // established no longer offers one.
        // Each finding states what it rests on.
        fill(&c, "basis-can_share", "区数据资源管理局共享审查意见").await;
        click(&c, "#confirm-can_share-1").await;
        wait_for(&c, "项目情况已认定").await;
        wait_without(&c, "confirm-can_share-1").await;
        fill(&c, "basis-uses_domestic_crypto", "密码应用方案评估报告").await;
        click(&c, "#confirm-uses_domestic_crypto-1").await;
        wait_without(&c, "confirm-uses_domestic_crypto-1").await;
        // The authority scores its dimension of yeji:7's joint review and signs; the four
        // other offices sign too.
        give_opinion(&c, &base, &project_path).await;
        let page = source(&c).await;
        assert!(page.contains("资源共享性：86") && page.contains("尚缺"), "{page}");
        click(&c, "#decision-approve").await;
        click(&c, "#decide").await;
        wait_for(&c, "本步为会签，其余单位签署后即送下一步办理").await;
        logout(&c).await;
        let id: i64 = project_path.rsplit('/').next().and_then(|s| s.parse().ok()).expect("id");
        app.pass_steps(id, &YEJI_JOINT_REVIEW[1..]).await;

        // 发改委 approves the project (yeji:5), the last step of its path.
        login(&c, &base, "fgw").await;
        click(&c, "nav.sidenav a[href='/review']").await;
        c.find(Locator::LinkText("叶集区智慧校园平台"))
            .await
            .expect("in 发改委's queue")
            .click()
            .await
            .expect("open");
        wait_for(&c, "立项审批").await;
        click(&c, "#decision-approve").await;
        click(&c, "#decide").await;
        wait_for(&c, "已审核通过").await;
        logout(&c).await;

        login(&c, &base, "clerk").await;
        c.goto(&format!("{base}{project_path}")).await.expect("goto project");
        let page = wait_for(&c, "tag-approved").await;
        assert!(page.contains("已补充对接方案"), "{page}");
    }
    .await;
    c.close().await.expect("close browser");
    result
}

#[tokio::test]
async fn import_a_sheet_then_review_a_flagged_duplicate_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let c = browser(&driver).await;
    let base = app.base.clone();
    let file = app.data_dir.join("目录.xlsx");
    std::fs::write(&file, crate::import::sample_sheet()).expect("write sheet");
    async {
        // The clerk imports the unit's inventory; the bad row is reported, the good ones go in.
        login(&c, &base, "clerk").await;
        c.goto(&format!("{base}/systems")).await.expect("goto systems");
        click(&c, "a[href='/systems/import']").await;
        wait_for(&c, "导入信息系统目录").await;
        c.find(Locator::Id("file"))
            .await
            .expect("file input")
            .send_keys(file.to_str().expect("path"))
            .await
            .expect("choose file");
        click(&c, "form[action='/systems/import'] button[type=submit]").await;
        let page = wait_for(&c, "导入结果").await;
        assert!(page.contains("G（部署方式）"), "{page}");
        let created =
            c.find(Locator::Id("created")).await.expect("created").text().await.expect("text");
        assert_eq!(created, "3");
        logout(&c).await;
    }
    .await;
    // A declaration that repeats an imported system, submitted through the API.
    let clerk = app.api("clerk").await;
    let mut decl = declaration_json("学生资助信息平台");
    decl["summary"] = serde_json::json!("家庭经济困难学生认定和资助发放管理，统计资助数据");
    let (_, p) = clerk.post("/api/v1/projects", decl).await;
    let id = p["id"].as_i64().expect("id");
    clerk.hand_in(id).await;
    clerk
        .post(
            &format!("/api/v1/projects/{id}/submit"),
            serde_json::json!({"version": p["version"]}),
        )
        .await;
    let result = async {
        // The reviewer sees the imported system ranked first and opens it.
        login(&c, &base, "reviewer").await;
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        let page = wait_for(&c, "重复建设比对").await;
        assert!(page.contains("学生资助管理系统"), "{page}");
        click(&c, "#similar ~ table a[href^='/systems/']").await;
        let page = wait_for(&c, "家庭经济困难学生认定").await;
        assert!(page.contains("变更历史"), "{page}");
    }
    .await;
    c.close().await.expect("close browser");
    result
}

/// Seeds a profile's demo jurisdiction; its logins by a part of the account's name.
async fn profile_logins(app: &TestApp, profile: &str) -> impl Fn(&str) -> String {
    let seeded = govit_storage::seed::profile::seed(
        &app.store,
        app.now(),
        profile,
        |_| PASSWORD.into(),
        false,
    )
    .await
    .expect("seed")
    .expect("jurisdiction");
    move |name_part: &str| {
        seeded
            .accounts
            .iter()
            .find(|a| a.name.contains(name_part))
            .map(|a| a.login.clone())
            .unwrap_or_else(|| panic!("no account named like {name_part}"))
    }
}

/// `who` fills the declaration form, saves and sends it; the project page's path.
async fn declare_and_send(c: &Client, base: &str, who: &str, name: &str) -> String {
    login(c, base, who).await;
    click(c, "nav.sidenav a[href='/projects/new']").await;
    for (id, v) in declaration(name) {
        if id.starts_with("period") {
            // <input type="month"> takes its value as the page would submit it.
            c.execute(&format!("document.getElementById('{id}').value = '{v}'"), vec![])
                .await
                .expect("set month");
        } else {
            fill(c, id, &v).await;
        }
    }
    click(c, "form[action='/projects/new'] button[type=submit]").await;
    wait_for(c, "草稿已保存").await;
    let path = c.current_url().await.expect("url").path().to_string();
    hand_in_materials(c, base, &path).await;
    click(c, "#check-submit").await;
    wait_for(c, "已提交申报").await;
    logout(c).await;
    path
}

/// Opens a project from the 待审核 queue, passes the step the user holds, and waits for the
/// page that says so.
async fn pass_from_queue(c: &Client, base: &str, who: &str, project: &str, done: &str) {
    login(c, base, who).await;
    click(c, "nav.sidenav a[href='/review']").await;
    c.find(Locator::LinkText(project))
        .await
        .unwrap_or_else(|_| panic!("{project} in {who}'s queue"))
        .click()
        .await
        .expect("open");
    wait_for(c, "审核意见").await;
    // A holder whose step hands in materials (网信办's security opinion) does so first.
    let project_path = c.current_url().await.expect("url").path().to_string();
    let page = source(c).await;
    if page.contains(">上传<span class=\"visually-hidden\">") {
        hand_in_materials(c, base, &project_path).await;
        c.goto(&format!("{base}{project_path}")).await.expect("back to the project");
        wait_for(c, "审核意见").await;
    }
    // A signer at a step with a review form scores it first (lhasa:4, xinzhou-transport:10).
    give_opinion(c, base, &project_path).await;
    click(c, "#decision-approve").await;
    click(c, "#decide").await;
    wait_for(c, done).await;
    logout(c).await;
}

#[tokio::test]
async fn xinzhou_transport_chain_through_the_party_group_and_the_city_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let login_of = profile_logins(&app, "xinzhou-transport").await;
    let clerk = login_of("数据中心经办人");
    let data_center = login_of("数据中心审核人");
    let party_group = login_of("党组");
    let authority = login_of("市政务信息管理局");
    let city = login_of("市政府");
    let c = browser(&driver).await;
    let base = app.base.clone();
    let result = async {
        // The data center, owner of its own project, declares and submits.
        let project_path = declare_and_send(&c, &base, &clerk, "交通运输综合执法平台").await;
        let id: i64 = project_path.rsplit('/').next().and_then(|s| s.parse().ok()).expect("id");

        // xinzhou-transport:10: the data center's review, then the bureau's party group.
        pass_from_queue(&c, &base, &data_center, "交通运输综合执法平台", "已送下一步办理").await;
        pass_from_queue(&c, &base, &party_group, "交通运输综合执法平台", "已送下一步办理").await;
        // The city's authority reviews, its gates' facts established (xinzhou-transport:8, 10).
        let facts = [("systems_outside_catalog", 0), ("can_share", 1)];
        app.api(&authority).await.establish(id, &facts).await;
        pass_from_queue(&c, &base, &authority, "交通运输综合执法平台", "已送下一步办理").await;
        // 市政府's consent approves it.
        pass_from_queue(&c, &base, &city, "交通运输综合执法平台", "已审核通过").await;

        login(&c, &base, &clerk).await;
        c.goto(&format!("{base}{project_path}")).await.expect("goto project");
        let page = wait_for(&c, "tag-approved").await;
        for shown in ["市交通运输局党组", "市政府", "已通过"] {
            assert!(page.contains(shown), "{shown} not on the path: {page}");
        }
        assert_eq!(page.matches("run-step run-done").count(), 5, "{page}");
    }
    .await;
    c.close().await.expect("close browser");
    result
}

#[tokio::test]
async fn lhasa_path_with_a_return_and_a_resubmission_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let login_of = profile_logins(&app, "lhasa").await;
    let clerk = login_of("教育局经办人");
    let authority = login_of("市经济和信息化局审核人");
    let cyberspace = login_of("市委网信办审核人");
    let crypto = login_of("市委机要保密局审核人");
    let name = "拉萨市智慧教育云平台";
    let c = browser(&driver).await;
    let base = app.base.clone();
    let result = async {
        let project_path = declare_and_send(&c, &base, &clerk, name).await;
        let id: i64 = project_path.rsplit('/').next().and_then(|s| s.parse().ok()).expect("id");
        // The approval's gates (lhasa:6, 8, 11) and its route's facts, established by the authority.
        let facts = [
            ("builds_own_machine_room", 0),
            ("rebuilds_common_capability", 0),
            ("quotes_count", 3),
            ("is_classified", 0),
        ];
        app.api(&authority).await.establish(id, &facts).await;
        // The clerk's own step mid-path: sending the review materials (lhasa:11).
        let owner_step = |c: &Client| {
            let (c, base, clerk, project_path) =
                (c.clone(), base.clone(), clerk.clone(), project_path.clone());
            async move {
                login(&c, &base, &clerk).await;
                c.goto(&format!("{base}{project_path}")).await.expect("goto project");
                wait_for(&c, "审核意见：提交评审材料").await;
                // lhasa:10's review materials first: the pass is refused without them.
                hand_in_materials(&c, &base, &project_path).await;
                c.goto(&format!("{base}{project_path}")).await.expect("goto project");
                wait_for(&c, "审核意见：提交评审材料").await;
                click(&c, "#decision-approve").await;
                click(&c, "#decide").await;
                wait_for(&c, "下一步办理").await;
                logout(&c).await;
            }
        };
        // lhasa:7's pre-review, lhasa:4's security review and crypto review, the materials.
        pass_from_queue(&c, &base, &authority, name, "下一步办理").await;
        pass_from_queue(&c, &base, &cyberspace, name, "下一步办理").await;
        pass_from_queue(&c, &base, &crypto, name, "下一步办理").await;
        owner_step(&c).await;

        // The technical review returns it to the owner with a reason.
        login(&c, &base, &authority).await;
        c.goto(&format!("{base}{project_path}")).await.expect("goto project");
        wait_for(&c, "审核意见：技术评审").await;
        click(&c, "#decision-return").await;
        fill(&c, "reason", "请补充与区县平台的数据对接方案").await;
        click(&c, "#decide").await;
        wait_for(&c, "已退回申报单位修改").await;
        logout(&c).await;

        // The clerk reads why, and sends it again; the path runs again from the pre-review.
        login(&c, &base, &clerk).await;
        c.goto(&format!("{base}{project_path}")).await.expect("goto project");
        wait_for(&c, "请补充与区县平台的数据对接方案").await;
        click(&c, "#submit-declaration").await;
        wait_for(&c, "已提交申报").await;
        logout(&c).await;
        pass_from_queue(&c, &base, &authority, name, "下一步办理").await;
        pass_from_queue(&c, &base, &cyberspace, name, "下一步办理").await;
        pass_from_queue(&c, &base, &crypto, name, "下一步办理").await;
        owner_step(&c).await;
        pass_from_queue(&c, &base, &authority, name, "下一步办理").await;
        // Passed its reviews, it joins the year's plan, which the city approves (lhasa:6/7).
        app.publish_plan_in("lhasa", 2026).await;
        // lhasa:14: the owner files on the platform, the authority issues the approval.
        login(&c, &base, &clerk).await;
        c.goto(&format!("{base}{project_path}")).await.expect("goto project");
        wait_for(&c, "审核意见：在综合服务平台报批或备案").await;
        click(&c, "#decision-approve").await;
        click(&c, "#decide").await;
        wait_for(&c, "下一步办理").await;
        logout(&c).await;
        pass_from_queue(&c, &base, &authority, name, "已审核通过").await;

        login(&c, &base, &clerk).await;
        c.goto(&format!("{base}{project_path}")).await.expect("goto project");
        let page = wait_for(&c, "tag-approved").await;
        // The first round's work stays in the path's history: the return with its reason.
        assert!(page.contains("退回：请补充与区县平台的数据对接方案"), "{page}");
    }
    .await;
    c.close().await.expect("close browser");
    result
}

#[tokio::test]
async fn linxiang_draws_its_expert_panel_and_an_expert_scores_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = spawn_app().await;
    let login_of = profile_logins(&app, "linxiang").await;
    let clerk = login_of("教育局经办人");
    let authority = login_of("市政务数字化行政主管部门审核人");
    // Sent over the API: a 2,000,000-yuan project up to the draw (linxiang:13's pre-review).
    let api = app.api(&clerk).await;
    let mut body = declaration_json("临湘市智慧校园平台");
    for k in ["investment", "fiscal_funds"] {
        body[k] = serde_json::json!("200");
    }
    body["self_raised"] = serde_json::json!("0");
    let (_, p) = api.post("/api/v1/projects", body).await;
    let id = p["id"].as_i64().expect("id");
    api.hand_in(id).await;
    let (s, p) = api
        .post(
            &format!("/api/v1/projects/{id}/submit"),
            serde_json::json!({"version": p["version"]}),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::OK, "{p}");
    let reviewer = app.api(&authority).await;
    reviewer.establish(id, &[("is_cross_department", 0), ("can_share", 1)]).await;
    app.pass_steps(id, &[&clerk, &authority]).await;
    let c = browser(&driver).await;
    let base = app.base.clone();
    let result = async {
        // The authority's reviewer draws the panel on its page, then passes the step.
        login(&c, &base, &authority).await;
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        wait_for(&c, "id=\"draw-panel\"").await;
        click(&c, "#draw-panel").await;
        wait_for(&c, "抽取后不能重新抽取").await;
        fill(&c, "bidders", "某数智科技有限公司").await;
        click(&c, "#draw-form button[type=submit]").await;
        let page = wait_for(&c, "tag tag-approved\">在组").await;
        assert_eq!(page.matches("tag tag-approved\">在组").count(), 5, "{page}");
        assert!(!page.contains("id=\"draw-form\""), "drawn once: {page}");
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        wait_for(&c, "审核意见").await;
        hand_in_materials(&c, &base, &format!("/projects/{id}")).await;
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        wait_for(&c, "审核意见").await;
        click(&c, "#decision-approve").await;
        click(&c, "#decide").await;
        wait_for(&c, "下一步办理").await;
        logout(&c).await;

        // A member of the panel finds it in their queue, scores and signs.
        let (_, panels) = reviewer.get(&format!("/api/v1/projects/{id}/panels")).await;
        let member =
            panels["panels"][0]["members"][0]["name"].as_str().expect("member").to_string();
        let expert = login_of(&member);
        login(&c, &base, &expert).await;
        c.goto(&format!("{base}/projects/{id}")).await.expect("goto project");
        let page = wait_for(&c, "申请回避").await;
        assert!(page.contains("您是本项目的评审专家"), "{page}");
        give_opinion(&c, &base, &format!("/projects/{id}")).await;
        click(&c, "#decision-approve").await;
        click(&c, "#decide").await;
        wait_for(&c, "下一步办理").await;
        logout(&c).await;
        let (_, tasks) = app.api(&expert).await.get("/api/v1/tasks").await;
        assert!(
            !tasks["items"].as_array().expect("items").iter().any(|t| t["project_id"] == id),
            "signed: {tasks}"
        );
    }
    .await;
    c.close().await.expect("close browser");
    result
}
