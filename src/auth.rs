//! JWT verification (contract §1), the dev-mode secret, and the [`AuthUser`] extractor.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{Algorithm, AuthSettings, KeySource};
use crate::db::{self, Database};
use crate::error::ApiError;
use crate::limits::Limit;
use crate::model::UserRef;
use crate::startup_error::StartupError;
use crate::state::AppState;
use crate::validate;

/// The settings row holding the dev-mode HS256 secret.
const DEV_SECRET_SETTING: &str = "dev_jwt_secret";

/// 9999-12-31T23:59:59Z, the last second RFC 3339 can write. A later `exp` (up to
/// `i64::MAX`) is valid and counts as this second, so nothing downstream (the expiry timer,
/// `token-refreshed.expiresAt`) computes with a number near the end of `i64`.
pub const LATEST_EXP: i64 = 253_402_300_799;

/// The claims liveplan reads. Unknown claims are ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// A string or an array of strings (RFC 7519 §4.1.3); jsonwebtoken checks it against
    /// the configured audience, liveplan only carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
}

/// The `aud` claim in either of its JSON forms.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// Who a verified token speaks for, and until when.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: UserRef,
    pub email: Option<String>,
    /// `exp`, in seconds since the epoch, at most [`LATEST_EXP`].
    pub expires_at: i64,
}

impl Identity {
    /// When a live connection on this token must close: `exp` + `leeway`, in milliseconds
    /// since the epoch (saturating, whatever `expires_at` holds).
    pub fn closes_at_ms(&self, leeway: std::time::Duration) -> i64 {
        let leeway = i64::try_from(leeway.as_secs()).unwrap_or(i64::MAX);
        self.expires_at.saturating_add(leeway).saturating_mul(1000)
    }
}

/// Why a token was refused. The text is safe to show the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("missing token")]
    Missing,
    #[error("token expired")]
    Expired,
    #[error("invalid token")]
    Invalid,
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        ApiError::Unauthorized(e.to_string())
    }
}

fn jwt_algorithm(a: Algorithm) -> jsonwebtoken::Algorithm {
    match a {
        Algorithm::Hs256 => jsonwebtoken::Algorithm::HS256,
        Algorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
        Algorithm::Es256 => jsonwebtoken::Algorithm::ES256,
    }
}

/// Checks tokens against the one configured key and algorithm.
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl TokenVerifier {
    /// `dev_secret` is the stored secret, used when no key is configured.
    pub fn new(
        settings: &AuthSettings,
        dev_secret: Option<&[u8]>,
    ) -> Result<TokenVerifier, StartupError> {
        let (algorithm, key) = match &settings.keys {
            KeySource::Dev => {
                let secret =
                    dev_secret.ok_or(StartupError::Keys("dev mode needs the stored secret"))?;
                (Algorithm::Hs256, DecodingKey::from_secret(secret))
            }
            KeySource::Secret(secret) => (Algorithm::Hs256, DecodingKey::from_secret(secret)),
            KeySource::PublicKey { algorithm, pem } => {
                let key = match algorithm {
                    Algorithm::Rs256 => DecodingKey::from_rsa_pem(pem),
                    Algorithm::Es256 => DecodingKey::from_ec_pem(pem),
                    Algorithm::Hs256 => {
                        return Err(StartupError::Keys("HS256 takes a secret, not a key file"))
                    }
                }
                .map_err(StartupError::Key)?;
                (*algorithm, key)
            }
        };
        // Validation::new pins the one algorithm: a token whose header names another one
        // (including "none") is refused before its signature is looked at.
        let mut validation = Validation::new(jwt_algorithm(algorithm));
        validation.leeway = settings.leeway.as_secs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // `set_issuer`/`set_audience` only compare the claims a token carries; a configured
        // issuer or audience must also be present, so they are required here too.
        let mut required = vec!["exp", "sub"];
        if settings.issuer.is_some() {
            required.push("iss");
        }
        if settings.audience.is_some() {
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        match &settings.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &settings.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        Ok(TokenVerifier { key, validation })
    }

    pub fn verify(&self, token: &str) -> Result<Identity, TokenError> {
        use jsonwebtoken::errors::ErrorKind;
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            },
        )?;
        let claims = data.claims;
        // The user id is written into logs, rows and frames: it must be an id
        // (docs/protocol.md), or the token is not one of ours.
        if !validate::is_id(&claims.sub) {
            return Err(TokenError::Invalid);
        }
        let name = claims
            .name
            .map(|n| validate::clean_name(&n, validate::MAX_NAME))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| claims.sub.clone());
        Ok(Identity {
            user: UserRef {
                id: claims.sub,
                name,
            },
            email: claims.email.as_deref().and_then(validate::clean_email),
            expires_at: claims.exp.min(LATEST_EXP),
        })
    }
}

