//! Issue "Nothing lost", item 6, "Soak".
//!
//! A few hundred real WebSocket clients over many plans, all in one actix runtime next to
//! the real server (in-process, port 0, a fresh SQLite file, or a fresh PostgreSQL database
//! when `LIVEPLAN_TEST_DATABASE_URL` is set). Every client, at random (seeded xorshift):
//! sends `typing`, toggles `presence`, pings, leaves a plan and later rejoins it with
//! `since` = the last seq it saw, drops its socket and reconnects (rejoining with `since`),
//! and makes REST mutations (create / retitle / change status / delete tasks, comments,
//! plan titles), half of them with `X-Connection-Id` set to its own connection.
//!
//! Every client checks, per plan, that plan events arrive with seq = last seq + 1 (a seq it
//! caused itself with `X-Connection-Id` may be skipped, and must never arrive live), that
//! every copy of an event (live, replayed, REST log) is the same, that nothing arrives for
//! a plan it is not in, and that no `error`, `resync-required`, unexpected close, REST 4xx
//! or 5xx happens. At the end mutations stop, each client catches up, and every client
//! still in a plan must have reached the plan's final seq (GET /api/plans/{id}); each
//! plan's event log (GET /api/plans/{id}/events) must be 1..=seq without a gap.
//!
//! Knobs (environment): `LIVEPLAN_SOAK_SECS` (15), `LIVEPLAN_SOAK_CONNECTIONS` (300),
//! `LIVEPLAN_SOAK_PLANS` (30), `LIVEPLAN_SOAK_USERS` (60), `LIVEPLAN_SOAK_PACE_MS` (mean
//! pause between two actions of one client, 400), `LIVEPLAN_SOAK_SEED` (random otherwise;
//! printed). It prints one `soak: …` summary line (and the first failures, if any).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::rt::time::{sleep, timeout};
use awc::ws::{CloseCode, Frame, Message};
use futures_util::{SinkExt, StreamExt};
use liveplan::auth::TokenIssuer;
use serde_json::{json, Value};

use common::database::TestDatabase;
use common::http::{self, Socket};
use common::in_process;
use common::tokens;

/// The shared test helpers this crate uses (`tests/common/`, see its README.md).
mod common {
    pub mod database;
    pub mod http;
    pub mod in_process;
    pub mod tokens;
}

const SECRET: &str = "soak-test-secret-that-is-long-enough-for-hs256";

/// A reply (`joined`, `left`) that takes longer than this is a stall.
const STALL: Duration = Duration::from_secs(15);

/// After mutations stopped, how long a client may take to reach every final seq.
const CATCH_UP: Duration = Duration::from_secs(15);

/// Failures printed in full (all are counted).
const MAX_DETAILS: usize = 40;

// ---------------------------------------------------------------------------------------
// Settings, PRNG
// ---------------------------------------------------------------------------------------

struct Config {
    secs: f64,
    connections: usize,
    plans: usize,
    users: usize,
    pace_ms: u64,
    seed: u64,
}

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}")),
        _ => default,
    }
}

impl Config {
    fn from_env() -> Config {
        let seed = env_num(
            "LIVEPLAN_SOAK_SEED",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1),
        );
        let c = Config {
            secs: env_num("LIVEPLAN_SOAK_SECS", 15.0),
            connections: env_num("LIVEPLAN_SOAK_CONNECTIONS", 300),
            plans: env_num("LIVEPLAN_SOAK_PLANS", 30),
            users: env_num("LIVEPLAN_SOAK_USERS", 60),
            pace_ms: env_num("LIVEPLAN_SOAK_PACE_MS", 400),
            seed,
        };
        assert!(c.connections > 0 && c.plans > 0 && c.users > 0 && c.pace_ms > 0);
        c
    }
}

/// xorshift64* (seeded through splitmix64 so that nearby seeds differ).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

/// The server in-process on `database_url`, with the per-user connection cap and the rate
/// limits far above what the soak needs.
async fn spawn_server(database_url: &str) -> String {
    let mut args = in_process::serve_args(SECRET);
    args.database_url = Some(database_url.into());
    args.max_connections_per_user = Some("1000".into());
    args.rest_rate_burst = Some("1000000".into());
    args.rest_rate_per_sec = Some("1000000".into());
    args.ws_rate_burst = Some("1000000".into());
    args.ws_rate_per_sec = Some("1000000".into());
    in_process::start(&args).await.base()
}

// ---------------------------------------------------------------------------------------
// What all clients share
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Stats {
    events: Cell<u64>,
    replayed: Cell<u64>,
    mutations: Cell<u64>,
    excluded_mutations: Cell<u64>,
    own_skipped: Cell<u64>,
    joins: Cell<u64>,
    leaves: Cell<u64>,
    reconnects: Cell<u64>,
    typing_sent: Cell<u64>,
    typing_relays: Cell<u64>,
    notices: Cell<u64>,
    pongs: Cell<u64>,
    lost: Cell<u64>,
    out_of_order: Cell<u64>,
    errors: Cell<u64>,
}

fn bump(c: &Cell<u64>) {
    c.set(c.get() + 1);
}

