//! One integration test binary: the real server, a real HTTP client, a real WebSocket
//! client. Each test gets its own server and database.

// A failed unwrap in a test is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// The shared test helpers this crate uses (`tests/common/`, see its README.md).
#[path = "../common"]
mod common {
    pub mod database;
    pub mod http;
    pub mod in_process;
    pub mod process;
    pub mod raw_ws;
    pub mod stalled;
    pub mod tokens;
    pub mod ws;
}

mod abuse;
mod helpers;
mod schema;
mod shapes;

mod archive;
mod auth;
mod board;
mod columns;
mod comments;
mod dev_mode;
mod errors;
mod events;
mod limits;
mod logs;
mod members;
mod monitoring;
mod openapi;
mod plans;
mod realtime;
mod reminders;
mod retention;
mod roles;
mod slow;
mod sprints;
mod task_filters;
mod tasks;
mod tokens;
mod write_lock;
