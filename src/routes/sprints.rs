//! `/api/plans/{planId}/sprints` and `/api/sprints/{sprintId}…` (contract §6.1).

use actix_web::web::Json;

use super::extract::{Change, PlanId, Reader, SprintId};
use super::openapi::{
    Authenticated, BadRequest, Changed, Created, NotFound, SprintConflict, TooLarge,
};
use super::respond::{Mutated, MutationResult};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::{Role, Sprint, SprintCompletion};
use crate::service::sprints::{self, CarryOver, NewSprint, SprintPatch};

#[utoipa::path(
    get,
    path = "/api/plans/{planId}/sprints",
    operation_id = "listSprints",
    params(PlanId),
    responses(
        (status = 200, description = "The plan's sprints in creation order.", body = Vec<Sprint>),
        Authenticated, BadRequest, NotFound,
    )
)]
pub async fn list(reader: Reader, plan: PlanId) -> Result<Json<Vec<Sprint>>, ApiError> {
    reader
        .read(move |c, uid| sprints::list(c, uid, &plan))
        .await
        .map(Json)
}

#[utoipa::path(
    post,
    path = "/api/plans/{planId}/sprints",
    operation_id = "createSprint",
    params(PlanId, Change),
    request_body = NewSprint,
    responses(Created<Sprint>, Authenticated, BadRequest, NotFound, TooLarge)
)]
pub async fn create(
    change: Change,
    plan: PlanId,
    body: JsonBody<NewSprint>,
) -> MutationResult<Sprint> {
    change
        .on_plan(plan, Role::Editor, move |c, actor, plan| {
            sprints::create(c, actor, plan, body.0)
        })
        .await
        .map(Mutated::created)
}

#[utoipa::path(
    patch,
    path = "/api/sprints/{sprintId}",
    operation_id = "updateSprint",
    params(SprintId, Change),
    request_body = SprintPatch,
    responses(Changed<Sprint>, Authenticated, BadRequest, NotFound, SprintConflict, TooLarge)
)]
pub async fn update(
    change: Change,
    sprint: SprintId,
    body: JsonBody<SprintPatch>,
) -> MutationResult<Sprint> {
    change
        .on(sprint, Role::Editor, move |c, actor, sprint| {
            sprints::update(c, actor, sprint, body.0)
        })
        .await
        .map(Mutated::ok)
}

/// Starts a planned sprint; no body.
#[utoipa::path(
    post,
    path = "/api/sprints/{sprintId}/start",
    operation_id = "startSprint",
    params(SprintId, Change),
    responses(Changed<Sprint>, Authenticated, BadRequest, NotFound, SprintConflict)
)]
pub async fn start(change: Change, sprint: SprintId) -> MutationResult<Sprint> {
    change
        .on(sprint, Role::Editor, move |c, actor, sprint| {
            sprints::start(c, actor, sprint)
        })
        .await
        .map(Mutated::ok)
}

#[utoipa::path(
    post,
    path = "/api/sprints/{sprintId}/complete",
    operation_id = "completeSprint",
    params(SprintId, Change),
    request_body = CarryOver,
    responses(
        Changed<SprintCompletion>, Authenticated, BadRequest, NotFound, SprintConflict, TooLarge
    )
)]
pub async fn complete(
    change: Change,
    sprint: SprintId,
    body: JsonBody<CarryOver>,
) -> MutationResult<SprintCompletion> {
    change
        .on(sprint, Role::Editor, move |c, actor, sprint| {
            sprints::complete(c, actor, sprint, body.0)
        })
        .await
        .map(Mutated::ok)
}
