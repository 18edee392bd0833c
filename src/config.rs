//! Settings from environment variables, with command-line flags overriding them.
//!
//! Every variable, its flag and its default (also in README.md, "Configuration"):
//!
//! | variable | flag | default |
//! |---|---|---|
//! | `LIVEPLAN_BIND` | `--bind` | `127.0.0.1:8080` |
//! | `DATABASE_URL` | `--database-url` | `sqlite://liveplan.db` |
//! | `LIVEPLAN_DB_POOL_SIZE` | `--db-pool-size` | `16` |
//! | `LIVEPLAN_WORKERS` | `--workers` | number of CPUs |
//! | `LIVEPLAN_JWT_SECRET` | `--jwt-secret` | none (dev mode) |
//! | `LIVEPLAN_JWT_PUBLIC_KEY_FILE` | `--jwt-public-key-file` | none |
//! | `LIVEPLAN_JWT_ALGORITHM` | `--jwt-algorithm` | `HS256` with a secret; required with a key file |
//! | `LIVEPLAN_JWT_ISSUER` | `--jwt-issuer` | not checked |
//! | `LIVEPLAN_JWT_AUDIENCE` | `--jwt-audience` | not checked |
//! | `LIVEPLAN_JWT_LEEWAY_SECS` | `--jwt-leeway-secs` | `5` |
//! | `LIVEPLAN_HEARTBEAT_MS` | `--heartbeat-ms` | `30000` |
//! | `LIVEPLAN_CLIENT_TIMEOUT_MS` | `--client-timeout-ms` | `75000` |
//! | `LIVEPLAN_ROOM_IDLE_TIMEOUT_MS` | `--room-idle-timeout-ms` | `60000` |
//! | `LIVEPLAN_MAX_MESSAGE_BYTES` | `--max-message-bytes` | `65536` |
//! | `LIVEPLAN_MAX_BODY_BYTES` | `--max-body-bytes` | `262144` |
//! | `LIVEPLAN_MAX_CONNECTIONS_PER_USER` | `--max-connections-per-user` | `5` |
//! | `LIVEPLAN_ALLOWED_ORIGINS` | `--allowed-origins` | any origin |
//! | `LIVEPLAN_WS_RATE_BURST` | `--ws-rate-burst` | `40` |
//! | `LIVEPLAN_WS_RATE_PER_SEC` | `--ws-rate-per-sec` | `10` |
//! | `LIVEPLAN_WS_RATE_CLOSE_AFTER` | `--ws-rate-close-after` | `50` |
//! | `LIVEPLAN_REST_RATE_BURST` | `--rest-rate-burst` | `60` |
//! | `LIVEPLAN_REST_RATE_PER_SEC` | `--rest-rate-per-sec` | `20` |
//! | `LIVEPLAN_REST_READ_RATE_BURST` | `--rest-read-rate-burst` | `300` |
//! | `LIVEPLAN_REST_READ_RATE_PER_SEC` | `--rest-read-rate-per-sec` | `100` |
//! | `LIVEPLAN_WS_CONNECT_RATE_BURST` | `--ws-connect-rate-burst` | `20` |
//! | `LIVEPLAN_WS_CONNECT_RATE_PER_SEC` | `--ws-connect-rate-per-sec` | `10` |
//! | `LIVEPLAN_MAX_PLANS_PER_USER` | `--max-plans-per-user` | `1000` |
//! | `LIVEPLAN_MAX_PLANS_PER_CONNECTION` | `--max-plans-per-connection` | `50` |
//! | `LIVEPLAN_MAX_MEMBERS_PER_PLAN` | `--max-members-per-plan` | `5000` |
//! | `LIVEPLAN_MAX_TASKS_PER_PLAN` | `--max-tasks-per-plan` | `10000` |
//! | `LIVEPLAN_MAX_OUTBOUND_BYTES` | `--max-outbound-bytes` | `1048576` |
//! | `LIVEPLAN_MAX_OUTBOUND_MESSAGES` | `--max-outbound-messages` | `4096` |
//! | `LIVEPLAN_SHUTDOWN_GRACE_MS` | `--shutdown-grace-ms` | `10000` |
//! | `LIVEPLAN_EVENT_RETENTION_COUNT` | `--event-retention-count` | `10000` |
//! | `LIVEPLAN_EVENT_RETENTION_AGE` | `--event-retention-age` | `7d` |
//! | `LIVEPLAN_RETENTION_SWEEP_MS` | `--retention-sweep-ms` | `60000` |
//! | `LIVEPLAN_DUE_REMINDER_BEFORE` | `--due-reminder-before` | `1h` |
//! | `LIVEPLAN_DUE_REMINDER_SWEEP_MS` | `--due-reminder-sweep-ms` | `30000` |
//!
//! Numbers are read as text and checked here, so that a bad value stops the start with a
//! message naming the variable, not only the flag.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

