//! Page speed at scale (figures, not pass/fail): `cargo bench --bench pages`.
//!
//! Generates `GOVIT_BENCH_PROJECTS` synthetic projects (default 100,000, a fifth per
//! jurisdiction) with `govit bench-data` into a fresh SQLite data directory (or the empty
//! PostgreSQL database in `GOVIT_BENCH_DATABASE_URL`), starts the release `govit serve` on
//! 127.0.0.1 and, as the yeji reviewer, measures:
//! - the server's start-up (until `/healthz` answers, the search index built);
//! - how long the day's recomputation of every project's obligations takes when the server
//!   starts, and two of the reviewer's lists while it runs;
//! - each page's and API call's median and 90th-percentile latency, one request at a time,
//!   once it is done;
//! - requests per second and median latency with 8 concurrent clients;
//! - the server's resident memory afterwards.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn govit(dir: &std::path::Path, url: &Option<String>, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_govit"));
    cmd.args(args).arg("--data-dir").arg(dir);
    match url {
        Some(u) => cmd.arg("--database-url").arg(u),
        None => cmd.env_remove("GOVIT_DATABASE_URL"),
    };
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18080)
}

async fn get(client: &reqwest::Client, url: &str, token: Option<&str>) -> f64 {
    let t = Instant::now();
    let mut req = client.get(url);
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    let r = req.send().await.expect("request");
    assert!(r.status().is_success(), "{url}: {}", r.status());
    let _ = r.bytes().await.expect("body");
    t.elapsed().as_secs_f64() * 1000.0
}

/// A JSON answer of the API.
async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    let r = client.get(url).bearer_auth(token).send().await.expect("request");
    assert!(r.status().is_success(), "{url}: {}", r.status());
    r.json().await.expect("json")
}

