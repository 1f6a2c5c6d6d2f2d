//! Users, roles and data scope; login with lockout; sessions; API tokens.

mod steps;

pub use steps::Account;

use crate::base::audit_log::{Change, append};
use crate::{Actor, Result, Store, StoreError};
use govit_core::crypto::sm3_hex;
use govit_core::ids::{DepartmentId, JurisdictionId, UserId};
use govit_core::org::{Principal, Role, ScopeKind};
use govit_core::{DomainError, FieldError, password};
use rand::RngExt;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// Five failed logins lock an account for fifteen minutes (等保 level 3).
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCK_MS: i64 = 15 * 60 * 1000;

/// A well-formed hash no password matches, checked against for unknown logins.
const DUMMY_HASH: &str = "pbkdf2-sm3$100000$00000000000000000000000000000000$0000000000000000000000000000000000000000000000000000000000000000";

/// A random secret as hex, for session ids, CSRF tokens and API tokens.
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(&mut buf[..]);
    hex::encode(buf)
}

/// An initial password that meets the policy: upper and lower case, digits and a symbol.
pub fn generate_password() -> String {
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let mut rng = rand::rng();
    let mut pick = |set: &[u8], n: usize| -> String {
        (0..n).map(|_| set[rng.random_range(0..set.len())] as char).collect()
    };
    format!("{}{}-{}{}", pick(UPPER, 2), pick(LOWER, 3), pick(DIGIT, 4), pick(LOWER, 2))
}

/// An initial password for `login` that the policy accepts for it.
pub fn generate_password_for(login: &str) -> String {
    loop {
        let p = generate_password();
        if password::check_for(login, &p).is_ok() {
            return p;
        }
    }
}

fn random_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    salt
}

/// PBKDF2 with 100,000 rounds is deliberately slow: run it off the async workers.
async fn hash_password(pw: String) -> Result<String> {
    tokio::task::spawn_blocking(move || password::hash(&pw, &random_salt()))
        .await
        .map_err(|e| StoreError::Config(format!("password hashing failed: {e}")))
}

async fn verify_password(pw: String, stored: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || password::verify(&pw, &stored))
        .await
        .map_err(|e| StoreError::Config(format!("password check failed: {e}")))
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub jurisdiction_id: JurisdictionId,
    pub login: String,
    pub name: String,
    pub department_id: Option<DepartmentId>,
    pub firm_id: Option<i64>,
    pub expert_id: Option<i64>,
    pub roles: Vec<Role>,
    pub scope: ScopeKind,
    pub listed_departments: Vec<DepartmentId>,
    pub password: String,
    pub must_change_password: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    pub id: UserId,
    pub login: String,
    pub name: String,
    pub department: String,
    pub roles: Vec<Role>,
    pub scope: ScopeKind,
    pub disabled: bool,
    pub locked_until_ms: Option<i64>,
    pub must_change_password: bool,
}

/// Why a login did not succeed. Unknown logins and wrong passwords look the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginRefusal {
    BadCredentials,
    Locked,
    Disabled,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub must_change_password: bool,
}

/// A live session's user and its CSRF token.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub principal: Principal,
    pub csrf_token: String,
    pub must_change_password: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at_ms: i64,
    pub last_used_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

