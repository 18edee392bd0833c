//! The `Registry` actor: starts plan rooms on demand, knows every user's sessions (for
//! personal notices and the connection cap), and stops rooms that stayed empty past the
//! idle timeout.
//!
//! It is the only actor that starts or stops rooms, and joins and leaves reach rooms
//! through it, so a join can never land in a room that is being stopped: the idle sweep
//! holds the registry's mailbox (`ctx.wait`) while it asks a room to stop.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;

use super::messages::*;
use super::outbound::Peer;
use super::room::RoomActor;
use crate::db::Database;
use crate::metrics::Metrics;

/// A registered session.
struct SessionEntry {
    /// Whose connection it is (`X-Connection-Id` must belong to the caller).
    user_id: String,
    /// How to reach it (personal notices, shutdown).
    peer: Peer,
}

/// The process's one registry. Every field is changed only by its own handlers: sessions
/// register and unregister themselves, join and leave rooms through it; the write path
/// publishes through it; rooms report when they become empty.
pub struct Registry {
    /// Handed to each room it starts.
    db: Database,
    /// The running rooms, by plan id: added on the first join, removed when a room
    /// closes (plan deleted) or the idle sweep stops it.
    rooms: HashMap<Arc<str>, Addr<RoomActor>>,
    /// Rooms that reported being empty; the sweep asks only these.
    idle_candidates: HashSet<Arc<str>>,
    /// Every open connection of this process (`RegisterSession` / `UnregisterSession`).
    sessions: HashMap<ConnectionId, SessionEntry>,
    /// user id → that user's connections, for personal notices and the cap.
    by_user: HashMap<String, HashSet<ConnectionId>>,
    /// How long a room may stay empty before the sweep stops it (settings).
    room_idle_timeout: Duration,
    /// The per-user connection cap (settings; 4429 past it).
    max_connections_per_user: usize,
    /// Connection, room and participant gauges.
    metrics: Arc<Metrics>,
}

impl Registry {
    pub fn new(
        db: Database,
        room_idle_timeout: Duration,
        max_connections_per_user: usize,
        metrics: Arc<Metrics>,
    ) -> Self {
        Registry {
            db,
            rooms: HashMap::new(),
            idle_candidates: HashSet::new(),
            sessions: HashMap::new(),
            by_user: HashMap::new(),
            room_idle_timeout,
            max_connections_per_user,
            metrics,
        }
    }

    /// Starts the registry with a mailbox that never makes a sender wait, so that a
    /// session's join and a later leave reach it, and the room, in the order sent.
    pub fn launch(
        db: Database,
        room_idle_timeout: Duration,
        max_connections_per_user: usize,
        metrics: Arc<Metrics>,
    ) -> Addr<Registry> {
        Registry::create(|ctx| {
            ctx.set_mailbox_capacity(super::UNBOUNDED_MAILBOX);
            Registry::new(db, room_idle_timeout, max_connections_per_user, metrics)
        })
    }

    fn room_for(&mut self, plan_id: &str, ctx: &mut Context<Self>) -> Addr<RoomActor> {
        if let Some(room) = self.rooms.get(plan_id) {
            if room.connected() {
                return room.clone();
            }
        }
        let plan_id: Arc<str> = Arc::from(plan_id);
        let room = RoomActor::launch(
            plan_id.clone(),
            self.db.clone(),
            ctx.address(),
            self.metrics.clone(),
        );
        log::debug!("room {plan_id} started");
        self.rooms.insert(plan_id, room.clone());
        room
    }

    /// Asks each room that reported being empty to stop if it stayed so long enough. Runs
    /// under `ctx.wait`, one room at a time, so no join slips in while a room decides.
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        let candidates: Vec<Arc<str>> = self.idle_candidates.drain().collect();
        for plan_id in candidates {
            let Some(room) = self.rooms.get(&plan_id).cloned() else {
                continue;
            };
            let idle_for = self.room_idle_timeout;
            ctx.wait(room.send(StopIfIdle { idle_for }).into_actor(self).map(
                move |result, act, _| match result {
                    Ok(true) | Err(_) => {
                        act.rooms.remove(&plan_id);
                        log::debug!("room {plan_id} stopped after being idle");
                    }
                    // Still empty but not for long enough: ask again next sweep. Occupied
                    // rooms report again when they next empty.
                    Ok(false) => {
                        act.idle_candidates.insert(plan_id);
                    }
                },
            ));
        }
    }
}

impl Actor for Registry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let every =
            (self.room_idle_timeout / 2).clamp(Duration::from_millis(5), Duration::from_secs(10));
        ctx.run_interval(every, |act, ctx| act.sweep(ctx));
    }
}

impl Handler<RegisterSession> for Registry {
    type Result = Result<(), TooManyConnections>;

    fn handle(&mut self, msg: RegisterSession, _: &mut Context<Self>) -> Self::Result {
        let connections = self.by_user.entry(msg.user_id.clone()).or_default();
        if connections.len() >= self.max_connections_per_user {
            return Err(TooManyConnections);
        }
        connections.insert(msg.connection_id.clone());
        self.sessions.insert(
            msg.connection_id,
            SessionEntry {
                user_id: msg.user_id,
                peer: msg.peer,
            },
        );
        Ok(())
    }
}

