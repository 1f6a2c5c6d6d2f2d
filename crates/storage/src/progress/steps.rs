//! A report's changes on the change path: the owner unit of an approved project fills in a
//! quarter's report (`FileReport`) or corrects it before it is sent or after a return
//! (`EditReport`); where its profile has no `progress_report` chain, filling it in is the
//! report, and records 报送进度 on the project at once. Its run then goes with the subject
//! mechanism's acts (`ReportAct`).

use super::*;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written, stale_unless};
use crate::china_today;
use crate::projects::run::subject::{approved_on, opening, owner_of_approved, projection};
use govit_core::DomainError;
use govit_core::policy::EventKind;
use govit_core::progress::ReportForm;

/// The owner unit fills in a report of project `project` (`Target::New`).
pub struct FileReport {
    pub project: ProjectId,
    pub form: ReportForm,
}

/// The owner unit corrects a report not yet sent (or returned), at the version it saw.
pub struct EditReport {
    pub form: ReportForm,
}

/// What filling in or correcting a report reads.
#[derive(Default)]
pub struct ReportInput {
    project: Option<Project>,
    parties: Vec<String>,
    owner_label: String,
    /// The day the project was terminated, if it was.
    ended: Option<chrono::NaiveDate>,
    /// The project's report of the same quarter, another than the one corrected.
    same: Option<i64>,
    /// The day the project was approved (立项批复): no report covers a quarter before it.
    approved_on: Option<chrono::NaiveDate>,
}

async fn gather_report(
    cx: &mut Cx<'_, Report>, project: ProjectId, form: &ReportForm, except: Option<i64>,
) -> Result<ReportInput> {
    let Some(o) = opening(cx, project).await? else {
        return Ok(ReportInput::default());
    };
    let project = o.project;
    let mut input = ReportInput {
        parties: o.parties,
        owner_label: o.owner_label,
        ended: o.ended,
        ..ReportInput::default()
    };
    input.approved_on = approved_on(cx.conn, project.id).await?;
    if let Some(q) = Quarter::parse(&form.period) {
        input.same = sqlx::query_scalar(
            "SELECT id FROM progress_reports WHERE project_id = $1 AND period = $2 AND id <> $3",
        )
        .bind(project.id.0)
        .bind(q.code())
        .bind(except.unwrap_or(-1))
        .fetch_optional(&mut *cx.conn)
        .await?;
    }
    input.project = Some(project);
    Ok(input)
}

/// The rules of a report, the same for filling it in and correcting it.
fn check_report(
    at: &At<'_, Report>, form: &ReportForm, input: &ReportInput,
) -> Decided<ReportTerms> {
    let project = input.project.as_ref().ok_or(DomainError::NotFound)?;
    owner_of_approved(
        project,
        &input.parties,
        &input.owner_label,
        input.ended,
        ("进度报告由{owner}填报", "填报进度"),
    )?;
    let terms = form.parse(china_today(at.who.now_ms)).map_err(DomainError::Invalid)?;
    if let Some(approved) = input.approved_on
        && terms.period < Quarter::of(approved)
    {
        return Err(DomainError::invalid(
            "period",
            format!(
                "报告期不能早于项目立项批复所在的季度（{}，{approved} 批复）",
                Quarter::of(approved).label()
            ),
        ));
    }
    if let Some(id) = input.same {
        return Err(DomainError::invalid(
            "period",
            format!(
                "本项目{}的进度报告已填报（第 {id} 号），请勿重复填报；需更正的，请打开该报告修改",
                terms.period.label()
            ),
        ));
    }
    Ok(terms)
}

/// The report's own columns, bound in order: period, content, progress, expected_on,
/// invested_yuan, head, contact, phone, mobile, email.
macro_rules! bind_terms {
    ($q:expr, $t:expr) => {
        $q.bind($t.period.code())
            .bind($t.content.clone())
            .bind($t.progress.clone())
            .bind($t.expected_on.to_string())
            .bind($t.invested.0)
            .bind($t.head.clone())
            .bind($t.contact.clone())
            .bind($t.phone.clone())
            .bind($t.mobile.clone())
            .bind($t.email.clone())
    };
}

impl Step<Report> for FileReport {
    type Input = ReportInput;
    type Decision = ReportTerms;

