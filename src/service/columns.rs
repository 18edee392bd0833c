//! A plan's columns: list, create, change (name, WIP limit, category), reorder, delete
//! (moving its tasks to another column first). Column changes need the editor role; a
//! WIP limit is the owners' to set.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::board::{self, column_in_plan};
use super::{EventWriter, Outcome, Resource};
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::json::double_option;
use crate::limits::{self, Limit, MAX_COLUMNS_PER_PLAN};
use crate::model::{now, Column, Role, Task, TaskStatus, UserRef};
use crate::validate;
use crate::wire::PlanEvent;

/// How long a column's name may be.
pub const MAX_COLUMN_NAME: usize = 100;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewColumn {
    pub name: String,
    /// The status of the tasks in it.
    pub category: TaskStatus,
    /// Where it goes (0 = first); default, and beyond the last: at the end.
    #[serde(default)]
    pub position: Option<i64>,
    /// How many tasks it takes; null or absent: no limit. Owners only.
    #[serde(default)]
    pub wip_limit: Option<i64>,
}

/// A PATCH body: absent fields stay; `wipLimit: null` removes the limit.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ColumnPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub wip_limit: Option<Option<i64>>,
    /// Only while the column holds no task.
    #[serde(default)]
    pub category: Option<TaskStatus>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ColumnOrder {
    pub column_ids: Vec<String>,
}

fn wip_limit(value: Option<i64>, role: Role) -> Result<Option<i64>, ApiError> {
    if value.is_some_and(|n| n < 1) {
        return Err(ApiError::bad_field(
            "wipLimit",
            "must be 1 or more, or null for no limit",
        ));
    }
    if role < Role::Owner {
        return Err(ApiError::Forbidden(
            "wipLimit: only an owner may set a column's WIP limit".into(),
        ));
    }
    Ok(value)
}

pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    plan_id: &str,
) -> Result<Vec<Column>, ApiError> {
    super::require_role(conn, plan_id, user_id, Role::Viewer)?;
    Ok(db::columns::list(conn, plan_id)?)
}

pub fn create(
    conn: &mut DbConnection,
    actor: &UserRef,
    plan_id: &str,
    input: NewColumn,
) -> Result<Outcome<Column>, ApiError> {
    let name = validate::title("name", &input.name, MAX_COLUMN_NAME)?;
    let mut events = EventWriter::begin(conn, plan_id, actor, Role::Editor)?;
    let wip = match input.wip_limit {
        Some(n) => wip_limit(Some(n), events.role())?,
        None => None,
    };
    let count = db::columns::count(conn, plan_id)?;
    limits::check(Limit::ColumnsPerPlan, count, MAX_COLUMNS_PER_PLAN)?;
    let position = input.position.unwrap_or(count).clamp(0, count);
    db::columns::shift(conn, plan_id, position, 1)?;
    let column = Column {
        id: uuid::Uuid::new_v4().to_string(),
        plan_id: plan_id.to_string(),
        name,
        position,
        wip_limit: wip,
        category: input.category,
    };
    db::columns::insert(conn, &column, now())?;
    events.emit(conn, PlanEvent::ColumnCreated { column: &column })?;
    Ok(events.finish(column))
}

/// Whether `column` is the plan's only column of its category (which must stay).
fn last_of_its_category(conn: &mut DbConnection, column: &Column) -> Result<bool, ApiError> {
    Ok(db::columns::list(conn, &column.plan_id)?
        .iter()
        .filter(|c| c.category == column.category)
        .count()
        <= 1)
}

pub fn update(
    conn: &mut DbConnection,
    actor: &UserRef,
    column_id: &str,
    patch: ColumnPatch,
) -> Result<Outcome<Column>, ApiError> {
    let name = patch
        .name
        .as_deref()
        .map(|n| validate::title("name", n, MAX_COLUMN_NAME))
        .transpose()?;
    let plan_id = db::columns::plan_of(conn, column_id)?.ok_or_else(ApiError::column_not_found)?;
    let mut events = EventWriter::begin(conn, &plan_id, actor, Role::Editor)
        .map_err(|e| Resource::Column.hide_plan(e))?;
    let before = db::columns::find(conn, column_id)?.ok_or_else(ApiError::column_not_found)?;
    let mut after = before.clone();
    if let Some(n) = name {
        after.name = n;
    }
    if let Some(w) = patch.wip_limit {
        if w != before.wip_limit {
            after.wip_limit = wip_limit(w, events.role())?;
        }
    }
    if let Some(category) = patch.category {
        if category != before.category {
            if db::tasks::count_in_column(conn, column_id)? > 0 {
                return Err(ApiError::bad_field(
                    "category",
                    "can change only while the column holds no task (move them first)",
                ));
            }
            if last_of_its_category(conn, &before)? {
                return Err(ApiError::bad_field(
                    "category",
                    &format!(
                        "this is the plan's last {} column",
                        before.category.as_str()
                    ),
                ));
            }
            after.category = category;
        }
    }
    if after == before {
        return Ok(Outcome::quiet(&plan_id, before));
    }
    db::columns::save(conn, &after, now())?;
    events.emit(conn, PlanEvent::ColumnUpdated { column: &after })?;
    Ok(events.finish(after))
}

