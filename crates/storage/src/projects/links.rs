//! The information systems a project names — built, changed or retired — and the facts they
//! imply for the rules: how many are outside the catalog (gaoping:10, xinzhou-transport:8)
//! and whether a new one sits in its own machine room (lhasa:8, linxiang:7).

use super::{FactFuture, FactSource, Project};
use crate::base::audit_log::{Change, append};
use crate::{Actor, Result, Store};
use govit_core::DomainError;
use govit_core::ids::ProjectId;
use govit_core::inventory::{Deployment, SystemAction};
use govit_core::org::{Principal, Role};
use govit_core::policy::{Fact, Facts};
use serde::Serialize;
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
    pub system_id: i64,
    pub deployment: Deployment,
}

pub(crate) async fn links_of(conn: &mut AnyConnection, p: &Project) -> Result<Vec<SystemLink>> {
    let rows = sqlx::query(
        "SELECT l.id, l.system_name, l.action, l.note, s.id AS system_id, s.deployment, \
         s.owner_department_id FROM project_systems l \
         LEFT JOIN info_systems s ON s.jurisdiction_id = $2 AND s.name = l.system_name \
         WHERE l.project_id = $1 ORDER BY l.id",
    )
    .bind(p.id.0)
    .bind(p.jurisdiction_id.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<SystemLink> = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let catalog = match r.try_get::<Option<i64>, _>("system_id")? {
            Some(system_id) => Some((
                r.try_get::<Option<i64>, _>("owner_department_id")?
                    == Some(p.owner_department_id.0),
                CatalogMatch {
                    system_id,
                    deployment: Deployment::parse(
                        &r.try_get::<Option<String>, _>("deployment")?
                            .unwrap_or_default(),
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
    Ok(out)
}

/// The facts the named systems imply. With no system named nothing is implied: the clerk
/// must list them, or a reviewer establish that the project touches none.
/// The facts of the systems a project names, for the fact-source registry.
pub struct LinkFacts;

impl FactSource for LinkFacts {
    fn derive<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        p: &'a Project,
        facts: &'a mut Facts,
    ) -> FactFuture<'a> {
        Box::pin(link_facts(conn, p, facts))
    }
}

async fn link_facts(conn: &mut AnyConnection, p: &Project, facts: &mut Facts) -> Result<()> {
    let links = links_of(conn, p).await?;
    if links.is_empty() {
        return Ok(());
    }
    let outside = links.iter().filter(|l| l.catalog.is_none()).count();
    facts.insert(Fact::SystemsOutsideCatalog, outside as i64);
    let own_room = links.iter().any(|l| {
        l.action == SystemAction::Build
            && l.catalog
                .as_ref()
                .is_some_and(|c| c.deployment == Deployment::OwnRoom)
    });
    facts.insert(Fact::BuildsOwnMachineRoom, i64::from(own_room));
    Ok(())
}

impl Store {
    pub async fn project_systems(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
    ) -> Result<Vec<SystemLink>> {
        let p = self.project(principal, actor, now_ms, id).await?;
        self.systems_of(&p).await
    }

    /// The systems of a project the caller has already read (and so may see).
    pub async fn systems_of(&self, p: &Project) -> Result<Vec<SystemLink>> {
        let mut conn = self.pool.acquire().await?;
        links_of(&mut conn, p).await
    }

    /// Who may change a project's list: its unit's clerks, while the declaration is theirs to edit.
    async fn editable_project(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
    ) -> Result<Project> {
        let p = self.project(principal, actor, now_ms, id).await?;
        if !(principal.has(Role::Declarant)
            && principal.department_id == Some(p.owner_department_id))
        {
            return Err(DomainError::Forbidden(
                "只有项目建设单位经办人可以填报涉及的信息系统".into(),
            )
            .into());
        }
        if !p.status.is_editable() {
            return Err(DomainError::InvalidState {
                message: format!("项目{}，不能再修改涉及的信息系统", p.status.label()),
            }
            .into());
        }
        Ok(p)
    }

    /// Names a system the project builds, changes or retires.
    #[allow(clippy::too_many_arguments)]
    pub async fn link_project_system(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
        system_name: &str,
        action: &str,
        note: &str,
    ) -> Result<SystemLink> {
        let p = self.editable_project(principal, actor, now_ms, id).await?;
        let name = system_name.trim();
        let mut errors = Vec::new();
        if name.is_empty() {
            errors.push(govit_core::FieldError::new(
                "system_name",
                "请填写信息系统名称",
            ));
        } else if name.chars().count() > 100 {
            errors.push(govit_core::FieldError::new(
                "system_name",
                "信息系统名称不能超过 100 个字",
            ));
        }
        let action = SystemAction::parse(action.trim()).or_else(|| {
            SystemAction::ALL
                .iter()
                .copied()
                .find(|a| a.label() == action.trim())
        });
        if action.is_none() {
            errors.push(govit_core::FieldError::new(
                "action",
                "请选择对该系统的建设内容：新建、改造升级或停用或整合",
            ));
        }
        if note.trim().chars().count() > 200 {
            errors.push(govit_core::FieldError::new("note", "说明不能超过 200 个字"));
        }
        let Some(action) = action.filter(|_| errors.is_empty()) else {
            return Err(DomainError::Invalid(errors).into());
        };
        let mut w = self.write().await?;
        let inserted = sqlx::query(
            "INSERT INTO project_systems (project_id, system_name, action, note, created_by, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(id.0)
        .bind(name.to_string())
        .bind(action.as_str())
        .bind(note.trim().to_string())
        .bind(principal.user_id.0)
        .bind(now_ms)
        .fetch_one(&mut *w.tx)
        .await;
        let link_id: i64 = match inserted {
            Ok(r) => r.try_get("id")?,
            Err(e) if crate::base::unique_violation(&e) => {
                return Err(DomainError::invalid("system_name", format!("已列出“{name}”")).into());
            }
            Err(e) => return Err(e.into()),
        };
        self.recompute_in(&mut w.tx, id, now_ms).await?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("project", id, "project.link_system")
                .after(&serde_json::json!({"system_name": name, "action": action.as_str(), "note": note.trim()})),
        )
        .await?;
        let link = links_of(&mut w.tx, &p)
            .await?
            .into_iter()
            .find(|l| l.id == link_id)
            .ok_or(DomainError::NotFound)?;
        w.commit().await?;
        Ok(link)
    }

    pub async fn unlink_project_system(
        &self,
        principal: &Principal,
        actor: &Actor,
        now_ms: i64,
        id: ProjectId,
        link_id: i64,
    ) -> Result<()> {
        self.editable_project(principal, actor, now_ms, id).await?;
        let mut w = self.write().await?;
        let name: Option<String> = sqlx::query_scalar(
            "SELECT system_name FROM project_systems WHERE id = $1 AND project_id = $2",
        )
        .bind(link_id)
        .bind(id.0)
        .fetch_optional(&mut *w.tx)
        .await?;
        let Some(name) = name else {
            return Err(DomainError::NotFound.into());
        };
        sqlx::query("DELETE FROM project_systems WHERE id = $1")
            .bind(link_id)
            .execute(&mut *w.tx)
            .await?;
        self.recompute_in(&mut w.tx, id, now_ms).await?;
        append(
            &mut w.tx,
            actor,
            now_ms,
            Change::ok("project", id, "project.unlink_system")
                .before(&serde_json::json!({"system_name": name})),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}
