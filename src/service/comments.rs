//! Comments on tasks.

use serde::Deserialize;
use utoipa::ToSchema;

use super::{EventWriter, Outcome};
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

pub fn add(
    conn: &mut DbConnection,
    actor: &UserRef,
    task_id: &str,
    input: NewComment,
) -> Result<Outcome<Comment>, ApiError> {
    validate::id("taskId", task_id)?;
    let body = validate::text("body", &input.body, validate::MAX_COMMENT)?;
    if body.trim().is_empty() {
        return Err(ApiError::bad_field("body", "must not be empty"));
    }
    let plan_id = db::tasks::plan_of(conn, task_id)?.ok_or_else(ApiError::task_not_found)?;
    let mut events = EventWriter::begin(conn, &plan_id, actor, Role::Editor).map_err(hide_plan)?;
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
    super::require_role(conn, &plan_id, user_id, Role::Viewer).map_err(hide_plan)?;
    Ok(db::comments::list_for_task(conn, task_id)?)
}

/// For routes addressed by task id, "no such plan" is "no such task".
pub fn hide_plan(e: ApiError) -> ApiError {
    match e {
        ApiError::NotFound(_) => ApiError::task_not_found(),
        other => other,
    }
}
