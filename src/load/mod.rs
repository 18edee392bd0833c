//! `liveplan load`: a load tool to point at a running server (liveplan, or a Socket.IO peer
//! for comparison).
//!
//! One run: set up (liveplan: mint tokens with the server's secret, create a plan, add the
//! members), connect N WebSocket clients, join them all to the plan's room (Socket.IO: a
//! room), then for `--duration` drive load at `--rate` per second:
//!
//! - `events`: REST mutations (liveplan: `PATCH /api/tasks/{id}` changing the title;
//!   Socket.IO peer: `POST /mutate`), each answered with its seq; every client must receive
//!   every event, in seq order, with no gap. Latency = receipt − the event's `timestamp`.
//! - `typing`: one extra connection sends `typing` with `taskId` `t-<n>-<send µs>`; every
//!   other client must receive every relay, `n` in order with no gap. Latency = receipt −
//!   the embedded send time.
//!
//! After a drain (`--drain`, 2 s), one JSON line goes to stdout and a summary to stderr
//! (see [`report`]). Clients run as tasks on `--threads` actix systems (one per thread);
//! the orchestration, the writers and the typing sender run on the calling thread's own
//! system. Phases are handed to the client threads through atomics.

mod liveplan;
mod report;
mod socketio;

pub use report::{read_rss_kb, Errors, Histogram, Report};

use std::cell::{Cell, RefCell};
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::sync::atomic::{AtomicI64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::rt::System;
use actix_web::web::Bytes;
use awc::error::WsProtocolError;
use awc::ws::{Frame, Message};
use clap::{Args, ValueEnum};
use futures_util::{Sink, SinkExt, Stream, StreamExt};

const AFTER_HELP: &str = "\
The server's own limits apply to the tool's users; raise them on the server for a run:
  LIVEPLAN_REST_RATE_BURST / LIVEPLAN_REST_RATE_PER_SEC (default 60 / 20 per user): setup
      adds --clients members as one owner, and in events mode one writer user sends
      --rate mutations per second; 429 answers are waited out (Retry-After) and counted.
  LIVEPLAN_WS_RATE_BURST / LIVEPLAN_WS_RATE_PER_SEC (default 40 / 10 per connection): in
      typing mode ONE connection sends --rate messages per second; over the limit the
      server answers rate_limited errors and closes it 4429.
Example (the secret exported once, for both):
  export LIVEPLAN_JWT_SECRET=$(head -c 32 /dev/urandom | base64)
  LIVEPLAN_WS_RATE_BURST=1000000 LIVEPLAN_WS_RATE_PER_SEC=1000000 \\
  LIVEPLAN_REST_RATE_BURST=1000000 LIVEPLAN_REST_RATE_PER_SEC=1000000 \\
    liveplan serve --bind 127.0.0.1:8080 & SERVER=$!
  liveplan load --url http://127.0.0.1:8080 --clients 1000 --mode events --rate 100 \\
    --duration 10s --server-pid $SERVER
  liveplan load --url http://127.0.0.1:8080 --clients 1000 --mode typing --rate 1000 \\
    --duration 10s --server-pid $SERVER
Output: one JSON line on stdout (connect_ms, join_ms, sent, deliveries, deliveries_per_sec,
latency_p50/p90/p99/max_ms, lost, out_of_order, errors, server_rss_before/after_kb), a
summary on stderr. lost and out_of_order must be 0. Exit status 0 unless the run could
not be set up.";

/// Which server the tool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// liveplan: JWTs, a plan, `/ws`.
    Liveplan,
    /// A Socket.IO v5 (Engine.IO v4) peer with `join`, `POST /mutate` and `typing`.
    Socketio,
}

/// What load is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// REST mutations at the rate; every client receives every event.
    Events,
    /// One extra connection sends `typing` at the rate; every other client receives it.
    Typing,
}

