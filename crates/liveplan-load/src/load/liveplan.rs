//! The liveplan side of the load tool: tokens, the plan and its members, `/ws`, the frames
//! a client needs to look at, and the mutation the writers send.

use std::cell::Cell;

use awc::http::Method;
use futures_util::StreamExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::args::{Mode, Plan};
use super::proto::Incoming;
use super::rest::{body_text, rest_retrying};
use super::socket::{next_text, WsSocket};
use crate::wire::{Claims, ClientMessage, Created, ErrorFrame, ServerFrame};

/// Members added at once during setup.
const SETUP_CONCURRENCY: usize = 16;
/// Tasks the writers change, at most.
const TASKS: usize = 8;

/// What the setup made.
pub(crate) struct Setup {
    /// The plans; client `i` is a member of plan `i % plans`.
    pub plan_ids: Vec<String>,
    /// The listeners' tokens, users `u0` … `uN-1`.
    pub client_tokens: Vec<String>,
    /// Events mode: the editor that mutates; empty otherwise.
    pub writer_token: String,
    /// Events mode: per plan, the tasks the writers change.
    pub task_ids: Vec<Vec<String>>,
    /// Typing mode: the extra member that sends `typing`; empty otherwise.
    pub typer_token: String,
}

/// Mints the run's tokens with the server's HS256 secret: `sub` and `name` the user id,
/// valid for `ttl_secs` from now.
struct Minter {
    key: EncodingKey,
    ttl_secs: i64,
}

impl Minter {
    fn new(secret: &[u8], ttl_secs: i64) -> Minter {
        Minter {
            key: EncodingKey::from_secret(secret),
            ttl_secs,
        }
    }

    fn mint(&self, user: &str) -> Result<String, String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            name: user,
            exp: now + self.ttl_secs,
            iat: now,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.key)
            .map_err(|e| format!("minting a token: {e}"))
    }
}

/// `http://host:port` → `ws://host:port/ws?token=…`.
pub(crate) fn ws_url(base: &str, token: &str) -> Result<String, String> {
    match base.strip_prefix("http://") {
        Some(rest) => Ok(format!("ws://{rest}/ws?token={token}")),
        None => Err(format!(
            "--url {base}: expected http://HOST:PORT (this build has no TLS client)"
        )),
    }
}

pub(crate) fn join_message(plan_id: &str) -> String {
    ClientMessage::JoinPlan {
        plan_id,
        since: None,
    }
    .to_text()
}

