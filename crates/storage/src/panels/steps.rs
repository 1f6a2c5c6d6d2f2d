//! Drawing a panel and a member's decline: steps of the change path on the project that wrap
//! the run's own step ([`RunStep`]), so the act that names the panel (`Verb::Seat`) or hands
//! a declined place on (`Verb::Decline`) is written with the panel's rows, the timeline line
//! and the audit record — which keeps the seed and the candidates — in one transaction.

use super::{Drawn, Panel, account_of, candidates, expert_of, panel_at};
use crate::Result;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written};
use crate::projects::run::{RunDecision, RunInput};
use crate::projects::{Project, RunStep};
use govit_core::DomainError;
use govit_core::draw::{Exclusion, PanelRule, Request, draw};
use govit_core::ids::UserId;
use govit_core::workflow::Verb;
use rand::RngExt;
use serde_json::json;
use std::sync::OnceLock;

const REASON_MAX: usize = 500;

/// 抽取专家: the holder of the step before a panel's draws its members.
pub struct DrawPanel {
    /// The units whose employees may not sit besides the owner unit's (投标单位 …), by name.
    pub bidders: Vec<String>,
    pub note: String,
    run: OnceLock<RunStep>,
}

impl DrawPanel {
    pub fn new(bidders: Vec<String>, note: String) -> DrawPanel {
        DrawPanel { bidders, note, run: OnceLock::new() }
    }
}

/// What a draw reads: the run step's input, the panel rule, the pool and the draw step.
#[derive(Default)]
pub struct DrawInput {
    run: RunInput,
    rule: Option<PanelRule>,
    /// The draw step's key and visit.
    at: Option<(String, i64)>,
    drawn_already: bool,
    pool: Vec<(govit_core::draw::Candidate, Option<i64>)>,
    owner: String,
    seed: u64,
}

pub struct DrawDecision {
    run: RunDecision,
    step: String,
    since_ms: i64,
    form: String,
    seed: u64,
    request: Request,
    drawn: Drawn,
    /// (expert, account) of the panel, in seat order.
    seats: Vec<(i64, i64)>,
}

/// Where the run stands for a panel: the current step's key and visit, and the panel rule of
/// the step after it, if that step is a panel's.
fn draw_step(cx: &Cx<'_, Project>, input: &RunInput) -> Option<((String, i64), PanelRule)> {
    let run = input.run()?;
    let p = cx.before?;
    let here = run.progress.step(&run.route)?;
    let next = run.route.steps.get(run.progress.current + 1)?;
    let rules = cx.store.rules();
    let rule = rules.profile(&p.profile_id)?.panel(next.panel.as_deref()?)?.clone();
    Some(((here.key.clone(), run.progress.since_ms), rule))
}

fn wrapped(run: &OnceLock<RunStep>) -> String {
    run.get().map(|s| s.detail()).unwrap_or_default()
}

/// The run step a panel's steps read the run with and ask first (who holds what, or why not):
/// naming the next step's people, which only the holder of the step before a panel may do.
fn probe() -> RunStep {
    RunStep::verb(Verb::Seat { users: vec![], note: String::new() })
}

impl Step<Project> for DrawPanel {
    type Input = DrawInput;
    type Decision = DrawDecision;

    fn action(&self) -> String {
        "project.panel".into()
    }
    fn detail(&self) -> String {
        wrapped(&self.run)
    }
    async fn gather(&self, cx: &mut Cx<'_, Project>) -> Result<DrawInput> {
        let run = probe().gather(cx).await?;
        let p = cx.record()?;
        let mut input = DrawInput { seed: rand::rng().random::<u64>(), ..DrawInput::default() };
        if let Some((at, rule)) = draw_step(cx, &run) {
            input.drawn_already = panel_at(cx.conn, p.id.0, &at.0, at.1).await?.is_some();
            input.at = Some(at);
            input.rule = Some(rule);
            input.pool = candidates(cx.conn, p.jurisdiction_id.0).await?;
        }
        input.owner = p.owner_department.clone();
        input.run = run;
        Ok(input)
    }

