//! `due-date-reminder` (contract §3 personal notices): once per due time, to every
//! connection of the assignee, when an assigned task nears its due time.

use serde_json::json;

use crate::helpers::*;

/// Reads frames for `ms` milliseconds; none of them may be a reminder.
async fn expect_no_reminder(tab: &mut WsClient, ms: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(ms);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match actix_web::rt::time::timeout(left, tab.next_json()).await {
            Ok(frame) => assert_ne!(frame["type"], "due-date-reminder", "{frame}"),
            Err(_) => return,
        }
    }
}

fn in_minutes(m: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(m))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

#[actix_web::test]
async fn the_assignee_is_reminded_once_per_due_time_on_every_connection() {
    let app = spawn_app_with(|a| {
        a.due_reminder_before = Some("1h".into());
        a.due_reminder_sweep_ms = Some("50".into());
    })
    .await;
    let plan = app.create_plan("ada", "Deadlines").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    // Two tabs, neither joined to the plan: personal notices reach every connection.
    let mut tab1 = app.ws("bob").await;
    let mut tab2 = app.ws("bob").await;
    let ada = app.token("ada");
    let tasks = format!("/api/plans/{plan}/tasks");

    let soon = app
        .post(
            &tasks,
            &ada,
            json!({ "title": "Soon", "assigneeId": "bob", "dueAt": in_minutes(30) }),
        )
        .await;
    assert_eq!(soon.status, 201, "{}", soon.body);
    // Not reminded: due later than the window, due soon but unassigned.
    let later = app
        .post(
            &tasks,
            &ada,
            json!({ "title": "Later", "assigneeId": "bob", "dueAt": in_minutes(120) }),
        )
        .await;
    assert_eq!(later.status, 201);
    let unassigned = app
        .post(
            &tasks,
            &ada,
            json!({ "title": "Nobody's", "dueAt": in_minutes(10) }),
        )
        .await;
    assert_eq!(unassigned.status, 201);

    for tab in [&mut tab1, &mut tab2] {
        let reminder = tab.expect_type("due-date-reminder").await;
        let mut keys: Vec<&str> = reminder
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        assert_eq!(keys, vec!["planId", "task", "type"], "{reminder}");
        assert_eq!(reminder["planId"], plan);
        assert_eq!(reminder["task"], soon.body, "the task as it is now");
        // Once: no second reminder follows (task-assigned notices may).
        expect_no_reminder(tab, 400).await;
    }

    // A new due time arms the reminder again.
    let id = soon.body["id"].as_str().unwrap();
    let moved = app
        .patch(
            &format!("/api/tasks/{id}"),
            &ada,
            json!({ "dueAt": in_minutes(20) }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let again = tab1.expect_type("due-date-reminder").await;
    assert_eq!(again["task"]["dueAt"], moved.body["dueAt"]);
    expect_no_reminder(&mut tab1, 400).await;
}
