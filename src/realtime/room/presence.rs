//! Who is in the room: connections joining and leaving, each user's presence over their
//! connections (online while one of them is), `typing` relays, and the `user-joined`,
//! `user-left` and `presence-changed` notices.

use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;

use super::{Connection, RoomActor};
use crate::model::{Participant, PresenceStatus, UserRef};
use crate::realtime::messages::*;
use crate::wire::Notice;

/// One user in the room, over all their connections.
pub(super) struct UserPresence {
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

impl RoomActor {
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

    /// Queues a room notice that connection `sender` (of `user_id`) caused (`typing`,
    /// `presence-changed`) for every other connection, its user's other ones included.
    fn notify_all_but(
        &mut self,
        sender: &str,
        user_id: String,
        frame: Frame,
        ctx: &mut Context<Self>,
    ) {
        let except = Exclusion {
            connection_id: sender.to_string(),
            user_id,
        };
        self.notify_all(frame, Some(except), ctx);
    }

    /// Removes one connection; announces `user-left` when it was the user's last.
    pub(super) fn remove_connection(&mut self, connection_id: &str, ctx: &mut Context<Self>) {
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
            let frame = Notice::UserLeft {
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
            let frame = Notice::UserJoined {
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

impl Handler<RelayTyping> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: RelayTyping, ctx: &mut Context<Self>) {
        let Some(conn) = self.connections.get(&msg.connection_id) else {
            return;
        };
        let Some(presence) = self.users.get(&conn.user_id) else {
            return;
        };
        let frame = Notice::Typing {
            plan_id: &self.plan_id,
            task_id: &msg.task_id,
            user: &presence.user,
            is_typing: msg.is_typing,
        }
        .to_json();
        let user_id = presence.user.id.clone();
        self.notify_all_but(&msg.connection_id, user_id, frame.into(), ctx);
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
            let frame = Notice::PresenceChanged {
                plan_id: &self.plan_id,
                user: &presence.user,
                status: after,
            }
            .to_json();
            let user_id = presence.user.id.clone();
            self.notify_all_but(&msg.connection_id, user_id, frame.into(), ctx);
        }
    }
}

impl Handler<GetParticipants> for RoomActor {
    type Result = MessageResult<GetParticipants>;

    fn handle(&mut self, _: GetParticipants, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.participants())
    }
}