#[derive(Debug, Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct LoadArgs {
    /// The kind of server.
    #[arg(long, value_enum, default_value = "liveplan")]
    pub target: Target,
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The server's HS256 secret (liveplan only), to mint the clients' tokens.
    #[arg(long, env = "LIVEPLAN_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Listening clients (users u0…uN-1, one connection each).
    #[arg(long, default_value_t = 100)]
    pub clients: usize,
    /// What to drive.
    #[arg(long, value_enum, default_value = "events")]
    pub mode: Mode,
    /// Mutations (events) or typing messages (typing) per second.
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// How long to drive, e.g. `10s`, `2m`.
    #[arg(long, default_value = "10s")]
    pub duration: String,
    /// How long to keep listening after the last send before counting what was lost.
    #[arg(long, default_value = "2s")]
    pub drain: String,
    /// Threads running the clients, each its own actix system.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Spread the clients' sockets over 127.0.0.1 … 127.0.0.K (one address has ~28k
    /// ephemeral ports). Default ceil(clients / 20000); with 1 the OS picks the address.
    #[arg(long)]
    pub source_ips: Option<usize>,
    /// Mutations in flight at most in events mode (default rate / 5, 4 to 512: the rate
    /// holds while an answer takes under 200 ms).
    #[arg(long)]
    pub writers: Option<usize>,
    /// WebSocket handshakes in flight at once (over all threads).
    #[arg(long, default_value_t = 128)]
    pub connect_concurrency: usize,
    /// The server's process id: its VmRSS is reported before and after.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// The Socket.IO room (default: a fresh `load-<uuid>`).
    #[arg(long)]
    pub room: Option<String>,
}

// ---------------------------------------------------------------------------------------
// What the protocol modules share.

/// A WebSocket client connection (awc's framed socket), named by what it does.
pub(crate) trait WsSocket:
    Stream<Item = Result<Frame, WsProtocolError>> + Sink<Message, Error = WsProtocolError> + Unpin
{
}

impl<T> WsSocket for T where
    T: Stream<Item = Result<Frame, WsProtocolError>>
        + Sink<Message, Error = WsProtocolError>
        + Unpin
{
}

/// What a received text frame means to the tool.
pub(crate) enum Incoming {
    /// The join was accepted; liveplan says the plan's seq at that moment.
    Joined {
        seq: Option<u64>,
    },
    /// A plan event (or the peer's `event`) with its seq and send time (µs since epoch).
    Event {
        seq: u64,
        sent_us: i64,
    },
    /// A typing relay with the sender's counter and send time.
    Typing {
        n: u64,
        sent_us: i64,
    },
    /// A protocol-level answer to send back (Engine.IO pong).
    Reply(&'static str),
    /// An error from the server, or a frame that should not have come.
    Failure(String),
    Ignore,
}

/// The protocol side of one run, as the client threads need it.
#[derive(Debug, Clone)]
pub(crate) enum Proto {
    Liveplan { plan_id: Arc<str> },
    SocketIo { room: Arc<str> },
}

impl Proto {
    fn join_message(&self) -> String {
        match self {
            Proto::Liveplan { plan_id } => liveplan::join_message(plan_id),
            Proto::SocketIo { room } => socketio::join_message(room),
        }
    }

    fn classify(&self, text: &[u8]) -> Incoming {
        match self {
            Proto::Liveplan { .. } => liveplan::classify(text),
            Proto::SocketIo { .. } => socketio::classify(text),
        }
    }

    /// The typing message with counter `n`, sent at `micros`, as `(prefix, suffix)` around
    /// the `taskId` value `t-<n>-<micros>`.
    fn typing_parts(&self) -> (String, &'static str) {
        match self {
            Proto::Liveplan { plan_id } => liveplan::typing_parts(plan_id),
            Proto::SocketIo { room } => socketio::typing_parts(room),
        }
    }

