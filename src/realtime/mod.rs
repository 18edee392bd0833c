//! Live delivery: the actors and the WebSocket protocol.
//!
//! - [`session::WsSession`]: one per WebSocket connection: socket I/O, token lifetime,
//!   heartbeat, the per-plan view (joining/live, last seq written).
//! - [`room::RoomActor`]: one per plan with someone in it: ordered fan-out of committed
//!   events (serialised once), presence, typing.
//! - [`registry::Registry`]: one per process: starts rooms, stops idle ones, knows each
//!   user's sessions.
//! - [`frame_guard`]: refuses an oversized incoming frame by its header.
//! - [`outbound`]: each connection's bounded outbound queue (slow consumers, 1008);
//!   [`metered_body`]: the session's body stream, where bytes leave that queue.
//! - [`messages`]: the typed messages between them; [`protocol`]: the wire format.
//!
//! # Who owns what, and what crosses between them
//!
//! ```text
//!   REST handlers, after the commit: PublishToPlan, EvictFromPlan, SendToUser,
//!   PlanParticipants (GET …/presence)
//!        │
//!        ▼
//!   ┌───────────┐ JoinRoom, LeaveRoom, PublishEvents, ┌─────────────┐ one per plan in use:
//!   │ Registry  │ EvictUser, StopIfIdle, GetParticip. │ RoomActor   │ connections, presence,
//!   │ rooms,    │ ───────────────────────────────────▶│             │ seq order (pending),
//!   │ sessions, │ ◀──────── RoomEmptied, RoomClosed ── │             │ outbox
//!   │ by user   │                                     └─────────────┘
//!   └───────────┘                                       │ Deliver (a shared Batch),
//!     ▲     │ Deliver (personal notices),               │ CloseConnection (1008)
//!     │     │ CloseConnection (shutdown)                ▼
//!     │     ▼        ┌───────────────────────────────────────────────┐
//!     └──────────────│ WsSession: one per connection: socket I/O,    │ RelayTyping,
//!  RegisterSession,  │ token expiry, heartbeat, each plan's state    │ SetPresence
//!  UnregisterSession,│ (joining / catching up / live, last seq);     │ ──▶ its rooms
//!  JoinPlanRoom,     │ database reads: membership, snapshot, replay  │
//!  LeavePlanRoom     └───────────────────────────────────────────────┘
//! ```
//!
//! Each actor's state is its own: the registry alone starts and stops rooms and knows the
//! sessions; a room alone knows its participants and what it has handed out; a session
//! alone knows what it wrote. They share only [`outbound::Outbound`], a connection's queue
//! counters (atomics: senders count in, the session and its body stream count out).

pub mod frame_guard;
pub mod messages;
pub mod metered_body;
pub mod outbound;
pub mod protocol;
pub mod registry;
pub mod room;
pub mod session;

/// Mailbox capacity for the registry and rooms: large enough that `send` never waits in
/// practice (a waiting `send` could be overtaken by a later `do_send` from the same
/// sender). actix refuses capacities near `usize::MAX`.
pub const UNBOUNDED_MAILBOX: usize = 1 << 24;
