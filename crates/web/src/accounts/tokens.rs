//! API 令牌: a user creates and revokes their tokens.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, html, see_other};
use crate::shell::view::{self, Layout, SummaryItem, fmt_ms, fmt_opt_ms};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::{DomainError, FieldError};
use govit_storage::StoreError;
use std::collections::HashMap;

struct TokenRow {
    id: i64,
    name: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "accounts/tokens.html")]
struct TokensPage {
    layout: Layout,
    csrf: String,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    errors: Vec<SummaryItem>,
    name: String,
}

pub async fn tokens_page(
    state: &AppState, user: &User, new_token: Option<String>, errors: Vec<FieldError>, name: &str,
) -> PageResult {
    let tokens = state
        .store
        .list_tokens(user.principal.user_id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: fmt_ms(t.created_at_ms),
            last_used: fmt_opt_ms(t.last_used_ms),
            revoked: t.revoked_at_ms.is_some(),
        })
        .collect();
    let has_errors = !errors.is_empty();
    let mut resp = html(TokensPage {
        layout: Layout::for_user(state, user, "我的账户", "account").await?.with_errors(has_errors),
        csrf: user.csrf.clone(),
        tokens,
        new_token,
        errors: view::summary(&errors),
        name: name.to_string(),
    })?;
    if has_errors {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn tokens(State(state): State<AppState>, user: User) -> PageResult {
    tokens_page(&state, &user, None, vec![], "").await
}

pub async fn create_token(
    State(state): State<AppState>, user: User, Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let name = f.get("name").cloned().unwrap_or_default();
    match state.store.create_token(user.who(&state), user.principal.user_id, &name).await {
        Ok(token) => tokens_page(&state, &user, Some(token), vec![], "").await,
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            tokens_page(&state, &user, None, errs, &name).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
) -> PageResult {
    state.store.revoke_token(user.who(&state), id).await?;
    Ok(see_other("/account/tokens"))
}
