//! `/api/tasks/{taskId}/comments`.

use actix_web::web::Json;

use super::extract::{Change, Reader, TaskId};
use super::respond::{Mutated, MutationResult};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::{Comment, Role};
use crate::service::comments::{self, NewComment};

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

pub async fn list(reader: Reader, task: TaskId) -> Result<Json<Vec<Comment>>, ApiError> {
    reader
        .read(move |c, uid| comments::list(c, uid, &task))
        .await
        .map(Json)
}
