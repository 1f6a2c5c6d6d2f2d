//! A submission's changes on the change path: the party its stage's route begins with (the
//! owner unit for a review, a self-evaluation or an O&M fund application; the authority for
//! yeji:29's post-evaluation) begins one on an approved project (`StartSubmission`), or
//! corrects it while it holds it — before sending it, after taking it back, or after a return
//! (`EditSubmission`). Its run then goes with the subject mechanism's acts
//! (`SubmissionAct`).

use super::*;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written, stale_unless};
use crate::projects::Project;
use crate::projects::run::subject::{facts_json, first_day, opening, projection};
use govit_core::DomainError;
use govit_core::policy::Profile;
use govit_core::submission::{SubmissionForm, not_editable};

/// Begin a submission of `stage` for project `project` (`Target::New`).
pub struct StartSubmission {
    pub project: ProjectId,
    pub stage: Stage,
    pub form: SubmissionForm,
}

/// Its first party corrects a submission at the version it saw.
pub struct EditSubmission {
    pub form: SubmissionForm,
}

/// The day project `project` passed its completion acceptance, if it did.
async fn accepted_on(
    conn: &mut sqlx::AnyConnection, project: ProjectId,
) -> Result<Option<chrono::NaiveDate>> {
    first_day(conn, project, EventKind::CompletionAcceptancePassed).await
}

/// Why a submission of `label` on `route` cannot begin on project `project` yet, if it cannot:
/// what its profile says must happen first has not (项目通过竣工验收后才能发起财评或审计).
/// A project terminated (`ended`) winds up without waiting for what would have come first: its
/// accounts and evaluation open with the termination.
pub(crate) async fn not_yet(
    conn: &mut sqlx::AnyConnection, project: ProjectId, profile: &Profile, route: &Route,
    label: &str, ended: Option<chrono::NaiveDate>,
) -> Result<Option<String>> {
    let winds_up =
        route.steps.first().and_then(|s| submission::kind(s.stage)).is_some_and(|k| k.winds_up);
    if ended.is_some() && winds_up {
        return Ok(None);
    }
    let Some((event, cite)) = submission::opens_after(profile, route) else { return Ok(None) };
    if first_day(conn, project, event).await?.is_some() {
        return Ok(None);
    }
    // The article of the deadline it waits on, or else of the stage's own rule.
    let cite = cite.or_else(|| route.steps.first().map(|s| s.cite.clone()));
    let cite = cite.map(|c| format!("（{c}）")).unwrap_or_default();
    Ok(Some(format!("项目{}后才能发起{label}{cite}", event.label())))
}

/// Why a submission of `stage` (`label`) cannot begin on a project terminated on `ended` (or
/// through its completion acceptance on `accepted`), if it cannot: only what winds the project
/// up begins after its termination, it is terminated once, and a project whose implementation
/// was accepted as complete is not terminated (linxiang:25 ends the implementation).
pub(crate) fn after_end(
    stage: Stage, ended: Option<chrono::NaiveDate>, accepted: Option<chrono::NaiveDate>,
    label: &str,
) -> Option<String> {
    if let (Stage::Termination, None, Some(day)) = (stage, ended, accepted) {
        return Some(format!("项目已于 {day} 通过竣工验收，实施已经完成，不能再{label}"));
    }
    let day = ended?;
    let winds_up = submission::kind(stage).is_some_and(|k| k.winds_up);
    match stage {
        Stage::Termination => Some(format!("项目已于 {day} 终止，不能再次{label}")),
        _ if !winds_up => Some(format!("项目已于 {day} 终止，不能再发起{label}")),
        _ => None,
    }
}

