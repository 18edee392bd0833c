//! Comments on tasks, oldest first. A task's comments go with it (`ON DELETE CASCADE`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::CommentRow;
use super::schema::comments;
use super::{DbConnection, DbError};
use crate::model::Comment;

pub fn insert(conn: &mut DbConnection, row: &CommentRow) -> Result<(), DbError> {
    diesel::insert_into(comments::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn list_for_task(conn: &mut DbConnection, task_id: &str) -> Result<Vec<Comment>, DbError> {
    Ok(comments::table
        .filter(comments::task_id.eq(task_id))
        .order((comments::created_at, comments::id))
        .select(CommentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Comment::from)
        .collect())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<CommentRow>, DbError> {
    Ok(comments::table
        .find(id)
        .select(CommentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The plan the comment is on, `None` when there is no such comment.
pub fn plan_of(conn: &mut DbConnection, id: &str) -> Result<Option<String>, DbError> {
    Ok(comments::table
        .find(id)
        .select(comments::plan_id)
        .first(conn)
        .optional()?)
}

/// Replaces the body, stamping `updated_at`.
pub fn set_body(
    conn: &mut DbConnection,
    id: &str,
    body: &str,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(comments::table.find(id))
        .set((comments::body.eq(body), comments::updated_at.eq(Some(at))))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    diesel::delete(comments::table.find(id)).execute(conn)?;
    Ok(())
}
