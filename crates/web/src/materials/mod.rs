//! 申报材料: the materials a project's path asks of it, as a task list on the project page,
//! a page per material (its files, every earlier version, the upload form), the check page
//! before a declaration is sent, and downloads that go through data scope like every read.

pub mod api;
mod upload;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::page::{PageResult, html, see_other};
use crate::shell::panels::{PanelCx, PanelFuture};
use crate::shell::respond;
use crate::shell::view::{Layout, SummaryItem, fmt_ms, summary};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use govit_core::FieldError;
use govit_core::materials::{FileKind, MaterialState, Requirement, accept_of, max_bytes};
use govit_core::project::ProjectStatus;
use govit_storage::materials::{MarkMaterial, MaterialFile, MaterialRow, RemoveFile};
use govit_storage::projects::Project;
use govit_storage::projects::{Command, RunStep};
use govit_storage::{StoreError, Target};
use serde::Deserialize;
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/projects/{id}/check", get(check_page).post(submit_page))
        .route("/projects/{id}/materials/{material}", get(material_page))
        .route(
            "/projects/{id}/materials/{material}/upload",
            post(upload::upload_page)
                .get(back_to_material)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/projects/{id}/materials/{material}/mark", post(mark_page).get(back_to_material))
        .route(
            "/projects/{id}/materials/{material}/files/{file}/remove",
            post(remove_page).get(|Path((id, m, _)): Path<(i64, String, i64)>| async move {
                see_other(&format!("/projects/{id}/materials/{m}"))
            }),
        )
        .route("/material-files/{file}", get(download_page))
}

/// A form's address opened in the browser (a refresh after a refused post): its page.
async fn back_to_material(Path((id, material)): Path<(i64, String)>) -> Response {
    see_other(&format!("/projects/{id}/materials/{material}"))
}

/// What the upload form had chosen, kept when a file is refused.
#[derive(Clone, Copy)]
pub struct Kept {
    pub complete: bool,
    pub replaces: Option<i64>,
}

impl Default for Kept {
    fn default() -> Self {
        Kept { complete: true, replaces: None }
    }
}

/// A file as a page lists it.
pub struct FileView {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub size: String,
    pub sm3: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub removed_at: String,
}

fn file_view(f: &MaterialFile) -> FileView {
    FileView {
        id: f.id,
        name: f.file_name.clone(),
        kind: f.kind.map_or("", FileKind::label),
        size: human_size(f.size_bytes),
        sm3: f.sm3.clone(),
        uploaded_by: f.uploaded_by.clone(),
        uploaded_at: fmt_ms(f.uploaded_at_ms),
        removed_at: f.removed_at_ms.map(fmt_ms).unwrap_or_default(),
    }
}

pub fn human_size(bytes: i64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{bytes} 字节")
    }
}

/// A material as the task list shows it.
pub struct RowView {
    pub id: String,
    pub name: String,
    pub cite: String,
    pub stage: String,
    pub requirement: &'static str,
    pub required: bool,
    pub state: &'static str,
    pub state_tag: &'static str,
    pub files: usize,
    pub provider: String,
    pub can_edit: bool,
    pub stand_in: Option<String>,
}

fn requirement_label(r: Requirement) -> &'static str {
    match r {
        Requirement::Required => "必须提交",
        Requirement::Undecided => "视情况提交",
        Requirement::NotRequired => "本项目不需要",
    }
}

fn state_tag(s: MaterialState) -> &'static str {
    match s {
        MaterialState::NotStarted => "draft",
        MaterialState::InProgress => "submitted",
        MaterialState::Completed => "approved",
    }
}

fn row_view(r: &MaterialRow) -> RowView {
    RowView {
        id: r.doc.id.clone(),
        name: r.doc.name.clone(),
        cite: r.doc.cite.clone(),
        stage: r.stage_label.clone(),
        requirement: requirement_label(r.requirement),
        required: r.requirement == Requirement::Required,
        state: r.state.label(),
        state_tag: state_tag(r.state),
        files: r.files.len(),
        provider: r.provider_label.clone(),
        can_edit: r.can_edit,
        stand_in: r.stand_in.clone(),
    }
}

/// The materials on the project's page.
#[derive(Template)]
#[template(path = "materials/_panel.html")]
struct PanelView<'a> {
    p: &'a Project,
    rows: Vec<RowView>,
    done: usize,
    required: usize,
    can_check: bool,
}

