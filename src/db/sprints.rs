//! Sprint rows: a plan's sprints in creation order (`created_at`, which the service keeps
//! strictly increasing per plan), and the tasks that belong to one.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{SprintRow, TaskRow};
use super::schema::{columns, sprints, tasks};
use super::{DbConnection, DbError};
use crate::model::{Sprint, SprintStatus, Task};

/// The row of `sprint`, stamped `created_at` / `updated_at`.
fn row(sprint: &Sprint, created_at: NaiveDateTime, updated_at: NaiveDateTime) -> SprintRow {
    SprintRow {
        id: sprint.id.clone(),
        plan_id: sprint.plan_id.clone(),
        name: sprint.name.clone(),
        goal: sprint.goal.clone(),
        status: sprint.status.as_str().to_string(),
        starts_at: sprint.starts_at,
        ends_at: sprint.ends_at,
        started_at: sprint.started_at,
        completed_at: sprint.completed_at,
        created_at,
        updated_at,
    }
}

/// The plan's sprints, oldest first.
pub fn list(conn: &mut DbConnection, plan_id: &str) -> Result<Vec<Sprint>, DbError> {
    Ok(sprints::table
        .filter(sprints::plan_id.eq(plan_id))
        .order((sprints::created_at, sprints::id))
        .select(SprintRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Sprint::from)
        .collect())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Sprint>, DbError> {
    Ok(sprints::table
        .find(id)
        .select(SprintRow::as_select())
        .first(conn)
        .optional()?
        .map(Sprint::from))
}

/// The plan a sprint belongs to, if the sprint exists.
pub fn plan_of(conn: &mut DbConnection, id: &str) -> Result<Option<String>, DbError> {
    Ok(sprints::table
        .find(id)
        .select(sprints::plan_id)
        .first(conn)
        .optional()?)
}

/// The plan's active sprint, if one is.
pub fn active(conn: &mut DbConnection, plan_id: &str) -> Result<Option<Sprint>, DbError> {
    Ok(sprints::table
        .filter(sprints::plan_id.eq(plan_id))
        .filter(sprints::status.eq(SprintStatus::Active.as_str()))
        .select(SprintRow::as_select())
        .first(conn)
        .optional()?
        .map(Sprint::from))
}

pub fn count(conn: &mut DbConnection, plan_id: &str) -> Result<i64, DbError> {
    Ok(sprints::table
        .filter(sprints::plan_id.eq(plan_id))
        .count()
        .get_result(conn)?)
}

/// When the plan's newest sprint was created, if it has any.
pub fn newest_created_at(
    conn: &mut DbConnection,
    plan_id: &str,
) -> Result<Option<NaiveDateTime>, DbError> {
    Ok(sprints::table
        .filter(sprints::plan_id.eq(plan_id))
        .select(diesel::dsl::max(sprints::created_at))
        .first(conn)?)
}

pub fn insert(conn: &mut DbConnection, sprint: &Sprint, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::insert_into(sprints::table)
        .values(&row(sprint, at, at))
        .execute(conn)?;
    Ok(())
}

/// Writes the sprint's name, goal, dates and status.
pub fn save(conn: &mut DbConnection, sprint: &Sprint, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(sprints::table.find(&sprint.id))
        .set((
            sprints::name.eq(&sprint.name),
            sprints::goal.eq(&sprint.goal),
            sprints::status.eq(sprint.status.as_str()),
            sprints::starts_at.eq(sprint.starts_at),
            sprints::ends_at.eq(sprint.ends_at),
            sprints::started_at.eq(sprint.started_at),
            sprints::completed_at.eq(sprint.completed_at),
            sprints::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_all(conn: &mut DbConnection, plan_id: &str) -> Result<(), DbError> {
    diesel::delete(sprints::table.filter(sprints::plan_id.eq(plan_id))).execute(conn)?;
    Ok(())
}

/// The sprint's tasks, in board order (by column, then position).
pub fn tasks_of(conn: &mut DbConnection, sprint_id: &str) -> Result<Vec<Task>, DbError> {
    Ok(tasks::table
        .inner_join(columns::table.on(columns::id.eq(tasks::column_id)))
        .filter(tasks::sprint_id.eq(sprint_id))
        .order((columns::position, tasks::position, tasks::id))
        .select(TaskRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Task::from)
        .collect())
}
