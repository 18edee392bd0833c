//! Token minting for tests: HS256 tokens signed with a test crate's secret, and the
//! display name the tests give a user id.

use liveplan::auth::TokenIssuer;

/// An issuer for `secret` (no issuer / audience claims), as the server configured with
/// `LIVEPLAN_JWT_SECRET=secret` accepts.
pub fn issuer(secret: &str) -> TokenIssuer {
    TokenIssuer::new(secret.as_bytes(), None, None)
}

/// A token for `user` named `name`, valid for `ttl_secs` (negative: already expired).
// Used by tests/crash, replay_bound and shutdown; api, outage and soak mint with an
// issuer of their own.
#[allow(dead_code)]
pub fn mint(secret: &str, user: &str, name: &str, ttl_secs: i64) -> String {
    issuer(secret)
        .mint(user, name, None, ttl_secs)
        .expect("mint")
}

/// `ada` -> `Ada`.
// Used by tests/api and outage; the others name users differently.
#[allow(dead_code)]
pub fn display_name(user: &str) -> String {
    let mut c = user.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
