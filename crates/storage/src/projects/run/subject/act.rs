//! An act on a subject's run ([`SubjectAct`]): the act kept at the version read, the record's
//! state and the parties it waits on, the events the step records on the project, a line on
//! the project's timeline.

use super::*;
use crate::projects::run::{ActRecord, decide_on, keep_act_at};

/// One act on a subject's run (报送, a party's consent, 备案 or 批准, 退回 for correction,
/// 撤回 by the sender), at the version the user saw.
pub struct SubjectAct<S> {
    pub verb: Verb,
    subject: PhantomData<fn() -> S>,
}

impl<S> SubjectAct<S> {
    pub fn new(verb: Verb) -> SubjectAct<S> {
        SubjectAct { verb, subject: PhantomData }
    }
}

#[derive(Default)]
pub struct ActInput {
    run: Option<Run>,
    /// Its project (the decision's signature is kept under it).
    project: Option<Project>,
    parties: Vec<String>,
    holders: String,
    /// The gates in front of the step when the act would pass a gated one.
    gates: Vec<govit_core::obligation::GateCheck>,
    /// The window a duty the pass would fulfil has not opened yet (lhasa:22's self-evaluation
    /// from the 12th month after acceptance): its article and why.
    early: Option<(String, String)>,
    /// The day its project was terminated, when the pass would go on with what it ended.
    ended: Option<chrono::NaiveDate>,
}

/// What an act on a subject's run decided: the act, the run's outcome, its number in the run,
/// and what its signature covers besides (the project, the acts before it).
pub struct ActDecision {
    act: Act,
    outcome: Outcome,
    seq: i64,
    project: Option<Project>,
    earlier: Vec<ActRecord>,
}

impl<S: Subject> Step<S> for SubjectAct<S> {
    type Input = ActInput;
    type Decision = ActDecision;

