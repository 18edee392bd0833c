//! Every bad token is refused (contract §1): on REST with 401 and
//! `{"error":{"code":"unauthorized","message":...}}`, and on the WebSocket with close code
//! 4401 as the first and only frame.
//!
//! Covered here: `alg: none`; an algorithm other than the pinned one (HS384/HS512 against
//! HS256, the HS256-keyed-with-the-public-key confusion attack against RS256 and ES256,
//! RS256 against ES256 and back); another RSA or EC key; a tampered payload; a missing,
//! expired or not-yet-valid token, and the leeway; a wrong or missing `iss`/`aud` when
//! they are configured; an `exp` at or beyond the end of `i64`; a `sub` that is not an id
//! (and the cleaning of `name` and `email`). RS256 and ES256 key pairs are generated here,
//! and good tokens signed with them are shown to work end to end, so each refusal is the
//! key's doing.
//! (A token signed with another HS256 secret, and a missing token, are in `auth.rs`.)

use std::io::Write;
use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures_util::StreamExt;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use rand_core::OsRng;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{json, Value};

use crate::helpers::*;

const ISSUER: &str = "https://auth.example.test";
const AUDIENCE: &str = "liveplan";

/// A key pair as PEM text: the private key as PKCS#8, the public key as SPKI.
struct KeyPair {
    private_pem: String,
    public_pem: String,
}

fn rsa_pair() -> KeyPair {
    let private = rsa::RsaPrivateKey::new(&mut OsRng, 2048).expect("RSA key generation");
    KeyPair {
        private_pem: private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        public_pem: private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
    }
}

fn ec_pair() -> KeyPair {
    let private = p256::SecretKey::random(&mut OsRng);
    KeyPair {
        private_pem: private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        public_pem: private
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
    }
}

/// RSA key generation is slow in a debug build: each pair is made once per test run.
fn rsa_key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(rsa_pair)
}

fn other_rsa_key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(rsa_pair)
}

fn ec_key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(ec_pair)
}

fn other_ec_key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(ec_pair)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Valid claims for `sub`, good for ten minutes.
fn claims(sub: &str) -> Value {
    let now = now();
    json!({ "sub": sub, "name": display_name(sub), "iat": now, "exp": now + 600 })
}

fn sign(alg: Algorithm, key: &EncodingKey, claims: &Value) -> String {
    encode(&Header::new(alg), claims, key).expect("signing")
}

fn sign_hs(alg: Algorithm, secret: &[u8], claims: &Value) -> String {
    sign(alg, &EncodingKey::from_secret(secret), claims)
}

fn sign_rs256(pair: &KeyPair, claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(pair.private_pem.as_bytes()).expect("RSA private PEM");
    sign(Algorithm::RS256, &key, claims)
}

