//! `GET /api/openapi.json`: the REST API as an OpenAPI 3.1 document.
//!
//! utoipa builds it from the code: each handler's `#[utoipa::path]` (method, path,
//! parameters, request body, responses) and the types it takes and answers
//! (`#[derive(ToSchema)]` on `model`, the `service` bodies and the error bodies), so the
//! document cannot name a field serde does not write. [`ApiDoc`] lists the handlers; a
//! test checks that list against the route table (`super::routes`).
//!
//! The answers the handlers share are types here, each an [`IntoResponses`] that a
//! `responses(...)` list names: a mutation's success with `X-Plan-Seq` ([`Created`],
//! [`Changed`], [`Deleted`]), the snapshot's ([`Snapshot`]), and one per error code
//! ([`BadRequest`], [`NotFound`], …; [`Authenticated`] is what every signed-in call may
//! answer). Their statuses come from [`ErrorCode::status`], their bodies are
//! [`ErrorBody`] and, for a version conflict, [`ConflictBody`]. A 409 has several causes
//! (`conflict`, `wip_limit`, `archived`): each route names the 409 answer whose causes it
//! can have ([`Archived`], [`ArchivedOrFull`], [`TaskConflict`]).

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::OnceLock;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, Ref, RefOr, Required};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, PartialSchema, ToSchema};

use super::extract::{Change, PathId, Segment, CONNECTION_ID};
use super::respond::PLAN_SEQ;
use super::State;
use super::{
    columns, comments, dev, events, health, members, metrics, plans, sprints, tasks, ws, DEV_ROUTES,
};
use crate::error::{ApiError, ConflictBody, ErrorBody, ErrorCode};
use crate::model::{Column, Comment, Member, Plan, Progress, Sprint, SprintCompletion, Task};
use crate::service::plans::PlanSnapshot;
use crate::service::tasks::Reorder;
use crate::validate;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "liveplan",
        description = "Real-time collaboration server for task plans and Kanban boards. \
            Every change made here is also pushed over the WebSocket (`GET /ws`) to the \
            plan's room; the wire protocol is docs/protocol.md."
    ),
    paths(
        health::healthz,
        health::readyz,
        metrics::metrics,
        ws::connect,
        serve,
        dev::token,
        plans::create,
        plans::list,
        plans::get,
        plans::update,
        plans::delete,
        plans::archive,
        plans::restore,
        members::list,
        members::put,
        members::remove,
        columns::list,
        columns::create,
        columns::reorder,
        columns::update,
        columns::delete,
        sprints::list,
        sprints::create,
        sprints::update,
        sprints::start,
        sprints::complete,
        tasks::list,
        tasks::create,
        tasks::reorder,
        tasks::progress,
        plans::presence,
        events::list,
        tasks::get,
        tasks::update,
        tasks::delete,
        tasks::move_task,
        comments::add,
        comments::list,
        comments::update,
        comments::delete,
    ),
    // The schemas the shared answers below refer to (`#[utoipa::path]` collects the
    // ones its own tuples name).
    components(schemas(
        ErrorBody,
        ConflictBody,
        Plan,
        Task,
        Member,
        Comment,
        Progress,
        PlanSnapshot,
        Reorder,
        Column,
        Sprint,
        SprintCompletion
    )),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    // Each operation's tag is its handler's module.
    tags(
        (name = "plans"),
        (name = "members"),
        (name = "columns"),
        (name = "sprints"),
        (name = "tasks"),
        (name = "comments"),
        (name = "events", description = "The stored event log; live events come over the WebSocket."),
        (name = "ws", description = "The WebSocket (docs/protocol.md §4)."),
        (name = "health", description = "Liveness and readiness."),
        (name = "metrics"),
        (name = "openapi", description = "This document."),
        (name = "dev", description = "Dev mode only (no key configured)."),
    )
)]
pub struct ApiDoc;

/// Adds the `bearer` scheme that the document's `security` names.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut Document) {
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.bearer_format = Some("JWT".into());
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(bearer));
    }
}

/// The document of a server in dev mode or not: exactly the routes it answers.
pub fn document(dev_mode: bool) -> Document {
    let mut doc = ApiDoc::openapi();
    if !dev_mode {
        // The dev routes have paths of their own.
        for endpoint in DEV_ROUTES {
            doc.paths.paths.remove(endpoint.path);
        }
    }
    doc
}

