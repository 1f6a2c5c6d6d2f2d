//! `govit org`: the operator sets up jurisdictions and their organization.

use super::args::OrgCommand;
use super::now_ms;
use super::show::{describe, whoami};
use anyhow::{Context, Result};
use govit_core::ids::JurisdictionId;
use govit_core::org::Principal;
use govit_core::org::forms::{DepartmentForm, ExpertForm, FirmForm, JurisdictionForm};
use govit_storage::accounts::{NewUser, generate_password_for};
use govit_storage::org::setup::TreeImport;
use govit_storage::{Actor, Store, Who};
use std::process::ExitCode;

/// Field errors of a form, as one line for the terminal.
fn invalid(errors: Vec<govit_core::FieldError>) -> anyhow::Error {
    describe(govit_core::DomainError::Invalid(errors).into())
}

async fn jurisdiction(store: &Store, code: &str) -> Result<JurisdictionId> {
    Ok(store.jurisdiction_by_code(code).await?.with_context(|| format!("辖区 {code} 不存在"))?.id)
}

pub(super) async fn org_command(store: &Store, command: OrgCommand) -> Result<ExitCode> {
    let operator = Principal::operator();
    let actor = Actor::cli(&whoami());
    let who = Who::new(&operator, &actor, now_ms());
    match command {
        OrgCommand::List => {
            let rules = store.rules();
            println!("{:<20} {:<24} 管理办法", "编码", "辖区");
            for j in store.jurisdictions().await? {
                let title = rules.profile(&j.profile_id).map(|p| p.head.name.clone());
                println!(
                    "{:<20} {:<24} {} {}",
                    j.code,
                    j.name,
                    j.profile_id,
                    title.unwrap_or_default()
                );
            }
        }
        OrgCommand::Show { jurisdiction: code } => {
            let j = jurisdiction(store, &code).await?;
            println!("部门（编码 名称 职能）");
            for d in store.departments(j).await? {
                let kinds: Vec<&str> = d.party_kinds.iter().map(|k| k.label()).collect();
                println!("{}{} {} {}", "  ".repeat(d.depth()), d.code, d.name, kinds.join("、"));
            }
            println!("外部单位");
            for f in store.firms(j).await? {
                println!("  {} {} {}", f.kind.label(), f.name, f.credit_code);
            }
            println!("专家");
            for e in store.experts(j).await? {
                println!("  {} {} {}", e.name, e.employer, e.fields);
            }
        }
        OrgCommand::AddJurisdiction { code, name, profile, admin_login, admin_name } => {
            let form = JurisdictionForm { code, name, profile_id: profile };
            let j = form.parse().map_err(invalid)?;
            let admin = match (admin_login, admin_name) {
                (Some(login), Some(name)) => {
                    let password = generate_password_for(&login);
                    Some((login, name, password))
                }
                (None, None) => None,
                _ => anyhow::bail!("--admin-login 和 --admin-name 须同时提供"),
            };
            let user = admin.as_ref().map(|(login, name, password)| NewUser {
                jurisdiction_id: JurisdictionId(0),
                login: login.clone(),
                name: name.clone(),
                department_id: None,
                firm_id: None,
                expert_id: None,
                roles: vec![govit_core::org::Role::Admin],
                scope: govit_core::org::ScopeKind::SelfOnly,
                listed_departments: vec![],
                password: password.clone(),
                must_change_password: true,
            });
            store.add_jurisdiction(who, &j, user).await.map_err(describe)?;
            println!("已新建辖区 {}（{}），适用 {}", j.name, j.code, j.profile_id);
            if let Some((login, _, password)) = admin {
                println!("首个管理员 {login} 的初始密码：{password}（首次登录须修改）");
            }
        }
        OrgCommand::AddDepartment { jurisdiction: code, code: dept, name, parent, kinds } => {
            let j = jurisdiction(store, &code).await?;
            let form = DepartmentForm {
                code: dept,
                name,
                parent: parent.unwrap_or_default(),
                party_kinds: kinds,
            };
            let d = form.parse().map_err(invalid)?;
            store.add_department(who, j, &d).await.map_err(describe)?;
            println!("已新增部门 {}（{}）", d.name, d.code);
        }
        OrgCommand::ImportDepartments { file, jurisdiction: code, dry_run } => {
            let j = jurisdiction(store, &code).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let cells = govit_web::sheet::read_xlsx(&bytes).map_err(anyhow::Error::msg)?;
            match store.import_departments(who, j, &cells, !dry_run).await.map_err(describe)? {
                TreeImport::Done(rows) => {
                    let verb = if dry_run { "检查通过，可导入" } else { "已导入" };
                    println!("{verb} {} 个部门", rows.len());
                    for d in rows {
                        println!("  {} {} 上级：{}", d.code, d.name, d.parent.unwrap_or_default());
                    }
                }
                TreeImport::Refused(problems) => {
                    eprintln!("部门表有 {} 处问题，未写入任何部门：", problems.len());
                    for p in problems {
                        eprintln!("  第 {} 行：{}", p.row, p.message);
                    }
                    return Ok(ExitCode::from(3));
                }
            }
        }
        OrgCommand::AddFirm { jurisdiction: code, kind, name, credit_code } => {
            let j = jurisdiction(store, &code).await?;
            let f = FirmForm { kind, name, credit_code }.parse().map_err(invalid)?;
            store.add_firm(who, j, &f).await.map_err(describe)?;
            println!("已登记{} {}", f.kind.label(), f.name);
        }
        OrgCommand::AddExpert { jurisdiction: code, name, employer, fields, title, conflicts } => {
            let j = jurisdiction(store, &code).await?;
            let form = ExpertForm { name, employer, fields, title, conflicts };
            let x = form.parse().map_err(invalid)?;
            store.add_expert(who, j, &x).await.map_err(describe)?;
            println!("已登记专家 {}", x.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}