fn sign_es256(pair: &KeyPair, claims: &Value) -> String {
    let key = EncodingKey::from_ec_pem(pair.private_pem.as_bytes()).expect("EC private PEM");
    sign(Algorithm::ES256, &key, claims)
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// `header.payload.` with an empty signature, built by hand.
fn unsigned_token(alg: &str, claims: &Value) -> String {
    format!(
        "{}.{}.",
        b64(&json!({ "alg": alg, "typ": "JWT" })),
        b64(claims)
    )
}

/// The same token with `sub` in its payload changed to `sub`, signature untouched.
fn with_sub_changed(token: &str, sub: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWS has three segments: {token}");
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_ne!(payload["sub"], sub, "the tamper must change something");
    payload["sub"] = json!(sub);
    let tampered = format!("{}.{}.{}", parts[0], b64(&payload), parts[2]);
    assert_ne!(tampered, token);
    tampered
}

/// A server whose only key is the public half of `pair`, pinned to `algorithm`.
struct KeyServer {
    app: TestApp,
    _key_file: tempfile::NamedTempFile,
}

async fn spawn_with_public_key(
    algorithm: &str,
    pair: &KeyPair,
    configure: impl FnOnce(&mut liveplan::config::ServeArgs),
) -> KeyServer {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(pair.public_pem.as_bytes()).unwrap();
    file.flush().unwrap();
    let path = file.path().to_str().expect("UTF-8 temp path").to_string();
    let algorithm = algorithm.to_string();
    let app = spawn_app_with(move |args| {
        args.auth.jwt_secret = None;
        args.auth.jwt_public_key_file = Some(path);
        args.auth.jwt_algorithm = Some(algorithm);
        configure(args);
    })
    .await;
    KeyServer {
        app,
        _key_file: file,
    }
}

async fn spawn_rs256() -> KeyServer {
    spawn_with_public_key("RS256", rsa_key(), |_| {}).await
}

async fn spawn_es256() -> KeyServer {
    spawn_with_public_key("ES256", ec_key(), |_| {}).await
}

/// Asserts the token works: REST 200 and a WebSocket whose first frame is `connected`
/// for the token's user.
async fn assert_accepted(app: &TestApp, token: &str, user: &str, what: &str) {
    let a = app.get("/api/plans", token).await;
    assert_eq!(
        a.status, 200,
        "{what}: REST refused a good token: {:?}",
        a.body
    );
    let ws = WsClient::connect(&app.base, token).await;
    assert_eq!(ws.connected["user"]["id"], user, "{what}: {}", ws.connected);
    ws.close().await;
}

/// Asserts the token is refused: REST 401 with the error shape, and a WebSocket that gets
/// a 4401 close as its first and only frame. Returns the close reason.
async fn assert_refused(app: &TestApp, token: &str, what: &str) -> String {
    let a = app.get("/api/plans", token).await;
    assert_eq!(
        a.status, 401,
        "{what}: REST accepted a bad token: {:?}",
        a.body
    );
    assert_eq!(
        a.body["error"]["code"], "unauthorized",
        "{what}: {:?}",
        a.body
    );
    assert!(
        a.body["error"]["message"].is_string(),
        "{what}: {:?}",
        a.body
    );

    let mut socket = WsClient::open(&app.base, &format!("/ws?token={token}")).await;
    let mut frames = Vec::new();
    while let Ok(Some(frame)) = actix_web::rt::time::timeout(WAIT, socket.next()).await {
        let frame = frame.expect("websocket frame");
        let closed = matches!(frame, awc::ws::Frame::Close(_));
        frames.push(frame);
        if closed {
            break;
        }
    }
    assert_eq!(frames.len(), 1, "{what}: expected only a close: {frames:?}");
    let awc::ws::Frame::Close(Some(reason)) = &frames[0] else {
        panic!("{what}: the WebSocket accepted a bad token: {frames:?}");
    };
    assert_eq!(u16::from(reason.code), 4401, "{what}: {reason:?}");
    let text = reason.description.clone().unwrap_or_default();
    assert!(
        text == "unauthorized" || text == "token expired",
        "{what}: close reason {text:?}"
    );
    text
}

// ---------------------------------------------------------------------------------------
// alg: none, and algorithms other than the pinned one

#[actix_web::test]
async fn a_token_with_alg_none_is_refused_whatever_algorithm_is_pinned() {
    let hs = spawn_app().await;
    let rs = spawn_rs256().await;
    let es = spawn_es256().await;
    for (pinned, app) in [("HS256", &hs), ("RS256", &rs.app), ("ES256", &es.app)] {
        for alg in ["none", "None", "NONE"] {
            let token = unsigned_token(alg, &claims("ada"));
            assert_refused(app, &token, &format!("{pinned} server, alg {alg:?}")).await;
        }
    }
    // The same claims, properly signed, are fine: only the missing signature is refused.
    assert_accepted(
        &hs,
        &sign_hs(Algorithm::HS256, SECRET.as_bytes(), &claims("ada")),
        "ada",
        "HS256",
    )
    .await;
}

#[actix_web::test]
async fn an_hs256_server_refuses_hs384_and_hs512_tokens_signed_with_its_own_secret() {
    let app = spawn_app().await;
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        let token = sign_hs(alg, SECRET.as_bytes(), &claims("ada"));
        assert_refused(&app, &token, &format!("{alg:?}")).await;
    }
    let good = sign_hs(Algorithm::HS256, SECRET.as_bytes(), &claims("ada"));
    assert_accepted(&app, &good, "ada", "HS256").await;
}

