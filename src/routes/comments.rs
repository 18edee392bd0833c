//! `/api/tasks/{taskId}/comments`.

use actix_web::web::Json;

use super::extract::{Change, Reader, TaskId};
use super::openapi::{Authenticated, BadRequest, Created, NotFound, TooLarge};
use super::respond::{Mutated, MutationResult};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::{Comment, Role};
use crate::service::comments::{self, NewComment};

#[utoipa::path(
    post,
    path = "/api/tasks/{taskId}/comments",
    operation_id = "addComment",
    params(TaskId, Change),
    request_body = NewComment,
    responses(Created<Comment>, Authenticated, BadRequest, NotFound, TooLarge)
)]
pub async fn add(
    change: Change,
    task: TaskId,
    body: JsonBody<NewComment>,
) -> MutationResult<Comment> {
    change
        .on_task(task, Role::Editor, move |c, actor, task| {
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
