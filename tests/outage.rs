//! Issue "Nothing lost", item 5, "Database outage" (contract §2: 503 `unavailable`,
//! nothing written; `/readyz`).
//!
//! The test starts its own throwaway PostgreSQL (`initdb` + `pg_ctl`, as the `postgres`
//! user, on a free port, in a temp dir), runs the real server in-process against it,
//! stops PostgreSQL (`-m immediate`) in the middle and starts it again. It never touches
//! the machine's shared PostgreSQL.
//!
//! It needs root (PostgreSQL refuses to run as root, so it uses `runuser -u postgres`) and
//! the PostgreSQL server binaries under `/usr/lib/postgresql/*/bin`. Without them it fails
//! when `LIVEPLAN_TEST_PG_OUTAGE=1` or `CI=true` is set, and otherwise passes saying
//! `SKIPPED` (`common::ci`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use actix_web::rt::time::{sleep, timeout};
use awc::ws::{CloseCode, Message};
use futures_util::SinkExt;
use liveplan::auth::TokenIssuer;
use serde_json::{json, Value};

use common::ci;
use common::http::{self, Socket};
use common::in_process;
use common::tokens::{self, display_name};
use common::ws::{self, Received};

/// The shared test helpers this crate uses (`tests/common/`, see its README.md).
mod common {
    pub mod ci;
    pub mod http;
    pub mod in_process;
    pub mod tokens;
    pub mod ws;
}

const SECRET: &str = "outage-test-secret-that-is-long-enough-for-hs256";

/// How long a test waits for a WebSocket frame it expects.
const WAIT: Duration = Duration::from_secs(10);

/// A REST call during the outage must answer within this (the pool's connection timeout
/// is 5 s, src/db/mod.rs).
const OUTAGE_BOUND: Duration = Duration::from_secs(10);

/// How long the server may take to notice that the database is back.
const RECOVERY_BOUND: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------------------
// A private PostgreSQL
// ---------------------------------------------------------------------------------------

/// A throwaway PostgreSQL cluster; stopped (`-m immediate`) when dropped, its files removed
/// with the temp dir.
struct PrivatePostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    // Dropped after `drop` below ran (fields drop after the `Drop` impl).
    _dir: tempfile::TempDir,
}

