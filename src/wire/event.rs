//! Stored plan events (contract §3, "Server → client events"): their types, their `data`,
//! and the frame clients receive (`{type, planId, seq, data, actor, timestamp}`).

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::{
    format_time, Column, Comment, Member, Plan, Progress, Sprint, SprintCompletion, Task, UserRef,
};

/// What a `task-updated` says changed: `{field: {from, to}}` for each field that did.
pub type TaskChanges = Map<String, Value>;

/// A plan event, holding its `data`. Serialised (untagged) it is the `data` object; its
/// `type` is [`PlanEvent::event_type`].
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PlanEvent<'a> {
    TaskCreated {
        task: &'a Task,
    },
    TaskUpdated {
        task: &'a Task,
        changes: &'a TaskChanges,
    },
    TaskDeleted {
        #[serde(rename = "taskId")]
        task_id: &'a str,
    },
    /// The board's new order, every task of the plan once.
    TaskReordered {
        #[serde(rename = "taskIds")]
        task_ids: &'a [String],
    },
    /// `data` is the progress itself.
    ProgressUpdated(&'a Progress),
    PlanUpdated {
        plan: &'a Plan,
    },
    PlanDeleted {
        #[serde(rename = "planId")]
        plan_id: &'a str,
    },
    MemberAdded {
        member: &'a Member,
    },
    MemberUpdated {
        member: &'a Member,
    },
    MemberRemoved {
        member: &'a Member,
    },
    CommentAdded {
        comment: &'a Comment,
    },
    /// A column was added at its `position` (the columns from there on move right).
    ColumnCreated {
        column: &'a Column,
    },
    /// A column's name, WIP limit or category changed (its position does not).
    ColumnUpdated {
        column: &'a Column,
    },
    /// A column went; its tasks were moved to `movedTo` first (one `task-moved` each).
    ColumnDeleted {
        #[serde(rename = "columnId")]
        column_id: &'a str,
        #[serde(rename = "movedTo")]
        moved_to: Option<&'a str>,
    },
    /// The board's columns in their new order, every column once.
    ColumnsReordered {
        #[serde(rename = "columnIds")]
        column_ids: &'a [String],
    },
    /// A task went to another place: its column and position before and after.
    TaskMoved {
        task: &'a Task,
        from: Place<'a>,
        to: Place<'a>,
    },
    /// A comment's body was edited: the comment as it is now.
    CommentUpdated {
        comment: &'a Comment,
    },
    /// A comment was deleted (not sent for the comments of a deleted task).
    CommentDeleted {
        #[serde(rename = "commentId")]
        comment_id: &'a str,
        #[serde(rename = "taskId")]
        task_id: &'a str,
    },
    /// The plan was archived: read-only until restored. The plan as it is now.
    PlanArchived {
        plan: &'a Plan,
    },
    /// The plan was restored: writable again. The plan as it is now.
    PlanRestored {
        plan: &'a Plan,
    },
    /// A sprint was created (planned).
    SprintCreated {
        sprint: &'a Sprint,
    },
    /// A sprint's name, goal or dates changed.
    SprintUpdated {
        sprint: &'a Sprint,
    },
    /// A sprint became the plan's active one.
    SprintStarted {
        sprint: &'a Sprint,
    },
    /// `data` is the completion itself: `{sprint, done, carriedOver}`, after one
    /// `task-updated` per carried-over task.
    SprintCompleted(&'a SprintCompletion),
}

/// A task's place: `{columnId, position}`.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Place<'a> {
    pub column_id: &'a str,
    pub position: i64,
}

