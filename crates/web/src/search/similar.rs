//! 重复建设比对: the systems and projects most like a declaration, for reviewers on the
//! project's page and over the API.

use crate::AppState;
use crate::shell::panels::{PanelCx, PanelFuture};
use askama::Template;
use govit_core::org::{Principal, Role};
use govit_storage::projects::Project;

/// The duplicate-construction check of a project: its most similar systems and projects
/// that `principal` may see (the same filter as the search page: no other unit's drafts).
pub(crate) async fn similar_to(
    state: &AppState, principal: &Principal, p: &Project,
) -> Result<Vec<govit_search::Match>, govit_storage::StoreError> {
    use govit_search::DocKind;
    let matches = state
        .query_index(
            p.jurisdiction_id.0,
            p.declaration.name.clone(),
            p.declaration.summary.clone(),
            Some((DocKind::Project, p.id.0)),
            32,
        )
        .await;
    let ids =
        |k: DocKind| -> Vec<i64> { matches.iter().filter(|m| m.kind == k).map(|m| m.id).collect() };
    let visible = state
        .store
        .search_rows(principal, &ids(DocKind::System), &ids(DocKind::Project), None)
        .await?;
    Ok(matches
        .into_iter()
        .filter(|m| visible.contains_key(&(m.kind == DocKind::System, m.id)))
        .take(8)
        .collect())
}

/// One similar system or project: (link, kind, name, score, shared words).
type SimilarRow = (String, &'static str, String, String, String);

#[derive(Template)]
#[template(path = "search/_similar_panel.html")]
struct SimilarPanelView {
    list: Vec<SimilarRow>,
}

/// Registered as a panel of the project page; shown to reviewers only.
pub fn similar_panel(cx: PanelCx<'_, Project>) -> PanelFuture<'_> {
    Box::pin(async move {
        if !cx.user.principal.has(Role::Reviewer) {
            return Ok(None);
        }
        let list = similar_to(cx.state, &cx.user.principal, cx.record)
            .await?
            .into_iter()
            .map(|m| {
                let (link, kind) = match m.kind {
                    govit_search::DocKind::System => (format!("/systems/{}", m.id), "已建系统"),
                    govit_search::DocKind::Project => (format!("/projects/{}", m.id), "项目"),
                };
                (link, kind, m.name, format!("{:.1}", m.score), m.terms.join("、"))
            })
            .collect();
        Ok(Some(SimilarPanelView { list }.render()?))
    })
}
