//! The WebSocket wire protocol (contract §3): what clients send, what the server sends,
//! and the close codes. Client frames are decoded in one place, [`decode`].

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ErrorCode;
use crate::model::{Participant, PresenceStatus, UserRef};

/// Close codes. 1xxx are standard; 4xxx are liveplan's.
pub mod close {
    /// The client asked to close. Reconnect only if the client wants to.
    pub const NORMAL: u16 = 1000;
    /// Graceful shutdown. Reconnect (another instance may answer) and resume with `since`.
    pub const GOING_AWAY: u16 = 1001;
    /// A WebSocket protocol violation (bad fragmentation, unmasked or reserved-bit frames).
    /// Fix the client before reconnecting.
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// A text message that is not UTF-8 (RFC 6455 §7.4.1, "invalid frame payload data").
    /// Fix the client before reconnecting.
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// The client did not read and its queue filled. Reconnect and resume with `since`.
    pub const SLOW_CONSUMER: u16 = 1008;
    /// A frame over the size limit. Reconnecting with the same frame fails again.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// The server failed (an actor it needs is gone). Reconnect with backoff.
    pub const INTERNAL_ERROR: u16 = 1011;
    /// Bad or expired token. Do not retry with the same token; get a new one first.
    pub const UNAUTHORIZED: u16 = 4401;
    /// Nothing heard within the timeout. Reconnect.
    pub const HEARTBEAT_TIMEOUT: u16 = 4408;
    /// Too many connections or sustained abuse. Reconnect later, with backoff.
    pub const TOO_MANY: u16 = 4429;

    /// What a client should do after a close with a given code.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Reconnect {
        /// Reconnect at once and resume with `since` (1001, 1008, 4408).
        Resume,
        /// Reconnect with backoff, then resume with `since` (1011, 4429).
        Backoff,
        /// Get a new token first (4401).
        NewToken,
        /// The client sent something it must not send again (1002, 1007, 1009).
        FixClient,
        /// The client asked for it (1000), or the code is not one of the server's.
        No,
    }

    /// The reconnect class of a close code the server sends.
    pub fn reconnect(code: u16) -> Reconnect {
        match code {
            GOING_AWAY | SLOW_CONSUMER | HEARTBEAT_TIMEOUT => Reconnect::Resume,
            INTERNAL_ERROR | TOO_MANY => Reconnect::Backoff,
            UNAUTHORIZED => Reconnect::NewToken,
            PROTOCOL_ERROR | INVALID_PAYLOAD | MESSAGE_TOO_BIG => Reconnect::FixClient,
            _ => Reconnect::No,
        }
    }
}

/// Whether a WebSocket protocol error is a whole text frame that is not UTF-8.
///
/// actix-web-actors turns such a frame into `ProtocolError::Io`, an `Other` error whose
/// message is the `std::str::Utf8Error` it got from `ByteString::try_from`
/// (`actix-web-actors` 4.3, `ws.rs`, `WsStream::poll_next`); its text is all that is left
/// to tell it apart from a broken connection.
pub fn is_invalid_utf8_text(err: &actix_web_actors::ws::ProtocolError) -> bool {
    match err {
        actix_web_actors::ws::ProtocolError::Io(e) => {
            e.kind() == std::io::ErrorKind::Other && {
                let text = e.to_string();
                text.starts_with("invalid utf-8 sequence")
                    || text.starts_with("incomplete utf-8 byte sequence")
            }
        }
        _ => false,
    }
}

