//! Account changes on the change path: an administrator creates accounts in their
//! jurisdiction, disables, enables and resets them; a user changes their own password and
//! creates or revokes their own API tokens. The operator at the command line acts as every
//! jurisdiction's administrator (`Principal::operator`).
//!
//! Passwords are hashed (deliberately slowly) before the change opens its transaction, so the
//! write lock is never held while hashing.

use super::*;
use crate::base::change::{At, Audited, Cx, Decided, Record, Step, Target, Who, Written};
use serde_json::json;

/// An account, as the change path sees it (never its password hash).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub jurisdiction_id: JurisdictionId,
    pub disabled: bool,
    pub must_change_password: bool,
    pub version: i64,
}

impl Record for Account {
    const KIND: &'static str = "user";
    type Carry = ();

    fn key(&self) -> (i64, i64) {
        (self.id, self.version)
    }
    async fn load(conn: &mut AnyConnection, _: Who<'_>, id: i64) -> Result<Option<Self>> {
        let row = sqlx::query(
            "SELECT id, login, jurisdiction_id, disabled, must_change_password, version FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(Account {
            id: r.try_get("id")?,
            login: r.try_get("login")?,
            jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
            disabled: r.try_get::<i64, _>("disabled")? != 0,
            must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
            version: r.try_get("version")?,
        }))
    }
    /// Users see their own account; administrators the accounts of their jurisdiction.
    async fn load_visible(conn: &mut AnyConnection, who: Who<'_>, id: i64) -> Result<Option<Self>> {
        let p = who.principal;
        let mine = |a: &Account| p.user_id.0 == a.id || p.administers(a.jurisdiction_id);
        Ok(Self::load(conn, who, id).await?.filter(mine))
    }
    fn audit_view(&self) -> serde_json::Value {
        json!({"login": self.login, "disabled": self.disabled, "must_change_password": self.must_change_password})
    }
}

fn admin_only() -> DomainError {
    DomainError::Forbidden("只有系统管理员可以管理用户".into())
}

/// The account's own user (or the operator at the command line).
fn own(at: At<'_, Account>, what: &str) -> Decided<()> {
    let (p, a) = (at.who.principal, at.record()?);
    if p.user_id.0 == a.id || p.is_operator() {
        Ok(())
    } else {
        Err(DomainError::Forbidden(format!("只能{what}自己的账户")))
    }
}

/// What is wrong with a new account's fields, each error naming its field.
fn check_new_user(u: &NewUser) -> Decided<()> {
    let mut errors = Vec::new();
    if !login_format_ok(&u.login) {
        let m = "登录名应为 2–40 位字母、数字、下划线、连字符或点";
        errors.push(FieldError::new("login", m));
    }
    if u.name.trim().is_empty() {
        errors.push(FieldError::new("name", "请填写姓名"));
    } else if u.name.trim().chars().count() > 40 {
        errors.push(FieldError::new("name", "姓名不能超过 40 个字"));
    }
    if let Err(m) = password::check_for(&u.login, &u.password) {
        errors.push(FieldError::new("password", m));
    }
    if u.roles.is_empty() {
        errors.push(FieldError::new("roles", "请至少选择一个角色"));
    } else if let Some(why) = govit_core::org::role_conflict(&u.roles) {
        errors.push(FieldError::new("roles", why));
    }
    if errors.is_empty() { Ok(()) } else { Err(DomainError::Invalid(errors)) }
}

/// An administrator creates an account in their jurisdiction (`Target::New`).
struct CreateAccount<'a> {
    user: &'a NewUser,
    hash: String,
}

impl Step<Account> for CreateAccount<'_> {
    /// Whether the login is taken.
    type Input = bool;
    type Decision = ();

    fn action(&self) -> String {
        "user.create".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Account>) -> Result<bool> {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
            .bind(self.user.login.clone())
            .fetch_optional(&mut *cx.conn)
            .await?;
        Ok(taken.is_some())
    }
    fn decide(&self, at: At<'_, Account>, taken: bool) -> Decided<()> {
        if !at.who.principal.administers(self.user.jurisdiction_id) {
            return Err(admin_only());
        }
        if self.user.roles.contains(&govit_core::org::Role::Platform)
            && !at.who.principal.runs_platform()
        {
            return Err(DomainError::Forbidden("只有平台管理员可以授予平台管理员角色".into()));
        }
        if taken {
            let m = format!("登录名 {} 已被使用", self.user.login);
            return Err(DomainError::invalid("login", m));
        }
        Ok(())
    }
    async fn write(&self, cx: &mut Cx<'_, Account>, (): ()) -> Result<Written> {
        let (u, conn) = (self.user, &mut *cx.conn);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (jurisdiction_id, login, name, department_id, firm_id, expert_id, password_hash, \
             must_change_password, scope, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(u.jurisdiction_id.0)
        .bind(u.login.clone())
        .bind(u.name.trim().to_string())
        .bind(u.department_id.map(|d| d.0))
        .bind(u.firm_id)
        .bind(u.expert_id)
        .bind(self.hash.clone())
        .bind(i64::from(u.must_change_password))
        .bind(u.scope.as_str())
        .bind(cx.who.now_ms)
        .fetch_one(&mut *conn)
        .await?;
        for r in &u.roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(id)
                .bind(r.as_str())
                .execute(&mut *conn)
                .await?;
        }
        for d in &u.listed_departments {
            sqlx::query(
                "INSERT INTO user_scope_departments (user_id, department_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(d.0)
            .execute(&mut *conn)
            .await?;
        }
        let after = json!({
            "login": u.login, "name": u.name, "department_id": u.department_id,
            "roles": u.roles, "scope": u.scope, "listed_departments": u.listed_departments,
        });
        Ok(Written { created: Some(id), ..Written::part(Audited::of(None, after)) })
    }
}

