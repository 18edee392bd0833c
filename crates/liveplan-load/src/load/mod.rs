//! `liveplan-load load`: a load tool to point at a running server (liveplan, or a Socket.IO peer
//! for comparison).
//!
//! One run: set up (liveplan: mint tokens with the server's secret, create `--plans` plans,
//! add the members), connect N WebSocket clients, join client i to plan i % plans (Socket.IO:
//! room `<room>-<p>`, or `<room>` for one), then for `--duration` drive load at `--rate` per
//! second, send k going to plan k % plans:
//!
//! - `events`: REST mutations (liveplan: `PATCH /api/tasks/{id}` changing the title;
//!   Socket.IO peer: `POST /mutate`), each answered with its plan's seq; every client must
//!   receive every event of its plan, in seq order, with no gap. Latency = receipt − the
//!   event's `timestamp`.
//! - `typing`: one extra connection, joined to every plan, sends `typing` with `taskId`
//!   `t-<n>-<send µs>`, `n` counting per plan; every other client must receive every relay
//!   of its plan, `n` in order with no gap. Latency = receipt − the embedded send time.
//!
//! After a drain (`--drain`, 2 s), one JSON line goes to stdout and a summary to stderr
//! (see `report.rs`). Clients run as tasks on `--threads` actix systems (one per thread);
//! the orchestration, the writers and the typing sender run on the calling thread's own
//! system. Phases are handed to the client threads through atomics.

mod args;
mod clients;
mod drive;
mod liveplan;
mod proto;
mod report;
mod rest;
mod socket;
mod socketio;

pub use args::{LoadArgs, Mode, Target};
pub use report::{read_rss_kb, Errors, Histogram, Report};

use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use actix_rt::System;
use awc::ws::Message;
use futures_util::SinkExt;

use args::Plan;
use clients::{worker, Shared, WorkerConfig, PHASE_JOIN, PHASE_REPORT};
use drive::{drive_events, drive_typing, join_sender, Driver};
use proto::{now_us, Incoming, Proto};
use socket::{http_client, next_text, open_ws};

pub fn run(args: LoadArgs) -> Result<(), String> {
    let plan = Plan::from_args(args)?;
    let system = System::new();
    let report = system.block_on(orchestrate(plan))?;
    emit(&report);
    Ok(())
}

#[allow(clippy::print_stdout)]
fn emit(report: &Report) {
    eprint!("{}", report.summary());
    println!("{}", report.to_json());
}

