//! Reading a profile leniently, rule by rule, so one run reports every mistake with its file,
//! line and field.

use super::schema::{
    ClauseRule, Condition, DeadlineRule, DocumentRule, Facts, Gap, GateRule, Labels, PathRule,
    Profile, ProfileHead, ProvisionRule, QuotaRule, SanctionRule, SignMode, StageRule,
    ThresholdRule, Timing,
};
use super::vocabulary::{EventKind, Stage};
use crate::draw::PanelRule;
use crate::org::{FirmKind, PartyKind};
use crate::review::{DimensionKind, ReviewForm};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// One mistake in a profile file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}: {}", self.file, self.line, self.field, self.message)
    }
}

fn strip<T>(v: Vec<(usize, T)>) -> Vec<T> {
    v.into_iter().map(|(_, x)| x).collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The sections of a profile made of `[[section]]` entries.
const SECTIONS: &[&str] = &[
    "stages",
    "documents",
    "deadlines",
    "thresholds",
    "quotas",
    "gates",
    "sanctions",
    "gaps",
    "provisions",
    "paths",
    "reviews",
    "panels",
    "clauses",
];

/// An entry's body: from the end of its `[[header]]` line to the next header.
fn entry_bodies(text: &str, section: &str) -> Vec<(usize, String)> {
    let header = format!("[[{section}]]");
    let mut out = Vec::new();
    let mut offset = 0;
    let mut current: Option<(usize, String)> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            if let Some(c) = current.take() {
                out.push(c);
            }
            if trimmed == header {
                current = Some((offset + line.len(), String::new()));
            }
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
        }
        offset += line.len();
    }
    if let Some(c) = current {
        out.push(c);
    }
    out
}

/// Everything outside the `[[…]]` entries: the head and the labels.
fn head_text(text: &str) -> String {
    let mut out = String::new();
    let mut in_entry = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with("[[") {
            in_entry = true;
        } else if trimmed.starts_with('[') {
            in_entry = false;
        }
        // Keep line numbers: blank out entry lines instead of dropping them.
        if in_entry {
            out.push('\n');
        } else {
            out.push_str(line);
        }
    }
    out
}

fn field_of_serde_error(message: &str) -> String {
    for marker in ["field `", "variant `"] {
        if let Some(i) = message.find(marker) {
            let rest = &message[i + marker.len()..];
            if let Some(j) = rest.find('`') {
                return rest[..j].to_string();
            }
        }
    }
    String::new()
}

struct Reader<'a> {
    file: &'a str,
    errors: Vec<ProfileError>,
}

