//! Chinese full-text similarity over systems and projects (tantivy with jieba segmentation):
//! the duplicate-construction check ("只减不增、只合不分") and the catalog search.
//!
//! Documents are a name and a description; a query is the same for a new proposal. Terms are
//! jieba words minus words every government system shares (系统、平台、管理…), scored by BM25
//! with the name weighted double; each hit reports the terms it matched so a reviewer sees why.

pub mod quality;

use std::collections::BTreeSet;
use std::sync::Mutex;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

const TOKENIZER: &str = "govit_jieba";

/// Words so common in government system descriptions that they say nothing about duplication.
const STOPWORDS: &[&str] = &[
    "系统",
    "平台",
    "管理",
    "信息",
    "信息化",
    "服务",
    "建设",
    "实现",
    "开展",
    "提供",
    "进行",
    "以及",
    "和",
    "与",
    "的",
    "及",
    "等",
    "对",
    "全区",
    "全市",
    "各类",
    "相关",
    "工作",
    "业务",
    "一体化",
    "综合",
    "智慧",
    "数字",
    "项目",
    "政务",
    "数据",
    "功能",
    "支撑",
    "提升",
    "推进",
    "在线",
    // The words every declaration's summary is written with (one project's 升级改造 says
    // nothing of another's).
    "一期",
    "二期",
    "三期",
    "升级",
    "改造",
    "完善",
    "统一",
    "构建",
    "打造",
    "加强",
    "全面",
    "包括",
    "主要",
    "内容",
    "需求",
    "用于",
    "使用",
    "覆盖",
    "我区",
    "全县",
    "各级",
    "部门",
    "单位",
    "应用",
    "网上",
    "统一",
    "中心",
    "应用",
    "模块",
    "子系统",
    "二期",
    "一期",
    "升级",
    "改造",
    "新建",
    "用于",
    "通过",
    "包括",
    "实行",
];

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Other(String),
}

pub type Result<T> = std::result::Result<T, SearchError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    System,
    Project,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::System => "system",
            DocKind::Project => "project",
        }
    }
    fn parse(s: &str) -> Option<DocKind> {
        match s {
            "system" => Some(DocKind::System),
            "project" => Some(DocKind::Project),
            _ => None,
        }
    }
}

/// Something that can be duplicated: an existing system or a project.
#[derive(Debug, Clone)]
pub struct Doc {
    pub kind: DocKind,
    pub id: i64,
    pub jurisdiction_id: i64,
    pub name: String,
    pub text: String,
}

/// One similar system or project, with its score and the terms that matched.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Match {
    pub kind: DocKind,
    pub id: i64,
    pub name: String,
    pub score: f32,
    pub terms: Vec<String>,
}

struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    jurisdiction: Field,
    name: Field,
    text: Field,
}

pub struct SimilarityIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    analyzer: TextAnalyzer,
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new()).build()
}

/// The meaningful terms of a text, in order of first appearance.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    words(analyzer, text, false)
}