/// Mints HS256 tokens: the dev endpoint, `liveplan token` and tests.
pub struct TokenIssuer {
    key: EncodingKey,
    issuer: Option<String>,
    audience: Option<String>,
}

impl TokenIssuer {
    pub fn new(secret: &[u8], issuer: Option<String>, audience: Option<String>) -> TokenIssuer {
        TokenIssuer {
            key: EncodingKey::from_secret(secret),
            issuer,
            audience,
        }
    }

    pub fn mint(
        &self,
        user_id: &str,
        name: &str,
        email: Option<&str>,
        ttl_secs: i64,
    ) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            name: Some(name.to_string()),
            email: email.map(str::to_string),
            exp: now.saturating_add(ttl_secs).min(LATEST_EXP),
            iat: Some(now),
            nbf: None,
            iss: self.issuer.clone(),
            aud: self.audience.clone().map(Audience::One),
        };
        jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &self.key,
        )
        .map_err(|e| ApiError::Internal(format!("token signing: {e}")))
    }
}

/// Loads (or, on first start, creates and stores) the dev-mode secret.
pub async fn dev_secret(db: &Database) -> Result<Vec<u8>, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("random: {e}")))?;
    let fresh: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let stored = db
        .write(move |conn| db::settings::get_or_insert(conn, DEV_SECRET_SETTING, &fresh))
        .await?;
    Ok(stored.into_bytes())
}

/// The bearer token of a request: `Authorization: Bearer …`, or for the WebSocket upgrade
/// (browsers cannot set headers there) the `token` query parameter.
pub fn bearer_token(req: &HttpRequest, allow_query: bool) -> Option<String> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let text = value.to_str().ok()?;
        let (scheme, token) = text.split_once(' ')?;
        if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
            return Some(token.trim().to_string());
        }
        return None;
    }
    if allow_query {
        let query = web::Query::<TokenQuery>::from_query(req.query_string()).ok()?;
        return query.into_inner().token.filter(|t| !t.is_empty());
    }
    None
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// The authenticated caller of a REST route. Extracting it verifies the token, takes a
/// token from the caller's REST mutation bucket (anything but GET and HEAD) or read bucket
/// (GET, HEAD), and upserts the user row (only when the token's name or email changed
/// since last seen).
#[derive(Debug, Clone)]
pub struct AuthUser(pub Identity);

impl AuthUser {
    pub fn user(&self) -> &UserRef {
        &self.0.user
    }

    pub fn id(&self) -> &str {
        &self.0.user.id
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<AuthUser, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req, false);
        let mutation = !matches!(
            *req.method(),
            actix_web::http::Method::GET | actix_web::http::Method::HEAD
        );
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("app state missing".into()))?;
            let token = token.ok_or(TokenError::Missing)?;
            let identity = state.verifier.verify(&token)?;
            // Limited per user, mutations and reads in separate buckets, before anything
            // touches the database.
            let (limiter, limit) = if mutation {
                (&state.rest_limiter, Limit::RestMutations)
            } else {
                (&state.read_limiter, Limit::RestReads)
            };
            limiter.take(&identity.user.id).map_err(|wait| {
                state.metrics.limit_refused(limit);
                ApiError::rate_limited(wait)
            })?;
            state.users.remember(&state.db, &identity).await?;
            Ok(AuthUser(identity))
        })
    }
}