impl Reader<'_> {
    fn err(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.errors.push(ProfileError {
            file: self.file.to_string(),
            line,
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Deserializes each `[[section]]` entry on its own, so one bad entry does not hide the
    /// next. Returns the entries with the line of their header.
    fn entries<T: serde::de::DeserializeOwned>(
        &mut self, text: &str, section: &str,
    ) -> Vec<(usize, T)> {
        let mut out = Vec::new();
        for (start, body) in entry_bodies(text, section) {
            let header_line = line_of(text, start) - 1;
            match toml::from_str::<T>(&body) {
                Ok(v) => out.push((header_line, v)),
                Err(e) => {
                    let line = e
                        .span()
                        .map(|s| header_line + line_of(&body, s.start))
                        .unwrap_or(header_line);
                    let msg = e.message().to_string();
                    // The key on the offending line names the field best; serde's message
                    // names it when the line does not (a missing field).
                    let key = e
                        .span()
                        .and_then(|s| {
                            body[..s.start.min(body.len())].lines().last().map(str::to_string)
                        })
                        .and_then(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
                        .filter(|k| !k.is_empty() && !k.contains(' '));
                    let field = key.unwrap_or_else(|| field_of_serde_error(&msg));
                    self.err(line, format!("{section}.{field}").trim_end_matches('.'), msg);
                }
            }
        }
        out
    }
}

/// The line of `key = ` inside an entry starting at `header_line`, for precise messages.
fn field_line(text: &str, header_line: usize, key: &str) -> usize {
    for (i, line) in text.lines().enumerate().skip(header_line) {
        let t = line.trim_start();
        if i > header_line && t.starts_with("[[") {
            break;
        }
        if t.starts_with(key) && t[key.len()..].trim_start().starts_with('=') {
            return i + 1;
        }
    }
    header_line
}

/// Reads and checks a profile; every problem is reported, each with file, line and field.
pub fn load(file: &str, text: &str) -> Result<Profile, Vec<ProfileError>> {
    let mut r = Reader { file, errors: Vec::new() };
    // Syntax first: a file that is not TOML cannot be read rule by rule.
    let (_, syntax) = toml::de::DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        for e in syntax {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            r.err(line, "", format!("TOML 语法错误：{}", e.message()));
        }
        return Err(r.errors);
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Head {
        #[serde(flatten)]
        head: ProfileHead,
        #[serde(default)]
        labels: Labels,
    }
    let head_src = head_text(text);
    let head = match toml::from_str::<Head>(&head_src) {
        Ok(h) => Some(h),
        Err(e) => {
            let line = e.span().map(|s| line_of(&head_src, s.start)).unwrap_or(1);
            let msg = e.message().to_string();
            let field = field_of_serde_error(&msg);
            r.err(line, &field, msg);
            None
        }
    };
    let stages: Vec<(usize, StageRule)> = r.entries(text, "stages");
    let documents: Vec<(usize, DocumentRule)> = r.entries(text, "documents");
    let deadlines: Vec<(usize, DeadlineRule)> = r.entries(text, "deadlines");
    let thresholds: Vec<(usize, ThresholdRule)> = r.entries(text, "thresholds");
    let quotas: Vec<(usize, QuotaRule)> = r.entries(text, "quotas");
    let gates: Vec<(usize, GateRule)> = r.entries(text, "gates");
    let sanctions: Vec<(usize, SanctionRule)> = r.entries(text, "sanctions");
    let gaps: Vec<(usize, Gap)> = r.entries(text, "gaps");
    let provisions: Vec<(usize, ProvisionRule)> = r.entries(text, "provisions");
    let paths: Vec<(usize, PathRule)> = r.entries(text, "paths");
    let reviews: Vec<(usize, ReviewForm)> = r.entries(text, "reviews");
    let panels: Vec<(usize, PanelRule)> = r.entries(text, "panels");
    let clauses: Vec<(usize, ClauseRule)> = r.entries(text, "clauses");

    // Sections the reader does not know.
    for line in text.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|s| s.strip_suffix("]]"))
            && !SECTIONS.contains(&name)
        {
            let n = text.lines().position(|l| l.trim() == t).map(|i| i + 1).unwrap_or(1);
            r.err(n, name, format!("未知的规则类别 [[{name}]]（可用：{}）", SECTIONS.join("、")));
        }
    }

    let Some(Head { head, labels }) = head else {
        return Err(r.errors);
    };
    let mut prefixes: Vec<String> = vec![head.id.clone()];
    prefixes.extend(head.cite_prefixes.iter().cloned());
    let party_ok = |p: &str| {
        PartyKind::parse(p).is_some()
            || FirmKind::parse(p).is_some()
            || p == "expert"
            || p == "public"
    };

    for key in labels.parties.keys() {
        if !party_ok(key) {
            let line = field_line(text, 0, key);
            r.err(line, &format!("labels.parties.{key}"), "未知的参与方类型");
        }
    }
    for key in labels.stages.keys() {
        if Stage::parse(key).is_none() {
            let line = field_line(text, 0, key);
            r.err(line, &format!("labels.stages.{key}"), "未知的阶段");
        }
    }

    let mut ids: BTreeSet<String> = BTreeSet::new();
    // Common checks for every rule: unique id, a citation of this profile, a Chinese sentence.
    let mut common = |r: &mut Reader<'_>,
                      section: &str,
                      line: usize,
                      id: Option<&str>,
                      cite: &str,
                      text_field: &str| {
        if let Some(id) = id {
            if id.trim().is_empty() {
                r.err(line, &format!("{section}.id"), "规则编号不能为空");
            } else if !ids.insert(id.to_string()) {
                r.err(
                    field_line(text, line, "id"),
                    &format!("{section}.id"),
                    format!("规则编号 {id} 重复"),
                );
            }
        }
        let cite_ok = cite
            .split_once(':')
            .is_some_and(|(p, art)| prefixes.iter().any(|x| x == p) && !art.trim().is_empty());
        if !cite_ok {
            r.err(
                field_line(text, line, "cite"),
                &format!("{section}.cite"),
                format!("依据“{cite}”应写作“{}:条款”，例如 {}:15", prefixes[0], prefixes[0]),
            );
        }
        if !text_field.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
            r.err(
                field_line(text, line, "text"),
                &format!("{section}.text"),
                "须写明用户看到的中文表述",
            );
        }
    };

    // Two rules of one stage under one article lay out steps with the same keys: they must
    // never both apply.
    for (i, (line, s)) in stages.iter().enumerate() {
        let clash = stages[..i].iter().find(|(_, e)| {
            e.stage == s.stage && e.cite == s.cite && !exclusive(e, s) && !s.chain.is_empty()
        });
        if let Some((first, _)) = clash {
            r.err(
                field_line(text, *line, "cite"),
                "stages.when",
                format!(
                    "与第 {first} 行的规则同为“{}”阶段的 {}，两者可能同时适用：请用 when / unless 使其互斥",
                    s.stage.label(),
                    s.cite
                ),
            );
        }
    }
    let mut scored: Vec<(Stage, String)> = Vec::new();
    for (line, s) in &stages {
        common(&mut r, "stages", *line, None, &s.cite, &s.text);
        for d in &s.dimensions {
            let at = field_line(text, *line, "dimensions");
            let key_ok = !d.id.is_empty()
                && d.id.len() <= 40
                && d.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if !key_ok {
                r.err(at, "stages.dimensions.id", "评分项的 id 须为小写字母和下划线");
            } else if scored.contains(&(s.stage, d.id.clone())) {
                r.err(at, "stages.dimensions.id", format!("评分项 {} 重复", d.id));
            }
            if d.name.trim().is_empty() {
                r.err(at, "stages.dimensions.name", "评分项须写明名称");
            }
            if !crate::submission::scored(s.stage) {
                r.err(at, "stages.dimensions", "只有后评价、绩效评价可以列出评分项");
            }
            scored.push((s.stage, d.id.clone()));
        }
        for step in &s.chain {
            for p in &step.parties {
                if !party_ok(p) {
                    r.err(
                        field_line(text, *line, "chain"),
                        "stages.chain.parties",
                        format!("未知的参与方类型 {p}"),
                    );
                }
            }
            if step.parties.is_empty() {
                r.err(
                    field_line(text, *line, "chain"),
                    "stages.chain.parties",
                    "审批环节须列出参与方",
                );
            }
            // An event a party causes by nature is recorded by a step of that party.
            let emitted = [&step.emits, &step.emits_again, &step.emits_on_return];
            for e in emitted.into_iter().flatten().flatten() {
                if let Some(by) = e.caused_by()
                    && !step.parties.iter().any(|p| p == by.as_str())
                {
                    r.err(
                        field_line(text, *line, "chain"),
                        "stages.chain.emits",
                        format!("“{}”由{}记录，本环节的参与方不含它", e.label(), by.label()),
                    );
                }
            }
            if step.mode == SignMode::Single && step.parties.len() > 1 {
                r.err(
                    field_line(text, *line, "chain"),
                    "stages.chain.mode",
                    "多个参与方须写明 mode = \"all\"（会签）或 \"any\"（或签）",
                );
            }
        }
    }
    let doc_ids: BTreeSet<String> = documents.iter().map(|(_, d)| d.id.clone()).collect();
    for (line, d) in &documents {
        common(&mut r, "documents", *line, Some(&d.id), &d.cite, &d.text);
        if let Some(other) = &d.replaceable_by
            && !doc_ids.contains(other)
        {
            r.err(
                field_line(text, *line, "replaceable_by"),
                "documents.replaceable_by",
                format!("找不到材料 {other}"),
            );
        }
        if let Some(by) = &d.by
            && !party_ok(by)
        {
            r.err(field_line(text, *line, "by"), "documents.by", format!("未知的参与方类型 {by}"));
        }
        if d.max_mb.is_some_and(|m| m == 0 || m > crate::materials::MAX_MB) {
            r.err(
                field_line(text, *line, "max_mb"),
                "documents.max_mb",
                format!("max_mb 须在 1 到 {} 之间", crate::materials::MAX_MB),
            );
        }
    }
    let deadline_ids: BTreeSet<String> = deadlines.iter().map(|(_, d)| d.id.clone()).collect();
    for (line, d) in &deadlines {
        common(&mut r, "deadlines", *line, Some(&d.id), &d.cite, &d.text);
        if !party_ok(&d.owed_by) {
            r.err(
                field_line(text, *line, "owed_by"),
                "deadlines.owed_by",
                format!("未知的参与方类型 {}", d.owed_by),
            );
        }
        if let Some(to) = &d.owed_to
            && !party_ok(to)
        {
            r.err(
                field_line(text, *line, "owed_to"),
                "deadlines.owed_to",
                format!("未知的参与方类型 {to}"),
            );
        }
        if d.if_late.is_some()
            && (d.fixed.is_none() || d.fulfilled_by != EventKind::DeclarationSubmitted)
        {
            r.err(
                field_line(text, *line, "if_late"),
                "deadlines.if_late",
                "if_late 只用于按固定日期、以提交申报完成的年度申报期限",
            );
        }
        match d.timing() {
            Err(m) => r.err(*line, "deadlines.timing", m),
            Ok(Timing::Fixed(f)) => {
                if NaiveDate::from_ymd_opt(2024, f.month, f.day).is_none() {
                    r.err(
                        field_line(text, *line, "fixed"),
                        "deadlines.fixed",
                        format!("{}月{}日不是有效日期", f.month, f.day),
                    );
                }
            }
            Ok(Timing::NextNthWeekday(w)) if !(1..=5).contains(&w.n) => {
                r.err(
                    field_line(text, *line, "next_nth_weekday"),
                    "deadlines.next_nth_weekday.n",
                    "第几个须为 1–5",
                );
            }
            Ok(Timing::Recurring { working_day, .. }) => {
                if d.until.is_none() {
                    r.err(*line, "deadlines.until", "周期性义务须写明到哪个事件为止（until）");
                }
                if working_day == 0 || working_day > 23 {
                    r.err(
                        field_line(text, *line, "working_day"),
                        "deadlines.working_day",
                        "第几个工作日须为 1–23",
                    );
                }
            }
            Ok(_) => {}
        }
        if d.not_before_months.is_some() && d.months.is_none() {
            r.err(
                field_line(text, *line, "not_before_months"),
                "deadlines.not_before_months",
                "not_before_months 只能与 months 一起使用",
            );
        }
    }
    for (line, t) in &thresholds {
        common(&mut r, "thresholds", *line, Some(&t.id), &t.cite, &t.text);
    }
    let quota_ids: BTreeSet<String> = quotas.iter().map(|(_, q)| q.id.clone()).collect();
    for (line, q) in &quotas {
        common(&mut r, "quotas", *line, Some(&q.id), &q.cite, &q.text);
        if q.max == 0 {
            r.err(field_line(text, *line, "max"), "quotas.max", "限额须大于 0");
        }
    }
    for (line, g) in &gates {
        common(&mut r, "gates", *line, Some(&g.id), &g.cite, &g.text);
        match (&g.quota, g.requires.is_empty()) {
            (None, true) => r.err(*line, "gates.requires", "关口须给出 requires 条件或 quota 限额"),
            (Some(q), _) if !quota_ids.contains(q) => {
                r.err(field_line(text, *line, "quota"), "gates.quota", format!("找不到限额 {q}"))
            }
            _ => {}
        }
    }
    for (line, s) in &sanctions {
        common(&mut r, "sanctions", *line, Some(&s.id), &s.cite, &s.text);
        for d in &s.on_overdue {
            if !deadline_ids.contains(d) {
                r.err(
                    field_line(text, *line, "on_overdue"),
                    "sanctions.on_overdue",
                    format!("找不到期限 {d}"),
                );
            }
        }
        if s.steps.is_empty() {
            r.err(field_line(text, *line, "steps"), "sanctions.steps", "须列出处理措施");
        }
        for (field, parties) in [("by", &s.by), ("funds_by", &s.funds_by)] {
            for p in parties {
                if !party_ok(p) {
                    r.err(
                        field_line(text, *line, field),
                        &format!("sanctions.{field}"),
                        format!("未知的参与方类型 {p}"),
                    );
                }
            }
        }
    }
    for (line, g) in &gaps {
        common(&mut r, "gaps", *line, None, &g.cite, &g.text);
    }
    let mut provided = Vec::new();
    for (line, p) in &provisions {
        common(&mut r, "provisions", *line, None, &p.cite, &p.text);
        if provided.contains(&p.provision) {
            r.err(
                field_line(text, *line, "provision"),
                "provisions.provision",
                "同一事项只能写一条依据",
            );
        }
        provided.push(p.provision);
    }
    let mut path_ids = Vec::new();
    for (line, p) in &paths {
        common(&mut r, "paths", *line, None, &p.cite, &p.text);
        if path_ids.contains(&p.id) {
            r.err(field_line(text, *line, "id"), "paths.id", format!("路径 {} 重复", p.id));
        }
        path_ids.push(p.id.clone());
        if p.stages.is_empty() {
            r.err(field_line(text, *line, "stages"), "paths.stages", "须列出经过的阶段");
        }
        for (i, stage) in p.stages.iter().enumerate() {
            if p.stages[..i].contains(stage) {
                let m = format!("阶段 {} 重复", stage.as_str());
                r.err(field_line(text, *line, "stages"), "paths.stages", m);
            } else if !stages.iter().any(|(_, s)| s.stage == *stage) {
                let m = format!("阶段 {} 没有 [[stages]] 规则", stage.as_str());
                r.err(field_line(text, *line, "stages"), "paths.stages", m);
            }
        }
    }
    for (line, c) in &clauses {
        common(&mut r, "clauses", *line, Some(&c.id), &c.cite, &c.text);
    }
    check_reviews(&mut r, text, &reviews, &stages, &party_ok);
    check_panels(&mut r, text, &panels, &stages);
    if head.issued.year() < 1990 {
        r.err(field_line(text, 0, "issued"), "issued", "发布日期不合理");
    }
    if !r.errors.is_empty() {
        r.errors.sort_by_key(|e| e.line);
        return Err(r.errors);
    }
    Ok(Profile {
        head,
        labels,
        stages: strip(stages),
        documents: strip(documents),
        deadlines: strip(deadlines),
        thresholds: strip(thresholds),
        quotas: strip(quotas),
        gates: strip(gates),
        sanctions: strip(sanctions),
        gaps: strip(gaps),
        provisions: strip(provisions),
        paths: strip(paths),
        reviews: strip(reviews),
        panels: strip(panels),
        clauses: strip(clauses),
    })
}

