//! The panel registry: how a room adds a section to another room's record page without the
//! page's room importing it. The project page asks every registered project panel to render
//! itself (the systems a project names, its cloud services, its gates, the duplicate check,
//! its obligations …); the system page does the same for system panels (the negative list).
//! `lib.rs` registers the panels when it builds the router.

use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::state::AppState;
use crate::shell::view;
use axum::response::Response;
use govit_core::FieldError;
use govit_core::ids::ProjectId;
use govit_storage::projects::Project;
use govit_storage::projects::run::RunView;
use govit_storage::systems::SystemRecord;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// A refused form on a record's page: its field errors, keyed by the input's element id so
/// the summary links to the input, and what the user typed (by the same ids), so nothing is
/// lost when the page is shown again.
#[derive(Debug, Clone, Default)]
pub struct Entered {
    pub errors: Vec<FieldError>,
    values: HashMap<String, String>,
}

impl Entered {
    /// The errors of a refused form, renamed from the form's field names to the page's
    /// element ids (`ids`: field → id), with the typed values keyed by id as well.
    pub fn refused(
        errors: Vec<FieldError>, ids: &[(&str, &'static str)], form: &HashMap<String, String>,
    ) -> Entered {
        let id_of = |field: &str| ids.iter().find(|(f, _)| *f == field).map(|(_, id)| *id);
        Entered {
            errors: errors
                .into_iter()
                .map(|e| FieldError {
                    field: id_of(e.field).unwrap_or(e.field),
                    message: e.message,
                })
                .collect(),
            values: ids
                .iter()
                .map(|(field, id)| (id.to_string(), form.get(*field).cloned().unwrap_or_default()))
                .collect(),
        }
    }

    pub fn error(&self, id: &str) -> Option<String> {
        view::error_for(&self.errors, id)
    }

    /// What was typed into the input `id` ("" when nothing was refused).
    pub fn value(&self, id: &str) -> &str {
        self.values.get(id).map_or("", String::as_str)
    }
}

/// Where on a record's page a panel goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// With the record's details, before its actions (what it covers, what it must meet).
    Main,
    /// After the actions (checks for reviewers, obligations, events).
    Below,
}

/// What a panel renders from.
pub struct PanelCx<'a, R> {
    pub state: &'a AppState,
    pub user: &'a User,
    pub record: &'a R,
    pub entered: &'a Entered,
    /// For a project's page: the run the page has read for the reader, so a panel does not
    /// fold it again.
    pub run: Option<&'a RunView>,
}

/// A panel's HTML, or nothing when it has nothing to show this user.
pub type PanelFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<String>, PageError>> + Send + 'a>>;

/// A section one room adds to the page of another room's record `R`: a function from what
/// it renders from to its HTML.
pub type PanelFn<R> = for<'a> fn(PanelCx<'a, R>) -> PanelFuture<'a>;

/// Renders the project page again with a refused panel form's errors and values.
pub type ProjectPageFn =
    for<'a> fn(
        &'a AppState,
        &'a User,
        ProjectId,
        Entered,
    ) -> Pin<Box<dyn Future<Output = Result<Response, PageError>> + Send + 'a>>;

/// Every registered panel, by the page it belongs to.
#[derive(Default)]
pub struct Panels {
    pub project: Vec<(Slot, PanelFn<Project>)>,
    pub system: Vec<(Slot, PanelFn<SystemRecord>)>,
    pub project_page: Option<ProjectPageFn>,
}

/// A page's panels, rendered, by slot.
#[derive(Default)]
pub struct Rendered {
    pub main: Vec<String>,
    pub below: Vec<String>,
}

async fn render_all<R: Sync>(
    panels: &[(Slot, PanelFn<R>)], state: &AppState, user: &User, record: &R, entered: &Entered,
    run: Option<&RunView>,
) -> Result<Rendered, PageError> {
    let mut out = Rendered::default();
    for (slot, render) in panels {
        let cx = PanelCx { state, user, record, entered, run };
        if let Some(html) = render(cx).await? {
            match slot {
                Slot::Main => out.main.push(html),
                Slot::Below => out.below.push(html),
            }
        }
    }
    Ok(out)
}

impl Panels {
    pub async fn for_project(
        &self, state: &AppState, user: &User, p: &Project, entered: &Entered, run: &RunView,
    ) -> Result<Rendered, PageError> {
        render_all(&self.project, state, user, p, entered, Some(run)).await
    }

    pub async fn for_system(
        &self, state: &AppState, user: &User, s: &SystemRecord,
    ) -> Result<Rendered, PageError> {
        render_all(&self.system, state, user, s, &Entered::default(), None).await
    }

    /// The project page again, with a refused panel form's errors and what was typed.
    pub async fn project_page(
        &self, state: &AppState, user: &User, id: ProjectId, entered: Entered,
    ) -> Result<Response, PageError> {
        match self.project_page {
            Some(render) => render(state, user, id, entered).await,
            None => Err(PageError::Internal("project page not registered".into())),
        }
    }
}
