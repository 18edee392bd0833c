//! A plan's sprints (contract §6.1): list, create, change, start, complete. A sprint goes
//! planned → active → completed, never back; a plan has at most one active sprint (checked
//! under the plan's write lock, so two starts cannot both pass). Completing one carries its
//! unfinished tasks over to another sprint or to the backlog, in the same transaction.
//! Every change needs the editor role. A lifecycle step that does not fit the sprint's
//! status is 409 `conflict` ([`ApiError::StateConflict`]).

use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{EventWriter, Outcome, Resource};
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::json::double_option;
use crate::limits::{self, Limit, MAX_SPRINTS_PER_PLAN};
use crate::model::{
    now, parse_time, Role, Sprint, SprintCompletion, SprintStatus, Task, TaskStatus, UserRef,
};
use crate::validate;
use crate::wire::PlanEvent;

/// How long a sprint's name may be.
pub const MAX_SPRINT_NAME: usize = 100;
/// How long a sprint's goal may be.
pub const MAX_GOAL: usize = 1_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewSprint {
    pub name: String,
    #[serde(default)]
    pub goal: Option<String>,
    /// RFC 3339, any offset; stored as UTC.
    #[serde(default)]
    #[schema(format = DateTime)]
    pub starts_at: Option<String>,
    /// RFC 3339, any offset; not before `startsAt`.
    #[serde(default)]
    #[schema(format = DateTime)]
    pub ends_at: Option<String>,
}

/// A PATCH body: absent fields stay; `null` clears `goal`, `startsAt`, `endsAt`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SprintPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub goal: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<Option<String>>,
}

/// `POST /api/sprints/{sprintId}/complete`: where the sprint's unfinished tasks go.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CarryOver {
    /// Another planned sprint of the plan, or `null`: the backlog. Required, so that
    /// nobody empties a sprint into the backlog by leaving it out.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, required = true)]
    pub carry_over_to: Option<Option<String>>,
}

/// A sprint of `plan_id`, by id; a sprint of another plan is as missing as one that does
/// not exist.
pub fn in_plan(
    conn: &mut DbConnection,
    plan_id: &str,
    sprint_id: &str,
    field: &str,
) -> Result<Sprint, ApiError> {
    validate::id(field, sprint_id)?;
    match db::sprints::find(conn, sprint_id)? {
        Some(sprint) if sprint.plan_id == plan_id => Ok(sprint),
        _ => Err(ApiError::sprint_not_found()),
    }
}

/// A sprint that tasks may join (a task's `sprintId`, a completion's `carryOverTo`): one
/// of `plan_id` (else 404 `sprint not found`) that is not completed (else 400 naming
/// `field`).
pub fn open_in_plan(
    conn: &mut DbConnection,
    plan_id: &str,
    sprint_id: &str,
    field: &str,
) -> Result<Sprint, ApiError> {
    let sprint = in_plan(conn, plan_id, sprint_id, field)?;
    if sprint.status == SprintStatus::Completed {
        return Err(ApiError::bad_field(
            field,
            &format!("sprint \"{}\" is completed", sprint.name),
        ));
    }
    Ok(sprint)
}

fn goal(value: &str) -> Result<String, ApiError> {
    validate::text("goal", value, MAX_GOAL)
}

fn date(field: &str, value: &str) -> Result<NaiveDateTime, ApiError> {
    parse_time(value).ok_or_else(|| ApiError::bad_field(field, "must be an RFC 3339 timestamp"))
}

/// `endsAt` must not come before `startsAt`; the message names `field`, the one the
/// request changed.
fn check_dates(sprint: &Sprint, field: &str) -> Result<(), ApiError> {
    match (sprint.starts_at, sprint.ends_at) {
        (Some(starts), Some(ends)) if ends < starts => Err(ApiError::bad_field(
            field,
            if field == "startsAt" {
                "must not be after endsAt"
            } else {
                "must not be before startsAt"
            },
        )),
        _ => Ok(()),
    }
}

/// When a new sprint of the plan is created: now, or just after the plan's newest sprint
/// when that is not earlier (two within one millisecond, a clock stepped back), so that
/// creation times are strictly increasing per plan and ordering by them is creation order.
fn creation_time(conn: &mut DbConnection, plan_id: &str) -> Result<NaiveDateTime, ApiError> {
    let t = now();
    Ok(match db::sprints::newest_created_at(conn, plan_id)? {
        Some(newest) if newest >= t => newest + chrono::Duration::milliseconds(1),
        _ => t,
    })
}

