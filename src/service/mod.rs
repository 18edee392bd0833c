//! What each REST mutation does to the database, as one transaction that writes the
//! change and its events together, and what must happen after the commit (publishing).
//!
//! Functions here are plain and synchronous over `&mut DbConnection`; they run inside
//! [`commit`] (writes) or `Database::read`/`snapshot` (reads), never on an event loop.
//! They answer [`ApiError`]: here the database's answers become the client's, as the
//! access check ([`require_role`]: a stranger gets the plan's 404, too low a role 403),
//! what a missing row means (`plan not found`, `task not found`, a version conflict), and
//! that an archived plan takes no change ([`EventWriter::begin`]: 409 `archived`).

pub mod board;
pub mod columns;
pub mod comments;
pub mod members;
pub mod plans;
pub mod sprints;
pub mod task_filters;
pub mod tasks;

use actix::Addr;
use chrono::NaiveDateTime;

use crate::db::events::{self, StoredEvent};
use crate::db::{plans as plan_rows, DbConnection, DbError};
use crate::error::ApiError;
use crate::model::{now, Role, UserRef};
use crate::realtime::messages::{
    AfterPublish, EvictFromPlan, Exclusion, PublishEvents, PublishToPlan, SendToUser,
};
use crate::realtime::registry::Registry;
use crate::state::AppState;
use crate::wire::PlanEvent;

/// A `wire::PersonalNotice`'s frame and the user it is for.
#[derive(Debug, Clone)]
pub struct UserNotice {
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
    pub notices: Vec<UserNotice>,
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

/// What a route addresses by its own id, not by its plan's: a task, a column, a comment
/// or a sprint. Such a route answers its resource's 404 both for a missing id and for one
/// on a plan the caller may not see, so that it tells a stranger nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Task,
    Column,
    Comment,
    Sprint,
}

impl Resource {
    /// The id's name in paths and messages.
    pub fn field(self) -> &'static str {
        match self {
            Resource::Task => "taskId",
            Resource::Column => "columnId",
            Resource::Comment => "commentId",
            Resource::Sprint => "sprintId",
        }
    }

    /// `task not found`, `column not found`, …
    pub fn not_found(self) -> ApiError {
        match self {
            Resource::Task => ApiError::task_not_found(),
            Resource::Column => ApiError::column_not_found(),
            Resource::Comment => ApiError::comment_not_found(),
            Resource::Sprint => ApiError::sprint_not_found(),
        }
    }

    /// The plan the resource belongs to, if it exists.
    fn plan_of(self, conn: &mut DbConnection, id: &str) -> Result<Option<String>, DbError> {
        match self {
            Resource::Task => crate::db::tasks::plan_of(conn, id),
            Resource::Column => crate::db::columns::plan_of(conn, id),
            Resource::Comment => crate::db::comments::plan_of(conn, id),
            Resource::Sprint => crate::db::sprints::plan_of(conn, id),
        }
    }

    /// For a route addressed by this resource's id, "no such plan" is "no such task"
    /// (column, comment, sprint).
    pub fn hide_plan(self, e: ApiError) -> ApiError {
        match e {
            ApiError::NotFound(_) => self.not_found(),
            other => other,
        }
    }
}

/// Who may start a mutation. [`commit`] checks it with plain reads before the plan's
/// write lock is taken (the PostgreSQL row lock, SQLite's one writer), so that a stranger
/// or a viewer is refused without waiting for the plan's writers or holding them up;
/// [`EventWriter::begin`] checks the role again under the lock, since it may change while
/// a writer waits.
#[derive(Debug, Clone)]
pub struct Access {
    user_id: String,
    scope: Scope,
}

#[derive(Debug, Clone)]
enum Scope {
    /// Nothing to check (creating a plan).
    AnyUser,
    /// At least `min` on the plan; otherwise the plan's 404, or 403.
    Plan { plan_id: String, min: Role },
    /// At least `min` on the plan of the task, column, comment or sprint `id`; a missing
    /// one, or one on a plan the caller may not see, is that resource's 404.
    Within {
        resource: Resource,
        id: String,
        min: Role,
    },
}

impl Access {
    /// Any signed-in user may make the change.
    pub fn any_user(user_id: &str) -> Access {
        Access {
            user_id: user_id.to_string(),
            scope: Scope::AnyUser,
        }
    }

    /// The change needs `min` on the plan.
    pub fn plan(user_id: &str, plan_id: &str, min: Role) -> Access {
        Access {
            user_id: user_id.to_string(),
            scope: Scope::Plan {
                plan_id: plan_id.to_string(),
                min,
            },
        }
    }

    /// The change needs `min` on the plan of `resource` `id`.
    pub fn within(user_id: &str, resource: Resource, id: &str, min: Role) -> Access {
        Access {
            user_id: user_id.to_string(),
            scope: Scope::Within {
                resource,
                id: id.to_string(),
                min,
            },
        }
    }

