//! 修改密码: the first-login change and every later one.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::page::{PageResult, html, see_other};
use crate::shell::view::{self, FieldView, Layout, SummaryItem};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use govit_core::{DomainError, FieldError};
use govit_storage::StoreError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "accounts/password.html")]
struct PasswordPage {
    layout: Layout,
    csrf: String,
    errors: Vec<SummaryItem>,
    fields: Vec<FieldView>,
    must_change: bool,
}

fn password_fields(errors: &[FieldError]) -> Vec<FieldView> {
    [
        ("old_password", "当前密码", ""),
        ("new_password", "新密码", "至少 8 位，包含大写字母、小写字母、数字、特殊符号中的至少三类"),
        ("confirm_password", "再次输入新密码", ""),
    ]
    .into_iter()
    .map(|(name, label, hint)| FieldView {
        name,
        label: label.into(),
        value: String::new(),
        error: view::error_for(errors, name),
        hint,
        kind: "password",
        required: true,
    })
    .collect()
}

pub async fn must_change(state: &AppState, user: &User) -> Result<bool, PageError> {
    Ok(state
        .store
        .list_users(Some(user.principal.jurisdiction_id))
        .await?
        .into_iter()
        .any(|u| u.id == user.principal.user_id && u.must_change_password))
}

pub async fn password_form(State(state): State<AppState>, user: User) -> PageResult {
    let must = must_change(&state, &user).await?;
    html(PasswordPage {
        layout: Layout::for_user(&state, &user, "修改密码", "account").await?,
        errors: vec![],
        fields: password_fields(&[]),
        csrf: user.csrf.clone(),
        must_change: must,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    old_password: String,
    new_password: String,
    confirm_password: String,
}

pub async fn change_password(
    State(state): State<AppState>, user: User, Form(f): Form<PasswordForm>,
) -> PageResult {
    // Every field at fault is named at once: the current password, the new one's strength
    // and the confirmation.
    let result = state
        .store
        .change_password(
            user.who(&state),
            &f.old_password,
            &f.new_password,
            &f.confirm_password,
            Some(&user.token),
        )
        .await;
    match result {
        Ok(()) => Ok(see_other("/?done=password")),
        Err(StoreError::Domain(DomainError::Invalid(errs))) => {
            let must = must_change(&state, &user).await?;
            let mut resp = html(PasswordPage {
                layout: Layout::for_user(&state, &user, "修改密码", "account")
                    .await?
                    .with_errors(true),
                errors: view::summary(&errs),
                fields: password_fields(&errs),
                csrf: user.csrf.clone(),
                must_change: must,
            })?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}
