//! Projects and their declaration flow: every change checks role and data scope, guards the
//! version, appends a timeline event and an audit record in one transaction.

use crate::audit::{Change, append};
use crate::{Actor, Page, Paged, Param, Result, Store, Where, like_pattern};
use govit_core::DomainError;
use govit_core::declaration::{
    ConstructionPeriod, Declaration, DeclarationForm, Email, FundSources, Phone, YearMonth,
};
use govit_core::ids::{DepartmentId, JurisdictionId, ProjectId, UserId};
use govit_core::money::Yuan;
use govit_core::obligation::{GateCheck, gate_report};
use govit_core::org::{Ownership, Principal, Role};
use govit_core::policy::{EventKind, GatedAction, QuotaRule, QuotaScope};
use govit_core::project::{Decision, ProjectAction, ProjectStatus};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

/// The profile the first flow runs under; the rules engine makes this per jurisdiction.
pub const DEFAULT_PROFILE: &str = "yeji";

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub id: ProjectId,
    pub jurisdiction_id: JurisdictionId,
    pub owner_department_id: DepartmentId,
    pub owner_department: String,
    pub owner_department_path: String,
    pub profile_id: String,
    pub declaration: Declaration,
    pub status: ProjectStatus,
    pub created_by: UserId,
    pub created_by_name: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub submitted_at_ms: Option<i64>,
    pub version: i64,
}

impl Project {
    fn ownership(&self) -> Ownership<'_> {
        Ownership {
            jurisdiction_id: self.jurisdiction_id,
            department_id: self.owner_department_id,
            department_path: &self.owner_department_path,
            created_by: self.created_by,
        }
    }
}

/// One line of a project's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectEvent {
    pub action: ProjectAction,
    pub from_status: ProjectStatus,
    pub to_status: ProjectStatus,
    pub actor_id: UserId,
    pub actor_name: String,
    pub actor_department: String,
    pub at_ms: i64,
    pub comment: String,
}

/// Filters of the project list.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub status: Option<ProjectStatus>,
    pub keyword: String,
    /// A department and everything below it.
    pub department: Option<DepartmentId>,
}

/// The numbers shown as 待办 in the navigation.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct TodoCounts {
    /// Submitted declarations awaiting this reviewer's decision.
    pub to_review: i64,
    /// The declarant's returned declarations awaiting changes.
    pub returned: i64,
    /// The declarant's unsent drafts.
    pub drafts: i64,
    /// Open obligations owed by the user's department.
    pub obligations: i64,
    /// Overdue obligations in the user's scope (for the authority and observers).
    pub overdue: i64,
    /// Cloud-service catalog versions submitted for the authority to publish (gaoping:12).
    pub catalog_to_publish: i64,
    /// Catalog versions the authority returned to the data center for changes.
    pub catalog_returned: i64,
    /// Negative-list requests awaiting the authority's decision (gaoping:11).
    pub negative_to_decide: i64,
}

/// The projects with their owner departments, for counting.
const PROJECTS_FROM: &str = "FROM projects p JOIN departments d ON d.id = p.owner_department_id";

const SELECT: &str = "SELECT p.*, d.name AS owner_department, d.path AS owner_department_path, \
    u.name AS created_by_name FROM projects p \
    JOIN departments d ON d.id = p.owner_department_id JOIN users u ON u.id = p.created_by";

fn month(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap_or(YearMonth {
        year: 1970,
        month: 1,
    })
}

