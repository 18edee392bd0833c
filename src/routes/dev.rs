//! `POST /api/dev/token`: dev mode only (no key configured). Mints an HS256 token with the
//! stored dev secret. Not routed at all when a real key is configured.
//!
//! Anyone who can reach the route gets a token for any user, so it answers only the
//! machine it runs on, and no other site in that machine's browser:
//!
//! - `Host` must name a loopback address (`localhost`, `127.0.0.1`, `[::1]`, any port):
//!   a DNS-rebinding page (its own name resolved to 127.0.0.1) sends its own name → 403.
//! - An `Origin` must be the server's own (`http://` + the `Host` header): a request from
//!   another site is refused 403. No `Origin` (curl, scripts) passes.
//! - The body must be declared `application/json`: a page can send `text/plain` and form
//!   bodies cross-site without a preflight, JSON it cannot → 400 otherwise.
//! - No CORS header is ever sent here (the `origin` middleware leaves this route alone):
//!   the board page served by this server is same-origin and needs none.
//!
//! The checks run in that order, before the body is read.

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::openapi::{BadRequest, Forbidden, TooLarge};
use super::State;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::UserRef;
use crate::origin;
use crate::validate;

/// Dev tokens live a day.
const DEV_TOKEN_TTL_SECS: i64 = 24 * 3600;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DevTokenRequest {
    /// Default: `u-` and 32 hex digits.
    #[serde(default)]
    user_id: Option<String>,
    name: String,
    #[serde(default)]
    email: Option<String>,
}

/// A token that lives a day, and the user it is for.
#[derive(Serialize, ToSchema)]
pub struct DevToken {
    token: String,
    user: UserRef,
}

#[utoipa::path(
    post,
    path = "/api/dev/token",
    operation_id = "devToken",
    security(()),
    request_body(content = DevTokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "A token for the user.", body = DevToken),
        BadRequest, Forbidden, TooLarge,
    )
)]
pub async fn token(
    state: State,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let issuer = state
        .dev_issuer
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("not found".into()))?;
    check_caller(&req)?;
    let request = JsonBody::<DevTokenRequest>::from_request(&req, &mut payload.into_inner())
        .await?
        .0;
    let name = validate::title("name", &request.name, validate::MAX_NAME)?;
    let user_id = match request.user_id {
        Some(id) => {
            validate::id("userId", &id)?;
            id
        }
        None => format!("u-{}", uuid::Uuid::new_v4().simple()),
    };
    let token = issuer.mint(
        &user_id,
        &name,
        request.email.as_deref(),
        DEV_TOKEN_TTL_SECS,
    )?;
    Ok(HttpResponse::Ok().json(DevToken {
        token,
        user: UserRef { id: user_id, name },
    }))
}

/// Loopback `Host`, own `Origin` (or none), JSON body: see the module doc.
fn check_caller(req: &HttpRequest) -> Result<(), ApiError> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if !origin::is_loopback_host(host) {
        log::info!("dev token refused: Host {host:?} is not a loopback address");
        return Err(ApiError::Forbidden(
            "Host: the dev token route answers only at a loopback address \
             (localhost, 127.0.0.1, [::1])"
                .into(),
        ));
    }
    if let Some(from) = req.headers().get(header::ORIGIN) {
        let own = from
            .to_str()
            .is_ok_and(|from| origin::is_own_origin(from, host));
        if !own {
            log::info!("dev token refused: Origin {from:?} is not this server's");
            return Err(ApiError::Forbidden(
                "origin not allowed: the dev token route serves only its own origin".into(),
            ));
        }
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::bad_field(
            "Content-Type",
            "must be application/json",
        ));
    }
    Ok(())
}
