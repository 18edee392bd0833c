//! Crash safety ("Nothing lost", item 3): the real `liveplan` binary is killed with
//! SIGKILL in the middle of a burst of concurrent task mutations, then started again on the
//! same database, twice in a row. After each restart this proves that:
//!
//! - every mutation that was answered 2xx is stored: each created task exists and is at
//!   least at (and at most one step past) the version its last answer reported;
//! - the plan's event log is exactly 1..=N with no gap, N reaches every `X-Plan-Seq` that
//!   was handed out, the event at each answer's `X-Plan-Seq` is the one that answer
//!   produced (right type, right task, right version), no two answers share an event, and
//!   the only events no answer accounts for are the at most two each of the requests cut
//!   off by the kill could have written;
//! - every stored task equals the last event that names it (no change without its event);
//! - no request of the burst was refused: no 5xx, in particular no "database is locked"
//!   (SQLite runs in WAL mode with a busy timeout) and no 503;
//! - a WebSocket client joining with `since: 0` receives `joined` and then events 1..=N in
//!   order, each once, identical to the stored log, and the first mutation after the
//!   restart gets seq N+1 and reaches that client live.
//!
//! It runs on SQLite (a fresh file in a temp dir) and, when `LIVEPLAN_TEST_DATABASE_URL`
//! is set, on a fresh PostgreSQL database created from that URL (and dropped afterwards).
//! Without that variable the PostgreSQL run fails under `CI=true` and otherwise passes
//! saying `SKIPPED` (`common::ci`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::{Command, Output};
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::rt::time::{sleep, timeout};
use awc::http::Method;
use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};

use common::ci;
use common::database::{self, TestDatabase};
use common::http::{self, Socket};
use common::process::{ServerBuilder, ServerProcess};
use common::tokens;

/// The shared test helpers this crate uses (`tests/common/`, see its README.md).
mod common {
    pub mod ci;
    pub mod database;
    pub mod http;
    pub mod process;
    pub mod tokens;
}

const SECRET: &str = "crash-test-secret-that-is-long-enough-for-hs256";

/// Concurrent writers in each burst.
const WRITERS: usize = 12;

/// A burst runs until at least this many requests were acknowledged.
const MIN_ACKS: usize = 5 * WRITERS;

/// How long a test waits for one frame or one answer it expects.
const WAIT: Duration = Duration::from_secs(10);

/// The binary on `database_url`, with rate limits and the per-user connection cap far
/// above what the burst needs.
fn start_server(database_url: &str) -> ServerProcess {
    ServerBuilder::new(database_url, SECRET)
        .env("LIVEPLAN_REST_RATE_BURST", "1000000")
        .env("LIVEPLAN_REST_RATE_PER_SEC", "1000000")
        .env("LIVEPLAN_REST_READ_RATE_BURST", "1000000")
        .env("LIVEPLAN_REST_READ_RATE_PER_SEC", "1000000")
        .env("LIVEPLAN_WS_CONNECT_RATE_BURST", "1000000")
        .env("LIVEPLAN_WS_CONNECT_RATE_PER_SEC", "1000000")
        .env("LIVEPLAN_MAX_CONNECTIONS_PER_USER", "1000")
        .start()
}

fn token(user: &str, name: &str) -> String {
    tokens::mint(SECRET, user, name, 3600)
}

/// A complete HTTP answer.
#[derive(Debug)]
struct Reply {
    status: u16,
    seq: Option<i64>,
    body: Value,
}

/// One request; `Err` when no complete answer came back (connection refused, reset, cut).
async fn call(
    client: &awc::Client,
    method: Method,
    url: &str,
    token: &str,
    body: Option<&Value>,
    if_match: Option<i64>,
) -> Result<Reply, String> {
    let mut req = client.request(method, url).bearer_auth(token);
    if let Some(v) = if_match {
        req = req.insert_header(("If-Match", format!("\"{v}\"")));
    }
    let mut resp = match body {
        Some(b) => req.send_json(b).await,
        None => req.send().await,
    }
    .map_err(|e| format!("send: {e}"))?;
    let bytes = resp
        .body()
        .limit(64 * 1024 * 1024)
        .await
        .map_err(|e| format!("body: {e}"))?;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    let seq = resp
        .headers()
        .get("x-plan-seq")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    Ok(Reply {
        status: resp.status().as_u16(),
        seq,
        body,
    })
}

