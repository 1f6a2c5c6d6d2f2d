//! Registering and editing a catalog entry.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::input::{FieldSource, FromFields};
use crate::shell::page::PageResult;
use crate::shell::respond;
use crate::shell::view::{self, Layout, SummaryItem};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use govit_core::inventory::{
    Deployment, Disposition, Network, SystemForm, SystemStatus, UseFrequency, system_field_label,
};
use govit_core::{DomainError, FieldError};
use govit_storage::Target;
use govit_storage::systems::Edit;
use govit_storage::systems::Register;
use serde::Deserialize;
use std::collections::HashMap;

pub struct Field {
    name: &'static str,
    label: &'static str,
    value: String,
    error: Option<String>,
    hint: &'static str,
    kind: &'static str,
    required: bool,
    options: Vec<(&'static str, &'static str)>,
}

fn fields(f: &SystemForm, errors: &[FieldError]) -> Vec<Field> {
    let yes_no = vec![("0", "否"), ("1", "是")];
    let mk = |name: &'static str,
              value: &str,
              kind: &'static str,
              required: bool,
              hint: &'static str,
              options: Vec<(&'static str, &'static str)>| Field {
        name,
        label: system_field_label(name),
        value: value.to_string(),
        error: view::error_for(errors, name),
        hint,
        kind,
        required,
        options,
    };
    let opts = |all: Vec<(&'static str, &'static str)>| all;
    vec![
        mk("name", &f.name, "text", true, "", vec![]),
        mk(
            "function_summary",
            &f.function_summary,
            "textarea",
            true,
            "系统的主要业务功能，用于查重比对",
            vec![],
        ),
        mk(
            "users_scope",
            &f.users_scope,
            "text",
            false,
            "例如：区城管局及各街道网格员",
            vec![],
        ),
        mk(
            "use_frequency",
            &f.use_frequency,
            "select",
            true,
            "",
            opts(
                UseFrequency::ALL
                    .iter()
                    .map(|x| (x.as_str(), x.label()))
                    .collect(),
            ),
        ),
        mk(
            "approval_document",
            &f.approval_document,
            "text",
            false,
            "立项批复文号",
            vec![],
        ),
        mk("approval_date", &f.approval_date, "date", false, "", vec![]),
        mk(
            "funding_source",
            &f.funding_source,
            "text",
            false,
            "",
            vec![],
        ),
        mk(
            "year_built",
            &f.year_built,
            "text",
            false,
            "四位年份",
            vec![],
        ),
        mk(
            "deployment",
            &f.deployment,
            "select",
            true,
            "",
            opts(
                Deployment::ALL
                    .iter()
                    .map(|x| (x.as_str(), x.label()))
                    .collect(),
            ),
        ),
        mk(
            "network",
            &f.network,
            "select",
            true,
            "",
            opts(
                Network::ALL
                    .iter()
                    .map(|x| (x.as_str(), x.label()))
                    .collect(),
            ),
        ),
        mk(
            "gov_service_connected",
            &f.gov_service_connected,
            "select",
            false,
            "",
            yes_no.clone(),
        ),
        mk(
            "data_sharing_connected",
            &f.data_sharing_connected,
            "select",
            false,
            "",
            yes_no.clone(),
        ),
        mk(
            "mlps_level",
            &f.mlps_level,
            "text",
            false,
            "1 至 5，未定级留空",
            vec![],
        ),
        mk(
            "status",
            &f.status,
            "select",
            false,
            "",
            opts(
                SystemStatus::ALL
                    .iter()
                    .map(|x| (x.as_str(), x.label()))
                    .collect(),
            ),
        ),
        mk(
            "disposition",
            &f.disposition,
            "select",
            false,
            "gaoping:9：关闭、整合、承接、新建须写明理由",
            opts(
                Disposition::ALL
                    .iter()
                    .map(|x| (x.as_str(), x.label()))
                    .collect(),
            ),
        ),
        mk(
            "disposition_reason",
            &f.disposition_reason,
            "textarea",
            false,
            "",
            vec![],
        ),
        mk(
            "last_used_on",
            &f.last_used_on,
            "date",
            false,
            "超过 12 个月未使用将提示复核",
            vec![],
        ),
        mk(
            "om_stopped",
            &f.om_stopped,
            "select",
            false,
            "",
            yes_no.clone(),
        ),
        mk(
            "idle_resources",
            &f.idle_resources,
            "select",
            false,
            "",
            yes_no,
        ),
    ]
}