struct Shared {
    base: String,
    issuer: TokenIssuer,
    tokens: RefCell<HashMap<String, String>>,
    run_until: Instant,
    quiesced: Cell<usize>,
    /// Each plan's seq once every mutation is over.
    finals: RefCell<Option<HashMap<String, i64>>>,
    /// (plan, seq) → the event as first seen (keys sorted), to compare every other copy.
    seen: RefCell<HashMap<(String, i64), String>>,
    stats: Stats,
    details: RefCell<Vec<String>>,
    /// Tasks made at set-up, never deleted: anyone may patch or comment on them.
    seed_tasks: HashMap<String, Vec<String>>,
    /// Plan → its owner.
    owners: HashMap<String, String>,
}

impl Shared {
    /// Nothing seen yet, against the server at `base`.
    fn new(base: String) -> Shared {
        Shared {
            base,
            issuer: tokens::issuer(SECRET),
            tokens: RefCell::new(HashMap::new()),
            run_until: Instant::now(),
            quiesced: Cell::new(0),
            finals: RefCell::new(None),
            seen: RefCell::new(HashMap::new()),
            stats: Stats::default(),
            details: RefCell::new(Vec::new()),
            seed_tasks: HashMap::new(),
            owners: HashMap::new(),
        }
    }

    fn token(&self, user: &str) -> String {
        self.tokens
            .borrow_mut()
            .entry(user.to_string())
            .or_insert_with(|| {
                self.issuer
                    .mint(user, &format!("User {user}"), None, 6 * 3600)
                    .expect("mint")
            })
            .clone()
    }

    fn detail(&self, what: String) {
        let mut d = self.details.borrow_mut();
        if d.len() < MAX_DETAILS {
            d.push(what);
        }
    }

    fn error(&self, what: String) {
        bump(&self.stats.errors);
        self.detail(format!("ERROR {what}"));
    }

    /// Records the first copy of (plan, seq) and compares every later one with it.
    fn check_copy(&self, plan: &str, seq: i64, event: &Value, who: &str) {
        let text = event.to_string();
        let mut seen = self.seen.borrow_mut();
        match seen.get(&(plan.to_string(), seq)) {
            Some(first) if *first != text => {
                drop(seen);
                self.error(format!(
                    "{who}: plan {plan} seq {seq} differs from the first copy: {text} vs {first}",
                    first = self.seen.borrow()[&(plan.to_string(), seq)]
                ));
            }
            Some(_) => {}
            None => {
                seen.insert((plan.to_string(), seq), text);
            }
        }
    }
}

/// One HTTP answer.
struct Answer {
    status: u16,
    body: Value,
    plan_seq: Option<i64>,
}

async fn rest(
    http: &awc::Client,
    shared: &Shared,
    user: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
    connection_id: Option<&str>,
) -> Result<Answer, String> {
    let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = http
        .request(method.clone(), format!("{}{}", shared.base, path))
        .bearer_auth(shared.token(user));
    if let Some(id) = connection_id {
        req = req.insert_header(("X-Connection-Id", id));
    }
    let mut resp = match body {
        Some(b) => req.send_json(&b).await,
        None => req.send().await,
    }
    .map_err(|e| format!("{method} {path}: {e}"))?;
    let bytes = resp
        .body()
        .limit(64 * 1024 * 1024)
        .await
        .map_err(|e| format!("{method} {path}: body: {e}"))?;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).map_err(|e| format!("{method} {path}: JSON: {e}"))?
    };
    let plan_seq = resp
        .headers()
        .get("x-plan-seq")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    Ok(Answer {
        status: resp.status().as_u16(),
        body,
        plan_seq,
    })
}

/// An HTTP client whose idle keep-alive connections are retired after 2 s: well before the
/// server's 5 s keep-alive closes them, so no request is ever sent on a connection the
/// server is closing at that moment (a client-side race, not a server fault).
fn http_client() -> awc::Client {
    awc::Client::builder()
        .connector(awc::Connector::new().conn_keep_alive(Duration::from_secs(2)))
        .timeout(Duration::from_secs(60))
        .finish()
}

// ---------------------------------------------------------------------------------------
// One client
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum PlanState {
    Out,
    Joining { since: Option<i64>, sent: Instant },
    In,
    Leaving { sent: Instant },
}

struct PlanView {
    state: PlanState,
    /// Last seq seen (or made with exclusion); None before the first join.
    last_seq: Option<i64>,
    /// While replaying after a join with `since`: the `joined` seq.
    replay_to: Option<i64>,
    /// Seqs this client made with `X-Connection-Id`: they may be skipped.
    own: BTreeSet<i64>,
    /// Of those, the ones made during the current join: they must not arrive.
    must_not: BTreeSet<i64>,
    /// What happened lately, for failure reports.
    history: Vec<String>,
}

impl PlanView {
    fn note(&mut self, what: String) {
        if self.history.len() >= 12 {
            self.history.remove(0);
        }
        self.history.push(what);
    }

    /// Moves `last_seq` over seqs this client made itself.
    fn settle(&mut self) {
        if let Some(mut last) = self.last_seq {
            while self.own.remove(&(last + 1)) {
                last += 1;
            }
            self.last_seq = Some(last);
        }
    }
}

#[derive(Clone)]
struct OwnTask {
    id: String,
    status: &'static str,
}

const STATUSES: [&str; 3] = ["todo", "in_progress", "done"];

struct Client {
    index: usize,
    user: String,
    shared: Rc<Shared>,
    http: awc::Client,
    rng: Rng,
    socket: Option<Socket>,
    connection_id: String,
    plans: HashMap<String, PlanView>,
    /// The user's plans, in a fixed order.
    plan_ids: Vec<String>,
    own_tasks: HashMap<String, Vec<OwnTask>>,
    requests: u64,
    away: bool,
    /// Set when the client hit something it cannot go on after (a stall).
    broken: bool,
}