impl PlanEvent<'_> {
    /// Every event type, as sent in `type`.
    pub const TYPES: &'static [&'static str] = &[
        "task-created",
        "task-updated",
        "task-deleted",
        "task-reordered",
        "progress-updated",
        "plan-updated",
        "plan-deleted",
        "member-added",
        "member-updated",
        "member-removed",
        "comment-added",
        "column-created",
        "column-updated",
        "column-deleted",
        "columns-reordered",
        "task-moved",
        "comment-updated",
        "comment-deleted",
        "plan-archived",
        "plan-restored",
        "sprint-created",
        "sprint-updated",
        "sprint-started",
        "sprint-completed",
    ];

    /// The event's `type` (also stored in the log's `event_type` column).
    pub fn event_type(&self) -> &'static str {
        match self {
            PlanEvent::TaskCreated { .. } => "task-created",
            PlanEvent::TaskUpdated { .. } => "task-updated",
            PlanEvent::TaskDeleted { .. } => "task-deleted",
            PlanEvent::TaskReordered { .. } => "task-reordered",
            PlanEvent::ProgressUpdated(_) => "progress-updated",
            PlanEvent::PlanUpdated { .. } => "plan-updated",
            PlanEvent::PlanDeleted { .. } => "plan-deleted",
            PlanEvent::MemberAdded { .. } => "member-added",
            PlanEvent::MemberUpdated { .. } => "member-updated",
            PlanEvent::MemberRemoved { .. } => "member-removed",
            PlanEvent::CommentAdded { .. } => "comment-added",
            PlanEvent::ColumnCreated { .. } => "column-created",
            PlanEvent::ColumnUpdated { .. } => "column-updated",
            PlanEvent::ColumnDeleted { .. } => "column-deleted",
            PlanEvent::ColumnsReordered { .. } => "columns-reordered",
            PlanEvent::TaskMoved { .. } => "task-moved",
            PlanEvent::CommentUpdated { .. } => "comment-updated",
            PlanEvent::CommentDeleted { .. } => "comment-deleted",
            PlanEvent::PlanArchived { .. } => "plan-archived",
            PlanEvent::PlanRestored { .. } => "plan-restored",
            PlanEvent::SprintCreated { .. } => "sprint-created",
            PlanEvent::SprintUpdated { .. } => "sprint-updated",
            PlanEvent::SprintStarted { .. } => "sprint-started",
            PlanEvent::SprintCompleted(_) => "sprint-completed",
        }
    }

    /// The complete frame, as stored and sent: `{type, planId, seq, data, actor,
    /// timestamp}`.
    pub fn frame(
        &self,
        plan_id: &str,
        seq: i64,
        actor: &UserRef,
        created_at: NaiveDateTime,
    ) -> Result<String, serde_json::Error> {
        super::encode(&Envelope {
            event_type: self.event_type(),
            plan_id,
            seq,
            data: self,
            actor,
            timestamp: format_time(created_at),
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    #[serde(rename = "type")]
    event_type: &'static str,
    plan_id: &'a str,
    seq: i64,
    data: &'a PlanEvent<'a>,
    actor: &'a UserRef,
    timestamp: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{now, Priority, Role, SprintStatus, Stamps, StatusCounts, TaskStatus};

    struct Fixtures {
        column: Column,
        task: Task,
        plan: Plan,
        member: Member,
        comment: Comment,
        progress: Progress,
        changes: TaskChanges,
        order: Vec<String>,
        sprint: Sprint,
        completion: SprintCompletion,
    }

    fn fixtures() -> Fixtures {
        let t = now();
        let sprint = Sprint {
            id: "s1".into(),
            plan_id: "p1".into(),
            name: "Sprint 1".into(),
            goal: None,
            status: SprintStatus::Planned,
            starts_at: None,
            ends_at: None,
            started_at: None,
            completed_at: None,
        };
        Fixtures {
            column: Column {
                id: "p1:todo".into(),
                plan_id: "p1".into(),
                name: "To do".into(),
                position: 0,
                wip_limit: None,
                category: TaskStatus::Todo,
            },
            task: Task {
                id: "t1".into(),
                plan_id: "p1".into(),
                title: "Write".into(),
                description: None,
                status: TaskStatus::Todo,
                assignee_id: None,
                due_at: None,
                position: 1,
                version: 1,
                created_by: "ada".into(),
                stamps: Stamps::new(t),
                column_id: "p1:todo".into(),
                priority: Priority::Medium,
                labels: Vec::new(),
                sprint_id: None,
            },
            plan: Plan {
                id: "p1".into(),
                title: "Launch".into(),
                description: None,
                owner_id: "ada".into(),
                stamps: Stamps::new(t),
                archived_at: None,
            },
            member: Member {
                plan_id: "p1".into(),
                user_id: "bob".into(),
                name: "Bob".into(),
                role: Role::Editor,
            },
            comment: Comment {
                id: "c1".into(),
                task_id: "t1".into(),
                author_id: "ada".into(),
                body: "Done?".into(),
                created_at: t,
                updated_at: None,
            },
            progress: Progress::from_counts("p1", StatusCounts::default()),
            changes: TaskChanges::new(),
            order: vec!["t1".into()],
            completion: SprintCompletion {
                sprint: Sprint {
                    status: SprintStatus::Completed,
                    started_at: Some(t),
                    completed_at: Some(t),
                    ..sprint.clone()
                },
                done: 1,
                carried_over: 2,
            },
            sprint,
        }
    }

    /// One event of each variant (the match makes a new variant fail to compile here
    /// until it is added).
    fn one_of_each(f: &Fixtures) -> Vec<PlanEvent<'_>> {
        let all = vec![
            PlanEvent::TaskCreated { task: &f.task },
            PlanEvent::TaskUpdated {
                task: &f.task,
                changes: &f.changes,
            },
            PlanEvent::TaskDeleted { task_id: "t1" },
            PlanEvent::TaskReordered { task_ids: &f.order },
            PlanEvent::ProgressUpdated(&f.progress),
            PlanEvent::PlanUpdated { plan: &f.plan },
            PlanEvent::PlanDeleted { plan_id: "p1" },
            PlanEvent::MemberAdded { member: &f.member },
            PlanEvent::MemberUpdated { member: &f.member },
            PlanEvent::MemberRemoved { member: &f.member },
            PlanEvent::CommentAdded {
                comment: &f.comment,
            },
            PlanEvent::ColumnCreated { column: &f.column },
            PlanEvent::ColumnUpdated { column: &f.column },
            PlanEvent::ColumnDeleted {
                column_id: "c2",
                moved_to: Some("p1:todo"),
            },
            PlanEvent::ColumnsReordered {
                column_ids: &f.order,
            },
            PlanEvent::TaskMoved {
                task: &f.task,
                from: Place {
                    column_id: "p1:todo",
                    position: 0,
                },
                to: Place {
                    column_id: "p1:todo",
                    position: 1,
                },
            },
            PlanEvent::CommentUpdated {
                comment: &f.comment,
            },
            PlanEvent::CommentDeleted {
                comment_id: "c1",
                task_id: "t1",
            },
            PlanEvent::PlanArchived { plan: &f.plan },
            PlanEvent::PlanRestored { plan: &f.plan },
            PlanEvent::SprintCreated { sprint: &f.sprint },
            PlanEvent::SprintUpdated { sprint: &f.sprint },
            PlanEvent::SprintStarted { sprint: &f.sprint },
            PlanEvent::SprintCompleted(&f.completion),
        ];
        for event in &all {
            match event {
                PlanEvent::TaskCreated { .. }
                | PlanEvent::TaskUpdated { .. }
                | PlanEvent::TaskDeleted { .. }
                | PlanEvent::TaskReordered { .. }
                | PlanEvent::ProgressUpdated(_)
                | PlanEvent::PlanUpdated { .. }
                | PlanEvent::PlanDeleted { .. }
                | PlanEvent::MemberAdded { .. }
                | PlanEvent::MemberUpdated { .. }
                | PlanEvent::MemberRemoved { .. }
                | PlanEvent::CommentAdded { .. }
                | PlanEvent::ColumnCreated { .. }
                | PlanEvent::ColumnUpdated { .. }
                | PlanEvent::ColumnDeleted { .. }
                | PlanEvent::ColumnsReordered { .. }
                | PlanEvent::TaskMoved { .. }
                | PlanEvent::CommentUpdated { .. }
                | PlanEvent::CommentDeleted { .. }
                | PlanEvent::PlanArchived { .. }
                | PlanEvent::PlanRestored { .. }
                | PlanEvent::SprintCreated { .. }
                | PlanEvent::SprintUpdated { .. }
                | PlanEvent::SprintStarted { .. }
                | PlanEvent::SprintCompleted(_) => {}
            }
        }
        all
    }

    #[test]
    fn types_lists_every_event_type_once_in_variant_order() {
        let f = fixtures();
        let types: Vec<&str> = one_of_each(&f).iter().map(PlanEvent::event_type).collect();
        assert_eq!(types, PlanEvent::TYPES);
    }

    #[test]
    fn a_frame_is_the_contracts_envelope_with_the_data_inside() {
        let f = fixtures();
        let actor = UserRef {
            id: "ada".into(),
            name: "Ada".into(),
        };
        for event in one_of_each(&f) {
            let frame = event.frame("p1", 7, &actor, now()).unwrap_or_default();
            let value: Value = serde_json::from_str(&frame).unwrap_or_default();
            assert_eq!(value["type"], event.event_type());
            assert_eq!(value["planId"], "p1");
            assert_eq!(value["seq"], 7);
            assert_eq!(value["actor"]["id"], "ada");
            assert!(value["timestamp"].is_string(), "{frame}");
            assert!(value["data"].is_object(), "{frame}");
        }
        let deleted = PlanEvent::TaskDeleted { task_id: "t1" };
        let frame = deleted.frame("p1", 1, &actor, now()).unwrap_or_default();
        assert!(frame.contains(r#""data":{"taskId":"t1"}"#), "{frame}");
        let completed = PlanEvent::SprintCompleted(&f.completion);
        let frame = completed.frame("p1", 2, &actor, now()).unwrap_or_default();
        let value: Value = serde_json::from_str(&frame).unwrap_or_default();
        assert_eq!(value["data"]["done"], 1, "{frame}");
        assert_eq!(value["data"]["carriedOver"], 2, "{frame}");
        assert_eq!(value["data"]["sprint"]["status"], "completed", "{frame}");
    }
}
