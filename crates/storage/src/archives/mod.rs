//! 项目档案 (linxiang:28's 相关资料备案, lhasa:15's 档案): a project's complete electronic archive
//! as one zip — its declaration, facts, events and timeline, the acts of its path, its
//! contracts, changes, progress reports and acceptances with their runs, its signed decisions,
//! and every file of its materials (earlier versions too) — with a manifest giving each
//! entry's size and SM3 digest. The documents are read when the archive is asked for; the
//! files are streamed from the file store one chunk at a time, each checked against the digest
//! recorded when it was received, so a changed file breaks the archive off instead of entering
//! it. Memory holds the documents (a project's records) and one chunk, whatever the files.

use crate::acceptances::Acceptance;
use crate::changes::Change;
use crate::contracts::Contract;
use crate::materials::files::FileStore;
use crate::progress::Report;
use crate::projects::Project;
use crate::projects::run::subject::{Subject, run_of};
use crate::{Result, Store, StoreError, Who};
use futures_util::StreamExt;
use govit_core::crypto::sm3_hex;
use govit_core::ids::ProjectId;
use serde::Serialize;
use serde_json::{Value, json};
use std::io::Write;

/// Where an entry's bytes come from.
enum Source {
    /// A document written for the archive.
    Bytes(Vec<u8>),
    /// A stored file: its key, its recorded digest and size.
    File { key: String, sm3: String, size: u64 },
}

/// One entry of the archive.
struct Entry {
    path: String,
    /// What it is, in words (申报材料：项目建设方案).
    what: String,
    source: Source,
}

/// A project's archive, read and ready to be written.
pub struct Archive {
    pub project_id: ProjectId,
    /// The zip's file name (`项目档案-42-名称.zip`).
    pub file_name: String,
    head: Value,
    entries: Vec<Entry>,
    /// When it was read, for the entries' dates.
    at_ms: i64,
    /// The platform's signer, which signs the manifest when one is configured.
    signer: Option<std::sync::Arc<dyn govit_core::crypto::Signer>>,
}

/// A material's file as the archive reads it: id, material, name, size, SM3, object key, when
/// it was taken out of its material.
type FileRow = (i64, String, String, i64, String, String, Option<i64>);

/// An entry's manifest line.
#[derive(Serialize)]
struct Listed<'a> {
    path: &'a str,
    what: &'a str,
    size: u64,
    sm3: &'a str,
}

/// A name safe as one part of a path in a zip: no separators, no control characters, no
/// leading dots, at most 120 characters.
fn safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c == '/' || c == '\\' || c.is_control() || c == ':' { '_' } else { c })
        .take(120)
        .collect();
    let s = s.trim_start_matches('.').trim().to_string();
    if s.is_empty() { "_".into() } else { s }
}

fn doc(path: &str, what: &str, value: &Value) -> Entry {
    let bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    Entry { path: path.into(), what: what.into(), source: Source::Bytes(bytes) }
}

/// A subject's records with their runs, as the archive keeps them.
async fn subjects<S: Subject + Serialize>(
    store: &Store, conn: &mut sqlx::AnyConnection, project: ProjectId,
) -> Result<Value> {
    let mut out = Vec::new();
    for s in store.subjects_of::<S>(project).await? {
        let run = run_of(store, conn, &s).await?;
        let mut kept = run_json(&run);
        kept["record"] = json!(s);
        out.push(kept);
    }
    Ok(Value::Array(out))
}

/// A run as the archive keeps it: its route's steps and every act on it.
fn run_json(run: &crate::projects::run::Run) -> Value {
    json!({
        "route": run.route.steps.iter().map(|st| json!({
            "key": st.key, "action": st.action, "parties": st.parties, "cite": st.cite,
        })).collect::<Vec<_>>(),
        "acts": run.acts.iter().map(|a| json!({
            "at_ms": a.act.at_ms, "actor": a.actor_name, "department": a.actor_department,
            "step": a.act.step, "verb": a.act.verb,
        })).collect::<Vec<_>>(),
    })
}

