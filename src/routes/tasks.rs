//! `/api/plans/{planId}/tasks…` and `/api/tasks/{taskId}`.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use super::{exclusion, mutation_response, State};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::Role;
use crate::service::{self, tasks::NewTask, tasks::Reorder, tasks::TaskPatch, Access};
use crate::validate;

pub async fn list(
    state: State,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.into_inner();
    validate::id("planId", &plan_id)?;
    let uid = user.id().to_string();
    let tasks = state
        .db
        .read(move |c| service::tasks::list(c, &uid, &plan_id))
        .await?;
    Ok(HttpResponse::Ok().json(tasks))
}

pub async fn create(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<NewTask>,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.into_inner();
    validate::id("planId", &plan_id)?;
    let access = Access::plan(user.id(), &plan_id, Role::Editor);
    let actor = user.user().clone();
    let max_tasks = state.settings.caps.tasks_per_plan;
    let outcome = service::commit(&state, exclusion(&req, &user), access, move |c| {
        service::tasks::create(c, &actor, &plan_id, body.0, max_tasks)
    })
    .await?;
    Ok(mutation_response(
        StatusCode::CREATED,
        &outcome,
        Some(&outcome.value),
    ))
}

pub async fn get(
    state: State,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let task_id = path.into_inner();
    let uid = user.id().to_string();
    let task = state
        .db
        .read(move |c| service::tasks::get(c, &uid, &task_id))
        .await?;
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

pub async fn update(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<TaskPatch>,
) -> Result<HttpResponse, ApiError> {
    let task_id = path.into_inner();
    let patch = body.0;
    let expected = match (if_match_version(&req)?, patch.version) {
        (Some(h), Some(b)) if h != b => {
            return Err(ApiError::bad_field(
                "version",
                "differs from the If-Match header",
            ))
        }
        (h, b) => h.or(b),
    };
    let access = Access::task(user.id(), &task_id, Role::Editor);
    let actor = user.user().clone();
    let outcome = service::commit(&state, exclusion(&req, &user), access, move |c| {
        service::tasks::update(c, &actor, &task_id, patch, expected)
    })
    .await?;
    Ok(mutation_response(
        StatusCode::OK,
        &outcome,
        Some(&outcome.value),
    ))
}

pub async fn delete(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let task_id = path.into_inner();
    let access = Access::task(user.id(), &task_id, Role::Editor);
    let actor = user.user().clone();
    let outcome = service::commit(&state, exclusion(&req, &user), access, move |c| {
        service::tasks::delete(c, &actor, &task_id)
    })
    .await?;
    Ok(mutation_response::<_, ()>(
        StatusCode::NO_CONTENT,
        &outcome,
        None,
    ))
}

pub async fn reorder(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<Reorder>,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.into_inner();
    validate::id("planId", &plan_id)?;
    let access = Access::plan(user.id(), &plan_id, Role::Editor);
    let actor = user.user().clone();
    let outcome = service::commit(&state, exclusion(&req, &user), access, move |c| {
        service::tasks::reorder(c, &actor, &plan_id, body.0)
    })
    .await?;
    Ok(mutation_response(
        StatusCode::OK,
        &outcome,
        Some(&outcome.value),
    ))
}

pub async fn progress(
    state: State,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.into_inner();
    validate::id("planId", &plan_id)?;
    let uid = user.id().to_string();
    let progress = state
        .db
        .read(move |c| service::tasks::plan_progress(c, &uid, &plan_id))
        .await?;
    Ok(HttpResponse::Ok().json(progress))
}
