//! 财评或审计, 绩效自评价, 后评价 and 运维经费申请 as the store keeps them: what a project sends
//! through a stage after its acceptance (`govit_core::submission`), numbered per stage, each
//! with what its kind states and its text, and the run of each along its profile's chain for
//! that stage (under the facts kept with it), folded from `submission_acts` by the subject
//! mechanism. The profile's `om_funds` gates stand in front of an O&M fund application; a
//! pass that would fulfil a duty before its window opens (lhasa:22) is refused by the
//! mechanism. See `steps`.

mod steps;

pub use steps::{EditSubmission, StartSubmission};

use crate::base::change::Record;
use crate::projects::run::Acts;
use crate::projects::run::subject::{Subject, SubjectAct, SubjectView, facts_from_json};
use crate::{Result, Store};
use govit_core::ids::{JurisdictionId, ProjectId};
use govit_core::money::Yuan;
use govit_core::policy::{EventKind, Facts, GatedAction, Stage};
use govit_core::project::ProjectAction;
use govit_core::submission::{self, SubmissionStatus, SubmissionTerms};
use govit_core::workflow::{Progress, Route, VerbKind};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

/// A submission, as read.
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    pub id: i64,
    pub project_id: ProjectId,
    pub project_name: String,
    pub owner_name: String,
    pub jurisdiction_id: JurisdictionId,
    pub profile_id: String,
    pub stage: Stage,
    /// The stage's name in the profile when it began (财评或审计, 绩效自评).
    pub title: String,
    /// The project's first, second … of this stage.
    pub seq: i64,
    pub terms: SubmissionTerms,
    /// The facts its route was laid out under.
    #[serde(skip)]
    pub facts: Facts,
    pub status: SubmissionStatus,
    pub created_by: String,
    pub created_at_ms: i64,
    /// When its run's current step began — its sending, or the act that brought it there (for
    /// a finished run, when it finished): how long it has waited.
    pub waiting_since_ms: i64,
    pub version: i64,
}

impl Submission {
    /// 绩效自评（第 2 次）; the first is its title alone; one that covers a year is named by
    /// it (2026 年度运行维护情况报告).
    pub fn name(&self) -> String {
        match (self.terms.year, self.seq) {
            // 年度工作绩效考核 names its year once: 2026 年度工作绩效考核.
            (Some(y), _) if self.title.starts_with("年度") => format!("{y} {}", self.title),
            (Some(y), _) => format!("{y} 年度{}", self.title),
            (None, 1) => self.title.clone(),
            (None, n) => format!("{}（第 {n} 次）", self.title),
        }
    }

    /// Whether its run is over (done or refused).
    pub fn through(&self) -> bool {
        matches!(self.status, SubmissionStatus::Done | SubmissionStatus::Refused)
    }

    /// What its kind asks for besides its text.
    pub fn kind(&self) -> Option<&'static submission::Kind> {
        submission::kind(self.stage)
    }

    /// Its scores with their dimensions' names in `profile`'s order (a score whose dimension
    /// the profile no longer lists keeps its id).
    pub fn scored(&self, profile: Option<&govit_core::policy::Profile>) -> Vec<(String, u8)> {
        let dims =
            profile.map(|p| submission::dimensions(p, self.stage, &self.facts)).unwrap_or_default();
        let mut out: Vec<(String, u8)> = dims
            .iter()
            .filter_map(|d| self.terms.scores.get(&d.id).map(|v| (d.name.clone(), *v)))
            .collect();
        for (id, v) in &self.terms.scores {
            if !dims.iter().any(|d| &d.id == id) {
                out.push((id.clone(), *v));
            }
        }
        out
    }
}

/// The verbs a submission's run offers: passed (报送, 财评, 审计, 评价), returned for
/// correction, taken back by the sender, or refused where a step judges.
pub const SUBMISSION_VERBS: [VerbKind; 4] =
    [VerbKind::Pass, VerbKind::Return, VerbKind::Withdraw, VerbKind::Reject];

/// A submission as its run leaves it, with the reader's verbs.
pub type SubmissionView = SubjectView<Submission>;

