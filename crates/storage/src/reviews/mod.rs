//! 评审意见 (issue 11 §4): the opinions reviewers record at the steps whose profile names a
//! review form, kept per person and per visit of the step, with the panel's summary derived
//! from them; the check that refuses a pass until the passer's own opinion is in (so a joint
//! review with one office's opinion missing cannot complete), and the digests a decision's
//! signature covers.

mod steps;

pub use steps::RecordOpinion;

use crate::projects::run::RunView;
use crate::projects::{PassAt, PassCheck, PassFuture, Project};
use crate::{Result, Store};
use govit_core::DomainError;
use govit_core::decision::SeenReview;
use govit_core::ids::UserId;
use govit_core::policy::Profile;
use govit_core::review::{self as r, Conclusion, Opinion, ReviewForm, Summary};
use govit_core::workflow::{Actor, RunStatus};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// An opinion as kept, with who gave it and where.
#[derive(Debug, Clone, Serialize)]
pub struct KeptOpinion {
    pub id: i64,
    /// The step's key, and when that visit of it began.
    pub step: String,
    pub since_ms: i64,
    pub form: String,
    /// The party in the profile's words (区财政局 …).
    pub party_label: String,
    pub user_name: String,
    /// Bumped by each change: a change made on an older one is refused as stale.
    pub version: i64,
    pub opinion: Opinion,
}

/// One visit of a step with a review form: its opinions and their summary.
#[derive(Debug, Clone, Serialize)]
pub struct Visit {
    pub step: String,
    /// What the step does and its article, in the regulation's words.
    pub action: String,
    pub since_ms: i64,
    pub form: ReviewForm,
    pub opinions: Vec<KeptOpinion>,
    pub summary: Summary,
    /// The parties that sign the step, in the profile's words (the summary's `missing` too).
    pub signers: Vec<(String, String)>,
    /// The project is at this visit now.
    pub current: bool,
    /// Which visit of its step it is (1 for the first), and whether it is the latest one —
    /// an earlier one ended with a return or a withdrawal.
    pub round: usize,
    pub latest: bool,
    /// The run has gone past this step since (or ended there): the round is 办结, not one a
    /// return or a withdrawal ended.
    pub passed: bool,
}

/// A project's review opinions as a reader sees them.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Reviews {
    /// The visit the project is at, when its step has a form (with no opinion yet too),
    /// then the earlier ones, newest first.
    pub visits: Vec<Visit>,
    /// The party the reader records an opinion for now, when they may: they hold an open
    /// slot of the current step, which has a form.
    pub may_record: Option<String>,
    /// The reader's own opinion at the current visit.
    pub mine: Option<KeptOpinion>,
    /// The reader's opinion at the last earlier visit of the current step (after a return),
    /// to start a new one from.
    pub previous: Option<KeptOpinion>,
}

impl Reviews {
    pub fn current(&self) -> Option<&Visit> {
        self.visits.first().filter(|v| v.current)
    }
}

/// The columns [`kept_opinion`] reads.
macro_rules! kept_columns {
    () => {
        "o.id, o.step, o.since_ms, o.form, o.party, o.user_id, o.conclusion, o.conditions, \
         o.note, o.answers, o.at_ms, o.version, COALESCE(u.name, '') AS user_name"
    };
}

/// Every opinion kept on a project, oldest first.
pub(crate) async fn kept(
    conn: &mut AnyConnection, profile: Option<&Profile>, project: i64,
) -> Result<Vec<KeptOpinion>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        kept_columns!(),
        " FROM review_opinions o LEFT JOIN users u ON u.id = o.user_id \
         WHERE o.project_id = $1 ORDER BY o.id"
    ))
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|row| kept_opinion(row, profile)).collect()
}

/// One kept opinion of a row of these columns (of `review_opinions o` and its author `users u`).
fn kept_opinion(row: &sqlx::any::AnyRow, profile: Option<&Profile>) -> Result<KeptOpinion> {
    let party: String = row.try_get("party")?;
    let conclusion: String = row.try_get("conclusion")?;
    let answers: String = row.try_get("answers")?;
    Ok(KeptOpinion {
        id: row.try_get("id")?,
        step: row.try_get("step")?,
        since_ms: row.try_get("since_ms")?,
        form: row.try_get("form")?,
        party_label: profile.map_or_else(|| party.clone(), |p| p.party_label(&party)),
        user_name: row.try_get("user_name")?,
        version: row.try_get("version")?,
        opinion: Opinion {
            party,
            user: row.try_get("user_id")?,
            at_ms: row.try_get("at_ms")?,
            // A conclusion this version cannot read counts against the project.
            conclusion: Conclusion::parse(&conclusion).unwrap_or(Conclusion::Disagree),
            conditions: row.try_get("conditions")?,
            note: row.try_get("note")?,
            values: serde_json::from_str::<BTreeMap<String, String>>(&answers).unwrap_or_default(),
        },
    })
}