/// What an administrator does to an existing account.
enum Admin {
    Disable,
    Enable,
    /// A new initial password (hashed): it must be changed at next login; the lock is lifted.
    Reset(String),
}

struct Administer(Admin);

impl Step<Account> for Administer {
    type Input = ();
    type Decision = ();

    fn action(&self) -> String {
        match self.0 {
            Admin::Disable => "user.disable",
            Admin::Enable => "user.enable",
            Admin::Reset(_) => "user.reset_password",
        }
        .into()
    }
    fn decide(&self, at: At<'_, Account>, (): ()) -> Decided<()> {
        let (p, a) = (at.who.principal, at.record()?);
        if !p.administers(a.jurisdiction_id) {
            return Err(admin_only());
        }
        if matches!(self.0, Admin::Disable) && p.user_id.0 == a.id {
            return Err(DomainError::InvalidState {
                message: "不能停用自己的账户".into()
            });
        }
        Ok(())
    }
    async fn write(&self, cx: &mut Cx<'_, Account>, (): ()) -> Result<Written> {
        let (a, conn) = (cx.record()?, &mut *cx.conn);
        let update = match &self.0 {
            Admin::Disable | Admin::Enable => {
                sqlx::query("UPDATE users SET disabled = $1, version = version + 1 WHERE id = $2")
                    .bind(i64::from(matches!(self.0, Admin::Disable)))
            }
            Admin::Reset(hash) => sqlx::query(
                "UPDATE users SET password_hash = $1, must_change_password = 1, failed_logins = 0, \
                 locked_until_ms = NULL, version = version + 1 WHERE id = $2",
            )
            .bind(hash.clone()),
        };
        update.bind(a.id).execute(&mut *conn).await?;
        if !matches!(self.0, Admin::Enable) {
            end_sessions(conn, a.id, None).await?;
        }
        Ok(Written::record())
    }
}

/// Ends the user's sessions, all of them or all but the one whose token hash is `keep`.
async fn end_sessions(conn: &mut AnyConnection, user: i64, keep: Option<&str>) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user)
        .bind(keep.unwrap_or_default().to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A user's new password (hashed), after the old one was checked; every other session of the
/// user ends (the one named by its token hash stays).
struct ChangeOwnPassword {
    hash: String,
    keep_session: Option<String>,
}

impl Step<Account> for ChangeOwnPassword {
    type Input = ();
    type Decision = ();

    fn action(&self) -> String {
        "user.change_password".into()
    }
    fn decide(&self, at: At<'_, Account>, (): ()) -> Decided<()> {
        own(at, "修改")
    }
    async fn write(&self, cx: &mut Cx<'_, Account>, (): ()) -> Result<Written> {
        sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = 0, version = version + 1 WHERE id = $2",
        )
        .bind(self.hash.clone())
        .bind(cx.record()?.id)
        .execute(&mut *cx.conn)
        .await?;
        end_sessions(cx.conn, cx.record()?.id, self.keep_session.as_deref()).await?;
        Ok(Written::record())
    }
}

/// A user creates (with its name and the hash of the new token) or revokes one of their
/// own API tokens.
enum TokenChange<'a> {
    Create { name: &'a str, hash: String },
    Revoke(i64),
}

impl Step<Account> for TokenChange<'_> {
    type Input = ();
    type Decision = ();

    fn action(&self) -> String {
        match self {
            TokenChange::Create { .. } => "token.create",
            TokenChange::Revoke(_) => "token.revoke",
        }
        .into()
    }
    fn decide(&self, at: At<'_, Account>, (): ()) -> Decided<()> {
        own(at, "管理")?;
        match self {
            TokenChange::Create { name, .. } if name.is_empty() || name.chars().count() > 60 => {
                let m = "请填写令牌用途（60 字以内），例如“市级平台对接”";
                Err(DomainError::invalid("name", m))
            }
            _ => Ok(()),
        }
    }
    async fn write(&self, cx: &mut Cx<'_, Account>, (): ()) -> Result<Written> {
        let (user, now_ms) = (cx.record()?.id, cx.who.now_ms);
        let (id, after) = match self {
            TokenChange::Create { name, hash } => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO api_tokens (user_id, name, token_hash, created_at_ms) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(user)
                .bind(name.to_string())
                .bind(hash.clone())
                .bind(now_ms)
                .fetch_one(&mut *cx.conn)
                .await?;
                (id, json!({"user_id": user, "name": name}))
            }
            TokenChange::Revoke(id) => {
                let n = sqlx::query(
                    "UPDATE api_tokens SET revoked_at_ms = $1 WHERE id = $2 AND user_id = $3 AND revoked_at_ms IS NULL",
                )
                .bind(now_ms)
                .bind(*id)
                .bind(user)
                .execute(&mut *cx.conn)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(DomainError::NotFound.into());
                }
                (*id, json!({"revoked": true}))
            }
        };
        let audit = Audited { object: Some(("api_token", id.to_string())), before: None, after };
        Ok(Written::part(audit).with_part(id))
    }
}

