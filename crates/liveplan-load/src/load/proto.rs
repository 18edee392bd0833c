//! What frames mean to the tool, dispatched to the liveplan or Socket.IO protocol, and the
//! typing ids that carry a counter and a send time.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::socket::WsSocket;
use super::{liveplan, socketio};

/// What a received text frame means to the tool.
pub(crate) enum Incoming {
    /// The join was accepted; liveplan says the plan's seq at that moment.
    Joined {
        seq: Option<u64>,
    },
    /// A plan event (or the peer's `event`) with its seq and send time (µs since epoch).
    Event {
        seq: u64,
        sent_us: i64,
    },
    /// A typing relay with the sender's counter and send time.
    Typing {
        n: u64,
        sent_us: i64,
    },
    /// A protocol-level answer to send back (Engine.IO pong).
    Reply(&'static str),
    /// An error from the server, or a frame that should not have come.
    Failure(String),
    Ignore,
}

/// The protocol side of one run, as the client threads need it: the plans (Socket.IO:
/// rooms) the clients are spread over, at least one.
#[derive(Debug, Clone)]
pub(crate) enum Proto {
    Liveplan { plan_ids: Arc<[String]> },
    SocketIo { rooms: Arc<[String]> },
}

impl Proto {
    /// How many plans (rooms) the run has.
    pub(super) fn plans(&self) -> usize {
        match self {
            Proto::Liveplan { plan_ids: ids } | Proto::SocketIo { rooms: ids } => ids.len(),
        }
    }

    /// Plan (room) `plan`'s id; empty when out of range.
    fn id(&self, plan: usize) -> &str {
        match self {
            Proto::Liveplan { plan_ids: ids } | Proto::SocketIo { rooms: ids } => {
                ids.get(plan).map_or("", String::as_str)
            }
        }
    }

    /// The join of plan (room) `plan`.
    pub(super) fn join_message(&self, plan: usize) -> String {
        match self {
            Proto::Liveplan { .. } => liveplan::join_message(self.id(plan)),
            Proto::SocketIo { .. } => socketio::join_message(self.id(plan)),
        }
    }

    pub(super) fn classify(&self, text: &[u8]) -> Incoming {
        match self {
            Proto::Liveplan { .. } => liveplan::classify(text),
            Proto::SocketIo { .. } => socketio::classify(text),
        }
    }

    /// The typing message to plan (room) `plan` with counter `n`, sent at `micros`, as
    /// `(prefix, suffix)` around the `taskId` value `t-<n>-<micros>`.
    pub(super) fn typing_parts(&self, plan: usize) -> (String, &'static str) {
        match self {
            Proto::Liveplan { .. } => liveplan::typing_parts(self.id(plan)),
            Proto::SocketIo { .. } => socketio::typing_parts(self.id(plan)),
        }
    }

    pub(super) async fn handshake<S: WsSocket>(&self, socket: &mut S) -> Result<(), String> {
        match self {
            Proto::Liveplan { .. } => liveplan::handshake(socket).await,
            Proto::SocketIo { .. } => socketio::handshake(socket).await,
        }
    }
}

/// Microseconds since the Unix epoch.
pub(crate) fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Parses `t-<n>-<micros>`.
pub(crate) fn parse_typing_id(task_id: &str) -> Option<(u64, i64)> {
    let rest = task_id.strip_prefix("t-")?;
    let (n, micros) = rest.split_once('-')?;
    Some((n.parse().ok()?, micros.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_ids_round_trip() {
        assert_eq!(
            parse_typing_id("t-42-1700000000000001"),
            Some((42, 1_700_000_000_000_001))
        );
        assert_eq!(parse_typing_id("t-x-1"), None);
        assert_eq!(parse_typing_id("task"), None);
    }

    #[test]
    fn each_plan_has_its_join_and_typing() {
        let proto = Proto::SocketIo {
            rooms: Arc::from(vec!["R-0".to_string(), "R-1".to_string()]),
        };
        assert_eq!(proto.plans(), 2);
        assert_eq!(proto.join_message(1), r#"42["join",{"room":"R-1"}]"#);
        assert!(proto.typing_parts(0).0.contains(r#""room":"R-0""#));
        let proto = Proto::Liveplan {
            plan_ids: Arc::from(vec!["p-0".to_string()]),
        };
        assert_eq!(proto.plans(), 1);
        assert!(proto.join_message(0).contains(r#""planId":"p-0""#));
    }
}
