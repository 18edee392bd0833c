//! Comments on tasks: added by editors, edited by their author, deleted by their author
//! or an owner (contract §6.1). Editing and deleting need the editor role too: a viewer
//! changes nothing, even a comment they wrote before they were made one.

use serde::Deserialize;
use utoipa::ToSchema;

use super::{EventWriter, Outcome, Resource};
use crate::db::models::CommentRow;
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::model::{now, Comment, Role, UserRef};
use crate::validate;
use crate::wire::PlanEvent;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewComment {
    pub body: String,
}

/// `PATCH /api/comments/{commentId}`: the new body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentPatch {
    pub body: String,
}

/// A comment's body: at most `MAX_COMMENT` characters, not blank, kept as sent.
fn body(text: &str) -> Result<String, ApiError> {
    let body = validate::text("body", text, validate::MAX_COMMENT)?;
    if body.trim().is_empty() {
        return Err(ApiError::bad_field("body", "must not be empty"));
    }
    Ok(body)
}

pub fn add(
    conn: &mut DbConnection,
    actor: &UserRef,
    task_id: &str,
    input: NewComment,
) -> Result<Outcome<Comment>, ApiError> {
    validate::id("taskId", task_id)?;
    let body = body(&input.body)?;
    let plan_id = db::tasks::plan_of(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    let mut events = EventWriter::begin(conn, &plan_id, actor, Role::Editor)
        .map_err(|e| Resource::Task.hide_plan(e))?;
    // The task may have been deleted while we waited for the plan's lock.
    db::tasks::plan_of(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    let row = CommentRow {
        id: uuid::Uuid::new_v4().to_string(),
        task_id: task_id.to_string(),
        plan_id: plan_id.clone(),
        author_id: actor.id.clone(),
        body,
        created_at: now(),
        updated_at: None,
    };
    db::comments::insert(conn, &row)?;
    let comment = Comment::from(row);
    events.emit(conn, PlanEvent::CommentAdded { comment: &comment })?;
    Ok(events.finish(comment))
}

pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    task_id: &str,
) -> Result<Vec<Comment>, ApiError> {
    validate::id("taskId", task_id)?;
    let plan_id = db::tasks::plan_of(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    super::require_role(conn, &plan_id, user_id, Role::Viewer)
        .map_err(|e| Resource::Task.hide_plan(e))?;
    Ok(db::comments::list_for_task(conn, task_id)?)
}

/// Changes a comment's body: its author only (with the editor role). The same body
/// again changes nothing (no event, `updatedAt` stays).
pub fn update(
    conn: &mut DbConnection,
    actor: &UserRef,
    comment_id: &str,
    patch: CommentPatch,
) -> Result<Outcome<Comment>, ApiError> {
    validate::id("commentId", comment_id)?;
    let body = body(&patch.body)?;
    let plan_id =
        db::comments::plan_of(conn, comment_id)?.ok_or_else(ApiError::comment_not_found)?;
    let mut events = EventWriter::begin(conn, &plan_id, actor, Role::Editor)
        .map_err(|e| Resource::Comment.hide_plan(e))?;
    // The comment (or its task) may have been deleted while we waited for the lock.
    let row = db::comments::find(conn, comment_id)?.ok_or_else(ApiError::comment_not_found)?;
    if row.author_id != actor.id {
        return Err(ApiError::Forbidden(
            "only its author may edit a comment".into(),
        ));
    }
    if row.body == body {
        return Ok(Outcome::quiet(&plan_id, Comment::from(row)));
    }
    let at = now();
    db::comments::set_body(conn, comment_id, &body, at)?;
    let comment = Comment::from(CommentRow {
        body,
        updated_at: Some(at),
        ..row
    });
    events.emit(conn, PlanEvent::CommentUpdated { comment: &comment })?;
    Ok(events.finish(comment))
}

/// Deletes a comment: its author (with the editor role) or an owner.
pub fn delete(
    conn: &mut DbConnection,
    actor: &UserRef,
    comment_id: &str,
) -> Result<Outcome<()>, ApiError> {
    validate::id("commentId", comment_id)?;
    let plan_id =
        db::comments::plan_of(conn, comment_id)?.ok_or_else(ApiError::comment_not_found)?;
    let mut events = EventWriter::begin(conn, &plan_id, actor, Role::Editor)
        .map_err(|e| Resource::Comment.hide_plan(e))?;
    let row = db::comments::find(conn, comment_id)?.ok_or_else(ApiError::comment_not_found)?;
    if row.author_id != actor.id && events.role() < Role::Owner {
        return Err(ApiError::Forbidden(
            "only its author or an owner may delete a comment".into(),
        ));
    }
    db::comments::delete(conn, comment_id)?;
    events.emit(
        conn,
        PlanEvent::CommentDeleted {
            comment_id,
            task_id: &row.task_id,
        },
    )?;
    Ok(events.finish(()))
}