/// A decoded client message with its optional `requestId`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub request_id: Option<String>,
    pub message: ClientMessage,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    JoinPlan(JoinPlan),
    LeavePlan(LeavePlan),
    Ping,
    Typing(Typing),
    Presence(PresenceUpdate),
    RefreshToken(RefreshToken),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinPlan {
    pub plan_id: String,
    #[serde(default)]
    pub since: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeavePlan {
    pub plan_id: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Typing {
    pub plan_id: String,
    pub task_id: String,
    pub is_typing: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PresenceUpdate {
    pub status: PresenceStatus,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RefreshToken {
    pub token: String,
}

impl ClientMessage {
    /// The message's `type`, as a metrics label.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientMessage::JoinPlan(_) => "join-plan",
            ClientMessage::LeavePlan(_) => "leave-plan",
            ClientMessage::Ping => "ping",
            ClientMessage::Typing(_) => "typing",
            ClientMessage::Presence(_) => "presence",
            ClientMessage::RefreshToken(_) => "refresh-token",
        }
    }
}

/// Why a frame could not be decoded; becomes an `error` reply with `bad_request`.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    /// Echoed when the frame was an object with a string `requestId`.
    pub request_id: Option<String>,
    pub message: String,
}

/// Decodes one client text frame.
pub fn decode(text: &str) -> Result<Request, DecodeError> {
    let fail = |request_id: Option<String>, message: String| DecodeError {
        request_id,
        message,
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| fail(None, format!("not valid JSON: {e}")))?;
    let Value::Object(mut object) = value else {
        return Err(fail(None, "expected a JSON object".into()));
    };
    let request_id = match object.remove("requestId") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if id.len() <= 128 => Some(id),
        Some(Value::String(_)) => {
            return Err(fail(None, "requestId: longer than 128 characters".into()))
        }
        Some(_) => return Err(fail(None, "requestId: expected a string".into())),
    };
    let message_type = match object.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(_) => return Err(fail(request_id, "type: expected a string".into())),
        None => return Err(fail(request_id, "type: missing".into())),
    };
    let body = Value::Object(object);
    fn fields<T: DeserializeOwned>(body: Value) -> Result<T, String> {
        serde_json::from_value(body).map_err(|e| e.to_string())
    }
    let message = match message_type.as_str() {
        "join-plan" => fields(body).map(ClientMessage::JoinPlan),
        "leave-plan" => fields(body).map(ClientMessage::LeavePlan),
        "ping" => Ok(ClientMessage::Ping),
        "typing" => fields(body).map(ClientMessage::Typing),
        "presence" => fields(body).map(ClientMessage::Presence),
        "refresh-token" => fields(body).map(ClientMessage::RefreshToken),
        other => Err(format!("type: unknown message type {other:?}")),
    };
    match message {
        Ok(message) => Ok(Request {
            request_id,
            message,
        }),
        Err(problem) => Err(fail(request_id, format!("{message_type}: {problem}"))),
    }
}

/// The session's replies: what the server writes to one connection about that connection
/// (stored plan events are `wire::PlanEvent`; presence, typing and personal notices are
/// `wire::Notice` and `wire::PersonalNotice`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ServerMessage<'a> {
    #[serde(rename_all = "camelCase")]
    Connected {
        connection_id: &'a str,
        user: &'a UserRef,
        heartbeat_ms: u64,
        server_time: String,
    },
    #[serde(rename_all = "camelCase")]
    Joined {
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
        plan_id: &'a str,
        seq: i64,
        participants: &'a [Participant],
    },
    #[serde(rename_all = "camelCase")]
    ResyncRequired {
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
        plan_id: &'a str,
        seq: i64,
    },
    #[serde(rename_all = "camelCase")]
    Left {
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
        plan_id: &'a str,
    },
    #[serde(rename_all = "camelCase")]
    Pong {
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
        server_time: String,
    },
    #[serde(rename_all = "camelCase")]
    TokenRefreshed {
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
        expires_at: String,
    },
    #[serde(rename_all = "camelCase")]
    Error {
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<&'a str>,
        code: ErrorCode,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}

