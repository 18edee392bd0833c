//! Column rows: a plan's board columns, in `position` order (dense, 0..n-1).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::ColumnRow;
use super::schema::columns;
use super::{DbConnection, DbError};
use crate::model::{Column, TaskStatus};

/// The default columns' names, by category.
pub fn default_name(category: TaskStatus) -> &'static str {
    match category {
        TaskStatus::Todo => "To do",
        TaskStatus::InProgress => "In progress",
        TaskStatus::Done => "Done",
    }
}

/// A new plan's three columns: To do, In progress, Done (ids from [`Column::default_id`]).
pub fn insert_defaults(
    conn: &mut DbConnection,
    plan_id: &str,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    let rows: Vec<ColumnRow> = TaskStatus::ALL
        .iter()
        .enumerate()
        .map(|(position, &category)| ColumnRow {
            id: Column::default_id(plan_id, category),
            plan_id: plan_id.to_string(),
            name: default_name(category).to_string(),
            position: position as i64,
            wip_limit: None,
            category: category.as_str().to_string(),
            created_at: at,
            updated_at: at,
        })
        .collect();
    // One at a time: the multi-backend connection has no batch insert for SQLite.
    for row in &rows {
        diesel::insert_into(columns::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The plan's columns in board order.
pub fn list(conn: &mut DbConnection, plan_id: &str) -> Result<Vec<Column>, DbError> {
    Ok(columns::table
        .filter(columns::plan_id.eq(plan_id))
        .order((columns::position, columns::id))
        .select(ColumnRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Column::from)
        .collect())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Column>, DbError> {
    Ok(columns::table
        .find(id)
        .select(ColumnRow::as_select())
        .first(conn)
        .optional()?
        .map(Column::from))
}

/// The plan a column belongs to, if the column exists.
pub fn plan_of(conn: &mut DbConnection, id: &str) -> Result<Option<String>, DbError> {
    Ok(columns::table
        .find(id)
        .select(columns::plan_id)
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConnection, column: &Column, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::insert_into(columns::table)
        .values(&ColumnRow {
            id: column.id.clone(),
            plan_id: column.plan_id.clone(),
            name: column.name.clone(),
            position: column.position,
            wip_limit: column.wip_limit,
            category: column.category.as_str().to_string(),
            created_at: at,
            updated_at: at,
        })
        .execute(conn)?;
    Ok(())
}

/// Writes the column's name, position, WIP limit and category.
pub fn save(conn: &mut DbConnection, column: &Column, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(columns::table.find(&column.id))
        .set((
            columns::name.eq(&column.name),
            columns::position.eq(column.position),
            columns::wip_limit.eq(column.wip_limit),
            columns::category.eq(column.category.as_str()),
            columns::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    diesel::delete(columns::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn delete_all(conn: &mut DbConnection, plan_id: &str) -> Result<(), DbError> {
    diesel::delete(columns::table.filter(columns::plan_id.eq(plan_id))).execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut DbConnection, plan_id: &str) -> Result<i64, DbError> {
    Ok(columns::table
        .filter(columns::plan_id.eq(plan_id))
        .count()
        .get_result(conn)?)
}

/// Shifts the positions of a plan's columns at `from` or after by `delta` (±1).
pub fn shift(conn: &mut DbConnection, plan_id: &str, from: i64, delta: i64) -> Result<(), DbError> {
    diesel::update(
        columns::table
            .filter(columns::plan_id.eq(plan_id))
            .filter(columns::position.ge(from)),
    )
    .set(columns::position.eq(columns::position + delta))
    .execute(conn)?;
    Ok(())
}

pub fn set_position(conn: &mut DbConnection, id: &str, position: i64) -> Result<(), DbError> {
    diesel::update(columns::table.find(id))
        .set(columns::position.eq(position))
        .execute(conn)?;
    Ok(())
}
