//! The room's batching, with small in-process actors standing in for sessions: what each
//! connection gets, in which order, and in how many mailbox messages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;

use super::RoomActor;
use crate::db::Database;
use crate::metrics::Metrics;
use crate::model::{PresenceStatus, UserRef};
use crate::realtime::messages::*;
use crate::realtime::outbound::{Outbound, Peer, QueueLimit};
use crate::realtime::registry::Registry;

/// What one fake session received: per mailbox message, the frames it would write.
#[derive(Default)]
struct Received {
    messages: Vec<Vec<String>>,
}

struct FakeSession {
    id: ConnectionId,
    user_id: String,
    outbound: Arc<Outbound>,
    received: Arc<Mutex<Received>>,
}

impl Actor for FakeSession {
    type Context = Context<Self>;
}

impl Handler<Deliver> for FakeSession {
    type Result = ();

    fn handle(&mut self, msg: Deliver, _: &mut Context<Self>) {
        self.outbound.pop(
            msg.batch.frames_from(msg.start),
            msg.batch.bytes_from(msg.start),
        );
        let frames = msg
            .entries()
            .iter()
            .filter(|e| {
                !e.except
                    .as_ref()
                    .is_some_and(|ex| ex.matches(&self.id, &self.user_id))
            })
            .map(|e| e.frame.to_string())
            .collect();
        self.received.lock().unwrap().messages.push(frames);
    }
}

impl Handler<CloseConnection> for FakeSession {
    type Result = ();

