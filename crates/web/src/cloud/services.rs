//! Adding, editing and removing a service of a draft catalog version.

use crate::AppState;
use crate::choices;
use crate::shell::auth::User;
use crate::shell::form::{Field, FieldList, FormSpec, form_page, yes_no};
use crate::shell::input::{FieldSource, FromFields};
use crate::shell::page::{PageResult, version_of};
use crate::shell::respond;
use axum::Form;
use axum::extract::{Path, State};
use govit_core::FieldError;
use govit_core::cloud::{CloudServiceForm, ServiceCategory, service_field_label};
use govit_core::policy::{Provision, ProvisionRule};
use govit_storage::Target;
use govit_storage::cloud::CatalogVersion;
use govit_storage::cloud::catalog_steps::EditService;
use govit_storage::cloud::catalog_steps::ServiceChange;
use std::collections::HashMap;

fn service_fields(
    f: &CloudServiceForm, errors: &[FieldError], basis: Option<ProvisionRule>,
) -> Vec<Field> {
    let common = match basis {
        Some(b) => format!("{}（{}）", COMMON_HINT, b.cite),
        None => COMMON_HINT.to_string(),
    };
    let keywords =
        "用逗号分隔，例如：视频监控,视频汇聚。项目名称或简介出现这些词时，提示审核人疑似重复建设";
    FieldList::new(service_field_label, errors)
        .input(("code", "text", true), &f.code, "例如 GC-01，同一版本内唯一")
        .input(("name", "text", true), &f.name, "")
        .select(("category", true), &f.category, "", choices!(ServiceCategory))
        .input(("description", "textarea", false), &f.description, "")
        .input(("provider", "text", false), &f.provider, "")
        .input(("unit", "text", false), &f.unit, "例如：vCPU·内存·存储（按月）")
        .select(("is_common", false), &f.is_common, common, yes_no())
        .input(("keywords", "text", false), &f.keywords, keywords)
        .fields
}

const COMMON_HINT: &str = "共性基础设施和共性支撑能力统一建设，各部门不得重复建设";

/// The service form page, on version `version` of the catalog.
pub async fn service_form_page(
    state: &AppState, user: &User, (heading, action, cancel): (String, String, String),
    version: i64, form: &CloudServiceForm, errors: &[FieldError],
) -> PageResult {
    let spec = FormSpec { heading, nav: "cloud", action, cancel, version: Some(version) };
    let basis =
        state.store.basis(user.principal.jurisdiction_id, Provision::CommonCapability).await;
    form_page(state, user, spec, service_fields(form, errors, basis), errors).await
}

pub async fn new_service(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
) -> PageResult {
    let v = state.store.read::<CatalogVersion>(user.who(&state), id).await?;
    service_form_page(
        &state,
        &user,
        (
            format!("添加服务（目录第 {} 版）", v.version_no),
            format!("/cloud/versions/{id}/services/new"),
            format!("/cloud/versions/{id}"),
        ),
        v.version,
        &CloudServiceForm { is_common: "0".into(), ..Default::default() },
        &[],
    )
    .await
}

pub async fn create_service(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let form = CloudServiceForm::from_form(&f);
    let form = &form;
    let (state, user) = (&state, &user);
    respond::run_page(
        state,
        user,
        Target::at(id, version),
        Ok(EditService(ServiceChange::Add(form))),
        |_| format!("/cloud/versions/{id}?done=add"),
        |errs| async move {
            service_form_page(
                state,
                user,
                (
                    "添加服务".into(),
                    format!("/cloud/versions/{id}/services/new"),
                    format!("/cloud/versions/{id}"),
                ),
                version,
                form,
                &errs,
            )
            .await
        },
    )
    .await
}

pub async fn edit_service(
    State(state): State<AppState>, user: User, Path(sid): Path<i64>,
) -> PageResult {
    let (v, s) = state.store.cloud_service(user.who(&state), sid).await?;
    service_form_page(
        &state,
        &user,
        (
            format!("修改服务：{}", s.service.name),
            format!("/cloud/services/{sid}/edit"),
            format!("/cloud/versions/{}", v.id),
        ),
        v.version,
        &s.service.to_form(),
        &[],
    )
    .await
}

pub async fn update_service(
    State(state): State<AppState>, user: User, Path(sid): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let form = CloudServiceForm::from_form(&f);
    let (state, user) = (&state, &user);
    let result = state.store.update_cloud_service(user.who(state), sid, version, &form).await;
    respond::page(
        state,
        result,
        |r| format!("/cloud/versions/{}?done=update", r.id),
        |errs| async move {
            service_form_page(
                state,
                user,
                ("修改服务".into(), format!("/cloud/services/{sid}/edit"), "/cloud".into()),
                version,
                &form,
                &errs,
            )
            .await
        },
    )
    .await
}

pub async fn remove_service(
    State(state): State<AppState>, user: User, Path(sid): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let v = state.store.remove_cloud_service(user.who(&state), sid, version).await?;
    Ok(respond::redirect(&state, v, |r| format!("/cloud/versions/{}?done=remove", r.id)).await)
}

/// A catalog service as pages and the API read it; keywords may be a JSON list.
impl FromFields for CloudServiceForm {
    const BOOLEANS: bool = true;
    fn label(field: &str) -> &'static str {
        govit_core::cloud::service_field_label(field)
    }
    fn from_fields(f: &mut impl FieldSource) -> Self {
        CloudServiceForm {
            code: f.text("code"),
            name: f.text("name"),
            category: f.text("category"),
            description: f.text("description"),
            provider: f.text("provider"),
            unit: f.text("unit"),
            is_common: f.text("is_common"),
            keywords: f.list("keywords"),
        }
    }
}
