//! 决定签名: each decision on a project's path with its SM2 signature checked, on the
//! project page (signatures and records) and on its own page (the files' bytes read again),
//! and over the API.

use crate::AppState;
use crate::shell::auth::{ApiUser, User};
use crate::shell::error::{ApiError, ApiErrorBody};
use crate::shell::page::{PageResult, html};
use crate::shell::panels::{PanelCx, PanelFuture};
use crate::shell::view::{Layout, fmt_ms};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use govit_core::decision::short;
use govit_core::workflow::VerbKind;
use govit_storage::decisions::DecisionCheck;
use govit_storage::projects::Project;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn pages() -> Router<AppState> {
    Router::new().route("/projects/{id}/verify", get(verify_page))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_decisions))
}

/// A decision as a page lists it.
pub struct CheckView {
    /// Its place among the project's decisions (1, 2, 3 …), and its act's number in its run.
    pub no: usize,
    pub seq: i64,
    /// Where the page anchors it (`decision-…`).
    pub anchor: String,
    /// The record whose run it is on (建设合同《…》), empty on the project's own path.
    pub run: String,
    /// The visit of its step it decided, when the step was taken more than once (第 2 轮 …):
    /// the co-signers of one visit share it.
    pub round: usize,
    pub at: String,
    pub step: String,
    pub verb: &'static str,
    pub user: String,
    pub files: Vec<(String, String)>,
    /// The review opinions it saw: who gave each, and its digest.
    pub reviews: Vec<(String, String)>,
    pub key_id: String,
    pub signature: &'static str,
    pub intact: bool,
    pub changes: Vec<String>,
}

/// The visit of its step each decision decided, counted on its own run: a step decided again
/// after its run went elsewhere (another step decided, or this one returned or refused) is a
/// new visit; the co-signers of one 会签 share theirs.
fn visits(checks: &[DecisionCheck]) -> Vec<usize> {
    let mut out = Vec::with_capacity(checks.len());
    for (i, c) in checks.iter().enumerate() {
        let same_run = |d: &&DecisionCheck| d.run == c.run;
        let previous = checks[..i].iter().rev().find(same_run);
        let earlier = out
            .iter()
            .zip(&checks[..i])
            .rev()
            .find(|(_, d)| d.run == c.run && d.step == c.step)
            .map(|(v, _)| *v);
        let visit = match (previous, earlier) {
            (Some(p), Some(v)) if p.step == c.step && !ends_visit(p.verb) => v,
            (_, Some(v)) => v + 1,
            (_, None) => 1,
        };
        out.push(visit);
    }
    out
}

/// Whether a decision (by its verb's label) sends its run away from its step: 退回, 不予通过.
fn ends_visit(verb: &str) -> bool {
    [VerbKind::Return, VerbKind::Reject].iter().any(|k| k.label() == verb)
}

/// The decisions as a page lists them, numbered, each step's visits counted.
fn views(checks: &[DecisionCheck]) -> Vec<CheckView> {
    let visit = visits(checks);
    checks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let more = checks
                .iter()
                .zip(&visit)
                .any(|(d, v)| d.run == c.run && d.step == c.step && *v > 1);
            view(c, i + 1, if more { visit[i] } else { 0 })
        })
        .collect()
}

fn view(c: &DecisionCheck, no: usize, round: usize) -> CheckView {
    CheckView {
        no,
        round,
        seq: c.seq,
        anchor: c.anchor.clone(),
        run: c.run.clone(),
        at: fmt_ms(c.at_ms),
        step: c.step.clone(),
        verb: c.verb,
        user: c.user_name.clone(),
        files: c.files.iter().map(|f| (f.name.clone(), short(&f.sm3).to_string())).collect(),
        reviews: c.reviews.iter().map(|r| (r.by.clone(), short(&r.sm3).to_string())).collect(),
        key_id: c.key_id.clone(),
        signature: c.verdict.signature.label(),
        intact: c.intact(),
        changes: c.verdict.changes.clone(),
    }
}

#[derive(Template)]
#[template(path = "decisions/_panel.html")]
struct PanelView<'a> {
    p: &'a Project,
    checks: Vec<CheckView>,
    broken: usize,
}