#[actix_web::test]
async fn an_rs256_server_refuses_an_hs256_token_keyed_with_its_public_key_pem() {
    let server = spawn_rs256().await;
    let public_pem = rsa_key().public_pem.as_bytes();
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let token = sign_hs(alg, public_pem, &claims("mallory"));
        assert_refused(
            &server.app,
            &token,
            &format!("{alg:?} keyed with the RSA PEM"),
        )
        .await;
    }
}

#[actix_web::test]
async fn an_es256_server_refuses_an_hs256_token_keyed_with_its_public_key_pem() {
    let server = spawn_es256().await;
    let token = sign_hs(
        Algorithm::HS256,
        ec_key().public_pem.as_bytes(),
        &claims("mallory"),
    );
    assert_refused(&server.app, &token, "HS256 keyed with the EC PEM").await;
}

#[actix_web::test]
async fn an_es256_server_refuses_an_rs256_token() {
    let server = spawn_es256().await;
    let token = sign_rs256(rsa_key(), &claims("mallory"));
    assert_refused(&server.app, &token, "RS256 on an ES256 server").await;
}

#[actix_web::test]
async fn an_rs256_server_refuses_an_es256_token() {
    let server = spawn_rs256().await;
    let token = sign_es256(ec_key(), &claims("mallory"));
    assert_refused(&server.app, &token, "ES256 on an RS256 server").await;
}

// ---------------------------------------------------------------------------------------
// Another key, a tampered payload

#[actix_web::test]
async fn an_rs256_token_signed_with_another_rsa_key_is_refused() {
    let server = spawn_rs256().await;
    let token = sign_rs256(other_rsa_key(), &claims("mallory"));
    assert_refused(&server.app, &token, "another RSA key").await;
}

#[actix_web::test]
async fn an_es256_token_signed_with_another_ec_key_is_refused() {
    let server = spawn_es256().await;
    let token = sign_es256(other_ec_key(), &claims("mallory"));
    assert_refused(&server.app, &token, "another EC key").await;
}

#[actix_web::test]
async fn a_token_whose_payload_was_tampered_with_is_refused() {
    let hs = spawn_app().await;
    let rs = spawn_rs256().await;
    let es = spawn_es256().await;
    let cases = [
        (
            "HS256",
            &hs,
            sign_hs(Algorithm::HS256, SECRET.as_bytes(), &claims("ada")),
        ),
        ("RS256", &rs.app, sign_rs256(rsa_key(), &claims("ada"))),
        ("ES256", &es.app, sign_es256(ec_key(), &claims("ada"))),
    ];
    for (what, app, token) in cases {
        // The untouched token is good, so the refusal below is the tamper's doing.
        assert_accepted(app, &token, "ada", what).await;
        let tampered = with_sub_changed(&token, "root");
        assert_refused(app, &tampered, &format!("{what}, sub changed")).await;
    }
}

// ---------------------------------------------------------------------------------------
// exp, nbf and the leeway

#[actix_web::test]
async fn a_token_without_exp_is_refused() {
    let app = spawn_app().await;
    let mut no_exp = claims("ada");
    no_exp.as_object_mut().unwrap().remove("exp");
    let token = sign_hs(Algorithm::HS256, SECRET.as_bytes(), &no_exp);
    assert_refused(&app, &token, "no exp").await;
}

#[actix_web::test]
async fn a_token_expired_beyond_the_leeway_is_refused_with_token_expired() {
    // The default leeway is 5 s.
    let app = spawn_app().await;
    let mut expired = claims("ada");
    expired["exp"] = json!(now() - 60);
    let token = sign_hs(Algorithm::HS256, SECRET.as_bytes(), &expired);
    let reason = assert_refused(&app, &token, "expired 60 s ago").await;
    assert_eq!(reason, "token expired");
}

#[actix_web::test]
async fn a_token_not_yet_valid_beyond_the_leeway_is_refused() {
    let app = spawn_app().await;
    let mut early = claims("ada");
    early["nbf"] = json!(now() + 60);
    let token = sign_hs(Algorithm::HS256, SECRET.as_bytes(), &early);
    assert_refused(&app, &token, "nbf 60 s ahead").await;
}