#[tokio::main]
async fn main() {
    let projects: usize =
        std::env::var("GOVIT_BENCH_PROJECTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let url = std::env::var("GOVIT_BENCH_DATABASE_URL").ok().filter(|u| !u.is_empty());
    let dir = std::env::temp_dir().join(format!("govit-pages-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");

    let t = Instant::now();
    let out = govit(&dir, &url, &["bench-data", "--projects", &projects.to_string()])
        .output()
        .expect("bench-data");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let password = text
        .lines()
        .map(str::split_whitespace)
        .filter_map(|mut w| Some((w.next()?, w.next()?)))
        .find(|(login, _)| login.starts_with("bench-yeji") && login.ends_with("-reviewer"))
        .map(|(l, p)| (l.to_string(), p.to_string()))
        .expect("the yeji reviewer");
    println!(
        "{projects} projects generated in {:.0} s ({})",
        t.elapsed().as_secs_f64(),
        if url.is_some() { "PostgreSQL" } else { "SQLite" }
    );
    let token = {
        let out =
            govit(&dir, &url, &["token", "create", "--user", &password.0]).output().expect("token");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let mut child = govit(&dir, &url, &["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("GOVIT_LOG", "warn,govit_web=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    // The server recomputes every project's obligations when it starts (the day's refresh,
    // `daily_tick`): its log says when that is done. The pages are measured after it, as
    // they are served the rest of the day; a few are measured during it too.
    let (done_tx, recomputed) = std::sync::mpsc::channel::<Instant>();
    let log = child.stderr.take().expect("the server's log");
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(log).lines().map_while(Result::ok) {
            if line.contains("obligations recomputed for the day") {
                let _ = done_tx.send(Instant::now());
            }
        }
    });
    let server = Server(child);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client");
    loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "the server did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "start-up (search index built, /healthz answers): {:.2} s",
        started.elapsed().as_secs_f64()
    );

    // Sign in as the yeji reviewer.
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("page");
    let csrf = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf")
        .to_string();
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", &password.0),
            ("password", &password.1),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "login");

    // A project waiting on the reviewer: its page and its path.
    let first =
        get_json(&client, &format!("{base}/api/v1/projects?status=submitted"), &token).await;
    let pid = first["items"][0]["id"].as_i64().expect("a submitted project");
    let tasks = get_json(&client, &format!("{base}/api/v1/tasks"), &token).await;
    println!("the reviewer's 我的待办 holds {} open tasks", tasks["total"]);
    // While the day's obligations are recomputed (right after start-up, and each midnight).
    let busy = ["/review?sort=due", "/api/v1/tasks"];
    let mut during: Vec<Vec<f64>> = vec![Vec::new(); busy.len()];
    let mut recomputed_at = recomputed.try_recv().ok();
    while recomputed_at.is_none() && started.elapsed() < Duration::from_secs(600) {
        for (path, ms) in busy.iter().zip(during.iter_mut()) {
            let bearer = path.starts_with("/api/").then_some(token.as_str());
            ms.push(get(&client, &format!("{base}{path}"), bearer).await);
        }
        recomputed_at = recomputed.try_recv().ok();
    }
    let recomputed_at = recomputed_at
        .or_else(|| recomputed.recv_timeout(Duration::from_secs(600)).ok())
        .expect("the day's obligations recomputed");
    println!(
        "the day's obligations recomputed {:.1} s after the server was started; during it (median / p90):",
        (recomputed_at - started).as_secs_f64()
    );
    for (path, ms) in busy.iter().zip(during.iter_mut()) {
        ms.sort_by(f64::total_cmp);
        match ms.is_empty() {
            true => println!("  {path:<36} (not reached before it ended)"),
            false => println!(
                "  {path:<36} {:>7.1} ms  {:>7.1} ms  ({} requests)",
                common::percentile(ms, 0.5),
                common::percentile(ms, 0.9),
                ms.len()
            ),
        }
    }
    println!("one request at a time, after it (median / p90 over 30):");
    let project_page = format!("/projects/{pid}");
    // A payment waiting on the reviewer: its page, and its approved project's page with the
    // project's money and every subject's panel.
    let pays = get_json(&client, &format!("{base}/api/v1/payments"), &token).await;
    let pay = &pays["items"][0];
    let payment_page = format!("/payments/{}", pay["id"].as_i64().expect("a payment waiting"));
    let approved_id = pay["project_id"].as_i64().expect("its project");
    let approved_page = format!("/projects/{approved_id}");
    let rating_api = format!("/api/v1/projects/{approved_id}/rating");
    // An O&M fund application (a third of the approved projects sent one): the first the
    // reviewer's list shows.
    let list = client.get(format!("{base}/submissions")).send().await.expect("list");
    let list = list.text().await.expect("list body");
    let at = list.find("href=\"/submissions/").expect("a submission listed") + 6;
    let submission_page = list[at..].split('"').next().expect("its link").to_string();
    // A construction contract (half the approved projects have one, sent for filing).
    let list = client.get(format!("{base}/contracts")).send().await.expect("list");
    let list = list.text().await.expect("list body");
    let at = list.find("href=\"/contracts/").expect("a contract listed") + 6;
    let contract_page = list[at..].split('"').next().expect("its link").to_string();
    let pages = [
        "/",
        "/projects",
        "/projects?page=500",
        "/projects?status=terminated",
        "/review",
        "/review?sort=due",
        "/review?sort=submitted&page=200",
        project_page.as_str(),
        "/obligations",
        "/obligations/overdue",
        "/systems",
        "/search?q=%E5%B9%B3%E5%8F%B0",
        "/plans",
        "/contracts",
        contract_page.as_str(),
        "/changes",
        "/progress",
        "/acceptances",
        "/payments",
        payment_page.as_str(),
        approved_page.as_str(),
        "/submissions",
        submission_page.as_str(),
        // The authority's dashboard, today and as of a past day.
        "/dashboard",
        "/dashboard?as_of=2026-03-31",
        "/dashboard/export?table=overdue",
        "/dashboard/export?table=ratings",
        // yeji annex 1 for the reviewer's submitted declarations (every row, up to the cap).
        "/projects/declaration-form.xlsx?status=submitted",
    ];
    for path in pages {
        let url = format!("{base}{path}");
        for _ in 0..3 {
            get(&client, &url, None).await;
        }
        let mut ms = Vec::new();
        for _ in 0..30 {
            ms.push(get(&client, &url, None).await);
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "  {path:<36} {:>7.1} ms  {:>7.1} ms",
            common::percentile(&ms, 0.5),
            common::percentile(&ms, 0.9)
        );
    }
    let path_api = format!("/api/v1/projects/{pid}/path");
    let oc4ids_api = format!("/api/v1/projects/{approved_id}/oc4ids");
    let api = [
        "/api/v1/me/todo",
        "/api/v1/projects",
        "/api/v1/projects?page=500",
        "/api/v1/tasks",
        "/api/v1/tasks?sort=due",
        path_api.as_str(),
        rating_api.as_str(),
        oc4ids_api.as_str(),
        "/api/v1/dashboard",
    ];
    for path in api {
        let url = format!("{base}{path}");
        let mut ms = Vec::new();
        for _ in 0..30 {
            ms.push(get(&client, &url, Some(&token)).await);
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "  {path:<36} {:>7.1} ms  {:>7.1} ms",
            common::percentile(&ms, 0.5),
            common::percentile(&ms, 0.9)
        );
    }

    // The same right after a write, when nothing derived from the data is remembered.
    println!("right after a write (median / p90 over 20):");
    for path in ["/projects", "/obligations/overdue", "/api/v1/me/todo", "/api/v1/projects"] {
        let url = format!("{base}{path}");
        let mut ms = Vec::new();
        for i in 0..20 {
            let r = client
                .post(format!("{base}/api/v1/projects/{pid}/facts"))
                .bearer_auth(&token)
                .json(&serde_json::json!({"fact": "quotes_count", "value": i, "basis": "性能测试的比价单"}))
                .send()
                .await
                .expect("write");
            assert!(r.status().is_success(), "write: {}", r.status());
            let bearer = path.starts_with("/api/").then_some(token.as_str());
            ms.push(get(&client, &url, bearer).await);
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "  {path:<36} {:>7.1} ms  {:>7.1} ms",
            common::percentile(&ms, 0.5),
            common::percentile(&ms, 0.9)
        );
    }

    println!("8 concurrent clients for 5 s each:");
    for path in ["/api/v1/projects", "/api/v1/me/todo"] {
        let url = format!("{base}{path}");
        let until = Instant::now() + Duration::from_secs(5);
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (client, url, token) = (client.clone(), url.clone(), token.clone());
                tokio::spawn(async move {
                    let mut ms = Vec::new();
                    while Instant::now() < until {
                        ms.push(get(&client, &url, Some(&token)).await);
                    }
                    ms
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("client"));
        }
        all.sort_by(f64::total_cmp);
        println!(
            "  {path:<36} {:>7.0} requests/s, median {:.1} ms",
            all.len() as f64 / 5.0,
            common::percentile(&all, 0.5)
        );
    }
    // Every approved project the reviewer sees as one OC4IDS package, streamed.
    let approved_total = get_json(
        &client,
        &format!("{base}/api/v1/projects?status=approved"),
        &token,
    )
    .await["total"]
        .clone();
    let pid_s = server.0.id().to_string();
    let (rss, peak) = (common::status_mib(&pid_s, "VmRSS:"), common::status_mib(&pid_s, "VmHWM:"));
    let t = Instant::now();
    let mut r = client
        .get(format!("{base}/api/v1/oc4ids"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("oc4ids");
    assert!(r.status().is_success(), "oc4ids: {}", r.status());
    let (mut bytes, mut first) = (0usize, None);
    while let Some(chunk) = r.chunk().await.expect("chunk") {
        first.get_or_insert_with(|| t.elapsed().as_secs_f64() * 1000.0);
        bytes += chunk.len();
    }
    println!(
        "OC4IDS bulk export of {approved_total} approved projects: {:.1} MB in {:.2} s (first bytes after {:.0} ms); server RSS {rss:.0} → {:.0} MiB, peak {peak:.0} → {:.0} MiB",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64(),
        first.unwrap_or(0.0),
        common::status_mib(&pid_s, "VmRSS:"),
        common::status_mib(&pid_s, "VmHWM:"),
    );
    println!(
        "server resident memory: {:.0} MiB",
        common::status_mib(&server.0.id().to_string(), "VmRSS:")
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
