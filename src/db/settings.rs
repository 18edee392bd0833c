//! Server-wide settings kept in the database (the dev-mode signing secret).

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::server_settings;
use super::{DbConnection, DbError};

pub fn get(conn: &mut DbConnection, name: &str) -> Result<Option<String>, DbError> {
    Ok(server_settings::table
        .find(name)
        .select(server_settings::value)
        .first(conn)
        .optional()?)
}

/// Stores `value` unless a value is already there, and returns the stored one, so two
/// instances starting at once agree on one value.
pub fn get_or_insert(conn: &mut DbConnection, name: &str, value: &str) -> Result<String, DbError> {
    if let Some(existing) = get(conn, name)? {
        return Ok(existing);
    }
    match diesel::insert_into(server_settings::table)
        .values((
            server_settings::name.eq(name),
            server_settings::value.eq(value),
        ))
        .execute(conn)
    {
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {}
        other => {
            other?;
        }
    }
    get(conn, name)?.ok_or_else(|| DbError::other(format!("setting {name} vanished")))
}