/// How many users [`KnownUsers`] remembers at most. Past it, the user remembered longest
/// ago is forgotten: their next request writes their row again, which is harmless (the
/// upsert is idempotent), and memory stays bounded (some 200 bytes a user, so about 20 MB)
/// however many distinct users a long-running server sees.
pub const KNOWN_USERS_MAX: usize = 100_000;

/// A user row as last written: `(name, email)`.
type UserRow = (String, Option<String>);

/// Remembers which `(name, email)` each user row was last written with, so that the
/// per-request upsert is a hash lookup, not a database write, for a known user. Holds at
/// most [`KNOWN_USERS_MAX`] users, forgetting the oldest first.
pub struct KnownUsers {
    seen: std::sync::Mutex<Remembered>,
}

impl Default for KnownUsers {
    fn default() -> Self {
        KnownUsers {
            seen: std::sync::Mutex::new(Remembered::new(KNOWN_USERS_MAX)),
        }
    }
}

impl KnownUsers {
    pub async fn remember(&self, db: &Database, identity: &Identity) -> Result<(), ApiError> {
        let current = (identity.user.name.clone(), identity.email.clone());
        if self.lock().is_current(&identity.user.id, &current) {
            return Ok(());
        }
        let (id, name, email) = (
            identity.user.id.clone(),
            current.0.clone(),
            current.1.clone(),
        );
        db.write(move |conn| db::users::upsert(conn, &id, &name, email.as_deref()))
            .await?;
        self.lock().insert(identity.user.id.clone(), current);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The rows [`KnownUsers`] remembers, and in which order they came, to forget the oldest.
struct Remembered {
    max: usize,
    rows: std::collections::HashMap<String, UserRow>,
    /// User ids, oldest first; the same ids as `rows`.
    order: std::collections::VecDeque<String>,
}

impl Remembered {
    fn new(max: usize) -> Remembered {
        Remembered {
            max,
            rows: Default::default(),
            order: Default::default(),
        }
    }

    fn is_current(&self, id: &str, row: &UserRow) -> bool {
        self.rows.get(id) == Some(row)
    }

    /// A new user comes last in the order; a known one keeps its place.
    fn insert(&mut self, id: String, row: UserRow) {
        if let Some(known) = self.rows.get_mut(&id) {
            *known = row;
            return;
        }
        self.order.push_back(id.clone());
        self.rows.insert(id, row);
        while self.order.len() > self.max {
            if let Some(oldest) = self.order.pop_front() {
                self.rows.remove(&oldest);
            }
        }
    }
}

/// Shared handle used across the app.
pub type Verifier = Arc<TokenVerifier>;

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> UserRow {
        (name.to_string(), None)
    }

    #[test]
    fn known_users_forget_the_oldest_past_their_bound_and_an_update_keeps_its_place() {
        let mut seen = Remembered::new(2);
        seen.insert("ada".into(), row("Ada"));
        seen.insert("bob".into(), row("Bob"));
        seen.insert("ada".into(), row("Ada L."));
        assert!(seen.is_current("ada", &row("Ada L.")));
        assert!(!seen.is_current("ada", &row("Ada")));

        seen.insert("cy".into(), row("Cy"));
        assert!(
            !seen.is_current("ada", &row("Ada L.")),
            "the oldest is forgotten"
        );
        assert!(seen.is_current("bob", &row("Bob")));
        assert!(seen.is_current("cy", &row("Cy")));
        assert_eq!((seen.rows.len(), seen.order.len()), (2, 2));
    }
}