/// One act on a submission.
pub type SubmissionAct = SubjectAct<Submission>;

const SELECT: &str = "SELECT s.*, p.name AS project_name, p.profile_id, \
    d.name AS owner_name, u.name AS created_by_name \
    FROM project_submissions s \
    JOIN projects p ON p.id = s.project_id JOIN departments d ON d.id = p.owner_department_id \
    JOIN users u ON u.id = s.created_by";
const FROM: &str = "FROM project_submissions s JOIN projects p ON p.id = s.project_id \
    JOIN departments d ON d.id = p.owner_department_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Submission> {
    let state: String = r.try_get("state")?;
    let stage: String = r.try_get("stage")?;
    let day: Option<String> = r.try_get("day")?;
    Ok(Submission {
        id: r.try_get("id")?,
        project_id: ProjectId(r.try_get("project_id")?),
        project_name: r.try_get("project_name")?,
        owner_name: r.try_get("owner_name")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        profile_id: r.try_get("profile_id")?,
        stage: Stage::parse(&stage).unwrap_or(Stage::SelfEvaluation),
        title: r.try_get("title")?,
        seq: r.try_get("seq")?,
        terms: SubmissionTerms {
            amount: r.try_get::<Option<i64>, _>("amount_yuan")?.map(Yuan),
            day: day.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            due: r
                .try_get::<Option<String>, _>("due_day")?
                .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            rule: r.try_get("rule_id")?,
            scores: r
                .try_get::<Option<String>, _>("scores")?
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default(),
            year: r.try_get::<Option<i64>, _>("covers_year")?.and_then(|y| i32::try_from(y).ok()),
            text: r.try_get("body")?,
        },
        facts: facts_from_json(&r.try_get::<String, _>("facts")?),
        status: SubmissionStatus::parse(&state).unwrap_or(SubmissionStatus::Reviewing),
        created_by: r.try_get("created_by_name")?,
        created_at_ms: r.try_get("created_at_ms")?,
        waiting_since_ms: match r.try_get::<Option<i64>, _>("waiting_since_ms")? {
            Some(ms) => ms,
            None => r.try_get("created_at_ms")?,
        },
        version: r.try_get("version")?,
    })
}

crate::projects::run::subject::subject_record!(
    Submission,
    "submission",
    "project_submissions",
    |s| json!({"project_id": s.project_id, "stage": s.stage, "seq": s.seq, "terms": s.terms,
               "status": s.status, "version": s.version})
);

/// The route of a submission of `stage` under its profile, from the facts it began with.
pub fn route_of(store: &Store, profile: &str, stage: Stage, facts: &Facts) -> Route {
    let rules = store.rules();
    rules.profile(profile).map(|p| submission::route(p, stage, facts)).unwrap_or_default()
}

impl Subject for Submission {
    const ACTS: Acts = Acts::Submission;
    const ROWS: &'static str = "project_submissions";
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = FROM;
    const KEYWORDS: &'static [&'static str] = &["p.name", "d.name", "s.title"];
    const VERBS: &'static [VerbKind] = &SUBMISSION_VERBS;
    const OPEN: &'static [&'static str] = &["drafting", "returned", "reviewing"];
    const ACTION: ProjectAction = ProjectAction::Submission;
    const NO_ROUTE: &'static str = "本辖区的规定没有这一事项的办理程序";

    fn from_row(r: &sqlx::any::AnyRow) -> Result<Self> {
        from_row(r)
    }
    fn project(&self) -> ProjectId {
        self.project_id
    }
    fn profile(&self) -> &str {
        &self.profile_id
    }
    fn started_ms(&self) -> i64 {
        self.created_at_ms
    }
    fn waiting_since_ms(&self) -> i64 {
        self.waiting_since_ms
    }
    fn route(&self, store: &Store) -> Route {
        route_of(store, &self.profile_id, self.stage, &self.facts)
    }
    fn named(&self) -> String {
        self.name()
    }
    fn naming(&self) -> (&'static str, &'static str) {
        ("本事项", "本事项已办结")
    }
    fn state(route: &Route, progress: &Progress, returned: bool) -> &'static str {
        submission::status(route, progress, returned).as_str()
    }
    /// The kind's gates stand in front of its first step (the application is sent) and its
    /// last (what it asks for is granted): a measure taken between the two still holds it.
    fn gated(route: &Route, index: usize) -> Option<GatedAction> {
        let stage = route.steps.first()?.stage;
        let ends = index == 0 || index + 1 == route.steps.len();
        ends.then(|| submission::kind(stage).and_then(|k| k.gate)).flatten()
    }
    fn event_day(&self, event: EventKind) -> Option<chrono::NaiveDate> {
        let (_, stated) = self.kind()?.day?;
        (stated == event).then_some(self.terms.day).flatten()
    }
    fn goes_on_when_ended(&self) -> bool {
        self.kind().is_some_and(|k| k.winds_up)
    }
    fn refuses(&self, verb: VerbKind) -> Option<&'static str> {
        (self.stage == Stage::Termination && verb == VerbKind::Reject).then_some(
            "项目终止由业主单位依法决定，主管部门接收其书面说明，不作“不予通过”；书面说明需要补充的，可退回",
        )
    }
}

