//! 我的待办: what waits on the caller, gathered from every room that has something waiting
//! (declarations to review, obligations owed, catalog versions and negative-list requests).

use crate::projects::PROJECTS_FROM;
use crate::{Param, Result, Store, Where};
use govit_core::org::{Principal, Role};
use govit_core::project::ProjectStatus;
use serde::Serialize;
use std::collections::HashMap;

/// The numbers shown as 待办 in the navigation.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct TodoCounts {
    /// Projects whose current step of the path waits on this reviewer (or their unit).
    pub to_review: i64,
    /// The declarant's returned declarations awaiting changes.
    pub returned: i64,
    /// The declarant's unsent drafts.
    pub drafts: i64,
    /// Open obligations owed by the user's department.
    pub obligations: i64,
    /// Overdue obligations in the user's scope (for the authority and observers).
    pub overdue: i64,
    /// Cloud-service catalog versions submitted for the authority to publish.
    pub catalog_to_publish: i64,
    /// Catalog versions the authority returned to the data center for changes.
    pub catalog_returned: i64,
    /// Negative-list requests awaiting the authority's decision.
    pub negative_to_decide: i64,
    /// Annual and supplementary plans waiting on the user's unit: to compile and send, to
    /// approve, to publish.
    pub plans: i64,
    /// Contracts whose filing waits on the user's unit: to send, to consent to, to file.
    pub contracts: i64,
    /// Project changes waiting on the user's unit: to send, to approve, to file.
    pub changes: i64,
    /// Progress reports waiting on the user's unit: to send, to file.
    pub reports: i64,
    /// Acceptances waiting on the user's unit: to accept, to apply, to file.
    pub acceptances: i64,
    /// Payment requests waiting on the user's unit: to send, to check, to consent to, to pay.
    pub payments: i64,
    /// Reviews, evaluations and O&M fund applications waiting on the user's unit: to send, to
    /// review or audit, to evaluate.
    pub submissions: i64,
}

impl TodoCounts {
    /// Everything waiting on the user, as 我的待办 counts it: reviews, returned
    /// declarations, catalog versions and negative-list requests to act on, and the duties
    /// their unit owes. Drafts and the jurisdiction's overdue list have their own entries.
    pub fn total(&self) -> i64 {
        self.to_review
            + self.returned
            + self.obligations
            + self.catalog_to_publish
            + self.catalog_returned
            + self.negative_to_decide
            + self.plans
            + self.contracts
            + self.changes
            + self.reports
            + self.acceptances
            + self.payments
            + self.submissions
    }

    /// Each kind waiting, as 我的待办 lists it: (label, count, where to act).
    pub fn waiting(&self) -> Vec<(&'static str, i64, &'static str)> {
        [
            ("待审核的项目申报", self.to_review, "/review"),
            ("被退回、待修改的申报", self.returned, "/projects?status=returned"),
            ("待审批发布的服务目录版本", self.catalog_to_publish, "/cloud"),
            ("被退回、待修改的服务目录版本", self.catalog_returned, "/cloud"),
            ("待审批的负面清单申请", self.negative_to_decide, "/negative-list?status=pending"),
            ("待编制、审批或发布的年度计划", self.plans, "/plans"),
            ("待报送或备案的合同", self.contracts, "/contracts"),
            ("待报送、审批或备案的项目调整", self.changes, "/changes"),
            ("待报送或备案的进度报告", self.reports, "/progress"),
            ("待办理的项目验收", self.acceptances, "/acceptances"),
            ("待报送、审核或拨付的资金拨付申请", self.payments, "/payments"),
            (
                "待报送或办理的说明、结余退回、财评、评价和运维经费申请",
                self.submissions,
                "/submissions",
            ),
            ("本单位应办的义务", self.obligations, "/obligations#duties"),
        ]
        .into_iter()
        .filter(|(_, n, _)| *n > 0)
        .collect()
    }
}