#[derive(Template)]
#[template(path = "systems/system_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    csrf: String,
    version: Option<i64>,
    errors: Vec<SummaryItem>,
    fields: Vec<Field>,
}

#[allow(clippy::too_many_arguments)]
pub async fn form_page(
    state: &AppState,
    user: &User,
    heading: String,
    action: String,
    cancel: String,
    version: Option<i64>,
    form: &SystemForm,
    errors: &[FieldError],
) -> PageResult {
    let body = FormPage {
        layout: Layout::for_user(state, user, heading.clone(), "systems")
            .await?
            .with_errors(!errors.is_empty()),
        heading,
        action,
        cancel,
        csrf: user.csrf.clone(),
        version,
        errors: view::summary(errors),
        fields: fields(form, errors),
    }
    .render()?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Html(body)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    /// A name to start with (from a project's 登记到目录 link).
    name: String,
}

pub async fn new(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<NewQuery>,
) -> PageResult {
    form_page(
        &state,
        &user,
        "登记政务信息系统".into(),
        "/systems/new".into(),
        "/systems".into(),
        None,
        &SystemForm {
            name: q.name.chars().take(100).collect(),
            ..Default::default()
        },
        &[],
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    user: User,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let form = SystemForm::from_form(&f);
    let (state, user) = (&state, &user);
    let result = state
        .store
        .run(user.who(state), Target::New, &Register(&form))
        .await;
    respond::page(
        state,
        result,
        |s| format!("/systems/{}?done=create", s.id),
        |errs| async move {
            form_page(
                state,
                user,
                "登记政务信息系统".into(),
                "/systems/new".into(),
                "/systems".into(),
                None,
                &form,
                &errs,
            )
            .await
        },
    )
    .await
}

pub async fn edit(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let s = state
        .store
        .system(&user.principal, &user.actor(), state.now_ms(), id)
        .await?;
    form_page(
        &state,
        &user,
        format!("修改：{}", s.system.name),
        format!("/systems/{id}/edit"),
        format!("/systems/{id}"),
        Some(s.version),
        &s.system.to_form(),
        &[],
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version: i64 = f
        .get("version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| DomainError::invalid("version", "缺少版本号，请刷新页面后重试"))?;
    let form = SystemForm::from_form(&f);
    let (state, user) = (&state, &user);
    let result = state
        .store
        .run(user.who(state), Target::at(id, version), &Edit(&form))
        .await;
    respond::page(
        state,
        result,
        |_| format!("/systems/{id}?done=update"),
        |errs| async move {
            form_page(
                state,
                user,
                "修改系统".into(),
                format!("/systems/{id}/edit"),
                format!("/systems/{id}"),
                Some(version),
                &form,
                &errs,
            )
            .await
        },
    )
    .await
}

/// A catalog entry as pages and the API read it (yes/no fields may be JSON booleans).
impl FromFields for SystemForm {
    const BOOLEANS: bool = true;
    fn label(field: &str) -> &'static str {
        govit_core::inventory::system_field_label(field)
    }
    fn from_fields(f: &mut impl FieldSource) -> Self {
        SystemForm {
            name: f.text("name"),
            function_summary: f.text("function_summary"),
            users_scope: f.text("users_scope"),
            use_frequency: f.text("use_frequency"),
            approval_document: f.text("approval_document"),
            approval_date: f.text("approval_date"),
            funding_source: f.text("funding_source"),
            year_built: f.text("year_built"),
            deployment: f.text("deployment"),
            network: f.text("network"),
            gov_service_connected: f.text("gov_service_connected"),
            data_sharing_connected: f.text("data_sharing_connected"),
            mlps_level: f.text("mlps_level"),
            status: f.text("status"),
            disposition: f.text("disposition"),
            disposition_reason: f.text("disposition_reason"),
            last_used_on: f.text("last_used_on"),
            om_stopped: f.text("om_stopped"),
            idle_resources: f.text("idle_resources"),
        }
    }
}
