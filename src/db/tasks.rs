//! Task rows. A task's `position` is its place inside its column, dense (0..n-1); board
//! order is the columns' order, then `position`.

use diesel::prelude::*;

use super::models::TaskRow;
use super::schema::{columns, tasks};
use super::{DbConnection, DbError};
use crate::model::{StatusCounts, Task, TaskStatus};

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Task>, DbError> {
    Ok(tasks::table
        .find(id)
        .select(TaskRow::as_select())
        .first(conn)
        .optional()?
        .map(Task::from))
}

/// The plan a task belongs to, if the task exists.
pub fn plan_of(conn: &mut DbConnection, id: &str) -> Result<Option<String>, DbError> {
    Ok(tasks::table
        .find(id)
        .select(tasks::plan_id)
        .first(conn)
        .optional()?)
}

/// The plan's tasks in board order.
pub fn list(conn: &mut DbConnection, plan_id: &str) -> Result<Vec<Task>, DbError> {
    in_board_order(conn, plan_id, None)
}

/// The plan's tasks assigned to `user_id`, in board order.
pub fn assigned_to(
    conn: &mut DbConnection,
    plan_id: &str,
    user_id: &str,
) -> Result<Vec<Task>, DbError> {
    in_board_order(conn, plan_id, Some(user_id))
}

/// The plan's tasks (only those assigned to `assignee`, when given) in board order.
fn in_board_order(
    conn: &mut DbConnection,
    plan_id: &str,
    assignee: Option<&str>,
) -> Result<Vec<Task>, DbError> {
    let mut query = tasks::table
        .inner_join(columns::table.on(columns::id.eq(tasks::column_id)))
        .filter(tasks::plan_id.eq(plan_id))
        .into_boxed();
    if let Some(user_id) = assignee {
        query = query.filter(tasks::assignee_id.eq(user_id));
    }
    Ok(query
        .order((columns::position, tasks::position, tasks::id))
        .select(TaskRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Task::from)
        .collect())
}

/// A column's tasks, in order.
pub fn in_column(conn: &mut DbConnection, column_id: &str) -> Result<Vec<Task>, DbError> {
    Ok(tasks::table
        .filter(tasks::column_id.eq(column_id))
        .order((tasks::position, tasks::id))
        .select(TaskRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Task::from)
        .collect())
}

/// How many tasks a column holds (also the position after its last task).
pub fn count_in_column(conn: &mut DbConnection, column_id: &str) -> Result<i64, DbError> {
    Ok(tasks::table
        .filter(tasks::column_id.eq(column_id))
        .count()
        .get_result(conn)?)
}

/// Shifts the positions of a column's tasks at `from` or after by `delta` (±1): makes
/// room for a task, or closes the hole one left.
pub fn shift(
    conn: &mut DbConnection,
    column_id: &str,
    from: i64,
    delta: i64,
) -> Result<(), DbError> {
    diesel::update(
        tasks::table
            .filter(tasks::column_id.eq(column_id))
            .filter(tasks::position.ge(from)),
    )
    .set(tasks::position.eq(tasks::position + delta))
    .execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut DbConnection, plan_id: &str) -> Result<i64, DbError> {
    Ok(tasks::table
        .filter(tasks::plan_id.eq(plan_id))
        .count()
        .get_result(conn)?)
}

/// The plan's task ids in board order.
pub fn ids_in_order(conn: &mut DbConnection, plan_id: &str) -> Result<Vec<String>, DbError> {
    Ok(tasks::table
        .inner_join(columns::table.on(columns::id.eq(tasks::column_id)))
        .filter(tasks::plan_id.eq(plan_id))
        .order((columns::position, tasks::position, tasks::id))
        .select(tasks::id)
        .load(conn)?)
}

pub fn insert(conn: &mut DbConnection, task: &Task) -> Result<(), DbError> {
    diesel::insert_into(tasks::table)
        .values(&TaskRow::from(task))
        .execute(conn)?;
    Ok(())
}

/// Writes every column of `task` (its version already bumped by the caller).
pub fn save(conn: &mut DbConnection, task: &Task) -> Result<(), DbError> {
    diesel::update(tasks::table.find(&task.id))
        .set(&TaskRow::from(task))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    diesel::delete(tasks::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn delete_all(conn: &mut DbConnection, plan_id: &str) -> Result<(), DbError> {
    diesel::delete(tasks::table.filter(tasks::plan_id.eq(plan_id))).execute(conn)?;
    Ok(())
}

pub fn set_position(conn: &mut DbConnection, id: &str, position: i64) -> Result<(), DbError> {
    diesel::update(tasks::table.find(id))
        .set(tasks::position.eq(position))
        .execute(conn)?;
    Ok(())
}

pub fn status_counts(conn: &mut DbConnection, plan_id: &str) -> Result<StatusCounts, DbError> {
    let rows: Vec<(String, i64)> = tasks::table
        .filter(tasks::plan_id.eq(plan_id))
        .group_by(tasks::status)
        .select((tasks::status, diesel::dsl::count_star()))
        .load(conn)?;
    let mut counts = StatusCounts::default();
    for (status, n) in rows {
        match TaskStatus::parse(&status) {
            Some(TaskStatus::Todo) => counts.todo += n,
            Some(TaskStatus::InProgress) => counts.in_progress += n,
            Some(TaskStatus::Done) => counts.done += n,
            None => {}
        }
    }
    Ok(counts)
}