/// The plan of a sprint addressed by id, locked for writing with the actor's role checked.
fn begin<'a>(
    conn: &mut DbConnection,
    plan_id: &'a str,
    actor: &'a UserRef,
) -> Result<EventWriter<'a>, ApiError> {
    EventWriter::begin(conn, plan_id, actor, Role::Editor)
        .map_err(|e| Resource::Sprint.hide_plan(e))
}

/// The sprint, read under the plan's lock.
fn current(conn: &mut DbConnection, sprint_id: &str) -> Result<Sprint, ApiError> {
    db::sprints::find(conn, sprint_id)?.ok_or_else(ApiError::sprint_not_found)
}

fn plan_of(conn: &mut DbConnection, sprint_id: &str) -> Result<String, ApiError> {
    db::sprints::plan_of(conn, sprint_id)?.ok_or_else(ApiError::sprint_not_found)
}

/// The plan's sprints, in creation order.
pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    plan_id: &str,
) -> Result<Vec<Sprint>, ApiError> {
    super::require_role(conn, plan_id, user_id, Role::Viewer)?;
    Ok(db::sprints::list(conn, plan_id)?)
}

/// Creates a planned sprint. A plan holds at most [`MAX_SPRINTS_PER_PLAN`].
pub fn create(
    conn: &mut DbConnection,
    actor: &UserRef,
    plan_id: &str,
    input: NewSprint,
) -> Result<Outcome<Sprint>, ApiError> {
    let mut sprint = Sprint {
        id: uuid::Uuid::new_v4().to_string(),
        plan_id: plan_id.to_string(),
        name: validate::title("name", &input.name, MAX_SPRINT_NAME)?,
        goal: input.goal.as_deref().map(goal).transpose()?,
        status: SprintStatus::Planned,
        starts_at: None,
        ends_at: None,
        started_at: None,
        completed_at: None,
    };
    sprint.starts_at = input
        .starts_at
        .as_deref()
        .map(|d| date("startsAt", d))
        .transpose()?;
    sprint.ends_at = input
        .ends_at
        .as_deref()
        .map(|d| date("endsAt", d))
        .transpose()?;
    check_dates(&sprint, "endsAt")?;
    let mut events = EventWriter::begin(conn, plan_id, actor, Role::Editor)?;
    limits::check(
        Limit::SprintsPerPlan,
        db::sprints::count(conn, plan_id)?,
        MAX_SPRINTS_PER_PLAN,
    )?;
    let at = creation_time(conn, plan_id)?;
    db::sprints::insert(conn, &sprint, at)?;
    events.emit(conn, PlanEvent::SprintCreated { sprint: &sprint })?;
    Ok(events.finish(sprint))
}

/// Changes a planned or active sprint's name, goal or dates; a completed sprint is 409.
pub fn update(
    conn: &mut DbConnection,
    actor: &UserRef,
    sprint_id: &str,
    patch: SprintPatch,
) -> Result<Outcome<Sprint>, ApiError> {
    let name = patch
        .name
        .as_deref()
        .map(|n| validate::title("name", n, MAX_SPRINT_NAME))
        .transpose()?;
    let new_goal = patch
        .goal
        .map(|g| g.as_deref().map(goal).transpose())
        .transpose()?;
    let starts_at = patch
        .starts_at
        .map(|d| d.as_deref().map(|d| date("startsAt", d)).transpose())
        .transpose()?;
    let ends_at = patch
        .ends_at
        .map(|d| d.as_deref().map(|d| date("endsAt", d)).transpose())
        .transpose()?;
    let plan_id = plan_of(conn, sprint_id)?;
    let mut events = begin(conn, &plan_id, actor)?;
    let before = current(conn, sprint_id)?;
    if before.status == SprintStatus::Completed {
        return Err(ApiError::StateConflict(format!(
            "sprint \"{}\" is completed: a completed sprint does not change",
            before.name
        )));
    }
    let mut after = before.clone();
    if let Some(n) = name {
        after.name = n;
    }
    if let Some(g) = new_goal {
        after.goal = g;
    }
    let dates_field = if ends_at.is_some() {
        "endsAt"
    } else {
        "startsAt"
    };
    if let Some(d) = starts_at {
        after.starts_at = d;
    }
    if let Some(d) = ends_at {
        after.ends_at = d;
    }
    check_dates(&after, dates_field)?;
    if after == before {
        return Ok(Outcome::quiet(&plan_id, before));
    }
    db::sprints::save(conn, &after, now())?;
    events.emit(conn, PlanEvent::SprintUpdated { sprint: &after })?;
    Ok(events.finish(after))
}

