//! Projects and their declaration flow: every change checks role and data scope, guards the
//! version, appends a timeline event and an audit record in one transaction.

mod declarations;
mod events;
pub mod facts;
mod gates;
pub mod links;
pub mod obligations;
pub mod path;
pub mod reminders;
pub mod run;
pub mod tasks;

pub(crate) use declarations::note_on_timeline;
pub use declarations::{CreateDraft, EditDeclaration, OutsideScope};
pub use events::{BASIS_MAX, EstablishFact, RecordEvent, Waive};
pub use links::{LinkSystem, UnlinkSystem};
pub use run::{Command, RunStep, RunView};

use crate::{Page, Paged, Param, Result, Store, Where, bind_all};
use govit_core::DomainError;
use govit_core::declaration::{
    ConstructionPeriod, Declaration, DeclarationForm, Email, FundSources, Phone, YearMonth,
};
use govit_core::ids::{DepartmentId, JurisdictionId, ProjectId, UserId};
use govit_core::money::Yuan;
use govit_core::obligation::{GateCheck, gate_report};
use govit_core::org::{Ownership, Principal, Role};
use govit_core::policy::{EventKind, Facts, GatedAction, QuotaRule, QuotaScope};
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
    pub(crate) fn ownership(&self) -> Ownership<'_> {
        Ownership {
            jurisdiction_id: self.jurisdiction_id,
            department_id: self.owner_department_id,
            department_path: &self.owner_department_path,
            created_by: self.created_by,
        }
    }
}

/// Why a project that stands returned was returned: the latest return's reason, from its
/// timeline (oldest first).
pub fn returned_because(events: &[ProjectEvent]) -> Option<String> {
    if events.last()?.to_status != ProjectStatus::Returned {
        return None;
    }
    events.iter().rev().find(|e| e.action == ProjectAction::Return).map(|e| e.comment.clone())
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

/// A source of facts a project's rules test, derived from what another room keeps (the
/// systems a project names, the published cloud catalog). Rooms above `projects` register
/// theirs with the store, so `projects` asks them without importing them.
///
/// A source answers for several projects at once ([`FactSource::derive_all`]: the daily
/// recompute asks for two hundred); [`FactSource::derive`] asks it for one.
pub trait FactSource: Send + Sync {
    fn derive<'a>(
        &'a self, conn: &'a mut AnyConnection, p: &'a Project, facts: &'a mut Facts,
    ) -> FactFuture<'a> {
        Box::pin(async move {
            let mut all = self.derive_all(conn, std::slice::from_ref(&p)).await?;
            facts.extend(all.pop().unwrap_or_default());
            Ok(())
        })
    }

    /// The facts of each of `ps`, in their order.
    fn derive_all<'a>(
        &'a self, conn: &'a mut AnyConnection, ps: &'a [&'a Project],
    ) -> FactsFuture<'a>;

    /// For a source whose records a project has only once it is approved (a contract, a
    /// change, an acceptance, a measure: each begins on an approved project alone), what its
    /// facts are before that — what `derive` would find of none — and true; the source is then
    /// not read for a project not approved (every step of the declaration's path). False by
    /// default: the source is always read.
    fn before_approval(&self, _facts: &mut Facts) -> bool {
        false
    }

    /// The facts it derives, when it derives only facts a profile's rules test and nothing
    /// else reads (lhasa:8's common capability): it is then not read for a project whose
    /// profile tests none of them. Empty by default: the source is always read.
    fn only(&self) -> &'static [govit_core::policy::Fact] {
        &[]
    }
}

/// What a [`FactSource`] returns.
pub type FactFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>>;

/// What [`FactSource::derive_all`] returns.
pub type FactsFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<Facts>>> + Send + 'a>>;

/// A check a room above `projects` makes before the holder of a step passes it (the
/// materials room: the materials the holder hands in there are complete); registered with
/// the store like a [`FactSource`]. `None` lets the pass go on.
pub trait PassCheck: Send + Sync {
    fn check<'a>(&'a self, at: PassAt<'a>) -> PassFuture<'a>;
}

/// Where a pass is being made: the store, the write's connection, the project, its run and
/// facts, and the person passing with the parties they act as.
pub struct PassAt<'a> {
    pub store: &'a Store,
    pub conn: &'a mut AnyConnection,
    pub project: &'a Project,
    pub run: &'a run::Run,
    pub facts: &'a Facts,
    pub parties: &'a [String],
    pub user: govit_core::ids::UserId,
}

/// What a [`PassCheck`] returns: the refusal, if any.
pub type PassFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<DomainError>>> + Send + 'a>>;

