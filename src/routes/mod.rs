//! HTTP routes, one module per resource (contract §2). A handler names what it needs
//! ([`extract`]: the checked path ids, a [`extract::Reader`] or a [`extract::Change`]) and
//! answers a mutation with [`respond::Mutated`]. The route table ([`ROUTES`]) is data;
//! [`openapi`] documents each of its rows (`GET /api/openapi.json`).

pub mod board;
pub mod columns;
pub mod comments;
pub mod dev;
pub mod events;
pub mod extract;
pub mod health;
pub mod members;
pub mod metrics;
pub mod openapi;
pub mod plans;
pub mod respond;
pub mod sprints;
pub mod tasks;
pub mod ws;

use actix_web::http::Method;
use actix_web::{web, Route};

use crate::state::AppState;

/// One route of the server: its method, its path, and the handler it runs. The route
/// table ([`ROUTES`], [`DEV_ROUTES`]) is data so that [`configure`] and the test that
/// checks the OpenAPI document against it read the same list.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    /// Sets the handler on a route that already has the method.
    to: fn(Route) -> Route,
}

/// `endpoint!(GET "/path" => handler)`: one row of the route table.
macro_rules! endpoint {
    ($method:ident $path:literal => $handler:path) => {
        Endpoint {
            method: Method::$method,
            path: $path,
            to: |route| route.to($handler),
        }
    };
}

/// Every route but the dev-mode ones (contract §2).
pub static ROUTES: &[Endpoint] = &[
    endpoint!(GET "/healthz" => health::healthz),
    endpoint!(GET "/readyz" => health::readyz),
    endpoint!(GET "/metrics" => metrics::metrics),
    endpoint!(GET "/ws" => ws::connect),
    endpoint!(GET "/api/openapi.json" => openapi::serve),
    endpoint!(POST "/api/plans" => plans::create),
    endpoint!(GET "/api/plans" => plans::list),
    endpoint!(GET "/api/plans/{planId}" => plans::get),
    endpoint!(PATCH "/api/plans/{planId}" => plans::update),
    endpoint!(DELETE "/api/plans/{planId}" => plans::delete),
    endpoint!(POST "/api/plans/{planId}/archive" => plans::archive),
    endpoint!(POST "/api/plans/{planId}/restore" => plans::restore),
    endpoint!(GET "/api/plans/{planId}/members" => members::list),
    endpoint!(PUT "/api/plans/{planId}/members/{userId}" => members::put),
    endpoint!(DELETE "/api/plans/{planId}/members/{userId}" => members::remove),
    endpoint!(GET "/api/plans/{planId}/columns" => columns::list),
    endpoint!(POST "/api/plans/{planId}/columns" => columns::create),
    endpoint!(POST "/api/plans/{planId}/columns/reorder" => columns::reorder),
    endpoint!(PATCH "/api/columns/{columnId}" => columns::update),
    endpoint!(DELETE "/api/columns/{columnId}" => columns::delete),
    endpoint!(GET "/api/plans/{planId}/sprints" => sprints::list),
    endpoint!(POST "/api/plans/{planId}/sprints" => sprints::create),
    endpoint!(PATCH "/api/sprints/{sprintId}" => sprints::update),
    endpoint!(POST "/api/sprints/{sprintId}/start" => sprints::start),
    endpoint!(POST "/api/sprints/{sprintId}/complete" => sprints::complete),
    endpoint!(GET "/api/plans/{planId}/tasks" => tasks::list),
    endpoint!(POST "/api/plans/{planId}/tasks" => tasks::create),
    endpoint!(POST "/api/plans/{planId}/tasks/reorder" => tasks::reorder),
    endpoint!(GET "/api/plans/{planId}/progress" => tasks::progress),
    endpoint!(GET "/api/plans/{planId}/presence" => plans::presence),
    endpoint!(GET "/api/plans/{planId}/events" => events::list),
    endpoint!(GET "/api/tasks/{taskId}" => tasks::get),
    endpoint!(PATCH "/api/tasks/{taskId}" => tasks::update),
    endpoint!(DELETE "/api/tasks/{taskId}" => tasks::delete),
    endpoint!(POST "/api/tasks/{taskId}/move" => tasks::move_task),
    endpoint!(POST "/api/tasks/{taskId}/comments" => comments::add),
    endpoint!(GET "/api/tasks/{taskId}/comments" => comments::list),
    endpoint!(PATCH "/api/comments/{commentId}" => comments::update),
    endpoint!(DELETE "/api/comments/{commentId}" => comments::delete),
];

/// Routed only in dev mode (no key configured).
pub static DEV_ROUTES: &[Endpoint] = &[endpoint!(POST "/api/dev/token" => dev::token)];

/// The routes this server answers: [`ROUTES`], and [`DEV_ROUTES`] in dev mode.
pub fn routes(dev_mode: bool) -> impl Iterator<Item = &'static Endpoint> {
    let dev: &[Endpoint] = if dev_mode { DEV_ROUTES } else { &[] };
    ROUTES.iter().chain(dev)
}

/// Registers [`routes`]. Any other path or method falls to the app's default service
/// (404 `no such route`).
pub fn configure(cfg: &mut web::ServiceConfig, dev_mode: bool) {
    // The board page and its assets: a web page, not part of the API (so not in ROUTES
    // nor in the OpenAPI document).
    cfg.route("/", web::get().to(board::page))
        .route("/assets/{file:.*}", web::get().to(board::asset));
    for endpoint in routes(dev_mode) {
        let route = web::method(endpoint.method.clone());
        cfg.route(endpoint.path, (endpoint.to)(route));
    }
}

pub type State = web::Data<AppState>;
