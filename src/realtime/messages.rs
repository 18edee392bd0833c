//! Typed actor messages, grouped by the actor that receives them. Each is a named-field
//! struct with an explicit result type.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use bytestring::ByteString;

use super::outbound::Peer;
use super::room::RoomActor;
use crate::model::{Participant, PresenceStatus, UserRef};

/// A connection's id, as sent in `connected` and accepted in `X-Connection-Id`.
pub type ConnectionId = Arc<str>;

/// One serialised frame, shared by every recipient (cloning is a reference-count bump).
pub type Frame = ByteString;

/// "Do not send this to connection `connection_id`, if it belongs to `user_id`": the
/// `X-Connection-Id` originator exclusion, which only applies to the caller's own connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub connection_id: String,
    pub user_id: String,
}

impl Exclusion {
    pub fn matches(&self, connection_id: &str, user_id: &str) -> bool {
        self.connection_id == connection_id && self.user_id == user_id
    }
}

// ---------------------------------------------------------------- to WsSession

/// Where a delivered frame comes from; the session uses it to order, buffer or forget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// From a plan's room: a stored event (`seq` set) or a room notice (`seq` none).
    Room { plan_id: Arc<str>, seq: Option<i64> },
    /// The connection was put out of the plan's room (removed member, deleted plan).
    Evicted { plan_id: Arc<str> },
    /// A personal notice for the user, whatever rooms the connection joined.
    Personal,
}

/// One frame of a [`Batch`]: where it comes from, and the connection it is not for.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub frame: Frame,
    pub route: Route,
    /// Skipped by this connection (the originator of a change, the sender of a relay).
    pub except: Option<Exclusion>,
}

impl Outgoing {
    /// What the frame takes on the wire (what queues count).
    pub fn wire_len(&self) -> usize {
        super::outbound::wire_len(self.frame.len())
    }
}

/// Frames handed to many sessions at once, in order: built once by a room per drain and
/// shared (each recipient gets a reference, not a copy).
#[derive(Debug)]
pub struct Batch {
    entries: Vec<Outgoing>,
    /// `bytes_before[i]`: the wire bytes of `entries[..i]` (one more item than entries).
    bytes_before: Vec<usize>,
}

impl Batch {
    pub fn new(entries: Vec<Outgoing>) -> Batch {
        let mut bytes_before = Vec::with_capacity(entries.len() + 1);
        let mut total = 0;
        bytes_before.push(0);
        for e in &entries {
            total += e.wire_len();
            bytes_before.push(total);
        }
        Batch {
            entries,
            bytes_before,
        }
    }

    /// A batch of one frame for every recipient.
    pub fn one(frame: Frame, route: Route) -> Batch {
        Batch::new(vec![Outgoing {
            frame,
            route,
            except: None,
        }])
    }

    pub fn entries(&self) -> &[Outgoing] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Frames from `start` on (what a recipient's queue counts in and out).
    pub fn frames_from(&self, start: usize) -> usize {
        self.entries.len().saturating_sub(start)
    }

    /// Wire bytes (payload and frame header) from `start` on.
    pub fn bytes_from(&self, start: usize) -> usize {
        let total = self.bytes_before.last().copied().unwrap_or(0);
        total - self.bytes_before.get(start).copied().unwrap_or(total)
    }
}

/// Frames for the session to write: `batch`'s entries from `start` on (a connection that
/// joined a room while the room was filling a batch gets only what came after). Sent only
/// through [`super::outbound::Peer`], which counts them into the session's bounded queue.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Deliver {
    pub batch: Arc<Batch>,
    pub start: usize,
}

impl Deliver {
    /// The entries this delivery carries.
    pub fn entries(&self) -> &[Outgoing] {
        self.batch.entries().get(self.start..).unwrap_or(&[])
    }
}

/// Close the connection with this code and reason: its queue overflowed (1008
/// `slow consumer`) or the server is shutting down (1001).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct CloseConnection {
    pub code: u16,
    pub reason: &'static str,
}

// ---------------------------------------------------------------- to RoomActor

/// Adds a connection to the room; answers with who is there now.
#[derive(Message)]
#[rtype(result = "Vec<Participant>")]
pub struct JoinRoom {
    pub connection_id: ConnectionId,
    pub user: UserRef,
    pub status: PresenceStatus,
    pub peer: Peer,
}

