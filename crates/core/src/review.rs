//! 评审意见 (issue 11 §4): what a reviewing party records at a step whose profile names a
//! review form — a conclusion, its conditions, a written opinion and an answer on each
//! dimension it scores (yeji:7's five offices each on their own dimension; gaoping:11 and
//! xinzhou-transport:10's five dimensions; lhasa:4's feasibility, security share of
//! investment and risks) — the panel's summary derived from the opinions, and the rule that a
//! party passes the step only on its own opinion, and never on a 不同意.

use crate::FieldError;
use crate::crypto::sm3_hex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest written opinion, and the longest answer to a text dimension or a condition.
pub const MAX_NOTE_CHARS: usize = 4000;
pub const MAX_TEXT_CHARS: usize = 2000;

/// A profile's review form (`[[reviews]]`), named by the chain links that use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewForm {
    pub id: String,
    pub cite: String,
    pub text: String,
    /// Its title (评审意见表, 网络安全前置审查意见 …).
    pub name: String,
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
}

/// One thing a reviewer judges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub id: String,
    /// In the regulation's words (规划科学性 …).
    pub name: String,
    pub kind: DimensionKind,
    /// The answers a `choice` offers.
    #[serde(default)]
    pub options: Vec<String>,
    /// The party that answers it; every reviewing party when absent.
    #[serde(default)]
    pub by: Option<String>,
    /// The options of a choice that say the project cannot go on as proposed (不可行): with
    /// one of them the conclusion can only be 不同意.
    #[serde(default)]
    pub refusing: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DimensionKind {
    /// A whole number of points from 0 to 100.
    Score,
    /// A percentage from 0 to 100 with at most two decimals (网络和数据安全投入比例).
    Percent,
    /// One of `options`.
    Choice,
    /// Written words.
    Text,
}

impl DimensionKind {
    pub fn label(self) -> &'static str {
        match self {
            DimensionKind::Score => "评分（0–100 分）",
            DimensionKind::Percent => "百分比（%）",
            DimensionKind::Choice => "选择",
            DimensionKind::Text => "文字",
        }
    }
}

/// A reviewer's conclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// 同意.
    Agree,
    /// 修改后同意: agreed on the conditions written with it.
    Conditional,
    /// 不同意.
    Disagree,
}

impl Conclusion {
    pub const ALL: [Conclusion; 3] =
        [Conclusion::Agree, Conclusion::Conditional, Conclusion::Disagree];

    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Agree => "agree",
            Conclusion::Conditional => "conditional",
            Conclusion::Disagree => "disagree",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Conclusion::Agree => "同意",
            Conclusion::Conditional => "修改后同意",
            Conclusion::Disagree => "不同意",
        }
    }

    pub fn parse(s: &str) -> Option<Conclusion> {
        Conclusion::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl ReviewForm {
    /// The dimensions `party` answers.
    pub fn dimensions_for<'a>(&'a self, party: &'a str) -> impl Iterator<Item = &'a Dimension> {
        self.dimensions.iter().filter(move |d| d.by.as_deref().is_none_or(|b| b == party))
    }
}

/// What a reviewer sent, as typed: the conclusion, the conditions, the opinion and an answer
/// per dimension id.
#[derive(Debug, Clone, Default)]
pub struct OpinionInput {
    pub conclusion: String,
    pub conditions: String,
    pub note: String,
    pub values: BTreeMap<String, String>,
}

/// An opinion as kept: each answer in its one written form (a score `85`, a percentage
/// `12.5`), so that its digest is the same wherever it is computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opinion {
    pub party: String,
    pub user: i64,
    pub at_ms: i64,
    pub conclusion: Conclusion,
    pub conditions: String,
    pub note: String,
    pub values: BTreeMap<String, String>,
}

impl Opinion {
    /// The SM3 of the opinion as kept, which a decision's signature covers.
    pub fn digest(&self) -> String {
        sm3_hex(serde_json::to_string(self).unwrap_or_default().as_bytes())
    }
}

/// An opinion's answers, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    pub conclusion: Conclusion,
    pub conditions: String,
    pub note: String,
    pub values: BTreeMap<String, String>,
}

impl Answers {
    /// The opinion of `party`'s `user` at `at_ms` with these answers.
    pub fn opinion(self, party: &str, user: i64, at_ms: i64) -> Opinion {
        let Answers { conclusion, conditions, note, values } = self;
        Opinion { party: party.to_string(), user, at_ms, conclusion, conditions, note, values }
    }
}