/// What project `project` may still return as surplus: what was paid to it, less its other
/// surplus returns (`except` the one being corrected) not refused.
async fn returnable(
    conn: &mut sqlx::AnyConnection, project: ProjectId, except: Option<i64>,
) -> Result<Yuan> {
    let paid: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_yuan), 0) AS BIGINT) FROM project_payments \
         WHERE project_id = $1 AND state = 'paid'",
    )
    .bind(project.0)
    .fetch_one(&mut *conn)
    .await?;
    let returned: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_yuan), 0) AS BIGINT) FROM project_submissions \
         WHERE project_id = $1 AND stage = 'surplus_return' AND state <> 'refused' AND id <> $2",
    )
    .bind(project.0)
    .bind(except.unwrap_or(0))
    .fetch_one(&mut *conn)
    .await?;
    Ok(Yuan(paid.saturating_sub(returned).max(0)))
}

/// A surplus return beyond what may be returned is refused, naming the field.
fn within_returnable(
    stage: Stage, terms: &SubmissionTerms, returnable: Yuan,
) -> std::result::Result<(), DomainError> {
    match terms.amount {
        Some(a) if stage == Stage::SurplusReturn && a.0 > returnable.0 => {
            Err(DomainError::invalid(
                "amount",
                format!(
                    "退回结余资金不能超过已拨付且尚未退回的资金（{} 万元）",
                    returnable.to_wan_string()
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// The ids of the sanctions of `profile` a rectification may be ordered under.
pub(crate) fn sanctions_of(profile: Option<&Profile>) -> Vec<String> {
    profile
        .map(|p| govit_core::sanction::rectifying(p).iter().map(|r| r.id.clone()).collect())
        .unwrap_or_default()
}

/// Who begins and corrects a submission of `stage` under `profile` (the first step's parties,
/// by their names), for refusals.
fn starters(profile: Option<&Profile>, route: &Route) -> String {
    let first = route.steps.first().map(|s| s.parties.clone()).unwrap_or_default();
    first
        .iter()
        .map(|k| profile.map_or_else(|| k.clone(), |p| p.party_label(k)))
        .collect::<Vec<_>>()
        .join("或")
}

/// The years from project `project`'s acceptance to this one (as of `now_ms`) that no yearly
/// submission of `stage` covers (refused ones aside); none before its acceptance.
pub(crate) async fn years_missing(
    conn: &mut sqlx::AnyConnection, project: ProjectId, stage: Stage, now_ms: i64,
) -> Result<Vec<i32>> {
    use chrono::Datelike;
    let Some(accepted) = accepted_on(conn, project).await? else { return Ok(Vec::new()) };
    let covered: Vec<i64> = sqlx::query_scalar(
        "SELECT covers_year FROM project_submissions WHERE project_id = $1 AND stage = $2 \
         AND covers_year IS NOT NULL AND state <> 'refused'",
    )
    .bind(project.0)
    .bind(stage.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let this = crate::base::china_today(now_ms).year();
    Ok((accepted.year()..=this).filter(|y| !covered.contains(&i64::from(*y))).collect())
}

/// How many of project `project`'s `stage` submissions not refused cover `year` (`except` the
/// one being corrected).
async fn covering(
    conn: &mut sqlx::AnyConnection, project: ProjectId, stage: Stage, year: &str, except: i64,
) -> Result<i64> {
    // Read as the form reads it (２０２６年度 too); a year it refuses is refused there.
    let Some(year) = submission::typed_year(year).map(i64::from) else { return Ok(0) };
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM project_submissions WHERE project_id = $1 \
         AND stage = $2 AND covers_year = $3 AND state <> 'refused' AND id <> $4",
    )
    .bind(project.0)
    .bind(stage.as_str())
    .bind(year)
    .bind(except)
    .fetch_one(&mut *conn)
    .await?)
}

/// A report of a year already covered is refused, naming the article of its stage.
fn once_a_year(
    terms: &SubmissionTerms, covered: i64, label: &str, route: &Route,
) -> std::result::Result<(), DomainError> {
    match terms.year {
        Some(y) if covered > 0 => {
            let cite = route.steps.first().map(|s| format!("（{}：每年出具一次）", s.cite));
            Err(DomainError::invalid(
                "year",
                format!("本项目 {y} 年度的{label}已出具{}", cite.unwrap_or_default()),
            ))
        }
        _ => Ok(()),
    }
}

/// What beginning a submission reads.
#[derive(Default)]
pub struct StartInput {
    project: Option<Project>,
    parties: Vec<String>,
    label: String,
    starters: String,
    facts: Facts,
    route: Route,
    /// The project's submissions of this stage so far, those still open, and those done.
    last_seq: i64,
    open: i64,
    done: i64,
    accepted: Option<chrono::NaiveDate>,
    /// What must have happened first and has not, said as a refusal.
    not_yet: Option<String>,
    /// What may still be returned as surplus: paid, less what was returned or is being.
    returnable: Yuan,
    /// The sanctions a rectification may be ordered under.
    rules: Vec<String>,
    /// What it scores.
    dimensions: Vec<govit_core::policy::ScoredDimension>,
    /// How many of its stage's submissions cover the year typed.
    covered: i64,
}

/// What a submission of `stage` scores under `profile` and `facts`.
fn dimensions_of(
    profile: Option<&Profile>, stage: Stage, facts: &Facts,
) -> Vec<govit_core::policy::ScoredDimension> {
    profile.map(|p| submission::dimensions(p, stage, facts)).unwrap_or_default()
}

/// Scores as kept: a JSON object by dimension id, or nothing.
pub(crate) fn scores_json(terms: &SubmissionTerms) -> Option<String> {
    (!terms.scores.is_empty()).then(|| serde_json::to_string(&terms.scores).unwrap_or_default())
}

/// What a submission decides: its terms, its number, and the route it takes.
pub struct Started {
    jurisdiction: i64,
    title: String,
    terms: SubmissionTerms,
    seq: i64,
    route: Route,
    facts: Facts,
}

impl Step<Submission> for StartSubmission {
    type Input = StartInput;
    type Decision = Started;

    fn action(&self) -> String {
        "submission.start".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Submission>) -> Result<StartInput> {
        let Some(o) = opening(cx, self.project).await? else {
            return Ok(StartInput::default());
        };
        let facts = cx.store.facts_of(cx.conn, &o.project).await?;
        let rules = cx.store.rules();
        let profile = rules.profile(&o.project.profile_id);
        let route = profile.map(|p| submission::route(p, self.stage, &facts)).unwrap_or_default();
        let (last_seq, open, done): (Option<i64>, i64, i64) = {
            let r = sqlx::query(
                "SELECT MAX(seq) AS last_seq, \
                 CAST(COALESCE(SUM(CASE WHEN state IN ('drafting', 'returned', 'reviewing') THEN 1 ELSE 0 END), 0) AS BIGINT) AS open, \
                 CAST(COALESCE(SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0) AS BIGINT) AS done \
                 FROM project_submissions WHERE project_id = $1 AND stage = $2 \
                 AND (stage <> 'rectification' OR rule_id = $3)",
            )
            .bind(o.project.id.0)
            .bind(self.stage.as_str())
            .bind(self.form.rule.trim().to_string())
            .fetch_one(&mut *cx.conn)
            .await?;
            (r.try_get("last_seq")?, r.try_get("open")?, r.try_get("done")?)
        };
        let accepted = accepted_on(cx.conn, o.project.id).await?;
        let label =
            profile.map_or_else(|| self.stage.label().into(), |p| p.stage_label(self.stage));
        let not_yet = match (after_end(self.stage, o.ended, accepted, &label), profile) {
            (Some(why), _) => Some(why),
            (None, Some(pr)) => not_yet(cx.conn, o.project.id, pr, &route, &label, o.ended).await?,
            (None, None) => None,
        };
        let returnable = returnable(cx.conn, o.project.id, None).await?;
        Ok(StartInput {
            covered: covering(cx.conn, o.project.id, self.stage, &self.form.year, 0).await?,
            dimensions: dimensions_of(profile, self.stage, &facts),
            rules: sanctions_of(profile),
            label,
            not_yet,
            returnable,
            starters: starters(profile, &route),
            project: Some(o.project),
            parties: o.parties,
            facts,
            route,
            last_seq: last_seq.unwrap_or(0),
            open,
            done,
            accepted,
        })
    }
    fn decide(&self, at: At<'_, Submission>, input: StartInput) -> Decided<Started> {
        let project = input.project.as_ref().ok_or(DomainError::NotFound)?;
        let label = &input.label;
        let Some(kind) = submission::kind(self.stage) else {
            return Err(DomainError::invalid("stage", "这一阶段不通过本功能办理"));
        };
        let Some(first) = input.route.steps.first() else {
            return Err(DomainError::InvalidState {
                message: format!("本辖区的规定没有“{label}”的办理程序"),
            });
        };
        if !first.parties.iter().any(|k| input.parties.contains(k)) {
            return Err(DomainError::Forbidden(format!("{label}由{}发起", input.starters)));
        }
        if project.status != govit_core::project::ProjectStatus::Approved {
            return Err(DomainError::InvalidState {
                message: format!(
                    "项目当前为“{}”，立项批复后才能发起{label}",
                    project.status.label()
                ),
            });
        }
        if let Some(why) = input.not_yet.clone() {
            return Err(DomainError::InvalidState { message: why });
        }
        if input.open > 0 {
            return Err(DomainError::InvalidState {
                message: format!("本项目已有正在办理的{label}，办结后才能再次发起"),
            });
        }
        if self.stage == Stage::FinancialReview && input.done > 0 {
            return Err(DomainError::InvalidState {
                message: format!("本项目已完成{label}")
            });
        }
        let today = crate::base::china_today(at.who.now_ms);
        let terms = self
            .form
            .parse(kind, today, input.accepted, &input.rules, &input.dimensions)
            .map_err(DomainError::Invalid)?;
        within_returnable(self.stage, &terms, input.returnable)?;
        once_a_year(&terms, input.covered, label, &input.route)?;
        Ok(Started {
            jurisdiction: project.jurisdiction_id.0,
            title: label.clone(),
            terms,
            seq: input.last_seq + 1,
            route: input.route.clone(),
            facts: input.facts.clone(),
        })
    }
    async fn write(&self, cx: &mut Cx<'_, Submission>, d: Started) -> Result<Written> {
        let who = cx.who;
        let (state, waiting) =
            projection::<Submission>(&d.route, &Progress::start(&d.route, who.now_ms), false);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO project_submissions (project_id, jurisdiction_id, stage, title, seq, \
             amount_yuan, day, body, facts, state, waiting_on, created_by, created_at_ms, version, \
             due_day, rule_id, scores, covers_year) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15, $16, $17) \
             RETURNING id",
        )
        .bind(self.project.0)
        .bind(d.jurisdiction)
        .bind(self.stage.as_str())
        .bind(d.title.clone())
        .bind(d.seq)
        .bind(d.terms.amount.map(|a| a.0))
        .bind(d.terms.day.map(|x| x.to_string()))
        .bind(d.terms.text.clone())
        .bind(facts_json(&d.facts))
        .bind(state)
        .bind(waiting)
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .bind(d.terms.due.map(|x| x.to_string()))
        .bind(d.terms.rule.clone())
        .bind(scores_json(&d.terms))
        .bind(d.terms.year.map(i64::from))
        .fetch_one(&mut *cx.conn)
        .await
        .map_err(|e| {
            crate::base::unless_unique(e, || DomainError::InvalidState {
                message: format!("本项目刚刚发起了{}，请刷新后查看", d.title),
            })
        })?;
        let mut line = match d.terms.year {
            Some(y) => format!("发起{y} 年度{}", d.title),
            None => format!("发起{}", d.title),
        };
        if d.seq > 1 {
            line.push_str(&format!("（第 {} 次）", d.seq));
        }
        if let Some(a) = d.terms.amount {
            line.push_str(&format!("：{} 万元", a.to_wan_string()));
        }
        if let Some(mean) = d.terms.mean_shown() {
            line.push_str(&format!("：平均 {mean} 分"));
        }
        crate::projects::note_on_timeline(
            cx.conn,
            who.principal,
            who.now_ms,
            self.project,
            ProjectAction::Submission,
            &line,
        )
        .await?;
        let after_json = json!({"project_id": self.project, "stage": self.stage, "seq": d.seq,
                                "terms": d.terms, "status": state});
        Ok(Written { created: Some(id), ..Written::part(Audited::of(None, after_json)) })
    }
}

/// What correcting a submission reads: whether the caller acts as its first party, who that
/// is, and the day its project was accepted.
#[derive(Default)]
pub struct EditInput {
    returnable: Yuan,
    holds: bool,
    starters: String,
    accepted: Option<chrono::NaiveDate>,
    rules: Vec<String>,
    dimensions: Vec<govit_core::policy::ScoredDimension>,
    covered: i64,
    route: Route,
}

impl Step<Submission> for EditSubmission {
    type Input = EditInput;
    type Decision = SubmissionTerms;

    fn action(&self) -> String {
        "submission.edit".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Submission>) -> Result<EditInput> {
        let s = cx.record()?.clone();
        let who = cx.who;
        let Some(p) = Project::load_visible(cx.conn, who, s.project_id.0).await? else {
            return Ok(EditInput::default());
        };
        let parties = crate::projects::run::acting_parties(cx.conn, who.principal, &p).await?;
        let route = s.route(cx.store);
        let rules = cx.store.rules();
        let first = route.steps.first().map(|x| x.parties.clone()).unwrap_or_default();
        Ok(EditInput {
            returnable: returnable(cx.conn, s.project_id, Some(s.id)).await?,
            holds: first.iter().any(|k| parties.contains(k)),
            starters: starters(rules.profile(&s.profile_id), &route),
            accepted: accepted_on(cx.conn, s.project_id).await?,
            rules: sanctions_of(rules.profile(&s.profile_id)),
            dimensions: dimensions_of(rules.profile(&s.profile_id), s.stage, &s.facts),
            covered: covering(cx.conn, s.project_id, s.stage, &self.form.year, s.id).await?,
            route,
        })
    }
    fn decide(&self, at: At<'_, Submission>, input: EditInput) -> Decided<SubmissionTerms> {
        let s = at.record()?;
        if !input.holds {
            return Err(DomainError::Forbidden(format!("{}由{}发起", s.title, input.starters)));
        }
        if let Some(why) = not_editable(s.status) {
            return Err(DomainError::InvalidState { message: format!("{}{why}", s.name()) });
        }
        let kind = s.kind().ok_or(DomainError::NotFound)?;
        let today = crate::base::china_today(at.who.now_ms);
        let terms = self
            .form
            .parse(kind, today, input.accepted, &input.rules, &input.dimensions)
            .map_err(DomainError::Invalid)?;
        within_returnable(s.stage, &terms, input.returnable)?;
        once_a_year(&terms, input.covered, &s.title, &input.route)?;
        Ok(terms)
    }
    async fn write(&self, cx: &mut Cx<'_, Submission>, terms: SubmissionTerms) -> Result<Written> {
        let s = cx.record()?.clone();
        let who = cx.who;
        let conn = &mut *cx.conn;
        let n = sqlx::query(
            "UPDATE project_submissions SET amount_yuan = $1, day = $2, body = $3, \
             due_day = $6, rule_id = $7, scores = $8, covers_year = $9, version = version + 1 \
             WHERE id = $4 AND version = $5",
        )
        .bind(terms.amount.map(|a| a.0))
        .bind(terms.day.map(|x| x.to_string()))
        .bind(terms.text.clone())
        .bind(s.id)
        .bind(s.version)
        .bind(terms.due.map(|x| x.to_string()))
        .bind(terms.rule.clone())
        .bind(scores_json(&terms))
        .bind(terms.year.map(i64::from))
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "project_submissions", s.id).await?;
        crate::projects::note_on_timeline(
            conn,
            who.principal,
            who.now_ms,
            s.project_id,
            ProjectAction::Submission,
            &format!("修改{}", s.name()),
        )
        .await?;
        Ok(Written::part(Audited::of(Some(json!({"terms": s.terms})), json!({"terms": terms}))))
    }
}