/// The document as JSON, made once per mode.
fn document_json(dev_mode: bool) -> Result<&'static str, serde_json::Error> {
    static MADE: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
    let cell = &MADE[usize::from(dev_mode)];
    if let Some(json) = cell.get() {
        return Ok(json);
    }
    let json = serde_json::to_string(&document(dev_mode))?;
    Ok(cell.get_or_init(|| json))
}

#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "openapi",
    operation_id = "openapi",
    security(()),
    responses(
        (status = 200, description = "This document (OpenAPI 3.1).", body = serde_json::Value)
    )
)]
pub async fn serve(state: State) -> Result<HttpResponse, ApiError> {
    let json = document_json(state.dev_issuer.is_some())?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(json))
}

/// A path segment's id: required, obeying the id rule.
impl<S: Segment> IntoParams for PathId<S> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let schema = utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .min_length(Some(1))
            .max_length(Some(validate::MAX_ID));
        vec![ParameterBuilder::new()
            .name(S::NAME)
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some("1–128 of `A–Z a–z 0–9 - _ . : @`"))
            .schema(Some(schema))
            .build()]
    }
}

/// A mutation's optional `X-Connection-Id`.
impl IntoParams for Change {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![ParameterBuilder::new()
            .name(CONNECTION_ID)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "The caller's WebSocket (its `connectionId`), which does not receive the \
                 events this call produces; ignored when it is not the caller's.",
            ))
            .schema(Some(String::schema()))
            .build()]
    }
}

/// `X-Plan-Seq`, as `what` says.
fn plan_seq(what: &str) -> Header {
    HeaderBuilder::new()
        .schema(i64::schema())
        .description(Some(what))
        .build()
}

/// A mutation's `X-Plan-Seq`.
fn mutation_seq() -> Header {
    plan_seq("The seq of the last event this call stored; absent when it stored none.")
}

/// An answer with `description` and, when given, a JSON body of the schema named `schema`.
fn json(description: &str, schema: Option<&str>) -> ResponseBuilder {
    let mut response = ResponseBuilder::new().description(description);
    if let Some(name) = schema {
        let content = Content::new(Some(Ref::from_schema_name(name)));
        response = response.content("application/json", content);
    }
    response
}

/// The map `responses` answers, with one answer.
fn one(status: StatusCode, response: ResponseBuilder) -> BTreeMap<String, RefOr<Response>> {
    BTreeMap::from([(status.as_u16().to_string(), response.build().into())])
}

/// 201 with the created `T`, and `X-Plan-Seq`.
pub struct Created<T>(PhantomData<T>);
/// 200 with `T` as it is now, and `X-Plan-Seq`.
pub struct Changed<T>(PhantomData<T>);
/// 204, no body, and `X-Plan-Seq`.
pub enum Deleted {}
/// 200 with the plan's snapshot, and `X-Plan-Seq`: the seq it reflects.
pub enum Snapshot {}

impl<T: ToSchema> IntoResponses for Created<T> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let status = StatusCode::CREATED;
        let response = json("Created.", Some(&T::name()));
        one(status, response.header(PLAN_SEQ, mutation_seq()))
    }
}

impl<T: ToSchema> IntoResponses for Changed<T> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let status = StatusCode::OK;
        let response = json("As it is now.", Some(&T::name()));
        one(status, response.header(PLAN_SEQ, mutation_seq()))
    }
}

impl IntoResponses for Deleted {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let status = StatusCode::NO_CONTENT;
        let response = json("Done; no body.", None);
        one(status, response.header(PLAN_SEQ, mutation_seq()))
    }
}

impl IntoResponses for Snapshot {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let status = StatusCode::OK;
        let response = json(
            "The plan, its tasks and members at one seq.",
            Some(&PlanSnapshot::name()),
        );
        let seq = plan_seq("The seq the snapshot reflects (its `seq`): join with `since` = it.");
        one(status, response.header(PLAN_SEQ, seq))
    }
}

