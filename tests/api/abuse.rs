//! Hostile and excessive WebSocket input: it never crashes or stalls the server, never
//! disturbs a well-behaved client, and is answered as contract §3 says (an `error` frame
//! for a bad message, a close for a protocol violation, `rate_limited` then 4429 for a
//! flood).
//!
//! [`RawWs`] (`tests/common/raw_ws.rs`) writes RFC 6455 frames by hand over a plain TCP
//! stream, so these tests can send what a WebSocket library refuses to: invalid UTF-8,
//! unknown opcodes, unmasked frames, reserved bits, lying lengths, broken fragmentation.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::rt::time::{sleep, timeout};
use serde_json::json;

use crate::common::raw_ws::*;
use crate::helpers::*;

// ------------------------------------------------------------------------------------
// Reproducible randomness.
// ------------------------------------------------------------------------------------

/// xorshift64: small, seeded, good enough to pick abuse.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn range(&mut self, low: usize, high: usize) -> usize {
        low + self.below((high - low + 1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// Printable ASCII.
    fn printable(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| (b' ' + self.below(95) as u8) as char)
            .collect()
    }

    fn mask(&mut self) -> Option<[u8; 4]> {
        if self.chance(10) {
            Some([0; 4])
        } else {
            Some((self.next() as u32).to_be_bytes())
        }
    }

    fn form(&mut self) -> LengthForm {
        *self.pick(&[
            LengthForm::Shortest,
            LengthForm::Shortest,
            LengthForm::Bits16,
            LengthForm::Bits64,
        ])
    }

    /// A legal masked frame with a random key and length form.
    fn frame(&mut self, head: u8, payload: &[u8]) -> Vec<u8> {
        let (mask, form) = (self.mask(), self.form());
        frame_with(head, payload, mask, form)
    }
}

// ------------------------------------------------------------------------------------
// The abuse catalogue.
// ------------------------------------------------------------------------------------

/// What the server must do with one piece of abuse.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Keep the connection open and answer with exactly this many reply frames.
    Replies(usize),
    /// Close the connection with one of these codes.
    Close(&'static [u16]),
    /// A frame announcing an absurd length: the client gives up and hangs up.
    HangUp,
}

struct Abuse {
    what: &'static str,
    bytes: Vec<u8>,
    expect: Expect,
}

/// Where an abuser stands: the plan it is a member of, a plan it is not, and whether
/// this connection joined the first.
struct Target<'a> {
    plan: &'a str,
    secret: &'a str,
    joined: bool,
}

const PROTOCOL_ERROR: &[u16] = &[1002];
/// RFC 6455 §7.4.1: a text message that is not UTF-8, whole or in fragments.
const INVALID_PAYLOAD: &[u16] = &[1007];
const TOO_BIG: &[u16] = &[1009];

/// The server's limit on one message (the default `LIVEPLAN_MAX_MESSAGE_BYTES`).
const MAX_MESSAGE: usize = 64 * 1024;

