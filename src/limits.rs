//! The caps on what one user, plan or connection may hold, and the name under which every
//! refusal by a cap or a rate limit is counted (`liveplan_limit_refusals_total{limit}`).
//! docs/security.md lists each with its default.
//!
//! The caps on stored things (plans per user, members and tasks per plan) are checked in
//! the transaction that would add one, after taking the lock that serialises such writers
//! (the user's row, the plan's row), so concurrent requests cannot pass them together.

use crate::error::ApiError;

/// How much one user, plan or connection may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Plans one user may own (not deleted): `POST /api/plans` over it is 403.
    pub plans_per_user: i64,
    /// Plans one connection may have joined or be joining: `join-plan` over it is an
    /// `error` `forbidden`.
    pub plans_per_connection: usize,
    /// Members of one plan: adding one more is 403.
    pub members_per_plan: i64,
    /// Tasks of one plan: creating one more is 403.
    pub tasks_per_plan: i64,
}

/// Each cap and rate limit, as counted in the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    PlansPerUser,
    PlansPerConnection,
    MembersPerPlan,
    TasksPerPlan,
    /// [`MAX_COLUMNS_PER_PLAN`] (fixed).
    ColumnsPerPlan,
    /// [`MAX_SPRINTS_PER_PLAN`] (fixed).
    SprintsPerPlan,
    /// `LIVEPLAN_REST_RATE_*`: REST mutations per user.
    RestMutations,
    /// `LIVEPLAN_REST_READ_RATE_*`: REST reads per user.
    RestReads,
    /// `LIVEPLAN_WS_CONNECT_RATE_*`: WebSocket upgrades per source address.
    WsConnects,
}

impl Limit {
    pub const ALL: [Limit; 9] = [
        Limit::PlansPerUser,
        Limit::PlansPerConnection,
        Limit::MembersPerPlan,
        Limit::TasksPerPlan,
        Limit::ColumnsPerPlan,
        Limit::SprintsPerPlan,
        Limit::RestMutations,
        Limit::RestReads,
        Limit::WsConnects,
    ];

    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::PlansPerUser => "plans_per_user",
            Limit::PlansPerConnection => "plans_per_connection",
            Limit::MembersPerPlan => "members_per_plan",
            Limit::TasksPerPlan => "tasks_per_plan",
            Limit::ColumnsPerPlan => "columns_per_plan",
            Limit::SprintsPerPlan => "sprints_per_plan",
            Limit::RestMutations => "rest_mutations",
            Limit::RestReads => "rest_reads",
            Limit::WsConnects => "ws_connects",
        }
    }
}

/// How many columns a plan may have.
pub const MAX_COLUMNS_PER_PLAN: i64 = 50;

/// How many sprints a plan may have (they are never deleted, and every snapshot carries
/// them all): 20 years of two-week sprints fit.
pub const MAX_SPRINTS_PER_PLAN: i64 = 1000;

/// Refuses when `count` already reached `cap`: 403 `forbidden`, naming the limit.
pub fn check(limit: Limit, count: i64, cap: i64) -> Result<(), ApiError> {
    if count < cap {
        return Ok(());
    }
    let message = match limit {
        Limit::PlansPerUser => {
            format!("plan limit reached: a user may own at most {cap} plans; delete one first")
        }
        Limit::MembersPerPlan => {
            format!("member limit reached: a plan may have at most {cap} members")
        }
        Limit::TasksPerPlan => format!("task limit reached: a plan may hold at most {cap} tasks"),
        Limit::ColumnsPerPlan => {
            format!("column limit reached: a plan may have at most {cap} columns")
        }
        Limit::SprintsPerPlan => {
            format!("sprint limit reached: a plan may have at most {cap} sprints")
        }
        Limit::PlansPerConnection => {
            format!(
                "plan limit reached: a connection may join at most {cap} plans; leave one first"
            )
        }
        Limit::RestMutations | Limit::RestReads | Limit::WsConnects => {
            format!("{} limit reached", limit.as_str())
        }
    };
    Err(ApiError::LimitReached { limit, message })
}
