//! One mapping from domain and storage errors to HTTP: HTML pages for people, JSON for programs.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use govit_core::{DomainError, FieldError};
use govit_storage::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

fn status_of(e: &DomainError) -> StatusCode {
    match e {
        DomainError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        DomainError::NotFound => StatusCode::NOT_FOUND,
        DomainError::Forbidden(_) => StatusCode::FORBIDDEN,
        DomainError::StaleVersion { .. }
        | DomainError::InvalidState { .. }
        | DomainError::GateRefused { .. } => StatusCode::CONFLICT,
    }
}

/// A short reference shown to the user for a server error; the log holds the cause.
fn incident_ref() -> String {
    govit_storage::accounts::random_secret(4)
}

/// An error on a page.
#[derive(Debug)]
pub enum PageError {
    Domain(DomainError),
    Internal(String),
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => PageError::Domain(d),
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<DomainError> for PageError {
    fn from(e: DomainError) -> Self {
        PageError::Domain(e)
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::Internal(format!("template: {e}"))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            PageError::Domain(d) => {
                let title = match d {
                    DomainError::NotFound => "页面不存在",
                    DomainError::Forbidden(_) => "没有权限",
                    DomainError::StaleVersion { .. } => "记录已被修改",
                    DomainError::InvalidState { .. } => "当前状态不允许此操作",
                    DomainError::Invalid(_) => "输入有误",
                    DomainError::GateRefused { .. } => "不符合办法规定",
                };
                let message = match d {
                    DomainError::NotFound => {
                        "您要找的记录不存在，或不在您的数据权限范围内。".to_string()
                    }
                    DomainError::Invalid(errs) => {
                        errs.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("；")
                    }
                    other => other.to_string(),
                };
                (status_of(d), title, message)
            }
            PageError::Internal(cause) => {
                let r = incident_ref();
                tracing::error!(reference = %r, cause = %cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "系统内部错误",
                    format!("系统处理请求时出错，请稍后重试。如需联系管理员，请提供错误编号 {r}。"),
                )
            }
        };
        let mut resp =
            (status, Html(crate::shell::view::error_page(title, &message))).into_response();
        resp.extensions_mut().insert(ErrorNote { title, message, back: None });
        resp
    }
}

/// What an HTML error response says, so that [`error_in_layout`] can show it inside the
/// signed-in user's layout with a link back.
#[derive(Clone)]
pub struct ErrorNote {
    pub title: &'static str,
    pub message: String,
    /// Where the link back leads, when the error knows (else the page the user came from).
    pub back: Option<crate::shell::view::Back>,
}

/// Puts error pages inside the layout: the user's navigation stays, and a real link leads
/// back to the page they came from (this site's `Referer`), which works without JavaScript.
pub async fn error_in_layout(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: axum::extract::Request, next: axum::middleware::Next,
) -> Response {
    use crate::shell::auth::{LoadedSession, User};
    let session = req.extensions().get::<LoadedSession>().cloned();
    let here = req.uri().path().to_string();
    let back = referer_path(req.headers()).filter(|p| p.split('?').next() != Some(here.as_str()));
    let ip = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let resp = next.run(req).await;
    let Some(note) = resp.extensions().get::<ErrorNote>().cloned() else {
        return resp;
    };
    let layout = match session {
        Some(s) if !s.info.must_change_password => {
            let user = User::from_session(s, ip);
            crate::shell::view::Layout::for_user(&state, &user, note.title, "").await.ok()
        }
        _ => None,
    };
    let Some(layout) = layout else {
        return resp;
    };
    let back = note.back.clone().or(back.map(crate::shell::view::Back::previous));
    let body = crate::shell::view::error_page_in(layout, note.title, &note.message, back);
    let mut out = (resp.status(), Html(body)).into_response();
    out.extensions_mut().insert(note);
    out
}

/// The `Referer`'s path when it is a page of this site (same host), else nothing.
fn referer_path(headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(axum::http::header::HOST)?.to_str().ok()?;
    let referer = headers.get(axum::http::header::REFERER)?.to_str().ok()?;
    let rest = referer.strip_prefix("http://").or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    crate::shell::view::same_site_path(path)
}

