//! `govit bench-data`: a large synthetic jurisdiction per profile, written in bulk, for
//! benchmarks and for trying the UI at scale.

use crate::Who;
use crate::accounts::NewUser;
use crate::base::audit_log::Change;
use crate::projects::obligations::insert_milestone;
use crate::{Actor, Result, Store};
use govit_core::ids::{ProjectId, UserId};
use govit_core::org::Principal;
use govit_core::org::{PartyKind, Role, ScopeKind};
use govit_core::policy::EventKind;
use govit_core::project::ProjectStatus;
use govit_core::synthetic::{DEPARTMENTS, Rng, project};
use govit_core::workflow::Verb;

#[derive(Debug, Clone)]
pub struct Generated {
    pub jurisdictions: Vec<String>,
    pub projects: usize,
    pub obligations: usize,
    /// Open tasks of the projects' paths (a submitted yeji project waits on five parties).
    pub tasks: usize,
    /// (login, password) of a reviewer per jurisdiction, to look around.
    pub accounts: Vec<(String, String)>,
}

const STATUSES: [&str; 4] = ["draft", "submitted", "returned", "approved"];

/// The owner unit's passes of the steps a synthetic subject's route begins with that are its
/// own: what it has sent, the rest waiting on the next party.
fn owner_passes(
    route: &govit_core::workflow::Route, by: UserId, at_ms: i64,
) -> Vec<govit_core::workflow::Act> {
    let owner = crate::projects::run::OWNER;
    route
        .steps
        .iter()
        .take_while(|s| s.parties.iter().all(|p| p == owner))
        .map(|s| govit_core::workflow::Act {
            at_ms,
            user: by,
            parties: vec![owner.to_string()],
            step: s.key.clone(),
            verb: Verb::Pass { note: String::new() },
        })
        .collect()
}

/// Keeps a synthetic subject's acts, numbered from 1.
async fn keep_acts(
    conn: &mut sqlx::AnyConnection, which: crate::projects::run::Acts, id: i64,
    acts: &[govit_core::workflow::Act],
) -> Result<()> {
    for (i, act) in acts.iter().enumerate() {
        crate::projects::run::keep_act(conn, which, id, i as i64 + 1, act).await?;
    }
    Ok(())
}

/// Noon of that day in Beijing, in Unix milliseconds.
fn beijing_noon_ms(d: chrono::NaiveDate) -> i64 {
    d.and_hms_opt(4, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis())
}

impl Store {
    /// An approved synthetic project's report of last quarter, as its profile's run leaves it
    /// once the owner unit has sent it: waiting on the authority's 备案 (yeji), reported (the
    /// owner's step is the only one) or recorded (the profile files none).
    async fn seed_report(
        &self, conn: &mut sqlx::AnyConnection, id: ProjectId, jurisdiction: i64, profile: &str,
        by: UserId, at_ms: i64,
    ) -> Result<()> {
        let today = crate::china_today(at_ms);
        use crate::progress::Report;
        use crate::projects::run::subject::projection;
        let route = crate::progress::route_of(self, profile);
        let acts = owner_passes(&route, by, at_ms);
        let progress = govit_core::workflow::replay(&route, at_ms, &acts);
        let (state, waiting) = projection::<Report>(&route, &progress, false);
        let period = govit_core::progress::Quarter::of(today).previous().code();
        let report: i64 = sqlx::query_scalar(
            "INSERT INTO progress_reports (project_id, jurisdiction_id, period, content, progress, expected_on, \
             invested_yuan, head, contact, phone, mobile, email, state, waiting_on, created_by, created_at_ms, version) \
             VALUES ($1, $2, $3, '合成数据', '按计划推进', $4, 0, '张建华', '李明', '0564-6661234', '', '', $5, $6, $7, $8, 1) \
             RETURNING id",
        )
        .bind(id.0)
        .bind(jurisdiction)
        .bind(period)
        .bind((today + chrono::Days::new(180)).to_string())
        .bind(state)
        .bind(waiting)
        .bind(by.0)
        .bind(at_ms)
        .fetch_one(&mut *conn)
        .await?;
        keep_acts(conn, crate::projects::run::Acts::Progress, report, &acts).await
    }

