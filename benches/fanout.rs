//! Room fan-out: one committed plan event serialised once and handed by a real `RoomActor`
//! to every connection in the room, for rooms of 10, 1,000 and 10,000 connections.
//!
//! The connections are small in-process actors standing in for `WsSession`: they take the
//! same `Peer` (recipient, control, bounded `Outbound` queue) a session gives the room,
//! count each frame out of the queue as a session does when it writes it, and count the
//! event frames they got. One iteration = serialise a `task-created` frame + send
//! `PublishEvents` to the room + wait until all N connections have handled it. No socket
//! I/O: this is the room's loop plus N mailbox hops, all on one actix arbiter (thread).
//! The `fanout_burst16` group publishes 16 events back to back per iteration (as
//! concurrent writers do) and waits for all 16 × N deliveries.
//!
//! The room runs against a real (temporary) SQLite database, as in the server; the plan
//! does not exist there, so the room starts from the first seq it is given.
//!
//! `cargo bench --bench fanout`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::poll_fn;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use actix::prelude::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures_util::task::AtomicWaker;
use liveplan::db::Database;
use liveplan::metrics::Metrics;
use liveplan::model::PresenceStatus;
use liveplan::model::{now, Priority, Stamps, Task, TaskStatus, UserRef};
use liveplan::realtime::messages::{
    AfterPublish, CloseConnection, Deliver, GetParticipants, JoinRoom, PublishEvents, Route,
};
use liveplan::realtime::outbound::{Outbound, Peer, QueueLimit};
use liveplan::realtime::registry::Registry;
use liveplan::realtime::room::RoomActor;
use liveplan::wire::PlanEvent;

const ROOM_SIZES: &[usize] = &[10, 1_000, 10_000];
/// Events per iteration in the burst group.
const BURST: usize = 16;
/// Connections belong to this many distinct users (a user may have several tabs open).
const USERS: usize = 100;
const PLAN_ID: &str = "34860a1e-a6fa-43a5-8c4c-4db22a1153c6";

/// What the fake sessions report to the bench.
#[derive(Default)]
struct Shared {
    /// Event frames still to be handled in the current iteration.
    remaining: AtomicUsize,
    /// Woken by the session that handles the last one.
    done: AtomicWaker,
    /// `CloseConnection` notices received (slow consumer): must stay 0.
    closed: AtomicUsize,
}

