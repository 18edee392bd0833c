//! A resume's replay is bounded by the connection's queue (issue #9, item 1).
//!
//! The real binary, a plan with a few hundred large events (a task whose 10,000-character
//! description changes each time: ~120 KB per event, the description stored three times),
//! and clients that join with `since: 0` and then do not read. Before the replay was paged,
//! each such client made the server hold the whole replay (about 36 MB here); now each
//! holds at most its queue limit, plus actix-http's write buffer (32 KiB and one 16 KiB
//! piece). What this proves, against the child process's resident memory:
//!
//! - five non-reading resumes grow the server's RSS by less than 5 × that bound plus a
//!   small constant (allocator and page-cache noise);
//! - a client that reads gets every event, in order, each once, meanwhile and after;
//! - a non-reading client mid-replay whose queue then overflows with live events is closed
//!   1008 after a gapless prefix, and resumes from there without loss.
//!
//! It runs on SQLite, and on PostgreSQL when `LIVEPLAN_TEST_DATABASE_URL` is set.
//! `LIVEPLAN_REPLAY_EVENTS` changes the number of large events (default 300).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use actix_web::rt::time::{sleep, timeout};
use awc::ws::Message;
use futures_util::SinkExt;
use serde_json::{json, Value};

use common::database::TestDatabase;
use common::http;
use common::process::{self, ServerBuilder, ServerProcess};
use common::stalled::StalledClient;
use common::tokens;
use common::ws::{next_frame, Received};

/// The shared test helpers this crate uses (`tests/common/`, see its README.md).
mod common {
    pub mod database;
    pub mod http;
    pub mod process;
    pub mod stalled;
    pub mod tokens;
    pub mod ws;
}

const SECRET: &str = "replay-bound-secret-that-is-long-enough-for-hs256";

/// The outbound queue limit the server runs with (its default).
const QUEUE_BYTES: u64 = 1024 * 1024;
/// What actix-http may hold beyond the queue: its 32 KiB write buffer and one piece.
const TRANSPORT_BYTES: u64 = 48 * 1024;
/// Clients that resume and do not read.
const STALLED: usize = 5;
/// Allowance for the allocator and the database's caches, whatever the number of events.
const CONSTANT_KIB: u64 = 4 * 1024;

fn large_events() -> usize {
    std::env::var("LIVEPLAN_REPLAY_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn token(user: &str) -> String {
    tokens::mint(SECRET, user, user, 3600)
}

fn rss_kib(server: &ServerProcess) -> u64 {
    process::rss_kib(server.pid())
}

async fn call(server: &ServerProcess, method: &str, path: &str, user: &str, body: Value) -> Value {
    let client = http::client(Duration::from_secs(30));
    let url = format!("{}{path}", server.base());
    let mut resp = client
        .request(method.parse().unwrap(), url)
        .bearer_auth(token(user))
        .send_json(&body)
        .await
        .unwrap();
    let bytes = resp.body().limit(16 << 20).await.unwrap();
    assert!(
        resp.status().is_success(),
        "{method} {path}: {} {}",
        resp.status(),
        String::from_utf8_lossy(&bytes)
    );
    if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    }
}