/// The JSON error body: a stable code, a Chinese message and the field it concerns.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// Stable machine-readable code, e.g. `invalid_input`, `not_found`, `stale_version`.
    pub code: String,
    /// What went wrong, in Chinese.
    pub message: String,
    /// The first field at fault, if any.
    pub field: Option<String>,
    /// Every field at fault.
    pub errors: Vec<ApiFieldError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiFieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ApiErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ApiErrorBody {
                code: code.into(),
                message: message.into(),
                field: None,
                errors: vec![],
            },
        }
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "缺少或无效的 API 令牌：请在 Authorization 头中以 Bearer 方式提供有效令牌",
        )
    }

    pub fn fields(status: StatusCode, code: &str, errors: Vec<FieldError>) -> ApiError {
        let message = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("；");
        ApiError {
            status,
            body: ApiErrorBody {
                code: code.into(),
                message,
                field: errors.first().map(|e| e.field.to_string()),
                errors: errors
                    .into_iter()
                    .map(|e| ApiFieldError { field: e.field.to_string(), message: e.message })
                    .collect(),
            },
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let status = status_of(&e);
        match e {
            DomainError::Invalid(errs) => ApiError::fields(status, "invalid_input", errs),
            DomainError::NotFound => {
                ApiError::new(status, "not_found", "记录不存在，或不在您的数据权限范围内")
            }
            other => ApiError::new(status, other.code(), other.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => d.into(),
            other => {
                let r = incident_ref();
                tracing::error!(reference = %r, cause = %other, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!("系统内部错误，错误编号 {r}"),
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

/// An address that answers another method: a form's target opened as a page (typed in,
/// bookmarked, or entered again after the form was refused) gets a page saying so, with the
/// way back to the record the form belongs to; something posted to a page that only shows,
/// a link to that page; the API says `method_not_allowed`. (The router adds the `Allow`
/// header.)
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") {
        return ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("此接口不接受 {method} 请求，请查看接口文档中的请求方法"),
        )
        .into_response();
    }
    // Opened as a page: the form's record; anything else sent to a page: the page itself.
    let opened = method == axum::http::Method::GET || method == axum::http::Method::HEAD;
    let (title, message, href, label) = match opened {
        true => (
            "此地址用于提交表单",
            "这个地址只接受页面上表单的提交，不能直接打开。请返回表单所在的页面重新操作。",
            form_owner(path),
            "返回表单所在页面",
        ),
        false => (
            "此页面不接受提交",
            "这个页面只能打开查看，不接受这种提交。请打开页面后按页面上的按钮操作。",
            path.to_string(),
            "打开此页面",
        ),
    };
    let back = crate::shell::view::Back { href, label };
    let message = message.to_string();
    let page = crate::shell::view::error_page_in(
        crate::shell::view::Layout::bare(title),
        title,
        &message,
        Some(back.clone()),
    );
    let mut resp = (StatusCode::METHOD_NOT_ALLOWED, Html(page)).into_response();
    resp.extensions_mut().insert(ErrorNote { title, message, back: Some(back) });
    resp
}

/// The page a form posting to `path` belongs to: the record the path names (up to its first
/// numeric id: `/projects/2/act/transfer` → `/projects/2`), else the path's parent.
fn form_owner(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let end = match segments.iter().position(|s| s.bytes().all(|b| b.is_ascii_digit())) {
        Some(i) => i + 1,
        None => segments.len().saturating_sub(1),
    };
    format!("/{}", segments[..end].join("/"))
}

/// An address govit does not have: its own 页面不存在 page, or the API's `not_found` body.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::from(DomainError::NotFound).into_response();
    }
    // An address no page answers: said as such, not as a missing record.
    let (title, message) =
        ("页面不存在", "没有这个页面：地址可能输错了，或页面已经移走。".to_string());
    let mut resp = (StatusCode::NOT_FOUND, Html(crate::shell::view::error_page(title, &message)))
        .into_response();
    resp.extensions_mut().insert(ErrorNote { title, message, back: None });
    resp
}

#[cfg(test)]
mod form_owner_tests {
    use super::form_owner;

    #[test]
    fn a_forms_address_leads_back_to_the_record_it_belongs_to() {
        assert_eq!(form_owner("/projects/2/decide"), "/projects/2");
        assert_eq!(form_owner("/projects/2/act/transfer"), "/projects/2");
        assert_eq!(form_owner("/plans/1/lines/5/amount"), "/plans/1");
        assert_eq!(form_owner("/org/departments/import"), "/org/departments");
        assert_eq!(form_owner("/logout"), "/");
    }
}
