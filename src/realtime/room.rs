//! The `RoomActor`: one plan's live room. It hands every committed event to every
//! connection in the room in seq order, each frame serialised once and shared, and keeps
//! presence (who is here, online or away, typing).
//!
//! Batching: events and notices go into an outbox; once the room has handled everything
//! waiting in its mailbox (or the outbox holds [`MAX_BATCH`] frames) the outbox becomes one
//! shared [`Batch`] and each connection gets one mailbox message for all of it. Under load
//! a burst of commits or `typing` relays costs one message per connection, not one per
//! frame; when idle, a batch holds the one frame that arrived.
//!
//! Ordering: the write path publishes right after each commit, but two commits can reach
//! the room out of order. The room delivers strictly in seq order: it holds early events
//! in `pending` and, if a gap lasts longer than [`GAP_FILL_DELAY`], reads the missing
//! events from the database (they are committed: seq order is commit order).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use super::messages::*;
use super::outbound::Peer;
use super::protocol::ServerMessage;
use super::registry::Registry;
use crate::db::{self, Database};
use crate::metrics::Metrics;
use crate::model::{Participant, PresenceStatus, UserRef};

/// How long an out-of-order event waits for the ones before it before the room reads them
/// from the database.
const GAP_FILL_DELAY: Duration = Duration::from_millis(50);

/// Frames in one batch at most: a full batch goes out at once, without waiting for the
/// mailbox to empty (bounds the wait when messages never stop coming).
const MAX_BATCH: usize = 128;

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

/// One user in the room, over all their connections.
struct UserPresence {
    /// Id and display name, as sent in `user-joined` and `participants`.
    user: UserRef,
    /// The user's connections in the room.
    connections: usize,
    /// How many of them are `online` (the user is `away` when none is).
    online: usize,
}

impl UserPresence {
    fn status(&self) -> PresenceStatus {
        if self.online > 0 {
            PresenceStatus::Online
        } else {
            PresenceStatus::Away
        }
    }
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

/// An event waiting for its turn.
struct PendingEvent {
    frame: Frame,
    exclude: Option<Exclusion>,
    /// When it was committed (for the commit→enqueue histogram); none when read back
    /// from the log by the gap filler.
    committed_at: Option<Instant>,
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

    fn participants(&self) -> Vec<Participant> {
        self.users
            .values()
            .map(|u| Participant {
                user_id: u.user.id.clone(),
                name: u.user.name.clone(),
                status: u.status(),
                connections: u.connections,
            })
            .collect()
    }

    /// Queues a room notice (no seq) for every connection but `except`.
    fn notify_all(&mut self, frame: Frame, except: Option<Exclusion>, ctx: &mut Context<Self>) {
        let route = Route::Room {
            plan_id: self.plan_id.clone(),
            seq: None,
        };
        self.enqueue(
            Outgoing {
                frame,
                route,
                except,
            },
            ctx,
        );
    }

    /// Adds a frame to the batch for every connection. The batch goes out once the room
    /// has handled every message waiting in its mailbox (so a burst of events or relays
    /// reaches each session as one mailbox message), or at once when it is full.
    fn enqueue(&mut self, frame: Outgoing, ctx: &mut Context<Self>) {
        self.outbox.push(frame);
        if self.outbox.len() >= MAX_BATCH {
            self.flush(ctx);
        } else if !self.flush_scheduled {
            self.flush_scheduled = true;
            // Spawned items run after the mailbox has been emptied (actix's context loop).
            ctx.spawn(actix::fut::ready(()).map(|(), act: &mut Self, ctx| {
                act.flush_scheduled = false;
                act.flush(ctx);
            }));
        }
    }

    /// Hands the batch to every connection (one message each, the batch shared); a
    /// connection whose queue is full is put out of the room (it is closing with 1008).
    fn flush(&mut self, ctx: &mut Context<Self>) {
        if self.outbox.is_empty() {
            return;
        }
        let batch = Arc::new(Batch::new(std::mem::take(&mut self.outbox)));
        let filling = self.batch_number;
        self.batch_number += 1;
        // Frames a connection skips (its own change, its own typing) are not counted.
        let mut skipped_by: HashMap<&str, Vec<(usize, &str)>> = HashMap::new();
        for (index, entry) in batch.entries().iter().enumerate() {
            if let Some(ex) = &entry.except {
                skipped_by
                    .entry(ex.connection_id.as_str())
                    .or_default()
                    .push((index, ex.user_id.as_str()));
            }
        }
        let mut delivered = 0;
        let mut dropped = 0;
        let mut dead = Vec::new();
        for (id, conn) in &self.connections {
            let start = match conn.joined_during {
                (number, start) if number == filling => start,
                _ => 0,
            };
            if start >= batch.len() {
                continue;
            }
            if !conn.peer.connected() {
                dead.push(id.clone());
                continue;
            }
            let skipped = skipped_by.get(&**id).map_or(0, |skips| {
                skips
                    .iter()
                    .filter(|(index, user)| *index >= start && *user == &*conn.user_id)
                    .count()
            });
            match conn.peer.deliver(&batch, start) {
                Ok(()) => delivered += batch.frames_from(start) - skipped,
                Err(_) => {
                    dropped += batch.frames_from(start) - skipped;
                    dead.push(id.clone());
                }
            }
        }
        for at in self.outbox_commits.drain(..) {
            self.metrics
                .commit_to_enqueue
                .observe(at.elapsed().as_secs_f64());
        }
        self.metrics.frames_delivered.inc_by(delivered as u64);
        self.metrics.frames_dropped.inc_by(dropped as u64);
        for id in dead {
            self.remove_connection(&id, ctx);
        }
    }

