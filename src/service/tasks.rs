//! Tasks: create, edit (with optimistic concurrency), move, delete, reorder, progress.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::board::{self, column_in_plan};
use super::{EventWriter, Outcome, Resource, UserNotice};
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::json::double_option;
use crate::limits::{self, Limit};
use crate::model::{now, parse_time, Priority, Progress, Role, Stamps, Task, TaskStatus, UserRef};
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
    /// The column it starts in (at its end); default: the first column of `status`'s
    /// category. With both, `status` must be the column's category.
    #[serde(default)]
    pub column_id: Option<String>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub labels: Option<Vec<String>>,
    /// Into a column at its WIP limit: owners only.
    #[serde(default)]
    pub force: bool,
    /// A sprint of the plan that is not completed; absent or `null`: the backlog.
    #[serde(default)]
    pub sprint_id: Option<String>,
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
    #[serde(default)]
    pub priority: Option<Priority>,
    /// The whole new list.
    #[serde(default)]
    pub labels: Option<Vec<String>>,
    /// A sprint of the plan that is not completed; `null`: the backlog.
    #[serde(default, deserialize_with = "double_option")]
    pub sprint_id: Option<Option<String>>,
}

/// `POST /api/tasks/{taskId}/move`: to `columnId` at `position` (beyond its end: at its
/// end), in one transaction and one `task-moved`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Move {
    pub column_id: String,
    pub position: i64,
    /// The version the client last saw (alternative to `If-Match`); else 409.
    #[serde(default)]
    pub version: Option<i64>,
    /// Into a column at its WIP limit: owners only.
    #[serde(default)]
    pub force: bool,
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