enum Read {
    Frame(Value),
    Closed(Option<u16>, String),
    Idle,
}

impl Client {
    fn name(&self) -> String {
        format!(
            "client {} ({}, conn {})",
            self.index, self.user, self.connection_id
        )
    }

    fn next_request_id(&mut self, prefix: &str) -> String {
        self.requests += 1;
        format!("{prefix}{}", self.requests)
    }

    async fn connect(&mut self) -> bool {
        let path = format!("/ws?token={}", self.shared.token(&self.user));
        for attempt in 0..5 {
            let opened = http::ws_connect(
                &self.shared.base,
                &path,
                64 * 1024 * 1024,
                Some(Duration::from_secs(30)),
            )
            .await;
            match opened {
                Ok(mut socket) => match timeout(Duration::from_secs(15), socket.next()).await {
                    Ok(Some(Ok(Frame::Text(bytes)))) => {
                        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                        if v["type"] != "connected" {
                            self.shared
                                .error(format!("{}: first frame {v}", self.name()));
                            return false;
                        }
                        self.connection_id = v["connectionId"].as_str().unwrap_or("").into();
                        self.socket = Some(socket);
                        return true;
                    }
                    other => {
                        self.shared.error(format!(
                            "{}: no `connected` frame (attempt {attempt}): {other:?}",
                            self.name()
                        ));
                    }
                },
                Err(e) => self.shared.error(format!(
                    "{}: upgrade failed (attempt {attempt}): {e}",
                    self.name()
                )),
            }
            sleep(Duration::from_millis(200)).await;
        }
        false
    }

    async fn send(&mut self, v: Value) {
        let text = v.to_string();
        let Some(socket) = self.socket.as_mut() else {
            return;
        };
        if let Err(e) = socket.send(Message::Text(text.into())).await {
            let name = self.name();
            self.shared.error(format!("{name}: send failed: {e}"));
        }
    }

    async fn join(&mut self, plan: &str, since: Option<i64>) {
        let request_id = self.next_request_id("j");
        let mut msg = json!({"type": "join-plan", "planId": plan, "requestId": request_id});
        if let Some(s) = since {
            msg["since"] = json!(s);
        }
        let view = self.plans.get_mut(plan).expect("own plan");
        view.state = PlanState::Joining {
            since,
            sent: Instant::now(),
        };
        view.note(format!("join since {since:?} ({request_id})"));
        self.send(msg).await;
    }

    async fn leave(&mut self, plan: &str) {
        let view = self.plans.get_mut(plan).expect("own plan");
        view.state = PlanState::Leaving {
            sent: Instant::now(),
        };
        view.note(format!("leave at {:?}", view.last_seq));
        self.send(json!({"type": "leave-plan", "planId": plan}))
            .await;
    }