pub use crate::limits::Caps;
pub use crate::realtime::outbound::QueueLimit;
pub use crate::reminders::ReminderPolicy;
pub use crate::retention::RetentionPolicy;

/// A configuration problem, naming the variable at fault.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        ConfigError {
            variable,
            problem: problem.into(),
        }
    }
}

/// The raw `serve` options as clap reads them from flags and the environment.
#[derive(Debug, Clone, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LIVEPLAN_BIND")]
    pub bind: Option<String>,
    /// `sqlite://FILE` (default `sqlite://liveplan.db`) or `postgres://...`.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Database connections in the pool.
    #[arg(long, env = "LIVEPLAN_DB_POOL_SIZE")]
    pub db_pool_size: Option<String>,
    /// HTTP worker threads.
    #[arg(long, env = "LIVEPLAN_WORKERS")]
    pub workers: Option<String>,
    #[command(flatten)]
    pub auth: AuthArgs,
    /// Interval of server pings on every WebSocket, in milliseconds.
    #[arg(long, env = "LIVEPLAN_HEARTBEAT_MS")]
    pub heartbeat_ms: Option<String>,
    /// Close a WebSocket (4408) when nothing was heard from it for this long.
    #[arg(long, env = "LIVEPLAN_CLIENT_TIMEOUT_MS")]
    pub client_timeout_ms: Option<String>,
    /// Stop a plan's room when it has been empty this long.
    #[arg(long, env = "LIVEPLAN_ROOM_IDLE_TIMEOUT_MS")]
    pub room_idle_timeout_ms: Option<String>,
    /// Largest WebSocket message accepted, in bytes.
    #[arg(long, env = "LIVEPLAN_MAX_MESSAGE_BYTES")]
    pub max_message_bytes: Option<String>,
    /// Largest REST request body accepted, in bytes.
    #[arg(long, env = "LIVEPLAN_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<String>,
    /// WebSocket connections one user may hold at once.
    #[arg(long, env = "LIVEPLAN_MAX_CONNECTIONS_PER_USER")]
    pub max_connections_per_user: Option<String>,
    /// Comma-separated exact origins (`https://app.example.com`) allowed to open a
    /// WebSocket and to call the REST API from a browser. Unset: any origin.
    #[arg(long, env = "LIVEPLAN_ALLOWED_ORIGINS")]
    pub allowed_origins: Option<String>,
    /// Client messages one WebSocket may send at once before being limited.
    #[arg(long, env = "LIVEPLAN_WS_RATE_BURST")]
    pub ws_rate_burst: Option<String>,
    /// Client messages per second one WebSocket may send, sustained.
    #[arg(long, env = "LIVEPLAN_WS_RATE_PER_SEC")]
    pub ws_rate_per_sec: Option<String>,
    /// Close a WebSocket with 4429 after this many rate-limited messages in a row.
    #[arg(long, env = "LIVEPLAN_WS_RATE_CLOSE_AFTER")]
    pub ws_rate_close_after: Option<String>,
    /// REST mutations one user may make at once before being limited.
    #[arg(long, env = "LIVEPLAN_REST_RATE_BURST")]
    pub rest_rate_burst: Option<String>,
    /// REST mutations per second one user may make, sustained.
    #[arg(long, env = "LIVEPLAN_REST_RATE_PER_SEC")]
    pub rest_rate_per_sec: Option<String>,
    /// REST reads (GET, HEAD) one user may make at once before being limited.
    #[arg(long, env = "LIVEPLAN_REST_READ_RATE_BURST")]
    pub rest_read_rate_burst: Option<String>,
    /// REST reads per second one user may make, sustained.
    #[arg(long, env = "LIVEPLAN_REST_READ_RATE_PER_SEC")]
    pub rest_read_rate_per_sec: Option<String>,
    /// WebSocket upgrades one source address may ask for at once (before any token is
    /// looked at).
    #[arg(long, env = "LIVEPLAN_WS_CONNECT_RATE_BURST")]
    pub ws_connect_rate_burst: Option<String>,
    /// WebSocket upgrades per second one source address may ask for, sustained.
    #[arg(long, env = "LIVEPLAN_WS_CONNECT_RATE_PER_SEC")]
    pub ws_connect_rate_per_sec: Option<String>,
    /// Plans one user may own (not deleted).
    #[arg(long, env = "LIVEPLAN_MAX_PLANS_PER_USER")]
    pub max_plans_per_user: Option<String>,
    /// Plans one WebSocket connection may have joined (or be joining) at once.
    #[arg(long, env = "LIVEPLAN_MAX_PLANS_PER_CONNECTION")]
    pub max_plans_per_connection: Option<String>,
    /// Members one plan may have.
    #[arg(long, env = "LIVEPLAN_MAX_MEMBERS_PER_PLAN")]
    pub max_members_per_plan: Option<String>,
    /// Tasks one plan may hold.
    #[arg(long, env = "LIVEPLAN_MAX_TASKS_PER_PLAN")]
    pub max_tasks_per_plan: Option<String>,
    /// Bytes that may wait for one slow WebSocket before it is closed with 1008.
    #[arg(long, env = "LIVEPLAN_MAX_OUTBOUND_BYTES")]
    pub max_outbound_bytes: Option<String>,
    /// Frames that may wait for one slow WebSocket before it is closed with 1008.
    #[arg(long, env = "LIVEPLAN_MAX_OUTBOUND_MESSAGES")]
    pub max_outbound_messages: Option<String>,
    /// On SIGTERM/SIGINT, how long in-flight requests and closing connections may take
    /// before the process exits anyway, in milliseconds.
    #[arg(long, env = "LIVEPLAN_SHUTDOWN_GRACE_MS")]
    pub shutdown_grace_ms: Option<String>,
    /// Newest events kept per plan for `since` resume, whatever their age.
    #[arg(long, env = "LIVEPLAN_EVENT_RETENTION_COUNT")]
    pub event_retention_count: Option<String>,
    /// Events younger than this are kept, whatever their number (`90s`, `12h`, `7d`).
    #[arg(long, env = "LIVEPLAN_EVENT_RETENTION_AGE")]
    pub event_retention_age: Option<String>,
    /// How often old events are pruned, in milliseconds.
    #[arg(long, env = "LIVEPLAN_RETENTION_SWEEP_MS")]
    pub retention_sweep_ms: Option<String>,
    /// How long before its due time an assigned task is reminded (`15m`, `1h`, `1d`).
    #[arg(long, env = "LIVEPLAN_DUE_REMINDER_BEFORE")]
    pub due_reminder_before: Option<String>,
    /// How often due-date reminders are looked for, in milliseconds.
    #[arg(long, env = "LIVEPLAN_DUE_REMINDER_SWEEP_MS")]
    pub due_reminder_sweep_ms: Option<String>,
}

