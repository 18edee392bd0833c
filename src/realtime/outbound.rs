//! Each connection's bounded outbound queue, and the handle senders use to reach it.
//!
//! Where a slow client's frames wait: a `WsSession` runs inside its response body stream
//! (actix-web-actors drives the actor from `WebsocketContextFut::poll_next`), and actix-http
//! polls that stream only while its write buffer for the socket is under 32 KiB. When a
//! client stops reading, its TCP window fills, the write buffer stays full, the session is
//! no longer polled, and everything sent to it waits in its mailbox. When the session is
//! polled, it takes its whole mailbox at once and actix-web-actors encodes all of it into
//! one chunk of the body stream.
//!
//! [`Outbound`] counts what waits for this connection's socket, from the moment a sender
//! queues it until actix-http takes it into its write buffer:
//! - **bytes**, as encoded on the wire (payload plus frame header, see [`wire_len`]): added
//!   by rooms before `do_send` ([`Peer::deliver`], refused past the limit) and by the
//!   session for its own frames (replies, replay pages, pings: [`Outbound::push`], never
//!   refused, bounded by the rate limit and the replay's own pacing), and taken out by the
//!   session's body stream ([`super::metered_body::MeteredBody`]) as it hands bytes to
//!   actix-http, or by the session for a frame it drops. Counting out where the bytes
//!   leave, rather than where the session handles its mailbox, is what makes the limit
//!   hold: counted out at the mailbox, a whole mailbox's worth could sit in the encoded
//!   chunk while the mailbox filled again, about twice the limit.
//! - **frames**: mailbox deliveries not yet handled (a bound on mailbox entries).
//!
//! A sender that would push the queue over the limit does not send; it marks the queue
//! overflowed and sends one [`CloseConnection`] notice, after which the session closes
//! with 1008 `slow consumer`. The client reconnects with `since` and loses nothing. Beyond
//! the queue, actix-http's write buffer holds at most 32 KiB plus one piece of the body
//! stream (at most [`super::metered_body::MAX_PIECE`]), and the kernel its socket buffers.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use actix::prelude::*;
use futures_util::task::AtomicWaker;

use super::messages::{Batch, CloseConnection, Deliver};
use super::protocol::close;

/// How much one connection may have waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimit {
    pub max_bytes: usize,
    pub max_frames: usize,
}

/// The bytes a server-to-client WebSocket frame with `payload` bytes of payload takes on
/// the wire (RFC 6455 §5.2: unmasked, 2-byte header, plus 2 or 8 bytes of extended length).
pub fn wire_len(payload: usize) -> usize {
    payload
        + match payload {
            0..=125 => 2,
            126..=65_535 => 4,
            _ => 10,
        }
}

/// The counters of one connection's queue, shared by its senders, the session and the
/// session's body stream.
#[derive(Debug)]
pub struct Outbound {
    limit: QueueLimit,
    bytes: AtomicUsize,
    frames: AtomicUsize,
    overflowed: AtomicBool,
    /// Woken when bytes leave (a paused replay waits on it).
    drained: AtomicWaker,
}

impl Outbound {
    pub fn new(limit: QueueLimit) -> Arc<Outbound> {
        Arc::new(Outbound {
            limit,
            bytes: AtomicUsize::new(0),
            frames: AtomicUsize::new(0),
            overflowed: AtomicBool::new(false),
            drained: AtomicWaker::new(),
        })
    }

    pub fn limit(&self) -> QueueLimit {
        self.limit
    }