/// A stage a project may send a submission through, as its page offers it.
#[derive(Debug, Clone, Serialize)]
pub struct Offered {
    pub stage: Stage,
    /// Its name in the profile.
    pub label: String,
    /// What the profile says of it, with its article.
    pub rules: Vec<String>,
    /// Whether the reader acts as the party its route begins with.
    pub starter: bool,
    /// Whether the reader may begin one now: they begin it, the project is approved, what
    /// must happen first has, none is open, and a review of the final accounts is not done.
    pub may_start: bool,
    /// Whether one is being handled now (begun and not through).
    pub open: bool,
    /// What must happen first and has not (项目投入运行后才能发起绩效自评价（yeji:23）).
    pub not_yet: Option<String>,
    /// What its party scores when beginning it (gaoping:22's seven), 0 to 100 each.
    pub dimensions: Vec<govit_core::policy::ScoredDimension>,
    /// For a report of each year (linxiang:29): the years from its acceptance to this one not
    /// yet covered by one (refused ones aside).
    pub years_missing: Vec<i32>,
}

impl Store {
    /// The stages project `p` (which the caller has read) may send submissions through under
    /// its profile, each saying whether the caller may begin one: they act as the party of its
    /// route's first step, and the project is approved.
    pub async fn submissions_offered(
        &self, who: crate::base::change::Who<'_>, p: &crate::projects::Project,
    ) -> Result<Vec<Offered>> {
        let rules = self.rules();
        let Some(profile) = rules.profile(&p.profile_id) else { return Ok(Vec::new()) };
        let mut conn = self.pool.acquire().await?;
        let facts = self.facts_of(&mut conn, p).await?;
        let parties = crate::projects::run::acting_parties(&mut conn, who.principal, p).await?;
        let approved = p.status == govit_core::project::ProjectStatus::Approved;
        let ended = crate::projects::run::subject::ended_on(&mut conn, p.id).await?;
        // Per stage: whether one is open, whether one is done.
        let rows = sqlx::query(
            "SELECT stage, \
             CAST(SUM(CASE WHEN state IN ('drafting', 'returned', 'reviewing') THEN 1 ELSE 0 END) AS BIGINT) AS open, \
             CAST(SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) AS BIGINT) AS done \
             FROM project_submissions WHERE project_id = $1 GROUP BY stage",
        )
        .bind(p.id.0)
        .fetch_all(&mut *conn)
        .await?;
        let mut counts = std::collections::HashMap::new();
        for r in rows {
            let stage: String = r.try_get("stage")?;
            counts.insert(stage, (r.try_get::<i64, _>("open")?, r.try_get::<i64, _>("done")?));
        }
        let mut out = Vec::new();
        for stage in submission::stages_of(profile) {
            let route = submission::route(profile, stage, &facts);
            let first = route.steps.first().map(|s| s.parties.clone()).unwrap_or_default();
            let label = profile.stage_label(stage);
            let accepted = match stage {
                Stage::Termination => {
                    crate::projects::run::subject::first_day(
                        &mut conn,
                        p.id,
                        EventKind::CompletionAcceptancePassed,
                    )
                    .await?
                }
                _ => None,
            };
            let not_yet = match steps::after_end(stage, ended, accepted, &label) {
                Some(why) => Some(why),
                None => steps::not_yet(&mut conn, p.id, profile, &route, &label, ended).await?,
            };
            let starter = first.iter().any(|f| parties.contains(f));
            let (open, done) = counts.get(stage.as_str()).copied().unwrap_or((0, 0));
            let once_done = stage == Stage::FinancialReview && done > 0;
            out.push(Offered {
                stage,
                rules: profile
                    .stages
                    .iter()
                    .filter(|r| r.stage == stage && r.applies(&facts))
                    .map(|r| format!("{}（{}）", r.text, r.cite))
                    .collect(),
                // Rectifications are one open at a time under each sanction, not per stage.
                may_start: approved
                    && not_yet.is_none()
                    && starter
                    && (open == 0 || stage == Stage::Rectification)
                    && !once_done,
                open: open > 0,
                starter,
                not_yet,
                label,
                dimensions: submission::dimensions(profile, stage, &facts),
                years_missing: if submission::kind(stage).is_some_and(|k| k.year.is_some()) {
                    steps::years_missing(&mut conn, p.id, stage, who.now_ms).await?
                } else {
                    Vec::new()
                },
            });
        }
        Ok(out)
    }

