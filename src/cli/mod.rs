//! govit's command line: serving, the demo, migrations and operator tasks.

mod args;
mod org;
mod server;
mod show;
mod verify;

use args::*;
use govit_core::org::Principal;
use govit_storage::Who;
use server::*;
use show::*;

use anyhow::{Context, Result, bail};
use clap::Parser;
use govit_core::org::{Role, ScopeKind};
use govit_storage::accounts::{NewUser, generate_password, generate_password_for};
use govit_storage::audit::checkpoints::{self, Checkpointer};
use govit_storage::seed::demo;
use govit_storage::{Actor, Store, sqlite_url};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

async fn open(db: &DbArgs) -> Result<Store> {
    let url = match &db.database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&db.data_dir)
                .with_context(|| format!("无法创建数据目录 {}", db.data_dir.display()))?;
            sqlite_url(&db.data_dir)
        }
    };
    let store = Store::connect(&url).await.context("无法连接数据库")?;
    let local = db.data_dir.join("files");
    let files = match &db.file_store {
        Some(url) => govit_storage::materials::FileStore::open(url, &local),
        None => govit_storage::materials::FileStore::local(&local),
    };
    store.use_files(files.context("无法使用附件存储")?);
    let (signer, made) = checkpoints::load_or_create_key(&db.key_file()).map_err(describe)?;
    if made {
        eprintln!("已生成签名密钥 {}（请与数据一同妥善备份）", db.key_file().display());
    }
    store.use_signer(signer);
    Ok(store)
}

