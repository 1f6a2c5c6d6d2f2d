//! The information systems a project names — built, changed or retired — and the facts they
//! imply for the rules: how many are outside the catalog (gaoping:10, xinzhou-transport:8)
//! and whether a new one sits in its own machine room (lhasa:8, linxiang:7).

use super::{FactSource, FactsFuture, Project, parts_editable};
use crate::Who;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written};
use crate::base::unless_unique;
use crate::{Result, Store};
use govit_core::DomainError;
use govit_core::FieldError;
use govit_core::ids::ProjectId;
use govit_core::inventory::{Deployment, SystemAction};
use govit_core::org::Principal;
use govit_core::policy::{Fact, Facts};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};

/// A system the project names, with its catalog entry when there is one.
#[derive(Debug, Clone, Serialize)]
pub struct SystemLink {
    pub id: i64,
    pub system_name: String,
    pub action: SystemAction,
    pub note: String,
    /// The catalog entry of that name in the jurisdiction (the owner unit's own preferred).
    pub catalog: Option<CatalogMatch>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogMatch {
    /// The entry, when the reader may read it (the rules know it is there either way).
    pub system_id: Option<i64>,
    pub deployment: Deployment,
}

pub(crate) async fn links_of(conn: &mut AnyConnection, p: &Project) -> Result<Vec<SystemLink>> {
    Ok(links_of_all(conn, &[p]).await?.pop().unwrap_or_default())
}

/// The systems each of `ps` names, in their order, read in one statement.
async fn links_of_all(conn: &mut AnyConnection, ps: &[&Project]) -> Result<Vec<Vec<SystemLink>>> {
    let ids: Vec<i64> = ps.iter().map(|p| p.id.0).collect();
    let rows = super::of_projects(
        conn,
        "SELECT l.project_id, l.id, l.system_name, l.action, l.note, s.id AS system_id, s.deployment, \
         s.owner_department_id FROM project_systems l JOIN projects p ON p.id = l.project_id \
         LEFT JOIN info_systems s ON s.jurisdiction_id = p.jurisdiction_id AND s.name = l.system_name \
         WHERE l.project_id IN ({ids}) ORDER BY l.project_id, l.id",
        &ids,
    )
    .await?;
    let mut by_project: std::collections::HashMap<i64, Vec<SystemLink>> = Default::default();
    for r in rows {
        let project: i64 = r.try_get("project_id")?;
        let Some(p) = ps.iter().find(|p| p.id.0 == project) else { continue };
        let out = by_project.entry(project).or_default();
        let id: i64 = r.try_get("id")?;
        let catalog = match r.try_get::<Option<i64>, _>("system_id")? {
            Some(system_id) => Some((
                r.try_get::<Option<i64>, _>("owner_department_id")?
                    == Some(p.owner_department_id.0),
                CatalogMatch {
                    system_id: Some(system_id),
                    deployment: Deployment::parse(
                        &r.try_get::<Option<String>, _>("deployment")?.unwrap_or_default(),
                    )
                    .unwrap_or(Deployment::Other),
                },
            )),
            None => None,
        };
        match out.last_mut() {
            // A second catalog entry of the same name: keep the owner unit's own.
            Some(last) if last.id == id => {
                if let Some((true, m)) = catalog {
                    last.catalog = Some(m);
                }
            }
            _ => out.push(SystemLink {
                id,
                system_name: r.try_get("system_name")?,
                action: SystemAction::parse(&r.try_get::<String, _>("action")?)
                    .unwrap_or(SystemAction::Change),
                note: r.try_get("note")?,
                catalog: catalog.map(|(_, m)| m),
            }),
        }
    }
    Ok(ps.iter().map(|p| by_project.remove(&p.id.0).unwrap_or_default()).collect())
}

/// The facts the named systems imply. With no system named nothing is implied: the clerk
/// must list them, or a reviewer establish that the project touches none.
/// The facts of the systems a project names, for the fact-source registry.
pub struct LinkFacts;

impl FactSource for LinkFacts {
    fn derive_all<'a>(
        &'a self, conn: &'a mut AnyConnection, ps: &'a [&'a Project],
    ) -> FactsFuture<'a> {
        Box::pin(async move {
            let all = links_of_all(conn, ps).await?;
            Ok(all.iter().map(|links| link_facts(links)).collect())
        })
    }
}

fn link_facts(links: &[SystemLink]) -> Facts {
    let mut facts = Facts::new();
    if links.is_empty() {
        return facts;
    }
    let outside = links.iter().filter(|l| l.catalog.is_none()).count();
    facts.insert(Fact::SystemsOutsideCatalog, outside as i64);
    let own_room = links.iter().any(|l| {
        l.action == SystemAction::Build
            && l.catalog.as_ref().is_some_and(|c| c.deployment == Deployment::OwnRoom)
    });
    facts.insert(Fact::BuildsOwnMachineRoom, i64::from(own_room));
    facts
}

