//! A WebSocket client whose frames are written by hand (RFC 6455 §5.2) over a plain TCP
//! stream, so a test can send what a WebSocket library refuses to: invalid UTF-8, unknown
//! opcodes, unmasked frames, reserved bits, lying lengths, broken fragmentation. A
//! background reader drains and records what the server sends ([`Inbox`]).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::rt::net::TcpStream;
use actix_web::rt::task::JoinHandle;
use actix_web::rt::time::{sleep, timeout};
use serde_json::Value;

/// How long the client waits for the upgrade, for a write to be taken, or for what it
/// polls its inbox for.
const WAIT: Duration = Duration::from_secs(10);

// ------------------------------------------------------------------------------------
// Client frames, built by hand (RFC 6455 §5.2).
// ------------------------------------------------------------------------------------

pub const FIN: u8 = 0x80;
pub const RSV1: u8 = 0x40;
pub const CONTINUATION: u8 = 0x0;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

const MASK: [u8; 4] = [0x1f, 0x8b, 0x5a, 0xc3];

/// How the payload length is written: 7 bits, or 126 + 16 bits, or 127 + 64 bits. The
/// shortest form is the usual one; the longer forms are legal for any length they hold.
#[derive(Clone, Copy, Debug)]
pub enum LengthForm {
    Shortest,
    Bits16,
    Bits64,
}

/// One frame: `head` is FIN | RSV bits | opcode. Clients must mask (`Some(key)`); `None`
/// sends the payload unmasked, which a server must refuse.
pub fn frame_with(head: u8, payload: &[u8], mask: Option<[u8; 4]>, form: LengthForm) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 14);
    out.push(head);
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let len = payload.len();
    match form {
        LengthForm::Shortest if len <= 125 => out.push(mask_bit | len as u8),
        LengthForm::Shortest | LengthForm::Bits16 if len <= 0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    match mask {
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

/// A masked frame with the shortest length form.
pub fn frame(head: u8, payload: &[u8]) -> Vec<u8> {
    frame_with(head, payload, Some(MASK), LengthForm::Shortest)
}

/// A complete, masked text frame.
pub fn text(s: &str) -> Vec<u8> {
    frame(FIN | TEXT, s.as_bytes())
}

/// Only the header of a masked frame announcing `claimed` payload bytes (64-bit form).
pub fn header_claiming(head: u8, claimed: u64) -> Vec<u8> {
    let mut out = vec![head, 0x80 | 127];
    out.extend_from_slice(&claimed.to_be_bytes());
    out.extend_from_slice(&MASK);
    out
}

/// A close frame's payload: code then reason.
pub fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason.as_bytes());
    p
}

// ------------------------------------------------------------------------------------
// The raw client: a hand-written upgrade, then a background reader that drains.
// ------------------------------------------------------------------------------------

/// What the background reader saw from the server.
#[derive(Default, Debug)]
pub struct Inbox {
    /// Every text frame, parsed (only when the connection keeps them).
    pub frames: Vec<Value>,
    keep: bool,
    /// Answers to this connection's own messages: `error`, `pong`, `joined`, `left`,
    /// `token-refreshed` (not room notices or plan events, which others cause).
    pub replies: usize,
    pub pong_ids: HashSet<String>,
    pub error_codes: BTreeMap<String, usize>,
    /// Text frames that were not JSON (the server must never send one).
    pub not_json: usize,
    /// The server's close frame: code and reason.
    pub close: Option<(Option<u16>, String)>,
    /// The TCP stream ended (EOF or reset).
    pub ended: bool,
}

impl Inbox {
    fn record(&mut self, opcode: u8, payload: &[u8]) {
        match opcode {
            TEXT => {
                let Ok(v) = serde_json::from_slice::<Value>(payload) else {
                    self.not_json += 1;
                    return;
                };
                match v["type"].as_str() {
                    Some("error") => {
                        self.replies += 1;
                        let code = v["code"].as_str().unwrap_or("<none>").to_string();
                        *self.error_codes.entry(code).or_default() += 1;
                    }
                    Some("pong") => {
                        self.replies += 1;
                        if let Some(id) = v["requestId"].as_str() {
                            self.pong_ids.insert(id.to_string());
                        }
                    }
                    Some("joined" | "left" | "token-refreshed") => self.replies += 1,
                    _ => {}
                }
                if self.keep {
                    self.frames.push(v);
                }
            }
            CLOSE => {
                let code =
                    (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default());
                self.close.get_or_insert((code, reason.into_owned()));
            }
            _ => {} // pings, pongs
        }
    }
}

/// One server frame at the start of `buf`: (opcode, payload, bytes used).
fn parse_server_frame(buf: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    if buf.len() < 2 {
        return None;
    }
    let opcode = buf[0] & 0x0F;
    let masked = buf[1] & 0x80 != 0;
    let (len, mut at) = match buf[1] & 0x7F {
        126 => (
            u16::from_be_bytes(buf.get(2..4)?.try_into().ok()?) as usize,
            4,
        ),
        127 => (
            u64::from_be_bytes(buf.get(2..10)?.try_into().ok()?) as usize,
            10,
        ),
        n => (n as usize, 2),
    };
    let key: Option<[u8; 4]> = if masked {
        let k = buf.get(at..at + 4)?.try_into().ok()?;
        at += 4;
        Some(k)
    } else {
        None
    };
    let mut payload = buf.get(at..at.checked_add(len)?)?.to_vec();
    if let Some(k) = key {
        payload
            .iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b ^= k[i % 4]);
    }
    Some((opcode, payload, at + len))
}