pub fn materials_panel(cx: PanelCx<'_, Project>) -> PanelFuture<'_> {
    Box::pin(async move {
        let (state, p) = (cx.state, cx.record);
        if p.status == ProjectStatus::OutsideScope {
            return Ok(None);
        }
        let rows = state.store.materials_of(cx.user.who(state), p).await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let required: Vec<&MaterialRow> =
            rows.iter().filter(|r| r.requirement == Requirement::Required).collect();
        let view = PanelView {
            p,
            done: required.iter().filter(|r| r.state == MaterialState::Completed).count(),
            required: required.len(),
            can_check: p.status.is_editable() && rows.iter().any(|r| r.can_edit),
            rows: rows.iter().map(row_view).collect(),
        };
        Ok(Some(view.render()?))
    })
}

#[derive(Template)]
#[template(path = "materials/material.html")]
struct MaterialPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    p: Project,
    row: RowView,
    text: String,
    accept: String,
    max_mb: u64,
    files: Vec<FileView>,
    earlier: Vec<FileView>,
    version: i64,
    complete: bool,
    csrf: String,
    flash: Option<&'static str>,
    file_error: Option<String>,
    kept: Kept,
    /// What the file input offers to choose (by extension; the server still reads content).
    accept_ext: String,
    /// Whether the reader's unit hands this material in.
    provides: bool,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn material_page(
    State(state): State<AppState>, user: User, Path((id, material)): Path<(i64, String)>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let flash = match q.done.as_deref() {
        Some("upload") => Some("文件已上传。"),
        Some("replace") => Some("文件已替换，原文件保留在历史版本中。"),
        Some("remove") => Some("文件已移除，仍可在历史版本中查看；这项材料改为进行中。"),
        Some("complete") => Some("已标记为已完成。"),
        Some("in_progress") => Some("已改为进行中。"),
        _ => None,
    };
    render_material(&state, &user, id, &material, Vec::new(), flash, Kept::default()).await
}

/// The page of one material, with `errors` of a refused change.
pub(crate) async fn render_material(
    state: &AppState, user: &User, id: i64, material: &str, errors: Vec<FieldError>,
    flash: Option<&'static str>, kept: Kept,
) -> PageResult {
    let p: Project = state.store.read(user.who(state), id).await?;
    let rows = state.store.materials_of(user.who(state), &p).await?;
    let row = rows
        .into_iter()
        .find(|r| r.doc.id == material)
        .ok_or(PageError::from(govit_core::DomainError::NotFound))?;
    let again = !errors.is_empty();
    let page = MaterialPage {
        layout: Layout::for_user(state, user, row.doc.name.clone(), "projects")
            .await?
            .with_errors(!errors.is_empty()),
        file_error: crate::shell::view::error_for(&errors, "file"),
        errors: summary(&errors),
        text: row.doc.text.clone(),
        accept: accept_of(&row.doc).iter().map(|k| k.label()).collect::<Vec<_>>().join("、"),
        max_mb: max_bytes(&row.doc) / 1024 / 1024,
        files: row.files.iter().map(file_view).collect(),
        earlier: row.earlier.iter().map(file_view).collect(),
        version: row.version,
        complete: row.state == MaterialState::Completed,
        accept_ext: accept_of(&row.doc)
            .iter()
            .flat_map(|k| extensions(*k))
            .copied()
            .collect::<Vec<_>>()
            .join(","),
        provides: user.principal.department_id == Some(p.owner_department_id)
            && govit_core::materials::provider(&row.doc) == govit_core::materials::OWNER,
        row: row_view(&row),
        p,
        csrf: user.csrf.clone(),
        flash,
        kept,
    };
    crate::shell::page::html_status(page, again)
}

async fn mark_page(
    State(state): State<AppState>, user: User, Path((id, material)): Path<(i64, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = crate::shell::page::version_of(&f)?;
    let complete = f.get("complete").is_some_and(|v| v == "1");
    let done = if complete { "complete" } else { "in_progress" };
    let step = MarkMaterial { material: &material, complete, version, said: Default::default() };
    let result = state.store.run(user.who(&state), Target::any_version(id), &step).await;
    let (state, user, m) = (&state, &user, &material);
    respond::page(
        state,
        result,
        |_| format!("/projects/{id}/materials/{material}?done={done}"),
        |errs| async move { render_material(state, user, id, m, errs, None, Kept::default()).await },
    )
    .await
}

async fn remove_page(
    State(state): State<AppState>, user: User, Path((id, material, file)): Path<(i64, String, i64)>,
) -> PageResult {
    respond::run_redirect(
        &state,
        &user,
        Target::any_version(id),
        &RemoveFile { material: &material, file_id: file, said: Default::default() },
        |_| format!("/projects/{id}/materials/{material}?done=remove"),
    )
    .await
}

/// A file, streamed, when the reader may read its project.
async fn download_page(
    State(state): State<AppState>, user: User, Path(file): Path<i64>,
) -> Result<Response, PageError> {
    let f = state.store.material_file(user.who(&state), file).await?;
    Ok(download(&state, &f).await?)
}

/// A stored file as a download: its type by what it is, its name as uploaded.
pub(crate) async fn download(
    state: &AppState, f: &MaterialFile,
) -> Result<Response, govit_storage::StoreError> {
    // Checked against the recorded digest on the way: a file changed in the store breaks off.
    let size = u64::try_from(f.size_bytes).unwrap_or_default();
    let stream = state.store.files()?.read_checked(&f.object_key, &f.sm3, size).await?;
    let mime = match f.kind {
        Some(FileKind::Pdf) => "application/pdf",
        Some(FileKind::Image) if f.file_name.to_lowercase().ends_with(".png") => "image/png",
        Some(FileKind::Image) => "image/jpeg",
        Some(FileKind::Zip) => "application/zip",
        _ => "application/octet-stream",
    };
    let encoded: String =
        percent_encoding::utf8_percent_encode(&f.file_name, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    // Browsers that do not read `filename*` get an ASCII name with the same extension.
    let ext = f.file_name.rsplit_once('.').map(|(_, e)| e).filter(|e| e.is_ascii() && e.len() <= 5);
    let plain = format!("material-{}.{}", f.id, ext.unwrap_or("bin"))
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect::<String>();
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_LENGTH, f.size_bytes.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}"),
            ),
            (header::HeaderName::from_static("x-govit-sm3"), f.sm3.clone()),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

/// The extensions a file input offers for a type.
fn extensions(k: FileKind) -> &'static [&'static str] {
    match k {
        FileKind::Pdf => &[".pdf"],
        FileKind::Ofd => &[".ofd"],
        FileKind::Word => &[".docx", ".wps"],
        FileKind::Excel => &[".xlsx", ".et"],
        FileKind::Slides => &[".pptx"],
        FileKind::LegacyOffice => &[".doc", ".xls", ".ppt"],
        FileKind::Image => &[".png", ".jpg", ".jpeg"],
        FileKind::Zip => &[".zip"],
    }
}

#[derive(Template)]
#[template(path = "materials/check.html")]
struct CheckPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    p: Project,
    rows: Vec<RowView>,
    missing: Vec<RowView>,
    csrf: String,
    can_submit: bool,
    /// The profile's rule that puts this project outside the regulation (yeji:2), if it does.
    outside_scope: Option<String>,
    /// Why a returned project was returned, to check against before sending it again.
    returned: Option<String>,
}

