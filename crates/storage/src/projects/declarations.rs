//! The declaration on the change path: a clerk drafts and edits it (the core's `decide_edit`);
//! every other step of its path is a verb of the workflow engine (`run.rs`). The change path
//! adds the timeline event, the tasks of the path, the recomputed obligations and the audit
//! record (see `Record for Project`).

use super::*;
use crate::base::change::{At, Cx, Decided, Record, Reindex, Step, Who, Written, stale_unless};
use govit_core::project::decide_edit;

impl Record for Project {
    const KIND: &'static str = "project";
    type Carry = super::run::Carried;

    fn written(carry: &mut Self::Carry) -> Option<Self> {
        carry.after.take()
    }
    const TABLE: Option<&'static str> = Some("projects");

    fn key(&self) -> (i64, i64) {
        (self.id.0, self.version)
    }
    async fn load(conn: &mut AnyConnection, _: Who<'_>, id: i64) -> Result<Option<Self>> {
        fetch(conn, ProjectId(id)).await
    }
    /// In the caller's data scope, or taking part in its path: an open task makes a project
    /// visible to whoever must act on it (an expert, another bureau's reviewer), and stays
    /// readable to them once they have acted.
    async fn load_visible(conn: &mut AnyConnection, who: Who<'_>, id: i64) -> Result<Option<Self>> {
        let Some(p) = fetch(conn, ProjectId(id)).await? else { return Ok(None) };
        if who.principal.can_see_project(&p.ownership(), p.status)
            || super::run::takes_part(conn, who.principal, &p).await?
        {
            return Ok(Some(p));
        }
        Ok(None)
    }
    fn audit_view(&self) -> serde_json::Value {
        audit_view(self)
    }

    /// Every change of a project: a flow step leaves a line on its timeline, and every change
    /// recomputes its obligations from what it now is.
    async fn consequences(
        cx: &mut Cx<'_, Self>, after: &Self, action: &str, detail: &str,
    ) -> Result<()> {
        let (who, conn) = (cx.who, &mut *cx.conn);
        let step = action.strip_prefix("project.").and_then(ProjectAction::parse).or_else(|| {
            if action.starts_with("project.material.") {
                Some(ProjectAction::Materials)
            } else {
                action.starts_with("project.review.").then_some(ProjectAction::Review)
            }
        });
        if let Some(step) = step {
            let from = cx.before.map_or(ProjectStatus::Draft, |b| b.status);
            timeline_event(conn, who.principal, who.now_ms, after, step, from, detail).await?;
        }
        // A new draft owes what its profile asks of it at once (the duty to declare next
        // year's project, with its deadline), not only after its first edit. The change holds
        // the project's row (see `Record::TABLE`).
        let carried = std::mem::take(&mut cx.carry);
        let owed = cx.store.owe(conn, after, carried.basis, who.now_ms).await?;
        // Who may act now follows the route, which follows the facts any change may touch
        // (read once, by the recompute, when it had them); then the tasks' due dates.
        let facts = owed.facts.as_ref();
        super::run::refresh_tasks(cx.store, conn, after, facts, carried.acts, owed.moved).await?;
        Ok(())
    }

    fn reindex(before: Option<&Project>, after: &Project) -> Option<Reindex> {
        let indexed = |p: &Project| (p.declaration.name.clone(), p.declaration.summary.clone());
        (before.map(indexed) != Some(indexed(after))).then_some(Reindex::Project(after.id.0))
    }
}

/// A line on project `id`'s timeline for a change of another record that belongs to it (a
/// contract recorded or filed), in the caller's transaction; its status stays as it is.
pub(crate) async fn note_on_timeline(
    conn: &mut AnyConnection, principal: &Principal, now_ms: i64, id: ProjectId,
    action: ProjectAction, comment: &str,
) -> Result<()> {
    let Some(p) = super::fetch(conn, id).await? else { return Ok(()) };
    timeline_event(conn, principal, now_ms, &p, action, p.status, comment).await
}