async fn write_all(socket: &TcpStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        socket.writable().await?;
        match socket.try_write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads what is there (waiting for something); `Ok(0)` at the end of the stream.
async fn read_some(socket: &TcpStream, into: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        socket.readable().await?;
        match socket.try_read(&mut chunk) {
            Ok(n) => {
                into.extend_from_slice(&chunk[..n]);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

/// Drains and records whatever the server sends, until the stream ends.
async fn drain(socket: Rc<TcpStream>, mut buf: Vec<u8>, inbox: Rc<RefCell<Inbox>>) {
    loop {
        let mut used = 0;
        while let Some((opcode, payload, n)) = parse_server_frame(&buf[used..]) {
            inbox.borrow_mut().record(opcode, &payload);
            used += n;
        }
        buf.drain(..used);
        match read_some(&socket, &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    inbox.borrow_mut().ended = true;
}

/// A WebSocket connection whose frames are written by hand.
pub struct RawWs {
    socket: Rc<TcpStream>,
    pub inbox: Rc<RefCell<Inbox>>,
    reader: JoinHandle<()>,
}

impl Drop for RawWs {
    /// Dropping the connection closes the socket (the reader holds the other handle).
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl RawWs {
    /// `GET /ws?token=...` upgraded by hand; checks the 101 and the accept key, then a
    /// background reader drains the server's frames into the inbox.
    pub async fn connect(port: u16, token: &str, keep: bool) -> RawWs {
        let socket = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("TCP connect");
        let _ = socket.set_nodelay(true);
        // The sample key of RFC 6455 §1.3, whose accept value is known.
        let request = format!(
            "GET /ws?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        );
        write_all(&socket, request.as_bytes())
            .await
            .expect("send the upgrade");
        let mut buf = Vec::new();
        let end = timeout(WAIT, async {
            loop {
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    return i + 4;
                }
                let n = read_some(&socket, &mut buf)
                    .await
                    .expect("read the upgrade");
                assert!(n > 0, "closed during the upgrade: {buf:?}");
            }
        })
        .await
        .expect("the upgrade answer within the wait");
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 101"), "{head}");
        assert!(
            head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
            "{head}"
        );
        let socket = Rc::new(socket);
        let inbox = Rc::new(RefCell::new(Inbox {
            keep,
            ..Default::default()
        }));
        let reader =
            actix_web::rt::spawn(drain(socket.clone(), buf[end..].to_vec(), inbox.clone()));
        RawWs {
            socket,
            inbox,
            reader,
        }
    }

    /// Connects (keeping the frames) and waits for `connected`.
    pub async fn open(port: u16, token: &str) -> RawWs {
        let ws = RawWs::connect(port, token, true).await;
        ws.wait_for_frame("connected").await;
        ws
    }

    /// Writes bytes; fails if the server stopped reading for [`WAIT`].
    pub async fn send(&self, bytes: &[u8]) -> io::Result<()> {
        timeout(WAIT, write_all(&self.socket, bytes))
            .await
            .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
    }

    /// Writes bytes in pieces of `piece_len()` bytes (at least one), so the server sees
    /// partial headers and payloads.
    pub async fn send_in_pieces(
        &self,
        bytes: &[u8],
        mut piece_len: impl FnMut() -> usize,
    ) -> io::Result<()> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = piece_len().max(1).min(rest.len());
            self.send(&rest[..n]).await?;
            rest = &rest[n..];
            actix_web::rt::task::yield_now().await;
        }
        Ok(())
    }

    /// Polls the inbox until `done` holds; false after [`WAIT`].
    pub async fn wait_until(&self, done: impl Fn(&Inbox) -> bool) -> bool {
        self.wait_up_to(WAIT, done).await
    }

    pub async fn wait_up_to(&self, within: Duration, done: impl Fn(&Inbox) -> bool) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if done(&self.inbox.borrow()) {
                return true;
            }
            sleep(Duration::from_millis(2)).await;
        }
        done(&self.inbox.borrow())
    }

    /// Waits for a text frame of type `kind` (the connection must keep frames).
    pub async fn wait_for_frame(&self, kind: &str) -> Value {
        let found = |i: &Inbox| i.frames.iter().find(|v| v["type"] == kind).cloned();
        let arrived = self.wait_until(|i| found(i).is_some()).await;
        let inbox = self.inbox.borrow();
        assert!(arrived, "no {kind:?} frame; got {:?}", inbox);
        found(&inbox).unwrap_or_default()
    }

    /// Waits for the server's close frame and the end of the TCP stream.
    pub async fn expect_close(&self) -> (Option<u16>, String) {
        let closed = self.wait_until(|i| i.close.is_some() && i.ended).await;
        let inbox = self.inbox.borrow();
        assert!(
            closed,
            "expected a close frame and the end of the stream; close: {:?}, ended: {}",
            inbox.close, inbox.ended
        );
        inbox.close.clone().unwrap_or_default()
    }

    /// Waits for the server's close frame only. (A client normally closes the TCP stream
    /// itself then; the server ends it too, but only after about a second.)
    pub async fn expect_close_frame(&self) -> (Option<u16>, String) {
        let closed = self.wait_until(|i| i.close.is_some()).await;
        let inbox = self.inbox.borrow();
        assert!(closed, "expected a close frame; ended: {}", inbox.ended);
        inbox.close.clone().unwrap_or_default()
    }

    pub fn is_closed(&self) -> bool {
        let inbox = self.inbox.borrow();
        inbox.close.is_some() || inbox.ended
    }
}