    fn action(&self) -> String {
        format!("{}.{}", S::KIND, self.verb.kind().as_str())
    }
    async fn gather(&self, cx: &mut Cx<'_, S>) -> Result<ActInput> {
        let s = cx.record()?;
        let run = run_of(cx.store, cx.conn, s).await?;
        let (project, parties) = parties_on(cx.conn, cx.who.principal, s.project()).await?;
        // Those who still hold it: a 会签's party that has signed no longer does.
        let open = run.progress.waiting_parties(&run.route);
        let holders = party_labels(cx.store, s.profile(), &open);
        let mut gates = Vec::new();
        if self.verb.kind() == VerbKind::Pass
            && let Some(g) = S::gated(&run.route, run.progress.current)
            && let Some(p) = project.as_ref()
        {
            let facts = gate_facts(cx.store, cx.conn, p, s, cx.who.now_ms).await?;
            gates = cx.store.gate_checks(cx.conn, p, g, Some(&facts)).await?;
        }
        let mut early = None;
        if self.verb.kind() == VerbKind::Pass
            && S::RECORDS_EVENTS
            && let Some(step) = run.route.steps.get(run.progress.current)
            && let Some(p) = project.as_ref()
        {
            early = window_not_open(cx.store, cx.conn, p, &step.on_pass, cx.who.now_ms).await?;
        }
        // A pass that goes on with the project's construction, or that terminates it, holds the
        // project first: the two at once are judged one after the other.
        let ended = if self.verb.kind() == VerbKind::Pass
            && (terminates_at(&run) || !s.goes_on_when_ended())
        {
            crate::projects::hold(cx.conn, s.project()).await?;
            if stops_when_ended(s, &run) { ended_on(cx.conn, s.project()).await? } else { None }
        } else {
            None
        };
        Ok(ActInput { run: Some(run), project, parties, holders, gates, early, ended })
    }
    fn decide(&self, at: At<'_, S>, input: ActInput) -> Decided<Self::Decision> {
        let s = at.record()?;
        let run = input.run.as_ref().ok_or(DomainError::NotFound)?;
        let kind = self.verb.kind();
        if !S::VERBS.contains(&kind) {
            let offered = S::VERBS.iter().map(|v| v.label()).collect::<Vec<_>>().join("、");
            return Err(DomainError::invalid("verb", format!("这里只能{offered}")));
        }
        if run.route.steps.is_empty() {
            return Err(DomainError::InvalidState { message: S::NO_ROUTE.into() });
        }
        if let Some(why) = s.closed().or_else(|| s.refuses(kind)) {
            return Err(DomainError::InvalidState { message: why.into() });
        }
        let actor = Actor { user: at.who.principal.user_id, parties: &input.parties };
        let (subject, done) = s.naming();
        let actor_holds = run.progress.holds(actor);
        if kind == VerbKind::Pass && actor_holds {
            if let Some(day) = input.ended {
                return Err(DomainError::InvalidState { message: no_longer(day, subject) });
            }
            govit_core::project::first_refusal(&input.gates)?;
            if let Some((cite, text)) = input.early.clone() {
                return Err(DomainError::GateRefused { cite, text });
            }
        }
        let (act, outcome, seq) = decide_on(
            &run.route,
            &run.progress,
            run.acts.len(),
            actor,
            &self.verb,
            at.who.now_ms,
            Naming { holders: &input.holders, subject, done },
        )?;
        let ActInput { run, project, .. } = input;
        Ok(ActDecision {
            act,
            outcome,
            seq,
            project,
            earlier: run.map(|r| r.acts).unwrap_or_default(),
        })
    }
    async fn write(&self, cx: &mut Cx<'_, S>, decision: ActDecision) -> Result<Written> {
        let ActDecision { act, outcome, seq, project, earlier } = decision;
        let s = cx.record()?.clone();
        let (id, version) = s.key();
        let who = cx.who;
        let conn = &mut *cx.conn;
        keep_act_at(conn, S::ACTS, id, seq, &act, version).await?;
        // What rooms above add to the act (its signature, over what the subject asks).
        if let Some(p) = project.as_ref() {
            let asked = Asked::of(&s);
            crate::projects::act_written(
                cx.store,
                conn,
                p,
                seq,
                &act,
                Some(&earlier),
                Some(&asked),
            )
            .await?;
        }
        let route = s.route(cx.store);
        let step_action = route
            .index_of(&act.step)
            .and_then(|i| route.steps.get(i))
            .map_or_else(String::new, |st| st.action.clone());
        let returned = act.verb.kind() == VerbKind::Return;
        let (state, waiting) = projection::<S>(&route, &outcome.progress, returned);
        let n = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET version = version + 1, state = $1, waiting_on = $2, waiting_since_ms = $5 \
             WHERE id = $3 AND version = $4",
            S::ROWS
        )))
        .bind(state)
        .bind(waiting)
        .bind(id)
        .bind(version)
        .bind(outcome.progress.since_ms)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, S::ROWS, id).await?;
        // What the step records on the project (合同备案 …), on the day it is taken.
        let today = crate::china_today(who.now_ms);
        let events: Vec<EventKind> =
            if S::RECORDS_EVENTS { outcome.events.clone() } else { Vec::new() };
        for e in &events {
            let day = s.event_day(*e).unwrap_or(today);
            // Passed again after a return or a correction, the subject's event moves to the
            // day of this pass rather than being recorded twice (one duty, met once) — but a
            // project terminated stays terminated from its first day.
            let keep_first = *e == EventKind::ProjectTerminated;
            let moved = sqlx::query(
                "UPDATE project_milestones SET event_date = CASE WHEN $7 = 1 THEN event_date ELSE $1 END, \
                 recorded_by = $2, recorded_at_ms = $3 \
                 WHERE id = (SELECT MAX(id) FROM project_milestones WHERE project_id = $4 \
                 AND kind = $5 AND note = $6 AND planned = 0)",
            )
            .bind(day.format("%Y-%m-%d").to_string())
            .bind(who.principal.user_id.0)
            .bind(who.now_ms)
            .bind(s.project().0)
            .bind(e.as_str())
            .bind(s.named())
            .bind(i64::from(keep_first))
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if moved == 0 {
                crate::projects::obligations::insert_milestone(
                    conn,
                    s.project(),
                    *e,
                    day,
                    &s.named(),
                    who.principal.user_id.0,
                    who.now_ms,
                )
                .await?;
            }
        }
        // A 撤回 takes back the pass it withdraws, and so what that pass recorded.
        let mut taken_back = 0;
        if matches!(act.verb, Verb::Withdraw)
            && S::RECORDS_EVENTS
            && let Some(step) = route.steps.get(outcome.progress.current)
        {
            let mut kinds = step.on_pass.clone();
            kinds.extend(step.on_pass_again.iter().filter(|k| !step.on_pass.contains(k)));
            for k in kinds {
                taken_back += sqlx::query(
                    "DELETE FROM project_milestones WHERE id = (SELECT MAX(id) FROM project_milestones \
                     WHERE project_id = $1 AND kind = $2 AND note = $3 AND planned = 0)",
                )
                .bind(s.project().0)
                .bind(k.as_str())
                .bind(s.named())
                .execute(&mut *conn)
                .await?
                .rows_affected();
            }
        }
        if !events.is_empty() || taken_back > 0 {
            cx.store.project_events_changed(conn, s.project(), who.now_ms).await?;
        }
        let said = match &act.verb {
            Verb::Pass { note } if note.is_empty() => step_action.clone(),
            Verb::Pass { note } => format!("{step_action}：{note}"),
            Verb::Return { reason, .. } => format!("退回：{reason}"),
            Verb::Reject { reason } => format!("不予通过：{reason}"),
            v => v.kind().label().to_string(),
        };
        let line = format!("{}：{said}", s.named());
        crate::projects::note_on_timeline(
            conn,
            who.principal,
            who.now_ms,
            s.project(),
            S::ACTION,
            &line,
        )
        .await?;
        let after = json!({"step": act.step, "verb": act.verb, "status": state, "events": events,
                           "completed": outcome.progress.status == RunStatus::Completed});
        Ok(Written::part(Audited::of(None, after)))
    }
    fn detail(&self) -> String {
        match &self.verb {
            Verb::Pass { note } => note.clone(),
            Verb::Return { reason, .. } | Verb::Reject { reason } => reason.clone(),
            _ => String::new(),
        }
    }
}
