//! The binary as an operator runs it: the demo prints its accounts, SIGTERM exits cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn demo_prints_accounts_serves_and_stops_on_sigterm() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let data_dir = std::env::temp_dir().join(format!("govit-demo-it-{port}"));
    let _ = std::fs::remove_dir_all(&data_dir);
    // What the demo says on stderr, to tell why if it prints nothing.
    let log = std::env::temp_dir().join(format!("govit-demo-it-{port}.log"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_govit"))
        .args(["demo", "--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(&data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(&log).expect("log")))
        .spawn()
        .expect("start demo");
    // Keep draining stdout for the whole run: a reader that stops early would close
    // the pipe under the demo while it is still printing.
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    let logins = ["admin", "auditor", "reviewer", "finance", "clerk", "clerk2", "datacenter"];
    let printed_all = |lines: &[String]| {
        logins.iter().all(|login| lines.iter().any(|l| l.starts_with(&format!("{login} "))))
    };
    while !printed_all(&lines) {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => lines.push(line),
            Err(_) => break,
        }
    }
    let printed = lines.join("\n");
    if !printed_all(&lines) {
        let status = child.try_wait().ok().flatten();
        let _ = child.kill();
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: String =
            said.chars().rev().take(3000).collect::<Vec<_>>().into_iter().rev().collect();
        panic!("the demo did not print every login (exit: {status:?}): {printed}\nstderr: {tail}");
    }
    let _ = std::fs::remove_file(&log);
    let client = reqwest::Client::new();
    let mut healthy = false;
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/healthz")).send().await
            && r.status().is_success()
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "demo did not serve");
    let status =
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().expect("wait") {
            exited = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let exited = exited.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("govit did not stop on SIGTERM")
    });
    assert!(exited.success(), "exit status {exited}");
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// `govit bench-data`'s synthetic jurisdictions fill what the pages bench measures: a
/// generated reviewer signs in and finds construction contracts sent for filing, payment
/// requests and the dashboard's approved projects, on either database.
#[tokio::test]
async fn synthetic_data_fills_the_lists_the_pages_bench_measures() {
    let app = crate::harness::spawn_app().await;
    let actor = govit_storage::Actor::cli("test");
    let g = app.store.generate_synthetic(&actor, app.now(), 200, 3).await.expect("generate");
    assert_eq!(g.projects, 200);
    let (login, password) =
        g.accounts.iter().find(|(l, _)| l.contains("yeji")).cloned().expect("yeji's reviewer");
    let web = app.anonymous();
    let resp = web.try_login(&login, &password).await;
    assert_eq!(resp.status(), reqwest::StatusCode::SEE_OTHER, "{login}");
    let web = web.with_csrf().await;
    for (path, shows) in [
        ("/contracts", "合成数据建设合同"),
        ("/payments", "合成数据承建公司"),
        ("/dashboard", "已批复"),
    ] {
        let (s, page) = web.text(path).await;
        assert_eq!(s, reqwest::StatusCode::OK, "{path}");
        assert!(page.contains(shows), "{path} shows no {shows}: {page}");
    }
    // A contract's page reads back what was generated, its filing under way.
    let (_, list) = web.text("/contracts").await;
    let id = list
        .split("href=\"/contracts/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a contract's link");
    let (s, page) = web.text(&format!("/contracts/{id}")).await;
    assert_eq!(s, reqwest::StatusCode::OK, "{page}");
    assert!(page.contains("合成数据承建公司") && page.contains("公开招标"), "{page}");
}
