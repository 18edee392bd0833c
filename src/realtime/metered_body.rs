//! The session's response body stream, metered: where a connection's bytes leave its
//! bounded queue.
//!
//! actix-web-actors' `WebsocketContextFut` runs the `WsSession` and, each time it is
//! polled, encodes everything the session wrote into one chunk: after a burst, or a replay
//! page, that chunk can be as large as the whole queue. [`MeteredBody`] sits between it and
//! actix-http: it keeps that chunk, hands actix-http pieces of at most [`MAX_PIECE`] bytes,
//! and counts each piece out of the connection's [`Outbound`] as actix-http takes it.
//! actix-http polls a body only while its write buffer holds less than 32 KiB, so what the
//! server holds for a connection that does not read is bounded by the queue limit (counted
//! until here) plus 32 KiB plus one piece, plus the kernel's socket buffers.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::web::Bytes;
use futures_util::Stream;

use super::outbound::Outbound;

/// The largest piece handed to actix-http at once.
pub const MAX_PIECE: usize = 16 * 1024;

/// See the module doc.
pub struct MeteredBody<S> {
    inner: Pin<Box<S>>,
    outbound: Arc<Outbound>,
    /// Encoded bytes the session wrote, not yet taken by actix-http (still counted).
    held: VecDeque<Bytes>,
    inner_done: bool,
}

impl<S> MeteredBody<S> {
    pub fn new(inner: S, outbound: Arc<Outbound>) -> Self {
        MeteredBody {
            inner: Box::pin(inner),
            outbound,
            held: VecDeque::new(),
            inner_done: false,
        }
    }

    /// The next piece of what is held, counted out of the queue.
    fn next_piece(&mut self) -> Option<Bytes> {
        let front = self.held.front_mut()?;
        let piece = if front.len() <= MAX_PIECE {
            self.held.pop_front()?
        } else {
            front.split_to(MAX_PIECE)
        };
        self.outbound.pop_bytes(piece.len());
        Some(piece)
    }
}

impl<S, E> Stream for MeteredBody<S>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    type Item = Result<Bytes, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        // Always poll the session, even with bytes held: that runs its mailbox, timers and
        // joins. What it writes is counted, so holding it is bounded by the queue limit.
        if !this.inner_done {
            match this.inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    if !chunk.is_empty() {
                        this.held.push_back(chunk);
                    }
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => this.inner_done = true,
                Poll::Pending => {}
            }
        }
        match this.next_piece() {
            Some(piece) => Poll::Ready(Some(Ok(piece))),
            None if this.inner_done => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use futures_util::StreamExt;

    use super::*;
    use crate::realtime::outbound::QueueLimit;

    #[actix_web::test]
    async fn a_large_chunk_leaves_in_pieces_each_counted_out_as_it_is_taken() {
        let outbound = Outbound::new(QueueLimit {
            max_bytes: 1 << 20,
            max_frames: 10,
        });
        let chunk = Bytes::from(vec![7u8; 40_000]);
        outbound.push(chunk.len());
        let inner = futures_util::stream::iter(vec![Ok::<_, ()>(chunk)]);
        let mut body = MeteredBody::new(inner, outbound.clone());
        let mut sizes = Vec::new();
        while let Some(piece) = body.next().await {
            sizes.push(piece.unwrap().len());
            assert_eq!(
                outbound.queued_bytes(),
                40_000 - sizes.iter().sum::<usize>(),
                "counted out piece by piece"
            );
        }
        assert_eq!(sizes, vec![MAX_PIECE, MAX_PIECE, 40_000 - 2 * MAX_PIECE]);
    }
}
