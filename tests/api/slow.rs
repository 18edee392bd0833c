//! Slow consumers: a client that stops reading is closed with 1008 once its bounded queue
//! is full, never slows the others, never makes the server's memory grow without bound,
//! and resumes with `since` without losing an event.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;

use crate::common::process::rss_kib;
use crate::common::stalled::StalledClient;
use crate::helpers::*;

/// How many events the flood makes (one per edit). `LIVEPLAN_SLOW_EVENTS` changes it.
fn flood_events() -> i64 {
    std::env::var("LIVEPLAN_SLOW_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000)
}

const QUEUE_BYTES: usize = 1024 * 1024;
/// Bytes added to each edit, so that the flood outgrows the kernel's socket buffers (4 MiB
/// of send buffer here) well before its end.
const EVENT_PADDING: usize = 600;

/// A plan `title` of ada's with two viewers in its room: bob, a client that reads (with
/// the plan's seq at his join), and sam, a client that stops reading after `joined`.
async fn fast_and_stalled(app: &TestApp, title: &str) -> (String, WsClient, i64, StalledClient) {
    let plan = app.create_plan("ada", title).await;
    app.add_member(&plan, "ada", "bob", "viewer").await;
    app.add_member(&plan, "ada", "sam", "viewer").await;
    let mut bob = app.ws("bob").await;
    let base = bob.join(&plan, None).await["seq"].as_i64().unwrap();
    let mut slow = StalledClient::connect(app.port, &app.token("sam")).await;
    slow.send(json!({ "type": "join-plan", "planId": plan }))
        .await;
    assert_eq!(slow.next_json().await.unwrap()["type"], "joined");
    (plan, bob, base, slow)
}

#[actix_web::test]
async fn a_client_that_stops_reading_is_closed_1008_and_resumes_without_loss() {
    let app = spawn_app_with(|a| {
        a.max_outbound_bytes = Some(QUEUE_BYTES.to_string());
        a.workers = Some("4".into());
        // Keep the whole flood for the resume (the default keeps the newest 10,000).
        a.event_retention_count = Some("1000000".into());
    })
    .await;
    let (plan, mut bob, base, mut slow) = fast_and_stalled(&app, "Flood").await;
    // From here on `slow` is not read: its TCP window fills, then its queue.

    let target = flood_events();
    let rss_before = rss_kib(std::process::id());
    let started = Instant::now();
    let writers = 8;
    let mut largest_queue = 0;
    let mut bob_seqs: Vec<i64> = Vec::with_capacity(target as usize);
    // Each writer edits its own task (one `task-updated` per edit, and the plan stays
    // small, so the flood measures delivery, not the database).
    let mut tasks = Vec::new();
    for w in 0..writers {
        tasks.push(
            app.create_task(&plan, "ada", &format!("task {w}")).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let joined_at = base;
    let base = base + 2 * writers;
    let per_writer = (target / writers) as usize;
    let write = join_all(tasks.iter().enumerate().map(|(w, task)| {
        let app = &app;
        async move {
            let token = app.token("ada");
            // One client per writer: its connection is kept alive between requests.
            let client = awc::Client::default();
            let url = format!("{}/api/tasks/{task}", app.base);
            let padding = "p".repeat(EVENT_PADDING);
            for i in 0..per_writer {
                let mut resp = client
                    .patch(&url)
                    .bearer_auth(&token)
                    .send_json(&json!({ "description": format!("w{w} edit {i} {padding}") }))
                    .await
                    .expect("request sent");
                let _ = resp.body().await;
                assert_eq!(resp.status().as_u16(), 200);
            }
        }
    }));
    // Bob reads while the writers write; the registry's largest queue is sampled.
    let read = async {
        let total = (per_writer as i64) * writers + (base - joined_at);
        while (bob_seqs.len() as i64) < total {
            let v = bob.next_json().await;
            if let Some(seq) = v["seq"].as_i64() {
                bob_seqs.push(seq);
            }
            if bob_seqs.len() % 1000 == 0 {
                largest_queue = largest_queue.max(app.registry_stats().await.largest_queue_bytes);
            }
        }
    };
    futures_util::future::join(write, read).await;
    let elapsed = started.elapsed();
    let total = (per_writer as i64) * writers;
    let rss_after = rss_kib(std::process::id());

    // Bob, who reads, got every event, in order, each once.
    let expected: Vec<i64> = ((joined_at + 1)..=(base + total)).collect();
    assert!(
        bob_seqs == expected,
        "bob's events are not {}..={}",
        joined_at + 1,
        base + total
    );
    let total = base + total;
    // No queue ever went past its bound.
    assert!(
        largest_queue <= QUEUE_BYTES,
        "largest queue {largest_queue} B"
    );

    // The slow client now reads: a gapless prefix, then close 1008.
    let mut slow_last = joined_at;
    let (code, reason) = loop {
        match slow.next_json().await {
            Ok(v) => {
                if let Some(seq) = v["seq"].as_i64() {
                    assert_eq!(seq, slow_last + 1, "the slow client's frames stay in order");
                    slow_last = seq;
                }
            }
            Err(close) => break close,
        }
    };
    assert_eq!((code, reason.as_str()), (1008, "slow consumer"));
    assert!(
        slow_last < total,
        "it was closed before the end ({slow_last} of {total})"
    );

    // It resumes with `since` and gets exactly the rest.
    let mut again = app.ws("sam").await;
    again.join(&plan, Some(slow_last)).await;
    let mut rest = Vec::new();
    while rest.len() < (total - slow_last) as usize {
        let v = again.next_json().await;
        if let Some(seq) = v["seq"].as_i64() {
            rest.push(seq);
        }
    }
    assert!(
        rest == ((slow_last + 1)..=total).collect::<Vec<_>>(),
        "the resumed client got exactly {}..={total}",
        slow_last + 1
    );
    again.expect_silence(200).await;

    let grown_mib = rss_after.saturating_sub(rss_before) / 1024;
    eprintln!(
        "slow consumer: {total} events in {elapsed:?} ({:.0}/s); slow client closed after seq \
         {slow_last}; largest queue {largest_queue} B (limit {QUEUE_BYTES}); RSS {} → {} MiB \
         (+{grown_mib} MiB)",
        total as f64 / elapsed.as_secs_f64(),
        rss_before / 1024,
        rss_after / 1024
    );
    // The whole test process (server, database, three clients) grows by less than this
    // while the flood passes a client that does not read.
    assert!(grown_mib < 128, "RSS grew by {grown_mib} MiB");
}

#[actix_web::test]
async fn a_slow_client_does_not_slow_down_a_fast_one() {
    // With a tiny queue the slow client is closed almost at once; the fast client's view of
    // the same writes is complete and ordered.
    let app = spawn_app_with(|a| a.max_outbound_messages = Some("16".into())).await;
    let (plan, mut bob, base, mut slow) = fast_and_stalled(&app, "Small").await;
    let token = app.token("ada");
    // Enough bytes to fill the kernel's socket buffers, so the queue fills too.
    let description = "x".repeat(9_000);
    for i in 0..400 {
        let a = app
            .post(
                &format!("/api/plans/{plan}/tasks"),
                &token,
                json!({ "title": format!("t{i}"), "description": description }),
            )
            .await;
        assert_eq!(a.status, 201);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seqs = Vec::new();
    while seqs.len() < 800 {
        assert!(Instant::now() < deadline, "bob is behind: {}", seqs.len());
        if let Some(seq) = bob.next_json().await["seq"].as_i64() {
            seqs.push(seq);
        }
    }
    assert!(
        seqs == ((base + 1)..=(base + 800)).collect::<Vec<_>>(),
        "bob's events in order"
    );
    let code = loop {
        if let Err((code, _)) = slow.next_json().await {
            break code;
        }
    };
    assert_eq!(code, 1008);
}