/// Starts a planned sprint (`startedAt` = now) while no other sprint of the plan is active.
pub fn start(
    conn: &mut DbConnection,
    actor: &UserRef,
    sprint_id: &str,
) -> Result<Outcome<Sprint>, ApiError> {
    let plan_id = plan_of(conn, sprint_id)?;
    let mut events = begin(conn, &plan_id, actor)?;
    let before = current(conn, sprint_id)?;
    match before.status {
        SprintStatus::Planned => {}
        SprintStatus::Active => {
            return Err(ApiError::StateConflict(format!(
                "sprint \"{}\" is already active",
                before.name
            )))
        }
        SprintStatus::Completed => {
            return Err(ApiError::StateConflict(format!(
                "sprint \"{}\" is completed: it cannot start again",
                before.name
            )))
        }
    }
    if let Some(active) = db::sprints::active(conn, &plan_id)? {
        return Err(ApiError::StateConflict(format!(
            "sprint \"{}\" ({}) is active: a plan has at most one active sprint; complete it first",
            active.name, active.id
        )));
    }
    let t = now();
    let mut sprint = before;
    sprint.status = SprintStatus::Active;
    sprint.started_at = Some(t);
    db::sprints::save(conn, &sprint, t)?;
    events.emit(conn, PlanEvent::SprintStarted { sprint: &sprint })?;
    Ok(events.finish(sprint))
}

/// Completes the active sprint (`completedAt` = now). Its done tasks stay in it; each
/// unfinished one (status not `done`) moves to `carryOverTo` or the backlog as an edit of
/// its `sprintId` (version + 1, one `task-updated` each, in board order); then
/// `sprint-completed` with the counts.
pub fn complete(
    conn: &mut DbConnection,
    actor: &UserRef,
    sprint_id: &str,
    input: CarryOver,
) -> Result<Outcome<SprintCompletion>, ApiError> {
    let Some(carry_over_to) = input.carry_over_to else {
        return Err(ApiError::bad_field(
            "carryOverTo",
            "required: the sprint that takes the unfinished tasks, or null for the backlog",
        ));
    };
    if let Some(id) = &carry_over_to {
        validate::id("carryOverTo", id)?;
    }
    let plan_id = plan_of(conn, sprint_id)?;
    let mut events = begin(conn, &plan_id, actor)?;
    let before = current(conn, sprint_id)?;
    match before.status {
        SprintStatus::Active => {}
        SprintStatus::Planned => {
            return Err(ApiError::StateConflict(format!(
                "sprint \"{}\" is planned: start it before completing it",
                before.name
            )))
        }
        SprintStatus::Completed => {
            return Err(ApiError::StateConflict(format!(
                "sprint \"{}\" is already completed",
                before.name
            )))
        }
    }
    let target = match carry_over_to {
        Some(id) if id == before.id => {
            return Err(ApiError::bad_field(
                "carryOverTo",
                "must be another sprint (or null for the backlog)",
            ))
        }
        Some(id) => Some(open_in_plan(conn, &plan_id, &id, "carryOverTo")?.id),
        None => None,
    };
    let (mut done, mut carried_over) = (0, 0);
    for task in db::sprints::tasks_of(conn, sprint_id)? {
        if task.status == TaskStatus::Done {
            done += 1;
            continue;
        }
        let after = Task {
            sprint_id: target.clone(),
            ..task.clone()
        };
        if super::tasks::save_edit(conn, &mut events, &task, after)?.is_some() {
            carried_over += 1;
        }
    }
    let t = now();
    let mut sprint = before;
    sprint.status = SprintStatus::Completed;
    sprint.completed_at = Some(t);
    db::sprints::save(conn, &sprint, t)?;
    let completion = SprintCompletion {
        sprint,
        done,
        carried_over,
    };
    events.emit(conn, PlanEvent::SprintCompleted(&completion))?;
    Ok(events.finish(completion))
}