#[actix_web::test]
async fn the_leeway_tolerates_a_little_clock_skew_and_no_more() {
    let app = spawn_app_with(|a| a.auth.jwt_leeway_secs = Some("30".into())).await;
    let at = |field: &str, offset: i64| {
        let mut c = claims("ada");
        c[field] = json!(now() + offset);
        sign_hs(Algorithm::HS256, SECRET.as_bytes(), &c)
    };
    assert_accepted(&app, &at("exp", -10), "ada", "expired 10 s ago, leeway 30").await;
    assert_accepted(&app, &at("nbf", 10), "ada", "nbf 10 s ahead, leeway 30").await;
    let reason = assert_refused(&app, &at("exp", -60), "expired 60 s ago, leeway 30").await;
    assert_eq!(reason, "token expired");
    assert_refused(&app, &at("nbf", 60), "nbf 60 s ahead, leeway 30").await;
}

// ---------------------------------------------------------------------------------------
// iss and aud

async fn spawn_with_issuer_and_audience() -> TestApp {
    spawn_app_with(|a| {
        a.auth.jwt_issuer = Some(ISSUER.into());
        a.auth.jwt_audience = Some(AUDIENCE.into());
    })
    .await
}

/// Claims for `ada` with the configured issuer and audience.
fn claims_with_iss_and_aud() -> Value {
    let mut c = claims("ada");
    c["iss"] = json!(ISSUER);
    c["aud"] = json!(AUDIENCE);
    c
}

#[actix_web::test]
async fn the_configured_issuer_and_audience_are_accepted() {
    let app = spawn_with_issuer_and_audience().await;
    let token = sign_hs(
        Algorithm::HS256,
        SECRET.as_bytes(),
        &claims_with_iss_and_aud(),
    );
    assert_accepted(&app, &token, "ada", "right iss and aud").await;
}

/// The configured claims for `ada` with `field` set to `value`, or removed when `None`.
fn hs256_token_with(field: &str, value: Option<&str>) -> String {
    let mut c = claims_with_iss_and_aud();
    match value {
        Some(v) => c[field] = json!(v),
        None => {
            c.as_object_mut().unwrap().remove(field);
        }
    }
    sign_hs(Algorithm::HS256, SECRET.as_bytes(), &c)
}

#[actix_web::test]
async fn a_wrong_issuer_is_refused_when_one_is_configured() {
    let app = spawn_with_issuer_and_audience().await;
    let token = hs256_token_with("iss", Some("https://evil.example.test"));
    assert_refused(&app, &token, "wrong iss").await;
}

#[actix_web::test]
async fn a_token_without_iss_is_refused_when_an_issuer_is_configured() {
    let app = spawn_with_issuer_and_audience().await;
    assert_refused(&app, &hs256_token_with("iss", None), "missing iss").await;
}

#[actix_web::test]
async fn a_wrong_audience_is_refused_when_one_is_configured() {
    let app = spawn_with_issuer_and_audience().await;
    let token = hs256_token_with("aud", Some("another-service"));
    assert_refused(&app, &token, "wrong aud").await;
}

#[actix_web::test]
async fn a_token_without_aud_is_refused_when_an_audience_is_configured() {
    let app = spawn_with_issuer_and_audience().await;
    assert_refused(&app, &hs256_token_with("aud", None), "missing aud").await;
}

// ---------------------------------------------------------------------------------------
// RS256 and ES256 end to end

#[actix_web::test]
async fn a_good_rs256_token_works_on_rest_and_websocket() {
    let server = spawn_rs256().await;
    let token = sign_rs256(rsa_key(), &claims("ada"));
    assert_accepted(&server.app, &token, "ada", "RS256").await;
    // The test's HS256 secret means nothing to an RS256 server.
    assert_refused(&server.app, &server.app.token("ada"), "HS256 test token").await;
}

#[actix_web::test]
async fn a_good_es256_token_works_on_rest_and_websocket() {
    let server = spawn_es256().await;
    let token = sign_es256(ec_key(), &claims("ada"));
    assert_accepted(&server.app, &token, "ada", "ES256").await;
    assert_refused(&server.app, &server.app.token("ada"), "HS256 test token").await;
}

