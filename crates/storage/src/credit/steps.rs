//! A credit record's change on the change path: an administrator of the jurisdiction records
//! a firm's or an expert's misconduct under the profile's rule (`RecordCredit`); where it
//! concerns a project, the project's timeline says so in the same transaction.

use super::CreditRecord;
use crate::Result;
use crate::base::change::{At, Cx, Decided, Step, Written};
use govit_core::DomainError;
use govit_core::credit::{self, CreditForm, CreditSubject, CreditTerms};
use govit_core::ids::ProjectId;
use govit_core::project::ProjectAction;
use sqlx::Row;

/// Record misconduct in the credit file of the firm or expert `subject_id` (`Target::New`).
pub struct RecordCredit {
    pub subject: CreditSubject,
    pub subject_id: i64,
    pub form: CreditForm,
}

/// What recording reads: the subject's name in the caller's jurisdiction, its profile, and
/// the project named, if any, there.
#[derive(Default)]
pub struct CreditInput {
    subject_name: Option<String>,
    profile: Option<govit_core::policy::Profile>,
    /// The project named, if the form names one and it is of the jurisdiction.
    project: Option<ProjectId>,
}

impl Step<CreditRecord> for RecordCredit {
    type Input = CreditInput;
    /// The record, and the firm's or the expert's name for the project's timeline.
    type Decision = (CreditTerms, String);

    fn action(&self) -> String {
        "credit_record.create".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, CreditRecord>) -> Result<CreditInput> {
        let j = cx.who.principal.jurisdiction_id;
        let table = match self.subject {
            CreditSubject::Firm => "firms",
            CreditSubject::Expert => "experts",
        };
        let subject_name: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM {table} WHERE id = $1 AND jurisdiction_id = $2"
        )))
        .bind(self.subject_id)
        .bind(j.0)
        .fetch_optional(&mut *cx.conn)
        .await?;
        let profile_id: Option<String> =
            sqlx::query_scalar("SELECT profile_id FROM jurisdictions WHERE id = $1")
                .bind(j.0)
                .fetch_optional(&mut *cx.conn)
                .await?;
        let profile = profile_id.and_then(|id| cx.store.rules().profile(&id).cloned());
        let mut project = None;
        if let Some(p) = profile.as_ref().and_then(|p| self.form.parse(p).ok()?.project) {
            let row = sqlx::query("SELECT id FROM projects WHERE id = $1 AND jurisdiction_id = $2")
                .bind(p)
                .bind(j.0)
                .fetch_optional(&mut *cx.conn)
                .await?;
            project = row.map(|r| r.try_get::<i64, _>("id")).transpose()?.map(ProjectId);
        }
        Ok(CreditInput { subject_name, profile, project })
    }
    fn decide(
        &self, at: At<'_, CreditRecord>, input: CreditInput,
    ) -> Decided<(CreditTerms, String)> {
        let who = at.who.principal;
        if !who.administers(who.jurisdiction_id) {
            return Err(DomainError::Forbidden("信用档案由本辖区的管理员记录".into()));
        }
        let name = input.subject_name.clone().ok_or(DomainError::NotFound)?;
        let profile = input.profile.as_ref().ok_or(DomainError::NotFound)?;
        if credit::recording(profile).is_empty() {
            return Err(DomainError::InvalidState {
                message: "本辖区的规定没有将不良行为记入信用档案的规定".into(),
            });
        }
        let terms = self.form.parse(profile).map_err(DomainError::Invalid)?;
        if let Some(n) = terms.project
            && input.project.is_none()
        {
            return Err(DomainError::invalid("project", format!("本辖区没有编号为 {n} 的项目")));
        }
        Ok((terms, name))
    }
    async fn write(
        &self, cx: &mut Cx<'_, CreditRecord>, (terms, name): (CreditTerms, String),
    ) -> Result<Written> {
        let who = cx.who;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO credit_records (jurisdiction_id, subject_kind, subject_id, project_id, \
             rule_id, cite, conduct, recorded_by, recorded_at_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id",
        )
        .bind(who.principal.jurisdiction_id.0)
        .bind(self.subject.as_str())
        .bind(self.subject_id)
        .bind(terms.project)
        .bind(terms.rule_id.clone())
        .bind(terms.cite.clone())
        .bind(terms.conduct.clone())
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *cx.conn)
        .await?;
        if let Some(p) = terms.project {
            crate::projects::note_on_timeline(
                cx.conn,
                who.principal,
                who.now_ms,
                ProjectId(p),
                ProjectAction::Sanction,
                &format!(
                    "{}“{name}”记入信用档案（{}）：{}",
                    self.subject.label(),
                    terms.cite,
                    terms.conduct
                ),
            )
            .await?;
        }
        Ok(Written::created(id))
    }
    fn detail(&self) -> String {
        self.form.conduct.trim().to_string()
    }
}
