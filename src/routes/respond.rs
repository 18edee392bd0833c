//! The one response to a mutation: its status, its body (or none) and `X-Plan-Seq`, the
//! seq of its last event, when it produced events (contract §2).

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;

use crate::error::ApiError;
use crate::service::Outcome;

/// The header with the seq of a mutation's last event (and of a plan's snapshot).
pub const PLAN_SEQ: &str = "X-Plan-Seq";

/// A committed mutation, answered with [`Responder`].
pub struct Mutated<T> {
    status: StatusCode,
    outcome: Outcome<T>,
    with_body: bool,
}

impl<T> Mutated<T> {
    /// 201 with the created resource.
    pub fn created(outcome: Outcome<T>) -> Self {
        Mutated {
            status: StatusCode::CREATED,
            outcome,
            with_body: true,
        }
    }

    /// 200 with the resource as it is now.
    pub fn ok(outcome: Outcome<T>) -> Self {
        Mutated {
            status: StatusCode::OK,
            outcome,
            with_body: true,
        }
    }

    /// 204, no body.
    pub fn no_content(outcome: Outcome<T>) -> Self {
        Mutated {
            status: StatusCode::NO_CONTENT,
            outcome,
            with_body: false,
        }
    }
}

/// The handler's result: a mutation's response, or the error that stopped it.
pub type MutationResult<T> = Result<Mutated<T>, ApiError>;

impl<T: Serialize> Responder for Mutated<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seq) = self.outcome.last_seq() {
            response.insert_header((PLAN_SEQ, seq.to_string()));
        }
        if self.with_body {
            response.json(&self.outcome.value)
        } else {
            response.finish()
        }
    }
}
