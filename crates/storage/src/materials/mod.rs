//! 申报材料: the materials a project's path asks of it (its profile's `[[documents]]`), the
//! files each holds with every earlier version, and who may hand them in now — the party
//! holding the current step, for the stages up to its next step. A step that hands them in
//! is refused while a required one is not complete (`missing_at`, read by the run step).

pub mod files;
mod steps;

pub use files::{FileStore, Received};
pub use steps::{AddFile, MarkMaterial, RemoveFile};

use crate::projects::run::{Run, acting_parties, run_and_basis};
use crate::projects::{PassAt, PassCheck, PassFuture, Project};
use crate::{Result, Store, Who};
use govit_core::DomainError;
use govit_core::ids::UserId;
use govit_core::materials::{
    self as m, FileKind, MaterialState, Requirement, needs_in, provider, window,
};
use govit_core::policy::{DocumentRule, Facts, Profile, Stage};
use govit_core::workflow::Actor;
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// A file of a material.
#[derive(Debug, Clone, Serialize)]
pub struct MaterialFile {
    pub id: i64,
    pub material: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub sm3: String,
    pub kind: Option<FileKind>,
    pub uploaded_by: String,
    pub uploaded_at_ms: i64,
    /// When it was taken out of its material (replaced or removed): an earlier version.
    pub removed_at_ms: Option<i64>,
    #[serde(skip)]
    pub object_key: String,
    #[serde(skip)]
    pub project_id: i64,
}

/// One material of a project, as its task list shows it.
#[derive(Debug, Clone)]
pub struct MaterialRow {
    pub doc: DocumentRule,
    pub stage_label: String,
    pub requirement: Requirement,
    pub state: MaterialState,
    pub files: Vec<MaterialFile>,
    pub earlier: Vec<MaterialFile>,
    /// Bumped by every upload, removal and mark: a mark at another version is stale.
    pub version: i64,
    /// Whether the reader may hand it in now.
    pub can_edit: bool,
    /// The party that hands it in, in the profile's words.
    pub provider_label: String,
    /// The material that may stand in for it here, when its condition holds (lhasa:10).
    pub stand_in: Option<String>,
    /// Required of the reader now and not complete (nor its stand-in): a pass is refused
    /// while any is.
    pub missing: bool,
}

/// What the stored rows say of a project's materials.
#[derive(Default)]
pub(crate) struct Stored {
    files: Vec<MaterialFile>,
    /// Material → (marked complete, version).
    marks: HashMap<String, (bool, i64)>,
}

impl Stored {
    pub(crate) fn state(&self, material: &str) -> MaterialState {
        let n = self.files.iter().filter(|f| f.material == material && f.removed_at_ms.is_none());
        MaterialState::of(n.count(), self.marks.get(material).is_some_and(|(c, _)| *c))
    }
    fn version(&self, material: &str) -> i64 {
        self.marks.get(material).map_or(0, |(_, v)| *v)
    }
}