/// The answers `party` gave, checked against the form: every dimension it answers, each in
/// its kind's bounds, nothing it does not; a conclusion; conditions with 修改后同意; every
/// text within its length. Each problem names its dimension or field.
pub fn read_opinion(
    form: &ReviewForm, party: &str, input: &OpinionInput,
) -> Result<Answers, Vec<FieldError>> {
    // In the order the form shows them: the dimensions, the conclusion, its conditions, the
    // opinion.
    let mut errors = Vec::new();
    let mut values = BTreeMap::new();
    for d in form.dimensions_for(party) {
        let raw = input.values.get(&d.id).map(|s| s.trim()).unwrap_or("");
        match answer(d, raw) {
            Ok(v) => {
                values.insert(d.id.clone(), v);
            }
            Err(m) => errors.push(FieldError::new("values", format!("“{}”{m}", d.name))),
        }
    }
    for id in input.values.keys() {
        if !form.dimensions_for(party).any(|d| &d.id == id) {
            let m = match form.dimensions.iter().find(|d| &d.id == id) {
                Some(d) => format!("“{}”不由本单位评价", d.name),
                None => format!("评审表中没有“{id}”这一项"),
            };
            errors.push(FieldError::new("values", m));
        }
    }
    let conclusion = Conclusion::parse(input.conclusion.trim());
    if conclusion.is_none() {
        errors.push(FieldError::new("conclusion", "请选择评审结论：同意、修改后同意或不同意"));
    }
    let conditions = input.conditions.trim().to_string();
    if conclusion == Some(Conclusion::Conditional) && conditions.is_empty() {
        errors.push(FieldError::new("conditions", "结论为“修改后同意”时，须写明修改条件"));
    }
    if conditions.chars().count() > MAX_TEXT_CHARS {
        errors.push(FieldError::new("conditions", format!("修改条件不能超过 {MAX_TEXT_CHARS} 字")));
    }
    if let Some(c) = conclusion.filter(|c| *c != Conclusion::Disagree) {
        for d in form.dimensions_for(party) {
            if let Some(v) = values.get(&d.id).filter(|v| d.refusing.contains(v)) {
                errors.push(FieldError::new(
                    "conclusion",
                    format!("“{}”为“{v}”时，评审结论只能是“不同意”（现为“{}”）", d.name, c.label()),
                ));
            }
        }
    }
    let note = input.note.trim().to_string();
    if conclusion == Some(Conclusion::Disagree) && note.is_empty() {
        errors.push(FieldError::new("note", "结论为“不同意”时，须在评审意见中写明理由"));
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.push(FieldError::new("note", format!("评审意见不能超过 {MAX_NOTE_CHARS} 字")));
    }
    match (errors.is_empty(), conclusion) {
        (true, Some(conclusion)) => Ok(Answers { conclusion, conditions, note, values }),
        _ => Err(errors),
    }
}

/// A score as typed (full-width digits too, spaces around): a whole number from 0 to 100 —
/// what review forms and evaluations alike score with.
pub fn score(typed: &str) -> Option<u8> {
    let digits: String = typed.trim().chars().map(crate::money::half_width).collect();
    digits.parse::<u8>().ok().filter(|n| *n <= 100)
}

/// One answer in its written form, or why it is refused (the dimension's name goes before).
fn answer(d: &Dimension, raw: &str) -> Result<String, String> {
    if raw.is_empty() {
        return Err("未填写".into());
    }
    match d.kind {
        DimensionKind::Score => match score(raw) {
            Some(n) => Ok(n.to_string()),
            None => Err("须为 0 到 100 的整数分".into()),
        },
        DimensionKind::Percent => {
            let bp = basis_points(raw.trim_end_matches('%').trim())
                .filter(|b| (0..=10_000).contains(b))
                .ok_or("须为 0 到 100 之间的百分数，最多两位小数")?;
            Ok(percent_text(bp))
        }
        DimensionKind::Choice => d
            .options
            .iter()
            .find(|o| o.as_str() == raw)
            .cloned()
            .ok_or_else(|| format!("须为以下之一：{}", d.options.join("、"))),
        DimensionKind::Text if raw.chars().count() > MAX_TEXT_CHARS => {
            Err(format!("不能超过 {MAX_TEXT_CHARS} 字"))
        }
        DimensionKind::Text => Ok(raw.to_string()),
    }
}

/// `12.5` → 1250 hundredths of a percent; `None` for anything but digits with at most two
/// decimals.
fn basis_points(s: &str) -> Option<i64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || whole.len() > 3
        || frac.len() > 2
        || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    Some(whole.parse::<i64>().ok()? * 100 + frac)
}

fn percent_text(bp: i64) -> String {
    match bp % 100 {
        0 => (bp / 100).to_string(),
        f if f % 10 == 0 => format!("{}.{}", bp / 100, f / 10),
        f => format!("{}.{f:02}", bp / 100),
    }
}

/// The numeric value of an answer (points, or hundredths of a percent).
fn numeric(kind: DimensionKind, v: &str) -> Option<i64> {
    match kind {
        DimensionKind::Score => v.parse().ok(),
        DimensionKind::Percent => basis_points(v),
        _ => None,
    }
}

