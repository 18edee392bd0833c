//! HTTP and WebSocket clients (awc) as the tests build them.

use std::time::Duration;

/// A client-side WebSocket.
pub type Socket = actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>;

/// An HTTP client whose requests time out after `timeout`.
// Used by tests/api, crash, outage and replay_bound; soak builds its own (idle
// connections retired early).
#[allow(dead_code)]
pub fn client(timeout: Duration) -> awc::Client {
    awc::Client::builder().timeout(timeout).finish()
}

/// `http://…` -> `ws://…`, followed by `path_and_query`.
pub fn ws_url(base: &str, path_and_query: &str) -> String {
    format!("{}{}", base.replacen("http", "ws", 1), path_and_query)
}

/// Upgrades `base` + `path_and_query` to a WebSocket over HTTP/1.1, reading nothing.
/// `handshake_timeout` is the client's timeout (awc's default, 5 s, when `None`).
pub async fn ws_connect(
    base: &str,
    path_and_query: &str,
    max_frame_size: usize,
    handshake_timeout: Option<Duration>,
) -> Result<Socket, awc::error::WsClientError> {
    let mut builder = awc::Client::builder().max_http_version(awc::http::Version::HTTP_11);
    if let Some(t) = handshake_timeout {
        builder = builder.timeout(t);
    }
    let (_, socket) = builder
        .finish()
        .ws(ws_url(base, path_and_query))
        .max_frame_size(max_frame_size)
        .connect()
        .await?;
    Ok(socket)
}
