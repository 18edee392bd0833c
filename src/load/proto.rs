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

/// The protocol side of one run, as the client threads need it.
#[derive(Debug, Clone)]
pub(crate) enum Proto {
    Liveplan { plan_id: Arc<str> },
    SocketIo { room: Arc<str> },
}

impl Proto {
    pub(super) fn join_message(&self) -> String {
        match self {
            Proto::Liveplan { plan_id } => liveplan::join_message(plan_id),
            Proto::SocketIo { room } => socketio::join_message(room),
        }
    }

    pub(super) fn classify(&self, text: &[u8]) -> Incoming {
        match self {
            Proto::Liveplan { .. } => liveplan::classify(text),
            Proto::SocketIo { .. } => socketio::classify(text),
        }
    }

    /// The typing message with counter `n`, sent at `micros`, as `(prefix, suffix)` around
    /// the `taskId` value `t-<n>-<micros>`.
    pub(super) fn typing_parts(&self) -> (String, &'static str) {
        match self {
            Proto::Liveplan { plan_id } => liveplan::typing_parts(plan_id),
            Proto::SocketIo { room } => socketio::typing_parts(room),
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
}
