//! `/api/plans/{planId}/tasks…` and `/api/tasks/{taskId}`.

use actix_web::http::header;
use actix_web::web::{self, Json};
use actix_web::{HttpRequest, HttpResponse};

use super::extract::{Change, PlanId, Reader, TaskId};
use super::openapi::{
    Archived, ArchivedOrFull, Authenticated, BadRequest, Changed, Created, Deleted, NotFound,
    TaskConflict, TooLarge,
};
use super::respond::{Mutated, MutationResult};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::{Progress, Role, Task};
use crate::service::task_filters::{self, TaskList, TaskQuery};
use crate::service::tasks::{self, Move, NewTask, Reorder, TaskPatch};

/// Without any of [`TaskQuery`]'s parameters, the plan's tasks as a plain array (as
/// before filters existed); with one, a [`task_filters::TaskPage`].
#[utoipa::path(
    get,
    path = "/api/plans/{planId}/tasks",
    operation_id = "listTasks",
    params(PlanId, TaskQuery),
    responses(
        (status = 200, description = "Without any query parameter, every task of the plan in \
            board order (an array); with one, a page of those that pass the filters, in board \
            order: `{tasks, nextCursor}`.", body = TaskList),
        Authenticated, BadRequest, NotFound,
    )
)]
pub async fn list(
    reader: Reader,
    plan: PlanId,
    req: HttpRequest,
) -> Result<Json<TaskList>, ApiError> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|e| ApiError::bad_field("query", &e.to_string()))?
        .into_inner();
    let Some(query) = TaskQuery::from_pairs(pairs)? else {
        return reader
            .read(move |c, uid| tasks::list(c, uid, &plan))
            .await
            .map(|all| Json(TaskList::All(all)));
    };
    let find = query.check()?;
    reader
        .snapshot(move |c, uid| task_filters::find(c, uid, &plan, find))
        .await
        .map(|page| Json(TaskList::Page(page)))
}

#[utoipa::path(
    post,
    path = "/api/plans/{planId}/tasks",
    operation_id = "createTask",
    params(PlanId, Change),
    request_body = NewTask,
    responses(Created<Task>, Authenticated, BadRequest, NotFound, ArchivedOrFull, TooLarge)
)]
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
#[utoipa::path(
    get,
    path = "/api/tasks/{taskId}",
    operation_id = "getTask",
    params(TaskId),
    responses(
        (status = 200, description = "The task.", body = Task, headers(
            ("ETag" = String, description = "The task's version, quoted: `\"3\"`.")
        )),
        Authenticated, BadRequest, NotFound,
    )
)]
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

#[utoipa::path(
    patch,
    path = "/api/tasks/{taskId}",
    operation_id = "updateTask",
    params(
        TaskId,
        ("If-Match" = Option<String>, Header, description = "The version the change \
            expects (`\"3\"`, `3` or `W/\"3\"`); else 409 with the task as it is now."),
        Change,
    ),
    request_body = TaskPatch,
    responses(Changed<Task>, Authenticated, BadRequest, NotFound, TaskConflict, TooLarge)
)]
pub async fn update(
    change: Change,
    req: HttpRequest,
    task: TaskId,
    body: JsonBody<TaskPatch>,
) -> MutationResult<Task> {
    let patch = body.0;
    let expected = expected_version(&req, &patch)?;
    change
        .on(task, Role::Editor, move |c, actor, task| {
            tasks::update(c, actor, task, patch, expected)
        })
        .await
        .map(Mutated::ok)
}

/// The version a move expects, from `If-Match` or the body's `version`.
fn expected_move_version(req: &HttpRequest, body: &Move) -> Result<Option<i64>, ApiError> {
    match (if_match_version(req)?, body.version) {
        (Some(h), Some(b)) if h != b => Err(ApiError::bad_field(
            "version",
            "differs from the If-Match header",
        )),
        (h, b) => Ok(h.or(b)),
    }
}

#[utoipa::path(
    post,
    path = "/api/tasks/{taskId}/move",
    operation_id = "moveTask",
    params(
        TaskId,
        ("If-Match" = Option<String>, Header, description = "The version the move \
            expects (or `version` in the body); else 409 with the task as it is now."),
        Change,
    ),
    request_body = Move,
    responses(Changed<Task>, Authenticated, BadRequest, NotFound, TaskConflict, TooLarge)
)]
pub async fn move_task(
    change: Change,
    req: HttpRequest,
    task: TaskId,
    body: JsonBody<Move>,
) -> MutationResult<Task> {
    let input = body.0;
    let expected = expected_move_version(&req, &input)?;
    change
        .on(task, Role::Editor, move |c, actor, task| {
            tasks::move_task(c, actor, task, input, expected)
        })
        .await
        .map(Mutated::ok)
}

#[utoipa::path(
    delete,
    path = "/api/tasks/{taskId}",
    operation_id = "deleteTask",
    params(TaskId, Change),
    responses(Deleted, Authenticated, BadRequest, NotFound, Archived)
)]
pub async fn delete(change: Change, task: TaskId) -> MutationResult<()> {
    change
        .on(task, Role::Editor, |c, actor, task| {
            tasks::delete(c, actor, task)
        })
        .await
        .map(Mutated::no_content)
}

#[utoipa::path(
    post,
    path = "/api/plans/{planId}/tasks/reorder",
    operation_id = "reorderTasks",
    params(PlanId, Change),
    request_body = Reorder,
    responses(Changed<Reorder>, Authenticated, BadRequest, NotFound, Archived, TooLarge)
)]
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

#[utoipa::path(
    get,
    path = "/api/plans/{planId}/progress",
    operation_id = "getProgress",
    params(PlanId),
    responses(
        (status = 200, description = "How far the plan is.", body = Progress),
        Authenticated, BadRequest, NotFound,
    )
)]
pub async fn progress(reader: Reader, plan: PlanId) -> Result<Json<Progress>, ApiError> {
    reader
        .read(move |c, uid| tasks::plan_progress(c, uid, &plan))
        .await
        .map(Json)
}
