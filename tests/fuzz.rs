//! Property-based fuzzing (proptest) of everything a client can send: the WebSocket
//! client-message decoder, the REST body parser with each input type, the field checks,
//! and, end to end, random bodies against the real REST routes.
//!
//! `cargo test` runs a few hundred cases per property; `.ci/run` runs many more with
//! `PROPTEST_CASES`. A failure prints the smallest input that breaks the property.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use liveplan::error::{ApiError, ErrorCode};
use liveplan::json::parse;
use liveplan::realtime::protocol::decode;
use liveplan::routes::dev::DevTokenRequest;
use liveplan::service::comments::NewComment;
use liveplan::service::members::MemberInput;
use liveplan::service::plans::{NewPlan, PlanPatch};
use liveplan::service::tasks::{NewTask, Reorder, TaskPatch};
use liveplan::validate;

/// Any JSON value, nested a few levels, with the awkward parts over-represented: huge and
/// fractional numbers, control characters, long strings, the protocol's own words.
fn any_json() -> impl Strategy<Value = Value> {
    let word = prop_oneof![
        Just("type".to_string()),
        Just("join-plan".to_string()),
        Just("typing".to_string()),
        Just("planId".to_string()),
        Just("requestId".to_string()),
        Just("title".to_string()),
        Just("status".to_string()),
        Just("done".to_string()),
        "\\PC{0,12}",
        "[\\x00-\\x1f]{1,4}",
        ".{100,300}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        word.prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,10}|type|planId|since|taskId|isTyping|status|token|requestId|title|description|assigneeId|dueAt|taskIds|role|name|body|version", inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A client message that is nearly right: a known `type` with fields of random values.
fn near_message() -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        Just("join-plan"),
        Just("leave-plan"),
        Just("ping"),
        Just("typing"),
        Just("presence"),
        Just("refresh-token"),
        Just("no-such-type"),
    ];
    let fields = prop::collection::vec(
        (
            prop_oneof![
                Just("planId"),
                Just("since"),
                Just("taskId"),
                Just("isTyping"),
                Just("status"),
                Just("token"),
                Just("requestId"),
                Just("extra"),
            ],
            any_json(),
        ),
        0..6,
    );
    (kind, fields).prop_map(|(kind, fields)| {
        let mut object = Map::new();
        object.insert("type".into(), Value::from(kind));
        for (k, v) in fields {
            object.insert(k.into(), v);
        }
        Value::Object(object)
    })
}

/// Cases per property: `default`, or `PROPTEST_CASES` when set (`.ci/run` sets it higher).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn is_bad_request(e: &ApiError) -> bool {
    e.code() == ErrorCode::BadRequest && !e.to_string().is_empty()
}

/// Parses with every REST input type; each either succeeds or answers 400.
fn parse_as_every_input(bytes: &[u8]) -> Result<(), TestCaseError> {
    fn check<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<Option<T>, TestCaseError> {
        match parse::<T>(bytes) {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                prop_assert!(is_bad_request(&e), "{e:?}");
                Ok(None)
            }
        }
    }
    if let Some(p) = check::<NewPlan>(bytes)? {
        field_checks_answer_400_or_a_value("title", &p.title)?;
    }
    check::<PlanPatch>(bytes)?;
    if let Some(t) = check::<NewTask>(bytes)? {
        field_checks_answer_400_or_a_value("title", &t.title)?;
        if let Some(due) = &t.due_at {
            let _ = liveplan::model::parse_time(due);
        }
    }
    check::<TaskPatch>(bytes)?;
    if let Some(r) = check::<Reorder>(bytes)? {
        for id in &r.task_ids {
            let _ = validate::id("taskIds", id);
        }
    }
    if let Some(m) = check::<MemberInput>(bytes)? {
        let _ = m;
    }
    if let Some(c) = check::<NewComment>(bytes)? {
        field_checks_answer_400_or_a_value("body", &c.body)?;
    }
    check::<DevTokenRequest>(bytes)?;
    Ok(())
}

