//! 申报材料: what a stage of a project's path requires it to hand in (the profile's
//! `[[documents]]`, with their conditions and replacements), the state of each, and what a
//! file must be to count as one — its type told by its content, never by its name.

use crate::policy::{DocumentRule, Facts, Profile, Stage, all_hold};
use crate::workflow::Route;
use serde::Serialize;

named_enum!(
    /// A file's type, as its first bytes (and, for a zip container, its parts) show it.
    FileKind {
        Pdf => "pdf", "PDF",
        Ofd => "ofd", "OFD 版式文件",
        Word => "word", "Word 文档",
        Excel => "excel", "Excel 工作簿",
        Slides => "slides", "演示文稿",
        LegacyOffice => "legacy_office", "Office 97-2003 文档",
        Image => "image", "图片（PNG、JPEG）",
        Zip => "zip", "压缩包（zip）",
    }
);

/// What a material accepts when its profile entry names nothing: the documents a
/// government office exchanges.
pub const DEFAULT_ACCEPT: &[FileKind] = &[
    FileKind::Pdf,
    FileKind::Ofd,
    FileKind::Word,
    FileKind::Excel,
    FileKind::LegacyOffice,
    FileKind::Image,
    FileKind::Zip,
];

/// The largest file a material takes when its profile entry sets no limit.
pub const DEFAULT_MAX_MB: u64 = 500;
/// No material takes more than this, whatever its profile says.
pub const MAX_MB: u64 = 2048;

/// How a file starts, for [`detect`]: its first bytes, and for a zip container the names of
/// its parts (read from its central directory within bounds by the caller).
pub fn detect(head: &[u8], zip_names: &[String]) -> Option<FileKind> {
    if head.starts_with(b"%PDF-") {
        return Some(FileKind::Pdf);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") || head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileKind::Image);
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some(FileKind::LegacyOffice);
    }
    if is_zip(head) {
        let has = |name: &str| zip_names.iter().any(|n| n.eq_ignore_ascii_case(name));
        let under = |dir: &str| zip_names.iter().any(|n| n.starts_with(dir));
        return Some(if has("OFD.xml") {
            FileKind::Ofd
        } else if has("word/document.xml") {
            FileKind::Word
        } else if has("xl/workbook.xml") {
            FileKind::Excel
        } else if under("ppt/") {
            FileKind::Slides
        } else {
            FileKind::Zip
        });
    }
    None
}

/// A zip container: a local file header, or the end record of an empty archive.
pub fn is_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

/// A zip holds no more parts than this.
pub const ZIP_MAX_ENTRIES: u64 = 10_000;
/// Nor unpacks to more than this in all.
pub const ZIP_MAX_UNPACKED: u64 = 4 * 1024 * 1024 * 1024;
/// Nor does a part larger than [`ZIP_RATIO_FLOOR`] unpack to more than this many times its
/// packed size (text compresses about 10:1; a bomb thousands to one).
pub const ZIP_MAX_RATIO: u64 = 200;
pub const ZIP_RATIO_FLOOR: u64 = 1024 * 1024;

/// One part of a zip as its central directory declares it.
#[derive(Debug, Clone, Copy)]
pub struct ZipPart {
    pub packed: u64,
    pub unpacked: u64,
}

/// Whether what a zip declares is within bounds; the caller still unpacks each part with
/// its declared size as the cap, since declarations can lie.
pub fn judge_zip(parts: &[ZipPart]) -> Result<(), String> {
    if parts.len() as u64 > ZIP_MAX_ENTRIES {
        return Err(format!("压缩文件内的文件超过 {ZIP_MAX_ENTRIES} 个"));
    }
    let mut total: u64 = 0;
    for p in parts {
        total = total.saturating_add(p.unpacked);
        if p.unpacked > ZIP_RATIO_FLOOR && p.unpacked / p.packed.max(1) > ZIP_MAX_RATIO {
            return Err("压缩比异常（疑似压缩炸弹），请上传未经异常压缩的文件".into());
        }
    }
    if total > ZIP_MAX_UNPACKED {
        return Err("解压后超过 4 GB（疑似压缩炸弹），请拆分后上传".into());
    }
    Ok(())
}

/// A material's state, as the declaration's task list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialState {
    /// 未开始: no file yet.
    NotStarted,
    /// 进行中: files, not yet marked complete.
    InProgress,
    /// 已完成: files, marked complete by the unit.
    Completed,
}

impl MaterialState {
    pub fn of(files: usize, marked_complete: bool) -> MaterialState {
        match (files, marked_complete) {
            (0, _) => MaterialState::NotStarted,
            (_, false) => MaterialState::InProgress,
            (_, true) => MaterialState::Completed,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            MaterialState::NotStarted => "未开始",
            MaterialState::InProgress => "进行中",
            MaterialState::Completed => "已完成",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            MaterialState::NotStarted => "not_started",
            MaterialState::InProgress => "in_progress",
            MaterialState::Completed => "completed",
        }
    }
}

/// Whether a material is required of this project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    Required,
    /// Its condition depends on a fact not known yet.
    Undecided,
    /// Its condition does not hold: not required (shown, for the record).
    NotRequired,
}