/// How long counts stay valid without a write of this process: writes by another process
/// (the command line, a second server) show within this time.
const TODO_TTL: std::time::Duration = std::time::Duration::from_secs(2);
/// The most users whose counts are kept; beyond it the cache starts afresh.
const TODO_USERS: usize = 10_000;

/// Each user's counts with the write generation and the instant they were computed.
#[derive(Default)]
pub(crate) struct TodoCache {
    entries: std::sync::Mutex<HashMap<i64, (u64, std::time::Instant, TodoCounts)>>,
}

impl Store {
    /// The navigation's counts for `principal`: computed once, then served from memory
    /// until any write commits (or for two seconds, for other processes' writes).
    pub async fn todo_counts(&self, principal: &Principal) -> Result<TodoCounts> {
        use std::sync::atomic::Ordering;
        let generation = self.writes.load(Ordering::SeqCst);
        let key = principal.user_id.0;
        if let Ok(entries) = self.todo_cache.entries.lock()
            && let Some((g, at, c)) = entries.get(&key)
            && *g == generation
            && at.elapsed() < TODO_TTL
        {
            return Ok(*c);
        }
        let counts = self.count_todo(principal).await?;
        if let Ok(mut entries) = self.todo_cache.entries.lock() {
            if entries.len() >= TODO_USERS {
                entries.clear();
            }
            entries.insert(key, (generation, std::time::Instant::now(), counts));
        }
        Ok(counts)
    }

    async fn count_todo(&self, principal: &Principal) -> Result<TodoCounts> {
        let count = |status: ProjectStatus, own_only: bool| {
            let mut w = crate::projects::scope_where(principal);
            w.and("p.status = ?", vec![Param::Text(status.as_str().into())]);
            if own_only {
                w.and(
                    "p.owner_department_id = ?",
                    vec![Param::Int(principal.department_id.map(|d| d.0).unwrap_or(-1))],
                );
            }
            w
        };
        let run = |w: Where| async move { self.count_where(PROJECTS_FROM, &w).await };
        let mut c = TodoCounts::default();
        let holder = self.task_holder(principal).await?;
        if !holder.parties.is_empty() {
            let f = crate::projects::ProjectFilter {
                status: Some(ProjectStatus::Submitted),
                tasks_of: Some(holder),
                ..Default::default()
            };
            c.to_review = self.count_projects(principal, &f).await?;
        }
        if principal.has(Role::Declarant) {
            c.returned = run(count(ProjectStatus::Returned, true)).await?;
            c.drafts = run(count(ProjectStatus::Draft, true)).await?;
        }
        let mine = crate::projects::obligations::ObligationFilter {
            owed_by_me: true,
            open_only: true,
            ..Default::default()
        };
        c.obligations = self.count_obligations(principal, &mine).await?;
        c.plans = self.plans_waiting(principal).await?.len() as i64;
        c.contracts = self.count_subjects_waiting::<crate::contracts::Contract>(principal).await?;
        c.changes = self.count_subjects_waiting::<crate::changes::Change>(principal).await?;
        c.reports = self.count_subjects_waiting::<crate::progress::Report>(principal).await?;
        c.acceptances =
            self.count_subjects_waiting::<crate::acceptances::Acceptance>(principal).await?;
        c.payments = self.count_subjects_waiting::<crate::payments::Payment>(principal).await?;
        c.submissions =
            self.count_subjects_waiting::<crate::submissions::Submission>(principal).await?;
        if principal.has(Role::Reviewer) || principal.has(Role::Viewer) {
            let overdue = crate::projects::obligations::ObligationFilter {
                status: Some(govit_core::obligation::Status::Overdue),
                ..Default::default()
            };
            c.overdue = self.count_obligations(principal, &overdue).await?;
        }
        let cloud = self.cloud_todo(principal).await?;
        c.catalog_to_publish = cloud.catalog_to_publish;
        c.catalog_returned = cloud.catalog_returned;
        c.negative_to_decide = cloud.negative_to_decide;
        Ok(c)
    }
}
