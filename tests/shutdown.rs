//! Graceful shutdown of the real binary: on SIGTERM or SIGINT it stops accepting, answers
//! the request in flight, closes every WebSocket with 1001 `server shutting down`, and exits
//! 0 within the grace period.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};

use common::process::{ServerBuilder, ServerProcess};
use common::tokens;

/// The shared test helpers this crate uses (`tests/common/`, see its README.md).
mod common {
    pub mod process;
    pub mod tokens;
}

const SECRET: &str = "shutdown-test-secret-long-enough-for-hs256";

/// The binary on a SQLite file in a temp dir, with a shutdown grace of `grace_ms`.
fn start(grace_ms: u64) -> ServerProcess {
    ServerBuilder::sqlite_in_temp_dir("db", SECRET)
        .env("LIVEPLAN_SHUTDOWN_GRACE_MS", grace_ms)
        .start()
}

fn token(user: &str) -> String {
    tokens::mint(SECRET, user, user, 3600)
}

async fn shuts_down_gracefully_on(signal_name: &str) {
    let mut server = start(5_000);
    let base = server.base();
    let client = awc::Client::default();
    let mut created = client
        .post(format!("{base}/api/plans"))
        .bearer_auth(token("ada"))
        .send_json(&json!({ "title": "Shutdown" }))
        .await
        .unwrap();
    let plan: Value = created.json().await.unwrap();
    let plan = plan["id"].as_str().unwrap().to_string();

    // Two live WebSockets, one joined to the plan.
    let mut sockets = Vec::new();
    for _ in 0..2 {
        let (_, mut ws) = awc::Client::new()
            .ws(format!(
                "ws://127.0.0.1:{}/ws?token={}",
                server.port(),
                token("ada")
            ))
            .connect()
            .await
            .unwrap();
        let first = ws.next().await.unwrap().unwrap();
        assert!(matches!(first, awc::ws::Frame::Text(_)));
        sockets.push(ws);
    }
    sockets[0]
        .send(awc::ws::Message::Text(
            json!({ "type": "join-plan", "planId": plan })
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    let joined = sockets[0].next().await.unwrap().unwrap();
    assert!(matches!(joined, awc::ws::Frame::Text(_)));

    // A request in flight: headers and half its body before the signal, the rest after.
    let body = json!({ "title": "in flight" }).to_string();
    let (first_half, second_half) = body.split_at(body.len() / 2);
    let mut in_flight = std::net::TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    write!(
        in_flight,
        "POST /api/plans/{plan}/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{first_half}",
        token("ada"),
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));

    server.signal(signal_name);
    std::thread::sleep(Duration::from_millis(300));
    in_flight.write_all(second_half.as_bytes()).unwrap();
    in_flight
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = String::new();
    let mut buf = [0u8; 4096];
    while !answer.contains("\r\n\r\n") {
        let n = in_flight.read(&mut buf).unwrap();
        assert!(n > 0, "the in-flight request got no answer: {answer:?}");
        answer.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the in-flight request is answered: {answer}"
    );

    // Every WebSocket is closed with 1001.
    for ws in &mut sockets {
        let close = loop {
            match actix_web::rt::time::timeout(Duration::from_secs(5), ws.next()).await {
                Ok(Some(Ok(awc::ws::Frame::Close(reason)))) => break reason,
                Ok(Some(Ok(_))) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        };
        let reason = close.expect("a close reason");
        assert_eq!(u16::from(reason.code), 1001);
        assert_eq!(reason.description.as_deref(), Some("server shutting down"));
    }
    drop(sockets);

    // The process exits 0, within the grace period.
    let (code, took) = server.wait_exit(Duration::from_secs(7));
    assert_eq!(code, Some(0), "exit code");
    assert!(took < Duration::from_secs(5), "exited after {took:?}");
}

#[actix_web::test]
async fn sigterm_closes_websockets_1001_answers_the_request_in_flight_and_exits_0() {
    shuts_down_gracefully_on("TERM").await;
}

#[actix_web::test]
async fn sigint_shuts_down_the_same_way() {
    shuts_down_gracefully_on("INT").await;
}

#[actix_web::test]
async fn a_client_that_does_not_close_does_not_hold_the_exit_past_the_grace_period() {
    // A raw WebSocket that never reads nor answers the close: the server still exits 0
    // within its 1 s grace (plus a little to stop).
    let mut server = start(1_000);
    let mut stuck = std::net::TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    write!(
        stuck,
        "GET /ws?token={} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        token("bob")
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.signal("TERM");
    let (code, took) = server.wait_exit(Duration::from_secs(5));
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_millis(2_500), "exited after {took:?}");
}
