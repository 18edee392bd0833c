//! `/api/plans` and `/api/plans/{planId}` (+ archive, restore, presence).

use actix_web::web::{Json, Query};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Change, PlanId, Reader};
use super::openapi::{
    Archived, Authenticated, BadRequest, Changed, Created, Deleted, NotFound, Snapshot, TooLarge,
};
use super::respond::{Mutated, MutationResult, PLAN_SEQ};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::{Participant, Plan, Role};
use crate::realtime::messages::PlanParticipants;
use crate::service::plans::{self, NewPlan, PlanPatch};

/// Creates a plan; the caller becomes its owner. No event (the plan's seq stays 0).
#[utoipa::path(
    post,
    path = "/api/plans",
    operation_id = "createPlan",
    params(Change),
    request_body = NewPlan,
    responses(Created<Plan>, Authenticated, BadRequest, TooLarge)
)]
pub async fn create(change: Change, body: JsonBody<NewPlan>) -> MutationResult<Plan> {
    let max_plans = change.settings().caps.plans_per_user;
    change
        .by_anyone(move |c, actor| plans::create(c, actor, body.0, max_plans))
        .await
        .map(Mutated::created)
}

/// `GET /api/plans?archived=true`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `true`: archived plans too; `false` (the default): only plans not archived.
    #[param(value_type = Option<bool>)]
    archived: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/plans",
    operation_id = "listPlans",
    params(ListQuery),
    responses(
        (status = 200, description = "The plans the caller is a member of, newest first; \
            archived ones only with `archived=true`.", body = Vec<Plan>),
        Authenticated, BadRequest,
    )
)]
pub async fn list(reader: Reader, query: Query<ListQuery>) -> Result<Json<Vec<Plan>>, ApiError> {
    let archived_too = match query.archived.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::bad_field("archived", "must be true or false")),
    };
    reader
        .read(move |c, uid| plans::list(c, uid, archived_too))
        .await
        .map(Json)
}

/// The plan with its tasks and members at one seq, which `X-Plan-Seq` repeats.
#[utoipa::path(
    get,
    path = "/api/plans/{planId}",
    operation_id = "getPlan",
    params(PlanId),
    responses(Snapshot, Authenticated, BadRequest, NotFound)
)]
pub async fn get(reader: Reader, plan: PlanId) -> Result<HttpResponse, ApiError> {
    let snapshot = reader
        .snapshot(move |c, uid| plans::snapshot(c, uid, &plan))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((PLAN_SEQ, snapshot.seq.to_string()))
        .json(snapshot))
}

#[utoipa::path(
    patch,
    path = "/api/plans/{planId}",
    operation_id = "updatePlan",
    params(PlanId, Change),
    request_body = PlanPatch,
    responses(Changed<Plan>, Authenticated, BadRequest, NotFound, Archived, TooLarge)
)]
pub async fn update(
    change: Change,
    plan: PlanId,
    body: JsonBody<PlanPatch>,
) -> MutationResult<Plan> {
    change
        .on_plan(plan, Role::Owner, move |c, actor, plan| {
            plans::update(c, actor, plan, body.0)
        })
        .await
        .map(Mutated::ok)
}

#[utoipa::path(
    delete,
    path = "/api/plans/{planId}",
    operation_id = "deletePlan",
    params(PlanId, Change),
    responses(Deleted, Authenticated, BadRequest, NotFound)
)]
pub async fn delete(change: Change, plan: PlanId) -> MutationResult<()> {
    change
        .on_plan(plan, Role::Owner, |c, actor, plan| {
            plans::delete(c, actor, plan)
        })
        .await
        .map(Mutated::no_content)
}

/// Archives the plan: read-only (409 `archived` to every change but restore and delete)
/// and left out of `GET /api/plans` until restored.
#[utoipa::path(
    post,
    path = "/api/plans/{planId}/archive",
    operation_id = "archivePlan",
    params(PlanId, Change),
    responses(Changed<Plan>, Authenticated, BadRequest, NotFound)
)]
pub async fn archive(change: Change, plan: PlanId) -> MutationResult<Plan> {
    change
        .on_plan(plan, Role::Owner, |c, actor, plan| {
            plans::set_archived(c, actor, plan, true)
        })
        .await
        .map(Mutated::ok)
}

/// Restores an archived plan: writable and listed again.
#[utoipa::path(
    post,
    path = "/api/plans/{planId}/restore",
    operation_id = "restorePlan",
    params(PlanId, Change),
    responses(Changed<Plan>, Authenticated, BadRequest, NotFound)
)]
pub async fn restore(change: Change, plan: PlanId) -> MutationResult<Plan> {
    change
        .on_plan(plan, Role::Owner, |c, actor, plan| {
            plans::set_archived(c, actor, plan, false)
        })
        .await
        .map(Mutated::ok)
}

/// Who is in a plan's room.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    plan_id: String,
    participant_count: usize,
    participants: Vec<Participant>,
}

/// `GET /api/plans/{planId}/presence`: who is in the plan's room on this server.
#[utoipa::path(
    get,
    path = "/api/plans/{planId}/presence",
    operation_id = "getPresence",
    params(PlanId),
    responses(
        (status = 200, description = "Who is in the plan's room.", body = Presence),
        Authenticated, BadRequest, NotFound,
    )
)]
pub async fn presence(reader: Reader, plan: PlanId) -> Result<Json<Presence>, ApiError> {
    let registry = reader.state().registry.clone();
    let plan_id = plan.into_string();
    let pid = plan_id.clone();
    reader
        .read(move |c, uid| crate::service::require_role(c, &pid, uid, Role::Viewer))
        .await?;
    let participants = registry
        .send(PlanParticipants {
            plan_id: plan_id.clone(),
        })
        .await
        .map_err(|e| ApiError::Internal(format!("registry: {e}")))?
        .map_err(|e| ApiError::Internal(format!("room: {e}")))?;
    Ok(Json(Presence {
        plan_id,
        participant_count: participants.len(),
        participants,
    }))
}
