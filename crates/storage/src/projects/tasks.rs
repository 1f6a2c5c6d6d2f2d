//! 我的待办: the open tasks of project paths waiting on a person, read from `run_tasks` with
//! their due dates under the profile's clock, in the order asked.

use super::run::OWNER;
use super::*;

/// An open task of a project's path waiting on someone.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    /// `{project}-{slot}`: the place to sign at the project's current step.
    pub id: String,
    pub project_id: i64,
    pub project_name: String,
    pub owner_department: String,
    pub status: ProjectStatus,
    /// The project's version, for the act.
    pub version: i64,
    /// The step's key, its words and its article.
    pub step: String,
    pub action: String,
    pub cite: String,
    /// When the step began waiting.
    pub since_ms: i64,
    /// By when, under the profile's clock (lhasa:11's 5 / 2 / 2 / 3 / 3 / 2 working days,
    /// lhasa:7's pre-review on the fourth Thursday): the earliest open duty the holder's party
    /// owes on the project under the step's own article, else under any.
    pub due: Option<String>,
    /// That duty is overdue.
    pub overdue: bool,
    /// When its holder was last reminded (催办) at this step.
    pub urged_ms: Option<i64>,
}

/// Writes each task's due date and overdue flag of one project from its obligations: the
/// earliest open duty of the task's party under the step's own article, else under any
/// (lhasa:7's pre-review on its fourth Thursday, lhasa:11's 5 working days at the technical
/// review). Run whenever the project's tasks or its obligations are rewritten; a task that
/// turned overdue is queued for its reminder.
pub(crate) async fn write_dues(conn: &mut AnyConnection, id: ProjectId) -> Result<()> {
    const OPEN: &str = "o.project_id = run_tasks.project_id AND o.owed_by = run_tasks.party \
        AND o.status IN ('pending', 'due_soon', 'overdue') AND o.due_date IS NOT NULL";
    let due = format!(
        "COALESCE((SELECT MIN(o.due_date) FROM obligations o WHERE {OPEN} AND o.cite = run_tasks.cite), \
         (SELECT MIN(o.due_date) FROM obligations o WHERE {OPEN}))"
    );
    let overdue = format!(
        "(SELECT COUNT(*) FROM obligations o WHERE o.project_id = run_tasks.project_id \
         AND o.owed_by = run_tasks.party AND o.status = 'overdue' AND (o.cite = run_tasks.cite \
         OR NOT EXISTS (SELECT 1 FROM obligations o WHERE {OPEN} AND o.cite = run_tasks.cite)))"
    );
    // Only the rows whose due date or overdue count moved: a row rewritten with what it held
    // still costs its pages (and their indexes') in the commit.
    let sql = format!(
        "UPDATE run_tasks SET due_date = {due}, overdue = {overdue} WHERE project_id = $1 \
         AND (due_date IS DISTINCT FROM {due} OR overdue <> {overdue})"
    );
    sqlx::query(AssertSqlSafe(sql)).bind(id.0).execute(&mut *conn).await?;
    super::reminders::queue_overdue(conn, id).await
}

/// How 我的待办 is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TaskOrder {
    /// Longest waiting first.
    #[default]
    Waiting,
    WaitingNewest,
    /// Earliest due date first (those without one last).
    Due,
    DueLatest,
}

impl TaskOrder {
    /// `waiting`, `-waiting`, `due` or `-due`.
    pub fn parse(s: &str) -> Option<TaskOrder> {
        match s {
            "" | "waiting" => Some(TaskOrder::Waiting),
            "-waiting" => Some(TaskOrder::WaitingNewest),
            "due" => Some(TaskOrder::Due),
            "-due" => Some(TaskOrder::DueLatest),
            _ => None,
        }
    }
}

/// The most tasks one list returns.
pub const TASKS_MAX: i64 = 5_000;

impl Store {
    /// The open tasks waiting on `principal`, longest waiting first: those held by them by
    /// name, by the parties they act as (a reviewer's unit, an expert, a firm), and — for a
    /// declarant — their own units' steps of projects already sent (a return, a step the owner
    /// takes mid-path). At most [`TASKS_MAX`].
    pub async fn my_tasks(&self, principal: &Principal, order: TaskOrder) -> Result<Vec<Task>> {
        self.tasks_of(principal, None, order).await
    }

    /// One page of [`Store::my_tasks`], with how many there are in all.
    pub async fn my_tasks_page(
        &self, principal: &Principal, order: TaskOrder, page: Page,
    ) -> Result<Paged<Task>> {
        let (total, items) =
            self.task_rows(principal, None, order, page.size, page.offset()).await?;
        Ok(Paged { items, total, page: page.number, page_size: page.size })
    }

