//! A measure's changes on the change path: the parties its profile names take it on an
//! approved project under one of its sanctions (`TakeMeasure`) — once the rectification the
//! rule puts first has failed or lapsed, where it escalates — and lift it with a reason at the
//! version they saw (`LiftMeasure`). Each writes the project's timeline and the audit record
//! in the same transaction; the facts the gates read follow from the rows.

use super::*;
use crate::base::change::{At, Cx, Decided, Step, Written, stale_unless};
use crate::projects::run::subject::opening;
use govit_core::DomainError;
use govit_core::project::ProjectAction;
use govit_core::sanction::{MeasureForm, MeasureTerms};

/// Take a measure on project `project` (`Target::New`).
pub struct TakeMeasure {
    pub project: ProjectId,
    pub form: MeasureForm,
}

/// Lift a measure in force, with the reason, at the version seen.
pub struct LiftMeasure {
    pub reason: String,
}

/// The parties that take `step` under `rule`, by their names in `profile`, for a refusal.
fn takers_named(profile: &Profile, rule: &SanctionRule, step: SanctionStep) -> String {
    sanction::takers(rule, step)
        .iter()
        .map(|k| profile.party_label(k))
        .collect::<Vec<_>>()
        .join("或")
}

/// What taking a measure reads.
#[derive(Default)]
pub struct TakeInput {
    project: Option<Project>,
    profile: Option<Profile>,
    parties: Vec<String>,
    /// The rectification under the rule typed, if it names one the profile has.
    rectified: Option<Rectified>,
    /// The steps in force now.
    in_force: Vec<SanctionStep>,
    /// The day the project was terminated, if it was (by its owner unit or a measure).
    ended: Option<chrono::NaiveDate>,
}

impl Step<Measure> for TakeMeasure {
    type Input = TakeInput;
    type Decision = (i64, MeasureTerms);

    fn action(&self) -> String {
        "measure.take".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Measure>) -> Result<TakeInput> {
        let Some(o) = opening(cx, self.project).await? else { return Ok(TakeInput::default()) };
        let profile = cx.store.rules().profile(&o.project.profile_id).cloned();
        let today = crate::base::china_today(cx.who.now_ms);
        let rule = self.form.rule.trim();
        let known = profile.as_ref().is_some_and(|p| p.sanctions.iter().any(|r| r.id == rule));
        let report = profile.as_ref().and_then(report_step);
        let rectified = if known {
            Some(rectified(cx.conn, o.project.id, rule, report.as_deref(), today).await?)
        } else {
            None
        };
        // Holds the project for the rest of the change: two measures taken at once (or one
        // beside 终止项目) are judged one after the other.
        crate::projects::hold(cx.conn, o.project.id).await?;
        Ok(TakeInput {
            in_force: in_force(cx.conn, o.project.id).await?,
            ended: o.ended,
            project: Some(o.project),
            profile,
            parties: o.parties,
            rectified,
        })
    }
    fn decide(&self, _: At<'_, Measure>, input: TakeInput) -> Decided<(i64, MeasureTerms)> {
        let project = input.project.as_ref().ok_or(DomainError::NotFound)?;
        let profile = input.profile.as_ref().ok_or(DomainError::NotFound)?;
        let terms = self.form.parse(profile).map_err(DomainError::Invalid)?;
        let step = terms.step;
        let takers = sanction::takers(&terms.rule, step);
        if takers.is_empty() {
            return Err(DomainError::invalid(
                "rule",
                format!("{}的处理由相应的办理程序自动适用，不能手工采取", terms.rule.cite),
            ));
        }
        if !takers.iter().any(|t| input.parties.contains(t)) {
            return Err(DomainError::Forbidden(format!(
                "“{}”由{}决定（{}）",
                step.label(),
                takers_named(profile, &terms.rule, step),
                terms.rule.cite
            )));
        }
        if project.status != govit_core::project::ProjectStatus::Approved {
            return Err(DomainError::InvalidState {
                message: format!(
                    "项目当前为“{}”，立项批复后才能采取处理措施",
                    project.status.label()
                ),
            });
        }
        if let Some(day) = input.ended {
            return Err(DomainError::InvalidState {
                message: format!("项目已于 {day} 终止")
            });
        }
        if input.in_force.contains(&SanctionStep::Terminate) {
            return Err(DomainError::InvalidState { message: "项目已终止".into() });
        }
        if sanction::lasting(step) && input.in_force.contains(&step) {
            return Err(DomainError::InvalidState {
                message: format!("“{}”正在实施，解除后才能再次采取", step.label()),
            });
        }
        let rectified = input.rectified.unwrap_or(Rectified::NotOrdered);
        sanction::may_take(&terms.rule, step, rectified)
            .map_err(|message| DomainError::InvalidState { message })?;
        Ok((project.jurisdiction_id.0, terms))
    }
    async fn write(
        &self, cx: &mut Cx<'_, Measure>, (jurisdiction, terms): (i64, MeasureTerms),
    ) -> Result<Written> {
        let who = cx.who;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO project_measures (project_id, jurisdiction_id, rule_id, cite, step, \
             reason, taken_by, taken_at_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) RETURNING id",
        )
        .bind(self.project.0)
        .bind(jurisdiction)
        .bind(terms.rule.id.clone())
        .bind(terms.rule.cite.clone())
        .bind(terms.step.as_str())
        .bind(terms.reason.clone())
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *cx.conn)
        .await
        .map_err(|e| {
            crate::base::unless_unique(e, || DomainError::InvalidState {
                message: format!("“{}”正在实施，解除后才能再次采取", terms.step.label()),
            })
        })?;
        let said = format!("{}（{}）：{}", terms.step.label(), terms.rule.cite, terms.reason);
        crate::projects::note_on_timeline(
            cx.conn,
            who.principal,
            who.now_ms,
            self.project,
            ProjectAction::Sanction,
            &said,
        )
        .await?;
        // 终止项目 ends the project as its owner's termination does: the event every room
        // reads, and what it owed no more.
        if terms.step == SanctionStep::Terminate {
            crate::projects::obligations::insert_milestone(
                cx.conn,
                self.project,
                govit_core::policy::EventKind::ProjectTerminated,
                crate::base::china_today(who.now_ms),
                &said,
                who.principal.user_id.0,
                who.now_ms,
            )
            .await?;
            cx.store.project_events_changed(cx.conn, self.project, who.now_ms).await?;
        }
        Ok(Written::created(id))
    }
    fn detail(&self) -> String {
        self.form.reason.trim().to_string()
    }
}