    /// Waits up to `wait` for one frame; answers pings on the way.
    async fn read(&mut self, wait: Duration) -> Result<Read, String> {
        let deadline = Instant::now() + wait;
        let socket = self.socket.as_mut().expect("connected");
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match timeout(left, socket.next()).await {
                Err(_) => return Ok(Read::Idle),
                Ok(None) => return Ok(Read::Closed(None, "stream ended".into())),
                Ok(Some(Err(e))) => return Err(format!("websocket error: {e}")),
                Ok(Some(Ok(Frame::Text(bytes)))) => {
                    return serde_json::from_slice(&bytes)
                        .map(Read::Frame)
                        .map_err(|e| format!("frame is not JSON: {e}"))
                }
                Ok(Some(Ok(Frame::Ping(p)))) => {
                    let _ = socket.send(Message::Pong(p)).await;
                }
                Ok(Some(Ok(Frame::Close(reason)))) => {
                    return Ok(Read::Closed(
                        reason.as_ref().map(|r| r.code.into()),
                        reason.and_then(|r| r.description).unwrap_or_default(),
                    ))
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// Reads and handles what comes within `wait`; reconnects after an unexpected close.
    async fn pump(&mut self, wait: Duration) {
        match self.read(wait).await {
            Ok(Read::Idle) => {}
            Ok(Read::Frame(v)) => self.handle(v),
            Ok(Read::Closed(code, reason)) => {
                let name = self.name();
                self.shared.error(format!(
                    "{name}: unexpected close {code:?} {reason:?}; resuming"
                ));
                self.resume().await;
            }
            Err(e) => {
                let name = self.name();
                self.shared.error(format!("{name}: {e}; resuming"));
                self.resume().await;
            }
        }
    }

    fn handle(&mut self, v: Value) {
        let stats = &self.shared.stats;
        let kind = v["type"].as_str().unwrap_or("").to_string();
        let plan = v["planId"].as_str().unwrap_or("").to_string();
        match kind.as_str() {
            "joined" => {
                let name = self.name();
                let Some(view) = self.plans.get_mut(&plan) else {
                    return self
                        .shared
                        .error(format!("{name}: `joined` of a foreign plan {v}"));
                };
                let PlanState::Joining { since, .. } = view.state else {
                    return self
                        .shared
                        .error(format!("{name}: `joined` while {:?}: {v}", view.state));
                };
                let Some(seq) = v["seq"].as_i64() else {
                    return self
                        .shared
                        .error(format!("{name}: `joined` without seq: {v}"));
                };
                bump(&stats.joins);
                view.state = PlanState::In;
                view.note(format!("joined seq {seq}"));
                match since {
                    None => {
                        view.last_seq = Some(seq);
                        view.replay_to = None;
                    }
                    Some(s) => {
                        if s > seq {
                            let h = view.history.join("; ");
                            return self.shared.error(format!(
                                "{name}: plan {plan}: joined seq {seq} is below since {s} [{h}]"
                            ));
                        }
                        view.last_seq = Some(s);
                        view.replay_to = (seq > s).then_some(seq);
                    }
                }
            }
            "left" => {
                let name = self.name();
                let Some(view) = self.plans.get_mut(&plan) else {
                    return self
                        .shared
                        .error(format!("{name}: `left` of a foreign plan {v}"));
                };
                if !matches!(view.state, PlanState::Leaving { .. }) {
                    return self
                        .shared
                        .error(format!("{name}: `left` while {:?}", view.state));
                }
                if let Some(to) = view.replay_to {
                    // Left before the replay ended: the rest comes with the next join.
                    view.note(format!("left during replay to {to}"));
                }
                bump(&stats.leaves);
                view.state = PlanState::Out;
                view.replay_to = None;
                view.must_not.clear();
                view.note(format!("left at {:?}", view.last_seq));
            }
            "pong" => bump(&stats.pongs),
            "typing" | "user-joined" | "user-left" | "presence-changed" => {
                if kind == "typing" {
                    bump(&stats.typing_relays);
                } else {
                    bump(&stats.notices);
                }
                let state = self.plans.get(&plan).map(|p| p.state);
                if !matches!(state, Some(PlanState::In | PlanState::Leaving { .. })) {
                    let name = self.name();
                    self.shared
                        .error(format!("{name}: notice for plan in state {state:?}: {v}"));
                }
            }
            "task-assigned" => bump(&stats.notices),
            _ if v.get("seq").is_some() && !plan.is_empty() && kind != "resync-required" => {
                self.event(&plan, v);
            }
            _ => {
                let name = self.name();
                self.shared.error(format!("{name}: unexpected frame {v}"));
            }
        }
    }

    /// A plan event: must be the next seq.
    fn event(&mut self, plan: &str, v: Value) {
        let name = self.name();
        let shared = self.shared.clone();
        let stats = &shared.stats;
        let Some(seq) = v["seq"].as_i64() else {
            return shared.error(format!("{name}: event without a numeric seq: {v}"));
        };
        let Some(view) = self.plans.get_mut(plan) else {
            return shared.error(format!("{name}: event of a foreign plan: {v}"));
        };
        if !matches!(view.state, PlanState::In | PlanState::Leaving { .. }) {
            let h = view.history.join("; ");
            return shared.error(format!(
                "{name}: plan {plan}: event seq {seq} while {:?} [{h}]",
                view.state
            ));
        }
        shared.check_copy(plan, seq, &v, &name);
        if view.must_not.remove(&seq) {
            let h = view.history.join("; ");
            shared.error(format!(
                "{name}: plan {plan}: received seq {seq} ({}) that it made itself with \
                 X-Connection-Id [{h}]",
                v["type"]
            ));
        }
        let last = view.last_seq.expect("joined");
        bump(&stats.events);
        if view.replay_to.is_some_and(|to| seq <= to) {
            bump(&stats.replayed);
        }
        if view.replay_to.is_some_and(|to| seq >= to) {
            view.replay_to = None;
        }
        if seq <= last {
            bump(&stats.out_of_order);
            let h = view.history.join("; ");
            shared.detail(format!(
                "OUT OF ORDER {name}: plan {plan}: seq {seq} ({}) after {last} [{h}]",
                v["type"]
            ));
            return;
        }
        let mut missing = Vec::new();
        for s in last + 1..seq {
            if view.own.remove(&s) {
                bump(&stats.own_skipped);
            } else {
                missing.push(s);
            }
        }
        view.own.remove(&seq);
        view.last_seq = Some(seq);
        if !missing.is_empty() {
            stats.lost.set(stats.lost.get() + missing.len() as u64);
            let h = view.history.join("; ");
            shared.detail(format!(
                "LOST {name}: plan {plan}: got seq {seq} ({}) after {last}; missing {missing:?} \
                 [{h}]",
                v["type"]
            ));
        }
    }

    /// Opens a new socket and rejoins what was joined (or being joined), with `since`.
    async fn resume(&mut self) {
        self.socket = None;
        let mut rejoin = Vec::new();
        for (id, view) in &mut self.plans {
            if matches!(view.state, PlanState::In | PlanState::Joining { .. }) {
                rejoin.push(id.clone());
            }
            view.state = PlanState::Out;
            view.replay_to = None;
            view.must_not.clear();
            view.settle();
            view.note(format!("socket gone at {:?}", view.last_seq));
        }
        if !self.connect().await {
            self.broken = true;
            return;
        }
        bump(&self.shared.stats.reconnects);
        if self.away {
            self.send(json!({"type": "presence", "status": "away"}))
                .await;
        }
        rejoin.sort();
        for plan in rejoin {
            let since = self.plans[&plan].last_seq;
            self.join(&plan, since).await;
        }
    }

    /// Closes the socket the polite way and reads until the server's close.
    async fn close_socket(&mut self) {
        let Some(socket) = self.socket.as_mut() else {
            return;
        };
        let _ = socket
            .send(Message::Close(Some(CloseCode::Normal.into())))
            .await;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.read(wait).await {
                Ok(Read::Frame(v)) => self.handle(v),
                Ok(Read::Closed(code, _)) => {
                    if code.is_some_and(|c| c != 1000) {
                        let name = self.name();
                        self.shared
                            .error(format!("{name}: answered our close with {code:?}"));
                    }
                    break;
                }
                Ok(Read::Idle) => {
                    let name = self.name();
                    self.shared
                        .error(format!("{name}: no close frame within 5 s of ours"));
                    break;
                }
                Err(_) => break,
            }
        }
        self.socket = None;
    }

    fn pending(&self) -> bool {
        self.plans.values().any(|p| {
            matches!(
                p.state,
                PlanState::Joining { .. } | PlanState::Leaving { .. }
            )
        })
    }

    fn check_stalls(&mut self) {
        let name = self.name();
        for (id, view) in &self.plans {
            let sent = match view.state {
                PlanState::Joining { sent, .. } | PlanState::Leaving { sent } => sent,
                _ => continue,
            };
            if sent.elapsed() > STALL {
                let h = view.history.join("; ");
                self.shared.error(format!(
                    "{name}: STALL: plan {id} {:?} for {:?} [{h}]",
                    view.state,
                    sent.elapsed()
                ));
                self.broken = true;
            }
        }
    }

    /// One random action.
    async fn act(&mut self) {
        let joined: Vec<String> = self
            .plan_ids
            .iter()
            .filter(|p| self.plans[*p].state == PlanState::In)
            .cloned()
            .collect();
        let out: Vec<String> = self
            .plan_ids
            .iter()
            .filter(|p| self.plans[*p].state == PlanState::Out)
            .cloned()
            .collect();
        let roll = self.rng.below(100);
        match roll {
            0..=29 if !joined.is_empty() => {
                let plan = self.rng.pick(&joined).clone();
                let task = self.rng.pick(&self.shared.seed_tasks[&plan]).clone();
                let typing = self.rng.chance(70);
                bump(&self.shared.stats.typing_sent);
                self.send(
                    json!({"type": "typing", "planId": plan, "taskId": task, "isTyping": typing}),
                )
                .await;
            }
            30..=59 => self.mutate(&joined).await,
            60..=71 if !joined.is_empty() => {
                let plan = self.rng.pick(&joined).clone();
                self.leave(&plan).await;
            }
            72..=87 if !out.is_empty() && joined.len() < 3 => {
                let plan = self.rng.pick(&out).clone();
                let since = match self.plans[&plan].last_seq {
                    Some(_) => {
                        let view = self.plans.get_mut(&plan).expect("own plan");
                        view.settle();
                        view.last_seq
                    }
                    // A first join: mostly live only, sometimes the whole history.
                    None => self.rng.chance(25).then_some(0),
                };
                self.join(&plan, since).await;
            }
            88..=90 => {
                self.close_socket().await;
                self.resume().await;
            }
            91..=95 => {
                self.away = !self.away;
                let status = if self.away { "away" } else { "online" };
                self.send(json!({"type": "presence", "status": status}))
                    .await;
            }
            _ => {
                let id = self.next_request_id("p");
                self.send(json!({"type": "ping", "requestId": id})).await;
            }
        }
    }

    /// One REST mutation; with `X-Connection-Id` half of the time when this connection is
    /// in the plan and the number of events the call makes is known.
    async fn mutate(&mut self, joined: &[String]) {
        let plan = if !joined.is_empty() && self.rng.chance(70) {
            self.rng.pick(joined).clone()
        } else {
            self.rng.pick(&self.plan_ids).clone()
        };
        let is_in = self.plans[&plan].state == PlanState::In;
        let exclude = is_in && self.rng.chance(50);
        let n = self.next_request_id("");
        let tag = format!("c{}-{n}", self.index);
        let seed_task = self.rng.pick(&self.shared.seed_tasks[&plan]).clone();
        let own_count = self.own_tasks.get(&plan).map_or(0, Vec::len);
        let owner = self.shared.owners[&plan] == self.user;
        let roll = self.rng.below(100);
        // (method, path, body, expected status, events the call makes when known)
        let (method, path, body, expect, events): (&str, String, Option<Value>, u16, Option<i64>);
        let mut created: Option<&'static str> = None;
        let mut own_update: Option<(usize, &'static str)> = None;
        let mut own_delete: Option<usize> = None;
        match roll {
            0..=24 => {
                let status = *self.rng.pick(&STATUSES);
                created = Some(status);
                (method, path, body, expect, events) = (
                    "POST",
                    format!("/api/plans/{plan}/tasks"),
                    Some(json!({"title": format!("task {tag}"), "status": status})),
                    201,
                    Some(2),
                );
            }
            25..=44 => {
                (method, path, body, expect, events) = (
                    "PATCH",
                    format!("/api/tasks/{seed_task}"),
                    Some(json!({"title": format!("title {tag}")})),
                    200,
                    Some(1),
                );
            }
            45..=57 => {
                // Someone else may have set that status already: 0, 1 or 2 events.
                let status = *self.rng.pick(&STATUSES);
                (method, path, body, expect, events) = (
                    "PATCH",
                    format!("/api/tasks/{seed_task}"),
                    Some(json!({"status": status})),
                    200,
                    None,
                );
            }
            58..=71 if own_count > 0 => {
                let i = self.rng.below(own_count);
                let task = self.own_tasks[&plan][i].clone();
                let status = *self.rng.pick(&STATUSES);
                own_update = Some((i, status));
                (method, path, body, expect, events) = (
                    "PATCH",
                    format!("/api/tasks/{}", task.id),
                    Some(json!({"title": format!("own {tag}"), "status": status})),
                    200,
                    Some(if status == task.status { 1 } else { 2 }),
                );
            }
            72..=81 if own_count > 0 => {
                let i = self.rng.below(own_count);
                own_delete = Some(i);
                (method, path, body, expect, events) = (
                    "DELETE",
                    format!("/api/tasks/{}", self.own_tasks[&plan][i].id),
                    None,
                    204,
                    Some(2),
                );
            }
            82..=89 if owner => {
                (method, path, body, expect, events) = (
                    "PATCH",
                    format!("/api/plans/{plan}"),
                    Some(json!({"title": format!("plan {tag}")})),
                    200,
                    Some(1),
                );
            }
            _ => {
                (method, path, body, expect, events) = (
                    "POST",
                    format!("/api/tasks/{seed_task}/comments"),
                    Some(json!({"body": format!("comment {tag}")})),
                    201,
                    Some(1),
                );
            }
        }
        let exclude = exclude && events.is_some();
        let connection_id = exclude.then(|| self.connection_id.clone());
        let answer = rest(
            &self.http,
            &self.shared,
            &self.user,
            method,
            &path,
            body,
            connection_id.as_deref(),
        )
        .await;
        let name = self.name();
        let answer = match answer {
            Ok(a) => a,
            Err(e) => return self.shared.error(format!("{name}: {e}")),
        };
        if answer.status != expect {
            return self.shared.error(format!(
                "{name}: {method} {path} answered {} {}",
                answer.status, answer.body
            ));
        }
        bump(&self.shared.stats.mutations);
        if let Some(n) = events {
            let Some(last) = answer.plan_seq else {
                return self
                    .shared
                    .error(format!("{name}: {method} {path}: no X-Plan-Seq"));
            };
            if exclude {
                bump(&self.shared.stats.excluded_mutations);
                let view = self.plans.get_mut(&plan).expect("own plan");
                for s in last - n + 1..=last {
                    view.own.insert(s);
                    view.must_not.insert(s);
                }
                view.note(format!(
                    "{method} {path} made {}..={last} excluded",
                    last - n + 1
                ));
            }
        }
        if let Some(status) = created {
            let id = answer.body["id"].as_str().unwrap_or_default().to_string();
            self.own_tasks
                .entry(plan.clone())
                .or_default()
                .push(OwnTask { id, status });
        }
        if let Some((i, status)) = own_update {
            self.own_tasks.get_mut(&plan).expect("own tasks")[i].status = status;
        }
        if let Some(i) = own_delete {
            self.own_tasks.get_mut(&plan).expect("own tasks").remove(i);
        }
    }

    /// After the run: reach every final seq of the plans this connection is in.
    async fn catch_up(&mut self, finals: &HashMap<String, i64>) {
        let deadline = Instant::now() + CATCH_UP;
        loop {
            let behind = self.plans.iter_mut().any(|(id, view)| {
                view.settle();
                view.state == PlanState::In && view.last_seq != Some(finals[id])
            });
            if !behind || self.broken || Instant::now() >= deadline {
                break;
            }
            self.pump(Duration::from_millis(100)).await;
        }
        let name = self.name();
        for (id, view) in &mut self.plans {
            if view.state != PlanState::In {
                continue;
            }
            view.settle();
            let last = view.last_seq.unwrap_or(0);
            let fin = finals[id];
            if last != fin {
                let stats = &self.shared.stats;
                let missing: Vec<i64> = (last + 1..=fin).collect();
                if last > fin {
                    self.shared.error(format!(
                        "{name}: plan {id}: saw seq {last} beyond the final {fin}"
                    ));
                } else {
                    stats.lost.set(stats.lost.get() + missing.len() as u64);
                    let h = view.history.join("; ");
                    self.shared.detail(format!(
                        "LOST {name}: plan {id}: at the end saw {last}, plan is at {fin}; \
                         never got {missing:?} [{h}]"
                    ));
                }
            }
        }
    }
}

async fn run_client(mut client: Client, initial: Vec<String>, pace_ms: u64) {
    sleep(Duration::from_millis(client.rng.below(1000) as u64)).await;
    if !client.connect().await {
        client.shared.quiesced.set(client.shared.quiesced.get() + 1);
        return;
    }
    for plan in &initial {
        client.join(plan, None).await;
    }
    let shared = client.shared.clone();
    let pause = |rng: &mut Rng| Duration::from_millis(1 + rng.next() % (2 * pace_ms));
    let mut next_action = Instant::now() + pause(&mut client.rng);
    // Run: act at random.
    while Instant::now() < shared.run_until && !client.broken {
        if Instant::now() >= next_action {
            client.act().await;
            next_action = Instant::now() + pause(&mut client.rng);
            continue;
        }
        client.check_stalls();
        let wait = next_action
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(200));
        client.pump(wait).await;
    }
    // Quiesce: no more actions; wait for the replies still due.
    while client.pending() && !client.broken {
        client.check_stalls();
        client.pump(Duration::from_millis(100)).await;
    }
    shared.quiesced.set(shared.quiesced.get() + 1);
    // Keep reading until every mutation is over and the final seqs are known.
    let finals = loop {
        if let Some(f) = shared.finals.borrow().as_ref() {
            break f.clone();
        }
        if client.broken {
            sleep(Duration::from_millis(100)).await;
        } else {
            client.pump(Duration::from_millis(100)).await;
        }
    };
    if !client.broken {
        client.catch_up(&finals).await;
        client.close_socket().await;
    }
}

// ---------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn soak_nothing_lost() {
    let cfg = Config::from_env();
    let started = Instant::now();
    let (db, database_url) = TestDatabase::from_env("liveplan_soak", "soak.db");
    let base = spawn_server(&database_url).await;
    let http = http_client();
    let mut rng = Rng::new(cfg.seed);

    let users: Vec<String> = (0..cfg.users).map(|i| format!("u{i:03}")).collect();
    let mut shared = Shared::new(base);

    // Set-up: plans (owner i % users), each user an editor of 4 plans, 3 tasks per plan.
    let mut plans = Vec::new();
    let mut user_plans: HashMap<String, Vec<String>> = HashMap::new();
    for i in 0..cfg.plans {
        let owner = users[i % users.len()].clone();
        let a = rest(
            &http,
            &shared,
            &owner,
            "POST",
            "/api/plans",
            Some(json!({"title": format!("Soak plan {i}")})),
            None,
        )
        .await
        .expect("create plan");
        assert_eq!(a.status, 201, "{}", a.body);
        let id = a.body["id"].as_str().expect("plan id").to_string();
        shared.owners.insert(id.clone(), owner.clone());
        user_plans.entry(owner).or_default().push(id.clone());
        plans.push(id);
    }
    // Every user signs in once before being added anywhere (their row then exists). The
    // concurrent member adds below would otherwise race to create the same user's row,
    // which PostgreSQL answers with 500 (see `concurrent_member_adds_of_an_unknown_user`).
    for chunk in users.chunks(32) {
        let answers = futures_util::future::join_all(
            chunk
                .iter()
                .map(|user| rest(&http, &shared, user, "GET", "/api/plans", None, None)),
        )
        .await;
        for a in answers {
            let a = a.expect("sign in");
            assert_eq!(a.status, 200, "{}", a.body);
        }
    }
    let per_user = 4.min(cfg.plans);
    let mut puts = Vec::new();
    for user in &users {
        let mine = user_plans.entry(user.clone()).or_default();
        while mine.len() < per_user {
            let plan = rng.pick(&plans).clone();
            if !mine.contains(&plan) {
                mine.push(plan.clone());
                let owner = shared.owners[&plan].clone();
                puts.push((plan, owner, user.clone()));
            }
        }
    }
    for chunk in puts.chunks(32) {
        let answers = futures_util::future::join_all(chunk.iter().map(|(plan, owner, user)| {
            let (http, shared) = (&http, &shared);
            async move {
                let path = format!("/api/plans/{plan}/members/{user}");
                let body = Some(json!({"role": "editor"}));
                rest(http, shared, owner, "PUT", &path, body, None).await
            }
        }))
        .await;
        for a in answers {
            let a = a.expect("add member");
            assert_eq!(a.status, 200, "{}", a.body);
        }
    }
    for plan in &plans {
        let owner = shared.owners[plan].clone();
        let mut tasks = Vec::new();
        for t in 0..3 {
            let a = rest(
                &http,
                &shared,
                &owner,
                "POST",
                &format!("/api/plans/{plan}/tasks"),
                Some(json!({"title": format!("seed {t}")})),
                None,
            )
            .await
            .expect("seed task");
            assert_eq!(a.status, 201, "{}", a.body);
            tasks.push(a.body["id"].as_str().expect("task id").to_string());
        }
        shared.seed_tasks.insert(plan.clone(), tasks);
    }
    let setup = started.elapsed();

    // Run.
    shared.run_until = Instant::now() + Duration::from_secs_f64(cfg.secs);
    let run_started = Instant::now();
    let shared = Rc::new(shared);
    let mut handles = Vec::new();
    for index in 0..cfg.connections {
        let user = users[index % users.len()].clone();
        let mut plan_ids = user_plans[&user].clone();
        plan_ids.sort();
        let mut crng = Rng::new(cfg.seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9));
        let count = 1 + crng.below(3.min(plan_ids.len()));
        let mut initial = Vec::new();
        while initial.len() < count {
            let p = crng.pick(&plan_ids).clone();
            if !initial.contains(&p) {
                initial.push(p);
            }
        }
        let client = Client {
            index,
            user,
            shared: shared.clone(),
            http: http_client(),
            rng: crng,
            socket: None,
            connection_id: String::new(),
            plans: plan_ids
                .iter()
                .map(|p| {
                    (
                        p.clone(),
                        PlanView {
                            state: PlanState::Out,
                            last_seq: None,
                            replay_to: None,
                            own: BTreeSet::new(),
                            must_not: BTreeSet::new(),
                            history: Vec::new(),
                        },
                    )
                })
                .collect(),
            plan_ids,
            own_tasks: HashMap::new(),
            requests: 0,
            away: false,
            broken: false,
        };
        handles.push(actix_web::rt::spawn(run_client(
            client,
            initial,
            cfg.pace_ms,
        )));
    }

