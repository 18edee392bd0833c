//! Liveness and readiness.

use actix_web::HttpResponse;
use serde_json::json;

use super::State;

/// `GET /healthz`: the process runs.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers.
pub async fn readyz(state: State) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok" })),
        Err(e) => {
            log::warn!("readiness check failed: {e:?}");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "unavailable",
                "error": { "code": "unavailable", "message": "database unreachable" }
            }))
        }
    }
}
