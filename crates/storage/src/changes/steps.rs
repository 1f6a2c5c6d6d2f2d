//! A change's changes on the change path: the owner unit of an approved project requests one
//! (`RequestChange`) or corrects it before it is sent or after a return (`EditChange`); the
//! amounts it moves, added to those of the project's earlier changes, choose its route under
//! the profile (lhasa:16). Its run then goes with the subject mechanism's acts (`ChangeAct`).

use super::*;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written, stale_unless};
use crate::projects::run::OWNER;
use crate::projects::run::subject::{opening, owner_of_approved, projection};
use govit_core::DomainError;
use govit_core::change::{ChangeForm, Routing, ratio_bp, routing};

/// The owner unit requests a change of project `project` (`Target::New`).
pub struct RequestChange {
    pub project: ProjectId,
    pub form: ChangeForm,
}

/// The owner unit corrects a change not yet sent (or returned), at the version it saw.
pub struct EditChange {
    pub form: ChangeForm,
}

/// The owner unit cancels a change not yet sent (or returned): it no longer counts, and no one
/// acts on it again.
pub struct CancelChange {
    pub reason: String,
}

/// What requesting or correcting a change reads.
#[derive(Default)]
pub struct ChangeInput {
    project: Option<Project>,
    parties: Vec<String>,
    owner_label: String,
    /// The day the project was terminated, if it was.
    ended: Option<chrono::NaiveDate>,
    /// The project's facts.
    facts: Facts,
    /// The route under the profile with this change's amounts (when the form reads).
    routing: Option<Routing>,
    /// Someone has acted on the change corrected.
    acted: bool,
}

async fn gather_change(
    cx: &mut Cx<'_, Change>, project: ProjectId, form: &ChangeForm, except: Option<i64>,
) -> Result<ChangeInput> {
    let Some(o) = opening(cx, project).await? else {
        return Ok(ChangeInput::default());
    };
    let project = o.project;
    let mut facts = cx.store.facts_of(cx.conn, &project).await?;
    // The ratio is this change's own business: the derived one counts it already.
    facts.remove(&Fact::ChangeRatioBp);
    let moved_before = moved_so_far(cx.conn, project.id, except).await?;
    let mut input = ChangeInput {
        parties: o.parties,
        owner_label: o.owner_label,
        ended: o.ended,
        ..ChangeInput::default()
    };
    {
        let rules = cx.store.rules();
        if let Some(profile) = rules.profile(&project.profile_id)
            && let Ok(t) = form.parse()
        {
            let moved = Yuan(moved_before.0.saturating_add(t.moved().0));
            let ratio = ratio_bp(moved, project.declaration.investment);
            input.routing = Some(routing(profile, &facts, ratio));
        }
    }
    input.facts = facts;
    input.project = Some(project);
    Ok(input)
}

/// The rules of a change, the same for requesting and correcting it: the change read, and the
/// way it goes.
fn check_change(form: &ChangeForm, input: &ChangeInput) -> Decided<(ChangeTerms, Routing)> {
    let project = input.project.as_ref().ok_or(DomainError::NotFound)?;
    owner_of_approved(
        project,
        &input.parties,
        &input.owner_label,
        input.ended,
        ("项目调整由{owner}提出", "申请调整"),
    )?;
    let terms = form.parse().map_err(DomainError::Invalid)?;
    let way = input.routing.clone().filter(|r| !r.route.steps.is_empty()).ok_or_else(|| {
        DomainError::InvalidState {
            message: "本辖区的规定没有项目调整的办理程序".into()
        }
    })?;
    Ok((terms, way))
}

/// The facts a change's route is laid out under: the project's, with the ratio.
fn route_facts(input: &ChangeInput) -> Facts {
    let mut facts = input.facts.clone();
    if let Some(r) = input.routing.as_ref().and_then(|r| r.ratio_bp) {
        facts.insert(Fact::ChangeRatioBp, r);
    }
    facts
}

/// How the timeline and the audit say the way a change goes: 累计调整占批复概算 15%，可由项目建设
/// 单位变更调整，同时向项目审批部门备案（lhasa:16）.
pub(crate) fn way_said(r: &Routing) -> String {
    let ratio = r.ratio_bp.map(|b| Fact::ChangeRatioBp.show_value(b));
    let mut out = match ratio {
        Some(x) => format!("累计调整占批复概算 {x}"),
        None => "批复概算未知".to_string(),
    };
    if let Some((cite, effect)) = &r.threshold {
        out.push_str(&format!("，{effect}（{cite}）"));
    }
    out
}