/// The first refusal of the registered pass checks, if any.
pub(crate) async fn pass_refusal(
    store: &Store, conn: &mut AnyConnection, project: &Project, run: &run::Run, facts: &Facts,
    parties: &[String], user: govit_core::ids::UserId,
) -> Result<Option<DomainError>> {
    for c in store.pass_checks.iter() {
        let at = PassAt { store, conn: &mut *conn, project, run, facts, parties, user };
        if let Some(refusal) = c.check(at).await? {
            return Ok(Some(refusal));
        }
    }
    Ok(None)
}

impl Store {
    /// Why a pass by `principal` of the project's current step would be refused now by a
    /// registered check (the materials they hand in there), in Chinese; `None` when it would
    /// not. Pages ask it to say so before the button, not after the click, with the run they
    /// have already read for `principal` ([`Store::run_view`]).
    pub async fn pass_blocked(
        &self, principal: &Principal, p: &Project, view: &run::RunView,
    ) -> Result<Option<String>> {
        let mut conn = self.pool.acquire().await?;
        let run::RunView { run, facts, parties, .. } = view;
        let refusal =
            pass_refusal(self, &mut conn, p, run, facts, parties, principal.user_id).await?;
        Ok(refusal.map(|e| e.to_string()))
    }
}

/// What a room above `projects` adds to an act of a run as it is written, in the act's
/// transaction (the decisions room: the signature over what the decider saw); registered
/// with the store like a [`PassCheck`].
pub trait ActHook: Send + Sync {
    fn written<'a>(&'a self, at: ActAt<'a>) -> FactFuture<'a>;
}

/// An act just written: the store, the write's connection, the project, the act's number in
/// its run and the act.
pub struct ActAt<'a> {
    pub store: &'a Store,
    pub conn: &'a mut AnyConnection,
    pub project: &'a Project,
    pub seq: i64,
    pub act: &'a govit_core::workflow::Act,
    /// The run's acts before it, when the writer has read them (the hook reads them itself
    /// otherwise).
    pub earlier: Option<&'a [run::ActRecord]>,
    /// The record whose run beside the path the act is on (a contract, a payment …), with
    /// what it asks; `None`: the act is on the project's own path.
    pub subject: Option<&'a run::subject::Asked>,
}

/// Runs the registered act hooks on an act just written.
pub(crate) async fn act_written(
    store: &Store, conn: &mut AnyConnection, project: &Project, seq: i64,
    act: &govit_core::workflow::Act, earlier: Option<&[run::ActRecord]>,
    subject: Option<&run::subject::Asked>,
) -> Result<()> {
    for h in store.act_hooks.iter() {
        h.written(ActAt { store, conn: &mut *conn, project, seq, act, earlier, subject }).await?;
    }
    Ok(())
}

/// The rule for a project's parts (the systems it names, the cloud services it uses): the
/// owner unit's clerk changes them while the project is a draft or returned. `what` names
/// the part in the refusal.
pub(crate) fn parts_editable(
    principal: &Principal, p: &Project, what: &str,
) -> std::result::Result<(), DomainError> {
    if !(principal.has(Role::Declarant) && principal.department_id == Some(p.owner_department_id)) {
        return Err(DomainError::Forbidden(format!("只有项目建设单位的经办人可以修改{what}")));
    }
    if !p.status.is_editable() {
        return Err(DomainError::InvalidState {
            message: format!("项目当前状态为“{}”，不能修改{what}", p.status.label()),
        });
    }
    Ok(())
}

/// Filters of the project list.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub status: Option<ProjectStatus>,
    pub keyword: String,
    /// A department and everything below it.
    pub department: Option<DepartmentId>,
    pub order: ProjectOrder,
    /// Only the projects terminated (项目终止).
    pub ended: bool,
    /// Only projects with an open task of the path for this person or these parties (the
    /// review queue, 我的待办).
    pub tasks_of: Option<TaskHolder>,
}

/// Who holds tasks: a person, and the parties they act as (as a reviewer).
#[derive(Debug, Clone)]
pub struct TaskHolder {
    pub user: UserId,
    pub parties: Vec<String>,
}

/// How a project list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProjectOrder {
    /// Most recently changed first.
    #[default]
    Updated,
    /// Longest waiting first (a review queue).
    SubmittedOldest,
    SubmittedNewest,
    /// In a review queue: the earliest due date of the holder's duties on the project first
    /// (the profile's clock, lhasa:11's 5 working days), those without one last.
    DueSoonest,
    DueLatest,
}

/// The projects with their owner departments, for counting.
pub(crate) const PROJECTS_FROM: &str =
    "FROM projects p JOIN departments d ON d.id = p.owner_department_id";