/// Token options, shared by `serve` and `token`. Its `Debug` never shows the secret.
#[derive(Clone, Args, Default)]
pub struct AuthArgs {
    /// HS256 shared secret (at least 32 bytes).
    #[arg(long, env = "LIVEPLAN_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// PEM file with the RS256 or ES256 public key.
    #[arg(long, env = "LIVEPLAN_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<String>,
    /// HS256, RS256 or ES256.
    #[arg(long, env = "LIVEPLAN_JWT_ALGORITHM")]
    pub jwt_algorithm: Option<String>,
    /// Required `iss` claim.
    #[arg(long, env = "LIVEPLAN_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// Required `aud` claim.
    #[arg(long, env = "LIVEPLAN_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    #[arg(long, env = "LIVEPLAN_JWT_LEEWAY_SECS")]
    pub jwt_leeway_secs: Option<String>,
}

impl fmt::Debug for AuthArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthArgs")
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("jwt_public_key_file", &self.jwt_public_key_file)
            .field("jwt_algorithm", &self.jwt_algorithm)
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("jwt_leeway_secs", &self.jwt_leeway_secs)
            .finish()
    }
}

/// How tokens are verified.
#[derive(Clone)]
pub enum KeySource {
    /// No key configured: a random HS256 secret kept in the database.
    Dev,
    /// HS256 with a shared secret.
    Secret(Vec<u8>),
    /// RS256 or ES256 with a PEM public key.
    PublicKey { algorithm: Algorithm, pem: Vec<u8> },
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets are never printed.
        match self {
            KeySource::Dev => f.write_str("Dev"),
            KeySource::Secret(_) => f.write_str("Secret(..)"),
            KeySource::PublicKey { algorithm, .. } => write!(f, "PublicKey({algorithm:?})"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Hs256,
    Rs256,
    Es256,
}

#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub keys: KeySource,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub leeway: Duration,
}

impl AuthSettings {
    pub fn is_dev(&self) -> bool {
        matches!(self.keys, KeySource::Dev)
    }

