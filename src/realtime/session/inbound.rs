//! Incoming frames: a protocol error or an oversized frame ends the connection with its
//! close code, each client message counts against the rate limit (4429 for a client that
//! keeps going), fragmented messages are reassembled up to the message limit, and text
//! goes on to [`super::dispatch`].

use std::time::Instant;

use actix::prelude::*;
use actix_web_actors::ws;

use super::WsSession;
use crate::error::ErrorCode;
use crate::realtime::outbound::wire_len;
use crate::realtime::protocol::{self, close, ServerMessage};

impl WsSession {
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