/// The project page's 决定签名 panel: signatures and records, without reading the files.
pub fn decisions_panel(cx: PanelCx<'_, Project>) -> PanelFuture<'_> {
    Box::pin(async move {
        let checks = cx.state.store.verify_decisions(cx.record, false).await?;
        if checks.is_empty() {
            return Ok(None);
        }
        let view = PanelView {
            p: cx.record,
            broken: checks.iter().filter(|c| !c.intact()).count(),
            checks: views(&checks),
        };
        Ok(Some(view.render()?))
    })
}

#[derive(Template)]
#[template(path = "decisions/verify.html")]
struct VerifyPage {
    layout: Layout,
    p: Project,
    checks: Vec<CheckView>,
    broken: usize,
    key_id: String,
}

/// 核验决定签名: every decision, and every file it saw read again from the file store.
async fn verify_page(State(state): State<AppState>, user: User, Path(id): Path<i64>) -> PageResult {
    let p: Project = state.store.read(user.who(&state), id).await?;
    let checks = state.store.verify_decisions(&p, true).await?;
    html(VerifyPage {
        layout: Layout::for_user(&state, &user, "核验决定签名", "projects").await?,
        broken: checks.iter().filter(|c| !c.intact()).count(),
        checks: views(&checks),
        key_id: state.store.signer_key_id().unwrap_or_default(),
        p,
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyParams {
    /// `true` to read each file the decisions saw again from the file store and recompute its
    /// SM3 digest (slower); otherwise the signatures and the records only.
    deep: Option<bool>,
}

/// A file a decision saw.
#[derive(Serialize, ToSchema)]
pub struct SeenFileDto {
    material: String,
    file_id: i64,
    file_name: String,
    size_bytes: i64,
    sm3: String,
}

/// A decision (通过, 退回, 不予通过; 报送 of a record beside the path) on the project's path or
/// on a run beside it (a contract's filing, a payment …) as verified.
#[derive(Serialize, ToSchema)]
pub struct DecisionDto {
    /// The record whose run beside the path it is on (建设合同《…》, 资金拨付申请 …); empty: the
    /// project's own path.
    run: String,
    /// The act's number in its run.
    seq: i64,
    step: String,
    /// 通过, 退回 or 不予通过.
    verb: String,
    user_name: String,
    at_ms: i64,
    /// The fingerprint of the SM2 key that signed it (empty: unsigned).
    key_id: String,
    /// `valid`, `invalid` (the record was changed after signing), `other_key` or `unsigned`.
    signature: String,
    /// Whether the signature is valid and nothing it covers has changed.
    intact: bool,
    /// What changed, in Chinese.
    changes: Vec<String>,
    /// Whether the files' bytes were read again.
    deep: bool,
    files: Vec<SeenFileDto>,
}

/// Each decision of a project with its SM2 signature checked against its record, the
/// records of the materials and opinions it saw, and with `deep=true` the files' bytes.
#[utoipa::path(get, path = "/api/v1/projects/{id}/decisions", tag = "projects",
    params(("id" = i64, Path), VerifyParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<DecisionDto>), (status = 404, body = ApiErrorBody)))]
pub async fn list_decisions(
    State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>,
    Query(q): Query<VerifyParams>,
) -> Result<Json<Vec<DecisionDto>>, ApiError> {
    let p: Project = state.store.read(user.who(&state), id).await?;
    let checks = state.store.verify_decisions(&p, q.deep.unwrap_or(false)).await?;
    Ok(Json(
        checks
            .iter()
            .map(|c| DecisionDto {
                run: c.run.clone(),
                seq: c.seq,
                step: c.step.clone(),
                verb: c.verb.to_string(),
                user_name: c.user_name.clone(),
                at_ms: c.at_ms,
                key_id: c.key_id.clone(),
                signature: serde_json::to_value(c.verdict.signature)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                intact: c.intact(),
                changes: c.verdict.changes.clone(),
                deep: c.deep,
                files: c
                    .files
                    .iter()
                    .map(|f| SeenFileDto {
                        material: f.material.clone(),
                        file_id: f.file,
                        file_name: f.name.clone(),
                        size_bytes: f.size,
                        sm3: f.sm3.clone(),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use govit_core::decision::{SignatureState, Verdict};

    fn check(run: &str, step: &str, verb: &'static str) -> DecisionCheck {
        DecisionCheck {
            run: run.into(),
            anchor: String::new(),
            seq: 0,
            step: step.into(),
            verb,
            user_name: String::new(),
            at_ms: 0,
            key_id: String::new(),
            files: Vec::new(),
            reviews: Vec::new(),
            verdict: Verdict { signature: SignatureState::Valid, changes: Vec::new() },
            deep: false,
        }
    }

    #[test]
    fn co_signers_share_a_visit_and_a_step_decided_again_after_a_return_is_the_next() {
        let checks = [
            check("", "提交申报", "提交申报"),
            check("", "集中审查论证", "通过"),
            check("", "集中审查论证", "通过"),
            check("", "集中审查论证", "退回"),
            check("第 1 笔资金拨付申请", "审核", "通过"),
            check("", "提交申报", "提交申报"),
            check("", "集中审查论证", "通过"),
            check("", "集中审查论证", "通过"),
            check("", "审批", "通过"),
        ];
        assert_eq!(visits(&checks), [1, 1, 1, 1, 1, 2, 2, 2, 1]);
        let rounds: Vec<usize> = views(&checks).iter().map(|v| v.round).collect();
        assert_eq!(rounds, [1, 1, 1, 1, 0, 2, 2, 2, 0], "a step taken once shows no round");
    }
}
