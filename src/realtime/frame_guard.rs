//! A guard on the WebSocket's incoming byte stream that refuses an oversized frame as soon
//! as its header arrives.
//!
//! actix-http's frame parser compares a frame's length with the limit only once the whole
//! payload is buffered, and actix-web-actors' `WsStream` keeps buffering until then: a
//! client announcing a 1 TiB frame and streaming it would make the server hold all of it.
//! This guard reads just the frame headers as the bytes pass by (it never copies them),
//! and when a header announces more than the limit it ends the stream with an error and
//! raises [`GuardSignals::is_oversized`], so the session closes with 1009 at once.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;

/// What the guard saw, for the session to pick its close code: an oversized frame (close
/// 1009), or the connection failing under it (nobody left to send a close to). Both reach
/// the session only as an I/O `ProtocolError`, like invalid UTF-8 does.
#[derive(Debug, Clone, Default)]
pub struct GuardSignals {
    oversized: Arc<AtomicBool>,
    lost: Arc<AtomicBool>,
}

impl GuardSignals {
    /// A frame header announced more than the limit.
    pub fn is_oversized(&self) -> bool {
        self.oversized.load(Ordering::Relaxed)
    }

    /// The connection's byte stream failed (e.g. the peer hung up mid-frame).
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }
}

/// Where the guard is in the stream of frames.
#[derive(Debug)]
enum Position {
    /// Reading a frame header: the bytes so far (at most 14: 2 + 8 length + 4 mask).
    Header { bytes: [u8; 14], have: usize },
    /// Inside a payload: this many bytes still to pass.
    Payload { remaining: u64 },
    /// Refused: the stream is over.
    Stopped,
}

pub struct FrameGuard<S> {
    inner: S,
    limit: u64,
    position: Position,
    signals: GuardSignals,
}

impl<S> FrameGuard<S> {
    pub fn new(inner: S, limit: usize, signals: GuardSignals) -> Self {
        FrameGuard {
            inner,
            limit: limit as u64,
            position: Position::Header {
                bytes: [0; 14],
                have: 0,
            },
            signals,
        }
    }

    /// Walks the chunk's frame boundaries; false when a frame is over the limit.
    fn inspect(&mut self, mut chunk: &[u8]) -> bool {
        while !chunk.is_empty() {
            match &mut self.position {
                Position::Stopped => return false,
                Position::Payload { remaining } => {
                    let step = (*remaining).min(chunk.len() as u64);
                    *remaining -= step;
                    chunk = &chunk[step as usize..];
                    if *remaining == 0 {
                        self.position = Position::Header {
                            bytes: [0; 14],
                            have: 0,
                        };
                    }
                }
                Position::Header { bytes, have } => {
                    bytes[*have] = chunk[0];
                    *have += 1;
                    chunk = &chunk[1..];
                    let Some(length) = payload_length(&bytes[..*have]) else {
                        continue;
                    };
                    if length > self.limit {
                        self.position = Position::Stopped;
                        return false;
                    }
                    self.position = if length == 0 {
                        Position::Header {
                            bytes: [0; 14],
                            have: 0,
                        }
                    } else {
                        Position::Payload { remaining: length }
                    };
                }
            }
        }
        true
    }
}

/// The payload length once the whole header is in `header`, `None` while it is not.
fn payload_length(header: &[u8]) -> Option<u64> {
    if header.len() < 2 {
        return None;
    }
    let masked = header[1] & 0x80 != 0;
    let short = u64::from(header[1] & 0x7f);
    let extended = match short {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let total = 2 + extended + if masked { 4 } else { 0 };
    if header.len() < total {
        return None;
    }
    Some(match extended {
        0 => short,
        _ => header[2..2 + extended]
            .iter()
            .fold(0u64, |n, b| (n << 8) | u64::from(*b)),
    })
}

impl<S> Stream for FrameGuard<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if matches!(self.position, Position::Stopped) {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if self.inspect(&chunk) {
                    Poll::Ready(Some(Ok(chunk)))
                } else {
                    self.signals.oversized.store(true, Ordering::Relaxed);
                    Poll::Ready(Some(Err(PayloadError::Overflow)))
                }
            }
            Poll::Ready(Some(Err(e))) => {
                self.signals.lost.store(true, Ordering::Relaxed);
                Poll::Ready(Some(Err(e)))
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(limit: usize) -> FrameGuard<futures_util::stream::Empty<Result<Bytes, PayloadError>>> {
        FrameGuard::new(
            futures_util::stream::empty(),
            limit,
            GuardSignals::default(),
        )
    }

    /// A masked client frame header for a payload of `len` bytes.
    fn header(len: u64) -> Vec<u8> {
        let mut h = vec![0x81];
        if len < 126 {
            h.push(0x80 | len as u8);
        } else if len <= u64::from(u16::MAX) {
            h.push(0x80 | 126);
            h.extend_from_slice(&(len as u16).to_be_bytes());
        } else {
            h.push(0x80 | 127);
            h.extend_from_slice(&len.to_be_bytes());
        }
        h.extend_from_slice(&[1, 2, 3, 4]);
        h
    }

    #[test]
    fn frames_under_the_limit_pass_in_any_chunking() {
        let mut bytes = Vec::new();
        for len in [0u64, 5, 125, 126, 1000, 70_000] {
            bytes.extend(header(len));
            bytes.extend(std::iter::repeat_n(b'x', len as usize));
        }
        for chunk_size in [1, 3, 7, 4096, bytes.len()] {
            let mut g = guard(100_000);
            assert!(
                bytes.chunks(chunk_size).all(|c| g.inspect(c)),
                "{chunk_size}"
            );
            assert!(matches!(g.position, Position::Header { have: 0, .. }));
        }
    }

    #[test]
    fn a_header_announcing_too_much_is_refused_before_its_payload() {
        for len in [65_537u64, 1 << 40, u64::MAX] {
            let mut g = guard(65_536);
            assert!(!g.inspect(&header(len)), "{len}");
        }
        // The limit itself passes.
        assert!(guard(65_536).inspect(&header(65_536)));
    }
}