impl ServerMessage<'_> {
    /// Every reply type, as sent in `type`, in variant order.
    pub const TYPES: &'static [&'static str] = &[
        "connected",
        "joined",
        "resync-required",
        "left",
        "pong",
        "token-refreshed",
        "error",
    ];

    /// The frame's text (see [`crate::wire::text`]).
    pub fn to_json(&self) -> String {
        crate::wire::text(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_close_code_the_server_sends_has_a_reconnect_class() {
        use close::Reconnect;
        let classes = [
            (close::NORMAL, Reconnect::No),
            (close::GOING_AWAY, Reconnect::Resume),
            (close::PROTOCOL_ERROR, Reconnect::FixClient),
            (close::INVALID_PAYLOAD, Reconnect::FixClient),
            (close::SLOW_CONSUMER, Reconnect::Resume),
            (close::MESSAGE_TOO_BIG, Reconnect::FixClient),
            (close::INTERNAL_ERROR, Reconnect::Backoff),
            (close::UNAUTHORIZED, Reconnect::NewToken),
            (close::HEARTBEAT_TIMEOUT, Reconnect::Resume),
            (close::TOO_MANY, Reconnect::Backoff),
        ];
        for (code, class) in classes {
            assert_eq!(close::reconnect(code), class, "close code {code}");
        }
    }

    /// The error exactly as actix-web-actors makes it from a text frame's payload.
    fn text_frame_error(payload: &'static [u8]) -> actix_web_actors::ws::ProtocolError {
        let e = bytestring::ByteString::try_from(actix_web::web::Bytes::from_static(payload))
            .err()
            .map(|e| format!("{e}"))
            .unwrap_or_default();
        actix_web_actors::ws::ProtocolError::Io(std::io::Error::other(e))
    }

    #[test]
    fn a_text_frame_that_is_not_utf8_is_told_apart_from_other_protocol_errors() {
        assert!(is_invalid_utf8_text(&text_frame_error(
            b"{\"a\":\"\xff\xfe\"}"
        )));
        assert!(is_invalid_utf8_text(&text_frame_error(b"caf\xc3")));
        let lost = actix_web_actors::ws::ProtocolError::Io(std::io::Error::other(
            "payload reached EOF before completing",
        ));
        assert!(!is_invalid_utf8_text(&lost));
        assert!(!is_invalid_utf8_text(
            &actix_web_actors::ws::ProtocolError::UnmaskedFrame
        ));
    }

    #[test]
    fn types_lists_every_reply_type_in_variant_order() {
        let user = UserRef {
            id: "ada".into(),
            name: "Ada".into(),
        };
        let replies = [
            ServerMessage::Connected {
                connection_id: "c1",
                user: &user,
                heartbeat_ms: 30_000,
                server_time: String::new(),
            },
            ServerMessage::Joined {
                request_id: None,
                plan_id: "p1",
                seq: 0,
                participants: &[],
            },
            ServerMessage::ResyncRequired {
                request_id: None,
                plan_id: "p1",
                seq: 0,
            },
            ServerMessage::Left {
                request_id: None,
                plan_id: "p1",
            },
            ServerMessage::Pong {
                request_id: None,
                server_time: String::new(),
            },
            ServerMessage::TokenRefreshed {
                request_id: None,
                expires_at: String::new(),
            },
            ServerMessage::Error {
                request_id: None,
                code: ErrorCode::BadRequest,
                message: "",
                retry_after_ms: None,
            },
        ];
        // A new variant fails to compile here until it is listed above and in TYPES.
        for reply in &replies {
            match reply {
                ServerMessage::Connected { .. }
                | ServerMessage::Joined { .. }
                | ServerMessage::ResyncRequired { .. }
                | ServerMessage::Left { .. }
                | ServerMessage::Pong { .. }
                | ServerMessage::TokenRefreshed { .. }
                | ServerMessage::Error { .. } => {}
            }
        }
        let types: Vec<String> = replies
            .iter()
            .map(|reply| {
                let value: Value = serde_json::from_str(&reply.to_json()).unwrap_or_default();
                value["type"].as_str().unwrap_or_default().to_string()
            })
            .collect();
        assert_eq!(types, ServerMessage::TYPES);
    }

    #[test]
    fn join_plan_decodes_with_since_and_request_id() {
        let r = decode(r#"{"type":"join-plan","planId":"p1","since":4,"requestId":"r"}"#);
        assert_eq!(
            r,
            Ok(Request {
                request_id: Some("r".into()),
                message: ClientMessage::JoinPlan(JoinPlan {
                    plan_id: "p1".into(),
                    since: Some(4)
                })
            })
        );
    }

    #[test]
    fn a_missing_field_is_named_and_the_request_id_echoed() {
        let e = decode(r#"{"type":"typing","planId":"p","requestId":"x"}"#).err();
        let e = e.unwrap_or(DecodeError {
            request_id: None,
            message: String::new(),
        });
        assert_eq!(e.request_id.as_deref(), Some("x"));
        assert!(e.message.contains("taskId"), "{}", e.message);
    }

    #[test]
    fn garbage_is_refused_not_panicked_on() {
        for text in [
            "",
            "[]",
            "null",
            "{",
            "{\"type\":1}",
            "{\"type\":\"nope\"}",
            "\u{0}",
        ] {
            assert!(decode(text).is_err(), "{text:?}");
        }
    }
}
