//! Registering and editing a catalog entry.

use crate::AppState;
use crate::choices;
use crate::shell::auth::User;
use crate::shell::form::{Field, FieldList, FormSpec, PlainForm, answer, form_page, yes_no};
use crate::shell::input::{FromFields, read_fields};
use crate::shell::page::{PageResult, VersionedForm};
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

impl PlainForm for SystemForm {
    const NAV: &'static str = "systems";
    const BASIS: Provision = Provision::SystemDisposition;

    fn fields(&self, errors: &[FieldError], basis: Option<ProvisionRule>) -> Vec<Field> {
        let disposition = match basis {
            Some(b) => format!("关闭、整合、承接、新建须写明理由（{}）", b.cite),
            None => "关闭、整合、承接、新建须写明理由".to_string(),
        };
        FieldList::new(system_field_label, errors)
            .input(("name", "text", true), &self.name, "")
            .input(("function_summary", "textarea", true), &self.function_summary, SUMMARY_HINT)
            .input(
                ("users_scope", "text", false),
                &self.users_scope,
                "例如：区城管局及各街道网格员",
            )
            .select(("use_frequency", true), &self.use_frequency, "", choices!(UseFrequency))
            .input(("approval_document", "text", false), &self.approval_document, "立项批复文号")
            .input(("approval_date", "date", false), &self.approval_date, "")
            .input(("funding_source", "text", false), &self.funding_source, "")
            .input(("year_built", "text", false), &self.year_built, "四位年份")
            .select(("deployment", true), &self.deployment, "", choices!(Deployment))
            .select(("network", true), &self.network, "", choices!(Network))
            .select(("gov_service_connected", false), &self.gov_service_connected, "", yes_no())
            .select(("data_sharing_connected", false), &self.data_sharing_connected, "", yes_no())
            .input(("mlps_level", "text", false), &self.mlps_level, "1 至 5，未定级留空")
            .select(("status", false), &self.status, "", choices!(SystemStatus))
            .select(("disposition", false), &self.disposition, disposition, choices!(Disposition))
            .input(("disposition_reason", "textarea", false), &self.disposition_reason, "")
            .input(
                ("last_used_on", "date", false),
                &self.last_used_on,
                "超过 12 个月未使用将提示复核",
            )
            .select(("om_stopped", false), &self.om_stopped, "", yes_no())
            .select(("idle_resources", false), &self.idle_resources, "", yes_no())
            .fields
    }
}

const SUMMARY_HINT: &str = "系统的主要业务功能，用于查重比对";

/// Where the form registering an entry posts.
fn register_spec() -> FormSpec {
    FormSpec::new("登记政务信息系统", "/systems/new", "/systems", None)
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
    let form = SystemForm { name: q.name.chars().take(100).collect(), ..Default::default() };
    form_page(&state, &user, register_spec(), &form, &[]).await
}

pub async fn create(
    State(state): State<AppState>, user: User, Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let form = SystemForm::from_form(&f);
    let result = state.store.run(user.who(&state), Target::New, &Register(&form)).await;
    let to = |s: &SystemRecord| format!("/systems/{}?done=create", s.id);
    answer(&state, &user, result, to, register_spec(), &form).await
}

pub async fn edit(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let s = state.store.read::<SystemRecord>(user.who(&state), id).await?;
    let (heading, action) = (format!("修改：{}", s.system.name), format!("/systems/{id}/edit"));
    let spec = FormSpec::new(heading, action, format!("/systems/{id}"), Some(s.version));
    form_page(&state, &user, spec, &s.system.to_form(), &[]).await
}

pub async fn update(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    VersionedForm(version, form): VersionedForm<SystemForm>,
) -> PageResult {
    let result = state.store.run(user.who(&state), Target::at(id, version), &Edit(&form)).await;
    let (action, cancel) = (format!("/systems/{id}/edit"), format!("/systems/{id}"));
    let spec = FormSpec::new("修改系统", action, cancel, Some(version));
    answer(&state, &user, result, |_| format!("/systems/{id}?done=update"), spec, &form).await
}

// A catalog entry as pages and the API read it (yes/no fields may be JSON booleans).
read_fields!(SystemForm, system_field_label, booleans: true, {
    name, function_summary, users_scope, use_frequency, approval_document, approval_date,
    funding_source, year_built, deployment, network, gov_service_connected,
    data_sharing_connected, mlps_level, status, disposition, disposition_reason, last_used_on,
    om_stopped, idle_resources,
});
