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

// ---------------------------------------------------------------------------------------
// Caps on what a user, plan or connection holds, and the per-user read and per-address
// upgrade rates. Each refusal is counted in `liveplan_limit_refusals_total{limit}`.

/// `GET /metrics` as text.
async fn metrics_text(app: &TestApp) -> String {
    let mut resp = awc::Client::default()
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    String::from_utf8(resp.body().await.unwrap().to_vec()).unwrap()
}

/// The value of `liveplan_limit_refusals_total{limit="…"}`.
async fn refusals(app: &TestApp, limit: &str) -> u64 {
    let text = metrics_text(app).await;
    let prefix = format!("liveplan_limit_refusals_total{{limit=\"{limit}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix}in the metrics:\n{text}"))
}

fn assert_limit(a: &Answer, needle: &str) {
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(a.body["error"]["code"], "forbidden", "{}", a.body);
    let message = a.body["error"]["message"].as_str().unwrap();
    assert!(message.contains(needle), "{message}");
}

#[actix_web::test]
async fn plans_per_user_are_capped_even_when_created_concurrently() {
    let app = spawn_app_with(|a| a.max_plans_per_user = Some("3".into())).await;
    let ada = app.token("ada");
    let attempts =
        (0..10).map(|i| app.post("/api/plans", &ada, json!({ "title": format!("p{i}") })));
    let answers = futures_util::future::join_all(attempts).await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    assert_eq!(created, 3, "{answers:#?}");
    for refused in answers.iter().filter(|a| a.status != 201) {
        assert_limit(refused, "at most 3 plans");
    }
    assert_eq!(
        app.get("/api/plans", &ada)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(refusals(&app, "plans_per_user").await, 7);

    // Another user has a cap of their own; deleting a plan makes room.
    assert_eq!(
        app.post("/api/plans", &app.token("bob"), json!({ "title": "b" }))
            .await
            .status,
        201
    );
    let first = answers.iter().find(|a| a.status == 201).unwrap().body["id"]
        .as_str()
        .unwrap();
    assert_eq!(
        app.delete(&format!("/api/plans/{first}"), &ada)
            .await
            .status,
        204
    );
    assert_eq!(
        app.post("/api/plans", &ada, json!({ "title": "again" }))
            .await
            .status,
        201
    );
}

#[actix_web::test]
async fn tasks_per_plan_are_capped_even_when_created_concurrently() {
    let app = spawn_app_with(|a| a.max_tasks_per_plan = Some("4".into())).await;
    let plan = app.create_plan("ada", "Board").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let (ada, bob) = (app.token("ada"), app.token("bob"));
    let path = format!("/api/plans/{plan}/tasks");
    let attempts = (0..10).map(|i| {
        let token = if i % 2 == 0 { &ada } else { &bob };
        app.post(&path, token, json!({ "title": format!("t{i}") }))
    });
    let answers = futures_util::future::join_all(attempts).await;
    let created: Vec<&Answer> = answers.iter().filter(|a| a.status == 201).collect();
    assert_eq!(created.len(), 4, "{answers:#?}");
    for refused in answers.iter().filter(|a| a.status != 201) {
        assert_limit(refused, "at most 4 tasks");
    }
    assert_eq!(app.get(&path, &ada).await.body.as_array().unwrap().len(), 4);
    assert_eq!(refusals(&app, "tasks_per_plan").await, 6);

    // A refused creation stored no event; deleting a task makes room; other plans have
    // their own cap.
    let seq = app.get(&format!("/api/plans/{plan}"), &ada).await.body["seq"]
        .as_i64()
        .unwrap();
    assert_eq!(
        seq,
        1 + 4 * 2,
        "member-added, then task-created + progress-updated per task"
    );
    let task = created[0].body["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/tasks/{task}"), &ada).await.status,
        204
    );
    assert_eq!(
        app.post(&path, &ada, json!({ "title": "again" }))
            .await
            .status,
        201
    );
    let other = app.create_plan("ada", "Other").await;
    app.create_task(&other, "ada", "elsewhere").await;
}

#[actix_web::test]
async fn members_per_plan_are_capped_and_changing_a_role_still_works() {
    let app = spawn_app_with(|a| a.max_members_per_plan = Some("3".into())).await;
    let plan = app.create_plan("ada", "Board").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    app.add_member(&plan, "ada", "carol", "viewer").await;
    let ada = app.token("ada");
    let refused = app
        .put(
            &format!("/api/plans/{plan}/members/dave"),
            &ada,
            json!({ "role": "viewer" }),
        )
        .await;
    assert_limit(&refused, "at most 3 members");
    assert_eq!(refusals(&app, "members_per_plan").await, 1);
    // Existing members can still change role; after a removal there is room again.
    let promoted = app
        .put(
            &format!("/api/plans/{plan}/members/carol"),
            &ada,
            json!({ "role": "editor" }),
        )
        .await;
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    assert_eq!(
        app.delete(&format!("/api/plans/{plan}/members/bob"), &ada)
            .await
            .status,
        204
    );
    app.add_member(&plan, "ada", "dave", "viewer").await;
}

