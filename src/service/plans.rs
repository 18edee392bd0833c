//! Plans: create, read, rename, archive and restore, delete. An archived plan is
//! read-only (`super::EventWriter::begin` refuses every change to it with 409 `archived`)
//! but for restoring it, archiving it again (no change) and deleting it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{EventWriter, Outcome, RoomEffect};
use crate::db::models::PlanRow;
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::json::double_option;
use crate::limits::{self, Limit};
use crate::model::{now, Column, Member, Plan, Role, Sprint, Task, UserRef};
use crate::validate;
use crate::wire::PlanEvent;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewPlan {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
}

/// `GET /api/plans/{id}`: everything a client needs to draw the board, and the seq it
/// reflects (resume live events with `since` = this seq).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSnapshot {
    pub plan: Plan,
    /// The board's columns, in order.
    pub columns: Vec<Column>,
    /// In board order: by column, then position.
    pub tasks: Vec<Task>,
    pub members: Vec<Member>,
    /// All the plan's sprints, in creation order.
    pub sprints: Vec<Sprint>,
    pub seq: i64,
}

/// Creates a plan owned by `actor`, who may own at most `max_plans` (counted under the
/// user row's lock, so concurrent creations cannot pass the cap together).
pub fn create(
    conn: &mut DbConnection,
    actor: &UserRef,
    input: NewPlan,
    max_plans: i64,
) -> Result<Outcome<Plan>, ApiError> {
    let (title, description) =
        validate::title_and_description(&input.title, input.description.as_deref())?;
    db::users::lock(conn, &actor.id, &actor.name)?;
    limits::check(
        Limit::PlansPerUser,
        db::plans::count_owned(conn, &actor.id)?,
        max_plans,
    )?;
    let t = now();
    let row = PlanRow {
        id: uuid::Uuid::new_v4().to_string(),
        title,
        description,
        owner_id: actor.id.clone(),
        seq: 0,
        created_at: t,
        updated_at: t,
        deleted_at: None,
        archived_at: None,
    };
    db::plans::insert(conn, &row)?;
    db::members::insert(conn, &row.id, &actor.id, Role::Owner)?;
    // The plan's starting board; no event (the plan's seq stays 0): every plan starts
    // with these, so a replay of its log starts from them too.
    db::columns::insert_defaults(conn, &row.id, t)?;
    let plan = Plan::from(row);
    Ok(Outcome::quiet(&plan.id.clone(), plan))
}

/// The caller's plans, newest first; archived ones only with `archived_too`.
pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    archived_too: bool,
) -> Result<Vec<Plan>, ApiError> {
    Ok(db::plans::list_for_user(conn, user_id, archived_too)?
        .into_iter()
        .map(Plan::from)
        .collect())
}

pub fn snapshot(
    conn: &mut DbConnection,
    user_id: &str,
    plan_id: &str,
) -> Result<PlanSnapshot, ApiError> {
    super::require_role(conn, plan_id, user_id, Role::Viewer)?;
    let row = db::plans::find(conn, plan_id)?.ok_or_else(ApiError::plan_not_found)?;
    Ok(PlanSnapshot {
        seq: row.seq,
        plan: Plan::from(row),
        columns: db::columns::list(conn, plan_id)?,
        tasks: db::tasks::list(conn, plan_id)?,
        members: db::members::list(conn, plan_id)?,
        sprints: db::sprints::list(conn, plan_id)?,
    })
}

pub fn update(
    conn: &mut DbConnection,
    actor: &UserRef,
    plan_id: &str,
    patch: PlanPatch,
) -> Result<Outcome<Plan>, ApiError> {
    let (title, description) = validate::title_and_description_patch(
        patch.title.as_deref(),
        patch.description.as_ref().map(Option::as_deref),
    )?;
    let mut events = EventWriter::begin(conn, plan_id, actor, Role::Owner)?;
    let current = db::plans::find(conn, plan_id)?.ok_or_else(ApiError::plan_not_found)?;
    let new_title = title.unwrap_or_else(|| current.title.clone());
    let new_description = description.unwrap_or_else(|| current.description.clone());
    if new_title == current.title && new_description == current.description {
        return Ok(Outcome::quiet(plan_id, Plan::from(current)));
    }
    let plan = db::plans::update(conn, plan_id, &new_title, new_description.as_deref())?
        .map(Plan::from)
        .ok_or_else(ApiError::plan_not_found)?;
    events.emit(conn, PlanEvent::PlanUpdated { plan: &plan })?;
    Ok(events.finish(plan))
}

/// Archives the plan (`archive`) or restores it: sets or clears `archivedAt`, with
/// `plan-archived` or `plan-restored`. Asking for the state it is in changes nothing (no
/// event), as a PATCH that changes nothing.
pub fn set_archived(
    conn: &mut DbConnection,
    actor: &UserRef,
    plan_id: &str,
    archive: bool,
) -> Result<Outcome<Plan>, ApiError> {
    let mut events = EventWriter::begin_even_if_archived(conn, plan_id, actor, Role::Owner)?;
    if events.archived_at().is_some() == archive {
        let current = db::plans::find(conn, plan_id)?.ok_or_else(ApiError::plan_not_found)?;
        return Ok(Outcome::quiet(plan_id, Plan::from(current)));
    }
    let plan = db::plans::set_archived(conn, plan_id, archive)?
        .map(Plan::from)
        .ok_or_else(ApiError::plan_not_found)?;
    let event = match archive {
        true => PlanEvent::PlanArchived { plan: &plan },
        false => PlanEvent::PlanRestored { plan: &plan },
    };
    events.emit(conn, event)?;
    Ok(events.finish(plan))
}

pub fn delete(
    conn: &mut DbConnection,
    actor: &UserRef,
    plan_id: &str,
) -> Result<Outcome<()>, ApiError> {
    // An archived plan may be deleted without being restored first.
    let mut events = EventWriter::begin_even_if_archived(conn, plan_id, actor, Role::Owner)?;
    events.emit(conn, PlanEvent::PlanDeleted { plan_id })?;
    // The plan row stays (deleted_at set) so its event log does too; members go, so
    // nobody can see or join it any more.
    db::tasks::delete_all(conn, plan_id)?;
    db::columns::delete_all(conn, plan_id)?;
    db::sprints::delete_all(conn, plan_id)?;
    db::members::delete_all(conn, plan_id)?;
    db::plans::mark_deleted(conn, plan_id)?;
    let mut outcome = events.finish(());
    outcome.room = RoomEffect::Close;
    Ok(outcome)
}
