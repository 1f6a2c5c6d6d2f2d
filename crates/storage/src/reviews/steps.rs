//! Recording a review opinion: a step of the change path on the project, by a person who
//! holds an open slot of the current step, at the version of their opinion they saw.

use super::kept_by;
use crate::Result;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written};
use crate::projects::Project;
use crate::projects::run::{Run, acting_parties, run_and_basis};
use govit_core::DomainError;
use govit_core::review::{Opinion, OpinionInput, ReviewForm, read_opinion};
use govit_core::workflow::Actor;
use serde_json::json;
use std::sync::OnceLock;

/// An opinion recorded, or changed while its author has not yet passed the step.
pub struct RecordOpinion {
    pub input: OpinionInput,
    /// The version of the reader's opinion they saw: 0 for none yet.
    pub version: i64,
    /// Its line on the project's timeline, once written.
    pub said: OnceLock<String>,
}

/// What recording reads: the run, the reader's parties, the form and their opinion so far.
#[derive(Default)]
pub struct OpinionInputs {
    run: Option<Run>,
    parties: Vec<String>,
    form: Option<ReviewForm>,
    /// (id, version, as kept) of the reader's opinion at this visit.
    existing: Option<(i64, i64, Opinion)>,
}

/// What a recording writes.
pub struct Recorded {
    step: String,
    since_ms: i64,
    form: ReviewForm,
    opinion: Opinion,
    existing: Option<(i64, i64, Opinion)>,
}

impl Step<Project> for RecordOpinion {
    type Input = OpinionInputs;
    type Decision = Recorded;

    fn action(&self) -> String {
        "project.review.record".into()
    }
    fn detail(&self) -> String {
        self.said.get().cloned().unwrap_or_default()
    }
    async fn gather(&self, cx: &mut Cx<'_, Project>) -> Result<OpinionInputs> {
        let p = cx.record()?;
        let (run, _, _) = run_and_basis(cx.store, cx.conn, p).await?;
        let parties = acting_parties(cx.conn, cx.who.principal, p).await?;
        let rules = cx.store.rules();
        let form = run
            .progress
            .step(&run.route)
            .and_then(|s| s.review.as_ref())
            .and_then(|id| rules.profile(&p.profile_id)?.review(id).cloned());
        let existing = match run.progress.step(&run.route) {
            Some(s) => {
                let user = cx.who.principal.user_id;
                kept_by(cx.conn, p.id.0, &s.key, run.progress.since_ms, user.0)
                    .await?
                    .map(|k| (k.id, k.version, k.opinion))
            }
            None => None,
        };
        Ok(OpinionInputs { run: Some(run), parties, form, existing })
    }
    fn decide(&self, at: At<'_, Project>, input: OpinionInputs) -> Decided<Recorded> {
        let who = at.who;
        let run = input.run.as_ref().ok_or(DomainError::NotFound)?;
        let step = run.progress.step(&run.route).ok_or_else(|| DomainError::InvalidState {
            message: "项目当前不在审查环节，不能填写评审意见".into(),
        })?;
        let form = input.form.clone().ok_or_else(|| DomainError::InvalidState {
            message: format!("当前环节（{}）不填写评审意见", step.action),
        })?;
        let actor = Actor { user: who.principal.user_id, parties: &input.parties };
        let Some(party) = run.progress.signing_party(actor) else {
            let signed = run.progress.slots.iter().any(|s| s.signed_by == Some(actor.user));
            return Err(if signed {
                DomainError::InvalidState {
                    message: format!(
                        "您已在本环节（{}）签署，{}不能再修改",
                        step.action, form.name
                    ),
                }
            } else {
                DomainError::Forbidden(format!(
                    "{}由当前环节（{}，{}）的办理方填写",
                    form.name, step.action, step.cite
                ))
            });
        };
        let current = input.existing.as_ref().map_or(0, |(_, v, _)| *v);
        if current != self.version {
            return Err(DomainError::StaleVersion { current });
        }
        let answers = read_opinion(&form, &party, &self.input).map_err(DomainError::Invalid)?;
        Ok(Recorded {
            step: step.key.clone(),
            since_ms: run.progress.since_ms,
            opinion: answers.opinion(&party, who.principal.user_id.0, who.now_ms),
            form,
            existing: input.existing,
        })
    }
    async fn write(&self, cx: &mut Cx<'_, Project>, d: Recorded) -> Result<Written> {
        let p = cx.record()?;
        let o = &d.opinion;
        let answers = serde_json::to_string(&o.values).unwrap_or_default();
        let id: i64 = match &d.existing {
            Some((id, version, _)) => {
                let n = sqlx::query(
                    "UPDATE review_opinions SET party = $1, conclusion = $2, conditions = $3, note = $4, \
                     answers = $5, at_ms = $6, version = version + 1 WHERE id = $7 AND version = $8",
                )
                .bind(o.party.clone())
                .bind(o.conclusion.as_str())
                .bind(o.conditions.clone())
                .bind(o.note.clone())
                .bind(answers)
                .bind(o.at_ms)
                .bind(*id)
                .bind(*version)
                .execute(&mut *cx.conn)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(DomainError::StaleVersion { current: version + 1 }.into());
                }
                *id
            }
            None => sqlx::query_scalar(
                "INSERT INTO review_opinions (project_id, step, since_ms, form, party, user_id, \
                     conclusion, conditions, note, answers, at_ms, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1) RETURNING id",
            )
            .bind(p.id.0)
            .bind(d.step.clone())
            .bind(d.since_ms)
            .bind(d.form.id.clone())
            .bind(o.party.clone())
            .bind(o.user)
            .bind(o.conclusion.as_str())
            .bind(o.conditions.clone())
            .bind(o.note.clone())
            .bind(answers)
            .bind(o.at_ms)
            .fetch_one(&mut *cx.conn)
            .await?,
        };
        let scores: Vec<String> = d
            .form
            .dimensions
            .iter()
            .filter_map(|dim| o.values.get(&dim.id).map(|v| (dim, v)))
            .filter(|(dim, _)| dim.kind != govit_core::review::DimensionKind::Text)
            .map(|(dim, v)| format!("{} {v}", dim.name))
            .collect();
        let verb = if d.existing.is_some() { "修改" } else { "填写" };
        let tail =
            if scores.is_empty() { String::new() } else { format!("；{}", scores.join("，")) };
        let _ = self.said.set(format!("{verb}{}：{}{tail}", d.form.name, o.conclusion.label()));
        Ok(Written::part(Audited {
            object: Some(("review_opinion", id.to_string())),
            before: d.existing.as_ref().map(|(_, _, before)| json!(before)),
            after: json!(o),
        })
        .with_part(id))
    }
}
