//! Inventory import speed (figures, not pass/fail): `cargo bench --bench import`.
//! A 10,000-row .xlsx across the demo district's units, imported by the authority into a
//! fresh SQLite database (or the PostgreSQL in `GOVIT_BENCH_DATABASE_URL`, which must be
//! empty): reading the workbook, checking every row, writing rows with their history and
//! audit records; then the same file again (every row unchanged). Last, a clerk's
//! declarations while a 49,999-row check-only run goes on: their latency with and without it.

use govit_core::declaration::DeclarationForm;
use govit_core::inventory::SystemSheet;
use govit_core::synthetic::{Rng, project};
use govit_storage::projects::CreateDraft;
use govit_storage::seed::demo;
use govit_storage::{Actor, Store, Target, Who, sqlite_url};
use std::time::Instant;

mod common;

const ROWS: usize = 10_000;

fn workbook(rows: usize) -> Vec<u8> {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let units = ["区教育体育局", "区卫生健康委员会", "区公安分局", "区数据资源管理局"];
    let header = [
        "所属单位",
        "系统名称",
        "主要功能",
        "使用对象和范围",
        "使用频度",
        "审批文件",
        "审批日期",
        "建成年份",
        "部署方式",
        "网络",
        "接入政务服务平台",
        "接入数据共享平台",
        "等保级别",
        "运行状态",
        "四个一批处置",
        "处置理由",
    ];
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    let mut rng = Rng::new(7);
    for i in 0..rows {
        let p = project(&mut rng, i, 20, today);
        let r = (i + 1) as u32;
        let cells = [
            units[i % units.len()].to_string(),
            format!("{}（{i}）", p.name),
            p.summary,
            "全区各相关单位".to_string(),
            ["每日使用", "每周使用", "每月使用"][i % 3].to_string(),
            format!("叶发改〔{}〕{}号", 2015 + i % 10, i % 200 + 1),
            format!("{}-0{}-15", 2015 + i % 10, i % 9 + 1),
            format!("{}", 2016 + i % 10),
            ["政务云", "自有机房"][i % 2].to_string(),
            "电子政务外网".to_string(),
            "是".to_string(),
            "否".to_string(),
            ["二级", "三级", "未定级"][i % 3].to_string(),
            "运行中".to_string(),
            "保留".to_string(),
            String::new(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, v).expect("cell");
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("govit-import-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = std::env::var("GOVIT_BENCH_DATABASE_URL").unwrap_or_else(|_| sqlite_url(&dir));
    let store = Store::connect(&url).await.expect("database");
    let now = chrono::Utc::now().timestamp_millis();
    demo::seed(&store, now, |_| "Bench-pass-2026".into(), false).await.expect("seed");
    let uid = store.user_id_by_login("reviewer").await.expect("user").expect("reviewer");
    let principal = store.principal(uid).await.expect("p").expect("principal");
    let actor = Actor::cli("bench");

    let bytes = workbook(ROWS);
    println!(
        "{ROWS}-row workbook: {:.1} MB ({})",
        bytes.len() as f64 / 1e6,
        if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" }
    );
    for round in ["first import", "same file again"] {
        let t = Instant::now();
        let cells = govit_web::sheet::read_xlsx(&bytes).expect("read");
        let read = t.elapsed();
        let sheet = SystemSheet::read(&cells).expect("sheet");
        let report =
            store.import_systems(&principal, &actor, now, &sheet, true).await.expect("import");
        println!(
            "{round}: {:.2} s in all (reading the workbook {:.2} s); created {}, updated {}, unchanged {}, refused {}",
            t.elapsed().as_secs_f64(),
            read.as_secs_f64(),
            report.created,
            report.updated,
            report.unchanged,
            report.refused_rows
        );
    }
    println!("peak memory (VmHWM): {:.0} MiB", common::status_mib("self", "VmHWM:"));

    // A clerk declares while a reviewer checks a large sheet.
    let clerk = store.user_id_by_login("clerk").await.expect("user").expect("clerk");
    let clerk = store.principal(clerk).await.expect("p").expect("principal");
    let declare = |store: Store, clerk: govit_core::org::Principal, n: usize| async move {
        let form = DeclarationForm {
            name: format!("并发申报测试项目{n}"),
            summary: "检验导入期间的申报响应".into(),
            period_start: "2027-01".into(),
            period_end: "2027-12".into(),
            investment: "50".into(),
            fiscal_funds: "50".into(),
            leader: "张建华".into(),
            contact: "李明".into(),
            phone: "0564-6661234".into(),
            email: "liming@yeji.gov.cn".into(),
            ..Default::default()
        };
        let t = Instant::now();
        let actor = Actor::cli("bench-clerk");
        store
            .run(Who::new(&clerk, &actor, now), Target::New, &CreateDraft(&form))
            .await
            .expect("declare");
        t.elapsed().as_secs_f64() * 1000.0
    };
    let summary = |mut ms: Vec<f64>| {
        ms.sort_by(f64::total_cmp);
        let n = ms.len().max(1);
        format!("{} declarations, median {:.1} ms, max {:.1} ms", ms.len(), ms[n / 2], ms[n - 1])
    };
    let mut alone = Vec::new();
    for n in 0..50 {
        alone.push(declare(store.clone(), clerk.clone(), n).await);
    }
    println!("alone: {}", summary(alone));
    let big = workbook(49_999);
    let checking = {
        let (store, principal, actor) = (store.clone(), principal.clone(), actor.clone());
        tokio::spawn(async move {
            let t = Instant::now();
            let cells = govit_web::sheet::read_xlsx(&big).expect("read");
            let sheet = SystemSheet::read(&cells).expect("sheet");
            store.import_systems(&principal, &actor, now, &sheet, false).await.expect("check");
            t.elapsed().as_secs_f64()
        })
    };
    let mut during = Vec::new();
    let mut n = 1000;
    while !checking.is_finished() {
        during.push(declare(store.clone(), clerk.clone(), n).await);
        n += 1;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let took = checking.await.expect("check");
    println!("during a 49,999-row check-only run ({took:.1} s): {}", summary(during));
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