    /// The check itself: reads only, no lock.
    fn check(&self, conn: &mut DbConnection) -> Result<(), ApiError> {
        match &self.scope {
            Scope::AnyUser => Ok(()),
            Scope::Plan { plan_id, min } => {
                require_role(conn, plan_id, &self.user_id, *min)?;
                Ok(())
            }
            Scope::Within { resource, id, min } => {
                crate::validate::id(resource.field(), id)?;
                let plan_id = resource
                    .plan_of(conn, id)?
                    .ok_or_else(|| resource.not_found())?;
                require_role(conn, &plan_id, &self.user_id, *min)
                    .map_err(|e| resource.hide_plan(e))?;
                Ok(())
            }
        }
    }
}

/// The access check behind every route: succeeds with the user's role when it is at least
/// `min` on the plan. A non-member gets the same 404 as for a plan that does not exist
/// (or is deleted); a member with too low a role gets 403.
pub fn require_role(
    conn: &mut DbConnection,
    plan_id: &str,
    user_id: &str,
    min: Role,
) -> Result<Role, ApiError> {
    match crate::db::members::role_of(conn, plan_id, user_id)? {
        None => Err(ApiError::plan_not_found()),
        Some(role) if role < min => Err(ApiError::Forbidden(format!(
            "this needs the {} role on the plan; you are {}",
            min.as_str(),
            role.as_str()
        ))),
        Some(role) => Ok(role),
    }
}

/// For a write on a plan, a plan row that is not there (deleted meanwhile) means the plan
/// is not found.
fn plan_gone(err: DbError) -> ApiError {
    match err {
        DbError::NotFound => ApiError::plan_not_found(),
        other => other.into(),
    }
}

/// Collects the events of one transaction on one plan.
pub struct EventWriter<'a> {
    plan_id: &'a str,
    actor: &'a UserRef,
    /// The actor's role on the plan, read under the lock.
    role: Role,
    /// When the plan was archived, read under the lock (`None`: it is not).
    archived_at: Option<NaiveDateTime>,
    events: Vec<StoredEvent>,
}

impl<'a> EventWriter<'a> {
    /// Locks the plan for writing (see `plans::lock_for_write`) and checks the actor's
    /// role under the lock, then that the plan is not archived (409 `archived`: an
    /// archived plan is read-only). Every mutation starts here, after [`commit`] checked
    /// its [`Access`] without the lock.
    pub fn begin(
        conn: &mut DbConnection,
        plan_id: &'a str,
        actor: &'a UserRef,
        min_role: Role,
    ) -> Result<EventWriter<'a>, ApiError> {
        let writer = Self::begin_even_if_archived(conn, plan_id, actor, min_role)?;
        if writer.archived_at.is_some() {
            return Err(ApiError::Archived);
        }
        Ok(writer)
    }

    /// As [`EventWriter::begin`], on an archived plan too: for the changes an archived
    /// plan still takes (archiving it again, restoring it, deleting it).
    pub fn begin_even_if_archived(
        conn: &mut DbConnection,
        plan_id: &'a str,
        actor: &'a UserRef,
        min_role: Role,
    ) -> Result<EventWriter<'a>, ApiError> {
        let archived_at = plan_rows::lock_for_write(conn, plan_id).map_err(plan_gone)?;
        let role = require_role(conn, plan_id, &actor.id, min_role)?;
        Ok(EventWriter {
            plan_id,
            actor,
            role,
            archived_at,
            events: Vec::new(),
        })
    }

    /// When the plan was archived (`None`: it is not), as read under the lock.
    pub fn archived_at(&self) -> Option<NaiveDateTime> {
        self.archived_at
    }

    /// The actor's role on the plan (at least the `min_role` of [`EventWriter::begin`]).
    pub fn role(&self) -> Role {
        self.role
    }

    /// Numbers the event with the plan's next seq and stores its frame.
    pub fn emit(&mut self, conn: &mut DbConnection, event: PlanEvent<'_>) -> Result<(), ApiError> {
        let seq = plan_rows::next_seq(conn, self.plan_id).map_err(plan_gone)?;
        let created_at = now();
        let payload = event.frame(self.plan_id, seq, self.actor, created_at)?;
        let stored = events::store(
            conn,
            self.plan_id,
            seq,
            event.event_type(),
            payload,
            created_at,
        )?;
        self.events.push(stored);
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

/// Checks `access` with plain reads, then runs a mutation in one transaction and, right
/// after the commit, hands its events to the plan's room and its notices to their users.
pub async fn commit<T, F>(
    state: &AppState,
    exclude: Option<Exclusion>,
    access: Access,
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
        .write_then(
            move |conn| access.check(conn),
            f,
            move |outcome| {
                metrics.events_committed.inc_by(outcome.events.len() as u64);
                publish(&registry, outcome, exclude)
            },
        )
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