impl Step<Change> for RequestChange {
    type Input = ChangeInput;
    type Decision = (ChangeTerms, Facts, Routing);

    fn action(&self) -> String {
        "change.request".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Change>) -> Result<ChangeInput> {
        gather_change(cx, self.project, &self.form, None).await
    }
    fn decide(&self, at: At<'_, Change>, input: ChangeInput) -> Decided<Self::Decision> {
        let _ = at;
        let (terms, way) = check_change(&self.form, &input)?;
        Ok((terms, route_facts(&input), way))
    }
    async fn write(
        &self, cx: &mut Cx<'_, Change>, (terms, facts, way): Self::Decision,
    ) -> Result<Written> {
        let who = cx.who;
        let (state, waiting) =
            projection::<Change>(&way.route, &Progress::start(&way.route, who.now_ms), false);
        let jurisdiction: i64 =
            sqlx::query_scalar("SELECT jurisdiction_id FROM projects WHERE id = $1")
                .bind(self.project.0)
                .fetch_one(&mut *cx.conn)
                .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO project_changes (project_id, jurisdiction_id, title, content, reason, increase_yuan, \
             decrease_yuan, ratio_bp, path, facts, state, waiting_on, created_by, created_at_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1) RETURNING id",
        )
        .bind(self.project.0)
        .bind(jurisdiction)
        .bind(terms.title.clone())
        .bind(terms.content.clone())
        .bind(terms.reason.clone())
        .bind(terms.increase.0)
        .bind(terms.decrease.0)
        .bind(way.ratio_bp.unwrap_or(-1))
        .bind(way.path.as_str())
        .bind(facts_json(&facts))
        .bind(state)
        .bind(waiting)
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *cx.conn)
        .await?;
        let line = format!(
            "填写项目调整申请《{}》：调增 {} 万元、调减 {} 万元，{}",
            terms.title,
            terms.increase.to_wan_string(),
            terms.decrease.to_wan_string(),
            match way.threshold {
                Some(_) => way_said(&way),
                None => format!("{}，{}", way_said(&way), way.path.label()),
            }
        );
        crate::projects::note_on_timeline(
            cx.conn,
            who.principal,
            who.now_ms,
            self.project,
            ProjectAction::Change,
            &line,
        )
        .await?;
        let after = json!({"project_id": self.project, "terms": terms, "ratio_bp": way.ratio_bp,
                           "path": way.path, "status": state});
        Ok(Written { created: Some(id), ..Written::part(Audited::of(None, after)) })
    }
}

/// Why a change in `status` cannot be corrected now, if it cannot.
pub fn not_editable(status: ChangeStatus) -> Option<&'static str> {
    match status {
        ChangeStatus::ToSend | ChangeStatus::Returned => None,
        ChangeStatus::Handling => {
            Some("项目调整已报送，不能修改；需修改的，请先撤回，或由办理单位退回后修改")
        }
        ChangeStatus::Done => Some("项目调整已办结，不能再修改；需再调整的，请另行申请"),
        ChangeStatus::Refused => Some("项目调整不予通过，不能再修改；需再调整的，请另行申请"),
        ChangeStatus::Cancelled => Some("项目调整已撤销，不能再修改；需再调整的，请另行申请"),
    }
}

impl Step<Change> for EditChange {
    type Input = ChangeInput;
    type Decision = (ChangeTerms, Facts, Routing);

