//! The cloud-service catalog in versions (gaoping:12), the services projects name from it and
//! the common capabilities they must not rebuild (lhasa:8), and the negative list of systems
//! exempt from the cloud or the service platform (gaoping:11).
//!
//! The data center drafts a version (a copy of the one in force), edits its items and
//! submits it; the authority publishes it — superseding the previous one — or returns it with
//! a reason. Every change guards the version it was made against and is audited.

mod catalog;
pub mod catalog_steps;
pub mod negative_list;
pub mod project_services;

pub use project_services::{CloudLink, CommonCapabilityFacts};

use crate::base::audit_log::{Change, append};
use crate::base::unless_unique;
use crate::{Page, Paged, Param, Result, Store, Where, bind_all};
use govit_core::DomainError;
use govit_core::cloud::{
    CatalogDecision, CatalogStatus, CloudService, CloudServiceForm, CommonCapability,
    NegativeDecision, NegativeListForm, NegativeStatus, Overlap, ServiceCategory,
    common_capability_overlaps, split_keywords,
};
use govit_core::ids::{DepartmentId, JurisdictionId, ProjectId, UserId};
use govit_core::org::{Ownership, PartyKind, Principal, Role};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

/// One version of a jurisdiction's catalog.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogVersion {
    pub id: i64,
    pub jurisdiction_id: JurisdictionId,
    pub version_no: i64,
    pub status: CatalogStatus,
    pub note: String,
    pub drafted_by: UserId,
    pub drafted_by_name: String,
    pub created_at_ms: i64,
    pub submitted_at_ms: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decided_at_ms: Option<i64>,
    pub decision_note: String,
    pub published_at_ms: Option<i64>,
    pub service_count: i64,
    /// Send back with the next change; any change to the version or its items bumps it.
    pub version: i64,
}

/// One item of a catalog version.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceRecord {
    pub id: i64,
    pub catalog_version_id: i64,
    pub service: CloudService,
}

/// Filters of a version's items.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub keyword: String,
    pub category: Option<ServiceCategory>,
    pub common_only: bool,
}

/// A cloud service a project says it will use.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectCloudLink {
    pub service_id: i64,
    pub code: String,
    pub name: String,
    pub category: ServiceCategory,
    pub is_common: bool,
    /// The catalog version the service was chosen from.
    pub catalog_version_no: i64,
    pub note: String,
    pub created_by_name: String,
    pub created_at_ms: i64,
}

/// One negative-list request and its decision.
#[derive(Debug, Clone, Serialize)]
pub struct NegativeEntry {
    pub id: i64,
    pub jurisdiction_id: JurisdictionId,
    pub system_id: i64,
    pub system_name: String,
    pub owner_department_id: DepartmentId,
    pub owner_department: String,
    #[serde(skip)]
    pub owner_department_path: String,
    #[serde(skip)]
    pub system_created_by: UserId,
    pub exempt_cloud: bool,
    pub exempt_platform: bool,
    pub reasons: String,
    pub basis: String,
    pub status: NegativeStatus,
    pub requested_by_name: String,
    pub requested_at_ms: i64,
    pub decided_by_name: Option<String>,
    pub decided_at_ms: Option<i64>,
    pub approval_document: String,
    pub decision_note: String,
    pub version: i64,
}

/// Filters of the negative list.
#[derive(Debug, Clone, Default)]
pub struct NegativeFilter {
    pub keyword: String,
    pub status: Option<NegativeStatus>,
    pub department: Option<DepartmentId>,
}

/// What the caller may do with the catalog, from their roles and their department's kinds.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloudRoles {
    /// Staff of the data center (大数据中心): see drafts.
    pub data_center_staff: bool,
    /// A data center clerk: drafts, edits and submits (gaoping:12).
    pub drafter: bool,
    /// The authority's reviewer: publishes or returns the catalog, decides the negative list.
    pub authority: bool,
}

const VERSION_SELECT: &str = "SELECT v.*, u.name AS drafted_by_name, du.name AS decided_by_name, \
    (SELECT COUNT(*) FROM cloud_services cs WHERE cs.catalog_version_id = v.id) AS service_count \
    FROM cloud_catalog_versions v JOIN users u ON u.id = v.drafted_by \
    LEFT JOIN users du ON du.id = v.decided_by";

