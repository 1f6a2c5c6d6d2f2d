//! A plan's changes on the change path: the compiler starts a plan (assembled at once from the
//! projects it may take), adds, removes and sets the year's amounts while it compiles, sends
//! it along its route with the engine's verbs, and publishes it once approved — which records
//! 列入年度计划 on each of its projects that still qualifies and recomputes what follows from it
//! there (a line whose project no longer does is left out, with why).

use super::*;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written, stale_unless};
use crate::base::unless_unique;
use crate::china_today;
use govit_core::DomainError;
use govit_core::plan::default_year_amount;
use govit_core::policy::EventKind;
use govit_core::workflow::{Outcome, RunStatus};

use crate::projects::run::party_labels as labels;

/// Bumps the plan's lock at the version read, with its state as the run now stands.
async fn bump(conn: &mut AnyConnection, plan: &Plan, state: PlanStatus) -> Result<()> {
    let n = sqlx::query(
        "UPDATE plans SET version = version + 1, state = $1 WHERE id = $2 AND version = $3",
    )
    .bind(state.as_str())
    .bind(plan.id)
    .bind(plan.version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    stale_unless(conn, n, "plans", plan.id).await
}

/// Takes projects into a plan as they stand now, with their default amounts for its year.
async fn take_in(conn: &mut AnyConnection, plan_id: i64, year: i32, ids: &[i64]) -> Result<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.name, d.name AS department, p.period_start, p.period_end, p.investment_yuan, \
         p.fiscal_yuan, p.bank_loan_yuan, p.self_raised_yuan, p.other_yuan, p.yearly_budget FROM projects p \
         JOIN departments d ON d.id = p.owner_department_id WHERE p.id IN ({list})"
    )))
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let (start, end): (String, String) = (r.try_get("period_start")?, r.try_get("period_end")?);
        let period = ConstructionPeriod {
            start: YearMonth::parse(&start).unwrap_or(YearMonth { year, month: 1 }),
            end: YearMonth::parse(&end).unwrap_or(YearMonth { year, month: 12 }),
        };
        let investment = Yuan(r.try_get("investment_yuan")?);
        // The year's amount as declared (分年度投资计划), else its share of the months.
        let declared = govit_core::declaration::Declaration::yearly_from_stored(
            &r.try_get::<String, _>("yearly_budget")?,
        );
        let amount = match declared.iter().find(|(y, _)| *y == year) {
            Some((_, a)) => *a,
            None => default_year_amount(&period, investment, year),
        };
        sqlx::query(
            "INSERT INTO plan_lines (plan_id, project_id, name, department, period_start, period_end, \
             investment_yuan, fiscal_yuan, bank_loan_yuan, self_raised_yuan, other_yuan, year_amount_yuan) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(plan_id)
        .bind(r.try_get::<i64, _>("id")?)
        .bind(r.try_get::<String, _>("name")?)
        .bind(r.try_get::<String, _>("department")?)
        .bind(start)
        .bind(end)
        .bind(investment.0)
        .bind(r.try_get::<i64, _>("fiscal_yuan")?)
        .bind(r.try_get::<i64, _>("bank_loan_yuan")?)
        .bind(r.try_get::<i64, _>("self_raised_yuan")?)
        .bind(r.try_get::<i64, _>("other_yuan")?)
        .bind(amount.0.max(1))
        .execute(&mut *conn)
        .await?;
    }
    Ok(rows.len())
}

/// The compiler starts a plan of `kind` for `year` (`Target::New`), assembled from every
/// project it may take.
pub struct StartPlan {
    pub kind: PlanKind,
    pub year: i32,
    /// Empty: the profile's name of the plan, with the year.
    pub title: String,
}

/// What starting a plan reads.
#[derive(Default)]
pub struct StartInput {
    profile: String,
    route: Option<Route>,
    parties: Vec<String>,
    /// The plan of that kind and year not yet published or refused, if any: (seq, state).
    open: Option<(i64, String)>,
    candidates: Vec<i64>,
    title: String,
    compilers: String,
    /// What the profile's `enter_plan` gates ask of a project an annual plan takes, with
    /// their articles (lhasa:7's pre-review).
    entry: Vec<String>,
}

