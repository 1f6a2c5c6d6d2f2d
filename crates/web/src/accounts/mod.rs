//! 账户: signing in and out, one's password and API tokens, and the administrator's users.

pub mod api;
mod login;
mod password;
mod tokens;
mod users;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::login_form).post(login::login))
        .route("/logout", get(login::logout_page).post(login::logout))
        .route("/account/password", get(password::password_form).post(password::change_password))
        .route("/account/tokens", get(tokens::tokens).post(tokens::create_token))
        .route("/account/tokens/{id}/revoke", post(tokens::revoke_token))
        .route("/admin/users", get(users::users).post(users::create_user))
        .route("/admin/users/reset-done", get(users::reset_done))
        .route(
            "/admin/users/{login}/reset-password",
            get(users::confirm_reset).post(users::reset_password),
        )
        .route("/admin/users/{login}/{action}", post(users::user_action))
}
