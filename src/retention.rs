//! Event retention: each plan keeps its newest `LIVEPLAN_EVENT_RETENTION_COUNT` events and
//! every event younger than `LIVEPLAN_EVENT_RETENTION_AGE`; an event is pruned in the
//! background only when it is both beyond the count and older than the age.
//!
//! A sweep runs every `LIVEPLAN_RETENTION_SWEEP_MS`. It deletes in small batches, each its
//! own short transaction on the blocking pool, so writers interleave with it (on SQLite they
//! take turns on the one write lock; on PostgreSQL the deleted rows are ones no writer
//! touches). A client asking for pruned events gets `resync-required` on `join-plan` and
//! `410 gone` from `GET …/events` (`db::events::can_resume` looks at the oldest kept seq).

use std::time::Duration;

use crate::db::{self, Database};
use crate::error::ApiError;

/// Rows deleted per transaction.
const BATCH: i64 = 500;

/// What the log keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Newest events kept per plan, whatever their age.
    pub keep_count: i64,
    /// Events younger than this are kept, whatever their number.
    pub keep_for: Duration,
    /// How often a sweep runs.
    pub sweep_every: Duration,
}

/// Starts the sweep timer on the current actix system.
pub fn start(db: Database, policy: RetentionPolicy) {
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(policy.sweep_every).await;
            match sweep(&db, policy).await {
                Ok(0) => {}
                Ok(n) => log::info!("retention: pruned {n} old event(s)"),
                // A database outage is reported by /readyz and the requests; try next time.
                Err(e) => log::warn!("retention sweep failed, will retry: {e}"),
            }
        }
    });
}

/// One sweep: prunes every plan's log down to the policy. Answers how many events went.
pub async fn sweep(db: &Database, policy: RetentionPolicy) -> Result<usize, ApiError> {
    let keep_for = chrono::Duration::from_std(policy.keep_for)
        .unwrap_or_else(|_| chrono::Duration::days(365 * 100));
    let cutoff = crate::model::now() - keep_for;
    let keep = policy.keep_count;
    let targets = db
        .read(move |conn| db::events::prune_targets(conn, keep, cutoff))
        .await?;
    let mut pruned = 0;
    for target in targets {
        loop {
            let t = target.clone();
            let n = db
                .write(move |conn| db::events::prune_batch(conn, &t, BATCH))
                .await?;
            pruned += n;
            if n < BATCH as usize {
                break;
            }
        }
    }
    Ok(pruned)
}