/// Takes a connection out of the room (leave, disconnect, failed join).
#[derive(Message)]
#[rtype(result = "()")]
pub struct LeaveRoom {
    pub connection_id: ConnectionId,
}

/// What the room does once an event has been handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterPublish {
    Nothing,
    /// Plan deleted: after delivering the last event, evict everyone and stop.
    CloseRoom,
}

/// Committed events of this plan, to hand out in seq order.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct PublishEvents {
    /// `(seq, frame)`, ascending.
    pub events: Vec<(i64, Frame)>,
    pub exclude: Option<Exclusion>,
    pub after: AfterPublish,
    /// When the transaction committed (metrics: commit→enqueue latency).
    pub committed_at: Option<std::time::Instant>,
}

/// Puts every connection of a user out of the room at once (member removed).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct EvictUser {
    pub user_id: String,
}

/// A `typing` relay from one connection to the others in the room.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RelayTyping {
    pub connection_id: ConnectionId,
    pub task_id: String,
    pub is_typing: bool,
}

/// A connection's presence changed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetPresence {
    pub connection_id: ConnectionId,
    pub status: PresenceStatus,
}

/// Who is in the room.
#[derive(Message)]
#[rtype(result = "Vec<Participant>")]
pub struct GetParticipants;

/// Asked by the registry's sweep: stop if empty for at least `idle_for`. Answers whether
/// the room stopped.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct StopIfIdle {
    pub idle_for: Duration,
}

// ---------------------------------------------------------------- to Registry

/// A new WebSocket connection. Refused when the user is at the connection cap.
#[derive(Message)]
#[rtype(result = "Result<(), TooManyConnections>")]
pub struct RegisterSession {
    pub connection_id: ConnectionId,
    pub user_id: String,
    pub peer: Peer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyConnections;

/// A connection ended; forget it (its rooms are left through [`LeavePlanRoom`]).
#[derive(Message)]
#[rtype(result = "()")]
pub struct UnregisterSession {
    pub connection_id: ConnectionId,
    pub user_id: String,
}

/// Joins a connection to a plan's room, starting the room if needed.
#[derive(Message)]
#[rtype(result = "Result<RoomJoined, MailboxError>")]
pub struct JoinPlanRoom {
    pub plan_id: String,
    pub join: JoinRoom,
}

/// The room a connection joined, and who is there.
pub struct RoomJoined {
    pub room: Addr<RoomActor>,
    pub participants: Vec<Participant>,
}

/// A connection leaves a plan's room (if the room still runs).
#[derive(Message)]
#[rtype(result = "()")]
pub struct LeavePlanRoom {
    pub plan_id: String,
    pub connection_id: ConnectionId,
}

/// Committed events of a plan, from the write path, for its room if one runs.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct PublishToPlan {
    pub plan_id: String,
    pub publish: PublishEvents,
}

/// A member lost access: evict their connections from the plan's room.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct EvictFromPlan {
    pub plan_id: String,
    pub user_id: String,
}

/// A personal notice to every connection of one user.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct SendToUser {
    pub user_id: String,
    pub frame: Frame,
    pub exclude: Option<Exclusion>,
}

/// Who is in a plan's room (empty when no room runs).
#[derive(Message)]
#[rtype(result = "Result<Vec<Participant>, MailboxError>")]
pub struct PlanParticipants {
    pub plan_id: String,
}

/// From a room: it has no participants left (a candidate for the idle sweep).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RoomEmptied {
    pub plan_id: Arc<str>,
}

/// From a room that stopped by itself (plan deleted).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RoomClosed {
    pub plan_id: Arc<str>,
    pub room: Addr<RoomActor>,
}

/// Graceful shutdown: every session is told to close with 1001 `server shutting down`.
/// Answers how many sessions were told.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CloseAllSessions;

/// How many rooms and sessions the registry holds (tests, metrics).
#[derive(Message)]
#[rtype(result = "RegistryStats")]
pub struct GetRegistryStats;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegistryStats {
    pub rooms: usize,
    pub sessions: usize,
    /// The largest outbound queue of any session, in bytes.
    pub largest_queue_bytes: usize,
}
