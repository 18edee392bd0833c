//! What every request handler and WebSocket session shares.

use std::sync::Arc;

use actix::Addr;

use crate::auth::{KnownUsers, TokenIssuer, TokenVerifier};
use crate::config::Settings;
use crate::db::Database;
use crate::metrics::Metrics;
use crate::rate_limit::{PerSourceLimiter, PerUserLimiter};
use crate::realtime::registry::Registry;

pub struct AppState {
    pub db: Database,
    /// The one registry of rooms and sessions (started once, outside the worker factory).
    pub registry: Addr<Registry>,
    pub verifier: Arc<TokenVerifier>,
    /// Present only in dev mode: signs tokens for `POST /api/dev/token`.
    pub dev_issuer: Option<Arc<TokenIssuer>>,
    pub users: KnownUsers,
    /// REST mutations per user (taken in the `AuthUser` extractor).
    pub rest_limiter: PerUserLimiter,
    /// REST reads per user (taken in the `AuthUser` extractor).
    pub read_limiter: PerUserLimiter,
    /// WebSocket upgrades per source address (taken before the token is verified).
    pub ws_connect_limiter: PerSourceLimiter,
    pub metrics: Arc<Metrics>,
    pub settings: Arc<Settings>,
}
