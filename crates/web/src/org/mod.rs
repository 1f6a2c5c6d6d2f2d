//! 组织机构: the jurisdiction's department tree with its party kinds, its firms and experts;
//! its administrators add to them (one by one, or a tree from a sheet), and create new
//! jurisdictions with their first administrator.

pub mod api;
mod jurisdictions;
mod page;

use crate::AppState;
use crate::shell::input::{FieldSource, FromFields, read_fields};
use govit_core::org::forms::{
    DepartmentForm, ExpertForm, FirmForm, JurisdictionForm, org_field_label,
};

impl FromFields for DepartmentForm {
    fn label(field: &str) -> &'static str {
        org_field_label(field)
    }
    fn from_fields(f: &mut impl FieldSource) -> Self {
        DepartmentForm {
            code: f.text("code"),
            name: f.text("name"),
            parent: f.text("parent"),
            party_kinds: f.list("party_kinds").split([',', '、']).map(str::to_string).collect(),
        }
    }
}

read_fields!(FirmForm, org_field_label, { kind, name, credit_code });
read_fields!(ExpertForm, org_field_label, { name, employer, fields: list, title, conflicts: list });
read_fields!(JurisdictionForm, org_field_label, { code, name, profile_id });

pub fn pages() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/org", get(page::org))
        .route("/org/departments", post(page::add_department))
        .route("/org/departments/import", post(page::import_departments))
        .route("/org/departments/template.xlsx", get(page::department_template))
        .route("/org/firms", post(page::add_firm))
        .route("/org/experts", post(page::add_expert))
        .route("/org/experts/{id}/blacklist", post(page::blacklist_expert))
        .route("/org/firms/{id}/blacklist", post(page::blacklist_firm))
        .route("/org/jurisdictions", get(jurisdictions::list).post(jurisdictions::create))
        .route("/org/jurisdictions/created", get(jurisdictions::created))
}
