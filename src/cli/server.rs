//! Running the server: logging, signals, graceful shutdown.

use super::*;
use anyhow::{Context, Result, bail};
use govit_storage::Store;
use govit_web::{AppState, SystemClock, WebConfig};
use std::sync::Arc;
use std::time::Duration;
pub(super) fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("GOVIT_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("GOVIT_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed when this is called, not when
/// the future is first polled: a signal that arrives as soon as the server answers must stop it
/// gracefully, not kill it.
pub(super) fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (mut term, mut int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::terminate()).ok(), signal(SignalKind::interrupt()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let term = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = term => {},
                _ = int => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing in-flight requests");
    }
}

pub(super) async fn serve(store: Store, args: &ServeArgs, db: &DbArgs) -> Result<()> {
    let signal = shutdown_signal();
    let checkpointer = checkpointer(db)?;
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("无法监听 {}", args.addr))?;
    let config = WebConfig {
        session_idle: Duration::from_secs(args.session_idle_minutes.max(1) * 60),
        secure_cookies: args.secure_cookies,
        notify_webhook: args.notify_webhook.clone(),
    };
    if let Some(url) = &args.notify_webhook
        && !url.starts_with("http://")
    {
        bail!("--notify-webhook 须为内网 http:// 地址（{url}）");
    }
    let state =
        AppState::new(store.clone(), config, Arc::new(SystemClock)).map_err(anyhow::Error::msg)?;
    tracing::info!(addr = %listener.local_addr()?, "govit listening");
    eprintln!("govit 已启动：http://{}", listener.local_addr()?);
    // Signs the audit chain's head every interval, and once more after the last request.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let every = Duration::from_secs(args.checkpoint_seconds.max(1));
    let signing = tokio::spawn(checkpointer.run(store.clone(), every, now_ms, async {
        let _ = stopped.await;
    }));
    govit_web::serve(listener, state, signal).await?;
    let _ = stop.send(());
    let _ = signing.await;
    store.close().await;
    Ok(())
}
