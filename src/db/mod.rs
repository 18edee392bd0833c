//! Persistence: one diesel code base for SQLite (default, bundled) and PostgreSQL.
//!
//! Nothing here knows about HTTP or the web framework: query functions answer
//! [`DbError`]; what a missing row or an outage means for a client is decided above, by
//! the services and the boundary's `ApiError`.
//!
//! # Layout
//! - [`DbConnection`]: diesel `MultiConnection` over both backends; every query function
//!   takes `&mut DbConnection`, so nothing is written twice.
//! - [`Database`]: the r2d2 pool plus the rules for using it from async code: every call
//!   runs on tokio's blocking thread pool (`spawn_blocking`), never on an event loop;
//!   writes go through [`Database::write`], which opens the transaction. Its closures may
//!   fail with any error that a [`DbError`] converts into, so a service returns its own.
//! - [`error`]: [`DbError`] (not found, conflict, unavailable, other) and [`SetupError`].
//! - one module per table (`users`, `plans`, `members`, `columns`, `tasks`, `sprints`,
//!   `comments`, `events`, `settings`, `due_reminders`), each with plain synchronous query functions that
//!   answer `Result<_, DbError>`; an absent row is an `Option` or a documented
//!   [`DbError::NotFound`], never a client-facing error.

pub mod columns;
pub mod comments;
pub mod due_reminders;
pub mod error;
pub mod events;
pub mod members;
pub mod models;
pub mod plans;
pub mod schema;
pub mod settings;
pub mod sprints;
pub mod tasks;
pub mod users;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, Pool};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use error::{DbError, SetupError};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `postgres://` and `postgresql://` mean PostgreSQL; `sqlite://path`, `sqlite:path`
    /// and a bare file path mean SQLite.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// What diesel's SQLite driver wants: a path, `:memory:` or a `file:` URI.
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

/// Settings every pooled SQLite connection needs: foreign keys on, a busy timeout so a
/// second process never sees "database is locked" at once, WAL for readers beside a
/// writer.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                 PRAGMA synchronous = NORMAL;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Opens connections of the one backend the URL names. (diesel's `ConnectionManager` over a
/// `MultiConnection` tries every backend and, when the server is down, reports only
/// "Invalid connection url for multiconnection"; this keeps the real cause, e.g.
/// "connection refused", for the logs.)
#[derive(Debug)]
pub struct Manager {
    url: String,
    backend: Backend,
}

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match self.backend {
            Backend::Sqlite => SqliteConnection::establish(&self.url).map(DbConnection::Sqlite),
            Backend::Postgres => PgConnection::establish(&self.url).map(DbConnection::Pg),
        }
        .map_err(diesel::r2d2::Error::ConnectionError)
    }

    /// Run by r2d2 at every checkout. PostgreSQL: `SELECT 1`, so a connection that died
    /// with the server is replaced instead of failing a request. SQLite: nothing can come
    /// between us and the file, and the check would cost a statement (prepared anew each
    /// time) on every read and write.
    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        match conn {
            DbConnection::Sqlite(_) => Ok(()),
            DbConnection::Pg(_) => conn
                .batch_execute("SELECT 1")
                .map_err(diesel::r2d2::Error::QueryError),
        }
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

/// The pool and how to use it. Cheap to clone.
#[derive(Clone)]
pub struct Database {
    pool: Pool<Manager>,
    backend: Backend,
    /// SQLite has one writer per file. Taking this lock before a write transaction turns
    /// in-process contention into a queue instead of busy-waiting inside SQLite (and keeps
    /// a deferred transaction's read snapshot from going stale before it writes).
    sqlite_writer: Arc<Mutex<()>>,
}