fn pick_abuse(rng: &mut Rng, t: &Target<'_>) -> Abuse {
    let plan = t.plan;
    let one = |what, s: String, rng: &mut Rng| Abuse {
        what,
        bytes: rng.frame(FIN | TEXT, s.as_bytes()),
        expect: Expect::Replies(1),
    };
    match rng.below(1000) {
        // Text that is not JSON.
        0..=99 => {
            let n = rng.range(0, 300);
            let s = rng.printable(n);
            one("not JSON", s, rng)
        }
        // JSON of the wrong shape or types.
        100..=199 => {
            let s = rng
                .pick(&[
                    r#"{"type":"join-plan","planId":42}"#.to_string(),
                    r#"{"type":["ping"]}"#.to_string(),
                    r#"{"type":null}"#.to_string(),
                    r#"{"requestId":5,"type":"ping"}"#.to_string(),
                    r#"{"requestId":{"a":1},"type":"ping"}"#.to_string(),
                    format!(
                        r#"{{"type":"typing","planId":"{plan}","taskId":"t","isTyping":"yes"}}"#
                    ),
                    r#"{"type":"presence","status":7}"#.to_string(),
                    r#"{"type":"refresh-token","token":null}"#.to_string(),
                    r#"{"type":"leave-plan","planId":{}}"#.to_string(),
                    r#"{"type":"join-plan","planId":"p","since":"1"}"#.to_string(),
                    "null".to_string(),
                    "[]".to_string(),
                    "\"ping\"".to_string(),
                    "true".to_string(),
                    "{}".to_string(),
                    r#"{"type":"ping""#.to_string(),
                    r#"{"type":"ping"}{"type":"ping"}"#.to_string(),
                ])
                .clone();
            one("wrong JSON", s, rng)
        }
        // Numbers no integer or float holds.
        200..=259 => {
            let n = rng
                .pick(&[
                    "1e999",
                    "-1e999",
                    "18446744073709551616",
                    "-9223372036854775809",
                    "99999999999999999999999999999999999999",
                    "1.5",
                    "-0",
                    "0x10",
                    "NaN",
                    "Infinity",
                ])
                .to_string();
            let s = match rng.below(3) {
                0 => format!(r#"{{"type":"join-plan","planId":"{plan}","since":{n}}}"#),
                1 => format!(r#"{{"type":"ping","requestId":"n","x":{n}}}"#),
                _ => {
                    format!(r#"{{"type":"typing","planId":"{plan}","taskId":"t","isTyping":{n}}}"#)
                }
            };
            one("huge number", s, rng)
        }
        // Deep nesting.
        260..=289 => {
            let depth = rng.range(100, 10_000);
            let s = if rng.chance(50) {
                "[".repeat(depth) + &"]".repeat(depth)
            } else {
                format!(
                    r#"{{"type":"ping","x":{}1{}}}"#,
                    r#"{"a":"#.repeat(depth),
                    "}".repeat(depth)
                )
            };
            one("deep nesting", s, rng)
        }
        // Unknown fields on messages that are otherwise fine: answered normally.
        290..=359 => {
            let s = if rng.chance(50) {
                r#"{"type":"ping","requestId":"u","__proto__":{"admin":true},"extra":[1,2,3]}"#
                    .to_string()
            } else {
                r#"{"type":"leave-plan","planId":"not-a-plan-of-mine","since":5,"x":null}"#
                    .to_string()
            };
            one("unknown fields", s, rng)
        }
        // Unknown message types.
        360..=419 => {
            let s = rng
                .pick(&[
                    r#"{"type":"delete-everything"}"#.to_string(),
                    r#"{"type":""}"#.to_string(),
                    format!(r#"{{"type":"JOIN-PLAN","planId":"{plan}"}}"#),
                    r#"{"type":"create-task","title":"x"}"#.to_string(),
                    format!(r#"{{"type":"{}"}}"#, "z".repeat(5000)),
                ])
                .clone();
            one("unknown type", s, rng)
        }
        // Control characters, escaped (a valid ping) or raw (not valid JSON).
        420..=479 => {
            if rng.chance(50) {
                let s = r#"{"type":"ping","requestId":"\u0000\u001b[31m\u0007\r\n\t\u007f"}"#;
                one("escaped control characters", s.to_string(), rng)
            } else {
                let mut s = String::from(r#"{"type":"ping","requestId":""#);
                for _ in 0..rng.range(1, 20) {
                    s.push(char::from(rng.below(32) as u8));
                }
                s.push_str("\"}");
                one("raw control characters", s, rng)
            }
        }
        // Very long strings.
        480..=519 => {
            let n = rng.range(129, 60_000);
            let long = "x".repeat(n);
            let s = match rng.below(4) {
                0 => format!(r#"{{"type":"ping","requestId":"{long}"}}"#),
                1 => format!(r#"{{"type":"join-plan","planId":"{long}"}}"#),
                2 => format!(
                    r#"{{"type":"typing","planId":"{plan}","taskId":"{long}","isTyping":true}}"#
                ),
                _ => format!(r#"{{"type":"refresh-token","token":"{long}"}}"#),
            };
            one("very long string", s, rng)
        }
        // Plans that do not exist, are not ours, or ids that are not ids.
        520..=589 => {
            let s = match rng.below(if t.joined { 5 } else { 4 }) {
                0 => format!(
                    r#"{{"type":"join-plan","planId":"no-such-plan-{}"}}"#,
                    rng.next()
                ),
                1 => format!(
                    r#"{{"type":"join-plan","planId":"{}","requestId":"s"}}"#,
                    t.secret
                ),
                2 => r#"{"type":"join-plan","planId":"../../etc/passwd"}"#.to_string(),
                3 => format!(r#"{{"type":"join-plan","planId":"{plan}","since":-5}}"#),
                // Already joined.
                _ => format!(r#"{{"type":"join-plan","planId":"{plan}"}}"#),
            };
            one("bad join-plan", s, rng)
        }
        // Typing: wrong fields, a plan not joined, or valid (relayed, no reply).
        590..=659 => match rng.below(3) {
            0 => one(
                "typing with wrong fields",
                format!(r#"{{"type":"typing","planId":"{plan}","task":"t","typing":1}}"#),
                rng,
            ),
            1 => one(
                "typing in a plan not joined",
                format!(
                    r#"{{"type":"typing","planId":"{}","taskId":"t","isTyping":true}}"#,
                    t.secret
                ),
                rng,
            ),
            _ => {
                let s = format!(
                    r#"{{"type":"typing","planId":"{plan}","taskId":"t1","isTyping":true}}"#
                );
                Abuse {
                    what: "typing",
                    bytes: rng.frame(FIN | TEXT, s.as_bytes()),
                    expect: Expect::Replies(if t.joined { 0 } else { 1 }),
                }
            }
        },
        // Presence (valid: no reply) and refresh-token garbage.
        660..=689 => match rng.below(3) {
            0 => Abuse {
                what: "presence",
                bytes: rng.frame(FIN | TEXT, br#"{"type":"presence","status":"away"}"#),
                expect: Expect::Replies(0),
            },
            1 => one(
                "bad presence",
                r#"{"type":"presence","status":"invisible"}"#.to_string(),
                rng,
            ),
            _ => one(
                "bad token",
                r#"{"type":"refresh-token","token":"eyJhbGciOiJub25lIn0.e30."}"#.to_string(),
                rng,
            ),
        },
        // Binary frames.
        690..=769 => {
            let n = rng.range(0, 2000);
            let payload = rng.bytes(n);
            Abuse {
                what: "binary",
                bytes: rng.frame(FIN | BINARY, &payload),
                expect: Expect::Replies(1),
            }
        }
        // Fragmented messages that do finish, with pings between the fragments.
        770..=819 => {
            let binary = rng.chance(20);
            let message = format!(r#"{{"type":"ping","requestId":"frag-{}"}}"#, rng.next());
            let bytes = message.as_bytes();
            let pieces = rng.range(2, 6).min(bytes.len());
            let mut out = Vec::new();
            let mut start = 0;
            for i in 0..pieces {
                let end = if i + 1 == pieces {
                    bytes.len()
                } else {
                    rng.range(start, bytes.len())
                };
                let opcode = match (i, binary) {
                    (0, true) => BINARY,
                    (0, false) => TEXT,
                    _ => CONTINUATION,
                };
                let fin = if i + 1 == pieces { FIN } else { 0 };
                out.extend(rng.frame(fin | opcode, &bytes[start..end]));
                if rng.chance(30) {
                    out.extend(rng.frame(FIN | PING, b"between"));
                }
                start = end;
            }
            Abuse {
                what: if binary {
                    "fragmented binary"
                } else {
                    "fragmented text"
                },
                bytes: out,
                expect: Expect::Replies(1),
            }
        }
        // Control frames the server answers at the protocol level only.
        820..=869 => {
            let n = rng.range(0, 125);
            let payload = rng.bytes(n);
            let opcode = if rng.chance(70) { PING } else { PONG };
            Abuse {
                what: "ping or pong frame",
                bytes: rng.frame(FIN | opcode, &payload),
                expect: Expect::Replies(0),
            }
        }
        // Fine messages, and an empty text frame.
        870..=959 => {
            if rng.chance(20) {
                one("empty text", String::new(), rng)
            } else {
                one(
                    "ping",
                    r#"{"type":"ping","requestId":"ok"}"#.to_string(),
                    rng,
                )
            }
        }
        // Protocol violations: the server closes the connection.
        _ => pick_violation(rng),
    }
}

/// A frame (or frames) that break RFC 6455; the server must close, with this code.
fn pick_violation(rng: &mut Rng) -> Abuse {
    let ping = br#"{"type":"ping"}"#;
    let (what, bytes, expect) = match rng.below(15) {
        0 => {
            let n = rng.range(1, 300);
            let mut junk = rng.bytes(n);
            junk.push(0xFF); // never valid UTF-8
            (
                "invalid UTF-8 text",
                rng.frame(FIN | TEXT, &junk),
                Expect::Close(INVALID_PAYLOAD),
            )
        }
        1 => {
            let mut out = rng.frame(TEXT, b"{\"type\":\"ping\",\"requestId\":\"");
            out.extend(rng.frame(FIN | CONTINUATION, b"\xc3\x28\"}"));
            (
                "invalid UTF-8 in fragments",
                out,
                Expect::Close(INVALID_PAYLOAD),
            )
        }
        2 => {
            let opcode = *rng.pick(&[3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF]);
            (
                "unknown opcode",
                rng.frame(FIN | opcode, ping),
                Expect::Close(PROTOCOL_ERROR),
            )
        }
        3 => {
            let fin = if rng.chance(50) { FIN } else { 0 };
            (
                "continuation without a start",
                rng.frame(fin | CONTINUATION, ping),
                Expect::Close(PROTOCOL_ERROR),
            )
        }
        4 => {
            let opcode = *rng.pick(&[PING, PONG, CLOSE]);
            let n = rng.range(126, 3000);
            let payload = rng.bytes(n);
            (
                "control frame over 125 bytes",
                rng.frame(FIN | opcode, &payload),
                Expect::Close(PROTOCOL_ERROR),
            )
        }
        5 => (
            "unmasked frame",
            frame_with(FIN | TEXT, ping, None, LengthForm::Shortest),
            Expect::Close(PROTOCOL_ERROR),
        ),
        6 => {
            let rsv = *rng.pick(&[0x40u8, 0x20, 0x10, 0x70]);
            (
                "reserved bits",
                rng.frame(FIN | rsv | TEXT, ping),
                Expect::Close(PROTOCOL_ERROR),
            )
        }
        7 => {
            let mut out = rng.frame(TEXT, b"{\"type\":");
            out.extend(rng.frame(FIN | TEXT, ping));
            (
                "a new message inside a fragmented one",
                out,
                Expect::Close(PROTOCOL_ERROR),
            )
        }
        8 => (
            "fragmented control frame",
            rng.frame(PING, b"x"),
            Expect::Close(PROTOCOL_ERROR),
        ),
        9 => {
            // A fragment flood that never finishes: the server must stop it at the limit.
            let mut out = rng.frame(TEXT, b"[");
            let mut total = 1;
            while total <= MAX_MESSAGE + 1024 {
                let n = rng.range(1, 8192);
                out.extend(rng.frame(CONTINUATION, &vec![b'1'; n]));
                total += n;
            }
            ("unfinished fragment flood", out, Expect::Close(TOO_BIG))
        }
        10 => {
            let n = rng.range(MAX_MESSAGE + 1, MAX_MESSAGE + 10_000);
            (
                "text over the size limit",
                rng.frame(FIN | TEXT, &vec![b' '; n]),
                Expect::Close(TOO_BIG),
            )
        }
        11 => {
            let payload = match rng.below(3) {
                0 => vec![0x03],
                1 => close_payload(
                    *rng.pick(&[0u16, 999, 1004, 1005, 1006, 1015, 2000, 5000]),
                    "",
                ),
                _ => {
                    let mut p = close_payload(1000, "");
                    p.push(0xFF);
                    p
                }
            };
            (
                "invalid close frame",
                rng.frame(FIN | CLOSE, &payload),
                Expect::Close(PROTOCOL_ERROR),
            )
        }
        12 => {
            let code = *rng.pick(&[1000u16, 1001, 3000, 4000, 4999]);
            (
                "a valid close frame",
                rng.frame(FIN | CLOSE, &close_payload(code, "bye")),
                Expect::Close(&[1000]),
            )
        }
        13 => {
            // A 64-bit length with its top bit set is illegal (RFC 6455 §5.2).
            let claimed = (1u64 << 63) | rng.next();
            (
                "64-bit length with the top bit set",
                header_claiming(FIN | TEXT, claimed),
                Expect::Close(TOO_BIG),
            )
        }
        _ => {
            // Announces terabytes, sends a little, then hangs up.
            let claimed = rng.range(1 << 33, 1 << 40) as u64;
            let mut out = header_claiming(FIN | TEXT, claimed);
            let n = rng.range(0, 4096);
            out.extend(rng.bytes(n));
            ("a 64-bit length claiming terabytes", out, Expect::HangUp)
        }
    };
    Abuse {
        what,
        bytes,
        expect,
    }
}

// ------------------------------------------------------------------------------------
// An abuser: one member sending abuse over successive connections.
// ------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct AbuseReport {
    user: String,
    frames: usize,
    connections: usize,
    /// Close codes the server sent after violations.
    closes: BTreeMap<u16, usize>,
    hang_ups: usize,
    replies: usize,
    error_codes: BTreeMap<String, usize>,
}

/// One abusive connection and the replies it is owed.
struct AbuserConnection {
    ws: RawWs,
    expected_replies: usize,
    syncs: usize,
}

impl AbuserConnection {
    async fn open(port: u16, token: &str, plan: &str, join: bool) -> AbuserConnection {
        let ws = RawWs::connect(port, token, false).await;
        let mut conn = AbuserConnection {
            ws,
            expected_replies: 0,
            syncs: 0,
        };
        if join {
            let join = format!(r#"{{"type":"join-plan","planId":"{plan}","requestId":"j"}}"#);
            conn.ws.send(&text(&join)).await.expect("send join-plan");
            conn.expected_replies += 1;
        }
        conn.sync("just connected").await;
        conn
    }

    /// Pings with a fresh id and waits for its pong: every message sent so far must have
    /// been answered, exactly once, and the connection must still be open.
    async fn sync(&mut self, after: &str) {
        self.syncs += 1;
        let id = format!("sync-{}", self.syncs);
        let sent = self
            .ws
            .send(&text(&format!(r#"{{"type":"ping","requestId":"{id}"}}"#)))
            .await;
        self.expected_replies += 1;
        let expected = self.expected_replies;
        let answered = self
            .ws
            .wait_until(|i| i.pong_ids.contains(&id) && i.replies >= expected)
            .await;
        let inbox = self.ws.inbox.borrow();
        assert!(
            sent.is_ok() && answered && !self.ws.is_closed(),
            "after {after}: {} of {expected} answers, sync ping sent: {sent:?}, close: {:?}, \
             ended: {}",
            inbox.replies,
            inbox.close,
            inbox.ended
        );
        assert_eq!(
            inbox.replies, expected,
            "after {after}: every message is answered exactly once"
        );
        assert_eq!(
            inbox.not_json, 0,
            "the server sent a text frame that is not JSON"
        );
        assert_eq!(
            inbox.error_codes.get("internal"),
            None,
            "after {after}: bad input made an internal error: {:?}",
            inbox.error_codes
        );
    }

    fn absorb_into(&self, report: &mut AbuseReport) {
        let inbox = self.ws.inbox.borrow();
        report.replies += inbox.replies;
        for (code, n) in &inbox.error_codes {
            *report.error_codes.entry(code.clone()).or_default() += n;
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_abuser(
    port: u16,
    user: String,
    token: String,
    plan: String,
    secret: String,
    join: bool,
    seed: u64,
    min_frames: usize,
    stop: Rc<Cell<bool>>,
) -> AbuseReport {
    let mut rng = Rng::new(seed);
    let target = Target {
        plan: &plan,
        secret: &secret,
        joined: join,
    };
    let mut report = AbuseReport {
        user: user.clone(),
        connections: 1,
        ..Default::default()
    };
    let mut conn = AbuserConnection::open(port, &token, &plan, join).await;
    let mut recent: Vec<&'static str> = Vec::new();
    while report.frames < min_frames || !stop.get() {
        let abuse = pick_abuse(&mut rng, &target);
        report.frames += 1;
        recent.push(abuse.what);
        if recent.len() > 8 {
            recent.remove(0);
        }
        match abuse.expect {
            Expect::Replies(n) => {
                let sent = if rng.chance(5) {
                    conn.ws
                        .send_in_pieces(&abuse.bytes, || 1 + rng.below(24) as usize)
                        .await
                } else {
                    conn.ws.send(&abuse.bytes).await
                };
                assert!(
                    sent.is_ok() && !conn.ws.is_closed(),
                    "{user}: the server closed a connection that broke no rule; last sent: \
                     {recent:?}; write: {sent:?}; close: {:?}",
                    conn.ws.inbox.borrow().close
                );
                conn.expected_replies += n;
                if report.frames % 250 == 0 {
                    conn.sync(&format!("{recent:?}")).await;
                }
            }
            Expect::Close(codes) => {
                conn.sync(&format!("{recent:?}")).await;
                // The server may close before reading all of it; that is fine.
                let _ = conn.ws.send(&abuse.bytes).await;
                let (code, reason) = conn.ws.expect_close_frame().await;
                let code = code.unwrap_or(0);
                assert!(
                    codes.contains(&code),
                    "{user}: {}: closed with {code} {reason:?}, expected one of {codes:?}",
                    abuse.what
                );
                *report.closes.entry(code).or_default() += 1;
                conn.absorb_into(&mut report);
                conn = AbuserConnection::open(port, &token, &plan, join).await;
                report.connections += 1;
            }
            Expect::HangUp => {
                conn.sync(&format!("{recent:?}")).await;
                let _ = conn.ws.send(&abuse.bytes).await;
                report.hang_ups += 1;
                conn.absorb_into(&mut report);
                conn = AbuserConnection::open(port, &token, &plan, join).await;
                report.connections += 1;
            }
        }
    }
    conn.sync(&format!("the last frames {recent:?}")).await;
    conn.absorb_into(&mut report);
    report
}

/// Reads the well-behaved client's plan events (answering the server's pings) until `last`
/// is set and its seq has been seen.
async fn watch(
    mut ws: WsClient,
    plan: String,
    last: Rc<Cell<Option<i64>>>,
) -> (WsClient, Vec<(i64, String)>) {
    let mut events: Vec<(i64, String)> = Vec::new();
    loop {
        let newest = events.last().map(|e| e.0);
        if let (Some(target), Some(seen)) = (last.get(), newest) {
            if seen >= target {
                return (ws, events);
            }
        }
        match timeout(Duration::from_millis(200), ws.next()).await {
            Err(_) => {}
            Ok(Received::Json(v)) => {
                if v["planId"] == plan.as_str() {
                    if let (Some(seq), Some(kind)) = (v["seq"].as_i64(), v["type"].as_str()) {
                        events.push((seq, kind.to_string()));
                    }
                }
            }
            Ok(other) => panic!("the well-behaved client was disconnected: {other:?}"),
        }
    }
}

async fn sessions_become(app: &TestApp, expected: usize) -> usize {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = app.registry_stats().await.sessions;
        if now == expected || Instant::now() > deadline {
            return now;
        }
        sleep(Duration::from_millis(20)).await;
    }
}

// ------------------------------------------------------------------------------------
// Tests.
// ------------------------------------------------------------------------------------

#[actix_web::test]
async fn thousands_of_malformed_frames_from_several_connections_do_not_disturb_a_well_behaved_client(
) {
    let started = Instant::now();
    let app = spawn_app_with(|a| {
        // High limits, so every frame reaches the decoder and the session.
        a.ws_rate_burst = Some("1000000".into());
        a.ws_rate_per_sec = Some("1000000".into());
        a.ws_rate_close_after = Some("1000000".into());
        a.rest_rate_burst = Some("1000000".into());
        a.rest_rate_per_sec = Some("1000000".into());
        a.max_connections_per_user = Some("1000".into());
    })
    .await;
    let plan = app.create_plan("ada", "Under fire").await;
    let secret = app.create_plan("ada", "Not yours").await;
    app.add_member(&plan, "ada", "watcher", "viewer").await;
    app.add_member(&plan, "ada", "editor", "editor").await;
    const ABUSERS: usize = 6;
    const FRAMES_EACH: usize = 2_500;
    for i in 0..ABUSERS {
        app.add_member(&plan, "ada", &format!("mallory{i}"), "viewer")
            .await;
    }
    let mut watcher = app.ws("watcher").await;
    let seq0 = watcher.join(&plan, None).await["seq"]
        .as_i64()
        .expect("seq");

    let stop = Rc::new(Cell::new(false));
    let last_seq = Rc::new(Cell::new(None));
    let watching = actix_web::rt::spawn(watch(watcher, plan.clone(), last_seq.clone()));
    let abusers: Vec<_> = (0..ABUSERS)
        .map(|i| {
            let user = format!("mallory{i}");
            actix_web::rt::spawn(run_abuser(
                app.port,
                user.clone(),
                app.token(&user),
                plan.clone(),
                secret.clone(),
                i % 2 == 0, // half of them also joined the plan
                0x5EED_0000_0000_0001 + i as u64 * 0x9E37_79B9,
                FRAMES_EACH,
                stop.clone(),
            ))
        })
        .collect();

    // Meanwhile an editor makes 100 changes over REST, spread over most of the abuse.
    const PACE: Duration = Duration::from_millis(60);
    sleep(Duration::from_millis(100)).await;
    let editor = app.token("editor");
    let mut tasks = Vec::new();
    let mut answered = Vec::new();
    for i in 0..20 {
        let a = app
            .post(
                &format!("/api/plans/{plan}/tasks"),
                &editor,
                json!({ "title": format!("task {i}") }),
            )
            .await;
        assert_eq!(a.status, 201, "{:?}", a.body);
        tasks.push(a.body["id"].as_str().expect("task id").to_string());
        answered.push(a.plan_seq.expect("X-Plan-Seq"));
        sleep(PACE).await;
    }
    let statuses = ["in_progress", "done", "todo"];
    for i in 0..80 {
        let task = &tasks[i % tasks.len()];
        let body = if i % 2 == 0 {
            json!({ "title": format!("renamed {i}") })
        } else {
            json!({ "status": statuses[(i / tasks.len()) % statuses.len()] })
        };
        let a = app
            .patch(&format!("/api/tasks/{task}"), &editor, body)
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        answered.push(a.plan_seq.expect("X-Plan-Seq"));
        sleep(PACE).await;
    }
    let final_seq = *answered.last().expect("a seq");
    assert!(
        answered.windows(2).all(|w| w[0] < w[1]),
        "X-Plan-Seq grows: {answered:?}"
    );
    let editing_took = started.elapsed();
    stop.set(true);

    let mut reports = Vec::new();
    for a in abusers {
        reports.push(a.await.expect("an abuser task panicked (see above)"));
    }
    last_seq.set(Some(final_seq));
    let (mut watcher, events) = watching
        .await
        .expect("the well-behaved client's task panicked (see above)");

    // Every event, in order, once: no gap, no duplicate, up to the last change.
    let seqs: Vec<i64> = events.iter().map(|e| e.0).collect();
    assert_eq!(
        seqs,
        (seq0 + 1..=final_seq).collect::<Vec<_>>(),
        "the well-behaved client saw every event in seq order"
    );
    let count = |kind: &str| events.iter().filter(|e| e.1 == kind).count();
    assert_eq!(count("task-created"), 20);
    assert_eq!(count("task-updated"), 80);
    assert!(count("progress-updated") >= 20, "{events:?}");
    // Nothing more with a seq: room notices (abusers coming and going) may follow.
    while let Ok(frame) = timeout(Duration::from_millis(200), watcher.next()).await {
        let Received::Json(v) = frame else {
            panic!("the well-behaved client was disconnected: {frame:?}");
        };
        assert!(v.get("seq").is_none(), "an event past the last change: {v}");
    }

    // The abuse really happened, and every piece of it was answered as it should be.
    let mut total_frames = 0;
    let mut closes: BTreeMap<u16, usize> = BTreeMap::new();
    for r in &reports {
        assert!(r.frames >= FRAMES_EACH, "{}: {r:?}", r.user);
        assert!(r.connections > 1, "{r:?}");
        assert!(r.replies > r.frames / 2, "{r:?}");
        assert!(
            r.error_codes.get("bad_request").copied().unwrap_or(0) > r.frames / 3,
            "{r:?}"
        );
        assert!(r.error_codes.contains_key("not_found"), "{r:?}");
        total_frames += r.frames;
        for (code, n) in &r.closes {
            *closes.entry(*code).or_default() += n;
        }
    }
    for code in [1000, 1002, 1007, 1009] {
        assert!(
            closes.contains_key(&code),
            "no close with {code}: {closes:?}"
        );
    }

    // The server still serves: health, a fresh join, the old client.
    let health = app.request("GET", "/healthz", None, None, &[]).await;
    assert_eq!(health.status, 200);
    let mut fresh = app.ws("ada").await;
    assert_eq!(fresh.join(&plan, None).await["seq"], final_seq);
    fresh
        .send(json!({ "type": "ping", "requestId": "after" }))
        .await;
    assert_eq!(fresh.expect_type("pong").await["requestId"], "after");
    watcher
        .send(json!({ "type": "ping", "requestId": "still" }))
        .await;
    assert_eq!(watcher.expect_type("pong").await["requestId"], "still");
    // No abusive connection lingers: only the watcher and the fresh one remain.
    assert_eq!(
        sessions_become(&app, 2).await,
        2,
        "abusive sessions were cleaned up"
    );

    eprintln!(
        "abuse: {total_frames} frames from {ABUSERS} abusers over {} connections, closes \
         {closes:?}, hang-ups {}; editing took {editing_took:?}; total {:?}",
        reports.iter().map(|r| r.connections).sum::<usize>(),
        reports.iter().map(|r| r.hang_ups).sum::<usize>(),
        started.elapsed()
    );
}

#[actix_web::test]
async fn a_connection_that_keeps_sending_past_the_rate_limit_is_told_then_closed_4429() {
    let app = spawn_app_with(|a| {
        a.ws_rate_burst = Some("5".into());
        a.ws_rate_per_sec = Some("1".into());
        a.ws_rate_close_after = Some("20".into());
    })
    .await;
    let mut ws = app.ws("ada").await;
    for i in 0..30 {
        ws.send(json!({ "type": "ping", "requestId": format!("p{i}") }))
            .await;
    }
    // The burst is served...
    for i in 0..5 {
        let pong = ws.next_json().await;
        assert_eq!(pong["type"], "pong", "{pong}");
        assert_eq!(pong["requestId"], format!("p{i}"));
    }
    // ...then each message is refused with how long to wait, until the server gives up.
    let mut limited = 0;
    let (code, reason) = loop {
        match ws.next().await {
            Received::Json(v) => {
                assert_eq!(
                    (v["type"].as_str(), v["code"].as_str()),
                    (Some("error"), Some("rate_limited")),
                    "message {} after the burst of 5 was not rate limited: {v}",
                    limited + 1
                );
                let wait = v["retryAfterMs"].as_u64().unwrap_or(0);
                assert!(wait > 0 && wait <= 1000, "retryAfterMs at 1/s: {v}");
                limited += 1;
            }
            Received::Close(code, reason) => break (code, reason),
            Received::Ended => panic!("the stream ended without a close frame"),
        }
    };
    assert_eq!((code, reason.as_str()), (Some(4429), "rate limited"));
    assert!(
        (19..=20).contains(&limited),
        "closed after the 20th limited message in a row, having told {limited}"
    );
    assert_eq!(sessions_become(&app, 0).await, 0);

    // A client that waits as told is served again, and is never closed.
    let mut patient = app.ws("ada").await;
    let mut told_to_wait = 0;
    for i in 0..9 {
        let id = format!("q{i}");
        patient
            .send(json!({ "type": "ping", "requestId": id }))
            .await;
        let v = patient.next_json().await;
        if v["type"] == "pong" {
            assert_eq!(v["requestId"], id);
            continue;
        }
        assert_eq!(v["code"], "rate_limited", "{v}");
        let wait = v["retryAfterMs"].as_u64().unwrap_or(0);
        assert!(wait > 0 && wait <= 1000, "{v}");
        told_to_wait += 1;
        sleep(Duration::from_millis(wait)).await;
        patient
            .send(json!({ "type": "ping", "requestId": id }))
            .await;
        let v = patient.next_json().await;
        assert_eq!(v["type"], "pong", "after waiting retryAfterMs: {v}");
        assert_eq!(v["requestId"], id);
    }
    assert!(
        told_to_wait >= 3,
        "the limit applied to the patient client too"
    );
    patient.expect_silence(200).await;
    assert_eq!(app.registry_stats().await.sessions, 1, "still connected");
}

#[actix_web::test]
async fn invalid_utf8_text_is_closed_1007_whole_or_fragmented_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "UTF-8").await;
    app.add_member(&plan, "ada", "bob", "viewer").await;
    let mut bob = app.ws("bob").await;
    bob.join(&plan, None).await;
    let mut ada_tab = app.ws("ada").await;
    ada_tab.join(&plan, None).await;
    bob.expect_type("user-joined").await;

    // A second connection of Ada's, joined, sends one text frame that is not UTF-8.
    let raw = RawWs::open(app.port, &app.token("ada")).await;
    raw.send(&text(&format!(
        r#"{{"type":"join-plan","planId":"{plan}"}}"#
    )))
    .await
    .expect("send");
    raw.wait_for_frame("joined").await;
    raw.send(&frame(
        FIN | TEXT,
        b"{\"type\":\"ping\",\"requestId\":\"\xff\xfe\"}",
    ))
    .await
    .expect("send");
    // RFC 6455 §7.4.1: 1007 (invalid frame payload data), not 1002. actix's codec refuses
    // the frame before the session sees its text; the session tells that refusal apart.
    assert_eq!(
        raw.expect_close().await,
        (Some(1007), "invalid UTF-8".to_string())
    );
    assert!(
        !raw.inbox
            .borrow()
            .frames
            .iter()
            .any(|v| v["type"] == "pong"),
        "nothing of the bad frame was acted on"
    );

    // Split over fragments, the session reassembles then checks: 1007 `invalid UTF-8`.
    let raw = RawWs::open(app.port, &app.token("ada")).await;
    let mut bad = frame(TEXT, b"{\"type\":\"ping\",\"requestId\":\"");
    bad.extend(frame(FIN | CONTINUATION, b"\xc3\x28\"}"));
    raw.send(&bad).await.expect("send");
    assert_eq!(
        raw.expect_close().await,
        (Some(1007), "invalid UTF-8".to_string())
    );

    // A character split between two fragments is valid UTF-8 once whole, and is served.
    let raw = RawWs::open(app.port, &app.token("ada")).await;
    let mut split = frame(TEXT, b"{\"type\":\"ping\",\"requestId\":\"caf\xc3");
    split.extend(frame(FIN | CONTINUATION, b"\xa9\"}"));
    raw.send(&split).await.expect("send");
    assert_eq!(raw.wait_for_frame("pong").await["requestId"], "café");
    drop(raw);

    // Nothing else was affected: Ada's other tab and Bob stay, and get the next events.
    assert_eq!(sessions_become(&app, 2).await, 2);
    bob.expect_silence(200).await; // no user-left: Ada is still there in her other tab
    app.create_task(&plan, "ada", "still here").await;
    for ws in [&mut bob, &mut ada_tab] {
        let created = ws.expect_type("task-created").await;
        assert_eq!(created["seq"], 2, "member-added 1, then these");
        assert_eq!(ws.expect_type("progress-updated").await["seq"], 3);
    }
    let health = app.request("GET", "/healthz", None, None, &[]).await;
    assert_eq!(health.status, 200);
    let mut fresh = app.ws("ada").await;
    fresh
        .send(json!({ "type": "ping", "requestId": "ok" }))
        .await;
    assert_eq!(fresh.next_json().await["requestId"], "ok");
}

#[actix_web::test]
async fn each_protocol_violation_closes_only_the_offending_connection_with_its_code() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Rules").await;
    let mut ada = app.ws("ada").await;
    ada.join(&plan, None).await;
    let ping = br#"{"type":"ping"}"#;
    let mut fragment_flood = frame(TEXT, b"[");
    for _ in 0..20 {
        fragment_flood.extend(frame(CONTINUATION, &[b'1'; 4000]));
    }
    let mut text_in_fragments = frame(TEXT, b"{\"type\":");
    text_in_fragments.extend(text(r#"{"type":"ping"}"#));
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "unknown opcode 3",
            frame(FIN | 3, ping),
            1002,
            "protocol error",
        ),
        (
            "unknown opcode 0xB",
            frame(FIN | 0xB, ping),
            1002,
            "protocol error",
        ),
        (
            "continuation without a start",
            frame(FIN | CONTINUATION, ping),
            1002,
            "protocol error",
        ),
        (
            "unfinished continuation without a start",
            frame(CONTINUATION, ping),
            1002,
            "protocol error",
        ),
        (
            "ping of 126 bytes",
            frame(FIN | PING, &[7; 126]),
            1002,
            "protocol error",
        ),
        (
            "close of 200 bytes",
            frame(FIN | CLOSE, &close_payload(1000, &"x".repeat(198))),
            1002,
            "protocol error",
        ),
        (
            "unmasked text",
            frame_with(FIN | TEXT, ping, None, LengthForm::Shortest),
            1002,
            "protocol error",
        ),
        (
            "RSV1 set",
            frame(FIN | RSV1 | TEXT, ping),
            1002,
            "protocol error",
        ),
        (
            "a new message inside a fragmented one",
            text_in_fragments,
            1002,
            "protocol error",
        ),
        ("fragmented ping", frame(PING, b"x"), 1002, "protocol error"),
        (
            "close with code 1005",
            frame(FIN | CLOSE, &close_payload(1005, "")),
            1002,
            "protocol error",
        ),
        (
            "close with a 1-byte payload",
            frame(FIN | CLOSE, &[3]),
            1002,
            "protocol error",
        ),
        (
            "unfinished fragment flood",
            fragment_flood,
            1009,
            "message too big",
        ),
        (
            "text over 64 KiB",
            frame(FIN | TEXT, &vec![b' '; MAX_MESSAGE + 1]),
            1009,
            "message too big",
        ),
        (
            "64-bit length with the top bit set",
            header_claiming(FIN | TEXT, u64::MAX),
            1009,
            "message too big",
        ),
        (
            "a valid close",
            frame(FIN | CLOSE, &close_payload(4000, "bye")),
            1000,
            "normal",
        ),
    ];
    // All at once, each on its own connection; each closed with its code, and the TCP
    // stream ended by the server too.
    let app = &app;
    let closes = futures_util::future::join_all(cases.into_iter().map(
        |(what, bytes, code, reason)| async move {
            let raw = RawWs::open(app.port, &app.token("ada")).await;
            let _ = raw.send(&bytes).await;
            let got = raw.expect_close().await;
            (what, got, (Some(code), reason.to_string()))
        },
    ))
    .await;
    for (what, got, expected) in closes {
        assert_eq!(got, expected, "{what}");
    }
    // Ada's well-behaved connection never noticed.
    assert_eq!(sessions_become(app, 1).await, 1);
    ada.send(json!({ "type": "ping", "requestId": "fine" }))
        .await;
    assert_eq!(ada.next_json().await["requestId"], "fine");
    app.create_task(&plan, "ada", "x").await;
    assert_eq!(ada.expect_type("task-created").await["seq"], 1);
}

/// Resident memory of this process (server included), in MiB; Linux only.
fn resident_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? / 1024)
}

#[actix_web::test]
async fn a_frame_announcing_a_terabyte_is_closed_1009_before_its_payload_is_buffered() {
    // The limit is the default 64 KiB; the header alone says the frame is over it.
    let app = spawn_app().await;
    let mut bystander = app.ws("bob").await;
    let raw = RawWs::open(app.port, &app.token("ada")).await;
    raw.send(&header_claiming(FIN | TEXT, 1 << 40))
        .await
        .expect("send the header");
    // Then the announced payload, 1 MiB at a time, up to 64 MiB (1024 times the limit).
    let before = resident_mib();
    let chunk = vec![b' '; 1 << 20];
    let mut sent_mib = 0;
    while sent_mib < 64 && !raw.is_closed() {
        if raw.send(&chunk).await.is_err() {
            break; // the server hung up
        }
        sent_mib += 1;
    }
    raw.wait_up_to(Duration::from_secs(1), |i| i.close.is_some() || i.ended)
        .await;
    let close = raw.inbox.borrow().close.clone();
    assert_eq!(
        close,
        Some((Some(1009), "message too big".to_string())),
        "the server took {sent_mib} MiB of a frame announcing 1 TiB (limit 64 KiB) without \
         closing the connection; this process's resident memory went from {before:?} to \
         {:?} MiB",
        resident_mib()
    );
    drop(raw);
    // Others are served throughout.
    bystander
        .send(json!({ "type": "ping", "requestId": "b" }))
        .await;
    assert_eq!(bystander.next_json().await["requestId"], "b");
}
