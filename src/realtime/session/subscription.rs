//! A connection's state in each plan it joined: joining, catching up from the event log,
//! or live; and the room notices it keeps meanwhile, still counted in its queue.

use std::collections::BTreeSet;
use std::sync::Arc;

use actix::prelude::*;

use crate::model::PresenceStatus;
use crate::realtime::messages::Frame;
use crate::realtime::outbound::{wire_len, Outbound};
use crate::realtime::room::RoomActor;

/// A connection's state in one plan.
pub(super) enum PlanSubscription {
    /// Waiting for the membership check, the room and the database snapshot.
    Joining {
        attempt: u64,
        catch_up: CatchUp,
        /// The presence the room was told at the join.
        joined_with: PresenceStatus,
    },
    /// `joined` written; writing stored events from the log, page by page (see [`join`]).
    CatchingUp {
        attempt: u64,
        /// The join's, echoed by a `resync-required` or an `error` during the catch-up.
        request_id: Option<String>,
        room: Addr<RoomActor>,
        /// The last seq written to the socket.
        written: i64,
        catch_up: CatchUp,
    },
    /// Joined: frames are written as they come, events only past `last_seq`.
    Live {
        room: Addr<RoomActor>,
        last_seq: i64,
    },
}

impl PlanSubscription {
    /// The room, once `joined` was written (catching up or live).
    pub(super) fn room(&self) -> Option<&Addr<RoomActor>> {
        match self {
            PlanSubscription::Joining { .. } => None,
            PlanSubscription::CatchingUp { room, .. } | PlanSubscription::Live { room, .. } => {
                Some(room)
            }
        }
    }
}

/// What the room delivered while the connection was joining or catching up.
pub(super) struct CatchUp {
    /// The newest event seq offered by the room (or the snapshot): the catch-up reads the
    /// log through it. The events themselves are not kept.
    pub(super) newest_offered: i64,
    /// Room notices (presence, typing), written once live.
    pub(super) notices: HeldFrames,
    /// Events the room left out for this connection (it made the change, with
    /// `X-Connection-Id`): skipped when the catch-up reads them from the log.
    pub(super) excluded: BTreeSet<i64>,
}

impl CatchUp {
    pub(super) fn new(outbound: Arc<Outbound>) -> CatchUp {
        CatchUp {
            newest_offered: 0,
            excluded: BTreeSet::new(),
            notices: HeldFrames {
                frames: Vec::new(),
                outbound,
            },
        }
    }

    pub(super) fn offered(&mut self, seq: i64) {
        self.newest_offered = self.newest_offered.max(seq);
    }
}

/// Frames kept by the session that are still counted in its queue: counted out when they
/// are dropped, or by the body stream once written.
pub(super) struct HeldFrames {
    pub(super) frames: Vec<Frame>,
    outbound: Arc<Outbound>,
}

impl HeldFrames {
    /// The frames, to write (they stay counted until they reach the socket).
    pub(super) fn take(&mut self) -> Vec<Frame> {
        std::mem::take(&mut self.frames)
    }
}

impl Drop for HeldFrames {
    fn drop(&mut self) {
        let bytes = self.frames.iter().map(|f| wire_len(f.len())).sum();
        self.outbound.pop_bytes(bytes);
    }
}
