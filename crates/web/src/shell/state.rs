//! The application state every handler receives: the store, the clock, the search index.

use crate::shell::panels::Panels;
use govit_storage::Store;
use govit_storage::search::SearchSource;
use std::sync::Arc;
use std::time::Duration;

/// The time the server acts at. Production reads the system clock; tests set it.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Sessions idle longer than this end (等保: 30 minutes by default).
    pub session_idle: Duration,
    /// Add `Secure` to cookies (when served over HTTPS).
    pub secure_cookies: bool,
    /// Where due-soon and overdue obligations are POSTed as JSON (off when `None`).
    pub notify_webhook: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            session_idle: Duration::from_secs(30 * 60),
            secure_cookies: false,
            notify_webhook: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub clock: Arc<dyn Clock>,
    /// The duplicate-construction index over systems and projects.
    pub search: Arc<govit_search::SimilarityIndex>,
    /// The latest change time the index has caught up with.
    pub(crate) indexed_through: Arc<std::sync::atomic::AtomicI64>,
    /// The sections rooms add to other rooms' pages (registered by `lib.rs`).
    pub panels: Arc<Panels>,
    /// Secrets shown once after a POST (reset passwords).
    pub reveals: Arc<crate::shell::reveal::Reveals>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig, clock: Arc<dyn Clock>) -> Result<AppState, String> {
        let search = govit_search::SimilarityIndex::in_memory().map_err(|e| e.to_string())?;
        Ok(AppState {
            store,
            config: Arc::new(config),
            clock,
            search: Arc::new(search),
            indexed_through: Arc::default(),
            panels: Arc::default(),
            reveals: Arc::default(),
        })
    }

    /// Loads every system and project into the duplicate-check index.
    pub async fn build_search_index(&self) -> Result<usize, String> {
        self.catch_up_search_index(0).await
    }

    /// Indexes what changed since the last catch-up, including changes other processes made
    /// (`govit systems import`); returns how many records were (re)indexed.
    pub(crate) async fn catch_up_search_index(&self, since_ms: i64) -> Result<usize, String> {
        let (sources, latest) =
            self.store.search_sources(since_ms).await.map_err(|e| e.to_string())?;
        let n = sources.len();
        self.upsert(sources.into_iter().map(doc).collect()).await?;
        self.indexed_through.fetch_max(latest, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }

    /// Writes documents to the index off the async workers.
    async fn upsert(&self, docs: Vec<govit_search::Doc>) -> Result<(), String> {
        if docs.is_empty() {
            return Ok(());
        }
        let search = self.search.clone();
        tokio::task::spawn_blocking(move || search.upsert(&docs))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    /// Asks the index off the async workers; a failure is logged and reads as no hits.
    pub(crate) async fn query_index(
        &self, jurisdiction_id: i64, name: String, text: String,
        exclude: Option<(govit_search::DocKind, i64)>, limit: usize,
    ) -> Vec<govit_search::Match> {
        self.ask_index(move |search| search.similar(jurisdiction_id, &name, &text, exclude, limit))
            .await
    }

    /// A person's search in the index: every word they typed counts (see
    /// `SimilarityIndex::search`).
    pub(crate) async fn search_index(
        &self, jurisdiction_id: i64, text: String, limit: usize,
    ) -> Vec<govit_search::Match> {
        self.ask_index(move |search| search.search(jurisdiction_id, &text, limit)).await
    }

    /// Runs a query of the index off the async workers; a failure is logged and finds nothing.
    async fn ask_index(
        &self,
        ask: impl FnOnce(
            &govit_search::SimilarityIndex,
        ) -> govit_search::Result<Vec<govit_search::Match>>
        + Send
        + 'static,
    ) -> Vec<govit_search::Match> {
        let search = self.search.clone();
        let found = tokio::task::spawn_blocking(move || ask(&search))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        found.unwrap_or_else(|e| {
            tracing::error!(error = %e, "search query failed");
            Vec::new()
        })
    }

    /// Re-indexes after a change; a failure is logged, never shown to the user (the minute's
    /// catch-up repairs it).
    async fn reindex_docs(&self, docs: Vec<govit_search::Doc>) {
        if let Err(e) = self.upsert(docs).await {
            tracing::error!(error = %e, "search index update failed");
        }
    }

    /// Re-indexes many catalog entries at once (after an import).
    pub async fn reindex_systems(&self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        match self.store.system_search_sources(ids).await {
            Ok(sources) => self.reindex_docs(sources.into_iter().map(doc).collect()).await,
            Err(e) => tracing::error!(error = %e, "search index update failed"),
        }
    }

    /// Re-indexes the record a change touched (the change path names it).
    pub(crate) async fn reindex(&self, r: govit_storage::Reindex) {
        match self.store.search_source(r).await {
            Ok(Some(s)) => self.reindex_docs(vec![doc(s)]).await,
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "search index update failed"),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

fn doc(s: SearchSource) -> govit_search::Doc {
    govit_search::Doc {
        kind: if s.is_system {
            govit_search::DocKind::System
        } else {
            govit_search::DocKind::Project
        },
        id: s.id,
        jurisdiction_id: s.jurisdiction_id,
        name: s.name,
        text: s.text,
    }
}
