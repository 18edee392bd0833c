//! The client threads: each connects its share of the clients, joins them when told, and
//! counts what they receive until told to report.

use std::cell::{Cell, RefCell};
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicI64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::time::Duration;

use actix_rt::System;
use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};

use super::args::{Mode, Target};
use super::proto::{now_us, Incoming, Proto};
use super::report::{Errors, Histogram};
use super::socket::{close_text, http_client, open_ws, WsSocket};
use super::{liveplan, socketio};

// Phase 0: connecting.
pub(super) const PHASE_JOIN: u8 = 1;
pub(super) const PHASE_REPORT: u8 = 2;

/// What the orchestrator and the client threads share.
#[derive(Default)]
pub(super) struct Shared {
    pub(super) phase: AtomicU8,
    pub(super) connected: AtomicUsize,
    pub(super) connect_failed: AtomicUsize,
    pub(super) joined: AtomicUsize,
    pub(super) join_failed: AtomicUsize,
    /// The drive window in µs since the epoch (0: not yet).
    pub(super) window_start_us: AtomicI64,
    pub(super) window_end_us: AtomicI64,
}

/// A one-shot local gate: tasks wait until it opens.
#[derive(Default)]
struct Gate {
    open: Cell<bool>,
    wakers: RefCell<Vec<Waker>>,
}

impl Gate {
    fn open(&self) {
        self.open.set(true);
        for waker in self.wakers.take() {
            waker.wake();
        }
    }