const NEGATIVE_FROM: &str = "FROM negative_list n JOIN info_systems s ON s.id = n.system_id \
    JOIN departments d ON d.id = s.owner_department_id JOIN users ru ON ru.id = n.requested_by \
    LEFT JOIN users du ON du.id = n.decided_by";

const NEGATIVE_COLUMNS: &str = "n.*, s.name AS system_name, s.owner_department_id, \
    s.created_by AS system_created_by, d.name AS owner_department, d.path AS owner_department_path, \
    ru.name AS requested_by_name, du.name AS decided_by_name";

fn version_from_row(r: &AnyRow) -> Result<CatalogVersion> {
    let status: String = r.try_get("status")?;
    Ok(CatalogVersion {
        id: r.try_get("id")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        version_no: r.try_get("version_no")?,
        status: CatalogStatus::parse(&status).unwrap_or(CatalogStatus::Draft),
        note: r.try_get("note")?,
        drafted_by: UserId(r.try_get("drafted_by")?),
        drafted_by_name: r.try_get("drafted_by_name")?,
        created_at_ms: r.try_get("created_at_ms")?,
        submitted_at_ms: r.try_get("submitted_at_ms")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at_ms: r.try_get("decided_at_ms")?,
        decision_note: r.try_get("decision_note")?,
        published_at_ms: r.try_get("published_at_ms")?,
        service_count: r.try_get("service_count")?,
        version: r.try_get("version")?,
    })
}

fn service_from_row(r: &AnyRow) -> Result<ServiceRecord> {
    let category: String = r.try_get("category")?;
    let keywords: String = r.try_get("keywords")?;
    Ok(ServiceRecord {
        id: r.try_get("id")?,
        catalog_version_id: r.try_get("catalog_version_id")?,
        service: CloudService {
            code: r.try_get("code")?,
            name: r.try_get("name")?,
            category: ServiceCategory::parse(&category).unwrap_or(ServiceCategory::Other),
            description: r.try_get("description")?,
            provider: r.try_get("provider")?,
            unit: r.try_get("unit")?,
            is_common: r.try_get::<i64, _>("is_common")? != 0,
            keywords: split_keywords(&keywords),
        },
    })
}

fn negative_from_row(r: &AnyRow) -> Result<NegativeEntry> {
    let status: String = r.try_get("status")?;
    Ok(NegativeEntry {
        id: r.try_get("id")?,
        jurisdiction_id: JurisdictionId(r.try_get("jurisdiction_id")?),
        system_id: r.try_get("system_id")?,
        system_name: r.try_get("system_name")?,
        owner_department_id: DepartmentId(r.try_get("owner_department_id")?),
        owner_department: r.try_get("owner_department")?,
        owner_department_path: r.try_get("owner_department_path")?,
        system_created_by: UserId(r.try_get("system_created_by")?),
        exempt_cloud: r.try_get::<i64, _>("exempt_cloud")? != 0,
        exempt_platform: r.try_get::<i64, _>("exempt_platform")? != 0,
        reasons: r.try_get("reasons")?,
        basis: r.try_get("basis")?,
        status: NegativeStatus::parse(&status).unwrap_or(NegativeStatus::Pending),
        requested_by_name: r.try_get("requested_by_name")?,
        requested_at_ms: r.try_get("requested_at_ms")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at_ms: r.try_get("decided_at_ms")?,
        approval_document: r.try_get("approval_document")?,
        decision_note: r.try_get("decision_note")?,
        version: r.try_get("version")?,
    })
}

