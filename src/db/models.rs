//! Row structs, one per table, as diesel reads and writes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{columns, comments, plan_events, plan_members, plans, sprints, tasks, users};
use crate::model::{
    Column, Comment, Plan, Priority, Sprint, SprintStatus, Stamps, Task, TaskStatus,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub owner_id: String,
    pub seq: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub archived_at: Option<NaiveDateTime>,
}

impl From<PlanRow> for Plan {
    fn from(r: PlanRow) -> Plan {
        Plan {
            id: r.id,
            title: r.title,
            description: r.description,
            owner_id: r.owner_id,
            stamps: Stamps {
                created_at: r.created_at,
                updated_at: r.updated_at,
            },
            archived_at: r.archived_at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_members)]
pub struct MemberRow {
    pub plan_id: String,
    pub user_id: String,
    pub role: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tasks)]
#[diesel(treat_none_as_null = true)]
pub struct TaskRow {
    pub id: String,
    pub plan_id: String,
    pub title: String,
    pub description: Option<String>,
    pub status: String,
    pub assignee_id: Option<String>,
    pub due_at: Option<NaiveDateTime>,
    pub position: i64,
    pub version: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub column_id: String,
    pub priority: String,
    /// A JSON array of strings.
    pub labels: String,
    pub sprint_id: Option<String>,
}

impl From<TaskRow> for Task {
    fn from(r: TaskRow) -> Task {
        Task {
            id: r.id,
            plan_id: r.plan_id,
            title: r.title,
            description: r.description,
            // Only the server writes this column, always from a TaskStatus.
            status: TaskStatus::parse(&r.status).unwrap_or(TaskStatus::Todo),
            assignee_id: r.assignee_id,
            due_at: r.due_at,
            position: r.position,
            version: r.version,
            created_by: r.created_by,
            stamps: Stamps {
                created_at: r.created_at,
                updated_at: r.updated_at,
            },
            column_id: r.column_id,
            // Only the server writes these columns, always from a Priority and a list.
            priority: Priority::parse(&r.priority).unwrap_or_default(),
            labels: serde_json::from_str(&r.labels).unwrap_or_default(),
            sprint_id: r.sprint_id,
        }
    }
}

impl From<&Task> for TaskRow {
    fn from(t: &Task) -> TaskRow {
        TaskRow {
            id: t.id.clone(),
            plan_id: t.plan_id.clone(),
            title: t.title.clone(),
            description: t.description.clone(),
            status: t.status.as_str().to_string(),
            assignee_id: t.assignee_id.clone(),
            due_at: t.due_at,
            position: t.position,
            version: t.version,
            created_by: t.created_by.clone(),
            created_at: t.stamps.created_at,
            updated_at: t.stamps.updated_at,
            column_id: t.column_id.clone(),
            priority: t.priority.as_str().to_string(),
            labels: serde_json::to_string(&t.labels).unwrap_or_else(|_| "[]".into()),
            sprint_id: t.sprint_id.clone(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = comments)]
pub struct CommentRow {
    pub id: String,
    pub task_id: String,
    pub plan_id: String,
    pub author_id: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub updated_at: Option<NaiveDateTime>,
}

impl From<CommentRow> for Comment {
    fn from(r: CommentRow) -> Comment {
        Comment {
            id: r.id,
            task_id: r.task_id,
            author_id: r.author_id,
            body: r.body,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = plan_events)]
pub struct EventRow {
    pub plan_id: String,
    pub seq: i64,
    pub event_type: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = columns)]
#[diesel(treat_none_as_null = true)]
pub struct ColumnRow {
    pub id: String,
    pub plan_id: String,
    pub name: String,
    pub position: i64,
    pub wip_limit: Option<i64>,
    pub category: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl From<ColumnRow> for Column {
    fn from(r: ColumnRow) -> Column {
        Column {
            id: r.id,
            plan_id: r.plan_id,
            name: r.name,
            position: r.position,
            wip_limit: r.wip_limit,
            // Only the server writes this column, always from a TaskStatus.
            category: TaskStatus::parse(&r.category).unwrap_or(TaskStatus::Todo),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sprints)]
#[diesel(treat_none_as_null = true)]
pub struct SprintRow {
    pub id: String,
    pub plan_id: String,
    pub name: String,
    pub goal: Option<String>,
    pub status: String,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl From<SprintRow> for Sprint {
    fn from(r: SprintRow) -> Sprint {
        Sprint {
            id: r.id,
            plan_id: r.plan_id,
            name: r.name,
            goal: r.goal,
            // Only the server writes this column, always from a SprintStatus.
            status: SprintStatus::parse(&r.status).unwrap_or(SprintStatus::Planned),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            started_at: r.started_at,
            completed_at: r.completed_at,
        }
    }
}