    async fn wait(&self) {
        futures_util::future::poll_fn(|cx| {
            if self.open.get() {
                Poll::Ready(())
            } else {
                self.wakers.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// The counters of one client thread.
struct WorkerState {
    mode: Mode,
    /// Per client: the plan (room) it joins, an index into the run's plans.
    plan: Vec<usize>,
    /// Per client: the next seq (events) or counter (typing) expected.
    next: Vec<u64>,
    /// Per client: deliveries counted (the server sends each at most once).
    received: Vec<u64>,
    joined: Vec<bool>,
    latency: Histogram,
    deliveries: u64,
    in_window: u64,
    out_of_order: u64,
    errors: Errors,
}

impl WorkerState {
    fn new(mode: Mode, plan: Vec<usize>) -> Self {
        let clients = plan.len();
        WorkerState {
            mode,
            plan,
            next: vec![0; clients],
            received: vec![0; clients],
            joined: vec![false; clients],
            latency: Histogram::default(),
            deliveries: 0,
            in_window: 0,
            out_of_order: 0,
            errors: Errors::default(),
        }
    }

    fn on_joined(&mut self, client: usize, seq: Option<u64>) {
        self.joined[client] = true;
        self.next[client] = match self.mode {
            Mode::Events => seq.map_or(1, |s| s + 1),
            Mode::Typing => 0,
        };
    }

    fn deliver(&mut self, client: usize, k: u64, sent_us: i64, shared: &Shared) {
        let now = now_us();
        // A gap (k > next) is loss, counted at the end; a delivery older than one already
        // seen (k < next) arrived out of order.
        if k >= self.next[client] {
            self.next[client] = k + 1;
        } else {
            self.out_of_order += 1;
        }
        self.received[client] += 1;
        self.deliveries += 1;
        let start = shared.window_start_us.load(Ordering::Relaxed);
        let end = shared.window_end_us.load(Ordering::Relaxed);
        if start != 0 && now >= start && (end == 0 || now <= end) {
            self.in_window += 1;
        }
        self.latency
            .record((now - sent_us).clamp(0, i64::from(u32::MAX)) as u32);
    }
}

/// What a client thread hands back at the end.
pub(super) struct WorkerReport {
    pub(super) latency: Histogram,
    pub(super) deliveries: u64,
    pub(super) in_window: u64,
    pub(super) out_of_order: u64,
    pub(super) errors: Errors,
    /// `(plan, received)` of each client that joined.
    pub(super) received_joined: Vec<(usize, u64)>,
}

pub(super) struct WorkerConfig {
    pub(super) proto: Proto,
    pub(super) mode: Mode,
    pub(super) target: Target,
    pub(super) base_url: String,
    /// One entry per source address (None: the OS picks).
    pub(super) source_ips: Vec<Option<IpAddr>>,
    pub(super) connect_concurrency: usize,
}

fn ws_url(cfg: &WorkerConfig, token: &str) -> Result<String, String> {
    match cfg.target {
        Target::Liveplan => liveplan::ws_url(&cfg.base_url, token),
        Target::Socketio => socketio::ws_url(&cfg.base_url),
    }
}

async fn wait_phase(shared: &Shared, phase: u8) {
    while shared.phase.load(Ordering::Acquire) < phase {
        actix_rt::time::sleep(Duration::from_millis(1)).await;
    }
}

/// One client thread: connects its clients (`(global index, token)`; client i joins plan
/// i % plans), joins them when told, reads until told to report.
pub(super) fn worker(
    clients: Vec<(usize, String)>,
    cfg: Arc<WorkerConfig>,
    shared: Arc<Shared>,
    tx: mpsc::Sender<WorkerReport>,
) {
    let system = System::new();
    system.block_on(async move {
        let plans = cfg.proto.plans().max(1);
        let plan = clients.iter().map(|(global, _)| global % plans).collect();
        let state = Rc::new(RefCell::new(WorkerState::new(cfg.mode, plan)));
        let gate = Rc::new(Gate::default());
        let proto = Rc::new(cfg.proto.clone());
        let http: Rc<Vec<awc::Client>> =
            Rc::new(cfg.source_ips.iter().map(|ip| http_client(*ip)).collect());
        futures_util::stream::iter(clients.into_iter().enumerate())
            .for_each_concurrent(cfg.connect_concurrency, |(local, (global, token))| {
                let (state, gate, proto, http, cfg, shared) = (
                    state.clone(),
                    gate.clone(),
                    proto.clone(),
                    http.clone(),
                    cfg.clone(),
                    shared.clone(),
                );
                async move {
                    let client = http[global % http.len()].clone();
                    match connect_client(client, &cfg, &proto, &token).await {
                        Ok(socket) => {
                            shared.connected.fetch_add(1, Ordering::AcqRel);
                            actix_rt::spawn(client_task(socket, local, proto, gate, state, shared));
                        }
                        Err(e) => {
                            state.borrow_mut().errors.add(format!("connect: {e}"));
                            shared.connect_failed.fetch_add(1, Ordering::AcqRel);
                        }
                    }
                }
            })
            .await;
        wait_phase(&shared, PHASE_JOIN).await;
        gate.open();
        wait_phase(&shared, PHASE_REPORT).await;
        let mut st = state.borrow_mut();
        let received_joined = st
            .received
            .iter()
            .zip(&st.plan)
            .zip(&st.joined)
            .filter(|(_, j)| **j)
            .map(|((d, p), _)| (*p, *d))
            .collect();
        let report = WorkerReport {
            latency: std::mem::take(&mut st.latency),
            deliveries: st.deliveries,
            in_window: st.in_window,
            out_of_order: st.out_of_order,
            errors: std::mem::take(&mut st.errors),
            received_joined,
        };
        // The orchestrator may have given up waiting; nothing to do then.
        let _ = tx.send(report);
    });
}

async fn connect_client(
    client: awc::Client,
    cfg: &WorkerConfig,
    proto: &Proto,
    token: &str,
) -> Result<impl WsSocket, String> {
    let url = ws_url(cfg, token)?;
    let mut socket = open_ws(client, url).await?;
    match actix_rt::time::timeout(Duration::from_secs(30), proto.handshake(&mut socket)).await {
        Ok(Ok(())) => Ok(socket),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("no greeting within 30 s".into()),
    }
}

/// One listening client: waits for the join gate, joins its plan, then counts deliveries.
async fn client_task<S: WsSocket>(
    mut socket: S,
    local: usize,
    proto: Rc<Proto>,
    gate: Rc<Gate>,
    state: Rc<RefCell<WorkerState>>,
    shared: Arc<Shared>,
) {
    gate.wait().await;
    let (mode, plan) = {
        let st = state.borrow();
        (st.mode, st.plan[local])
    };
    let mut joined = false;
    let failure = match socket
        .send(Message::Text(proto.join_message(plan).into()))
        .await
    {
        Err(e) => format!("join: send failed: {e}"),
        Ok(()) => loop {
            let frame = match socket.next().await {
                Some(Ok(frame)) => frame,
                Some(Err(e)) => break format!("connection error: {e}"),
                None => break "connection ended".to_string(),
            };
            match frame {
                Frame::Text(bytes) => match proto.classify(&bytes) {
                    Incoming::Event { seq, sent_us } if joined && mode == Mode::Events => {
                        state.borrow_mut().deliver(local, seq, sent_us, &shared)
                    }
                    Incoming::Typing { n, sent_us } if joined && mode == Mode::Typing => {
                        state.borrow_mut().deliver(local, n, sent_us, &shared)
                    }
                    Incoming::Joined { seq } if !joined => {
                        joined = true;
                        state.borrow_mut().on_joined(local, seq);
                        shared.joined.fetch_add(1, Ordering::AcqRel);
                    }
                    Incoming::Reply(text) => {
                        if let Err(e) = socket.send(Message::Text(text.into())).await {
                            break format!("send failed: {e}");
                        }
                    }
                    Incoming::Failure(message) if !joined => break format!("join: {message}"),
                    Incoming::Failure(message) => state.borrow_mut().errors.add(message),
                    _ => {}
                },
                Frame::Ping(p) => {
                    if let Err(e) = socket.send(Message::Pong(p)).await {
                        break format!("send failed: {e}");
                    }
                }
                Frame::Close(reason) => break close_text(reason),
                _ => {}
            }
        },
    };
    state.borrow_mut().errors.add(failure);
    if !joined {
        shared.join_failed.fetch_add(1, Ordering::AcqRel);
    }
}
