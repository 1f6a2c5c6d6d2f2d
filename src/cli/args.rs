//! The command line: every command and its options (clap).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "govit", version, about = "govit 政务信息化项目与数据资源统筹管理平台")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Args, Clone)]
pub(crate) struct DbArgs {
    /// Data directory; the SQLite database lives here unless --database-url says otherwise.
    #[arg(long, default_value = "./govit-data", env = "GOVIT_DATA_DIR", global = true)]
    pub(crate) data_dir: PathBuf,
    /// `postgres://user@host/db` for PostgreSQL; default is SQLite in the data directory.
    #[arg(long, env = "GOVIT_DATABASE_URL", global = true)]
    pub(crate) database_url: Option<String>,
    /// The SM2 key that signs audit checkpoints and decisions (PKCS#8 PEM); default
    /// `audit/sm2-key.pem` in the data directory, made on first use.
    #[arg(long, env = "GOVIT_AUDIT_KEY", global = true)]
    pub(crate) audit_key: Option<PathBuf>,
    /// Where the files of materials are kept: a folder, or `s3://bucket` of an S3-compatible
    /// store (its address and keys from AWS_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, and AWS_ALLOW_HTTP=true for plain HTTP); default `files/` in the
    /// data directory.
    #[arg(long = "files", env = "GOVIT_FILES", global = true)]
    pub(crate) file_store: Option<String>,
}

impl DbArgs {
    pub(crate) fn key_file(&self) -> PathBuf {
        self.audit_key
            .clone()
            .unwrap_or_else(|| govit_storage::audit::checkpoints::default_key_file(&self.data_dir))
    }
    pub(crate) fn checkpoint_file(&self) -> PathBuf {
        govit_storage::audit::checkpoints::checkpoint_file(&self.data_dir)
    }
}