    /// The performance evaluations and yearly assessments done on the projects of the unit
    /// that owns `p` (other than `p`) that `principal` may see, newest first, at most `cap`:
    /// what its profile's rules say the review of its next declarations weighs (gaoping:22,
    /// yeji:29, linxiang:33, xinzhou-transport:25).
    pub async fn unit_evaluations(
        &self, principal: &govit_core::org::Principal, p: &crate::projects::Project, cap: i64,
    ) -> Result<Vec<Submission>> {
        use crate::Param;
        let mut w = crate::projects::scope_where(principal);
        w.and("p.jurisdiction_id = ?", vec![Param::Int(p.jurisdiction_id.0)]);
        w.and("p.owner_department_id = ?", vec![Param::Int(p.owner_department_id.0)]);
        w.and("p.id <> ?", vec![Param::Int(p.id.0)]);
        w.and(
            "s.stage IN (?, ?)",
            vec![
                Param::Text(Stage::PostEvaluation.as_str().into()),
                Param::Text(Stage::UnitAssessment.as_str().into()),
            ],
        );
        w.and("s.state = ?", vec![Param::Text(SubmissionStatus::Done.as_str().into())]);
        let sql = format!("{SELECT}{} ORDER BY s.id DESC LIMIT {}", w.sql(), cap.clamp(0, 100));
        let mut conn = self.pool.acquire().await?;
        let rows = crate::bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.params)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// A project's money as its payments and its confirmed surplus returns leave it, for a
    /// project the caller has read.
    pub async fn project_funds(
        &self, p: &crate::projects::Project,
    ) -> Result<govit_core::payment::Funds> {
        let funds = self.funds_of(p).await?;
        let returned: i64 = self
            .subjects_of::<Submission>(p.id)
            .await?
            .iter()
            .filter(|s| s.stage == Stage::SurplusReturn && s.status == SubmissionStatus::Done)
            .filter_map(|s| s.terms.amount)
            .map(|a| a.0)
            .fold(0i64, i64::saturating_add);
        Ok(funds.with_returned(Yuan(returned)))
    }

    /// The gates of the profile in front of a submission's first step, judged as they would
    /// be if it were sent now (`now_ms`), for its page.
    pub async fn submission_gates(
        &self, p: &crate::projects::Project, s: &Submission, now_ms: i64,
    ) -> Result<Vec<govit_core::obligation::GateCheck>> {
        let Some(gate) = s.kind().and_then(|k| k.gate) else { return Ok(Vec::new()) };
        let mut conn = self.pool.acquire().await?;
        let facts =
            crate::projects::run::subject::gate_facts(self, &mut conn, p, s, now_ms).await?;
        self.gate_checks(&mut conn, p, gate, Some(&facts)).await
    }
}
