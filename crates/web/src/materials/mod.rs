//! 申报材料: the materials a project's path asks of it, as a task list on the project page,
//! a page per material (its files, every earlier version, the upload form), the check page
//! before a declaration is sent, and downloads that go through data scope like every read.

pub mod api;
mod upload;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::error::PageError;
use crate::shell::page::{PageResult, html};
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
use govit_storage::Target;
use govit_storage::materials::{MarkMaterial, MaterialFile, MaterialRow, RemoveFile};
use govit_storage::projects::Project;
use serde::Deserialize;
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/projects/{id}/check", get(check_page))
        .route("/projects/{id}/materials/{material}", get(material_page))
        .route(
            "/projects/{id}/materials/{material}/upload",
            post(upload::upload_page).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/projects/{id}/materials/{material}/mark", post(mark_page))
        .route("/projects/{id}/materials/{material}/files/{file}/remove", post(remove_page))
        .route("/material-files/{file}", get(download_page))
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
        Some("remove") => Some("文件已移出这项材料，仍可在历史版本中查看。"),
        Some("mark") => Some("材料状态已更新。"),
        _ => None,
    };
    render_material(&state, &user, id, &material, Vec::new(), flash).await
}

/// The page of one material, with `errors` of a refused change.
pub(crate) async fn render_material(
    state: &AppState, user: &User, id: i64, material: &str, errors: Vec<FieldError>,
    flash: Option<&'static str>,
) -> PageResult {
    let p: Project = state.store.read(user.who(state), id).await?;
    let rows = state.store.materials_of(user.who(state), &p).await?;
    let row = rows
        .into_iter()
        .find(|r| r.doc.id == material)
        .ok_or(PageError::from(govit_core::DomainError::NotFound))?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
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
        row: row_view(&row),
        p,
        csrf: user.csrf.clone(),
        flash,
    };
    let mut resp = html(page)?;
    *resp.status_mut() = status;
    Ok(resp)
}

async fn mark_page(
    State(state): State<AppState>, user: User, Path((id, material)): Path<(i64, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = crate::shell::page::version_of(&f)?;
    let complete = f.get("complete").is_some_and(|v| v == "1");
    let step = MarkMaterial { material: &material, complete, version };
    let result = state.store.run(user.who(&state), Target::any_version(id), &step).await;
    let (state, user, m) = (&state, &user, &material);
    respond::page(
        state,
        result,
        |_| format!("/projects/{id}/materials/{material}?done=mark"),
        |errs| async move { render_material(state, user, id, m, errs, None).await },
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
        &RemoveFile { material: &material, file_id: file },
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
    let stream = state.store.files()?.read(&f.object_key).await?;
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
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_LENGTH, f.size_bytes.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{encoded}")),
            (header::HeaderName::from_static("x-govit-sm3"), f.sm3.clone()),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "materials/check.html")]
struct CheckPage {
    layout: Layout,
    p: Project,
    rows: Vec<RowView>,
    missing: Vec<RowView>,
    csrf: String,
    can_submit: bool,
}

/// 核对申报内容: the declaration and its materials once more, then the submit button.
async fn check_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let p: Project = state.store.read(user.who(&state), id).await?;
    let rows = state.store.materials_of(user.who(&state), &p).await?;
    let mine: Vec<RowView> = rows.iter().filter(|r| r.can_edit).map(row_view).collect();
    let missing: Vec<RowView> = rows
        .iter()
        .filter(|r| {
            r.can_edit
                && r.requirement == Requirement::Required
                && r.state != MaterialState::Completed
        })
        .filter(|r| {
            // A material whose stand-in is complete is not missing (lhasa:10).
            r.stand_in.as_ref().is_none_or(|s| {
                !rows.iter().any(|o| &o.doc.name == s && o.state == MaterialState::Completed)
            })
        })
        .map(row_view)
        .collect();
    let can_submit = p.status.is_editable()
        && user.principal.has(govit_core::org::Role::Declarant)
        && user.principal.department_id == Some(p.owner_department_id);
    html(CheckPage {
        layout: Layout::for_user(&state, &user, "核对申报内容", "projects").await?,
        p,
        rows: mine,
        missing,
        csrf: user.csrf.clone(),
        can_submit,
    })
}