    // Every client stopped acting (mutations are inline, so none is in flight)?
    let quiesce_deadline = shared.run_until + STALL + Duration::from_secs(30);
    while shared.quiesced.get() < cfg.connections {
        if Instant::now() > quiesce_deadline {
            shared.error(format!(
                "STALL: only {} of {} clients finished their run",
                shared.quiesced.get(),
                cfg.connections
            ));
            break;
        }
        sleep(Duration::from_millis(50)).await;
    }
    let run_time = run_started.elapsed();

    // Final seqs, and each plan's log: 1..=seq without a gap, equal to what clients saw.
    let mut finals = HashMap::new();
    let mut stored = 0i64;
    for plan in &plans {
        let owner = shared.owners[plan].clone();
        let a = rest(
            &http,
            &shared,
            &owner,
            "GET",
            &format!("/api/plans/{plan}"),
            None,
            None,
        )
        .await
        .expect("get plan");
        assert_eq!(a.status, 200, "{}", a.body);
        let fin = a.body["seq"].as_i64().expect("seq");
        finals.insert(plan.clone(), fin);
        stored += fin;
        let mut since = 0i64;
        loop {
            let a = rest(
                &http,
                &shared,
                &owner,
                "GET",
                &format!("/api/plans/{plan}/events?since={since}&limit=1000"),
                None,
                None,
            )
            .await
            .expect("get events");
            assert_eq!(a.status, 200, "{}", a.body);
            let events = a.body["events"].as_array().cloned().unwrap_or_default();
            if events.is_empty() {
                break;
            }
            for e in events {
                let seq = e["seq"].as_i64().unwrap_or(-1);
                if seq != since + 1 {
                    bump(&shared.stats.out_of_order);
                    shared.detail(format!(
                        "EVENT LOG plan {plan}: seq {seq} after {since} (final {fin})"
                    ));
                }
                shared.check_copy(plan, seq, &e, "event log");
                since = seq;
            }
        }
        if since != fin {
            shared.error(format!(
                "EVENT LOG plan {plan}: ends at {since}, plan seq is {fin}"
            ));
        }
    }
    *shared.finals.borrow_mut() = Some(finals);

