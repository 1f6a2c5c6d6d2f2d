//! Sessions, CSRF and API tokens.
//!
//! `session_layer` runs before every page: it resolves the session cookie once, and for every
//! state-changing request checks the form's `_csrf` field against the session's token (or,
//! on the login form, against the pre-login cookie). A missing or wrong token is refused with
//! 403 before any handler runs, so nothing changes. The JSON API takes bearer tokens only and
//! never cookies, which keeps it out of reach of cross-site requests.

use crate::AppState;
use crate::shell::error::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use govit_core::org::Principal;
use govit_storage::Actor;
use govit_storage::Who;
use govit_storage::accounts::SessionInfo;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "govit_session";
pub const LOGIN_CSRF_COOKIE: &str = "govit_login_csrf";
pub const CSRF_FIELD: &str = "_csrf";
const MAX_FORM_BYTES: usize = 1024 * 1024;
/// File uploads (an inventory sheet of 50,000 rows is about 5 MB).
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;
/// What a larger upload is told, on a page or through the API.
pub const UPLOAD_TOO_LARGE: &str = "上传的文件超过 32 MB，请分成几个文件导入。";

/// Reads one cookie from the request headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Strict always.
pub fn set_cookie(state: &AppState, name: &str, value: &str, clear: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if clear {
        c.push_str("; Max-Age=0");
    }
    if state.config.secure_cookies {
        c.push_str("; Secure");
    }
    c
}

pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default()
}

/// The resolved session, placed in request extensions by `session_layer`.
#[derive(Clone)]
pub struct LoadedSession {
    pub info: SessionInfo,
    pub token: String,
}

/// The `_csrf` field of a multipart form (put before the file, so it is found first). The
/// form is read under the upload limit the layer already enforced, not the extractor's
/// default of 2 MB.
async fn multipart_csrf(content_type: &str, bytes: Bytes) -> Option<String> {
    use axum::extract::{DefaultBodyLimit, FromRequest};
    use tower::{Layer, ServiceExt};
    let req = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes))
        .ok()?;
    let read = tower::service_fn(|req: Request| async move {
        let Ok(mut form) = axum::extract::Multipart::from_request(req, &()).await else {
            return Ok::<_, std::convert::Infallible>(None);
        };
        while let Ok(Some(field)) = form.next_field().await {
            if field.name() == Some(CSRF_FIELD) {
                return Ok(field.text().await.ok());
            }
        }
        Ok(None)
    });
    DefaultBodyLimit::max(MAX_UPLOAD_BYTES).layer(read).oneshot(req).await.ok().flatten()
}

fn csrf_refused(state: &AppState) -> Response {
    let _ = state;
    (
        StatusCode::FORBIDDEN,
        Html(crate::shell::view::error_page(
            "请求已失效",
            "表单缺少或带有错误的安全令牌（CSRF），操作未执行。请返回上一页，刷新后重新提交。",
        )),
    )
        .into_response()
}

pub async fn session_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/api/") || path.starts_with("/static/") || path == "/healthz" {
        return next.run(req).await;
    }
    let now = state.now_ms();
    let idle_ms = state.config.session_idle.as_millis() as i64;
    let (mut parts, body) = req.into_parts();
    let mut loaded = None;
    if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
        match state.store.session(&token, now, idle_ms).await {
            Ok(Some(info)) => loaded = Some(LoadedSession { info, token }),
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                return crate::shell::error::PageError::Internal(e.to_string()).into_response();
            }
        }
    }
    let changes_state = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let body = if changes_state {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let multipart = content_type.starts_with("multipart/form-data");
        if multipart && streamed_upload(&path) {
            // A material's file streams to its handler, which reads the form's token first
            // (`check_streamed_csrf`) and refuses the rest unread when it is wrong.
            if let Some(s) = loaded {
                parts.extensions.insert(s);
            }
            return next.run(Request::from_parts(parts, body)).await;
        }
        let limit = if multipart { MAX_UPLOAD_BYTES } else { MAX_FORM_BYTES };
        let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(_) => {
                return (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Html(crate::shell::view::error_page(
                        "提交内容过大",
                        if multipart { UPLOAD_TOO_LARGE } else { "提交的内容超过 1 MB。" },
                    )),
                )
                    .into_response();
            }
        };
        let sent = if multipart {
            multipart_csrf(&content_type, bytes.clone()).await
        } else {
            form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v.into_owned())
        };
        let expected = match &loaded {
            _ if path == "/login" => cookie(&parts.headers, LOGIN_CSRF_COOKIE),
            Some(s) => Some(s.info.csrf_token.clone()),
            None => None,
        };
        let ok =
            matches!((&sent, &expected), (Some(a), Some(b)) if !b.is_empty() && constant_eq(a, b));
        if !ok {
            let actor = match &loaded {
                Some(s) => Actor {
                    user_id: Some(s.info.principal.user_id.0),
                    login: s.info.principal.login.clone(),
                    ip: client_ip(&parts),
                },
                None => Actor { user_id: None, login: String::new(), ip: client_ip(&parts) },
            };
            if loaded.is_none() && path != "/login" {
                // Not signed in: send them to the login page rather than a CSRF error.
                return Redirect::to("/login").into_response();
            }
            let _ = state
                .store
                .audit_refusal(
                    &actor,
                    now,
                    "request",
                    &path,
                    "csrf.refused",
                    "表单安全令牌缺失或错误",
                )
                .await;
            return csrf_refused(&state);
        }
        Body::from(bytes)
    } else {
        body
    };
    if let Some(s) = loaded {
        parts.extensions.insert(s);
    }
    next.run(Request::from_parts(parts, body)).await
}

