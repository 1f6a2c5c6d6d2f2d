//! Adding, editing and removing a service of a draft catalog version.

use crate::AppState;
use crate::choices;
use crate::shell::auth::User;
use crate::shell::form::{Field, FieldList, FormSpec, PlainForm, answer, form_page, yes_no};
use crate::shell::input::read_fields;
use crate::shell::page::{PageResult, VersionedForm};
use crate::shell::respond;
use axum::extract::{Path, State};
use govit_core::FieldError;
use govit_core::cloud::{CloudServiceForm, ServiceCategory, service_field_label};
use govit_core::policy::{Provision, ProvisionRule};
use govit_storage::Target;
use govit_storage::cloud::CatalogVersion;
use govit_storage::cloud::catalog_steps::EditService;
use govit_storage::cloud::catalog_steps::ServiceChange;

impl PlainForm for CloudServiceForm {
    const NAV: &'static str = "cloud";
    const BASIS: Provision = Provision::CommonCapability;

    fn fields(&self, errors: &[FieldError], basis: Option<ProvisionRule>) -> Vec<Field> {
        let common = match basis {
            Some(b) => format!("{}（{}）", COMMON_HINT, b.cite),
            None => COMMON_HINT.to_string(),
        };
        let keywords = "用逗号分隔，例如：视频监控,视频汇聚。项目名称或简介出现这些词时，提示审核人疑似重复建设";
        FieldList::new(service_field_label, errors)
            .input(("code", "text", true), &self.code, "例如 GC-01，同一版本内唯一")
            .input(("name", "text", true), &self.name, "")
            .select(("category", true), &self.category, "", choices!(ServiceCategory))
            .input(("description", "textarea", false), &self.description, "")
            .input(("provider", "text", false), &self.provider, "")
            .input(("unit", "text", false), &self.unit, "例如：vCPU·内存·存储（按月）")
            .select(("is_common", false), &self.is_common, common, yes_no())
            .input(("keywords", "text", false), &self.keywords, keywords)
            .fields
    }
}

const COMMON_HINT: &str = "共性基础设施和共性支撑能力统一建设，各部门不得重复建设";

/// Where the form adding a service to catalog version `id` posts.
fn add_spec(id: i64, heading: String, version: i64) -> FormSpec {
    let (action, cancel) =
        (format!("/cloud/versions/{id}/services/new"), format!("/cloud/versions/{id}"));
    FormSpec::new(heading, action, cancel, Some(version))
}

pub async fn new_service(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
) -> PageResult {
    let v = state.store.read::<CatalogVersion>(user.who(&state), id).await?;
    let spec = add_spec(id, format!("添加服务（目录第 {} 版）", v.version_no), v.version);
    let form = CloudServiceForm { is_common: "0".into(), ..Default::default() };
    form_page(&state, &user, spec, &form, &[]).await
}

pub async fn create_service(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    VersionedForm(version, form): VersionedForm<CloudServiceForm>,
) -> PageResult {
    let step = EditService(ServiceChange::Add(&form));
    let result = state.store.run(user.who(&state), Target::at(id, version), &step).await;
    let to = |_: &CatalogVersion| format!("/cloud/versions/{id}?done=add");
    answer(&state, &user, result, to, add_spec(id, "添加服务".into(), version), &form).await
}

pub async fn edit_service(
    State(state): State<AppState>, user: User, Path(sid): Path<i64>,
) -> PageResult {
    let (v, s) = state.store.cloud_service(user.who(&state), sid).await?;
    let (heading, action) =
        (format!("修改服务：{}", s.service.name), format!("/cloud/services/{sid}/edit"));
    let spec = FormSpec::new(heading, action, format!("/cloud/versions/{}", v.id), Some(v.version));
    form_page(&state, &user, spec, &s.service.to_form(), &[]).await
}

pub async fn update_service(
    State(state): State<AppState>, user: User, Path(sid): Path<i64>,
    VersionedForm(version, form): VersionedForm<CloudServiceForm>,
) -> PageResult {
    let result = state.store.update_cloud_service(user.who(&state), sid, version, &form).await;
    let to = |r: &CatalogVersion| format!("/cloud/versions/{}?done=update", r.id);
    let spec =
        FormSpec::new("修改服务", format!("/cloud/services/{sid}/edit"), "/cloud", Some(version));
    answer(&state, &user, result, to, spec, &form).await
}

pub async fn remove_service(
    State(state): State<AppState>, user: User, Path(sid): Path<i64>,
    VersionedForm(version, _): VersionedForm,
) -> PageResult {
    let v = state.store.remove_cloud_service(user.who(&state), sid, version).await?;
    Ok(respond::redirect(&state, v, |r| format!("/cloud/versions/{}?done=remove", r.id)).await)
}

// A catalog service as pages and the API read it; keywords may be a JSON list.
read_fields!(CloudServiceForm, service_field_label, booleans: true, {
    code, name, category, description, provider, unit, is_common, keywords: list,
});