/// `user`'s own opinion at step `step`'s visit that began at `since_ms`, if they have kept one.
async fn kept_by(
    conn: &mut AnyConnection, project: i64, step: &str, since_ms: i64, user: i64,
) -> Result<Option<KeptOpinion>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        kept_columns!(),
        " FROM review_opinions o LEFT JOIN users u ON u.id = o.user_id \
         WHERE o.project_id = $1 AND o.step = $2 AND o.since_ms = $3 AND o.user_id = $4"
    ))
    .bind(project)
    .bind(step.to_string())
    .bind(since_ms)
    .bind(user)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(|r| kept_opinion(r, None)).transpose()
}

/// The review opinions kept on the project that `keep` takes, by record and digest: what a
/// decision saw (see `decisions`).
pub(crate) async fn seen(
    conn: &mut AnyConnection, profile: Option<&Profile>, project: i64,
    keep: &(dyn Fn(&KeptOpinion) -> bool + Sync),
) -> Result<Vec<SeenReview>> {
    Ok(kept(conn, profile, project)
        .await?
        .into_iter()
        .filter(|k| keep(k))
        .map(|k| SeenReview {
            id: k.id,
            by: format!("{}（{}）", k.party_label, k.user_name),
            sm3: k.opinion.digest(),
        })
        .collect())
}

/// The check before a pass at a step with a review form: the passer's own opinion at this
/// visit is in, and it is not 不同意.
pub struct OpinionBeforePass;

impl PassCheck for OpinionBeforePass {
    fn check<'a>(&'a self, at: PassAt<'a>) -> PassFuture<'a> {
        Box::pin(opinion_before_pass(at))
    }
}

async fn opinion_before_pass(at: PassAt<'_>) -> Result<Option<DomainError>> {
    let PassAt { store, conn, project: p, run, user, .. } = at;
    let Some(step) = run.progress.step(&run.route) else { return Ok(None) };
    let Some(form_id) = &step.review else { return Ok(None) };
    let rules = store.rules();
    let Some(form) = rules.profile(&p.profile_id).and_then(|x| x.review(form_id)) else {
        return Ok(None);
    };
    // The passer's own at this visit.
    let mine = kept_by(conn, p.id.0, &step.key, run.progress.since_ms, user.0).await?;
    Ok(r::pass_refusal(form, mine.as_ref().map(|k| &k.opinion))
        .map(|(cite, text)| DomainError::GateRefused { cite, text }))
}

