//! `protocol::decode` on the client frames a server sees most: `ping`, `typing`,
//! `join-plan` with `since` and `requestId`, `presence`, and a refused one.
//!
//! `cargo bench --bench decode`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use liveplan::realtime::protocol::decode;

const FRAMES: &[(&str, &str, bool)] = &[
    ("ping", r#"{"type":"ping","requestId":"r-17"}"#, true),
    (
        "typing",
        r#"{"type":"typing","planId":"34860a1e-a6fa-43a5-8c4c-4db22a1153c6","taskId":"90032d91-be5a-4389-b272-71251fbc6d37","isTyping":true}"#,
        true,
    ),
    (
        "join_plan_since_request_id",
        r#"{"type":"join-plan","planId":"34860a1e-a6fa-43a5-8c4c-4db22a1153c6","since":12,"requestId":"join-1"}"#,
        true,
    ),
    ("presence", r#"{"type":"presence","status":"away"}"#, true),
    // A known type with a field missing: the decoder names it and echoes the requestId.
    (
        "invalid_missing_field",
        r#"{"type":"typing","planId":"34860a1e-a6fa-43a5-8c4c-4db22a1153c6","requestId":"x"}"#,
        false,
    ),
];

fn bench_decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for &(name, frame, ok) in FRAMES {
        assert_eq!(decode(frame).is_ok(), ok, "{name}: {frame}");
        group.throughput(Throughput::Elements(1));
        group.bench_function(name, |b| b.iter(|| decode(black_box(frame))));
    }
    group.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);
