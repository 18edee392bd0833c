//! Plan membership and roles: what the access checks (`service::require_role`, the
//! WebSocket join) read.

use diesel::prelude::*;

use super::models::MemberRow;
use super::schema::{plan_members, plans, users};
use super::{DbConnection, DbError};
use crate::model::{now, Member, Role};

/// The user's role on a live (not deleted) plan, or `None` when not a member.
pub fn role_of(
    conn: &mut DbConnection,
    plan_id: &str,
    user_id: &str,
) -> Result<Option<Role>, DbError> {
    let role: Option<String> = plan_members::table
        .inner_join(plans::table)
        .filter(plan_members::plan_id.eq(plan_id))
        .filter(plan_members::user_id.eq(user_id))
        .filter(plans::deleted_at.is_null())
        .select(plan_members::role)
        .first(conn)
        .optional()?;
    Ok(role.as_deref().and_then(Role::parse))
}

pub fn list(conn: &mut DbConnection, plan_id: &str) -> Result<Vec<Member>, DbError> {
    let rows: Vec<(String, String, String)> = plan_members::table
        .inner_join(users::table)
        .filter(plan_members::plan_id.eq(plan_id))
        .order((plan_members::created_at, plan_members::user_id))
        .select((plan_members::user_id, users::name, plan_members::role))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name, role)| Member {
            plan_id: plan_id.to_string(),
            user_id,
            name,
            role: Role::parse(&role).unwrap_or(Role::Viewer),
        })
        .collect())
}

pub fn find(
    conn: &mut DbConnection,
    plan_id: &str,
    user_id: &str,
) -> Result<Option<Member>, DbError> {
    let row: Option<(String, String)> = plan_members::table
        .inner_join(users::table)
        .filter(plan_members::plan_id.eq(plan_id))
        .filter(plan_members::user_id.eq(user_id))
        .select((users::name, plan_members::role))
        .first(conn)
        .optional()?;
    Ok(row.map(|(name, role)| Member {
        plan_id: plan_id.to_string(),
        user_id: user_id.to_string(),
        name,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
    }))
}

pub fn insert(
    conn: &mut DbConnection,
    plan_id: &str,
    user_id: &str,
    role: Role,
) -> Result<(), DbError> {
    let row = MemberRow {
        plan_id: plan_id.to_string(),
        user_id: user_id.to_string(),
        role: role.as_str().to_string(),
        created_at: now(),
    };
    diesel::insert_into(plan_members::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

pub fn set_role(
    conn: &mut DbConnection,
    plan_id: &str,
    user_id: &str,
    role: Role,
) -> Result<(), DbError> {
    diesel::update(plan_members::table.find((plan_id, user_id)))
        .set(plan_members::role.eq(role.as_str()))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, plan_id: &str, user_id: &str) -> Result<(), DbError> {
    diesel::delete(plan_members::table.find((plan_id, user_id))).execute(conn)?;
    Ok(())
}

pub fn delete_all(conn: &mut DbConnection, plan_id: &str) -> Result<(), DbError> {
    diesel::delete(plan_members::table.filter(plan_members::plan_id.eq(plan_id))).execute(conn)?;
    Ok(())
}

pub fn count(conn: &mut DbConnection, plan_id: &str) -> Result<i64, DbError> {
    Ok(plan_members::table
        .filter(plan_members::plan_id.eq(plan_id))
        .count()
        .get_result(conn)?)
}

pub fn count_owners(conn: &mut DbConnection, plan_id: &str) -> Result<i64, DbError> {
    Ok(plan_members::table
        .filter(plan_members::plan_id.eq(plan_id))
        .filter(plan_members::role.eq(Role::Owner.as_str()))
        .count()
        .get_result(conn)?)
}