fn client() -> awc::Client {
    http::client(Duration::from_secs(20))
}

/// What an acknowledged request did, and so which events it owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `PUT …/members/…`: `member-added` at seq.
    Member,
    /// `POST …/tasks`: `task-created` at seq-1, `progress-updated` at seq.
    Create,
    /// `PATCH` of the title: `task-updated` at seq.
    Rename,
    /// `PATCH` of the status: `task-updated` at seq-1, `progress-updated` at seq.
    Move(&'static str),
}

/// A 2xx answer.
#[derive(Debug, Clone)]
struct Ack {
    kind: Kind,
    task_id: String,
    version: i64,
    seq: i64,
}

impl Ack {
    /// The seqs of the events this answer's transaction wrote.
    fn owned_seqs(&self) -> Vec<i64> {
        match self.kind {
            Kind::Member | Kind::Rename => vec![self.seq],
            Kind::Create | Kind::Move(_) => vec![self.seq - 1, self.seq],
        }
    }
}

/// What one writer saw in one burst.
#[derive(Debug, Default)]
struct WriterLog {
    sent: usize,
    acks: Vec<Ack>,
    /// Complete answers that were not 2xx, or 2xx answers that break the contract.
    refused: Vec<String>,
    /// Requests without a complete answer (cut by the kill): they may or may not have
    /// been committed.
    unknown: Vec<String>,
}

fn next_status(status: &str) -> &'static str {
    match status {
        "todo" => "in_progress",
        "in_progress" => "done",
        _ => "todo",
    }
}

