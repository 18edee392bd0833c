//! The `Origin` allow-list: cross-site WebSocket hijacking protection and CORS for the REST
//! API, from one list (`LIVEPLAN_ALLOWED_ORIGINS`).
//!
//! - A request without `Origin` (servers, scripts, same-origin GETs) passes: the list is
//!   about browsers, which always send it on cross-origin requests and WebSocket upgrades.
//! - A request whose `Origin` is not on the list is answered 403 `forbidden` before any
//!   handler runs: the WebSocket is never upgraded, a mutation is never made. (Plain CORS
//!   would only stop the page from reading the answer.)
//! - An allowed origin gets CORS headers, and its preflight (`OPTIONS` with
//!   `Access-Control-Request-Method`) is answered here.
//! - With no list configured every origin is allowed (`Access-Control-Allow-Origin: *`):
//!   tokens travel in headers or the query, never in cookies, so a foreign page cannot act
//!   as a user it has no token for.
//! - Except `POST /api/dev/token` ([`DEV_TOKEN_PATH`]), which needs no token and so takes
//!   no part in CORS at all: it serves only its own origin and loopback hosts
//!   ([`is_own_origin`], [`is_loopback_host`], checked in `routes/dev.rs`).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};

use crate::error::ApiError;
use crate::state::AppState;

/// Methods and request headers the API uses, announced in preflight answers.
const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "Authorization, Content-Type, If-Match, X-Connection-Id";
/// Response headers a page may read.
const EXPOSE_HEADERS: &str = "X-Plan-Seq, Retry-After, ETag";
/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "3600";

/// The dev-mode token route: left alone by [`guard`] (no CORS headers, no preflight).
pub const DEV_TOKEN_PATH: &str = "/api/dev/token";

/// Whether a `Host` header value names a loopback address: `localhost`, an IPv4 address in
/// 127.0.0.0/8 or `[::1]`, with or without a port.
pub fn is_loopback_host(host: &str) -> bool {
    let (name_ok, port) = if let Some(rest) = host.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        let port = match after {
            "" => None,
            after => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return false,
            },
        };
        let loopback = inside
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback());
        (loopback, port)
    } else {
        let (name, port) = match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        };
        let loopback = name.eq_ignore_ascii_case("localhost")
            || name
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback());
        (loopback, port)
    };
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    name_ok && port_ok
}

/// Whether `origin` is this server's own for a request with this `Host`: the listener
/// speaks plain HTTP, so that is `http://` + the host, compared case-insensitively.
pub fn is_own_origin(origin: &str, host: &str) -> bool {
    origin
        .strip_prefix("http://")
        .is_some_and(|rest| !host.is_empty() && rest.eq_ignore_ascii_case(host))
}

/// What the list says about one request's `Origin`.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No `Origin` header: not a browser's cross-origin request.
    NoOrigin,
    /// Allowed; the value to send in `Access-Control-Allow-Origin`.
    Allowed(HeaderValue),
    Refused,
}

/// Checks an `Origin` header value against the configured list (`None`: any origin).
pub fn judge(allowed: Option<&[String]>, origin: Option<&HeaderValue>) -> Verdict {
    let Some(origin) = origin else {
        return Verdict::NoOrigin;
    };
    let Some(allowed) = allowed else {
        return Verdict::Allowed(HeaderValue::from_static("*"));
    };
    let Ok(text) = origin.to_str() else {
        return Verdict::Refused;
    };
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(text)) {
        Verdict::Allowed(origin.clone())
    } else {
        Verdict::Refused
    }
}

/// The middleware (`middleware::from_fn(origin::guard)`), wrapping every route.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // The dev-token route decides about origins itself and never answers with CORS.
    // (`match_info` holds the path as routing sees it, percent-decoded.)
    if req.match_info().as_str() == DEV_TOKEN_PATH {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let allowed = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.settings.allowed_origins.clone());
    let verdict = judge(allowed.as_deref(), req.headers().get(header::ORIGIN));
    let allow_origin = match verdict {
        Verdict::NoOrigin => return Ok(next.call(req).await?.map_into_left_body()),
        Verdict::Refused => {
            log::info!(
                "refused a request from origin {:?} to {:?}",
                req.headers().get(header::ORIGIN),
                req.path()
            );
            let response = ApiError::Forbidden("origin not allowed".into()).error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
        Verdict::Allowed(value) => value,
    };
    let vary = allow_origin != "*";
    if req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut preflight = HttpResponse::NoContent();
        preflight
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE));
        if vary {
            preflight.insert_header((header::VARY, "Origin"));
        }
        return Ok(req.into_response(preflight.finish()).map_into_right_body());
    }
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    if vary {
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    Ok(response.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Vec<String> {
        vec!["https://app.example.com".into()]
    }

    #[test]
    fn only_listed_origins_pass_and_no_origin_always_does() {
        let ok = HeaderValue::from_static("https://app.example.com");
        let evil = HeaderValue::from_static("https://app.example.com.evil.test");
        assert_eq!(
            judge(Some(&list()), Some(&ok)),
            Verdict::Allowed(ok.clone())
        );
        assert_eq!(judge(Some(&list()), Some(&evil)), Verdict::Refused);
        assert_eq!(
            judge(Some(&list()), Some(&HeaderValue::from_static("null"))),
            Verdict::Refused
        );
        assert_eq!(judge(Some(&list()), None), Verdict::NoOrigin);
        assert_eq!(
            judge(None, Some(&evil)),
            Verdict::Allowed(HeaderValue::from_static("*"))
        );
    }

    #[test]
    fn loopback_hosts_are_localhost_127_0_0_0_8_and_ipv6_one_with_any_port() {
        for host in [
            "localhost",
            "LocalHost:8080",
            "127.0.0.1",
            "127.0.0.1:1",
            "127.1.2.3:65535",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "localhost:",
            "localhost:80:80",
            "localhost:8o",
            "127.0.0.1.evil.example",
            "10.0.0.1:8080",
            "[::2]:8080",
            "[::1",
            "[::1]x",
            "::1",
            "0.0.0.0",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn the_own_origin_is_http_and_exactly_the_host() {
        assert!(is_own_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(is_own_origin("http://LOCALHOST:8080", "localhost:8080"));
        assert!(!is_own_origin("https://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(!is_own_origin("http://127.0.0.1:8081", "127.0.0.1:8080"));
        assert!(!is_own_origin("http://localhost:8080", "127.0.0.1:8080"));
        assert!(!is_own_origin("null", "127.0.0.1:8080"));
        assert!(!is_own_origin("http://", ""));
    }
}
