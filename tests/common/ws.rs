//! Reading a WebSocket client's next frame from the server: JSON text frames, the close
//! frame or the end of the stream; pings are answered on the way.

use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;

use super::http::Socket;

/// What the server's next frame was.
#[derive(Debug)]
pub enum Received {
    Json(Value),
    // The code and reason are read by tests/api; outage and replay_bound only print them.
    #[allow(dead_code)]
    Close(Option<u16>, String),
    Ended,
}

/// The next frame that is not a ping (answered) or pong/binary (skipped); no time limit.
pub async fn next_frame(socket: &mut Socket) -> Received {
    loop {
        match socket.next().await {
            None => return Received::Ended,
            Some(Err(e)) => panic!("websocket error: {e}"),
            Some(Ok(Frame::Text(bytes))) => {
                return Received::Json(
                    serde_json::from_slice(&bytes).expect("server frames are JSON"),
                )
            }
            Some(Ok(Frame::Ping(p))) => {
                let _ = socket.send(Message::Pong(p)).await;
            }
            Some(Ok(Frame::Close(reason))) => {
                return Received::Close(
                    reason.as_ref().map(|r| r.code.into()),
                    reason.and_then(|r| r.description).unwrap_or_default(),
                )
            }
            Some(Ok(_)) => {}
        }
    }
}
