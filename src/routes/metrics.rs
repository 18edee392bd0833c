//! `GET /metrics` (Prometheus text format) and the middleware that times REST requests.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use super::State;
use crate::error::ApiError;
use crate::realtime::messages::GetRegistryStats;
use crate::state::AppState;

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    security(()),
    responses((
        status = 200,
        description = "The metrics (docs/operations.md).",
        body = String,
        content_type = "text/plain; version=0.0.4"
    ))
)]
pub async fn metrics(state: State) -> Result<HttpResponse, ApiError> {
    // Gauges that are cheaper to read now than to keep up to date on every change.
    if let Ok(stats) = state.registry.send(GetRegistryStats).await {
        let m = &state.metrics;
        m.connections.set(stats.sessions as i64);
        m.rooms.set(stats.rooms as i64);
        m.largest_queue_bytes.set(stats.largest_queue_bytes as i64);
    }
    let body = state
        .metrics
        .render()
        .map_err(|e| ApiError::Internal(format!("metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}

/// Observes every request's route pattern (`/api/tasks/{taskId}`, never the raw path),
/// method, status and duration.
pub async fn time_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let method = req.method().clone();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        metrics.observe_request(
            &route,
            method.as_str(),
            response.status().as_u16(),
            started.elapsed(),
        );
    }
    Ok(response)
}
