//! An acceptance's changes on the change path: the owner unit of an approved project starts
//! one (`StartAcceptance`) — the first, or after a failed one the next — or corrects its
//! summary and contact before anyone acted or after a return (`EditAcceptance`). Its run then
//! goes with the subject mechanism's acts (`AcceptanceAct`).

use super::*;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written, stale_unless};
use crate::projects::Project;
use crate::projects::run::OWNER;
use crate::projects::run::subject::{facts_json, opening, owner_of_approved, projection};
use govit_core::DomainError;
use govit_core::acceptance::AcceptanceForm;

/// The owner unit starts an acceptance of project `project` (`Target::New`).
pub struct StartAcceptance {
    pub project: ProjectId,
    pub form: AcceptanceForm,
}

/// The owner unit corrects an acceptance's summary and contact, at the version it saw.
pub struct EditAcceptance {
    pub form: AcceptanceForm,
}

/// What starting an acceptance reads.
#[derive(Default)]
pub struct StartInput {
    project: Option<Project>,
    parties: Vec<String>,
    owner_label: String,
    /// The day the project was terminated, if it was.
    ended: Option<chrono::NaiveDate>,
    facts: Facts,
    /// The project's acceptances so far: (attempt, state).
    earlier: Vec<(i64, String)>,
    /// Whether its preliminary acceptance has passed.
    after_preliminary: bool,
    route: Route,
}

/// What a start decides: the acceptance, its attempt, and the route it takes.
pub struct Started {
    /// The project's jurisdiction, as read.
    jurisdiction: i64,
    terms: AcceptanceTerms,
    attempt: i64,
    route: Route,
    facts: Facts,
    after_preliminary: bool,
}

impl Step<Acceptance> for StartAcceptance {
    type Input = StartInput;
    type Decision = Started;

    fn action(&self) -> String {
        "acceptance.start".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Acceptance>) -> Result<StartInput> {
        let Some(o) = opening(cx, self.project).await? else {
            return Ok(StartInput::default());
        };
        let facts = cx.store.facts_of(cx.conn, &o.project).await?;
        let earlier: Vec<(i64, String)> = sqlx::query_as(
            "SELECT attempt, state FROM project_acceptances WHERE project_id = $1 ORDER BY attempt",
        )
        .bind(o.project.id.0)
        .fetch_all(&mut *cx.conn)
        .await?;
        let prelim: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(id) FROM project_milestones WHERE project_id = $1 AND planned = 0 \
             AND kind = 'preliminary_acceptance_passed'",
        )
        .bind(o.project.id.0)
        .fetch_one(&mut *cx.conn)
        .await?;
        let after_preliminary = prelim.is_some();
        let route = cx
            .store
            .rules()
            .profile(&o.project.profile_id)
            .map(|p| govit_core::acceptance::route(p, &facts, after_preliminary))
            .unwrap_or_default();
        Ok(StartInput {
            project: Some(o.project),
            parties: o.parties,
            owner_label: o.owner_label,
            ended: o.ended,
            facts,
            earlier,
            after_preliminary,
            route,
        })
    }
    fn decide(&self, _: At<'_, Acceptance>, input: StartInput) -> Decided<Started> {
        let project = input.project.as_ref().ok_or(DomainError::NotFound)?;
        owner_of_approved(
            project,
            &input.parties,
            &input.owner_label,
            input.ended,
            ("项目验收由{owner}组织和申请", "组织验收"),
        )?;
        let earlier: Vec<(i64, AcceptanceStatus)> = input
            .earlier
            .iter()
            .filter_map(|(attempt, state)| Some((*attempt, AcceptanceStatus::parse(state)?)))
            .collect();
        if let Some(message) = acceptance::start_refusal(&earlier) {
            return Err(DomainError::InvalidState { message });
        }
        let terms = self.form.parse().map_err(DomainError::Invalid)?;
        if input.route.steps.is_empty() {
            return Err(DomainError::InvalidState {
                message: "本辖区的规定没有项目验收的办理程序".into(),
            });
        }
        let attempt = input.earlier.iter().map(|(a, _)| *a).max().unwrap_or(0) + 1;
        Ok(Started {
            jurisdiction: project.jurisdiction_id.0,
            terms,
            attempt,
            route: input.route.clone(),
            facts: input.facts.clone(),
            after_preliminary: input.after_preliminary,
        })
    }
    async fn write(&self, cx: &mut Cx<'_, Acceptance>, d: Started) -> Result<Written> {
        let who = cx.who;
        let (state, waiting) =
            projection::<Acceptance>(&d.route, &Progress::start(&d.route, who.now_ms), false);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO project_acceptances (project_id, jurisdiction_id, attempt, summary, contact, phone, \
             after_preliminary, facts, state, waiting_on, created_by, created_at_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1) RETURNING id",
        )
        .bind(self.project.0)
        .bind(d.jurisdiction)
        .bind(d.attempt)
        .bind(d.terms.summary.clone())
        .bind(d.terms.contact.clone())
        .bind(d.terms.phone.clone())
        .bind(i64::from(d.after_preliminary))
        .bind(facts_json(&d.facts))
        .bind(state)
        .bind(waiting)
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *cx.conn)
        .await
        .map_err(|e| {
            crate::base::unless_unique(e, || DomainError::InvalidState {
                message: "本项目刚刚发起了一次验收，请刷新后查看".into(),
            })
        })?;
        let first = d.route.steps.first().map(|s| s.action.clone()).unwrap_or_default();
        let line = format!("发起项目第 {} 次验收，第一步：{first}", d.attempt);
        crate::projects::note_on_timeline(
            cx.conn,
            who.principal,
            who.now_ms,
            self.project,
            ProjectAction::Acceptance,
            &line,
        )
        .await?;
        let after_json = json!({"project_id": self.project, "attempt": d.attempt,
                                "terms": d.terms, "status": state});
        Ok(Written { created: Some(id), ..Written::part(Audited::of(None, after_json)) })
    }
}

