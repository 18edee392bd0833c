//! `/api/plans/{planId}/members`.

use actix_web::web::Json;

use super::extract::{Change, PlanId, Reader, UserId};
use super::openapi::{Archived, Authenticated, BadRequest, Changed, Deleted, NotFound, TooLarge};
use super::respond::{Mutated, MutationResult};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::{Member, Role};
use crate::service::members::{self, MemberInput};

#[utoipa::path(
    get,
    path = "/api/plans/{planId}/members",
    operation_id = "listMembers",
    params(PlanId),
    responses(
        (status = 200, description = "The plan's members, oldest membership first.", body = Vec<Member>),
        Authenticated, BadRequest, NotFound,
    )
)]
pub async fn list(reader: Reader, plan: PlanId) -> Result<Json<Vec<Member>>, ApiError> {
    reader
        .read(move |c, uid| members::list(c, uid, &plan))
        .await
        .map(Json)
}

/// Adds the user to the plan, or changes their role.
#[utoipa::path(
    put,
    path = "/api/plans/{planId}/members/{userId}",
    operation_id = "putMember",
    params(PlanId, UserId, Change),
    request_body = MemberInput,
    responses(Changed<Member>, Authenticated, BadRequest, NotFound, Archived, TooLarge)
)]
pub async fn put(
    change: Change,
    plan: PlanId,
    user: UserId,
    body: JsonBody<MemberInput>,
) -> MutationResult<Member> {
    let max_members = change.settings().caps.members_per_plan;
    change
        .on_plan(plan, Role::Owner, move |c, actor, plan| {
            members::put(c, actor, plan, &user, body.0, max_members)
        })
        .await
        .map(Mutated::ok)
}

#[utoipa::path(
    delete,
    path = "/api/plans/{planId}/members/{userId}",
    operation_id = "removeMember",
    params(PlanId, UserId, Change),
    responses(Deleted, Authenticated, BadRequest, NotFound, Archived)
)]
pub async fn remove(change: Change, plan: PlanId, user: UserId) -> MutationResult<()> {
    change
        .on_plan(plan, Role::Owner, move |c, actor, plan| {
            members::remove(c, actor, plan, &user)
        })
        .await
        .map(Mutated::no_content)
}
