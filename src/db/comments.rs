//! Comments on tasks, oldest first.

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
