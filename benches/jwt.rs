//! `TokenVerifier::verify` for each supported algorithm (HS256, RS256 with a 2048-bit key,
//! ES256 on P-256), with an issuer and an audience configured as in production, plus the
//! cost of refusing a token with a bad signature.
//!
//! `cargo bench --bench jwt`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jsonwebtoken::{EncodingKey, Header};
use liveplan::auth::{Audience, Claims, TokenIssuer, TokenVerifier};
use liveplan::config::{Algorithm, AuthSettings, KeySource};
use rand_core::OsRng;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

const ISSUER: &str = "https://auth.example.test";
const AUDIENCE: &str = "liveplan";
const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-bench-secret";

fn settings(keys: KeySource) -> AuthSettings {
    AuthSettings {
        keys,
        issuer: Some(ISSUER.into()),
        audience: Some(AUDIENCE.into()),
        leeway: Duration::from_secs(5),
    }
}

fn claims() -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: "ada".into(),
        name: Some("Ada Lovelace".into()),
        email: Some("ada@example.test".into()),
        // Long enough to outlive any bench run.
        exp: now + 24 * 3600,
        iat: Some(now),
        nbf: None,
        iss: Some(ISSUER.into()),
        aud: Some(Audience::One(AUDIENCE.into())),
    }
}

/// Signs `claims()` with `key` under `alg`.
fn sign(alg: jsonwebtoken::Algorithm, key: &EncodingKey) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims(), key).expect("signing")
}

/// The token with one character inside its signature changed: still well-formed base64url,
/// so the refusal is the signature check's.
fn tampered(token: &str) -> String {
    let at = token.rfind('.').expect("a JWT") + 6;
    let mut bytes = token.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ASCII")
}

struct Case {
    name: &'static str,
    verifier: TokenVerifier,
    token: String,
}

fn cases() -> Vec<Case> {
    // HS256: minted the way the server's own issuer does it.
    let hs_verifier =
        TokenVerifier::new(&settings(KeySource::Secret(SECRET.to_vec())), None).expect("HS256");
    let hs_token = TokenIssuer::new(SECRET, Some(ISSUER.into()), Some(AUDIENCE.into()))
        .mint("ada", "Ada Lovelace", Some("ada@example.test"), 24 * 3600)
        .expect("mint");

    // RS256, 2048-bit key.
    let rsa_private = rsa::RsaPrivateKey::new(&mut OsRng, 2048).expect("RSA key");
    let rsa_private_pem = rsa_private.to_pkcs8_pem(LineEnding::LF).expect("pem");
    let rsa_public_pem = rsa_private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("pem");
    let rs_verifier = TokenVerifier::new(
        &settings(KeySource::PublicKey {
            algorithm: Algorithm::Rs256,
            pem: rsa_public_pem.into_bytes(),
        }),
        None,
    )
    .expect("RS256");
    let rs_token = sign(
        jsonwebtoken::Algorithm::RS256,
        &EncodingKey::from_rsa_pem(rsa_private_pem.as_bytes()).expect("RSA encoding key"),
    );

    // ES256, P-256.
    let ec_private = p256::SecretKey::random(&mut OsRng);
    let ec_private_pem = ec_private.to_pkcs8_pem(LineEnding::LF).expect("pem");
    let ec_public_pem = ec_private
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("pem");
    let es_verifier = TokenVerifier::new(
        &settings(KeySource::PublicKey {
            algorithm: Algorithm::Es256,
            pem: ec_public_pem.into_bytes(),
        }),
        None,
    )
    .expect("ES256");
    let es_token = sign(
        jsonwebtoken::Algorithm::ES256,
        &EncodingKey::from_ec_pem(ec_private_pem.as_bytes()).expect("EC encoding key"),
    );

    let hs_bad = tampered(&hs_token);
    vec![
        Case {
            name: "hs256",
            verifier: hs_verifier,
            token: hs_token,
        },
        Case {
            name: "rs256",
            verifier: rs_verifier,
            token: rs_token,
        },
        Case {
            name: "es256",
            verifier: es_verifier,
            token: es_token,
        },
        Case {
            name: "hs256_bad_signature",
            verifier: TokenVerifier::new(&settings(KeySource::Secret(SECRET.to_vec())), None)
                .expect("HS256"),
            token: hs_bad,
        },
    ]
}

fn bench_verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("jwt_verify");
    group.throughput(Throughput::Elements(1));
    for case in cases() {
        let expect_ok = !case.name.ends_with("bad_signature");
        let result = case.verifier.verify(&case.token);
        assert_eq!(result.is_ok(), expect_ok, "{}: {result:?}", case.name);
        group.bench_function(case.name, |b| {
            b.iter(|| case.verifier.verify(black_box(&case.token)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
