//! 辖区管理: the platform's administrators create a jurisdiction under one of the profiles in
//! force, with its first administrator, whose initial password is shown once.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::input::FromFields;
use crate::shell::page::{PageResult, forbid, html, see_other};
use crate::shell::view::{self, Layout, SummaryItem};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use govit_core::org::forms::JurisdictionForm;
use govit_core::org::{Role, ScopeKind};
use govit_core::{DomainError, FieldError};
use govit_storage::StoreError;
use govit_storage::accounts::{NewUser, generate_password_for};
use std::collections::HashMap;

struct Row {
    code: String,
    name: String,
    profile: String,
}

#[derive(askama::Template)]
#[template(path = "org/jurisdictions.html")]
struct JurisdictionsPage {
    layout: Layout,
    csrf: String,
    flash: Option<String>,
    rows: Vec<Row>,
    /// Profile id and title.
    profiles: Vec<(String, String)>,
    form: JurisdictionForm,
    admin_login: String,
    admin_name: String,
    field_errors: Vec<FieldError>,
    errors: Vec<SummaryItem>,
}

impl JurisdictionsPage {
    fn err(&self, field: &str) -> Option<String> {
        view::error_for(&self.field_errors, field)
    }
}

async fn require_admin(state: &AppState, user: &User) -> Result<(), PageError> {
    if user.principal.runs_platform() {
        Ok(())
    } else {
        Err(forbid(state, user, "jurisdiction", "只有平台管理员可以管理辖区").await)
    }
}

async fn page(
    state: &AppState, user: &User, flash: Option<String>, form: JurisdictionForm,
    admin: (String, String), field_errors: Vec<FieldError>,
) -> PageResult {
    let rules = state.store.rules();
    let title = |id: &str| rules.profile(id).map(|p| p.head.name.clone()).unwrap_or_default();
    let rows = state
        .store
        .jurisdictions()
        .await?
        .into_iter()
        .map(|j| Row { profile: title(&j.profile_id), code: j.code, name: j.name })
        .collect();
    let profiles = rules
        .profiles
        .values()
        .map(|p| (p.head.id.clone(), format!("{}（{}）", p.head.name, p.head.jurisdiction)))
        .collect();
    let failed = !field_errors.is_empty();
    let mut resp = html(JurisdictionsPage {
        layout: Layout::for_user(
            state,
            user,
            if failed { "错误：辖区管理" } else { "辖区管理" },
            "org",
        )
        .await?
        .with_errors(failed),
        csrf: user.csrf.clone(),
        flash,
        rows,
        profiles,
        form,
        admin_login: admin.0,
        admin_name: admin.1,
        errors: view::summary(&field_errors),
        field_errors,
    })?;
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn list(State(state): State<AppState>, user: User) -> PageResult {
    require_admin(&state, &user).await?;
    let admin = (String::new(), String::new());
    page(&state, &user, None, JurisdictionForm::default(), admin, vec![]).await
}

/// A new jurisdiction's first administrator: an account with the administrator's role alone,
/// its initial password generated, to be changed at first login.
pub fn first_admin(login: &str, name: &str, password: String) -> Result<NewUser, Vec<FieldError>> {
    let mut e = Vec::new();
    if login.trim().is_empty() {
        e.push(FieldError::new("admin_login", "请填写首个管理员的登录名"));
    }
    if name.trim().is_empty() {
        e.push(FieldError::new("admin_name", "请填写首个管理员的姓名"));
    }
    if !e.is_empty() {
        return Err(e);
    }
    Ok(NewUser {
        jurisdiction_id: govit_core::ids::JurisdictionId(0),
        login: login.trim().to_string(),
        name: name.trim().to_string(),
        department_id: None,
        firm_id: None,
        expert_id: None,
        roles: vec![Role::Admin],
        scope: ScopeKind::SelfOnly,
        listed_departments: vec![],
        password,
        must_change_password: true,
    })
}

/// The account fields of a store refusal, named as the form names them.
pub fn admin_fields(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| match e.field {
            "login" => FieldError::new("admin_login", e.message),
            "name" => FieldError::new("admin_name", e.message),
            _ => e,
        })
        .collect()
}

pub async fn create(
    State(state): State<AppState>, user: User, Form(fields): Form<HashMap<String, String>>,
) -> PageResult {
    require_admin(&state, &user).await?;
    let form = JurisdictionForm::from_form(&fields);
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let (login, name) = (get("admin_login"), get("admin_name"));
    let password = generate_password_for(login.trim());
    let parsed = form.parse();
    let admin = first_admin(&login, &name, password.clone());
    let errors = match (parsed, admin) {
        (Ok(j), Ok(admin)) => {
            match state.store.add_jurisdiction(user.who(&state), &j, Some(admin)).await {
                Ok(_) => {
                    let text = serde_json::json!([j.name, login.trim(), password]).to_string();
                    let token = state.reveals.keep(user.principal.user_id.0, text, state.now_ms());
                    let q = form_urlencoded::Serializer::new(String::new())
                        .append_pair("t", &token)
                        .finish();
                    return Ok(see_other(&format!("/org/jurisdictions/created?{q}")));
                }
                Err(StoreError::Domain(DomainError::Invalid(errors))) => admin_fields(errors),
                Err(e) => return Err(e.into()),
            }
        }
        (a, b) => [a.err(), b.err()].into_iter().flatten().flatten().collect(),
    };
    page(&state, &user, None, form, (login, name), errors).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CreatedQuery {
    t: String,
}

/// Where a creation lands: the first administrator's initial password, shown this once.
pub async fn created(
    State(state): State<AppState>, user: User, Query(q): Query<CreatedQuery>,
) -> PageResult {
    require_admin(&state, &user).await?;
    let shown = state.reveals.take(user.principal.user_id.0, &q.t, state.now_ms());
    let flash = match shown.and_then(|s| serde_json::from_str::<[String; 3]>(&s).ok()) {
        Some([name, login, password]) => format!(
            "已新建辖区“{name}”。首个管理员 {login} 的初始密码：{password}（只显示这一次，首次登录须修改）。请用该账户登录，维护部门、企业、专家和账户。"
        ),
        None => "辖区已新建；初始密码已显示过或已过期，如未记下，请运维人员用 govit user reset-password 重置。".into(),
    };
    let admin = (String::new(), String::new());
    page(&state, &user, Some(flash), JurisdictionForm::default(), admin, vec![]).await
}