/// What lifting a measure reads: the caller's parties on its project, and its profile.
#[derive(Default)]
pub struct LiftInput {
    parties: Vec<String>,
    profile: Option<Profile>,
}

impl Step<Measure> for LiftMeasure {
    type Input = LiftInput;
    type Decision = String;

    fn action(&self) -> String {
        "measure.lift".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Measure>) -> Result<LiftInput> {
        let m = cx.record()?.clone();
        let Some(o) = opening(cx, m.project_id).await? else { return Ok(LiftInput::default()) };
        Ok(LiftInput {
            parties: o.parties,
            profile: cx.store.rules().profile(&m.profile_id).cloned(),
        })
    }
    fn decide(&self, at: At<'_, Measure>, input: LiftInput) -> Decided<String> {
        let m = at.record()?;
        let profile = input.profile.as_ref().ok_or(DomainError::NotFound)?;
        let rule =
            profile.sanctions.iter().find(|r| r.id == m.rule_id).ok_or(DomainError::NotFound)?;
        if !sanction::takers(rule, m.step).iter().any(|t| input.parties.contains(t)) {
            return Err(DomainError::Forbidden(format!(
                "“{}”由{}解除",
                m.step.label(),
                takers_named(profile, rule, m.step)
            )));
        }
        if m.recorded() {
            return Err(DomainError::InvalidState {
                message: format!("“{}”已记录，无需解除", m.step.label()),
            });
        }
        if !m.in_force() {
            return Err(DomainError::InvalidState {
                message: format!("“{}”已经解除", m.step.label()),
            });
        }
        if !sanction::liftable(m.step) {
            return Err(DomainError::InvalidState {
                message: format!("“{}”不能解除", m.step.label()),
            });
        }
        let mut errors = Vec::new();
        let reason = govit_core::error::free_text(
            &self.reason,
            "reason",
            "解除理由",
            sanction::REASON_MAX,
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        Ok(reason)
    }
    async fn write(&self, cx: &mut Cx<'_, Measure>, reason: String) -> Result<Written> {
        let m = cx.record()?.clone();
        let who = cx.who;
        let conn = &mut *cx.conn;
        let n = sqlx::query(
            "UPDATE project_measures SET lifted_by = $1, lifted_at_ms = $2, lift_reason = $3, \
             version = version + 1 WHERE id = $4 AND version = $5 AND lifted_at_ms IS NULL",
        )
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .bind(reason.clone())
        .bind(m.id)
        .bind(m.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "project_measures", m.id).await?;
        crate::projects::note_on_timeline(
            conn,
            who.principal,
            who.now_ms,
            m.project_id,
            ProjectAction::Sanction,
            &format!("解除{}（{}）：{reason}", m.step.label(), m.cite),
        )
        .await?;
        Ok(Written::record())
    }
    fn detail(&self) -> String {
        self.reason.trim().to_string()
    }
}
