//! `GET /api/plans/{planId}/events?since=N&limit=M`: the stored event log.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::extract::{PlanId, Reader};
use crate::db;
use crate::error::ApiError;
use crate::model::Role;

/// Default and largest page.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

#[derive(Deserialize)]
pub struct EventsQuery {
    since: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
struct EventsPage {
    /// Stored frames, embedded as they are (no re-serialisation).
    events: Vec<Box<RawValue>>,
    seq: i64,
}

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

pub async fn list(
    reader: Reader,
    plan: PlanId,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
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
    Ok(HttpResponse::Ok().json(EventsPage { events, seq }))
}
