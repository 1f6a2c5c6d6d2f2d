//! A plan's signed decisions verified: each signature against the platform's key, each act
//! and earlier opinion against the records, and the lines against what the decisions saw.

use super::*;

/// One decision on a plan's route as verified.
#[derive(Debug, Clone, Serialize)]
pub struct PlanActCheck {
    pub seq: i64,
    pub step: String,
    pub verb: VerbKind,
    /// A pass that sent the plan for approval (报批: the compiler's, `Route::sends_at`).
    pub sends: bool,
    pub user_name: String,
    pub at_ms: i64,
    pub key_id: String,
    pub verdict: Verdict,
}

impl PlanActCheck {
    /// The decision in words: 报批 for the compiler's pass, else its verb (通过, 退回 …).
    pub fn verb_label(&self) -> &'static str {
        if self.sends { "报批" } else { self.verb.label() }
    }
}

impl Store {
    /// [`Store::verify_plan`] of plan `id` for the operator (no data scope: the command line),
    /// with the plan; `None` when there is no such plan.
    pub async fn verify_plan_by_id(&self, id: i64) -> Result<Option<(Plan, Vec<PlanActCheck>)>> {
        let plan = {
            let mut conn = self.pool.acquire().await?;
            fetch_plan(&mut conn, id).await?
        };
        let Some(plan) = plan else { return Ok(None) };
        let checks = self.verify_plan(&plan).await?;
        Ok(Some((plan, checks)))
    }

    /// Verifies every signed decision on a plan the caller has read: each signature against
    /// the platform's key, each act and earlier opinion against the records, and the lines
    /// against what the decisions since the plan was last sent saw (before that the plan was
    /// being compiled, and its lines were meant to change).
    pub async fn verify_plan(&self, plan: &Plan) -> Result<Vec<PlanActCheck>> {
        let mut conn = self.pool.acquire().await?;
        let run = run_of(self, &mut conn, plan).await?;
        let lines = lines_of(&mut conn, plan.id).await?;
        self.verify_plan_with(&mut conn, plan, &run, &lines).await
    }

    /// [`Store::verify_plan`] over the run and lines the caller has read already.
    pub(super) async fn verify_plan_with(
        &self, conn: &mut AnyConnection, plan: &Plan, run: &PlanRun, lines: &[PlanLine],
    ) -> Result<Vec<PlanActCheck>> {
        let kept: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT seq, message, public_key, signature FROM plan_signatures WHERE plan_id = $1 ORDER BY seq",
        )
        .bind(plan.id)
        .fetch_all(&mut *conn)
        .await?;
        let digest = plan::lines_digest(lines);
        // The last act made at the compiler's step (报批 or a return to it): the lines have
        // stood as they are since, unless the plan is being compiled now.
        let mut sent_at = i64::MAX;
        let mut p = Progress::start(&run.route, plan.created_at_ms);
        for (i, a) in run.acts.iter().enumerate() {
            let actor = Actor { user: a.act.user, parties: &a.act.parties };
            if p.current == 0 && a.act.verb.kind() == VerbKind::Pass {
                sent_at = i as i64 + 1;
            }
            if let Ok(o) =
                govit_core::workflow::decide(&run.route, &p, actor, &a.act.verb, a.act.at_ms)
            {
                p = o.progress;
            }
        }
        let compiling = plan.status == PlanStatus::Drafting;
        let platform_key = self.signer.get().map(|s| s.public_key());
        let mut out = Vec::new();
        for (seq, message, public_key, signature) in &kept {
            let signed = plan::SignedAct::parse(message);
            let act = run.acts.get((*seq - 1).max(0) as usize).filter(|_| *seq >= 1);
            let now = match (&signed, act) {
                (Some(s), Some(a)) => Some(plan::SignedAct {
                    step: a.act.step.clone(),
                    verb: serde_json::to_string(&a.act.verb).unwrap_or_default(),
                    user: a.act.user.0,
                    at_ms: a.act.at_ms,
                    lines: if compiling || *seq < sent_at { s.lines } else { lines.len() },
                    lines_sm3: if compiling || *seq < sent_at {
                        s.lines_sm3.clone()
                    } else {
                        digest.clone()
                    },
                    opinions: opinions_before(&run.acts, *seq),
                    ..s.clone()
                }),
                _ => None,
            };
            let changes = match &signed {
                Some(s) => s.differences(now.as_ref()),
                None => vec!["决定记录无法读取".to_string()],
            };
            let state = govit_core::decision::signature_state(
                message,
                public_key,
                signature,
                platform_key.as_deref(),
            );
            let verb = act.map_or(VerbKind::Pass, |a| a.act.verb.kind());
            out.push(PlanActCheck {
                seq: *seq,
                step: signed
                    .as_ref()
                    .and_then(|s| run.route.steps.iter().find(|x| x.key == s.step))
                    .map_or_else(String::new, |x| x.action.clone()),
                verb,
                sends: signed.as_ref().is_some_and(|s| run.route.sent_by(verb, &s.step)),
                user_name: act.map(|a| a.actor_name.clone()).unwrap_or_default(),
                at_ms: signed.as_ref().map_or(0, |s| s.at_ms),
                key_id: match public_key.is_empty() {
                    true => String::new(),
                    false => {
                        govit_core::crypto::key_id(&hex::decode(public_key).unwrap_or_default())
                    }
                },
                verdict: Verdict { signature: state, changes },
            });
        }
        // A decision whose signature record is gone is a change too.
        for (i, a) in run.acts.iter().enumerate() {
            let seq = i as i64 + 1;
            if decides(&a.act.verb) && !kept.iter().any(|(s, ..)| *s == seq) {
                out.push(PlanActCheck {
                    seq,
                    step: run
                        .route
                        .steps
                        .iter()
                        .find(|x| x.key == a.act.step)
                        .map_or_else(String::new, |x| x.action.clone()),
                    verb: a.act.verb.kind(),
                    sends: run.route.sent_by(a.act.verb.kind(), &a.act.step),
                    user_name: a.actor_name.clone(),
                    at_ms: a.act.at_ms,
                    key_id: String::new(),
                    verdict: Verdict {
                        signature: govit_core::decision::SignatureState::Unsigned,
                        changes: vec!["没有这项决定的签名记录".to_string()],
                    },
                });
            }
        }
        out.sort_by_key(|c| c.seq);
        Ok(out)
    }
}
