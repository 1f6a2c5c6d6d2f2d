//! Small pieces every page handler uses.

use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::state::AppState;
use askama::Template;
use axum::response::{Html, IntoResponse, Redirect, Response};
use govit_core::DomainError;
use std::collections::HashMap;

pub type PageResult = Result<Response, PageError>;

pub fn html(t: impl Template) -> PageResult {
    Ok(Html(t.render()?).into_response())
}

pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A posted form's field ("" when missing).
pub fn field(f: &HashMap<String, String>, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

/// The version a form was rendered with, which guards against overwriting another's change.
pub fn version_of(f: &HashMap<String, String>) -> Result<i64, PageError> {
    f.get("version")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| DomainError::invalid("version", "缺少版本号，请刷新页面后重试").into())
}

/// Refuses a page to a user without the role it needs, and audits the refusal.
pub async fn forbid(state: &AppState, user: &User, object: &str, message: &str) -> PageError {
    let _ = state
        .store
        .audit_refusal(&user.actor(), state.now_ms(), object, "", "page.forbidden", message)
        .await;
    DomainError::Forbidden(message.into()).into()
}
