//! What keeps foreign pages and greedy clients in check: the `Origin` allow-list (WebSocket
//! upgrade and CORS), the per-user REST mutation limit, and field limits on input.

use serde_json::{json, Value};

use crate::helpers::*;

const APP_ORIGIN: &str = "https://app.example.com";
const EVIL_ORIGIN: &str = "https://app.example.com.evil.test";

/// Tries a WebSocket upgrade with this `Origin`; answers the HTTP status when it was
/// refused, or the first frame's type when it was accepted.
async fn upgrade_with_origin(
    app: &TestApp,
    token: &str,
    origin: Option<&str>,
) -> Result<Value, u16> {
    use futures_util::StreamExt;
    let url = format!("ws://127.0.0.1:{}/ws?token={token}", app.port);
    let client = awc::Client::builder()
        .max_http_version(awc::http::Version::HTTP_11)
        .finish();
    let mut request = client.ws(url);
    if let Some(origin) = origin {
        request = request.origin(origin);
    }
    match request.connect().await {
        Ok((_, mut socket)) => {
            let frame = actix_web::rt::time::timeout(WAIT, socket.next())
                .await
                .expect("a frame")
                .expect("a frame")
                .expect("a frame");
            let awc::ws::Frame::Text(text) = frame else {
                panic!("expected a text frame, got {frame:?}");
            };
            Ok(serde_json::from_slice(&text).unwrap())
        }
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => Err(status.as_u16()),
        Err(e) => panic!("upgrade failed otherwise: {e}"),
    }
}

fn header<'a>(a: &'a Answer, name: &str) -> Option<&'a str> {
    a.headers.get(name).and_then(|v| v.to_str().ok())
}

#[actix_web::test]
async fn a_websocket_upgrade_from_an_origin_not_on_the_list_is_refused_403_before_upgrading() {
    let app = spawn_app_with(|a| {
        a.allowed_origins = Some(format!("{APP_ORIGIN}, http://localhost:3000"))
    })
    .await;
    let token = app.token("ada");

    assert_eq!(
        upgrade_with_origin(&app, &token, Some(EVIL_ORIGIN)).await,
        Err(403)
    );
    assert_eq!(
        upgrade_with_origin(&app, &token, Some("null")).await,
        Err(403)
    );
    let listed = upgrade_with_origin(&app, &token, Some(APP_ORIGIN))
        .await
        .unwrap();
    assert_eq!(listed["type"], "connected");
    let other_listed = upgrade_with_origin(&app, &token, Some("http://localhost:3000"))
        .await
        .unwrap();
    assert_eq!(other_listed["type"], "connected");
    // Servers and scripts send no Origin; they are not browsers and are let in.
    let script = upgrade_with_origin(&app, &token, None).await.unwrap();
    assert_eq!(script["type"], "connected");

    // The refusal has the error shape (read with a plain HTTP client).
    let refused = app
        .request(
            "GET",
            &format!("/ws?token={token}"),
            None,
            None,
            &[
                ("origin", EVIL_ORIGIN),
                ("connection", "Upgrade"),
                ("upgrade", "websocket"),
                ("sec-websocket-version", "13"),
                ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body["error"]["code"], "forbidden");
}

#[actix_web::test]
async fn cors_follows_the_same_list_and_a_foreign_origin_cannot_make_a_change() {
    let app = spawn_app_with(|a| a.allowed_origins = Some(APP_ORIGIN.into())).await;
    let token = app.token("ada");

    // Preflight from the app: allowed, with the headers the API needs.
    let preflight = app
        .request(
            "OPTIONS",
            "/api/plans",
            None,
            None,
            &[
                ("origin", APP_ORIGIN),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "authorization, content-type",
                ),
            ],
        )
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        header(&preflight, "access-control-allow-origin"),
        Some(APP_ORIGIN)
    );
    let allowed_headers = header(&preflight, "access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    for needed in [
        "authorization",
        "content-type",
        "if-match",
        "x-connection-id",
    ] {
        assert!(allowed_headers.contains(needed), "{allowed_headers}");
    }
    assert!(header(&preflight, "access-control-allow-methods")
        .unwrap()
        .contains("PATCH"));

    // A real call from the app: answered, readable, `X-Plan-Seq` exposed.
    let created = app
        .request(
            "POST",
            "/api/plans",
            Some(&token),
            Some(json!({ "title": "Mine" })),
            &[("origin", APP_ORIGIN)],
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(
        header(&created, "access-control-allow-origin"),
        Some(APP_ORIGIN)
    );
    assert!(header(&created, "access-control-expose-headers")
        .unwrap()
        .contains("X-Plan-Seq"));
    assert!(header(&created, "vary").unwrap_or("").contains("Origin"));

    // From a foreign page: the preflight and the call itself are refused, nothing is made.
    let foreign_preflight = app
        .request(
            "OPTIONS",
            "/api/plans",
            None,
            None,
            &[
                ("origin", EVIL_ORIGIN),
                ("access-control-request-method", "POST"),
            ],
        )
        .await;
    assert_eq!(foreign_preflight.status, 403);
    assert_eq!(
        header(&foreign_preflight, "access-control-allow-origin"),
        None
    );
    let foreign = app
        .request(
            "POST",
            "/api/plans",
            Some(&token),
            Some(json!({ "title": "Forged" })),
            &[("origin", EVIL_ORIGIN)],
        )
        .await;
    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.body["error"]["code"], "forbidden");
    let mine = app.get("/api/plans", &token).await;
    let titles: Vec<&str> = mine
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["Mine"]);
}