#[actix_web::test]
async fn a_connection_may_join_only_so_many_plans_and_joining_ones_count() {
    let app = spawn_app_with(|a| a.max_plans_per_connection = Some("2".into())).await;
    let mut plans = Vec::new();
    for i in 0..3 {
        plans.push(app.create_plan("ada", &format!("p{i}")).await);
    }
    // Three joins sent at once: the first two are still joining when the third arrives.
    let mut ws = app.ws("ada").await;
    for (i, plan) in plans.iter().enumerate() {
        ws.send(json!({ "type": "join-plan", "planId": plan, "requestId": format!("j{i}") }))
            .await;
    }
    let mut joined = Vec::new();
    let mut errors = Vec::new();
    while joined.len() + errors.len() < 3 {
        let frame = ws.next_json().await;
        match frame["type"].as_str() {
            Some("joined") => joined.push(frame["requestId"].clone()),
            Some("error") => errors.push(frame),
            _ => {}
        }
    }
    assert_eq!(joined, vec![json!("j0"), json!("j1")]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["requestId"], "j2");
    assert_eq!(errors[0]["code"], "forbidden");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("at most 2 plans"), "{message}");
    assert_eq!(refusals(&app, "plans_per_connection").await, 1);

    // Leaving one makes room; another connection of the same user has its own count.
    ws.send(json!({ "type": "leave-plan", "planId": plans[0] }))
        .await;
    assert_eq!(ws.expect_type("left").await["planId"], plans[0].as_str());
    ws.join(&plans[2], None).await;
    let mut other = app.ws("ada").await;
    other.join(&plans[0], None).await;
}

#[actix_web::test]
async fn rest_reads_have_their_own_bucket_per_user_apart_from_mutations() {
    let app = spawn_app_with(|a| {
        a.rest_read_rate_burst = Some("5".into());
        a.rest_read_rate_per_sec = Some("2".into());
        a.rest_rate_burst = Some("3".into());
        a.rest_rate_per_sec = Some("1".into());
    })
    .await;
    let (ada, bob) = (app.token("ada"), app.token("bob"));
    for _ in 0..5 {
        assert_eq!(app.get("/api/plans", &ada).await.status, 200);
    }
    let limited = app.get("/api/plans", &ada).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(limited.body["error"]["code"], "rate_limited");
    let retry_after: u64 = header(&limited, "retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(refusals(&app, "rest_reads").await, 1);

    // Mutations draw from the other bucket, and other users from their own.
    assert_eq!(
        app.post("/api/plans", &ada, json!({ "title": "w" }))
            .await
            .status,
        201
    );
    assert_eq!(app.get("/api/plans", &bob).await.status, 200);
    // Spending the mutation bucket leaves reads alone (after the read bucket refilled).
    actix_web::rt::time::sleep(std::time::Duration::from_secs(retry_after)).await;
    for _ in 0..3 {
        assert_eq!(
            app.post("/api/plans", &ada, json!({ "title": "w" }))
                .await
                .status,
            201
        );
    }
    assert_eq!(
        app.post("/api/plans", &ada, json!({ "title": "w" }))
            .await
            .status,
        429
    );
    assert_eq!(refusals(&app, "rest_mutations").await, 1);
    assert_eq!(app.get("/api/plans", &ada).await.status, 200);
}

/// A WebSocket upgrade of `/ws?token=…`: `Ok` with the first frame's type, or the HTTP
/// status it was refused with.
async fn upgrade(app: &TestApp, token: &str) -> Result<String, u16> {
    use futures_util::StreamExt;
    let client = awc::Client::builder()
        .max_http_version(awc::http::Version::HTTP_11)
        .finish();
    match client
        .ws(format!("ws://127.0.0.1:{}/ws?token={token}", app.port))
        .connect()
        .await
    {
        Ok((_, mut socket)) => match actix_web::rt::time::timeout(WAIT, socket.next()).await {
            Ok(Some(Ok(awc::ws::Frame::Text(t)))) => {
                let v: Value = serde_json::from_slice(&t).unwrap();
                Ok(v["type"].as_str().unwrap().to_string())
            }
            Ok(Some(Ok(awc::ws::Frame::Close(reason)))) => {
                Ok(format!("close {:?}", reason.map(|r| u16::from(r.code))))
            }
            other => panic!("unexpected first frame: {other:?}"),
        },
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => Err(status.as_u16()),
        Err(e) => panic!("upgrade failed otherwise: {e}"),
    }
}

#[actix_web::test]
async fn websocket_upgrades_per_source_address_are_limited_before_the_token_is_read() {
    let app = spawn_app_with(|a| {
        a.ws_connect_rate_burst = Some("3".into());
        a.ws_connect_rate_per_sec = Some("1".into());
    })
    .await;
    let token = app.token("ada");
    // Tokenless floods count too: the refusal comes before any token is verified.
    assert_eq!(
        upgrade(&app, "garbage").await,
        Ok("close Some(4401)".into())
    );
    assert_eq!(upgrade(&app, &token).await, Ok("connected".into()));
    assert_eq!(upgrade(&app, &token).await, Ok("connected".into()));
    assert_eq!(upgrade(&app, "garbage").await, Err(429));
    assert_eq!(upgrade(&app, &token).await, Err(429));

    // The refusal has the error shape and Retry-After (read with a plain HTTP client).
    let refused = app
        .request(
            "GET",
            &format!("/ws?token={token}"),
            None,
            None,
            &[
                ("connection", "Upgrade"),
                ("upgrade", "websocket"),
                ("sec-websocket-version", "13"),
                ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ],
        )
        .await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["error"]["code"], "rate_limited");
    let retry_after: u64 = header(&refused, "retry-after").unwrap().parse().unwrap();
    assert_eq!(retry_after, 1);
    assert_eq!(refusals(&app, "ws_connects").await, 3);
    // REST from the same address is not affected; after the wait, upgrades pass again.
    assert_eq!(app.get("/api/plans", &token).await.status, 200);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(upgrade(&app, &token).await, Ok("connected".into()));
}
