//! Tasks: create, edit (with optimistic concurrency), delete, reorder, progress.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::comments::hide_plan;
use super::{EventWriter, Outcome, UserNotice};
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::json::double_option;
use crate::limits::{self, Limit};
use crate::model::{now, parse_time, Progress, Role, Stamps, Task, TaskStatus, UserRef};
use crate::validate;
use crate::wire::{PersonalNotice, PlanEvent, TaskChanges};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewTask {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub status: Option<TaskStatus>,
    #[serde(default)]
    pub assignee_id: Option<String>,
    /// RFC 3339, any offset; stored as UTC.
    #[serde(default)]
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
}

/// A PATCH body: absent fields stay; `null` clears the nullable ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
    #[serde(default)]
    pub status: Option<TaskStatus>,
    #[serde(default, deserialize_with = "double_option")]
    pub assignee_id: Option<Option<String>>,
    /// RFC 3339, any offset; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Option<String>>,
    /// The version the client last saw (alternative to `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reorder {
    pub task_ids: Vec<String>,
}

fn parse_due(value: &str) -> Result<chrono::NaiveDateTime, ApiError> {
    parse_time(value).ok_or_else(|| ApiError::bad_field("dueAt", "must be an RFC 3339 timestamp"))
}

/// An assignee must be a member of the plan.
fn check_assignee(conn: &mut DbConnection, plan_id: &str, assignee: &str) -> Result<(), ApiError> {
    validate::id("assigneeId", assignee)?;
    if db::members::role_of(conn, plan_id, assignee)?.is_none() {
        return Err(ApiError::bad_field(
            "assigneeId",
            "is not a member of the plan",
        ));
    }
    Ok(())
}

fn progress(conn: &mut DbConnection, plan_id: &str) -> Result<Progress, ApiError> {
    Ok(Progress::from_counts(
        plan_id,
        db::tasks::status_counts(conn, plan_id)?,
    ))
}

fn assigned_notice(task: &Task, actor: &UserRef) -> Option<UserNotice> {
    let user_id = task.assignee_id.clone()?;
    Some(UserNotice {
        user_id,
        frame: PersonalNotice::TaskAssigned {
            plan_id: &task.plan_id,
            task,
            actor,
        }
        .to_json(),
    })
}

/// Creates a task at the end of the board. A plan holds at most `max_tasks` tasks
/// (counted under the plan's write lock).
pub fn create(
    conn: &mut DbConnection,
    actor: &UserRef,
    plan_id: &str,
    input: NewTask,
    max_tasks: i64,
) -> Result<Outcome<Task>, ApiError> {
    let (title, description) =
        validate::title_and_description(&input.title, input.description.as_deref())?;
    let due_at = input.due_at.as_deref().map(parse_due).transpose()?;
    let mut events = EventWriter::begin(conn, plan_id, actor, Role::Editor)?;
    limits::check(
        Limit::TasksPerPlan,
        db::tasks::count(conn, plan_id)?,
        max_tasks,
    )?;
    if let Some(assignee) = &input.assignee_id {
        check_assignee(conn, plan_id, assignee)?;
    }
    let t = now();
    let task = Task {
        id: uuid::Uuid::new_v4().to_string(),
        plan_id: plan_id.to_string(),
        title,
        description,
        status: input.status.unwrap_or(TaskStatus::Todo),
        assignee_id: input.assignee_id,
        due_at,
        position: db::tasks::next_position(conn, plan_id)?,
        version: 1,
        created_by: actor.id.clone(),
        stamps: Stamps::new(t),
    };
    db::tasks::insert(conn, &task)?;
    events.emit(conn, PlanEvent::TaskCreated { task: &task })?;
    let progress = progress(conn, plan_id)?;
    events.emit(conn, PlanEvent::ProgressUpdated(&progress))?;
    let notice = assigned_notice(&task, actor);
    let mut outcome = events.finish(task);
    outcome.notices.extend(notice);
    Ok(outcome)
}

