//! The published services a project names, and the common capabilities it must not
//! rebuild (lhasa:8).

use super::*;
use crate::Who;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written};
use crate::projects::Project;
use govit_core::policy::Provision;
use serde_json::json;

/// The common-capability fact of lhasa:8, offered to the project rules through the
/// projects room's fact-source registry.
pub struct CommonCapabilityFacts;

impl crate::projects::FactSource for CommonCapabilityFacts {
    fn derive_all<'a>(
        &'a self, conn: &'a mut AnyConnection, ps: &'a [&'a crate::projects::Project],
    ) -> crate::projects::FactsFuture<'a> {
        Box::pin(async move {
            // The catalog in force is read once a jurisdiction.
            let mut caps: Vec<(JurisdictionId, Vec<CommonCapability>)> = Vec::new();
            let mut out = Vec::with_capacity(ps.len());
            for p in ps {
                let at = match caps.iter().position(|(j, _)| *j == p.jurisdiction_id) {
                    Some(at) => at,
                    None => {
                        let found = published_common_capabilities(conn, p.jurisdiction_id).await?;
                        caps.push((p.jurisdiction_id, found));
                        caps.len() - 1
                    }
                };
                out.push(common_capability_fact(p, &caps[at].1));
            }
            Ok(out)
        })
    }
    fn only(&self) -> &'static [govit_core::policy::Fact] {
        &[govit_core::policy::Fact::RebuildsCommonCapability]
    }
}

async fn published_common_capabilities(
    conn: &mut AnyConnection, jurisdiction: JurisdictionId,
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
fn common_capability_fact(
    p: &crate::projects::Project, caps: &[CommonCapability],
) -> govit_core::policy::Facts {
    let mut facts = govit_core::policy::Facts::new();
    let text = format!("{} {}", p.declaration.name, p.declaration.summary);
    if !caps.is_empty() && common_capability_overlaps(&text, caps).is_empty() {
        facts.insert(govit_core::policy::Fact::RebuildsCommonCapability, 0);
    }
    facts
}

impl Store {
    /// The common capabilities of the catalog in force (lhasa:8).
    pub async fn common_capabilities(
        &self, jurisdiction: JurisdictionId,
    ) -> Result<Vec<CommonCapability>> {
        let mut conn = self.pool.acquire().await?;
        published_common_capabilities(&mut conn, jurisdiction).await
    }

    /// Common capabilities a project's name and summary look like building anew (lhasa:8).
    pub async fn project_common_overlaps(
        &self, who: Who<'_>, project: ProjectId,
    ) -> Result<Vec<Overlap>> {
        let p = self.read::<Project>(who, project.0).await?;
        let caps = self.common_capabilities(p.jurisdiction_id).await?;
        let text = format!("{} {}", p.declaration.name, p.declaration.summary);
        Ok(common_capability_overlaps(&text, &caps))
    }

    /// The cloud services a project names (the project must be visible to the caller).
    pub async fn project_cloud_links(
        &self, who: Who<'_>, project: ProjectId,
    ) -> Result<Vec<ProjectCloudLink>> {
        self.read::<Project>(who, project.0).await?;
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
}

/// The clerk names a service of the published catalog the project will use (gaoping:12), or
/// removes one it named.
pub struct CloudLink<'a> {
    pub service_id: i64,
    /// The note of a new link; `None` removes the link.
    pub note: Option<&'a str>,
}

impl Step<Project> for CloudLink<'_> {
    /// The service's name when it is in the published catalog of the project's jurisdiction
    /// (for a link), or when the project names it (for a removal).
    type Input = Option<String>;
    type Decision = String;

    fn provision(&self) -> Option<Provision> {
        Some(Provision::CloudServiceCatalog)
    }
    fn action(&self) -> String {
        match self.note {
            Some(_) => "project.cloud_link",
            None => "project.cloud_unlink",
        }
        .into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Project>) -> Result<Option<String>> {
        let p = cx.record()?;
        let name = match self.note {
            Some(_) => sqlx::query_scalar(
                "SELECT cs.name FROM cloud_services cs JOIN cloud_catalog_versions v ON v.id = cs.catalog_version_id \
                 WHERE cs.id = $1 AND v.jurisdiction_id = $2 AND v.status = 'published'",
            )
            .bind(self.service_id)
            .bind(p.jurisdiction_id.0),
            None => sqlx::query_scalar(
                "SELECT cs.name FROM project_cloud_services l JOIN cloud_services cs ON cs.id = l.service_id \
                 WHERE l.service_id = $1 AND l.project_id = $2",
            )
            .bind(self.service_id)
            .bind(p.id.0),
        };
        Ok(name.fetch_optional(&mut *cx.conn).await?)
    }
    fn decide(&self, at: At<'_, Project>, name: Option<String>) -> Decided<String> {
        crate::projects::parts_editable(at.who.principal, at.record()?, "选用的政务云服务")?;
        match (self.note, name) {
            (Some(note), _) if note.trim().chars().count() > 200 => {
                Err(DomainError::invalid("note", "说明不能超过 200 个字"))
            }
            (Some(_), None) => Err(DomainError::invalid(
                "service_id",
                "只能选用已发布的《政务云系统服务目录》中的服务",
            )),
            (None, None) => Err(DomainError::NotFound),
            (_, Some(name)) => Ok(name),
        }
    }
    async fn write(&self, cx: &mut Cx<'_, Project>, name: String) -> Result<Written> {
        let (p, conn, who) = (cx.record()?, &mut *cx.conn, cx.who);
        let audit = match self.note {
            Some(note) => {
                let note = note.trim();
                sqlx::query(
                    "INSERT INTO project_cloud_services (project_id, service_id, note, created_by, created_at_ms) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(p.id.0)
                .bind(self.service_id)
                .bind(note.to_string())
                .bind(who.principal.user_id.0)
                .bind(who.now_ms)
                .execute(&mut *conn)
                .await
                .map_err(|e| {
                    let m = format!("本项目已选用“{name}”");
                    unless_unique(e, || DomainError::invalid("service_id", m))
                })?;
                Audited::of(
                    None,
                    json!({"service_id": self.service_id, "service": name, "note": note}),
                )
            }
            None => {
                sqlx::query(
                    "DELETE FROM project_cloud_services WHERE project_id = $1 AND service_id = $2",
                )
                .bind(p.id.0)
                .bind(self.service_id)
                .execute(&mut *conn)
                .await?;
                Audited::of(Some(json!({"service_id": self.service_id})), serde_json::Value::Null)
            }
        };
        Ok(Written::part(audit).with_part(self.service_id))
    }
}