#[derive(Args, Clone)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "GOVIT_ADDR")]
    pub(crate) addr: String,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, default_value_t = 30, env = "GOVIT_SESSION_IDLE_MINUTES")]
    pub(crate) session_idle_minutes: u64,
    /// Mark cookies Secure (when served behind HTTPS).
    #[arg(long, env = "GOVIT_SECURE_COOKIES")]
    pub(crate) secure_cookies: bool,
    /// POST due-soon and overdue obligations as JSON to this http:// address (off by default).
    #[arg(long, env = "GOVIT_NOTIFY_WEBHOOK")]
    pub(crate) notify_webhook: Option<String>,
    /// Seconds between signed audit checkpoints while the log grows (one more on shutdown).
    #[arg(long, default_value_t = 60, env = "GOVIT_AUDIT_CHECKPOINT_SECONDS")]
    pub(crate) checkpoint_seconds: u64,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Serve the web UI and the JSON API.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Serve with a demo jurisdiction (by default 叶集区 with sample projects), printing each
    /// demo account and its password.
    Demo {
        /// Keep the demo in this directory; by default a fresh temporary one is used.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The profile whose jurisdiction to set up with its real parties and one account per
        /// party: yeji, gaoping, lhasa, linxiang or xinzhou-transport.
        #[arg(long, default_value = "yeji")]
        profile: String,
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
    /// Jurisdictions and their organization: departments (one by one or a tree from .xlsx),
    /// firms and experts.
    Org {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: OrgCommand,
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
    /// Export the approved projects a user may see (their data scope) as one OC4IDS 0.9
    /// project package (JSON), written as it is read, a batch of projects at a time.
    Oc4ids {
        #[command(flatten)]
        db: DbArgs,
        /// Login of the account the export is done as.
        #[arg(long)]
        user: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Audit log operations.
    Audit {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check what was signed or drawn: `govit verify project ID`, `govit verify panel ID`.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        command: VerifyCommand,
    },
    /// A consistent copy of the database while the server runs (SQLite: one file; PostgreSQL:
    /// how to take one with pg_dump).
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The backup file to write (it must not exist yet).
        #[arg(long)]
        out: PathBuf,
    },
    /// Puts a SQLite backup in place as the data directory's database and verifies its audit
    /// chain. The data directory must not hold a database yet.
    Restore {
        #[command(flatten)]
        db: DbArgs,
        /// The backup file written by `govit backup`.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum UserCommand {
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
        /// admin, declarant, reviewer, auditor, viewer or platform; repeat for several.
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
pub(crate) enum TokenCommand {
    /// Create an API token for a user; it is printed once.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "命令行创建")]
        name: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum CalendarCommand {
    /// Print a month (YYYY-MM) with each day's kind.
    Show { month: String },
    /// Load a new year or an amended year from a calendar file (the format of calendar/cn.toml).
    Import { file: PathBuf },
}

#[derive(Subcommand)]
pub(crate) enum PolicyCommand {
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
pub(crate) enum ObligationsCommand {
    /// Recompute every project's obligations as of today.
    Refresh,
}

#[derive(Subcommand)]
pub(crate) enum SystemsCommand {
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
pub(crate) enum AuditCommand {
    /// Walk the hash chain and check it against the signed checkpoints; exit non-zero naming
    /// the first record that disagrees.
    Verify {
        /// Accept only checkpoints signed by this public key (hex, as `govit audit key` prints
        /// it); by default the keys named in the checkpoint file.
        #[arg(long)]
        public_key: Option<PathBuf>,
    },
    /// Sign the chain's head into the checkpoint file now (the server does so every minute).
    Checkpoint,
    /// Print the signing key's fingerprint and public key, for an auditor to keep.
    Key,
}

#[derive(Subcommand)]
pub(crate) enum VerifyCommand {
    /// Every signed decision of a project (通过, 退回, 不予通过): its SM2 signature, its record,
    /// and the records and bytes of the materials it saw; exits 1 naming what changed.
    Project {
        /// The project's number.
        id: i64,
        /// Check the signatures and records only, without reading the files again.
        #[arg(long)]
        shallow: bool,
    },
    /// An expert panel's draw (linxiang:15), re-run from its kept seed and eligible experts:
    /// exits 0 when the drawn order and the members ever seated are the ones the seed gives,
    /// 1 when not, 2 when there is no such panel.
    Panel {
        /// The panel's number (the project page and `GET /api/v1/projects/{id}/panels`).
        id: i64,
    },
    /// Every signed decision on an annual or supplementary plan's route (报批, 通过, 退回, 不予
    /// 通过): its SM2 signature, its record, the earlier opinions and the plan's projects and
    /// amounts since it was sent; exits 1 naming what changed, 2 when there is no such plan.
    Plan {
        /// The plan's number (`/plans/{id}`).
        id: i64,
    },
}

#[derive(Subcommand)]
pub(crate) enum OrgCommand {
    /// List the jurisdictions and their profiles.
    List,
    /// Print a jurisdiction's department tree, firms and experts.
    Show {
        #[arg(long)]
        jurisdiction: String,
    },
    /// Create a jurisdiction under a profile, with its first administrator when --admin-login
    /// and --admin-name are given (the initial password is printed once).
    AddJurisdiction {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The profile id (govit policy list).
        #[arg(long)]
        profile: String,
        #[arg(long)]
        admin_login: Option<String>,
        #[arg(long)]
        admin_name: Option<String>,
    },
    /// Add a department.
    AddDepartment {
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The parent department's code; none for a root.
        #[arg(long)]
        parent: Option<String>,
        /// A party kind (code or name, e.g. finance or 财政部门); repeat for several.
        #[arg(long = "kind")]
        kinds: Vec<String>,
    },
    /// Import a department tree from .xlsx (部门编码, 部门名称, 上级部门编码, 职能): every row
    /// or none; problems are listed by row and the exit status is 3.
    ImportDepartments {
        file: PathBuf,
        #[arg(long)]
        jurisdiction: String,
        /// Only check the sheet; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Register a firm: contractor, supervisor, tester or consultant.
    AddFirm {
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        credit_code: String,
    },
    /// Register a review expert.
    AddExpert {
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        employer: String,
        /// Fields of expertise, comma-separated.
        #[arg(long, default_value = "")]
        fields: String,
        /// 职称.
        #[arg(long, default_value = "")]
        title: String,
        /// Units they declared a conflict of interest with, comma-separated.
        #[arg(long, default_value = "")]
        conflicts: String,
    },
}
