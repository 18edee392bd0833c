//! [`DbError`]: what went wrong in persistence, sorted by what a caller can do about it.
//!
//! Nothing here knows about HTTP. The service layer decides what a failure means for a
//! client (a missing row may be "plan not found" or "task not found"); `ApiError`
//! converts what is left at the boundary.
//!
//! Outages are recognised by the kind diesel gives an error, by its type (every pool
//! error is one) or, where diesel offers only the text, in one place:
//! `reports_unreachable_database`.

use diesel::result::{ConnectionError, DatabaseErrorKind, Error as DieselError};

/// The underlying error, kept for the logs.
pub type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failure of a query function or of [`super::Database`].
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A row the statement needed is not there (diesel's `NotFound`, or a query function
    /// that documents it).
    #[error("not found")]
    NotFound,
    /// The statement collided with other data: a unique or foreign key, or a concurrent
    /// transaction (PostgreSQL's serialization failure). Every insert is guarded by a read
    /// under the plan's lock, so reaching a caller it means a bug, not bad input.
    #[error("conflict: {source}")]
    Conflict { source: Source },
    /// The database cannot be reached now: the connection was lost or refused, the pool
    /// gave none in time, SQLite's file is locked. Nothing was written; try again later.
    #[error("{source}")]
    Unavailable { source: Source },
    /// Anything else: a bug, a broken invariant, a panic on the blocking pool.
    #[error("{source}")]
    Other { source: Source },
}

impl DbError {
    /// An unexpected failure with this cause (a message or another error).
    pub fn other(source: impl Into<Source>) -> DbError {
        DbError::Other {
            source: source.into(),
        }
    }

    fn unavailable(source: impl Into<Source>) -> DbError {
        DbError::Unavailable {
            source: source.into(),
        }
    }
}

impl From<DieselError> for DbError {
    fn from(err: DieselError) -> Self {
        let class = match &err {
            DieselError::NotFound => return DbError::NotFound,
            DieselError::DatabaseError(kind, info) => match kind {
                // diesel's own outage kinds: SQLSTATE class 08, a connection libpq marked
                // bad, a statement that could not be sent.
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                    Class::Unavailable
                }
                DatabaseErrorKind::UniqueViolation
                | DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::RestrictViolation
                | DatabaseErrorKind::ExclusionViolation
                | DatabaseErrorKind::SerializationFailure => Class::Conflict,
                _ if reports_unreachable_database(info.message()) => Class::Unavailable,
                _ => Class::Other,
            },
            // `BrokenTransactionManager` stays `Other`: diesel answers it only on a
            // connection whose COMMIT or ROLLBACK failed (that failure, usually a lost
            // connection, is what the caller gets), and the pool never hands such a
            // connection out again; seeing it means we kept using one.
            _ => Class::Other,
        };
        match class {
            Class::Unavailable => DbError::unavailable(err),
            Class::Conflict => DbError::Conflict {
                source: Box::new(err),
            },
            Class::Other => DbError::other(err),
        }
    }
}

/// How a diesel error is sorted (taken by reference, built once the borrow ended).
enum Class {
    Unavailable,
    Conflict,
    Other,
}

/// Whether the message of an error diesel could only call `Unknown` says the database is
/// out of reach for now, rather than that the statement is wrong.
///
/// Text, because there is nothing else to go on for these:
/// - PostgreSQL ending sessions (SQLSTATE 57P01 "terminating connection due to
///   administrator command", 57P03 "the database system is starting up"): diesel maps
///   SQLSTATEs to kinds only for constraints, serialization and class 08, and its error
///   information does not expose the SQLSTATE;
/// - libpq's own messages when the server went away ("server closed the connection
///   unexpectedly", "no connection to the server") before libpq marked the connection
///   bad, which is what diesel's `ClosedConnection` looks at;
/// - SQLite's `SQLITE_BUSY` ("database is locked"): diesel turns only the constraint
///   result codes into kinds, so the code is not reachable.
fn reports_unreachable_database(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("server closed the connection")
        || m.contains("connection refused")
        || m.contains("could not connect")
        || m.contains("terminating connection")
        || m.contains("no connection to the server")
        || m.contains("database is locked")
}