    /// Counts `count` frames of `len` wire bytes in all, unless that would pass the limit
    /// (or it already overflowed).
    fn try_push(&self, count: usize, len: usize) -> bool {
        if self.overflowed.load(Ordering::Relaxed) {
            return false;
        }
        let frames = self.frames.fetch_add(count, Ordering::Relaxed) + count;
        let bytes = self.bytes.fetch_add(len, Ordering::Relaxed) + len;
        if frames > self.limit.max_frames || bytes > self.limit.max_bytes {
            self.frames.fetch_sub(count, Ordering::Relaxed);
            self.bytes.fetch_sub(len, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Counts `len` wire bytes the session writes itself (replies, replay, pings): never
    /// refused; the session paces what it writes by [`Outbound::queued_bytes`].
    pub fn push(&self, len: usize) {
        self.bytes.fetch_add(len, Ordering::Relaxed);
    }

    /// The session handled a delivery of `count` frames (they left the mailbox).
    pub fn pop_frames(&self, count: usize) {
        saturating_sub(&self.frames, count);
    }

    /// `len` wire bytes left the queue: taken by actix-http, or dropped by the session.
    pub fn pop_bytes(&self, len: usize) {
        if len > 0 {
            saturating_sub(&self.bytes, len);
            self.drained.wake();
        }
    }

    /// Both of the above at once (a delivery handled and dropped whole).
    pub fn pop(&self, count: usize, len: usize) {
        self.pop_frames(count);
        self.pop_bytes(len);
    }

    /// Resolves once no more than `threshold` bytes wait.
    pub fn drained_to(self: &Arc<Self>, threshold: usize) -> DrainedTo {
        DrainedTo {
            outbound: self.clone(),
            threshold,
        }
    }

    /// Marks the queue overflowed; true for the first caller only.
    fn mark_overflowed(&self) -> bool {
        !self.overflowed.swap(true, Ordering::Relaxed)
    }

    /// Bytes waiting now.
    pub fn queued_bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Frames waiting now.
    pub fn queued_frames(&self) -> usize {
        self.frames.load(Ordering::Relaxed)
    }
}

/// A counter never wraps below zero (a wrapped counter would read as a full queue).
fn saturating_sub(counter: &AtomicUsize, n: usize) {
    let _ = counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
        Some(v.saturating_sub(n))
    });
}

/// See [`Outbound::drained_to`].
pub struct DrainedTo {
    outbound: Arc<Outbound>,
    threshold: usize,
}

impl Future for DrainedTo {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let outbound = &self.outbound;
        if outbound.queued_bytes() <= self.threshold {
            return Poll::Ready(());
        }
        outbound.drained.register(cx.waker());
        // Bytes may have left between the check and the registration.
        if outbound.queued_bytes() <= self.threshold {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// The queue was full: the frame was not sent, and the connection is being closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// How rooms and the registry reach a session: its address and its queue's counters.
#[derive(Clone)]
pub struct Peer {
    pub recipient: Recipient<Deliver>,
    /// Closes the connection (slow consumer, shutdown); never queued behind a limit.
    pub control: Recipient<CloseConnection>,
    pub outbound: Arc<Outbound>,
}

impl Peer {
    /// Queues `batch`'s frames from `start` on for the session (one mailbox message), or,
    /// when its queue cannot take them all, tells it to close.
    pub fn deliver(&self, batch: &Arc<Batch>, start: usize) -> Result<(), Overflow> {
        let (count, len) = (batch.frames_from(start), batch.bytes_from(start));
        if count == 0 {
            return Ok(());
        }
        if self.outbound.try_push(count, len) {
            self.recipient.do_send(Deliver {
                batch: batch.clone(),
                start,
            });
            return Ok(());
        }
        if self.outbound.mark_overflowed() {
            self.control.do_send(CloseConnection {
                code: close::SLOW_CONSUMER,
                reason: "slow consumer",
            });
        }
        Err(Overflow)
    }

    pub fn connected(&self) -> bool {
        self.recipient.connected()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_refuses_past_either_limit_and_stays_refused() {
        let q = Outbound::new(QueueLimit {
            max_bytes: 100,
            max_frames: 3,
        });
        assert!(q.try_push(1, 40));
        assert!(q.try_push(1, 40));
        assert!(!q.try_push(1, 40), "bytes over");
        assert_eq!((q.queued_frames(), q.queued_bytes()), (2, 80));
        q.pop(1, 40);
        assert!(!q.try_push(3, 10), "a batch is taken whole or not at all");
        assert_eq!((q.queued_frames(), q.queued_bytes()), (1, 40));
        assert!(q.try_push(2, 20));
        assert!(!q.try_push(1, 1), "frames over");
        assert!(q.mark_overflowed());
        assert!(!q.mark_overflowed(), "only the first caller notifies");
        q.pop(1, 10);
        assert!(!q.try_push(1, 1), "an overflowed queue takes nothing more");
    }
}
