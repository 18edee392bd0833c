//! `/api/plans/{planId}/tasks…` and `/api/tasks/{taskId}`.

use actix_web::http::header;
use actix_web::web::Json;
use actix_web::{HttpRequest, HttpResponse};

use super::extract::{Change, PlanId, Reader, TaskId};
use super::respond::{Mutated, MutationResult};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::{Progress, Role, Task};
use crate::service::tasks::{self, NewTask, Reorder, TaskPatch};

pub async fn list(reader: Reader, plan: PlanId) -> Result<Json<Vec<Task>>, ApiError> {
    reader
        .read(move |c, uid| tasks::list(c, uid, &plan))
        .await
        .map(Json)
}

pub async fn create(change: Change, plan: PlanId, body: JsonBody<NewTask>) -> MutationResult<Task> {
    let max_tasks = change.settings().caps.tasks_per_plan;
    change
        .on_plan(plan, Role::Editor, move |c, actor, plan| {
            tasks::create(c, actor, plan, body.0, max_tasks)
        })
        .await
        .map(Mutated::created)
}

/// The task, with its version as the `ETag` (for `If-Match` on PATCH).
pub async fn get(reader: Reader, task: TaskId) -> Result<HttpResponse, ApiError> {
    let task = reader.read(move |c, uid| tasks::get(c, uid, &task)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", task.version)))
        .json(task))
}

/// `If-Match: "3"` (also `3` or `W/"3"`) → 3.
fn if_match_version(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse::<i64>()
        .map(Some)
        .map_err(|_| ApiError::bad_field("If-Match", "expected the task's version, e.g. \"3\""))
}

/// The version the change expects, from `If-Match` or the body's `version` (which must
/// agree when both are given).
fn expected_version(req: &HttpRequest, patch: &TaskPatch) -> Result<Option<i64>, ApiError> {
    match (if_match_version(req)?, patch.version) {
        (Some(h), Some(b)) if h != b => Err(ApiError::bad_field(
            "version",
            "differs from the If-Match header",
        )),
        (h, b) => Ok(h.or(b)),
    }
}

pub async fn update(
    change: Change,
    req: HttpRequest,
    task: TaskId,
    body: JsonBody<TaskPatch>,
) -> MutationResult<Task> {
    let patch = body.0;
    let expected = expected_version(&req, &patch)?;
    change
        .on_task(task, Role::Editor, move |c, actor, task| {
            tasks::update(c, actor, task, patch, expected)
        })
        .await
        .map(Mutated::ok)
}

pub async fn delete(change: Change, task: TaskId) -> MutationResult<()> {
    change
        .on_task(task, Role::Editor, |c, actor, task| {
            tasks::delete(c, actor, task)
        })
        .await
        .map(Mutated::no_content)
}

pub async fn reorder(
    change: Change,
    plan: PlanId,
    body: JsonBody<Reorder>,
) -> MutationResult<Reorder> {
    change
        .on_plan(plan, Role::Editor, move |c, actor, plan| {
            tasks::reorder(c, actor, plan, body.0)
        })
        .await
        .map(Mutated::ok)
}

pub async fn progress(reader: Reader, plan: PlanId) -> Result<Json<Progress>, ApiError> {
    reader
        .read(move |c, uid| tasks::plan_progress(c, uid, &plan))
        .await
        .map(Json)
}