pub fn get(conn: &mut DbConnection, user_id: &str, task_id: &str) -> Result<Task, ApiError> {
    validate::id("taskId", task_id)?;
    let task = db::tasks::find(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    super::require_role(conn, &task.plan_id, user_id, Role::Viewer).map_err(hide_plan)?;
    Ok(task)
}

pub fn list(conn: &mut DbConnection, user_id: &str, plan_id: &str) -> Result<Vec<Task>, ApiError> {
    super::require_role(conn, plan_id, user_id, Role::Viewer)?;
    Ok(db::tasks::list(conn, plan_id)?)
}

pub fn plan_progress(
    conn: &mut DbConnection,
    user_id: &str,
    plan_id: &str,
) -> Result<Progress, ApiError> {
    super::require_role(conn, plan_id, user_id, Role::Viewer)?;
    progress(conn, plan_id)
}

/// Records `field: {from, to}` when the value changed.
fn note_change<T: Serialize + PartialEq>(changes: &mut TaskChanges, field: &str, from: &T, to: &T) {
    if from != to {
        changes.insert(field.to_string(), json!({ "from": from, "to": to }));
    }
}

/// What changed from `before` to `after`, field by field: `task-updated`'s `changes`.
fn changes_between(before: &Task, after: &Task) -> TaskChanges {
    let mut changes = TaskChanges::new();
    note_change(&mut changes, "title", &before.title, &after.title);
    note_change(
        &mut changes,
        "description",
        &before.description,
        &after.description,
    );
    note_change(&mut changes, "status", &before.status, &after.status);
    note_change(
        &mut changes,
        "assigneeId",
        &before.assignee_id,
        &after.assignee_id,
    );
    note_change(
        &mut changes,
        "dueAt",
        &before.due_at.map(crate::model::format_time),
        &after.due_at.map(crate::model::format_time),
    );
    changes
}

/// Stores an edited task as its next version and records its `task-updated`. Answers the
/// task as stored, or `None` when no field changed (nothing is written then).
pub(super) fn save_edit(
    conn: &mut DbConnection,
    events: &mut EventWriter<'_>,
    before: &Task,
    mut after: Task,
) -> Result<Option<Task>, ApiError> {
    let changes = changes_between(before, &after);
    if changes.is_empty() {
        return Ok(None);
    }
    after.version = before.version + 1;
    after.stamps.updated_at = now();
    db::tasks::save(conn, &after)?;
    events.emit(
        conn,
        PlanEvent::TaskUpdated {
            task: &after,
            changes: &changes,
        },
    )?;
    Ok(Some(after))
}

pub fn update(
    conn: &mut DbConnection,
    actor: &UserRef,
    task_id: &str,
    patch: TaskPatch,
    expected_version: Option<i64>,
) -> Result<Outcome<Task>, ApiError> {
    validate::id("taskId", task_id)?;
    let (title, description) = validate::title_and_description_patch(
        patch.title.as_deref(),
        patch.description.as_ref().map(Option::as_deref),
    )?;
    let due_at = patch
        .due_at
        .map(|d| d.as_deref().map(parse_due).transpose())
        .transpose()?;
    let plan_id = db::tasks::plan_of(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    let mut events = EventWriter::begin(conn, &plan_id, actor, Role::Editor).map_err(hide_plan)?;
    // Read under the plan's lock: nobody else changes the task until we commit.
    let before = db::tasks::find(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    if expected_version.is_some_and(|v| v != before.version) {
        return Err(ApiError::Conflict {
            current: Box::new(before),
        });
    }
    if let Some(Some(assignee)) = &patch.assignee_id {
        check_assignee(conn, &plan_id, assignee)?;
    }
    let mut after = before.clone();
    if let Some(t) = title {
        after.title = t;
    }
    if let Some(d) = description {
        after.description = d;
    }
    if let Some(s) = patch.status {
        after.status = s;
    }
    if let Some(a) = patch.assignee_id {
        after.assignee_id = a;
    }
    if let Some(d) = due_at {
        after.due_at = d;
    }
    let Some(after) = save_edit(conn, &mut events, &before, after)? else {
        return Ok(Outcome::quiet(&plan_id, before));
    };
    if before.status != after.status {
        let progress = progress(conn, &plan_id)?;
        events.emit(conn, PlanEvent::ProgressUpdated(&progress))?;
    }
    let notice = if before.assignee_id != after.assignee_id {
        assigned_notice(&after, actor)
    } else {
        None
    };
    let mut outcome = events.finish(after);
    outcome.notices.extend(notice);
    Ok(outcome)
}

pub fn delete(
    conn: &mut DbConnection,
    actor: &UserRef,
    task_id: &str,
) -> Result<Outcome<()>, ApiError> {
    validate::id("taskId", task_id)?;
    let plan_id = db::tasks::plan_of(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    let mut events = EventWriter::begin(conn, &plan_id, actor, Role::Editor).map_err(hide_plan)?;
    db::tasks::plan_of(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    db::tasks::delete(conn, task_id)?;
    events.emit(conn, PlanEvent::TaskDeleted { task_id })?;
    let progress = progress(conn, &plan_id)?;
    events.emit(conn, PlanEvent::ProgressUpdated(&progress))?;
    Ok(events.finish(()))
}

pub fn reorder(
    conn: &mut DbConnection,
    actor: &UserRef,
    plan_id: &str,
    input: Reorder,
) -> Result<Outcome<Reorder>, ApiError> {
    for id in &input.task_ids {
        validate::id("taskIds", id)?;
    }
    let mut events = EventWriter::begin(conn, plan_id, actor, Role::Editor)?;
    let current = db::tasks::ids_in_order(conn, plan_id)?;
    let wanted: HashSet<&String> = input.task_ids.iter().collect();
    let have: HashSet<&String> = current.iter().collect();
    if wanted.len() != input.task_ids.len() || wanted != have {
        return Err(ApiError::bad_field(
            "taskIds",
            &format!(
                "must list each of the plan's {} tasks exactly once",
                current.len()
            ),
        ));
    }
    if current == input.task_ids {
        return Ok(Outcome::quiet(plan_id, input));
    }
    // Positions are board order, not task content: moving a card does not bump its
    // version, so a reorder never makes someone's edit conflict.
    for (position, id) in input.task_ids.iter().enumerate() {
        db::tasks::set_position(conn, id, position as i64)?;
    }
    events.emit(
        conn,
        PlanEvent::TaskReordered {
            task_ids: &input.task_ids,
        },
    )?;
    Ok(events.finish(input))
}