async fn fetch_version(conn: &mut AnyConnection, id: i64) -> Result<Option<CatalogVersion>> {
    let row = sqlx::query(AssertSqlSafe(format!("{VERSION_SELECT} WHERE v.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(version_from_row).transpose()
}

async fn fetch_service(conn: &mut AnyConnection, id: i64) -> Result<Option<ServiceRecord>> {
    let row = sqlx::query("SELECT * FROM cloud_services WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(service_from_row).transpose()
}

async fn fetch_negative(conn: &mut AnyConnection, id: i64) -> Result<Option<NegativeEntry>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {NEGATIVE_COLUMNS} {NEGATIVE_FROM} WHERE n.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(negative_from_row).transpose()
}

async fn roles_of(conn: &mut AnyConnection, principal: &Principal) -> Result<CloudRoles> {
    let Some(dept) = principal.department_id else {
        return Ok(CloudRoles::default());
    };
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM department_party_kinds WHERE department_id = $1")
            .bind(dept.0)
            .fetch_all(&mut *conn)
            .await?;
    let has = |k: PartyKind| kinds.iter().any(|x| x == k.as_str());
    let data_center_staff = has(PartyKind::DataCenter);
    Ok(CloudRoles {
        data_center_staff,
        drafter: data_center_staff && principal.has(Role::Declarant),
        authority: has(PartyKind::Authority) && principal.has(Role::Reviewer),
    })
}

/// Drafts stay with the data center; submitted and returned versions are also the
/// reviewers'; published and superseded versions are everyone's in the jurisdiction.
/// The records of `rows` that `visible` shows the caller, in order.
fn visible_rows<T>(
    rows: &[AnyRow], from_row: fn(&AnyRow) -> Result<T>, visible: impl Fn(&T) -> bool,
) -> Result<Vec<T>> {
    let records = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(records.into_iter().filter(|r| visible(r)).collect())
}

fn may_see_version(principal: &Principal, roles: CloudRoles, v: &CatalogVersion) -> bool {
    v.jurisdiction_id == principal.jurisdiction_id
        && match v.status {
            CatalogStatus::Published | CatalogStatus::Superseded => true,
            CatalogStatus::Submitted | CatalogStatus::Returned => {
                roles.data_center_staff || principal.has(Role::Reviewer)
            }
            CatalogStatus::Draft => roles.data_center_staff,
        }
}

fn negative_visible(principal: &Principal, e: &NegativeEntry) -> bool {
    let o = Ownership {
        jurisdiction_id: e.jurisdiction_id,
        department_id: e.owner_department_id,
        department_path: &e.owner_department_path,
        created_by: e.system_created_by,
    };
    principal.can_see(&o)
}

fn drafter_only() -> DomainError {
    DomainError::Forbidden("只有大数据中心经办人可以编制政务云系统服务目录".into())
}

fn authority_only(what: &str) -> DomainError {
    DomainError::Forbidden(format!("只有主管部门审核人可以{what}"))
}

/// Bumps a catalog version's lock, failing if someone changed it since `expected`.
async fn bump(conn: &mut AnyConnection, id: i64, expected: i64) -> Result<()> {
    let n = sqlx::query(
        "UPDATE cloud_catalog_versions SET version = version + 1 WHERE id = $1 AND version = $2",
    )
    .bind(id)
    .bind(expected)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(DomainError::StaleVersion { current: expected + 1 }.into());
    }
    Ok(())
}

/// The catalog and negative-list items waiting on a user.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloudTodo {
    pub catalog_to_publish: i64,
    pub catalog_returned: i64,
    pub negative_to_decide: i64,
}

impl Store {
    /// The caller's part in the catalog and the negative list.
    pub async fn cloud_roles(&self, principal: &Principal) -> Result<CloudRoles> {
        let mut conn = self.pool.acquire().await?;
        roles_of(&mut conn, principal).await
    }

    /// The catalog and negative-list items waiting on the caller, for their 待办.
    pub(crate) async fn cloud_todo(&self, principal: &Principal) -> Result<CloudTodo> {
        let mut c = CloudTodo::default();
        let roles = self.cloud_roles(principal).await?;
        let versions_in = |status: CatalogStatus| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM cloud_catalog_versions WHERE jurisdiction_id = $1 AND status = $2",
            )
            .bind(principal.jurisdiction_id.0)
            .bind(status.as_str())
            .fetch_one(&self.pool)
        };
        if roles.authority {
            c.catalog_to_publish = versions_in(CatalogStatus::Submitted).await?;
            let pending =
                NegativeFilter { status: Some(NegativeStatus::Pending), ..Default::default() };
            c.negative_to_decide =
                self.list_negative(principal, &pending, Page::new(1, 1)).await?.total;
        }
        if roles.drafter {
            c.catalog_returned = versions_in(CatalogStatus::Returned).await?;
        }
        Ok(c)
    }
}
