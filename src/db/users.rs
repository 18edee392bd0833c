//! Users are known from their tokens; rows exist so members and tasks can name them.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::models::UserRow;
use super::schema::users;
use super::{DbConnection, DbError};
use crate::model::now;

/// Creates or refreshes the user's row with what the token says.
pub fn upsert(
    conn: &mut DbConnection,
    id: &str,
    name: &str,
    email: Option<&str>,
) -> Result<(), DbError> {
    let t = now();
    let updated = diesel::update(users::table.find(id))
        .set((
            users::name.eq(name),
            users::email.eq(email),
            users::updated_at.eq(t),
        ))
        .execute(conn)?;
    if updated == 0 {
        let row = UserRow {
            id: id.to_string(),
            name: name.to_string(),
            email: email.map(str::to_string),
            created_at: t,
            updated_at: t,
        };
        insert_unless_present(conn, &row)?;
    }
    Ok(())
}

/// Inserts the row; if a concurrent request inserted the same user first, keeps theirs.
/// The insert runs in a savepoint (a nested transaction): on PostgreSQL a failed statement
/// would otherwise abort the whole surrounding transaction.
fn insert_unless_present(conn: &mut DbConnection, row: &UserRow) -> Result<(), DbError> {
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(users::table)
            .values(row)
            .execute(conn)
            .map(|_| ())
    });
    match inserted {
        // Another request for the same new user won the race; its row is as good.
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
        other => Ok(other?),
    }
}

/// Makes sure a row exists for a user who may never have signed in (added as a member by
/// id); an existing row keeps its name. Returns the user's name.
pub fn ensure(conn: &mut DbConnection, id: &str, fallback_name: &str) -> Result<String, DbError> {
    if let Some(name) = name_of(conn, id)? {
        return Ok(name);
    }
    let t = now();
    let row = UserRow {
        id: id.to_string(),
        name: fallback_name.to_string(),
        email: None,
        created_at: t,
        updated_at: t,
    };
    insert_unless_present(conn, &row)?;
    // Whoever won a race, the stored name is the one to answer.
    Ok(name_of(conn, id)?.unwrap_or(row.name))
}

/// Takes the user row's write lock for the rest of the transaction (PostgreSQL; SQLite
/// has one writer anyway), so that one user's plan creations run one after another and the
/// plan count cannot be passed by concurrent requests. Creates the row when missing.
pub fn lock(conn: &mut DbConnection, id: &str, fallback_name: &str) -> Result<(), DbError> {
    let touch = |conn: &mut DbConnection| {
        diesel::update(users::table.find(id))
            .set(users::updated_at.eq(users::updated_at))
            .execute(conn)
    };
    if touch(conn)? == 0 {
        ensure(conn, id, fallback_name)?;
        touch(conn)?;
    }
    Ok(())
}

pub fn name_of(conn: &mut DbConnection, id: &str) -> Result<Option<String>, DbError> {
    Ok(users::table
        .find(id)
        .select(users::name)
        .first::<String>(conn)
        .optional()?)
}
