//! `GET /api/plans/{planId}/events?since=N&limit=M`: the stored event log.

use actix_web::web::{self, Json};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::openapi::{KnownFormat, ObjectBuilder, RefOr, Schema, SchemaFormat, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::extract::{PlanId, Reader};
use super::openapi::{Authenticated, BadRequest, Gone, NotFound};
use crate::db;
use crate::error::ApiError;
use crate::model::{Role, UserRef};
use crate::wire::PlanEvent;

/// Default and largest page.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Events with a seq above this one (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    since: Option<String>,
    /// At most this many (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// Stored events, oldest first, and the plan's current seq.
#[derive(Serialize, ToSchema)]
pub struct EventsPage {
    /// Stored frames, embedded as they are (no re-serialisation).
    #[schema(value_type = Vec<EventFrame>)]
    events: Vec<Box<RawValue>>,
    seq: i64,
}

/// A stored plan event as sent (`wire::PlanEvent::frame`): `{type, planId, seq, data,
/// actor, timestamp}`. The frames are stored as text and sent as they are, so this type
/// exists only to describe them; its `type` lists [`PlanEvent::TYPES`].
pub enum EventFrame {}

impl PartialSchema for EventFrame {
    fn schema() -> RefOr<Schema> {
        let types = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(PlanEvent::TYPES.iter().copied()));
        let data = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("What `type` says changed (docs/protocol.md §3)."));
        let timestamp = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)));
        ObjectBuilder::new()
            .property("type", types)
            .property("planId", String::schema())
            .property("seq", i64::schema())
            .property("data", data)
            .property("actor", UserRef::schema())
            .property("timestamp", timestamp)
            .required("type")
            .required("planId")
            .required("seq")
            .required("data")
            .required("actor")
            .required("timestamp")
            .into()
    }
}

impl ToSchema for EventFrame {}

fn number(
    field: &str,
    text: Option<&str>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ApiError> {
    let Some(text) = text else { return Ok(default) };
    let n: i64 = text
        .parse()
        .map_err(|_| ApiError::bad_field(field, "must be a whole number"))?;
    if !range.contains(&n) {
        return Err(ApiError::bad_field(
            field,
            &format!("must be between {} and {}", range.start(), range.end()),
        ));
    }
    Ok(n)
}

#[utoipa::path(
    get,
    path = "/api/plans/{planId}/events",
    operation_id = "listEvents",
    params(PlanId, EventsQuery),
    responses(
        (status = 200, description = "Stored events with a seq above `since`, oldest first.", body = EventsPage),
        Authenticated, BadRequest, NotFound, Gone,
    )
)]
pub async fn list(
    reader: Reader,
    plan: PlanId,
    query: web::Query<EventsQuery>,
) -> Result<Json<EventsPage>, ApiError> {
    let since = number("since", query.since.as_deref(), 0, 0..=i64::MAX)?;
    let limit = number(
        "limit",
        query.limit.as_deref(),
        DEFAULT_LIMIT,
        1..=MAX_LIMIT,
    )?;
    let plan_id = plan.into_string();
    let (seq, events) = reader
        .snapshot(move |c, uid| {
            crate::service::require_role(c, &plan_id, uid, Role::Viewer)?;
            let seq = db::plans::current_seq(c, &plan_id)?.ok_or_else(ApiError::plan_not_found)?;
            if !db::events::can_resume(c, &plan_id, since, seq)? {
                return Err(ApiError::Gone(format!(
                    "since: events after {since} are no longer kept (the plan is at {seq}); reload the plan"
                )));
            }
            Ok((seq, db::events::after(c, &plan_id, since, limit)?))
        })
        .await?;
    let events = events
        .into_iter()
        .map(|e| RawValue::from_string(e.payload))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(EventsPage { events, seq }))
}
