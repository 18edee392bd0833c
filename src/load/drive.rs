//! Driving the load: the events writers and the typing sender.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};

use super::args::Plan;
use super::liveplan;
use super::proto::{now_us, Incoming, Proto};
use super::report::Errors;
use super::socket::{close_text, next_text, WsSocket};
use super::socketio;

/// What the senders did.
#[derive(Default)]
pub(super) struct SendOutcome {
    pub(super) sent: u64,
    pub(super) min_seq: Option<u64>,
    pub(super) max_seq: Option<u64>,
    pub(super) rate_limited: u64,
    pub(super) errors: Errors,
    pub(super) secs: f64,
}

/// Per-target setup results the drive needs.
pub(super) enum Driver {
    /// Events: each writer mutates one of these (liveplan: task ids; peer: the room).
    LiveplanEvents {
        writer_token: String,
        task_ids: Vec<String>,
    },
    SocketIoEvents {
        room: String,
    },
    /// Typing: the sender's WebSocket URL.
    Typing {
        url: String,
    },
}

/// Sends the sender's join and waits for the answer.
pub(super) async fn join_sender<S: WsSocket>(proto: &Proto, socket: &mut S) -> Result<(), String> {
    socket
        .send(Message::Text(proto.join_message().into()))
        .await
        .map_err(|e| format!("send failed: {e}"))?;
    let wait = async {
        loop {
            let text = next_text(socket).await?;
            match proto.classify(&text) {
                Incoming::Joined { .. } => return Ok(()),
                Incoming::Failure(e) => return Err(format!("join: {e}")),
                Incoming::Reply(r) => socket
                    .send(Message::Text(r.into()))
                    .await
                    .map_err(|e| format!("send failed: {e}"))?,
                _ => {}
            }
        }
    };
    actix_web::rt::time::timeout(Duration::from_secs(30), wait)
        .await
        .map_err(|_| "join: no answer within 30 s".to_string())?
}

/// Typing mode: `total` messages at `rate`, batched per timer tick (1 ms), reading what
/// comes back in between (pings, errors).
pub(super) async fn drive_typing<S: WsSocket>(
    socket: &mut S,
    proto: &Proto,
    rate: f64,
    total: u64,
) -> SendOutcome {
    let mut outcome = SendOutcome::default();
    let (prefix, suffix) = proto.typing_parts();
    let start = Instant::now();
    let mut n: u64 = 0;
    'drive: while n < total {
        let due = ((start.elapsed().as_secs_f64() * rate).floor() as u64 + 1).min(total);
        if n < due {
            while n < due {
                let message = format!("{prefix}t-{n}-{}{suffix}", now_us());
                if let Err(e) = socket.feed(Message::Text(message.into())).await {
                    outcome
                        .errors
                        .add(format!("typing sender: send failed: {e}"));
                    break 'drive;
                }
                n += 1;
            }
            if let Err(e) = socket.flush().await {
                outcome
                    .errors
                    .add(format!("typing sender: send failed: {e}"));
                break;
            }
            outcome.sent = n;
        }
        if n >= total {
            break;
        }
        let at = start + Duration::from_secs_f64(n as f64 / rate);
        // Read while waiting for the next send time.
        loop {
            let sleep = actix_web::rt::time::sleep_until(at.into());
            let next = socket.next();
            futures_util::pin_mut!(sleep);
            let frame = match futures_util::future::select(next, sleep).await {
                futures_util::future::Either::Right(_) => break,
                futures_util::future::Either::Left((frame, _)) => frame,
            };
            match frame {
                Some(Ok(Frame::Text(bytes))) => match proto.classify(&bytes) {
                    Incoming::Failure(e) => outcome.errors.add(format!("typing sender: {e}")),
                    Incoming::Reply(r) => {
                        if let Err(e) = socket.send(Message::Text(r.into())).await {
                            outcome
                                .errors
                                .add(format!("typing sender: send failed: {e}"));
                            break 'drive;
                        }
                    }
                    _ => {}
                },
                Some(Ok(Frame::Ping(p))) => {
                    if let Err(e) = socket.send(Message::Pong(p)).await {
                        outcome
                            .errors
                            .add(format!("typing sender: send failed: {e}"));
                        break 'drive;
                    }
                }
                Some(Ok(Frame::Close(reason))) => {
                    outcome
                        .errors
                        .add(format!("typing sender: {}", close_text(reason)));
                    break 'drive;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    outcome.errors.add(format!("typing sender: {e}"));
                    break 'drive;
                }
                None => {
                    outcome.errors.add("typing sender: connection ended");
                    break 'drive;
                }
            }
        }
    }
    outcome.secs = start.elapsed().as_secs_f64();
    outcome
}

/// Events mode: `total` mutations, the k-th due at k / rate, over `writers` concurrent
/// writers (a late writer sends at once).
pub(super) async fn drive_events(
    rest: &awc::Client,
    base_url: &str,
    driver: &Driver,
    plan: &Plan,
) -> SendOutcome {
    let rate = plan.args.rate;
    let total = plan.total_sends;
    let next = Cell::new(0u64);
    let outcome = RefCell::new(SendOutcome::default());
    let waited = Cell::new(0u64);
    let start = Instant::now();
    let writer = |w: usize| {
        let (next, outcome, waited) = (&next, &outcome, &waited);
        async move {
            loop {
                let k = next.get();
                if k >= total {
                    break;
                }
                next.set(k + 1);
                let at = start + Duration::from_secs_f64(k as f64 / rate);
                actix_web::rt::time::sleep_until(at.into()).await;
                let result = match driver {
                    Driver::LiveplanEvents {
                        writer_token,
                        task_ids,
                    } => {
                        let task = &task_ids[w % task_ids.len()];
                        liveplan::mutate(rest, base_url, writer_token, task, k, waited).await
                    }
                    Driver::SocketIoEvents { room } => {
                        socketio::mutate(rest, base_url, room, waited).await
                    }
                    Driver::Typing { .. } => Err("not an events driver".into()),
                };
                let mut o = outcome.borrow_mut();
                match result {
                    Ok(seq) => {
                        o.sent += 1;
                        o.min_seq = Some(o.min_seq.map_or(seq, |m| m.min(seq)));
                        o.max_seq = Some(o.max_seq.map_or(seq, |m| m.max(seq)));
                    }
                    Err(e) => o.errors.add(format!("mutation: {e}")),
                }
            }
        }
    };
    futures_util::future::join_all((0..plan.writers).map(writer)).await;
    let mut outcome = outcome.into_inner();
    outcome.rate_limited = waited.get();
    outcome.secs = start.elapsed().as_secs_f64();
    outcome
}
