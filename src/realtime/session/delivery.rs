//! What rooms and the registry hand the session: [`Deliver`] (each frame written, kept
//! while its plan's join is in flight, or dropped) and [`CloseConnection`].

use actix::prelude::*;
use actix_web_actors::ws;

use super::{PlanSubscription, WsSession};
use crate::realtime::messages::*;

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
