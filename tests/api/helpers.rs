//! Test harness: spawns the real server in-process on port 0 with a fresh database
//! (SQLite in a temp dir, or a fresh PostgreSQL database when
//! `LIVEPLAN_TEST_DATABASE_URL` is set), and talks to it with a real HTTP client and a
//! real WebSocket client (awc).

use std::time::Duration;

use actix_web::rt::time::timeout;
use awc::ws::{CloseCode, Message};
use futures_util::SinkExt;
use liveplan::auth::TokenIssuer;
use liveplan::config::ServeArgs;
use liveplan::realtime::messages::{GetRegistryStats, RegistryStats};
use serde_json::{json, Value};

pub use crate::common::database::TestDatabase;
use crate::common::http::{self, Socket};
use crate::common::in_process;
use crate::common::tokens;
pub use crate::common::tokens::display_name;
use crate::common::ws;
pub use crate::common::ws::Received;

pub const SECRET: &str = "test-secret-that-is-long-enough-for-hs256";

/// How long a test waits for a frame it expects.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct TestApp {
    pub base: String,
    pub port: u16,
    pub state: actix_web::web::Data<liveplan::state::AppState>,
    issuer: TokenIssuer,
    pub database_url: String,
    /// The database this server created (dropped with it); `None` for a second server on
    /// another one's database.
    _db: Option<TestDatabase>,
}

/// Test defaults: a configured HS256 secret, two workers, generous limits (rate limits
/// included).
pub fn test_args() -> ServeArgs {
    in_process::serve_args(SECRET)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let (db, url) = TestDatabase::from_env("liveplan_test", "test.db");
    spawn_app_on(Some(db), url, configure).await
}

/// A second server on the database of `first` (as after a restart, or a second instance).
pub async fn spawn_second_app(first: &TestApp, configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
    spawn_app_on(None, first.database_url.clone(), configure).await
}

async fn spawn_app_on(
    db: Option<TestDatabase>,
    url: String,
    configure: impl FnOnce(&mut ServeArgs),
) -> TestApp {
    let mut args = test_args();
    args.database_url = Some(url.clone());
    configure(&mut args);
    let started = in_process::start(&args).await;
    TestApp {
        base: started.base(),
        port: started.port,
        state: started.state,
        issuer: tokens::issuer(SECRET),
        database_url: url,
        _db: db,
    }
}

/// An HTTP answer: status, headers we look at, JSON body (Null when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub plan_seq: Option<i64>,
    pub headers: awc::http::header::HeaderMap,
}

impl Answer {
    /// Reads a response whole: status, `X-Plan-Seq`, headers, and the body as JSON.
    pub async fn read<S>(mut resp: awc::ClientResponse<S>) -> Answer
    where
        S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
    {
        let bytes = resp.body().limit(64 * 1024 * 1024).await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("JSON body ({e}): {}", String::from_utf8_lossy(&bytes)))
        };
        let plan_seq = resp
            .headers()
            .get("x-plan-seq")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        Answer {
            status: resp.status().as_u16(),
            body,
            plan_seq,
            headers: resp.headers().clone(),
        }
    }
}

impl TestApp {
    pub fn token(&self, user: &str) -> String {
        self.issuer
            .mint(user, &display_name(user), None, 3600)
            .expect("mint")
    }