/// 核对申报内容: the declaration and its materials once more, then the submit button.
async fn check_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    render_check(&state, &user, id, None).await
}

/// 提交申报 from the check page (and the project page's button): on success the project's
/// page; refused by a rule (a material missing, lhasa:7's quota …), the check page again with
/// the refusal at the top and what is missing linked.
async fn submit_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    crate::shell::page::VersionedForm(version, _): crate::shell::page::VersionedForm,
) -> PageResult {
    let step = RunStep::new(Command::Submit);
    match state.store.run(user.who(&state), Target::at(id, version), &step).await {
        Ok(changed) => {
            Ok(respond::redirect(&state, changed, |_| format!("/projects/{id}?done=submit")).await)
        }
        Err(StoreError::Domain(e @ govit_core::DomainError::GateRefused { .. })) => {
            render_check(&state, &user, id, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn render_check(
    state: &AppState, user: &User, id: i64, refusal: Option<String>,
) -> PageResult {
    let p: Project = state.store.read(user.who(state), id).await?;
    let returned = match p.status {
        govit_core::project::ProjectStatus::Returned => {
            govit_storage::projects::returned_because(&state.store.project_events(p.id).await?)
        }
        _ => None,
    };
    let rows = state.store.materials_of(user.who(state), &p).await?;
    let mine: Vec<RowView> = rows.iter().filter(|r| r.can_edit).map(row_view).collect();
    let missing: Vec<RowView> = rows.iter().filter(|r| r.missing).map(row_view).collect();
    let can_submit = p.status.is_editable()
        && user.principal.has(govit_core::org::Role::Declarant)
        && user.principal.department_id == Some(p.owner_department_id);
    let outside_scope = state.store.path_of(&p).await?.and_then(|path| {
        let t = path.thresholds.iter().find(|t| t.outside_scope)?;
        Some(format!("{}：{}", t.cite, t.text))
    });
    // A refusal for missing materials is one line pointing at their list, not the list again.
    let refusal = refusal.map(|m| {
        if missing.is_empty() {
            m
        } else {
            format!("尚有 {} 项必须提交的材料未完成，不能提交：见下方列表", missing.len())
        }
    });
    let errors: Vec<FieldError> =
        refusal.into_iter().map(|m| FieldError { field: "check-missing", message: m }).collect();
    let mut resp = html(CheckPage {
        layout: Layout::for_user(state, user, "核对申报内容", "projects")
            .await?
            .with_errors(!errors.is_empty()),
        errors: summary(&errors),
        p,
        rows: mine,
        missing,
        csrf: user.csrf.clone(),
        can_submit,
        outside_scope,
        returned,
    })?;
    if !errors.is_empty() {
        *resp.status_mut() = StatusCode::CONFLICT;
    }
    Ok(resp)
}