/// Every pool error is a timeout waiting for a connection (the pool is exhausted, or no
/// new connection could be opened): the database cannot serve us now.
impl From<r2d2::Error> for DbError {
    fn from(err: r2d2::Error) -> Self {
        DbError::unavailable(err)
    }
}

impl From<ConnectionError> for DbError {
    fn from(err: ConnectionError) -> Self {
        match err {
            ConnectionError::BadConnection(_) => DbError::unavailable(err),
            ConnectionError::CouldntSetupConfiguration(e) => DbError::from(e),
            other => DbError::other(other),
        }
    }
}

impl From<serde_json::Error> for DbError {
    fn from(err: serde_json::Error) -> Self {
        DbError::other(err)
    }
}

/// Why [`super::Database::connect`] failed: the step, and the database's answer.
#[derive(Debug, thiserror::Error)]
#[error("{step}: {source}")]
pub struct SetupError {
    step: String,
    source: DbError,
}

impl SetupError {
    /// `step` failed with `source` (a diesel, pool, connection or migration error).
    pub(super) fn new(step: impl Into<String>, source: impl Into<DbError>) -> SetupError {
        SetupError {
            step: step.into(),
            source: source.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_string()))
    }

    fn is_unavailable(err: DieselError) -> bool {
        matches!(DbError::from(err), DbError::Unavailable { .. })
    }

    #[test]
    fn the_kinds_diesel_gives_an_outage_are_unavailable_whatever_the_message() {
        assert!(is_unavailable(database_error(
            DatabaseErrorKind::ClosedConnection,
            "whatever"
        )));
        assert!(is_unavailable(database_error(
            DatabaseErrorKind::UnableToSendCommand,
            "whatever"
        )));
    }

    #[test]
    fn unknown_errors_are_unavailable_only_when_their_text_says_the_database_is_unreachable() {
        for message in [
            "server closed the connection unexpectedly\n\tThis probably means …",
            "connection to server at \"127.0.0.1\", port 5432 failed: Connection refused",
            "could not connect to server: No such file or directory",
            "FATAL:  terminating connection due to administrator command",
            "no connection to the server",
            "database is locked",
        ] {
            assert!(
                is_unavailable(database_error(DatabaseErrorKind::Unknown, message)),
                "{message}"
            );
        }
        assert!(!is_unavailable(database_error(
            DatabaseErrorKind::Unknown,
            "no such table: plans"
        )));
        assert!(matches!(
            DbError::from(database_error(DatabaseErrorKind::Unknown, "syntax error")),
            DbError::Other { .. }
        ));
    }

    #[test]
    fn only_unknown_errors_are_read_for_text() {
        let unique = database_error(
            DatabaseErrorKind::UniqueViolation,
            "duplicate key value violates unique constraint \"database is locked\"",
        );
        assert!(matches!(DbError::from(unique), DbError::Conflict { .. }));
    }

    #[test]
    fn a_missing_row_is_not_found_and_key_violations_are_conflicts() {
        assert!(matches!(
            DbError::from(DieselError::NotFound),
            DbError::NotFound
        ));
        for kind in [
            DatabaseErrorKind::UniqueViolation,
            DatabaseErrorKind::ForeignKeyViolation,
            DatabaseErrorKind::SerializationFailure,
        ] {
            assert!(matches!(
                DbError::from(database_error(kind, "x")),
                DbError::Conflict { .. }
            ));
        }
    }

    #[test]
    fn a_broken_transaction_manager_is_a_bug_not_an_outage() {
        assert!(matches!(
            DbError::from(DieselError::BrokenTransactionManager),
            DbError::Other { .. }
        ));
    }

    #[test]
    fn a_refused_connection_is_unavailable_and_a_bad_url_is_not() {
        assert!(matches!(
            DbError::from(ConnectionError::BadConnection("refused".into())),
            DbError::Unavailable { .. }
        ));
        assert!(matches!(
            DbError::from(ConnectionError::InvalidConnectionUrl("x".into())),
            DbError::Other { .. }
        ));
    }

    #[test]
    fn the_logged_detail_is_the_databases_own_message() {
        let err = DbError::from(database_error(
            DatabaseErrorKind::ClosedConnection,
            "server closed the connection",
        ));
        assert_eq!(err.to_string(), "server closed the connection");
    }
}
