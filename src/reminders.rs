//! Due-date reminders (contract §3): once, when an assigned task nears its due time, every
//! connection of the assignee gets `{"type":"due-date-reminder","planId","task"}`.
//!
//! A sweep runs every `LIVEPLAN_DUE_REMINDER_SWEEP_MS` and reminds tasks due within
//! `LIVEPLAN_DUE_REMINDER_BEFORE`. A reminder is recorded for the due time it was sent for
//! (`due_reminders`), so it goes out once per due time: changing `dueAt` arms it again.
//! Like every personal notice it is not stored: an assignee with no open connection at
//! that moment does not get it later. It goes only to a current member of the task's plan:
//! the sweep's query joins the membership, and the claim that records it, just before it
//! is sent, checks again. A task of an archived plan is not reminded (contract §6.1: the
//! plan is shelved); restored, it is. Several instances sharing a database may each send
//! it once.

use std::time::Duration;

use actix::Addr;

use crate::db::{self, Database};
use crate::error::ApiError;
use crate::realtime::messages::SendToUser;
use crate::realtime::registry::Registry;
use crate::wire::PersonalNotice;

/// Reminders sent per sweep at most (the rest wait for the next sweep).
const PER_SWEEP: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderPolicy {
    /// How long before its due time a task is reminded.
    pub before: Duration,
    pub sweep_every: Duration,
}

/// Starts the sweep timer on the current actix system.
pub fn start(db: Database, registry: Addr<Registry>, policy: ReminderPolicy) {
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(policy.sweep_every).await;
            if let Err(e) = sweep(&db, &registry, policy).await {
                log::warn!("due-date reminder sweep failed, will retry: {e}");
            }
        }
    });
}

/// One sweep; answers how many reminders went out.
pub async fn sweep(
    db: &Database,
    registry: &Addr<Registry>,
    policy: ReminderPolicy,
) -> Result<usize, ApiError> {
    let now = crate::model::now();
    let before = chrono::Duration::from_std(policy.before).unwrap_or(chrono::Duration::hours(1));
    let until = now + before;
    let due = db
        .read(move |conn| db::due_reminders::due_unreminded(conn, now, until, PER_SWEEP))
        .await?;
    let mut sent = 0;
    for task in due {
        let (Some(assignee), Some(due_at)) = (task.assignee_id.clone(), task.due_at) else {
            continue;
        };
        let (id, to) = (task.id.clone(), assignee.clone());
        // Checked again at send time: the assignee may have been removed (or the task
        // changed) since the read above.
        let claimed = db
            .write(move |conn| db::due_reminders::claim(conn, &id, &to, due_at, now))
            .await?;
        if !claimed {
            continue;
        }
        let frame = PersonalNotice::DueDateReminder {
            plan_id: &task.plan_id,
            task: &task,
        }
        .to_json();
        registry.do_send(SendToUser {
            user_id: assignee,
            frame: frame.into(),
            exclude: None,
        });
        sent += 1;
    }
    Ok(sent)
}
