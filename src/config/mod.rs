//! Settings from environment variables, with command-line flags overriding them.
//!
//! Every setting (variable, flag, default, parser, meaning) is one row of the table in
//! `config/args.rs`; README.md's "Configuration" table is generated from it
//! ([`markdown_table`]; a unit test fails when the README differs and says how to
//! rewrite it). [`Settings::from_args`] reads the rows' values and checks what spans
//! several of them (dev mode and the bind address, the client timeout and the heartbeat,
//! the key and the algorithm).
//!
//! Values are read as text and checked here, so that a bad value stops the start with a
//! [`ConfigError`] naming the variable, not only the flag.
//!
//! # Layout
//! - `args.rs`: the table, one row per setting ([`ServeArgs`], [`AuthArgs`]).
//! - `table.rs`: the `settings_table!` macro the rows are written in, and the README table.
//! - `parse.rs`: how one value is read, the parsers, [`ConfigError`].
//! - `secret.rs`: [`DatabaseUrl`], whose password never prints, and the rows' redaction.

mod args;
mod parse;
mod secret;
pub(crate) mod table;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::time::Duration;

pub use self::args::{AuthArgs, AuthValues, ServeArgs, ServeValues};
pub use self::parse::{parse_duration, ConfigError};
pub use self::secret::DatabaseUrl;
pub use self::table::{all_settings, markdown_table, Setting, Unset};
pub use crate::limits::Caps;
pub use crate::realtime::outbound::QueueLimit;
pub use crate::reminders::ReminderPolicy;
pub use crate::retention::RetentionPolicy;

/// `DATABASE_URL`'s default: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://liveplan.db";

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
        let v = args.values()?;
        let algorithm = v.jwt_algorithm;
        let keys = match (v.jwt_secret, v.jwt_public_key_file) {
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
                let pem = std::fs::read(&path).map_err(|e| {
                    ConfigError::new("LIVEPLAN_JWT_PUBLIC_KEY_FILE", format!("{path}: {e}"))
                })?;
                KeySource::PublicKey { algorithm, pem }
            }
            (None, None) => KeySource::Dev,
        };
        Ok(AuthSettings {
            keys,
            issuer: v.jwt_issuer,
            audience: v.jwt_audience,
            leeway: Duration::from_secs(v.jwt_leeway_secs),
        })
    }
}

/// The checked settings the server runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    /// Its `Debug` and `Display` hide the password.
    pub database_url: DatabaseUrl,
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

impl Settings {
    pub fn from_args(args: &ServeArgs) -> Result<Settings, ConfigError> {
        let v = args.values()?;
        let auth = AuthSettings::from_args(&args.auth)?;
        if auth.is_dev() && !v.bind.ip().is_loopback() {
            return Err(ConfigError::new(
                "LIVEPLAN_BIND",
                "dev mode (no LIVEPLAN_JWT_SECRET or LIVEPLAN_JWT_PUBLIC_KEY_FILE) binds to \
                 loopback only; configure a key to listen on other addresses",
            ));
        }
        let client_timeout_ms = v
            .client_timeout_ms
            .unwrap_or(v.heartbeat_ms.saturating_mul(5) / 2);
        if client_timeout_ms <= v.heartbeat_ms {
            return Err(ConfigError::new(
                "LIVEPLAN_CLIENT_TIMEOUT_MS",
                format!(
                    "must be longer than LIVEPLAN_HEARTBEAT_MS ({})",
                    v.heartbeat_ms
                ),
            ));
        }
        Ok(Settings {
            bind: v.bind,
            database_url: v.database_url,
            db_pool_size: v.db_pool_size,
            workers: v
                .workers
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            auth,
            heartbeat: Duration::from_millis(v.heartbeat_ms),
            client_timeout: Duration::from_millis(client_timeout_ms),
            room_idle_timeout: v.room_idle_timeout_ms,
            max_message_bytes: v.max_message_bytes,
            max_body_bytes: v.max_body_bytes,
            max_connections_per_user: v.max_connections_per_user,
            allowed_origins: v.allowed_origins,
            ws_rate: RateLimit {
                burst: v.ws_rate_burst,
                per_sec: v.ws_rate_per_sec,
            },
            ws_rate_close_after: v.ws_rate_close_after,
            rest_rate: RateLimit {
                burst: v.rest_rate_burst,
                per_sec: v.rest_rate_per_sec,
            },
            rest_read_rate: RateLimit {
                burst: v.rest_read_rate_burst,
                per_sec: v.rest_read_rate_per_sec,
            },
            ws_connect_rate: RateLimit {
                burst: v.ws_connect_rate_burst,
                per_sec: v.ws_connect_rate_per_sec,
            },
            caps: Caps {
                plans_per_user: v.max_plans_per_user,
                plans_per_connection: v.max_plans_per_connection,
                members_per_plan: v.max_members_per_plan,
                tasks_per_plan: v.max_tasks_per_plan,
            },
            outbound: QueueLimit {
                max_bytes: v.max_outbound_bytes,
                max_frames: v.max_outbound_messages,
            },
            shutdown_grace: v.shutdown_grace_ms,
            retention: RetentionPolicy {
                keep_count: v.event_retention_count,
                keep_for: v.event_retention_age,
                sweep_every: v.retention_sweep_ms,
            },
            reminders: ReminderPolicy {
                before: v.due_reminder_before,
                sweep_every: v.due_reminder_sweep_ms,
            },
        })
    }
}

/// `LIVEPLAN_ALLOWED_ORIGINS`' reading, as its row does it (for the unit tests).
#[cfg(test)]
fn parse_origins(value: &Option<String>) -> Result<Option<Vec<String>>, ConfigError> {
    let args = ServeArgs {
        allowed_origins: value.clone(),
        ..Default::default()
    };
    args.values().map(|v| v.allowed_origins)
}
