//! One integration test binary: the real server, a real HTTP client, a real WebSocket
//! client. Each test gets its own server and database.

mod helpers;

mod auth;
mod events;
mod realtime;
mod rest;