/// `POST path` as ada; the id of what it created.
async fn create(server: &ServerProcess, path: &str, body: Value) -> String {
    call(server, "POST", path, "ada", body).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A 10,000-character description of four-byte characters (40 KB), one of two.
fn description(i: usize) -> String {
    let c = if i % 2 == 0 { '🙂' } else { '🚀' };
    std::iter::repeat_n(c, 10_000).collect()
}

/// `count` edits of the task's description: `count` events of ~120 KB.
async fn edit(server: &ServerProcess, task: &str, from: usize, count: usize) {
    for i in from..from + count {
        call(
            server,
            "PATCH",
            &format!("/api/tasks/{task}"),
            "ada",
            json!({ "description": description(i) }),
        )
        .await;
    }
}

/// Joins with `since` as `user` over awc and reads events until seq `through`: asserts
/// they are exactly `since + 1 ..= through`, in order.
async fn read_all(server: &ServerProcess, user: &str, plan: &str, since: i64, through: i64) {
    let mut socket = http::ws_connect(
        &server.base(),
        &format!("/ws?token={}", token(user)),
        1 << 20,
        None,
    )
    .await
    .unwrap();
    let join = json!({ "type": "join-plan", "planId": plan, "since": since });
    socket
        .send(Message::Text(join.to_string().into()))
        .await
        .unwrap();
    let mut expected = since + 1;
    while expected <= through {
        let frame = timeout(Duration::from_secs(30), next_frame(&mut socket)).await;
        match frame.unwrap_or_else(|_| panic!("{user}: nothing more before seq {expected}")) {
            Received::Json(v) if v.get("seq").is_some() && v["type"] != "joined" => {
                assert_eq!(v["seq"], expected, "{user}: events in order, each once");
                expected += 1;
            }
            Received::Json(v) => assert!(
                ["connected", "joined", "user-joined", "user-left"]
                    .contains(&v["type"].as_str().unwrap_or_default()),
                "{user}: unexpected {v}"
            ),
            other => panic!("{user}: the connection ended before seq {expected}: {other:?}"),
        }
    }
}

/// A plan of ada's with one task, that bob and sam (viewers) may read: (plan, task).
async fn plan_with_task(server: &ServerProcess) -> (String, String) {
    let plan = create(server, "/api/plans", json!({ "title": "Big" })).await;
    for user in ["bob", "sam"] {
        call(
            server,
            "PUT",
            &format!("/api/plans/{plan}/members/{user}"),
            "ada",
            json!({ "role": "viewer" }),
        )
        .await;
    }
    let task = create(
        server,
        &format!("/api/plans/{plan}/tasks"),
        json!({ "title": "Spec" }),
    )
    .await;
    (plan, task)
}

/// The binary with the default queue limit, and [`plan_with_task`]: (server, its
/// database, plan, task).
async fn server_with_plan() -> (ServerProcess, TestDatabase, String, String) {
    let (db, url) = TestDatabase::from_env("liveplan_replay", "replay.db");
    let server = ServerBuilder::new(&url, SECRET)
        .env("LIVEPLAN_MAX_OUTBOUND_BYTES", QUEUE_BYTES)
        .env("LIVEPLAN_REST_RATE_BURST", "1000000")
        .env("LIVEPLAN_REST_RATE_PER_SEC", "1000000")
        .env("LIVEPLAN_EVENT_RETENTION_COUNT", "1000000")
        .env("LIVEPLAN_MAX_CONNECTIONS_PER_USER", "100")
        // Each pooled SQLite connection keeps a page cache of up to 2 MB: a small pool,
        // warmed before measuring, keeps that out of what the stalled clients add.
        .env("LIVEPLAN_DB_POOL_SIZE", "4")
        .start();
    let (plan, task) = plan_with_task(&server).await;
    (server, db, plan, task)
}

async fn plan_seq(server: &ServerProcess, plan: &str) -> i64 {
    call(
        server,
        "GET",
        &format!("/api/plans/{plan}"),
        "ada",
        Value::Null,
    )
    .await["seq"]
        .as_i64()
        .unwrap()
}

/// The highest RSS seen over `window`, polling every 100 ms.
async fn peak_rss_kib(server: &ServerProcess, window: Duration) -> u64 {
    let mut peak = rss_kib(server);
    let end = Instant::now() + window;
    while Instant::now() < end {
        sleep(Duration::from_millis(100)).await;
        peak = peak.max(rss_kib(server));
    }
    peak
}

#[actix_web::test]
async fn resumes_that_do_not_read_hold_no_more_than_their_queues_and_readers_get_everything() {
    let (server, _db, plan, task) = server_with_plan().await;
    let events = large_events();
    edit(&server, &task, 0, events).await;
    let seq = plan_seq(&server, &plan).await;

    // A full replay to a reader first: it gets everything, and warms the caches, so what
    // the stalled clients add is what they hold.
    futures_util::future::join_all((0..STALLED).map(|_| read_all(&server, "bob", &plan, 0, seq)))
        .await;
    sleep(Duration::from_millis(500)).await;
    let before = rss_kib(&server);

    let mut stalled = Vec::new();
    for _ in 0..STALLED {
        let mut client = StalledClient::connect(server.port(), &token("sam")).await;
        client
            .send(json!({ "type": "join-plan", "planId": plan, "since": 0 }))
            .await;
        stalled.push(client);
    }
    // Each replay runs until its queue is full, then waits; give them time to get there.
    let peak = peak_rss_kib(&server, Duration::from_secs(3)).await;
    let growth_kib = peak.saturating_sub(before);
    let bound_kib = STALLED as u64 * (QUEUE_BYTES + TRANSPORT_BYTES) / 1024;
    eprintln!(
        "replay bound: {events} events of ~120 KB, {STALLED} non-reading resumes: RSS {before} \
         -> {peak} KiB, growth {growth_kib} KiB; 5 x bound = {bound_kib} KiB, constant \
         {CONSTANT_KIB} KiB"
    );
    assert!(
        growth_kib < bound_kib + CONSTANT_KIB,
        "RSS grew by {growth_kib} KiB with {STALLED} non-reading resumes \
         (allowed: {bound_kib} + {CONSTANT_KIB} KiB)"
    );

    // A reader is not held up by them.
    read_all(&server, "bob", &plan, 0, seq).await;

    // Live events now overflow the stalled clients' queues: each gets a gapless prefix of
    // the replay, then 1008, and resumes from where it stopped.
    let more = 12;
    edit(&server, &task, events, more).await;
    let last = seq + more as i64;
    for mut client in stalled {
        let mut expected = 1;
        let code = loop {
            match client.next_json().await {
                Ok(v) if v["type"] == "joined" => {}
                Ok(v) => {
                    assert_eq!(
                        v["seq"], expected,
                        "a gapless prefix, in order: {}",
                        v["type"]
                    );
                    expected += 1;
                }
                Err((code, _)) => break code,
            }
        };
        assert_eq!(code, 1008, "closed as a slow consumer");
        assert!(expected <= last, "the overflow cut the replay short");
        read_all(&server, "sam", &plan, expected - 1, last).await;
    }
}

#[actix_web::test]
async fn live_slow_consumers_hold_no_more_than_their_queues() {
    let (server, _db, plan, task) = server_with_plan().await;
    // Warm-up: the same flood to a reader alone.
    let flood = 100;
    let base = plan_seq(&server, &plan).await;
    let reader = read_all(&server, "bob", &plan, 0, base + flood as i64);
    let write = edit(&server, &task, 0, flood);
    futures_util::future::join(reader, write).await;
    sleep(Duration::from_millis(500)).await;
    let before = rss_kib(&server);

    let mut stalled = Vec::new();
    for _ in 0..STALLED {
        let mut client = StalledClient::connect(server.port(), &token("sam")).await;
        client
            .send(json!({ "type": "join-plan", "planId": plan }))
            .await;
        assert_eq!(client.next_json().await.unwrap()["type"], "joined");
        stalled.push(client);
    }
    // ~4.8 MB of events for clients that do not read: each overflows its queue.
    edit(&server, &task, flood, flood).await;
    let peak = peak_rss_kib(&server, Duration::from_secs(3)).await;
    let growth_kib = peak.saturating_sub(before);
    let bound_kib = STALLED as u64 * (QUEUE_BYTES + TRANSPORT_BYTES) / 1024;
    eprintln!(
        "live bound: {flood} events of ~120 KB to {STALLED} clients that do not read: RSS \
         {before} -> {peak} KiB, growth {growth_kib} KiB; 5 x bound = {bound_kib} KiB"
    );
    assert!(
        growth_kib < bound_kib + CONSTANT_KIB,
        "RSS grew by {growth_kib} KiB with {STALLED} slow consumers \
         (allowed: {bound_kib} + {CONSTANT_KIB} KiB)"
    );
    for mut client in stalled {
        let mut expected = base + flood as i64 + 1;
        let code = loop {
            match client.next_json().await {
                Ok(v) => {
                    assert_eq!(v["seq"], expected, "in order, then the close");
                    expected += 1;
                }
                Err((code, _)) => break code,
            }
        };
        assert_eq!(code, 1008, "closed as a slow consumer");
    }
}

#[actix_web::test]
async fn events_pruned_while_a_replay_waits_end_it_with_resync_required_then_live() {
    let (db, url) = TestDatabase::from_env("liveplan_replay", "replay.db");
    // A plan keeps its newest 10 events, and all events younger than 8 s.
    let server = ServerBuilder::new(&url, SECRET)
        .env("LIVEPLAN_REST_RATE_BURST", "1000000")
        .env("LIVEPLAN_REST_RATE_PER_SEC", "1000000")
        .env("LIVEPLAN_EVENT_RETENTION_COUNT", "10")
        .env("LIVEPLAN_EVENT_RETENTION_AGE", "8s")
        .env("LIVEPLAN_RETENTION_SWEEP_MS", "50")
        .start();
    let (plan, task) = plan_with_task(&server).await;
    let since = plan_seq(&server, &plan).await;
    // 80 large events (~9.6 MB: more than the queue and the kernel's socket buffers).
    let written = Instant::now();
    edit(&server, &task, 0, 80).await;
    let seq = plan_seq(&server, &plan).await;
    assert!(
        written.elapsed() < Duration::from_secs(6),
        "the events must still be young at the join"
    );
    // A client resumes from before them and does not read: its replay waits.
    let mut client = StalledClient::connect(server.port(), &token("sam")).await;
    client
        .send(json!({ "type": "join-plan", "planId": plan, "since": since, "requestId": "r" }))
        .await;
    // The events age; all but the newest 10 are pruned under the waiting replay (the
    // event before them is gone when `since` = the one before that answers 410).
    let pruned = Instant::now();
    loop {
        let client = http::client(Duration::from_secs(10));
        let status = client
            .get(format!(
                "{}/api/plans/{plan}/events?since={}",
                server.base(),
                seq - 11
            ))
            .bearer_auth(token("ada"))
            .send()
            .await
            .unwrap()
            .status();
        if status == 410 {
            break;
        }
        assert!(pruned.elapsed() < Duration::from_secs(20), "never pruned");
        sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(client.next_json().await.unwrap()["type"], "joined");
    let mut expected = since + 1;
    let resync_seq = loop {
        let v = client.next_json().await.unwrap();
        match v["type"].as_str() {
            Some("resync-required") => {
                assert_eq!(v["requestId"], "r");
                break v["seq"].as_i64().unwrap();
            }
            _ => {
                assert_eq!(v["seq"], expected, "a gapless prefix of the replay");
                expected += 1;
            }
        }
    };
    assert!(expected <= seq - 10, "the pruning cut the replay short");
    assert_eq!(resync_seq, seq, "resync-required names the plan's seq then");
    // Then it is live from that seq: the next change arrives, and nothing before it.
    call(
        &server,
        "PATCH",
        &format!("/api/tasks/{task}"),
        "ada",
        json!({ "title": "Spec, live" }),
    )
    .await;
    let next = client.next_json().await.unwrap();
    assert_eq!(next["type"], "task-updated");
    assert_eq!(next["seq"], seq + 1);
    drop(db);
}
