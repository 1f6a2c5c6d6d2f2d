//! Outbound notices, off by default: when `notify_webhook` is configured, obligations that
//! turn due-soon or overdue are POSTed there as JSON once per status, and task reminders (催办,
//! a task turned overdue) once each with the people they are for, so that an OA system, a
//! messaging gateway or an SMS platform on the intranet can remind the people concerned.

use crate::AppState;
use serde_json::json;
use std::time::Duration;

pub const CHANNEL: &str = "webhook";

/// Sends what has not been announced yet; returns how many obligations went out.
pub async fn send_notices(state: &AppState) -> Result<usize, String> {
    let Some(url) = state.config.notify_webhook.clone() else {
        return Ok(0);
    };
    let rows =
        state.store.unannounced_obligations(CHANNEL, 200).await.map_err(|e| e.to_string())?;
    if rows.is_empty() {
        return Ok(0);
    }
    post(state, &url, "obligations", json!(rows)).await?;
    state.store.mark_announced(CHANNEL, &rows, state.now_ms()).await.map_err(|e| e.to_string())?;
    Ok(rows.len())
}

/// Delivers the task reminders not sent yet — each 催办 to whoever holds the task, each task
/// that turned overdue to its holders and the authority — as one POST of `kind = "reminders"`;
/// returns how many went out.
pub async fn send_reminders(state: &AppState) -> Result<usize, String> {
    let Some(url) = state.config.notify_webhook.clone() else {
        return Ok(0);
    };
    let store = &state.store;
    let (reminders, moot) = store
        .undelivered_reminders(govit_storage::projects::reminders::REMINDERS_MAX)
        .await
        .map_err(|e| e.to_string())?;
    if !reminders.is_empty() {
        post(state, &url, "reminders", json!(reminders)).await?;
    }
    let done: Vec<i64> = reminders.iter().map(|r| r.id).chain(moot).collect();
    store.mark_reminders_sent(&done, state.now_ms()).await.map_err(|e| e.to_string())?;
    Ok(reminders.len())
}

/// One POST of `kind` to the webhook, its items under the key of that name; an answer other
/// than 2xx is an error, and nothing is marked sent.
async fn post(
    state: &AppState, url: &str, kind: &str, items: serde_json::Value,
) -> Result<(), String> {
    let mut body = json!({ "source": "govit", "kind": kind, "sent_at_ms": state.now_ms() });
    body[kind] = items;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client.post(url).json(&body).send().await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("webhook answered {}", resp.status()));
    }
    Ok(())
}
