//! Live delivery: exclusion, presence, ordering under concurrent writers, resume,
//! eviction, heartbeat, idle rooms, bad input.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;

/// Reads plan events until `count` have arrived; returns their seqs in arrival order.
async fn read_seqs(ws: &mut WsClient, plan: &str, count: usize) -> Vec<i64> {
    let mut seqs = Vec::new();
    while seqs.len() < count {
        let v = ws.next_json().await;
        if v["planId"] == plan {
            if let Some(seq) = v["seq"].as_i64() {
                if v["type"] != "joined" && v["type"] != "resync-required" {
                    seqs.push(seq);
                }
            }
        }
    }
    seqs
}

#[actix_web::test]
async fn the_originating_connection_is_excluded_but_the_same_users_other_tab_is_not() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let mut tab1 = app.ws("ada").await;
    let mut tab2 = app.ws("ada").await;
    let mut bob = app.ws("bob").await;
    for ws in [&mut tab1, &mut tab2, &mut bob] {
        ws.join(&plan, None).await;
    }
    tab1.expect_type("user-joined").await; // bob
    tab2.expect_type("user-joined").await;
    let a = app
        .request(
            "POST",
            &format!("/api/plans/{plan}/tasks"),
            Some(&app.token("ada")),
            Some(json!({ "title": "Mine" })),
            &[("X-Connection-Id", tab1.connection_id.as_str())],
        )
        .await;
    assert_eq!(a.status, 201);
    assert_eq!(a.plan_seq, Some(3));
    assert_eq!(read_seqs(&mut tab2, &plan, 2).await, vec![2, 3]);
    assert_eq!(read_seqs(&mut bob, &plan, 2).await, vec![2, 3]);
    tab1.expect_silence(300).await;
}

#[actix_web::test]
async fn another_users_connection_id_is_ignored() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let mut bob = app.ws("bob").await;
    bob.join(&plan, None).await;
    // Ada names Bob's connection: she may not silence him.
    let a = app
        .request(
            "POST",
            &format!("/api/plans/{plan}/tasks"),
            Some(&app.token("ada")),
            Some(json!({ "title": "Hello" })),
            &[("X-Connection-Id", bob.connection_id.as_str())],
        )
        .await;
    assert_eq!(a.status, 201);
    assert_eq!(read_seqs(&mut bob, &plan, 2).await, vec![2, 3]);
}

#[actix_web::test]
async fn presence_counts_users_not_tabs() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "bob", "viewer").await;
    let mut bob = app.ws("bob").await;
    bob.join(&plan, None).await;

    let mut ada1 = app.ws("ada").await;
    let joined = ada1.join(&plan, None).await;
    assert_eq!(joined["participants"].as_array().unwrap().len(), 2);
    assert_eq!(
        bob.next_json().await,
        json!({ "type": "user-joined", "planId": plan, "user": { "id": "ada", "name": "Ada" }, "participantCount": 2 })
    );
    let mut ada2 = app.ws("ada").await;
    let joined = ada2.join(&plan, None).await;
    let ada_entry: Vec<&Value> = joined["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["userId"] == "ada")
        .collect();
    assert_eq!(
        ada_entry,
        vec![&json!({ "userId": "ada", "name": "Ada", "status": "online", "connections": 2 })]
    );
    bob.expect_silence(200).await; // no second user-joined for the second tab

    let presence = app
        .get(&format!("/api/plans/{plan}/presence"), &app.token("bob"))
        .await;
    assert_eq!(presence.status, 200);
    assert_eq!(presence.body["participantCount"], 2);
    assert_eq!(presence.body["planId"], plan.as_str());

    // One tab away: Ada is still online (the other tab is). Both away: presence-changed.
    ada1.send(json!({ "type": "presence", "status": "away" }))
        .await;
    bob.expect_silence(200).await;
    ada2.send(json!({ "type": "presence", "status": "away" }))
        .await;
    assert_eq!(
        bob.next_json().await,
        json!({ "type": "presence-changed", "planId": plan, "user": { "id": "ada", "name": "Ada" }, "status": "away" })
    );

    // Leaving one tab: nothing; leaving the last: user-left.
    // Ada's first tab is told too: presence-changed goes to everyone but the sender.
    assert_eq!(ada1.next_json().await["type"], "presence-changed");
    ada1.send(json!({ "type": "leave-plan", "planId": plan, "requestId": "l1" }))
        .await;
    assert_eq!(
        ada1.next_json().await,
        json!({ "type": "left", "requestId": "l1", "planId": plan })
    );
    bob.expect_silence(200).await;
    ada2.close().await;
    assert_eq!(
        bob.next_json().await,
        json!({ "type": "user-left", "planId": plan, "user": { "id": "ada", "name": "Ada" }, "participantCount": 1 })
    );
}

