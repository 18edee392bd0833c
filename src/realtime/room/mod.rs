//! The `RoomActor`: one plan's live room. It hands every committed event to every
//! connection in the room in seq order, each frame serialised once and shared, and keeps
//! presence (who is here, online or away, typing).
//!
//! Batching: events and notices go into an outbox; once the room has handled everything
//! waiting in its mailbox (or the outbox holds `MAX_BATCH` frames) the outbox becomes one
//! shared [`Batch`] and each connection gets one mailbox message for all of it. Under load
//! a burst of commits or `typing` relays costs one message per connection, not one per
//! frame; when idle, a batch holds the one frame that arrived.
//!
//! Ordering: the write path publishes right after each commit, but two commits can reach
//! the room out of order. The room delivers strictly in seq order: it holds early events
//! in `pending` and, if a gap lasts longer than `GAP_FILL_DELAY`, reads the missing
//! events from the database (they are committed: seq order is commit order).
//!
//! Who is here, presence and typing are in `room/presence.rs`; the outbox and its batches
//! in `room/fanout.rs`; seq order and gap filling in `room/ordering.rs`. Here: the actor,
//! putting a removed member's connections out (`EvictUser`), closing and the idle check.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;

use super::messages::*;
use super::outbound::Peer;
use super::registry::Registry;
use crate::db::{self, Database};
use crate::metrics::Metrics;
use crate::model::PresenceStatus;
use crate::wire::PersonalNotice;

mod fanout;
mod ordering;
mod presence;

use ordering::PendingEvent;
use presence::UserPresence;

/// One connection in the room.
struct Connection {
    /// Whose connection it is (exclusions, eviction, presence).
    user_id: Arc<str>,
    /// This connection's own presence (`presence` messages).
    status: PresenceStatus,
    /// How to reach the session: its address and its queue's counters.
    peer: Peer,
    /// Joined while batch `.0` was filling, after its first `.1` entries: gets only the
    /// rest of that batch.
    joined_during: (u64, usize),
}

/// One plan's room. Every field is changed only by the room's own handlers (it is an
/// actor); sessions reach it through the registry (join, leave) or directly with the
/// address they got at the join (typing, presence); the write path through
/// `Registry`'s `PublishToPlan`.
pub struct RoomActor {
    /// The plan this room is for.
    plan_id: Arc<str>,
    /// For the seq at start and the gap filler's reads (off the event loop).
    db: Database,
    /// Told when the room becomes empty (idle sweep) and when it closes.
    registry: Addr<Registry>,
    /// Every connection in the room: added by `JoinRoom`, removed by `LeaveRoom`,
    /// `EvictUser`, an overflowed queue, or the room's closing.
    connections: HashMap<ConnectionId, Connection>,
    /// Presence per user over their connections (who is here, online or away); kept with
    /// `connections`.
    users: BTreeMap<Arc<str>, UserPresence>,
    /// The last seq handed out; `None` until known (read from the database at start).
    delivered_through: Option<i64>,
    /// Events that arrived ahead of a missing one.
    pending: BTreeMap<i64, PendingEvent>,
    /// The plan was deleted: close once this seq has been delivered.
    close_after: Option<i64>,
    /// A gap-fill read is scheduled (at most one at a time).
    gap_fill_scheduled: bool,
    /// When the last connection left (the registry's idle sweep asks about it).
    empty_since: Option<Instant>,
    /// Commit→enqueue histogram, frames delivered and dropped.
    metrics: Arc<Metrics>,
    /// Frames for every connection, handed out together once the mailbox is empty (see
    /// [`RoomActor::flush`]).
    outbox: Vec<Outgoing>,
    /// Commit times of the events in `outbox` (commit→enqueue histogram).
    outbox_commits: Vec<Instant>,
    /// Counts flushed batches; names the one `outbox` is filling.
    batch_number: u64,
    /// A flush is scheduled for when the mailbox is empty.
    flush_scheduled: bool,
}

