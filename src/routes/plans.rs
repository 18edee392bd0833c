//! `/api/plans` and `/api/plans/{planId}` (+ presence).

use actix_web::web::Json;
use actix_web::HttpResponse;
use serde_json::json;

use super::extract::{Change, PlanId, Reader};
use super::respond::{Mutated, MutationResult};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::{Plan, Role};
use crate::realtime::messages::PlanParticipants;
use crate::service::plans::{self, NewPlan, PlanPatch};

pub async fn create(change: Change, body: JsonBody<NewPlan>) -> MutationResult<Plan> {
    let max_plans = change.settings().caps.plans_per_user;
    change
        .by_anyone(move |c, actor| plans::create(c, actor, body.0, max_plans))
        .await
        .map(Mutated::created)
}

pub async fn list(reader: Reader) -> Result<Json<Vec<Plan>>, ApiError> {
    reader.read(plans::list).await.map(Json)
}

/// The plan with its tasks and members at one seq, which `X-Plan-Seq` repeats.
pub async fn get(reader: Reader, plan: PlanId) -> Result<HttpResponse, ApiError> {
    let snapshot = reader
        .snapshot(move |c, uid| plans::snapshot(c, uid, &plan))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("X-Plan-Seq", snapshot.seq.to_string()))
        .json(snapshot))
}

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

pub async fn delete(change: Change, plan: PlanId) -> MutationResult<()> {
    change
        .on_plan(plan, Role::Owner, |c, actor, plan| {
            plans::delete(c, actor, plan)
        })
        .await
        .map(Mutated::no_content)
}

/// `GET /api/plans/{planId}/presence`: who is in the plan's room on this server.
pub async fn presence(reader: Reader, plan: PlanId) -> Result<HttpResponse, ApiError> {
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
    Ok(HttpResponse::Ok().json(json!({
        "planId": plan_id,
        "participantCount": participants.len(),
        "participants": participants,
    })))
}
