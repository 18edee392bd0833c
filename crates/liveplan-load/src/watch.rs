//! `liveplan-load watch`: a terminal client. Joins a plan and prints every frame as one JSON
//! line; after a disconnect it reconnects and resumes with `since` = the last seq seen,
//! the way any client should.

use std::time::Duration;

use awc::ws::{Frame, Message};
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;

use crate::wire::ClientMessage;

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The plan to join.
    #[arg(long)]
    pub plan: String,
    /// A token (see `liveplan token`).
    #[arg(long, env = "LIVEPLAN_TOKEN", hide_env_values = true)]
    pub token: String,
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// Replay events after this seq on the first join.
    #[arg(long)]
    pub since: Option<i64>,
}

/// Why a watch ended for good.
enum Stop {
    Retry(String),
    Fatal(String),
}

pub fn run(args: WatchArgs) -> Result<(), String> {
    actix_rt::System::new().block_on(async move {
        let mut since = args.since;
        let mut backoff = Duration::from_millis(250);
        loop {
            match watch_once(&args, &mut since).await {
                Stop::Fatal(reason) => return Err(reason),
                Stop::Retry(reason) => {
                    eprintln!("liveplan-load watch: {reason}; reconnecting in {backoff:?}");
                    actix_rt::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
    })
}

#[allow(clippy::print_stdout)]
async fn watch_once(args: &WatchArgs, since: &mut Option<i64>) -> Stop {
    let base = args.server.trim_end_matches('/').replacen("http", "ws", 1);
    let url = format!("{base}/ws");
    let client = awc::Client::builder()
        .max_http_version(awc::http::Version::HTTP_11)
        .finish();
    let connect = client
        .ws(url)
        .bearer_auth(&args.token)
        .max_frame_size(16 * 1024 * 1024)
        .connect()
        .await;
    let (_, mut socket) = match connect {
        Ok(ok) => ok,
        Err(e) => return Stop::Retry(format!("cannot connect: {e}")),
    };
    let join = ClientMessage::JoinPlan {
        plan_id: &args.plan,
        since: *since,
    };
    if let Err(e) = socket.send(Message::Text(join.to_text().into())).await {
        return Stop::Retry(format!("send failed: {e}"));
    }
    while let Some(frame) = socket.next().await {
        match frame {
            Ok(Frame::Text(bytes)) => {
                let text = String::from_utf8_lossy(&bytes);
                println!("{text}");
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
                    match kind {
                        "joined" => *since = (*since).max(v.get("seq").and_then(Value::as_i64)),
                        "resync-required" => *since = v.get("seq").and_then(Value::as_i64),
                        "removed-from-plan" => return Stop::Fatal("removed from the plan".into()),
                        "error"
                            if since.is_none()
                                || v.get("code").and_then(Value::as_str) == Some("not_found") =>
                        {
                            return Stop::Fatal(format!("the server refused: {text}"))
                        }
                        _ => {
                            if let Some(seq) = v.get("seq").and_then(Value::as_i64) {
                                if v.get("planId").and_then(Value::as_str)
                                    == Some(args.plan.as_str())
                                {
                                    *since = Some(seq);
                                }
                            }
                        }
                    }
                }
            }
            Ok(Frame::Ping(p)) => {
                let _ = socket.send(Message::Pong(p)).await;
            }
            Ok(Frame::Close(reason)) => {
                let code: u16 = reason.as_ref().map_or(1005, |r| r.code.into());
                let text = reason.and_then(|r| r.description).unwrap_or_default();
                if code == 4401 {
                    return Stop::Fatal(format!("closed {code} {text}: get a new token"));
                }
                return Stop::Retry(format!("closed {code} {text}"));
            }
            Ok(_) => {}
            Err(e) => return Stop::Retry(format!("connection error: {e}")),
        }
    }
    Stop::Retry("connection ended".into())
}
