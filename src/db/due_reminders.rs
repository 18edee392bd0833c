//! Which due-date reminders were sent (contract §3 personal notice `due-date-reminder`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::TaskRow;
use super::schema::{due_reminders, tasks};
use super::DbConnection;
use crate::error::ApiError;
use crate::model::Task;

/// Assigned tasks due in `(now, until]` whose reminder for that due time was not sent yet,
/// soonest first.
pub fn due_unreminded(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Task>, ApiError> {
    Ok(tasks::table
        .left_join(
            due_reminders::table.on(due_reminders::task_id
                .eq(tasks::id)
                .and(due_reminders::due_at.nullable().eq(tasks::due_at))),
        )
        .filter(tasks::assignee_id.is_not_null())
        .filter(tasks::due_at.gt(now))
        .filter(tasks::due_at.le(until))
        .filter(due_reminders::task_id.is_null())
        .order(tasks::due_at)
        .limit(limit)
        .select(TaskRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Task::from)
        .collect())
}

/// Records that the task's reminder for `due_at` went out.
pub fn mark_sent(
    conn: &mut DbConnection,
    task_id: &str,
    due_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::delete(due_reminders::table.find(task_id)).execute(conn)?;
    diesel::insert_into(due_reminders::table)
        .values((
            due_reminders::task_id.eq(task_id),
            due_reminders::due_at.eq(due_at),
            due_reminders::sent_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
