//! HTTP routes, one module per resource (contract §2). A handler names what it needs
//! ([`extract`]: the checked path ids, a [`extract::Reader`] or a [`extract::Change`]) and
//! answers a mutation with [`respond::Mutated`].

pub mod board;
pub mod comments;
pub mod dev;
pub mod events;
pub mod extract;
pub mod health;
pub mod members;
pub mod metrics;
pub mod plans;
pub mod respond;
pub mod tasks;
pub mod ws;

use actix_web::web;

use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig, dev_mode: bool) {
    cfg.route("/", web::get().to(board::page))
        .route("/assets/{file:.*}", web::get().to(board::asset))
        .route("/healthz", web::get().to(health::healthz))
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

pub type State = web::Data<AppState>;