/// The field checks never panic, and a refusal names the field.
fn field_checks_answer_400_or_a_value(field: &str, value: &str) -> Result<(), TestCaseError> {
    for result in [
        validate::title(field, value, validate::MAX_TITLE).map(|_| ()),
        validate::text(field, value, validate::MAX_COMMENT).map(|_| ()),
        validate::id(field, value),
    ] {
        if let Err(e) = result {
            prop_assert!(is_bad_request(&e));
            prop_assert!(e.to_string().starts_with(field), "{e}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(512), ..ProptestConfig::default() })]

    #[test]
    fn the_decoder_answers_every_string_without_panicking(text in "\\PC{0,200}") {
        if let Err(e) = decode(&text) {
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn the_decoder_answers_every_json_value(value in any_json()) {
        let text = value.to_string();
        if let Err(e) = decode(&text) {
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn near_valid_messages_are_decoded_or_refused_echoing_the_request_id(
        mut value in near_message(),
        request_id in "[a-z0-9-]{1,20}",
    ) {
        value["requestId"] = Value::from(request_id.clone());
        let echoed = match decode(&value.to_string()) {
            Ok(request) => request.request_id,
            Err(e) => {
                prop_assert!(!e.message.is_empty());
                e.request_id
            }
        };
        prop_assert_eq!(echoed, Some(request_id));
    }

    #[test]
    fn rest_bodies_of_random_bytes_are_400_or_accepted(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        parse_as_every_input(&bytes)?;
    }

    #[test]
    fn rest_bodies_of_random_json_are_400_or_accepted(value in any_json()) {
        parse_as_every_input(value.to_string().as_bytes())?;
    }

    #[test]
    fn field_checks_never_panic(value in "\\PC{0,300}|[\\x00-\\x1f\\x7f]{0,20}") {
        field_checks_answer_400_or_a_value("title", &value)?;
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    for depth in [200, 10_000, 1_000_000] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(decode(&text).is_err());
        assert!(parse::<NewPlan>(text.as_bytes()).is_err());
        let object = format!("{}{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        assert!(decode(&object).is_err());
        assert!(parse::<TaskPatch>(object.as_bytes()).is_err());
    }
}

// ---------------------------------------------------------------------------------------
// End to end: random bodies, headers and ids against the real routes. The server must
// answer every one with the error shape or a success, never a 5xx, and keep serving.

mod end_to_end {
    use super::*;

    use liveplan::auth::TokenIssuer;
    use liveplan::config::{AuthArgs, ServeArgs, Settings};
    use liveplan::startup::Application;

    const SECRET: &str = "fuzz-secret-that-is-long-enough-for-hs256";

    struct Server {
        system: actix_web::rt::SystemRunner,
        base: String,
        token: String,
        plan: String,
        task: String,
        _dir: tempfile::TempDir,
    }

    fn request(
        server: &Server,
        method: &str,
        path: &str,
        body: Vec<u8>,
        if_match: Option<String>,
    ) -> (u16, Vec<u8>) {
        server.system.block_on(async {
            let client = awc::Client::default();
            let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
            let mut req = client
                .request(method, format!("{}{}", server.base, path))
                .bearer_auth(&server.token)
                .insert_header(("content-type", "application/json"));
            if let Some(v) = if_match {
                if let Ok(value) = awc::http::header::HeaderValue::from_str(&v) {
                    req = req.insert_header(("if-match", value));
                }
            }
            let mut resp = req.send_body(body).await.expect("the server answers");
            let bytes = resp
                .body()
                .limit(16 * 1024 * 1024)
                .await
                .unwrap_or_default();
            (resp.status().as_u16(), bytes.to_vec())
        })
    }

    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let system = actix_web::rt::System::new();
        let args = ServeArgs {
            bind: Some("127.0.0.1:0".into()),
            workers: Some("1".into()),
            database_url: Some(format!("sqlite://{}/fuzz.db", dir.path().display())),
            rest_rate_burst: Some("10000000".into()),
            rest_rate_per_sec: Some("10000000".into()),
            rest_read_rate_burst: Some("10000000".into()),
            rest_read_rate_per_sec: Some("10000000".into()),
            auth: AuthArgs {
                jwt_secret: Some(SECRET.into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let settings = Settings::from_args(&args).unwrap();
        let app = system.block_on(Application::build(settings)).unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        system.block_on(async {
            // Detached: the server runs whenever the system is driven by `block_on`.
            drop(actix_web::rt::spawn(app.run_until_stopped()));
        });
        let token = TokenIssuer::new(SECRET.as_bytes(), None, None)
            .mint("fuzzer", "Fuzzer", None, 86_400)
            .unwrap();
        let mut server = Server {
            system,
            base,
            token,
            plan: String::new(),
            task: String::new(),
            _dir: dir,
        };
        let (status, body) = request(
            &server,
            "POST",
            "/api/plans",
            br#"{"title":"Fuzz"}"#.to_vec(),
            None,
        );
        assert_eq!(status, 201);
        let plan: Value = serde_json::from_slice(&body).unwrap();
        server.plan = plan["id"].as_str().unwrap().to_string();
        let (status, body) = request(
            &server,
            "POST",
            &format!("/api/plans/{}/tasks", server.plan),
            br#"{"title":"Target"}"#.to_vec(),
            None,
        );
        assert_eq!(status, 201);
        let task: Value = serde_json::from_slice(&body).unwrap();
        server.task = task["id"].as_str().unwrap().to_string();
        server
    }

    thread_local! {
        /// One server for all cases (an actix system lives on one thread).
        static SERVER: Server = start();
    }

    fn body() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any_json().prop_map(|v| v.to_string().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..200),
            (any_json(), any_json()).prop_map(|(a, b)| {
                json!({"title": a, "description": b, "status": "done"})
                    .to_string()
                    .into_bytes()
            }),
            any_json().prop_map(|v| json!({"taskIds": v}).to_string().into_bytes()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases(96), ..ProptestConfig::default() })]

        #[test]
        fn random_requests_never_get_a_5xx_and_errors_have_the_contract_shape(
            route in 0usize..8,
            body in body(),
            odd_id in "\\PC{0,40}|[a-zA-Z0-9._:@-]{1,140}",
            if_match in proptest::option::of("\\PC{0,30}|\"[0-9]{1,25}\""),
        ) {
            SERVER.with(|s| -> Result<(), TestCaseError> {
            let encoded: String = odd_id.bytes().map(|b| format!("%{b:02X}")).collect();
            let (method, path) = match route {
                0 => ("POST", "/api/plans".to_string()),
                1 => ("PATCH", format!("/api/plans/{}", s.plan)),
                2 => ("POST", format!("/api/plans/{}/tasks", s.plan)),
                3 => ("PATCH", format!("/api/tasks/{}", s.task)),
                4 => ("POST", format!("/api/plans/{}/tasks/reorder", s.plan)),
                5 => ("PUT", format!("/api/plans/{}/members/{encoded}", s.plan)),
                6 => ("POST", format!("/api/tasks/{}/comments", s.task)),
                _ => ("PATCH", format!("/api/tasks/{encoded}")),
            };
            let (status, answer) = request(s, method, &path, body, if_match);
            prop_assert!(status < 500, "{method} {path} → {status} {}", String::from_utf8_lossy(&answer));
            if status >= 400 {
                let error: Value = serde_json::from_slice(&answer).expect("a JSON error body");
                prop_assert!(error["error"]["code"].is_string(), "{error}");
                prop_assert!(error["error"]["message"].is_string(), "{error}");
            }
            // Still serving.
            let (health, _) = request(s, "GET", "/healthz", Vec::new(), None);
            prop_assert_eq!(health, 200);
            Ok(())
            })?;
        }
    }
}