impl Store {
    /// The archive of a project the caller may see, read now.
    pub async fn archive_of(&self, who: Who<'_>, id: ProjectId) -> Result<Archive> {
        let p = self.read::<Project>(who, id.0).await?;
        let mut conn = self.pool.acquire().await?;
        let run = crate::projects::run::run_of(self, &mut conn, &p).await?;
        let facts = self.established_facts(who, id).await?;
        let mut entries = vec![
            doc("项目/申报信息.json", "项目申报信息", &json!(p)),
            doc("项目/项目情况认定.json", "已认定的项目情况及其依据", &json!(facts)),
            doc("项目/项目事件.json", "项目事件（里程碑）", &json!(self.milestones(id).await?)),
            doc("项目/办理记录.json", "项目的办理记录", &json!(self.project_events(id).await?)),
            doc("项目/审批路径.json", "审批路径及每一步的办理", &run_json(&run)),
        ];
        let crate::decisions::Kept { path, beside } = crate::decisions::kept(&mut conn, id).await?;
        let signed: Vec<Value> = path
            .into_iter()
            .map(|(seq, message, key, signature)| {
                json!({"seq": seq, "message": message, "public_key": key, "signature": signature,
                       "algorithm": "SM2-with-SM3"})
            })
            .collect();
        let signed: Vec<Value> = signed
            .into_iter()
            .chain(beside.into_iter().map(|(kind, subject, seq, message, key, signature)| {
                json!({"kind": kind, "subject_id": subject, "seq": seq, "message": message,
                       "public_key": key, "signature": signature, "algorithm": "SM2-with-SM3"})
            }))
            .collect();
        entries.push(doc("决定签名.json", "签名的审批决定（SM2）", &json!(signed)));
        for (path, what, value) in [
            ("合同.json", "合同及其备案", subjects::<Contract>(self, &mut conn, id).await?),
            ("项目调整.json", "项目调整及其办理", subjects::<Change>(self, &mut conn, id).await?),
            ("进度报告.json", "进度报告及其报送", subjects::<Report>(self, &mut conn, id).await?),
            (
                "项目验收.json",
                "项目验收及其办理",
                subjects::<Acceptance>(self, &mut conn, id).await?,
            ),
            (
                "资金拨付.json",
                "资金拨付申请及其办理",
                subjects::<crate::payments::Payment>(self, &mut conn, id).await?,
            ),
            (
                "财评评价与运维.json",
                "财评或审计、绩效评价和运维经费申请及其办理",
                subjects::<crate::submissions::Submission>(self, &mut conn, id).await?,
            ),
        ] {
            entries.push(doc(path, what, &value));
        }
        let files: Vec<FileRow> = sqlx::query_as(
            "SELECT id, material, file_name, size_bytes, sm3, object_key, removed_at_ms \
             FROM material_files WHERE project_id = $1 ORDER BY material, id",
        )
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
        drop(conn);
        entries.push(doc(
            "督查处理.json",
            "采取的处理措施及其解除",
            &json!(self.measures_of(id).await?),
        ));
        entries.push(doc(
            "综合评级.json",
            "主管部门评定的综合评级（每次评定时按成本、进度和法定义务计算的等级一并记录）",
            &json!(self.ratings_given(id).await?),
        ));
        let names: std::collections::HashMap<String, String> = {
            let rules = self.rules();
            rules
                .profile(&p.profile_id)
                .map(|pr| pr.documents.iter().map(|d| (d.id.clone(), d.name.clone())).collect())
                .unwrap_or_default()
        };
        for (fid, material, name, size, sm3, key, removed) in files {
            let doc_name = names.get(&material).cloned().unwrap_or_else(|| material.clone());
            let (dir, state) = match removed {
                None => ("材料", ""),
                Some(_) => ("材料/历史版本", "（已替换或移除）"),
            };
            entries.push(Entry {
                path: format!("{dir}/{}/{fid}-{}", safe(&doc_name), safe(&name)),
                what: format!("申报材料：{doc_name}{state}"),
                source: Source::File { key, sm3, size: size.max(0) as u64 },
            });
        }
        let head = json!({
            "project_id": p.id, "project_name": p.declaration.name, "profile": p.profile_id,
            "owner_department": p.owner_department, "status": p.status.label(),
            "generated_at_ms": who.now_ms, "digest": "SM3",
        });
        Ok(Archive {
            project_id: id,
            file_name: format!("项目档案-{}-{}.zip", id.0, safe(&p.declaration.name)),
            head,
            entries,
            at_ms: who.now_ms,
            signer: self.signer.get().cloned(),
        })
    }
}

impl Store {
    /// Records that `who` exported the archive of `project` with `entries` entries.
    pub async fn record_archive_export(
        &self, who: Who<'_>, project: ProjectId, entries: usize,
    ) -> Result<()> {
        let change = crate::base::audit_log::Change::ok("project", project.0, "project.archive")
            .detail(format!("导出项目档案（{entries} 个条目及清单）"));
        self.audit(who.actor, who.now_ms, change).await?;
        Ok(())
    }
}

