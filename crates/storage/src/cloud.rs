//! The cloud-service catalog in versions (gaoping:12), the services projects name from it and
//! the common capabilities they must not rebuild (lhasa:8), and the negative list of systems
//! exempt from the cloud or the service platform (gaoping:11).
//!
//! The data center drafts a version (a copy of the one in force), edits its items and
//! submits it; the authority publishes it — superseding the previous one — or returns it with
//! a reason. Every change guards the version it was made against and is audited.

use crate::audit::{Change, append};
use crate::{Actor, Page, Paged, Param, Result, Store, Where, WriteTx, bind_all, like_pattern};
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

fn unique_violation(e: &sqlx::Error) -> bool {
    let m = e.to_string();
    m.contains("UNIQUE") || m.contains("unique") || m.contains("duplicate key")
}

fn drafter_only() -> DomainError {
    DomainError::Forbidden("只有大数据中心经办人可以编制政务云系统服务目录（gaoping:12）".into())
}

fn authority_only(what: &str) -> DomainError {
    DomainError::Forbidden(format!("只有主管部门审核人可以{what}"))
}

fn limit(field: &'static str, label: &str, v: &str, max: usize) -> Result<String> {
    let v = v.trim();
    if v.chars().count() > max {
        return Err(DomainError::invalid(field, format!("{label}不能超过 {max} 个字")).into());
    }
    Ok(v.to_string())
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
        return Err(DomainError::StaleVersion {
            current: expected + 1,
        }
        .into());
    }
    Ok(())
}

async fn published_common_capabilities(
    conn: &mut AnyConnection,
    jurisdiction: JurisdictionId,
) -> Result<Vec<CommonCapability>> {
    let rows = sqlx::query(
        "SELECT cs.name, cs.keywords FROM cloud_services cs JOIN cloud_catalog_versions v ON v.id = cs.catalog_version_id \
         WHERE v.jurisdiction_id = $1 AND v.status = 'published' AND cs.is_common = 1 ORDER BY cs.code",
    )
    .bind(jurisdiction.0)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CommonCapability {
                name: r.try_get("name")?,
                keywords: split_keywords(&r.try_get::<String, _>("keywords")?),
            })
        })
        .collect()
}

/// Whether the project rebuilds a common capability (lhasa:8), as far as the published
/// catalog can tell: no, when the catalog lists common capabilities and the project's name
/// and summary look like none of them. A project that does look like one, or a
/// jurisdiction without such a catalog, leaves the fact for a reviewer to establish: a
/// keyword is a suspicion, not a finding.
pub(crate) async fn common_capability_fact(
    conn: &mut AnyConnection,
    p: &crate::projects::Project,
    facts: &mut govit_core::policy::Facts,
) -> Result<()> {
    let caps = published_common_capabilities(conn, p.jurisdiction_id).await?;
    let text = format!("{} {}", p.declaration.name, p.declaration.summary);
    if !caps.is_empty() && common_capability_overlaps(&text, &caps).is_empty() {
        facts.insert(govit_core::policy::Fact::RebuildsCommonCapability, 0);
    }
    Ok(())
}

impl Store {
    /// Audits a refusal and hands the error back.
    async fn refuse_cloud(
        &self,
        actor: &Actor,
        now_ms: i64,
        object_type: &str,
        id: &str,
        action: &str,
        err: DomainError,
    ) -> crate::StoreError {
        let detail = match &err {
            DomainError::NotFound => "不存在或超出数据范围".to_string(),
            e => e.to_string(),
        };
        if let Err(e) = self
            .audit_refusal(actor, now_ms, object_type, id, action, &detail)
            .await
        {
            tracing::error!(error = %e, "could not audit a refusal");
        }
        err.into()
    }