/// The expert panels: unique ids, a size from 1 to 50, and every chain link's `panel` naming
/// one, signed by experts, with a step before it in its chain to draw them.
fn check_panels(
    r: &mut Reader<'_>, text: &str, panels: &[(usize, PanelRule)], stages: &[(usize, StageRule)],
) {
    let mut ids = BTreeSet::new();
    for (line, f) in panels {
        if !ids.insert(f.id.clone()) {
            r.err(field_line(text, *line, "id"), "panels.id", format!("专家组 {} 重复", f.id));
        }
        if f.name.trim().is_empty() || f.text.trim().is_empty() || f.cite.trim().is_empty() {
            r.err(*line, "panels.name", "专家组须有 name、cite 和 text");
        }
        if f.size == 0 || f.size > 50 {
            r.err(field_line(text, *line, "size"), "panels.size", "专家组人数须在 1 到 50 之间");
        }
    }
    for (line, s) in stages {
        for (i, link) in s.chain.iter().enumerate() {
            let Some(id) = &link.panel else { continue };
            let at = field_line(text, *line, "chain");
            if !panels.iter().any(|(_, f)| &f.id == id) {
                r.err(at, "stages.chain.panel", format!("找不到专家组 {id}"));
            }
            if i == 0 {
                r.err(at, "stages.chain.panel", "由专家组办理的环节之前须有抽取专家的环节");
            }
            if link.parties != ["expert"] {
                r.err(at, "stages.chain.panel", "由专家组办理的环节只能由评审专家（expert）办理");
            }
        }
    }
}