#[actix_web::test]
async fn without_a_list_every_origin_is_allowed_with_a_wildcard() {
    let app = spawn_app().await;
    let token = app.token("ada");
    let listed = app
        .request(
            "GET",
            "/api/plans",
            Some(&token),
            None,
            &[("origin", EVIL_ORIGIN)],
        )
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(header(&listed, "access-control-allow-origin"), Some("*"));
    let ws = upgrade_with_origin(&app, &token, Some(EVIL_ORIGIN))
        .await
        .unwrap();
    assert_eq!(ws["type"], "connected");
}

#[actix_web::test]
async fn rest_mutations_over_the_per_user_limit_get_429_with_retry_after() {
    let app = spawn_app_with(|a| {
        a.rest_rate_burst = Some("5".into());
        a.rest_rate_per_sec = Some("2".into());
    })
    .await;
    let ada = app.token("ada");
    let bob = app.token("bob");
    for i in 0..5 {
        let a = app
            .post("/api/plans", &ada, json!({ "title": format!("p{i}") }))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let limited = app
        .post("/api/plans", &ada, json!({ "title": "one too many" }))
        .await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(limited.body["error"]["code"], "rate_limited");
    let retry_after: u64 = header(&limited, "retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");

    // Nothing was made by the refused call; reads are not limited; other users are not
    // affected.
    let listed = app.get("/api/plans", &ada).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body.as_array().unwrap().len(), 5);
    assert_eq!(
        app.post("/api/plans", &bob, json!({ "title": "bob's" }))
            .await
            .status,
        201
    );

    // After waiting as told, the user is served again.
    actix_web::rt::time::sleep(std::time::Duration::from_secs(retry_after)).await;
    assert_eq!(
        app.post("/api/plans", &ada, json!({ "title": "later" }))
            .await
            .status,
        201
    );
}

#[actix_web::test]
async fn over_long_names_and_malformed_ids_are_400_naming_the_field() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    let owner = app.token("owner");

    let long_name = app
        .put(
            &format!("/api/plans/{plan}/members/bob"),
            &owner,
            json!({ "role": "editor", "name": "n".repeat(101) }),
        )
        .await;
    assert_eq!(long_name.status, 400, "{}", long_name.body);
    assert!(
        long_name.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("name"),
        "{}",
        long_name.body
    );

    let bad_user_id = app
        .put(
            &format!("/api/plans/{plan}/members/{}", "u".repeat(129)),
            &owner,
            json!({ "role": "editor" }),
        )
        .await;
    assert_eq!(bad_user_id.status, 400, "{}", bad_user_id.body);
    assert!(
        bad_user_id.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("userId"),
        "{}",
        bad_user_id.body
    );

    let bad_assignee = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &owner,
            json!({ "title": "t", "assigneeId": "a b" }),
        )
        .await;
    assert_eq!(bad_assignee.status, 400, "{}", bad_assignee.body);
    assert!(
        bad_assignee.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("assigneeId"),
        "{}",
        bad_assignee.body
    );

    let long_comment_task = app.create_task(&plan, "owner", "t").await;
    let task = long_comment_task["id"].as_str().unwrap();
    let long_comment = app
        .post(
            &format!("/api/tasks/{task}/comments"),
            &owner,
            json!({ "body": "c".repeat(10_001) }),
        )
        .await;
    assert_eq!(long_comment.status, 400, "{}", long_comment.body);
    assert!(
        long_comment.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("body"),
        "{}",
        long_comment.body
    );
}

#[actix_web::test]
async fn titles_and_names_with_bidi_overrides_or_invisible_characters_are_400_naming_the_field() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    let owner = app.token("owner");
    let starts_with = |a: &Answer, field: &str| {
        assert_eq!(a.status, 400, "{field}: {}", a.body);
        assert_eq!(a.body["error"]["code"], "bad_request");
        let message = a.body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("{field}:")), "{message}");
    };
    // "Invoice" + U+202E + "fdp.exe" shows as "Invoiceexe.pdf".
    for sneaky in [
        "Invoice\u{202E}fdp.exe",
        "\u{2066}isolated",
        "zero\u{200B}width",
        "mark\u{200F}",
        "soft\u{00AD}hyphen",
        "bom\u{FEFF}",
        "tag\u{E0041}",
        "line\u{2028}separator",
    ] {
        let created = app
            .post("/api/plans", &owner, json!({ "title": sneaky }))
            .await;
        starts_with(&created, "title");
        let renamed = app
            .patch(
                &format!("/api/plans/{plan}"),
                &owner,
                json!({ "title": sneaky }),
            )
            .await;
        starts_with(&renamed, "title");
        let task = app
            .post(
                &format!("/api/plans/{plan}/tasks"),
                &owner,
                json!({ "title": sneaky }),
            )
            .await;
        starts_with(&task, "title");
        let member = app
            .put(
                &format!("/api/plans/{plan}/members/bob"),
                &owner,
                json!({ "role": "editor", "name": sneaky }),
            )
            .await;
        starts_with(&member, "name");
    }
    // Emoji sequences (zero-width joiner) and right-to-left text are fine.
    for fine in ["👩‍💻 Dev work", "خطة الإطلاق", "שלום world"] {
        let created = app
            .post("/api/plans", &owner, json!({ "title": fine }))
            .await;
        assert_eq!(created.status, 201, "{fine}: {}", created.body);
        assert_eq!(created.body["title"], fine);
    }
}