impl Store {
    /// A project's review opinions as `user` reads them, with the run the page has read for
    /// them ([`Store::run_view`]).
    pub async fn reviews_of(&self, user: UserId, p: &Project, view: &RunView) -> Result<Reviews> {
        let rules = self.rules();
        let Some(profile) = rules.profile(&p.profile_id) else { return Ok(Reviews::default()) };
        let all = {
            let mut conn = self.pool.acquire().await?;
            kept(&mut conn, Some(profile), p.id.0).await?
        };
        let (route, progress) = (&view.run.route, &view.run.progress);
        let current = progress.step(route).filter(|s| s.review.is_some());
        // The visits of each step, in order: (step, since).
        let mut rounds: Vec<(String, i64)> = Vec::new();
        for k in &all {
            if !rounds.iter().any(|(s, t)| *s == k.step && *t == k.since_ms) {
                rounds.push((k.step.clone(), k.since_ms));
            }
        }
        if let Some(s) = current
            && !rounds.iter().any(|(k, t)| *k == s.key && *t == progress.since_ms)
        {
            rounds.push((s.key.clone(), progress.since_ms));
        }
        rounds.sort_by_key(|(_, t)| *t);
        // A panel's members sign each for themselves: the current visit names them.
        let mut seated: Vec<(String, String)> = Vec::new();
        let seats: Vec<i64> = progress.slots.iter().filter_map(|s| s.user).map(|u| u.0).collect();
        if current.is_some_and(|s| s.panel.is_some()) && !seats.is_empty() {
            // Their names in one read (ids are numbers, written into the statement).
            let list = seats.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let names: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, name FROM users WHERE id IN ({list})"
            )))
            .fetch_all(&self.pool)
            .await?;
            for id in seats {
                let name = names.iter().find(|(u, _)| *u == id).map(|(_, n)| n.clone());
                seated.push((format!("user:{id}"), name.unwrap_or_else(|| id.to_string())));
            }
        }
        let visit = |step: &str, since_ms: i64| -> Option<Visit> {
            let form_id = route
                .steps
                .iter()
                .find(|s| s.key == step)
                .and_then(|s| s.review.clone())
                .or_else(|| all.iter().find(|k| k.step == step).map(|k| k.form.clone()))?;
            let form = profile.review(&form_id)?.clone();
            let opinions: Vec<KeptOpinion> =
                all.iter().filter(|k| k.step == step && k.since_ms == since_ms).cloned().collect();
            let is_current =
                current.is_some_and(|s| s.key == step && since_ms == progress.since_ms);
            // Who signs: at the current visit its slots (an added signer too), else the
            // step's parties.
            let mut parties: Vec<String> = if is_current && !seated.is_empty() {
                seated.iter().map(|(k, _)| k.clone()).collect()
            } else if is_current {
                progress.slots.iter().flat_map(|s| s.parties.iter().cloned()).collect()
            } else {
                route
                    .steps
                    .iter()
                    .find(|s| s.key == step)
                    .map(|s| s.parties.clone())
                    .unwrap_or_default()
            };
            let mut seen = std::collections::HashSet::new();
            parties.retain(|k| seen.insert(k.clone()));
            let plain: Vec<Opinion> = opinions.iter().map(|k| k.opinion.clone()).collect();
            let summary = r::summarize(&form, &plain, &parties);
            let cite = step.rsplit_once('/').and_then(|(rest, _)| rest.split_once('/'));
            let of_step: Vec<i64> =
                rounds.iter().filter(|(s, _)| s == step).map(|(_, t)| *t).collect();
            Some(Visit {
                step: step.to_string(),
                action: format!(
                    "{}（{}）",
                    profile.step_action(step).unwrap_or(step),
                    cite.map_or("", |(_, c)| c)
                ),
                since_ms,
                form,
                opinions,
                summary,
                signers: parties
                    .iter()
                    .map(|k| {
                        let seat = seated.iter().find(|(s, _)| s == k);
                        (k.clone(), seat.map_or_else(|| profile.party_label(k), |(_, n)| n.clone()))
                    })
                    .collect(),
                current: is_current,
                round: of_step.iter().position(|t| *t == since_ms).map_or(1, |i| i + 1),
                latest: of_step.last() == Some(&since_ms),
                passed: !is_current
                    && of_step.last() == Some(&since_ms)
                    && (progress.status != RunStatus::Active
                        || route.index_of(step).is_some_and(|i| i < progress.current)),
            })
        };
        let mut visits: Vec<Visit> =
            rounds.iter().rev().filter_map(|(step, since)| visit(step, *since)).collect();
        // The current round first, then each step's round that passed it, then the rounds a
        // return or a withdrawal ended, each group newest first.
        visits.sort_by_key(|v| (!v.current, !v.passed));
        let actor = Actor { user, parties: &view.parties };
        let may_record = current.and_then(|_| progress.signing_party(actor));
        let mine = visits
            .first()
            .filter(|v| v.current)
            .and_then(|v| v.opinions.iter().find(|k| k.opinion.user == user.0).cloned());
        let previous = current.and_then(|s| {
            visits
                .iter()
                .filter(|v| !v.current && v.step == s.key)
                .flat_map(|v| v.opinions.iter())
                .find(|k| k.opinion.user == user.0)
                .cloned()
        });
        // A panel's member judges on their own: the others' opinions at the current visit show
        // to them once their own is in (its summary counts only what they may see).
        if current.is_some_and(|s| s.panel.is_some())
            && mine.is_none()
            && may_record.is_some()
            && let Some(v) = visits.first_mut().filter(|v| v.current)
        {
            v.opinions.clear();
            let parties: Vec<String> = v.signers.iter().map(|(k, _)| k.clone()).collect();
            v.summary = r::summarize(&v.form, &[], &parties);
        }
        Ok(Reviews { visits, may_record, mine, previous })
    }
}