pub(crate) async fn stored(conn: &mut AnyConnection, project: i64) -> Result<Stored> {
    let rows = sqlx::query(
        "SELECT f.id, f.project_id, f.material, f.file_name, f.size_bytes, f.sm3, f.kind, f.object_key, \
         f.uploaded_at_ms, f.removed_at_ms, COALESCE(u.name, '') AS uploader \
         FROM material_files f LEFT JOIN users u ON u.id = f.uploaded_by \
         WHERE f.project_id = $1 ORDER BY f.id",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    let files = rows.iter().map(file_row).collect::<Result<Vec<_>>>()?;
    let marks: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT material, complete, version FROM material_marks WHERE project_id = $1",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    let marks = marks.into_iter().map(|(m, c, v)| (m, (c != 0, v))).collect();
    Ok(Stored { files, marks })
}

fn file_row(r: &sqlx::any::AnyRow) -> Result<MaterialFile> {
    Ok(MaterialFile {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        material: r.try_get("material")?,
        file_name: r.try_get("file_name")?,
        size_bytes: r.try_get("size_bytes")?,
        sm3: r.try_get("sm3")?,
        kind: FileKind::parse(&r.try_get::<String, _>("kind")?),
        object_key: r.try_get("object_key")?,
        uploaded_by: r.try_get("uploader")?,
        uploaded_at_ms: r.try_get("uploaded_at_ms")?,
        removed_at_ms: r.try_get("removed_at_ms")?,
    })
}

/// The stages whose materials each party `user` (acting as `parties`) holds the current step
/// for hands in now: from that step up to the party's next one.
fn windows(run: &Run, parties: &[String], user: UserId) -> Vec<(String, Vec<Stage>)> {
    let actor = Actor { user, parties };
    let (route, progress) = (&run.route, &run.progress);
    let Some(step) = progress.step(route) else { return Vec::new() };
    if !progress.holds(actor) {
        return Vec::new();
    }
    step.parties
        .iter()
        .filter(|k| parties.contains(k))
        .map(|k| (k.clone(), window(route, progress.current, k)))
        .collect()
}

/// The required materials of `windows` that are not complete, in the profile's order.
fn missing_in<'a>(
    profile: &'a Profile, windows: &[(String, Vec<Stage>)], facts: &Facts, stored: &Stored,
) -> Vec<&'a DocumentRule> {
    windows
        .iter()
        .flat_map(|(party, stages)| {
            let needs = needs_in(profile, stages, facts);
            m::missing(&needs, party, |id| stored.state(id))
        })
        .collect()
}

/// Where a project stands for its materials: its run, facts, the reader's parties and what
/// they hand in now.
pub(crate) struct Standing {
    pub run: Run,
    pub facts: Facts,
    pub parties: Vec<String>,
    windows: Vec<(String, Vec<Stage>)>,
}

impl Standing {
    pub(crate) async fn read(
        store: &Store, conn: &mut AnyConnection, who: Who<'_>, p: &Project,
    ) -> Result<Standing> {
        let (run, _, facts) = run_and_basis(store, conn, p).await?;
        let parties = acting_parties(conn, who.principal, p).await?;
        let windows = windows(&run, &parties, who.principal.user_id);
        Ok(Standing { run, facts, parties, windows })
    }

    /// Whether the reader may hand in `doc` now.
    pub(crate) fn may_edit(&self, doc: &DocumentRule) -> bool {
        self.windows.iter().any(|(k, stages)| provider(doc) == k && stages.contains(&doc.stage))
    }

    /// The stages of the project's route, in order.
    fn stages(&self) -> Vec<Stage> {
        let mut out: Vec<Stage> = Vec::new();
        for s in &self.run.route.steps {
            if !out.contains(&s.stage) {
                out.push(s.stage);
            }
        }
        out
    }
}

/// The check before a pass: the materials its holder hands in there are complete.
pub struct MaterialsHandedIn;

impl PassCheck for MaterialsHandedIn {
    fn check<'a>(&'a self, at: PassAt<'a>) -> PassFuture<'a> {
        Box::pin(missing_at(at))
    }
}

/// Whether a pass of the current step leaves a material its holder must hand in there
/// incomplete (read only for a pass by a holder, and only when it hands any in there).
async fn missing_at(at: PassAt<'_>) -> Result<Option<DomainError>> {
    let PassAt { store, conn, project: p, run, facts, parties, user } = at;
    let rules = store.rules();
    let Some(profile) = rules.profile(&p.profile_id) else { return Ok(None) };
    let windows = windows(run, parties, user);
    let any_needed = windows.iter().any(|(party, stages)| {
        profile.documents.iter().any(|d| provider(d) == party && stages.contains(&d.stage))
    });
    if !any_needed {
        return Ok(None);
    }
    let stored = stored(conn, p.id.0).await?;
    let missing = missing_in(profile, &windows, facts, &stored);
    Ok(m::missing_refusal(&missing).map(|(cite, text)| DomainError::GateRefused { cite, text }))
}