impl PrivatePostgres {
    /// The newest PostgreSQL `bin` dir, or why this machine cannot run one.
    fn find_bin() -> Result<PathBuf, String> {
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .map_err(|e| format!("cannot run `id -u`: {e}"))?;
        let uid = String::from_utf8_lossy(&uid.stdout).trim().to_string();
        if uid != "0" {
            return Err(format!(
                "the test runs as uid {uid}, not root: it needs root to run PostgreSQL as \
                 the `postgres` user (runuser)"
            ));
        }
        let mut bins: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|e| format!("no /usr/lib/postgresql: {e}"))?
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let version: u32 = entry.file_name().to_str()?.parse().ok()?;
                let bin = entry.path().join("bin");
                (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
                    .then_some((version, bin))
            })
            .collect();
        bins.sort();
        bins.pop()
            .map(|(_, bin)| bin)
            .ok_or_else(|| "no initdb/pg_ctl under /usr/lib/postgresql/*/bin".to_string())
    }

    /// initdb + start on a free port.
    fn start_new(bin: PathBuf) -> PrivatePostgres {
        let dir = tempfile::Builder::new()
            .prefix("liveplan-outage-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        // The `postgres` user must be able to reach the data dir.
        set_mode(dir.path(), 0o755);
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("create the data dir");
        let chown = Command::new("chown")
            .arg("postgres:postgres")
            .arg(&data)
            .status()
            .expect("run chown");
        assert!(chown.success(), "chown postgres {data:?} failed");
        set_mode(&data, 0o700);

        let port = free_port();
        let pg = PrivatePostgres {
            bin,
            data,
            port,
            _dir: dir,
        };
        let initdb = pg.bin.join("initdb");
        run_as_postgres(
            &initdb,
            &[
                "-D",
                pg.data.to_str().expect("utf-8 path"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        pg.start();
        pg
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, args: &[&str]) -> std::process::Output {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.data.to_str().expect("utf-8 path");
        let mut all = vec!["-D", data];
        all.extend_from_slice(args);
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&pg_ctl)
            .args(&all)
            .output()
            .expect("run pg_ctl")
    }

    /// Starts (or restarts) the cluster on the same port and waits until it accepts
    /// connections.
    fn start(&self) {
        let data = self.data.to_str().expect("utf-8 path");
        let options = format!(
            "-p {} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port
        );
        let log = self.data.join("log");
        let out = self.pg_ctl(&[
            "-o",
            &options,
            "-l",
            log.to_str().expect("utf-8 path"),
            "-w",
            "-t",
            "60",
            "start",
        ]);
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}{}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// `pg_ctl stop -m immediate`: like a crash, every connection cut at once.
    fn stop_immediate(&self) -> bool {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"])
            .status
            .success()
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        // Already stopped is fine.
        let _ = self.stop_immediate();
    }
}

/// A port nothing listens on right now (bound, then released).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn run_as_postgres(program: &Path, args: &[&str]) {
    let out = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(program)
        .args(args)
        .output()
        .expect("run runuser");
    assert!(
        out.status.success(),
        "{program:?} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs blocking work (pg_ctl) off the actix thread, so the rooms keep running.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    actix_web::rt::task::spawn_blocking(f)
        .await
        .expect("blocking task")
}

// ---------------------------------------------------------------------------------------
// The server and its clients
// ---------------------------------------------------------------------------------------

struct TestApp {
    base: String,
    issuer: TokenIssuer,
}

async fn spawn_app(database_url: String) -> TestApp {
    let mut args = in_process::serve_args(SECRET);
    args.database_url = Some(database_url);
    TestApp {
        base: in_process::start(&args).await.base(),
        issuer: tokens::issuer(SECRET),
    }
}

#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
    plan_seq: Option<i64>,
    /// How long the server took to answer.
    took: Duration,
}

impl TestApp {
    fn token(&self, user: &str) -> String {
        self.issuer
            .mint(user, &display_name(user), None, 3600)
            .expect("mint")
    }

    async fn request(
        &self,
        method: &str,
        path: &str,
        user: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        // Far above the bound, so that a hang is measured rather than cut short.
        let client = http::client(Duration::from_secs(60));
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = client.request(method.clone(), format!("{}{}", self.base, path));
        if let Some(u) = user {
            req = req.bearer_auth(self.token(u));
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let started = Instant::now();
        let mut resp = match body {
            Some(b) => req.send_json(&b).await,
            None => req.send().await,
        }
        .unwrap_or_else(|e| {
            panic!(
                "{method} {path}: no answer after {:?}: {e}",
                started.elapsed()
            )
        });
        let bytes = resp.body().limit(16 * 1024 * 1024).await.expect("body");
        let took = started.elapsed();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!(
                    "{method} {path}: body is not JSON: {:?}",
                    String::from_utf8_lossy(&bytes)
                )
            })
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
            took,
        }
    }

    async fn get(&self, path: &str, user: &str) -> Answer {
        self.request("GET", path, Some(user), None, &[]).await
    }

    async fn post(&self, path: &str, user: &str, body: Value) -> Answer {
        self.request("POST", path, Some(user), Some(body), &[])
            .await
    }

    async fn put(&self, path: &str, user: &str, body: Value) -> Answer {
        self.request("PUT", path, Some(user), Some(body), &[]).await
    }

    async fn patch_if_match(&self, path: &str, user: &str, version: i64, body: Value) -> Answer {
        let tag = format!("\"{version}\"");
        self.request("PATCH", path, Some(user), Some(body), &[("If-Match", &tag)])
            .await
    }

    async fn unauthenticated_get(&self, path: &str) -> Answer {
        self.request("GET", path, None, None, &[]).await
    }

    async fn ws(&self, user: &str) -> WsClient {
        match WsClient::try_connect(&self.base, &self.token(user)).await {
            Ok(ws) => ws,
            Err(e) => panic!("WebSocket for {user}: {e}"),
        }
    }
}

