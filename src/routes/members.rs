//! `/api/plans/{planId}/members`.

use actix_web::web::Json;

use super::extract::{Change, PlanId, Reader, UserId};
use super::respond::{Mutated, MutationResult};
use crate::error::ApiError;
use crate::json::JsonBody;
use crate::model::{Member, Role};
use crate::service::members::{self, MemberInput};

pub async fn list(reader: Reader, plan: PlanId) -> Result<Json<Vec<Member>>, ApiError> {
    reader
        .read(move |c, uid| members::list(c, uid, &plan))
        .await
        .map(Json)
}

/// Adds the user to the plan, or changes their role.
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

pub async fn remove(change: Change, plan: PlanId, user: UserId) -> MutationResult<()> {
    change
        .on_plan(plan, Role::Owner, move |c, actor, plan| {
            members::remove(c, actor, plan, &user)
        })
        .await
        .map(Mutated::no_content)
}