/// The answer with `code`: its status, [`ErrorBody`] (409: [`ConflictBody`]), and the
/// headers that come with it.
fn error(code: ErrorCode, description: &str) -> BTreeMap<String, RefOr<Response>> {
    let status = code.status();
    let body = match code {
        ErrorCode::Conflict => ConflictBody::name(),
        _ => ErrorBody::name(),
    };
    let mut response = json(description, Some(&body));
    match code {
        ErrorCode::RateLimited => {
            let wait = HeaderBuilder::new()
                .schema(u64::schema())
                .description(Some("Whole seconds to wait, at least 1."));
            response = response.header("Retry-After", wait.build());
        }
        ErrorCode::Unauthorized => {
            let scheme = Header::new(String::schema());
            response = response.header("WWW-Authenticate", scheme);
        }
        _ => {}
    }
    one(status, response)
}

/// One type per error answer, `Name = Code, "description"`.
macro_rules! error_answers {
    ($($name:ident = $code:ident, $description:literal;)*) => {$(
        #[doc = $description]
        pub enum $name {}

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                error(ErrorCode::$code, $description)
            }
        }
    )*};
}

error_answers! {
    BadRequest = BadRequest, "`bad_request`: malformed JSON, or a missing or invalid field, \
        path id or header; the message names it.";
    Unauthorized = Unauthorized, "`unauthorized`: missing, invalid or expired token.";
    Forbidden = Forbidden, "`forbidden`: role too low, `Origin` not allowed, or a cap reached.";
    NotFound = NotFound, "`not_found`: no such plan or task, or one the caller may not see.";
    Conflict = Conflict, "`conflict`: the task is no longer at the version given; \
        `current` is the task as it is now.";
    Gone = Gone, "`gone`: the events asked for are older than what the server keeps.";
    TooLarge = TooLarge, "`too_large`: the body is over the size limit.";
    RateLimited = RateLimited, "`rate_limited`: too many calls; see `Retry-After`.";
    Internal = Internal, "`internal`: a bug on our side; nothing internal in the message.";
    Unavailable = Unavailable, "`unavailable`: the database cannot be reached; nothing was \
        written.";
    Archived = Archived, "`archived`: the plan is archived, so read-only until an owner \
        restores it.";
}

/// A 409 with `description`: its body is [`ErrorBody`], or, when a version conflict is
/// among its causes, one of [`ConflictBody`] and [`ErrorBody`].
fn conflict(description: &str, version_conflict: bool) -> BTreeMap<String, RefOr<Response>> {
    let response = if version_conflict {
        let schema = utoipa::openapi::schema::OneOfBuilder::new()
            .item(Ref::from_schema_name(ConflictBody::name()))
            .item(Ref::from_schema_name(ErrorBody::name()));
        ResponseBuilder::new()
            .description(description)
            .content("application/json", Content::new(Some(schema)))
    } else {
        json(description, Some(&ErrorBody::name()))
    };
    one(StatusCode::CONFLICT, response)
}

/// A new task's 409: `archived` or `wip_limit` ([`ErrorBody`]).
pub enum ArchivedOrFull {}

impl IntoResponses for ArchivedOrFull {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        conflict(
            "`archived`: the plan is archived, so read-only; or `wip_limit`: the column is \
             at its WIP limit.",
            false,
        )
    }
}

/// A task change's or move's 409: `conflict` (the task moved on: [`ConflictBody`]), or
/// `wip_limit` (the column is full) or `archived` (both [`ErrorBody`]).
pub enum TaskConflict {}

impl IntoResponses for TaskConflict {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        conflict(
            "`conflict`: the task is no longer at the version given (`current` is the task \
             as it is now); `wip_limit`: the column is at its WIP limit; or `archived`: \
             the plan is archived, so read-only.",
            true,
        )
    }
}

/// A sprint's 409: `conflict` with [`ErrorBody`] (no `current`): the sprint's status does
/// not allow the step, or another sprint of the plan is active.
pub enum SprintConflict {}

impl IntoResponses for SprintConflict {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let response = json(
            "`conflict`: the sprint's status does not allow this (start: not planned, or \
             another sprint of the plan is active; complete: not active; change: completed).",
            Some(&ErrorBody::name()),
        );
        one(StatusCode::CONFLICT, response)
    }
}

/// What every signed-in call may answer: 401, 403, 429, 500, 503.
pub enum Authenticated {}

impl IntoResponses for Authenticated {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = Unauthorized::responses();
        all.append(&mut Forbidden::responses());
        all.append(&mut RateLimited::responses());
        all.append(&mut Internal::responses());
        all.append(&mut Unavailable::responses());
        all
    }
}