fn from_row(r: &AnyRow) -> Result<Project> {
    let status: String = r.try_get("status")?;
    let declaration = Declaration {
        name: r.try_get("name")?,
        summary: r.try_get("summary")?,
        period: ConstructionPeriod {
            start: month(&r.try_get::<String, _>("period_start")?),
            end: month(&r.try_get::<String, _>("period_end")?),
        },
        investment: Yuan(r.try_get("investment_yuan")?),
        sources: FundSources {
            fiscal: Yuan(r.try_get("fiscal_yuan")?),
            bank_loan: Yuan(r.try_get("bank_loan_yuan")?),
            self_raised: Yuan(r.try_get("self_raised_yuan")?),
            other: Yuan(r.try_get("other_yuan")?),
        },
        leader: r.try_get("leader")?,
        contact: r.try_get("contact")?,
        phone: Phone::parse(&r.try_get::<String, _>("phone")?)
            .ok_or_else(|| DomainError::invalid("phone", "stored phone unreadable"))?,
        email: Email::parse(&r.try_get::<String, _>("email")?)
            .ok_or_else(|| DomainError::invalid("email", "stored e-mail unreadable"))?,
        remarks: r.try_get("remarks")?,
    };
    Ok(Project {
        id: ProjectId(r.try_get("id")?),
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        owner_department_id: DepartmentId(r.try_get("owner_department_id")?),
        owner_department: r.try_get("owner_department")?,
        owner_department_path: r.try_get("owner_department_path")?,
        profile_id: r.try_get("profile_id")?,
        declaration,
        status: ProjectStatus::parse(&status).unwrap_or(ProjectStatus::Draft),
        created_by: UserId(r.try_get("created_by")?),
        created_by_name: r.try_get("created_by_name")?,
        created_at_ms: r.try_get("created_at_ms")?,
        updated_at_ms: r.try_get("updated_at_ms")?,
        submitted_at_ms: r.try_get("submitted_at_ms")?,
        version: r.try_get("version")?,
    })
}

/// The record as the audit log keeps it.
fn audit_view(p: &Project) -> serde_json::Value {
    serde_json::json!({
        "status": p.status,
        "version": p.version,
        "owner_department_id": p.owner_department_id,
        "declaration": p.declaration,
    })
}

/// The scope of `principal` over projects as SQL, mirroring `Principal::can_see_project`.
pub(crate) fn scope_where(principal: &Principal) -> Where {
    let mut w = crate::visible_where(principal, "p");
    w.and(
        "(p.status <> 'draft' OR p.owner_department_id = ? OR p.created_by = ?)",
        vec![
            Param::Int(principal.department_id.map(|d| d.0).unwrap_or(-1)),
            Param::Int(principal.user_id.0),
        ],
    );
    w
}