    fn handle(&mut self, _: CloseConnection, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

struct Member {
    join: Option<JoinRoom>,
    received: Arc<Mutex<Received>>,
}

impl Member {
    fn new(connection: &str, user: &str) -> Member {
        let outbound = Outbound::new(QueueLimit {
            max_bytes: 1 << 20,
            max_frames: 4096,
        });
        let received = Arc::new(Mutex::new(Received::default()));
        let id: ConnectionId = Arc::from(connection);
        let session = FakeSession {
            id: id.clone(),
            user_id: user.into(),
            outbound: outbound.clone(),
            received: received.clone(),
        }
        .start();
        Member {
            join: Some(JoinRoom {
                connection_id: id,
                user: UserRef {
                    id: user.into(),
                    name: user.into(),
                },
                status: PresenceStatus::Online,
                peer: Peer {
                    recipient: session.clone().recipient(),
                    control: session.recipient(),
                    outbound,
                },
            }),
            received,
        }
    }

    fn join(&mut self) -> JoinRoom {
        self.join.take().expect("joins once")
    }

    /// Frames per mailbox message; each frame shortened to its `type` and `seq` or `taskId`.
    fn messages(&self) -> Vec<Vec<String>> {
        self.received
            .lock()
            .unwrap()
            .messages
            .iter()
            .map(|m| m.iter().map(|f| short(f)).collect())
            .collect()
    }
}

fn short(frame: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(frame).unwrap();
    let kind = v["type"].as_str().unwrap_or("?").to_string();
    match (&v["seq"], &v["taskId"], &v["user"]["id"]) {
        (serde_json::Value::Number(n), _, _) => format!("{kind} {n}"),
        (_, serde_json::Value::String(t), _) => format!("{kind} {t}"),
        (_, _, serde_json::Value::String(u)) => format!("{kind} {u}"),
        _ => kind,
    }
}

fn event(seq: i64) -> (i64, Frame) {
    (
        seq,
        format!(r#"{{"type":"task-updated","seq":{seq}}}"#).into(),
    )
}

fn publish(events: Vec<(i64, Frame)>, exclude: Option<Exclusion>) -> PublishEvents {
    PublishEvents {
        events,
        exclude,
        after: AfterPublish::Nothing,
        committed_at: None,
    }
}

/// Runs `scenario` against a fresh room (its plan absent from a fresh database, so the
/// room starts from the first seq it is given).
fn with_room<F, Fut>(scenario: F)
where
    F: FnOnce(Addr<RoomActor>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("room.db").display());
    let db = Database::connect(&url, 2).unwrap();
    let metrics = Arc::new(Metrics::new().unwrap());
    System::new().block_on(async move {
        let registry = Registry::launch(db.clone(), Duration::from_secs(60), 100, metrics.clone());
        let room = RoomActor::launch(Arc::from("plan-1"), db, registry, metrics);
        scenario(room).await;
    });
}

/// Alice and Bob in the room, with the notices of their joins handled.
async fn alice_and_bob(room: &Addr<RoomActor>) -> (Member, Member) {
    let mut alice = Member::new("c-alice", "alice");
    let mut bob = Member::new("c-bob", "bob");
    room.send(alice.join()).await.unwrap();
    room.send(bob.join()).await.unwrap();
    settle(room).await;
    (alice, bob)
}

/// Lets the room and the fake sessions handle everything sent so far.
async fn settle(room: &Addr<RoomActor>) {
    room.send(GetParticipants).await.unwrap();
    actix::clock::sleep(Duration::from_millis(20)).await;
}

#[test]
fn a_burst_reaches_each_connection_as_one_message_in_seq_order_without_its_own_change() {
    with_room(|room| async move {
        let (alice, bob) = alice_and_bob(&room).await;
        let before = alice.messages().len();

        // Three commits reach the room back to back; bob made the second one.
        room.do_send(publish(vec![event(1)], None));
        room.do_send(publish(
            vec![event(2)],
            Some(Exclusion {
                connection_id: "c-bob".into(),
                user_id: "bob".into(),
            }),
        ));
        room.do_send(publish(vec![event(3)], None));
        settle(&room).await;

        let alice_got = alice.messages();
        assert_eq!(
            alice_got[before..],
            [vec!["task-updated 1", "task-updated 2", "task-updated 3"]]
        );
        assert_eq!(
            bob.messages().last().unwrap(),
            &vec!["task-updated 1", "task-updated 3"]
        );
    });
}

#[test]
fn a_connection_joining_while_a_batch_fills_gets_only_what_came_after_its_join() {
    with_room(|room| async move {
        let mut alice = Member::new("c-alice", "alice");
        let mut carol = Member::new("c-carol", "carol");
        room.send(alice.join()).await.unwrap();
        room.do_send(publish(vec![event(1)], None));
        settle(&room).await;

        // Seq 2, carol's join and seq 3 wait in the mailbox together.
        room.do_send(publish(vec![event(2)], None));
        room.do_send(carol.join());
        room.do_send(publish(vec![event(3)], None));
        settle(&room).await;

        assert_eq!(
            alice.messages(),
            [
                vec!["task-updated 1"],
                vec!["task-updated 2", "user-joined carol", "task-updated 3"]
            ]
        );
        assert_eq!(carol.messages(), [vec!["task-updated 3"]]);
    });
}

#[test]
fn typing_relays_skip_their_sender_and_a_full_batch_goes_out_at_once() {
    with_room(|room| async move {
        let (alice, bob) = alice_and_bob(&room).await;
        let (alice_before, bob_before) = (alice.messages().len(), bob.messages().len());

        let relays = super::fanout::MAX_BATCH + 3;
        for n in 0..relays {
            room.do_send(RelayTyping {
                connection_id: Arc::from("c-alice"),
                task_id: format!("t{n}"),
                is_typing: true,
            });
        }
        settle(&room).await;

        assert_eq!(
            alice.messages()[alice_before..]
                .iter()
                .map(Vec::len)
                .sum::<usize>(),
            0,
            "the sender gets none of its own relays"
        );
        let bob_got = bob.messages()[bob_before..].to_vec();
        assert_eq!(
            bob_got.iter().map(Vec::len).collect::<Vec<_>>(),
            [super::fanout::MAX_BATCH, 3],
            "a full batch goes out at once, the rest after the mailbox is empty"
        );
        let expected: Vec<String> = (0..relays).map(|n| format!("typing t{n}")).collect();
        assert_eq!(bob_got.concat(), expected);
    });
}