/// Profiles in `<data dir>/policies` override or add to the built-in ones.
fn load_profiles(store: &Store, db: &DbArgs) {
    for e in store.load_profile_overrides(&db.data_dir.join("policies")) {
        eprintln!("未加载的管理办法文件：{e}");
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Serve { db, serve: s } => {
            let store = open(&db).await?;
            load_profiles(&store, &db);
            serve(store, &s, &db).await?;
        }
        Command::Demo { data_dir, profile, serve: s } => {
            let dir = data_dir.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("govit-demo-{}-{}", std::process::id(), now_ms()))
            });
            let db = DbArgs {
                data_dir: dir.clone(),
                database_url: None,
                audit_key: None,
                file_store: None,
            };
            let store = open(&db).await?;
            load_profiles(&store, &db);
            let seeded = govit_storage::seed::profile::seed(
                &store,
                now_ms(),
                &profile,
                |_| generate_password(),
                true,
            )
            .await
            .map_err(describe)?;
            match seeded {
                Some(seeded) => {
                    if profile == "yeji" {
                        demo::sample_projects(&store, now_ms()).await.map_err(describe)?;
                    } else {
                        govit_storage::seed::profile::sample_projects(
                            &store,
                            now_ms(),
                            seeded.jurisdiction,
                        )
                        .await
                        .map_err(describe)?;
                    }
                    let place = store.jurisdiction(seeded.jurisdiction).await?.name;
                    // The server keeps running after this table, so a reader that
                    // has gone away (`govit demo | head`) must not stop it.
                    let mut out = std::io::stdout().lock();
                    let _ =
                        writeln!(out, "演示数据：{place}（{profile}），数据目录 {}", dir.display());
                    let _ = writeln!(
                        out,
                        "{:<10} {:<20} {:<14} 初始密码（首次登录须修改）",
                        "登录名", "姓名", "角色"
                    );
                    for a in &seeded.accounts {
                        let _ = writeln!(
                            out,
                            "{:<10} {:<20} {:<14} {}",
                            a.login, a.name, a.role, a.password
                        );
                    }
                    let _ = out.flush();
                }
                None => println!(
                    "演示数据已存在于 {}；忘记密码可用 govit user reset-password --data-dir {} 登录名",
                    dir.display(),
                    dir.display()
                ),
            }
            serve(store, &s, &db).await?;
        }
        Command::Migrate { db } => {
            open(&db).await?;
            println!("数据库已是最新结构");
        }
        Command::User { db, command } => {
            let store = open(&db).await?;
            let actor = Actor::cli(&whoami());
            match command {
                UserCommand::Add {
                    login,
                    name,
                    jurisdiction,
                    department,
                    roles,
                    scope,
                    scope_departments,
                    password,
                } => {
                    let j = store
                        .jurisdiction_by_code(&jurisdiction)
                        .await?
                        .with_context(|| format!("辖区 {jurisdiction} 不存在"))?;
                    let dept = |code: String| {
                        let store = store.clone();
                        async move {
                            store
                                .department_by_code(j.id, &code)
                                .await?
                                .with_context(|| format!("部门编码 {code} 不存在"))
                        }
                    };
                    let department_id = match department {
                        Some(c) => Some(dept(c).await?),
                        None => None,
                    };
                    let mut listed = Vec::new();
                    for c in scope_departments {
                        listed.push(dept(c).await?);
                    }
                    let roles = roles
                        .iter()
                        .map(|r| Role::parse(r).with_context(|| format!("未知角色 {r}（可选 admin、declarant、reviewer、auditor、viewer、platform）")))
                        .collect::<Result<Vec<_>>>()?;
                    let Some(scope) = ScopeKind::parse(&scope) else {
                        bail!(
                            "未知数据范围 {scope}（可选 all、listed、own_department、own_and_below、self）"
                        );
                    };
                    let generated = password.is_none();
                    let password = password.unwrap_or_else(|| generate_password_for(&login));
                    store
                        .create_user(
                            Who::new(&Principal::operator(), &actor, now_ms()),
                            NewUser {
                                jurisdiction_id: j.id,
                                login: login.clone(),
                                name,
                                department_id,
                                firm_id: None,
                                expert_id: None,
                                roles,
                                scope,
                                listed_departments: listed,
                                password: password.clone(),
                                must_change_password: true,
                            },
                        )
                        .await
                        .map_err(describe)?;
                    println!("已创建用户 {login}");
                    if generated {
                        println!("初始密码：{password}（首次登录须修改）");
                    }
                }
                UserCommand::List => {
                    println!(
                        "{:<12} {:<16} {:<20} {:<16} {:<12} 状态",
                        "登录名", "姓名", "部门", "角色", "数据范围"
                    );
                    for u in store.list_users(None).await? {
                        let status = if u.disabled {
                            "已停用"
                        } else if u.locked_until_ms.is_some_and(|t| t > now_ms()) {
                            "已锁定"
                        } else {
                            "正常"
                        };
                        let roles =
                            u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",");
                        println!(
                            "{:<12} {:<16} {:<20} {:<16} {:<12} {}",
                            u.login,
                            u.name,
                            u.department,
                            roles,
                            u.scope.as_str(),
                            status
                        );
                    }
                }
                UserCommand::Disable { login } => {
                    store
                        .set_user_disabled(
                            Who::new(&Principal::operator(), &actor, now_ms()),
                            &login,
                            true,
                        )
                        .await
                        .map_err(describe)?;
                    println!("已停用 {login}，其会话已全部结束");
                }
                UserCommand::Enable { login } => {
                    store
                        .set_user_disabled(
                            Who::new(&Principal::operator(), &actor, now_ms()),
                            &login,
                            false,
                        )
                        .await
                        .map_err(describe)?;
                    println!("已启用 {login}");
                }
                UserCommand::ResetPassword { login, password } => {
                    let generated = password.is_none();
                    let password = password.unwrap_or_else(|| generate_password_for(&login));
                    store
                        .reset_password(
                            Who::new(&Principal::operator(), &actor, now_ms()),
                            &login,
                            &password,
                        )
                        .await
                        .map_err(describe)?;
                    println!("已重置 {login} 的密码并解除锁定");
                    if generated {
                        println!("新的初始密码：{password}（首次登录须修改）");
                    }
                }
            }
        }
        Command::Token { db, command: TokenCommand::Create { user, name } } => {
            let store = open(&db).await?;
            let id = store
                .user_id_by_login(&user)
                .await?
                .with_context(|| format!("用户 {user} 不存在"))?;
            let token = store
                .create_token(
                    Who::new(&Principal::operator(), &Actor::cli(&whoami()), now_ms()),
                    id,
                    &name,
                )
                .await
                .map_err(describe)?;
            eprintln!("API 令牌只显示这一次，请妥善保存：");
            println!("{token}");
        }
        Command::Calendar { db, command } => {
            let store = open(&db).await?;
            match command {
                CalendarCommand::Show { month } => {
                    let Some(ym) = govit_core::declaration::YearMonth::parse(&month) else {
                        bail!("月份格式应为 YYYY-MM，例如 2025-10");
                    };
                    print!("{}", show_month(&store.calendar().await?, ym.year, ym.month));
                }
                CalendarCommand::Import { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("无法读取 {}", file.display()))?;
                    load_profiles(&store, &db);
                    let (years, n) = store
                        .import_calendar_and_refresh(&Actor::cli(&whoami()), now_ms(), &text)
                        .await
                        .map_err(describe)?;
                    let list = years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、");
                    println!("已导入 {list} 年的工作日安排，并重算了 {n} 项义务的期限");
                }
            }
        }
        Command::Policy { db, command } => match command {
            PolicyCommand::Check { files } => {
                let mut failed = false;
                for path in files {
                    let name = path.display().to_string();
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("无法读取 {name}"))?;
                    match govit_core::policy::load(&name, &text) {
                        Ok(p) => println!("{name}：通过（{} 条规则）", p.rule_count()),
                        Err(errors) => {
                            failed = true;
                            for e in errors {
                                println!("{e}");
                            }
                        }
                    }
                }
                if failed {
                    return Ok(ExitCode::from(2));
                }
            }
            PolicyCommand::List => {
                let store = open(&db).await?;
                load_profiles(&store, &db);
                for p in store.rules().profiles.values() {
                    println!(
                        "{:<20} {}（{} {}，{} 条规则）",
                        p.head.id,
                        p.head.name,
                        p.head.document,
                        p.head.issued,
                        p.rule_count()
                    );
                }
            }
            PolicyCommand::Show { id } => {
                let store = open(&db).await?;
                load_profiles(&store, &db);
                let rules = store.rules();
                let Some(p) = rules.profile(&id) else {
                    bail!("没有编号为 {id} 的管理办法（govit policy list 查看全部）");
                };
                println!(
                    "{}\n{} {}，{} 发布",
                    p.head.name, p.head.issuer, p.head.document, p.head.issued
                );
                for (section, rows) in govit_web::rule_sections(p) {
                    println!("\n【{section}】{} 条", rows.len());
                    for (cite, rule, text) in rows {
                        println!("  {cite:<22} {rule}：{text}");
                    }
                }
            }
        },
        Command::BenchData { db, projects, seed } => {
            let store = open(&db).await?;
            load_profiles(&store, &db);
            let started = std::time::Instant::now();
            let g = store
                .generate_synthetic(&Actor::cli(&whoami()), now_ms(), projects, seed)
                .await
                .map_err(describe)?;
            println!(
                "已生成 {} 个辖区、{} 个项目、{} 项义务、{} 条待办，用时 {:.1} 秒",
                g.jurisdictions.len(),
                g.projects,
                g.obligations,
                g.tasks,
                started.elapsed().as_secs_f64()
            );
            for (login, password) in g.accounts {
                println!("  {login}  {password}");
            }
        }
        Command::Obligations { db, command: ObligationsCommand::Refresh } => {
            let store = open(&db).await?;
            load_profiles(&store, &db);
            let n = store.refresh_all_obligations(now_ms()).await?;
            println!("已按今天的日期重算 {n} 项义务");
        }
        Command::Systems { db, command } => {
            let store = open(&db).await?;
            return systems_command(&store, command).await;
        }
        Command::Org { db, command } => {
            let store = open(&db).await?;
            load_profiles(&store, &db);
            return org::org_command(&store, command).await;
        }
        Command::Oc4ids { db, user, out } => {
            let store = open(&db).await?;
            return show::oc4ids(&store, &user, &out).await;
        }
        Command::Backup { db, out } => return backup(&db, &out).await,
        Command::Restore { db, file } => return restore(&db, &file).await,
        Command::Audit { db, command } => return audit_command(&db, command).await,
        Command::Verify { db, command: VerifyCommand::Project { id, shallow } } => {
            let store = open(&db).await?;
            return verify::project(&store, id, !shallow).await;
        }
        Command::Verify { db, command: VerifyCommand::Panel { id } } => {
            let store = open(&db).await?;
            return verify::panel(&store, id).await;
        }
        Command::Verify { db, command: VerifyCommand::Plan { id } } => {
            let store = open(&db).await?;
            return verify::plan(&store, id).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn audit_command(db: &DbArgs, command: AuditCommand) -> Result<ExitCode> {
    match command {
        AuditCommand::Verify { public_key } => {
            let pinned = match public_key {
                Some(f) => {
                    let text = std::fs::read_to_string(&f)
                        .with_context(|| format!("无法读取公钥 {}", f.display()))?;
                    Some(
                        hex::decode(text.trim())
                            .context("公钥文件应为十六进制（govit audit key 的输出）")?,
                    )
                }
                None => None,
            };
            let store = open(db).await?;
            verify_chain(&store, db, pinned.as_deref()).await
        }
        AuditCommand::Checkpoint => {
            let store = open(db).await?;
            let checkpointer = checkpointer(db)?;
            match checkpointer.write(&store, now_ms()).await.map_err(describe)? {
                Some(cp) => println!(
                    "已签名检查点：第 {} 条记录，摘要 {}，写入 {}",
                    cp.seq,
                    cp.digest,
                    checkpointer.path().display()
                ),
                None => println!("链头未变，无需新的检查点"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Key => {
            let (signer, made) =
                checkpoints::load_or_create_key(&db.key_file()).map_err(describe)?;
            if made {
                eprintln!("已生成签名密钥 {}", db.key_file().display());
            }
            println!("指纹 {}", signer.key_id());
            println!("{}", hex::encode(signer.public_key()));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The signer of this data directory's checkpoints, its key made on first use.
fn checkpointer(db: &DbArgs) -> Result<Arc<Checkpointer>> {
    let (signer, made) = checkpoints::load_or_create_key(&db.key_file()).map_err(describe)?;
    if made {
        eprintln!("已生成审计签名密钥 {}（请与数据一同妥善备份）", db.key_file().display());
    }
    Ok(Arc::new(Checkpointer::new(signer, db.checkpoint_file()).map_err(describe)?))
}

/// `govit audit verify`, also run after a restore: the chain, then the signed checkpoints.
async fn verify_chain(store: &Store, db: &DbArgs, pinned: Option<&[u8]>) -> Result<ExitCode> {
    let file = db.checkpoint_file();
    let anchors = match checkpoints::read_checkpoints(&file, pinned)
        .with_context(|| format!("无法读取检查点文件 {}", file.display()))?
    {
        Ok(a) => a,
        Err(fault) => {
            println!("检查点文件 {} 第 {} 行：{}", file.display(), fault.line, fault.reason);
            return Ok(ExitCode::from(2));
        }
    };
    let signed = anchors.checkpoints.len();
    match store.verify_audit_chain_against(anchors.checkpoints).await? {
        Ok(report) => {
            println!("审计链完整：共 {} 条记录，SM3 摘要与链接全部校验通过", report.records);
            match report.last_checkpoint {
                Some((seq, at)) => println!(
                    "与 {} 个签名检查点一致（SM2 签名有效），最近一个在第 {seq} 条记录，签于 {}",
                    report.checkpoints,
                    show_time(at)
                ),
                None if signed == 0 => println!(
                    "提示：{} 中尚无签名检查点，只校验了链本身；服务运行时每分钟签一次，或运行 govit audit checkpoint",
                    file.display()
                ),
                None => {}
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(b) => {
            println!("审计链损坏：第一处问题在第 {} 条记录。{}", b.seq, b.reason);
            Ok(ExitCode::from(2))
        }
    }
}

/// `govit backup`: SQLite's own online copy (`VACUUM INTO`, one read transaction, so writes
/// may go on); for PostgreSQL, the pg_dump command to run.
async fn backup(db: &DbArgs, out: &std::path::Path) -> Result<ExitCode> {
    if let Some(url) = &db.database_url {
        let shown = url.split('@').next_back().unwrap_or(url);
        println!("PostgreSQL 数据库请用 pg_dump 备份（可在服务运行时进行），例如：");
        println!("  pg_dump --format=custom --file={} 'postgres://…@{shown}'", out.display());
        println!("恢复：pg_restore --clean --dbname=<数据库地址> {}", out.display());
        println!(
            "另请备份签名检查点 {}、签名密钥 {}（私钥，单独妥善保管）与数据目录中的 policies/。",
            db.checkpoint_file().display(),
            db.key_file().display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if out.exists() {
        anyhow::bail!("{} 已存在，请指定新的备份文件名", out.display());
    }
    let store = open(db).await?;
    // The checkpoints are copied before the database, so that none of them lies beyond the
    // copy's head.
    checkpointer(db)?.write(&store, now_ms()).await.map_err(describe)?;
    let copied = checkpoints_copy(out);
    std::fs::copy(db.checkpoint_file(), &copied)
        .with_context(|| format!("无法复制检查点文件到 {}", copied.display()))?;
    store.backup_to(out).await.map_err(describe)?;
    let n = match store.verify_audit_chain().await? {
        Ok(r) => r.records,
        Err(b) => anyhow::bail!("审计链在第 {} 条记录处损坏，请先处理：{}", b.seq, b.reason),
    };
    println!("已备份到 {}（审计记录 {n} 条），签名检查点在 {}", out.display(), copied.display());
    println!(
        "另请备份签名密钥 {}（私钥，单独妥善保管）与数据目录中的 policies/（自定义的规则配置）。恢复：govit restore {} --data-dir <目录>",
        db.key_file().display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `govit restore`: the backup becomes the data directory's database, then its audit chain
/// is verified.
async fn restore(db: &DbArgs, file: &std::path::Path) -> Result<ExitCode> {
    if db.database_url.is_some() {
        anyhow::bail!("PostgreSQL 数据库请用 pg_restore 恢复（见 govit backup 的说明）");
    }
    let target = db.data_dir.join("govit.db");
    if target.exists() {
        anyhow::bail!("{} 已有数据库；请恢复到一个新的数据目录", db.data_dir.display());
    }
    std::fs::create_dir_all(&db.data_dir)
        .with_context(|| format!("无法创建数据目录 {}", db.data_dir.display()))?;
    std::fs::copy(file, &target).with_context(|| format!("无法读取备份 {}", file.display()))?;
    let copied = checkpoints_copy(file);
    if copied.exists() {
        let log = db.checkpoint_file();
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(&copied, &log)
            .with_context(|| format!("无法复制检查点文件 {}", copied.display()))?;
    } else {
        println!("提示：没有找到随备份的检查点文件 {}，只能校验链本身", copied.display());
    }
    let store = open(db).await?;
    println!("已恢复到 {}", db.data_dir.display());
    verify_chain(&store, db, None).await
}

/// Where a backup keeps the checkpoint file beside the database copy.
fn checkpoints_copy(backup: &std::path::Path) -> std::path::PathBuf {
    let mut name = backup.as_os_str().to_owned();
    name.push(".checkpoints");
    name.into()
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}
