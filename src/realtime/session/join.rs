//! Joining a plan's room: enter the room, check membership and read the plan's seq from
//! one database snapshot, write `joined`, then catch up from the event log (the replay
//! after `since`, and any event the room delivered while the join was in flight) page by
//! page, paced by the connection's queue, and go live.
//!
//! While a connection catches up, events the room delivers are not kept: the session notes
//! the newest seq it was offered and reads it from the log instead, so a catch-up holds at
//! most one page in memory whatever the room's traffic. Room notices (presence, typing)
//! are kept, counted in the queue, and written once the connection is live. A page is read
//! only while the queue holds less than half its limit (the other half is for live frames),
//! and holds at most what fits under that half: a client that stops reading mid-replay
//! holds no more than its queue, and when live frames then overflow the queue it is closed
//! 1008 like any slow consumer, and resumes with `since`.

use std::sync::Arc;

use actix::prelude::*;
use actix_web_actors::ws;

use super::{CatchUp, PlanSubscription, WsSession};
use crate::db::{self, events::StoredEvent};
use crate::error::{ApiError, ErrorCode};
use crate::limits::{self, Limit};
use crate::realtime::messages::*;
use crate::realtime::protocol::{self, ServerMessage};
use crate::validate;

/// Events per replay page at most (pages are also bounded by bytes).
const PAGE_MAX_EVENTS: i64 = 256;

/// What a join read from the database after entering the room.
struct JoinSnapshot {
    seq: i64,
    /// `since` was given and every event after it is still stored.
    resumable: bool,
}

/// A failed join, and whether the room had already been entered (so must be left).
struct JoinFailure {
    entered_room: bool,
    error: ApiError,
}

