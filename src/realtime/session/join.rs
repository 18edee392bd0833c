//! Joining a plan's room: enter the room, check membership and read the plan's seq and
//! the events to replay from one database snapshot, then write `joined`, the replay and
//! what the room sent meanwhile, in seq order and without duplicates.

use std::sync::Arc;

use actix::prelude::*;
use actix_web_actors::ws;

use super::{PlanSubscription, WsSession};
use crate::db::{self, events::StoredEvent};
use crate::error::{ApiError, ErrorCode};
use crate::limits::{self, Limit};
use crate::realtime::messages::*;
use crate::realtime::protocol::{self, ServerMessage};
use crate::validate;

/// What a join read from the database after entering the room.
enum Replay {
    Nothing,
    Events(Vec<StoredEvent>),
    ResyncRequired,
}

struct JoinSnapshot {
    seq: i64,
    replay: Replay,
}

/// A failed join, and whether the room had already been entered (so must be left).
struct JoinFailure {
    entered_room: bool,
    error: ApiError,
}

impl WsSession {
    pub(super) fn join_plan(
        &mut self,
        request_id: Option<String>,
        m: protocol::JoinPlan,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        if let Err(e) = validate::id("planId", &m.plan_id) {
            return self.send_api_error(ctx, request_id.as_deref(), &e);
        }
        if m.since.is_some_and(|s| s < 0) {
            return self.send_error(
                ctx,
                request_id.as_deref(),
                ErrorCode::BadRequest,
                "since: must be 0 or more",
            );
        }
        let plan_id: Arc<str> = Arc::from(m.plan_id.as_str());
        if self.plans.contains_key(&plan_id) {
            return self.send_error(
                ctx,
                request_id.as_deref(),
                ErrorCode::BadRequest,
                "planId: already joined; send leave-plan first to join again",
            );
        }
        // Joined and still-joining plans count alike.
        let cap = self.state.settings.caps.plans_per_connection;
        if let Err(e) = limits::check(
            Limit::PlansPerConnection,
            self.plans.len() as i64,
            cap as i64,
        ) {
            self.state.metrics.limit_refused(Limit::PlansPerConnection);
            return self.send_api_error(ctx, request_id.as_deref(), &e);
        }
        self.join_attempts += 1;
        let attempt = self.join_attempts;
        self.plans.insert(
            plan_id.clone(),
            PlanSubscription::Joining {
                attempt,
                buffer: Vec::new(),
                joined_with: self.presence,
            },
        );

        let db = self.state.db.clone();
        let registry = self.state.registry.clone();
        let user = self.identity.user.clone();
        let join = JoinRoom {
            connection_id: self.id.clone(),
            user: user.clone(),
            status: self.presence,
            peer: self.peer(ctx),
        };
        let since = m.since;
        let plan = m.plan_id;
        let work = async move {
            let fail = |entered_room: bool| {
                move |error: ApiError| JoinFailure {
                    entered_room,
                    error,
                }
            };
            let (p, u) = (plan.clone(), user.id.clone());
            let role = db
                .read(move |conn| db::members::role_of(conn, &p, &u))
                .await
                .map_err(fail(false))?;
            if role.is_none() {
                return Err(fail(false)(ApiError::plan_not_found()));
            }
            let joined = registry
                .send(JoinPlanRoom {
                    plan_id: plan.clone(),
                    join,
                })
                .await
                .map_err(|e| ApiError::Internal(format!("registry: {e}")))
                .and_then(|r| r.map_err(|e| ApiError::Internal(format!("room: {e}"))))
                .map_err(fail(false))?;
            // Read after entering the room: every event past `seq` reaches us live.
            let (p, u) = (plan.clone(), user.id.clone());
            let snapshot = db
                .snapshot(move |conn| read_join_snapshot(conn, &p, &u, since))
                .await
                .map_err(fail(true))?;
            Ok((joined, snapshot))
        };
        ctx.spawn(work.into_actor(self).map(move |result, act, ctx| {
            act.finish_join(plan_id, attempt, request_id, result, ctx)
        }));
    }

    fn finish_join(
        &mut self,
        plan_id: Arc<str>,
        attempt: u64,
        request_id: Option<String>,
        result: Result<(RoomJoined, JoinSnapshot), JoinFailure>,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        let still_ours = matches!(
            self.plans.get(&plan_id),
            Some(PlanSubscription::Joining { attempt: a, .. }) if *a == attempt
        );
        let (joined, snapshot) = match result {
            Ok(ok) => ok,
            Err(failure) => {
                if failure.entered_room {
                    self.leave_room(&plan_id);
                }
                if still_ours {
                    self.plans.remove(&plan_id);
                }
                return self.send_api_error(ctx, request_id.as_deref(), &failure.error);
            }
        };
        if !still_ours {
            // Left (or evicted) while joining: take the connection back out of the room.
            if !matches!(
                self.plans.get(&plan_id),
                Some(PlanSubscription::Live { .. })
            ) {
                self.leave_room(&plan_id);
            }
            return;
        }
        let Some(PlanSubscription::Joining {
            buffer,
            joined_with,
            ..
        }) = self.plans.remove(&plan_id)
        else {
            return;
        };
        self.send(
            ctx,
            &ServerMessage::Joined {
                request_id: request_id.as_deref(),
                plan_id: &plan_id,
                seq: snapshot.seq,
                participants: &joined.participants,
            },
        );
        match snapshot.replay {
            Replay::Nothing => {}
            Replay::Events(events) => {
                for event in events {
                    ctx.text(event.payload);
                }
            }
            Replay::ResyncRequired => self.send(
                ctx,
                &ServerMessage::ResyncRequired {
                    request_id: request_id.as_deref(),
                    plan_id: &plan_id,
                    seq: snapshot.seq,
                },
            ),
        }
        let mut last_seq = snapshot.seq;
        for delivery in buffer {
            if let Route::Room { seq, .. } = delivery.route {
                match seq {
                    Some(s) if s <= last_seq => continue,
                    Some(s) => last_seq = s,
                    None => {}
                }
                ctx.text(delivery.frame);
            }
        }
        // A `presence` sent while the join was in flight reached no room: tell this one.
        if self.presence != joined_with {
            joined.room.do_send(SetPresence {
                connection_id: self.id.clone(),
                status: self.presence,
            });
        }
        self.plans.insert(
            plan_id,
            PlanSubscription::Live {
                room: joined.room,
                last_seq,
            },
        );
    }
}

/// Membership, the plan's seq, and the events to replay, from one snapshot.
fn read_join_snapshot(
    conn: &mut db::DbConnection,
    plan_id: &str,
    user_id: &str,
    since: Option<i64>,
) -> Result<JoinSnapshot, ApiError> {
    if db::members::role_of(conn, plan_id, user_id)?.is_none() {
        return Err(ApiError::plan_not_found());
    }
    let seq = db::plans::current_seq(conn, plan_id)?.ok_or_else(ApiError::plan_not_found)?;
    let replay = match since {
        None => Replay::Nothing,
        Some(since) if db::events::can_resume(conn, plan_id, since, seq)? => {
            Replay::Events(db::events::after(conn, plan_id, since, seq - since)?)
        }
        Some(_) => Replay::ResyncRequired,
    };
    Ok(JoinSnapshot { seq, replay })
}
