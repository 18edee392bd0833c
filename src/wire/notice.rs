//! Frames that are never stored: what happens to the people in a plan's room
//! ([`Notice`]) and what concerns one user wherever they are connected
//! ([`PersonalNotice`]). A client that missed one learns the current state another way
//! (`joined`'s participants, `GET /presence`, the task itself), so they carry no seq.

use serde::Serialize;

use crate::model::{PresenceStatus, Task, UserRef};

/// A notice for everyone in a plan's room (but, for typing and presence, the sender).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Notice<'a> {
    #[serde(rename_all = "camelCase")]
    UserJoined {
        plan_id: &'a str,
        user: &'a UserRef,
        participant_count: usize,
    },
    #[serde(rename_all = "camelCase")]
    UserLeft {
        plan_id: &'a str,
        user: &'a UserRef,
        participant_count: usize,
    },
    #[serde(rename_all = "camelCase")]
    Typing {
        plan_id: &'a str,
        task_id: &'a str,
        user: &'a UserRef,
        is_typing: bool,
    },
    #[serde(rename_all = "camelCase")]
    PresenceChanged {
        plan_id: &'a str,
        user: &'a UserRef,
        status: PresenceStatus,
    },
}

/// A notice for every connection of one user.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum PersonalNotice<'a> {
    /// The user's connections were put out of the plan's room (removed, or the plan was
    /// deleted).
    #[serde(rename_all = "camelCase")]
    RemovedFromPlan { plan_id: &'a str },
    /// Someone else assigned the user a task.
    #[serde(rename_all = "camelCase")]
    TaskAssigned {
        plan_id: &'a str,
        task: &'a Task,
        actor: &'a UserRef,
    },
    /// A task assigned to the user is due soon.
    #[serde(rename_all = "camelCase")]
    DueDateReminder { plan_id: &'a str, task: &'a Task },
}

impl Notice<'_> {
    /// Every notice type, as sent in `type`.
    pub const TYPES: &'static [&'static str] =
        &["user-joined", "user-left", "typing", "presence-changed"];

    /// The frame's text (see [`super::text`]).
    pub fn to_json(&self) -> String {
        super::text(self)
    }
}

impl PersonalNotice<'_> {
    /// Every personal notice type, as sent in `type`.
    pub const TYPES: &'static [&'static str] =
        &["removed-from-plan", "task-assigned", "due-date-reminder"];

    /// The frame's text (see [`super::text`]).
    pub fn to_json(&self) -> String {
        super::text(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{now, Stamps, TaskStatus};

    fn type_of<F: Serialize>(frame: &F) -> String {
        let value: serde_json::Value =
            serde_json::from_str(&super::super::text(frame)).unwrap_or_default();
        value["type"].as_str().unwrap_or_default().to_string()
    }

    #[test]
    fn types_lists_every_notice_type_in_variant_order() {
        let user = UserRef {
            id: "ada".into(),
            name: "Ada".into(),
        };
        let t = now();
        let task = Task {
            id: "t1".into(),
            plan_id: "p1".into(),
            title: "Write".into(),
            description: None,
            status: TaskStatus::Todo,
            assignee_id: Some("ada".into()),
            due_at: Some(t),
            position: 1,
            version: 1,
            created_by: "bob".into(),
            stamps: Stamps::new(t),
            column_id: "p1:todo".into(),
            priority: crate::model::Priority::High,
            labels: vec!["ops".into()],
            sprint_id: None,
        };
        let notices = [
            Notice::UserJoined {
                plan_id: "p1",
                user: &user,
                participant_count: 1,
            },
            Notice::UserLeft {
                plan_id: "p1",
                user: &user,
                participant_count: 0,
            },
            Notice::Typing {
                plan_id: "p1",
                task_id: "t1",
                user: &user,
                is_typing: true,
            },
            Notice::PresenceChanged {
                plan_id: "p1",
                user: &user,
                status: PresenceStatus::Away,
            },
        ];
        let types: Vec<String> = notices.iter().map(type_of).collect();
        assert_eq!(types, Notice::TYPES);
        let personal = [
            PersonalNotice::RemovedFromPlan { plan_id: "p1" },
            PersonalNotice::TaskAssigned {
                plan_id: "p1",
                task: &task,
                actor: &user,
            },
            PersonalNotice::DueDateReminder {
                plan_id: "p1",
                task: &task,
            },
        ];
        let types: Vec<String> = personal.iter().map(type_of).collect();
        assert_eq!(types, PersonalNotice::TYPES);
    }
}