impl Shared {
    /// Resolves once `remaining` reached 0.
    async fn all_delivered(&self) {
        poll_fn(|cx| {
            self.done.register(cx.waker());
            if self.remaining.load(Ordering::Acquire) == 0 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

/// Stands in for a `WsSession`: takes frames off its queue and counts the plan events.
struct FakeSession {
    outbound: Arc<Outbound>,
    shared: Arc<Shared>,
}

impl Actor for FakeSession {
    type Context = Context<Self>;
}

impl Handler<Deliver> for FakeSession {
    type Result = ();

    fn handle(&mut self, msg: Deliver, _: &mut Context<Self>) {
        // A session counts the frames out of its queue once written to the socket.
        self.outbound.pop(
            msg.batch.frames_from(msg.start),
            msg.batch.bytes_from(msg.start),
        );
        let mut events = 0;
        for entry in msg.entries() {
            black_box(entry.frame.as_bytes());
            if let Route::Room { seq: Some(_), .. } = entry.route {
                events += 1;
            }
        }
        if events > 0 && self.shared.remaining.fetch_sub(events, Ordering::AcqRel) == events {
            self.shared.done.wake();
        }
    }
}

impl Handler<CloseConnection> for FakeSession {
    type Result = ();

    fn handle(&mut self, _: CloseConnection, ctx: &mut Context<Self>) {
        self.shared.closed.fetch_add(1, Ordering::Relaxed);
        ctx.stop();
    }
}

/// A `task-created` event like the one in docs/protocol.md §4.6.
struct EventSource {
    task: Task,
    actor: UserRef,
}

impl EventSource {
    fn new() -> Self {
        let t = now();
        EventSource {
            task: Task {
                id: "90032d91-be5a-4389-b272-71251fbc6d37".into(),
                plan_id: PLAN_ID.into(),
                title: "Ship it".into(),
                description: Some("README and protocol".into()),
                status: TaskStatus::InProgress,
                assignee_id: Some("carol".into()),
                due_at: None,
                position: 1,
                version: 1,
                created_by: "bob".into(),
                stamps: Stamps::new(t),
                column_id: format!("{PLAN_ID}:in_progress"),
                priority: Priority::Medium,
                labels: Vec::new(),
                sprint_id: None,
            },
            actor: UserRef {
                id: "bob".into(),
                name: "Bob".into(),
            },
        }
    }

    /// The frame, serialised once, by the write path's own encoder.
    fn frame(&self, seq: i64) -> String {
        PlanEvent::TaskCreated { task: &self.task }
            .frame(PLAN_ID, seq, &self.actor, now())
            .expect("serialise")
    }
}

/// A room with `n` fake sessions in it.
struct Room {
    addr: Addr<RoomActor>,
    shared: Arc<Shared>,
    n: usize,
    next_seq: i64,
}

impl Room {
    async fn open(
        n: usize,
        db: &Database,
        registry: &Addr<Registry>,
        metrics: &Arc<Metrics>,
    ) -> Room {
        let plan_id: Arc<str> = Arc::from(format!("{PLAN_ID}-{n}").as_str());
        let addr = RoomActor::launch(plan_id, db.clone(), registry.clone(), metrics.clone());
        let shared = Arc::new(Shared::default());
        let limit = QueueLimit {
            max_bytes: usize::MAX / 2,
            max_frames: usize::MAX / 2,
        };
        for i in 0..n {
            let outbound = Outbound::new(limit);
            let session = FakeSession {
                outbound: outbound.clone(),
                shared: shared.clone(),
            }
            .start();
            let user = format!("user-{}", i % USERS);
            addr.do_send(JoinRoom {
                connection_id: Arc::from(format!("conn-{i}").as_str()),
                user: UserRef {
                    id: user.clone(),
                    name: user,
                },
                status: PresenceStatus::Online,
                peer: Peer {
                    recipient: session.clone().recipient(),
                    control: session.recipient(),
                    outbound,
                },
            });
        }
        let participants = addr.send(GetParticipants).await.expect("room");
        assert_eq!(participants.len(), n.min(USERS));
        let mut room = Room {
            addr,
            shared,
            n,
            next_seq: 1,
        };
        // The first event also flushes the `user-joined` notices out of every mailbox.
        let source = EventSource::new();
        room.publish(&source, AfterPublish::Nothing).await;
        room
    }

    /// One iteration: serialise one event, publish it, wait for all N deliveries.
    /// Returns the time taken.
    async fn publish(&mut self, source: &EventSource, after: AfterPublish) -> Duration {
        self.publish_burst(source, 1, after).await
    }

    /// `burst` events committed back to back (as concurrent writers do): each serialised
    /// and published on its own, then wait for all `burst` × N deliveries.
    async fn publish_burst(
        &mut self,
        source: &EventSource,
        burst: usize,
        after: AfterPublish,
    ) -> Duration {
        self.shared
            .remaining
            .store(self.n * burst, Ordering::Release);
        let start = Instant::now();
        for i in 0..burst {
            let seq = self.next_seq;
            self.next_seq += 1;
            let frame = source.frame(seq);
            self.addr.do_send(PublishEvents {
                events: vec![(seq, frame.into())],
                exclude: None,
                after: if i + 1 == burst {
                    after.clone()
                } else {
                    AfterPublish::Nothing
                },
                // As the write path does, right after the commit.
                committed_at: Some(Instant::now()),
            });
        }
        self.shared.all_delivered().await;
        let elapsed = start.elapsed();
        assert_eq!(
            self.shared.closed.load(Ordering::Relaxed),
            0,
            "slow consumer"
        );
        elapsed
    }

    /// Deletes the plan: the room hands out the last event, drops every peer and stops,
    /// which stops the fake sessions.
    async fn close(mut self, source: &EventSource) {
        self.publish(source, AfterPublish::CloseRoom).await;
    }
}

fn bench_fanout(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let db = Database::connect(&url, 4).expect("database");
    let metrics = Arc::new(Metrics::new().expect("metrics"));
    let system = System::new();
    let registry = system.block_on(async {
        Registry::launch(
            db.clone(),
            Duration::from_secs(3600),
            usize::MAX,
            metrics.clone(),
        )
    });
    let source = EventSource::new();

    let mut group = c.benchmark_group("fanout");
    for &n in ROOM_SIZES {
        let mut room = system.block_on(Room::open(n, &db, &registry, &metrics));
        group.throughput(Throughput::Elements(n as u64));
        group.sample_size(if n >= 10_000 { 10 } else { 20 });
        group.bench_with_input(BenchmarkId::new("task_created", n), &n, |b, _| {
            b.iter_custom(|iters| {
                system.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += room.publish(&source, AfterPublish::Nothing).await;
                    }
                    total
                })
            })
        });
        system.block_on(room.close(&source));
    }
    group.finish();

    // Bursts: 16 events committed back to back reach the room before it drains.
    let mut group = c.benchmark_group("fanout_burst16");
    for &n in &ROOM_SIZES[..2] {
        let mut room = system.block_on(Room::open(n, &db, &registry, &metrics));
        group.throughput(Throughput::Elements((n * BURST) as u64));
        group.sample_size(20);
        group.bench_with_input(BenchmarkId::new("task_created", n), &n, |b, _| {
            b.iter_custom(|iters| {
                system.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += room
                            .publish_burst(&source, BURST, AfterPublish::Nothing)
                            .await;
                    }
                    total
                })
            })
        });
        system.block_on(room.close(&source));
    }
    group.finish();

    // The serialisation alone, for reading the numbers above.
    let mut seq = 0;
    c.bench_function("fanout_encode_only/task_created", |b| {
        b.iter(|| {
            seq += 1;
            source.frame(black_box(seq))
        })
    });
}

criterion_group!(benches, bench_fanout);
criterion_main!(benches);
