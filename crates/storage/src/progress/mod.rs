//! Progress reports as the store keeps them: one per project and quarter, with annex 2's
//! fields (yeji:15), and the run of each along the chain of its profile's `progress_report`
//! stage (`govit_core::progress::report_route`: yeji 报送 → 备案, gaoping and xinzhou-transport
//! the owner's own step; none where the profile has no such stage, and the report is only
//! recorded), folded from `progress_acts` by the subject mechanism. The step that reports it
//! records 报送进度 on the project, which fulfils the quarter's duty. See `steps`.

mod steps;

pub use steps::{EditReport, FileReport, not_editable};

use crate::projects::Project;
use crate::projects::run::Acts;
use crate::projects::run::subject::{Subject, SubjectAct, SubjectView};
use crate::{Result, Store};
use chrono::NaiveDate;
use govit_core::ids::{JurisdictionId, ProjectId};
use govit_core::money::Yuan;
use govit_core::progress::{self, Quarter, ReportStatus, ReportTerms};
use govit_core::project::ProjectAction;
use govit_core::workflow::{Progress, Route, VerbKind};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};

/// A progress report, as read.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub id: i64,
    pub project_id: ProjectId,
    pub project_name: String,
    /// The project's approved budget (its investment), against which spending is read.
    pub approved: Yuan,
    pub owner_name: String,
    pub jurisdiction_id: JurisdictionId,
    pub profile_id: String,
    pub terms: ReportTerms,
    pub status: ReportStatus,
    pub created_by: String,
    pub created_at_ms: i64,
    /// When its run's current step began — its sending, or the act that brought it there (for
    /// a finished run, when it finished): how long it has waited.
    pub waiting_since_ms: i64,
    pub version: i64,
}

impl Report {
    /// Whether its run is through (reported, filed, or only recorded).
    pub fn through(&self) -> bool {
        matches!(self.status, ReportStatus::Recorded | ReportStatus::Reported | ReportStatus::Filed)
    }

    /// 已投资占批复概算, as a person reads it (40%), or — when the budget is unknown.
    pub fn spent(&self) -> String {
        progress::spent_bp(self.terms.invested, self.approved)
            .map_or_else(|| "—".into(), |b| govit_core::policy::Fact::ChangeRatioBp.show_value(b))
    }

    /// Whether more has been invested than the approved budget.
    pub fn over_budget(&self) -> bool {
        self.approved.0 > 0 && self.terms.invested.0 > self.approved.0
    }
}

/// The verbs a report's run offers: sent, filed, returned for correction or taken back.
pub const REPORT_VERBS: [VerbKind; 3] = [VerbKind::Pass, VerbKind::Return, VerbKind::Withdraw];

/// A report as its run leaves it, with the reader's verbs.
pub type ReportView = SubjectView<Report>;

/// One act on a report (报送, 备案, 退回, 撤回).
pub type ReportAct = SubjectAct<Report>;

const SELECT: &str = "SELECT s.*, p.name AS project_name, p.profile_id, p.investment_yuan, \
    d.name AS owner_name, u.name AS created_by_name FROM progress_reports s \
    JOIN projects p ON p.id = s.project_id JOIN departments d ON d.id = p.owner_department_id \
    JOIN users u ON u.id = s.created_by";
const FROM: &str = "FROM progress_reports s JOIN projects p ON p.id = s.project_id \
    JOIN departments d ON d.id = p.owner_department_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Report> {
    let period: String = r.try_get("period")?;
    let state: String = r.try_get("state")?;
    let expected: String = r.try_get("expected_on")?;
    Ok(Report {
        id: r.try_get("id")?,
        project_id: ProjectId(r.try_get("project_id")?),
        project_name: r.try_get("project_name")?,
        approved: Yuan(r.try_get("investment_yuan")?),
        owner_name: r.try_get("owner_name")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        profile_id: r.try_get("profile_id")?,
        terms: ReportTerms {
            period: Quarter::parse(&period).unwrap_or(Quarter { year: 2000, q: 1 }),
            content: r.try_get("content")?,
            progress: r.try_get("progress")?,
            expected_on: NaiveDate::parse_from_str(&expected, "%Y-%m-%d").unwrap_or_default(),
            invested: Yuan(r.try_get("invested_yuan")?),
            head: r.try_get("head")?,
            contact: r.try_get("contact")?,
            phone: r.try_get("phone")?,
            mobile: r.try_get("mobile")?,
            email: r.try_get("email")?,
        },
        status: ReportStatus::parse(&state).unwrap_or(ReportStatus::Recorded),
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
    Report,
    "progress_report",
    "progress_reports",
    |s| json!({"project_id": s.project_id, "terms": s.terms, "status": s.status,
               "version": s.version})
);

/// The route of a report under its profile (empty: recorded only).
pub(crate) fn route_of(store: &Store, profile: &str) -> Route {
    let rules = store.rules();
    rules.profile(profile).map(progress::report_route).unwrap_or_default()
}

impl Subject for Report {
    const ACTS: Acts = Acts::Progress;
    const ROWS: &'static str = "progress_reports";
    const SELECT: &'static str = SELECT;
    const FROM: &'static str = FROM;
    const KEYWORDS: &'static [&'static str] = &["p.name", "d.name"];
    const ORDER: &'static str = "s.period DESC, s.id DESC";
    const VERBS: &'static [VerbKind] = &REPORT_VERBS;
    const OPEN: &'static [&'static str] = &["to_send", "returned", "filing"];
    const ACTION: ProjectAction = ProjectAction::Progress;
    const NO_ROUTE: &'static str = "本辖区的规定没有进度报告的报送程序，填报即可";

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
        route_of(store, &self.profile_id)
    }
    fn named(&self) -> String {
        format!("{}进度报告", self.terms.period.label())
    }
    fn naming(&self) -> (&'static str, &'static str) {
        ("本进度报告", "进度报告已报送")
    }
    fn state(route: &Route, progress: &Progress, returned: bool) -> &'static str {
        progress::status(route, progress, returned).as_str()
    }
}