async fn orchestrate(plan: Plan) -> Result<Report, String> {
    let args = &plan.args;
    let base_url = args.url.trim_end_matches('/').to_string();
    let rest = http_client(None);
    let n = args.clients;
    let started = Instant::now();

    // Setup.
    let (proto, tokens, driver) = match args.target {
        Target::Liveplan => {
            let secret = args.jwt_secret.clone().unwrap_or_default();
            let ttl = 3600 + plan.duration.as_secs() as i64 + plan.drain.as_secs() as i64;
            let setup = liveplan::setup(&rest, &base_url, secret.as_bytes(), &plan, ttl).await?;
            let proto = Proto::Liveplan {
                plan_ids: Arc::from(setup.plan_ids),
            };
            let driver = match args.mode {
                Mode::Events => Driver::LiveplanEvents {
                    writer_token: setup.writer_token,
                    task_ids: setup.task_ids,
                },
                Mode::Typing => Driver::Typing {
                    url: liveplan::ws_url(&base_url, &setup.typer_token)?,
                },
            };
            (proto, setup.client_tokens, driver)
        }
        Target::Socketio => {
            let room = args
                .room
                .clone()
                .unwrap_or_else(|| format!("load-{}", uuid::Uuid::new_v4()));
            let rooms: Vec<String> = match args.plans {
                0 | 1 => vec![room],
                plans => (0..plans).map(|p| format!("{room}-{p}")).collect(),
            };
            let driver = match args.mode {
                Mode::Events => Driver::SocketIoEvents {
                    rooms: rooms.clone(),
                },
                Mode::Typing => Driver::Typing {
                    url: socketio::ws_url(&base_url)?,
                },
            };
            (
                Proto::SocketIo {
                    rooms: Arc::from(rooms),
                },
                vec![String::new(); n],
                driver,
            )
        }
    };
    eprintln!(
        "liveplan-load: set up in {:.1} s; connecting {n} clients",
        started.elapsed().as_secs_f64()
    );

    let rss_before = args.server_pid.and_then(read_rss_kb);

    // Connect.
    let shared = Arc::new(Shared::default());
    let threads = args.threads.min(n);
    let cfg = Arc::new(WorkerConfig {
        proto: proto.clone(),
        mode: args.mode,
        target: args.target,
        base_url: base_url.clone(),
        source_ips: plan.source_addresses(),
        connect_concurrency: args.connect_concurrency.div_ceil(threads),
    });
    let mut per_thread: Vec<Vec<(usize, String)>> = vec![Vec::new(); threads];
    for (i, token) in tokens.into_iter().enumerate() {
        per_thread[i % threads].push((i, token));
    }
    let (tx, rx) = mpsc::channel();
    let connect_start = Instant::now();
    let mut handles = Vec::new();
    for (t, clients) in per_thread.into_iter().enumerate() {
        let (cfg, shared, tx) = (cfg.clone(), shared.clone(), tx.clone());
        let handle = std::thread::Builder::new()
            .name(format!("load-clients-{t}"))
            .spawn(move || worker(clients, cfg, shared, tx))
            .map_err(|e| format!("cannot start a client thread: {e}"))?;
        handles.push(handle);
    }
    drop(tx);
    while shared.connected.load(Ordering::Acquire) + shared.connect_failed.load(Ordering::Acquire)
        < n
    {
        actix_rt::time::sleep(Duration::from_millis(1)).await;
    }
    let connect_ms = connect_start.elapsed().as_secs_f64() * 1000.0;
    let connected = shared.connected.load(Ordering::Acquire);
    eprintln!("liveplan-load: {connected} of {n} connected in {connect_ms:.0} ms; joining");

    // The typing sender connects now, and joins after everyone else.
    let mut own_errors = Errors::default();
    let sender = match &driver {
        Driver::Typing { url } => {
            let client = http_client(None);
            let mut socket = open_ws(client, url.clone()).await?;
            proto
                .handshake(&mut socket)
                .await
                .map_err(|e| format!("typing sender: {e}"))?;
            Some(socket)
        }
        _ => None,
    };

    // Join.
    let join_start = Instant::now();
    shared.phase.store(PHASE_JOIN, Ordering::Release);
    let join_deadline = join_start + Duration::from_secs(120) + Duration::from_millis(n as u64);
    loop {
        let done =
            shared.joined.load(Ordering::Acquire) + shared.join_failed.load(Ordering::Acquire);
        if done >= connected {
            break;
        }
        if Instant::now() > join_deadline {
            own_errors.add("join: not every client was answered in time");
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(1)).await;
    }
    let join_ms = join_start.elapsed().as_secs_f64() * 1000.0;
    let joined = shared.joined.load(Ordering::Acquire);
    eprintln!(
        "liveplan-load: {joined} joined in {join_ms:.0} ms; driving {} at {}/s over {} \
         plan(s) for {:?}",
        match args.mode {
            Mode::Events => "events",
            Mode::Typing => "typing",
        },
        args.rate,
        proto.plans(),
        plan.duration
    );
    let mut sender = match sender {
        Some(mut socket) => {
            join_sender(&proto, &mut socket)
                .await
                .map_err(|e| format!("typing sender: {e}"))?;
            Some(socket)
        }
        None => None,
    };

    // Drive.
    shared.window_start_us.store(now_us(), Ordering::Release);
    let outcome = match (&driver, sender.as_mut()) {
        (Driver::Typing { .. }, Some(socket)) => {
            drive_typing(socket, &proto, args.rate, plan.total_sends).await
        }
        (Driver::LiveplanEvents { .. } | Driver::SocketIoEvents { .. }, _) => {
            drive_events(&rest, &base_url, &driver, &plan).await
        }
        (Driver::Typing { .. }, None) => return Err("typing sender missing".into()),
    };
    let window_end = now_us();
    shared.window_end_us.store(window_end, Ordering::Release);
    let window_secs =
        (window_end - shared.window_start_us.load(Ordering::Acquire)) as f64 / 1_000_000.0;

    // Drain, then collect. The sender keeps answering pings meanwhile.
    match sender.as_mut() {
        Some(socket) => {
            let _ = actix_rt::time::timeout(plan.drain, async {
                while let Ok(text) = next_text(socket).await {
                    if let Incoming::Reply(r) = proto.classify(&text) {
                        let _ = socket.send(Message::Text(r.into())).await;
                    }
                }
                // Closed: wait out the drain all the same.
                std::future::pending::<()>().await
            })
            .await;
        }
        None => actix_rt::time::sleep(plan.drain).await,
    }
    let rss_after = args.server_pid.and_then(read_rss_kb);
    shared.phase.store(PHASE_REPORT, Ordering::Release);

    let mut report = Report {
        target: match args.target {
            Target::Liveplan => "liveplan".into(),
            Target::Socketio => "socketio".into(),
        },
        mode: match args.mode {
            Mode::Events => "events".into(),
            Mode::Typing => "typing".into(),
        },
        url: base_url.clone(),
        clients: n,
        plans: proto.plans(),
        threads,
        source_ips: plan.source_ips,
        rate: args.rate,
        duration_secs: plan.duration.as_secs_f64(),
        senders: match args.mode {
            Mode::Events => plan.writers,
            Mode::Typing => 1,
        },
        connected,
        joined,
        connect_ms,
        join_ms,
        sent: outcome.sent,
        send_secs: outcome.secs,
        window_secs,
        rate_limited: outcome.rate_limited,
        rss_before_kb: rss_before,
        rss_after_kb: rss_after,
        ..Report::default()
    };
    report.errors.merge(&own_errors);
    report.errors.merge(&outcome.errors);
    // Per plan: how many deliveries each of its joined clients should have had.
    let mut expected_per_plan = Vec::with_capacity(outcome.per_plan.len());
    for (p, sends) in outcome.per_plan.iter().enumerate() {
        expected_per_plan.push(match (args.mode, sends.min_seq, sends.max_seq) {
            (Mode::Events, Some(min), Some(max)) => {
                let span = max - min + 1;
                if span != sends.sent {
                    let which = match outcome.per_plan.len() {
                        1 => String::new(),
                        _ => format!("plan {p}: "),
                    };
                    report.errors.add(format!(
                        "events: {which}seqs {min}..={max} but {} answered mutations",
                        sends.sent
                    ));
                }
                span
            }
            (Mode::Events, _, _) => 0,
            (Mode::Typing, _, _) => sends.sent,
        });
    }

    let collect_deadline = Instant::now() + Duration::from_secs(30);
    let mut reports = 0;
    while reports < threads {
        match rx.try_recv() {
            Ok(w) => {
                reports += 1;
                report.latency.merge(&w.latency);
                report.deliveries += w.deliveries;
                report.deliveries_in_window += w.in_window;
                report.out_of_order += w.out_of_order;
                report.errors.merge(&w.errors);
                for (p, received) in &w.received_joined {
                    let expected = expected_per_plan.get(*p).copied().unwrap_or(0);
                    report.expected += expected;
                    report.lost += expected.saturating_sub(*received);
                }
            }
            Err(mpsc::TryRecvError::Empty) if Instant::now() < collect_deadline => {
                actix_rt::time::sleep(Duration::from_millis(5)).await;
            }
            Err(_) => return Err("a client thread did not report".into()),
        }
    }
    for handle in handles {
        let _ = handle.join();
    }
    Ok(report)
}
