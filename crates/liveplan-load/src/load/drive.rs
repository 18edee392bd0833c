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
pub(super) struct SendOutcome {
    pub(super) sent: u64,
    /// Per plan (room): what was sent to it.
    pub(super) per_plan: Vec<PlanSends>,
    pub(super) rate_limited: u64,
    pub(super) errors: Errors,
    pub(super) secs: f64,
}

/// What was sent to one plan (room).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct PlanSends {
    /// Mutations answered with a seq (events) or typing messages written (typing).
    pub(super) sent: u64,
    /// Events: the lowest and highest seq answered.
    pub(super) min_seq: Option<u64>,
    pub(super) max_seq: Option<u64>,
}

impl SendOutcome {
    fn new(plans: usize) -> Self {
        SendOutcome {
            sent: 0,
            per_plan: vec![PlanSends::default(); plans],
            rate_limited: 0,
            errors: Errors::default(),
            secs: 0.0,
        }
    }
}

/// Round-robin over `plans`: send `k` goes to plan `k % plans`, as its `k / plans`-th.
pub(super) fn round_robin(k: u64, plans: usize) -> (usize, u64) {
    let plans = plans.max(1) as u64;
    ((k % plans) as usize, k / plans)
}

/// Round-robin over `plans`: how many of the first `total` sends went to plan `plan`.
pub(super) fn round_robin_share(total: u64, plans: usize, plan: usize) -> u64 {
    let plans = plans.max(1) as u64;
    total / plans + u64::from((plan as u64) < total % plans)
}

/// Per-target setup results the drive needs.
pub(super) enum Driver {
    /// Events: mutation k goes to plan k % plans; there writer w mutates task
    /// `task_ids[plan][w % len]` (liveplan) or posts to the plan's room (peer).
    LiveplanEvents {
        writer_token: String,
        task_ids: Vec<Vec<String>>,
    },
    SocketIoEvents {
        rooms: Vec<String>,
    },
    /// Typing: the sender's WebSocket URL.
    Typing {
        url: String,
    },
}

/// Joins the sender to every plan (room), one after the other, each waiting for its
/// answer.
pub(super) async fn join_sender<S: WsSocket>(proto: &Proto, socket: &mut S) -> Result<(), String> {
    for plan in 0..proto.plans() {
        join_one(proto, socket, plan).await?;
    }
    Ok(())
}

async fn join_one<S: WsSocket>(proto: &Proto, socket: &mut S, plan: usize) -> Result<(), String> {
    socket
        .send(Message::Text(proto.join_message(plan).into()))
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
    actix_rt::time::timeout(Duration::from_secs(30), wait)
        .await
        .map_err(|_| "join: no answer within 30 s".to_string())?
}

/// Typing mode: `total` messages at `rate`, batched per timer tick (1 ms), reading what
/// comes back in between (pings, errors). Message k goes to plan k % plans with the
/// plan's own counter k / plans.
pub(super) async fn drive_typing<S: WsSocket>(
    socket: &mut S,
    proto: &Proto,
    rate: f64,
    total: u64,
) -> SendOutcome {
    let plans = proto.plans().max(1);
    let mut outcome = SendOutcome::new(plans);
    let parts: Vec<(String, &str)> = (0..plans).map(|p| proto.typing_parts(p)).collect();
    let start = Instant::now();
    let mut n: u64 = 0;
    'drive: while n < total {
        let due = ((start.elapsed().as_secs_f64() * rate).floor() as u64 + 1).min(total);
        if n < due {
            while n < due {
                let (plan, counter) = round_robin(n, plans);
                let (prefix, suffix) = &parts[plan];
                let message = format!("{prefix}t-{counter}-{}{suffix}", now_us());
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
            let sleep = actix_rt::time::sleep_until(at.into());
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
    for (plan, sends) in outcome.per_plan.iter_mut().enumerate() {
        sends.sent = round_robin_share(outcome.sent, plans, plan);
    }
    outcome.secs = start.elapsed().as_secs_f64();
    outcome
}

/// Events mode: `total` mutations, the k-th due at k / rate, over `writers` concurrent
/// writers (a late writer sends at once); mutation k changes plan k % plans.
pub(super) async fn drive_events(
    rest: &awc::Client,
    base_url: &str,
    driver: &Driver,
    plan: &Plan,
) -> SendOutcome {
    let rate = plan.args.rate;
    let total = plan.total_sends;
    let next = Cell::new(0u64);
    let plans = plan.args.plans.max(1);
    let outcome = RefCell::new(SendOutcome::new(plans));
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
                actix_rt::time::sleep_until(at.into()).await;
                let (p, _) = round_robin(k, plans);
                let result = match driver {
                    Driver::LiveplanEvents {
                        writer_token,
                        task_ids,
                    } => match task_ids.get(p).and_then(|t| t.get(w % t.len().max(1))) {
                        Some(task) => {
                            liveplan::mutate(rest, base_url, writer_token, task, k, waited).await
                        }
                        None => Err(format!("no task in plan {p}")),
                    },
                    Driver::SocketIoEvents { rooms } => match rooms.get(p) {
                        Some(room) => socketio::mutate(rest, base_url, room, waited).await,
                        None => Err(format!("no room {p}")),
                    },
                    Driver::Typing { .. } => Err("not an events driver".into()),
                };
                let mut o = outcome.borrow_mut();
                match result {
                    Ok(seq) => {
                        o.sent += 1;
                        if let Some(s) = o.per_plan.get_mut(p) {
                            s.sent += 1;
                            s.min_seq = Some(s.min_seq.map_or(seq, |m| m.min(seq)));
                            s.max_seq = Some(s.max_seq.map_or(seq, |m| m.max(seq)));
                        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_spreads_sends_over_plans() {
        assert_eq!(round_robin(0, 1), (0, 0));
        assert_eq!(round_robin(7, 1), (0, 7));
        assert_eq!(round_robin(7, 3), (1, 2));
        assert_eq!(round_robin(9, 3), (0, 3));
        // 10 sends over 3 plans: 4, 3, 3; each plan's counters run 0..share.
        let shares: Vec<u64> = (0..3).map(|p| round_robin_share(10, 3, p)).collect();
        assert_eq!(shares, vec![4, 3, 3]);
        for (p, share) in shares.iter().enumerate() {
            let counters: Vec<u64> = (0..10)
                .map(|k| round_robin(k, 3))
                .filter(|(plan, _)| *plan == p)
                .map(|(_, n)| n)
                .collect();
            assert_eq!(counters, (0..*share).collect::<Vec<_>>());
        }
        assert_eq!(round_robin_share(5, 1, 0), 5);
    }
}
