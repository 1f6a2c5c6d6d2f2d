//! 评审意见: the opinions of a step whose profile names a review form — a panel on the
//! project page with the panel's summary, a page on which the reader fills in their own
//! opinion, and the same over the API.

mod api;

pub use api::router;

use crate::AppState;
use crate::shell::auth::User;
use crate::shell::page::{PageResult, version_of};
use crate::shell::panels::{PanelCx, PanelFuture};
use crate::shell::respond;
use crate::shell::view::{Layout, SummaryItem, error_for, fmt_ms};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Form, Router};
use govit_core::DomainError;
use govit_core::FieldError;
use govit_core::review::{Conclusion, DimensionKind, OpinionInput};
use govit_storage::projects::Project;
use govit_storage::reviews::{RecordOpinion, Reviews, Visit};
use govit_storage::{StoreError, Target};
use serde::Deserialize;
use std::collections::HashMap;

pub fn pages() -> Router<AppState> {
    Router::new().route("/projects/{id}/review", get(review_page).post(record_page))
}

/// A visit of a step as a page shows it.
pub struct VisitView {
    pub action: String,
    pub form_name: String,
    pub cite: String,
    pub since: String,
    pub current: bool,
    /// The latest round of its step (an earlier one ended with a return).
    pub latest: bool,
    /// The run went past it: 已办结.
    pub passed: bool,
    /// Shown open: the current round, or the one that passed its step.
    pub open: bool,
    pub round: usize,
    pub count: usize,
    pub missing: Vec<String>,
    pub conclusions: Vec<(&'static str, usize)>,
    pub unanimous: bool,
    pub any_disagree: bool,
    /// (name, who scores it, kind, answers, mean, range, divergent, choices)
    pub dims: Vec<DimView>,
    pub conditions: Vec<(String, String)>,
    pub opinions: Vec<OpinionView>,
}

pub struct DimView {
    pub name: String,
    pub by: String,
    pub answers: usize,
    pub mean: String,
    pub range: String,
    pub divergent: bool,
    pub choices: String,
    pub text: bool,
}

pub struct OpinionView {
    pub party: String,
    pub user: String,
    pub conclusion: &'static str,
    pub conclusion_tag: &'static str,
    pub conditions: String,
    pub note: String,
    /// (dimension, answer) in the form's order.
    pub values: Vec<(String, String)>,
    pub at: String,
}

fn tag(c: Conclusion) -> &'static str {
    match c {
        Conclusion::Agree => "approved",
        Conclusion::Conditional => "submitted",
        Conclusion::Disagree => "rejected",
    }
}

fn visit_view(v: &Visit) -> VisitView {
    let label = |k: &str| {
        v.signers.iter().find(|(s, _)| s == k).map_or_else(|| k.to_string(), |(_, l)| l.clone())
    };
    let unit = |d: DimensionKind| if d == DimensionKind::Percent { "%" } else { "" };
    VisitView {
        action: v.action.clone(),
        form_name: v.form.name.clone(),
        cite: v.form.cite.clone(),
        since: fmt_ms(v.since_ms),
        current: v.current,
        latest: v.latest,
        passed: v.passed,
        open: v.current || v.passed,
        round: v.round,
        count: v.summary.opinions,
        missing: v.summary.missing.iter().map(|k| label(k)).collect(),
        conclusions: v.summary.conclusions.iter().map(|(c, n)| (c.label(), *n)).collect(),
        unanimous: v.summary.unanimous,
        any_disagree: v
            .summary
            .conclusions
            .iter()
            .any(|(c, n)| *c == Conclusion::Disagree && *n > 0),
        dims: v
            .form
            .dimensions
            .iter()
            .zip(&v.summary.dimensions)
            .map(|(d, s)| DimView {
                name: d.name.clone(),
                by: d.by.as_deref().map_or_else(|| "各评审方".to_string(), label),
                answers: s.answers,
                mean: s.mean.as_ref().map_or_else(String::new, |m| format!("{m}{}", unit(d.kind))),
                // One answer has no range: its value is the mean.
                range: match (&s.low, &s.high) {
                    (Some(l), Some(h)) if s.answers > 1 => format!("{l}–{h}{}", unit(d.kind)),
                    _ => String::new(),
                },
                divergent: s.divergent,
                choices: s
                    .choices
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(o, n)| format!("{o} {n}"))
                    .collect::<Vec<_>>()
                    .join("，"),
                text: d.kind == DimensionKind::Text,
            })
            .collect(),
        conditions: v.summary.conditions.iter().map(|(k, c)| (label(k), c.clone())).collect(),
        opinions: v
            .opinions
            .iter()
            .map(|k| OpinionView {
                party: k.party_label.clone(),
                user: k.user_name.clone(),
                conclusion: k.opinion.conclusion.label(),
                conclusion_tag: tag(k.opinion.conclusion),
                conditions: k.opinion.conditions.clone(),
                note: k.opinion.note.clone(),
                values: v
                    .form
                    .dimensions
                    .iter()
                    .filter_map(|d| {
                        k.opinion
                            .values
                            .get(&d.id)
                            .map(|a| (d.name.clone(), format!("{a}{}", unit(d.kind))))
                    })
                    .collect(),
                at: fmt_ms(k.opinion.at_ms),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "reviews/_panel.html")]
struct PanelView<'a> {
    p: &'a Project,
    visits: Vec<VisitView>,
    may_record: bool,
    has_mine: bool,
    earlier: bool,
}