/// A `typing` message cut around its `taskId` value (see [`super::Proto::typing_parts`]);
/// the tests check it against [`ClientMessage::Typing`].
pub(crate) fn typing_parts(plan_id: &str) -> (String, &'static str) {
    let plan = serde_json::Value::from(plan_id);
    (
        format!(r#"{{"type":"typing","planId":{plan},"taskId":""#),
        r#"","isTyping":true}"#,
    )
}

/// The first frame must be `connected`.
pub(crate) async fn handshake<S: WsSocket>(socket: &mut S) -> Result<(), String> {
    let text = next_text(socket).await?;
    match serde_json::from_slice::<ServerFrame>(&text) {
        Ok(frame) if frame.kind == "connected" => Ok(()),
        _ => Err(format!("expected `connected`, got {}", body_text(&text))),
    }
}

/// What a frame means; only `type`, `seq`, `timestamp` and `taskId` are parsed.
pub(crate) fn classify(text: &[u8]) -> Incoming {
    let Ok(frame) = serde_json::from_slice::<ServerFrame>(text) else {
        return Incoming::Failure(format!("not a server frame: {}", body_text(text)));
    };
    match (frame.kind, frame.seq, frame.timestamp) {
        ("joined", seq, _) => Incoming::Joined { seq },
        ("typing", _, _) => match frame.task_id.and_then(super::proto::parse_typing_id) {
            Some((n, sent_us)) => Incoming::Typing { n, sent_us },
            None => Incoming::Ignore,
        },
        ("error", _, _) => Incoming::Failure(error_text(text)),
        ("resync-required" | "removed-from-plan", _, _) => Incoming::Failure(body_text(text)),
        (_, Some(seq), Some(timestamp)) => match chrono::DateTime::parse_from_rfc3339(timestamp) {
            Ok(t) => Incoming::Event {
                seq,
                sent_us: t.timestamp_micros(),
            },
            Err(_) => Incoming::Failure(format!("bad timestamp {timestamp:?}")),
        },
        _ => Incoming::Ignore,
    }
}

/// `error <code>: <message>` of an error frame (without `retryAfterMs`, so that errors
/// group by kind).
fn error_text(text: &[u8]) -> String {
    match serde_json::from_slice::<ErrorFrame>(text) {
        Ok(e) => format!("error {}: {}", e.code, e.message),
        Err(_) => body_text(text),
    }
}

/// Creates `--plans` plans and their members (client `i` in plan `i % plans`; the writer or
/// the typer in every plan), mints every token; in events mode the tasks the writers
/// change, in each plan.
pub(crate) async fn setup(
    rest: &awc::Client,
    base: &str,
    secret: &[u8],
    run: &Plan,
    ttl_secs: i64,
) -> Result<Setup, String> {
    let (clients, plans, mode) = (run.args.clients, run.args.plans.max(1), run.args.mode);
    let minter = Minter::new(secret, ttl_secs);
    let mint = |user: &str| minter.mint(user);
    let owner = mint("load-owner")?;
    let waited = Cell::new(0u64);

    let title = format!("load {}", chrono::Utc::now().format("%Y-%m-%d %H:%M:%S"));
    let mut plan_ids = Vec::with_capacity(plans);
    for p in 0..plans {
        let title = if plans == 1 {
            title.clone()
        } else {
            format!("{title} #{p}")
        };
        plan_ids.push(create_plan(rest, base, &owner, &title, &waited).await?);
    }

    let extra = match mode {
        Mode::Events => ("load-writer", "editor"),
        Mode::Typing => ("load-typer", "viewer"),
    };
    let mut members: Vec<(usize, String, &str)> = (0..clients)
        .map(|i| (i % plans, format!("u{i}"), "viewer"))
        .collect();
    members.extend((0..plans).map(|p| (p, extra.0.to_string(), extra.1)));
    let total = members.len();
    match plan_ids.as_slice() {
        [plan_id] => eprintln!("liveplan-load: plan {plan_id}; adding {total} members"),
        _ => eprintln!("liveplan-load: {plans} plans; adding {total} members"),
    }
    let done = Cell::new(0usize);
    let results: Vec<Result<(), String>> = futures_util::stream::iter(members)
        .map(|(p, user, role)| {
            let (plan_ids, owner, waited, done) = (&plan_ids, &owner, &waited, &done);
            async move {
                let plan_id = plan_ids.get(p).ok_or("no such plan")?;
                let url = format!("{base}/api/plans/{plan_id}/members/{user}");
                let body = json!({ "role": role, "name": user });
                let answer =
                    rest_retrying(rest, Method::PUT, &url, Some(owner), Some(&body), waited)
                        .await?;
                if answer.status != 200 {
                    return Err(format!(
                        "PUT …/members/{user}: {} {}",
                        answer.status,
                        body_text(&answer.body)
                    ));
                }
                done.set(done.get() + 1);
                if done.get() % 5000 == 0 {
                    eprintln!("liveplan-load: {} of {total} members", done.get());
                }
                Ok(())
            }
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .collect()
        .await;
    results.into_iter().collect::<Result<Vec<()>, String>>()?;
    if waited.get() > 0 {
        eprintln!(
            "liveplan-load: setup waited out {} 429 answers: raise LIVEPLAN_REST_RATE_BURST \
             / LIVEPLAN_REST_RATE_PER_SEC on the server",
            waited.get()
        );
    }

    let client_tokens = (0..clients)
        .map(|i| mint(&format!("u{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut setup = Setup {
        plan_ids,
        client_tokens,
        writer_token: String::new(),
        task_ids: Vec::new(),
        typer_token: String::new(),
    };
    match mode {
        Mode::Events => {
            setup.writer_token = mint("load-writer")?;
            // Writers share a few tasks per plan (last write wins; each title is new).
            let per_plan = run.writers.min(TASKS).div_ceil(plans).max(1);
            for plan_id in &setup.plan_ids {
                let mut tasks = Vec::with_capacity(per_plan);
                for i in 0..per_plan {
                    let answer = rest_retrying(
                        rest,
                        Method::POST,
                        &format!("{base}/api/plans/{plan_id}/tasks"),
                        Some(&setup.writer_token),
                        Some(&json!({ "title": format!("load task {i}") })),
                        &waited,
                    )
                    .await?;
                    if answer.status != 201 {
                        return Err(format!(
                            "POST …/tasks: {} {}",
                            answer.status,
                            body_text(&answer.body)
                        ));
                    }
                    let task = serde_json::from_slice::<Created>(&answer.body)
                        .map_err(|e| format!("POST …/tasks: {e}"))?;
                    tasks.push(task.id);
                }
                setup.task_ids.push(tasks);
            }
        }
        Mode::Typing => setup.typer_token = mint("load-typer")?,
    }
    Ok(setup)
}

/// `POST /api/plans` as the owner; answers the new plan's id.
async fn create_plan(
    rest: &awc::Client,
    base: &str,
    owner: &str,
    title: &str,
    waited: &Cell<u64>,
) -> Result<String, String> {
    let answer = rest_retrying(
        rest,
        Method::POST,
        &format!("{base}/api/plans"),
        Some(owner),
        Some(&json!({ "title": title })),
        waited,
    )
    .await?;
    if answer.status != 201 {
        let hint = if answer.status == 401 {
            " (is --jwt-secret the server's LIVEPLAN_JWT_SECRET?)"
        } else {
            ""
        };
        return Err(format!(
            "POST /api/plans: {} {}{hint}",
            answer.status,
            body_text(&answer.body)
        ));
    }
    serde_json::from_slice::<Created>(&answer.body)
        .map(|p| p.id)
        .map_err(|e| format!("POST /api/plans: {e}"))
}

/// One mutation: `PATCH /api/tasks/{task}` with a new title; answers the event's seq
/// (`X-Plan-Seq`). 429 is waited out and counted in `waited`.
pub(crate) async fn mutate(
    rest: &awc::Client,
    base: &str,
    token: &str,
    task: &str,
    k: u64,
    waited: &Cell<u64>,
) -> Result<u64, String> {
    let answer = rest_retrying(
        rest,
        Method::PATCH,
        &format!("{base}/api/tasks/{task}"),
        Some(token),
        Some(&json!({ "title": format!("load {k}") })),
        waited,
    )
    .await?;
    match (answer.status, answer.seq) {
        (200, Some(seq)) => Ok(seq),
        (200, None) => Err("PATCH answered without X-Plan-Seq".into()),
        (status, _) => Err(format!("PATCH: {status} {}", body_text(&answer.body))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_classified() {
        let event = br#"{"type":"task-updated","planId":"p","seq":7,"data":{"task":{"seq":1}},"actor":{"id":"a","name":"A"},"timestamp":"2026-11-25T14:11:54.121Z"}"#;
        match classify(event) {
            Incoming::Event { seq, sent_us } => {
                assert_eq!(seq, 7);
                assert_eq!(sent_us % 1_000_000, 121_000);
            }
            _ => panic!("not an event"),
        }
        let typing = br#"{"type":"typing","planId":"p","taskId":"t-3-1700000000000000","user":{"id":"u","name":"U"},"isTyping":true}"#;
        assert!(matches!(
            classify(typing),
            Incoming::Typing {
                n: 3,
                sent_us: 1_700_000_000_000_000
            }
        ));
        let joined = br#"{"type":"joined","planId":"p","seq":12,"participants":[]}"#;
        assert!(matches!(
            classify(joined),
            Incoming::Joined { seq: Some(12) }
        ));
        let notice = br#"{"type":"user-joined","planId":"p","user":{"id":"u","name":"U"},"participantCount":2}"#;
        assert!(matches!(classify(notice), Incoming::Ignore));
        let (prefix, suffix) = typing_parts("p-1");
        let message = format!("{prefix}t-1-2{suffix}");
        let v: serde_json::Value = serde_json::from_str(&message).unwrap_or_default();
        assert_eq!(v["taskId"], "t-1-2");
        assert_eq!(v["planId"], "p-1");
    }

    #[test]
    fn the_cut_typing_message_is_the_protocols_typing() {
        let (prefix, suffix) = typing_parts("p-1");
        let typing = ClientMessage::Typing {
            plan_id: "p-1",
            task_id: "t-1-2",
            is_typing: true,
        };
        assert_eq!(format!("{prefix}t-1-2{suffix}"), typing.to_text());
        assert_eq!(
            join_message("p-1"),
            r#"{"type":"join-plan","planId":"p-1"}"#
        );
    }

    #[test]
    fn minted_tokens_carry_the_user_and_verify_with_the_secret() {
        use jsonwebtoken::{DecodingKey, Validation};
        let token = Minter::new(b"a secret of the server", 60).mint("u7");
        let token = token.unwrap_or_default();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(
            &token,
            &DecodingKey::from_secret(b"a secret of the server"),
            &validation,
        )
        .map(|data| data.claims)
        .unwrap_or_default();
        assert_eq!(claims["sub"], "u7");
        assert_eq!(claims["name"], "u7");
        let (iat, exp) = (claims["iat"].as_i64(), claims["exp"].as_i64());
        assert_eq!(exp.zip(iat).map(|(e, i)| e - i), Some(60));
    }
}
