//! The frames the server writes, and the one encoder they all go through.
//!
//! - [`PlanEvent`]: a stored plan event (`task-created`, `member-removed`, …), numbered by
//!   the plan's seq, written in the transaction that makes the change and kept in the
//!   event log for `since` and `GET /events`;
//! - [`Notice`]: presence and typing in a plan's room, never stored;
//! - [`PersonalNotice`]: for every connection of one user (`task-assigned`,
//!   `due-date-reminder`, `removed-from-plan`), never stored;
//! - `realtime::protocol::ServerMessage`: the WebSocket session's replies to its own
//!   connection (`connected`, `joined`, `pong`, `error`, …).
//!
//! Every frame is serialised by [`encode`], once, however many connections receive it.
//! The client SDK's types (`client/`) are checked against [`PlanEvent::TYPES`],
//! [`Notice::TYPES`] and [`PersonalNotice::TYPES`].

mod event;
mod notice;

pub use event::{PlanEvent, TaskChanges};
pub use notice::{Notice, PersonalNotice};

use serde::Serialize;

/// Serialises a frame. The frames hold strings, numbers and plain structs, so this fails
/// only on a bug (a map with non-string keys); a caller that must not store or send a
/// broken frame sees the error.
pub fn encode<F: Serialize + ?Sized>(frame: &F) -> Result<String, serde_json::Error> {
    serde_json::to_string(frame)
}

/// The text of a frame that is sent, not stored: [`encode`], or, should it ever fail, an
/// `internal` error frame (logged) instead of nothing.
pub fn text<F: Serialize + ?Sized>(frame: &F) -> String {
    encode(frame).unwrap_or_else(|e| {
        log::error!("could not serialise a server frame: {e}");
        r#"{"type":"error","code":"internal","message":"internal error"}"#.to_string()
    })
}