/// One line of the project's timeline, with the actor's name and department as they were.
async fn timeline_event(
    conn: &mut AnyConnection, principal: &Principal, now_ms: i64, p: &Project,
    action: ProjectAction, from: ProjectStatus, comment: &str,
) -> Result<()> {
    // On SQLite the lines are stored by (project, number): a line is numbered after the
    // project's largest. PostgreSQL numbers them from its identity column.
    let sql = if conn.backend_name() == "PostgreSQL" {
        "INSERT INTO project_events (project_id, action, from_status, to_status, actor_id, actor_name, \
         actor_department, at_ms, comment) VALUES ($1, $2, $3, $4, $5, $6, \
         COALESCE((SELECT name FROM departments WHERE id = $7), ''), $8, $9)"
    } else {
        "INSERT INTO project_events (id, project_id, action, from_status, to_status, actor_id, \
         actor_name, actor_department, at_ms, comment) VALUES \
         ((SELECT COALESCE(MAX(id), 0) + 1 FROM project_events WHERE project_id = $1), $1, $2, $3, \
         $4, $5, $6, COALESCE((SELECT name FROM departments WHERE id = $7), ''), $8, $9)"
    };
    sqlx::query(sql)
        .bind(p.id.0)
        .bind(action.as_str())
        .bind(from.as_str())
        .bind(p.status.as_str())
        .bind(principal.user_id.0)
        .bind(principal.name.clone())
        .bind(principal.department_id.map(|d| d.0))
        .bind(now_ms)
        .bind(comment.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A clerk's new draft for their own department (`Target::New`).
pub struct CreateDraft<'a>(pub &'a DeclarationForm);

impl Step<Project> for CreateDraft<'_> {
    type Input = ();
    type Decision = (DepartmentId, Declaration);

    fn action(&self) -> String {
        "project.create".into()
    }
    fn decide(&self, at: At<'_, Project>, (): ()) -> Decided<Self::Decision> {
        let pr = at.who.principal;
        if !pr.has(Role::Declarant) {
            return Err(DomainError::Forbidden(format!(
                "您没有填报项目申报的权限（需要“{}”角色）",
                Role::Declarant.label()
            )));
        }
        let dept = pr
            .department_id
            .ok_or_else(|| DomainError::Forbidden("您的账户未归属任何部门，不能申报项目".into()))?;
        let d = self.0.parse().map_err(DomainError::Invalid)?;
        Ok((dept, d))
    }
    async fn write(&self, cx: &mut Cx<'_, Project>, (dept, d): Self::Decision) -> Result<Written> {
        let (who, conn) = (cx.who, &mut *cx.conn);
        let pr = who.principal;
        let profile_id: String =
            sqlx::query_scalar("SELECT profile_id FROM jurisdictions WHERE id = $1")
                .bind(pr.jurisdiction_id.0)
                .fetch_optional(&mut *conn)
                .await?
                .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
        let row = bind_declaration(sqlx::query(
            "INSERT INTO projects (name, summary, period_start, period_end, investment_yuan, fiscal_yuan, \
             bank_loan_yuan, self_raised_yuan, other_yuan, leader, contact, phone, email, remarks, yearly_budget, \
             cross_department, jurisdiction_id, owner_department_id, profile_id, status, created_by, created_at_ms, \
             updated_at_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, 1) \
             RETURNING id",
        ), &d)
        .bind(pr.jurisdiction_id.0)
        .bind(dept.0)
        .bind(profile_id)
        .bind(ProjectStatus::Draft.as_str())
        .bind(pr.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *conn)
        .await?;
        Ok(Written::created(row.try_get("id")?))
    }
}

/// Binds a declaration's fields as the query's first sixteen parameters, in the order of the
/// columns `name` to `remarks` of `projects`, then `yearly_budget` and `cross_department`.
fn bind_declaration<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>, d: &Declaration,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(d.name.clone())
        .bind(d.summary.clone())
        .bind(d.period.start.iso())
        .bind(d.period.end.iso())
        .bind(d.investment.0)
        .bind(d.sources.fiscal.0)
        .bind(d.sources.bank_loan.0)
        .bind(d.sources.self_raised.0)
        .bind(d.sources.other.0)
        .bind(d.leader.clone())
        .bind(d.contact.clone())
        .bind(d.phone.as_str().to_string())
        .bind(d.email.as_str().to_string())
        .bind(d.remarks.clone())
        .bind(d.yearly_stored())
        .bind(d.cross_department.map(i64::from))
}

/// An edit of the declaration by its owner unit, at the version the user saw.
pub struct EditDeclaration<'a>(pub &'a DeclarationForm);

