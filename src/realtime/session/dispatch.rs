//! The client's messages: each text message decoded once ([`protocol::decode`]), then one
//! handler per kind behind one `match`. Joining a plan is in [`super::join`].

use actix_web_actors::ws;

use super::{PlanSubscription, WsSession};
use crate::error::ErrorCode;
use crate::model::{format_time, PresenceStatus};
use crate::realtime::messages::*;
use crate::realtime::protocol::{self, ClientMessage, Request, ServerMessage};
use crate::validate;

impl WsSession {
    pub(super) fn handle_text(&mut self, text: &str, ctx: &mut ws::WebsocketContext<Self>) {
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
}
