//! 登录与退出: the login form, the lockout message, the safe return path.

use crate::AppState;
use crate::shell::auth::{self, LOGIN_CSRF_COOKIE, SESSION_COOKIE, User};
use crate::shell::page::{PageResult, html, see_other};
use crate::shell::view::{Layout, SummaryItem};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse};
use govit_storage::accounts::random_secret;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    notice: Option<String>,
    csrf: String,
    next: String,
    login: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
    expired: String,
    /// Set by 退出登录's redirect.
    signed_out: String,
}

/// The one answer to a refused login, whatever the reason.
const LOGIN_REFUSED: &str = "登录名或密码不正确，或账户已被锁定或停用。连续输错 5 次将锁定账户 15 分钟；\
     如需解锁，请联系系统管理员。";

fn safe_next(next: &str) -> String {
    match crate::shell::view::same_site_path(next) {
        // Signed in again, the reader is not asked to sign out.
        Some(p) if p == "/logout" || p.starts_with("/logout?") => "/".to_string(),
        Some(p) => p,
        None => "/".to_string(),
    }
}

fn login_page(
    state: &AppState, headers: &HeaderMap, login: &str, next: &str, errors: Vec<SummaryItem>,
    notice: Option<String>, status: StatusCode,
) -> PageResult {
    let (csrf, set) = match auth::cookie(headers, LOGIN_CSRF_COOKIE) {
        Some(c) if c.len() == 64 => (c, None),
        _ => {
            let c = random_secret(32);
            let set = auth::set_cookie(state, LOGIN_CSRF_COOKIE, &c, false);
            (c, Some(set))
        }
    };
    let has_errors = !errors.is_empty();
    let body = LoginPage {
        layout: Layout::bare("登录").with_errors(has_errors),
        errors,
        notice,
        csrf,
        next: next.to_string(),
        login: login.to_string(),
    }
    .render()?;
    let mut resp = (status, Html(body)).into_response();
    if let Some(set) = set
        && let Ok(v) = set.parse()
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

pub async fn login_form(
    State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LoginQuery>,
) -> PageResult {
    let notice = if !q.expired.is_empty() {
        Some("登录已超时，请重新登录。".to_string())
    } else if !q.signed_out.is_empty() {
        Some("已退出登录。".to_string())
    } else {
        None
    };
    login_page(&state, &headers, "", &safe_next(&q.next), vec![], notice, StatusCode::OK)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    next: String,
}

pub async fn login(
    State(state): State<AppState>, headers: HeaderMap,
    connect: axum::extract::ConnectInfo<std::net::SocketAddr>, Form(f): Form<LoginForm>,
) -> PageResult {
    let ip = connect.0.ip().to_string();
    let now = state.now_ms();
    let login = f.login.trim();
    let next = safe_next(&f.next);
    let message = match state.store.login(login, &f.password, &ip, now).await? {
        Ok(session) => {
            let target =
                if session.must_change_password { "/account/password".to_string() } else { next };
            let mut resp = see_other(&target);
            let h = resp.headers_mut();
            for c in [
                auth::set_cookie(&state, SESSION_COOKIE, &session.token, false),
                auth::set_cookie(&state, LOGIN_CSRF_COOKIE, "", true),
            ] {
                if let Ok(v) = c.parse() {
                    h.append(header::SET_COOKIE, v);
                }
            }
            return Ok(resp);
        }
        // Unknown, wrong, locked and disabled answer alike: the reason is in the audit log.
        Err(_) => LOGIN_REFUSED.to_string(),
    };
    let errors = vec![SummaryItem { href: "#login".into(), message }];
    login_page(&state, &headers, login, &next, errors, None, StatusCode::UNAUTHORIZED)
}

#[derive(Template)]
#[template(path = "accounts/logout.html")]
struct LogoutPage {
    layout: Layout,
    name: String,
    csrf: String,
}

/// `/logout` opened as a page (a bookmark, a typed address): the reader is still signed in,
/// and signs out with the button — a link alone never ends a session.
pub async fn logout_page(State(state): State<AppState>, user: User) -> PageResult {
    html(LogoutPage {
        layout: Layout::for_user(&state, &user, "退出登录", "").await?,
        name: user.principal.name.clone(),
        csrf: user.csrf.clone(),
    })
}

pub async fn logout(State(state): State<AppState>, user: User) -> PageResult {
    state.store.logout(&user.actor(), state.now_ms(), &user.token).await?;
    let mut resp = see_other("/login?signed_out=1");
    if let Ok(v) = auth::set_cookie(&state, SESSION_COOKIE, "", true).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        for ok in ["/", "/projects/12?done=submit", "/search?q=%E8%A7%86%E9%A2%91"] {
            assert_eq!(safe_next(ok), ok);
        }
        assert_eq!(safe_next("/logout"), "/", "not asked to sign out once signed in");
        for bad in [
            "//evil.example/",
            "/\t/evil.example/",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example/",
            "/a\nSet-Cookie: x=1",
            "/a\r",
            " /projects",
            "/ /evil",
            "",
            "projects",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