/// Creates and patches its own tasks as fast as the server answers, one request at a time,
/// until a request gets no answer (the server is gone) or `stop` is set.
async fn writer(
    base: String,
    token: String,
    plan: String,
    label: String,
    stop: Rc<Cell<bool>>,
    acked: Rc<Cell<usize>>,
) -> WriterLog {
    let client = client();
    // (task id, version, status) of the tasks this writer made, as last answered.
    let mut mine: Vec<(String, i64, &'static str)> = Vec::new();
    let mut log = WriterLog::default();
    let mut i = 0usize;
    while !stop.get() {
        i += 1;
        let title = format!("{label}-{i}");
        let (kind, index) = if mine.len() < 2 || i % 3 == 0 {
            (Kind::Create, None)
        } else {
            let k = i % mine.len();
            if i % 2 == 0 {
                (Kind::Rename, Some(k))
            } else {
                (Kind::Move(next_status(mine[k].2)), Some(k))
            }
        };
        let (method, url, body, if_match) = match (kind, index) {
            (Kind::Create, _) => (
                Method::POST,
                format!("{base}/api/plans/{plan}/tasks"),
                json!({ "title": title }),
                None,
            ),
            (Kind::Rename, Some(k)) => (
                Method::PATCH,
                format!("{base}/api/tasks/{}", mine[k].0),
                json!({ "title": title }),
                Some(mine[k].1),
            ),
            (Kind::Move(status), Some(k)) => (
                Method::PATCH,
                format!("{base}/api/tasks/{}", mine[k].0),
                json!({ "status": status }),
                Some(mine[k].1),
            ),
            _ => unreachable!(),
        };
        log.sent += 1;
        let what = format!("{method} {url} {body}");
        let reply = match call(&client, method, &url, &token, Some(&body), if_match).await {
            Ok(reply) => reply,
            Err(e) => {
                log.unknown.push(format!("{what}: {e}"));
                break;
            }
        };
        if !(200..300).contains(&reply.status) {
            log.refused
                .push(format!("{what} -> {} {}", reply.status, reply.body));
            continue;
        }
        let (Some(seq), Some(id), Some(version), Some(status)) = (
            reply.seq,
            reply.body["id"].as_str(),
            reply.body["version"].as_i64(),
            reply.body["status"].as_str(),
        ) else {
            log.refused.push(format!(
                "{what} -> {} without X-Plan-Seq or a task: {:?} {}",
                reply.status, reply.seq, reply.body
            ));
            continue;
        };
        let status = match status {
            "todo" => "todo",
            "in_progress" => "in_progress",
            _ => "done",
        };
        let expected_version = index.map_or(1, |k| mine[k].1 + 1);
        if version != expected_version || index.is_some_and(|k| mine[k].0 != id) {
            log.refused.push(format!(
                "{what} -> {} answered task {id} v{version}, expected v{expected_version}",
                reply.status
            ));
            continue;
        }
        match index {
            None => mine.push((id.to_string(), version, status)),
            Some(k) => mine[k] = (id.to_string(), version, status),
        }
        acked.set(acked.get() + 1);
        log.acks.push(Ack {
            kind,
            task_id: id.to_string(),
            version,
            seq,
        });
    }
    log
}

/// Everything the test knows about the plan so far.
struct History {
    /// `sqlite` or `postgresql`, for the numbers printed.
    backend: &'static str,
    plan: String,
    owner: String,
    acks: Vec<Ack>,
    /// Requests cut off by a kill, over all bursts.
    unknown: usize,
}

/// Starts `WRITERS` writers against `server`, lets them run for 300..800 ms, SIGKILLs the
/// server, and collects what every writer saw.
async fn burst_then_kill(server: ServerProcess, history: &mut History, round: usize) {
    let base = server.base();
    let stop = Rc::new(Cell::new(false));
    let acked_so_far = Rc::new(Cell::new(0usize));
    let ada = token("ada", "Ada");
    let bob = token("bob", "Bob");
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            let token = if w % 2 == 0 { ada.clone() } else { bob.clone() };
            actix_web::rt::spawn(writer(
                base.clone(),
                token,
                history.plan.clone(),
                format!("r{round}w{w}"),
                stop.clone(),
                acked_so_far.clone(),
            ))
        })
        .collect();
    // 300..800 ms, and at least `MIN_ACKS` answers in (a loaded machine is slower).
    let planned = Duration::from_millis(300 + (uuid::Uuid::new_v4().as_u128() % 500) as u64);
    let start = Instant::now();
    sleep(planned).await;
    while acked_so_far.get() < MIN_ACKS && start.elapsed() < Duration::from_secs(10) {
        sleep(Duration::from_millis(10)).await;
    }
    let burst = start.elapsed();
    let (status, lines) = server.kill_9();
    assert!(
        !status.success(),
        "the server was killed, not stopped: {status:?}"
    );
    stop.set(true);
    let mut logs = Vec::new();
    for h in handles {
        logs.push(timeout(Duration::from_secs(30), h).await.unwrap().unwrap());
    }
    let sent: usize = logs.iter().map(|l| l.sent).sum();
    let acked: usize = logs.iter().map(|l| l.acks.len()).sum();
    let unknown: usize = logs.iter().map(|l| l.unknown.len()).sum();
    let refused: Vec<&String> = logs.iter().flat_map(|l| &l.refused).collect();
    eprintln!(
        "{} round {round}: burst of {} ms, {sent} requests sent, {acked} acknowledged (2xx), \
         {} refused, {unknown} cut off by the kill",
        history.backend,
        burst.as_millis(),
        refused.len()
    );
    let locked: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("database is locked"))
        .collect();
    assert!(
        locked.is_empty(),
        "round {round}: the server logged \"database is locked\": {locked:#?}"
    );
    assert!(
        refused.is_empty(),
        "round {round}: {} of the burst's answers were refused (5xx / 503 / \"database is \
         locked\" / contract breaks), first ones: {:#?}",
        refused.len(),
        refused.iter().take(10).collect::<Vec<_>>()
    );
    assert!(
        acked >= MIN_ACKS,
        "round {round}: only {acked} requests were acknowledged before the kill; the burst \
         proves nothing"
    );
    // Each writer has at most one request in flight, so at most one is cut off.
    assert!(unknown <= WRITERS, "{unknown} requests cut off by the kill");
    for log in logs {
        history.acks.extend(log.acks);
        history.unknown += log.unknown.len();
    }
}

