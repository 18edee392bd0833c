//! `/api/tasks/{taskId}/comments` and `/api/comments/{commentId}` (contract §2, §6.1).

use actix_web::web::Json;

use super::extract::{Change, CommentId, Reader, TaskId};
use super::openapi::{
    Archived, Authenticated, BadRequest, Changed, Created, Deleted, NotFound, TooLarge,
};
use super::respond::{Mutated, MutationResult};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::{Comment, Role};
use crate::service::comments::{self, CommentPatch, NewComment};

#[utoipa::path(
    post,
    path = "/api/tasks/{taskId}/comments",
    operation_id = "addComment",
    params(TaskId, Change),
    request_body = NewComment,
    responses(Created<Comment>, Authenticated, BadRequest, NotFound, Archived, TooLarge)
)]
pub async fn add(
    change: Change,
    task: TaskId,
    body: JsonBody<NewComment>,
) -> MutationResult<Comment> {
    change
        .on(task, Role::Editor, move |c, actor, task| {
            comments::add(c, actor, task, body.0)
        })
        .await
        .map(Mutated::created)
}

#[utoipa::path(
    get,
    path = "/api/tasks/{taskId}/comments",
    operation_id = "listComments",
    params(TaskId),
    responses(
        (status = 200, description = "The task's comments, oldest first.", body = Vec<Comment>),
        Authenticated, BadRequest, NotFound,
    )
)]
pub async fn list(reader: Reader, task: TaskId) -> Result<Json<Vec<Comment>>, ApiError> {
    reader
        .read(move |c, uid| comments::list(c, uid, &task))
        .await
        .map(Json)
}

/// Edits a comment's body: its author only.
#[utoipa::path(
    patch,
    path = "/api/comments/{commentId}",
    operation_id = "updateComment",
    params(CommentId, Change),
    request_body = CommentPatch,
    responses(Changed<Comment>, Authenticated, BadRequest, NotFound, Archived, TooLarge)
)]
pub async fn update(
    change: Change,
    comment: CommentId,
    body: JsonBody<CommentPatch>,
) -> MutationResult<Comment> {
    change
        .on(comment, Role::Editor, move |c, actor, comment| {
            comments::update(c, actor, comment, body.0)
        })
        .await
        .map(Mutated::ok)
}

/// Deletes a comment: its author or an owner.
#[utoipa::path(
    delete,
    path = "/api/comments/{commentId}",
    operation_id = "deleteComment",
    params(CommentId, Change),
    responses(Deleted, Authenticated, BadRequest, NotFound, Archived)
)]
pub async fn delete(change: Change, comment: CommentId) -> MutationResult<()> {
    change
        .on(comment, Role::Editor, |c, actor, comment| {
            comments::delete(c, actor, comment)
        })
        .await
        .map(Mutated::no_content)
}
