//! What commands print: a calendar month, a profile, a user; the inventory commands.

use super::*;
use anyhow::{Context, Result};
use govit_storage::{Actor, Store};
use std::process::ExitCode;
/// A month as text: one line a day with its kind and holiday.
pub(super) fn show_month(cal: &govit_core::calendar::Calendar, year: i32, month: u32) -> String {
    use chrono::Datelike;
    use std::fmt::Write;
    const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    let mut out = String::new();
    match cal.schedule(year) {
        Some(s) => {
            let notices = s
                .notices
                .iter()
                .map(|n| format!("{}《{}》", n.number, n.title))
                .collect::<Vec<_>>()
                .join("；");
            let _ = writeln!(out, "{year}年{month:02}月  依据：{notices}");
        }
        None => {
            let _ = writeln!(
                out,
                "{year}年{month:02}月  该年度放假安排尚未导入：以下仅按周末推算，属临时结果"
            );
        }
    }
    let mut working = 0;
    for (d, kind, name) in cal.month(year, month) {
        working += u32::from(kind.is_working());
        let _ = writeln!(
            out,
            "{}  周{}  {}{}",
            d.format("%Y-%m-%d"),
            WEEKDAYS[d.weekday().num_days_from_monday() as usize],
            kind.label(),
            name.map(|n| format!("  {n}")).unwrap_or_default()
        );
    }
    let _ = writeln!(out, "本月工作日 {working} 天");
    out
}

/// Field errors from the store, as one line for the terminal.
pub(super) fn describe(e: govit_storage::StoreError) -> anyhow::Error {
    match e {
        govit_storage::StoreError::Domain(govit_core::DomainError::Invalid(errs)) => {
            anyhow::anyhow!(
                errs.iter()
                    .map(|e| format!("{}：{}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("；")
            )
        }
        other => anyhow::anyhow!(other.to_string()),
    }
}

pub(super) async fn principal_of(store: &Store, login: &str) -> Result<govit_core::org::Principal> {
    let id =
        store.user_id_by_login(login).await?.with_context(|| format!("用户 {login} 不存在"))?;
    store.principal(id).await?.with_context(|| format!("用户 {login} 已停用"))
}

pub(super) fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "operator".into())
}

pub(super) async fn systems_command(store: &Store, command: SystemsCommand) -> Result<ExitCode> {
    match command {
        SystemsCommand::Import { file, user, dry_run } => {
            let principal = principal_of(store, &user).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let cells = govit_web::sheet::read_xlsx(&bytes).map_err(anyhow::Error::msg)?;
            let sheet =
                govit_core::inventory::SystemSheet::read(&cells).map_err(anyhow::Error::msg)?;
            let actor = Actor {
                user_id: Some(principal.user_id.0),
                login: principal.login.clone(),
                ip: format!("cli:{}", whoami()),
            };
            let started = std::time::Instant::now();
            let r = store
                .import_systems(&principal, &actor, now_ms(), &sheet, !dry_run)
                .await
                .map_err(describe)?;
            for p in &r.problems {
                println!("第 {} 行 {}：{}", p.row, p.column, p.message);
            }
            if !r.ignored_headers.is_empty() {
                println!("已忽略未识别的列：{}", r.ignored_headers.join("、"));
            }
            println!(
                "{}{} 行：新增 {}，更新 {}，未改动 {}，未导入 {}（{:.1} 秒）",
                if dry_run { "检查（未写入）" } else { "导入" },
                r.rows,
                r.created,
                r.updated,
                r.unchanged,
                r.refused_rows,
                started.elapsed().as_secs_f64()
            );
            if r.refused_rows > 0 {
                return Ok(ExitCode::from(3));
            }
        }
        SystemsCommand::Export { user, out } => {
            let principal = principal_of(store, &user).await?;
            let (n, bytes) = govit_web::systems_xlsx(
                store,
                &principal,
                &govit_storage::systems::SystemFilter::default(),
                now_ms(),
            )
            .await
            .map_err(anyhow::Error::msg)?;
            std::fs::write(&out, bytes).with_context(|| format!("无法写入 {}", out.display()))?;
            println!("已导出 {n} 个系统到 {}", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An instant in Beijing time, to the second.
pub(super) fn show_time(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|t| (t + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| at_ms.to_string())
}

/// `govit oc4ids`: the package of the approved projects `login` may see, written to `out` a
/// batch at a time (the same stream the API sends).
pub(super) async fn oc4ids(store: &Store, login: &str, out: &std::path::Path) -> Result<ExitCode> {
    let principal = principal_of(store, login).await?;
    let Some((n, stream)) = govit_web::oc4ids::bulk_package(store, &principal, now_ms()).await?
    else {
        anyhow::bail!("{login} 可见的项目中没有已批复项目，没有可导出的内容");
    };
    let file = std::fs::File::create(out).with_context(|| format!("无法写入 {}", out.display()))?;
    let mut file = std::io::BufWriter::new(file);
    govit_web::oc4ids::write_package(stream, &mut file)
        .await
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("导出中断，{} 不完整", out.display()))?;
    println!(
        "已导出 {n} 个已批复项目到 {}（OC4IDS {}）",
        out.display(),
        govit_core::oc4ids::VERSION
    );
    Ok(ExitCode::SUCCESS)
}