/// With `iss` and `aud` configured: the right token is accepted; the same token expired,
/// or with the wrong `iss` or `aud`, is refused.
async fn assert_expiry_and_addressing_are_checked(
    algorithm: &str,
    pair: &KeyPair,
    sign: impl Fn(&KeyPair, &Value) -> String,
) {
    let server = spawn_with_public_key(algorithm, pair, |a| {
        a.auth.jwt_issuer = Some(ISSUER.into());
        a.auth.jwt_audience = Some(AUDIENCE.into());
    })
    .await;
    let good = claims_with_iss_and_aud();
    assert_accepted(&server.app, &sign(pair, &good), "ada", algorithm).await;
    let mut expired = good.clone();
    expired["exp"] = json!(now() - 60);
    let mut wrong_iss = good.clone();
    wrong_iss["iss"] = json!("https://evil.example.test");
    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = json!("another-service");
    for (what, c) in [
        ("expired", expired),
        ("wrong iss", wrong_iss),
        ("wrong aud", wrong_aud),
    ] {
        assert_refused(
            &server.app,
            &sign(pair, &c),
            &format!("{algorithm}, {what}"),
        )
        .await;
    }
}

#[actix_web::test]
async fn an_rs256_server_refuses_expired_and_misaddressed_tokens_too() {
    assert_expiry_and_addressing_are_checked("RS256", rsa_key(), sign_rs256).await;
}

#[actix_web::test]
async fn an_es256_server_refuses_expired_and_misaddressed_tokens_too() {
    assert_expiry_and_addressing_are_checked("ES256", ec_key(), sign_es256).await;
}

// ---------------------------------------------------------------------------------------
// exp at the far end of the range

/// An HS256 token for `ada` with this `exp` (any JSON number).
fn token_with_exp(exp: Value) -> String {
    sign_hs(
        Algorithm::HS256,
        SECRET.as_bytes(),
        &json!({ "sub": "ada", "name": "Ada", "iat": now(), "exp": exp }),
    )
}

#[actix_web::test]
async fn an_exp_at_the_end_of_time_is_accepted_without_overflow_and_the_connection_stays_open() {
    let app = spawn_app().await;
    // i64::MAX and just under it overflowed `(exp + leeway) * 1000` (a panic in debug
    // builds); 253402300800 is the first second of the year 10000.
    for exp in [i64::MAX, i64::MAX - 3, 253_402_300_800] {
        let token = token_with_exp(json!(exp));
        let a = app.get("/api/plans", &token).await;
        assert_eq!(a.status, 200, "exp {exp}: {}", a.body);

        let mut ws = WsClient::connect(&app.base, &token).await;
        ws.send(json!({ "type": "refresh-token", "token": token, "requestId": "r" }))
            .await;
        let refreshed = ws.next_json().await;
        assert_eq!(
            refreshed["type"], "token-refreshed",
            "exp {exp}: {refreshed}"
        );
        // Later than RFC 3339 can write counts as the last second it can.
        assert_eq!(
            refreshed["expiresAt"], "9999-12-31T23:59:59.000Z",
            "exp {exp}"
        );
        ws.expect_silence(300).await;
        ws.send(json!({ "type": "ping", "requestId": "p" })).await;
        let pong = ws.next_json().await;
        assert_eq!(
            pong["type"], "pong",
            "exp {exp}: the connection died: {pong}"
        );
        ws.close().await;
    }
    // The server still serves everyone.
    assert_accepted(&app, &app.token("bob"), "bob", "after the huge exps").await;
}

#[actix_web::test]
async fn an_exp_that_is_not_a_whole_number_of_seconds_in_range_is_refused_as_invalid() {
    let app = spawn_app().await;
    // Beyond i64 (and beyond u64, which jsonwebtoken reads exp as), negative, fractional
    // and non-finite-looking values: `invalid token`, never a panic.
    for exp in [
        json!(u64::MAX),
        json!(i64::MAX as u64 + 1),
        json!(1e20),
        json!(1.5e300),
        json!(-1),
        json!("9999999999"),
    ] {
        let token = token_with_exp(exp.clone());
        let reason = assert_refused(&app, &token, &format!("exp {exp}")).await;
        assert_eq!(reason, "unauthorized", "exp {exp}");
    }
    assert_accepted(&app, &app.token("ada"), "ada", "after the bad exps").await;
}

