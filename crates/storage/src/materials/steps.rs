//! The changes of a project's materials, each a step of the change path: a file added (or
//! put in place of another), a file taken out, a material marked complete or not.

use super::{Standing, Stored, stored};
use crate::Result;
use crate::base::change::{At, Audited, Cx, Decided, Step, Written};
use crate::projects::Project;
use govit_core::DomainError;
use govit_core::materials::{FileKind, MaterialState, check_file, clean_name, provider};
use govit_core::policy::DocumentRule;
use govit_core::project::ProjectStatus;
use serde_json::json;
use sqlx::AnyConnection;
use std::sync::OnceLock;

/// Whether the reader may change `doc` of `p` now, and if not, why.
pub(crate) fn editable(
    p: &Project, standing: &Standing, doc: &DocumentRule,
) -> std::result::Result<(), DomainError> {
    if p.status == ProjectStatus::OutsideScope {
        return Err(DomainError::InvalidState {
            message: "项目已登记为不适用本办法，不提交申报材料".into(),
        });
    }
    if standing.may_edit(doc) {
        return Ok(());
    }
    if standing.parties.iter().any(|k| k == provider(doc)) {
        return Err(DomainError::InvalidState {
            message: format!(
                "《{}》现在不能修改：它不在您当前办理的环节，已提交的材料在退回后才能重新上传",
                doc.name
            ),
        });
    }
    Err(DomainError::Forbidden(format!("《{}》不由您所在的单位提交", doc.name)))
}

/// What every material step shares: its audit action, its timeline line (set by its write)
/// and what it reads.
macro_rules! material_step {
    ($action:literal) => {
        fn action(&self) -> String {
            concat!("project.material.", $action).into()
        }
        fn detail(&self) -> String {
            self.said.get().cloned().unwrap_or_default()
        }
        async fn gather(&self, cx: &mut Cx<'_, Project>) -> Result<MaterialInput> {
            gather(cx, self.material).await
        }
    };
}

/// What a material step reads: where the project stands, the material's rule and the
/// stored rows.
#[derive(Default)]
pub struct MaterialInput {
    standing: Option<Standing>,
    doc: Option<DocumentRule>,
    stored: Stored,
}

async fn gather(cx: &mut Cx<'_, Project>, material: &str) -> Result<MaterialInput> {
    let p = cx.record()?;
    let doc = cx
        .store
        .rules()
        .profile(&p.profile_id)
        .and_then(|profile| profile.documents.iter().find(|d| d.id == material).cloned());
    let standing = Standing::read(cx.store, cx.conn, cx.who, p).await?;
    let stored = stored(cx.conn, p.id.0).await?;
    Ok(MaterialInput { standing: Some(standing), doc, stored })
}

fn material_of(at: At<'_, Project>, input: &MaterialInput) -> Decided<DocumentRule> {
    let p = at.record()?;
    let doc = input.doc.clone().ok_or_else(|| DomainError::invalid("material", "没有这项材料"))?;
    let standing = input.standing.as_ref().ok_or(DomainError::NotFound)?;
    editable(p, standing, &doc)?;
    Ok(doc)
}

/// Sets a material's mark and bumps its version.
async fn mark(
    conn: &mut AnyConnection, project: i64, material: &str, complete: bool, user: i64, now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO material_marks (project_id, material, complete, version, marked_by, marked_at_ms) \
         VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (project_id, material) DO UPDATE SET \
         complete = excluded.complete, version = material_marks.version + 1, \
         marked_by = excluded.marked_by, marked_at_ms = excluded.marked_at_ms",
    )
    .bind(project)
    .bind(material.to_string())
    .bind(i64::from(complete))
    .bind(user)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A file received and kept in the file store, added to a material — in place of one of its
/// files when `replaces` names it (that one stays readable as an earlier version).
pub struct AddFile<'a> {
    pub material: &'a str,
    pub file_name: &'a str,
    pub file: &'a super::Received,
    pub object_key: &'a str,
    pub replaces: Option<i64>,
    /// Mark the material complete with it (已完成), or leave it in progress (进行中).
    pub complete: bool,
    /// Its line on the project's timeline, once written.
    pub said: OnceLock<String>,
}

