//! The frames the server writes, and the one encoder they all go through.
//!
//! - [`PlanEvent`]: a stored plan event (`task-created`, `member-removed`, …), numbered by
//!   the plan's seq, written in the transaction that makes the change and kept in the
//!   event log for `since` and `GET /events`;
//! - `realtime::protocol::ServerMessage`: the replies of the WebSocket session and the
//!   notices that are never stored (presence, typing, personal notices).
//!
//! Every frame is serialised by [`encode`], once, however many connections receive it.
//! The client SDK's event types (`client/`) are checked against [`PlanEvent::TYPES`].

mod event;

pub use event::{PlanEvent, TaskChanges};

use serde::Serialize;

/// Serialises a frame. The frames hold strings, numbers and plain structs, so this fails
/// only on a bug (a map with non-string keys); a caller that must not store or send a
/// broken frame sees the error.
pub fn encode<F: Serialize + ?Sized>(frame: &F) -> Result<String, serde_json::Error> {
    serde_json::to_string(frame)
}