// ---------------------------------------------------------------------------------------
// sub, name and email

#[actix_web::test]
async fn a_sub_that_breaks_the_id_rule_is_refused() {
    let app = spawn_app().await;
    let too_long = "a".repeat(129);
    for sub in [
        "ada\n[2030-01-01T00:00:00Z INFO  liveplan] forged",
        "ada\r",
        "ada bob",
        "ada\u{202E}",
        "a/b",
        "ünï",
        "",
        too_long.as_str(),
    ] {
        let token = sign_hs(Algorithm::HS256, SECRET.as_bytes(), &claims(sub));
        assert_refused(&app, &token, &format!("sub {sub:?}")).await;
        // Nor can such a token refresh a live connection.
        let mut ws = app.ws("ada").await;
        ws.send(json!({ "type": "refresh-token", "token": token, "requestId": "r" }))
            .await;
        let refused = ws.next_json().await;
        assert_eq!(refused["type"], "error", "sub {sub:?}: {refused}");
        assert_eq!(refused["code"], "unauthorized", "sub {sub:?}");
        ws.close().await;
    }
    // The longest id, and every character the rule allows, pass.
    for sub in ["a".repeat(128), "Az09-_.:@x".to_string()] {
        let token = sign_hs(Algorithm::HS256, SECRET.as_bytes(), &claims(&sub));
        assert_accepted(&app, &token, &sub, &format!("sub {sub:?}")).await;
    }
}

/// The `email` stored for `user`.
async fn stored_email(app: &TestApp, user: &str) -> Option<String> {
    use diesel::prelude::*;
    use liveplan::db::schema::users;
    use liveplan::db::DbError;
    let user = user.to_string();
    app.state
        .db
        .read(move |c| -> Result<_, DbError> {
            Ok(users::table
                .find(user)
                .select(users::email)
                .first::<Option<String>>(c)?)
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_huge_name_with_control_and_bidi_characters_is_cleaned_trimmed_and_cut_to_100() {
    let app = spawn_app().await;
    let name = format!(
        "  \u{202E}Ada\u{0007}\u{200B} Love\u{2066}lace\u{0000}\u{FEFF}{}  \u{2028}",
        "x".repeat(10_000)
    );
    let long_email = format!("{}@example.com", "a".repeat(300));
    let token = sign_hs(
        Algorithm::HS256,
        SECRET.as_bytes(),
        &json!({ "sub": "ada", "name": name, "email": long_email, "exp": now() + 600 }),
    );
    let expected = format!("Ada Lovelace{}", "x".repeat(88));
    assert_eq!(expected.chars().count(), 100);

    let ws = WsClient::connect(&app.base, &token).await;
    assert_eq!(ws.connected["user"]["name"], expected.as_str());
    ws.close().await;
    let plan = app
        .post("/api/plans", &token, json!({ "title": "Named" }))
        .await;
    assert_eq!(plan.status, 201, "{}", plan.body);
    let plan_id = plan.body["id"].as_str().unwrap();
    let members = app
        .get(&format!("/api/plans/{plan_id}/members"), &token)
        .await;
    assert_eq!(
        members.body[0]["name"],
        expected.as_str(),
        "{}",
        members.body
    );
    // An email over 254 bytes is dropped, not stored.
    assert_eq!(stored_email(&app, "ada").await, None);

    // A name of nothing but invisible characters falls back to the id; an email of 254
    // bytes is kept.
    let email = format!("{}@example.com", "b".repeat(254 - "@example.com".len()));
    let token = sign_hs(
        Algorithm::HS256,
        SECRET.as_bytes(),
        &json!({ "sub": "bob", "name": " \u{202E}\u{200F}\t ", "email": email, "exp": now() + 600 }),
    );
    let ws = WsClient::connect(&app.base, &token).await;
    assert_eq!(ws.connected["user"]["name"], "bob");
    ws.close().await;
    assert_eq!(app.get("/api/plans", &token).await.status, 200);
    assert_eq!(stored_email(&app, "bob").await, Some(email));
}
