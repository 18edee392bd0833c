//! The configuration table: every setting's variable, flag, default, parser and meaning,
//! stated once. `--help`, the typed values, `Debug` and README.md's "Configuration" table
//! all come from these rows (see [`settings_table!`] for what each key means).

use std::net::SocketAddr;
use std::time::Duration;

use super::parse::{algorithm, database_url, duration, int, millis, origins, socket_addr, text};
use super::secret::{hidden, url_password, DatabaseUrl};
use super::table::settings_table;
use super::{Algorithm, DEFAULT_DATABASE_URL};

/// Rates and caps share one range: at least 1, at most ten million.
const MANY: u64 = 10_000_000;

settings_table! {
    /// The `serve` options as given (flags over environment variables), before they are
    /// read and checked. Its `Debug` never shows the database password.
    pub struct ServeArgs => ServeValues {
        bind: SocketAddr {
            env: "LIVEPLAN_BIND",
            default: "127.0.0.1:8080",
            parse: socket_addr,
            meaning: "listen address; dev mode refuses non-loopback",
        },
        database_url: DatabaseUrl {
            env: "DATABASE_URL",
            default: DEFAULT_DATABASE_URL,
            parse: database_url,
            meaning: "`sqlite://FILE` or `postgres://user:password@host:port/db`; the password never shows in logs or `Debug`",
            redact: url_password,
        },
        db_pool_size: u32 {
            env: "LIVEPLAN_DB_POOL_SIZE",
            default: "16",
            parse: int::<u32, 1, 1000>,
            meaning: "database connections",
        },
        workers: Option<usize> {
            env: "LIVEPLAN_WORKERS",
            unset: "CPUs",
            parse: int::<usize, 1, 1024>,
            meaning: "HTTP worker threads",
        },
        heartbeat_ms: u64 {
            env: "LIVEPLAN_HEARTBEAT_MS",
            default: "30000",
            parse: int::<u64, 10, 3_600_000>,
            meaning: "server ping interval (sent as `heartbeatMs`)",
        },
        client_timeout_ms: Option<u64> {
            env: "LIVEPLAN_CLIENT_TIMEOUT_MS",
            unset: "2.5 × heartbeat (`75000`)",
            parse: int::<u64, 10, 36_000_000>,
            meaning: "close 4408 after this much silence; longer than the heartbeat",
        },
        room_idle_timeout_ms: Duration {
            env: "LIVEPLAN_ROOM_IDLE_TIMEOUT_MS",
            default: "60000",
            parse: millis::<10, 86_400_000>,
            meaning: "stop a room empty this long",
        },
        max_message_bytes: usize {
            env: "LIVEPLAN_MAX_MESSAGE_BYTES",
            default: "65536",
            parse: int::<usize, 256, { 16 * 1024 * 1024 }>,
            meaning: "larger WebSocket messages: close 1009",
        },
        max_body_bytes: usize {
            env: "LIVEPLAN_MAX_BODY_BYTES",
            default: "262144",
            parse: int::<usize, 256, { 64 * 1024 * 1024 }>,
            meaning: "larger REST bodies: 413",
        },
        max_connections_per_user: usize {
            env: "LIVEPLAN_MAX_CONNECTIONS_PER_USER",
            default: "5",
            parse: int::<usize, 1, 100_000>,
            meaning: "WebSocket connections one user may hold; the next one is closed 4429",
        },
        allowed_origins: Option<Vec<String>> {
            env: "LIVEPLAN_ALLOWED_ORIGINS",
            unset: "any",
            parse: origins,
            meaning: "comma-separated exact origins (`https://app.example.com`); another `Origin` gets 403 on REST and on the WebSocket upgrade; CORS follows the list",
        },
        ws_rate_burst: u32 {
            env: "LIVEPLAN_WS_RATE_BURST",
            default: "40",
            parse: int::<u32, 1, MANY>,
            meaning: "client messages one WebSocket may send at once",
        },
        ws_rate_per_sec: u32 {
            env: "LIVEPLAN_WS_RATE_PER_SEC",
            default: "10",
            parse: int::<u32, 1, MANY>,
            meaning: "client messages one WebSocket may send per second, sustained; over it: `error` `rate_limited` with `retryAfterMs`",
        },
        ws_rate_close_after: u32 {
            env: "LIVEPLAN_WS_RATE_CLOSE_AFTER",
            default: "50",
            parse: int::<u32, 1, MANY>,
            meaning: "rate-limited messages in a row before closing 4429 `rate limited`",
        },
        rest_rate_burst: u32 {
            env: "LIVEPLAN_REST_RATE_BURST",
            default: "60",
            parse: int::<u32, 1, MANY>,
            meaning: "REST mutations one user may make at once",
        },
        rest_rate_per_sec: u32 {
            env: "LIVEPLAN_REST_RATE_PER_SEC",
            default: "20",
            parse: int::<u32, 1, MANY>,
            meaning: "REST mutations one user may make per second, sustained; over it: 429 with `Retry-After`",
        },
        rest_read_rate_burst: u32 {
            env: "LIVEPLAN_REST_READ_RATE_BURST",
            default: "300",
            parse: int::<u32, 1, MANY>,
            meaning: "REST reads (GET, HEAD) one user may make at once (a bucket of their own)",
        },
        rest_read_rate_per_sec: u32 {
            env: "LIVEPLAN_REST_READ_RATE_PER_SEC",
            default: "100",
            parse: int::<u32, 1, MANY>,
            meaning: "REST reads one user may make per second, sustained; over it: 429 with `Retry-After`",
        },
        ws_connect_rate_burst: u32 {
            env: "LIVEPLAN_WS_CONNECT_RATE_BURST",
            default: "20",
            parse: int::<u32, 1, MANY>,
            meaning: "WebSocket upgrades one source address (IPv6: its /64) may ask for at once, counted before the token is read",
        },
        ws_connect_rate_per_sec: u32 {
            env: "LIVEPLAN_WS_CONNECT_RATE_PER_SEC",
            default: "10",
            parse: int::<u32, 1, MANY>,
            meaning: "WebSocket upgrades per second, sustained; over it: HTTP 429 with `Retry-After`, no upgrade. Behind a load balancer all clients share its address: raise both",
        },
        max_plans_per_user: i64 {
            env: "LIVEPLAN_MAX_PLANS_PER_USER",
            default: "1000",
            parse: int::<i64, 1, MANY>,
            meaning: "plans one user may own; the next `POST /api/plans` is 403 `forbidden`",
        },
        max_plans_per_connection: usize {
            env: "LIVEPLAN_MAX_PLANS_PER_CONNECTION",
            default: "50",
            parse: int::<usize, 1, 1_000_000>,
            meaning: "plans one WebSocket may have joined or be joining; the next `join-plan` gets `error` `forbidden`",
        },
        max_members_per_plan: i64 {
            env: "LIVEPLAN_MAX_MEMBERS_PER_PLAN",
            default: "5000",
            parse: int::<i64, 1, MANY>,
            meaning: "members of one plan; adding one more is 403 `forbidden`",
        },
        max_tasks_per_plan: i64 {
            env: "LIVEPLAN_MAX_TASKS_PER_PLAN",
            default: "10000",
            parse: int::<i64, 1, MANY>,
            meaning: "tasks of one plan; creating one more is 403 `forbidden`",
        },
        max_outbound_bytes: usize {
            env: "LIVEPLAN_MAX_OUTBOUND_BYTES",
            default: "1048576",
            parse: int::<usize, 1024, { 1024 * 1024 * 1024 }>,
            meaning: "bytes that may wait for a WebSocket that does not read; then close 1008 `slow consumer`",
        },
        max_outbound_messages: usize {
            env: "LIVEPLAN_MAX_OUTBOUND_MESSAGES",
            default: "4096",
            parse: int::<usize, 1, MANY>,
            meaning: "frames that may wait for a WebSocket that does not read; then close 1008 `slow consumer`",
        },
        shutdown_grace_ms: Duration {
            env: "LIVEPLAN_SHUTDOWN_GRACE_MS",
            default: "10000",
            parse: millis::<0, 3_600_000>,
            meaning: "on SIGTERM/SIGINT: WebSockets get 1001, in-flight requests finish, exit 0 within this",
        },
        event_retention_count: i64 {
            env: "LIVEPLAN_EVENT_RETENTION_COUNT",
            default: "10000",
            parse: int::<i64, 1, 1_000_000_000>,
            meaning: "newest events kept per plan for `since`",
        },
        event_retention_age: Duration {
            env: "LIVEPLAN_EVENT_RETENTION_AGE",
            default: "7d",
            parse: duration,
            meaning: "events younger than this are kept too, however many; an event is pruned only when beyond the count and older than this",
        },
        retention_sweep_ms: Duration {
            env: "LIVEPLAN_RETENTION_SWEEP_MS",
            default: "60000",
            parse: millis::<10, 86_400_000>,
            meaning: "how often old events are pruned",
        },
        due_reminder_before: Duration {
            env: "LIVEPLAN_DUE_REMINDER_BEFORE",
            default: "1h",
            parse: duration,
            meaning: "an assigned task is reminded (`due-date-reminder`) this long before it is due",
        },
        due_reminder_sweep_ms: Duration {
            env: "LIVEPLAN_DUE_REMINDER_SWEEP_MS",
            default: "30000",
            parse: millis::<10, 86_400_000>,
            meaning: "how often due tasks are looked for",
        },
    }
    flatten auth: AuthArgs
}

