//! 用户管理: the administrator creates accounts, disables, enables and resets them.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::page::{PageResult, forbid, html, see_other};
use crate::shell::view::{self, Layout, SummaryItem};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use govit_core::ids::DepartmentId;
use govit_core::org::{Role, ScopeKind};
use govit_core::{DomainError, FieldError};
use govit_storage::StoreError;
use govit_storage::accounts::{NewUser, generate_password_for};
use serde::Deserialize;

struct UserRow {
    login: String,
    name: String,
    department: String,
    roles: String,
    scope: &'static str,
    /// The administrator's own row: no 停用 or 重置 offered (the store refuses disabling oneself).
    is_me: bool,
    disabled: bool,
    locked: bool,
}

struct DeptOption {
    id: i64,
    name: String,
    depth: usize,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewUserForm {
    login: String,
    name: String,
    department: String,
    scope: String,
    password: String,
}

#[derive(Template)]
#[template(path = "accounts/users.html")]
struct UsersPage {
    layout: Layout,
    csrf: String,
    flash: Option<String>,
    users: Vec<UserRow>,
    departments: Vec<DeptOption>,
    roles: Vec<(&'static str, &'static str, bool)>,
    scopes: Vec<(&'static str, &'static str)>,
    form: NewUserForm,
    errors: Vec<SummaryItem>,
    login_error: Option<String>,
    name_error: Option<String>,
    roles_error: Option<String>,
    password_error: Option<String>,
}

pub async fn require_admin(state: &AppState, user: &User) -> Result<(), PageError> {
    if user.principal.has(Role::Admin) {
        Ok(())
    } else {
        Err(forbid(state, user, "user", "只有系统管理员可以管理用户").await)
    }
}

pub async fn users_page(
    state: &AppState, user: &User, flash: Option<String>, form: NewUserForm,
    chosen_roles: &[String], errors: Vec<FieldError>,
) -> PageResult {
    let now = state.now_ms();
    let j = user.principal.jurisdiction_id;
    let users = state
        .store
        .list_users(Some(j))
        .await?
        .into_iter()
        .map(|u| UserRow {
            is_me: u.login == user.principal.login,
            login: u.login,
            name: u.name,
            department: u.department,
            roles: u.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"),
            scope: u.scope.label(),
            disabled: u.disabled,
            locked: u.locked_until_ms.is_some_and(|t| t > now),
        })
        .collect();
    let departments = state
        .store
        .departments(j)
        .await?
        .into_iter()
        .map(|d| DeptOption { id: d.id.0, depth: d.depth(), name: d.name })
        .collect();
    let has_errors = !errors.is_empty();
    let mut resp = html(UsersPage {
        layout: Layout::for_user(state, user, "用户管理", "users").await?.with_errors(has_errors),
        csrf: user.csrf.clone(),
        flash,
        users,
        departments,
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), r.label(), chosen_roles.iter().any(|c| c == r.as_str())))
            .collect(),
        scopes: ScopeKind::ALL
            .iter()
            .filter(|s| **s != ScopeKind::Listed)
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        form,
        login_error: view::error_for(&errors, "login"),
        name_error: view::error_for(&errors, "name"),
        roles_error: view::error_for(&errors, "roles"),
        password_error: view::error_for(&errors, "password"),
        errors: view::summary(&errors),
    })?;
    if has_errors {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// The page with an empty new-account form (own department's data by default).
async fn blank_users_page(state: &AppState, user: &User, flash: Option<String>) -> PageResult {
    let form = NewUserForm { scope: "own_department".into(), ..Default::default() };
    users_page(state, user, flash, form, &[], vec![]).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UsersQuery {
    done: String,
    login: String,
}

pub async fn users(
    State(state): State<AppState>, user: User, Query(q): Query<UsersQuery>,
) -> PageResult {
    require_admin(&state, &user).await?;
    let flash = match q.done.as_str() {
        "disable" => Some(format!("账户 {} 已停用，其会话已全部结束。", q.login)),
        "enable" => Some(format!("账户 {} 已启用。", q.login)),
        _ => None,
    };
    blank_users_page(&state, &user, flash).await
}

/// Creates an account from the admin form; a generated initial password is shown once.
pub async fn create_user(
    State(state): State<AppState>, user: User, Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    require_admin(&state, &user).await?;
    let get =
        |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let form = NewUserForm {
        login: get("login").trim().to_string(),
        name: get("name"),
        department: get("department"),
        scope: get("scope"),
        password: get("password"),
    };
    let chosen: Vec<String> =
        pairs.iter().filter(|(k, _)| k == "roles").map(|(_, v)| v.clone()).collect();
    let generated = form.password.trim().is_empty();
    let password =
        if generated { generate_password_for(&form.login) } else { form.password.clone() };
    let department_id = form.department.parse().ok().map(DepartmentId);
    let result = state
        .store
        .create_user(
            user.who(&state),
            NewUser {
                jurisdiction_id: user.principal.jurisdiction_id,
                login: form.login.clone(),
                name: form.name.clone(),
                department_id,
                firm_id: None,
                expert_id: None,
                roles: chosen.iter().filter_map(|r| Role::parse(r)).collect(),
                scope: ScopeKind::parse(&form.scope).unwrap_or(ScopeKind::OwnDepartment),
                listed_departments: vec![],
                password: password.clone(),
                must_change_password: true,
            },
        )
        .await;
    match result {
        Ok(_) => {
            let flash = if generated {
                format!(
                    "已创建账户 {}，初始密码：{password}（只显示这一次，首次登录须修改）",
                    form.login
                )
            } else {
                format!("已创建账户 {}，首次登录须修改密码。", form.login)
            };
            blank_users_page(&state, &user, Some(flash)).await
        }
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let kept = NewUserForm { password: String::new(), ..form };
            users_page(&state, &user, None, kept, &chosen, errs).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn user_action(
    State(state): State<AppState>, user: User, Path((login, action)): Path<(String, String)>,
) -> PageResult {
    require_admin(&state, &user).await?;
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(DomainError::NotFound.into()),
    };
    state.store.set_user_disabled(user.who(&state), &login, disabled).await?;
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("done", &action)
        .append_pair("login", &login)
        .finish();
    Ok(see_other(&format!("/admin/users?{q}")))
}

#[derive(Template)]
#[template(path = "accounts/reset_confirm.html")]
struct ResetConfirmPage {
    layout: Layout,
    csrf: String,
    login: String,
    name: String,
}

/// 重置密码, step one: what will happen, and a button to do it.
pub async fn confirm_reset(
    State(state): State<AppState>, user: User, Path(login): Path<String>,
) -> PageResult {
    require_admin(&state, &user).await?;
    let account = state
        .store
        .list_users(Some(user.principal.jurisdiction_id))
        .await?
        .into_iter()
        .find(|u| u.login == login)
        .ok_or(DomainError::NotFound)?;
    html(ResetConfirmPage {
        layout: Layout::for_user(&state, &user, "重置密码", "users").await?,
        csrf: user.csrf.clone(),
        login: account.login,
        name: account.name,
    })
}

/// 重置密码, step two: resets, keeps the new password to be shown once, and redirects, so
/// that reloading the page resets nothing.
pub async fn reset_password(
    State(state): State<AppState>, user: User, Path(login): Path<String>,
) -> PageResult {
    require_admin(&state, &user).await?;
    let password = generate_password_for(&login);
    state.store.reset_password(user.who(&state), &login, &password).await?;
    let token = state.reveals.keep(user.principal.user_id.0, password, state.now_ms());
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("login", &login)
        .append_pair("t", &token)
        .finish();
    Ok(see_other(&format!("/admin/users/reset-done?{q}")))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RevealQuery {
    login: String,
    t: String,
}

/// Where a reset lands: the new password, shown this once.
pub async fn reset_done(
    State(state): State<AppState>, user: User, Query(q): Query<RevealQuery>,
) -> PageResult {
    require_admin(&state, &user).await?;
    let login: String = q.login.chars().take(64).collect();
    let flash = match state.reveals.take(user.principal.user_id.0, &q.t, state.now_ms()) {
        Some(password) => format!(
            "已重置 {login} 的密码并解除锁定。新的初始密码：{password}（只显示这一次，首次登录须修改）"
        ),
        None => format!("{login} 的密码已重置，新密码已显示过或已过期；如未记下，请再次重置。"),
    };
    blank_users_page(&state, &user, Some(flash)).await
}