#[actix_web::test]
async fn seq_is_gapless_and_in_order_under_a_burst_of_concurrent_writers() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Burst").await;
    let writers = ["w1", "w2", "w3", "w4", "w5", "w6"];
    for w in writers {
        app.add_member(&plan, "ada", w, "editor").await;
    }
    let base_seq = writers.len() as i64; // one member-added each
    let mut listener = app.ws("ada").await;
    assert_eq!(listener.join(&plan, None).await["seq"], base_seq);

    let per_writer = 20;
    let mut handles = Vec::new();
    for w in writers {
        let token = app.token(w);
        let base = app.base.clone();
        let plan = plan.clone();
        handles.push(actix_web::rt::spawn(async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(60))
                .finish();
            let mut seqs = Vec::new();
            for i in 0..per_writer {
                let mut resp = client
                    .post(format!("{base}/api/plans/{plan}/tasks"))
                    .bearer_auth(&token)
                    .send_json(&json!({ "title": format!("{w} #{i}") }))
                    .await
                    .expect("request");
                assert_eq!(resp.status().as_u16(), 201, "{:?}", resp.body().await);
                let seq: i64 = resp
                    .headers()
                    .get("x-plan-seq")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                seqs.push(seq);
            }
            seqs
        }));
    }
    let mut answered = Vec::new();
    for h in handles {
        answered.extend(h.await.expect("writer"));
    }
    let total = writers.len() * per_writer * 2; // task-created + progress-updated
    let received = read_seqs(&mut listener, &plan, total).await;
    let expected: Vec<i64> = (base_seq + 1..=base_seq + total as i64).collect();
    assert_eq!(
        received, expected,
        "delivered in order, no gap, no duplicate"
    );
    // Each call's X-Plan-Seq is distinct and is its progress-updated (even) seq.
    let distinct: HashSet<i64> = answered.iter().copied().collect();
    assert_eq!(distinct.len(), writers.len() * per_writer);

    // The stored log agrees.
    let mut stored = Vec::new();
    let mut since = 0;
    loop {
        let page = app
            .get(
                &format!("/api/plans/{plan}/events?since={since}&limit=1000"),
                &app.token("ada"),
            )
            .await;
        let events = page.body["events"].as_array().unwrap().clone();
        if events.is_empty() {
            break;
        }
        for e in &events {
            stored.push(e["seq"].as_i64().unwrap());
        }
        since = *stored.last().unwrap();
    }
    assert_eq!(stored, (1..=base_seq + total as i64).collect::<Vec<_>>());
    listener.expect_silence(200).await;
}

#[actix_web::test]
async fn a_client_that_resumes_with_since_gets_exactly_what_it_missed_while_writes_continue() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Resume").await;
    app.add_member(&plan, "ada", "bob", "viewer").await;
    let mut bob = app.ws("bob").await;
    bob.join(&plan, None).await;
    app.create_task(&plan, "ada", "before").await; // seqs 2, 3
    assert_eq!(read_seqs(&mut bob, &plan, 2).await, vec![2, 3]);
    bob.close().await;

    // Writes go on while Bob is away, and while he comes back.
    let writer = {
        let (base, token, plan) = (app.base.clone(), app.token("ada"), plan.clone());
        actix_web::rt::spawn(async move {
            let client = awc::Client::default();
            for i in 0..40 {
                let resp = client
                    .post(format!("{base}/api/plans/{plan}/tasks"))
                    .bearer_auth(&token)
                    .send_json(&json!({ "title": format!("during {i}") }))
                    .await
                    .expect("request");
                assert_eq!(resp.status().as_u16(), 201);
                if i == 10 {
                    actix_web::rt::time::sleep(Duration::from_millis(20)).await;
                }
            }
        })
    };
    actix_web::rt::time::sleep(Duration::from_millis(30)).await;
    let mut bob = app.ws("bob").await;
    let joined = bob.join(&plan, Some(3)).await;
    let seq_at_join = joined["seq"].as_i64().unwrap();
    assert!(seq_at_join >= 3);
    writer.await.expect("writer");
    let last = 3 + 80;
    let received = read_seqs(&mut bob, &plan, (last - 3) as usize).await;
    assert_eq!(
        received,
        (4..=last).collect::<Vec<_>>(),
        "replay then live, no gap, no duplicate"
    );
    bob.expect_silence(300).await;
}