impl Step<Plan> for StartPlan {
    type Input = StartInput;
    /// The title, and the projects the plan takes in.
    type Decision = (String, Vec<i64>);

    fn action(&self) -> String {
        "plan.start".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Plan>) -> Result<StartInput> {
        let j = cx.who.principal.jurisdiction_id;
        let profile: String =
            sqlx::query_scalar("SELECT profile_id FROM jurisdictions WHERE id = $1")
                .bind(j.0)
                .fetch_one(&mut *cx.conn)
                .await?;
        let (route, title) = {
            let rules = cx.store.rules();
            let p = rules.profile(&profile);
            let route = p.and_then(|p| plan::route(p, self.kind));
            let name = p
                .and_then(|p| p.labels.stages.get(self.kind.stage().as_str()).cloned())
                .unwrap_or_else(|| self.kind.label().to_string());
            // 2027 + 年度计划 reads 2027年度计划, not 2027年年度计划.
            let title = match name.starts_with("年度") {
                true => format!("{}{name}", self.year),
                false => format!("{}年{name}", self.year),
            };
            (route, title)
        };
        let entry: Vec<String> = match self.kind {
            PlanKind::Annual => {
                let rules = cx.store.rules();
                rules
                    .profile(&profile)
                    .map(|p| {
                        p.gates
                            .iter()
                            .filter(|g| g.action == govit_core::policy::GatedAction::EnterPlan)
                            .map(|g| format!("{}（{}）", g.text, g.cite))
                            .collect()
                    })
                    .unwrap_or_default()
            }
            PlanKind::Supplementary => Vec::new(),
        };
        let compilers = route
            .as_ref()
            .and_then(|r| r.steps.first())
            .map(|s| labels(cx.store, &profile, &s.parties))
            .unwrap_or_default();
        let open: Option<(i64, String)> = sqlx::query_as(
            "SELECT seq, state FROM plans WHERE jurisdiction_id = $1 AND year = $2 AND kind = $3 \
             AND state NOT IN ('published', 'rejected') ORDER BY seq LIMIT 1",
        )
        .bind(j.0)
        .bind(i64::from(self.year))
        .bind(self.kind.as_str())
        .fetch_optional(&mut *cx.conn)
        .await?;
        let parties = plan_parties(cx.conn, cx.who.principal, j).await?;
        let candidates = match (1990..=2200).contains(&self.year) {
            true => {
                candidate_ids(cx.store, cx.conn, &profile, j, self.kind, self.year, Among::All)
                    .await?
            }
            false => Vec::new(),
        };
        Ok(StartInput { profile, route, parties, open, candidates, title, compilers, entry })
    }
    fn decide(&self, _: At<'_, Plan>, input: StartInput) -> Decided<(String, Vec<i64>)> {
        let Some(route) = &input.route else {
            return Err(DomainError::InvalidState {
                message: format!("本辖区的规定没有由主管部门编制{}的程序", self.kind.label()),
            });
        };
        let first = &route.steps[0];
        if !first.parties.iter().any(|k| input.parties.contains(k)) {
            return Err(DomainError::Forbidden(format!(
                "{}由{}编制（{}）",
                self.kind.label(),
                input.compilers,
                first.cite
            )));
        }
        if !(2000..=2100).contains(&self.year) {
            return Err(DomainError::invalid("year", "计划年度应为 2000 至 2100 年之间的年份"));
        }
        let title = match self.title.trim() {
            "" => input.title.clone(),
            t => govit_core::error::within("title", "计划名称", t, 100)?,
        };
        if let Some((seq, state)) = &input.open {
            let state = PlanStatus::parse(state).map_or("", |s| s.label());
            return Err(DomainError::InvalidState {
                message: format!(
                    "{} 年已有{}（第 {seq} 号，{state}），请在其上继续；同一年度同时只能有一个未发布的{}",
                    self.year,
                    self.kind.label(),
                    self.kind.label()
                ),
            });
        }
        // A later batch of the year's plan (第 2 号 …) takes what the earlier ones did not.
        if input.candidates.is_empty() {
            return Err(DomainError::InvalidState {
                message: format!(
                    "没有可列入{} 年{}的项目：计划列入本年度内建设、已提交申报、未终止且未列入本年度其他计划的项目{}（{}）{}",
                    self.year,
                    self.kind.label(),
                    match self.kind {
                        PlanKind::Supplementary => "，增补计划只列入经认定为急需的项目",
                        PlanKind::Annual => "",
                    },
                    first.cite,
                    match input.entry.is_empty() {
                        true => String::new(),
                        false => format!("；列入年度计划还须符合：{}", input.entry.join("；")),
                    }
                ),
            });
        }
        let _ = &input.profile;
        Ok((title, input.candidates))
    }
    async fn write(
        &self, cx: &mut Cx<'_, Plan>, (title, candidates): (String, Vec<i64>),
    ) -> Result<Written> {
        let (conn, who) = (&mut *cx.conn, cx.who);
        let j = who.principal.jurisdiction_id.0;
        let profile: String =
            sqlx::query_scalar("SELECT profile_id FROM jurisdictions WHERE id = $1")
                .bind(j)
                .fetch_one(&mut *conn)
                .await?;
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM plans WHERE jurisdiction_id = $1 AND year = $2 AND kind = $3",
        )
        .bind(j)
        .bind(i64::from(self.year))
        .bind(self.kind.as_str())
        .fetch_one(&mut *conn)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO plans (jurisdiction_id, profile_id, kind, year, seq, title, state, created_by, created_at_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, 'drafting', $7, $8, 1) RETURNING id",
        )
        .bind(j)
        .bind(profile)
        .bind(self.kind.as_str())
        .bind(i64::from(self.year))
        .bind(seq)
        .bind(title.clone())
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| {
            unless_unique(e, || DomainError::InvalidState {
                message: "另一份计划刚刚建立，请刷新后查看".into(),
            })
        })?;
        let n = take_in(conn, id, self.year, &candidates).await?;
        let after =
            json!({"kind": self.kind, "year": self.year, "seq": seq, "title": title, "lines": n});
        Ok(Written { created: Some(id), ..Written::part(Audited::of(None, after)) })
    }
}