impl Store {
    /// The materials of a project the reader may read, stage by stage of its route.
    pub async fn materials_of(&self, who: Who<'_>, p: &Project) -> Result<Vec<MaterialRow>> {
        let rules = self.rules();
        let Some(profile) = rules.profile(&p.profile_id) else { return Ok(Vec::new()) };
        let (standing, stored) = {
            let mut conn = self.pool.acquire().await?;
            let standing = Standing::read(self, &mut conn, who, p).await?;
            (standing, stored(&mut conn, p.id.0).await?)
        };
        let needs = needs_in(profile, &standing.stages(), &standing.facts);
        let missing = missing_in(profile, &standing.windows, &standing.facts, &stored);
        let mut rows: Vec<MaterialRow> = needs
            .iter()
            .map(|n| {
                let (files, earlier): (Vec<_>, Vec<_>) = stored
                    .files
                    .iter()
                    .filter(|f| f.material == n.doc.id)
                    .cloned()
                    .partition(|f| f.removed_at_ms.is_none());
                MaterialRow {
                    doc: n.doc.clone(),
                    stage_label: profile.stage_label(n.doc.stage),
                    requirement: n.requirement,
                    state: stored.state(&n.doc.id),
                    files,
                    earlier,
                    version: stored.version(&n.doc.id),
                    can_edit: p.status != govit_core::project::ProjectStatus::OutsideScope
                        && standing.may_edit(n.doc),
                    provider_label: profile.party_label(provider(n.doc)),
                    stand_in: n.replaceable_by.map(|r| r.name.clone()),
                    missing: missing.iter().any(|d| d.id == n.doc.id),
                }
            })
            .collect();
        let order = standing.stages();
        rows.sort_by_key(|r| order.iter().position(|s| *s == r.doc.stage));
        Ok(rows)
    }

    /// A material's file for download, when the reader may read its project (otherwise not
    /// found, audited as a refused read of the project).
    pub async fn material_file(&self, who: Who<'_>, file_id: i64) -> Result<MaterialFile> {
        let row = {
            let mut conn = self.pool.acquire().await?;
            sqlx::query(
                "SELECT f.id, f.project_id, f.material, f.file_name, f.size_bytes, f.sm3, f.kind, \
                 f.object_key, f.uploaded_at_ms, f.removed_at_ms, COALESCE(u.name, '') AS uploader \
                 FROM material_files f LEFT JOIN users u ON u.id = f.uploaded_by WHERE f.id = $1",
            )
            .bind(file_id)
            .fetch_optional(&mut *conn)
            .await?
        };
        let Some(row) = row else { return Err(DomainError::NotFound.into()) };
        let file = file_row(&row)?;
        self.read::<Project>(who, file.project_id).await?;
        Ok(file)
    }

    /// Refuses an upload before its bytes are read: the material must be one the reader may
    /// hand in now. Returns the material's rule (for its limits).
    pub async fn may_upload(
        &self, who: Who<'_>, project: i64, material: &str,
    ) -> Result<DocumentRule> {
        let p: Project = self.read(who, project).await?;
        let rules = self.rules();
        let doc = rules
            .profile(&p.profile_id)
            .and_then(|profile| profile.documents.iter().find(|d| d.id == material))
            .cloned()
            .ok_or(DomainError::NotFound)?;
        let mut conn = self.pool.acquire().await?;
        let standing = Standing::read(self, &mut conn, who, &p).await?;
        steps::editable(&p, &standing, &doc)?;
        Ok(doc)
    }

    /// The configured file store.
    pub fn files(&self) -> Result<&FileStore> {
        self.files
            .get()
            .map(|f| f.as_ref())
            .ok_or_else(|| crate::StoreError::Config("未配置附件存储（--files 或数据目录）".into()))
    }

    /// Uses `files` for materials (once, at start).
    pub fn use_files(&self, files: FileStore) {
        let _ = self.files.set(std::sync::Arc::new(files));
    }
}
