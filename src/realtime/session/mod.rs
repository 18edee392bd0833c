//! The `WsSession` actor: one WebSocket connection. It owns the socket's I/O, the token's
//! lifetime, the heartbeat, and the connection's view of each plan it joined (joining or
//! live, and the last seq written, so a frame is never written twice or out of order).
//!
//! Every way a session ends (close frame, heartbeat timeout, protocol error, expiry,
//! eviction by the cap) goes through `stopped`, which leaves every room and unregisters.
//! Joining a plan (room, snapshot, catch-up) is in `session/join.rs`; the per-plan state
//! in `session/subscription.rs`; incoming frames (close codes, rate limit, fragments) in
//! `session/inbound.rs`; the client's other messages in `session/dispatch.rs`; what rooms
//! and the registry deliver in `session/delivery.rs`; the heartbeat and the token's expiry
//! in `session/heartbeat.rs`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;
use actix_web::web;
use actix_web_actors::ws::{self, CloseCode, CloseReason};

use super::frame_guard::GuardSignals;
use super::messages::*;
use super::outbound::{wire_len, Outbound, Peer};
use super::protocol::{close, ServerMessage};
use crate::auth::Identity;
use crate::error::{ApiError, ErrorCode};
use crate::model::{format_time, PresenceStatus};
use crate::rate_limit::TokenBucket;
use crate::state::AppState;

mod delivery;
mod dispatch;
mod heartbeat;
mod inbound;
mod join;
mod subscription;

use subscription::{CatchUp, PlanSubscription};

/// One connection. Every field is changed only by the session's own handlers; rooms and the
/// registry reach it by messages, and share only `outbound`'s counters.
pub struct WsSession {
    /// The id sent in `connected` and accepted in `X-Connection-Id`; set at creation.
    id: ConnectionId,
    /// Who is connected, and until when (`refresh-token` moves `expires_at`).
    identity: Identity,
    /// Settings, database, registry, metrics: the process's shared state.
    state: web::Data<AppState>,
    /// When the client last sent any frame (heartbeat timeout, 4408).
    last_heard: Instant,
    /// Each plan this connection joined or is joining, and how far it got.
    plans: HashMap<Arc<str>, PlanSubscription>,
    /// The connection's own presence (`presence` messages), told to every room it is in.
    presence: PresenceStatus,
    /// A fragmented message being reassembled: (is text, bytes so far).
    fragments: Option<(bool, Vec<u8>)>,
    /// The registry accepted the connection (under the per-user cap): unregister at stop.
    registered: bool,
    /// Counts `join-plan`s; a join's number tells its late answer from a newer join's.
    join_attempts: u64,
    /// Client messages allowed (burst and sustained rate).
    rate: TokenBucket,
    /// Messages refused in a row by `rate`; at the configured count the connection closes.
    refused_in_a_row: u32,
    /// The first frame of a fragmented message was refused: drop the rest of it.
    skipping_fragments: bool,
    /// What the connection's [`super::frame_guard::FrameGuard`] saw.
    guard: GuardSignals,
    /// What waits to be written to this connection (bounded; see `outbound`).
    outbound: Arc<Outbound>,
    /// The close code sent, for the metrics (none: the connection just ended, 1006).
    close_code: Option<u16>,
}

impl WsSession {
    pub fn new(identity: Identity, state: web::Data<AppState>, guard: GuardSignals) -> Self {
        WsSession {
            id: Arc::from(uuid::Uuid::new_v4().to_string()),
            identity,
            last_heard: Instant::now(),
            plans: HashMap::new(),
            presence: PresenceStatus::Online,
            fragments: None,
            registered: false,
            join_attempts: 0,
            rate: TokenBucket::new(state.settings.ws_rate, Instant::now()),
            refused_in_a_row: 0,
            skipping_fragments: false,
            guard,
            outbound: Outbound::new(state.settings.outbound),
            close_code: None,
            state,
        }
    }

    /// The counters of this connection's queue (the body stream counts bytes out).
    pub fn outbound(&self) -> Arc<Outbound> {
        self.outbound.clone()
    }

    /// How rooms and the registry reach this session.
    fn peer(&self, ctx: &mut ws::WebsocketContext<Self>) -> Peer {
        Peer {
            recipient: ctx.address().recipient(),
            control: ctx.address().recipient(),
            outbound: self.outbound.clone(),
        }
    }