    /// An approved synthetic project's acceptance, as its profile's run leaves it once the owner
    /// unit has passed its own first steps (初步验收, the application): waiting on the party that
    /// accepts (yeji's authority and trading centre, lhasa's authority and archives …). Its
    /// steps' events are not written: the synthetic project's events are its own.
    async fn seed_acceptance(
        &self, conn: &mut sqlx::AnyConnection, id: ProjectId, jurisdiction: i64, profile: &str,
        investment: i64, (by, at_ms): (UserId, i64),
    ) -> Result<()> {
        use crate::acceptances::Acceptance;
        use crate::projects::run::subject::{facts_json, projection};
        let mut facts = govit_core::policy::Facts::new();
        facts.insert(govit_core::policy::Fact::InvestmentYuan, investment);
        let route = crate::acceptances::route_of(self, profile, &facts, false);
        let acts = owner_passes(&route, by, at_ms);
        let progress = govit_core::workflow::replay(&route, at_ms, &acts);
        let (state, waiting) = projection::<Acceptance>(&route, &progress, false);
        let acceptance: i64 = sqlx::query_scalar(
            "INSERT INTO project_acceptances (project_id, jurisdiction_id, attempt, summary, contact, phone, \
             after_preliminary, facts, state, waiting_on, created_by, created_at_ms, version) \
             VALUES ($1, $2, 1, '合成数据：已按批复建成', '李明', '0564-6661234', 0, $3, $4, $5, $6, $7, 1) \
             RETURNING id",
        )
        .bind(id.0)
        .bind(jurisdiction)
        .bind(facts_json(&facts))
        .bind(state)
        .bind(waiting)
        .bind(by.0)
        .bind(at_ms)
        .fetch_one(&mut *conn)
        .await?;
        keep_acts(conn, crate::projects::run::Acts::Acceptance, acceptance, &acts).await
    }

    /// An approved synthetic project's payment request, sent by its owner unit and waiting on
    /// the next party of its profile's payment stage (yeji's authority, the others' finance).
    async fn seed_payment(
        &self, conn: &mut sqlx::AnyConnection, id: ProjectId, jurisdiction: i64, profile: &str,
        investment: i64, (by, at_ms): (UserId, i64),
    ) -> Result<()> {
        use crate::payments::Payment;
        use crate::projects::run::subject::{facts_json, projection};
        let facts = govit_core::policy::Facts::new();
        let route = crate::payments::route_of(self, profile, &facts);
        if route.steps.is_empty() {
            return Ok(());
        }
        let acts = owner_passes(&route, by, at_ms);
        let progress = govit_core::workflow::replay(&route, at_ms, &acts);
        let (state, waiting) = projection::<Payment>(&route, &progress, false);
        let payment: i64 = sqlx::query_scalar(
            "INSERT INTO project_payments (project_id, jurisdiction_id, seq, kind, amount_yuan, payee, \
             purpose, facts, state, waiting_on, created_by, created_at_ms, version) \
             VALUES ($1, $2, 1, 'advance', $3, '合成数据承建公司', '合成数据：合同预付款', $4, $5, $6, $7, $8, 1) \
             RETURNING id",
        )
        .bind(id.0)
        .bind(jurisdiction)
        .bind((investment / 10).max(1))
        .bind(facts_json(&facts))
        .bind(state)
        .bind(waiting)
        .bind(by.0)
        .bind(at_ms)
        .fetch_one(&mut *conn)
        .await?;
        keep_acts(conn, crate::projects::run::Acts::Payment, payment, &acts).await
    }

    /// An approved synthetic project's construction contract with firm `firm`, sent for filing
    /// by its owner unit and waiting on the next party of its profile's filing (or only
    /// recorded, where the profile files none).
    #[allow(clippy::too_many_arguments)]
    async fn seed_contract(
        &self, conn: &mut sqlx::AnyConnection, id: ProjectId, jurisdiction: i64, profile: &str,
        investment: i64, firm: i64, (by, at_ms): (UserId, i64),
    ) -> Result<()> {
        use crate::contracts::Contract;
        use crate::projects::run::subject::projection;
        use govit_core::contract::ContractKind;
        let route = crate::contracts::route_of(self, profile, ContractKind::Construction);
        let acts = owner_passes(&route, by, at_ms);
        let progress = govit_core::workflow::replay(&route, at_ms, &acts);
        let (state, waiting) = projection::<Contract>(&route, &progress, false);
        let signed = crate::china_today(at_ms);
        let ends = signed + chrono::Days::new(365);
        let contract: i64 = sqlx::query_scalar(
            "INSERT INTO contracts (project_id, jurisdiction_id, kind, firm_id, title, method, \
             amount_yuan, signed_on, starts_on, ends_on, om_months, deliverables, ownership, \
             termination, state, waiting_on, created_by, created_at_ms, version) \
             VALUES ($1, $2, 'construction', $3, '合成数据建设合同', 'open_tender', $4, $5, $5, $6, 36, \
             'design_docs,source_code,test_docs', '系统及数据所有权归业主单位', \
             '承建单位严重违约时业主单位可终止合同', $7, $8, $9, $10, 1) RETURNING id",
        )
        .bind(id.0)
        .bind(jurisdiction)
        .bind(firm)
        .bind((investment / 10 * 9).max(1))
        .bind(signed.to_string())
        .bind(ends.to_string())
        .bind(state)
        .bind(waiting)
        .bind(by.0)
        .bind(at_ms)
        .fetch_one(&mut *conn)
        .await?;
        keep_acts(conn, crate::projects::run::Acts::Contract, contract, &acts).await
    }

