//! govit's web edge: server-rendered Chinese pages and the JSON API under `/api/v1`.
//!
//! Handlers parse input, call the store and render; they never touch SQL. Every route that
//! shows or changes data goes through the signed-in principal, whose role and data scope the
//! store checks.

mod api;
mod assets;
mod auth;
mod error;
mod export;
mod pages;
mod view;

use axum::Router;
use govit_storage::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use api::openapi;

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
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            session_idle: Duration::from_secs(30 * 60),
            secure_cookies: false,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig, clock: Arc<dyn Clock>) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            clock,
        }
    }
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (api, _) = api::router().split_for_parts();
    Router::new()
        .merge(pages::router())
        .merge(api)
        .route("/healthz", axum::routing::get(pages::healthz))
        .route("/static/{*path}", axum::routing::get(assets::serve))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
