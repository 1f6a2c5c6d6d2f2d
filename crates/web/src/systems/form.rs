//! Registering and editing a catalog entry.

use crate::AppState;
use crate::choices;
use crate::shell::auth::User;
use crate::shell::form::form_page as shell_form_page;
use crate::shell::form::{Field, FieldList, FormSpec, yes_no};
use crate::shell::input::{FieldSource, FromFields};
use crate::shell::page::{PageResult, version_of};
use crate::shell::respond;
use axum::Form;
use axum::extract::{Path, Query, State};
use govit_core::FieldError;
use govit_core::inventory::{
    Deployment, Disposition, Network, SystemForm, SystemStatus, UseFrequency, system_field_label,
};
use govit_core::policy::{Provision, ProvisionRule};
use govit_storage::Target;
use govit_storage::systems::Edit;
use govit_storage::systems::Register;
use govit_storage::systems::SystemRecord;
use serde::Deserialize;
use std::collections::HashMap;

fn fields(f: &SystemForm, errors: &[FieldError], basis: Option<ProvisionRule>) -> Vec<Field> {
    let disposition = match basis {
        Some(b) => format!("关闭、整合、承接、新建须写明理由（{}）", b.cite),
        None => "关闭、整合、承接、新建须写明理由".to_string(),
    };
    FieldList::new(system_field_label, errors)
        .input(("name", "text", true), &f.name, "")
        .input(("function_summary", "textarea", true), &f.function_summary, SUMMARY_HINT)
        .input(("users_scope", "text", false), &f.users_scope, "例如：区城管局及各街道网格员")
        .select(("use_frequency", true), &f.use_frequency, "", choices!(UseFrequency))
        .input(("approval_document", "text", false), &f.approval_document, "立项批复文号")
        .input(("approval_date", "date", false), &f.approval_date, "")
        .input(("funding_source", "text", false), &f.funding_source, "")
        .input(("year_built", "text", false), &f.year_built, "四位年份")
        .select(("deployment", true), &f.deployment, "", choices!(Deployment))
        .select(("network", true), &f.network, "", choices!(Network))
        .select(("gov_service_connected", false), &f.gov_service_connected, "", yes_no())
        .select(("data_sharing_connected", false), &f.data_sharing_connected, "", yes_no())
        .input(("mlps_level", "text", false), &f.mlps_level, "1 至 5，未定级留空")
        .select(("status", false), &f.status, "", choices!(SystemStatus))
        .select(("disposition", false), &f.disposition, disposition, choices!(Disposition))
        .input(("disposition_reason", "textarea", false), &f.disposition_reason, "")
        .input(("last_used_on", "date", false), &f.last_used_on, "超过 12 个月未使用将提示复核")
        .select(("om_stopped", false), &f.om_stopped, "", yes_no())
        .select(("idle_resources", false), &f.idle_resources, "", yes_no())
        .fields
}

const SUMMARY_HINT: &str = "系统的主要业务功能，用于查重比对";

/// The entry form page (`version` for an edit).
pub async fn form_page(
    state: &AppState, user: &User, (heading, action, cancel): (String, String, String),
    version: Option<i64>, form: &SystemForm, errors: &[FieldError],
) -> PageResult {
    let spec = FormSpec { heading, nav: "systems", action, cancel, version };
    let basis =
        state.store.basis(user.principal.jurisdiction_id, Provision::SystemDisposition).await;
    shell_form_page(state, user, spec, fields(form, errors, basis), errors).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    /// A name to start with (from a project's 登记到目录 link).
    name: String,
}

pub async fn new(
    State(state): State<AppState>, user: User, Query(q): Query<NewQuery>,
) -> PageResult {
    form_page(
        &state,
        &user,
        ("登记政务信息系统".into(), "/systems/new".into(), "/systems".into()),
        None,
        &SystemForm { name: q.name.chars().take(100).collect(), ..Default::default() },
        &[],
    )
    .await
}

pub async fn create(
    State(state): State<AppState>, user: User, Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let form = SystemForm::from_form(&f);
    let form = &form;
    let (state, user) = (&state, &user);
    respond::run_page(
        state,
        user,
        Target::New,
        Ok(Register(form)),
        |s| format!("/systems/{}?done=create", s.id),
        |errs| async move {
            form_page(
                state,
                user,
                ("登记政务信息系统".into(), "/systems/new".into(), "/systems".into()),
                None,
                form,
                &errs,
            )
            .await
        },
    )
    .await
}

pub async fn edit(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let s = state.store.read::<SystemRecord>(user.who(&state), id).await?;
    form_page(
        &state,
        &user,
        (
            format!("修改：{}", s.system.name),
            format!("/systems/{id}/edit"),
            format!("/systems/{id}"),
        ),
        Some(s.version),
        &s.system.to_form(),
        &[],
    )
    .await
}

pub async fn update(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let form = SystemForm::from_form(&f);
    let form = &form;
    let (state, user) = (&state, &user);
    respond::run_page(
        state,
        user,
        Target::at(id, version),
        Ok(Edit(form)),
        |_| format!("/systems/{id}?done=update"),
        |errs| async move {
            form_page(
                state,
                user,
                ("修改系统".into(), format!("/systems/{id}/edit"), format!("/systems/{id}")),
                Some(version),
                form,
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
