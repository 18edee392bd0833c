//! The shapes of the contract (§2 "Shapes"), as sent over REST and inside events.
//! Database rows live in `db::models`; these are built from them.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Now, in UTC, rounded to milliseconds so that what is stored and what is sent agree on
/// every backend.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(3)
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-25T10:30:00.000Z`.
pub fn format_time(t: NaiveDateTime) -> String {
    t.and_utc().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parses an RFC 3339 timestamp with any offset into naive UTC.
pub fn parse_time(s: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc).naive_utc().trunc_subsecs(3))
}

mod time_format {
    use chrono::NaiveDateTime;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_time(*t))
    }

    pub mod option {
        use chrono::NaiveDateTime;
        use serde::Serializer;

        pub fn serialize<S: Serializer>(
            t: &Option<NaiveDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::super::format_time(*t)),
                None => s.serialize_none(),
            }
        }
    }
}

/// A member's role on a plan, weakest first so that `>=` compares power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Editor,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "editor" => Some(Role::Editor),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

/// Where a task stands; the board's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    InProgress,
    Done,
}

impl TaskStatus {
    /// The three, in board order: the default columns' categories.
    pub const ALL: [TaskStatus; 3] = [TaskStatus::Todo, TaskStatus::InProgress, TaskStatus::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Todo => "todo",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<TaskStatus> {
        match s {
            "todo" => Some(TaskStatus::Todo),
            "in_progress" => Some(TaskStatus::InProgress),
            "done" => Some(TaskStatus::Done),
            _ => None,
        }
    }
}

/// `{id, name}` of a user: event actors, typing and presence notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserRef {
    pub id: String,
    pub name: String,
}

/// When a record was created and last changed (`createdAt`, `updatedAt` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stamps {
    #[serde(with = "time_format")]
    pub created_at: NaiveDateTime,
    #[serde(with = "time_format")]
    pub updated_at: NaiveDateTime,
}

impl Stamps {
    /// A record created (and so last changed) at `at`.
    pub fn new(at: NaiveDateTime) -> Stamps {
        Stamps {
            created_at: at,
            updated_at: at,
        }
    }
}

/// A plan: a board of tasks. `ownerId` is its creator.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub id: String,
    pub title: String,
    #[schema(required = true)]
    pub description: Option<String>,
    pub owner_id: String,
    #[serde(flatten)]
    pub stamps: Stamps,
    /// When the plan was archived (read-only until restored); null while it is not.
    #[serde(with = "time_format::option")]
    #[schema(required = true)]
    pub archived_at: Option<NaiveDateTime>,
}

/// A task of a plan. `version` starts at 1 and grows by one on every change of its
/// content (a move to another column included; a move within its column not);
/// `position` is its place inside its column (0..n-1); `status` is its column's category.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    pub plan_id: String,
    pub title: String,
    #[schema(required = true)]
    pub description: Option<String>,
    pub status: TaskStatus,
    #[schema(required = true)]
    pub assignee_id: Option<String>,
    #[serde(with = "time_format::option")]
    #[schema(required = true)]
    pub due_at: Option<NaiveDateTime>,
    pub position: i64,
    pub version: i64,
    pub created_by: String,
    #[serde(flatten)]
    pub stamps: Stamps,
    pub column_id: String,
    pub priority: Priority,
    /// Up to 20 labels of 1–40 characters, each once, in the order given.
    pub labels: Vec<String>,
    #[schema(required = true)]
    pub sprint_id: Option<String>,
}

/// How urgent a task is; `medium` unless set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Medium,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        match s {
            "low" => Some(Priority::Low),
            "medium" => Some(Priority::Medium),
            "high" => Some(Priority::High),
            "urgent" => Some(Priority::Urgent),
            _ => None,
        }
    }
}

/// A column of a plan's board. `position` is its place on the board (0..n-1); `category`
/// is the status of the tasks in it; `wipLimit` (or null) is how many tasks it takes.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    pub id: String,
    pub plan_id: String,
    pub name: String,
    pub position: i64,
    #[schema(required = true)]
    pub wip_limit: Option<i64>,
    pub category: TaskStatus,
}

impl Column {
    /// The id of a plan's default column of `category` (made with the plan).
    pub fn default_id(plan_id: &str, category: TaskStatus) -> String {
        format!("{plan_id}:{}", category.as_str())
    }
}

/// Where a sprint is in its life: `planned` → `active` → `completed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SprintStatus {
    Planned,
    Active,
    Completed,
}

impl SprintStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SprintStatus::Planned => "planned",
            SprintStatus::Active => "active",
            SprintStatus::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<SprintStatus> {
        match s {
            "planned" => Some(SprintStatus::Planned),
            "active" => Some(SprintStatus::Active),
            "completed" => Some(SprintStatus::Completed),
            _ => None,
        }
    }
}

/// A sprint of a plan: a time box of tasks.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sprint {
    pub id: String,
    pub plan_id: String,
    pub name: String,
    #[schema(required = true)]
    pub goal: Option<String>,
    pub status: SprintStatus,
    #[serde(with = "time_format::option")]
    #[schema(required = true, value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<NaiveDateTime>,
    #[serde(with = "time_format::option")]
    #[schema(required = true, value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<NaiveDateTime>,
    #[serde(with = "time_format::option")]
    #[schema(required = true, value_type = Option<String>, format = DateTime)]
    pub started_at: Option<NaiveDateTime>,
    #[serde(with = "time_format::option")]
    #[schema(required = true, value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<NaiveDateTime>,
}

/// What completing a sprint did: the sprint as completed, how many of its tasks were
/// done (they stay in it) and how many unfinished ones were carried over (to another
/// sprint or the backlog). `sprint-completed`'s data and the REST answer.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SprintCompletion {
    pub sprint: Sprint,
    pub done: i64,
    pub carried_over: i64,
}

/// A user's role on a plan.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub plan_id: String,
    pub user_id: String,
    pub name: String,
    pub role: Role,
}

/// How many of a plan's tasks have each status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema)]
pub struct StatusCounts {
    pub todo: i64,
    pub in_progress: i64,
    pub done: i64,
}

/// How far a plan is.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub plan_id: String,
    pub total: i64,
    pub done: i64,
    /// Whole percent of tasks done, rounded down; 0 for an empty plan.
    pub percent: i64,
    pub by_status: StatusCounts,
}

impl Progress {
    pub fn from_counts(plan_id: &str, by_status: StatusCounts) -> Self {
        let total = by_status.todo + by_status.in_progress + by_status.done;
        let percent = if total == 0 {
            0
        } else {
            by_status.done * 100 / total
        };
        Progress {
            plan_id: plan_id.to_string(),
            total,
            done: by_status.done,
            percent,
            by_status,
        }
    }
}

/// A comment on a task.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: String,
    pub task_id: String,
    pub author_id: String,
    pub body: String,
    #[serde(with = "time_format")]
    pub created_at: NaiveDateTime,
    /// When its body was last edited; null until it is.
    #[serde(with = "time_format::option")]
    #[schema(required = true)]
    pub updated_at: Option<NaiveDateTime>,
}

/// Whether a user in a room is looking (`online`) or has another tab in front (`away`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PresenceStatus {
    Online,
    Away,
}

/// A user in a plan's room.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub user_id: String,
    pub name: String,
    pub status: PresenceStatus,
    /// How many of the user's connections are in the room.
    pub connections: usize,
}