    async fn handshake<S: WsSocket>(&self, socket: &mut S) -> Result<(), String> {
        match self {
            Proto::Liveplan { .. } => liveplan::handshake(socket).await,
            Proto::SocketIo { .. } => socketio::handshake(socket).await,
        }
    }
}

/// Microseconds since the Unix epoch.
pub(crate) fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Parses `t-<n>-<micros>`.
pub(crate) fn parse_typing_id(task_id: &str) -> Option<(u64, i64)> {
    let rest = task_id.strip_prefix("t-")?;
    let (n, micros) = rest.split_once('-')?;
    Some((n.parse().ok()?, micros.parse().ok()?))
}

/// The next text frame, answering pings on the way; an error for a close or the end.
pub(crate) async fn next_text<S: WsSocket>(socket: &mut S) -> Result<Bytes, String> {
    loop {
        match socket.next().await {
            Some(Ok(Frame::Text(bytes))) => return Ok(bytes),
            Some(Ok(Frame::Ping(p))) => {
                socket
                    .send(Message::Pong(p))
                    .await
                    .map_err(|e| format!("send failed: {e}"))?;
            }
            Some(Ok(Frame::Close(reason))) => return Err(close_text(reason)),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("connection error: {e}")),
            None => return Err("connection ended".into()),
        }
    }
}

fn close_text(reason: Option<awc::ws::CloseReason>) -> String {
    match reason {
        Some(r) => format!(
            "closed by the server: {} {}",
            u16::from(r.code),
            r.description.unwrap_or_default()
        ),
        None => "closed by the server".into(),
    }
}

/// A WebSocket client (or REST client) whose sockets come from `local` when given.
fn http_client(local: Option<IpAddr>) -> awc::Client {
    let mut connector = awc::Connector::new()
        .limit(0)
        .timeout(Duration::from_secs(30));
    if let Some(ip) = local {
        connector = connector.local_address(ip);
    }
    awc::Client::builder()
        .max_http_version(awc::http::Version::HTTP_11)
        .connector(connector)
        .timeout(Duration::from_secs(60))
        .finish()
}

/// Opens a WebSocket (owned arguments: the socket borrows nothing).
async fn open_ws(client: awc::Client, url: String) -> Result<impl WsSocket, String> {
    let connect = client.ws(url).max_frame_size(64 << 20).connect();
    match actix_web::rt::time::timeout(Duration::from_secs(30), connect).await {
        Err(_) => Err("WebSocket handshake timed out (30 s)".into()),
        Ok(Err(e)) => Err(format!("WebSocket handshake: {e}")),
        Ok(Ok((_, socket))) => Ok(socket),
    }
}

/// One answer of a REST call.
pub(crate) struct RestAnswer {
    pub status: u16,
    /// `X-Plan-Seq`.
    pub seq: Option<u64>,
    /// `Retry-After` in seconds.
    pub retry_after: Option<u64>,
    pub body: Bytes,
}