    pub fn token_with_ttl(&self, user: &str, ttl_secs: i64) -> String {
        self.issuer
            .mint(user, &display_name(user), None, ttl_secs)
            .expect("mint")
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let client = http::client(Duration::from_secs(30));
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = client.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let resp = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        }
        .expect("request sent");
        Answer::read(resp).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.request("GET", path, Some(token), None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.request("POST", path, Some(token), Some(body), &[])
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.request("PATCH", path, Some(token), Some(body), &[])
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Answer {
        self.request("PUT", path, Some(token), Some(body), &[])
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.request("DELETE", path, Some(token), None, &[]).await
    }

    /// Creates a plan owned by `owner`; returns its id.
    pub async fn create_plan(&self, owner: &str, title: &str) -> String {
        let a = self
            .post("/api/plans", &self.token(owner), json!({ "title": title }))
            .await;
        assert_eq!(a.status, 201, "{:?}", a.body);
        a.body["id"].as_str().expect("plan id").to_string()
    }

    pub async fn add_member(&self, plan: &str, owner: &str, user: &str, role: &str) {
        let a = self
            .put(
                &format!("/api/plans/{plan}/members/{user}"),
                &self.token(owner),
                json!({ "role": role, "name": display_name(user) }),
            )
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
    }

    pub async fn create_task(&self, plan: &str, user: &str, title: &str) -> Value {
        let a = self
            .post(
                &format!("/api/plans/{plan}/tasks"),
                &self.token(user),
                json!({ "title": title }),
            )
            .await;
        assert_eq!(a.status, 201, "{:?}", a.body);
        a.body
    }

    pub async fn ws(&self, user: &str) -> WsClient {
        WsClient::connect(&self.base, &self.token(user)).await
    }

    pub async fn registry_stats(&self) -> RegistryStats {
        self.state
            .registry
            .send(GetRegistryStats)
            .await
            .expect("registry answers")
    }
}

/// A real WebSocket client that answers pings and reads JSON frames.
pub struct WsClient {
    socket: Socket,
    pub connection_id: String,
    pub connected: Value,
}

impl WsClient {
    /// Connects and reads the `connected` frame.
    pub async fn connect(base: &str, token: &str) -> WsClient {
        let mut socket = Self::open(base, &format!("/ws?token={token}")).await;
        let first = next_frame(&mut socket).await;
        let Received::Json(connected) = first else {
            panic!("expected `connected`, got {first:?}");
        };
        assert_eq!(connected["type"], "connected", "{connected}");
        WsClient {
            socket,
            connection_id: connected["connectionId"]
                .as_str()
                .expect("connectionId")
                .to_string(),
            connected,
        }
    }

    /// Opens a socket without reading anything (for refused connections).
    pub async fn open(base: &str, path_and_query: &str) -> Socket {
        http::ws_connect(base, path_and_query, 64 * 1024 * 1024, None)
            .await
            .expect("websocket upgrade")
    }

    pub async fn send(&mut self, value: Value) {
        self.socket
            .send(Message::Text(value.to_string().into()))
            .await
            .expect("send");
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.socket.send(message).await.expect("send");
    }

    pub async fn next(&mut self) -> Received {
        next_frame(&mut self.socket).await
    }

    /// The next JSON frame; panics on a close or after [`WAIT`].
    pub async fn next_json(&mut self) -> Value {
        match self.next().await {
            Received::Json(v) => v,
            other => panic!("expected a JSON frame, got {other:?}"),
        }
    }

    /// Skips frames until one of type `kind` arrives.
    pub async fn expect_type(&mut self, kind: &str) -> Value {
        loop {
            let v = self.next_json().await;
            if v["type"] == kind {
                return v;
            }
        }
    }

    pub async fn join(&mut self, plan: &str, since: Option<i64>) -> Value {
        let mut msg = json!({ "type": "join-plan", "planId": plan });
        if let Some(s) = since {
            msg["since"] = json!(s);
        }
        self.send(msg).await;
        let joined = self.next_json().await;
        assert_eq!(joined["type"], "joined", "{joined}");
        joined
    }

    /// Asserts nothing arrives for `ms` milliseconds.
    pub async fn expect_silence(&mut self, ms: u64) {
        if let Ok(frame) =
            timeout(Duration::from_millis(ms), ws::next_frame(&mut self.socket)).await
        {
            panic!("expected silence, got {frame:?}");
        }
    }

    /// Reads until the close frame; returns its code and reason.
    pub async fn expect_close(&mut self) -> (Option<u16>, String) {
        loop {
            match self.next().await {
                Received::Close(code, reason) => return (code, reason),
                Received::Ended => return (None, String::new()),
                Received::Json(_) => {}
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self
            .socket
            .send(Message::Close(Some(CloseCode::Normal.into())))
            .await;
    }
}

async fn next_frame(socket: &mut Socket) -> Received {
    timeout(WAIT, ws::next_frame(socket))
        .await
        .expect("a frame within the wait")
}

/// The members, sorted by `userId`.
pub fn by_user_id(mut members: Vec<Value>) -> Vec<Value> {
    members.sort_by(|a, b| {
        a["userId"]
            .as_str()
            .unwrap_or("")
            .cmp(b["userId"].as_str().unwrap_or(""))
    });
    members
}

/// The `id` of each element of a JSON array (tasks, plans).
pub fn ids(tasks: &Value) -> Vec<String> {
    tasks
        .as_array()
        .unwrap_or_else(|| panic!("expected an array, got {tasks}"))
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}
