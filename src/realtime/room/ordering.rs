//! Delivery in seq order: committed events (`PublishEvents`) wait in `pending` until every
//! one before them has been handed out; a gap that lasts longer than [`GAP_FILL_DELAY`] is
//! filled from the event log.

use std::time::{Duration, Instant};

use actix::prelude::*;

use super::RoomActor;
use crate::db;
use crate::realtime::messages::*;

/// How long an out-of-order event waits for the ones before it before the room reads them
/// from the database.
const GAP_FILL_DELAY: Duration = Duration::from_millis(50);

/// An event waiting for its turn.
pub(super) struct PendingEvent {
    frame: Frame,
    exclude: Option<Exclusion>,
    /// When it was committed (for the commit→enqueue histogram); none when read back
    /// from the log by the gap filler.
    committed_at: Option<Instant>,
}

impl RoomActor {
    /// Hands out every pending event that is next in line.
    pub(super) fn drain(&mut self, ctx: &mut Context<Self>) {
        if self.delivered_through.is_none() {
            if let Some(&first) = self.pending.keys().next() {
                self.delivered_through = Some(first - 1);
            }
        }
        let Some(mut through) = self.delivered_through else {
            return;
        };
        while let Some(event) = self.pending.remove(&(through + 1)) {
            let PendingEvent {
                frame,
                exclude,
                committed_at,
            } = event;
            through += 1;
            let route = Route::Room {
                plan_id: self.plan_id.clone(),
                seq: Some(through),
            };
            self.outbox_commits.extend(committed_at);
            self.delivered_through = Some(through);
            self.enqueue(
                Outgoing {
                    frame,
                    route,
                    except: exclude,
                },
                ctx,
            );
        }
        if self.close_after.is_some_and(|last| through >= last) {
            self.close(ctx);
            return;
        }
        if !self.pending.is_empty() && !self.gap_fill_scheduled {
            self.gap_fill_scheduled = true;
            ctx.run_later(GAP_FILL_DELAY, |act, ctx| act.fill_gap(ctx));
        }
    }

    /// Reads events missing before the first pending one from the database.
    fn fill_gap(&mut self, ctx: &mut Context<Self>) {
        self.gap_fill_scheduled = false;
        let (Some(through), Some(&first_pending)) =
            (self.delivered_through, self.pending.keys().next())
        else {
            return;
        };
        if first_pending == through + 1 {
            self.drain(ctx);
            return;
        }
        let plan_id = self.plan_id.to_string();
        let db = self.db.clone();
        let read = async move {
            db.read(move |conn| db::events::between(conn, &plan_id, through, first_pending - 1))
                .await
        };
        ctx.wait(read.into_actor(self).map(|result, act, ctx| {
            match result {
                Ok(events) => {
                    log::debug!(
                        "room {}: filled a gap of {} event(s) from the log",
                        act.plan_id,
                        events.len()
                    );
                    for e in events {
                        act.pending.entry(e.seq).or_insert(PendingEvent {
                            frame: e.payload.into(),
                            exclude: None,
                            committed_at: None,
                        });
                    }
                }
                Err(err) => log::warn!(
                    "room {}: cannot read missing events yet: {err}",
                    act.plan_id
                ),
            }
            act.drain(ctx);
        }));
    }
}

impl Handler<PublishEvents> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: PublishEvents, ctx: &mut Context<Self>) {
        let last = msg.events.last().map(|(seq, _)| *seq);
        for (seq, frame) in msg.events {
            if self.delivered_through.is_none_or(|d| seq > d) {
                self.pending.insert(
                    seq,
                    PendingEvent {
                        frame,
                        exclude: msg.exclude.clone(),
                        committed_at: msg.committed_at,
                    },
                );
            }
        }
        if msg.after == AfterPublish::CloseRoom {
            self.close_after = last.or(self.delivered_through).or(Some(i64::MIN));
        }
        self.drain(ctx);
    }
}
