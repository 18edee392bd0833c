//! `/api/tasks/{taskId}/comments`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{exclusion, mutation_response, State};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::Role;
use crate::service::{self, comments::NewComment, Access};

pub async fn add(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<NewComment>,
) -> Result<HttpResponse, ApiError> {
    let task_id = path.into_inner();
    let access = Access::task(user.id(), &task_id, Role::Editor);
    let actor = user.user().clone();
    let outcome = service::commit(&state, exclusion(&req, &user), access, move |c| {
        service::comments::add(c, &actor, &task_id, body.0)
    })
    .await?;
    Ok(mutation_response(
        StatusCode::CREATED,
        &outcome,
        Some(&outcome.value),
    ))
}

pub async fn list(
    state: State,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let task_id = path.into_inner();
    let uid = user.id().to_string();
    let comments = state
        .db
        .read(move |c| service::comments::list(c, &uid, &task_id))
        .await?;
    Ok(HttpResponse::Ok().json(comments))
}