/// One page of a catch-up.
enum Page {
    Events(Vec<StoredEvent>),
    /// The events after the last one written were pruned meanwhile: the plan's seq now.
    Pruned {
        seq: i64,
    },
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
                catch_up: CatchUp::new(self.outbound.clone()),
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
                .map_err(ApiError::from)
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
            act.finish_join(plan_id, attempt, request_id, since, result, ctx)
        }));
    }

    fn finish_join(
        &mut self,
        plan_id: Arc<str>,
        attempt: u64,
        request_id: Option<String>,
        since: Option<i64>,
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
                Some(PlanSubscription::Live { .. } | PlanSubscription::CatchingUp { .. })
            ) {
                self.leave_room(&plan_id);
            }
            return;
        }
        let Some(PlanSubscription::Joining {
            mut catch_up,
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
        let written = match since {
            Some(since) if snapshot.resumable => since,
            Some(_) => {
                self.send(
                    ctx,
                    &ServerMessage::ResyncRequired {
                        request_id: request_id.as_deref(),
                        plan_id: &plan_id,
                        seq: snapshot.seq,
                    },
                );
                snapshot.seq
            }
            None => snapshot.seq,
        };
        catch_up.offered(snapshot.seq);
        // A `presence` sent while the join was in flight reached no room: tell this one.
        if self.presence != joined_with {
            joined.room.do_send(SetPresence {
                connection_id: self.id.clone(),
                status: self.presence,
            });
        }
        self.plans.insert(
            plan_id.clone(),
            PlanSubscription::CatchingUp {
                attempt,
                request_id,
                room: joined.room,
                written,
                catch_up,
            },
        );
        self.continue_catch_up(plan_id, attempt, ctx);
    }

    /// The next step of a catch-up: go live when everything offered was written, else
    /// wait for the queue to drain, else read and write the next page.
    fn continue_catch_up(
        &mut self,
        plan_id: Arc<str>,
        attempt: u64,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        let Some(PlanSubscription::CatchingUp {
            attempt: a,
            written,
            catch_up,
            ..
        }) = self.plans.get(&plan_id)
        else {
            return;
        };
        if *a != attempt {
            return;
        }
        let (written, target) = (*written, catch_up.newest_offered);
        if written >= target {
            return self.go_live(&plan_id, ctx);
        }
        // Half the queue for the replay, half for live frames meanwhile.
        let high_water = self.outbound.limit().max_bytes / 2;
        let queued = self.outbound.queued_bytes();
        if queued >= high_water {
            let drained = self.outbound.drained_to(high_water / 2);
            ctx.spawn(
                drained
                    .into_actor(self)
                    .map(move |(), act, ctx| act.continue_catch_up(plan_id, attempt, ctx)),
            );
            return;
        }
        let budget = high_water - queued;
        let plan = plan_id.to_string();
        let db = self.state.db.clone();
        let page = async move {
            db.read(move |conn| read_page(conn, &plan, written, target, budget))
                .await
        };
        ctx.spawn(
            page.into_actor(self)
                .map(move |page, act, ctx| act.write_page(plan_id, attempt, written, page, ctx)),
        );
    }

    fn write_page(
        &mut self,
        plan_id: Arc<str>,
        attempt: u64,
        read_after: i64,
        page: Result<Page, ApiError>,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
        let request_id = match self.plans.get(&plan_id) {
            Some(PlanSubscription::CatchingUp {
                attempt: a,
                written,
                request_id,
                ..
            }) if *a == attempt && *written == read_after => request_id.clone(),
            // Left, evicted, or joined anew meanwhile.
            _ => return,
        };
        let written = match page {
            Ok(Page::Events(events)) => {
                let mut last = read_after;
                for event in events {
                    last = event.seq;
                    // This connection's own change (`X-Connection-Id`) is not for it.
                    if !self.excluded_while_catching_up(&plan_id, event.seq) {
                        self.write_own(ctx, event.payload);
                    }
                }
                last
            }
            Ok(Page::Pruned { seq }) => {
                self.send(
                    ctx,
                    &ServerMessage::ResyncRequired {
                        request_id: request_id.as_deref(),
                        plan_id: &plan_id,
                        seq,
                    },
                );
                seq
            }
            Err(e) => {
                // The client was told `joined` but cannot get what it missed now: take it
                // out of the plan; it joins again with `since` = the last seq it saw.
                self.plans.remove(&plan_id);
                self.leave_room(&plan_id);
                return self.send_api_error(ctx, request_id.as_deref(), &e);
            }
        };
        if let Some(PlanSubscription::CatchingUp {
            written: w,
            catch_up,
            ..
        }) = self.plans.get_mut(&plan_id)
        {
            *w = written;
            catch_up.offered(written);
        }
        self.continue_catch_up(plan_id, attempt, ctx);
    }

    /// Whether the room left out event `seq` for this connection (its originator) while it
    /// was joining or catching up; forgets it once asked.
    fn excluded_while_catching_up(&mut self, plan_id: &str, seq: i64) -> bool {
        match self.plans.get_mut(plan_id) {
            Some(PlanSubscription::CatchingUp { catch_up, .. }) => catch_up.excluded.remove(&seq),
            _ => false,
        }
    }

    /// Everything offered was written: write the room notices kept meanwhile, go live.
    fn go_live(&mut self, plan_id: &Arc<str>, ctx: &mut ws::WebsocketContext<Self>) {
        let Some(PlanSubscription::CatchingUp {
            room,
            written,
            mut catch_up,
            ..
        }) = self.plans.remove(plan_id)
        else {
            return;
        };
        for frame in catch_up.notices.take() {
            // Counted when the room delivered it; counted out as it reaches the socket.
            ctx.text(frame);
        }
        self.plans.insert(
            plan_id.clone(),
            PlanSubscription::Live {
                room,
                last_seq: written,
            },
        );
    }
}

/// Membership and the plan's seq from one snapshot, and whether `since` can be resumed.
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
    let resumable = match since {
        Some(since) => db::events::can_resume(conn, plan_id, since, seq)?,
        None => false,
    };
    Ok(JoinSnapshot { seq, resumable })
}

/// The events after `after`, through `through`, that fit in `budget` bytes; or, when the
/// next one is no longer stored, the plan's seq.
fn read_page(
    conn: &mut db::DbConnection,
    plan_id: &str,
    after: i64,
    through: i64,
    budget: usize,
) -> Result<Page, ApiError> {
    let events = db::events::page_within(conn, plan_id, after, through, budget, PAGE_MAX_EVENTS)?;
    let gapless = events
        .iter()
        .zip(after + 1..)
        .all(|(event, expected)| event.seq == expected);
    if !events.is_empty() && gapless {
        return Ok(Page::Events(events));
    }
    let seq = db::plans::current_seq(conn, plan_id)?.ok_or_else(ApiError::plan_not_found)?;
    Ok(Page::Pruned {
        seq: seq.max(through),
    })
}