pub(super) fn progress(conn: &mut DbConnection, plan_id: &str) -> Result<Progress, ApiError> {
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
    let labels = board::labels(input.labels.unwrap_or_default())?;
    let mut events = EventWriter::begin(conn, plan_id, actor, Role::Editor)?;
    limits::check(
        Limit::TasksPerPlan,
        db::tasks::count(conn, plan_id)?,
        max_tasks,
    )?;
    if let Some(assignee) = &input.assignee_id {
        check_assignee(conn, plan_id, assignee)?;
    }
    if let Some(sprint) = &input.sprint_id {
        super::sprints::open_in_plan(conn, plan_id, sprint, "sprintId")?;
    }
    let column = match &input.column_id {
        Some(id) => {
            let column = column_in_plan(conn, plan_id, id, "columnId")?;
            if input.status.is_some_and(|s| s != column.category) {
                return Err(ApiError::bad_field(
                    "status",
                    "differs from the column's category",
                ));
            }
            column
        }
        None => board::first_of_category(conn, plan_id, input.status.unwrap_or(TaskStatus::Todo))?,
    };
    board::check_wip(conn, &column, events.role(), input.force)?;
    let t = now();
    let task = Task {
        id: uuid::Uuid::new_v4().to_string(),
        plan_id: plan_id.to_string(),
        title,
        description,
        status: column.category,
        assignee_id: input.assignee_id,
        due_at,
        position: db::tasks::count_in_column(conn, &column.id)?,
        version: 1,
        created_by: actor.id.clone(),
        stamps: Stamps::new(t),
        column_id: column.id,
        priority: input.priority.unwrap_or_default(),
        labels,
        sprint_id: input.sprint_id,
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
    super::require_role(conn, &task.plan_id, user_id, Role::Viewer)
        .map_err(|e| Resource::Task.hide_plan(e))?;
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
    note_change(&mut changes, "priority", &before.priority, &after.priority);
    note_change(&mut changes, "labels", &before.labels, &after.labels);
    note_change(
        &mut changes,
        "sprintId",
        &before.sprint_id,
        &after.sprint_id,
    );
    note_change(
        &mut changes,
        "columnId",
        &before.column_id,
        &after.column_id,
    );
    note_change(&mut changes, "position", &before.position, &after.position);
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
    let labels = patch.labels.map(board::labels).transpose()?;
    let plan_id = db::tasks::plan_of(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    let mut events = EventWriter::begin(conn, &plan_id, actor, Role::Editor)
        .map_err(|e| Resource::Task.hide_plan(e))?;
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
    if let Some(a) = patch.assignee_id {
        after.assignee_id = a;
    }
    if let Some(d) = due_at {
        after.due_at = d;
    }
    if let Some(p) = patch.priority {
        after.priority = p;
    }
    if let Some(l) = labels {
        after.labels = l;
    }
    // Into a sprint that is open; staying in a completed one is no change.
    if let Some(sprint) = patch.sprint_id.filter(|s| *s != before.sprint_id) {
        if let Some(id) = &sprint {
            super::sprints::open_in_plan(conn, &plan_id, id, "sprintId")?;
        }
        after.sprint_id = sprint;
    }
    // A new status is a move to the end of the first column of that category.
    if let Some(status) = patch.status.filter(|s| *s != before.status) {
        let target = board::first_of_category(conn, &plan_id, status)?;
        board::check_wip(conn, &target, events.role(), false)?;
        board::take_out(conn, &before)?;
        after.column_id = target.id.clone();
        after.position = board::put_in(conn, &target, i64::MAX)?;
        after.status = status;
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
    let mut events = EventWriter::begin(conn, &plan_id, actor, Role::Editor)
        .map_err(|e| Resource::Task.hide_plan(e))?;
    let task = db::tasks::find(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    db::tasks::delete(conn, task_id)?;
    board::take_out(conn, &task)?;
    events.emit(conn, PlanEvent::TaskDeleted { task_id })?;
    let progress = progress(conn, &plan_id)?;
    events.emit(conn, PlanEvent::ProgressUpdated(&progress))?;
    Ok(events.finish(()))
}

/// The board order of the whole plan (`POST …/tasks/reorder`, contract §2): each
/// column's tasks take the order in which the list names them (columns do not change; a
/// task changes column with [`move_task`]). Answers the board order that results.
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
    let current = db::tasks::list(conn, plan_id)?;
    let wanted: HashSet<&String> = input.task_ids.iter().collect();
    let have: HashSet<&String> = current.iter().map(|t| &t.id).collect();
    if wanted.len() != input.task_ids.len() || wanted != have {
        return Err(ApiError::bad_field(
            "taskIds",
            &format!(
                "must list each of the plan's {} tasks exactly once",
                current.len()
            ),
        ));
    }
    let by_id: HashMap<&str, &Task> = current.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut next: HashMap<&str, i64> = HashMap::new();
    let mut moved = false;
    // Positions are board order, not task content: a reorder bumps no version, so it
    // never makes someone's edit conflict.
    for id in &input.task_ids {
        let Some(task) = by_id.get(id.as_str()) else {
            continue;
        };
        let slot = next.entry(task.column_id.as_str()).or_insert(0);
        if task.position != *slot {
            db::tasks::set_position(conn, id, *slot)?;
            moved = true;
        }
        *slot += 1;
    }
    let order = Reorder {
        task_ids: db::tasks::ids_in_order(conn, plan_id)?,
    };
    if !moved {
        return Ok(Outcome::quiet(plan_id, order));
    }
    events.emit(
        conn,
        PlanEvent::TaskReordered {
            task_ids: &order.task_ids,
        },
    )?;
    Ok(events.finish(order))
}

/// Moves a task to a column and a place in it: one transaction, one `task-moved` (and
/// `progress-updated` when its status changes). A move to another column bumps the
/// version; a move within the column does not (like a reorder). The same place → no event.
pub fn move_task(
    conn: &mut DbConnection,
    actor: &UserRef,
    task_id: &str,
    input: Move,
    expected_version: Option<i64>,
) -> Result<Outcome<Task>, ApiError> {
    validate::id("taskId", task_id)?;
    if input.position < 0 {
        return Err(ApiError::bad_field("position", "must be 0 or more"));
    }
    let plan_id = db::tasks::plan_of(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    let mut events = EventWriter::begin(conn, &plan_id, actor, Role::Editor)
        .map_err(|e| Resource::Task.hide_plan(e))?;
    let before = db::tasks::find(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    if expected_version.is_some_and(|v| v != before.version) {
        return Err(ApiError::Conflict {
            current: Box::new(before),
        });
    }
    let target = column_in_plan(conn, &plan_id, &input.column_id, "columnId")?;
    let after = if target.id == before.column_id {
        let last = db::tasks::count_in_column(conn, &target.id)? - 1;
        if input.position.min(last) == before.position {
            return Ok(Outcome::quiet(&plan_id, before));
        }
        board::take_out(conn, &before)?;
        let mut after = before.clone();
        // The task's own row still counts in the column: its end is `last`.
        after.position = board::put_in(conn, &target, input.position.min(last))?;
        board::record_move(conn, &mut events, &before, &after)?;
        after
    } else {
        board::check_wip(conn, &target, events.role(), input.force)?;
        board::move_to_column(conn, &mut events, &before, &target, input.position)?
    };
    if before.status != after.status {
        let progress = progress(conn, &plan_id)?;
        events.emit(conn, PlanEvent::ProgressUpdated(&progress))?;
    }
    Ok(events.finish(after))
}
