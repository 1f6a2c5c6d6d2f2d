//! govit's command line: serving, the demo, migrations and operator tasks.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use govit_core::org::{Role, ScopeKind};
use govit_storage::accounts::{NewUser, generate_password};
use govit_storage::seed::demo;
use govit_storage::{Actor, Store, sqlite_url};
use govit_web::{AppState, SystemClock, WebConfig};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "govit",
    version,
    about = "govit 政务信息化项目与数据资源统筹管理平台"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Data directory; the SQLite database lives here unless --database-url says otherwise.
    #[arg(
        long,
        default_value = "./govit-data",
        env = "GOVIT_DATA_DIR",
        global = true
    )]
    data_dir: PathBuf,
    /// `postgres://user@host/db` for PostgreSQL; default is SQLite in the data directory.
    #[arg(long, env = "GOVIT_DATABASE_URL", global = true)]
    database_url: Option<String>,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "GOVIT_ADDR")]
    addr: String,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, default_value_t = 30, env = "GOVIT_SESSION_IDLE_MINUTES")]
    session_idle_minutes: u64,
    /// Mark cookies Secure (when served behind HTTPS).
    #[arg(long, env = "GOVIT_SECURE_COOKIES")]
    secure_cookies: bool,
    /// POST due-soon and overdue obligations as JSON to this http:// address (off by default).
    #[arg(long, env = "GOVIT_NOTIFY_WEBHOOK")]
    notify_webhook: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the JSON API.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Serve with the demo jurisdiction (叶集区), printing each demo account and its password.
    Demo {
        /// Keep the demo in this directory; by default a fresh temporary one is used.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Manage user accounts.
    User {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The working-day calendar.
    Calendar {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Policy profiles: list, show, check.
    Policy {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Obligations: recompute every project's deadlines now (the server does it daily).
    Obligations {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: ObligationsCommand,
    },
    /// Generate a large synthetic jurisdiction per profile (for benchmarks and trying the UI).
    BenchData {
        #[command(flatten)]
        db: DbArgs,
        /// How many projects in all.
        #[arg(long, default_value_t = 10_000)]
        projects: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The information system catalog: import an inventory sheet, export the catalog.
    Systems {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: SystemsCommand,
    },
    /// Audit log operations.
    Audit {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; its initial password must be changed at first login.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// Jurisdiction code.
        #[arg(long, default_value = "yeji")]
        jurisdiction: String,
        /// Department code within the jurisdiction.
        #[arg(long)]
        department: Option<String>,
        /// admin, declarant, reviewer, auditor or viewer; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// all, listed, own_department, own_and_below or self.
        #[arg(long, default_value = "own_department")]
        scope: String,
        /// Department codes for the `listed` scope; repeat for several.
        #[arg(long = "scope-department")]
        scope_departments: Vec<String>,
        /// Initial password; generated and printed when omitted.
        #[arg(long)]
        password: Option<String>,
    },
    /// List accounts.
    List,
    /// Disable an account and end its sessions.
    Disable { login: String },
    /// Enable a disabled account.
    Enable { login: String },
    /// Set a new initial password (printed when generated) and lift any lock.
    ResetPassword {
        login: String,
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; it is printed once.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "命令行创建")]
        name: String,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Print a month (YYYY-MM) with each day's kind.
    Show { month: String },
    /// Load a new year or an amended year from a calendar file (the format of calendar/cn.toml).
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// The profiles in force (built in, and from <data dir>/policies).
    List,
    /// Every rule of a profile with its citation.
    Show { id: String },
    /// Check profile files; every mistake is reported with file, line and field.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ObligationsCommand {
    /// Recompute every project's obligations as of today.
    Refresh,
}

#[derive(Subcommand)]
enum SystemsCommand {
    /// Import an inventory .xlsx as the given user (their unit, or any unit for the authority's
    /// reviewers). Bad rows are listed by row and column and not imported; exit 3 if any.
    Import {
        file: PathBuf,
        /// Login of the account the import is done as (its data scope applies).
        #[arg(long)]
        user: String,
        /// Only check the sheet; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export the catalog the user can see to .xlsx (the import's columns).
    Export {
        /// Login whose data scope applies.
        #[arg(long)]
        user: String,
        #[arg(long, short)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit non-zero naming the first broken record.
    Verify,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("GOVIT_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("GOVIT_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
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
    Store::connect(&url).await.context("无法连接数据库")
}

/// Profiles in `<data dir>/policies` override or add to the built-in ones.
fn load_profiles(store: &Store, db: &DbArgs) {
    for e in store.load_profile_overrides(&db.data_dir.join("policies")) {
        eprintln!("未加载的管理办法文件：{e}");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn serve(store: Store, args: &ServeArgs) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("无法监听 {}", args.addr))?;
    let config = WebConfig {
        session_idle: Duration::from_secs(args.session_idle_minutes.max(1) * 60),
        secure_cookies: args.secure_cookies,
        notify_webhook: args.notify_webhook.clone(),
    };
    if let Some(url) = &args.notify_webhook
        && !url.starts_with("http://")
    {
        bail!("--notify-webhook 须为内网 http:// 地址（{url}）");
    }
    let state =
        AppState::new(store.clone(), config, Arc::new(SystemClock)).map_err(anyhow::Error::msg)?;
    tracing::info!(addr = %listener.local_addr()?, "govit listening");
    eprintln!("govit 已启动：http://{}", listener.local_addr()?);
    govit_web::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    Ok(())
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Serve { db, serve: s } => {
            let store = open(&db).await?;
            load_profiles(&store, &db);
            serve(store, &s).await?;
        }
        Command::Demo { data_dir, serve: s } => {
            let dir = data_dir.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("govit-demo-{}-{}", std::process::id(), now_ms()))
            });
            let db = DbArgs {
                data_dir: dir.clone(),
                database_url: None,
            };
            let store = open(&db).await?;
            match demo::seed(&store, now_ms(), |_| generate_password(), true).await? {
                Some(seeded) => {
                    demo::sample_projects(&store, now_ms())
                        .await
                        .map_err(describe)?;
                    // The server keeps running after this table, so a reader that
                    // has gone away (`govit demo | head`) must not stop it.
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(
                        out,
                        "演示数据：六安市叶集区（yeji），数据目录 {}",
                        dir.display()
                    );
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
            serve(store, &s).await?;
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
                        .map(|r| Role::parse(r).with_context(|| format!("未知角色 {r}（可选 admin、declarant、reviewer、auditor、viewer）")))
                        .collect::<Result<Vec<_>>>()?;
                    let Some(scope) = ScopeKind::parse(&scope) else {
                        bail!(
                            "未知数据范围 {scope}（可选 all、listed、own_department、own_and_below、self）"
                        );
                    };
                    let generated = password.is_none();
                    let password = password.unwrap_or_else(generate_password);
                    store
                        .create_user(
                            &actor,
                            now_ms(),
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
                        let roles = u
                            .roles
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(",");
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
                        .set_user_disabled(&actor, now_ms(), &login, true)
                        .await
                        .map_err(describe)?;
                    println!("已停用 {login}，其会话已全部结束");
                }
                UserCommand::Enable { login } => {
                    store
                        .set_user_disabled(&actor, now_ms(), &login, false)
                        .await
                        .map_err(describe)?;
                    println!("已启用 {login}");
                }
                UserCommand::ResetPassword { login, password } => {
                    let generated = password.is_none();
                    let password = password.unwrap_or_else(generate_password);
                    store
                        .reset_password(&actor, now_ms(), &login, &password)
                        .await
                        .map_err(describe)?;
                    println!("已重置 {login} 的密码并解除锁定");
                    if generated {
                        println!("新的初始密码：{password}（首次登录须修改）");
                    }
                }
            }
        }
        Command::Token {
            db,
            command: TokenCommand::Create { user, name },
        } => {
            let store = open(&db).await?;
            let id = store
                .user_id_by_login(&user)
                .await?
                .with_context(|| format!("用户 {user} 不存在"))?;
            let token = store
                .create_token(&Actor::cli(&whoami()), now_ms(), id, &name)
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
                    print!(
                        "{}",
                        show_month(&store.calendar().await?, ym.year, ym.month)
                    );
                }
                CalendarCommand::Import { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("无法读取 {}", file.display()))?;
                    load_profiles(&store, &db);
                    let (years, n) = store
                        .import_calendar_and_refresh(&Actor::cli(&whoami()), now_ms(), &text)
                        .await
                        .map_err(describe)?;
                    let list = years
                        .iter()
                        .map(|y| y.to_string())
                        .collect::<Vec<_>>()
                        .join("、");
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
                "已生成 {} 个辖区、{} 个项目、{} 项义务，用时 {:.1} 秒",
                g.jurisdictions.len(),
                g.projects,
                g.obligations,
                started.elapsed().as_secs_f64()
            );
            for (login, password) in g.accounts {
                println!("  {login}  {password}");
            }
        }
        Command::Obligations {
            db,
            command: ObligationsCommand::Refresh,
        } => {
            let store = open(&db).await?;
            load_profiles(&store, &db);
            let n = store.refresh_all_obligations(now_ms()).await?;
            println!("已按今天的日期重算 {n} 项义务");
        }
        Command::Systems { db, command } => {
            let store = open(&db).await?;
            return systems_command(&store, command).await;
        }
        Command::Audit {
            db,
            command: AuditCommand::Verify,
        } => {
            let store = open(&db).await?;
            match store.verify_audit_chain().await? {
                Ok(n) => println!("审计链完整：共 {n} 条记录，SM3 摘要与链接全部校验通过"),
                Err(b) => {
                    println!("审计链损坏：第一处问题在第 {} 条记录。{}", b.seq, b.reason);
                    return Ok(ExitCode::from(2));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A month as text: one line a day with its kind and holiday.
fn show_month(cal: &govit_core::calendar::Calendar, year: i32, month: u32) -> String {
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
fn describe(e: govit_storage::StoreError) -> anyhow::Error {
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

async fn principal_of(store: &Store, login: &str) -> Result<govit_core::org::Principal> {
    let id = store
        .user_id_by_login(login)
        .await?
        .with_context(|| format!("用户 {login} 不存在"))?;
    store
        .principal(id)
        .await?
        .with_context(|| format!("用户 {login} 已停用"))
}

async fn systems_command(store: &Store, command: SystemsCommand) -> Result<ExitCode> {
    match command {
        SystemsCommand::Import {
            file,
            user,
            dry_run,
        } => {
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
                if dry_run {
                    "检查（未写入）"
                } else {
                    "导入"
                },
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

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "operator".into())
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
