//! The project page's cloud services: what a project uses from the published catalog.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::page::{PageResult, field};
use crate::shell::panels::{Entered, PanelCx, PanelFuture};
use crate::shell::respond;
use crate::shell::view::fmt_ms;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use govit_core::DomainError;
use govit_core::cloud::Overlap;
use govit_core::ids::ProjectId;
use govit_core::org::Role;
use govit_core::policy::{Provision, ProvisionRule};
use govit_storage::Target;
use govit_storage::cloud::CloudLink;
use govit_storage::cloud::ServiceFilter;
use govit_storage::projects::Project;
use std::collections::HashMap;

/// What `_project_cloud_partial.html` shows on a project's page.
/// The cloud-service section of a project's page.
#[derive(Template)]
#[template(path = "cloud/_project_panel.html")]
struct ProjectCloudPanel<'a> {
    p: &'a Project,
    csrf: &'a str,
    entered: &'a Entered,
    links: Vec<LinkRow>,
    /// Services of the published catalog not yet chosen: (id, label).
    options: Vec<(i64, String)>,
    can_edit: bool,
    /// For the authority's reviewers only.
    overlaps: Option<Vec<Overlap>>,
    /// The project's profile on using the catalog's services, and on common capabilities.
    catalog_rule: Option<ProvisionRule>,
    common_cite: Option<String>,
}

struct LinkRow {
    service_id: i64,
    code: String,
    name: String,
    category: &'static str,
    version_no: i64,
    note: String,
    by: String,
    at: String,
}

impl ProjectCloudPanel<'_> {
    /// 「疑似重复建设共性能力：…（依据 lhasa:8）」 for reviewers, when there is an overlap.
    pub fn overlap_notice(&self) -> Option<String> {
        let overlaps = self.overlaps.as_deref()?;
        govit_core::cloud::overlap_notice(overlaps, self.common_cite.as_deref())
    }
}

/// Registered as a panel of the project page.
pub fn project_cloud_panel(cx: PanelCx<'_, Project>) -> PanelFuture<'_> {
    Box::pin(async move {
        let view = cloud_panel(cx.state, cx.user, cx.record, cx.entered).await?;
        Ok(Some(view.render()?))
    })
}

/// Loads the panel for a project the user has already been shown.
async fn cloud_panel<'a>(
    state: &AppState, user: &'a User, p: &'a Project, entered: &'a Entered,
) -> Result<ProjectCloudPanel<'a>, PageError> {
    let pr = &user.principal;
    let links = state.store.project_cloud_links(user.who(state), p.id).await?;
    let can_edit = pr.has(Role::Declarant)
        && pr.department_id == Some(p.owner_department_id)
        && p.status.is_editable();
    let options = if can_edit {
        match state.store.current_cloud_catalog(p.jurisdiction_id).await? {
            Some(v) => state
                .store
                .cloud_services(v.id, &ServiceFilter::default())
                .await?
                .into_iter()
                .filter(|s| !links.iter().any(|l| l.service_id == s.id))
                .map(|s| {
                    (
                        s.id,
                        format!(
                            "{} {}（{}）",
                            s.service.code,
                            s.service.name,
                            s.service.category.label()
                        ),
                    )
                })
                .collect(),
            None => vec![],
        }
    } else {
        vec![]
    };
    let overlaps = if pr.has(Role::Reviewer) {
        Some(state.store.project_common_overlaps(user.who(state), p.id).await?)
    } else {
        None
    };
    let rules = state.store.rules();
    let basis = |x| rules.profile(&p.profile_id).and_then(|profile| profile.basis(x));
    Ok(ProjectCloudPanel {
        p,
        csrf: &user.csrf,
        entered,
        links: links
            .into_iter()
            .map(|l| LinkRow {
                service_id: l.service_id,
                code: l.code,
                name: l.name,
                category: l.category.label(),
                version_no: l.catalog_version_no,
                note: l.note,
                by: l.created_by_name,
                at: fmt_ms(l.created_at_ms),
            })
            .collect(),
        options,
        can_edit,
        overlaps,
        catalog_rule: basis(Provision::CloudServiceCatalog),
        common_cite: basis(Provision::CommonCapability).map(|b| b.cite),
    })
}

pub async fn link_service(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let linked = match field(&f, "service_id").trim().parse::<i64>() {
        Ok(service_id) => {
            state
                .store
                .run(
                    user.who(&state),
                    Target::any_version(id),
                    &CloudLink { service_id, note: Some(&field(&f, "note")) },
                )
                .await
        }
        Err(_) => Err(DomainError::invalid("service_id", "请选择要使用的政务云服务").into()),
    };
    // Refused input: the page again, the error at the form and what was typed kept.
    let (state, user, f) = (&state, &user, &f);
    respond::page(
        state,
        linked,
        |_| format!("/projects/{id}?done=cloud#cloud-services"),
        |errs| async move {
            let ids = [("service_id", "service_id"), ("note", "cloud-note")];
            let entered = Entered::refused(errs, &ids, f);
            let page = state.panels.project_page(state, user, ProjectId(id), entered);
            page.await
        },
    )
    .await
}

pub async fn unlink_service(
    State(state): State<AppState>, user: User, Path((id, sid)): Path<(i64, i64)>,
) -> PageResult {
    respond::run_redirect(
        &state,
        &user,
        Target::any_version(id),
        &CloudLink { service_id: sid, note: None },
        |_| format!("/projects/{id}?done=uncloud#cloud-services"),
    )
    .await
}
