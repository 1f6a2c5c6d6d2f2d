//! What the API of every subject run beside a project (a contract's filing, a change, a
//! progress report, an acceptance, a payment) does the same way: read one with its run as the
//! caller may see it, list those waiting on the caller, and act on its run at the version read.
//! Each room keeps its own documented endpoints and DTOs; their bodies call these.

use crate::AppState;
use crate::shell::auth::ApiUser;
use crate::shell::error::ApiError;
use crate::shell::json_body::{object, version_field};
use axum::Json;
use axum::body::Bytes;
use govit_core::workflow::VerbKind;
use govit_storage::Target;
use govit_storage::projects::run::subject::{Subject, SubjectAct, SubjectView, WaitingOrder};

/// A subject with its run and the caller's verbs, as `D`.
pub async fn detail<S, D>(state: &AppState, user: &ApiUser, id: i64) -> Result<D, ApiError>
where
    S: Subject,
    D: for<'a> From<&'a SubjectView<S>>,
{
    let v = state.store.subject_view::<S>(user.who(state), id).await?;
    Ok(D::from(&v))
}

/// The subjects whose run waits on the caller's unit, each as `D` (at most 500), longest
/// waiting first.
pub async fn waiting<S, D>(state: &AppState, user: &ApiUser) -> Result<Vec<D>, ApiError>
where
    S: Subject,
    D: for<'a> From<&'a S>,
{
    let list =
        state.store.subjects_waiting::<S>(&user.principal, WaitingOrder::Longest, 500).await?;
    Ok(list.iter().map(D::from).collect())
}

/// Acts on a subject's run with `verb` (one of `verbs`) at the version `body` carries; the
/// subject as the act leaves it.
pub async fn act<S, D>(
    state: &AppState, user: &ApiUser, id: i64, verb: &str, verbs: &[VerbKind], body: &Bytes,
) -> Result<Json<D>, ApiError>
where
    S: Subject,
    D: for<'a> From<&'a SubjectView<S>>,
{
    let m = object(body)?;
    let version = version_field(&m)?;
    let v = crate::shell::route::body_verb(verb, verbs, &m)?;
    let changed =
        state.store.run(user.who(state), Target::at(id, version), &SubjectAct::<S>::new(v)).await?;
    state.after_change(&changed).await;
    Ok(Json(detail::<S, D>(state, user, id).await?))
}
