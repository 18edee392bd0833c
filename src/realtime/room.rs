//! The `RoomActor`: one plan's live room. It hands every committed event to every
//! connection in the room in seq order, each frame serialised once and shared, and keeps
//! presence (who is here, online or away, typing).
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

/// One connection in the room.
struct Connection {
    user_id: Arc<str>,
    status: PresenceStatus,
    peer: Peer,
}

/// One user in the room, over all their connections.
struct UserPresence {
    user: UserRef,
    connections: usize,
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

pub struct RoomActor {
    plan_id: Arc<str>,
    db: Database,
    registry: Addr<Registry>,
    connections: HashMap<ConnectionId, Connection>,
    users: BTreeMap<Arc<str>, UserPresence>,
    /// The last seq handed out; `None` until known (read from the database at start).
    delivered_through: Option<i64>,
    /// Events that arrived ahead of a missing one.
    pending: BTreeMap<i64, PendingEvent>,
    /// The plan was deleted: close once this seq has been delivered.
    close_after: Option<i64>,
    gap_fill_scheduled: bool,
    empty_since: Option<Instant>,
    metrics: Arc<Metrics>,
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

    /// Sends a room notice (no seq) to every connection but `except`; connections whose
    /// queue is full are put out of the room (they are closing with 1008).
    fn notify_all(&mut self, frame: Frame, except: Option<&str>, ctx: &mut Context<Self>) {
        let route = Route::Room {
            plan_id: self.plan_id.clone(),
            seq: None,
        };
        let mut slow = Vec::new();
        let mut delivered = 0;
        for (id, conn) in &self.connections {
            if except != Some(&**id) {
                let sent = conn.peer.deliver(Deliver {
                    frame: frame.clone(),
                    route: route.clone(),
                });
                match sent {
                    Ok(()) => delivered += 1,
                    Err(_) => slow.push(id.clone()),
                }
            }
        }
        self.metrics.frames_delivered.inc_by(delivered);
        self.metrics.frames_dropped.inc_by(slow.len() as u64);
        for id in slow {
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
        let mut dead = Vec::new();
        let mut delivered = 0;
        let mut dropped = 0;
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
            for (id, conn) in &self.connections {
                if let Some(ex) = &exclude {
                    if ex.matches(id, &conn.user_id) {
                        continue;
                    }
                }
                if !conn.peer.connected() {
                    dead.push(id.clone());
                    continue;
                }
                // A full queue: the session closes with 1008 and resumes with `since`.
                let sent = conn.peer.deliver(Deliver {
                    frame: frame.clone(),
                    route: route.clone(),
                });
                match sent {
                    Ok(()) => delivered += 1,
                    Err(_) => {
                        dropped += 1;
                        dead.push(id.clone());
                    }
                }
            }
            if let Some(at) = committed_at {
                self.metrics
                    .commit_to_enqueue
                    .observe(at.elapsed().as_secs_f64());
            }
        }
        self.metrics.frames_delivered.inc_by(delivered);
        self.metrics.frames_dropped.inc_by(dropped);
        self.delivered_through = Some(through);
        dead.sort();
        dead.dedup();
        for id in dead {
            self.remove_connection(&id, ctx);
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

    /// The plan is gone: everyone is put out and the room stops.
    fn close(&mut self, ctx: &mut Context<Self>) {
        let frame: Frame = ServerMessage::RemovedFromPlan {
            plan_id: &self.plan_id,
        }
        .to_json()
        .into();
        for conn in self.connections.values() {
            let _ = conn.peer.deliver(Deliver {
                frame: frame.clone(),
                route: Route::Evicted {
                    plan_id: self.plan_id.clone(),
                },
            });
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
        let evicted: Vec<ConnectionId> = self
            .connections
            .iter()
            .filter(|(_, c)| *c.user_id == *msg.user_id)
            .map(|(id, _)| id.clone())
            .collect();
        for id in evicted {
            if let Some(conn) = self.connections.get(&id) {
                let _ = conn.peer.deliver(Deliver {
                    frame: frame.clone(),
                    route: Route::Evicted {
                        plan_id: self.plan_id.clone(),
                    },
                });
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
        self.notify_all(frame.into(), Some(&msg.connection_id), ctx);
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
            self.notify_all(frame.into(), Some(&msg.connection_id), ctx);
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
