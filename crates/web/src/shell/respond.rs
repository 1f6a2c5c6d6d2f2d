//! How the web answers a change that went through the store's change path: the search index
//! is brought up to date, then a page redirects (303) to where the flash is shown, or shows
//! its form again with the error summary when the input was refused; the API answers the
//! record as JSON with its status, or the error with its stable code.

use crate::shell::auth::{ApiUser, User};
use crate::shell::error::{ApiError, PageError};
use crate::shell::page::PageResult;
use crate::shell::state::AppState;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use govit_core::{DomainError, FieldError};
use govit_storage::{Changed, Record, Step, StoreError, Target};
use std::future::Future;

impl AppState {
    /// Brings the search index up to date with a change.
    pub async fn after_change<R>(&self, changed: &Changed<R>) {
        if let Some(r) = changed.reindex {
            self.reindex(r).await;
        }
    }
}

/// A page's answer to a change: on success the redirect `to(record)` names; when the input
/// was refused, `again(errors)` — the form shown again with what was typed; any other
/// refusal goes to the error page.
pub async fn page<R, Again, Fut>(
    state: &AppState, result: Result<Changed<R>, StoreError>, to: impl FnOnce(&R) -> String,
    again: Again,
) -> PageResult
where
    Again: FnOnce(Vec<FieldError>) -> Fut,
    Fut: Future<Output = PageResult>,
{
    match result {
        Ok(changed) => Ok(redirect(state, changed, to).await),
        Err(StoreError::Domain(DomainError::Invalid(errors))) => again(errors).await,
        Err(e) => Err(PageError::from(e)),
    }
}

/// A page's answer to a change that has no form to show again.
pub async fn redirect<R>(
    state: &AppState, changed: Changed<R>, to: impl FnOnce(&R) -> String,
) -> Response {
    state.after_change(&changed).await;
    Redirect::to(&to(&changed.record)).into_response()
}

/// The API's answer to a change: the record as `Dto`, with `status`.
pub async fn api<R, Dto: From<R>>(
    state: &AppState, result: Result<Changed<R>, StoreError>, status: StatusCode,
) -> Result<(StatusCode, Json<Dto>), ApiError> {
    let changed = result?;
    state.after_change(&changed).await;
    Ok((status, Json(Dto::from(changed.record))))
}

/// The API's answer to a change that answers 200 with the record as `Dto`.
pub async fn json<R, Dto: From<R>>(
    state: &AppState, result: Result<Changed<R>, StoreError>,
) -> Result<Json<Dto>, ApiError> {
    api(state, result, StatusCode::OK).await.map(|(_, j)| j)
}

/// Runs a step for the user of a page, then redirects to where `to` says; a refusal goes to
/// the error page.
pub async fn run_redirect<R: Record, S: Step<R>>(
    state: &AppState, user: &User, target: Target, step: &S, to: impl FnOnce(&R) -> String,
) -> PageResult {
    let changed = state.store.run(user.who(state), target, step).await?;
    Ok(redirect(state, changed, to).await)
}

/// Runs a step for an API caller and answers 200 with the record as `Dto`.
pub async fn run_json<R: Record, S: Step<R>, Dto: From<R>>(
    state: &AppState, user: &ApiUser, target: Target, step: &S,
) -> Result<Json<Dto>, ApiError> {
    json(state, state.store.run(user.who(state), target, step).await).await
}

/// A page's answer to a step built from its input: `step` is the step, or the field errors
/// of input that could not be read into one; see [`page`].
pub async fn run_page<R: Record, S: Step<R>, Again, Fut>(
    state: &AppState, user: &User, target: Target, step: Result<S, Vec<FieldError>>,
    to: impl FnOnce(&R) -> String, again: Again,
) -> PageResult
where
    Again: FnOnce(Vec<FieldError>) -> Fut,
    Fut: Future<Output = PageResult>,
{
    let result = match step {
        Ok(step) => state.store.run(user.who(state), target, &step).await,
        Err(errors) => Err(DomainError::Invalid(errors).into()),
    };
    page(state, result, to, again).await
}