/// Why a pass of a step by a person acting as `passing` (the step's parties they act as)
/// would be refused by its review form: they have not recorded their opinion, or it is
/// 不同意. `mine` is their opinion at this visit of the step, if any.
pub fn pass_refusal(form: &ReviewForm, mine: Option<&Opinion>) -> Option<(String, String)> {
    let refuse = |m: String| Some((form.cite.clone(), m));
    match mine {
        None => refuse(format!("通过前须先填写{}，写明评审结论和各项评价", form.name)),
        Some(o) if o.conclusion == Conclusion::Disagree => refuse(format!(
            "您的{}结论为“不同意”，不能通过：请修改评审意见，或退回、不予通过",
            form.name
        )),
        Some(_) => None,
    }
}

/// The panel's summary at one visit of a step: derived from its opinions, never typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub opinions: usize,
    /// How many gave each conclusion, in the order 同意, 修改后同意, 不同意.
    pub conclusions: Vec<(Conclusion, usize)>,
    /// Two opinions or more, all with the same conclusion (one alone agrees with nobody).
    pub unanimous: bool,
    pub dimensions: Vec<DimensionSummary>,
    /// Each 修改后同意's conditions, by party.
    pub conditions: Vec<(String, String)>,
    /// The signers of the step (its parties, or a panel's members as `user:ID`) with no
    /// opinion yet.
    pub missing: Vec<String>,
}

/// One dimension across the opinions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionSummary {
    pub id: String,
    pub name: String,
    pub kind: DimensionKind,
    pub answers: usize,
    /// For scores and percentages: the mean, lowest and highest, written as answers are.
    pub mean: Option<String>,
    pub low: Option<String>,
    pub high: Option<String>,
    /// Scores more than 20 points apart, or percentages more than 20 points apart.
    pub divergent: bool,
    /// For choices: how many chose each option, in the form's order.
    pub choices: Vec<(String, usize)>,
}

/// Whether `opinion` is the one `signer` owes: a party's (`guochuang`) or, for a panel's
/// member, the person's own (`user:12`).
fn signed_by(signer: &str, opinion: &Opinion) -> bool {
    match signer.strip_prefix("user:").and_then(|id| id.parse::<i64>().ok()) {
        Some(user) => opinion.user == user,
        None => opinion.party == signer,
    }
}

/// The summary of `opinions` (one visit's) against `form`; `signers` are the step's parties,
/// or at a panel's step its members (`user:ID`), each of whom owes their own opinion.
pub fn summarize(form: &ReviewForm, opinions: &[Opinion], signers: &[String]) -> Summary {
    let conclusions: Vec<(Conclusion, usize)> = Conclusion::ALL
        .into_iter()
        .map(|c| (c, opinions.iter().filter(|o| o.conclusion == c).count()))
        .collect();
    let dimensions = form
        .dimensions
        .iter()
        .map(|d| {
            let given: Vec<&String> = opinions.iter().filter_map(|o| o.values.get(&d.id)).collect();
            let nums: Vec<i64> = given.iter().filter_map(|v| numeric(d.kind, v)).collect();
            let show = |n: i64| match d.kind {
                DimensionKind::Percent => percent_text(n),
                _ => n.to_string(),
            };
            let (low, high) = (nums.iter().min().copied(), nums.iter().max().copied());
            let mean = (!nums.is_empty()).then(|| {
                let sum: i64 = nums.iter().sum();
                let tenths = (sum * 10 + nums.len() as i64 / 2) / nums.len() as i64;
                match d.kind {
                    // Hundredths of a percent: shown to two decimals at most.
                    DimensionKind::Percent => percent_text(sum / nums.len() as i64),
                    _ if tenths % 10 == 0 => (tenths / 10).to_string(),
                    _ => format!("{}.{}", tenths / 10, tenths % 10),
                }
            });
            let spread = match (low, high) {
                (Some(l), Some(h)) => h - l,
                _ => 0,
            };
            let scale = if d.kind == DimensionKind::Percent { 100 } else { 1 };
            DimensionSummary {
                id: d.id.clone(),
                name: d.name.clone(),
                kind: d.kind,
                answers: given.len(),
                mean,
                low: low.map(show),
                high: high.map(show),
                divergent: spread > 20 * scale,
                choices: d
                    .options
                    .iter()
                    .map(|o| (o.clone(), given.iter().filter(|v| **v == o).count()))
                    .collect(),
            }
        })
        .collect();
    Summary {
        opinions: opinions.len(),
        unanimous: opinions.len() >= 2 && conclusions.iter().filter(|(_, n)| *n > 0).count() == 1,
        conclusions,
        dimensions,
        conditions: opinions
            .iter()
            .filter(|o| o.conclusion == Conclusion::Conditional)
            .map(|o| (o.party.clone(), o.conditions.clone()))
            .collect(),
        missing: signers
            .iter()
            .filter(|s| !opinions.iter().any(|o| signed_by(s, o)))
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests;
