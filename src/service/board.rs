//! Where tasks sit on a plan's board, and the rules that keep it consistent: every
//! column's positions are dense (0..n-1), a task's status is its column's category, a
//! column at its WIP limit takes no more tasks (unless an owner forces it).
//!
//! Every change of place goes through [`take_out`] and [`put_in`], so a client that
//! applies the events with the same two rules (docs/protocol.md §6.1, "Replaying the
//! board") holds the same board as the database.

use super::EventWriter;
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::model::{now, Column, Role, Task, TaskStatus};
use crate::validate;
use crate::wire::{Place, PlanEvent};

/// How many labels a task may have, and how long each may be.
pub const MAX_LABELS: usize = 20;
pub const MAX_LABEL: usize = 40;

/// A column of `plan_id`, by id; a column of another plan is as missing as one that does
/// not exist.
pub fn column_in_plan(
    conn: &mut DbConnection,
    plan_id: &str,
    column_id: &str,
    field: &str,
) -> Result<Column, ApiError> {
    validate::id(field, column_id)?;
    match db::columns::find(conn, column_id)? {
        Some(column) if column.plan_id == plan_id => Ok(column),
        _ => Err(ApiError::column_not_found()),
    }
}

/// The first column (in board order) of a category: where a task goes when only its
/// status is given.
pub fn first_of_category(
    conn: &mut DbConnection,
    plan_id: &str,
    category: TaskStatus,
) -> Result<Column, ApiError> {
    db::columns::list(conn, plan_id)?
        .into_iter()
        .find(|c| c.category == category)
        .ok_or_else(|| ApiError::Internal(format!("plan {plan_id} has no {category:?} column")))
}

/// Refuses a task entering `column` when it already holds `wipLimit` tasks, unless the
/// actor is an owner who asked to `force` it.
pub fn check_wip(
    conn: &mut DbConnection,
    column: &Column,
    actor_role: Role,
    force: bool,
) -> Result<(), ApiError> {
    let Some(limit) = column.wip_limit else {
        return Ok(());
    };
    let count = db::tasks::count_in_column(conn, &column.id)?;
    if count < limit {
        return Ok(());
    }
    if force && actor_role == Role::Owner {
        return Ok(());
    }
    let hint = if force {
        "only an owner may force it"
    } else {
        "an owner may send \"force\": true"
    };
    Err(ApiError::WipLimit(format!(
        "column \"{}\" is at its WIP limit of {limit}; {hint}",
        column.name
    )))
}

/// Takes a task out of its column: the tasks after it move up by one.
pub fn take_out(conn: &mut DbConnection, task: &Task) -> Result<(), ApiError> {
    db::tasks::shift(conn, &task.column_id, task.position + 1, -1)?;
    Ok(())
}

/// Makes room at `position` in `column` (clamped to 0..=len, where len counts the tasks
/// in it now) and answers the position taken. The caller then stores the task there.
pub fn put_in(conn: &mut DbConnection, column: &Column, position: i64) -> Result<i64, ApiError> {
    let len = db::tasks::count_in_column(conn, &column.id)?;
    let position = position.clamp(0, len);
    db::tasks::shift(conn, &column.id, position, 1)?;
    Ok(position)
}

/// Stores a task at its new place and records the `task-moved` from where `before` was.
pub fn record_move(
    conn: &mut DbConnection,
    events: &mut EventWriter<'_>,
    before: &Task,
    after: &Task,
) -> Result<(), ApiError> {
    db::tasks::save(conn, after)?;
    events.emit(
        conn,
        PlanEvent::TaskMoved {
            task: after,
            from: Place {
                column_id: &before.column_id,
                position: before.position,
            },
            to: Place {
                column_id: &after.column_id,
                position: after.position,
            },
        },
    )
}

/// Moves a task into another column, at `position` (clamped to its end): its status
/// becomes the column's category and its version goes up (a column is task content).
/// Stores it and records its `task-moved`; answers the task as stored.
pub fn move_to_column(
    conn: &mut DbConnection,
    events: &mut EventWriter<'_>,
    before: &Task,
    target: &Column,
    position: i64,
) -> Result<Task, ApiError> {
    take_out(conn, before)?;
    let mut after = before.clone();
    after.position = put_in(conn, target, position)?;
    after.column_id = target.id.clone();
    after.status = target.category;
    after.version += 1;
    after.stamps.updated_at = now();
    record_move(conn, events, before, &after)?;
    Ok(after)
}

/// Checks and cleans a task's labels: at most [`MAX_LABELS`], each a single line of 1 to
/// [`MAX_LABEL`] characters (trimmed); duplicates are dropped, the order kept.
pub fn labels(input: Vec<String>) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::with_capacity(input.len());
    for label in input {
        let clean = validate::title("labels", &label, MAX_LABEL)?;
        if !out.contains(&clean) {
            out.push(clean);
        }
    }
    if out.len() > MAX_LABELS {
        return Err(ApiError::bad_field(
            "labels",
            &format!("at most {MAX_LABELS} labels"),
        ));
    }
    Ok(out)
}
