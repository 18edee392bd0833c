//! liveplan: a real-time collaboration server for task plans and Kanban boards.
//!
//! Clients change plans over REST; every change is stored with a numbered event in one
//! transaction and pushed at once over WebSocket to everyone in the plan's room, in order,
//! each once, with resume after a reconnect (`since`). The wire protocol is
//! `docs/protocol.md`.
//!
//! # Layout
//! - [`startup`]: `Application::build` wires settings, database, keys, registry, routes.
//! - [`config`]: settings from environment variables and flags, one table row per setting.
//! - [`startup_error`]: `StartupError`, why `serve` or `token` could not start.
//! - [`error`]: `ApiError`, the one error type at the boundary, and its codes.
//! - [`auth`]: JWT verification, the dev-mode secret, the `AuthUser` extractor.
//! - [`db`]: diesel over SQLite or PostgreSQL; pool, migrations, query functions, and
//!   `DbError`; it knows nothing of HTTP.
//! - [`service`]: each mutation as one transaction (change + events), then publish; the
//!   access checks, and what a missing row means for the client.
//! - [`routes`]: HTTP handlers, one module per resource, and the WebSocket upgrade; the
//!   route table, the checked path ids, `Reader`/`Change` extractors, the one mutation
//!   response, and the OpenAPI document built from the handlers (`routes::openapi`).
//! - [`realtime`]: the actors: `WsSession` (a connection), `RoomActor` (a plan's fan-out
//!   and presence), `Registry` (rooms' lifecycle, users' sessions); client messages,
//!   session replies and close codes (`realtime::protocol`).
//! - [`wire`]: the frames the server writes: `PlanEvent` (stored), `Notice` and
//!   `PersonalNotice` (never stored), and the one encoder.
//! - [`json`]: the JSON body extractor (size limit, errors that name the field).
//! - [`limits`]: the caps per user, plan and connection, and the names refusals count under.
//! - [`logging`]: env_logger with every token redacted and every line kept one line.
//! - [`metrics`]: the Prometheus metrics behind `GET /metrics`.
//! - [`model`]: the contract's shapes (Plan, Task, Member, …).
//! - [`origin`]: the `Origin` allow-list (WebSocket hijacking, CORS).
//! - [`rate_limit`]: token buckets for WebSocket messages, REST calls and WebSocket
//!   upgrades per source address.
//! - [`reminders`]: the due-date reminder sweep.
//! - [`retention`]: the background pruning of old events.
//! - [`state`]: `AppState`, what every handler and session shares.
//! - [`validate`]: the input checks shared by REST and WebSocket (ids, text fields).
//! - [`cli`]: the `liveplan` command line (`serve`, `token`).
//!
//! The load tool and the terminal watcher are clients, not part of the server: the
//! workspace member `crates/liveplan-load` (binary `liveplan-load`, commands `load` and
//! `watch`), which speaks only the wire protocol.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod json;
pub mod limits;
pub mod logging;
pub mod metrics;
pub mod model;
pub mod origin;
pub mod rate_limit;
pub mod realtime;
pub mod reminders;
pub mod retention;
pub mod routes;
pub mod service;
pub mod startup;
pub mod startup_error;
pub mod state;
pub mod validate;
pub mod wire;