/// Why an acceptance in `status` cannot be corrected now (`acted`: someone has acted on it),
/// if it cannot.
pub fn not_editable(status: AcceptanceStatus, acted: bool) -> Option<&'static str> {
    match status {
        AcceptanceStatus::Returned => None,
        _ if status == AcceptanceStatus::Failed || acceptance::passed(status) => {
            Some("本次验收已办结，不能再修改")
        }
        _ if acted => Some("本次验收已有办理记录，不能修改；需修改的，请由办理单位退回后修改"),
        _ => None,
    }
}

/// What correcting an acceptance reads.
#[derive(Default)]
pub struct EditInput {
    owns: bool,
    acted: bool,
}

impl Step<Acceptance> for EditAcceptance {
    type Input = EditInput;
    type Decision = AcceptanceTerms;

    fn action(&self) -> String {
        "acceptance.edit".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Acceptance>) -> Result<EditInput> {
        let a = cx.record()?;
        let (project, id) = (a.project_id, a.id);
        let who = cx.who;
        let mut input = EditInput::default();
        if let Some(p) = Project::load_visible(cx.conn, who, project.0).await? {
            let parties = crate::projects::run::acting_parties(cx.conn, who.principal, &p).await?;
            input.owns = parties.iter().any(|k| k == OWNER);
        }
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM acceptance_acts WHERE acceptance_id = $1")
                .bind(id)
                .fetch_one(&mut *cx.conn)
                .await?;
        input.acted = n > 0;
        Ok(input)
    }
    fn decide(&self, at: At<'_, Acceptance>, input: EditInput) -> Decided<AcceptanceTerms> {
        let a = at.record()?;
        if !input.owns {
            return Err(DomainError::Forbidden("项目验收由项目建设单位组织和申请".into()));
        }
        if let Some(why) = not_editable(a.status, input.acted) {
            return Err(DomainError::InvalidState { message: why.into() });
        }
        self.form.parse().map_err(DomainError::Invalid)
    }
    async fn write(&self, cx: &mut Cx<'_, Acceptance>, terms: AcceptanceTerms) -> Result<Written> {
        let a = cx.record()?.clone();
        let who = cx.who;
        let conn = &mut *cx.conn;
        let n = sqlx::query(
            "UPDATE project_acceptances SET summary = $1, contact = $2, phone = $3, \
             version = version + 1 WHERE id = $4 AND version = $5",
        )
        .bind(terms.summary.clone())
        .bind(terms.contact.clone())
        .bind(terms.phone.clone())
        .bind(a.id)
        .bind(a.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "project_acceptances", a.id).await?;
        let line = format!("修改项目{}的建设总结和联系人", a.name());
        crate::projects::note_on_timeline(
            conn,
            who.principal,
            who.now_ms,
            a.project_id,
            ProjectAction::Acceptance,
            &line,
        )
        .await?;
        Ok(Written::part(Audited::of(Some(json!({"terms": a.terms})), json!({"terms": terms}))))
    }
}