    /// Removes one connection; announces `user-left` when it was the user's last.
    fn remove_connection(&mut self, connection_id: &str, ctx: &mut Context<Self>) {
        let Some(conn) = self.connections.remove(connection_id) else {
            return;
        };
        self.metrics.participants.dec();
        let mut left = None;
        if let Some(presence) = self.users.get_mut(&conn.user_id) {
            presence.connections -= 1;
            if conn.status == PresenceStatus::Online {
                presence.online -= 1;
            }
            if presence.connections == 0 {
                left = self.users.remove(&conn.user_id).map(|p| p.user);
            }
        }
        if let Some(user) = left {
            let frame = ServerMessage::UserLeft {
                plan_id: &self.plan_id,
                user: &user,
                participant_count: self.users.len(),
            }
            .to_json();
            self.notify_all(frame.into(), None, ctx);
        }
        if self.connections.is_empty() {
            self.empty_since = Some(Instant::now());
            self.registry.do_send(RoomEmptied {
                plan_id: self.plan_id.clone(),
            });
        }
    }

    /// Hands out every pending event that is next in line.
    fn drain(&mut self, ctx: &mut Context<Self>) {
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

    /// The plan is gone: everyone is put out (after what is queued) and the room stops.
    fn close(&mut self, ctx: &mut Context<Self>) {
        self.flush(ctx);
        let frame: Frame = ServerMessage::RemovedFromPlan {
            plan_id: &self.plan_id,
        }
        .to_json()
        .into();
        let removed = Arc::new(Batch::one(
            frame,
            Route::Evicted {
                plan_id: self.plan_id.clone(),
            },
        ));
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

impl Handler<JoinRoom> for RoomActor {
    type Result = MessageResult<JoinRoom>;

    fn handle(&mut self, msg: JoinRoom, ctx: &mut Context<Self>) -> Self::Result {
        if self.connections.contains_key(&msg.connection_id) {
            self.remove_connection(&msg.connection_id.clone(), ctx);
        }
        let user_id: Arc<str> = Arc::from(msg.user.id.as_str());
        let online = usize::from(msg.status == PresenceStatus::Online);
        let first = !self.users.contains_key(&user_id);
        let presence = self
            .users
            .entry(user_id.clone())
            .or_insert_with(|| UserPresence {
                user: msg.user.clone(),
                connections: 0,
                online: 0,
            });
        presence.connections += 1;
        presence.online += online;
        if first {
            let frame = ServerMessage::UserJoined {
                plan_id: &self.plan_id,
                user: &msg.user,
                participant_count: self.users.len(),
            }
            .to_json();
            self.notify_all(frame.into(), None, ctx);
        }
        self.metrics.participants.inc();
        self.connections.insert(
            msg.connection_id,
            Connection {
                user_id,
                status: msg.status,
                peer: msg.peer,
                joined_during: (self.batch_number, self.outbox.len()),
            },
        );
        self.empty_since = None;
        MessageResult(self.participants())
    }
}

impl Handler<LeaveRoom> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: LeaveRoom, ctx: &mut Context<Self>) {
        self.remove_connection(&msg.connection_id, ctx);
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

impl Handler<EvictUser> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: EvictUser, ctx: &mut Context<Self>) {
        let frame: Frame = ServerMessage::RemovedFromPlan {
            plan_id: &self.plan_id,
        }
        .to_json()
        .into();
        let removed = Arc::new(Batch::one(
            frame,
            Route::Evicted {
                plan_id: self.plan_id.clone(),
            },
        ));
        // What is queued (the member-removed event among it) goes out first.
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

impl Handler<RelayTyping> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: RelayTyping, ctx: &mut Context<Self>) {
        let Some(conn) = self.connections.get(&msg.connection_id) else {
            return;
        };
        let Some(presence) = self.users.get(&conn.user_id) else {
            return;
        };
        let frame = ServerMessage::Typing {
            plan_id: &self.plan_id,
            task_id: &msg.task_id,
            user: &presence.user,
            is_typing: msg.is_typing,
        }
        .to_json();
        let sender = Exclusion {
            connection_id: msg.connection_id.to_string(),
            user_id: presence.user.id.clone(),
        };
        self.notify_all(frame.into(), Some(sender), ctx);
    }
}

impl Handler<SetPresence> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: SetPresence, ctx: &mut Context<Self>) {
        let Some(conn) = self.connections.get_mut(&msg.connection_id) else {
            return;
        };
        if conn.status == msg.status {
            return;
        }
        conn.status = msg.status;
        let Some(presence) = self.users.get_mut(&conn.user_id) else {
            return;
        };
        let before = presence.status();
        match msg.status {
            PresenceStatus::Online => presence.online += 1,
            PresenceStatus::Away => presence.online -= 1,
        }
        let after = presence.status();
        if before != after {
            let frame = ServerMessage::PresenceChanged {
                plan_id: &self.plan_id,
                user: &presence.user,
                status: after,
            }
            .to_json();
            let sender = Exclusion {
                connection_id: msg.connection_id.to_string(),
                user_id: presence.user.id.clone(),
            };
            self.notify_all(frame.into(), Some(sender), ctx);
        }
    }
}

impl Handler<GetParticipants> for RoomActor {
    type Result = MessageResult<GetParticipants>;

    fn handle(&mut self, _: GetParticipants, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.participants())
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