fn login_format_ok(login: &str) -> bool {
    (2..=40).contains(&login.len())
        && login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

async fn load_principal(
    conn: &mut AnyConnection, user_id: i64,
) -> Result<Option<(Principal, bool)>> {
    let Some(r) = sqlx::query(
        "SELECT u.id, u.login, u.name, u.jurisdiction_id, u.department_id, u.scope, u.disabled, \
         u.must_change_password, d.path AS department_path \
         FROM users u LEFT JOIN departments d ON d.id = u.department_id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    if r.try_get::<i64, _>("disabled")? != 0 {
        return Ok(None);
    }
    let roles: Vec<String> =
        sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    let listed: Vec<i64> =
        sqlx::query_scalar("SELECT department_id FROM user_scope_departments WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
    let scope: String = r.try_get("scope")?;
    let principal = Principal {
        user_id: UserId(r.try_get("id")?),
        login: r.try_get("login")?,
        name: r.try_get("name")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        department_id: r.try_get::<Option<i64>, _>("department_id")?.map(DepartmentId),
        department_path: r.try_get("department_path")?,
        roles: roles.iter().filter_map(|s| Role::parse(s)).collect(),
        scope: ScopeKind::parse(&scope).unwrap_or(ScopeKind::SelfOnly),
        listed_departments: listed.into_iter().map(DepartmentId).collect(),
    };
    let must_change = r.try_get::<i64, _>("must_change_password")? != 0;
    Ok(Some((principal, must_change)))
}

impl Store {
    pub async fn user_id_by_login(&self, login: &str) -> Result<Option<UserId>> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
            .bind(login.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(id.map(UserId))
    }

    pub async fn principal(&self, user: UserId) -> Result<Option<Principal>> {
        let mut conn = self.pool.acquire().await?;
        Ok(load_principal(&mut conn, user.0).await?.map(|(p, _)| p))
    }

    pub async fn list_users(
        &self, jurisdiction: Option<JurisdictionId>,
    ) -> Result<Vec<UserSummary>> {
        let rows = sqlx::query(
            "SELECT u.id, u.login, u.name, u.scope, u.disabled, u.locked_until_ms, u.must_change_password, \
             COALESCE(d.name, '') AS department FROM users u LEFT JOIN departments d ON d.id = u.department_id \
             WHERE ($1 = 0 OR u.jurisdiction_id = $1) ORDER BY u.id",
        )
        .bind(jurisdiction.map(|j| j.0).unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        let role_rows = sqlx::query("SELECT user_id, role FROM user_roles ORDER BY role")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let mut roles = Vec::new();
            for rr in &role_rows {
                if rr.try_get::<i64, _>("user_id")? == id
                    && let Some(role) = Role::parse(&rr.try_get::<String, _>("role")?)
                {
                    roles.push(role);
                }
            }
            let scope: String = r.try_get("scope")?;
            out.push(UserSummary {
                id: UserId(id),
                login: r.try_get("login")?,
                name: r.try_get("name")?,
                department: r.try_get("department")?,
                roles,
                scope: ScopeKind::parse(&scope).unwrap_or(ScopeKind::SelfOnly),
                disabled: r.try_get::<i64, _>("disabled")? != 0,
                locked_until_ms: r.try_get("locked_until_ms")?,
                must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
            });
        }
        Ok(out)
    }

    /// Checks a password, locking the account after five failures, and opens a session on
    /// success. Each check first claims one of the five attempts in one statement (the fifth
    /// claim sets the lock), so no more than five are ever checked per lock window, however
    /// many arrive at once; a success clears the count. Unknown, disabled and locked logins
    /// spend the same time as a real check. Every outcome is audited.
    pub async fn login(
        &self, login: &str, password_attempt: &str, ip: &str, now_ms: i64,
    ) -> Result<std::result::Result<NewSession, LoginRefusal>> {
        let actor =
            Actor { user_id: None, login: login.chars().take(64).collect(), ip: ip.to_string() };
        let row = sqlx::query(
            "SELECT id, password_hash, disabled, must_change_password FROM users WHERE login = $1",
        )
        .bind(login.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let refuse = |actor: Actor, why: String, refusal: LoginRefusal| async move {
            // Spend the same time as a real check so response times reveal nothing.
            let _ = verify_password(password_attempt.to_string(), DUMMY_HASH.to_string()).await;
            let change = Change::refused("session", "", "login.failure", why);
            self.audit(&actor, now_ms, change).await?;
            Ok(Err(refusal))
        };
        let Some(row) = row else {
            return refuse(actor, "用户不存在".into(), LoginRefusal::BadCredentials).await;
        };
        let id: i64 = row.try_get("id")?;
        let actor = Actor { user_id: Some(id), ..actor };
        if row.try_get::<i64, _>("disabled")? != 0 {
            return refuse(actor, "账户已停用".into(), LoginRefusal::Disabled).await;
        }
        let Some(attempt) = self.claim_attempt(id, now_ms).await? else {
            return refuse(actor, "账户已锁定".into(), LoginRefusal::Locked).await;
        };
        let stored: String = row.try_get("password_hash")?;
        let right = verify_password(password_attempt.to_string(), stored).await?;
        let mut w = self.write().await?;
        if !right {
            let failure = Change::refused(
                "session",
                "",
                "login.failure",
                format!("密码错误（第 {attempt} 次）"),
            );
            append(&mut w.tx, &actor, now_ms, failure).await?;
            let refusal = if attempt >= MAX_FAILED_LOGINS {
                let why = format!("连续 {attempt} 次登录失败，锁定 15 分钟");
                append(&mut w.tx, &actor, now_ms, Change::refused("user", id, "user.lock", why))
                    .await?;
                LoginRefusal::Locked
            } else {
                LoginRefusal::BadCredentials
            };
            w.commit().await?;
            return Ok(Err(refusal));
        }
        let token = random_secret(32);
        let csrf_token = random_secret(32);
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until_ms = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, ip, created_at_ms, last_seen_ms) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(sm3_hex(token.as_bytes()))
        .bind(id)
        .bind(csrf_token.clone())
        .bind(ip.to_string())
        .bind(now_ms)
        .execute(&mut *w.tx)
        .await?;
        append(&mut w.tx, &actor, now_ms, Change::ok("session", "", "login.success")).await?;
        w.commit().await?;
        Ok(Ok(NewSession {
            token,
            csrf_token,
            must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        }))
    }

    /// Claims one password check for an account that is not locked: the count of checks
    /// since the last success goes up by one in a single statement, and the claim that
    /// reaches the limit sets the lock (an expired lock starts the count again). `None` when
    /// the account is locked.
    async fn claim_attempt(&self, id: i64, now_ms: i64) -> Result<Option<i64>> {
        let mut w = self.write().await?;
        let claimed: Option<i64> = sqlx::query_scalar(
            "UPDATE users SET \
             failed_logins = CASE WHEN locked_until_ms IS NULL THEN failed_logins + 1 ELSE 1 END, \
             locked_until_ms = CASE WHEN (CASE WHEN locked_until_ms IS NULL THEN failed_logins + 1 ELSE 1 END) >= $1 \
             THEN $2 ELSE NULL END \
             WHERE id = $3 AND (locked_until_ms IS NULL OR locked_until_ms <= $4) RETURNING failed_logins",
        )
        .bind(MAX_FAILED_LOGINS)
        .bind(now_ms + LOCK_MS)
        .bind(id)
        .bind(now_ms)
        .fetch_optional(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(claimed)
    }

    /// The session's user, if the session exists and has not been idle longer than `idle_ms`.
    pub async fn session(
        &self, token: &str, now_ms: i64, idle_ms: i64,
    ) -> Result<Option<SessionInfo>> {
        let hash = sm3_hex(token.as_bytes());
        let Some(row) = sqlx::query(
            "SELECT user_id, csrf_token, last_seen_ms FROM sessions WHERE token_hash = $1",
        )
        .bind(hash.clone())
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let last_seen: i64 = row.try_get("last_seen_ms")?;
        if now_ms - last_seen > idle_ms {
            self.write_one(sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(hash))
                .await?;
            return Ok(None);
        }
        // Refresh the idle clock at most every 15 seconds to spare writes.
        if now_ms - last_seen > 15_000 {
            let q = sqlx::query("UPDATE sessions SET last_seen_ms = $1 WHERE token_hash = $2");
            self.write_one(q.bind(now_ms).bind(hash)).await?;
        }
        let user_id: i64 = row.try_get("user_id")?;
        let mut conn = self.pool.acquire().await?;
        Ok(load_principal(&mut conn, user_id).await?.map(|(principal, must_change_password)| {
            SessionInfo {
                principal,
                csrf_token: row.try_get("csrf_token").unwrap_or_default(),
                must_change_password,
            }
        }))
    }

    pub async fn logout(&self, actor: &Actor, now_ms: i64, token: &str) -> Result<()> {
        let mut w = self.write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(sm3_hex(token.as_bytes()))
            .execute(&mut *w.tx)
            .await?;
        append(&mut w.tx, actor, now_ms, Change::ok("session", "", "logout")).await?;
        w.commit().await
    }

    pub async fn list_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at_ms, last_used_ms, revoked_at_ms FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    created_at_ms: r.try_get("created_at_ms")?,
                    last_used_ms: r.try_get("last_used_ms")?,
                    revoked_at_ms: r.try_get("revoked_at_ms")?,
                })
            })
            .collect()
    }

    /// The user behind a bearer token, if it is valid, unrevoked and its user enabled.
    pub async fn token_principal(&self, token: &str, now_ms: i64) -> Result<Option<Principal>> {
        let Some(row) = sqlx::query(
            "SELECT id, user_id, last_used_ms FROM api_tokens WHERE token_hash = $1 AND revoked_at_ms IS NULL",
        )
        .bind(sm3_hex(token.as_bytes()))
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let last: Option<i64> = row.try_get("last_used_ms")?;
        if last.is_none_or(|l| now_ms - l > 60_000) {
            let q = sqlx::query("UPDATE api_tokens SET last_used_ms = $1 WHERE id = $2");
            self.write_one(q.bind(now_ms).bind(id)).await?;
        }
        let mut conn = self.pool.acquire().await?;
        Ok(load_principal(&mut conn, row.try_get("user_id")?).await?.map(|(p, _)| p))
    }
}
