//! liveplan-load: clients of a liveplan server, for load and for a look at the wire.
//!
//! Everything here talks to a running server over HTTP and WebSocket only, as any client
//! would: this crate does not depend on the server crate, and the few wire shapes it needs
//! are copied, typed from the protocol (`docs/protocol.md`), into [`wire`].
//!
//! # Layout
//! - [`cli`]: the `liveplan-load` command line (`load`, `watch`), one dispatch `match`.
//! - [`load`]: `liveplan-load load`, the load tool (N clients; REST events or typing at a
//!   rate; latency, loss and order as one JSON line), against liveplan or a Socket.IO peer.
//! - [`watch`]: `liveplan-load watch`, joins a plan and prints every frame, resuming after
//!   disconnects.
//! - [`wire`]: the wire shapes the tools send and read.

pub mod cli;
pub mod load;
pub mod watch;
pub mod wire;
