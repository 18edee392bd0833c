//! Each connection's bounded outbound queue, and the handle senders use to reach it.
//!
//! Where a slow client's frames wait: a `WsSession` runs inside its response body stream
//! (actix-web-actors drives the actor from `WebsocketContextFut::poll_next`), and actix-http
//! polls that stream only while its write buffer for the socket is under 32 KiB. When a
//! client stops reading, its TCP window fills, the write buffer stays full, the session is
//! no longer polled, and everything sent to it waits in its mailbox. So the mailbox *is*
//! the outbound queue, and it drains exactly as fast as the socket takes bytes.
//!
//! [`Outbound`] counts what is in that queue (frames and bytes, added by the sender before
//! `do_send`, removed by the session as it writes a delivery's frames to the socket). A
//! delivery is one mailbox message carrying a room's batch of frames (see
//! [`super::messages::Batch`]), counted in and out whole. A sender that would push the
//! queue over the limit does not send; it marks the queue overflowed and sends one
//! [`CloseConnection`] notice, after which the session closes with 1008 `slow consumer`. The
//! client reconnects with `since` and loses nothing. Beyond the queue, at most the socket's
//! write buffer (32 KiB plus the last batch) and the kernel's socket buffer hold data.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use actix::prelude::*;

use super::messages::{Batch, CloseConnection, Deliver};
use super::protocol::close;

/// How much one connection may have waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimit {
    pub max_bytes: usize,
    pub max_frames: usize,
}

/// The counters of one connection's queue, shared by its senders and the session.
#[derive(Debug)]
pub struct Outbound {
    limit: QueueLimit,
    bytes: AtomicUsize,
    frames: AtomicUsize,
    overflowed: AtomicBool,
}

impl Outbound {
    pub fn new(limit: QueueLimit) -> Arc<Outbound> {
        Arc::new(Outbound {
            limit,
            bytes: AtomicUsize::new(0),
            frames: AtomicUsize::new(0),
            overflowed: AtomicBool::new(false),
        })
    }

    /// Counts `count` frames of `len` bytes in all, unless that would pass the limit (or
    /// it already overflowed).
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

    /// The session wrote `count` frames of `len` bytes in all to the socket (or dropped
    /// them): count them out.
    pub fn pop(&self, count: usize, len: usize) {
        self.frames.fetch_sub(count, Ordering::Relaxed);
        self.bytes.fetch_sub(len, Ordering::Relaxed);
    }

    /// Marks the queue overflowed; true for the first caller only.
    fn mark_overflowed(&self) -> bool {
        !self.overflowed.swap(true, Ordering::Relaxed)
    }

    pub fn is_overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Relaxed)
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