/// A real WebSocket client that answers pings and reads JSON frames.
struct WsClient {
    socket: Socket,
}

impl WsClient {
    /// Upgrades and reads the `connected` frame; `Err` describes a refused upgrade.
    async fn try_connect(base: &str, token: &str) -> Result<WsClient, String> {
        let socket = http::ws_connect(
            base,
            &format!("/ws?token={token}"),
            16 * 1024 * 1024,
            Some(Duration::from_secs(60)),
        )
        .await
        .map_err(|e| format!("upgrade refused: {e:?}"))?;
        let mut ws = WsClient { socket };
        match ws.next().await {
            Some(Received::Json(v)) if v["type"] == "connected" => Ok(ws),
            other => Err(format!("expected `connected`, got {other:?}")),
        }
    }

    async fn send(&mut self, value: Value) {
        self.socket
            .send(Message::Text(value.to_string().into()))
            .await
            .expect("send");
    }

    /// The next frame, or none within the wait.
    async fn next(&mut self) -> Option<Received> {
        self.next_within(WAIT).await
    }

    async fn next_within(&mut self, wait: Duration) -> Option<Received> {
        timeout(wait, ws::next_frame(&mut self.socket)).await.ok()
    }

    async fn next_json(&mut self) -> Value {
        match self.next().await {
            Some(Received::Json(v)) => v,
            other => panic!("expected a JSON frame, got {other:?}"),
        }
    }

    /// `ping` → `pong`; returns how long the answer took. Anything else arriving first
    /// fails the test (the caller expects silence apart from the pong).
    async fn ping(&mut self, request_id: &str) -> Duration {
        let started = Instant::now();
        self.send(json!({ "type": "ping", "requestId": request_id }))
            .await;
        let pong = self.next_json().await;
        let took = started.elapsed();
        assert_eq!(pong["type"], "pong", "{pong}");
        assert_eq!(pong["requestId"], request_id, "{pong}");
        assert!(pong["serverTime"].is_string(), "{pong}");
        took
    }

    async fn join(&mut self, plan: &str, since: Option<i64>) -> Value {
        let mut msg = json!({ "type": "join-plan", "planId": plan });
        if let Some(s) = since {
            msg["since"] = json!(s);
        }
        self.send(msg).await;
        self.next_json().await
    }

    /// Nothing arrives for `ms` milliseconds.
    async fn expect_silence(&mut self, ms: u64) {
        match self.next_within(Duration::from_millis(ms)).await {
            None => {}
            other => panic!("expected silence, got {other:?}"),
        }
    }

    async fn close(mut self) {
        let _ = self
            .socket
            .send(Message::Close(Some(CloseCode::Normal.into())))
            .await;
    }
}

/// A 503 `unavailable` with the contract's error shape, answered within the bound.
fn assert_unavailable(what: &str, a: &Answer) {
    eprintln!("outage: {what} -> {} in {:?}: {}", a.status, a.took, a.body);
    assert_eq!(
        a.status, 503,
        "{what}: expected 503 during the outage, got {} after {:?}: {}",
        a.status, a.took, a.body
    );
    assert_eq!(a.body["error"]["code"], "unavailable", "{what}: {}", a.body);
    assert!(
        a.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: error.message: {}",
        a.body
    );
    assert!(
        a.took <= OUTAGE_BOUND,
        "{what}: answered only after {:?} (bound {OUTAGE_BOUND:?})",
        a.took
    );
    assert_eq!(a.plan_seq, None, "{what}: X-Plan-Seq on a failed call");
}

