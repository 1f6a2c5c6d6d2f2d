//! `govit verify project ID`: each signed decision of a project, checked and printed;
//! `govit verify panel ID`: an expert panel's draw re-run from its seed;
//! `govit verify plan ID`: each signed decision on a plan's route.

use anyhow::Result;
use govit_core::ids::ProjectId;
use govit_storage::Store;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

pub(super) async fn project(store: &Store, id: i64, deep: bool) -> Result<ExitCode> {
    let mut out = String::new();
    let code = report(store, id, deep, &mut out).await?;
    // A reader that has gone away (`| head`) does not change the verdict.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(code)
}

async fn report(store: &Store, id: i64, deep: bool, out: &mut String) -> Result<ExitCode> {
    let Some((p, checks)) = store.verify_project(ProjectId(id), deep).await? else {
        let _ = writeln!(out, "没有编号为 {id} 的项目");
        return Ok(ExitCode::from(2));
    };
    let _ = writeln!(out, "项目 {}「{}」：{} 项决定", p.id.0, p.declaration.name, checks.len());
    let mut broken = 0;
    for c in &checks {
        let at = govit_web::shell::view::fmt_ms(c.at_ms);
        let mark = if c.intact() { "完整" } else { "有改动" };
        let _ = writeln!(
            out,
            "第 {} 项 {} {}{} {} {}（{} 个文件，密钥 {}）：{}，{}",
            c.seq,
            at,
            if c.run.is_empty() { String::new() } else { format!("{}：", c.run) },
            c.step,
            c.verb,
            c.user_name,
            c.files.len(),
            if c.key_id.is_empty() { "无" } else { &c.key_id },
            c.verdict.signature.label(),
            mark
        );
        for change in &c.verdict.changes {
            let _ = writeln!(out, "    {change}");
        }
        broken += usize::from(!c.intact());
    }
    if !deep {
        let _ = writeln!(out, "（未重新读取附件内容：去掉 --shallow 以核对每个文件的 SM3）");
    }
    if broken > 0 {
        let _ = writeln!(out, "{broken} 项决定与签名时不一致");
        return Ok(ExitCode::FAILURE);
    }
    let _ = writeln!(out, "全部决定及其所见材料与签名时一致");
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn panel(store: &Store, id: i64) -> Result<ExitCode> {
    let Some(r) = store.rerun_panel(id).await? else {
        println!("没有编号为 {id} 的专家组");
        return Ok(ExitCode::from(2));
    };
    let x = &r.panel;
    println!(
        "专家组 {}（项目 {}，{}）：{} 抽取，随机种子 {}，专家库 {} 名，符合条件 {} 名，排除 {} 名",
        x.id,
        x.project_id,
        x.form,
        govit_web::shell::view::fmt_ms(x.at_ms),
        x.seed,
        x.drawn.pool,
        x.drawn.order.len(),
        x.drawn.excluded.len()
    );
    for (expert, why) in &x.drawn.excluded {
        println!("  排除专家 {expert}：{}", why.label());
    }
    println!("按种子重新抽取的 {} 名：{:?}", x.request.size, r.first);
    for m in &x.members {
        let state = match m.declined_at_ms {
            Some(_) => format!("回避（{}）", m.reason),
            None => "在组".to_string(),
        };
        println!("  席位 {} 专家 {} {}：{}", m.seat, m.expert_id, m.name, state);
    }
    if r.same {
        println!("一致：抽取顺序和先后入组的专家都与随机种子给出的相同");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("不一致：保存的抽取结果与按随机种子重新抽取的结果不同");
        Ok(ExitCode::from(1))
    }
}

pub(super) async fn plan(store: &Store, id: i64) -> Result<ExitCode> {
    let Some((x, checks)) = store.verify_plan_by_id(id).await? else {
        println!("没有编号为 {id} 的计划");
        return Ok(ExitCode::from(2));
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "计划 {}「{}」（第 {} 号，{}）：{} 项决定",
        x.id,
        x.title,
        x.seq,
        x.status.label(),
        checks.len()
    );
    let mut broken = 0;
    for c in &checks {
        let intact = c.verdict.intact();
        let _ = writeln!(
            out,
            "第 {} 项 {} {} {} {}（密钥 {}）：{}，{}",
            c.seq,
            govit_web::shell::view::fmt_ms(c.at_ms),
            c.step,
            c.verb_label(),
            c.user_name,
            if c.key_id.is_empty() { "无" } else { &c.key_id },
            c.verdict.signature.label(),
            if intact { "完整" } else { "有改动" }
        );
        for change in &c.verdict.changes {
            let _ = writeln!(out, "    {change}");
        }
        broken += usize::from(!intact);
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    if broken > 0 {
        println!("{broken} 项决定与签名时不一致");
        return Ok(ExitCode::FAILURE);
    }
    println!("全部决定及其所见计划内容与签名时一致");
    Ok(ExitCode::SUCCESS)
}