/// Reads the whole event log of the plan through the REST route, page by page.
async fn read_event_log(base: &str, token: &str, plan: &str) -> (Vec<Value>, i64) {
    let client = client();
    let mut events: Vec<Value> = Vec::new();
    let mut since = 0i64;
    let mut head: Option<i64> = None;
    loop {
        let reply = call(
            &client,
            Method::GET,
            &format!("{base}/api/plans/{plan}/events?since={since}&limit=1000"),
            token,
            None,
            None,
        )
        .await
        .expect("the events route answers");
        assert_eq!(reply.status, 200, "{}", reply.body);
        let seq = reply.body["seq"].as_i64().expect("seq");
        // Nobody writes while we read: the plan's seq stays put.
        assert_eq!(*head.get_or_insert(seq), seq, "the plan's seq moved");
        let page = reply.body["events"].as_array().expect("events").clone();
        assert!(page.len() <= 1000);
        if page.is_empty() {
            break;
        }
        since = page.last().unwrap()["seq"].as_i64().expect("event seq");
        events.extend(page);
        if since >= seq {
            break;
        }
    }
    (events, head.unwrap_or(0))
}

/// The checks after a restart; answers N, the plan's last seq, and the stored log.
async fn verify_nothing_lost(base: &str, history: &History, round: usize) -> (i64, Vec<Value>) {
    let plan = &history.plan;
    let owner = &history.owner;
    let (events, head) = read_event_log(base, owner, plan).await;

    // (b) 1..=N, no gap, nothing past the head, all of this plan.
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    let n = events.len() as i64;
    if let Some(i) = (0..seqs.len()).find(|&i| seqs[i] != i as i64 + 1) {
        panic!(
            "round {round}: the stored seqs are not 1..={n}: position {} holds seq {} \
             (around it: {:?})",
            i + 1,
            seqs[i],
            &seqs[i.saturating_sub(3)..(i + 3).min(seqs.len())]
        );
    }
    assert_eq!(
        head, n,
        "round {round}: the plan says seq {head}, the log ends at {n}"
    );
    for e in &events {
        assert_eq!(e["planId"], json!(plan), "{e}");
    }
    let max_acked = history.acks.iter().map(|a| a.seq).max().unwrap_or(0);
    assert!(
        n >= max_acked,
        "round {round}: an answer carried X-Plan-Seq {max_acked} but the log ends at {n}"
    );
    let at = |seq: i64| -> &Value { &events[(seq - 1) as usize] };

    // Every answer's events are there, of the right type, naming the right task.
    let mut owned: HashSet<i64> = HashSet::new();
    for ack in &history.acks {
        for s in ack.owned_seqs() {
            assert!(
                owned.insert(s),
                "round {round}: event {s} is claimed by two answers ({ack:?})"
            );
        }
        let last = at(ack.seq);
        let task_event = |e: &Value, kind: &str| {
            assert_eq!(e["type"], kind, "round {round}: {ack:?} -> {e}");
            assert_eq!(
                e["data"]["task"]["id"],
                json!(ack.task_id),
                "{ack:?} -> {e}"
            );
            assert_eq!(
                e["data"]["task"]["version"],
                json!(ack.version),
                "{ack:?} -> {e}"
            );
        };
        match ack.kind {
            Kind::Member => assert_eq!(last["type"], "member-added", "{ack:?} -> {last}"),
            Kind::Create => {
                task_event(at(ack.seq - 1), "task-created");
                assert_eq!(last["type"], "progress-updated", "{ack:?} -> {last}");
            }
            Kind::Rename => task_event(last, "task-updated"),
            Kind::Move(status) => {
                let updated = at(ack.seq - 1);
                task_event(updated, "task-updated");
                assert_eq!(
                    updated["data"]["changes"]["status"]["to"], status,
                    "{updated}"
                );
                assert_eq!(last["type"], "progress-updated", "{ack:?} -> {last}");
            }
        }
    }
    // The events no answer accounts for come from requests the kill cut off, at most two
    // each, and are of the kinds those requests write.
    let orphans: Vec<&Value> = events
        .iter()
        .filter(|e| !owned.contains(&e["seq"].as_i64().unwrap()))
        .collect();
    assert!(
        orphans.len() <= 2 * history.unknown,
        "round {round}: {} events belong to no answer, but only {} requests were cut off: \
         {orphans:#?}",
        orphans.len(),
        history.unknown
    );
    for e in &orphans {
        assert!(
            ["task-created", "task-updated", "progress-updated"]
                .contains(&e["type"].as_str().unwrap()),
            "round {round}: unexpected event {e}"
        );
    }

    // (a) Every acknowledged task is stored, at the version its last answer reported (or
    // one past it, if the request cut off by the kill was a PATCH of it and committed).
    let mut last_version: BTreeMap<&str, i64> = BTreeMap::new();
    for ack in history.acks.iter().filter(|a| a.kind != Kind::Member) {
        let v = last_version.entry(&ack.task_id).or_insert(0);
        *v = (*v).max(ack.version);
    }
    let client = client();
    for (id, version) in &last_version {
        let reply = call(
            &client,
            Method::GET,
            &format!("{base}/api/tasks/{id}"),
            owner,
            None,
            None,
        )
        .await
        .expect("the task route answers");
        assert_eq!(
            reply.status, 200,
            "round {round}: acknowledged task {id} is missing: {}",
            reply.body
        );
        let stored = reply.body["version"].as_i64().unwrap();
        assert!(
            stored == *version || stored == version + 1,
            "round {round}: task {id} is at version {stored}, its last answer said {version}"
        );
    }

    // No change without its event: every stored task is what the last event naming it says.
    let reply = call(
        &client,
        Method::GET,
        &format!("{base}/api/plans/{plan}/tasks"),
        owner,
        None,
        None,
    )
    .await
    .expect("the tasks route answers");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let tasks = reply.body.as_array().expect("tasks").clone();
    let mut last_event: HashMap<&str, &Value> = HashMap::new();
    let mut created = 0;
    for e in &events {
        if e["type"] == "task-created" {
            created += 1;
        }
        if let Some(id) = e["data"]["task"]["id"].as_str() {
            last_event.insert(id, &e["data"]["task"]);
        }
    }
    assert_eq!(
        tasks.len(),
        created,
        "round {round}: {} tasks stored, {created} task-created events",
        tasks.len()
    );
    // `position` is the one field that changes without an event naming the task: it shifts
    // when another task leaves or enters its column (docs/protocol.md §6.1, "Replaying the
    // board"). Every other field is the last event's; the positions must be dense.
    let without_position = |t: &Value| {
        let mut t = t.clone();
        if let Some(o) = t.as_object_mut() {
            o.remove("position");
        }
        t
    };
    let mut by_column: HashMap<&str, Vec<i64>> = HashMap::new();
    for task in &tasks {
        let id = task["id"].as_str().unwrap();
        assert_eq!(
            last_event.get(id).map(|t| without_position(t)),
            Some(without_position(task)),
            "round {round}: stored task {id} differs from its last event"
        );
        by_column
            .entry(task["columnId"].as_str().unwrap())
            .or_default()
            .push(task["position"].as_i64().unwrap());
    }
    for (column, mut positions) in by_column {
        positions.sort_unstable();
        assert_eq!(
            positions,
            (0..positions.len() as i64).collect::<Vec<_>>(),
            "round {round}: column {column}'s positions are not dense"
        );
    }
    assert!(tasks.len() >= last_version.len());
    (n, events)
}

