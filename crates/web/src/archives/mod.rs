//! 项目档案 as a download (linxiang:28, lhasa:15): the project's complete electronic archive as
//! one zip, streamed as it is written — the documents, the signed decisions, every file of its
//! materials checked against its recorded digest, and a manifest of SM3 digests
//! (`govit_storage::archives`). For whoever may see the project; each export is audited. The
//! project page links it (导出项目档案); the API serves the same bytes.

use crate::AppState;
use crate::shell::auth::{ApiUser, User};
use crate::shell::error::{ApiError, ApiErrorBody, PageError};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use govit_core::ids::ProjectId;
use govit_storage::Who;
use govit_storage::archives::Archive;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn pages() -> Router<AppState> {
    Router::new().route("/projects/{id}/archive.zip", get(archive_page))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(archive_api))
}

/// How many written chunks may wait for the client before the writer waits in turn.
const QUEUED: usize = 4;
/// The size of a chunk sent to the client.
const CHUNK: usize = 64 * 1024;

/// A `Write` that hands its bytes to the response a chunk at a time, waiting while the client
/// is slow (at most `QUEUED` chunks in memory).
struct ToClient {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl ToClient {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "下载已中断"))
    }
}

impl std::io::Write for ToClient {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// The archive as a streamed response: written on a blocking thread, each chunk sent as it is
/// ready; a failure (a changed file, the store gone) ends the download with an error instead
/// of a complete-looking zip.
fn streamed(state: &AppState, archive: Archive) -> Response {
    let (tx, mut rx) = tokio::sync::mpsc::channel(QUEUED);
    let store = state.store.clone();
    let rt = tokio::runtime::Handle::current();
    let name = archive.file_name.clone();
    let project = archive.project_id;
    tokio::task::spawn_blocking(move || {
        let mut out = ToClient { tx: tx.clone(), buf: Vec::with_capacity(CHUNK) };
        let written = archive.write_zip(store.files().ok(), &rt, &mut out);
        let result = written.map_err(|e| std::io::Error::other(e.to_string())).and_then(|()| {
            use std::io::Write;
            out.flush()
        });
        if let Err(e) = result {
            tracing::warn!(project = project.0, error = %e, "project archive broken off");
            let _ = tx.blocking_send(Err(e));
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let encoded = percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"project-{}-archive.zip\"; filename*=UTF-8''{encoded}",
                    project.0
                ),
            ),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// Reads the archive for `who` and records the export.
async fn read(
    state: &AppState, who: Who<'_>, id: i64,
) -> Result<Archive, govit_storage::StoreError> {
    let archive = state.store.archive_of(who, ProjectId(id)).await?;
    state.store.record_archive_export(who, archive.project_id, archive.len()).await?;
    Ok(archive)
}

async fn archive_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let archive = read(&state, user.who(&state), id).await?;
    Ok(streamed(&state, archive))
}

/// The project's complete electronic archive (linxiang:28, lhasa:15) as a zip, streamed: its
/// declaration, facts, events, path, contracts, changes, progress reports and acceptances as
/// JSON, its signed decisions, every file of its materials (earlier versions under 历史版本),
/// and `清单.json` / `SM3SUMS` with each entry's SM3 digest. A stored file that no longer
/// matches its recorded digest breaks the download off. 404 outside the caller's data scope.
#[utoipa::path(get, path = "/api/v1/projects/{id}/archive", tag = "projects",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/zip"), (status = 404, body = ApiErrorBody)))]
pub async fn archive_api(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let archive = read(&state, user.who(&state), id).await?;
    Ok(streamed(&state, archive))
}
