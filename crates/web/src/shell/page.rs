//! Small pieces every page handler uses.

use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::input::FromFields;
use crate::shell::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Request};
use axum::response::{Html, IntoResponse, Redirect, Response};
use govit_core::DomainError;
use std::collections::HashMap;

pub type PageResult = Result<Response, PageError>;

pub fn html(t: impl Template) -> PageResult {
    Ok(Html(t.render()?).into_response())
}

/// A page shown again with what was wrong (`failed`): 422, otherwise 200.
pub fn html_status(t: impl Template, failed: bool) -> PageResult {
    let mut resp = html(t)?;
    if failed {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
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

/// What a posted form is read as: its fields themselves, or a record's form.
pub trait FromPosted {
    fn from_posted(f: HashMap<String, String>) -> Self;
}

impl FromPosted for HashMap<String, String> {
    fn from_posted(f: HashMap<String, String>) -> Self {
        f
    }
}

impl<F: FromFields> FromPosted for F {
    fn from_posted(f: HashMap<String, String>) -> Self {
        F::from_form(&f)
    }
}

/// A posted form that changes a record: the version it was rendered with (see [`version_of`],
/// whose refusal it answers) and the form, read as `F`.
pub struct VersionedForm<F = HashMap<String, String>>(pub i64, pub F);

impl<S: Send + Sync, F: FromPosted> FromRequest<S> for VersionedForm<F> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let Form(f) = Form::<HashMap<String, String>>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let version = version_of(&f).map_err(IntoResponse::into_response)?;
        Ok(VersionedForm(version, F::from_posted(f)))
    }
}

/// Refuses a page to a user without the role it needs, and audits the refusal.
pub async fn forbid(state: &AppState, user: &User, object: &str, message: &str) -> PageError {
    let _ = state
        .store
        .audit_refusal(&user.actor(), state.now_ms(), object, "", "page.forbidden", message)
        .await;
    DomainError::Forbidden(message.into()).into()
}

#[derive(Template)]
#[template(path = "shell/panel_form.html")]
struct PanelFormPage {
    layout: crate::shell::view::Layout,
    errors: Vec<crate::shell::view::SummaryItem>,
    project_id: i64,
    project_name: String,
    heading: &'static str,
    panel: String,
}

/// A project page's section posted with errors, shown again on a page of its own under
/// `heading` (采取处理措施, 综合评级) with the error summary: 422.
pub async fn panel_again(
    state: &AppState, user: &User, project: &govit_storage::projects::Project,
    heading: &'static str, panel: String, errors: &[govit_core::FieldError],
) -> PageResult {
    let page = PanelFormPage {
        layout: crate::shell::view::Layout::for_user(state, user, heading, "projects")
            .await?
            .with_errors(true),
        errors: crate::shell::view::summary(errors),
        project_id: project.id.0,
        project_name: project.declaration.name.clone(),
        heading,
        panel,
    };
    html_status(page, true)
}
