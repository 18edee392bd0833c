//! Plan membership: add, change role, remove.

use serde::Deserialize;
use utoipa::ToSchema;

use super::tasks::save_edit;
use super::{EventWriter, Outcome, RoomEffect};
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::limits::{self, Limit};
use crate::model::{Member, Role, Task, UserRef};
use crate::validate;
use crate::wire::PlanEvent;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberInput {
    pub role: Role,
    /// Display name for a user the server has not seen yet; a known user keeps the name
    /// from their token.
    #[serde(default)]
    pub name: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    plan_id: &str,
) -> Result<Vec<Member>, ApiError> {
    super::require_role(conn, plan_id, user_id, Role::Viewer)?;
    Ok(db::members::list(conn, plan_id)?)
}

/// Refuses a change that would leave the plan without an owner.
fn keep_an_owner(conn: &mut DbConnection, plan_id: &str, current: &Member) -> Result<(), ApiError> {
    if current.role == Role::Owner && db::members::count_owners(conn, plan_id)? <= 1 {
        return Err(ApiError::bad_field(
            "userId",
            "a plan must keep at least one owner",
        ));
    }
    Ok(())
}

/// Adds a member or changes a member's role. A plan has at most `max_members` members
/// (counted under the plan's write lock).
pub fn put(
    conn: &mut DbConnection,
    actor: &UserRef,
    plan_id: &str,
    user_id: &str,
    input: MemberInput,
    max_members: i64,
) -> Result<Outcome<Member>, ApiError> {
    validate::id("userId", user_id)?;
    let name = input
        .name
        .map(|n| validate::title("name", &n, validate::MAX_NAME))
        .transpose()?;
    let mut events = EventWriter::begin(conn, plan_id, actor, Role::Owner)?;
    db::users::ensure(conn, user_id, name.as_deref().unwrap_or(user_id))?;
    let added = match db::members::find(conn, plan_id, user_id)? {
        None => {
            limits::check(
                Limit::MembersPerPlan,
                db::members::count(conn, plan_id)?,
                max_members,
            )?;
            db::members::insert(conn, plan_id, user_id, input.role)?;
            true
        }
        Some(current) if current.role == input.role => return Ok(Outcome::quiet(plan_id, current)),
        Some(current) => {
            if input.role != Role::Owner {
                keep_an_owner(conn, plan_id, &current)?;
            }
            db::members::set_role(conn, plan_id, user_id, input.role)?;
            false
        }
    };
    let member = db::members::find(conn, plan_id, user_id)?
        .ok_or_else(|| ApiError::Internal("member vanished inside its transaction".into()))?;
    let member_ref = &member;
    events.emit(
        conn,
        if added {
            PlanEvent::MemberAdded { member: member_ref }
        } else {
            PlanEvent::MemberUpdated { member: member_ref }
        },
    )?;
    Ok(events.finish(member))
}

/// Removes a member. Their tasks of the plan are unassigned in the same transaction, each
/// with the `task-updated` a PATCH to `assigneeId: null` would store, so that nothing of
/// the plan (a `due-date-reminder` carrying a task) reaches them through an assignment.
pub fn remove(
    conn: &mut DbConnection,
    actor: &UserRef,
    plan_id: &str,
    user_id: &str,
) -> Result<Outcome<()>, ApiError> {
    validate::id("userId", user_id)?;
    let mut events = EventWriter::begin(conn, plan_id, actor, Role::Owner)?;
    let member = db::members::find(conn, plan_id, user_id)?
        .ok_or_else(|| ApiError::NotFound("member not found".into()))?;
    keep_an_owner(conn, plan_id, &member)?;
    for before in db::tasks::assigned_to(conn, plan_id, user_id)? {
        let after = Task {
            assignee_id: None,
            ..before.clone()
        };
        save_edit(conn, &mut events, &before, after)?;
    }
    db::members::delete(conn, plan_id, user_id)?;
    events.emit(conn, PlanEvent::MemberRemoved { member: &member })?;
    let mut outcome = events.finish(());
    outcome.room = RoomEffect::Evict {
        user_id: user_id.to_string(),
    };
    Ok(outcome)
}
