//! The one error type at the HTTP and WebSocket boundary.
//!
//! Which error type to use where:
//! - Request handlers, services (`crate::service`) and the WebSocket session return
//!   [`ApiError`]. Each variant maps to one row of the contract's error table (status +
//!   stable snake_case code), so a handler never builds an error body by hand.
//! - Query functions (`crate::db`) return [`DbError`], which knows nothing of HTTP. A
//!   service decides what an absent row means for the client (`plan not found`, `task not
//!   found`, 403 for too low a role); what it leaves converts here through `From`: a lost or
//!   refused connection, a pool timeout or a locked SQLite file becomes `Unavailable` (503,
//!   nothing written), a missing row `NotFound` (404), anything else (a key collision
//!   included) `Internal` (500) with the detail logged, never sent.
//! - Start-up problems (bad configuration, keys, the listen address, the database) use
//!   [`crate::startup_error::StartupError`] (a bad setting: [`crate::config::ConfigError`]
//!   inside it, the database's [`crate::db::SetupError`]); they stop the process with
//!   status 2 and are not client-facing.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbError;
use crate::model::Task;

/// The stable error codes of the contract, serialized as snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Gone,
    TooLarge,
    RateLimited,
    Internal,
    Unavailable,
    /// A move into a column at its WIP limit (contract §6.1): 409.
    WipLimit,
    /// A change to an archived plan, which is read-only until restored (contract §6.1): 409.
    Archived,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Gone => "gone",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::WipLimit => "wip_limit",
            ErrorCode::Archived => "archived",
        }
    }

    /// The HTTP status that answers with this code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::Gone => StatusCode::GONE,
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::WipLimit | ErrorCode::Archived => StatusCode::CONFLICT,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed input; the message names the offending field.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Optimistic-concurrency failure; carries the task as it is now.
    #[error("version mismatch: the task is at version {}", current.version)]
    Conflict { current: Box<Task> },
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    TooLarge(String),
    /// A cap was reached (`crate::limits`): 403 `forbidden`, the message names the cap.
    #[error("{message}")]
    LimitReached {
        limit: crate::limits::Limit,
        message: String,
    },
    #[error("too many requests, retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// Something went wrong on our side. The detail is logged, never sent.
    #[error("internal error")]
    Internal(String),
    /// The database (or another dependency) cannot be reached; nothing was written.
    #[error("service unavailable, try again")]
    Unavailable(String),
    /// The target column is at its WIP limit; the message names it.
    #[error("{0}")]
    WipLimit(String),
    /// The plan is archived: it is read-only until its owner restores it.
    #[error("the plan is archived and so read-only; an owner may restore it")]
    Archived,
    /// The change does not fit what the target is now (a sprint's lifecycle: starting
    /// one that is not planned, a second active sprint, changing a completed one): 409
    /// `conflict` with the plain [`ErrorBody`] (no `current`: there is no version to
    /// retry with); the message says what is in the way.
    #[error("{0}")]
    StateConflict(String),
}

impl ApiError {
    pub fn bad_field(field: &str, problem: &str) -> Self {
        ApiError::BadRequest(format!("{field}: {problem}"))
    }

    /// A rate limit's refusal: 429 with `Retry-After` in whole seconds (at least 1).
    pub fn rate_limited(wait: std::time::Duration) -> Self {
        ApiError::RateLimited {
            retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
        }
    }

    /// The same answer whether the plan does not exist or the caller may not see it.
    pub fn plan_not_found() -> Self {
        ApiError::NotFound("plan not found".into())
    }

    pub fn task_not_found() -> Self {
        ApiError::NotFound("task not found".into())
    }

    pub fn column_not_found() -> Self {
        ApiError::NotFound("column not found".into())
    }

    pub fn comment_not_found() -> Self {
        ApiError::NotFound("comment not found".into())
    }

    pub fn sprint_not_found() -> Self {
        ApiError::NotFound("sprint not found".into())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) | ApiError::LimitReached { .. } => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Conflict { .. } | ApiError::StateConflict(_) => ErrorCode::Conflict,
            ApiError::Gone(_) => ErrorCode::Gone,
            ApiError::TooLarge(_) => ErrorCode::TooLarge,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::Internal(_) => ErrorCode::Internal,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::WipLimit(_) => ErrorCode::WipLimit,
            ApiError::Archived => ErrorCode::Archived,
        }
    }

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        self.to_string()
    }
}

/// The body of every error answer but a version mismatch's 409: `{"error": {"code",
/// "message"}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The body of a version mismatch's 409: the error and the task as it is now.
#[derive(Serialize, ToSchema)]
pub struct ConflictBody<'a> {
    pub error: ErrorDetail,
    pub current: &'a Task,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// For people; a 400's names the field at fault.
    pub message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code().status()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(detail) => log::error!("internal error: {detail}"),
            ApiError::Unavailable(detail) => log::warn!("dependency unavailable: {detail}"),
            _ => {}
        }
        let error = ErrorDetail {
            code: self.code(),
            message: self.public_message(),
        };
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::RateLimited { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let ApiError::Unauthorized(_) = self {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        match self {
            ApiError::Conflict { current } => response.json(ConflictBody { error, current }),
            _ => response.json(ErrorBody { error }),
        }
    }
}

/// Persistence failures the service layer left as they are. A missing row that a service
/// expected is its own 404 ("plan not found", "task not found") before it gets here.
impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => ApiError::NotFound("not found".into()),
            DbError::Unavailable { .. } => ApiError::Unavailable(err.to_string()),
            // The contract's 409 is the version mismatch, with the task as it is now; a
            // key collision reaching the client is a bug on our side.
            DbError::Conflict { .. } | DbError::Other { .. } => {
                ApiError::Internal(format!("database: {err}"))
            }
        }
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(err: serde_json::Error) -> Self {
        ApiError::Internal(format!("json: {err}"))
    }
}