impl Store {
    pub async fn project_systems(&self, who: Who<'_>, id: ProjectId) -> Result<Vec<SystemLink>> {
        let p = self.read::<Project>(who, id.0).await?;
        self.systems_of(who.principal, &p).await
    }

    /// The systems of a project the caller has already read (and so may see); a catalog
    /// entry the caller may not read is named as in the catalog, without its id.
    pub async fn systems_of(&self, principal: &Principal, p: &Project) -> Result<Vec<SystemLink>> {
        let mut links = {
            let mut conn = self.pool.acquire().await?;
            links_of(&mut conn, p).await?
        };
        let ids: Vec<i64> =
            links.iter().filter_map(|l| l.catalog.as_ref().and_then(|c| c.system_id)).collect();
        let readable = self.readable_systems(principal, &ids).await?;
        for c in links.iter_mut().filter_map(|l| l.catalog.as_mut()) {
            c.system_id = c.system_id.filter(|id| readable.contains(id));
        }
        Ok(links)
    }
}

/// The clerk names a system the project builds, changes or retires.
pub struct LinkSystem<'a> {
    pub name: &'a str,
    pub action: &'a str,
    pub note: &'a str,
}

/// What a system link says, once read.
type LinkDecision = (String, SystemAction, String);

impl Step<Project> for LinkSystem<'_> {
    type Input = ();
    type Decision = LinkDecision;

    fn action(&self) -> String {
        "project.link_system".into()
    }
    fn decide(&self, at: At<'_, Project>, (): ()) -> Decided<LinkDecision> {
        parts_editable(at.who.principal, at.record()?, "涉及的信息系统")?;
        let name = self.name.trim();
        let mut errors = Vec::new();
        if name.is_empty() {
            errors.push(FieldError::new("system_name", "请填写信息系统名称"));
        } else if name.chars().count() > 100 {
            errors.push(FieldError::new("system_name", "信息系统名称不能超过 100 个字"));
        }
        let action = SystemAction::parse(self.action.trim()).or_else(|| {
            SystemAction::ALL.iter().copied().find(|a| a.label() == self.action.trim())
        });
        if action.is_none() {
            errors.push(FieldError::new(
                "action",
                "请选择对该系统的建设内容：新建、改造升级或停用或整合",
            ));
        }
        let note = self.note.trim();
        if note.chars().count() > 200 {
            errors.push(FieldError::new("note", "说明不能超过 200 个字"));
        }
        match action {
            Some(action) if errors.is_empty() => Ok((name.to_string(), action, note.to_string())),
            _ => Err(DomainError::Invalid(errors)),
        }
    }
    async fn write(
        &self, cx: &mut Cx<'_, Project>, (name, action, note): LinkDecision,
    ) -> Result<Written> {
        let (p, who) = (cx.record()?, cx.who);
        let link_id: i64 = sqlx::query_scalar(
            "INSERT INTO project_systems (project_id, system_name, action, note, created_by, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(p.id.0)
        .bind(name.clone())
        .bind(action.as_str())
        .bind(note.clone())
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *cx.conn)
        .await
        .map_err(|e| {
            unless_unique(e, || DomainError::invalid("system_name", format!("已列出“{name}”")))
        })?;
        let after = json!({"system_name": name, "action": action.as_str(), "note": note});
        Ok(Written::part(Audited::of(None, after)).with_part(link_id))
    }
}

/// The clerk removes a system the project named.
pub struct UnlinkSystem {
    pub link_id: i64,
}

impl Step<Project> for UnlinkSystem {
    /// The linked system's name, if the project names it.
    type Input = Option<String>;
    type Decision = String;

    fn action(&self) -> String {
        "project.unlink_system".into()
    }
    async fn gather(&self, cx: &mut Cx<'_, Project>) -> Result<Option<String>> {
        let p = cx.record()?;
        Ok(sqlx::query_scalar(
            "SELECT system_name FROM project_systems WHERE id = $1 AND project_id = $2",
        )
        .bind(self.link_id)
        .bind(p.id.0)
        .fetch_optional(&mut *cx.conn)
        .await?)
    }
    fn decide(&self, at: At<'_, Project>, name: Option<String>) -> Decided<String> {
        parts_editable(at.who.principal, at.record()?, "涉及的信息系统")?;
        name.ok_or(DomainError::NotFound)
    }
    async fn write(&self, cx: &mut Cx<'_, Project>, name: String) -> Result<Written> {
        sqlx::query("DELETE FROM project_systems WHERE id = $1")
            .bind(self.link_id)
            .execute(&mut *cx.conn)
            .await?;
        let before = Some(json!({"system_name": name}));
        Ok(Written::part(Audited::of(before, serde_json::Value::Null)))
    }
}
