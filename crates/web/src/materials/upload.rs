//! Receiving a material's file, streamed: from a page's multipart form (its `_csrf` field
//! first, checked before a byte of the file is read) or from the API's raw body. The reader's
//! right to hand the material in is checked before the body is read; the file goes to a
//! temporary file under its material's size limit, is told by its content, is kept in the
//! file store, and is added to the material through the change path.

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::PageResult;
use crate::shell::respond;
use axum::extract::{Multipart, Path, State};
use bytes::Bytes;
use futures_util::Stream;
use govit_core::DomainError;
use govit_core::materials::{check_file, max_bytes};
use govit_storage::materials::AddFile;
use govit_storage::projects::Project;
use govit_storage::{Changed, StoreError, Target, Who};

/// What an upload says besides its bytes.
pub(crate) struct UploadForm {
    pub file_name: String,
    pub complete: bool,
    pub replaces: Option<i64>,
}

/// Receives `body` as a file of `material` of project `id` and adds it.
pub(crate) async fn receive_and_add<S, E>(
    state: &AppState, who: Who<'_>, id: i64, material: &str, body: S, form: &UploadForm,
    limit_checked: &govit_core::policy::DocumentRule,
) -> Result<Changed<Project>, StoreError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let doc = limit_checked;
    let files = state.store.files()?;
    let received = files.receive(body, max_bytes(doc), &doc.name).await?;
    // The refusal names the file chosen, so that a user who picked several knows which.
    let chosen = if form.file_name.trim().is_empty() {
        String::new()
    } else {
        format!("（所选文件：{}）", govit_core::materials::clean_name(&form.file_name))
    };
    if let Some(why) = &received.refused {
        return Err(DomainError::invalid("file", format!("《{}》：{why}{chosen}", doc.name)).into());
    }
    check_file(doc, received.kind, received.size)
        .map_err(|e| DomainError::invalid("file", format!("{e}{chosen}")))?;
    let key = files.keep(&received).await?;
    let step = AddFile {
        material,
        file_name: &form.file_name,
        file: &received,
        object_key: &key,
        replaces: form.replaces,
        complete: form.complete,
        said: Default::default(),
    };
    state.store.run(who, Target::any_version(id), &step).await
}

/// The most a small field of the upload form may hold.
const SMALL_FIELD: usize = 200;

async fn small_field(field: axum::extract::multipart::Field<'_>) -> Result<String, DomainError> {
    let mut field = field;
    let mut out = Vec::new();
    while let Some(chunk) =
        field.chunk().await.map_err(|_| DomainError::invalid("file", "上传没有完成，请重新上传"))?
    {
        out.extend_from_slice(&chunk);
        if out.len() > SMALL_FIELD {
            return Err(DomainError::invalid("file", "表单内容有误，请刷新页面后重新上传"));
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The upload form of a material's page.
pub async fn upload_page(
    State(state): State<AppState>, user: User, Path((id, material)): Path<(i64, String)>,
    mut form: Multipart,
) -> PageResult {
    // The session layer leaves this form's token to be read here, before the file.
    let first = form.next_field().await.ok().flatten();
    let sent = match first {
        Some(f) if f.name() == Some(crate::shell::auth::CSRF_FIELD) => small_field(f).await.ok(),
        _ => None,
    };
    if let Err(refused) = crate::shell::auth::check_streamed_csrf(&state, &user, sent).await {
        return Ok(refused);
    }
    let again = |errs: Vec<govit_core::FieldError>, kept: super::Kept| {
        let (state, user, material) = (&state, &user, &material);
        async move { super::render_material(state, user, id, material, errs, None, kept).await }
    };
    let doc = match state.store.may_upload(user.who(&state), id, &material).await {
        Ok(doc) => doc,
        Err(e) => {
            let again = |errs| again(errs, super::Kept::default());
            return respond::page::<Project, _, _>(&state, Err(e), |_| String::new(), again).await;
        }
    };
    let mut upload = UploadForm { file_name: String::new(), complete: false, replaces: None };
    let mut result =
        Err(DomainError::invalid("file", format!("请选择《{}》的文件", doc.name)).into());
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                result = Err(DomainError::invalid("file", "上传没有完成，请重新上传").into());
                break;
            }
        };
        match field.name().unwrap_or_default() {
            "complete" => upload.complete = small_field(field).await? == "1",
            "replaces" => {
                upload.replaces = small_field(field).await?.trim().parse().ok();
            }
            "file" => {
                upload.file_name = field.file_name().unwrap_or_default().to_string();
                if upload.file_name.is_empty() {
                    break;
                }
                result =
                    receive_and_add(&state, user.who(&state), id, &material, field, &upload, &doc)
                        .await;
                break;
            }
            _ => {
                result =
                    Err(DomainError::invalid("file", "表单内容有误，请刷新页面后重新上传").into());
                break;
            }
        }
    }
    let kept = super::Kept { complete: upload.complete, replaces: upload.replaces };
    let done = if upload.replaces.is_some() { "replace" } else { "upload" };
    respond::page(
        &state,
        result,
        |_| format!("/projects/{id}/materials/{material}?done={done}"),
        |errs| again(errs, kept),
    )
    .await
}
