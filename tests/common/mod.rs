//! Helpers shared by the integration test crates (`tests/*.rs` and `tests/api/`): the real
//! `liveplan` binary as a child process ([`process`]), a throwaway database ([`database`]),
//! the rule for tests that cannot run on this machine ([`ci`]),
//! the server in-process with test settings ([`in_process`]), HTTP / WebSocket client
//! builders ([`http`]), a WebSocket frame reader ([`ws`]), a client that stops reading ([`stalled`]) and token
//! minting ([`tokens`]).
//!
//! Each test crate includes it with `mod common;` (`tests/api` with a `#[path]`), so it is
//! compiled once per crate; not every crate uses every helper.

#![allow(dead_code)]

pub mod ci;
pub mod database;
pub mod http;
pub mod in_process;
pub mod process;
pub mod raw_ws;
pub mod stalled;
pub mod tokens;
pub mod ws;
