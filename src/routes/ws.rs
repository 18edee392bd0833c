//! `GET /ws`: the WebSocket upgrade. A bad token still gets an upgrade, whose first and
//! only frame is the 4401 close (contract §3), so browser clients can read the reason.
//! Before anything else (the token, the upgrade), each source address takes a token from
//! its bucket (`LIVEPLAN_WS_CONNECT_RATE_*`): over it, HTTP 429 with `Retry-After`.

use actix_web::{web, HttpRequest, HttpResponse};
use actix_web_actors::ws;
use actix_web_actors::ws::WebsocketContext;

use super::openapi::{Forbidden, RateLimited};
use super::State;
use crate::auth::{bearer_token, TokenError};
use crate::error::ApiError;
use crate::limits::Limit;
use crate::rate_limit;
use crate::realtime::frame_guard::{FrameGuard, GuardSignals};
use crate::realtime::metered_body::MeteredBody;
use crate::realtime::session::{RejectedSession, WsSession};

#[utoipa::path(
    get,
    path = "/ws",
    operation_id = "connect",
    security(()),
    params((
        "token" = Option<String>,
        Query,
        description = "The JWT; or `Authorization: Bearer`, which then alone counts."
    )),
    responses(
        (status = 101, description = "The WebSocket. A missing, invalid or expired token \
            still gets it, closed at once with 4401 (docs/protocol.md §4)."),
        (status = 400, description = "Not a WebSocket upgrade; no body."),
        Forbidden, RateLimited,
    )
)]
pub async fn connect(
    state: State,
    req: HttpRequest,
    stream: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let source = rate_limit::source_key(req.peer_addr());
    if let Err(wait) = state.ws_connect_limiter.take(&source) {
        state.metrics.limit_refused(Limit::WsConnects);
        return Err(ApiError::rate_limited(wait).into());
    }
    let identity = match bearer_token(&req, true) {
        None => Err(TokenError::Missing),
        Some(token) => state.verifier.verify(&token),
    };
    let identity = match identity {
        Ok(identity) => identity,
        Err(e) => {
            let reason = match e {
                TokenError::Expired => "token expired",
                _ => "unauthorized",
            };
            return ws::start(RejectedSession { reason }, &req, stream);
        }
    };
    state
        .users
        .remember(&state.db, &identity)
        .await
        .map_err(actix_web::Error::from)?;
    let max_frame = state.settings.max_message_bytes;
    let signals = GuardSignals::default();
    let session = WsSession::new(identity, state.clone(), signals.clone());
    let outbound = session.outbound();
    let stream = FrameGuard::new(stream, max_frame, signals);
    let mut response = ws::handshake(&req)?;
    let codec = actix_http::ws::Codec::new().max_size(max_frame);
    let body = WebsocketContext::with_codec(session, stream, codec);
    // The session's bytes leave its bounded queue only as actix-http takes them.
    Ok(response.streaming(MeteredBody::new(body, outbound)))
}