    fn decide(&self, at: At<'_, Project>, input: DrawInput) -> Decided<DrawDecision> {
        let (Some((step, since_ms)), Some(rule)) = (input.at.clone(), input.rule.clone()) else {
            // Not the holder of a draw step: the run step says why (404, or the state).
            probe().decide(at, input.run)?;
            return Err(DomainError::InvalidState {
                message: "下一步不由专家组办理，无需抽取专家".into(),
            });
        };
        if input.drawn_already {
            return Err(DomainError::InvalidState {
                message: format!(
                    "本轮{}已经抽取，不能重新抽取；专家不能参加的，请登记回避，由下一名递补（{}）",
                    rule.name, rule.cite
                ),
            });
        }
        if self.note.chars().count() > 1000 {
            return Err(DomainError::invalid("note", "说明不能超过 1000 个字"));
        }
        if self.bidders.len() > 50 || self.bidders.iter().any(|b| b.chars().count() > 200) {
            return Err(DomainError::invalid("bidders", "回避单位最多 50 个，每个不超过 200 个字"));
        }
        let request = Request {
            size: rule.size,
            fields: rule.fields.clone(),
            owner: input.owner.clone(),
            bidders: self
                .bidders
                .iter()
                .map(|b| b.trim().to_string())
                .filter(|b| !b.is_empty())
                .collect(),
        };
        let pool: Vec<_> = input.pool.iter().map(|(c, _)| c.clone()).collect();
        let d = draw(&pool, &request, input.seed).map_err(|e| DomainError::InvalidState {
            message: format!("{e}（{}：{}）", rule.cite, rule.name),
        })?;
        let account = |id: i64| input.pool.iter().find(|(c, _)| c.id == id).and_then(|(_, u)| *u);
        let seats: Vec<(i64, i64)> =
            d.panel.iter().filter_map(|id| account(*id).map(|u| (*id, u))).collect();
        let users: Vec<UserId> = seats.iter().map(|(_, u)| UserId(*u)).collect();
        let note = format!("从专家库抽取{}名专家组成{}", rule.size, rule.name);
        let run = self.run.get_or_init(|| RunStep::verb(Verb::Seat { users, note }));
        let decided = run.decide(at, input.run)?;
        Ok(DrawDecision {
            run: decided,
            step,
            since_ms,
            form: rule.id,
            seed: d.seed,
            request,
            drawn: Drawn { order: d.order, excluded: d.excluded, pool: pool.len() },
            seats,
        })
    }

