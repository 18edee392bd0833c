//! What each REST mutation does to the database, as one transaction that writes the
//! change and its events together, and what must happen after the commit (publishing).
//!
//! Functions here are plain and synchronous over `&mut DbConnection`; they run inside
//! [`commit`] (writes) or `Database::read`/`snapshot` (reads), never on an event loop.

pub mod comments;
pub mod members;
pub mod plans;
pub mod tasks;

use actix::Addr;
use serde::Serialize;

use crate::db::events::{self, StoredEvent};
use crate::db::{plans as plan_rows, DbConnection};
use crate::error::ApiError;
use crate::model::{Role, UserRef};
use crate::realtime::messages::{
    AfterPublish, EvictFromPlan, Exclusion, PublishEvents, PublishToPlan, SendToUser,
};
use crate::realtime::registry::Registry;
use crate::state::AppState;

/// A notice for every connection of one user (e.g. `task-assigned`).
#[derive(Debug, Clone)]
pub struct PersonalNotice {
    pub user_id: String,
    pub frame: String,
}

/// What the plan's room must do besides handing out the events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomEffect {
    None,
    /// The user lost access: their connections leave the room at once.
    Evict {
        user_id: String,
    },
    /// The plan is gone: deliver the last event, then close the room.
    Close,
}

/// The result of a mutation, with the events it stored.
#[derive(Debug)]
pub struct Outcome<T> {
    pub value: T,
    pub plan_id: String,
    pub events: Vec<StoredEvent>,
    pub notices: Vec<PersonalNotice>,
    pub room: RoomEffect,
}

impl<T> Outcome<T> {
    /// A change that produced no event (e.g. a PATCH that changed nothing).
    pub fn quiet(plan_id: &str, value: T) -> Self {
        Outcome {
            value,
            plan_id: plan_id.to_string(),
            events: Vec::new(),
            notices: Vec::new(),
            room: RoomEffect::None,
        }
    }

    /// The seq of the last event, for `X-Plan-Seq`.
    pub fn last_seq(&self) -> Option<i64> {
        self.events.last().map(|e| e.seq)
    }
}

/// Collects the events of one transaction on one plan.
pub struct EventWriter<'a> {
    plan_id: &'a str,
    actor: &'a UserRef,
    events: Vec<StoredEvent>,
}

impl<'a> EventWriter<'a> {
    /// Locks the plan for writing (see `plans::lock_for_write`) and checks the actor's
    /// role. Every mutation starts here.
    pub fn begin(
        conn: &mut DbConnection,
        plan_id: &'a str,
        actor: &'a UserRef,
        min_role: Role,
    ) -> Result<EventWriter<'a>, ApiError> {
        plan_rows::lock_for_write(conn, plan_id)?;
        crate::db::members::require_role(conn, plan_id, &actor.id, min_role)?;
        Ok(EventWriter {
            plan_id,
            actor,
            events: Vec::new(),
        })
    }

    pub fn emit<D: Serialize>(
        &mut self,
        conn: &mut DbConnection,
        event_type: &str,
        data: &D,
    ) -> Result<(), ApiError> {
        let event = events::append(conn, self.plan_id, self.actor, event_type, data)?;
        self.events.push(event);
        Ok(())
    }

    pub fn finish<T>(self, value: T) -> Outcome<T> {
        Outcome {
            value,
            plan_id: self.plan_id.to_string(),
            events: self.events,
            notices: Vec::new(),
            room: RoomEffect::None,
        }
    }
}

/// Runs a mutation in one transaction and, right after the commit, hands its events to
/// the plan's room and its notices to their users.
pub async fn commit<T, F>(
    state: &AppState,
    exclude: Option<Exclusion>,
    f: F,
) -> Result<Outcome<T>, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<Outcome<T>, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let registry = state.registry.clone();
    let metrics = state.metrics.clone();
    let result = state
        .db
        .write_then(f, move |outcome| {
            metrics.events_committed.inc_by(outcome.events.len() as u64);
            publish(&registry, outcome, exclude)
        })
        .await;
    if let Err(ApiError::LimitReached { limit, .. }) = &result {
        state.metrics.limit_refused(*limit);
    }
    result
}

fn publish<T>(registry: &Addr<Registry>, outcome: &Outcome<T>, exclude: Option<Exclusion>) {
    if let RoomEffect::Evict { user_id } = &outcome.room {
        registry.do_send(EvictFromPlan {
            plan_id: outcome.plan_id.clone(),
            user_id: user_id.clone(),
        });
    }
    let close = outcome.room == RoomEffect::Close;
    if !outcome.events.is_empty() || close {
        registry.do_send(PublishToPlan {
            plan_id: outcome.plan_id.clone(),
            publish: PublishEvents {
                events: outcome
                    .events
                    .iter()
                    .map(|e| (e.seq, e.payload.clone().into()))
                    .collect(),
                exclude: exclude.clone(),
                after: if close {
                    AfterPublish::CloseRoom
                } else {
                    AfterPublish::Nothing
                },
                committed_at: Some(std::time::Instant::now()),
            },
        });
    }
    for notice in &outcome.notices {
        registry.do_send(SendToUser {
            user_id: notice.user_id.clone(),
            frame: notice.frame.clone().into(),
            exclude: exclude.clone(),
        });
    }
}