const SELECT: &str = "SELECT p.*, d.name AS owner_department, d.path AS owner_department_path, \
    u.name AS created_by_name FROM projects p \
    JOIN departments d ON d.id = p.owner_department_id JOIN users u ON u.id = p.created_by";

fn month(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap_or(YearMonth { year: 1970, month: 1 })
}

/// The construction period of a row with `period_start` and `period_end` (a project's, a
/// plan line's).
pub(crate) fn period_of(r: &AnyRow) -> Result<ConstructionPeriod> {
    Ok(ConstructionPeriod {
        start: month(&r.try_get::<String, _>("period_start")?),
        end: month(&r.try_get::<String, _>("period_end")?),
    })
}

/// The four fund sources of a row with their `*_yuan` columns (a project's, a plan line's).
pub(crate) fn sources_of(r: &AnyRow) -> Result<FundSources> {
    Ok(FundSources {
        fiscal: Yuan(r.try_get("fiscal_yuan")?),
        bank_loan: Yuan(r.try_get("bank_loan_yuan")?),
        self_raised: Yuan(r.try_get("self_raised_yuan")?),
        other: Yuan(r.try_get("other_yuan")?),
    })
}

fn from_row(r: &AnyRow) -> Result<Project> {
    let status: String = r.try_get("status")?;
    let declaration = Declaration {
        name: r.try_get("name")?,
        summary: r.try_get("summary")?,
        period: period_of(r)?,
        investment: Yuan(r.try_get("investment_yuan")?),
        sources: sources_of(r)?,
        leader: r.try_get("leader")?,
        contact: r.try_get("contact")?,
        phone: Phone::parse(&r.try_get::<String, _>("phone")?)
            .ok_or_else(|| DomainError::invalid("phone", "stored phone unreadable"))?,
        email: Email::parse(&r.try_get::<String, _>("email")?)
            .ok_or_else(|| DomainError::invalid("email", "stored e-mail unreadable"))?,
        remarks: r.try_get("remarks")?,
        yearly: Declaration::yearly_from_stored(&r.try_get::<String, _>("yearly_budget")?),
        cross_department: r.try_get::<Option<i64>, _>("cross_department")?.map(|v| v != 0),
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

/// The projects a principal sees under a filter.
fn project_where(principal: &Principal, f: &ProjectFilter) -> Where {
    // A task makes its project visible to whoever holds it (an expert, another bureau's
    // reviewer), within the caller's own jurisdiction; otherwise the data scope decides.
    let mut w = match &f.tasks_of {
        Some(_) => {
            let mut w = Where::default();
            w.and("p.jurisdiction_id = ?", vec![Param::Int(principal.jurisdiction_id.0)]);
            w
        }
        None => scope_where(principal),
    };
    if let Some(s) = f.status {
        w.and("p.status = ?", vec![Param::Text(s.as_str().into())]);
    }
    if f.ended {
        w.and(crate::base::TERMINATED, vec![]);
    }
    w.keyword(&f.keyword, &["p.name", "p.summary"]);
    if let Some(dept) = f.department {
        w.within_department(dept);
    }
    if let Some(h) = &f.tasks_of {
        let mut params = vec![Param::Int(h.user.0)];
        let mut sql = String::from(
            "EXISTS (SELECT 1 FROM run_tasks t WHERE t.project_id = p.id AND (t.user_id = ?",
        );
        if !h.parties.is_empty() {
            sql.push_str(" OR (t.user_id IS NULL AND t.party IN (");
            sql.push_str(&vec!["?"; h.parties.len()].join(", "));
            sql.push_str("))");
            params.extend(h.parties.iter().map(|k| Param::Text(k.clone())));
        }
        sql.push_str("))");
        w.and(&sql, params);
    }
    w
}

/// Orders a review queue by the earliest due date of the holder's tasks on each project (each
/// task's own duty, `tasks::write_dues`): those held by name and by their parties.
/// The parties are vocabulary codes (checked here) and the user an integer, written into the
/// clause.
fn due_order(f: &ProjectFilter, latest_first: bool) -> String {
    let parties: Vec<String> = f
        .tasks_of
        .iter()
        .flat_map(|h| h.parties.iter())
        .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .map(|k| format!("'{k}'"))
        .collect();
    let Some(user) = f.tasks_of.as_ref().map(|h| h.user.0) else {
        return "p.submitted_at_ms ASC, p.id ASC".into();
    };
    let by_party = match parties.is_empty() {
        true => String::new(),
        false => format!(" OR (t.user_id IS NULL AND t.party IN ({}))", parties.join(", ")),
    };
    // Without a due date last either way; ties longest waiting first.
    let (none, dir) = if latest_first { ("0000-01-01", "DESC") } else { ("9999-12-31", "ASC") };
    format!(
        "COALESCE((SELECT MIN(t.due_date) FROM run_tasks t WHERE t.project_id = p.id \
         AND (t.user_id = {user}{by_party})), '{none}') {dir}, p.submitted_at_ms ASC, p.id ASC"
    )
}

/// What a count of projects needs to join: the departments only when the filter reads
/// their paths, so that a count can be answered from an index alone.
pub(crate) fn counting_from(w: &Where) -> &'static str {
    if w.sql().contains("d.") { PROJECTS_FROM } else { "FROM projects p" }
}

/// Takes project `id`'s row for the rest of the transaction: a second change that takes it too
/// waits for this one and then sees what it wrote (on SQLite one writer runs at a time anyway).
pub(crate) async fn hold(conn: &mut AnyConnection, id: ProjectId) -> Result<()> {
    hold_all(conn, &[id.0]).await
}

/// Takes the rows of these projects, as [`hold`] takes one, in one statement.
pub(crate) async fn hold_all(conn: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    of_projects(conn, "UPDATE projects SET version = version WHERE id IN ({ids})", ids).await?;
    Ok(())
}

/// These projects, in the order of their ids (those that exist).
pub(crate) async fn fetch_all(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Project>> {
    let sql = format!("{SELECT} WHERE p.id IN ({{ids}}) ORDER BY p.id");
    of_projects(conn, &sql, ids).await?.iter().map(from_row).collect()
}

/// Runs `sql` with `{ids}` standing for these project ids, bound as parameters, and answers
/// the rows it returns: one statement for a batch of projects (the daily recompute reads
/// each table once for two hundred projects) whose text depends only on how many there are.
pub(crate) async fn of_projects(
    conn: &mut AnyConnection, sql: &str, ids: &[i64],
) -> Result<Vec<AnyRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = sql.replace("{ids}", &list.join(", "));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

pub(crate) async fn fetch(conn: &mut AnyConnection, id: ProjectId) -> Result<Option<Project>> {
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE p.id = $1")))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

impl Store {
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

    pub async fn list_projects(
        &self, principal: &Principal, f: &ProjectFilter, page: Page,
    ) -> Result<Paged<Project>> {
        let w = project_where(principal, f);
        let order = match f.order {
            ProjectOrder::Updated => "p.updated_at_ms DESC, p.id DESC".to_string(),
            ProjectOrder::SubmittedOldest => "p.submitted_at_ms ASC, p.id ASC".into(),
            ProjectOrder::SubmittedNewest => "p.submitted_at_ms DESC, p.id DESC".into(),
            ProjectOrder::DueSoonest => due_order(f, false),
            ProjectOrder::DueLatest => due_order(f, true),
        };
        // The page's ids first, from the projects alone (an index walk), then only those
        // twenty rows joined: a deep page skips index entries, not joined rows.
        let total = self.count_where(counting_from(&w), &w).await?;
        let sql = format!(
            "{SELECT} WHERE p.id IN (SELECT p.id {}{} ORDER BY {order} LIMIT {} OFFSET {}) ORDER BY {order}",
            counting_from(&w),
            w.sql(),
            page.size,
            page.offset()
        );
        self.read_page(sql, &w, total, page, from_row).await
    }

    /// How many projects [`Store::list_projects`] would list.
    /// The names of the projects with these ids, whatever their scope: for the audit log,
    /// whose records name them anyway. At most 1,000 ids.
    pub async fn project_names(
        &self, ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>> {
        self.names_by_id("projects", ids).await
    }

    /// The projects `principal` may see under `f` with ids above `after`, in id order, at most
    /// `limit`: the next batch of an export that walks them all (an index walk by id, so each
    /// batch costs the same however deep it is).
    pub async fn projects_after(
        &self, principal: &Principal, f: &ProjectFilter, after: i64, limit: u32,
    ) -> Result<Vec<Project>> {
        let mut w = project_where(principal, f);
        w.and("p.id > ?", vec![Param::Int(after)]);
        let sql = format!(
            "{SELECT} WHERE p.id IN (SELECT p.id {}{} ORDER BY p.id LIMIT {limit}) ORDER BY p.id",
            counting_from(&w),
            w.sql(),
        );
        let rows =
            bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params).fetch_all(&self.pool).await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn count_projects(&self, principal: &Principal, f: &ProjectFilter) -> Result<i64> {
        let w = project_where(principal, f);
        self.count_where(counting_from(&w), &w).await
    }
}