impl Archive {
    /// How many entries it has besides its manifest.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes the archive as a zip to `out` on the calling (blocking) thread, reading stored
    /// files through `rt`: the documents compressed, the files stored as they are, each
    /// checked against its recorded digest as it streams; then `清单.json` (every entry's
    /// path, size and SM3), `清单.sig.json` (the platform's SM2 signature over the manifest,
    /// when a key is configured) and `SM3SUMS` (`<digest>  <path>`, one a line).
    pub fn write_zip<W: Write>(
        self, files: Option<&FileStore>, rt: &tokio::runtime::Handle, out: W,
    ) -> Result<()> {
        use zip::CompressionMethod;
        use zip::write::SimpleFileOptions;
        let zerr = |e: zip::result::ZipError| StoreError::Config(format!("写入档案失败：{e}"));
        let ioerr = |e: std::io::Error| StoreError::Config(format!("写入档案失败：{e}"));
        let mut zip = zip::ZipWriter::new_stream(out);
        // Each entry dated when the archive was read, in Beijing time.
        let when = chrono::DateTime::from_timestamp_millis(self.at_ms)
            .and_then(|t| Some(t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600)?)))
            .map(|t| t.naive_local())
            .unwrap_or_default();
        let dated = {
            use chrono::{Datelike, Timelike};
            zip::DateTime::from_date_and_time(
                u16::try_from(when.year()).unwrap_or(1980),
                when.month() as u8,
                when.day() as u8,
                when.hour() as u8,
                when.minute() as u8,
                when.second() as u8,
            )
            .unwrap_or_default()
        };
        let deflated = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(dated)
            .large_file(false);
        let stored = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .last_modified_time(dated)
            .large_file(true);
        let mut listed: Vec<(String, String, u64, String)> = Vec::new();
        for e in self.entries {
            match e.source {
                Source::Bytes(bytes) => {
                    zip.start_file(e.path.as_str(), deflated).map_err(zerr)?;
                    zip.write_all(&bytes).map_err(ioerr)?;
                    listed.push((e.path, e.what, bytes.len() as u64, sm3_hex(&bytes)));
                }
                Source::File { key, sm3, size } => {
                    let files = files.ok_or_else(|| {
                        StoreError::Config("未配置附件存储，档案无法写入材料文件".into())
                    })?;
                    zip.start_file(e.path.as_str(), stored).map_err(zerr)?;
                    let mut stream = Box::pin(rt.block_on(files.read_checked(&key, &sm3, size))?);
                    while let Some(chunk) = rt.block_on(stream.next()) {
                        zip.write_all(&chunk.map_err(ioerr)?).map_err(ioerr)?;
                    }
                    listed.push((e.path, e.what, size, sm3));
                }
            }
        }
        let entries: Vec<Listed<'_>> = listed
            .iter()
            .map(|(path, what, size, sm3)| Listed { path, what, size: *size, sm3 })
            .collect();
        let mut manifest = self.head;
        manifest["entries"] = json!(entries);
        let bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        zip.start_file("清单.json", deflated).map_err(zerr)?;
        zip.write_all(&bytes).map_err(ioerr)?;
        // The manifest signed with the platform's key (SM2 over its bytes), when one is set.
        if let Some(signer) = &self.signer {
            let signature = signer.sign(&bytes).map_err(|e| StoreError::Config(e.0))?;
            let sig = json!({
                "signs": "清单.json", "algorithm": "SM2-with-SM3", "key_id": signer.key_id(),
                "public_key": hex::encode(signer.public_key()), "signature": hex::encode(signature),
            });
            zip.start_file("清单.sig.json", deflated).map_err(zerr)?;
            zip.write_all(&serde_json::to_vec_pretty(&sig).unwrap_or_default()).map_err(ioerr)?;
        }
        let sums: String =
            listed.iter().map(|(path, _, _, sm3)| format!("{sm3}  {path}\n")).collect();
        zip.start_file("SM3SUMS", deflated).map_err(zerr)?;
        zip.write_all(sums.as_bytes()).map_err(ioerr)?;
        zip.finish().map_err(zerr)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::safe;

    #[test]
    fn names_in_the_zip_cannot_climb_out_of_their_folder() {
        assert_eq!(safe("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe("方案\\v2:终稿.pdf"), "方案_v2_终稿.pdf");
        assert_eq!(safe("..."), "_");
        assert_eq!(safe(&"长".repeat(500)).chars().count(), 120);
    }
}
