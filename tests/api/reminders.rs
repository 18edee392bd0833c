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

/// Reads frames for `ms` milliseconds; none of them may be about `plan`.
async fn expect_nothing_about(tab: &mut WsClient, plan: &str, ms: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(ms);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match actix_web::rt::time::timeout(left, tab.next_json()).await {
            Ok(frame) => assert_ne!(frame["planId"], plan, "{frame}"),
            Err(_) => return,
        }
    }
}

#[actix_web::test]
async fn removing_a_member_unassigns_their_tasks_and_they_get_no_reminder_of_the_plan() {
    let app = spawn_app_with(|a| {
        a.due_reminder_before = Some("1h".into());
        a.due_reminder_sweep_ms = Some("50".into());
    })
    .await;
    let plan = app.create_plan("ada", "Handover").await;
    app.add_member(&plan, "ada", "bob", "editor").await; // seq 1
    let ada = app.token("ada");
    let tasks = format!("/api/plans/{plan}/tasks");
    let mut created = Vec::new();
    for (title, assignee, due) in [
        ("Bob's, due later", Some("bob"), Some(in_minutes(90))),
        ("Ada's", Some("ada"), Some(in_minutes(90))),
        ("Bob's, no due time", Some("bob"), None),
    ] {
        let a = app
            .post(
                &tasks,
                &ada,
                json!({ "title": title, "assigneeId": assignee, "dueAt": due }),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        created.push(a.body);
    }
    // seq 2..=7: task-created and progress-updated for each.
    let mut watcher = app.ws("ada").await;
    assert_eq!(watcher.join(&plan, None).await["seq"], 7);
    let mut bob = app.ws("bob").await;

    let removed = app
        .delete(&format!("/api/plans/{plan}/members/bob"), &ada)
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    assert_eq!(removed.plan_seq, Some(10));

    // In the same transaction, each of Bob's tasks was unassigned like a PATCH would:
    // task-updated (version bumped, assigneeId from bob to null), then member-removed.
    for (seq, task) in [(8, &created[0]), (9, &created[2])] {
        let event = watcher.next_json().await;
        assert_eq!(event["type"], "task-updated", "{event}");
        assert_eq!(event["seq"], seq, "{event}");
        assert_eq!(event["actor"]["id"], "ada");
        assert_eq!(
            event["data"]["changes"],
            json!({ "assigneeId": { "from": "bob", "to": null } })
        );
        assert_eq!(event["data"]["task"]["id"], task["id"]);
        assert_eq!(event["data"]["task"]["assigneeId"], json!(null));
        assert_eq!(event["data"]["task"]["version"], 2);
        let now = app
            .get(
                &format!("/api/tasks/{}", task["id"].as_str().unwrap()),
                &ada,
            )
            .await;
        assert_eq!(now.body, event["data"]["task"], "stored as announced");
    }
    let event = watcher.next_json().await;
    assert_eq!(event["type"], "member-removed", "{event}");
    assert_eq!(event["seq"], 10);
    let adas = app
        .get(
            &format!("/api/tasks/{}", created[1]["id"].as_str().unwrap()),
            &ada,
        )
        .await;
    assert_eq!(adas.body, created[1], "another member's task is untouched");

    // A new due time inside the window would arm a reminder: Bob gets none, nor
    // anything else about the plan.
    let id = created[0]["id"].as_str().unwrap();
    let moved = app
        .patch(
            &format!("/api/tasks/{id}"),
            &ada,
            json!({ "dueAt": in_minutes(20) }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["assigneeId"], json!(null));
    expect_nothing_about(&mut bob, &plan, 500).await;
}

#[actix_web::test]
async fn a_reminder_goes_only_to_a_current_member_whatever_the_task_row_says() {
    let app = spawn_app_with(|a| {
        a.due_reminder_before = Some("1h".into());
        a.due_reminder_sweep_ms = Some("50".into());
    })
    .await;
    let plan = app.create_plan("ada", "Stale").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let ada = app.token("ada");
    let task = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &ada,
            json!({ "title": "Later", "assigneeId": "bob", "dueAt": in_minutes(90) }),
        )
        .await;
    assert_eq!(task.status, 201, "{}", task.body);
    // Bob's membership goes behind the service's back (as a row written by an older
    // version, or another tool, might leave it): the task still names him.
    let (p, b) = (plan.clone(), "bob".to_string());
    app.state
        .db
        .write(move |conn| liveplan::db::members::delete(conn, &p, &b))
        .await
        .unwrap();
    let mut bob = app.ws("bob").await;
    let id = task.body["id"].as_str().unwrap();
    let moved = app
        .patch(
            &format!("/api/tasks/{id}"),
            &ada,
            json!({ "dueAt": in_minutes(20) }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["assigneeId"], "bob");
    expect_nothing_about(&mut bob, &plan, 500).await;
}