impl RoomActor {
    pub fn new(
        plan_id: Arc<str>,
        db: Database,
        registry: Addr<Registry>,
        metrics: Arc<Metrics>,
    ) -> Self {
        RoomActor {
            plan_id,
            db,
            registry,
            metrics,
            connections: HashMap::new(),
            users: BTreeMap::new(),
            delivered_through: None,
            pending: BTreeMap::new(),
            close_after: None,
            gap_fill_scheduled: false,
            empty_since: Some(Instant::now()),
            outbox: Vec::new(),
            outbox_commits: Vec::new(),
            batch_number: 0,
            flush_scheduled: false,
        }
    }

    /// Starts a room whose mailbox never makes a sender wait (so `send` and `do_send`
    /// from one sender stay in order).
    pub fn launch(
        plan_id: Arc<str>,
        db: Database,
        registry: Addr<Registry>,
        metrics: Arc<Metrics>,
    ) -> Addr<RoomActor> {
        RoomActor::create(|ctx| {
            ctx.set_mailbox_capacity(super::UNBOUNDED_MAILBOX);
            RoomActor::new(plan_id, db, registry, metrics)
        })
    }

    /// `removed-from-plan`, as a batch of its own for the connections put out of the room
    /// (a removed member's, or everyone's when the plan is deleted).
    fn removed_from_plan(&self) -> Arc<Batch> {
        let frame: Frame = PersonalNotice::RemovedFromPlan {
            plan_id: &self.plan_id,
        }
        .to_json()
        .into();
        Arc::new(Batch::one(
            frame,
            Route::Evicted {
                plan_id: self.plan_id.clone(),
            },
        ))
    }

    /// The plan is gone: everyone is put out (after what is queued) and the room stops.
    fn close(&mut self, ctx: &mut Context<Self>) {
        self.flush(ctx);
        let removed = self.removed_from_plan();
        for conn in self.connections.values() {
            let _ = conn.peer.deliver(&removed, 0);
        }
        self.metrics.participants.sub(self.connections.len() as i64);
        self.connections.clear();
        self.users.clear();
        self.registry.do_send(RoomClosed {
            plan_id: self.plan_id.clone(),
            room: ctx.address(),
        });
        ctx.stop();
    }
}

impl Actor for RoomActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Learn where the plan's seq stands before handing anything out; messages wait.
        let plan_id = self.plan_id.to_string();
        let db = self.db.clone();
        let read = async move {
            db.read(move |conn| db::plans::current_seq(conn, &plan_id))
                .await
        };
        ctx.wait(read.into_actor(self).map(|result, act, _| match result {
            Ok(seq) => act.delivered_through = seq,
            Err(err) => log::warn!("room {}: cannot read the plan's seq: {err}", act.plan_id),
        }));
    }
}

impl Handler<EvictUser> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: EvictUser, ctx: &mut Context<Self>) {
        let removed = self.removed_from_plan();
        // What is already queued goes out first, to the evicted connections too (it was
        // committed while they were members). The member-removed event itself comes after
        // this message (the write path sends `EvictFromPlan` before `PublishToPlan`), so only
        // the connections that stay get it, after their `user-left`.
        self.flush(ctx);
        let evicted: Vec<ConnectionId> = self
            .connections
            .iter()
            .filter(|(_, c)| *c.user_id == *msg.user_id)
            .map(|(id, _)| id.clone())
            .collect();
        for id in evicted {
            if let Some(conn) = self.connections.get(&id) {
                let _ = conn.peer.deliver(&removed, 0);
            }
            self.remove_connection(&id, ctx);
        }
    }
}

impl Handler<StopIfIdle> for RoomActor {
    type Result = bool;

    fn handle(&mut self, msg: StopIfIdle, ctx: &mut Context<Self>) -> bool {
        let idle = self.connections.is_empty()
            && self.pending.is_empty()
            && self
                .empty_since
                .is_some_and(|t| t.elapsed() >= msg.idle_for);
        if idle {
            ctx.stop();
        }
        idle
    }
}

#[cfg(test)]
mod tests;