/// The project page's 评审意见 panel: the current step's opinions and summary, and the way
/// to one's own; earlier rounds folded below.
pub fn reviews_panel(cx: PanelCx<'_, Project>) -> PanelFuture<'_> {
    Box::pin(async move {
        let Some(run) = cx.run else { return Ok(None) };
        let reviews = cx.state.store.reviews_of(cx.user.principal.user_id, cx.record, run).await?;
        if reviews.visits.is_empty() {
            return Ok(None);
        }
        let view = PanelView {
            p: cx.record,
            earlier: reviews.visits.iter().any(|v| !v.current && !v.passed),
            visits: reviews.visits.iter().map(visit_view).collect(),
            may_record: reviews.may_record.is_some(),
            has_mine: reviews.mine.is_some(),
        };
        Ok(Some(view.render()?))
    })
}

/// One dimension of the form as its input shows it.
pub struct FieldView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub hint: &'static str,
    pub options: Vec<String>,
    pub value: String,
    /// Its error, when the opinion was refused for it.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "reviews/form.html")]
struct FormPage {
    layout: Layout,
    errors: Vec<SummaryItem>,
    p: Project,
    csrf: String,
    visit: Option<VisitView>,
    form_text: String,
    party: Option<String>,
    fields: Vec<FieldView>,
    conclusion: String,
    conditions: String,
    note: String,
    version: i64,
    saved: bool,
    values_error: Vec<String>,
    conclusion_error: Option<String>,
    conditions_error: Option<String>,
    note_error: Option<String>,
    /// The opinion was changed elsewhere since the form was read.
    version_error: Option<String>,
    /// The form starts from the reader's opinion of the round before.
    from_previous: bool,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn review_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>, Query(q): Query<SavedQuery>,
) -> PageResult {
    render_form(&state, &user, id, Vec::new(), None, q.saved.is_some()).await
}

/// The form page, with the errors of a refused opinion and what was typed.
async fn render_form(
    state: &AppState, user: &User, id: i64, errors: Vec<FieldError>,
    typed: Option<&HashMap<String, String>>, saved: bool,
) -> PageResult {
    let p: Project = state.store.read(user.who(state), id).await?;
    let view = state.store.run_view(&user.principal, &p, state.now_ms()).await?;
    let reviews: Reviews = state.store.reviews_of(user.principal.user_id, &p, &view).await?;
    let current = reviews.current();
    let party = reviews.may_record.clone();
    let mine = reviews.mine.as_ref();
    // A first opinion after a return starts from the reader's opinion of the round before.
    let start = mine.or(reviews.previous.as_ref());
    let typed_or = |k: &str, kept: &str| {
        typed.map_or_else(|| kept.to_string(), |t| t.get(k).cloned().unwrap_or_default())
    };
    let fields = match (current, &party) {
        (Some(v), Some(party)) => v
            .form
            .dimensions_for(party)
            .map(|d| FieldView {
                id: d.id.clone(),
                name: d.name.clone(),
                kind: match d.kind {
                    DimensionKind::Score => "score",
                    DimensionKind::Percent => "percent",
                    DimensionKind::Choice => "choice",
                    DimensionKind::Text => "text",
                },
                hint: d.kind.label(),
                options: d.options.clone(),
                value: typed_or(
                    &format!("v.{}", d.id),
                    start.and_then(|m| m.opinion.values.get(&d.id)).map_or("", String::as_str),
                ),
                error: errors
                    .iter()
                    .find(|e| {
                        e.field == "values" && e.message.starts_with(&format!("“{}”", d.name))
                    })
                    .map(|e| e.message.clone()),
            })
            .collect(),
        _ => Vec::new(),
    };
    // Each dimension's error sits at its input and the summary links there; what no input
    // shows (a dimension not this party's) stays at the top of the group.
    let summary_items: Vec<SummaryItem> = errors
        .iter()
        .map(|e| {
            let at = fields.iter().find(|f| f.error.as_deref() == Some(e.message.as_str()));
            SummaryItem {
                href: at.map_or_else(|| format!("#{}", e.field), |f| format!("#v-{}", f.id)),
                message: e.message.clone(),
            }
        })
        .collect();
    let rules = state.store.rules();
    let party_label = party
        .as_ref()
        .map(|k| rules.profile(&p.profile_id).map_or_else(|| k.clone(), |x| x.party_label(k)));
    let again = !errors.is_empty();
    let title = current.map_or_else(|| "评审意见".to_string(), |v| v.form.name.clone());
    let page = FormPage {
        layout: Layout::for_user(state, user, title, "projects")
            .await?
            .with_errors(!errors.is_empty()),
        values_error: errors
            .iter()
            .filter(|e| {
                e.field == "values" && !fields.iter().any(|f| f.error.as_ref() == Some(&e.message))
            })
            .map(|e| e.message.clone())
            .collect(),
        version_error: error_for(&errors, "version"),
        from_previous: mine.is_none() && reviews.previous.is_some() && typed.is_none(),
        conclusion_error: error_for(&errors, "conclusion"),
        conditions_error: error_for(&errors, "conditions"),
        note_error: error_for(&errors, "note"),
        errors: summary_items,
        csrf: user.csrf.clone(),
        form_text: current.map(|v| v.form.text.clone()).unwrap_or_default(),
        visit: current.map(visit_view),
        party: party_label,
        fields,
        conclusion: typed_or("conclusion", start.map_or("", |m| m.opinion.conclusion.as_str())),
        conditions: typed_or("conditions", start.map_or("", |m| m.opinion.conditions.as_str())),
        note: typed_or("note", start.map_or("", |m| m.opinion.note.as_str())),
        version: mine.map_or(0, |m| m.version),
        saved,
        p,
    };
    crate::shell::page::html_status(page, again)
}

/// What a posted opinion form says, as the core reads it.
pub(crate) fn input_of(f: &HashMap<String, String>) -> OpinionInput {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    OpinionInput {
        conclusion: get("conclusion"),
        conditions: get("conditions"),
        note: get("note"),
        values: f
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("v.").map(|d| (d.to_string(), v.clone())))
            .collect(),
    }
}

async fn record_page(
    State(state): State<AppState>, user: User, Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let version = version_of(&f)?;
    let step = RecordOpinion { input: input_of(&f), version, said: Default::default() };
    let result = state.store.run(user.who(&state), Target::any_version(id), &step).await;
    let (st, u, typed) = (&state, &user, &f);
    // Saved elsewhere meanwhile (another tab): the form again with what is saved now, and why.
    if let Err(StoreError::Domain(DomainError::StaleVersion { .. })) = &result {
        let why = FieldError::new(
            "version",
            "您的评审意见已在别处修改并保存：下面是现在保存的内容，请核对后再保存",
        );
        return render_form(st, u, id, vec![why], None, false).await;
    }
    respond::page(
        st,
        result,
        |_| format!("/projects/{id}/review?saved=1"),
        |errs| async move { render_form(st, u, id, errs, Some(typed), false).await },
    )
    .await
}