/// One REST call (no retries).
pub(crate) async fn rest_call(
    client: &awc::Client,
    method: awc::http::Method,
    url: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> Result<RestAnswer, String> {
    let mut request = client.request(method.clone(), url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let sent = match body {
        Some(body) => request.send_json(body).await,
        None => request.send().await,
    };
    let mut response = sent.map_err(|e| format!("{method} {url}: {e}"))?;
    let header_u64 = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    let seq = header_u64("x-plan-seq");
    let retry_after = header_u64("retry-after");
    let status = response.status().as_u16();
    let body = response
        .body()
        .limit(16 << 20)
        .await
        .map_err(|e| format!("{method} {url}: reading the body: {e}"))?;
    Ok(RestAnswer {
        status,
        seq,
        retry_after,
        body,
    })
}

/// A REST call that waits out 429 (`Retry-After`, else 1 s) and tries again, up to 100
/// times; `waited` counts the 429s.
pub(crate) async fn rest_retrying(
    client: &awc::Client,
    method: awc::http::Method,
    url: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
    waited: &Cell<u64>,
) -> Result<RestAnswer, String> {
    for _ in 0..100 {
        let answer = rest_call(client, method.clone(), url, token, body).await?;
        if answer.status != 429 {
            return Ok(answer);
        }
        waited.set(waited.get() + 1);
        let secs = answer.retry_after.unwrap_or(1).clamp(1, 60);
        actix_web::rt::time::sleep(Duration::from_secs(secs)).await;
    }
    Err(format!("{method} {url}: still 429 after 100 tries"))
}

/// A short, printable version of a response body.
pub(crate) fn body_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(200).collect()
}

// ---------------------------------------------------------------------------------------
// Client threads.

// Phase 0: connecting.
const PHASE_JOIN: u8 = 1;
const PHASE_REPORT: u8 = 2;

/// What the orchestrator and the client threads share.
#[derive(Default)]
struct Shared {
    phase: AtomicU8,
    connected: AtomicUsize,
    connect_failed: AtomicUsize,
    joined: AtomicUsize,
    join_failed: AtomicUsize,
    /// The drive window in µs since the epoch (0: not yet).
    window_start_us: AtomicI64,
    window_end_us: AtomicI64,
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
    fn new(mode: Mode, clients: usize) -> Self {
        WorkerState {
            mode,
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
struct WorkerReport {
    latency: Histogram,
    deliveries: u64,
    in_window: u64,
    out_of_order: u64,
    errors: Errors,
    /// `received` of each client that joined.
    received_joined: Vec<u64>,
}

struct WorkerConfig {
    proto: Proto,
    mode: Mode,
    target: Target,
    base_url: String,
    /// One entry per source address (None: the OS picks).
    source_ips: Vec<Option<IpAddr>>,
    connect_concurrency: usize,
}

fn ws_url(cfg: &WorkerConfig, token: &str) -> Result<String, String> {
    match cfg.target {
        Target::Liveplan => liveplan::ws_url(&cfg.base_url, token),
        Target::Socketio => socketio::ws_url(&cfg.base_url),
    }
}

async fn wait_phase(shared: &Shared, phase: u8) {
    while shared.phase.load(Ordering::Acquire) < phase {
        actix_web::rt::time::sleep(Duration::from_millis(1)).await;
    }
}

/// One client thread: connects its clients, joins them when told, reads until told to
/// report.
fn worker(
    clients: Vec<(usize, String)>,
    cfg: Arc<WorkerConfig>,
    shared: Arc<Shared>,
    tx: mpsc::Sender<WorkerReport>,
) {
    let system = System::new();
    system.block_on(async move {
        let state = Rc::new(RefCell::new(WorkerState::new(cfg.mode, clients.len())));
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
                            actix_web::rt::spawn(client_task(
                                socket, local, proto, gate, state, shared,
                            ));
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
            .zip(&st.joined)
            .filter(|(_, j)| **j)
            .map(|(d, _)| *d)
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
    match actix_web::rt::time::timeout(Duration::from_secs(30), proto.handshake(&mut socket)).await
    {
        Ok(Ok(())) => Ok(socket),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("no greeting within 30 s".into()),
    }
}

/// One listening client: waits for the join gate, joins, then counts deliveries.
async fn client_task<S: WsSocket>(
    mut socket: S,
    local: usize,
    proto: Rc<Proto>,
    gate: Rc<Gate>,
    state: Rc<RefCell<WorkerState>>,
    shared: Arc<Shared>,
) {
    gate.wait().await;
    let mode = state.borrow().mode;
    let mut joined = false;
    let failure = match socket
        .send(Message::Text(proto.join_message().into()))
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

// ---------------------------------------------------------------------------------------
// Orchestration.

/// The validated arguments.
struct Plan {
    args: LoadArgs,
    duration: Duration,
    drain: Duration,
    source_ips: usize,
    writers: usize,
    total_sends: u64,
}

impl Plan {
    fn from_args(args: LoadArgs) -> Result<Plan, String> {
        let duration = crate::config::parse_duration(&args.duration)
            .filter(|d| !d.is_zero())
            .ok_or("--duration: expected e.g. 10s, 2m")?;
        let drain =
            crate::config::parse_duration(&args.drain).ok_or("--drain: expected e.g. 2s")?;
        if args.clients == 0 {
            return Err("--clients: at least 1".into());
        }
        if !(args.rate.is_finite() && args.rate > 0.0) {
            return Err("--rate: a number above 0".into());
        }
        if args.threads == 0 || args.threads > 256 {
            return Err("--threads: 1 to 256".into());
        }
        if args.connect_concurrency == 0 {
            return Err("--connect-concurrency: at least 1".into());
        }
        let source_ips = args.source_ips.unwrap_or(args.clients.div_ceil(20_000));
        if source_ips == 0 || source_ips > 65_000 {
            return Err("--source-ips: 1 to 65000".into());
        }
        if source_ips > 1 && !is_loopback_url(&args.url) {
            return Err(
                "--source-ips above 1 binds 127.0.0.x: the --url must be a loopback address".into(),
            );
        }
        let writers = args
            .writers
            .unwrap_or_else(|| ((args.rate / 5.0).ceil() as usize).clamp(4, 512));
        if writers == 0 {
            return Err("--writers: at least 1".into());
        }
        if args.target == Target::Liveplan && args.jwt_secret.as_deref().is_none_or(str::is_empty) {
            return Err("--jwt-secret (or LIVEPLAN_JWT_SECRET): the server's HS256 secret".into());
        }
        let total_sends = (args.rate * duration.as_secs_f64()).round().max(1.0) as u64;
        Ok(Plan {
            args,
            duration,
            drain,
            source_ips,
            writers,
            total_sends,
        })
    }

    fn source_addresses(&self) -> Vec<Option<IpAddr>> {
        if self.source_ips == 1 {
            return vec![None];
        }
        (0..self.source_ips as u32)
            .map(|i| Some(IpAddr::V4(Ipv4Addr::from(0x7f00_0001u32 + i))))
            .collect()
    }
}

fn is_loopback_url(url: &str) -> bool {
    let Ok(uri) = url.parse::<awc::http::Uri>() else {
        return false;
    };
    match uri.host() {
        Some("localhost") => true,
        Some(host) => host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

/// What the senders did.
#[derive(Default)]
struct SendOutcome {
    sent: u64,
    min_seq: Option<u64>,
    max_seq: Option<u64>,
    rate_limited: u64,
    errors: Errors,
    secs: f64,
}

/// Per-target setup results the drive needs.
enum Driver {
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

pub fn run(args: LoadArgs) -> Result<(), String> {
    let plan = Plan::from_args(args)?;
    let system = System::new();
    let report = system.block_on(orchestrate(plan))?;
    emit(&report);
    Ok(())
}

#[allow(clippy::print_stdout)]
fn emit(report: &Report) {
    eprint!("{}", report.summary());
    println!("{}", report.to_json());
}

async fn orchestrate(plan: Plan) -> Result<Report, String> {
    let args = &plan.args;
    let base_url = args.url.trim_end_matches('/').to_string();
    let rest = http_client(None);
    let n = args.clients;
    let started = Instant::now();

    // Setup.
    let (proto, tokens, driver) = match args.target {
        Target::Liveplan => {
            let secret = args.jwt_secret.clone().unwrap_or_default();
            let ttl = 3600 + plan.duration.as_secs() as i64 + plan.drain.as_secs() as i64;
            let setup = liveplan::setup(
                &rest,
                &base_url,
                secret.as_bytes(),
                n,
                args.mode,
                plan.writers,
                ttl,
            )
            .await?;
            let proto = Proto::Liveplan {
                plan_id: Arc::from(setup.plan_id.as_str()),
            };
            let driver = match args.mode {
                Mode::Events => Driver::LiveplanEvents {
                    writer_token: setup.writer_token,
                    task_ids: setup.task_ids,
                },
                Mode::Typing => Driver::Typing {
                    url: liveplan::ws_url(&base_url, &setup.typer_token)?,
                },
            };
            (proto, setup.client_tokens, driver)
        }
        Target::Socketio => {
            let room = args
                .room
                .clone()
                .unwrap_or_else(|| format!("load-{}", uuid::Uuid::new_v4()));
            let driver = match args.mode {
                Mode::Events => Driver::SocketIoEvents { room: room.clone() },
                Mode::Typing => Driver::Typing {
                    url: socketio::ws_url(&base_url)?,
                },
            };
            (
                Proto::SocketIo {
                    room: Arc::from(room.as_str()),
                },
                vec![String::new(); n],
                driver,
            )
        }
    };
    eprintln!(
        "liveplan load: set up in {:.1} s; connecting {n} clients",
        started.elapsed().as_secs_f64()
    );

    let rss_before = args.server_pid.and_then(read_rss_kb);

    // Connect.
    let shared = Arc::new(Shared::default());
    let threads = args.threads.min(n);
    let cfg = Arc::new(WorkerConfig {
        proto: proto.clone(),
        mode: args.mode,
        target: args.target,
        base_url: base_url.clone(),
        source_ips: plan.source_addresses(),
        connect_concurrency: args.connect_concurrency.div_ceil(threads),
    });
    let mut per_thread: Vec<Vec<(usize, String)>> = vec![Vec::new(); threads];
    for (i, token) in tokens.into_iter().enumerate() {
        per_thread[i % threads].push((i, token));
    }
    let (tx, rx) = mpsc::channel();
    let connect_start = Instant::now();
    let mut handles = Vec::new();
    for (t, clients) in per_thread.into_iter().enumerate() {
        let (cfg, shared, tx) = (cfg.clone(), shared.clone(), tx.clone());
        let handle = std::thread::Builder::new()
            .name(format!("load-clients-{t}"))
            .spawn(move || worker(clients, cfg, shared, tx))
            .map_err(|e| format!("cannot start a client thread: {e}"))?;
        handles.push(handle);
    }
    drop(tx);
    while shared.connected.load(Ordering::Acquire) + shared.connect_failed.load(Ordering::Acquire)
        < n
    {
        actix_web::rt::time::sleep(Duration::from_millis(1)).await;
    }
    let connect_ms = connect_start.elapsed().as_secs_f64() * 1000.0;
    let connected = shared.connected.load(Ordering::Acquire);
    eprintln!("liveplan load: {connected} of {n} connected in {connect_ms:.0} ms; joining");

    // The typing sender connects now, and joins after everyone else.
    let mut own_errors = Errors::default();
    let sender = match &driver {
        Driver::Typing { url } => {
            let client = http_client(None);
            let mut socket = open_ws(client, url.clone()).await?;
            proto
                .handshake(&mut socket)
                .await
                .map_err(|e| format!("typing sender: {e}"))?;
            Some(socket)
        }
        _ => None,
    };

    // Join.
    let join_start = Instant::now();
    shared.phase.store(PHASE_JOIN, Ordering::Release);
    let join_deadline = join_start + Duration::from_secs(120) + Duration::from_millis(n as u64);
    loop {
        let done =
            shared.joined.load(Ordering::Acquire) + shared.join_failed.load(Ordering::Acquire);
        if done >= connected {
            break;
        }
        if Instant::now() > join_deadline {
            own_errors.add("join: not every client was answered in time");
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(1)).await;
    }
    let join_ms = join_start.elapsed().as_secs_f64() * 1000.0;
    let joined = shared.joined.load(Ordering::Acquire);
    eprintln!(
        "liveplan load: {joined} joined in {join_ms:.0} ms; driving {} at {}/s for {:?}",
        match args.mode {
            Mode::Events => "events",
            Mode::Typing => "typing",
        },
        args.rate,
        plan.duration
    );
    let mut sender = match sender {
        Some(mut socket) => {
            join_sender(&proto, &mut socket)
                .await
                .map_err(|e| format!("typing sender: {e}"))?;
            Some(socket)
        }
        None => None,
    };

    // Drive.
    shared.window_start_us.store(now_us(), Ordering::Release);
    let outcome = match (&driver, sender.as_mut()) {
        (Driver::Typing { .. }, Some(socket)) => {
            drive_typing(socket, &proto, args.rate, plan.total_sends).await
        }
        (Driver::LiveplanEvents { .. } | Driver::SocketIoEvents { .. }, _) => {
            drive_events(&rest, &base_url, &driver, &plan).await
        }
        (Driver::Typing { .. }, None) => return Err("typing sender missing".into()),
    };
    let window_end = now_us();
    shared.window_end_us.store(window_end, Ordering::Release);
    let window_secs =
        (window_end - shared.window_start_us.load(Ordering::Acquire)) as f64 / 1_000_000.0;

    // Drain, then collect. The sender keeps answering pings meanwhile.
    match sender.as_mut() {
        Some(socket) => {
            let _ = actix_web::rt::time::timeout(plan.drain, async {
                while let Ok(text) = next_text(socket).await {
                    if let Incoming::Reply(r) = proto.classify(&text) {
                        let _ = socket.send(Message::Text(r.into())).await;
                    }
                }
                // Closed: wait out the drain all the same.
                std::future::pending::<()>().await
            })
            .await;
        }
        None => actix_web::rt::time::sleep(plan.drain).await,
    }
    let rss_after = args.server_pid.and_then(read_rss_kb);
    shared.phase.store(PHASE_REPORT, Ordering::Release);

    let mut report = Report {
        target: match args.target {
            Target::Liveplan => "liveplan".into(),
            Target::Socketio => "socketio".into(),
        },
        mode: match args.mode {
            Mode::Events => "events".into(),
            Mode::Typing => "typing".into(),
        },
        url: base_url.clone(),
        clients: n,
        threads,
        source_ips: plan.source_ips,
        rate: args.rate,
        duration_secs: plan.duration.as_secs_f64(),
        senders: match args.mode {
            Mode::Events => plan.writers,
            Mode::Typing => 1,
        },
        connected,
        joined,
        connect_ms,
        join_ms,
        sent: outcome.sent,
        send_secs: outcome.secs,
        window_secs,
        rate_limited: outcome.rate_limited,
        rss_before_kb: rss_before,
        rss_after_kb: rss_after,
        ..Report::default()
    };
    report.errors.merge(&own_errors);
    report.errors.merge(&outcome.errors);
    report.expected_per_client = match (args.mode, outcome.min_seq, outcome.max_seq) {
        (Mode::Events, Some(min), Some(max)) => {
            let span = max - min + 1;
            if span != outcome.sent {
                report.errors.add(format!(
                    "events: seqs {min}..={max} but {} answered mutations",
                    outcome.sent
                ));
            }
            span
        }
        (Mode::Events, _, _) => 0,
        (Mode::Typing, _, _) => outcome.sent,
    };

    let collect_deadline = Instant::now() + Duration::from_secs(30);
    let mut reports = 0;
    while reports < threads {
        match rx.try_recv() {
            Ok(w) => {
                reports += 1;
                report.latency.merge(&w.latency);
                report.deliveries += w.deliveries;
                report.deliveries_in_window += w.in_window;
                report.out_of_order += w.out_of_order;
                report.errors.merge(&w.errors);
                report.lost += w
                    .received_joined
                    .iter()
                    .map(|d| report.expected_per_client.saturating_sub(*d))
                    .sum::<u64>();
            }
            Err(mpsc::TryRecvError::Empty) if Instant::now() < collect_deadline => {
                actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            }
            Err(_) => return Err("a client thread did not report".into()),
        }
    }
    for handle in handles {
        let _ = handle.join();
    }
    Ok(report)
}

/// Sends the sender's join and waits for the answer.
async fn join_sender<S: WsSocket>(proto: &Proto, socket: &mut S) -> Result<(), String> {
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
async fn drive_typing<S: WsSocket>(
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
async fn drive_events(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_ids_round_trip() {
        assert_eq!(
            parse_typing_id("t-42-1700000000000001"),
            Some((42, 1_700_000_000_000_001))
        );
        assert_eq!(parse_typing_id("t-x-1"), None);
        assert_eq!(parse_typing_id("task"), None);
    }

    #[test]
    fn loopback_urls() {
        assert!(is_loopback_url("http://127.0.0.1:8080"));
        assert!(is_loopback_url("http://localhost:3000"));
        assert!(!is_loopback_url("http://10.0.0.1:8080"));
    }
}
