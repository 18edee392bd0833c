//! The wire shapes the tools send and read, typed from the protocol (docs/protocol.md).
//!
//! These are copies, not imports: this crate is a client and does not depend on the
//! server. Only the fields the tools use are here; the rest of a frame is skipped
//! unparsed, so a server that adds fields breaks nothing.

use serde::{Deserialize, Serialize};

/// The claims of a token the load tool mints for its users (§1): `sub` and `name`, `exp`
/// and `iat`. Signed HS256 with the server's `LIVEPLAN_JWT_SECRET`.
#[derive(Debug, Serialize)]
pub struct Claims<'a> {
    pub sub: &'a str,
    pub name: &'a str,
    pub exp: i64,
    pub iat: i64,
}

/// The client messages the tools send over `/ws` (§4.2).
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ClientMessage<'a> {
    /// `join-plan {planId, since?}`: `joined`, then the events after `since`.
    #[serde(rename_all = "camelCase")]
    JoinPlan {
        plan_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        since: Option<i64>,
    },
    /// `typing {planId, taskId, isTyping}`: relayed to the rest of the room.
    #[serde(rename_all = "camelCase")]
    Typing {
        plan_id: &'a str,
        task_id: &'a str,
        is_typing: bool,
    },
}

impl ClientMessage<'_> {
    /// The message as a text frame.
    pub fn to_text(&self) -> String {
        // Strings, numbers and booleans only: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The fields of a server frame the load tool reads (§4.2, §4.6, §4.7): its `type`, for
/// `joined` and plan events the `seq`, for plan events the `timestamp`, for `typing` the
/// `taskId`. Borrowed from the frame:
/// none of them carries an escape.
#[derive(Debug, Deserialize)]
pub struct ServerFrame<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: &'a str,
    #[serde(default)]
    pub seq: Option<u64>,
    #[serde(default, borrow)]
    pub timestamp: Option<&'a str>,
    #[serde(default, rename = "taskId", borrow)]
    pub task_id: Option<&'a str>,
}

/// An `error` frame's `code` and `message` (§4.3).
#[derive(Debug, Deserialize)]
pub struct ErrorFrame {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// The answer of a `201 Created` (a plan, a task; §2.5): only its `id` is read.
#[derive(Debug, Deserialize)]
pub struct Created {
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_have_the_protocols_shape() {
        let join = ClientMessage::JoinPlan {
            plan_id: "p-1",
            since: None,
        };
        assert_eq!(join.to_text(), r#"{"type":"join-plan","planId":"p-1"}"#);
        let resume = ClientMessage::JoinPlan {
            plan_id: "p-1",
            since: Some(0),
        };
        assert_eq!(
            resume.to_text(),
            r#"{"type":"join-plan","planId":"p-1","since":0}"#
        );
        let typing = ClientMessage::Typing {
            plan_id: "p-1",
            task_id: "t",
            is_typing: true,
        };
        assert_eq!(
            typing.to_text(),
            r#"{"type":"typing","planId":"p-1","taskId":"t","isTyping":true}"#
        );
    }

    #[test]
    fn a_server_frame_is_read_without_its_other_fields() {
        let text = r#"{"type":"task-updated","planId":"p","seq":7,"data":{"task":{"seq":1}},"timestamp":"2026-11-25T14:11:54.121Z"}"#;
        let frame: Result<ServerFrame, _> = serde_json::from_str(text);
        let frame = frame.map_err(|e| e.to_string());
        assert!(matches!(
            frame,
            Ok(ServerFrame {
                kind: "task-updated",
                seq: Some(7),
                timestamp: Some("2026-11-25T14:11:54.121Z"),
                task_id: None,
            })
        ));
    }
}