/// A material a stage of the project's path asks for.
#[derive(Debug, Clone)]
pub struct Need<'a> {
    pub doc: &'a DocumentRule,
    pub requirement: Requirement,
    /// The material that may stand in for it here (lhasa:10: a preliminary design for a
    /// feasibility study), when its condition holds.
    pub replaceable_by: Option<&'a DocumentRule>,
}

impl Need<'_> {
    /// The file types it takes.
    pub fn accept(&self) -> &[FileKind] {
        accept_of(self.doc)
    }
}

/// The file types a document takes.
pub fn accept_of(doc: &DocumentRule) -> &[FileKind] {
    if doc.accept.is_empty() { DEFAULT_ACCEPT } else { &doc.accept }
}

/// The largest file a document takes, in bytes.
pub fn max_bytes(doc: &DocumentRule) -> u64 {
    doc.max_mb.unwrap_or(DEFAULT_MAX_MB).min(MAX_MB) * 1024 * 1024
}

/// The owner unit: the party that prepares a project's materials unless its entry names
/// another.
pub const OWNER: &str = "owner_unit";

/// The party that hands a document in.
pub fn provider(doc: &DocumentRule) -> &str {
    doc.by.as_deref().unwrap_or(OWNER)
}

/// The stages whose materials `party` hands in at step `i` of `route`: the step's own stage
/// and those of the steps after it, up to the party's next step. What a stage reviews is
/// handed in before it starts (the owner's declaration carries what the joint review reads).
pub fn window(route: &Route, i: usize, party: &str) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    for (n, step) in route.steps.iter().enumerate().skip(i) {
        if n > i && step.parties.iter().any(|p| p == party) {
            break;
        }
        if !out.contains(&step.stage) {
            out.push(step.stage);
        }
    }
    out
}

/// The materials `profile` asks of a project at `stage`, in the profile's order.
pub fn needs<'a>(profile: &'a Profile, stage: Stage, facts: &Facts) -> Vec<Need<'a>> {
    needs_in(profile, &[stage], facts)
}

/// The materials `profile` asks of a project at any of `stages`, in the profile's order.
pub fn needs_in<'a>(profile: &'a Profile, stages: &[Stage], facts: &Facts) -> Vec<Need<'a>> {
    profile
        .documents
        .iter()
        .filter(|d| stages.contains(&d.stage))
        .map(|doc| {
            let requirement = if doc.when.iter().any(|c| c.eval(facts) == Some(false)) {
                Requirement::NotRequired
            } else if all_hold(&doc.when, facts) {
                Requirement::Required
            } else {
                Requirement::Undecided
            };
            let replaceable_by = doc
                .replaceable_by
                .as_ref()
                .filter(|_| all_hold(&doc.replace_when, facts))
                .and_then(|id| profile.documents.iter().find(|d| &d.id == id));
            Need { doc, requirement, replaceable_by }
        })
        .collect()
}

/// The required materials of `needs` that `party` hands in and that are not complete —
/// a material whose stand-in is complete counts as complete.
pub fn missing<'a>(
    needs: &[Need<'a>], party: &str, state: impl Fn(&str) -> MaterialState,
) -> Vec<&'a DocumentRule> {
    needs
        .iter()
        .filter(|n| n.requirement == Requirement::Required && provider(n.doc) == party)
        .filter(|n| state(&n.doc.id) != MaterialState::Completed)
        .filter(|n| n.replaceable_by.is_none_or(|r| state(&r.id) != MaterialState::Completed))
        .map(|n| n.doc)
        .collect()
}

/// The refusal of a hand-in with materials missing: the first article, and each material
/// with its own sentence.
pub fn missing_refusal(missing: &[&DocumentRule]) -> Option<(String, String)> {
    let first = missing.first()?;
    let names: Vec<String> =
        missing.iter().map(|d| format!("《{}》（{}）", d.name, d.cite)).collect();
    // One material: its rule's words say why. Several: each carries its own article, and
    // the first one's sentence would read as the only reason.
    let why = match missing.len() {
        1 => first.text.clone(),
        _ => "每项材料后注明了要求它的条款。".to_string(),
    };
    Some((first.cite.clone(), format!("尚未完成的材料：{}。{why}", names.join("、"))))
}

/// Why a file cannot be a material: its type or size, in the material's own name.
pub fn check_file(doc: &DocumentRule, kind: Option<FileKind>, size: u64) -> Result<(), String> {
    if size == 0 {
        return Err(format!("《{}》：文件是空的，请重新选择文件", doc.name));
    }
    if size > max_bytes(doc) {
        return Err(format!(
            "《{}》：文件超过 {} MB",
            doc.name,
            doc.max_mb.unwrap_or(DEFAULT_MAX_MB).min(MAX_MB)
        ));
    }
    let accept = accept_of(doc);
    match kind {
        Some(k) if accept.contains(&k) => Ok(()),
        Some(k) => Err(format!(
            "《{}》不接受{}，可上传：{}",
            doc.name,
            k.label(),
            accept.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
        )),
        None => Err(format!(
            "《{}》：无法识别文件类型（按文件内容判断，不看扩展名），可上传：{}",
            doc.name,
            accept.iter().map(|k| k.label()).collect::<Vec<_>>().join("、")
        )),
    }
}

/// A file name as it may be stored and shown: its last path part, without control
/// characters, at most 100 characters; a name left empty becomes `附件`.
pub fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() { "附件".into() } else { cleaned }
}

#[cfg(test)]
mod tests;
