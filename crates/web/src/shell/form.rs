//! The plain form page: a heading, the error summary, one input per field (text, textarea,
//! date, select) and 保存/取消. Rooms whose record is a flat list of fields (a catalog entry,
//! a cloud service) describe their fields and let this page show them.

use crate::shell::auth::User;
use crate::shell::page::PageResult;
use crate::shell::respond;
use crate::shell::state::AppState;
use crate::shell::view::{self, Layout, SummaryItem};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use govit_core::FieldError;
use govit_core::policy::{Provision, ProvisionRule};
use govit_storage::{Changed, StoreError};

/// One input of a plain form.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub hint: String,
    /// `text`, `textarea`, `date`, `number`, or `select` (with `options`).
    pub kind: &'static str,
    pub required: bool,
    pub options: Vec<(&'static str, &'static str)>,
}

/// Builds a form's fields with their labels and the errors that name them.
pub struct FieldList<'a> {
    label: fn(&str) -> &'static str,
    errors: &'a [FieldError],
    pub fields: Vec<Field>,
}

impl<'a> FieldList<'a> {
    pub fn new(label: fn(&str) -> &'static str, errors: &'a [FieldError]) -> FieldList<'a> {
        FieldList { label, errors, fields: Vec::new() }
    }

    /// Adds an input; `required` marks it as not 选填.
    pub fn input(
        mut self, (name, kind, required): (&'static str, &'static str, bool), value: &str,
        hint: impl Into<String>,
    ) -> Self {
        let (label, error) = ((self.label)(name), view::error_for(self.errors, name));
        let (value, hint) = (value.to_string(), hint.into());
        let options = Vec::new();
        self.fields.push(Field { name, label, value, error, hint, kind, required, options });
        self
    }

    /// Adds a select of `options` (value, label).
    pub fn select(
        self, (name, required): (&'static str, bool), value: &str, hint: impl Into<String>,
        options: Vec<(&'static str, &'static str)>,
    ) -> Self {
        let mut list = self.input((name, "select", required), value, hint);
        if let Some(f) = list.fields.last_mut() {
            f.options = options;
        }
        list
    }
}

/// A record's form shown on the plain form page.
pub trait PlainForm {
    /// The navigation section to mark (`systems`, `cloud` …).
    const NAV: &'static str;
    /// The provision whose article the jurisdiction's profile cites in a hint.
    const BASIS: Provision;
    /// The inputs, with the errors that name them and the jurisdiction's article.
    fn fields(&self, errors: &[FieldError], basis: Option<ProvisionRule>) -> Vec<Field>;
}

/// Where a plain form posts.
pub struct FormSpec {
    pub heading: String,
    pub action: String,
    pub cancel: String,
    /// The record's version, for a form that edits one.
    pub version: Option<i64>,
}

impl FormSpec {
    pub fn new(
        heading: impl Into<String>, action: impl Into<String>, cancel: impl Into<String>,
        version: Option<i64>,
    ) -> FormSpec {
        FormSpec { heading: heading.into(), action: action.into(), cancel: cancel.into(), version }
    }
}

#[derive(Template)]
#[template(path = "shell/form.html")]
struct FormPage {
    layout: Layout,
    spec: FormSpec,
    csrf: String,
    errors: Vec<SummaryItem>,
    fields: Vec<Field>,
}

/// The form page of `form`, 422 when it shows refused input again.
pub async fn form_page<F: PlainForm>(
    state: &AppState, user: &User, spec: FormSpec, form: &F, errors: &[FieldError],
) -> PageResult {
    let basis = state.store.basis(user.principal.jurisdiction_id, F::BASIS).await;
    let fields = form.fields(errors, basis);
    let layout = Layout::for_user(state, user, spec.heading.clone(), F::NAV).await?;
    let body = FormPage {
        layout: layout.with_errors(!errors.is_empty()),
        spec,
        csrf: user.csrf.clone(),
        errors: view::summary(errors),
        fields,
    }
    .render()?;
    Ok((status_for(errors), Html(body)).into_response())
}

/// A plain form's answer to its change: the redirect `to` names, or the form again at `spec`
/// with the refused input (see [`respond::page`]).
pub async fn answer<F: PlainForm, R>(
    state: &AppState, user: &User, result: Result<Changed<R>, StoreError>,
    to: impl FnOnce(&R) -> String, spec: FormSpec, form: &F,
) -> PageResult {
    respond::page(state, result, to, |errs| async move {
        form_page(state, user, spec, form, &errs).await
    })
    .await
}

/// A page showing a form: 200, or 422 when it shows refused input again.
pub fn status_for(errors: &[FieldError]) -> StatusCode {
    if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY }
}

/// The options of a select over a vocabulary enum with `ALL`, `as_str` and `label`.
#[macro_export]
macro_rules! choices {
    ($t:ty) => {
        <$t>::ALL.iter().map(|x| (x.as_str(), x.label())).collect::<Vec<_>>()
    };
}

/// 否 / 是, as 0 / 1.
pub fn yes_no() -> Vec<(&'static str, &'static str)> {
    vec![("0", "否"), ("1", "是")]
}