    for h in handles {
        if let Err(e) = h.await {
            shared.error(format!("a client task failed: {e}"));
        }
    }

    let s = &shared.stats;
    let total = started.elapsed();
    for d in shared.details.borrow().iter() {
        eprintln!("soak: {d}");
    }
    eprintln!(
        "soak: {} connections, {} users, {} plans ({}), {} events delivered ({} replayed, \
         {} own skipped), {} events stored, {} mutations ({} with X-Connection-Id), {} joins, \
         {} leaves, {} reconnects, {} typing sent, {} typing relays, {} other notices, \
         {:.1} s run ({:.1} s set-up, {:.1} s total), seed {}, lost {}, out of order {}, \
         errors {}",
        cfg.connections,
        cfg.users,
        cfg.plans,
        db.kind(),
        s.events.get(),
        s.replayed.get(),
        s.own_skipped.get(),
        stored,
        s.mutations.get(),
        s.excluded_mutations.get(),
        s.joins.get(),
        s.leaves.get(),
        s.reconnects.get(),
        s.typing_sent.get(),
        s.typing_relays.get(),
        s.notices.get(),
        run_time.as_secs_f64(),
        setup.as_secs_f64(),
        total.as_secs_f64(),
        cfg.seed,
        s.lost.get(),
        s.out_of_order.get(),
        s.errors.get(),
    );
    assert_eq!(s.lost.get(), 0, "events lost");
    assert_eq!(s.out_of_order.get(), 0, "events out of order or duplicated");
    assert_eq!(s.errors.get(), 0, "errors");
    assert!(s.events.get() > 0, "nothing was delivered");
    drop(db);
}

