//! Event retention: each plan keeps its newest `LIVEPLAN_EVENT_RETENTION_COUNT` events and
//! every event younger than `LIVEPLAN_EVENT_RETENTION_AGE`; an event is pruned only when it
//! is both beyond the count and older than the age. A client asking for pruned ones gets
//! `resync-required` (WebSocket) or `410 gone` (REST); writers and live delivery go on
//! undisturbed while the pruning runs.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::*;

/// Polls `GET …/events?since=` until it answers `status` (the sweep runs in the background).
async fn events_status_becomes(app: &TestApp, plan: &str, token: &str, since: i64, status: u16) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let a = app
            .get(&format!("/api/plans/{plan}/events?since={since}"), token)
            .await;
        if a.status == status {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still {} for since={since}: {}",
            a.status,
            a.body
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn a_plan_keeps_its_newest_events_and_older_since_needs_a_resync() {
    let app = spawn_app_with(|a| {
        a.event_retention_count = Some("5".into());
        // Every event is old at once: only the count keeps events here.
        a.event_retention_age = Some("0s".into());
        a.retention_sweep_ms = Some("20".into());
    })
    .await;
    let plan = app.create_plan("ada", "Kept").await;
    let ada = app.token("ada");
    for i in 0..10 {
        app.create_task(&plan, "ada", &format!("t{i}")).await;
    }
    let seq = app.get(&format!("/api/plans/{plan}"), &ada).await.body["seq"]
        .as_i64()
        .unwrap();
    assert_eq!(seq, 20);

    // The sweep runs every 20 ms; wait until it has caught up with the last write.
    events_status_becomes(&app, &plan, &ada, 14, 410).await;
    let gone = app
        .get(&format!("/api/plans/{plan}/events?since=14"), &ada)
        .await;
    assert_eq!(gone.status, 410, "{}", gone.body);
    assert_eq!(gone.body["error"]["code"], "gone");
    let kept = app
        .get(&format!("/api/plans/{plan}/events?since=15"), &ada)
        .await;
    assert_eq!(kept.status, 200, "{}", kept.body);
    let seqs: Vec<i64> = kept.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![16, 17, 18, 19, 20]);

    // On the WebSocket: too old → joined, then resync-required; recent enough → replay.
    let mut old = app.ws("ada").await;
    let joined = old.join(&plan, Some(3)).await;
    assert_eq!(joined["seq"], 20);
    let resync = old.next_json().await;
    assert_eq!(resync["type"], "resync-required", "{resync}");
    assert_eq!(resync["seq"], 20);
    let mut recent = app.ws("ada").await;
    recent.join(&plan, Some(17)).await;
    for expected in 18..=20 {
        assert_eq!(recent.next_json().await["seq"], expected);
    }
    recent.expect_silence(100).await;
}

/// The seqs of the events `GET …/events?since=` answers (it must answer 200).
async fn kept_seqs(app: &TestApp, plan: &str, token: &str, since: i64) -> Vec<i64> {
    let a = app
        .get(&format!("/api/plans/{plan}/events?since={since}"), token)
        .await;
    assert_eq!(a.status, 200, "since={since}: {}", a.body);
    a.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn young_events_are_kept_however_many_there_are() {
    let app = spawn_app_with(|a| {
        a.event_retention_count = Some("5".into());
        a.event_retention_age = Some("1h".into());
        a.retention_sweep_ms = Some("20".into());
    })
    .await;
    let plan = app.create_plan("ada", "Busy hour").await;
    let ada = app.token("ada");
    for i in 0..10 {
        app.create_task(&plan, "ada", &format!("t{i}")).await;
    }
    // Many sweeps later, all 20 events are still there: beyond the count, but young.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        kept_seqs(&app, &plan, &ada, 0).await,
        (1..=20).collect::<Vec<i64>>()
    );
    let mut resume = app.ws("ada").await;
    resume.join(&plan, Some(0)).await;
    for expected in 1..=20 {
        assert_eq!(resume.next_json().await["seq"], expected);
    }
}

#[actix_web::test]
async fn old_events_within_the_count_are_kept_and_only_old_ones_beyond_it_go() {
    let app = spawn_app_with(|a| {
        a.event_retention_count = Some("3".into());
        a.event_retention_age = Some("2s".into());
        a.retention_sweep_ms = Some("50".into());
    })
    .await;
    let plan = app.create_plan("ada", "Aged").await;
    let ada = app.token("ada");
    app.create_task(&plan, "ada", "one").await;
    app.create_task(&plan, "ada", "two").await; // seq 1..=4

    // Well past the age and many sweeps later, the newest 3 are kept, old as they are;
    // the one beyond them went.
    actix_web::rt::time::sleep(Duration::from_millis(2300)).await;
    events_status_becomes(&app, &plan, &ada, 0, 410).await;
    assert_eq!(kept_seqs(&app, &plan, &ada, 1).await, vec![2, 3, 4]);

    // Six young events: the old one they push beyond the count goes (seq 4); the young
    // ones stay although there are more of them than the count.
    for title in ["three", "four", "five"] {
        app.create_task(&plan, "ada", title).await; // seq 5..=10
    }
    events_status_becomes(&app, &plan, &ada, 3, 410).await;
    assert_eq!(
        kept_seqs(&app, &plan, &ada, 4).await,
        vec![5, 6, 7, 8, 9, 10]
    );
}

#[actix_web::test]
async fn pruning_while_writers_write_loses_nothing_live() {
    let app = spawn_app_with(|a| {
        a.event_retention_count = Some("20".into());
        a.event_retention_age = Some("0s".into());
        a.retention_sweep_ms = Some("10".into());
    })
    .await;
    let plan = app.create_plan("ada", "Busy").await;
    let mut watcher = app.ws("ada").await;
    watcher.join(&plan, None).await;
    let writers = 4;
    let per_writer = 60;
    join_all((0..writers).map(|w| {
        let app = &app;
        let plan = &plan;
        async move {
            let token = app.token("ada");
            for i in 0..per_writer {
                let a = app
                    .post(
                        &format!("/api/plans/{plan}/tasks"),
                        &token,
                        json!({ "title": format!("w{w} {i}") }),
                    )
                    .await;
                assert_eq!(a.status, 201, "{}", a.body);
            }
        }
    }))
    .await;
    let total = writers * per_writer * 2;
    let mut seqs = Vec::new();
    while seqs.len() < total {
        if let Some(seq) = watcher.next_json().await["seq"].as_i64() {
            seqs.push(seq);
        }
    }
    assert!(
        seqs == (1..=total as i64).collect::<Vec<_>>(),
        "the live client saw every event in order"
    );
    // And the log was pruned meanwhile, to at most the newest 20 (plus what came after the
    // last sweep).
    let ada = app.token("ada");
    events_status_becomes(&app, &plan, &ada, 0, 410).await;
    let tail = app
        .get(
            &format!("/api/plans/{plan}/events?since={}", total - 20),
            &ada,
        )
        .await;
    assert_eq!(tail.status, 200, "{}", tail.body);
}