/// The forms whose file streams to the handler instead of being read here first: a
/// material's upload (`/projects/{id}/materials/{material}/upload`).
fn streamed_upload(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    matches!(parts.as_slice(), ["", "projects", id, "materials", m, "upload"]
        if id.parse::<i64>().is_ok() && !m.is_empty())
}

/// The token of a streamed form, read by its handler before the file: the session's, or the
/// form is refused (and the refusal audited) without reading the rest.
pub async fn check_streamed_csrf(
    state: &AppState, user: &User, sent: Option<String>,
) -> Result<(), Response> {
    let expected = &user.csrf;
    if matches!(&sent, Some(a) if !expected.is_empty() && constant_eq(a, expected)) {
        return Ok(());
    }
    let _ = state
        .store
        .audit_refusal(
            &user.actor,
            state.now_ms(),
            "request",
            "upload",
            "csrf.refused",
            "表单安全令牌缺失或错误",
        )
        .await;
    Err(csrf_refused(state))
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A signed-in person on a page.
pub struct User {
    pub principal: Principal,
    pub csrf: String,
    pub token: String,
    pub ip: String,
    actor: Actor,
}

/// The identity written into audit records for a user at an address.
fn actor_of(principal: &Principal, ip: &str) -> Actor {
    Actor { user_id: Some(principal.user_id.0), login: principal.login.clone(), ip: ip.to_string() }
}

impl User {
    pub fn actor(&self) -> Actor {
        self.actor.clone()
    }
    /// Who acts, and when, for the change path.
    pub fn who<'a>(&'a self, state: &AppState) -> Who<'a> {
        Who::new(&self.principal, &self.actor, state.now_ms())
    }
}

/// Pages a user who must change their password may still reach.
const ALLOWED_BEFORE_PASSWORD_CHANGE: &[&str] = &["/account/password", "/logout"];

impl FromRequestParts<AppState> for User {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts, _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(s) = parts.extensions.get::<LoadedSession>().cloned() else {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let target = format!(
                "/login?next={}",
                form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            return Err(Redirect::to(&target).into_response());
        };
        if s.info.must_change_password
            && !ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&parts.uri.path())
        {
            return Err(Redirect::to("/account/password").into_response());
        }
        Ok(User::from_session(s, client_ip(parts)))
    }
}

impl User {
    /// The user of a resolved session, acting from `ip`.
    pub fn from_session(s: LoadedSession, ip: String) -> User {
        User {
            actor: actor_of(&s.info.principal, &ip),
            principal: s.info.principal,
            csrf: s.info.csrf_token,
            token: s.token,
            ip,
        }
    }
}

/// A program calling the API with a bearer token.
pub struct ApiUser {
    pub principal: Principal,
    pub ip: String,
    actor: Actor,
}

impl ApiUser {
    pub fn actor(&self) -> Actor {
        self.actor.clone()
    }
    /// Who acts, and when, for the change path.
    pub fn who<'a>(&'a self, state: &AppState) -> Who<'a> {
        Who::new(&self.principal, &self.actor, state.now_ms())
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts, state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = client_ip(parts);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let Some(token) = token else {
            return Err(ApiError::unauthorized());
        };
        let now = state.now_ms();
        match state.store.token_principal(&token, now).await {
            Ok(Some(principal)) => Ok(ApiUser { actor: actor_of(&principal, &ip), principal, ip }),
            Ok(None) => {
                let actor = Actor { user_id: None, login: String::new(), ip };
                let _ = state
                    .store
                    .audit_refusal(
                        &actor,
                        now,
                        "api_token",
                        "",
                        "api.unauthorized",
                        "无效或已吊销的 API 令牌",
                    )
                    .await;
                Err(ApiError::unauthorized())
            }
            Err(e) => Err(e.into()),
        }
    }
}