/// The words of a text of two characters or more, in order of first appearance; the common
/// ones (系统, 平台 …) too when `common` — a person searching for 平台 means it.
fn words(analyzer: &mut TextAnalyzer, text: &str, common: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        let w = t.text.trim().to_lowercase();
        let meaningful = w.chars().count() >= 2
            && w.chars().any(|c| c.is_alphanumeric())
            && (common || !STOPWORDS.contains(&w.as_str()));
        if meaningful && !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

impl SimilarityIndex {
    /// An index held in memory (tests, small jurisdictions); rebuilt from the database on start.
    pub fn in_memory() -> Result<SimilarityIndex> {
        let mut builder = Schema::builder();
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text_opts = TextOptions::default().set_indexing_options(indexing).set_stored();
        let f = Fields {
            key: builder.add_text_field("key", STRING),
            kind: builder.add_text_field("kind", STRING | STORED),
            id: builder.add_i64_field("id", STORED | FAST),
            jurisdiction: builder.add_i64_field("jurisdiction", INDEXED | FAST),
            name: builder.add_text_field("name", text_opts.clone()),
            text: builder.add_text_field("text", text_opts),
        };
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register(TOKENIZER, analyzer());
        let writer = index.writer(50_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SimilarityIndex { index, reader, writer: Mutex::new(writer), f, analyzer: analyzer() })
    }

    fn key(kind: DocKind, id: i64) -> String {
        format!("{}:{id}", kind.as_str())
    }

    /// The index's document for `d`.
    fn document(&self, d: &Doc) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.f.key, Self::key(d.kind, d.id));
        doc.add_text(self.f.kind, d.kind.as_str());
        doc.add_i64(self.f.id, d.id);
        doc.add_i64(self.f.jurisdiction, d.jurisdiction_id);
        doc.add_text(self.f.name, &d.name);
        doc.add_text(self.f.text, &d.text);
        doc
    }

    /// Adds or replaces documents, then makes them searchable.
    pub fn upsert(&self, docs: &[Doc]) -> Result<()> {
        let writer = self.writer.lock().map_err(|e| SearchError::Other(e.to_string()))?;
        for d in docs {
            writer.delete_term(Term::from_field_text(self.f.key, &Self::key(d.kind, d.id)));
            writer.add_document(self.document(d))?;
        }
        drop(writer);
        self.commit()
    }

    /// Adds documents without committing (bulk loads call `commit` once at the end).
    pub fn add_bulk(&self, docs: &[Doc]) -> Result<()> {
        let writer = self.writer.lock().map_err(|e| SearchError::Other(e.to_string()))?;
        for d in docs {
            writer.add_document(self.document(d))?;
        }
        Ok(())
    }

    pub fn commit(&self) -> Result<()> {
        let mut writer = self.writer.lock().map_err(|e| SearchError::Other(e.to_string()))?;
        writer.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// The systems and projects of a jurisdiction most like `name` + `text`, best first.
    pub fn similar(
        &self, jurisdiction_id: i64, name: &str, text: &str, exclude: Option<(DocKind, i64)>,
        limit: usize,
    ) -> Result<Vec<Match>> {
        let mut analyzer = self.analyzer.clone();
        let name_terms = terms(&mut analyzer, name);
        let mut all_terms = name_terms.clone();
        for t in terms(&mut analyzer, text) {
            if !all_terms.contains(&t) {
                all_terms.push(t);
            }
        }
        self.ranked(jurisdiction_id, &name_terms, &all_terms, exclude, limit, false)
    }

    /// What a person's search finds: the systems and projects of a jurisdiction with any of
    /// the words of `text`, common words included, best first.
    pub fn search(&self, jurisdiction_id: i64, text: &str, limit: usize) -> Result<Vec<Match>> {
        let mut analyzer = self.analyzer.clone();
        let all_terms = words(&mut analyzer, text, true);
        self.ranked(jurisdiction_id, &[], &all_terms, None, limit, true)
    }

    /// The documents with `all_terms`, those of `name_terms` weighing more.
    fn ranked(
        &self, jurisdiction_id: i64, name_terms: &[String], all_terms: &[String],
        exclude: Option<(DocKind, i64)>, limit: usize, common: bool,
    ) -> Result<Vec<Match>> {
        let mut analyzer = self.analyzer.clone();
        if all_terms.is_empty() {
            return Ok(Vec::new());
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in all_terms {
            // A word of the proposal's name counts more, and counts double in a name.
            let weight = if name_terms.contains(t) { 1.5 } else { 1.0 };
            for (field, boost) in [(self.f.name, 2.0 * weight), (self.f.text, weight)] {
                let q =
                    TermQuery::new(Term::from_field_text(field, t), IndexRecordOption::WithFreqs);
                should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        let terms_query = BooleanQuery::new(should);
        let scope = TermQuery::new(
            Term::from_field_i64(self.f.jurisdiction, jurisdiction_id),
            IndexRecordOption::Basic,
        );
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(terms_query)),
            (Occur::Must, Box::new(scope)),
        ]);
        let searcher = self.reader.searcher();
        let hits = searcher.search(&query, &TopDocs::with_limit(limit + 1).order_by_score())?;
        let wanted: BTreeSet<&String> = all_terms.iter().collect();
        let mut out = Vec::new();
        for (score, addr) in hits {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let kind = doc.get_first(self.f.kind).and_then(|v| v.as_str()).and_then(DocKind::parse);
            let id = doc.get_first(self.f.id).and_then(|v| v.as_i64());
            let (Some(kind), Some(id)) = (kind, id) else {
                continue;
            };
            if exclude == Some((kind, id)) {
                continue;
            }
            let name =
                doc.get_first(self.f.name).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let body = doc.get_first(self.f.text).and_then(|v| v.as_str()).unwrap_or_default();
            let doc_terms = words(&mut analyzer, &format!("{name} {body}"), common);
            let matched = all_terms
                .iter()
                .filter(|t| wanted.contains(t) && doc_terms.contains(t))
                .cloned()
                .collect();
            out.push(Match { kind, id, name, score, terms: matched });
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }

    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes a document.
    pub fn remove(&self, kind: DocKind, id: i64) -> Result<()> {
        let writer = self.writer.lock().map_err(|e| SearchError::Other(e.to_string()))?;
        writer.delete_term(Term::from_field_text(self.f.key, &Self::key(kind, id)));
        drop(writer);
        self.commit()
    }

    #[doc(hidden)]
    pub fn index(&self) -> &Index {
        &self.index
    }
}