#[actix_web::test]
async fn since_older_than_the_log_or_beyond_the_plan_answers_resync_required() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Resync").await;
    app.create_task(&plan, "ada", "one").await; // seq 2
    let mut ada = app.ws("ada").await;
    ada.send(json!({ "type": "join-plan", "planId": plan, "since": 99, "requestId": "j" }))
        .await;
    let joined = ada.next_json().await;
    assert_eq!(joined["type"], "joined");
    assert_eq!(joined["requestId"], "j");
    assert_eq!(
        ada.next_json().await,
        json!({ "type": "resync-required", "requestId": "j", "planId": plan, "seq": 2 })
    );
    // Still joined: live events keep coming.
    app.create_task(&plan, "ada", "two").await;
    assert_eq!(read_seqs(&mut ada, &plan, 2).await, vec![3, 4]);
}

#[actix_web::test]
async fn a_removed_member_is_put_out_of_the_room_at_once_and_gets_nothing_more() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Access").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let mut bob1 = app.ws("bob").await;
    let mut bob2 = app.ws("bob").await;
    bob1.join(&plan, None).await;
    bob2.join(&plan, None).await;
    let mut ada = app.ws("ada").await;
    ada.join(&plan, None).await;
    bob1.expect_type("user-joined").await;
    bob2.expect_type("user-joined").await;

    assert_eq!(
        app.delete(&format!("/api/plans/{plan}/members/bob"), &app.token("ada"))
            .await
            .status,
        204
    );
    for bob in [&mut bob1, &mut bob2] {
        assert_eq!(
            bob.next_json().await,
            json!({ "type": "removed-from-plan", "planId": plan })
        );
    }
    // Bob's connections leave first (user-left), then the event tells everyone else why.
    assert_eq!(ada.next_json().await["type"], "user-left");
    assert_eq!(ada.next_json().await["data"]["member"]["userId"], "bob");
    app.create_task(&plan, "ada", "secret").await;
    bob1.expect_silence(300).await;
    bob2.expect_silence(10).await;
    // And cannot come back.
    bob1.send(json!({ "type": "join-plan", "planId": plan }))
        .await;
    let e = bob1.next_json().await;
    assert_eq!(
        (e["type"].as_str(), e["code"].as_str()),
        (Some("error"), Some("not_found"))
    );
}

#[actix_web::test]
async fn joining_needs_membership_and_the_answer_does_not_tell_whether_the_plan_exists() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Private").await;
    let mut eve = app.ws("eve").await;
    eve.send(json!({ "type": "join-plan", "planId": plan, "requestId": "a" }))
        .await;
    let exists = eve.next_json().await;
    eve.send(json!({ "type": "join-plan", "planId": "no-such-plan", "requestId": "a" }))
        .await;
    let missing = eve.next_json().await;
    assert_eq!(exists["code"], "not_found");
    assert_eq!(exists, missing);
    // The connection is still usable.
    eve.send(json!({ "type": "ping", "requestId": "p" })).await;
    let pong = eve.next_json().await;
    assert_eq!(
        (pong["type"].as_str(), pong["requestId"].as_str()),
        (Some("pong"), Some("p"))
    );
}

#[actix_web::test]
async fn bad_messages_get_errors_and_the_connection_stays_open() {
    let app = spawn_app().await;
    let mut ws = app.ws("ada").await;
    let cases = [
        "not json",
        "[1,2]",
        r#"{"type":"fly"}"#,
        r#"{"type":"join-plan"}"#,
        r#"{"type":"join-plan","planId":42}"#,
        r#"{"type":"join-plan","planId":"p","since":-1}"#,
        r#"{"type":"typing","planId":"p","taskId":"t","isTyping":"yes"}"#,
        r#"{"type":"presence","status":"asleep"}"#,
    ];
    for text in cases {
        ws.send_raw(awc::ws::Message::Text(text.into())).await;
        let e = ws.next_json().await;
        assert_eq!(e["type"], "error", "{text}");
        assert_eq!(e["code"], "bad_request", "{text}");
        assert!(!e["message"].as_str().unwrap().is_empty());
    }
    let e = {
        ws.send_raw(awc::ws::Message::Text(
            r#"{"type":"join-plan","requestId":"r9"}"#.into(),
        ))
        .await;
        ws.next_json().await
    };
    assert_eq!(e["requestId"], "r9");
    assert!(e["message"].as_str().unwrap().contains("planId"), "{e}");
    ws.send_raw(awc::ws::Message::Binary(vec![1, 2, 3].into()))
        .await;
    assert_eq!(ws.next_json().await["code"], "bad_request");
    ws.send(json!({ "type": "ping" })).await;
    assert_eq!(ws.next_json().await["type"], "pong");
}