impl Step<Project> for AddFile<'_> {
    type Input = MaterialInput;
    type Decision = (DocumentRule, String);

    material_step!("add");
    fn decide(&self, at: At<'_, Project>, input: MaterialInput) -> Decided<Self::Decision> {
        let doc = material_of(at, &input)?;
        if let Some(why) = &self.file.refused {
            return Err(DomainError::invalid("file", format!("《{}》：{why}", doc.name)));
        }
        check_file(&doc, self.file.kind, self.file.size)
            .map_err(|e| DomainError::invalid("file", e))?;
        if let Some(old) = self.replaces {
            let current = input
                .stored
                .files
                .iter()
                .any(|f| f.id == old && f.material == doc.id && f.removed_at_ms.is_none());
            if !current {
                return Err(DomainError::invalid(
                    "replaces",
                    "要替换的文件不在这项材料的现有文件中",
                ));
            }
            let same = input.stored.files.iter().any(|f| f.id == old && f.sm3 == self.file.sm3);
            if same {
                return Err(DomainError::invalid(
                    "file",
                    format!(
                        "《{}》：新文件与要替换的文件内容完全相同（SM3 摘要一致），请选择修改后的文件",
                        doc.name
                    ),
                ));
            }
        }
        Ok((doc, clean_name(self.file_name)))
    }
    async fn write(
        &self, cx: &mut Cx<'_, Project>, (doc, name): Self::Decision,
    ) -> Result<Written> {
        let (p, who) = (cx.record()?, cx.who);
        let kind = self.file.kind.unwrap_or(FileKind::Zip);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO material_files (project_id, material, file_name, size_bytes, sm3, kind, object_key, \
             uploaded_by, uploaded_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(p.id.0)
        .bind(doc.id.clone())
        .bind(name.clone())
        .bind(self.file.size as i64)
        .bind(self.file.sm3.clone())
        .bind(kind.as_str())
        .bind(self.object_key.to_string())
        .bind(who.principal.user_id.0)
        .bind(who.now_ms)
        .fetch_one(&mut *cx.conn)
        .await?;
        if let Some(old) = self.replaces {
            remove(cx.conn, old, who.principal.user_id.0, who.now_ms).await?;
        }
        mark(cx.conn, p.id.0, &doc.id, self.complete, who.principal.user_id.0, who.now_ms).await?;
        let verb = if self.replaces.is_some() { "替换" } else { "上传" };
        let state = if self.complete { "已完成" } else { "进行中" };
        let _ = self.said.set(format!("{verb}《{}》：{name}（{state}）", doc.name));
        let after = json!({
            "material": doc.id, "name": doc.name, "file_name": name, "size_bytes": self.file.size,
            "sm3": self.file.sm3, "kind": kind.as_str(), "replaces": self.replaces,
            "complete": self.complete,
        });
        Ok(Written::part(Audited {
            object: Some(("material_file", id.to_string())),
            before: None,
            after,
        })
        .with_part(id))
    }
}

async fn remove(conn: &mut AnyConnection, file: i64, user: i64, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE material_files SET removed_by = $1, removed_at_ms = $2 WHERE id = $3 AND removed_at_ms IS NULL",
    )
    .bind(user)
    .bind(now)
    .bind(file)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A file taken out of its material; it stays readable as an earlier version.
pub struct RemoveFile<'a> {
    pub material: &'a str,
    pub file_id: i64,
    /// Its line on the project's timeline, once written.
    pub said: OnceLock<String>,
}

impl Step<Project> for RemoveFile<'_> {
    type Input = MaterialInput;
    type Decision = (DocumentRule, String);

    material_step!("remove");
    fn decide(&self, at: At<'_, Project>, input: MaterialInput) -> Decided<Self::Decision> {
        let doc = material_of(at, &input)?;
        let file = input
            .stored
            .files
            .iter()
            .find(|f| f.id == self.file_id && f.material == doc.id && f.removed_at_ms.is_none())
            .ok_or(DomainError::NotFound)?;
        Ok((doc, file.file_name.clone()))
    }
    async fn write(
        &self, cx: &mut Cx<'_, Project>, (doc, name): Self::Decision,
    ) -> Result<Written> {
        let (p, who) = (cx.record()?, cx.who);
        remove(cx.conn, self.file_id, who.principal.user_id.0, who.now_ms).await?;
        // A material that lost a file is worked on again.
        mark(cx.conn, p.id.0, &doc.id, false, who.principal.user_id.0, who.now_ms).await?;
        let _ = self.said.set(format!("移除《{}》的文件：{name}（保留为历史版本）", doc.name));
        let before = json!({"material": doc.id, "file_name": name});
        let after = json!({"material": doc.id, "file_name": name, "removed": true});
        Ok(Written::part(Audited {
            object: Some(("material_file", self.file_id.to_string())),
            before: Some(before),
            after,
        }))
    }
}

/// A material marked complete (已完成) or back in progress, at the version the user saw.
pub struct MarkMaterial<'a> {
    pub material: &'a str,
    pub complete: bool,
    pub version: i64,
    /// Its line on the project's timeline, once written.
    pub said: OnceLock<String>,
}

impl Step<Project> for MarkMaterial<'_> {
    type Input = MaterialInput;
    type Decision = DocumentRule;

    material_step!("mark");
    fn decide(&self, at: At<'_, Project>, input: MaterialInput) -> Decided<DocumentRule> {
        let doc = material_of(at, &input)?;
        let current = input.stored.version(&doc.id);
        if current != self.version {
            return Err(DomainError::StaleVersion { current });
        }
        if self.complete && input.stored.state(&doc.id) == MaterialState::NotStarted {
            return Err(DomainError::invalid(
                "complete",
                format!("《{}》还没有文件：请先上传，再标记为已完成", doc.name),
            ));
        }
        Ok(doc)
    }
    async fn write(&self, cx: &mut Cx<'_, Project>, doc: DocumentRule) -> Result<Written> {
        let (p, who) = (cx.record()?, cx.who);
        mark(cx.conn, p.id.0, &doc.id, self.complete, who.principal.user_id.0, who.now_ms).await?;
        let state = if self.complete { "已完成" } else { "进行中" };
        let _ = self.said.set(format!("《{}》标记为{state}", doc.name));
        let after = json!({"material": doc.id, "name": doc.name, "complete": self.complete});
        Ok(Written::part(Audited {
            object: Some(("material", format!("{}/{}", p.id.0, doc.id))),
            before: None,
            after,
        }))
    }
}