    async fn write(&self, cx: &mut Cx<'_, Project>, d: DrawDecision) -> Result<Written> {
        let run = self.run.get().ok_or(DomainError::NotFound)?;
        run.write(cx, d.run).await?;
        let p = cx.record()?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO panels (project_id, step, since_ms, form, seed, request, drawn, drawn_by, at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(p.id.0)
        .bind(d.step.clone())
        .bind(d.since_ms)
        .bind(d.form.clone())
        .bind(d.seed.to_string())
        .bind(serde_json::to_string(&d.request).unwrap_or_default())
        .bind(serde_json::to_string(&d.drawn).unwrap_or_default())
        .bind(cx.who.principal.user_id.0)
        .bind(cx.who.now_ms)
        .fetch_one(&mut *cx.conn)
        .await?;
        for (seat, (expert, user)) in d.seats.iter().enumerate() {
            sqlx::query(
                "INSERT INTO panel_members (panel_id, expert_id, user_id, seat) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(*expert)
            .bind(*user)
            .bind(seat as i64 + 1)
            .execute(&mut *cx.conn)
            .await?;
        }
        // The audit record keeps what re-runs the draw: the seed, the request, the eligible
        // experts in the drawn order and who was excluded and why.
        let excluded: Vec<_> = d
            .drawn
            .excluded
            .iter()
            .map(|(id, why)| json!({ "expert": id, "reason": why, "label": why.label() }))
            .collect();
        let after = json!({
            "panel": id, "form": d.form, "step": d.step, "seed": d.seed.to_string(),
            "request": d.request, "pool": d.drawn.pool, "order": d.drawn.order,
            "excluded": excluded,
            "members": d.seats.iter().map(|(e, _)| *e).collect::<Vec<_>>(),
        });
        Ok(Written::part(Audited { object: Some(("panel", id.to_string())), before: None, after })
            .with_part(id))
    }
}

/// A member who cannot sit: recorded by the holder of the draw before the panel's step
/// begins, or by the member themselves (回避) while they have not signed. The next expert of
/// the same order with an active account takes the seat; one without is passed over, kept as
/// declined with the reason, so the members ever seated stay the order's head.
pub struct DeclineSeat {
    /// The member; for a member declining themselves, none (their own).
    pub expert: Option<i64>,
    pub reason: String,
    run: OnceLock<RunStep>,
}

impl DeclineSeat {
    pub fn new(expert: Option<i64>, reason: String) -> DeclineSeat {
        DeclineSeat { expert, reason, run: OnceLock::new() }
    }
}

#[derive(Default)]
pub struct DeclineInput {
    run: RunInput,
    panel: Option<Panel>,
    /// The member's expert id (theirs, for one declining themselves).
    expert: Option<i64>,
    /// Whether the panel's step has begun (the member declines there).
    begun: bool,
    /// The experts after the panel in the order, each with its active account, as far as the
    /// first with one.
    next: Vec<(i64, Option<i64>)>,
}

pub struct DeclineDecision {
    run: RunDecision,
    panel: i64,
    expert: i64,
    /// Passed over for want of an account, then the one who sits.
    skipped: Vec<i64>,
    replacement: (i64, i64),
    seat: i64,
}

impl Step<Project> for DeclineSeat {
    type Input = DeclineInput;
    type Decision = DeclineDecision;

    fn action(&self) -> String {
        "project.decline".into()
    }
    fn detail(&self) -> String {
        wrapped(&self.run)
    }
    async fn gather(&self, cx: &mut Cx<'_, Project>) -> Result<DeclineInput> {
        let run = probe().gather(cx).await?;
        let p = cx.record()?;
        let mut input = DeclineInput::default();
        if let Some(r) = run.run() {
            let progress = &r.progress;
            let here = progress.step(&r.route);
            if let Some(h) = here.filter(|h| h.panel.is_some()) {
                // At the panel's step: the panel drawn at the visit of the step before that
                // led here, i.e. the latest one of this project.
                let _ = h;
                input.begun = true;
                let latest: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(id) FROM panels WHERE project_id = $1")
                        .bind(p.id.0)
                        .fetch_one(&mut *cx.conn)
                        .await?;
                if let Some(id) = latest {
                    input.panel = super::panels_where(cx.conn, "p.id = $1", id).await?.pop();
                }
                input.expert = expert_of(cx.conn, cx.who.principal.user_id).await?;
            } else if let Some((at, _)) = draw_step(cx, &run) {
                input.panel = panel_at(cx.conn, p.id.0, &at.0, at.1).await?;
                input.expert = self.expert;
            }
        }
        if let Some(panel) = &input.panel {
            let mut out = Vec::new();
            let taken: Vec<i64> = panel.members.iter().map(|m| m.expert_id).collect();
            for id in panel.drawn.order.iter().filter(|id| !taken.contains(id)) {
                let account = account_of(cx.conn, *id).await?;
                out.push((*id, account));
                if account.is_some() {
                    break;
                }
            }
            input.next = out;
        }
        input.run = run;
        Ok(input)
    }

    fn decide(&self, at: At<'_, Project>, input: DeclineInput) -> Decided<DeclineDecision> {
        let n = self.reason.trim().chars().count();
        if n == 0 {
            return Err(DomainError::invalid("reason", "请填写回避或不能参加的理由"));
        }
        if n > REASON_MAX {
            return Err(DomainError::invalid("reason", "理由不能超过 500 个字"));
        }
        let (Some(panel), Some(expert)) = (input.panel.as_ref(), input.expert) else {
            probe().decide(at, input.run)?;
            return Err(DomainError::InvalidState {
                message: "本项目当前没有可登记回避的专家组".into(),
            });
        };
        let Some(member) = panel.sitting().find(|m| m.expert_id == expert) else {
            return Err(DomainError::invalid("expert", "这名专家不在本专家组中"));
        };
        let Some((replacement, user)) = input.next.last().and_then(|(id, u)| u.map(|u| (*id, u)))
        else {
            return Err(DomainError::InvalidState {
                message: "专家库中符合条件的专家已全部抽完，没有可以递补的专家".into(),
            });
        };
        let skipped: Vec<i64> =
            input.next.iter().filter(|(_, u)| u.is_none()).map(|(id, _)| *id).collect();
        let reason = self.reason.trim().to_string();
        let verb = if input.begun {
            Verb::Decline { replacement: UserId(user), reason: reason.clone() }
        } else {
            let users = panel
                .sitting()
                .map(|m| {
                    UserId(if m.expert_id == expert { user } else { m.user_id.unwrap_or(user) })
                })
                .collect();
            Verb::Seat {
                users, note: format!("{}不能参加（{reason}），由下一名递补", member.name)
            }
        };
        let run = self.run.get_or_init(|| RunStep::verb(verb));
        let decided = run.decide(at, input.run)?;
        Ok(DeclineDecision {
            run: decided,
            panel: panel.id,
            expert,
            skipped,
            replacement: (replacement, user),
            seat: member.seat,
        })
    }

    async fn write(&self, cx: &mut Cx<'_, Project>, d: DeclineDecision) -> Result<Written> {
        let run = self.run.get().ok_or(DomainError::NotFound)?;
        run.write(cx, d.run).await?;
        let now = cx.who.now_ms;
        let reason = self.reason.trim().to_string();
        sqlx::query(
            "UPDATE panel_members SET declined_at_ms = $3, reason = $4 WHERE panel_id = $1 AND expert_id = $2",
        )
        .bind(d.panel)
        .bind(d.expert)
        .bind(now)
        .bind(reason.clone())
        .execute(&mut *cx.conn)
        .await?;
        for id in &d.skipped {
            sqlx::query(
                "INSERT INTO panel_members (panel_id, expert_id, seat, declined_at_ms, reason) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(d.panel)
            .bind(*id)
            .bind(d.seat)
            .bind(now)
            .bind(Exclusion::NoAccount.label())
            .execute(&mut *cx.conn)
            .await?;
        }
        sqlx::query("INSERT INTO panel_members (panel_id, expert_id, user_id, seat) VALUES ($1, $2, $3, $4)")
            .bind(d.panel)
            .bind(d.replacement.0)
            .bind(d.replacement.1)
            .bind(d.seat)
            .execute(&mut *cx.conn)
            .await?;
        let after = json!({
            "panel": d.panel, "declined": d.expert, "reason": reason, "skipped": d.skipped,
            "replacement": d.replacement.0, "seat": d.seat,
        });
        Ok(Written::part(Audited {
            object: Some(("panel", d.panel.to_string())),
            before: None,
            after,
        })
        .with_part(d.panel))
    }
}
