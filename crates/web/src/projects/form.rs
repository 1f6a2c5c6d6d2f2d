//! The declaration form (yeji annex 1): new draft and edits.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::input::{FromFields, read_fields};
use crate::shell::page::{PageResult, VersionedForm, forbid, html};
use crate::shell::respond;
use crate::shell::view::{self, FieldGroup, Layout, SummaryItem};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use govit_core::declaration::{DeclarationForm, field_label};
use govit_core::ids::ProjectId;
use govit_core::org::Role;
use govit_core::policy::Provision;
use govit_core::{DomainError, FieldError};
use govit_storage::Target;
use govit_storage::projects::CreateDraft;
use govit_storage::projects::EditDeclaration;
use govit_storage::projects::Project;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "projects/project_form.html")]
struct ProjectFormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    csrf: String,
    version: Option<i64>,
    errors: Vec<SummaryItem>,
    groups: Vec<FieldGroup>,
    /// The form's name in the user's own profile (yeji:6's annex 1), if it has one.
    form_name: Option<String>,
    /// Why the declaration was last returned, on the edit page of a returned one.
    last_return: Option<String>,
    /// yeji:27's 压缩下一年度预算 on the unit's projects last year, for this year's declarations.
    budget_cuts: Vec<govit_storage::sanctions::BudgetCut>,
}

/// Where a declaration form posts to and what it is called.
pub struct FormTarget {
    heading: String,
    action: String,
    cancel: String,
    version: Option<i64>,
    /// The project edited, to repeat why it was returned.
    project: Option<ProjectId>,
}

impl FormTarget {
    fn new_declaration() -> FormTarget {
        FormTarget {
            heading: "填报项目申报".into(),
            action: "/projects/new".into(),
            cancel: "/projects".into(),
            version: None,
            project: None,
        }
    }

    fn edit(id: i64, name: &str, version: i64) -> FormTarget {
        FormTarget {
            heading: format!("修改项目申报：{name}"),
            action: format!("/projects/{id}/edit"),
            cancel: format!("/projects/{id}"),
            version: Some(version),
            project: Some(ProjectId(id)),
        }
    }
}

pub async fn form_page(
    state: &AppState, user: &User, target: FormTarget, form: &DeclarationForm,
    errors: &[FieldError],
) -> PageResult {
    let last_return = match target.project {
        Some(id) => crate::projects::show::last_return(state, id).await?,
        None => None,
    };
    let form_name = state
        .store
        .basis(user.principal.jurisdiction_id, Provision::DeclarationForm)
        .await
        .map(|b| b.text);
    let budget_cuts = match user.principal.department_id {
        Some(d) => {
            use chrono::Datelike;
            let year = govit_storage::china_today(state.now_ms()).year();
            state.store.budget_cuts_of(d, year).await?
        }
        None => Vec::new(),
    };
    let mut resp = html(ProjectFormPage {
        budget_cuts,
        form_name,
        last_return,
        layout: Layout::for_user(state, user, target.heading.clone(), "new")
            .await?
            .with_errors(!errors.is_empty()),
        heading: target.heading,
        action: target.action,
        cancel: target.cancel,
        csrf: user.csrf.clone(),
        version: target.version,
        errors: view::summary(errors),
        groups: view::declaration_groups(form, errors),
    })?;
    if !errors.is_empty() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// The form again after a refusal, with every error at its field.
async fn form_again(
    state: &AppState, user: &User, target: FormTarget, form: &DeclarationForm,
    errors: Vec<FieldError>,
) -> PageResult {
    form_page(state, user, target, form, &errors).await
}

pub async fn new_project(State(state): State<AppState>, user: User) -> PageResult {
    if !user.principal.has(Role::Declarant) {
        return Err(forbid(&state, &user, "project", "只有申报经办人可以填报项目申报").await);
    }
    form_page(&state, &user, FormTarget::new_declaration(), &DeclarationForm::default(), &[]).await
}

pub async fn create_project(
    State(state): State<AppState>, user: User, Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let form = DeclarationForm::from_form(&f);
    respond::run_page(
        &state,
        &user,
        Target::New,
        Ok(CreateDraft(&form)),
        |p| format!("/projects/{}?done=create", p.id),
        |errs| form_again(&state, &user, FormTarget::new_declaration(), &form, errs),
    )
    .await
}

pub async fn edit_project(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
) -> PageResult {
    let p = state.store.read::<Project>(user.who(&state), id).await?;
    if !p.status.is_editable() || !user.principal.has(Role::Declarant) {
        return Err(DomainError::InvalidState {
            message: format!("项目当前状态为“{}”，不能修改", p.status.label()),
        }
        .into());
    }
    form_page(
        &state,
        &user,
        FormTarget::edit(id, &p.declaration.name, p.version),
        &p.declaration.to_form(),
        &[],
    )
    .await
}

pub async fn update_project(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    VersionedForm(version, form): VersionedForm<DeclarationForm>,
) -> PageResult {
    respond::run_page(
        &state,
        &user,
        Target::at(id, version),
        Ok(EditDeclaration(&form)),
        |_| format!("/projects/{id}?done=update"),
        |errs| form_again(&state, &user, FormTarget::edit(id, &form.name, version), &form, errs),
    )
    .await
}

// The declaration (yeji annex 1) as pages and the API read it.
read_fields!(DeclarationForm, field_label, {
    name, summary, period_start, period_end, investment, fiscal_funds, bank_loan, self_raised,
    other_funds, leader, contact, phone, email, remarks, yearly_budget, cross_department,
});
