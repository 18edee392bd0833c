//! WebSocket plumbing: the socket trait, opening a connection, reading text frames.

use std::net::IpAddr;
use std::time::Duration;

use awc::error::WsProtocolError;
use awc::ws::{Frame, Message};
use bytes::Bytes;
use futures_util::{Sink, SinkExt, Stream, StreamExt};

/// A WebSocket client connection (awc's framed socket), named by what it does.
pub(crate) trait WsSocket:
    Stream<Item = Result<Frame, WsProtocolError>> + Sink<Message, Error = WsProtocolError> + Unpin
{
}

impl<T> WsSocket for T where
    T: Stream<Item = Result<Frame, WsProtocolError>>
        + Sink<Message, Error = WsProtocolError>
        + Unpin
{
}

/// The next text frame, answering pings on the way; an error for a close or the end.
pub(crate) async fn next_text<S: WsSocket>(socket: &mut S) -> Result<Bytes, String> {
    loop {
        match socket.next().await {
            Some(Ok(Frame::Text(bytes))) => return Ok(bytes),
            Some(Ok(Frame::Ping(p))) => {
                socket
                    .send(Message::Pong(p))
                    .await
                    .map_err(|e| format!("send failed: {e}"))?;
            }
            Some(Ok(Frame::Close(reason))) => return Err(close_text(reason)),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("connection error: {e}")),
            None => return Err("connection ended".into()),
        }
    }
}

pub(super) fn close_text(reason: Option<awc::ws::CloseReason>) -> String {
    match reason {
        Some(r) => format!(
            "closed by the server: {} {}",
            u16::from(r.code),
            r.description.unwrap_or_default()
        ),
        None => "closed by the server".into(),
    }
}

/// A WebSocket client (or REST client) whose sockets come from `local` when given.
pub(super) fn http_client(local: Option<IpAddr>) -> awc::Client {
    let mut connector = awc::Connector::new()
        .limit(0)
        .timeout(Duration::from_secs(30));
    if let Some(ip) = local {
        connector = connector.local_address(ip);
    }
    awc::Client::builder()
        .max_http_version(awc::http::Version::HTTP_11)
        .connector(connector)
        .timeout(Duration::from_secs(60))
        .finish()
}

/// Opens a WebSocket (owned arguments: the socket borrows nothing).
pub(super) async fn open_ws(client: awc::Client, url: String) -> Result<impl WsSocket, String> {
    let connect = client.ws(url).max_frame_size(64 << 20).connect();
    match actix_rt::time::timeout(Duration::from_secs(30), connect).await {
        Err(_) => Err("WebSocket handshake timed out (30 s)".into()),
        Ok(Err(e)) => Err(format!("WebSocket handshake: {e}")),
        Ok(Ok((_, socket))) => Ok(socket),
    }
}