    fn send(&self, ctx: &mut ws::WebsocketContext<Self>, message: &ServerMessage<'_>) {
        self.write_own(ctx, message.to_json());
    }

    /// Writes a frame of the session's own (a reply, a replayed event), counting it into
    /// the queue; the body stream counts it out as the socket takes it.
    fn write_own(&self, ctx: &mut ws::WebsocketContext<Self>, frame: impl Into<Frame>) {
        let frame = frame.into();
        self.outbound.push(wire_len(frame.len()));
        ctx.text(frame);
    }

    fn send_error(
        &self,
        ctx: &mut ws::WebsocketContext<Self>,
        request_id: Option<&str>,
        code: ErrorCode,
        message: &str,
    ) {
        self.send(
            ctx,
            &ServerMessage::Error {
                request_id,
                code,
                message,
                retry_after_ms: None,
            },
        );
    }

    fn send_api_error(
        &self,
        ctx: &mut ws::WebsocketContext<Self>,
        request_id: Option<&str>,
        err: &ApiError,
    ) {
        let code = match err.code() {
            // Codes that exist only on REST map to their nearest WebSocket code.
            ErrorCode::Conflict | ErrorCode::Gone | ErrorCode::TooLarge => ErrorCode::Internal,
            other => other,
        };
        if matches!(code, ErrorCode::Internal | ErrorCode::Unavailable) {
            log::warn!("connection {}: {err:?}", self.id);
        }
        self.send_error(ctx, request_id, code, &err.public_message());
    }

    fn close_with(&mut self, ctx: &mut ws::WebsocketContext<Self>, code: u16, reason: &str) {
        self.close_code.get_or_insert(code);
        self.outbound.push(wire_len(2 + reason.len()));
        ctx.close(Some(CloseReason {
            code: CloseCode::from(code),
            description: Some(reason.to_string()),
        }));
        ctx.stop();
    }

    fn leave_room(&self, plan_id: &str) {
        self.state.registry.do_send(LeavePlanRoom {
            plan_id: plan_id.to_string(),
            connection_id: self.id.clone(),
        });
    }
}

impl Actor for WsSession {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let register = RegisterSession {
            connection_id: self.id.clone(),
            user_id: self.identity.user.id.clone(),
            peer: self.peer(ctx),
        };
        ctx.wait(
            self.state.registry.send(register).into_actor(self).map(
                |result, act, ctx| match result {
                    Ok(Ok(())) => {
                        act.registered = true;
                        log::info!(
                            "connection {} opened for user {}",
                            act.id,
                            act.identity.user.id
                        );
                        act.send(
                            ctx,
                            &ServerMessage::Connected {
                                connection_id: &act.id,
                                user: &act.identity.user,
                                heartbeat_ms: act.state.settings.heartbeat.as_millis() as u64,
                                server_time: format_time(crate::model::now()),
                            },
                        );
                        act.start_timers(ctx);
                    }
                    Ok(Err(TooManyConnections)) => {
                        act.close_with(ctx, close::TOO_MANY, "too many connections");
                    }
                    Err(e) => {
                        log::error!("registry unreachable: {e}");
                        act.close_with(ctx, close::INTERNAL_ERROR, "internal error");
                    }
                },
            ),
        );
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        for plan_id in self.plans.keys() {
            self.leave_room(plan_id);
        }
        self.plans.clear();
        self.state
            .metrics
            .connection_closed(self.close_code.unwrap_or(1006));
        if self.registered {
            self.state.registry.do_send(UnregisterSession {
                connection_id: self.id.clone(),
                user_id: self.identity.user.id.clone(),
            });
        }
        log::info!("connection {} closed", self.id);
    }
}

/// The actor behind a refused upgrade: its only frame is the 4401 close.
pub struct RejectedSession {
    pub reason: &'static str,
}

impl Actor for RejectedSession {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.close(Some(CloseReason {
            code: CloseCode::from(close::UNAUTHORIZED),
            description: Some(self.reason.to_string()),
        }));
        ctx.stop();
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for RejectedSession {
    fn handle(&mut self, _: Result<ws::Message, ws::ProtocolError>, _: &mut Self::Context) {}
}