/// The review forms: unique ids and dimensions, known parties, options for a choice, and
/// every chain link's `review` naming a form whose `by` parties sign at that link.
fn check_reviews(
    r: &mut Reader<'_>, text: &str, reviews: &[(usize, ReviewForm)], stages: &[(usize, StageRule)],
    party_ok: &dyn Fn(&str) -> bool,
) {
    let mut ids = BTreeSet::new();
    for (line, f) in reviews {
        if !ids.insert(f.id.clone()) {
            r.err(field_line(text, *line, "id"), "reviews.id", format!("评审表 {} 重复", f.id));
        }
        if f.name.trim().is_empty() || f.text.trim().is_empty() || f.cite.trim().is_empty() {
            r.err(*line, "reviews.name", "评审表须有 name、cite 和 text");
        }
        let mut dims = BTreeSet::new();
        for d in &f.dimensions {
            let at = field_line(text, *line, "dimensions");
            if !dims.insert(d.id.clone()) {
                r.err(at, "reviews.dimensions.id", format!("评审项 {} 重复", d.id));
            }
            if d.kind == DimensionKind::Choice && d.options.len() < 2 {
                r.err(
                    at,
                    "reviews.dimensions.options",
                    format!("选择项 {} 须列出至少两个选项", d.id),
                );
            }
            if d.refusing.iter().any(|o| !d.options.contains(o)) {
                r.err(
                    at,
                    "reviews.dimensions.refusing",
                    format!("{} 的 refusing 须是它的选项", d.id),
                );
            }
            if d.kind != DimensionKind::Choice && !d.options.is_empty() {
                r.err(
                    at,
                    "reviews.dimensions.options",
                    format!("只有选择项可以列出选项（{}）", d.id),
                );
            }
            if let Some(by) = &d.by
                && !party_ok(by)
            {
                r.err(at, "reviews.dimensions.by", format!("未知的参与方类型 {by}"));
            }
        }
    }
    for (line, s) in stages {
        for link in &s.chain {
            let Some(id) = &link.review else { continue };
            let at = field_line(text, *line, "chain");
            match reviews.iter().find(|(_, f)| &f.id == id) {
                None => r.err(at, "stages.chain.review", format!("找不到评审表 {id}")),
                Some((_, f)) => {
                    for by in f.dimensions.iter().filter_map(|d| d.by.as_ref()) {
                        if !link.parties.contains(by) {
                            let m =
                                format!("评审表 {id} 的评审项由 {by} 评价，但该环节没有这一参与方");
                            r.err(at, "stages.chain.review", m);
                        }
                    }
                }
            }
        }
    }
}

/// Whether two stage rules can never both apply: one's `unless` names a condition of the
/// other's `when`, or a condition of each on one fact admits no common value (`< 2,000,000`
/// and `>= 2,000,000`; `== 0` and `== 1`).
fn exclusive(a: &StageRule, b: &StageRule) -> bool {
    let ruled_out = |x: &StageRule, y: &StageRule| x.unless.iter().any(|c| y.when.contains(c));
    let disjoint = |x: &Condition, y: &Condition| {
        // Two bounds, points or exclusions of integers meet, if at all, next to a boundary.
        x.fact == y.fact
            && [x.value, y.value]
                .iter()
                .flat_map(|v| [v.saturating_sub(1), *v, v.saturating_add(1)])
                .all(|v| {
                    let facts: Facts = [(x.fact, v)].into_iter().collect();
                    x.eval(&facts) != Some(true) || y.eval(&facts) != Some(true)
                })
    };
    let contradict = a.when.iter().any(|x| b.when.iter().any(|y| disjoint(x, y)));
    ruled_out(a, b) || ruled_out(b, a) || contradict
}
