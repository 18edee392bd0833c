//! The connection's timers: a ping every `heartbeat`, the close of a client silent for
//! longer than `client_timeout` (4408), and the close once its token expires (4401).

use std::time::Duration;

use actix::prelude::*;
use actix_web_actors::ws;

use super::WsSession;
use crate::realtime::outbound::wire_len;
use crate::realtime::protocol::close;

impl WsSession {
    pub(super) fn start_timers(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
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
}
