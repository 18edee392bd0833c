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
//! [`Notice::TYPES`], [`PersonalNotice::TYPES`] and `ServerMessage::TYPES`: a test here
//! keeps `client/src/wire-types.json` equal to them, and a test of the SDK compares its
//! own lists with that file.

mod event;
mod notice;

pub use event::{Place, PlanEvent, TaskChanges};
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::protocol::ServerMessage;

    /// Every frame type the server sends, as the client SDK's `wire-types.json` holds them.
    fn wire_types() -> serde_json::Value {
        serde_json::json!({
            "planEvents": PlanEvent::TYPES,
            "notices": Notice::TYPES,
            "personalNotices": PersonalNotice::TYPES,
            "replies": ServerMessage::TYPES,
        })
    }

    #[test]
    fn the_client_sdks_wire_types_file_lists_every_frame_type_the_server_sends() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("client/src/wire-types.json");
        let expected = wire_types();
        if std::env::var_os("LIVEPLAN_WRITE_WIRE_TYPES").is_some() {
            let text = serde_json::to_string_pretty(&expected).unwrap_or_default() + "\n";
            let written = std::fs::write(&path, text);
            assert!(written.is_ok(), "{written:?}");
            return;
        }
        let found: Option<serde_json::Value> = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        assert!(
            found.as_ref() == Some(&expected),
            "{} differs from the server's frame types ({expected}); the SDK's lists in \
             client/src/types.ts must follow. Rewrite the file with \
             `LIVEPLAN_WRITE_WIRE_TYPES=1 cargo test -p liveplan --lib wire::tests`, then run \
             `npm test` in client/",
            path.display()
        );
    }
}