impl Handler<UnregisterSession> for Registry {
    type Result = ();

    fn handle(&mut self, msg: UnregisterSession, _: &mut Context<Self>) {
        if self.sessions.remove(&msg.connection_id).is_some() {
            if let Some(set) = self.by_user.get_mut(&msg.user_id) {
                set.remove(&msg.connection_id);
                if set.is_empty() {
                    self.by_user.remove(&msg.user_id);
                }
            }
        }
    }
}

impl Handler<JoinPlanRoom> for Registry {
    type Result = ResponseFuture<Result<RoomJoined, MailboxError>>;

    fn handle(&mut self, msg: JoinPlanRoom, ctx: &mut Context<Self>) -> Self::Result {
        let room = self.room_for(&msg.plan_id, ctx);
        // `send` queues the join now, before any later message of ours to this room.
        let joined = room.send(msg.join);
        Box::pin(async move {
            let participants = joined.await?;
            Ok(RoomJoined { room, participants })
        })
    }
}

impl Handler<LeavePlanRoom> for Registry {
    type Result = ();

    fn handle(&mut self, msg: LeavePlanRoom, _: &mut Context<Self>) {
        if let Some(room) = self.rooms.get(msg.plan_id.as_str()) {
            room.do_send(LeaveRoom {
                connection_id: msg.connection_id,
            });
        }
    }
}

impl Handler<PublishToPlan> for Registry {
    type Result = ();

    fn handle(&mut self, msg: PublishToPlan, _: &mut Context<Self>) {
        // No room means nobody is joined: the events are stored, and whoever joins later
        // reads them from the database.
        let close = msg.publish.after == AfterPublish::CloseRoom;
        let room = if close {
            self.rooms.remove(msg.plan_id.as_str())
        } else {
            self.rooms.get(msg.plan_id.as_str()).cloned()
        };
        if let Some(room) = room {
            room.do_send(msg.publish);
        }
    }
}

impl Handler<EvictFromPlan> for Registry {
    type Result = ();

    fn handle(&mut self, msg: EvictFromPlan, _: &mut Context<Self>) {
        if let Some(room) = self.rooms.get(msg.plan_id.as_str()) {
            room.do_send(EvictUser {
                user_id: msg.user_id,
            });
        }
    }
}

impl Handler<SendToUser> for Registry {
    type Result = ();

    fn handle(&mut self, msg: SendToUser, _: &mut Context<Self>) {
        let Some(connections) = self.by_user.get(&msg.user_id) else {
            return;
        };
        let batch = Arc::new(Batch::one(msg.frame, Route::Personal));
        for connection_id in connections {
            if let Some(ex) = &msg.exclude {
                if ex.matches(connection_id, &msg.user_id) {
                    continue;
                }
            }
            if let Some(entry) = self.sessions.get(connection_id) {
                debug_assert_eq!(entry.user_id, msg.user_id);
                // A full queue means the session is already closing (1008).
                let sent = entry.peer.deliver(&batch, 0);
                match sent {
                    Ok(()) => self.metrics.frames_delivered.inc(),
                    Err(_) => self.metrics.frames_dropped.inc(),
                }
            }
        }
    }
}

impl Handler<PlanParticipants> for Registry {
    type Result = ResponseFuture<Result<Vec<super::super::model::Participant>, MailboxError>>;

    fn handle(&mut self, msg: PlanParticipants, _: &mut Context<Self>) -> Self::Result {
        let room = self.rooms.get(msg.plan_id.as_str()).cloned();
        Box::pin(async move {
            match room {
                Some(room) => room.send(GetParticipants).await,
                None => Ok(Vec::new()),
            }
        })
    }
}

impl Handler<RoomEmptied> for Registry {
    type Result = ();

    fn handle(&mut self, msg: RoomEmptied, _: &mut Context<Self>) {
        if self.rooms.contains_key(&msg.plan_id) {
            self.idle_candidates.insert(msg.plan_id);
        }
    }
}

impl Handler<RoomClosed> for Registry {
    type Result = ();

    fn handle(&mut self, msg: RoomClosed, _: &mut Context<Self>) {
        if self.rooms.get(&msg.plan_id) == Some(&msg.room) {
            self.rooms.remove(&msg.plan_id);
        }
        self.idle_candidates.remove(&msg.plan_id);
    }
}

impl Handler<CloseAllSessions> for Registry {
    type Result = usize;

    fn handle(&mut self, _: CloseAllSessions, _: &mut Context<Self>) -> usize {
        for entry in self.sessions.values() {
            entry.peer.control.do_send(CloseConnection {
                code: super::protocol::close::GOING_AWAY,
                reason: "server shutting down",
            });
        }
        self.sessions.len()
    }
}

impl Handler<GetRegistryStats> for Registry {
    type Result = MessageResult<GetRegistryStats>;

    fn handle(&mut self, _: GetRegistryStats, _: &mut Context<Self>) -> Self::Result {
        MessageResult(RegistryStats {
            rooms: self.rooms.len(),
            sessions: self.sessions.len(),
            largest_queue_bytes: self
                .sessions
                .values()
                .map(|s| s.peer.outbound.queued_bytes())
                .max()
                .unwrap_or(0),
        })
    }
}
