//! Materials' uploads and downloads (figures, not pass/fail): `cargo bench --bench uploads`.
//!
//! Serves the demo jurisdiction in this process on 127.0.0.1 (SQLite, files in the data
//! directory, or the bucket of `GOVIT_BENCH_FILES`, an `s3://` URL) and, as the clerk,
//! measures through the HTTP API:
//! - 200 uploads of a 1 MB PDF, one at a time (latency: receive, SM3, type check, keep, add);
//! - one 500 MB file streamed up from a generator and streamed back down (throughput);
//! - the process's peak memory before and after the large file: the file never sits in
//!   memory, on either side, so the peak barely moves;
//! - the project's archive (every file above and its records as one zip, streamed): its
//!   throughput, and the peak memory after it.

use futures_util::StreamExt;
use govit_core::org::Principal;
use govit_storage::seed::demo;
use govit_storage::{Actor, Store, Who, sqlite_url};
use govit_web::{AppState, SystemClock, WebConfig};
use std::sync::Arc;
use std::time::Instant;

mod common;

const PLAN: &str = "yeji-6-plan";

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("govit-upload-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let store = Store::connect(&sqlite_url(&dir)).await.expect("database");
    let files = match std::env::var("GOVIT_BENCH_FILES").ok().filter(|u| !u.is_empty()) {
        Some(url) => govit_storage::materials::FileStore::open(&url, &dir.join("files")),
        None => govit_storage::materials::FileStore::local(&dir.join("files")),
    };
    store.use_files(files.expect("file store"));
    println!("files: {}", store.files().expect("files").describe);
    let now = chrono::Utc::now().timestamp_millis();
    demo::seed(&store, now, |_| "Bench-pass-2026".into(), false).await.expect("seed");
    let clerk = store.user_id_by_login("clerk").await.expect("db").expect("clerk");
    let token = store
        .create_token(Who::new(&Principal::operator(), &Actor::cli("bench"), now), clerk, "bench")
        .await
        .expect("token");
    let state =
        AppState::new(store.clone(), WebConfig::default(), Arc::new(SystemClock)).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(govit_web::serve(listener, state, std::future::pending()));
    let client = reqwest::Client::new();

    let body = serde_json::json!({
        "name": "附件性能测试项目", "summary": "检验申报材料的上传和下载",
        "period_start": "2027-01", "period_end": "2027-12", "investment": "120",
        "fiscal_funds": "120", "leader": "张建华", "contact": "李明",
        "phone": "0564-6661234", "email": "liming@yeji.gov.cn",
    });
    let r = client
        .post(format!("{base}/api/v1/projects"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("draft");
    let p: serde_json::Value = r.json().await.expect("json");
    let id = p["id"].as_i64().expect("project id");
    let upload_url = |name: &str| {
        format!("{base}/api/v1/projects/{id}/materials/{PLAN}/files?name={name}&complete=true")
    };

    // Small files, one at a time: each a distinct PDF, so each is really kept.
    let mut lat = Vec::new();
    let t = Instant::now();
    for i in 0..200u32 {
        let mut bytes = govit_storage::seed::materials::demo_pdf(&format!("plan {i}"));
        bytes.resize(1024 * 1024, b' ');
        bytes.extend_from_slice(&i.to_le_bytes());
        let s = Instant::now();
        let r = client
            .post(upload_url("plan.pdf"))
            .bearer_auth(&token)
            .body(bytes)
            .send()
            .await
            .expect("upload");
        assert_eq!(
            r.status(),
            reqwest::StatusCode::CREATED,
            "{}",
            r.text().await.unwrap_or_default()
        );
        lat.push(s.elapsed().as_secs_f64() * 1000.0);
    }
    let secs = t.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    println!(
        "200 uploads of 1 MB in {secs:.2} s = {:.0}/s ({:.0} MB/s)   p50 {:.1} ms   p99 {:.1} ms",
        200.0 / secs,
        200.0 / secs,
        common::percentile(&lat, 0.5),
        common::percentile(&lat, 0.99)
    );

    let pid = std::process::id().to_string();
    let before = common::status_mib(&pid, "VmHWM");
    // 500 MB generated a piece at a time: neither the client nor the server holds it.
    const MB: usize = 1024 * 1024;
    let total = 500 * MB;
    let head = govit_storage::seed::materials::demo_pdf("large plan");
    let pieces = futures_util::stream::iter(0..500usize).map(move |i| {
        let mut piece = vec![(i % 251) as u8; MB];
        if i == 0 {
            piece[..head.len()].copy_from_slice(&head);
        }
        Ok::<_, std::io::Error>(bytes::Bytes::from(piece))
    });
    let t = Instant::now();
    let r = client
        .post(upload_url("large.pdf"))
        .bearer_auth(&token)
        .body(reqwest::Body::wrap_stream(pieces))
        .send()
        .await
        .expect("large upload");
    assert_eq!(r.status(), reqwest::StatusCode::CREATED, "{}", r.text().await.unwrap_or_default());
    let up = t.elapsed().as_secs_f64();
    let m: serde_json::Value = r.json().await.expect("json");
    let large = m["files"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["file_name"] == "large.pdf"))
        .expect("the large file")
        .clone();
    assert_eq!(large["size_bytes"], total as i64);
    let href = large["href"].as_str().expect("href");
    let t = Instant::now();
    let r = client.get(format!("{base}{href}")).bearer_auth(&token).send().await.expect("download");
    let mut stream = r.bytes_stream();
    let mut got = 0usize;
    while let Some(chunk) = stream.next().await {
        got += chunk.expect("chunk").len();
    }
    let down = t.elapsed().as_secs_f64();
    assert_eq!(got, total);
    let after = common::status_mib(&pid, "VmHWM");
    println!(
        "500 MB up in {up:.2} s ({:.0} MB/s), down in {down:.2} s ({:.0} MB/s)",
        500.0 / up,
        500.0 / down
    );
    println!(
        "peak memory (server and client in one process): {before:.0} MiB before the 500 MB file, {after:.0} MiB after"
    );
    // The project's archive: every file above (about 700 MB) and its records, streamed as one
    // zip with its SM3 manifest.
    let t = Instant::now();
    let r = client
        .get(format!("{base}/api/v1/projects/{id}/archive"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("archive");
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let mut stream = r.bytes_stream();
    let mut zipped = 0usize;
    while let Some(chunk) = stream.next().await {
        zipped += chunk.expect("chunk").len();
    }
    let secs = t.elapsed().as_secs_f64();
    let peak = common::status_mib(&pid, "VmHWM");
    println!(
        "archive of the project: {:.0} MB in {secs:.2} s ({:.0} MB/s); peak memory after it {peak:.0} MiB",
        zipped as f64 / MB as f64,
        zipped as f64 / MB as f64 / secs
    );
    let _ = std::fs::remove_dir_all(&dir);
}