/// How far past the construction contract's period the project finishes (lhasa:18): the
/// contracts' period against the day the work was done (初步验收 or 竣工验收, the earlier) or,
/// while it is under way, the completion the latest report expects. Unknown without a
/// construction contract, or without either day.
pub struct DelayFacts;

impl crate::projects::FactSource for DelayFacts {
    fn derive_all<'a>(
        &'a self, conn: &'a mut AnyConnection, ps: &'a [&'a Project],
    ) -> crate::projects::FactsFuture<'a> {
        Box::pin(async move {
            let day =
                |s: Option<String>| s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
            type Days = std::collections::HashMap<i64, Option<NaiveDate>>;
            // The construction contracts' period of each, for those that have one.
            let ids: Vec<i64> = ps.iter().map(|p| p.id.0).collect();
            let mut period: std::collections::HashMap<i64, (NaiveDate, NaiveDate)> =
                Default::default();
            for r in crate::projects::of_projects(
                conn,
                "SELECT project_id, MIN(starts_on) AS starts, MAX(ends_on) AS ends FROM contracts \
                 WHERE project_id IN ({ids}) AND kind = 'construction' GROUP BY project_id",
                &ids,
            )
            .await?
            {
                if let (Some(starts), Some(ends)) =
                    (day(r.try_get("starts")?), day(r.try_get("ends")?))
                {
                    period.insert(r.try_get("project_id")?, (starts, ends));
                }
            }
            // Of those, the day the work was done, and the completion the latest report expects.
            let dated: Vec<i64> =
                ids.iter().copied().filter(|id| period.contains_key(id)).collect();
            let mut done = Days::new();
            for r in crate::projects::of_projects(
                conn,
                "SELECT project_id, MIN(event_date) AS done FROM project_milestones \
                 WHERE project_id IN ({ids}) AND planned = 0 \
                 AND kind IN ('preliminary_acceptance_passed', 'completion_acceptance_passed') \
                 GROUP BY project_id",
                &dated,
            )
            .await?
            {
                done.insert(r.try_get("project_id")?, day(r.try_get("done")?));
            }
            // Each project's reports by period: the last row is its latest.
            let mut expected = Days::new();
            for r in crate::projects::of_projects(
                conn,
                "SELECT project_id, expected_on FROM progress_reports WHERE project_id IN ({ids}) \
                 ORDER BY project_id, period, id",
                &dated,
            )
            .await?
            {
                expected.insert(r.try_get("project_id")?, day(r.try_get("expected_on")?));
            }
            Ok(ps
                .iter()
                .map(|p| {
                    let mut facts = govit_core::policy::Facts::new();
                    let id = p.id.0;
                    let finish =
                        done.get(&id).copied().flatten().or(expected.get(&id).copied().flatten());
                    if let (Some((starts, ends)), Some(finish)) = (period.get(&id), finish)
                        && let Some(bp) = progress::delay_bp(*starts, *ends, finish)
                    {
                        facts.insert(govit_core::policy::Fact::DelayRatioBp, bp);
                    }
                    facts
                })
                .collect())
        })
    }
    /// Its construction contract is signed on an approved project only: before, unknown.
    fn before_approval(&self, _: &mut govit_core::policy::Facts) -> bool {
        true
    }
}

impl Store {
    /// The reports for `period` of the projects `who` sees, by project, at most `cap` (a
    /// quarter's forms in one workbook).
    pub async fn reports_of_quarter(
        &self, who: crate::Who<'_>, period: Quarter, cap: i64,
    ) -> Result<Vec<Report>> {
        let principal = who.principal;
        let mut w = crate::projects::scope_where(principal);
        w.and("s.jurisdiction_id = ?", vec![crate::Param::Int(principal.jurisdiction_id.0)]);
        w.and("s.period = ?", vec![crate::Param::Text(period.code())]);
        let sql = format!("{SELECT}{} ORDER BY s.project_id LIMIT {}", w.sql(), cap.clamp(0, 2000));
        let mut conn = self.pool.acquire().await?;
        let rows = crate::bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &w.params)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(from_row).collect()
    }
}