settings_table! {
    /// Token options, shared by `serve` and `token`. Its `Debug` never shows the secret.
    pub struct AuthArgs => AuthValues {
        jwt_secret: Option<String> {
            env: "LIVEPLAN_JWT_SECRET",
            verbatim: "none",
            parse: text,
            meaning: "HS256 secret (≥ 32 bytes)",
            redact: hidden,
        },
        jwt_public_key_file: Option<String> {
            env: "LIVEPLAN_JWT_PUBLIC_KEY_FILE",
            verbatim: "none",
            parse: text,
            meaning: "PEM public key for RS256/ES256",
        },
        jwt_algorithm: Option<Algorithm> {
            env: "LIVEPLAN_JWT_ALGORITHM",
            verbatim: "`HS256`",
            parse: algorithm,
            meaning: "pinned algorithm (HS256, RS256 or ES256); required with a key file",
        },
        jwt_issuer: Option<String> {
            env: "LIVEPLAN_JWT_ISSUER",
            unset: "unchecked",
            parse: text,
            meaning: "required `iss`",
        },
        jwt_audience: Option<String> {
            env: "LIVEPLAN_JWT_AUDIENCE",
            unset: "unchecked",
            parse: text,
            meaning: "required `aud`",
        },
        jwt_leeway_secs: u64 {
            env: "LIVEPLAN_JWT_LEEWAY_SECS",
            default: "5",
            parse: int::<u64, 0, 3600>,
            meaning: "clock skew allowed on `exp`/`nbf`, in seconds",
        },
    }
}
