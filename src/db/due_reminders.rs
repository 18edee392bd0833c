//! Which due-date reminders were sent (contract §3 personal notice `due-date-reminder`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::TaskRow;
use super::schema::{due_reminders, plan_members, plans, tasks};
use super::{DbConnection, DbError};
use crate::model::Task;

/// Assigned tasks due in `(now, until]` whose reminder for that due time was not sent yet,
/// soonest first. Only tasks whose assignee is a member of the task's plan (a reminder
/// carries the task, and goes to nobody else), and only on plans not archived (an
/// archived plan is shelved: nothing of it can change, so nobody is pressed about it).
pub fn due_unreminded(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Task>, DbError> {
    Ok(tasks::table
        .left_join(
            due_reminders::table.on(due_reminders::task_id
                .eq(tasks::id)
                .and(due_reminders::due_at.nullable().eq(tasks::due_at))),
        )
        .inner_join(
            plan_members::table.on(plan_members::plan_id
                .eq(tasks::plan_id)
                .and(plan_members::user_id.nullable().eq(tasks::assignee_id))),
        )
        .inner_join(plans::table.on(plans::id.eq(tasks::plan_id)))
        .filter(plans::archived_at.is_null())
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

/// Claims the reminder of `task_id` for `assignee` and `due_at`, just before it is sent:
/// records it and answers true when the task is still assigned to them, still due then,
/// they are still a member of its plan and the plan is not archived; answers false (and
/// records nothing) when any of that changed since the sweep read it.
pub fn claim(
    conn: &mut DbConnection,
    task_id: &str,
    assignee: &str,
    due_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let current = tasks::table
        .inner_join(
            plan_members::table.on(plan_members::plan_id
                .eq(tasks::plan_id)
                .and(plan_members::user_id.nullable().eq(tasks::assignee_id))),
        )
        .inner_join(plans::table.on(plans::id.eq(tasks::plan_id)))
        .filter(plans::archived_at.is_null())
        .filter(tasks::id.eq(task_id))
        .filter(tasks::assignee_id.eq(assignee))
        .filter(tasks::due_at.eq(due_at))
        .select(tasks::id)
        .first::<String>(conn)
        .optional()?;
    if current.is_none() {
        return Ok(false);
    }
    diesel::delete(due_reminders::table.find(task_id)).execute(conn)?;
    diesel::insert_into(due_reminders::table)
        .values((
            due_reminders::task_id.eq(task_id),
            due_reminders::due_at.eq(due_at),
            due_reminders::sent_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}
