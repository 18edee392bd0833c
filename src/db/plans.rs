//! Plan rows. A deleted plan keeps its row (and so its event log) with `deleted_at` set;
//! every lookup here treats it as absent.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::PlanRow;
use super::schema::{plan_members, plans};
use super::{DbConnection, DbError};
use crate::model::now;

pub fn insert(conn: &mut DbConnection, row: &PlanRow) -> Result<(), DbError> {
    diesel::insert_into(plans::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<PlanRow>, DbError> {
    Ok(plans::table
        .find(id)
        .filter(plans::deleted_at.is_null())
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?)
}

/// First statement of every write transaction on a plan: takes the plan row's lock
/// (PostgreSQL) so that writers of one plan run one after another and seq stays gapless
/// and in commit order. Answers when the plan was archived (`None`: it is not), read in
/// the same statement, under the lock. [`DbError::NotFound`] when the plan does not exist
/// or is deleted.
pub fn lock_for_write(conn: &mut DbConnection, id: &str) -> Result<Option<NaiveDateTime>, DbError> {
    diesel::update(plans::table.find(id).filter(plans::deleted_at.is_null()))
        .set(plans::seq.eq(plans::seq))
        .returning(plans::archived_at)
        .get_result(conn)
        .optional()?
        .ok_or(DbError::NotFound)
}

/// Plans the user created that are not deleted (what `LIVEPLAN_MAX_PLANS_PER_USER` caps).
pub fn count_owned(conn: &mut DbConnection, user_id: &str) -> Result<i64, DbError> {
    Ok(plans::table
        .filter(plans::owner_id.eq(user_id))
        .filter(plans::deleted_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Plans the user is a member of, newest first; archived ones only with `archived_too`.
pub fn list_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    archived_too: bool,
) -> Result<Vec<PlanRow>, DbError> {
    let mut query = plans::table
        .inner_join(plan_members::table)
        .filter(plan_members::user_id.eq(user_id))
        .filter(plans::deleted_at.is_null())
        .order((plans::created_at.desc(), plans::id))
        .select(PlanRow::as_select())
        .into_boxed();
    if !archived_too {
        query = query.filter(plans::archived_at.is_null());
    }
    Ok(query.load(conn)?)
}

/// The plan's last event number (0 before the first event). Deleted plans still answer,
/// since their event log is still readable.
pub fn current_seq(conn: &mut DbConnection, id: &str) -> Result<Option<i64>, DbError> {
    Ok(plans::table
        .find(id)
        .select(plans::seq)
        .first(conn)
        .optional()?)
}

/// Takes the next seq for the plan (one statement: `UPDATE … RETURNING`); the caller
/// writes the event row with it. [`DbError::NotFound`] when the plan row is missing.
pub fn next_seq(conn: &mut DbConnection, id: &str) -> Result<i64, DbError> {
    Ok(diesel::update(plans::table.find(id))
        .set(plans::seq.eq(plans::seq + 1))
        .returning(plans::seq)
        .get_result(conn)?)
}

/// Sets the title and description; answers the plan as it is now, `None` when it is gone.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    title: &str,
    description: Option<&str>,
) -> Result<Option<PlanRow>, DbError> {
    diesel::update(plans::table.find(id))
        .set((
            plans::title.eq(title),
            plans::description.eq(description),
            plans::updated_at.eq(now()),
        ))
        .execute(conn)?;
    find(conn, id)
}

/// Archives the plan (`archived_at` = `updated_at` = now) or restores it (`archived_at`
/// cleared); answers it as it is now, `None` when it is gone.
pub fn set_archived(
    conn: &mut DbConnection,
    id: &str,
    archived: bool,
) -> Result<Option<PlanRow>, DbError> {
    let t = now();
    diesel::update(plans::table.find(id))
        .set((
            plans::archived_at.eq(archived.then_some(t)),
            plans::updated_at.eq(t),
        ))
        .execute(conn)?;
    find(conn, id)
}

pub fn mark_deleted(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    let t = now();
    diesel::update(plans::table.find(id))
        .set((plans::deleted_at.eq(t), plans::updated_at.eq(t)))
        .execute(conn)?;
    Ok(())
}
