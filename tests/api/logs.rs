//! No token in logs: the real binary, logging at `trace`, is handed tokens in every place a
//! client puts them (query, `Authorization` header, a `refresh-token` frame, bad and expired
//! ones); none of them may appear in its output. And no forged lines: a value a client
//! chose, carrying a newline and a fake log line, never starts a line of its own. Nor
//! does a database password, in the start-up log or in the error a failed start prints.

use std::time::Duration;

use serde_json::json;

use crate::common::process::ServerBuilder;
use crate::common::tokens;
use crate::helpers::*;

#[actix_web::test]
async fn tokens_never_appear_in_the_logs_even_at_trace_level() {
    let server = ServerBuilder::sqlite_in_temp_dir("log.db", SECRET)
        .rust_log("trace")
        .start();
    let base = server.base();
    let issuer = tokens::issuer(SECRET);
    let good = issuer.mint("ada", "Ada", None, 3600).unwrap();
    let refreshed = issuer.mint("ada", "Ada", None, 7200).unwrap();
    let expired = issuer.mint("ada", "Ada", None, -3600).unwrap();
    let forged = format!("{}x", &good[..good.len() - 1]);
    let client = awc::Client::default();

    // REST: header, query, a bad and an expired token.
    for token in [&good, &forged, &expired] {
        let resp = client
            .get(format!("{base}/api/plans?token={token}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success() || resp.status().as_u16() == 401);
    }
    let created = client
        .post(format!("{base}/api/plans"))
        .bearer_auth(&good)
        .send_json(&json!({ "title": "Logged" }))
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);

    // WebSocket: the token in the query, a refresh carrying another one, then bad tokens.
    let mut ws = WsClient::connect(&base, &good).await;
    ws.send(json!({ "type": "refresh-token", "token": refreshed }))
        .await;
    ws.expect_type("token-refreshed").await;
    ws.send(json!({ "type": "refresh-token", "token": forged }))
        .await;
    ws.expect_type("error").await;
    ws.close().await;
    for token in [&forged, &expired] {
        use futures_util::StreamExt;
        let mut socket = WsClient::open(&base, &format!("/ws?token={token}")).await;
        let first = actix_web::rt::time::timeout(WAIT, socket.next()).await;
        let Ok(Some(Ok(awc::ws::Frame::Close(Some(reason))))) = first else {
            panic!("expected a close frame, got {first:?}");
        };
        assert_eq!(u16::from(reason.code), 4401);
    }

    // Give the access log a moment to be written, then look at everything.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let (_, lines) = server.kill_9();
    assert!(
        lines.iter().any(|l| l.contains("GET /ws?token=[redacted]")),
        "the access log shows the upgrade, redacted: {lines:#?}"
    );
    for token in [&good, &refreshed, &expired, &forged] {
        // The payload and the signature are what make a token; either one is a leak.
        let parts: Vec<&str> = token.split('.').collect();
        for secret_part in &parts[1..] {
            let leaks: Vec<&String> = lines.iter().filter(|l| l.contains(secret_part)).collect();
            assert!(leaks.is_empty(), "a token leaked into the log: {leaks:#?}");
        }
    }
}

/// A character that would end, or visually rewrite, a log line if written raw.
fn breaks_a_log_line(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[actix_web::test]
async fn a_user_supplied_value_with_a_newline_cannot_forge_a_log_line() {
    let server = ServerBuilder::sqlite_in_temp_dir("log.db", SECRET).start();
    let base = server.base();
    let forged = "[2030-01-01T00:00:00Z INFO  liveplan] FORGED";

    // A token whose user id carries a newline and a whole fake log line.
    let sub = format!("mallory\n{forged}");
    let token = tokens::issuer(SECRET)
        .mint(&sub, "Mallory", None, 3600)
        .unwrap();
    {
        use futures_util::StreamExt;
        let mut socket = WsClient::open(&base, &format!("/ws?token={token}")).await;
        let _ = actix_web::rt::time::timeout(WAIT, socket.next()).await;
    }

    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let (_, lines) = server.kill_9();
    assert!(
        lines.iter().any(|l| l.contains("GET /ws?token=[redacted]")),
        "the access log shows the upgrade: {lines:#?}"
    );
    let forged_lines: Vec<&String> = lines.iter().filter(|l| l.starts_with("[2030")).collect();
    assert!(
        forged_lines.is_empty(),
        "a forged log line: {forged_lines:#?}"
    );
    let raw: Vec<&String> = lines
        .iter()
        .filter(|l| l.chars().any(breaks_a_log_line))
        .collect();
    assert!(raw.is_empty(), "unescaped characters in the log: {raw:#?}");
}

/// The real binary at `trace`, on a PostgreSQL URL with a password in its userinfo and
/// in its query, where nothing listens: it logs the URL it opens and stops with status 2
/// naming `DATABASE_URL`, never printing the password (`***` stands for it).
#[test]
fn the_database_password_never_appears_in_the_output_of_a_failed_start() {
    let url = "postgres://ada:hunter2-userinfo@127.0.0.1:9/liveplan?password=hunter2-query";
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_liveplan"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", url)
        .env("LIVEPLAN_JWT_SECRET", SECRET)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{printed}");
    assert!(printed.contains("liveplan: DATABASE_URL: "), "{printed}");
    assert!(
        printed.contains("postgres://ada:***@127.0.0.1:9/liveplan?password=***"),
        "{printed}"
    );
    assert!(!printed.contains("hunter2"), "{printed}");
}