    /// An approved synthetic project's funds suspended under the first sanction of its profile
    /// that names 暂停拨付资金 or 终止项目 — the measure as it stands, for the dashboard's counts.
    async fn seed_measure(
        &self, conn: &mut sqlx::AnyConnection, id: ProjectId, jurisdiction: i64, profile: &str,
        (by, at_ms): (UserId, i64),
    ) -> Result<()> {
        use govit_core::policy::SanctionStep;
        let rule = self.rules().profile(profile).and_then(|p| {
            p.sanctions.iter().find_map(|r| {
                let ms = govit_core::sanction::measures(r);
                ms.iter()
                    .find(|s| {
                        matches!(s, SanctionStep::SuspendFunds | SanctionStep::SuspendProject)
                    })
                    .map(|s| (r.id.clone(), r.cite.clone(), *s))
            })
        });
        let Some((rule, cite, step)) = rule else { return Ok(()) };
        sqlx::query(
            "INSERT INTO project_measures (project_id, jurisdiction_id, rule_id, cite, step, \
             reason, taken_by, taken_at_ms, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
        )
        .bind(id.0)
        .bind(jurisdiction)
        .bind(rule)
        .bind(cite)
        .bind(step.as_str())
        .bind("合成数据：逾期不整改")
        .bind(by.0)
        .bind(at_ms)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// An approved synthetic project's O&M fund application, sent by its owner unit and
    /// waiting on the next party of its profile's `om_fund_application` stage.
    async fn seed_submission(
        &self, conn: &mut sqlx::AnyConnection, id: ProjectId, jurisdiction: i64, profile: &str,
        investment: i64, (by, at_ms): (UserId, i64),
    ) -> Result<()> {
        use crate::projects::run::subject::{facts_json, projection};
        use crate::submissions::Submission;
        use govit_core::policy::Stage;
        let facts = govit_core::policy::Facts::new();
        let stage = Stage::OmFundApplication;
        let route = crate::submissions::route_of(self, profile, stage, &facts);
        if route.steps.is_empty() {
            return Ok(());
        }
        let title = self
            .rules()
            .profile(profile)
            .map_or_else(|| stage.label().to_string(), |p| p.stage_label(stage));
        let acts = owner_passes(&route, by, at_ms);
        let progress = govit_core::workflow::replay(&route, at_ms, &acts);
        let (state, waiting) = projection::<Submission>(&route, &progress, false);
        let submission: i64 = sqlx::query_scalar(
            "INSERT INTO project_submissions (project_id, jurisdiction_id, stage, title, seq, \
             amount_yuan, day, body, facts, state, waiting_on, created_by, created_at_ms, version) \
             VALUES ($1, $2, $3, $4, 1, $5, NULL, '合成数据：下一年度运维经费申请', $6, $7, $8, $9, $10, 1) \
             RETURNING id",
        )
        .bind(id.0)
        .bind(jurisdiction)
        .bind(stage.as_str())
        .bind(title)
        .bind((investment / 20).max(1))
        .bind(facts_json(&facts))
        .bind(state)
        .bind(waiting)
        .bind(by.0)
        .bind(at_ms)
        .fetch_one(&mut *conn)
        .await?;
        keep_acts(conn, crate::projects::run::Acts::Submission, submission, &acts).await
    }

    /// Starts a synthetic project's path as a real one stands: a submitted project has its
    /// declaration passed on `sent` (the first step of its route) and waits on the next step's
    /// parties; a draft waits on its owner. Returns the open task rows written.
    async fn seed_run(
        &self, conn: &mut sqlx::AnyConnection, id: ProjectId, by: UserId, sent: Option<i64>,
    ) -> Result<usize> {
        let Some(mut p) = crate::projects::fetch(conn, id).await? else { return Ok(0) };
        if let Some(at) = sent.filter(|_| p.status == ProjectStatus::Submitted) {
            let run = crate::projects::run::run_of(self, conn, &p).await?;
            let act = govit_core::workflow::Act {
                at_ms: at,
                user: by,
                parties: vec![crate::projects::run::OWNER.to_string()],
                step: run.route.steps.first().map(|s| s.key.clone()).unwrap_or_default(),
                verb: Verb::Pass { note: String::new() },
            };
            crate::projects::run::write_act(conn, id, 1, &act).await?;
            crate::projects::act_written(self, conn, &p, 1, &act, Some(&[]), None).await?;
            sqlx::query("UPDATE projects SET submitted_at_ms = $1 WHERE id = $2")
                .bind(at)
                .bind(id.0)
                .execute(&mut *conn)
                .await?;
            p.submitted_at_ms = Some(at);
        }
        crate::projects::run::refresh_tasks(self, conn, &p, None, None, true).await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM run_tasks WHERE project_id = $1")
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await?;
        Ok(n as usize)
    }

    /// Generates `projects` projects spread over one jurisdiction per loaded profile.
    pub async fn generate_synthetic(
        &self, actor: &Actor, now_ms: i64, projects: usize, seed: u64,
    ) -> Result<Generated> {
        let today = crate::china_today(now_ms);
        let profiles: Vec<String> = self.rules().profiles.keys().cloned().collect();
        let per = projects.div_ceil(profiles.len().max(1));
        let mut rng = Rng::new(seed);
        let mut out = Generated {
            jurisdictions: vec![],
            projects: 0,
            obligations: 0,
            tasks: 0,
            accounts: vec![],
        };
        for (pi, profile) in profiles.iter().enumerate() {
            let code = format!("bench-{profile}-{seed}");
            if self.jurisdiction_by_code(&code).await?.is_some() {
                continue;
            }
            let j = self
                .create_jurisdiction(
                    actor,
                    now_ms,
                    &code,
                    &format!("合成辖区（{profile}）"),
                    profile,
                )
                .await?;
            let authority = self
                .create_department(
                    actor,
                    now_ms,
                    j,
                    None,
                    &format!("{code}-auth"),
                    "政务信息管理局",
                    &[PartyKind::Authority, PartyKind::DataCenter],
                )
                .await?;
            self.create_department(
                actor,
                now_ms,
                j,
                None,
                &format!("{code}-fin"),
                "财政局",
                &[PartyKind::Finance],
            )
            .await?;
            let mut units = Vec::new();
            for (i, name) in DEPARTMENTS.iter().enumerate() {
                units.push(
                    self.create_department(
                        actor,
                        now_ms,
                        j,
                        None,
                        &format!("{code}-u{i}"),
                        name,
                        &[PartyKind::OwnerUnit],
                    )
                    .await?,
                );
            }
            let password = crate::accounts::generate_password();
            let reviewer = format!("{code}-reviewer");
            let creator = self
                .create_user(
                    Who::new(&Principal::operator(), actor, now_ms),
                    NewUser {
                        jurisdiction_id: j,
                        login: reviewer.clone(),
                        name: "合成数据审核人".into(),
                        department_id: Some(authority),
                        firm_id: None,
                        expert_id: None,
                        roles: vec![Role::Reviewer],
                        scope: ScopeKind::All,
                        listed_departments: vec![],
                        password: password.clone(),
                        must_change_password: false,
                    },
                )
                .await?;
            out.accounts.push((reviewer, password));
            let count = if pi + 1 == profiles.len() {
                projects.saturating_sub(per * pi)
            } else {
                per.min(projects)
            };
            // The firm its projects' contracts are signed with.
            let firm: i64 = {
                let mut w = self.write().await?;
                let firm = sqlx::query_scalar(
                    "INSERT INTO firms (jurisdiction_id, kind, name) \
                     VALUES ($1, 'contractor', '合成数据承建公司') RETURNING id",
                )
                .bind(j.0)
                .fetch_one(&mut *w.tx)
                .await?;
                w.commit().await?;
                firm
            };
            let mut done = 0;
            while done < count {
                let batch = (count - done).min(500);
                let mut w = self.write().await?;
                for k in 0..batch {
                    let p = project(&mut rng, done + k, units.len(), today);
                    let d = p.investment.0;
                    let fiscal = d / 10 * 8;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO projects (jurisdiction_id, owner_department_id, profile_id, name, summary, period_start, \
                         period_end, investment_yuan, fiscal_yuan, bank_loan_yuan, self_raised_yuan, other_yuan, leader, contact, \
                         phone, email, remarks, status, created_by, created_at_ms, updated_at_ms, version) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, 0, '张建华', '李明', '0564-6661234', \
                         'bench@example.gov.cn', '', $11, $12, $13, $13, 1) RETURNING id",
                    )
                    .bind(j.0)
                    .bind(units[p.department].0)
                    .bind(profile.clone())
                    .bind(p.name.clone())
                    .bind(p.summary.clone())
                    .bind(p.period_start.format("%Y-%m").to_string())
                    .bind(p.period_end.format("%Y-%m").to_string())
                    .bind(d)
                    .bind(fiscal)
                    .bind(d - fiscal)
                    .bind(STATUSES[p.stage as usize])
                    .bind(creator.0)
                    .bind(now_ms)
                    .fetch_one(&mut *w.tx)
                    .await?;
                    for e in &p.events {
                        insert_milestone(
                            &mut w.tx,
                            ProjectId(id),
                            e.kind,
                            e.date,
                            "合成数据",
                            creator.0,
                            now_ms,
                        )
                        .await?;
                    }
                    out.obligations += self.recompute_in(&mut w.tx, ProjectId(id), now_ms).await?;
                    if STATUSES[p.stage as usize] == "approved" {
                        let at = now_ms - 86_400_000;
                        self.seed_report(&mut w.tx, ProjectId(id), j.0, profile, creator, at)
                            .await?;
                        // Half of them have a construction contract, sent for filing.
                        if id % 2 == 0 {
                            let invest = p.investment.0;
                            self.seed_contract(
                                &mut w.tx,
                                ProjectId(id),
                                j.0,
                                profile,
                                invest,
                                firm,
                                (creator, at),
                            )
                            .await?;
                        }
                        // A third of them are being accepted.
                        if id % 3 == 0 {
                            let invest = p.investment.0;
                            self.seed_acceptance(
                                &mut w.tx,
                                ProjectId(id),
                                j.0,
                                profile,
                                invest,
                                (creator, at),
                            )
                            .await?;
                        }
                        // Another third have asked for an advance payment.
                        if id % 3 == 1 {
                            let invest = p.investment.0;
                            self.seed_payment(
                                &mut w.tx,
                                ProjectId(id),
                                j.0,
                                profile,
                                invest,
                                (creator, at),
                            )
                            .await?;
                        }
                        // One in fifty has its funds suspended (the dashboard's measures).
                        if id % 50 == 7 {
                            self.seed_measure(
                                &mut w.tx,
                                ProjectId(id),
                                j.0,
                                profile,
                                (creator, at),
                            )
                            .await?;
                        }
                        // One in twenty-five was rated lower by the authority (the dashboard's
                        // given and stale ratings).
                        if id % 25 == 3 {
                            sqlx::query(
                                "INSERT INTO project_ratings (project_id, jurisdiction_id, level, \
                                 computed, reason, rated_on, rated_by, rated_at_ms, version) \
                                 VALUES ($1, $2, 2, 5, '合成数据：检查发现问题', $3, $4, $5, 1)",
                            )
                            .bind(id)
                            .bind(j.0)
                            .bind(crate::china_today(at).to_string())
                            .bind(creator.0)
                            .bind(at)
                            .execute(&mut *w.tx)
                            .await?;
                        }
                        // The last third have sent an O&M fund application.
                        if id % 3 == 2 {
                            let invest = p.investment.0;
                            self.seed_submission(
                                &mut w.tx,
                                ProjectId(id),
                                j.0,
                                profile,
                                invest,
                                (creator, at),
                            )
                            .await?;
                        }
                    } else {
                        let sent = p
                            .events
                            .iter()
                            .find(|e| e.kind == EventKind::DeclarationSubmitted)
                            .map(|e| beijing_noon_ms(e.date));
                        out.tasks += self.seed_run(&mut w.tx, ProjectId(id), creator, sent).await?;
                    }
                }
                w.commit().await?;
                done += batch;
            }
            out.projects += count;
            out.jurisdictions.push(code);
        }
        self.audit(
            actor,
            now_ms,
            Change::ok("jurisdiction", "*", "bench.generate")
                .detail(format!("生成合成数据 {} 个项目", out.projects)),
        )
        .await?;
        Ok(out)
    }
}