    pub fn from_args(args: &AuthArgs) -> Result<AuthSettings, ConfigError> {
        let algorithm = match args.jwt_algorithm.as_deref() {
            None => None,
            Some(a) => Some(match a.to_ascii_uppercase().as_str() {
                "HS256" => Algorithm::Hs256,
                "RS256" => Algorithm::Rs256,
                "ES256" => Algorithm::Es256,
                other => {
                    return Err(ConfigError::new(
                        "LIVEPLAN_JWT_ALGORITHM",
                        format!("{other:?} is not one of HS256, RS256, ES256"),
                    ))
                }
            }),
        };
        let keys = match (&args.jwt_secret, &args.jwt_public_key_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "LIVEPLAN_JWT_SECRET",
                    "set either LIVEPLAN_JWT_SECRET or LIVEPLAN_JWT_PUBLIC_KEY_FILE, not both",
                ))
            }
            (Some(secret), None) => {
                if secret.len() < 32 {
                    return Err(ConfigError::new(
                        "LIVEPLAN_JWT_SECRET",
                        "must be at least 32 bytes long",
                    ));
                }
                if matches!(algorithm, Some(a) if a != Algorithm::Hs256) {
                    return Err(ConfigError::new(
                        "LIVEPLAN_JWT_ALGORITHM",
                        "a shared secret (LIVEPLAN_JWT_SECRET) goes with HS256",
                    ));
                }
                KeySource::Secret(secret.as_bytes().to_vec())
            }
            (None, Some(path)) => {
                let algorithm = match algorithm {
                    Some(Algorithm::Hs256) => {
                        return Err(ConfigError::new(
                            "LIVEPLAN_JWT_ALGORITHM",
                            "a public key file goes with RS256 or ES256",
                        ))
                    }
                    Some(a) => a,
                    None => {
                        return Err(ConfigError::new(
                            "LIVEPLAN_JWT_ALGORITHM",
                            "required with LIVEPLAN_JWT_PUBLIC_KEY_FILE (RS256 or ES256)",
                        ))
                    }
                };
                let pem = std::fs::read(path).map_err(|e| {
                    ConfigError::new("LIVEPLAN_JWT_PUBLIC_KEY_FILE", format!("{path}: {e}"))
                })?;
                KeySource::PublicKey { algorithm, pem }
            }
            (None, None) => KeySource::Dev,
        };
        Ok(AuthSettings {
            keys,
            issuer: non_empty(&args.jwt_issuer),
            audience: non_empty(&args.jwt_audience),
            leeway: Duration::from_secs(parse_num(
                &args.jwt_leeway_secs,
                "LIVEPLAN_JWT_LEEWAY_SECS",
                5,
                0..=3600,
            )?),
        })
    }
}