    /// [`Store::my_tasks`] on these projects only (a page of the review queue).
    pub async fn tasks_of(
        &self, principal: &Principal, only: Option<&[i64]>, order: TaskOrder,
    ) -> Result<Vec<Task>> {
        Ok(self.task_rows(principal, only, order, TASKS_MAX, 0).await?.1)
    }

    /// The tasks waiting on `principal` in the order asked, `limit` from `offset`, and their
    /// count. A place to sign that several of one's parties may sign is one task: the row of
    /// the first of them stands for it. A reviewer's tasks are found from the tasks alone
    /// (their jurisdiction and holder are indexed); the projects are read only for a
    /// declarant's own units' steps and, for the page's rows, for their names.
    async fn task_rows(
        &self, principal: &Principal, only: Option<&[i64]>, order: TaskOrder, limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<Task>)> {
        let holder = self.task_holder(principal).await?;
        let owner_path = principal
            .department_path
            .as_deref()
            .filter(|_| principal.has(Role::Declarant))
            .map(|path| format!("{}%", crate::like_pattern(path).trim_matches('%')));
        let mut w = Where::default();
        w.and("t.jurisdiction_id = ?", vec![Param::Int(principal.jurisdiction_id.0)]);
        if let Some(ids) = only {
            if ids.is_empty() {
                return Ok((0, Vec::new()));
            }
            w.and(
                &format!("t.project_id IN ({})", vec!["?"; ids.len()].join(", ")),
                ids.iter().map(|i| Param::Int(*i)).collect(),
            );
        }
        // Who holds it: the person by name (party ''), or a party of theirs while no person
        // does, or — for a declarant — the owner unit of their own units' projects once sent.
        let held = |parties: &[String]| vec!["?"; parties.len()].join(", ");
        let mut kinds: Vec<String> = vec![String::new()];
        kinds.extend(holder.parties.iter().cloned());
        let mut any = String::from("(t.party = '' AND t.user_id = ?)");
        let mut params = vec![Param::Int(principal.user_id.0)];
        if !holder.parties.is_empty() {
            any.push_str(&format!(
                " OR (t.user_id IS NULL AND t.party IN ({}))",
                held(&holder.parties)
            ));
            params.extend(holder.parties.iter().map(|k| Param::Text(k.clone())));
        }
        if let Some(pattern) = &owner_path {
            kinds.push(OWNER.into());
            any.push_str(
                " OR (t.user_id IS NULL AND t.party = ? AND p.status <> 'draft' AND d.path LIKE ? ESCAPE '\\')",
            );
            params.push(Param::Text(OWNER.into()));
            params.push(Param::Text(pattern.clone()));
        }
        // The holder's kinds first, as an index range; then which of them holds.
        w.and(
            &format!("t.party IN ({})", held(&kinds)),
            kinds.iter().map(|k| Param::Text(k.clone())).collect(),
        );
        w.and(&format!("({any})"), params);
        let several =
            holder.parties.len() > 1 || (owner_path.is_some() && !holder.parties.is_empty());
        if several {
            // One row a place: another party of the holder's at the same place, earlier in
            // order (or any, for the owner unit's row), stands for it instead.
            w.and(
                &format!(
                    "NOT EXISTS (SELECT 1 FROM run_tasks u WHERE u.project_id = t.project_id \
                     AND u.slot = t.slot AND u.user_id IS NULL AND u.party IN ({0}) \
                     AND (u.party < t.party OR t.party NOT IN ({0})))",
                    held(&holder.parties)
                ),
                holder
                    .parties
                    .iter()
                    .chain(holder.parties.iter())
                    .map(|k| Param::Text(k.clone()))
                    .collect(),
            );
        }
        let from = match owner_path {
            Some(_) => {
                "FROM run_tasks t JOIN projects p ON p.id = t.project_id \
                 JOIN departments d ON d.id = p.owner_department_id"
            }
            None => "FROM run_tasks t",
        };
        let order = match order {
            TaskOrder::Waiting => "t.since_ms ASC",
            TaskOrder::WaitingNewest => "t.since_ms DESC",
            TaskOrder::Due => "COALESCE(t.due_date, '9999-12-31') ASC, t.since_ms ASC",
            TaskOrder::DueLatest => "COALESCE(t.due_date, '0000-01-01') DESC, t.since_ms ASC",
        };
        let total = self.count_where(from, &w).await?;
        let sql = format!(
            "SELECT g.*, p.name, p.status, p.version, d.name AS department FROM \
             (SELECT t.project_id, t.slot, t.step, t.action, t.cite, t.since_ms, t.due_date, \
             t.overdue, t.urged_ms {from}{} ORDER BY {order}, t.project_id, t.slot LIMIT {limit} OFFSET {offset}) g \
             JOIN projects p ON p.id = g.project_id JOIN departments d ON d.id = p.owner_department_id \
             ORDER BY {}, g.project_id, g.slot",
            w.sql(),
            order.replace("t.", "g.")
        );
        let rows = crate::base::bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(&self.pool)
            .await?;
        let mut out: Vec<Task> = Vec::with_capacity(rows.len());
        for r in rows {
            let (project_id, slot): (i64, i64) = (r.try_get("project_id")?, r.try_get("slot")?);
            let status: String = r.try_get("status")?;
            out.push(Task {
                id: format!("{project_id}-{slot}"),
                project_id,
                project_name: r.try_get("name")?,
                owner_department: r.try_get("department")?,
                status: ProjectStatus::parse(&status).unwrap_or(ProjectStatus::Submitted),
                version: r.try_get("version")?,
                step: r.try_get("step")?,
                action: r.try_get("action")?,
                cite: r.try_get("cite")?,
                since_ms: r.try_get("since_ms")?,
                due: r.try_get("due_date")?,
                overdue: r.try_get::<i64, _>("overdue")? > 0,
                urged_ms: r.try_get("urged_ms")?,
            });
        }
        Ok((total, out))
    }
}