impl Step<Project> for EditDeclaration<'_> {
    type Input = ();
    type Decision = Declaration;

    fn action(&self) -> String {
        format!("project.{}", ProjectAction::Update.as_str())
    }
    fn decide(&self, at: At<'_, Project>, (): ()) -> Decided<Declaration> {
        let p = at.record()?;
        decide_edit(at.who.principal, p.status, self.0)
    }
    async fn write(&self, cx: &mut Cx<'_, Project>, decl: Declaration) -> Result<Written> {
        let (p, conn, who) = (cx.record()?, &mut *cx.conn, cx.who);
        let n = bind_declaration(sqlx::query(
            "UPDATE projects SET name = $1, summary = $2, period_start = $3, period_end = $4, investment_yuan = $5, \
             fiscal_yuan = $6, bank_loan_yuan = $7, self_raised_yuan = $8, other_yuan = $9, leader = $10, \
             contact = $11, phone = $12, email = $13, remarks = $14, yearly_budget = $15, cross_department = $16, \
             updated_at_ms = $17, version = version + 1 WHERE id = $18 AND version = $19",
        ), &decl)
        .bind(who.now_ms)
        .bind(p.id.0)
        .bind(p.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stale_unless(conn, n, "projects", p.id.0).await?;
        Ok(Written::record())
    }
}

/// The owner unit records its project as outside the regulation under a threshold the
/// project meets (yeji:2: under 100,000 yuan), or takes the record back to declare it.
pub struct OutsideScope {
    pub reopen: bool,
    /// The rule it was recorded under, for its line on the timeline.
    cited: std::sync::OnceLock<String>,
}

impl OutsideScope {
    /// Records the project outside the regulation.
    pub fn record() -> OutsideScope {
        OutsideScope { reopen: false, cited: Default::default() }
    }
    /// Takes the record back: the project is declared again.
    pub fn reopen() -> OutsideScope {
        OutsideScope { reopen: true, cited: Default::default() }
    }
}

impl Step<Project> for OutsideScope {
    /// The threshold met that puts it outside: its article and effect.
    type Input = Option<(String, String)>;
    type Decision = ProjectStatus;

    fn action(&self) -> String {
        if self.reopen { "project.reopen" } else { "project.outside_scope" }.into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Project>) -> Result<Self::Input> {
        let p = cx.record()?;
        let met = cx.store.outside_scope_in(cx.conn, p).await?.map(|t| (t.cite, t.effect));
        if let (false, Some((cite, effect))) = (self.reopen, &met) {
            let _ = self.cited.set(format!("{effect}（{cite}）"));
        }
        Ok(met)
    }
    fn detail(&self) -> String {
        self.cited.get().cloned().unwrap_or_default()
    }
    fn decide(&self, at: At<'_, Project>, met: Self::Input) -> Decided<ProjectStatus> {
        let p = at.record()?;
        let met = met.as_ref().map(|(c, e)| (c.as_str(), e.as_str()));
        ProjectAction::outside_scope(
            self.reopen,
            at.who.principal,
            p.owner_department_id,
            p.status,
            met,
        )
    }
    async fn write(&self, cx: &mut Cx<'_, Project>, to: ProjectStatus) -> Result<Written> {
        let (p, conn, who) = (cx.record()?, &mut *cx.conn, cx.who);
        // Taken back, it stands where its path stands (a draft, or returned).
        let to = match to {
            ProjectStatus::Draft => {
                let run = super::run::run_of(cx.store, conn, p).await?;
                ProjectStatus::of_run(&run.route, &run.progress)
            }
            other => other,
        };
        super::run::set_status(conn, p, to, who.now_ms, false).await?;
        Ok(Written::record())
    }
}

impl Store {
    /// [`Store::outside_scope_in`] on its own connection: what the project page offers.
    pub async fn outside_scope_of(
        &self, p: &Project,
    ) -> Result<Option<govit_core::policy::ThresholdRule>> {
        let mut conn = self.pool.acquire().await?;
        self.outside_scope_in(&mut conn, p).await
    }

    /// The threshold of the project's profile that puts it outside the regulation and that it
    /// meets, if any (yeji:2).
    pub(crate) async fn outside_scope_in(
        &self, conn: &mut AnyConnection, p: &Project,
    ) -> Result<Option<govit_core::policy::ThresholdRule>> {
        let rules = self.rules();
        let Some(profile) = rules.profile(&p.profile_id) else { return Ok(None) };
        if !profile.thresholds.iter().any(|t| t.outside_scope) {
            return Ok(None);
        }
        let facts = self.facts_of(conn, p).await?;
        Ok(profile
            .thresholds
            .iter()
            .find(|t| t.outside_scope && t.met(&facts) == Some(true))
            .cloned())
    }
}