/// The checked settings the server runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    pub database_url: String,
    pub db_pool_size: u32,
    pub workers: usize,
    pub auth: AuthSettings,
    pub heartbeat: Duration,
    pub client_timeout: Duration,
    pub room_idle_timeout: Duration,
    pub max_message_bytes: usize,
    pub max_body_bytes: usize,
    pub max_connections_per_user: usize,
    /// Exact origins allowed for the WebSocket upgrade and CORS; `None`: any.
    pub allowed_origins: Option<Vec<String>>,
    /// Client messages per WebSocket connection.
    pub ws_rate: RateLimit,
    /// Rate-limited messages in a row after which a WebSocket is closed with 4429.
    pub ws_rate_close_after: u32,
    /// REST mutations per user.
    pub rest_rate: RateLimit,
    /// REST reads (GET, HEAD) per user: a separate, larger bucket.
    pub rest_read_rate: RateLimit,
    /// WebSocket upgrades per source address, taken before the token is verified.
    pub ws_connect_rate: RateLimit,
    /// How much one user, plan or connection may hold.
    pub caps: Caps,
    /// What may wait for one connection that does not read (then: close 1008).
    pub outbound: QueueLimit,
    /// The longest a graceful shutdown waits before exiting anyway.
    pub shutdown_grace: Duration,
    /// What the event log keeps (for `since`), and how often it is pruned.
    pub retention: RetentionPolicy,
    /// When due-date reminders go out.
    pub reminders: ReminderPolicy,
}

/// A token bucket's shape: `burst` at once, `per_sec` sustained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub burst: u32,
    pub per_sec: u32,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://liveplan.db";