    fn action(&self) -> String {
        "progress_report.file".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Report>) -> Result<ReportInput> {
        gather_report(cx, self.project, &self.form, None).await
    }
    fn decide(&self, at: At<'_, Report>, input: ReportInput) -> Decided<ReportTerms> {
        check_report(&at, &self.form, &input)
    }
    async fn write(&self, cx: &mut Cx<'_, Report>, terms: ReportTerms) -> Result<Written> {
        let who = cx.who;
        let (profile, jurisdiction): (String, i64) =
            sqlx::query_as("SELECT profile_id, jurisdiction_id FROM projects WHERE id = $1")
                .bind(self.project.0)
                .fetch_one(&mut *cx.conn)
                .await?;
        let route = route_of(cx.store, &profile);
        let (state, waiting) =
            projection::<Report>(&route, &Progress::start(&route, who.now_ms), false);
        let q = sqlx::query_scalar(
            "INSERT INTO progress_reports (project_id, jurisdiction_id, period, content, progress, expected_on, \
             invested_yuan, head, contact, phone, mobile, email, state, waiting_on, created_by, created_at_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1) RETURNING id",
        )
        .bind(self.project.0)
        .bind(jurisdiction);
        let id: i64 = bind_terms!(q, terms)
            .bind(state)
            .bind(waiting)
            .bind(who.principal.user_id.0)
            .bind(who.now_ms)
            .fetch_one(&mut *cx.conn)
            .await
            .map_err(|e| {
                crate::base::unless_unique(e, || {
                    DomainError::invalid("period", "本项目该季度的进度报告已填报，请勿重复填报")
                })
            })?;
        let named = format!("{}进度报告", terms.period.label());
        // Where nothing is filed, filling it in is the report: 报送进度 today.
        if route.steps.is_empty() {
            crate::projects::obligations::insert_milestone(
                cx.conn,
                self.project,
                EventKind::ProgressReported,
                china_today(who.now_ms),
                &named,
                who.principal.user_id.0,
                who.now_ms,
            )
            .await?;
            cx.store.project_events_changed(cx.conn, self.project, who.now_ms).await?;
        }
        let line = format!(
            "填报{named}：已投资 {} 万元，预计 {} 完成",
            terms.invested.to_wan_string(),
            terms.expected_on
        );
        crate::projects::note_on_timeline(
            cx.conn,
            who.principal,
            who.now_ms,
            self.project,
            ProjectAction::Progress,
            &line,
        )
        .await?;
        let after = json!({"project_id": self.project, "terms": terms, "status": state});
        Ok(Written { created: Some(id), ..Written::part(Audited::of(None, after)) })
    }
}

/// Why a report in `status` cannot be corrected now, if it cannot.
pub fn not_editable(status: ReportStatus) -> Option<&'static str> {
    match status {
        ReportStatus::ToSend | ReportStatus::Returned => None,
        ReportStatus::Recorded => {
            Some("进度报告已填报，不能再修改；如有变化，请在下一季度报告中说明")
        }
        ReportStatus::Filing => {
            Some("进度报告已报送，不能修改；需修改的，请先撤回，或由备案单位退回后修改")
        }
        ReportStatus::Filed => Some("进度报告已备案，不能再修改；如有变化，请在下一季度报告中说明"),
        ReportStatus::Reported => {
            Some("进度报告已报送，不能再修改；如有变化，请在下一季度报告中说明")
        }
    }
}

impl Step<Report> for EditReport {
    type Input = ReportInput;
    type Decision = ReportTerms;

    fn action(&self) -> String {
        "progress_report.edit".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Report>) -> Result<ReportInput> {
        let r = cx.record()?;
        let (project, id) = (r.project_id, r.id);
        gather_report(cx, project, &self.form, Some(id)).await
    }
    fn decide(&self, at: At<'_, Report>, input: ReportInput) -> Decided<ReportTerms> {
        let r = at.record()?;
        if let Some(why) = not_editable(r.status) {
            return Err(DomainError::InvalidState { message: why.into() });
        }
        check_report(&at, &self.form, &input)
    }
    async fn write(&self, cx: &mut Cx<'_, Report>, terms: ReportTerms) -> Result<Written> {
        let r = cx.record()?.clone();
        let who = cx.who;
        let conn = &mut *cx.conn;
        let q = sqlx::query(
            "UPDATE progress_reports SET period = $1, content = $2, progress = $3, expected_on = $4, \
             invested_yuan = $5, head = $6, contact = $7, phone = $8, mobile = $9, email = $10, \
             version = version + 1 WHERE id = $11 AND version = $12",
        );
        let n = bind_terms!(q, terms)
            .bind(r.id)
            .bind(r.version)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                crate::base::unless_unique(e, || {
                    DomainError::invalid("period", "本项目该季度的进度报告已填报，请勿重复填报")
                })
            })?
            .rows_affected();
        stale_unless(conn, n, "progress_reports", r.id).await?;
        let line = format!(
            "修改{}进度报告：已投资 {} → {} 万元",
            terms.period.label(),
            r.terms.invested.to_wan_string(),
            terms.invested.to_wan_string()
        );
        crate::projects::note_on_timeline(
            conn,
            who.principal,
            who.now_ms,
            r.project_id,
            ProjectAction::Progress,
            &line,
        )
        .await?;
        Ok(Written::part(Audited::of(Some(json!({"terms": r.terms})), json!({"terms": terms}))))
    }
}