    /// `checked`'s value with the write still open; or, when it is a refusal, the write
    /// rolled back (the refusal is audited in a write of its own) and the refusal audited
    /// and returned. `what` is the audit record's (object type, object id, action).
    async fn admit<'s, T>(
        &'s self,
        w: WriteTx<'s>,
        checked: std::result::Result<T, DomainError>,
        actor: &Actor,
        now_ms: i64,
        (object_type, id, action): (&str, &str, &str),
    ) -> Result<(WriteTx<'s>, T)> {
        match checked {
            Ok(v) => Ok((w, v)),
            Err(e) => {
                drop(w);
                Err(self
                    .refuse_cloud(actor, now_ms, object_type, id, action, e)
                    .await)
            }
        }
    }

    /// The caller's part in the catalog and the negative list.
    pub async fn cloud_roles(&self, principal: &Principal) -> Result<CloudRoles> {
        let mut conn = self.pool.acquire().await?;
        roles_of(&mut conn, principal).await
    }

    /// The catalog and negative-list items waiting on the caller, added to their 待办.
    pub(crate) async fn cloud_todo(
        &self,
        principal: &Principal,
        c: &mut crate::projects::TodoCounts,
    ) -> Result<()> {
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
            let pending = NegativeFilter {
                status: Some(NegativeStatus::Pending),
                ..Default::default()
            };
            c.negative_to_decide = self
                .list_negative(principal, &pending, Page::new(1, 1))
                .await?
                .total;
        }
        if roles.drafter {
            c.catalog_returned = versions_in(CatalogStatus::Returned).await?;
        }
        Ok(())
    }

    /// Every version of the caller's jurisdiction the caller may see, newest first.
    pub async fn cloud_catalog_versions(
        &self,
        principal: &Principal,
    ) -> Result<Vec<CatalogVersion>> {
        let mut conn = self.pool.acquire().await?;
        let roles = roles_of(&mut conn, principal).await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{VERSION_SELECT} WHERE v.jurisdiction_id = $1 ORDER BY v.version_no DESC"
        )))
        .bind(principal.jurisdiction_id.0)
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .iter()
            .map(version_from_row)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|v| may_see_version(principal, roles, v))
            .collect())
    }

    /// The published version of the caller's jurisdiction, if any.
    pub async fn current_cloud_catalog(
        &self,
        jurisdiction: JurisdictionId,
    ) -> Result<Option<CatalogVersion>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{VERSION_SELECT} WHERE v.jurisdiction_id = $1 AND v.status = 'published'"
        )))
        .bind(jurisdiction.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// One version; `NotFound` outside the caller's view (audited).
    pub async fn cloud_catalog_version(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: i64,
    ) -> Result<CatalogVersion> {
        let mut conn = self.pool.acquire().await?;
        let roles = roles_of(&mut conn, principal).await?;
        match fetch_version(&mut conn, id).await? {
            Some(v) if may_see_version(principal, roles, &v) => Ok(v),
            _ => {
                drop(conn);
                Err(self
                    .refuse_cloud(
                        actor,
                        now_ms,
                        "cloud_catalog",
                        &id.to_string(),
                        "cloud_catalog.read",
                        DomainError::NotFound,
                    )
                    .await)
            }
        }
    }

    /// The items of a version (already shown to be visible), filtered, ordered by code.
    pub async fn cloud_services(
        &self,
        version_id: i64,
        f: &ServiceFilter,
    ) -> Result<Vec<ServiceRecord>> {
        let mut w = Where::default();
        w.and("catalog_version_id = ?", vec![Param::Int(version_id)]);
        if !f.keyword.trim().is_empty() {
            let k = like_pattern(f.keyword.trim());
            w.and(
                "(name LIKE ? ESCAPE '\\' OR code LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\' OR keywords LIKE ? ESCAPE '\\')",
                vec![
                    Param::Text(k.clone()),
                    Param::Text(k.clone()),
                    Param::Text(k.clone()),
                    Param::Text(k),
                ],
            );
        }
        if let Some(c) = f.category {
            w.and("category = ?", vec![Param::Text(c.as_str().into())]);
        }
        if f.common_only {
            w.and("is_common = 1", vec![]);
        }
        let sql = format!("SELECT * FROM cloud_services{} ORDER BY code, id", w.sql());
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &w.params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(service_from_row).collect()
    }

    /// One item with its version, for editing.
    pub async fn cloud_service(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        service_id: i64,
    ) -> Result<(CatalogVersion, ServiceRecord)> {
        let s = {
            let mut conn = self.pool.acquire().await?;
            fetch_service(&mut conn, service_id).await?
        };
        let Some(s) = s else {
            return Err(self
                .refuse_cloud(
                    actor,
                    now_ms,
                    "cloud_service",
                    &service_id.to_string(),
                    "cloud_service.read",
                    DomainError::NotFound,
                )
                .await);
        };
        let v = self
            .cloud_catalog_version(principal, actor, now_ms, s.catalog_version_id)
            .await?;
        Ok((v, s))
    }

    /// Starts the next version as a copy of the one in force (gaoping:12). One open draft
    /// per jurisdiction.
    pub async fn start_cloud_draft(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        note: &str,
    ) -> Result<CatalogVersion> {
        let mut w = self.write().await?;
        let roles = roles_of(&mut w.tx, principal).await?;
        let allowed = if roles.drafter {
            Ok(())
        } else {
            Err(drafter_only())
        };
        let (mut w, ()) = self
            .admit(
                w,
                allowed,
                actor,
                now_ms,
                ("cloud_catalog", "", "cloud_catalog.draft"),
            )
            .await?;
        let note = limit("note", "说明", note, 500)?;
        let j = principal.jurisdiction_id.0;
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT version_no FROM cloud_catalog_versions WHERE jurisdiction_id = $1 \
             AND status IN ('draft', 'submitted', 'returned')",
        )
        .bind(j)
        .fetch_optional(&mut *w.tx)
        .await?;
        if let Some(n) = open {
            return Err(DomainError::InvalidState {
                message: format!(
                    "目录第 {n} 版尚未发布，请在其上继续编制；同一时间只能有一个未发布的版本（gaoping:12）"
                ),
            }
            .into());
        }
        let next: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version_no), 0) + 1 FROM cloud_catalog_versions WHERE jurisdiction_id = $1",
        )
        .bind(j)
        .fetch_one(&mut *w.tx)
        .await?;
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO cloud_catalog_versions (jurisdiction_id, version_no, status, note, drafted_by, created_at_ms, version) \
             VALUES ($1, $2, 'draft', $3, $4, $5, 1) RETURNING id",
        )
        .bind(j)
        .bind(next)
        .bind(note.clone())
        .bind(principal.user_id.0)
        .bind(now_ms)
        .fetch_one(&mut *w.tx)
        .await
        {
            Ok(id) => id,
            Err(e) if unique_violation(&e) => {
                return Err(DomainError::InvalidState {
                    message: "已有未发布的目录版本，请刷新后在其上继续编制（gaoping:12）".into(),
                }
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        let copied = sqlx::query(
            "INSERT INTO cloud_services (catalog_version_id, code, name, category, description, provider, unit, is_common, keywords) \
             SELECT $1, cs.code, cs.name, cs.category, cs.description, cs.provider, cs.unit, cs.is_common, cs.keywords \
             FROM cloud_services cs JOIN cloud_catalog_versions v ON v.id = cs.catalog_version_id \
             WHERE v.jurisdiction_id = $2 AND v.status = 'published'",
        )
        .bind(id)
        .bind(j)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        let v = fetch_version(&mut w.tx, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", id, "cloud_catalog.draft").after(
                &serde_json::json!({"version_no": next, "note": note, "copied_services": copied}),
            ),
        )
        .await?;
        w.commit().await?;
        Ok(v)
    }

    /// An item and its version, when the caller may edit that version now.
    async fn service_for_edit(
        &self,
        w: &mut crate::WriteTx<'_>,
        principal: &Principal,
        service_id: i64,
        expected_version: i64,
    ) -> Result<std::result::Result<(CatalogVersion, ServiceRecord), DomainError>> {
        let Some(service) = fetch_service(&mut w.tx, service_id).await? else {
            return Ok(Err(DomainError::NotFound));
        };
        Ok(self
            .version_for_edit(w, principal, service.catalog_version_id, expected_version)
            .await?
            .map(|v| (v, service)))
    }

    /// Loads a version for a change by the data center: visible, drafter, same version,
    /// still editable.
    async fn version_for_edit(
        &self,
        w: &mut crate::WriteTx<'_>,
        principal: &Principal,
        id: i64,
        expected_version: i64,
    ) -> Result<std::result::Result<CatalogVersion, DomainError>> {
        let roles = roles_of(&mut w.tx, principal).await?;
        let v = match fetch_version(&mut w.tx, id).await? {
            Some(v) if may_see_version(principal, roles, &v) => v,
            _ => return Ok(Err(DomainError::NotFound)),
        };
        if !roles.drafter {
            return Ok(Err(drafter_only()));
        }
        if v.version != expected_version {
            return Ok(Err(DomainError::StaleVersion { current: v.version }));
        }
        if !v.status.is_editable() {
            return Ok(Err(DomainError::InvalidState {
                message: format!(
                    "目录第 {} 版当前状态为“{}”，不能修改",
                    v.version_no,
                    v.status.label()
                ),
            }));
        }
        Ok(Ok(v))
    }

    pub async fn add_cloud_service(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        version_id: i64,
        expected_version: i64,
        form: &CloudServiceForm,
    ) -> Result<ServiceRecord> {
        let mut w = self.write().await?;
        let checked = self
            .version_for_edit(&mut w, principal, version_id, expected_version)
            .await?;
        let (mut w, v) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                (
                    "cloud_catalog",
                    &version_id.to_string(),
                    "cloud_service.add",
                ),
            )
            .await?;
        let s = form.parse().map_err(DomainError::Invalid)?;
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO cloud_services (catalog_version_id, code, name, category, description, provider, unit, is_common, keywords) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(v.id)
        .bind(s.code.clone())
        .bind(s.name.clone())
        .bind(s.category.as_str())
        .bind(s.description.clone())
        .bind(s.provider.clone())
        .bind(s.unit.clone())
        .bind(i64::from(s.is_common))
        .bind(s.keywords.join(","))
        .fetch_one(&mut *w.tx)
        .await
        {
            Ok(id) => id,
            Err(e) if unique_violation(&e) => {
                return Err(DomainError::invalid(
                    "code",
                    format!("本版目录已有编码为“{}”的服务", s.code),
                )
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        bump(&mut w.tx, v.id, expected_version).await?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", v.id, "cloud_service.add")
                .after(&serde_json::json!({"service_id": id, "service": s})),
        )
        .await?;
        w.commit().await?;
        Ok(ServiceRecord {
            id,
            catalog_version_id: v.id,
            service: s,
        })
    }

    /// Replaces an item of an editable version; `expected_version` is the version's lock.
    pub async fn update_cloud_service(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        service_id: i64,
        expected_version: i64,
        form: &CloudServiceForm,
    ) -> Result<ServiceRecord> {
        let mut w = self.write().await?;
        let checked = self
            .service_for_edit(&mut w, principal, service_id, expected_version)
            .await?;
        let (mut w, (v, before)) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                (
                    "cloud_service",
                    &service_id.to_string(),
                    "cloud_service.update",
                ),
            )
            .await?;
        let s = form.parse().map_err(DomainError::Invalid)?;
        match sqlx::query(
            "UPDATE cloud_services SET code = $1, name = $2, category = $3, description = $4, provider = $5, \
             unit = $6, is_common = $7, keywords = $8 WHERE id = $9",
        )
        .bind(s.code.clone())
        .bind(s.name.clone())
        .bind(s.category.as_str())
        .bind(s.description.clone())
        .bind(s.provider.clone())
        .bind(s.unit.clone())
        .bind(i64::from(s.is_common))
        .bind(s.keywords.join(","))
        .bind(service_id)
        .execute(&mut *w.tx)
        .await
        {
            Ok(_) => {}
            Err(e) if unique_violation(&e) => {
                return Err(DomainError::invalid(
                    "code",
                    format!("本版目录已有编码为“{}”的服务", s.code),
                )
                .into());
            }
            Err(e) => return Err(e.into()),
        }
        bump(&mut w.tx, v.id, expected_version).await?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", v.id, "cloud_service.update")
                .before(&serde_json::json!({"service_id": service_id, "service": before.service}))
                .after(&serde_json::json!({"service_id": service_id, "service": s})),
        )
        .await?;
        w.commit().await?;
        Ok(ServiceRecord {
            id: service_id,
            catalog_version_id: v.id,
            service: s,
        })
    }

    /// Removes an item from an editable version.
    pub async fn remove_cloud_service(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        service_id: i64,
        expected_version: i64,
    ) -> Result<CatalogVersion> {
        let mut w = self.write().await?;
        let checked = self
            .service_for_edit(&mut w, principal, service_id, expected_version)
            .await?;
        let (mut w, (v, before)) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                (
                    "cloud_service",
                    &service_id.to_string(),
                    "cloud_service.remove",
                ),
            )
            .await?;
        sqlx::query("DELETE FROM cloud_services WHERE id = $1")
            .bind(service_id)
            .execute(&mut *w.tx)
            .await?;
        bump(&mut w.tx, v.id, expected_version).await?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", v.id, "cloud_service.remove")
                .before(&serde_json::json!({"service_id": service_id, "service": before.service})),
        )
        .await?;
        let after = fetch_version(&mut w.tx, v.id)
            .await?
            .ok_or(DomainError::NotFound)?;
        w.commit().await?;
        Ok(after)
    }

    /// Sends a draft (or a returned version) to the authority.
    pub async fn submit_cloud_catalog(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: i64,
        expected_version: i64,
    ) -> Result<CatalogVersion> {
        let mut w = self.write().await?;
        let checked = self
            .version_for_edit(&mut w, principal, id, expected_version)
            .await?;
        let (mut w, v) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                ("cloud_catalog", &id.to_string(), "cloud_catalog.submit"),
            )
            .await?;
        if v.service_count == 0 {
            return Err(DomainError::InvalidState {
                message: "目录中还没有服务，请先添加服务再提交".into(),
            }
            .into());
        }
        let n = sqlx::query(
            "UPDATE cloud_catalog_versions SET status = 'submitted', submitted_at_ms = $1, version = version + 1 \
             WHERE id = $2 AND version = $3",
        )
        .bind(now_ms)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(DomainError::StaleVersion {
                current: expected_version + 1,
            }
            .into());
        }
        let after = fetch_version(&mut w.tx, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", id, "cloud_catalog.submit")
                .before(&serde_json::json!({"status": v.status, "version": v.version}))
                .after(&serde_json::json!({"status": after.status, "version": after.version, "services": after.service_count})),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// The authority publishes a submitted version — the one in force becomes superseded —
    /// or returns it with a reason (gaoping:12).
    pub async fn decide_cloud_catalog(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: i64,
        expected_version: i64,
        decision: &CatalogDecision,
    ) -> Result<CatalogVersion> {
        let mut w = self.write().await?;
        let roles = roles_of(&mut w.tx, principal).await?;
        let checked = match fetch_version(&mut w.tx, id).await? {
            Some(v) if may_see_version(principal, roles, &v) => {
                if !roles.authority {
                    Err(authority_only("审批发布政务云系统服务目录（gaoping:12）"))
                } else {
                    Ok(v)
                }
            }
            _ => Err(DomainError::NotFound),
        };
        let (mut w, v) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                ("cloud_catalog", &id.to_string(), "cloud_catalog.decide"),
            )
            .await?;
        if v.version != expected_version {
            return Err(DomainError::StaleVersion { current: v.version }.into());
        }
        if v.status != CatalogStatus::Submitted {
            return Err(DomainError::InvalidState {
                message: format!(
                    "目录第 {} 版当前状态为“{}”，只有待审批的版本可以发布或退回",
                    v.version_no,
                    v.status.label()
                ),
            }
            .into());
        }
        let (status, note, action) = match decision {
            CatalogDecision::Publish { note } => ("published", note, "cloud_catalog.publish"),
            CatalogDecision::Return { reason } => ("returned", reason, "cloud_catalog.return"),
        };
        if status == "published" {
            // The version in force steps aside first: one published version per jurisdiction.
            let old: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM cloud_catalog_versions WHERE jurisdiction_id = $1 AND status = 'published'",
            )
            .bind(v.jurisdiction_id.0)
            .fetch_all(&mut *w.tx)
            .await?;
            for old_id in old {
                sqlx::query(
                    "UPDATE cloud_catalog_versions SET status = 'superseded', version = version + 1 WHERE id = $1",
                )
                .bind(old_id)
                .execute(&mut *w.tx)
                .await?;
                append(
                    &mut w.tx,
                    actor,
                    now_ms,
                    Change::ok("cloud_catalog", old_id, "cloud_catalog.supersede")
                        .detail(format!("由第 {} 版替代", v.version_no)),
                )
                .await?;
            }
        }
        let n = sqlx::query(
            "UPDATE cloud_catalog_versions SET status = $1, decided_by = $2, decided_at_ms = $3, decision_note = $4, \
             published_at_ms = CASE WHEN $5 = 1 THEN $3 ELSE published_at_ms END, version = version + 1 \
             WHERE id = $6 AND version = $7",
        )
        .bind(status)
        .bind(principal.user_id.0)
        .bind(now_ms)
        .bind(note.clone())
        .bind(i64::from(status == "published"))
        .bind(id)
        .bind(expected_version)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(DomainError::StaleVersion {
                current: expected_version + 1,
            }
            .into());
        }
        let after = fetch_version(&mut w.tx, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("cloud_catalog", id, action)
                .before(&serde_json::json!({"status": v.status, "version": v.version}))
                .after(&serde_json::json!({"status": after.status, "version": after.version}))
                .detail(note.clone()),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    /// The steps a version went through, oldest first: (at, who, action, detail).
    pub async fn cloud_catalog_timeline(
        &self,
        id: i64,
    ) -> Result<Vec<(i64, String, String, String)>> {
        let rows = sqlx::query(
            "SELECT at_ms, actor_login, action, detail FROM audit_log WHERE object_type = 'cloud_catalog' \
             AND object_id = $1 AND result = 'ok' ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let logins: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>("actor_login").ok())
            .collect();
        let mut names = std::collections::HashMap::new();
        for l in logins {
            if !names.contains_key(&l) {
                let n: Option<String> =
                    sqlx::query_scalar("SELECT name FROM users WHERE login = $1")
                        .bind(l.clone())
                        .fetch_optional(&self.pool)
                        .await?;
                names.insert(l.clone(), n.unwrap_or(l));
            }
        }
        rows.iter()
            .map(|r| {
                let login: String = r.try_get("actor_login")?;
                Ok((
                    r.try_get("at_ms")?,
                    names.get(&login).cloned().unwrap_or(login),
                    r.try_get("action")?,
                    r.try_get("detail")?,
                ))
            })
            .collect()
    }

    /// The common capabilities of the catalog in force (lhasa:8).
    pub async fn common_capabilities(
        &self,
        jurisdiction: JurisdictionId,
    ) -> Result<Vec<CommonCapability>> {
        let mut conn = self.pool.acquire().await?;
        published_common_capabilities(&mut conn, jurisdiction).await
    }

    /// Common capabilities a project's name and summary look like building anew (lhasa:8).
    pub async fn project_common_overlaps(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        project: ProjectId,
    ) -> Result<Vec<Overlap>> {
        let p = self.project(principal, actor, now_ms, project).await?;
        let caps = self.common_capabilities(p.jurisdiction_id).await?;
        let text = format!("{} {}", p.declaration.name, p.declaration.summary);
        Ok(common_capability_overlaps(&text, &caps))
    }

    /// The cloud services a project names (the project must be visible to the caller).
    pub async fn project_cloud_links(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        project: ProjectId,
    ) -> Result<Vec<ProjectCloudLink>> {
        self.project(principal, actor, now_ms, project).await?;
        let rows = sqlx::query(
            "SELECT l.service_id, l.note, l.created_at_ms, u.name AS created_by_name, cs.code, cs.name, cs.category, \
             cs.is_common, v.version_no FROM project_cloud_services l JOIN cloud_services cs ON cs.id = l.service_id \
             JOIN cloud_catalog_versions v ON v.id = cs.catalog_version_id JOIN users u ON u.id = l.created_by \
             WHERE l.project_id = $1 ORDER BY cs.code, l.id",
        )
        .bind(project.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let category: String = r.try_get("category")?;
                Ok(ProjectCloudLink {
                    service_id: r.try_get("service_id")?,
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    category: ServiceCategory::parse(&category).unwrap_or(ServiceCategory::Other),
                    is_common: r.try_get::<i64, _>("is_common")? != 0,
                    catalog_version_no: r.try_get("version_no")?,
                    note: r.try_get("note")?,
                    created_by_name: r.try_get("created_by_name")?,
                    created_at_ms: r.try_get("created_at_ms")?,
                })
            })
            .collect()
    }

    /// Checks that the caller may change a project's cloud services: the owner unit's clerk
    /// while the project is a draft or returned.
    async fn project_for_link(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        project: ProjectId,
        action: &str,
    ) -> Result<crate::projects::Project> {
        let p = self.project(principal, actor, now_ms, project).await?;
        if !(principal.has(Role::Declarant)
            && principal.department_id == Some(p.owner_department_id))
        {
            return Err(self
                .refuse_cloud(
                    actor,
                    now_ms,
                    "project",
                    &project.to_string(),
                    action,
                    DomainError::Forbidden("只有项目建设单位的经办人可以选用政务云服务".into()),
                )
                .await);
        }
        if !p.status.is_editable() {
            return Err(DomainError::InvalidState {
                message: format!(
                    "项目当前状态为“{}”，不能修改选用的政务云服务",
                    p.status.label()
                ),
            }
            .into());
        }
        Ok(p)
    }

    /// A project names a service of the published catalog it will use (gaoping:12).
    pub async fn link_cloud_service(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        project: ProjectId,
        service_id: i64,
        note: &str,
    ) -> Result<Vec<ProjectCloudLink>> {
        let p = self
            .project_for_link(principal, actor, now_ms, project, "project.cloud_link")
            .await?;
        let note = limit("note", "说明", note, 200)?;
        let mut w = self.write().await?;
        let published: Option<String> = sqlx::query_scalar(
            "SELECT cs.name FROM cloud_services cs JOIN cloud_catalog_versions v ON v.id = cs.catalog_version_id \
             WHERE cs.id = $1 AND v.jurisdiction_id = $2 AND v.status = 'published'",
        )
        .bind(service_id)
        .bind(p.jurisdiction_id.0)
        .fetch_optional(&mut *w.tx)
        .await?;
        let Some(name) = published else {
            return Err(DomainError::invalid(
                "service_id",
                "只能选用已发布的《政务云系统服务目录》中的服务（gaoping:12）",
            )
            .into());
        };
        match sqlx::query(
            "INSERT INTO project_cloud_services (project_id, service_id, note, created_by, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(project.0)
        .bind(service_id)
        .bind(note.clone())
        .bind(principal.user_id.0)
        .bind(now_ms)
        .execute(&mut *w.tx)
        .await
        {
            Ok(_) => {}
            Err(e) if unique_violation(&e) => {
                return Err(DomainError::invalid(
                    "service_id",
                    format!("本项目已选用“{name}”"),
                )
                .into());
            }
            Err(e) => return Err(e.into()),
        }
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("project", project, "project.cloud_link").after(
                &serde_json::json!({"service_id": service_id, "service": name, "note": note}),
            ),
        )
        .await?;
        w.commit().await?;
        self.project_cloud_links(principal, actor, now_ms, project)
            .await
    }

    pub async fn unlink_cloud_service(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        project: ProjectId,
        service_id: i64,
    ) -> Result<Vec<ProjectCloudLink>> {
        self.project_for_link(principal, actor, now_ms, project, "project.cloud_unlink")
            .await?;
        let mut w = self.write().await?;
        let n = sqlx::query(
            "DELETE FROM project_cloud_services WHERE project_id = $1 AND service_id = $2",
        )
        .bind(project.0)
        .bind(service_id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(DomainError::NotFound.into());
        }
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("project", project, "project.cloud_unlink")
                .before(&serde_json::json!({"service_id": service_id})),
        )
        .await?;
        w.commit().await?;
        self.project_cloud_links(principal, actor, now_ms, project)
            .await
    }

    /// The owner unit asks to exempt one of its systems from the cloud and/or the service
    /// platform (gaoping:11).
    pub async fn request_negative_listing(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        system_id: i64,
        form: &NegativeListForm,
    ) -> Result<NegativeEntry> {
        let system = self.system(principal, actor, now_ms, system_id).await?;
        if !(principal.has(Role::Declarant)
            && principal.department_id == Some(system.owner_department_id))
        {
            return Err(self
                .refuse_cloud(
                    actor,
                    now_ms,
                    "info_system",
                    &system_id.to_string(),
                    "negative_list.request",
                    DomainError::Forbidden(
                        "只有系统所属单位的经办人可以申请列入负面清单（gaoping:11）".into(),
                    ),
                )
                .await);
        }
        let l = form.parse().map_err(DomainError::Invalid)?;
        let mut w = self.write().await?;
        let open: Option<String> = sqlx::query_scalar(
            "SELECT status FROM negative_list WHERE system_id = $1 AND status IN ('pending', 'approved')",
        )
        .bind(system_id)
        .fetch_optional(&mut *w.tx)
        .await?;
        let already = |s: &str| DomainError::InvalidState {
            message: format!(
                "该系统已有{}的负面清单申请，不能重复申请",
                NegativeStatus::parse(s)
                    .map(|x| x.label())
                    .unwrap_or("未办结")
            ),
        };
        if let Some(s) = open {
            return Err(already(&s).into());
        }
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO negative_list (jurisdiction_id, system_id, exempt_cloud, exempt_platform, reasons, basis, status, \
             requested_by, requested_at_ms, version) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, 1) RETURNING id",
        )
        .bind(system.jurisdiction_id.0)
        .bind(system_id)
        .bind(i64::from(l.exempt_cloud))
        .bind(i64::from(l.exempt_platform))
        .bind(l.reasons.clone())
        .bind(l.basis.clone())
        .bind(principal.user_id.0)
        .bind(now_ms)
        .fetch_one(&mut *w.tx)
        .await
        {
            Ok(id) => id,
            Err(e) if unique_violation(&e) => return Err(already("pending").into()),
            Err(e) => return Err(e.into()),
        };
        let e = fetch_negative(&mut w.tx, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("negative_list", id, "negative_list.request")
                .after(&serde_json::json!({"system_id": system_id, "listing": l})),
        )
        .await?;
        w.commit().await?;
        Ok(e)
    }

    /// The authority approves (with its document number), rejects or revokes (with a
    /// reason) a negative-list entry (gaoping:11).
    pub async fn decide_negative_listing(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: i64,
        expected_version: i64,
        decision: &NegativeDecision,
    ) -> Result<NegativeEntry> {
        let mut w = self.write().await?;
        let roles = roles_of(&mut w.tx, principal).await?;
        let checked = match fetch_negative(&mut w.tx, id).await? {
            Some(e) if negative_visible(principal, &e) => {
                if roles.authority {
                    Ok(e)
                } else {
                    Err(authority_only("审批负面清单（gaoping:11）"))
                }
            }
            _ => Err(DomainError::NotFound),
        };
        let (mut w, before) = self
            .admit(
                w,
                checked,
                actor,
                now_ms,
                ("negative_list", &id.to_string(), "negative_list.decide"),
            )
            .await?;
        if before.version != expected_version {
            return Err(DomainError::StaleVersion {
                current: before.version,
            }
            .into());
        }
        let (to, document, note, action, from) = match decision {
            NegativeDecision::Approve { document, note } => (
                NegativeStatus::Approved,
                document.clone(),
                note.clone(),
                "negative_list.approve",
                NegativeStatus::Pending,
            ),
            NegativeDecision::Reject { reason } => (
                NegativeStatus::Rejected,
                String::new(),
                reason.clone(),
                "negative_list.reject",
                NegativeStatus::Pending,
            ),
            NegativeDecision::Revoke { reason } => (
                NegativeStatus::Revoked,
                before.approval_document.clone(),
                reason.clone(),
                "negative_list.revoke",
                NegativeStatus::Approved,
            ),
        };
        if before.status != from {
            return Err(DomainError::InvalidState {
                message: format!(
                    "该申请当前状态为“{}”，不能{}",
                    before.status.label(),
                    match to {
                        NegativeStatus::Revoked => "撤销",
                        _ => "审批",
                    }
                ),
            }
            .into());
        }
        let n = sqlx::query(
            "UPDATE negative_list SET status = $1, decided_by = $2, decided_at_ms = $3, approval_document = $4, \
             decision_note = $5, version = version + 1 WHERE id = $6 AND version = $7",
        )
        .bind(to.as_str())
        .bind(principal.user_id.0)
        .bind(now_ms)
        .bind(document)
        .bind(note.clone())
        .bind(id)
        .bind(expected_version)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(DomainError::StaleVersion {
                current: expected_version + 1,
            }
            .into());
        }
        let after = fetch_negative(&mut w.tx, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("negative_list", id, action)
                .before(&before)
                .after(&after)
                .detail(note),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    pub async fn negative_entry(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: i64,
    ) -> Result<NegativeEntry> {
        let found = {
            let mut conn = self.pool.acquire().await?;
            fetch_negative(&mut conn, id).await?
        };
        match found {
            Some(e) if negative_visible(principal, &e) => Ok(e),
            _ => Err(self
                .refuse_cloud(
                    actor,
                    now_ms,
                    "negative_list",
                    &id.to_string(),
                    "negative_list.read",
                    DomainError::NotFound,
                )
                .await),
        }
    }

    /// Every request about one system, newest first (the system must be visible).
    pub async fn negative_entries_for_system(
        &self,
        principal: &Principal,
        system_id: i64,
    ) -> Result<Vec<NegativeEntry>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {NEGATIVE_COLUMNS} {NEGATIVE_FROM} WHERE n.system_id = $1 ORDER BY n.id DESC"
        )))
        .bind(system_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(negative_from_row)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|e| negative_visible(principal, e))
            .collect())
    }

    /// The negative list in the caller's data scope.
    pub async fn list_negative(
        &self,
        principal: &Principal,
        f: &NegativeFilter,
        page: Page,
    ) -> Result<Paged<NegativeEntry>> {
        let mut w = crate::visible_where(principal, "s");
        if !f.keyword.trim().is_empty() {
            let k = like_pattern(f.keyword.trim());
            w.and(
                "(s.name LIKE ? ESCAPE '\\' OR n.reasons LIKE ? ESCAPE '\\' OR n.approval_document LIKE ? ESCAPE '\\')",
                vec![Param::Text(k.clone()), Param::Text(k.clone()), Param::Text(k)],
            );
        }
        if let Some(st) = f.status {
            w.and("n.status = ?", vec![Param::Text(st.as_str().into())]);
        }
        if let Some(dept) = f.department {
            w.within_department(dept);
        }
        let select = format!("SELECT {NEGATIVE_COLUMNS} {NEGATIVE_FROM}");
        self.fetch_page(
            (&select, NEGATIVE_FROM),
            &w,
            "n.requested_at_ms DESC, n.id DESC",
            page,
            negative_from_row,
        )
        .await
    }
}
