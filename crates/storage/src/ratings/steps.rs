//! A rating's change on the change path: the authority gives an approved project a rating
//! (`RateProject`), no higher than the one computed in the same transaction, having seen the
//! latest one given (a rating given meanwhile by someone else is refused as stale, not
//! silently replaced). It writes the project's timeline and the audit record with it.

use super::*;
use crate::base::change::{At, Cx, Decided, Step, Written};
use crate::projects::run::subject::opening;
use govit_core::DomainError;
use govit_core::project::{ProjectAction, ProjectStatus};
use govit_core::rating::{RatingForm, RatingTerms};

/// Give project `project` a rating, having seen the latest one (`seen`: its id, 0 for none).
pub struct RateProject {
    pub project: ProjectId,
    pub seen: i64,
    pub form: RatingForm,
}

/// What giving a rating reads.
#[derive(Default)]
pub struct RateInput {
    project: Option<Project>,
    parties: Vec<String>,
    authority: String,
    computed: u8,
    latest: i64,
    today: Option<NaiveDate>,
    /// The day the project was terminated, if it was: it is rated no more.
    ended: Option<NaiveDate>,
}

impl Step<Kept> for RateProject {
    type Input = RateInput;
    type Decision = (i64, NaiveDate, u8, RatingTerms);

    fn action(&self) -> String {
        "rating.give".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Kept>) -> Result<RateInput> {
        let Some(o) = opening(cx, self.project).await? else { return Ok(RateInput::default()) };
        // Holds the project for the rest of the change: two ratings given at once are judged
        // one after the other, and the second sees the first.
        crate::projects::hold(cx.conn, o.project.id).await?;
        let today = crate::china_today(cx.who.now_ms);
        let computed = rated(cx.conn, o.project.jurisdiction_id, today, Some(o.project.id))
            .await?
            .pop()
            .map_or(rating::HIGHEST, |r| r.rating.computed.level);
        let authority = cx
            .store
            .rules()
            .profile(&o.project.profile_id)
            .map_or_else(|| "政务信息化主管部门".into(), |p| p.party_label(AUTHORITY));
        Ok(RateInput {
            latest: latest_id(cx.conn, o.project.id).await?,
            project: Some(o.project),
            parties: o.parties,
            authority,
            computed,
            today: Some(today),
            ended: o.ended,
        })
    }
    fn decide(
        &self, _: At<'_, Kept>, input: RateInput,
    ) -> Decided<(i64, NaiveDate, u8, RatingTerms)> {
        let project = input.project.as_ref().ok_or(DomainError::NotFound)?;
        if !input.parties.iter().any(|k| k == AUTHORITY) {
            return Err(DomainError::Forbidden(format!("综合评级由{}评定", input.authority)));
        }
        if project.status != ProjectStatus::Approved {
            return Err(DomainError::InvalidState {
                message: format!("项目当前为“{}”，立项批复后才有综合评级", project.status.label()),
            });
        }
        if let Some(day) = input.ended {
            return Err(DomainError::InvalidState {
                message: format!("项目已于 {day} 终止，不再评定综合评级"),
            });
        }
        if input.latest != self.seen {
            return Err(DomainError::StaleVersion { current: input.latest });
        }
        let terms = self.form.parse(input.computed).map_err(DomainError::Invalid)?;
        let today = input.today.ok_or(DomainError::NotFound)?;
        Ok((project.jurisdiction_id.0, today, input.computed, terms))
    }
    async fn write(
        &self, cx: &mut Cx<'_, Kept>,
        (jurisdiction, today, computed, terms): (i64, NaiveDate, u8, RatingTerms),
    ) -> Result<Written> {
        let who = cx.who;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO project_ratings (project_id, jurisdiction_id, level, computed, reason, \
             rated_on, rated_by, rated_at_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) RETURNING id",
        )
        .bind(self.project.0)
        .bind(jurisdiction)
        .bind(i64::from(terms.level))
        .bind(i64::from(computed))
        .bind(terms.reason.clone())
        .bind(today.to_string())
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *cx.conn)
        .await?;
        crate::projects::note_on_timeline(
            cx.conn,
            who.principal,
            who.now_ms,
            self.project,
            ProjectAction::Rating,
            &format!(
                "{} 级（{}；计算为 {} 级）：{}",
                terms.level,
                rating::label(terms.level),
                computed,
                terms.reason
            ),
        )
        .await?;
        Ok(Written::created(id))
    }
    fn detail(&self) -> String {
        self.form.reason.trim().to_string()
    }
}
