//! Task rows. A task's `position` is its place inside its column, dense (0..n-1); board
//! order is the columns' order, then `position`.

use diesel::prelude::*;

use super::models::TaskRow;
use super::schema::{columns, tasks};
use super::{DbConnection, DbError};
use crate::model::{Priority, StatusCounts, Task, TaskStatus};

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

// ---- The filtered, paged task list (`GET …/tasks?…`, contract §6.1) -------------------

diesel::define_sql_function! {
    /// `LOWER(text)`: what both backends call lower case (SQLite: ASCII letters only).
    #[sql_name = "LOWER"]
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// `LOWER(text)` of a nullable column.
    #[sql_name = "LOWER"]
    fn lower_nullable(
        text: diesel::sql_types::Nullable<diesel::sql_types::Text>,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

diesel::define_sql_function! {
    /// `REPLACE(text, from, to)`: case-sensitive on both backends, unlike SQLite's `LIKE`.
    #[sql_name = "REPLACE"]
    fn replace(
        text: diesel::sql_types::Text,
        from: diesel::sql_types::Text,
        to: diesel::sql_types::Text,
    ) -> diesel::sql_types::Text;
}

/// Which tasks of a plan a page holds: every `Some` narrows it (they combine with AND).
#[derive(Debug, Default)]
pub struct TaskFilter {
    pub column_id: Option<String>,
    pub assignee_id: Option<String>,
    /// `Some(None)`: the backlog (no sprint).
    pub sprint_id: Option<Option<String>>,
    pub priority: Option<Priority>,
    /// A `LIKE` pattern, `\` its escape character, matched against the lower-cased title
    /// and description (the pattern is lower-cased by the database too).
    pub text: Option<String>,
    /// A label the task must have. The SQL condition is exact for every label that does
    /// not start with `,` and may let a few others through (see [`page`]): the caller
    /// keeps only the tasks whose `labels` hold it.
    pub label: Option<String>,
}

/// Where a page starts in board order: after the task `task_id` at `position` in the
/// column at `column_position`. An empty `task_id` (ids never are) means at `position`,
/// that place included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardKey {
    pub column_position: i64,
    pub position: i64,
    pub task_id: String,
}

/// Up to `rows` tasks of the plan that pass `filter`, in board order, after `after`;
/// each with its column's position (for the next page's cursor).
///
/// `labels` is the compact JSON text `TaskRow` writes (`["a","b,c"]`), so a task has the
/// label L exactly when the text holds `["L"` or `,"L"` (L JSON-encoded): inside a JSON
/// string every `"` is escaped, so a `"` right after `[` or `,` opens an element, unless
/// it closes one that ended in `[` or `,`, and then what follows it is `,` or `]`: only
/// a label starting with `,` can match that way. Both backends test it with `REPLACE`
/// (case-sensitive, portable; SQLite's `LIKE` ignores ASCII case).
pub fn page(
    conn: &mut DbConnection,
    plan_id: &str,
    filter: &TaskFilter,
    after: Option<&BoardKey>,
    rows: i64,
) -> Result<Vec<(Task, i64)>, DbError> {
    let mut query = tasks::table
        .inner_join(columns::table.on(columns::id.eq(tasks::column_id)))
        .filter(tasks::plan_id.eq(plan_id))
        .into_boxed();
    if let Some(column_id) = &filter.column_id {
        query = query.filter(tasks::column_id.eq(column_id.clone()));
    }
    if let Some(assignee_id) = &filter.assignee_id {
        query = query.filter(tasks::assignee_id.eq(assignee_id.clone()));
    }
    match &filter.sprint_id {
        Some(Some(sprint_id)) => query = query.filter(tasks::sprint_id.eq(sprint_id.clone())),
        Some(None) => query = query.filter(tasks::sprint_id.is_null()),
        None => {}
    }
    if let Some(priority) = filter.priority {
        query = query.filter(tasks::priority.eq(priority.as_str()));
    }
    if let Some(pattern) = &filter.text {
        let in_title = lower(tasks::title)
            .like(lower(pattern.clone()))
            .escape('\\');
        let in_description = lower_nullable(tasks::description)
            .like(lower(pattern.clone()).nullable())
            .escape('\\');
        query = query.filter(in_title.or(in_description));
    }
    if let Some(label) = &filter.label {
        let element = serde_json::to_string(label).map_err(DbError::other)?;
        let first = replace(tasks::labels, format!("[{element}"), "");
        let later = replace(tasks::labels, format!(",{element}"), "");
        query = query.filter(first.ne(tasks::labels).or(later.ne(tasks::labels)));
    }
    if let Some(key) = after {
        let later_column = columns::position.gt(key.column_position);
        let later_in_column = columns::position.eq(key.column_position).and(
            tasks::position.gt(key.position).or(tasks::position
                .eq(key.position)
                .and(tasks::id.gt(key.task_id.clone()))),
        );
        query = query.filter(later_column.or(later_in_column));
    }
    Ok(query
        .order((columns::position, tasks::position, tasks::id))
        .limit(rows)
        .select((TaskRow::as_select(), columns::position))
        .load::<(TaskRow, i64)>(conn)?
        .into_iter()
        .map(|(row, column_position)| (Task::from(row), column_position))
        .collect())
}