/// What compiling does to a plan's lines.
#[derive(Debug, Clone)]
pub enum LineChange {
    /// Takes in these projects (each must be one the plan may take).
    Add(Vec<i64>),
    Remove(i64),
    /// Sets the amount arranged for the year.
    Amount(i64, Yuan),
}

/// A change to the lines of a plan being compiled, at the version the compiler saw.
pub struct EditLines(pub LineChange);

#[derive(Default)]
pub struct EditInput {
    holds: bool,
    /// For an addition: those of the ids the plan may take.
    takeable: Vec<i64>,
    /// For a removal or an amount: the line.
    line: Option<PlanLine>,
    /// For an addition: the ids the plan could take but for an `enter_plan` gate of the
    /// profile, each with the gate's refusal.
    gated: Vec<(i64, govit_core::obligation::GateRefusal)>,
}

impl Step<Plan> for EditLines {
    type Input = EditInput;
    type Decision = ();

    fn action(&self) -> String {
        match self.0 {
            LineChange::Add(_) => "plan.add_projects",
            LineChange::Remove(_) => "plan.remove_project",
            LineChange::Amount(..) => "plan.set_amount",
        }
        .into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Plan>) -> Result<EditInput> {
        let plan = cx.record()?;
        let run = run_of(cx.store, cx.conn, plan).await?;
        let parties = plan_parties(cx.conn, cx.who.principal, plan.jurisdiction_id).await?;
        let holds = run.progress.holds(Actor { user: cx.who.principal.user_id, parties: &parties });
        let mut input = EditInput { holds, ..EditInput::default() };
        match &self.0 {
            LineChange::Add(ids) => {
                let (j, kind, year) = (plan.jurisdiction_id, plan.kind, plan.year);
                let profile = &plan.profile_id;
                (input.takeable, input.gated) =
                    candidates(cx.store, cx.conn, profile, j, kind, year, Among::Only(ids)).await?;
            }
            LineChange::Remove(pid) | LineChange::Amount(pid, _) => {
                input.line =
                    lines_of(cx.conn, plan.id).await?.into_iter().find(|l| l.project_id.0 == *pid);
            }
        }
        Ok(input)
    }
    fn decide(&self, at: At<'_, Plan>, input: EditInput) -> Decided<()> {
        let plan = at.record()?;
        if plan.status != PlanStatus::Drafting {
            return Err(DomainError::InvalidState {
                message: format!(
                    "计划当前为“{}”，不能修改；报批后需修改的，请撤回或由审批方退回",
                    plan.status.label()
                ),
            });
        }
        if !input.holds {
            return Err(DomainError::Forbidden("只有编制本计划的单位可以修改计划".into()));
        }
        match &self.0 {
            LineChange::Add(ids) => {
                if ids.is_empty() {
                    return Err(DomainError::invalid("projects", "请选择要列入计划的项目"));
                }
                if let Some((bad, r)) = input.gated.first() {
                    return Err(DomainError::GateRefused {
                        cite: r.cite.clone(),
                        text: format!("项目 {bad} 不能列入年度计划：{}", r.text),
                    });
                }
                if let Some(bad) = ids.iter().find(|i| !input.takeable.contains(i)) {
                    return Err(DomainError::invalid(
                        "projects",
                        format!(
                            "项目 {bad} 不能列入本计划：只能列入本年度内建设、已提交申报、未终止且未列入本年度其他计划的项目{}",
                            if plan.kind == PlanKind::Supplementary {
                                "（增补计划只列入经认定为急需的项目）"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
                Ok(())
            }
            LineChange::Remove(_) => input.line.map(|_| ()).ok_or(DomainError::NotFound),
            LineChange::Amount(_, amount) => {
                let line = input.line.as_ref().ok_or(DomainError::NotFound)?;
                plan::check_year_amount(line, *amount)
            }
        }
    }
    async fn write(&self, cx: &mut Cx<'_, Plan>, _: ()) -> Result<Written> {
        let plan = cx.record()?;
        let conn = &mut *cx.conn;
        let after = match &self.0 {
            LineChange::Add(ids) => {
                take_in(conn, plan.id, plan.year, ids).await?;
                json!({"added": ids})
            }
            LineChange::Remove(pid) => {
                sqlx::query("DELETE FROM plan_lines WHERE plan_id = $1 AND project_id = $2")
                    .bind(plan.id)
                    .bind(*pid)
                    .execute(&mut *conn)
                    .await?;
                json!({"removed": pid})
            }
            LineChange::Amount(pid, amount) => {
                sqlx::query("UPDATE plan_lines SET year_amount_yuan = $1 WHERE plan_id = $2 AND project_id = $3")
                    .bind(amount.0)
                    .bind(plan.id)
                    .bind(*pid)
                    .execute(&mut *conn)
                    .await?;
                json!({"project_id": pid, "year_amount_yuan": amount.0})
            }
        };
        bump(conn, plan, PlanStatus::Drafting).await?;
        Ok(Written::part(Audited::of(None, after)))
    }
}

/// How many of the lines a plan could no longer take in a refused 报批 names.
const UNFIT_NAMED: usize = 10;

/// One act on a plan's route (报批 at the compiler's step, then 通过 / 退回 / 不予通过 by the
/// approvers, 撤回 by the sender), at the version the user saw.
pub struct PlanAct(pub Verb);

#[derive(Default)]
pub struct ActInput {
    run: Option<PlanRun>,
    parties: Vec<String>,
    lines: usize,
    holders: String,
    /// For the pass that sends the plan (报批): its lines it could no longer take.
    unfit: Vec<UnfitLine>,
}

impl Step<Plan> for PlanAct {
    type Input = ActInput;
    type Decision = (Act, Outcome, i64);

    fn action(&self) -> String {
        format!("plan.{}", self.0.kind().as_str())
    }
    async fn gather(&self, cx: &mut Cx<'_, Plan>) -> Result<ActInput> {
        let plan = cx.record()?;
        let run = run_of(cx.store, cx.conn, plan).await?;
        let parties = plan_parties(cx.conn, cx.who.principal, plan.jurisdiction_id).await?;
        let step = run.progress.step(&run.route);
        let holders =
            step.map(|s| labels(cx.store, &plan.profile_id, &s.parties)).unwrap_or_default();
        let sends = step.is_some_and(|s| run.route.sent_by(self.0.kind(), &s.key));
        let unfit = match sends {
            true => {
                let lines = lines_of(cx.conn, plan.id).await?;
                unfit_lines(cx.store, cx.conn, plan, &lines).await?
            }
            false => Vec::new(),
        };
        Ok(ActInput { run: Some(run), parties, lines: plan.lines, holders, unfit })
    }
    fn decide(&self, at: At<'_, Plan>, input: ActInput) -> Decided<Self::Decision> {
        let run = input.run.as_ref().ok_or(DomainError::NotFound)?;
        let kind = self.0.kind();
        if !PLAN_VERBS.contains(&kind) {
            return Err(DomainError::invalid("verb", "计划的报批只能通过、退回、不予通过或撤回"));
        }
        let actor = Actor { user: at.who.principal.user_id, parties: &input.parties };
        if kind == VerbKind::Pass
            && run.progress.current == 0
            && input.lines == 0
            && run.progress.holds(actor)
        {
            return Err(DomainError::InvalidState {
                message: "计划中还没有项目，不能报批".into()
            });
        }
        if !input.unfit.is_empty() && run.progress.holds(actor) {
            // The first few by name; the plan's page lists them all.
            let n = input.unfit.len();
            let mut list: Vec<String> = input
                .unfit
                .iter()
                .take(UNFIT_NAMED)
                .map(|u| format!("项目 {}「{}」：{}", u.project_id.0, u.name, u.reason))
                .collect();
            if n > UNFIT_NAMED {
                list.push(format!("另有 {} 个见计划页面", n - UNFIT_NAMED));
            }
            return Err(DomainError::InvalidState {
                message: format!(
                    "计划中有 {n} 个项目已不再符合列入条件，请先移出后再报批。{}",
                    list.join("；")
                ),
            });
        }
        crate::projects::run::decide_on(
            &run.route,
            &run.progress,
            run.acts.len(),
            actor,
            &self.0,
            at.who.now_ms,
            crate::projects::run::Naming {
                holders: &input.holders,
                subject: "本计划",
                done: "计划的报批流程已办结",
            },
        )
    }
    async fn write(
        &self, cx: &mut Cx<'_, Plan>, (act, outcome, seq): Self::Decision,
    ) -> Result<Written> {
        let plan = cx.record()?;
        let conn = &mut *cx.conn;
        let which = crate::projects::run::Acts::Plan;
        crate::projects::run::keep_act_at(conn, which, plan.id, seq, &act, plan.version).await?;
        if matches!(act.verb.kind(), VerbKind::Pass | VerbKind::Return | VerbKind::Reject) {
            sign(cx.store, conn, plan, seq, &act).await?;
        }
        let state = plan::status(&outcome.progress, false);
        bump(conn, plan, state).await?;
        let after = json!({"step": act.step, "verb": act.verb, "state": state,
                           "completed": outcome.progress.status == RunStatus::Completed});
        Ok(Written::part(Audited::of(None, after)))
    }
    fn detail(&self) -> String {
        match &self.0 {
            Verb::Pass { note } => note.clone(),
            Verb::Return { reason, .. } | Verb::Reject { reason } => reason.clone(),
            _ => String::new(),
        }
    }
}

/// The compiler publishes an approved plan: each of its projects is then in the plan
/// (列入年度计划, from which `in_annual_plan` follows) — save those that no longer qualify by
/// the very check that took them in (`unfit_lines`: sent back to their unit, withdrawn,
/// refused or terminated while the plan was approved, or kept out by a gate since): their
/// lines stay, marked left out with why (`plan_lines.left_out`), and their projects are free
/// for a later plan of the year.
pub struct PublishPlan;

#[derive(Default)]
pub struct PublishInput {
    compiler: bool,
    compilers: String,
    cite: String,
    lines: Vec<PlanLine>,
    /// The lines whose projects no longer qualify (read as the plan's page reads them).
    unfit: Vec<UnfitLine>,
}

impl Step<Plan> for PublishPlan {
    type Input = PublishInput;
    /// The lines whose projects it puts in the plan, and those it leaves out (and why).
    type Decision = (Vec<PlanLine>, Vec<UnfitLine>);

    fn action(&self) -> String {
        "plan.publish".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Plan>) -> Result<PublishInput> {
        let plan = cx.record()?;
        let route = route_of(cx.store, plan);
        let parties = plan_parties(cx.conn, cx.who.principal, plan.jurisdiction_id).await?;
        let first = route.steps.first();
        let lines = lines_of(cx.conn, plan.id).await?;
        Ok(PublishInput {
            compiler: first.is_some_and(|s| s.parties.iter().any(|k| parties.contains(k))),
            compilers: first
                .map(|s| labels(cx.store, &plan.profile_id, &s.parties))
                .unwrap_or_default(),
            cite: first.map(|s| s.cite.clone()).unwrap_or_default(),
            unfit: unfit_lines(cx.store, cx.conn, plan, &lines).await?,
            lines,
        })
    }
    fn decide(&self, at: At<'_, Plan>, input: PublishInput) -> Decided<Self::Decision> {
        let plan = at.record()?;
        if plan.status != PlanStatus::Approved {
            return Err(DomainError::InvalidState {
                message: format!(
                    "计划当前为“{}”，批准后才能发布（{}）",
                    plan.status.label(),
                    input.cite
                ),
            });
        }
        if !input.compiler {
            return Err(DomainError::Forbidden(format!(
                "计划由编制单位{}发布（{}）",
                input.compilers, input.cite
            )));
        }
        // A project that no longer qualifies (sent back, withdrawn, refused, terminated, kept
        // out by a gate since) is not put in the plan: its line is kept, with why.
        let carried = kept(&input.lines, &input.unfit).cloned().collect();
        Ok((carried, input.unfit))
    }
    async fn write(
        &self, cx: &mut Cx<'_, Plan>, (carried, left_out): Self::Decision,
    ) -> Result<Written> {
        let plan = cx.record()?;
        let who = cx.who;
        let conn = &mut *cx.conn;
        let n = sqlx::query(
            "UPDATE plans SET version = version + 1, state = 'published', published_by = $1, published_at_ms = $2 \
             WHERE id = $3 AND version = $4",
        )
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .bind(plan.id)
        .bind(plan.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "plans", plan.id).await?;
        let today = china_today(who.now_ms);
        let note = format!("列入《{}》", plan.title);
        for u in &left_out {
            sqlx::query(
                "UPDATE plan_lines SET left_out = $1 WHERE plan_id = $2 AND project_id = $3",
            )
            .bind(u.reason.clone())
            .bind(plan.id)
            .bind(u.project_id.0)
            .execute(&mut *conn)
            .await?;
        }
        let mut published = Vec::new();
        for line in &carried {
            published.push(line.project_id.0);
            crate::projects::obligations::insert_milestone(
                conn,
                line.project_id,
                EventKind::PlanApproved,
                today,
                &note,
                who.principal.user_id.0,
                who.now_ms,
            )
            .await?;
            cx.store.project_events_changed(conn, line.project_id, who.now_ms).await?;
        }
        let left_out: Vec<_> = left_out
            .iter()
            .map(|u| json!({"project": u.project_id.0, "reason": u.reason}))
            .collect();
        let after = json!({"published": true, "projects": published, "left_out": left_out});
        Ok(Written::part(Audited::of(None, after)))
    }
}

/// Signs decision `seq` on the plan with the platform's key for its user, over the act, the
/// plan's lines as they stand and the earlier decisions' opinions (see `plan::SignedAct`).
async fn sign(
    store: &Store, conn: &mut AnyConnection, plan: &Plan, seq: i64, act: &Act,
) -> Result<()> {
    let lines = lines_of(conn, plan.id).await?;
    let earlier = super::acts_of(conn, plan.id).await?;
    let signed = plan::SignedAct {
        format: plan::SIGNED_FORMAT.into(),
        plan: plan.id,
        seq,
        step: act.step.clone(),
        verb: serde_json::to_string(&act.verb).unwrap_or_default(),
        user: act.user.0,
        at_ms: act.at_ms,
        lines: lines.len(),
        lines_sm3: plan::lines_digest(&lines),
        opinions: super::opinions_before(&earlier, seq),
    };
    let message = signed.message();
    let (public_key, signature) = store.sign_hex(&message)?;
    sqlx::query(
        "INSERT INTO plan_signatures (plan_id, seq, message, public_key, signature) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(plan.id)
    .bind(seq)
    .bind(message)
    .bind(public_key)
    .bind(signature)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
