//! The per-plan event log: written in the same transaction as the change it describes,
//! read back for `since` replay and `GET /events`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::EventRow;
use super::schema::plan_events;
use super::{DbConnection, DbError};

/// A committed (or about to be committed) event: its number and the exact frame clients
/// receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub plan_id: String,
    pub seq: i64,
    pub event_type: String,
    /// The complete JSON frame, serialised once.
    pub payload: String,
}

impl From<EventRow> for StoredEvent {
    fn from(r: EventRow) -> Self {
        StoredEvent {
            plan_id: r.plan_id,
            seq: r.seq,
            event_type: r.event_type,
            payload: r.payload,
        }
    }
}

/// Stores an event its writer numbered and encoded (`service::EventWriter`, inside the
/// transaction that makes the change, after `plans::next_seq`).
pub fn store(
    conn: &mut DbConnection,
    plan_id: &str,
    seq: i64,
    event_type: &str,
    payload: String,
    created_at: NaiveDateTime,
) -> Result<StoredEvent, DbError> {
    let row = EventRow {
        plan_id: plan_id.to_string(),
        seq,
        event_type: event_type.to_string(),
        payload,
        created_at,
    };
    diesel::insert_into(plan_events::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.into())
}

/// Stored events with `seq > after`, oldest first, at most `limit` of them.
pub fn after(
    conn: &mut DbConnection,
    plan_id: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, DbError> {
    Ok(plan_events::table
        .filter(plan_events::plan_id.eq(plan_id))
        .filter(plan_events::seq.gt(after))
        .order(plan_events::seq)
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)?
        .into_iter()
        .map(StoredEvent::from)
        .collect())
}

/// The next page of a replay: stored events with `after < seq <= through`, oldest first,
/// as many as fit in `budget` bytes of payload (at least one, at most `max_events`). The
/// sizes are read first, so a page never loads more than its budget (plus one event).
pub fn page_within(
    conn: &mut DbConnection,
    plan_id: &str,
    after: i64,
    through: i64,
    budget: usize,
    max_events: i64,
) -> Result<Vec<StoredEvent>, DbError> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let size = match conn {
        DbConnection::Sqlite(_) => "CAST(length(CAST(payload AS BLOB)) AS BIGINT)",
        DbConnection::Pg(_) => "CAST(octet_length(payload) AS BIGINT)",
    };
    let sizes: Vec<(i64, i64)> = plan_events::table
        .filter(plan_events::plan_id.eq(plan_id))
        .filter(plan_events::seq.gt(after))
        .filter(plan_events::seq.le(through))
        .order(plan_events::seq)
        .limit(max_events)
        .select((plan_events::seq, sql::<BigInt>(size)))
        .load(conn)?;
    let mut last = None;
    let mut total = 0usize;
    for (seq, len) in sizes {
        total = total.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
        if total > budget && last.is_some() {
            break;
        }
        last = Some(seq);
    }
    match last {
        None => Ok(Vec::new()),
        Some(last) => between(conn, plan_id, after, last),
    }
}

/// Stored events with `after < seq <= through`, oldest first: the room's gap filler.
pub fn between(
    conn: &mut DbConnection,
    plan_id: &str,
    after: i64,
    through: i64,
) -> Result<Vec<StoredEvent>, DbError> {
    Ok(plan_events::table
        .filter(plan_events::plan_id.eq(plan_id))
        .filter(plan_events::seq.gt(after))
        .filter(plan_events::seq.le(through))
        .order(plan_events::seq)
        .select(EventRow::as_select())
        .load(conn)?
        .into_iter()
        .map(StoredEvent::from)
        .collect())
}

/// The oldest seq still stored for the plan, if any.
pub fn oldest_kept(conn: &mut DbConnection, plan_id: &str) -> Result<Option<i64>, DbError> {
    Ok(plan_events::table
        .filter(plan_events::plan_id.eq(plan_id))
        .select(diesel::dsl::min(plan_events::seq))
        .first::<Option<i64>>(conn)?)
}

/// Whether every event after `since` is still stored (the answer to "can this client
/// resume?"). `since` beyond the plan's seq is never resumable: the client saw a history
/// this database does not have.
pub fn can_resume(
    conn: &mut DbConnection,
    plan_id: &str,
    since: i64,
    current_seq: i64,
) -> Result<bool, DbError> {
    if since > current_seq {
        return Ok(false);
    }
    if since == current_seq {
        return Ok(true);
    }
    Ok(match oldest_kept(conn, plan_id)? {
        Some(oldest) => oldest <= since + 1,
        None => false,
    })
}

/// A plan whose log holds events past the retention policy: delete through `through`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneTarget {
    pub plan_id: String,
    pub oldest: i64,
    pub through: i64,
}

/// The plans with events to prune, and how far: an event goes only when it is both
/// beyond the newest `keep` of its plan and written before `cutoff`. Pruning takes a
/// prefix of the log (the oldest events first), so it stops at the first young event even
/// if a later one looks older (clocks of several writers), and the log never gets a hole.
pub fn prune_targets(
    conn: &mut DbConnection,
    keep: i64,
    cutoff: chrono::NaiveDateTime,
) -> Result<Vec<PruneTarget>, DbError> {
    use diesel::dsl::{max, min};
    let spans: Vec<(String, Option<i64>, Option<i64>)> = plan_events::table
        .group_by(plan_events::plan_id)
        .select((
            plan_events::plan_id,
            min(plan_events::seq),
            max(plan_events::seq),
        ))
        .load(conn)?;
    let mut targets = Vec::new();
    for (plan_id, oldest, newest) in spans {
        let (Some(oldest), Some(newest)) = (oldest, newest) else {
            continue;
        };
        let by_count = newest - keep;
        if by_count < oldest {
            continue;
        }
        let first_young = plan_events::table
            .filter(plan_events::plan_id.eq(&plan_id))
            .filter(plan_events::created_at.ge(cutoff))
            .select(min(plan_events::seq))
            .first::<Option<i64>>(conn)?;
        let by_age = first_young.map_or(newest, |seq| seq - 1);
        let through = by_count.min(by_age);
        if through >= oldest {
            targets.push(PruneTarget {
                plan_id,
                oldest,
                through,
            });
        }
    }
    Ok(targets)
}

/// Deletes the plan's events with `seq <= through`, at most `batch` of them (the oldest);
/// answers how many went.
pub fn prune_batch(
    conn: &mut DbConnection,
    target: &PruneTarget,
    batch: i64,
) -> Result<usize, DbError> {
    let oldest: Option<i64> = plan_events::table
        .filter(plan_events::plan_id.eq(&target.plan_id))
        .select(diesel::dsl::min(plan_events::seq))
        .first(conn)?;
    let Some(oldest) = oldest else {
        return Ok(0);
    };
    let upto = target.through.min(oldest + batch - 1);
    Ok(diesel::delete(
        plan_events::table
            .filter(plan_events::plan_id.eq(&target.plan_id))
            .filter(plan_events::seq.le(upto)),
    )
    .execute(conn)?)
}
