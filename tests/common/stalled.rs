//! A WebSocket client over a raw TCP socket with a 4 KiB receive buffer, that reads only
//! when asked: a client that stops reading (slow-consumer and replay-bound tests).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

/// How long a read waits for data.
const READ_WAIT: Duration = Duration::from_secs(10);

/// A WebSocket client with a 4 KiB socket receive buffer (so its TCP window fills fast
/// instead of growing to tens of MiB) that reads only when asked.
pub struct StalledClient {
    stream: actix_web::rt::net::TcpStream,
    buf: Vec<u8>,
}

impl StalledClient {
    pub async fn connect(port: u16, token: &str) -> StalledClient {
        let socket = actix_web::rt::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket
            .connect(format!("127.0.0.1:{port}").parse().unwrap())
            .await
            .unwrap();
        let mut client = StalledClient {
            stream,
            buf: Vec::new(),
        };
        let request = format!(
            "GET /ws?token={} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n\
             Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            token
        );
        client.write(request.as_bytes()).await;
        let end = loop {
            if let Some(i) = client.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            client.read_more().await;
        };
        assert!(client.buf.starts_with(b"HTTP/1.1 101"), "upgrade refused");
        client.buf.drain(..end);
        let connected = client.next_json().await.unwrap();
        assert_eq!(connected["type"], "connected");
        client
    }

    async fn write(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            self.stream.writable().await.unwrap();
            match self.stream.try_write(bytes) {
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("write: {e}"),
            }
        }
    }

    async fn read_more(&mut self) -> usize {
        let mut chunk = [0u8; 65536];
        loop {
            let ready = actix_web::rt::time::timeout(READ_WAIT, self.stream.readable()).await;
            ready.expect("data within the wait").unwrap();
            match self.stream.try_read(&mut chunk) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return n;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    /// Sends a masked text frame.
    pub async fn send(&mut self, value: serde_json::Value) {
        let payload = value.to_string().into_bytes();
        assert!(payload.len() < 126);
        let mask = [7u8, 1, 2, 3];
        let mut frame = vec![0x81, 0x80 | payload.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.write(&frame).await;
    }

    /// The next text frame as JSON, or `Err((code, reason))` for a close frame; pings are
    /// skipped (this client never answers them, it is not meant to live long).
    pub async fn next_json(&mut self) -> Result<serde_json::Value, (u16, String)> {
        loop {
            if let Some((opcode, payload, used)) = parse_frame(&self.buf) {
                self.buf.drain(..used);
                match opcode {
                    0x1 => return Ok(serde_json::from_slice(&payload).unwrap()),
                    0x8 => {
                        let code = u16::from_be_bytes([payload[0], payload[1]]);
                        return Err((code, String::from_utf8_lossy(&payload[2..]).into_owned()));
                    }
                    _ => continue,
                }
            }
            if self.read_more().await == 0 {
                panic!("the server hung up without a close frame");
            }
        }
    }
}

/// One unmasked server frame from the front of `buf`: (opcode, payload, bytes used).
fn parse_frame(buf: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    if buf.len() < 2 {
        return None;
    }
    let (len, start) = match buf[1] & 0x7f {
        126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
        127 if buf.len() >= 10 => (
            u64::from_be_bytes(buf[2..10].try_into().unwrap()) as usize,
            10,
        ),
        126 | 127 => return None,
        n => (n as usize, 2),
    };
    if buf.len() < start + len {
        return None;
    }
    Some((buf[0] & 0x0f, buf[start..start + len].to_vec(), start + len))
}
