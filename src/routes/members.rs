//! `/api/plans/{planId}/members`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{exclusion, mutation_response, State};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::Role;
use crate::service::{self, members::MemberInput, Access};
use crate::validate;

pub async fn list(
    state: State,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.into_inner();
    validate::id("planId", &plan_id)?;
    let uid = user.id().to_string();
    let members = state
        .db
        .read(move |c| service::members::list(c, &uid, &plan_id))
        .await?;
    Ok(HttpResponse::Ok().json(members))
}

pub async fn put(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: JsonBody<MemberInput>,
) -> Result<HttpResponse, ApiError> {
    let (plan_id, user_id) = path.into_inner();
    validate::id("planId", &plan_id)?;
    validate::id("userId", &user_id)?;
    let access = Access::plan(user.id(), &plan_id, Role::Owner);
    let actor = user.user().clone();
    let max_members = state.settings.caps.members_per_plan;
    let outcome = service::commit(&state, exclusion(&req, &user), access, move |c| {
        service::members::put(c, &actor, &plan_id, &user_id, body.0, max_members)
    })
    .await?;
    Ok(mutation_response(
        StatusCode::OK,
        &outcome,
        Some(&outcome.value),
    ))
}

pub async fn remove(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (plan_id, user_id) = path.into_inner();
    validate::id("planId", &plan_id)?;
    validate::id("userId", &user_id)?;
    let access = Access::plan(user.id(), &plan_id, Role::Owner);
    let actor = user.user().clone();
    let outcome = service::commit(&state, exclusion(&req, &user), access, move |c| {
        service::members::remove(c, &actor, &plan_id, &user_id)
    })
    .await?;
    Ok(mutation_response::<_, ()>(
        StatusCode::NO_CONTENT,
        &outcome,
        None,
    ))
}
