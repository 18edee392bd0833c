//! Tokens on REST (401) and WebSocket (close 4401 as the first and only frame).

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;

use crate::helpers::*;

fn token_signed_with(secret: &str, exp_offset: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims =
        json!({ "sub": "mallory", "name": "Mallory", "exp": now + exp_offset, "iat": now });
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// Missing, expired (past the 5 s leeway), signed with another key.
fn bad_tokens(app: &TestApp) -> Vec<(&'static str, Option<String>)> {
    let _ = app;
    vec![
        ("missing", None),
        ("expired", Some(token_signed_with(SECRET, -600))),
        (
            "wrong key",
            Some(token_signed_with(
                "another-secret-that-is-also-long-enough!!",
                600,
            )),
        ),
        ("garbage", Some("not.a.jwt".to_string())),
    ]
}

#[actix_web::test]
async fn rest_answers_401_with_the_error_shape_for_missing_expired_and_foreign_tokens() {
    let app = spawn_app().await;
    for (what, token) in bad_tokens(&app) {
        let a = app
            .request("GET", "/api/plans", token.as_deref(), None, &[])
            .await;
        assert_eq!(a.status, 401, "{what}");
        assert_eq!(a.body["error"]["code"], "unauthorized", "{what}");
        assert!(a.body["error"]["message"].is_string(), "{what}");
    }
    let ok = app.get("/api/plans", &app.token("ada")).await;
    assert_eq!(ok.status, 200);
}

#[actix_web::test]
async fn websocket_closes_4401_as_the_first_and_only_frame_for_bad_tokens() {
    let app = spawn_app().await;
    for (what, token) in bad_tokens(&app) {
        let path = match &token {
            Some(t) => format!("/ws?token={t}"),
            None => "/ws".to_string(),
        };
        let mut socket = WsClient::open(&app.base, &path).await;
        let mut client_frames = Vec::new();
        use futures_util::StreamExt;
        while let Ok(Some(frame)) = actix_web::rt::time::timeout(WAIT, socket.next()).await {
            client_frames.push(frame.expect("frame"));
            if matches!(client_frames.last(), Some(awc::ws::Frame::Close(_))) {
                break;
            }
        }
        assert_eq!(client_frames.len(), 1, "{what}: {client_frames:?}");
        let awc::ws::Frame::Close(Some(reason)) = &client_frames[0] else {
            panic!("{what}: expected a close frame, got {client_frames:?}");
        };
        assert_eq!(u16::from(reason.code), 4401, "{what}");
        let expected = if what == "expired" {
            "token expired"
        } else {
            "unauthorized"
        };
        assert_eq!(reason.description.as_deref(), Some(expected), "{what}");
    }
}

#[actix_web::test]
async fn the_authorization_header_works_for_websocket_too() {
    let app = spawn_app().await;
    let client = awc::Client::builder()
        .max_http_version(awc::http::Version::HTTP_11)
        .finish();
    let (_, mut socket) = client
        .ws(format!("ws://127.0.0.1:{}/ws", app.port))
        .bearer_auth(app.token("ada"))
        .connect()
        .await
        .unwrap();
    use futures_util::StreamExt;
    let frame = actix_web::rt::time::timeout(WAIT, socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let awc::ws::Frame::Text(bytes) = frame else {
        panic!("{frame:?}")
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["type"], "connected");
    assert_eq!(v["user"], json!({ "id": "ada", "name": "Ada" }));
}

#[actix_web::test]
async fn connected_carries_the_connection_id_user_heartbeat_and_server_time() {
    let app = spawn_app_with(|a| a.heartbeat_ms = Some("12000".into())).await;
    let ws = app.ws("ada").await;
    let c = &ws.connected;
    assert_eq!(c["type"], "connected");
    assert!(!ws.connection_id.is_empty());
    assert_eq!(c["user"], json!({ "id": "ada", "name": "Ada" }));
    assert_eq!(c["heartbeatMs"], 12000);
    let t = c["serverTime"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(t).is_ok() && t.ends_with('Z'),
        "{t}"
    );
}

#[actix_web::test]
async fn refresh_token_extends_a_live_connection_and_refuses_another_user() {
    let app = spawn_app_with(|a| a.auth.jwt_leeway_secs = Some("0".into())).await;
    let mut ws = WsClient::connect(&app.base, &app.token_with_ttl("ada", 2)).await;
    ws.send(json!({ "type": "refresh-token", "token": app.token("bob"), "requestId": "r1" }))
        .await;
    let refused = ws.next_json().await;
    assert_eq!(refused["type"], "error");
    assert_eq!(refused["code"], "unauthorized");
    assert_eq!(refused["requestId"], "r1");

    // Without a refresh the connection would close 4401 after ~2 s; with one it lives on.
    ws.send(json!({ "type": "refresh-token", "token": app.token("ada"), "requestId": "r2" }))
        .await;
    let ok = ws.next_json().await;
    assert_eq!(ok["type"], "token-refreshed");
    assert_eq!(ok["requestId"], "r2");
    assert!(chrono::DateTime::parse_from_rfc3339(ok["expiresAt"].as_str().unwrap()).is_ok());
    ws.expect_silence(3500).await;
    ws.send(json!({ "type": "ping" })).await;
    assert_eq!(ws.next_json().await["type"], "pong");
}

#[actix_web::test]
async fn a_live_connection_is_closed_4401_when_its_token_expires() {
    let app = spawn_app_with(|a| a.auth.jwt_leeway_secs = Some("0".into())).await;
    let mut ws = WsClient::connect(&app.base, &app.token_with_ttl("ada", 2)).await;
    let (code, reason) = ws.expect_close().await;
    assert_eq!(code, Some(4401));
    assert_eq!(reason, "token expired");
}

#[actix_web::test]
async fn dev_mode_tokens_survive_a_restart_because_the_secret_is_stored() {
    let first = spawn_app_with(|a| a.auth.jwt_secret = None).await;
    let minted = first
        .request(
            "POST",
            "/api/dev/token",
            None,
            Some(json!({ "userId": "ada", "name": "Ada" })),
            &[],
        )
        .await;
    assert_eq!(minted.status, 200, "{:?}", minted.body);
    assert_eq!(minted.body["user"], json!({ "id": "ada", "name": "Ada" }));
    let token = minted.body["token"].as_str().unwrap().to_string();
    let second = spawn_second_app(&first, |a| a.auth.jwt_secret = None).await;
    assert_eq!(second.get("/api/plans", &token).await.status, 200);
    // The test secret is not the dev secret.
    assert_eq!(
        second.get("/api/plans", &first.token("ada")).await.status,
        401
    );
}

// ---------------------------------------------------------------------------------------
// The dev-token route and other sites (CSRF, DNS rebinding)

/// `POST /api/dev/token` with exactly these headers (`Host` included when given) and body.
async fn dev_token_request(app: &TestApp, headers: &[(&str, &str)], body: &str) -> Answer {
    let client = crate::common::http::client(std::time::Duration::from_secs(10));
    let mut req = client.post(format!("{}/api/dev/token", app.base));
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    Answer::read(req.send_body(body.to_string()).await.unwrap()).await
}

const DEV_BODY: &str = r#"{"userId":"ada","name":"Ada"}"#;

fn assert_no_cors(a: &Answer, what: &str) {
    assert_eq!(
        a.headers.get("access-control-allow-origin"),
        None,
        "{what}: {:?}",
        a.headers
    );
}

#[actix_web::test]
async fn a_cross_site_text_plain_post_cannot_mint_a_dev_token_and_gets_no_wildcard_cors() {
    let app = spawn_app_with(|a| a.auth.jwt_secret = None).await;
    // What a foreign page's form or `fetch(…, {mode: "no-cors"})` sends: no preflight.
    let forged = dev_token_request(
        &app,
        &[
            ("content-type", "text/plain;charset=UTF-8"),
            ("origin", "https://evil.example"),
        ],
        DEV_BODY,
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert_eq!(forged.body["error"]["code"], "forbidden");
    assert!(forged.body.get("token").is_none());
    assert_no_cors(&forged, "text/plain from another site");

    // Its preflight gets no CORS approval either.
    let preflight = app
        .request(
            "OPTIONS",
            "/api/dev/token",
            None,
            None,
            &[
                ("origin", "https://evil.example"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
        )
        .await;
    assert_no_cors(&preflight, "preflight from another site");

    // Without an Origin, a body that is not declared JSON is refused too (curl -d sends
    // application/x-www-form-urlencoded).
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut headers = Vec::new();
        if let Some(ct) = content_type {
            headers.push(("content-type", ct));
        }
        let a = dev_token_request(&app, &headers, DEV_BODY).await;
        assert_eq!(a.status, 400, "{content_type:?}: {}", a.body);
        assert_eq!(a.body["error"]["code"], "bad_request");
        let message = a.body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("Content-Type:"), "{message}");
        assert_no_cors(&a, "no Origin");
    }
}

#[actix_web::test]
async fn a_foreign_origin_or_a_rebound_host_cannot_mint_a_dev_token_even_with_json() {
    let app = spawn_app_with(|a| a.auth.jwt_secret = None).await;
    let own_host = format!("127.0.0.1:{}", app.port);
    let refused: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "a foreign origin",
            vec![("origin", "https://evil.example".into())],
        ),
        ("the opaque origin", vec![("origin", "null".into())]),
        (
            "another port of the same host",
            vec![("origin", format!("http://127.0.0.1:{}", app.port + 1))],
        ),
        (
            "https on the same host",
            vec![("origin", format!("https://{own_host}"))],
        ),
        (
            "localhost is another origin than 127.0.0.1",
            vec![("origin", format!("http://localhost:{}", app.port))],
        ),
        // DNS rebinding: evil.example resolves to 127.0.0.1; the browser thinks it is
        // same-origin and sends Host: evil.example.
        (
            "a rebinding Host",
            vec![
                ("host", "evil.example:8080".into()),
                ("origin", "http://evil.example:8080".into()),
            ],
        ),
        (
            "a rebinding Host without Origin",
            vec![("host", format!("evil.example:{}", app.port))],
        ),
        (
            "a name that only starts like localhost",
            vec![("host", format!("localhost.evil.example:{}", app.port))],
        ),
    ];
    for (what, extra) in refused {
        let mut headers = vec![("content-type", "application/json".to_string())];
        headers.extend(extra.into_iter());
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = dev_token_request(&app, &headers, DEV_BODY).await;
        assert_eq!(a.status, 403, "{what}: {}", a.body);
        assert_eq!(a.body["error"]["code"], "forbidden", "{what}");
        assert_no_cors(&a, what);
    }
}

#[actix_web::test]
async fn the_own_origin_and_scripts_without_origin_still_get_dev_tokens() {
    let app = spawn_app_with(|a| a.auth.jwt_secret = None).await;
    let port = app.port;
    let accepted: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("curl-like, no Origin", vec![]),
        (
            "the board page on 127.0.0.1",
            vec![("origin", format!("http://127.0.0.1:{port}"))],
        ),
        (
            "the board page on localhost",
            vec![
                ("host", format!("localhost:{port}")),
                ("origin", format!("http://localhost:{port}")),
            ],
        ),
        (
            "IPv6 loopback",
            vec![
                ("host", format!("[::1]:{port}")),
                ("origin", format!("http://[::1]:{port}")),
            ],
        ),
        ("a charset parameter", vec![]),
    ];
    for (what, extra) in accepted {
        let content_type = if what == "a charset parameter" {
            "application/json; charset=utf-8"
        } else {
            "application/json"
        };
        let mut headers = vec![("content-type", content_type.to_string())];
        headers.extend(extra.into_iter());
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = dev_token_request(&app, &headers, DEV_BODY).await;
        assert_eq!(a.status, 200, "{what}: {}", a.body);
        assert_eq!(
            a.body["user"],
            json!({ "id": "ada", "name": "Ada" }),
            "{what}"
        );
        assert_no_cors(&a, what);
        let token = a.body["token"].as_str().unwrap();
        assert_eq!(app.get("/api/plans", token).await.status, 200, "{what}");
    }
}