// ---------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn while_postgresql_is_down_rest_answers_503_the_websocket_stays_up_and_all_recovers() {
    let required = std::env::var("LIVEPLAN_TEST_PG_OUTAGE").is_ok_and(|v| v == "1");
    let bin = match PrivatePostgres::find_bin() {
        Ok(bin) => bin,
        Err(why) if required => {
            panic!("LIVEPLAN_TEST_PG_OUTAGE=1 but this machine cannot run the test: {why}")
        }
        Err(why) => {
            return ci::cannot_run(
                "the database-outage test",
                &why,
                "run it as root on a machine with PostgreSQL's server binaries; \
                 LIVEPLAN_TEST_PG_OUTAGE=1 makes a skip a failure anywhere",
            );
        }
    };
    let pg = blocking(move || PrivatePostgres::start_new(bin)).await;
    let pg = std::sync::Arc::new(pg);
    let app = spawn_app(pg.url()).await;

    // 1. Up: a plan, a member, a task, the member's WebSocket in the room.
    let created = app
        .post("/api/plans", "ada", json!({ "title": "Outage" }))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let plan = created.body["id"].as_str().expect("plan id").to_string();
    let member = app
        .put(
            &format!("/api/plans/{plan}/members/bob"),
            "ada",
            json!({ "role": "editor", "name": "Bob" }),
        )
        .await;
    assert_eq!(member.status, 200, "{:?}", member.body);
    let task = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            "ada",
            json!({ "title": "Before the outage" }),
        )
        .await;
    assert_eq!(task.status, 201, "{:?}", task.body);
    let task_id = task.body["id"].as_str().expect("task id").to_string();
    assert_eq!(task.body["version"], 1);

    let mut bob = app.ws("bob").await;
    let joined = bob.join(&plan, None).await;
    assert_eq!(joined["type"], "joined", "{joined}");

    let snapshot = app.get(&format!("/api/plans/{plan}"), "ada").await;
    assert_eq!(snapshot.status, 200, "{:?}", snapshot.body);
    let seq_before = snapshot.body["seq"].as_i64().expect("seq");
    assert_eq!(joined["seq"].as_i64(), Some(seq_before), "{joined}");
    assert_eq!(
        app.unauthenticated_get("/readyz").await.status,
        200,
        "ready before the outage"
    );

    // 2. PostgreSQL stops, like a crash.
    let stopper = pg.clone();
    assert!(
        blocking(move || stopper.stop_immediate()).await,
        "pg_ctl stop"
    );
    let outage_started = Instant::now();

    // The calls run side by side; meanwhile the WebSocket must keep answering.
    let tasks_path = format!("/api/plans/{plan}/tasks");
    let task_path = format!("/api/tasks/{task_id}");
    let plan_path = format!("/api/plans/{plan}");
    let new_task = json!({ "title": "During the outage" });
    let rename = json!({ "title": "Renamed during the outage" });
    let rest = futures_util::future::join4(
        app.post(&tasks_path, "ada", new_task.clone()),
        app.patch_if_match(&task_path, "ada", 1, rename.clone()),
        app.get(&plan_path, "ada"),
        app.unauthenticated_get("/readyz"),
    );
    let pings = async {
        let mut worst = Duration::ZERO;
        for i in 0..4 {
            worst = worst.max(bob.ping(&format!("outage-ping-{i}")).await);
            sleep(Duration::from_millis(500)).await;
        }
        worst
    };
    let ((post, patch, get_plan, readyz), worst_pong) =
        futures_util::future::join(rest, pings).await;
    eprintln!("outage: worst pong while REST calls waited: {worst_pong:?}");
    assert_unavailable("POST /api/plans/{id}/tasks", &post);
    assert_unavailable("PATCH /api/tasks/{id}", &patch);
    assert_unavailable("GET /api/plans/{id}", &get_plan);
    eprintln!(
        "outage: GET /readyz -> {} in {:?}: {}",
        readyz.status, readyz.took, readyz.body
    );
    assert_eq!(readyz.status, 503, "readyz during the outage: {readyz:?}");
    assert_eq!(readyz.body["error"]["code"], "unavailable", "{readyz:?}");
    assert!(readyz.took <= OUTAGE_BOUND, "readyz took {:?}", readyz.took);
    assert!(
        worst_pong < Duration::from_secs(1),
        "pong took {worst_pong:?} during the outage"
    );

    let healthz = app.unauthenticated_get("/healthz").await;
    eprintln!(
        "outage: GET /healthz -> {} in {:?}",
        healthz.status, healthz.took
    );
    assert_eq!(healthz.status, 200, "{healthz:?}");
    assert_eq!(healthz.body["status"], "ok");

    // The joined WebSocket is still open and received nothing (no event was stored).
    bob.expect_silence(300).await;
    let pong = bob.ping("after-the-calls").await;
    eprintln!("outage: pong on the joined socket in {pong:?}");

    // A new connection of a user the server already knows: the upgrade needs no database;
    // its join does, and fails with an error frame while the socket stays open.
    let connect_started = Instant::now();
    let mut bob2 = app.ws("bob").await;
    eprintln!(
        "outage: new WebSocket (known user bob) connected in {:?}",
        connect_started.elapsed()
    );
    let join_started = Instant::now();
    let failed_join = bob2.join(&plan, Some(seq_before)).await;
    eprintln!(
        "outage: its join-plan -> {failed_join} in {:?}",
        join_started.elapsed()
    );
    assert_eq!(failed_join["type"], "error", "{failed_join}");
    // Retryable, like REST's 503: not `internal`, which would mean a bug.
    assert_eq!(failed_join["code"], "unavailable", "{failed_join}");
    assert_eq!(
        failed_join["message"], "service unavailable, try again",
        "{failed_join}"
    );
    assert!(
        join_started.elapsed() <= OUTAGE_BOUND,
        "join answered after {:?}",
        join_started.elapsed()
    );
    bob2.ping("bob2-after-failed-join").await;

    // A user the server has never seen must be stored first: the upgrade itself fails.
    let connect_started = Instant::now();
    let stranger = WsClient::try_connect(&app.base, &app.token("carol")).await;
    let stranger_took = connect_started.elapsed();
    match &stranger {
        Ok(_) => {
            eprintln!("outage: new WebSocket (unknown user carol) connected in {stranger_took:?}")
        }
        Err(e) => {
            eprintln!("outage: new WebSocket (unknown user carol): {e} after {stranger_took:?}")
        }
    }
    assert!(
        stranger_took <= OUTAGE_BOUND,
        "the upgrade took {stranger_took:?}"
    );
    if let Ok(s) = stranger {
        s.close().await;
    }

    // The server is still alive, and the first socket still open.
    assert_eq!(app.unauthenticated_get("/healthz").await.status, 200);
    bob.ping("before-restart").await;
    eprintln!(
        "outage: lasted {:?} before the restart",
        outage_started.elapsed()
    );

    // 3. PostgreSQL comes back (same data dir, same port); no server restart.
    let starter = pg.clone();
    let restart_started = Instant::now();
    blocking(move || starter.start()).await;
    let pg_up = restart_started.elapsed();
    let ready_started = Instant::now();
    let ready_after = loop {
        let r = app.unauthenticated_get("/readyz").await;
        if r.status == 200 {
            break ready_started.elapsed();
        }
        assert!(
            ready_started.elapsed() < RECOVERY_BOUND,
            "readyz still {} {} after {:?} with PostgreSQL back",
            r.status,
            r.body,
            ready_started.elapsed()
        );
        sleep(Duration::from_millis(250)).await;
    };
    eprintln!("recovery: PostgreSQL started in {pg_up:?}; /readyz 200 after {ready_after:?}");

    // Nothing from the failed calls was written: the task is untouched, the seq unchanged.
    let unchanged = app.get(&task_path, "ada").await;
    assert_eq!(unchanged.status, 200, "{:?}", unchanged.body);
    assert_eq!(unchanged.body["version"], 1, "{}", unchanged.body);
    assert_eq!(unchanged.body["title"], "Before the outage");
    let snapshot = app.get(&plan_path, "ada").await;
    assert_eq!(snapshot.status, 200, "{:?}", snapshot.body);
    assert_eq!(
        snapshot.body["seq"].as_i64(),
        Some(seq_before),
        "{}",
        snapshot.body
    );
    assert_eq!(snapshot.body["tasks"].as_array().map(Vec::len), Some(1));

    // The failed calls, retried, succeed with the very next seqs.
    let retried_post = app.post(&tasks_path, "ada", new_task).await;
    eprintln!(
        "recovery: POST retried -> {} X-Plan-Seq {:?} in {:?}",
        retried_post.status, retried_post.plan_seq, retried_post.took
    );
    assert_eq!(retried_post.status, 201, "{:?}", retried_post.body);
    assert_eq!(
        retried_post.plan_seq,
        Some(seq_before + 2),
        "task-created + progress-updated right after seq {seq_before}"
    );
    let new_task_id = retried_post.body["id"].as_str().expect("id").to_string();
    let retried_patch = app.patch_if_match(&task_path, "ada", 1, rename).await;
    assert_eq!(retried_patch.status, 200, "{:?}", retried_patch.body);
    assert_eq!(retried_patch.body["version"], 2);
    assert_eq!(retried_patch.plan_seq, Some(seq_before + 3), "task-updated");
    let snapshot = app.get(&plan_path, "ada").await;
    assert_eq!(snapshot.status, 200, "{:?}", snapshot.body);
    assert_eq!(snapshot.body["seq"].as_i64(), Some(seq_before + 3));
    assert_eq!(snapshot.body["tasks"].as_array().map(Vec::len), Some(2));

    // The socket joined before the outage receives them live, in order, with no gap.
    let expected = [
        (seq_before + 1, "task-created"),
        (seq_before + 2, "progress-updated"),
        (seq_before + 3, "task-updated"),
    ];
    for (seq, kind) in expected {
        let event = bob.next_json().await;
        assert_eq!(event["type"], kind, "{event}");
        assert_eq!(event["seq"].as_i64(), Some(seq), "{event}");
        assert_eq!(event["planId"], plan.as_str(), "{event}");
    }
    bob.expect_silence(300).await;

    // The socket opened during the outage can join now, with `since`.
    let rejoined = bob2.join(&plan, Some(seq_before)).await;
    assert_eq!(rejoined["type"], "joined", "{rejoined}");
    assert_eq!(rejoined["seq"].as_i64(), Some(seq_before + 3), "{rejoined}");
    for (seq, kind) in expected {
        let event = bob2.next_json().await;
        assert_eq!(event["type"], kind, "{event}");
        assert_eq!(event["seq"].as_i64(), Some(seq), "{event}");
    }
    bob2.expect_silence(300).await;

    // A fresh connection after the outage, joining with `since`.
    let mut fresh = app.ws("bob").await;
    let fresh_joined = fresh.join(&plan, Some(seq_before)).await;
    assert_eq!(fresh_joined["type"], "joined", "{fresh_joined}");
    assert_eq!(fresh_joined["seq"].as_i64(), Some(seq_before + 3));
    for (seq, kind) in expected {
        let event = fresh.next_json().await;
        assert_eq!(event["type"], kind, "{event}");
        assert_eq!(event["seq"].as_i64(), Some(seq), "{event}");
    }
    let listed_tasks = &snapshot.body["tasks"];
    assert!(
        listed_tasks
            .as_array()
            .is_some_and(|ts| ts.iter().any(|t| t["id"] == new_task_id.as_str())),
        "{listed_tasks}"
    );

    // And the unknown user of the outage can connect now.
    let mut carol = app.ws("carol").await;
    carol.ping("carol").await;

    // Live again for everyone: one more change reaches all three sockets.
    let done = app
        .request(
            "PATCH",
            &format!("/api/tasks/{new_task_id}"),
            Some("bob"),
            Some(json!({ "status": "done" })),
            &[],
        )
        .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(done.plan_seq, Some(seq_before + 5));
    for socket in [&mut bob, &mut bob2, &mut fresh] {
        for (seq, kind) in [
            (seq_before + 4, "task-updated"),
            (seq_before + 5, "progress-updated"),
        ] {
            let event = socket.next_json().await;
            assert_eq!(event["type"], kind, "{event}");
            assert_eq!(event["seq"].as_i64(), Some(seq), "{event}");
        }
    }

    for socket in [bob, bob2, fresh, carol] {
        socket.close().await;
    }
    drop(pg);
}
