//! Reminders about tasks for the notice webhook: a 催办 reaches whoever holds the task, and
//! a task that turned overdue reaches its holders and the authority. Each is queued in the
//! transaction that causes it (`task_notices`) and delivered once.

use super::run::OWNER;
use super::*;

/// Queues a 催办 made by the act numbered `seq` at `step`.
pub(crate) async fn queue_urge(
    conn: &mut AnyConnection, id: ProjectId, seq: i64, step: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO task_notices (project_id, kind, notice_key, step, act_seq) \
         VALUES ($1, 'urge', $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(id.0)
    .bind(format!("urge/{seq}"))
    .bind(step.to_string())
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Queues the project's tasks that are overdue and not yet announced (one notice a step
/// entered at one instant).
pub(crate) async fn queue_overdue(conn: &mut AnyConnection, id: ProjectId) -> Result<()> {
    sqlx::query(
        "INSERT INTO task_notices (project_id, kind, notice_key, step) \
         SELECT DISTINCT t.project_id, 'overdue', 'overdue/' || t.step || '@' || CAST(t.since_ms AS TEXT), t.step \
         FROM run_tasks t WHERE t.project_id = $1 AND t.overdue > 0 \
         ON CONFLICT DO NOTHING",
    )
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Someone a reminder is for.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Recipient {
    pub login: String,
    pub name: String,
    pub department: String,
    /// `holder` (the task is theirs) or `authority` (told of an overdue task).
    pub role: &'static str,
}

/// A reminder to deliver.
#[derive(Debug, Clone, Serialize)]
pub struct Reminder {
    #[serde(skip)]
    pub id: i64,
    /// `urge` (催办) or `overdue` (办理逾期).
    pub kind: String,
    pub project_id: i64,
    pub project_name: String,
    /// The step's key, its words and article.
    pub step: String,
    pub action: String,
    pub cite: String,
    pub due: Option<String>,
    /// Who urged, and what they wrote (催办).
    pub urged_by: Option<String>,
    pub note: String,
    pub recipients: Vec<Recipient>,
}

/// A task row a reminder is about: party, person, action, article, due date.
type HeldTask = (String, Option<i64>, String, String, Option<String>);

/// The most reminders one delivery carries.
pub const REMINDERS_MAX: i64 = 100;

impl Store {
    /// Reminders not delivered yet, oldest first, at most `limit` (≤ [`REMINDERS_MAX`]),
    /// with the ids of queued ones that are moot (the task has moved on) to mark with them.
    pub async fn undelivered_reminders(&self, limit: i64) -> Result<(Vec<Reminder>, Vec<i64>)> {
        let rows = sqlx::query(
            "SELECT n.id, n.project_id, n.kind, n.step, n.act_seq, p.name, p.jurisdiction_id, \
             p.owner_department_id FROM task_notices n JOIN projects p ON p.id = n.project_id \
             WHERE n.sent_at_ms IS NULL ORDER BY n.id LIMIT $1",
        )
        .bind(limit.clamp(1, REMINDERS_MAX))
        .fetch_all(&self.pool)
        .await?;
        let mut conn = self.pool.acquire().await?;
        let (mut out, mut moot) = (Vec::new(), Vec::new());
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let project: i64 = r.try_get("project_id")?;
            let step: String = r.try_get("step")?;
            let tasks: Vec<HeldTask> = sqlx::query_as(
                "SELECT party, user_id, action, cite, due_date FROM run_tasks \
                 WHERE project_id = $1 AND step = $2 ORDER BY slot, party",
            )
            .bind(project)
            .bind(step.clone())
            .fetch_all(&mut *conn)
            .await?;
            let Some((_, _, action, cite, _)) = tasks.first().cloned() else {
                moot.push(id);
                continue;
            };
            let kind: String = r.try_get("kind")?;
            let (jurisdiction, owner): (i64, i64) =
                (r.try_get("jurisdiction_id")?, r.try_get("owner_department_id")?);
            let mut recipients = Vec::new();
            for (party, user, ..) in &tasks {
                let found = match user {
                    Some(u) => people(&mut conn, "u.id = $1", *u, None).await?,
                    None if party == OWNER => {
                        people(&mut conn, "u.department_id = $1", owner, Some(Role::Declarant))
                            .await?
                    }
                    None => party_people(&mut conn, jurisdiction, party).await?,
                };
                recipients.extend(found.into_iter().map(|(login, name, department)| Recipient {
                    login,
                    name,
                    department,
                    role: "holder",
                }));
            }
            if kind == "overdue" {
                let authority = party_people(&mut conn, jurisdiction, "authority").await?;
                for (login, name, department) in authority {
                    if !recipients.iter().any(|x| x.login == login) {
                        recipients.push(Recipient { login, name, department, role: "authority" });
                    }
                }
            }
            let (urged_by, note) = match r.try_get::<Option<i64>, _>("act_seq")? {
                Some(seq) => {
                    let act: Option<(String, String)> = sqlx::query_as(
                        "SELECT u.name, a.verb FROM run_acts a JOIN users u ON u.id = a.user_id \
                         WHERE a.project_id = $1 AND a.seq = $2",
                    )
                    .bind(project)
                    .bind(seq)
                    .fetch_optional(&mut *conn)
                    .await?;
                    match act {
                        Some((name, verb)) => {
                            let v: serde_json::Value =
                                serde_json::from_str(&verb).unwrap_or_default();
                            (Some(name), v["note"].as_str().unwrap_or_default().to_string())
                        }
                        None => (None, String::new()),
                    }
                }
                None => (None, String::new()),
            };
            out.push(Reminder {
                id,
                kind,
                project_id: project,
                project_name: r.try_get("name")?,
                step,
                action,
                cite,
                due: tasks.iter().filter_map(|t| t.4.clone()).min(),
                urged_by,
                note,
                recipients,
            });
        }
        Ok((out, moot))
    }

    /// Marks queued reminders delivered (or moot).
    pub async fn mark_reminders_sent(&self, ids: &[i64], now_ms: i64) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut w = self.write().await?;
        for id in ids {
            sqlx::query("UPDATE task_notices SET sent_at_ms = $1 WHERE id = $2")
                .bind(now_ms)
                .bind(*id)
                .execute(&mut *w.tx)
                .await?;
        }
        w.commit().await
    }
}

/// Enabled people matching `filter` (one bound integer), with the role if given.
async fn people(
    conn: &mut AnyConnection, filter: &str, value: i64, role: Option<Role>,
) -> Result<Vec<(String, String, String)>> {
    let role_clause = match role {
        Some(_) => {
            " AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $2)"
        }
        None => "",
    };
    let sql = format!(
        "SELECT u.login, u.name, COALESCE(d.name, '') FROM users u \
         LEFT JOIN departments d ON d.id = u.department_id \
         WHERE {filter} AND u.disabled = 0{role_clause} ORDER BY u.id LIMIT 50"
    );
    let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(value);
    if let Some(r) = role {
        q = q.bind(r.as_str());
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

/// The reviewers of the jurisdiction's departments acting as `party`.
async fn party_people(
    conn: &mut AnyConnection, jurisdiction: i64, party: &str,
) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT u.login, u.name, d.name FROM users u JOIN departments d ON d.id = u.department_id \
         JOIN department_party_kinds k ON k.department_id = d.id \
         WHERE d.jurisdiction_id = $1 AND k.kind = $2 AND u.disabled = 0 \
         AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $3) \
         ORDER BY u.id LIMIT 50",
    )
    .bind(jurisdiction)
    .bind(party.to_string())
    .bind(Role::Reviewer.as_str())
    .fetch_all(&mut *conn)
    .await?)
}