/// A task past its due date, as the authority sees it across the jurisdiction.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueTask {
    pub project_id: i64,
    pub project_name: String,
    pub owner_department: String,
    pub step: String,
    pub action: String,
    pub cite: String,
    /// The party holding it (its code), or empty when a person does.
    pub party: String,
    /// The person holding it, when one does.
    pub user_name: Option<String>,
    pub since_ms: i64,
    pub due: Option<String>,
}

impl Store {
    /// The overdue tasks of the projects `principal` sees (one row per holder of each place
    /// to sign), the longest overdue first: what the authority is told of (lhasa:11's clock
    /// and every other duty a step is due under). Reviewers and viewers only.
    pub async fn overdue_tasks(
        &self, principal: &Principal, page: Page,
    ) -> Result<Paged<OverdueTask>> {
        if !principal.has(Role::Reviewer) && !principal.has(Role::Viewer) {
            return Err(DomainError::Forbidden(
                "逾期未办的审批环节供主管部门及有关部门查看".into(),
            )
            .into());
        }
        // The projects they see, and of those the tasks past due.
        let mut all = super::scope_where(principal);
        all.and("t.jurisdiction_id = ?", vec![Param::Int(principal.jurisdiction_id.0)]);
        all.and("t.overdue > 0", vec![]);
        let from = "FROM run_tasks t JOIN projects p ON p.id = t.project_id \
                    JOIN departments d ON d.id = p.owner_department_id";
        let total = self.count_where(from, &all).await?;
        let sql = format!(
            "SELECT t.project_id, t.party, t.step, t.action, t.cite, t.since_ms, t.due_date, \
             p.name, d.name AS department, u.name AS user_name {from} \
             LEFT JOIN users u ON u.id = t.user_id{} \
             ORDER BY t.due_date, t.project_id, t.slot, t.party LIMIT {} OFFSET {}",
            all.sql(),
            page.size,
            page.offset()
        );
        let rows = crate::base::bind_all(sqlx::query(AssertSqlSafe(sql)), &all.params)
            .fetch_all(&self.pool)
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            items.push(OverdueTask {
                project_id: r.try_get("project_id")?,
                project_name: r.try_get("name")?,
                owner_department: r.try_get("department")?,
                step: r.try_get("step")?,
                action: r.try_get("action")?,
                cite: r.try_get("cite")?,
                party: r.try_get("party")?,
                user_name: r.try_get("user_name")?,
                since_ms: r.try_get("since_ms")?,
                due: r.try_get("due_date")?,
            });
        }
        Ok(Paged { items, total, page: page.number, page_size: page.size })
    }
}

impl Store {
    /// Who `principal` may hand a task to (转办): the active people of their own department
    /// with the same role, themselves excepted.
    pub async fn colleagues(&self, principal: &Principal) -> Result<Vec<(i64, String)>> {
        let Some(dept) = principal.department_id else { return Ok(Vec::new()) };
        let role = if principal.has(Role::Reviewer) { Role::Reviewer } else { Role::Declarant };
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT u.id, u.name FROM users u JOIN user_roles r ON r.user_id = u.id \
             WHERE u.department_id = $1 AND u.disabled = 0 AND u.id <> $2 AND r.role = $3 ORDER BY u.id",
        )
        .bind(dept.0)
        .bind(principal.user_id.0)
        .bind(role.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// The party kinds a jurisdiction's departments act as, besides the owner units: whom a
    /// signer may be added from (加签).
    pub async fn jurisdiction_parties(&self, j: JurisdictionId) -> Result<Vec<String>> {
        let kinds: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT k.kind FROM department_party_kinds k JOIN departments d ON d.id = k.department_id \
             WHERE d.jurisdiction_id = $1 AND k.kind <> $2 ORDER BY k.kind",
        )
        .bind(j.0)
        .bind(OWNER)
        .fetch_all(&self.pool)
        .await?;
        Ok(kinds)
    }
}