#[actix_web::test]
async fn a_frame_over_the_size_limit_is_closed_with_1009() {
    let app = spawn_app_with(|a| a.max_message_bytes = Some("1024".into())).await;
    let mut ws = app.ws("ada").await;
    ws.send(json!({ "type": "ping", "requestId": "x".repeat(2000) }))
        .await;
    let (code, _) = ws.expect_close().await;
    assert_eq!(code, Some(1009));
}

#[actix_web::test]
async fn the_connection_cap_per_user_closes_the_next_one_with_4429() {
    let app = spawn_app_with(|a| a.max_connections_per_user = Some("2".into())).await;
    let _a = app.ws("ada").await;
    let _b = app.ws("ada").await;
    let mut third = WsClient::open(&app.base, &format!("/ws?token={}", app.token("ada"))).await;
    use futures_util::StreamExt;
    let frame = actix_web::rt::time::timeout(WAIT, third.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let awc::ws::Frame::Close(Some(reason)) = frame else {
        panic!("{frame:?}")
    };
    assert_eq!(u16::from(reason.code), 4429);
    assert_eq!(reason.description.as_deref(), Some("too many connections"));
    // Another user is not affected.
    let _bob = app.ws("bob").await;
}

#[actix_web::test]
async fn a_silent_client_is_closed_with_4408_and_leaves_its_rooms() {
    let app = spawn_app_with(|a| {
        a.heartbeat_ms = Some("100".into());
        a.client_timeout_ms = Some("400".into());
    })
    .await;
    let plan = app.create_plan("ada", "Heartbeat").await;
    app.add_member(&plan, "ada", "bob", "viewer").await;
    let mut ada = app.ws("ada").await;
    ada.join(&plan, None).await;
    let mut bob = app.ws("bob").await;
    bob.join(&plan, None).await;
    ada.expect_type("user-joined").await;
    // Ada keeps answering pings (the helper pongs while reading); Bob reads nothing.
    let started = std::time::Instant::now();
    let left = ada.expect_type("user-left").await;
    assert_eq!(left["user"]["id"], "bob");
    assert!(started.elapsed() < Duration::from_secs(3));
    let (code, reason) = bob.expect_close().await;
    assert_eq!((code, reason.as_str()), (Some(4408), "heartbeat timeout"));
    // Ada, who answered, is still connected.
    ada.send(json!({ "type": "ping" })).await;
    assert_eq!(ada.expect_type("pong").await["type"], "pong");
}

#[actix_web::test]
async fn an_empty_room_is_stopped_after_the_idle_timeout_and_restarts_on_the_next_join() {
    let app = spawn_app_with(|a| a.room_idle_timeout_ms = Some("200".into())).await;
    let plan = app.create_plan("ada", "Idle").await;
    let mut ada = app.ws("ada").await;
    ada.join(&plan, None).await;
    assert_eq!(app.registry_stats().await.rooms, 1);
    ada.send(json!({ "type": "leave-plan", "planId": plan }))
        .await;
    ada.expect_type("left").await;
    let mut stopped = false;
    for _ in 0..40 {
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        if app.registry_stats().await.rooms == 0 {
            stopped = true;
            break;
        }
    }
    assert!(stopped, "the idle room was stopped");
    // A new join starts a fresh room that knows where the plan's seq is.
    app.create_task(&plan, "ada", "while no room ran").await; // 1, 2
    let joined = ada.join(&plan, None).await;
    assert_eq!(joined["seq"], 2);
    app.create_task(&plan, "ada", "after").await;
    assert_eq!(read_seqs(&mut ada, &plan, 2).await, vec![3, 4]);
    assert_eq!(app.registry_stats().await.rooms, 1);
}

#[actix_web::test]
async fn closing_a_connection_frees_its_place_in_the_registry() {
    let app = spawn_app().await;
    let ws = app.ws("ada").await;
    assert_eq!(app.registry_stats().await.sessions, 1);
    ws.close().await;
    let mut gone = false;
    for _ in 0..40 {
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
        if app.registry_stats().await.sessions == 0 {
            gone = true;
            break;
        }
    }
    assert!(gone);
}
