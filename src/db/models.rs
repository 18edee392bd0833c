//! Row structs, one per table, as diesel reads and writes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{comments, plan_events, plan_members, plans, tasks, users};
use crate::model::{Comment, Plan, Stamps, Task, TaskStatus};

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
}

impl From<CommentRow> for Comment {
    fn from(r: CommentRow) -> Comment {
        Comment {
            id: r.id,
            task_id: r.task_id,
            author_id: r.author_id,
            body: r.body,
            created_at: r.created_at,
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
