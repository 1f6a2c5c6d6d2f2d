//! The plain form page: a heading, the error summary, one input per field (text, textarea,
//! date, select) and 保存/取消. Rooms whose record is a flat list of fields (a catalog entry,
//! a cloud service) describe their fields and let this page show them.

use crate::shell::auth::User;
use crate::shell::page::PageResult;
use crate::shell::state::AppState;
use crate::shell::view::{self, Layout, SummaryItem};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use govit_core::FieldError;

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

/// Where a plain form sits and where it posts.
pub struct FormSpec {
    pub heading: String,
    /// The navigation section to mark (`systems`, `cloud` …).
    pub nav: &'static str,
    pub action: String,
    pub cancel: String,
    /// The record's version, for a form that edits one.
    pub version: Option<i64>,
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

/// The form page, 422 when it shows refused input again.
pub async fn form_page(
    state: &AppState, user: &User, spec: FormSpec, fields: Vec<Field>, errors: &[FieldError],
) -> PageResult {
    let layout = Layout::for_user(state, user, spec.heading.clone(), spec.nav).await?;
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
