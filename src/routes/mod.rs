//! HTTP routes, one module per resource (contract §2).

pub mod comments;
pub mod dev;
pub mod events;
pub mod health;
pub mod members;
pub mod metrics;
pub mod plans;
pub mod tasks;
pub mod ws;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::auth::AuthUser;
use crate::realtime::messages::Exclusion;
use crate::service::Outcome;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig, dev_mode: bool) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/ws", web::get().to(ws::connect));
    if dev_mode {
        cfg.route("/api/dev/token", web::post().to(dev::token));
    }
    cfg.service(
        web::scope("/api")
            .route("/plans", web::post().to(plans::create))
            .route("/plans", web::get().to(plans::list))
            .route("/plans/{planId}", web::get().to(plans::get))
            .route("/plans/{planId}", web::patch().to(plans::update))
            .route("/plans/{planId}", web::delete().to(plans::delete))
            .route("/plans/{planId}/members", web::get().to(members::list))
            .route(
                "/plans/{planId}/members/{userId}",
                web::put().to(members::put),
            )
            .route(
                "/plans/{planId}/members/{userId}",
                web::delete().to(members::remove),
            )
            .route("/plans/{planId}/tasks", web::get().to(tasks::list))
            .route("/plans/{planId}/tasks", web::post().to(tasks::create))
            .route(
                "/plans/{planId}/tasks/reorder",
                web::post().to(tasks::reorder),
            )
            .route("/plans/{planId}/progress", web::get().to(tasks::progress))
            .route("/plans/{planId}/presence", web::get().to(plans::presence))
            .route("/plans/{planId}/events", web::get().to(events::list))
            .route("/tasks/{taskId}", web::get().to(tasks::get))
            .route("/tasks/{taskId}", web::patch().to(tasks::update))
            .route("/tasks/{taskId}", web::delete().to(tasks::delete))
            .route("/tasks/{taskId}/comments", web::post().to(comments::add))
            .route("/tasks/{taskId}/comments", web::get().to(comments::list)),
    );
}

/// `X-Connection-Id` of the request, as an exclusion that only applies to the caller's
/// own connection (the room checks the connection's owner).
pub fn exclusion(req: &HttpRequest, user: &AuthUser) -> Option<Exclusion> {
    let id = req.headers().get("x-connection-id")?.to_str().ok()?.trim();
    if id.is_empty() || id.len() > 128 {
        return None;
    }
    Some(Exclusion {
        connection_id: id.to_string(),
        user_id: user.id().to_string(),
    })
}

/// The response to a mutation: its body, and `X-Plan-Seq` when it produced events.
pub fn mutation_response<T, B: Serialize>(
    status: StatusCode,
    outcome: &Outcome<T>,
    body: Option<&B>,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    if let Some(seq) = outcome.last_seq() {
        response.insert_header(("X-Plan-Seq", seq.to_string()));
    }
    match body {
        Some(body) => response.json(body),
        None => response.finish(),
    }
}

pub type State = web::Data<AppState>;
