//! The `WsSession` actor: one WebSocket connection. It owns the socket's I/O, the token's
//! lifetime, the heartbeat, and the connection's view of each plan it joined (joining or
//! live, and the last seq written, so a frame is never written twice or out of order).
//!
//! Every way a session ends (close frame, heartbeat timeout, protocol error, expiry,
//! eviction by the cap) goes through `stopped`, which leaves every room and unregisters.
//! Joining a plan (room, snapshot, catch-up) is in [`join`]; the per-plan state in
//! [`subscription`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web::web;
use actix_web_actors::ws::{self, CloseCode, CloseReason};

use super::frame_guard::GuardSignals;
use super::messages::*;
use super::outbound::{wire_len, Outbound, Peer};
use super::protocol::{self, close, ClientMessage, Request, ServerMessage};
use crate::auth::Identity;
use crate::error::{ApiError, ErrorCode};
use crate::model::{format_time, PresenceStatus};
use crate::rate_limit::TokenBucket;
use crate::state::AppState;
use crate::validate;

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

    /// Counts one client message against the rate limit. Over it, the message is dropped
    /// with a `rate_limited` error; a client that keeps going is closed with 4429.
    fn admit(&mut self, ctx: &mut ws::WebsocketContext<Self>) -> bool {
        match self.rate.take(Instant::now()) {
            Ok(()) => {
                self.refused_in_a_row = 0;
                true
            }
            Err(retry_after) => {
                self.state.metrics.client_message("rate_limited");
                self.refused_in_a_row += 1;
                if self.refused_in_a_row >= self.state.settings.ws_rate_close_after {
                    log::info!(
                        "connection {}: closed for exceeding the rate limit",
                        self.id
                    );
                    self.close_with(ctx, close::TOO_MANY, "rate limited");
                } else {
                    self.send(
                        ctx,
                        &ServerMessage::Error {
                            request_id: None,
                            code: ErrorCode::RateLimited,
                            message: "too many messages; slow down",
                            retry_after_ms: Some(retry_after.as_millis() as u64),
                        },
                    );
                }
                false
            }
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

    fn start_timers(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        let settings = self.state.settings.clone();
        ctx.run_interval(settings.heartbeat, |act, ctx| {
            act.outbound.push(wire_len(0));
            ctx.ping(b"");
        });
        let check_every = (settings.client_timeout / 4).max(Duration::from_millis(5));
        ctx.run_interval(check_every, move |act, ctx| {
            if act.last_heard.elapsed() > settings.client_timeout {
                log::info!("connection {}: heartbeat timeout", act.id);
                act.close_with(ctx, close::HEARTBEAT_TIMEOUT, "heartbeat timeout");
            }
        });
        self.schedule_expiry(ctx);
    }

    /// Closes with 4401 `token expired` once the token (and any refreshed one) is past
    /// its `exp` plus the configured leeway.
    fn schedule_expiry(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        let leeway = self.state.settings.auth.leeway;
        let deadline_ms = self.identity.closes_at_ms(leeway);
        let now_ms = chrono::Utc::now().timestamp_millis();
        let wait = Duration::from_millis(deadline_ms.saturating_sub(now_ms).max(0) as u64);
        // Re-check at least daily so huge lifetimes never overflow a timer.
        ctx.run_later(
            wait.min(Duration::from_secs(86_400)) + Duration::from_millis(1),
            move |act, ctx| {
                if chrono::Utc::now().timestamp_millis() >= act.identity.closes_at_ms(leeway) {
                    log::info!("connection {}: token expired", act.id);
                    act.close_with(ctx, close::UNAUTHORIZED, "token expired");
                } else {
                    act.schedule_expiry(ctx);
                }
            },
        );
    }

    fn handle_text(&mut self, text: &str, ctx: &mut ws::WebsocketContext<Self>) {
        match protocol::decode(text) {
            Ok(request) => {
                self.state.metrics.client_message(request.message.kind());
                self.dispatch(request, ctx)
            }
            Err(e) => {
                self.state.metrics.client_message("invalid");
                self.send_error(
                    ctx,
                    e.request_id.as_deref(),
                    ErrorCode::BadRequest,
                    &e.message,
                )
            }
        }
    }

    /// One handler per client message kind.
    fn dispatch(&mut self, request: Request, ctx: &mut ws::WebsocketContext<Self>) {
        let request_id = request.request_id;
        match request.message {
            ClientMessage::JoinPlan(m) => self.join_plan(request_id, m, ctx),
            ClientMessage::LeavePlan(m) => self.leave_plan(request_id, m, ctx),
            ClientMessage::Ping => self.send(
                ctx,
                &ServerMessage::Pong {
                    request_id: request_id.as_deref(),
                    server_time: format_time(crate::model::now()),
                },
            ),
            ClientMessage::Typing(m) => self.typing(request_id, m, ctx),
            ClientMessage::Presence(m) => self.set_presence(m.status),
            ClientMessage::RefreshToken(m) => self.refresh_token(request_id, m, ctx),
        }
    }

    fn leave_room(&self, plan_id: &str) {
        self.state.registry.do_send(LeavePlanRoom {
            plan_id: plan_id.to_string(),
            connection_id: self.id.clone(),
        });
    }

    fn leave_plan(
        &mut self,
        request_id: Option<String>,
        m: protocol::LeavePlan,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        // Leaving is idempotent: leaving a plan one is not in still answers `left`.
        if self.plans.remove(m.plan_id.as_str()).is_some() {
            self.leave_room(&m.plan_id);
        }
        self.send(
            ctx,
            &ServerMessage::Left {
                request_id: request_id.as_deref(),
                plan_id: &m.plan_id,
            },
        );
    }

    fn typing(
        &mut self,
        request_id: Option<String>,
        m: protocol::Typing,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        if let Err(e) = validate::id("taskId", &m.task_id) {
            return self.send_api_error(ctx, request_id.as_deref(), &e);
        }
        match self
            .plans
            .get(m.plan_id.as_str())
            .and_then(PlanSubscription::room)
        {
            Some(room) => room.do_send(RelayTyping {
                connection_id: self.id.clone(),
                task_id: m.task_id,
                is_typing: m.is_typing,
            }),
            _ => self.send_error(
                ctx,
                request_id.as_deref(),
                ErrorCode::BadRequest,
                "planId: join the plan before sending typing",
            ),
        }
    }

    fn set_presence(&mut self, status: PresenceStatus) {
        self.presence = status;
        for subscription in self.plans.values() {
            if let Some(room) = subscription.room() {
                room.do_send(SetPresence {
                    connection_id: self.id.clone(),
                    status,
                });
            }
        }
    }

    fn refresh_token(
        &mut self,
        request_id: Option<String>,
        m: protocol::RefreshToken,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        match self.state.verifier.verify(&m.token) {
            Ok(identity) if identity.user.id == self.identity.user.id => {
                self.identity.expires_at = identity.expires_at;
                let expires_at = chrono::DateTime::from_timestamp(identity.expires_at, 0)
                    .map(|t| format_time(t.naive_utc()))
                    .unwrap_or_default();
                self.send(
                    ctx,
                    &ServerMessage::TokenRefreshed {
                        request_id: request_id.as_deref(),
                        expires_at,
                    },
                );
            }
            Ok(_) => self.send_error(
                ctx,
                request_id.as_deref(),
                ErrorCode::Unauthorized,
                "token: belongs to another user",
            ),
            Err(e) => self.send_error(
                ctx,
                request_id.as_deref(),
                ErrorCode::Unauthorized,
                &format!("token: {e}"),
            ),
        }
    }

    /// Adds one fragment of a fragmented message; answers the whole message once complete.
    fn push_fragment(
        &mut self,
        item: actix_http::ws::Item,
        ctx: &mut ws::WebsocketContext<Self>,
    ) -> Option<(bool, Vec<u8>)> {
        let limit = self.state.settings.max_message_bytes;
        let (is_last, is_text, bytes) = match item {
            actix_http::ws::Item::FirstText(b) => (false, Some(true), b),
            actix_http::ws::Item::FirstBinary(b) => (false, Some(false), b),
            actix_http::ws::Item::Continue(b) => (false, None, b),
            actix_http::ws::Item::Last(b) => (true, None, b),
        };
        match (is_text, self.fragments.as_mut()) {
            (Some(text), None) => self.fragments = Some((text, bytes.to_vec())),
            (None, Some((_, buf))) => buf.extend_from_slice(&bytes),
            _ => {
                self.close_with(ctx, close::PROTOCOL_ERROR, "bad fragmentation");
                return None;
            }
        }
        if self
            .fragments
            .as_ref()
            .is_some_and(|(_, b)| b.len() > limit)
        {
            self.close_with(ctx, close::MESSAGE_TOO_BIG, "message too big");
            return None;
        }
        if is_last {
            self.fragments.take()
        } else {
            None
        }
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

impl Handler<Deliver> for WsSession {
    type Result = ();

    fn handle(&mut self, msg: Deliver, ctx: &mut Self::Context) {
        // The delivery leaves the mailbox; its bytes stay counted until the socket takes
        // them (or the session drops them here).
        self.outbound.pop_frames(msg.batch.frames_from(msg.start));
        for entry in msg.entries() {
            let skip = entry
                .except
                .as_ref()
                .is_some_and(|ex| ex.matches(&self.id, &self.identity.user.id));
            if skip {
                self.outbound.pop_bytes(entry.wire_len());
                self.note_excluded(entry);
            } else {
                self.write_delivered(entry, ctx);
            }
        }
    }
}

impl WsSession {
    /// An event left out for this connection (it made the change): a connection that is
    /// joining or catching up reads events from the log, so it must remember to skip it.
    fn note_excluded(&mut self, entry: &Outgoing) {
        let Route::Room {
            plan_id,
            seq: Some(seq),
        } = &entry.route
        else {
            return;
        };
        if let Some(
            PlanSubscription::Joining { catch_up, .. }
            | PlanSubscription::CatchingUp { catch_up, .. },
        ) = self.plans.get_mut(plan_id)
        {
            catch_up.offered(*seq);
            catch_up.excluded.insert(*seq);
        }
    }

    /// Writes one delivered frame, or keeps it while its plan's join is in flight, or
    /// drops it (a room this connection left, an event it already wrote, an event it will
    /// read from the log while catching up).
    fn write_delivered(&mut self, entry: &Outgoing, ctx: &mut ws::WebsocketContext<Self>) {
        let written = match &entry.route {
            Route::Personal => true,
            Route::Evicted { plan_id } => self.plans.remove(plan_id).is_some(),
            Route::Room { plan_id, seq } => match self.plans.get_mut(plan_id) {
                None => false,
                Some(
                    PlanSubscription::Joining { catch_up, .. }
                    | PlanSubscription::CatchingUp { catch_up, .. },
                ) => match *seq {
                    Some(seq) => {
                        catch_up.offered(seq);
                        false
                    }
                    None => {
                        catch_up.notices.frames.push(entry.frame.clone());
                        return;
                    }
                },
                Some(PlanSubscription::Live { last_seq, .. }) => match *seq {
                    Some(seq) if seq <= *last_seq => false,
                    Some(seq) => {
                        *last_seq = seq;
                        true
                    }
                    None => true,
                },
            },
        };
        if written {
            ctx.text(entry.frame.clone());
        } else {
            self.outbound.pop_bytes(entry.wire_len());
        }
    }
}

impl Handler<CloseConnection> for WsSession {
    type Result = ();

    fn handle(&mut self, msg: CloseConnection, ctx: &mut Self::Context) {
        log::info!(
            "connection {}: closing {} {} ({} frames, {} bytes waiting)",
            self.id,
            msg.code,
            msg.reason,
            self.outbound.queued_frames(),
            self.outbound.queued_bytes()
        );
        self.close_with(ctx, msg.code, msg.reason);
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for WsSession {
    fn handle(&mut self, item: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        self.last_heard = Instant::now();
        let message = match item {
            Ok(m) => m,
            Err(ws::ProtocolError::Overflow) => {
                return self.close_with(ctx, close::MESSAGE_TOO_BIG, "message too big");
            }
            // The frame guard refused a frame by its header (its error arrives as I/O).
            Err(_) if self.guard.is_oversized() => {
                return self.close_with(ctx, close::MESSAGE_TOO_BIG, "message too big");
            }
            // A whole text frame that is not UTF-8 (RFC 6455 §7.4.1).
            Err(e) if protocol::is_invalid_utf8_text(&e) => {
                return self.close_with(ctx, close::INVALID_PAYLOAD, "invalid UTF-8");
            }
            // The connection is gone (e.g. the peer sent its close and hung up at once):
            // nobody to send a close frame to.
            Err(ws::ProtocolError::Io(e)) if self.guard.is_lost() => {
                log::debug!("connection {}: lost: {e}", self.id);
                return ctx.stop();
            }
            Err(e) => {
                log::info!("connection {}: protocol error: {e}", self.id);
                return self.close_with(ctx, close::PROTOCOL_ERROR, "protocol error");
            }
        };
        // One token per message: a fragmented message counts once, at its first frame; the
        // rest of a refused fragmented message is skipped.
        let counted = match &message {
            ws::Message::Text(_) | ws::Message::Binary(_) | ws::Message::Ping(_) => true,
            ws::Message::Continuation(item) => {
                let first = matches!(
                    item,
                    actix_http::ws::Item::FirstText(_) | actix_http::ws::Item::FirstBinary(_)
                );
                if !first && self.skipping_fragments {
                    self.skipping_fragments = !matches!(item, actix_http::ws::Item::Last(_));
                    return;
                }
                first
            }
            ws::Message::Pong(_) | ws::Message::Close(_) | ws::Message::Nop => false,
        };
        if counted && !self.admit(ctx) {
            self.skipping_fragments = matches!(message, ws::Message::Continuation(_));
            return;
        }
        match message {
            ws::Message::Text(text) => self.handle_text(&text, ctx),
            ws::Message::Binary(_) => self.send_error(
                ctx,
                None,
                ErrorCode::BadRequest,
                "binary frames are not supported; send JSON text",
            ),
            ws::Message::Continuation(item) => {
                if let Some((is_text, bytes)) = self.push_fragment(item, ctx) {
                    match (is_text, String::from_utf8(bytes)) {
                        (true, Ok(text)) => self.handle_text(&text, ctx),
                        (true, Err(_)) => {
                            self.close_with(ctx, close::INVALID_PAYLOAD, "invalid UTF-8")
                        }
                        (false, _) => self.send_error(
                            ctx,
                            None,
                            ErrorCode::BadRequest,
                            "binary frames are not supported; send JSON text",
                        ),
                    }
                }
            }
            ws::Message::Ping(bytes) => {
                self.outbound.push(wire_len(bytes.len()));
                ctx.pong(&bytes);
            }
            ws::Message::Pong(_) | ws::Message::Nop => {}
            ws::Message::Close(_) => self.close_with(ctx, close::NORMAL, "normal"),
        }
    }

    fn finished(&mut self, ctx: &mut Self::Context) {
        ctx.stop();
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
