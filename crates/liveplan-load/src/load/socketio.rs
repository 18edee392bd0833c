//! The Socket.IO side of the load tool: Engine.IO v4 / Socket.IO v5 over a raw WebSocket,
//! against the peer server in `benches/peers/socketio/`.
//!
//! Connect to `ws://HOST/socket.io/?EIO=4&transport=websocket`, read the open packet
//! `0{…}`, send `40` (the default namespace), read `40{"sid":…}`; answer the server's
//! ping `2` with `3`. Events are `42["name",data]`: the client emits `join {room}` and
//! receives `joined`; `POST /mutate {room}` makes the peer emit `event {room, seq,
//! timestamp}` to the room and answer `{seq}`; a client's `typing {room, taskId}` is relayed
//! to the others in the room.

use std::cell::Cell;

use awc::http::Method;
use awc::ws::Message;
use futures_util::SinkExt;
use serde::Deserialize;
use serde_json::{json, Value};

use super::proto::Incoming;
use super::rest::{body_text, rest_retrying};
use super::socket::{next_text, WsSocket};

/// The fields of an event's payload the tool reads.
#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(default)]
    seq: Option<u64>,
    #[serde(default, borrow)]
    timestamp: Option<&'a str>,
    #[serde(default, rename = "taskId", borrow)]
    task_id: Option<&'a str>,
}

#[derive(Deserialize)]
struct SeqAnswer {
    seq: u64,
}

/// `http://host:port` → `ws://host:port/socket.io/?EIO=4&transport=websocket`.
pub(crate) fn ws_url(base: &str) -> Result<String, String> {
    match base.strip_prefix("http://") {
        Some(rest) => Ok(format!("ws://{rest}/socket.io/?EIO=4&transport=websocket")),
        None => Err(format!(
            "--url {base}: expected http://HOST:PORT (this build has no TLS client)"
        )),
    }
}

pub(crate) fn join_message(room: &str) -> String {
    format!("42{}", json!(["join", { "room": room }]))
}

pub(crate) fn typing_parts(room: &str) -> (String, &'static str) {
    let room = Value::from(room);
    (
        format!(r#"42["typing",{{"room":{room},"taskId":""#),
        r#""}]"#,
    )
}

/// Engine.IO open, then the Socket.IO connect of the default namespace.
pub(crate) async fn handshake<S: WsSocket>(socket: &mut S) -> Result<(), String> {
    let open = next_text(socket).await?;
    if open.first() != Some(&b'0') {
        return Err(format!(
            "expected the Engine.IO open packet, got {}",
            body_text(&open)
        ));
    }
    socket
        .send(Message::Text("40".into()))
        .await
        .map_err(|e| format!("send failed: {e}"))?;
    loop {
        let text = next_text(socket).await?;
        if text.starts_with(b"40") {
            return Ok(());
        }
        if text.starts_with(b"44") {
            return Err(format!("connect refused: {}", body_text(&text)));
        }
        if &text[..] == b"2" {
            socket
                .send(Message::Text("3".into()))
                .await
                .map_err(|e| format!("send failed: {e}"))?;
        }
    }
}

/// What a packet means; only the event name and the payload's `seq`, `timestamp` and
/// `taskId` are parsed.
pub(crate) fn classify(text: &[u8]) -> Incoming {
    if text == b"2" {
        return Incoming::Reply("3");
    }
    if let Some(body) = text.strip_prefix(b"42") {
        let Ok((name, payload)) = serde_json::from_slice::<(&str, Payload)>(body) else {
            return Incoming::Failure(format!("not an event packet: {}", body_text(text)));
        };
        return match name {
            "joined" => Incoming::Joined { seq: None },
            "event" => match (payload.seq, payload.timestamp) {
                (Some(seq), Some(ts)) => match chrono::DateTime::parse_from_rfc3339(ts) {
                    Ok(t) => Incoming::Event {
                        seq,
                        sent_us: t.timestamp_micros(),
                    },
                    Err(_) => Incoming::Failure(format!("bad timestamp {ts:?}")),
                },
                _ => Incoming::Failure(format!("event without seq/timestamp: {}", body_text(text))),
            },
            "typing" => match payload.task_id.and_then(super::proto::parse_typing_id) {
                Some((n, sent_us)) => Incoming::Typing { n, sent_us },
                None => Incoming::Ignore,
            },
            _ => Incoming::Ignore,
        };
    }
    if text.starts_with(b"41") {
        return Incoming::Failure("disconnected by the server (41)".into());
    }
    if text.starts_with(b"44") {
        return Incoming::Failure(format!("connect error: {}", body_text(text)));
    }
    if text == b"1" {
        return Incoming::Failure("Engine.IO close (1)".into());
    }
    Incoming::Ignore
}

/// One mutation: `POST /mutate {room}` → `{seq}`.
pub(crate) async fn mutate(
    rest: &awc::Client,
    base: &str,
    room: &str,
    waited: &Cell<u64>,
) -> Result<u64, String> {
    let answer = rest_retrying(
        rest,
        Method::POST,
        &format!("{base}/mutate"),
        None,
        Some(&json!({ "room": room })),
        waited,
    )
    .await?;
    if !(200..300).contains(&answer.status) {
        return Err(format!(
            "POST /mutate: {} {}",
            answer.status,
            body_text(&answer.body)
        ));
    }
    serde_json::from_slice::<SeqAnswer>(&answer.body)
        .map(|a| a.seq)
        .map_err(|e| format!("POST /mutate: {e}: {}", body_text(&answer.body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_are_classified() {
        assert!(matches!(classify(b"2"), Incoming::Reply("3")));
        assert!(matches!(
            classify(br#"42["joined",{"room":"R"}]"#),
            Incoming::Joined { seq: None }
        ));
        match classify(
            br#"42["event",{"room":"R","seq":5,"timestamp":"2026-01-01T00:00:00.250Z"}]"#,
        ) {
            Incoming::Event { seq, sent_us } => {
                assert_eq!(seq, 5);
                assert_eq!(sent_us % 1_000_000, 250_000);
            }
            _ => panic!("not an event"),
        }
        assert!(matches!(
            classify(br#"42["typing",{"room":"R","taskId":"t-9-100"}]"#),
            Incoming::Typing { n: 9, sent_us: 100 }
        ));
        let (prefix, suffix) = typing_parts("R");
        assert_eq!(
            format!("{prefix}t-1-2{suffix}"),
            r#"42["typing",{"room":"R","taskId":"t-1-2"}]"#
        );
        assert_eq!(join_message("R"), r#"42["join",{"room":"R"}]"#);
    }
}
