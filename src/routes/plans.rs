//! `/api/plans` and `/api/plans/{planId}` (+ presence).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{exclusion, mutation_response, State};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::Role;
use crate::realtime::messages::PlanParticipants;
use crate::service::{self, plans::NewPlan, plans::PlanPatch, Access};
use crate::validate;

pub async fn create(
    state: State,
    user: AuthUser,
    body: JsonBody<NewPlan>,
) -> Result<HttpResponse, ApiError> {
    let access = Access::any_user(user.id());
    let actor = user.user().clone();
    let max_plans = state.settings.caps.plans_per_user;
    let outcome = service::commit(&state, None, access, move |c| {
        service::plans::create(c, &actor, body.0, max_plans)
    })
    .await?;
    Ok(mutation_response(
        StatusCode::CREATED,
        &outcome,
        Some(&outcome.value),
    ))
}

pub async fn list(state: State, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let uid = user.id().to_string();
    let plans = state
        .db
        .read(move |c| service::plans::list(c, &uid))
        .await?;
    Ok(HttpResponse::Ok().json(plans))
}

pub async fn get(
    state: State,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.into_inner();
    validate::id("planId", &plan_id)?;
    let uid = user.id().to_string();
    let snapshot = state
        .db
        .snapshot(move |c| service::plans::snapshot(c, &uid, &plan_id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("X-Plan-Seq", snapshot.seq.to_string()))
        .json(snapshot))
}

pub async fn update(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<PlanPatch>,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.into_inner();
    validate::id("planId", &plan_id)?;
    let access = Access::plan(user.id(), &plan_id, Role::Owner);
    let actor = user.user().clone();
    let outcome = service::commit(&state, exclusion(&req, &user), access, move |c| {
        service::plans::update(c, &actor, &plan_id, body.0)
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
    let plan_id = path.into_inner();
    validate::id("planId", &plan_id)?;
    let access = Access::plan(user.id(), &plan_id, Role::Owner);
    let actor = user.user().clone();
    let outcome = service::commit(&state, exclusion(&req, &user), access, move |c| {
        service::plans::delete(c, &actor, &plan_id)
    })
    .await?;
    Ok(mutation_response::<_, ()>(
        StatusCode::NO_CONTENT,
        &outcome,
        None,
    ))
}

/// `GET /api/plans/{planId}/presence`: who is in the plan's room on this server.
pub async fn presence(
    state: State,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.into_inner();
    validate::id("planId", &plan_id)?;
    let (uid, pid) = (user.id().to_string(), plan_id.clone());
    state
        .db
        .read(move |c| service::require_role(c, &pid, &uid, crate::model::Role::Viewer))
        .await?;
    let participants = state
        .registry
        .send(PlanParticipants {
            plan_id: plan_id.clone(),
        })
        .await
        .map_err(|e| ApiError::Internal(format!("registry: {e}")))?
        .map_err(|e| ApiError::Internal(format!("room: {e}")))?;
    Ok(HttpResponse::Ok().json(json!({
        "planId": plan_id,
        "participantCount": participants.len(),
        "participants": participants,
    })))
}