pub(crate) async fn fetch(conn: &mut AnyConnection, id: ProjectId) -> Result<Option<Project>> {
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE p.id = $1")))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

fn require(principal: &Principal, role: Role, what: &str) -> Result<()> {
    if principal.has(role) {
        Ok(())
    } else {
        Err(
            DomainError::Forbidden(format!("您没有{what}的权限（需要“{}”角色）", role.label()))
                .into(),
        )
    }
}

fn validate(form: &DeclarationForm) -> Result<Declaration> {
    form.parse().map_err(|e| DomainError::Invalid(e).into())
}

impl Store {
    /// Records a refused access to a project and returns the error to show: out-of-scope and
    /// missing records both answer "not found".
    async fn refuse(
        &self,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
        action: &str,
        err: crate::StoreError,
    ) -> crate::StoreError {
        let detail = match &err {
            crate::StoreError::Domain(DomainError::NotFound) => "不存在或超出数据范围".to_string(),
            e => e.to_string(),
        };
        if let Err(e) = self
            .audit_refusal(actor, now_ms, "project", &id.to_string(), action, &detail)
            .await
        {
            tracing::error!(error = %e, "could not audit a refusal");
        }
        err
    }

    /// A project the principal may see, or `NotFound` (audited as a refused access).
    pub async fn project(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
    ) -> Result<Project> {
        let mut conn = self.pool.acquire().await?;
        match fetch(&mut conn, id).await? {
            Some(p) if principal.can_see_project(&p.ownership(), p.status) => Ok(p),
            _ => Err(self
                .refuse(
                    actor,
                    now_ms,
                    id,
                    "project.read",
                    DomainError::NotFound.into(),
                )
                .await),
        }
    }

    pub async fn project_events(&self, id: ProjectId) -> Result<Vec<ProjectEvent>> {
        let rows = sqlx::query(
            "SELECT action, from_status, to_status, actor_id, actor_name, actor_department, at_ms, comment \
             FROM project_events WHERE project_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let st = |c: &str| -> Result<ProjectStatus> {
                    Ok(ProjectStatus::parse(&r.try_get::<String, _>(c)?)
                        .unwrap_or(ProjectStatus::Draft))
                };
                Ok(ProjectEvent {
                    action: ProjectAction::parse(&r.try_get::<String, _>("action")?)
                        .unwrap_or(ProjectAction::Update),
                    from_status: st("from_status")?,
                    to_status: st("to_status")?,
                    actor_id: UserId(r.try_get("actor_id")?),
                    actor_name: r.try_get("actor_name")?,
                    actor_department: r.try_get("actor_department")?,
                    at_ms: r.try_get("at_ms")?,
                    comment: r.try_get("comment")?,
                })
            })
            .collect()
    }

    /// A clerk saves a new draft declaration for their own department.
    pub async fn create_project(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        form: &DeclarationForm,
    ) -> Result<Project> {
        let allowed = require(principal, Role::Declarant, "填报项目申报").and_then(|()| {
            principal.department_id.ok_or_else(|| {
                DomainError::Forbidden("您的账户未归属任何部门，不能申报项目".into()).into()
            })
        });
        let dept = match allowed {
            Ok(d) => d,
            Err(e) => {
                return Err(self
                    .refuse(actor, now_ms, ProjectId(0), "project.create", e)
                    .await);
            }
        };
        let d = validate(form)?;
        let mut w = self.write().await?;
        let profile_id: String =
            sqlx::query_scalar("SELECT profile_id FROM jurisdictions WHERE id = $1")
                .bind(principal.jurisdiction_id.0)
                .fetch_optional(&mut *w.tx)
                .await?
                .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO projects (jurisdiction_id, owner_department_id, profile_id, name, summary, period_start, \
             period_end, investment_yuan, fiscal_yuan, bank_loan_yuan, self_raised_yuan, other_yuan, leader, contact, \
             phone, email, remarks, status, created_by, created_at_ms, updated_at_ms, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, 1) \
             RETURNING id",
        )
        .bind(principal.jurisdiction_id.0)
        .bind(dept.0)
        .bind(profile_id)
        .bind(d.name.clone())
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
        .bind(ProjectStatus::Draft.as_str())
        .bind(principal.user_id.0)
        .bind(now_ms)
        .fetch_one(&mut *w.tx)
        .await?;
        let id = ProjectId(id);
        let p = fetch(&mut w.tx, id).await?.ok_or(DomainError::NotFound)?;
        Self::event(
            &mut w.tx,
            principal,
            now_ms,
            &p,
            ProjectAction::Create,
            ProjectStatus::Draft,
            "",
        )
        .await?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("project", id, "project.create").after(&audit_view(&p)),
        )
        .await?;
        w.commit().await?;
        Ok(p)
    }

    /// Loads a project for a change inside the transaction, applying scope, role and version.
    async fn load_for_change(
        &self,
        conn: &mut AnyConnection,
        principal: &Principal,
        id: ProjectId,
        expected_version: i64,
    ) -> Result<Project> {
        let p = match fetch(conn, id).await? {
            Some(p) if principal.can_see_project(&p.ownership(), p.status) => p,
            _ => return Err(DomainError::NotFound.into()),
        };
        if p.version != expected_version {
            return Err(DomainError::StaleVersion { current: p.version }.into());
        }
        Ok(p)
    }

    async fn event(
        conn: &mut AnyConnection,
        principal: &Principal,
        now_ms: i64,
        p: &Project,
        action: ProjectAction,
        from: ProjectStatus,
        comment: &str,
    ) -> Result<()> {
        let dept: String = match principal.department_id {
            Some(d) => sqlx::query_scalar("SELECT name FROM departments WHERE id = $1")
                .bind(d.0)
                .fetch_optional(&mut *conn)
                .await?
                .unwrap_or_default(),
            None => String::new(),
        };
        sqlx::query(
            "INSERT INTO project_events (project_id, action, from_status, to_status, actor_id, actor_name, \
             actor_department, at_ms, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(p.id.0)
        .bind(action.as_str())
        .bind(from.as_str())
        .bind(p.status.as_str())
        .bind(principal.user_id.0)
        .bind(principal.name.clone())
        .bind(dept)
        .bind(now_ms)
        .bind(comment.to_string())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Runs one change: the closure checks and writes, the rest is shared.
    #[allow(clippy::too_many_arguments)]
    async fn change(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
        expected_version: i64,
        action: ProjectAction,
        comment: &str,
        form: Option<&DeclarationForm>,
    ) -> Result<Project> {
        let result = async {
            let (role, what) = match action {
                ProjectAction::Approve | ProjectAction::Return => (Role::Reviewer, "审核项目申报"),
                _ => (Role::Declarant, "修改或提交项目申报"),
            };
            let mut w = self.write().await?;
            let before = self.load_for_change(&mut w.tx, principal, id, expected_version).await?;
            require(principal, role, what)?;
            let to = action.apply(before.status)?;
            let decl = match form {
                Some(f) => validate(f)?,
                None => before.declaration.clone(),
            };
            match action {
                ProjectAction::Submit => self.enforce_gates(&mut w.tx, &before, GatedAction::Declare).await?,
                ProjectAction::Approve => self.enforce_gates(&mut w.tx, &before, GatedAction::Approve).await?,
                _ => {}
            }
            let n = sqlx::query(
                "UPDATE projects SET name = $1, summary = $2, period_start = $3, period_end = $4, investment_yuan = $5, \
                 fiscal_yuan = $6, bank_loan_yuan = $7, self_raised_yuan = $8, other_yuan = $9, leader = $10, \
                 contact = $11, phone = $12, email = $13, remarks = $14, status = $15, updated_at_ms = $16, \
                 submitted_at_ms = CASE WHEN $17 = 1 THEN $16 ELSE submitted_at_ms END, version = version + 1 \
                 WHERE id = $18 AND version = $19",
            )
            .bind(decl.name.clone())
            .bind(decl.summary.clone())
            .bind(decl.period.start.iso())
            .bind(decl.period.end.iso())
            .bind(decl.investment.0)
            .bind(decl.sources.fiscal.0)
            .bind(decl.sources.bank_loan.0)
            .bind(decl.sources.self_raised.0)
            .bind(decl.sources.other.0)
            .bind(decl.leader.clone())
            .bind(decl.contact.clone())
            .bind(decl.phone.as_str().to_string())
            .bind(decl.email.as_str().to_string())
            .bind(decl.remarks.clone())
            .bind(to.as_str())
            .bind(now_ms)
            .bind(i64::from(action == ProjectAction::Submit))
            .bind(id.0)
            .bind(expected_version)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            if n == 0 {
                // Another writer got there between our read and write (PostgreSQL only;
                // SQLite writes are serialized).
                let current: i64 = sqlx::query_scalar("SELECT version FROM projects WHERE id = $1")
                    .bind(id.0)
                    .fetch_one(&mut *w.tx)
                    .await?;
                return Err(DomainError::StaleVersion { current }.into());
            }
            let after = fetch(&mut w.tx, id).await?.ok_or(DomainError::NotFound)?;
            Self::event(&mut w.tx, principal, now_ms, &after, action, before.status, comment).await?;
            // The declaration flow's own steps are events that rules count from.
            let today = crate::obligations::china_today(now_ms);
            let events: &[EventKind] = match (action, before.status) {
                (ProjectAction::Submit, ProjectStatus::Returned) => &[EventKind::RevisionSubmitted],
                (ProjectAction::Submit, _) => &[EventKind::DeclarationSubmitted, EventKind::MaterialsReceived],
                (ProjectAction::Approve, _) => &[EventKind::ReviewPassed],
                (ProjectAction::Return, _) => &[EventKind::ReviewFailed, EventKind::ReviewOpinionSent],
                _ => &[],
            };
            for kind in events {
                crate::obligations::insert_milestone(&mut w.tx, id, *kind, today, "", principal.user_id.0, now_ms).await?;
            }
            self.recompute_in(&mut w.tx, id, now_ms).await?;
            append(
                &mut w.tx,
                actor,
                now_ms,
                Change::ok("project", id, &format!("project.{}", action.as_str()))
                    .before(&audit_view(&before))
                    .after(&audit_view(&after))
                    .detail(comment),
            )
            .await?;
            w.commit().await?;
            Ok(after)
        }
        .await;
        match result {
            Ok(p) => Ok(p),
            // Invalid input and stale versions are the user's to fix, not access refusals.
            Err(
                e @ crate::StoreError::Domain(
                    DomainError::Invalid(_) | DomainError::StaleVersion { .. },
                ),
            ) => Err(e),
            Err(e @ crate::StoreError::Domain(_)) => Err(self
                .refuse(
                    actor,
                    now_ms,
                    id,
                    &format!("project.{}", action.as_str()),
                    e,
                )
                .await),
            Err(e) => Err(e),
        }
    }

    /// Every gate of the project's profile in front of `action`, with its outcome now:
    /// lhasa:7's two declarations a year, gaoping:10's catalog, yeji:24's sharing and crypto …
    async fn gate_checks(
        &self,
        conn: &mut AnyConnection,
        p: &Project,
        action: GatedAction,
    ) -> Result<Vec<GateCheck>> {
        let rules = self.rules();
        let Some(profile) = rules.profile(&p.profile_id) else {
            return Ok(Vec::new());
        };
        let facts = crate::obligations::facts_of(conn, p).await?;
        let quota_gated = profile
            .gates
            .iter()
            .any(|g| g.action == action && g.quota.is_some());
        if !quota_gated {
            return Ok(gate_report(profile, action, &facts, &|_| 0));
        }
        let year_prefix = format!("{:04}-%", p.declaration.period.start.year);
        let same_department_year: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM projects WHERE owner_department_id = $1 AND period_start LIKE $2 \
             AND status <> 'draft' AND id <> $3",
        )
        .bind(p.owner_department_id.0)
        .bind(year_prefix.clone())
        .bind(p.id.0)
        .fetch_one(&mut *conn)
        .await?;
        let same_jurisdiction_year: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM projects WHERE jurisdiction_id = $1 AND period_start LIKE $2 \
             AND status <> 'draft' AND id <> $3",
        )
        .bind(p.jurisdiction_id.0)
        .bind(year_prefix)
        .bind(p.id.0)
        .fetch_one(&mut *conn)
        .await?;
        let used = |q: &QuotaRule| match q.per {
            QuotaScope::DepartmentYear => same_department_year as u32,
            QuotaScope::JurisdictionYear => same_jurisdiction_year as u32,
        };
        Ok(gate_report(profile, action, &facts, &used))
    }

    /// Refuses with the first gate that does not pass, citing its article.
    async fn enforce_gates(
        &self,
        conn: &mut AnyConnection,
        p: &Project,
        action: GatedAction,
    ) -> Result<()> {
        match self
            .gate_checks(conn, p, action)
            .await?
            .iter()
            .find_map(GateCheck::refusal)
        {
            None => Ok(()),
            Some(first) => Err(DomainError::GateRefused {
                cite: first.cite,
                text: first.text,
            }
            .into()),
        }
    }

    /// The gates in front of an action on a project the user can see, for the reviewer's page.
    pub async fn project_gates(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
        action: GatedAction,
    ) -> Result<Vec<GateCheck>> {
        let p = self.project(principal, actor, now_ms, id).await?;
        self.gates_of(&p, action).await
    }

    /// The gates of a project the caller has already read (and so may see).
    pub async fn gates_of(&self, p: &Project, action: GatedAction) -> Result<Vec<GateCheck>> {
        let mut conn = self.pool.acquire().await?;
        self.gate_checks(&mut conn, p, action).await
    }

    pub async fn update_project(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
        expected_version: i64,
        form: &DeclarationForm,
    ) -> Result<Project> {
        self.change(
            principal,
            actor,
            now_ms,
            id,
            expected_version,
            ProjectAction::Update,
            "",
            Some(form),
        )
        .await
    }

    pub async fn submit_project(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
        expected_version: i64,
    ) -> Result<Project> {
        self.change(
            principal,
            actor,
            now_ms,
            id,
            expected_version,
            ProjectAction::Submit,
            "",
            None,
        )
        .await
    }

    pub async fn withdraw_project(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
        expected_version: i64,
    ) -> Result<Project> {
        self.change(
            principal,
            actor,
            now_ms,
            id,
            expected_version,
            ProjectAction::Withdraw,
            "",
            None,
        )
        .await
    }

    pub async fn decide_project(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
        expected_version: i64,
        decision: &Decision,
    ) -> Result<Project> {
        self.change(
            principal,
            actor,
            now_ms,
            id,
            expected_version,
            decision.action(),
            decision.text(),
            None,
        )
        .await
    }

    pub async fn list_projects(
        &self,
        principal: &Principal,
        f: &ProjectFilter,
        page: Page,
    ) -> Result<Paged<Project>> {
        let mut w = scope_where(principal);
        if let Some(s) = f.status {
            w.and("p.status = ?", vec![Param::Text(s.as_str().into())]);
        }
        if !f.keyword.trim().is_empty() {
            w.and(
                "(p.name LIKE ? ESCAPE '\\' OR p.summary LIKE ? ESCAPE '\\')",
                vec![
                    Param::Text(like_pattern(f.keyword.trim())),
                    Param::Text(like_pattern(f.keyword.trim())),
                ],
            );
        }
        if let Some(dept) = f.department {
            w.within_department(dept);
        }
        self.fetch_page(
            (SELECT, PROJECTS_FROM),
            &w,
            "p.updated_at_ms DESC, p.id DESC",
            page,
            from_row,
        )
        .await
    }

    pub async fn todo_counts(&self, principal: &Principal) -> Result<TodoCounts> {
        let count = |status: ProjectStatus, own_only: bool| {
            let mut w = scope_where(principal);
            w.and("p.status = ?", vec![Param::Text(status.as_str().into())]);
            if own_only {
                w.and(
                    "p.owner_department_id = ?",
                    vec![Param::Int(
                        principal.department_id.map(|d| d.0).unwrap_or(-1),
                    )],
                );
            }
            w
        };
        let run = |w: Where| async move { self.count_where(PROJECTS_FROM, &w).await };
        let mut c = TodoCounts::default();
        if principal.has(Role::Reviewer) {
            c.to_review = run(count(ProjectStatus::Submitted, false)).await?;
        }
        if principal.has(Role::Declarant) {
            c.returned = run(count(ProjectStatus::Returned, true)).await?;
            c.drafts = run(count(ProjectStatus::Draft, true)).await?;
        }
        let one = Page::new(1, 1);
        let mine = crate::obligations::ObligationFilter {
            owed_by_me: true,
            open_only: true,
            ..Default::default()
        };
        c.obligations = self.list_obligations(principal, &mine, one).await?.total;
        if principal.has(Role::Reviewer) || principal.has(Role::Viewer) {
            let overdue = crate::obligations::ObligationFilter {
                status: Some(govit_core::obligation::Status::Overdue),
                ..Default::default()
            };
            c.overdue = self.list_obligations(principal, &overdue, one).await?.total;
        }
        self.cloud_todo(principal, &mut c).await?;
        Ok(c)
    }
}