impl Settings {
    pub fn from_args(args: &ServeArgs) -> Result<Settings, ConfigError> {
        let bind_text = args.bind.as_deref().unwrap_or("127.0.0.1:8080");
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            ConfigError::new(
                "LIVEPLAN_BIND",
                format!("{bind_text:?} is not an IP:port address"),
            )
        })?;
        let auth = AuthSettings::from_args(&args.auth)?;
        if auth.is_dev() && !bind.ip().is_loopback() {
            return Err(ConfigError::new(
                "LIVEPLAN_BIND",
                "dev mode (no LIVEPLAN_JWT_SECRET or LIVEPLAN_JWT_PUBLIC_KEY_FILE) binds to \
                 loopback only; configure a key to listen on other addresses",
            ));
        }
        let database_url =
            non_empty(&args.database_url).unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        let heartbeat_ms = parse_num(
            &args.heartbeat_ms,
            "LIVEPLAN_HEARTBEAT_MS",
            30_000,
            10..=3_600_000,
        )?;
        let client_timeout_ms = parse_num(
            &args.client_timeout_ms,
            "LIVEPLAN_CLIENT_TIMEOUT_MS",
            heartbeat_ms.saturating_mul(5) / 2,
            10..=36_000_000,
        )?;
        if client_timeout_ms <= heartbeat_ms {
            return Err(ConfigError::new(
                "LIVEPLAN_CLIENT_TIMEOUT_MS",
                format!("must be longer than LIVEPLAN_HEARTBEAT_MS ({heartbeat_ms})"),
            ));
        }
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Settings {
            bind,
            database_url,
            db_pool_size: parse_num(&args.db_pool_size, "LIVEPLAN_DB_POOL_SIZE", 16, 1..=1000)?
                as u32,
            workers: parse_num(
                &args.workers,
                "LIVEPLAN_WORKERS",
                default_workers as u64,
                1..=1024,
            )? as usize,
            auth,
            heartbeat: Duration::from_millis(heartbeat_ms),
            client_timeout: Duration::from_millis(client_timeout_ms),
            room_idle_timeout: Duration::from_millis(parse_num(
                &args.room_idle_timeout_ms,
                "LIVEPLAN_ROOM_IDLE_TIMEOUT_MS",
                60_000,
                10..=86_400_000,
            )?),
            max_message_bytes: parse_num(
                &args.max_message_bytes,
                "LIVEPLAN_MAX_MESSAGE_BYTES",
                64 * 1024,
                256..=16 * 1024 * 1024,
            )? as usize,
            max_body_bytes: parse_num(
                &args.max_body_bytes,
                "LIVEPLAN_MAX_BODY_BYTES",
                256 * 1024,
                256..=64 * 1024 * 1024,
            )? as usize,
            max_connections_per_user: parse_num(
                &args.max_connections_per_user,
                "LIVEPLAN_MAX_CONNECTIONS_PER_USER",
                5,
                1..=100_000,
            )? as usize,
            allowed_origins: parse_origins(&args.allowed_origins)?,
            ws_rate: RateLimit {
                burst: parse_num(
                    &args.ws_rate_burst,
                    "LIVEPLAN_WS_RATE_BURST",
                    40,
                    1..=10_000_000,
                )? as u32,
                per_sec: parse_num(
                    &args.ws_rate_per_sec,
                    "LIVEPLAN_WS_RATE_PER_SEC",
                    10,
                    1..=10_000_000,
                )? as u32,
            },
            ws_rate_close_after: parse_num(
                &args.ws_rate_close_after,
                "LIVEPLAN_WS_RATE_CLOSE_AFTER",
                50,
                1..=10_000_000,
            )? as u32,
            rest_rate: RateLimit {
                burst: parse_num(
                    &args.rest_rate_burst,
                    "LIVEPLAN_REST_RATE_BURST",
                    60,
                    1..=10_000_000,
                )? as u32,
                per_sec: parse_num(
                    &args.rest_rate_per_sec,
                    "LIVEPLAN_REST_RATE_PER_SEC",
                    20,
                    1..=10_000_000,
                )? as u32,
            },
            rest_read_rate: RateLimit {
                burst: parse_num(
                    &args.rest_read_rate_burst,
                    "LIVEPLAN_REST_READ_RATE_BURST",
                    300,
                    1..=10_000_000,
                )? as u32,
                per_sec: parse_num(
                    &args.rest_read_rate_per_sec,
                    "LIVEPLAN_REST_READ_RATE_PER_SEC",
                    100,
                    1..=10_000_000,
                )? as u32,
            },
            ws_connect_rate: RateLimit {
                burst: parse_num(
                    &args.ws_connect_rate_burst,
                    "LIVEPLAN_WS_CONNECT_RATE_BURST",
                    20,
                    1..=10_000_000,
                )? as u32,
                per_sec: parse_num(
                    &args.ws_connect_rate_per_sec,
                    "LIVEPLAN_WS_CONNECT_RATE_PER_SEC",
                    10,
                    1..=10_000_000,
                )? as u32,
            },
            caps: Caps {
                plans_per_user: parse_num(
                    &args.max_plans_per_user,
                    "LIVEPLAN_MAX_PLANS_PER_USER",
                    1000,
                    1..=10_000_000,
                )? as i64,
                plans_per_connection: parse_num(
                    &args.max_plans_per_connection,
                    "LIVEPLAN_MAX_PLANS_PER_CONNECTION",
                    50,
                    1..=1_000_000,
                )? as usize,
                members_per_plan: parse_num(
                    &args.max_members_per_plan,
                    "LIVEPLAN_MAX_MEMBERS_PER_PLAN",
                    5000,
                    1..=10_000_000,
                )? as i64,
                tasks_per_plan: parse_num(
                    &args.max_tasks_per_plan,
                    "LIVEPLAN_MAX_TASKS_PER_PLAN",
                    10_000,
                    1..=10_000_000,
                )? as i64,
            },
            outbound: QueueLimit {
                max_bytes: parse_num(
                    &args.max_outbound_bytes,
                    "LIVEPLAN_MAX_OUTBOUND_BYTES",
                    1024 * 1024,
                    1024..=1024 * 1024 * 1024,
                )? as usize,
                max_frames: parse_num(
                    &args.max_outbound_messages,
                    "LIVEPLAN_MAX_OUTBOUND_MESSAGES",
                    4096,
                    1..=10_000_000,
                )? as usize,
            },
            shutdown_grace: Duration::from_millis(parse_num(
                &args.shutdown_grace_ms,
                "LIVEPLAN_SHUTDOWN_GRACE_MS",
                10_000,
                0..=3_600_000,
            )?),
            retention: RetentionPolicy {
                keep_count: parse_num(
                    &args.event_retention_count,
                    "LIVEPLAN_EVENT_RETENTION_COUNT",
                    10_000,
                    1..=1_000_000_000,
                )? as i64,
                keep_for: match non_empty(&args.event_retention_age) {
                    None => Duration::from_secs(7 * 86_400),
                    Some(text) => parse_duration(&text).ok_or_else(|| {
                        ConfigError::new(
                            "LIVEPLAN_EVENT_RETENTION_AGE",
                            format!("{text:?} is not a duration such as 90s, 12h or 7d"),
                        )
                    })?,
                },
                sweep_every: Duration::from_millis(parse_num(
                    &args.retention_sweep_ms,
                    "LIVEPLAN_RETENTION_SWEEP_MS",
                    60_000,
                    10..=86_400_000,
                )?),
            },
            reminders: ReminderPolicy {
                before: match non_empty(&args.due_reminder_before) {
                    None => Duration::from_secs(3600),
                    Some(text) => parse_duration(&text).ok_or_else(|| {
                        ConfigError::new(
                            "LIVEPLAN_DUE_REMINDER_BEFORE",
                            format!("{text:?} is not a duration such as 15m, 1h or 1d"),
                        )
                    })?,
                },
                sweep_every: Duration::from_millis(parse_num(
                    &args.due_reminder_sweep_ms,
                    "LIVEPLAN_DUE_REMINDER_SWEEP_MS",
                    30_000,
                    10..=86_400_000,
                )?),
            },
        })
    }
}