/// The next JSON frame (answering pings), within [`WAIT`].
async fn next_json(socket: &mut Socket) -> Value {
    timeout(WAIT, async {
        loop {
            match socket.next().await {
                Some(Ok(Frame::Text(bytes))) => {
                    return serde_json::from_slice::<Value>(&bytes).expect("JSON frame")
                }
                Some(Ok(Frame::Ping(p))) => {
                    let _ = socket.send(Message::Pong(p)).await;
                }
                Some(Ok(Frame::Close(reason))) => panic!("the server closed: {reason:?}"),
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("websocket error: {e}"),
                None => panic!("the websocket ended"),
            }
        }
    })
    .await
    .expect("a frame within the wait")
}

/// The next plan event (stored, numbered); room notices are skipped.
async fn next_event(socket: &mut Socket) -> Value {
    loop {
        let frame = next_json(socket).await;
        if frame.get("seq").is_some() && frame.get("data").is_some() {
            return frame;
        }
    }
}

/// (d) A client resuming from 0 gets `joined` and then exactly the stored log; then a new
/// mutation gets seq N+1 and reaches it live. Answers the new mutation's acknowledgement.
async fn resume_from_zero_then_live(
    base: &str,
    history: &History,
    n: i64,
    log: &[Value],
    round: usize,
) -> Ack {
    let owner = &history.owner;
    let plan = &history.plan;
    let mut socket = http::ws_connect(base, &format!("/ws?token={owner}"), 64 * 1024 * 1024, None)
        .await
        .expect("websocket upgrade");
    let connected = next_json(&mut socket).await;
    assert_eq!(connected["type"], "connected", "{connected}");
    socket
        .send(Message::Text(
            json!({ "type": "join-plan", "planId": plan, "since": 0 })
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let joined = next_json(&mut socket).await;
    assert_eq!(joined["type"], "joined", "{joined}");
    assert_eq!(joined["seq"], json!(n), "round {round}: {joined}");
    for expected in log {
        let got = next_event(&mut socket).await;
        assert_eq!(
            &got, expected,
            "round {round}: the replay differs from the stored log"
        );
    }

    // A new mutation after the restart continues the sequence and arrives live.
    let task = history
        .acks
        .iter()
        .find(|a| a.kind == Kind::Create)
        .expect("an acknowledged task")
        .task_id
        .clone();
    let client = client();
    let current = call(
        &client,
        Method::GET,
        &format!("{base}/api/tasks/{task}"),
        owner,
        None,
        None,
    )
    .await
    .unwrap();
    let version = current.body["version"].as_i64().unwrap();
    let reply = call(
        &client,
        Method::PATCH,
        &format!("{base}/api/tasks/{task}"),
        owner,
        Some(&json!({ "title": format!("after restart {round}") })),
        Some(version),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.seq,
        Some(n + 1),
        "round {round}: the first write after the restart must get seq N+1"
    );
    let live = next_event(&mut socket).await;
    assert_eq!(live["seq"], json!(n + 1), "{live}");
    assert_eq!(live["type"], "task-updated", "{live}");
    assert_eq!(live["data"]["task"]["id"], json!(task), "{live}");
    let _ = socket.send(Message::Close(None)).await;
    Ack {
        kind: Kind::Rename,
        task_id: task,
        version: version + 1,
        seq: n + 1,
    }
}

/// Plan + editor, then twice: burst, SIGKILL, restart on the same database, check.
async fn crash_twice_and_check(backend: &'static str, database_url: &str) {
    let started = Instant::now();
    let owner = token("ada", "Ada");
    let mut server = start_server(database_url);
    let base = server.base();
    let client = client();
    let plan = call(
        &client,
        Method::POST,
        &format!("{base}/api/plans"),
        &owner,
        Some(&json!({ "title": "Crash" })),
        None,
    )
    .await
    .unwrap();
    assert_eq!(plan.status, 201, "{}", plan.body);
    let plan_id = plan.body["id"].as_str().unwrap().to_string();
    let member = call(
        &client,
        Method::PUT,
        &format!("{base}/api/plans/{plan_id}/members/bob"),
        &owner,
        Some(&json!({ "role": "editor", "name": "Bob" })),
        None,
    )
    .await
    .unwrap();
    assert_eq!(member.status, 200, "{}", member.body);
    let mut history = History {
        backend,
        plan: plan_id,
        owner,
        acks: vec![Ack {
            kind: Kind::Member,
            task_id: String::new(),
            version: 0,
            seq: member.seq.expect("X-Plan-Seq on member-added"),
        }],
        unknown: 0,
    };
    for round in 1..=2 {
        burst_then_kill(server, &mut history, round).await;
        server = start_server(database_url);
        let base = server.base();
        let (n, log) = verify_nothing_lost(&base, &history, round).await;
        let acked = history.acks.len();
        let probe = resume_from_zero_then_live(&base, &history, n, &log, round).await;
        history.acks.push(probe);
        eprintln!(
            "{} round {round}: after restart {n} events 1..={n}, no gap; {acked} acknowledged \
             requests in all, each with its event; {} requests cut off so far; replayed over \
             WebSocket, next write got seq {}",
            history.backend,
            history.unknown,
            n + 1
        );
    }
    drop(server);
    eprintln!("{backend} crash test took {:?}", started.elapsed());
}

#[actix_web::test]
async fn a_server_killed_during_a_burst_loses_no_acknowledged_write_on_sqlite() {
    let (_db, url) = TestDatabase::sqlite("crash.db");
    crash_twice_and_check("sqlite", &url).await;
}

/// Runs one test of this very test binary in a child process (`--exact`), with `env` set
/// (a `None` value removes the variable), and answers its output.
fn run_this_test(name: &str, env: &[(&str, Option<&str>)]) -> Output {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new(exe);
    command.args([name, "--exact", "--test-threads=1"]);
    for (key, value) in env {
        match value {
            Some(v) => command.env(key, v),
            None => command.env_remove(key),
        };
    }
    command.output().expect("run the test binary")
}

/// The PostgreSQL run must not pass in CI without a database: it would report a crash test
/// that never ran as a success.
#[test]
fn under_ci_the_postgresql_run_fails_when_no_database_is_configured() {
    let test = "a_server_killed_during_a_burst_loses_no_acknowledged_write_on_postgresql";
    let ci = run_this_test(
        test,
        &[(database::DATABASE_URL_VAR, None), ("CI", Some("true"))],
    );
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&ci.stdout),
        String::from_utf8_lossy(&ci.stderr)
    );
    assert!(!ci.status.success(), "passed under CI=true:\n{output}");
    assert!(output.contains("1 failed"), "{output}");
    assert!(output.contains(database::DATABASE_URL_VAR), "{output}");

    // Outside CI it passes, saying it was skipped even though cargo captures its output.
    let local = run_this_test(test, &[(database::DATABASE_URL_VAR, None), ("CI", None)]);
    let stderr = String::from_utf8_lossy(&local.stderr);
    assert!(local.status.success(), "{stderr}");
    assert!(stderr.contains("SKIPPED"), "{stderr}");
}

#[actix_web::test]
async fn a_server_killed_during_a_burst_loses_no_acknowledged_write_on_postgresql() {
    let Some(admin_url) = database::admin_url_from_env() else {
        return ci::cannot_run(
            "the PostgreSQL crash test",
            &format!("{} is not set", database::DATABASE_URL_VAR),
            &format!(
                "set {}=postgres://postgres@127.0.0.1:5432/test (an admin URL) to run it",
                database::DATABASE_URL_VAR
            ),
        );
    };
    let (_db, url) = TestDatabase::postgres(&admin_url, "liveplan_crash");
    crash_twice_and_check("postgresql", &url).await;
}