    fn action(&self) -> String {
        "change.edit".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Change>) -> Result<ChangeInput> {
        let c = cx.record()?;
        let (project, id) = (c.project_id, c.id);
        let mut input = gather_change(cx, project, &self.form, Some(id)).await?;
        let acts: Option<i64> =
            sqlx::query_scalar("SELECT MIN(seq) FROM change_acts WHERE change_id = $1")
                .bind(id)
                .fetch_one(&mut *cx.conn)
                .await?;
        input.acted = acts.is_some();
        Ok(input)
    }
    fn decide(&self, at: At<'_, Change>, input: ChangeInput) -> Decided<Self::Decision> {
        let c = at.record()?;
        if let Some(why) = not_editable(c.status) {
            return Err(DomainError::InvalidState { message: why.into() });
        }
        let (terms, way) = check_change(&self.form, &input)?;
        let facts = route_facts(&input);
        // A correction may change the way the change goes only before anyone has acted on it;
        // after that its acts were along the other route: it is cancelled and requested anew.
        if way.path != c.path && input.acted {
            return Err(DomainError::invalid(
                "increase",
                format!(
                    "修改后{}，办理程序由“{}”变为“{}”；本申请已办理过，请撤销本申请后重新申请",
                    way_said(&way),
                    c.path.label(),
                    way.path.label()
                ),
            ));
        }
        Ok((terms, facts, way))
    }
    async fn write(
        &self, cx: &mut Cx<'_, Change>, (terms, facts, way): Self::Decision,
    ) -> Result<Written> {
        let c = cx.record()?.clone();
        let who = cx.who;
        let conn = &mut *cx.conn;
        // A way changed before anyone acted starts the run on the new route.
        let (state, waiting) = match way.path == c.path {
            true => (c.status.as_str(), c.waiting_on.clone()),
            false => {
                projection::<Change>(&way.route, &Progress::start(&way.route, who.now_ms), false)
            }
        };
        let n = sqlx::query(
            "UPDATE project_changes SET title = $1, content = $2, reason = $3, increase_yuan = $4, \
             decrease_yuan = $5, ratio_bp = $6, path = $7, facts = $8, state = $9, waiting_on = $10, \
             version = version + 1 WHERE id = $11 AND version = $12",
        )
        .bind(terms.title.clone())
        .bind(terms.content.clone())
        .bind(terms.reason.clone())
        .bind(terms.increase.0)
        .bind(terms.decrease.0)
        .bind(way.ratio_bp.unwrap_or(-1))
        .bind(way.path.as_str())
        .bind(facts_json(&facts))
        .bind(state)
        .bind(waiting)
        .bind(c.id)
        .bind(c.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "project_changes", c.id).await?;
        let changed = c.terms.changes(&terms);
        let line = match changed.is_empty() {
            true => format!("修改项目调整《{}》：内容未变", terms.title),
            false => format!(
                "修改项目调整《{}》：{}；{}",
                terms.title,
                changed.join("；"),
                way_said(&way)
            ),
        };
        crate::projects::note_on_timeline(
            conn,
            who.principal,
            who.now_ms,
            c.project_id,
            ProjectAction::Change,
            &line,
        )
        .await?;
        let after = json!({"terms": terms, "ratio_bp": way.ratio_bp});
        Ok(Written::part(Audited::of(
            Some(json!({"terms": c.terms, "ratio_bp": c.ratio_bp})),
            after,
        )))
    }
}

impl Step<Change> for CancelChange {
    type Input = Vec<String>;
    type Decision = String;

    fn action(&self) -> String {
        "change.cancel".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Change>) -> Result<Vec<String>> {
        let c = cx.record()?;
        let (_, parties) =
            crate::projects::run::subject::parties_on(cx.conn, cx.who.principal, c.project_id)
                .await?;
        Ok(parties)
    }
    fn decide(&self, at: At<'_, Change>, parties: Vec<String>) -> Decided<String> {
        let c = at.record()?;
        if !parties.iter().any(|p| p == OWNER) {
            return Err(DomainError::Forbidden("项目调整由项目建设单位撤销".into()));
        }
        if let Some(why) = not_editable(c.status) {
            return Err(DomainError::InvalidState { message: why.replace("修改", "撤销") });
        }
        let reason = govit_core::error::within("reason", "撤销理由", &self.reason, 500)?;
        if reason.is_empty() {
            return Err(DomainError::invalid("reason", "请填写撤销理由"));
        }
        Ok(reason)
    }
    async fn write(&self, cx: &mut Cx<'_, Change>, reason: String) -> Result<Written> {
        let c = cx.record()?.clone();
        let who = cx.who;
        let conn = &mut *cx.conn;
        let n = sqlx::query(
            "UPDATE project_changes SET state = 'cancelled', waiting_on = '', cancel_reason = $1, \
             version = version + 1 WHERE id = $2 AND version = $3",
        )
        .bind(reason.clone())
        .bind(c.id)
        .bind(c.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "project_changes", c.id).await?;
        let line = format!("撤销项目调整《{}》：{reason}", c.terms.title);
        crate::projects::note_on_timeline(
            conn,
            who.principal,
            who.now_ms,
            c.project_id,
            ProjectAction::Change,
            &line,
        )
        .await?;
        Ok(Written::part(Audited::of(
            Some(json!({"status": c.status})),
            json!({"status": "cancelled"}),
        )))
    }
    fn detail(&self) -> String {
        self.reason.clone()
    }
}