/// `https://a.example, http://localhost:3000` → exact origins (scheme, host, optional
/// port; no path, no trailing slash), compared byte for byte with the `Origin` header.
fn parse_origins(value: &Option<String>) -> Result<Option<Vec<String>>, ConfigError> {
    let Some(text) = non_empty(value) else {
        return Ok(None);
    };
    let mut origins = Vec::new();
    for origin in text.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        let valid = rest.is_some_and(|host| {
            !host.is_empty()
                && !host.contains('/')
                && !host.contains('*')
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        });
        if !valid {
            return Err(ConfigError::new(
                "LIVEPLAN_ALLOWED_ORIGINS",
                format!(
                    "{origin:?} is not an origin such as https://app.example.com or \
                     http://localhost:3000 (scheme and host, no path, no wildcard)"
                ),
            ));
        }
        origins.push(origin.to_ascii_lowercase());
    }
    if origins.is_empty() {
        return Err(ConfigError::new(
            "LIVEPLAN_ALLOWED_ORIGINS",
            "lists no origin",
        ));
    }
    Ok(Some(origins))
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn parse_num(
    value: &Option<String>,
    variable: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let Some(text) = non_empty(value) else {
        return Ok(default);
    };
    let n: u64 = text
        .parse()
        .map_err(|_| ConfigError::new(variable, format!("{text:?} is not a whole number")))?;
    if !range.contains(&n) {
        return Err(ConfigError::new(
            variable,
            format!("{n} is outside {}..={}", range.start(), range.end()),
        ));
    }
    Ok(n)
}

/// Parses a lifetime such as `90s`, `15m`, `1h`, `7d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = digits.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_number_names_its_variable() {
        let args = ServeArgs {
            heartbeat_ms: Some("soon".into()),
            ..Default::default()
        };
        let err = Settings::from_args(&args)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("LIVEPLAN_HEARTBEAT_MS"), "{err}");
    }

    #[test]
    fn dev_mode_refuses_a_public_bind_address() {
        let args = ServeArgs {
            bind: Some("0.0.0.0:8080".into()),
            ..Default::default()
        };
        let err = Settings::from_args(&args).err().map(|e| e.variable);
        assert_eq!(err, Some("LIVEPLAN_BIND"));
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let args = ServeArgs {
            auth: AuthArgs {
                jwt_secret: Some("a-very-secret-value-that-is-long-enough-123".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let printed = format!("{args:?}");
        assert!(!printed.contains("a-very-secret-value"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
    }

    #[test]
    fn a_short_secret_is_refused() {
        let args = ServeArgs {
            auth: AuthArgs {
                jwt_secret: Some("short".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let err = Settings::from_args(&args).err().map(|e| e.variable);
        assert_eq!(err, Some("LIVEPLAN_JWT_SECRET"));
    }

    #[test]
    fn origins_are_exact_and_a_path_or_wildcard_is_refused() {
        let parse = |v: &str| parse_origins(&Some(v.to_string()));
        assert_eq!(
            parse(" https://App.example.com , http://localhost:3000").ok(),
            Some(Some(vec![
                "https://app.example.com".to_string(),
                "http://localhost:3000".to_string()
            ]))
        );
        for bad in [
            "app.example.com",
            "https://a.example/",
            "https://*.example",
            ",",
        ] {
            let err = parse(bad).err().map(|e| e.variable);
            assert_eq!(err, Some("LIVEPLAN_ALLOWED_ORIGINS"), "{bad}");
        }
    }

    #[test]
    fn durations_read_units() {
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("1y"), None);
    }
}
