//! A throwaway database that lives as long as a test: a SQLite file in a temp dir, or a
//! fresh PostgreSQL database created through an admin URL (the
//! `LIVEPLAN_TEST_DATABASE_URL` convention) and dropped (`WITH (FORCE)`) when the value is
//! dropped.

use diesel::{Connection, PgConnection, RunQueryDsl};

/// The environment variable that points the tests at a PostgreSQL server: an admin URL
/// (with a database name) through which test databases are created and dropped.
pub const DATABASE_URL_VAR: &str = "LIVEPLAN_TEST_DATABASE_URL";

/// The admin URL from [`DATABASE_URL_VAR`], when it is set and not empty.
pub fn admin_url_from_env() -> Option<String> {
    match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => None,
    }
}

/// A database that lives as long as the test (the PostgreSQL one is dropped at the end).
pub enum TestDatabase {
    /// A SQLite file in this temp dir (removed with it).
    Sqlite { _dir: tempfile::TempDir },
    /// A database `name` created through `admin_url`.
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh PostgreSQL database when [`DATABASE_URL_VAR`] is set (named
    /// `{pg_prefix}_{uuid}`), a SQLite file `sqlite_file` in a temp dir otherwise. Answers
    /// the database and its URL.
    // Used by tests/api, replay_bound and soak; crash runs each backend in its own test.
    #[allow(dead_code)]
    pub fn from_env(pg_prefix: &str, sqlite_file: &str) -> (TestDatabase, String) {
        match admin_url_from_env() {
            Some(admin_url) => TestDatabase::postgres(&admin_url, pg_prefix),
            None => TestDatabase::sqlite(sqlite_file),
        }
    }

    /// A SQLite file `file_name` in a fresh temp dir.
    pub fn sqlite(file_name: &str) -> (TestDatabase, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join(file_name).display());
        (TestDatabase::Sqlite { _dir: dir }, url)
    }

    /// `CREATE DATABASE {prefix}_{uuid}` through `admin_url`; answers its URL (the admin
    /// URL with the database name replaced).
    pub fn postgres(admin_url: &str, prefix: &str) -> (TestDatabase, String) {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(admin_url)
            .expect("LIVEPLAN_TEST_DATABASE_URL must point at a reachable PostgreSQL");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create the test database");
        let (url_prefix, _) = admin_url
            .rsplit_once('/')
            .expect("URL with a database name");
        let url = format!("{url_prefix}/{name}");
        (
            TestDatabase::Postgres {
                admin_url: admin_url.to_string(),
                name,
            },
            url,
        )
    }

    /// `sqlite` or `postgres`, for messages.
    // Used by tests/soak only, which says which backend it ran on.
    #[allow(dead_code)]
    pub fn kind(&self) -> &'static str {
        match self {
            TestDatabase::Sqlite { .. } => "sqlite",
            TestDatabase::Postgres { .. } => "postgres",
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}
