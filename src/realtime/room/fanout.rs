//! The room's outbox: every frame is queued once for every connection, then handed out as
//! one shared [`Batch`] per connection (one mailbox message each), less what a connection
//! made itself; a connection whose queue is full is put out of the room.

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;

use super::RoomActor;
use crate::realtime::messages::*;

/// Frames in one batch at most: a full batch goes out at once, without waiting for the
/// mailbox to empty (bounds the wait when messages never stop coming).
pub(super) const MAX_BATCH: usize = 128;

impl RoomActor {
    /// Queues a room notice (no seq) for every connection but `except`.
    pub(super) fn notify_all(
        &mut self,
        frame: Frame,
        except: Option<Exclusion>,
        ctx: &mut Context<Self>,
    ) {
        let route = Route::Room {
            plan_id: self.plan_id.clone(),
            seq: None,
        };
        self.enqueue(
            Outgoing {
                frame,
                route,
                except,
            },
            ctx,
        );
    }

    /// Adds a frame to the batch for every connection. The batch goes out once the room
    /// has handled every message waiting in its mailbox (so a burst of events or relays
    /// reaches each session as one mailbox message), or at once when it is full.
    pub(super) fn enqueue(&mut self, frame: Outgoing, ctx: &mut Context<Self>) {
        self.outbox.push(frame);
        if self.outbox.len() >= MAX_BATCH {
            self.flush(ctx);
        } else if !self.flush_scheduled {
            self.flush_scheduled = true;
            // Spawned items run after the mailbox has been emptied (actix's context loop).
            ctx.spawn(actix::fut::ready(()).map(|(), act: &mut Self, ctx| {
                act.flush_scheduled = false;
                act.flush(ctx);
            }));
        }
    }

    /// Hands the batch to every connection (one message each, the batch shared); a
    /// connection whose queue is full is put out of the room (it is closing with 1008).
    pub(super) fn flush(&mut self, ctx: &mut Context<Self>) {
        if self.outbox.is_empty() {
            return;
        }
        let batch = Arc::new(Batch::new(std::mem::take(&mut self.outbox)));
        let filling = self.batch_number;
        self.batch_number += 1;
        // Frames a connection skips (its own change, its own typing) are not counted.
        let mut skipped_by: HashMap<&str, Vec<(usize, &str)>> = HashMap::new();
        for (index, entry) in batch.entries().iter().enumerate() {
            if let Some(ex) = &entry.except {
                skipped_by
                    .entry(ex.connection_id.as_str())
                    .or_default()
                    .push((index, ex.user_id.as_str()));
            }
        }
        let mut delivered = 0;
        let mut dropped = 0;
        let mut dead = Vec::new();
        for (id, conn) in &self.connections {
            let start = match conn.joined_during {
                (number, start) if number == filling => start,
                _ => 0,
            };
            if start >= batch.len() {
                continue;
            }
            if !conn.peer.connected() {
                dead.push(id.clone());
                continue;
            }
            let skipped = skipped_by.get(&**id).map_or(0, |skips| {
                skips
                    .iter()
                    .filter(|(index, user)| *index >= start && *user == &*conn.user_id)
                    .count()
            });
            match conn.peer.deliver(&batch, start) {
                Ok(()) => delivered += batch.frames_from(start) - skipped,
                Err(_) => {
                    dropped += batch.frames_from(start) - skipped;
                    dead.push(id.clone());
                }
            }
        }
        for at in self.outbox_commits.drain(..) {
            self.metrics
                .commit_to_enqueue
                .observe(at.elapsed().as_secs_f64());
        }
        self.metrics.frames_delivered.inc_by(delivered as u64);
        self.metrics.frames_dropped.inc_by(dropped as u64);
        for id in dead {
            self.remove_connection(&id, ctx);
        }
    }
}