/// Found by the soak on PostgreSQL: adding one user who never signed in as a member of
/// several plans at once. Each `PUT …/members/{userId}` first makes sure the user's row
/// exists (`db::users::ensure`: read, then insert); two of them racing both insert, and
/// the loser answers 500 `internal` (`duplicate key value violates unique constraint
/// "users_pkey"`). SQLite serialises the writers, so this only fails on PostgreSQL
/// (`LIVEPLAN_TEST_DATABASE_URL`).
#[actix_web::test]
async fn concurrent_member_adds_of_an_unknown_user() {
    let (db, database_url) = TestDatabase::from_env("liveplan_soak", "soak.db");
    let base = spawn_server(&database_url).await;
    let http = http_client();
    let shared = Shared::new(base);
    for round in 0..5 {
        let mut plans = Vec::new();
        for i in 0..8 {
            let owner = format!("owner{i}");
            let body = Some(json!({"title": format!("race {round}.{i}")}));
            let a = rest(&http, &shared, &owner, "POST", "/api/plans", body, None)
                .await
                .expect("create plan");
            assert_eq!(a.status, 201, "{}", a.body);
            plans.push((owner, a.body["id"].as_str().expect("plan id").to_string()));
        }
        let newcomer = format!("newcomer{round}");
        let answers = futures_util::future::join_all(plans.iter().map(|(owner, plan)| {
            let (http, shared, newcomer) = (&http, &shared, &newcomer);
            async move {
                let path = format!("/api/plans/{plan}/members/{newcomer}");
                let body = Some(json!({"role": "editor"}));
                rest(http, shared, owner, "PUT", &path, body, None).await
            }
        }))
        .await;
        for a in answers {
            let a = a.expect("PUT member");
            assert_eq!(a.status, 200, "round {round} ({}): {}", db.kind(), a.body);
        }
    }
}