impl Store {
    /// Creates an account (administrators of its jurisdiction, and the operator).
    pub async fn create_user(&self, who: Who<'_>, u: NewUser) -> Result<UserId> {
        check_new_user(&u)?;
        let hash = hash_password(u.password.clone()).await?;
        let step = CreateAccount { user: &u, hash };
        Ok(UserId(self.run(who, Target::New, &step).await?.record.id))
    }

    /// Checks a new account's fields and hashes its password, before any transaction opens.
    pub(crate) async fn prepare_user(u: &NewUser) -> Result<String> {
        check_new_user(u)?;
        hash_password(u.password.clone()).await
    }

    /// Creates an account as the last step of a transaction already open (a new
    /// jurisdiction's first administrator), and commits it.
    pub(crate) async fn create_user_in(
        &self, w: crate::base::WriteTx<'_>, who: Who<'_>, u: &NewUser, hash: String,
    ) -> Result<UserId> {
        let step = CreateAccount { user: u, hash };
        Ok(UserId(self.run_in(w, who, Target::New, None, &step).await?.record.id))
    }

    /// The account of a login, as a target; an unknown login is refused naming the field.
    async fn account_of(&self, login: &str) -> Result<Target> {
        match self.user_id_by_login(login).await? {
            Some(id) => Ok(Target::any_version(id.0)),
            None => Err(DomainError::invalid("login", format!("用户 {login} 不存在")).into()),
        }
    }

    /// Disables (and ends the sessions of) or re-enables an account.
    pub async fn set_user_disabled(&self, who: Who<'_>, login: &str, disabled: bool) -> Result<()> {
        let step = Administer(if disabled { Admin::Disable } else { Admin::Enable });
        self.run(who, self.account_of(login).await?, &step).await?;
        Ok(())
    }

    /// Sets a new initial password: it must be changed at next login, and the lock is lifted.
    pub async fn reset_password(
        &self, who: Who<'_>, login: &str, new_password: &str,
    ) -> Result<()> {
        password::check_for(login, new_password)
            .map_err(|m| DomainError::invalid("password", m))?;
        let target = self.account_of(login).await?;
        let hash = hash_password(new_password.to_string()).await?;
        self.run(who, target, &Administer(Admin::Reset(hash))).await?;
        Ok(())
    }

    /// A user changes their own password; the old one must be right and the new one
    /// different. Their other sessions end (`session`, the token of the one they used, stays).
    /// A refused change is audited.
    pub async fn change_password(
        &self, who: Who<'_>, old: &str, new: &str, confirm: &str, session: Option<&str>,
    ) -> Result<()> {
        let user = who.principal.user_id.0;
        let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(DomainError::NotFound)?;
        let mut errors = Vec::new();
        if !verify_password(old.to_string(), stored).await? {
            errors.push(FieldError::new("old_password", "当前密码不正确"));
        }
        if let Err(m) = password::check_for(&who.principal.login, new) {
            errors.push(FieldError::new("new_password", m));
        } else if old == new {
            errors.push(FieldError::new("new_password", "新密码不能与当前密码相同"));
        }
        if new != confirm {
            errors.push(FieldError::new("confirm_password", "两次输入的新密码不一致"));
        }
        if !errors.is_empty() {
            let refused =
                Change::refused("user", user, "user.change_password", "密码修改未通过校验");
            self.audit(who.actor, who.now_ms, refused).await?;
            return Err(DomainError::Invalid(errors).into());
        }
        let hash = hash_password(new.to_string()).await?;
        let keep_session = session.map(|t| sm3_hex(t.as_bytes()));
        self.run(who, Target::any_version(user), &ChangeOwnPassword { hash, keep_session }).await?;
        Ok(())
    }

    /// Creates an API token for `user` (their own, or by the operator); the plaintext is
    /// returned once and stored only hashed.
    pub async fn create_token(&self, who: Who<'_>, user: UserId, name: &str) -> Result<String> {
        let token = format!("govit_{}", random_secret(32));
        let hash = sm3_hex(token.as_bytes());
        let step = TokenChange::Create { name: name.trim(), hash };
        self.run(who, Target::any_version(user.0), &step).await?;
        Ok(token)
    }

    /// Revokes one of the user's own tokens.
    pub async fn revoke_token(&self, who: Who<'_>, token_id: i64) -> Result<()> {
        let target = Target::any_version(who.principal.user_id.0);
        self.run(who, target, &TokenChange::Revoke(token_id)).await?;
        Ok(())
    }
}