pub fn reorder(
    conn: &mut DbConnection,
    actor: &UserRef,
    plan_id: &str,
    input: ColumnOrder,
) -> Result<Outcome<ColumnOrder>, ApiError> {
    for id in &input.column_ids {
        validate::id("columnIds", id)?;
    }
    let mut events = EventWriter::begin(conn, plan_id, actor, Role::Editor)?;
    let current: Vec<String> = db::columns::list(conn, plan_id)?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let wanted: HashSet<&String> = input.column_ids.iter().collect();
    let have: HashSet<&String> = current.iter().collect();
    if wanted.len() != input.column_ids.len() || wanted != have {
        return Err(ApiError::bad_field(
            "columnIds",
            &format!(
                "must list each of the plan's {} columns exactly once",
                current.len()
            ),
        ));
    }
    if current == input.column_ids {
        return Ok(Outcome::quiet(plan_id, input));
    }
    for (position, id) in input.column_ids.iter().enumerate() {
        db::columns::set_position(conn, id, position as i64)?;
    }
    events.emit(
        conn,
        PlanEvent::ColumnsReordered {
            column_ids: &input.column_ids,
        },
    )?;
    Ok(events.finish(input))
}

/// Deletes a column. Its tasks, if any, go first to the end of `move_to` (in their
/// order, one `task-moved` each; WIP limits do not stop them); the last column of a
/// category cannot go.
pub fn delete(
    conn: &mut DbConnection,
    actor: &UserRef,
    column_id: &str,
    move_to: Option<String>,
) -> Result<Outcome<()>, ApiError> {
    let plan_id = db::columns::plan_of(conn, column_id)?.ok_or_else(ApiError::column_not_found)?;
    let mut events = EventWriter::begin(conn, &plan_id, actor, Role::Editor)
        .map_err(|e| Resource::Column.hide_plan(e))?;
    let column = db::columns::find(conn, column_id)?.ok_or_else(ApiError::column_not_found)?;
    if last_of_its_category(conn, &column)? {
        return Err(ApiError::bad_field(
            "columnId",
            &format!(
                "the plan's last {} column cannot be deleted",
                column.category.as_str()
            ),
        ));
    }
    let tasks = db::tasks::in_column(conn, column_id)?;
    let mut moved_to = None;
    if !tasks.is_empty() {
        let Some(target_id) = move_to else {
            return Err(ApiError::bad_field(
                "moveTo",
                &format!(
                    "required: the column holds {} tasks (name the column they go to)",
                    tasks.len()
                ),
            ));
        };
        let target = column_in_plan(conn, &plan_id, &target_id, "moveTo")?;
        if target.id == column.id {
            return Err(ApiError::bad_field("moveTo", "must be another column"));
        }
        let status_changes = target.category != column.category;
        for task in tasks {
            // Each is first in the column by now: the ones before it have gone.
            let before = Task {
                position: 0,
                ..task
            };
            board::move_to_column(conn, &mut events, &before, &target, i64::MAX)?;
        }
        if status_changes {
            let progress = super::tasks::progress(conn, &plan_id)?;
            events.emit(conn, PlanEvent::ProgressUpdated(&progress))?;
        }
        moved_to = Some(target.id);
    }
    db::columns::delete(conn, column_id)?;
    db::columns::shift(conn, &plan_id, column.position + 1, -1)?;
    events.emit(
        conn,
        PlanEvent::ColumnDeleted {
            column_id,
            moved_to: moved_to.as_deref(),
        },
    )?;
    Ok(events.finish(()))
}
