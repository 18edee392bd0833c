//! Liveness and readiness.

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

use super::State;
use crate::error::{ErrorCode, ErrorDetail};

/// `{"status":"ok"}`, or, when not ready, `unavailable` with the error.
#[derive(Serialize, ToSchema)]
pub struct Health {
    status: HealthStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    error: Option<ErrorDetail>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    Unavailable,
}

const OK: Health = Health {
    status: HealthStatus::Ok,
    error: None,
};

/// `GET /healthz`: the process runs.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    security(()),
    responses((status = 200, description = "The process runs.", body = Health))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(OK)
}

/// `GET /readyz`: the database answers.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    security(()),
    responses(
        (status = 200, description = "The database answers.", body = Health),
        (status = 503, description = "The database cannot be reached.", body = Health),
    )
)]
pub async fn readyz(state: State) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(OK),
        Err(e) => {
            log::warn!("readiness check failed: {e:?}");
            HttpResponse::ServiceUnavailable().json(Health {
                status: HealthStatus::Unavailable,
                error: Some(ErrorDetail {
                    code: ErrorCode::Unavailable,
                    message: "database unreachable".into(),
                }),
            })
        }
    }
}
