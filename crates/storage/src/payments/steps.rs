//! A payment request's changes on the change path: the owner unit of an approved project
//! requests one (`StartPayment`), or corrects it while it holds it — before sending it, after
//! taking it back, or after a return (`EditPayment`). Its run then goes with the subject
//! mechanism's acts (`PaymentAct`).

use super::*;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written, stale_unless};
use crate::projects::Project;
use crate::projects::run::OWNER;
use crate::projects::run::subject::{facts_json, opening, owner_of_approved, projection};
use govit_core::DomainError;
use govit_core::payment::PaymentForm;

/// The owner unit requests a payment for project `project` (`Target::New`).
pub struct StartPayment {
    pub project: ProjectId,
    pub form: PaymentForm,
}

/// The owner unit corrects a payment request at the version it saw.
pub struct EditPayment {
    pub form: PaymentForm,
}

/// What requesting a payment reads.
#[derive(Default)]
pub struct StartInput {
    project: Option<Project>,
    parties: Vec<String>,
    owner_label: String,
    /// The day the project was terminated, if it was.
    ended: Option<chrono::NaiveDate>,
    facts: Facts,
    /// The project's requests so far.
    last_seq: i64,
    route: Route,
}

/// What a request decides: its terms, its number, and the route it takes.
pub struct Started {
    /// The project's jurisdiction, as read.
    jurisdiction: i64,
    terms: PaymentTerms,
    seq: i64,
    route: Route,
    facts: Facts,
}

impl Step<Payment> for StartPayment {
    type Input = StartInput;
    type Decision = Started;

    fn action(&self) -> String {
        "payment.start".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Payment>) -> Result<StartInput> {
        let Some(o) = opening(cx, self.project).await? else {
            return Ok(StartInput::default());
        };
        let facts = cx.store.facts_of(cx.conn, &o.project).await?;
        let last_seq: Option<i64> =
            sqlx::query_scalar("SELECT MAX(seq) FROM project_payments WHERE project_id = $1")
                .bind(o.project.id.0)
                .fetch_one(&mut *cx.conn)
                .await?;
        let route = cx
            .store
            .rules()
            .profile(&o.project.profile_id)
            .map(|p| payment::route(p, &facts))
            .unwrap_or_default();
        Ok(StartInput {
            project: Some(o.project),
            parties: o.parties,
            owner_label: o.owner_label,
            ended: o.ended,
            facts,
            last_seq: last_seq.unwrap_or(0),
            route,
        })
    }
    fn decide(&self, _: At<'_, Payment>, input: StartInput) -> Decided<Started> {
        let project = input.project.as_ref().ok_or(DomainError::NotFound)?;
        owner_of_approved(
            project,
            &input.parties,
            &input.owner_label,
            input.ended,
            ("资金拨付由{owner}申请", "申请拨付资金"),
        )?;
        let terms = self.form.parse().map_err(DomainError::Invalid)?;
        if input.route.steps.is_empty() {
            return Err(DomainError::InvalidState {
                message: "本辖区的规定没有资金拨付的办理程序".into(),
            });
        }
        Ok(Started {
            jurisdiction: project.jurisdiction_id.0,
            terms,
            seq: input.last_seq + 1,
            route: input.route.clone(),
            facts: input.facts.clone(),
        })
    }
    async fn write(&self, cx: &mut Cx<'_, Payment>, d: Started) -> Result<Written> {
        let who = cx.who;
        let (state, waiting) =
            projection::<Payment>(&d.route, &Progress::start(&d.route, who.now_ms), false);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO project_payments (project_id, jurisdiction_id, seq, kind, amount_yuan, payee, \
             purpose, facts, state, waiting_on, created_by, created_at_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1) RETURNING id",
        )
        .bind(self.project.0)
        .bind(d.jurisdiction)
        .bind(d.seq)
        .bind(d.terms.kind.as_str())
        .bind(d.terms.amount.0)
        .bind(d.terms.payee.clone())
        .bind(d.terms.purpose.clone())
        .bind(facts_json(&d.facts))
        .bind(state)
        .bind(waiting)
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *cx.conn)
        .await
        .map_err(|e| {
            crate::base::unless_unique(e, || DomainError::InvalidState {
                message: "本项目刚刚提出了一笔拨付申请，请刷新后查看".into(),
            })
        })?;
        let line = format!(
            "提出第 {} 笔资金拨付申请：{} {} 万元，收款单位 {}",
            d.seq,
            d.terms.kind.label(),
            d.terms.amount.to_wan_string(),
            d.terms.payee
        );
        crate::projects::note_on_timeline(
            cx.conn,
            who.principal,
            who.now_ms,
            self.project,
            ProjectAction::Payment,
            &line,
        )
        .await?;
        let after_json = json!({"project_id": self.project, "seq": d.seq,
                                "terms": d.terms, "status": state});
        Ok(Written { created: Some(id), ..Written::part(Audited::of(None, after_json)) })
    }
}

/// Why a payment request in `status` cannot be corrected now, if it cannot: only while its
/// owner holds it (not yet sent, taken back, or returned).
pub fn not_editable(status: PaymentStatus) -> Option<&'static str> {
    match status {
        PaymentStatus::Applying | PaymentStatus::Returned => None,
        PaymentStatus::Paid | PaymentStatus::Refused => Some("本笔拨付申请已办结，不能再修改"),
        PaymentStatus::Reviewing => {
            Some("本笔拨付申请正在审核，不能修改；需修改的，请撤回或由办理单位退回后修改")
        }
    }
}

impl Step<Payment> for EditPayment {
    type Input = bool;
    type Decision = PaymentTerms;

    fn action(&self) -> String {
        "payment.edit".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Payment>) -> Result<bool> {
        let project = cx.record()?.project_id;
        let who = cx.who;
        let Some(p) = Project::load_visible(cx.conn, who, project.0).await? else {
            return Ok(false);
        };
        let parties = crate::projects::run::acting_parties(cx.conn, who.principal, &p).await?;
        Ok(parties.iter().any(|k| k == OWNER))
    }
    fn decide(&self, at: At<'_, Payment>, owns: bool) -> Decided<PaymentTerms> {
        let a = at.record()?;
        if !owns {
            return Err(DomainError::Forbidden("资金拨付由项目建设单位申请".into()));
        }
        if let Some(why) = not_editable(a.status) {
            return Err(DomainError::InvalidState { message: why.into() });
        }
        self.form.parse().map_err(DomainError::Invalid)
    }
    async fn write(&self, cx: &mut Cx<'_, Payment>, terms: PaymentTerms) -> Result<Written> {
        let a = cx.record()?.clone();
        let who = cx.who;
        let conn = &mut *cx.conn;
        let n = sqlx::query(
            "UPDATE project_payments SET kind = $1, amount_yuan = $2, payee = $3, purpose = $4, \
             version = version + 1 WHERE id = $5 AND version = $6",
        )
        .bind(terms.kind.as_str())
        .bind(terms.amount.0)
        .bind(terms.payee.clone())
        .bind(terms.purpose.clone())
        .bind(a.id)
        .bind(a.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "project_payments", a.id).await?;
        let line = format!(
            "修改{}：{} {} 万元",
            a.name(),
            terms.kind.label(),
            terms.amount.to_wan_string()
        );
        crate::projects::note_on_timeline(
            conn,
            who.principal,
            who.now_ms,
            a.project_id,
            ProjectAction::Payment,
            &line,
        )
        .await?;
        Ok(Written::part(Audited::of(Some(json!({"terms": a.terms})), json!({"terms": terms}))))
    }
}