impl Database {
    /// Opens the pool (failing fast if the database cannot be reached) and runs the
    /// embedded migrations.
    pub fn connect(url: &str, pool_size: u32) -> Result<Database, SetupError> {
        let backend = Backend::of_url(url);
        let manager_url = match backend {
            Backend::Sqlite => sqlite_path(url).to_string(),
            Backend::Postgres => url.to_string(),
        };
        if backend == Backend::Sqlite {
            // WAL is a property of the file: set it once, before the pool opens.
            let mut conn = SqliteConnection::establish(&manager_url).map_err(|e| {
                SetupError::new(format!("cannot open SQLite database {manager_url:?}"), e)
            })?;
            conn.batch_execute("PRAGMA journal_mode = WAL;")
                .map_err(|e| SetupError::new(format!("cannot enable WAL on {manager_url:?}"), e))?;
        }
        let manager = Manager {
            url: manager_url,
            backend,
        };
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(5))
            .connection_customizer(Box::new(SqlitePragmas))
            .build(manager)
            .map_err(|e| SetupError::new(CANNOT_CONNECT, e))?;
        let db = Database {
            pool,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
        };
        db.migrate()?;
        Ok(db)
    }

    fn migrate(&self) -> Result<(), SetupError> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| SetupError::new(CANNOT_CONNECT, e))?;
        let applied = match &mut *conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(MIGRATIONS).map(|v| v.len()),
            DbConnection::Pg(c) => c.run_pending_migrations(MIGRATIONS).map(|v| v.len()),
        }
        .map_err(|e| SetupError::new("migrations failed", DbError::other(e)))?;
        if applied > 0 {
            log::info!("applied {applied} database migration(s)");
        }
        Ok(())
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        on_blocking_pool(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            f(&mut conn)
        })
        .await
    }

    /// Runs `f` inside one transaction on the blocking thread pool; rolled back when `f`
    /// fails. On PostgreSQL, `f`'s first statement should lock the plan row
    /// (`plans::lock_for_write`) so that writers of one plan queue up.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.write_then(|_| Ok(()), f, |_| {}).await
    }

    /// [`Database::write`] with two more steps on the same blocking thread and connection.
    /// `before_write` runs first, outside any transaction and before SQLite's writer queue
    /// is joined: a plain read that may refuse the write, so that a caller who may not
    /// write never waits for (nor holds up) the writers. `after_commit` runs right after
    /// the commit succeeded: work that must follow every commit (publishing its events)
    /// goes there, and it runs even if the HTTP client disconnects and the handler's
    /// future is dropped while the transaction runs.
    pub async fn write_then<T, E, C, F, A>(
        &self,
        before_write: C,
        f: F,
        after_commit: A,
    ) -> Result<T, E>
    where
        C: FnOnce(&mut DbConnection) -> Result<(), E> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let writer = self.sqlite_writer.clone();
        let backend = self.backend;
        on_blocking_pool(move || {
            let mut pooled = pool.get().map_err(DbError::from)?;
            before_write(&mut pooled)?;
            // A writer waiting in SQLite's queue holds no connection: it gives its
            // connection back and takes one once its turn came. Otherwise a queue of
            // writers as long as the pool would starve every read (and the next writers'
            // checks) into the pool's timeout, a 503.
            let (_guard, mut pooled) = match backend {
                Backend::Sqlite => {
                    drop(pooled);
                    let guard = writer.lock().unwrap_or_else(|p| p.into_inner());
                    (Some(guard), pool.get().map_err(DbError::from)?)
                }
                Backend::Postgres => (None, pooled),
            };
            let value = in_transaction(&mut pooled, f)?;
            after_commit(&value);
            Ok(value)
        })
        .await
    }

    /// A consistent read: everything `f` reads comes from one snapshot (SQLite read
    /// transactions are snapshots; PostgreSQL needs REPEATABLE READ for that).
    pub async fn snapshot<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.read(move |conn| {
            in_transaction(conn, |conn| {
                if let DbConnection::Pg(_) = conn {
                    diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                        .execute(conn)
                        .map_err(DbError::from)?;
                }
                f(conn)
            })
        })
        .await
    }

    /// `SELECT 1`, for `/readyz`.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.read(|conn| Ok(conn.batch_execute("SELECT 1")?)).await
    }
}

/// The step [`Database::connect`] names when no connection can be had.
const CANNOT_CONNECT: &str = "cannot connect to the database";

/// Runs `f` on tokio's blocking thread pool (diesel blocks). A panic in `f` (or the
/// runtime shutting down first) becomes [`DbError::Other`].
async fn on_blocking_pool<T, E, F>(f: F) -> Result<T, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| E::from(DbError::other(e)))?
}

/// `conn.transaction(f)` for an `f` that fails with any `E: From<DbError>` (diesel wants
/// `E: From<diesel::result::Error>`): diesel's own failures (BEGIN, COMMIT, ROLLBACK) come
/// back as a [`DbError`] converted into `E`, `f`'s as they were.
fn in_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<DbError>,
{
    conn.transaction(|conn| f(conn).map_err(TransactionError::Caller))
        .map_err(|e| match e {
            TransactionError::Caller(e) => e,
            TransactionError::Diesel(e) => E::from(DbError::from(e)),
        })
}

/// The error of [`in_transaction`]'s diesel transaction: the caller's, or diesel's own.
enum TransactionError<E> {
    Caller(E),
    Diesel(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for TransactionError<E> {
    fn from(e: diesel::result::Error) -> Self {
        TransactionError::Diesel(e)
    }
}
