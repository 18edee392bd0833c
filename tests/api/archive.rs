//! Archived plans (contract §6.1): an owner archives and restores a plan (`plan-archived`,
//! `plan-restored`); an archived plan answers every change with 409 `archived` but is
//! still read, joined and deleted; `GET /api/plans` leaves it out unless `?archived=true`.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::shapes::*;

/// The event `kind` with its full envelope: seq as the call's `X-Plan-Seq`, actor.
fn assert_event(e: &Value, kind: &str, seq: Option<i64>, actor: &str) {
    assert_keys(e, EVENT_KEYS);
    assert_eq!(e["type"], kind, "{e}");
    assert_eq!(Some(e["seq"].as_i64().unwrap()), seq, "{e}");
    assert_eq!(
        e["actor"],
        json!({ "id": actor, "name": display_name(actor) })
    );
    assert_utc(&e["timestamp"]);
}

/// `POST /api/plans/{plan}/{action}` (`archive` or `restore`) as `user`.
async fn act(app: &TestApp, plan: &str, action: &str, user: &str) -> Answer {
    app.request(
        "POST",
        &format!("/api/plans/{plan}/{action}"),
        Some(&app.token(user)),
        None,
        &[],
    )
    .await
}

/// The plan's seq, from its event log.
async fn seq_of(app: &TestApp, plan: &str) -> i64 {
    let a = app
        .get(
            &format!("/api/plans/{plan}/events?since=0"),
            &app.token("ada"),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["seq"].as_i64().unwrap()
}

#[actix_web::test]
async fn an_owner_archives_and_restores_a_plan_and_members_see_each_event() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let mut bob = app.ws("bob").await;
    bob.join(&plan, None).await;

    assert_error(&act(&app, &plan, "archive", "bob").await, 403, "forbidden");
    let archived = act(&app, &plan, "archive", "ada").await;
    assert_eq!(archived.status, 200, "{}", archived.body);
    assert_plan_shape(&archived.body);
    assert_utc(&archived.body["archivedAt"]);
    assert_eq!(archived.body["updatedAt"], archived.body["archivedAt"]);
    let e = bob.expect_type("plan-archived").await;
    assert_event(&e, "plan-archived", archived.plan_seq, "ada");
    assert_eq!(e["data"], json!({ "plan": archived.body }));
    let snapshot = app
        .get(&format!("/api/plans/{plan}"), &app.token("bob"))
        .await;
    assert_eq!(snapshot.body["plan"], archived.body);

    // Archiving it again changes nothing.
    let again = act(&app, &plan, "archive", "ada").await;
    assert_eq!((again.status, again.plan_seq), (200, None));
    assert_eq!(again.body, archived.body);

    assert_error(&act(&app, &plan, "restore", "bob").await, 403, "forbidden");
    let restored = act(&app, &plan, "restore", "ada").await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_plan_shape(&restored.body);
    assert!(restored.body["archivedAt"].is_null(), "{}", restored.body);
    let e = bob.expect_type("plan-restored").await;
    assert_event(&e, "plan-restored", restored.plan_seq, "ada");
    assert_eq!(e["data"], json!({ "plan": restored.body }));
    let again = act(&app, &plan, "restore", "ada").await;
    assert_eq!((again.status, again.plan_seq), (200, None));
    assert_eq!(again.body, restored.body);
    bob.expect_silence(200).await;

    // A stranger cannot tell the plan from one that does not exist.
    for action in ["archive", "restore"] {
        let hidden = act(&app, &plan, action, "eve").await;
        let missing = act(&app, "no-such-plan", action, "eve").await;
        assert_eq!(assert_error(&hidden, 404, "not_found"), "plan not found");
        assert_eq!(hidden.body, missing.body);
    }
}

#[actix_web::test]
async fn every_change_to_an_archived_plan_is_409_archived_and_stores_nothing() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    app.add_member(&plan, "ada", "vic", "viewer").await;
    let task = app.create_task(&plan, "bob", "Write").await;
    let other = app.create_task(&plan, "bob", "Ship").await;
    let t = task["id"].as_str().unwrap().to_string();
    let o = other["id"].as_str().unwrap().to_string();
    let comment = app
        .post(
            &format!("/api/tasks/{t}/comments"),
            &app.token("bob"),
            json!({ "body": "hi" }),
        )
        .await
        .body;
    let c = comment["id"].as_str().unwrap().to_string();
    let review = app
        .post(
            &format!("/api/plans/{plan}/columns"),
            &app.token("ada"),
            json!({ "name": "Review", "category": "in_progress" }),
        )
        .await
        .body;
    let r = review["id"].as_str().unwrap().to_string();
    let columns: Vec<String> = app
        .get(&format!("/api/plans/{plan}/columns"), &app.token("ada"))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let mut watcher = app.ws("vic").await;
    watcher.join(&plan, None).await;
    assert_eq!(act(&app, &plan, "archive", "ada").await.status, 200);
    watcher.expect_type("plan-archived").await;
    let seq = seq_of(&app, &plan).await;

    let p = format!("/api/plans/{plan}");
    let reversed: Vec<&String> = columns.iter().rev().collect();
    // (method, path, body, who): every kind of change, each by someone allowed to make it.
    let changes: Vec<(&str, String, Option<Value>, &str)> = vec![
        (
            "PATCH",
            p.clone(),
            Some(json!({ "title": "Renamed" })),
            "ada",
        ),
        (
            "PUT",
            format!("{p}/members/dan"),
            Some(json!({ "role": "editor" })),
            "ada",
        ),
        (
            "PUT",
            format!("{p}/members/bob"),
            Some(json!({ "role": "viewer" })),
            "ada",
        ),
        ("DELETE", format!("{p}/members/bob"), None, "ada"),
        (
            "POST",
            format!("{p}/tasks"),
            Some(json!({ "title": "New" })),
            "bob",
        ),
        (
            "PATCH",
            format!("/api/tasks/{t}"),
            Some(json!({ "title": "Edit" })),
            "bob",
        ),
        (
            "PATCH",
            format!("/api/tasks/{t}"),
            Some(json!({ "status": "done", "version": 1 })),
            "bob",
        ),
        (
            "POST",
            format!("/api/tasks/{t}/move"),
            Some(json!({ "columnId": r, "position": 0 })),
            "bob",
        ),
        (
            "POST",
            format!("{p}/tasks/reorder"),
            Some(json!({ "taskIds": [o, t] })),
            "bob",
        ),
        ("DELETE", format!("/api/tasks/{t}"), None, "bob"),
        (
            "POST",
            format!("{p}/columns"),
            Some(json!({ "name": "QA", "category": "done" })),
            "bob",
        ),
        (
            "PATCH",
            format!("/api/columns/{r}"),
            Some(json!({ "name": "In review" })),
            "bob",
        ),
        ("DELETE", format!("/api/columns/{r}"), None, "bob"),
        (
            "POST",
            format!("{p}/columns/reorder"),
            Some(json!({ "columnIds": reversed })),
            "bob",
        ),
        (
            "POST",
            format!("/api/tasks/{t}/comments"),
            Some(json!({ "body": "more" })),
            "bob",
        ),
        (
            "PATCH",
            format!("/api/comments/{c}"),
            Some(json!({ "body": "edited" })),
            "bob",
        ),
        ("DELETE", format!("/api/comments/{c}"), None, "bob"),
    ];
    for (method, path, body, user) in &changes {
        let a = app
            .request(method, path, Some(&app.token(user)), body.clone(), &[])
            .await;
        let what = format!("{method} {path}");
        assert_eq!(a.status, 409, "{what}: {}", a.body);
        let message = assert_error(&a, 409, "archived");
        assert!(message.contains("archived"), "{what}: {message}");
        assert_eq!(a.plan_seq, None, "{what}");
    }
    // Access is checked first: a viewer still gets 403, a stranger 404.
    let a = app
        .post(
            &format!("{p}/tasks"),
            &app.token("vic"),
            json!({ "title": "x" }),
        )
        .await;
    assert_error(&a, 403, "forbidden");
    let a = app
        .patch(
            &format!("/api/tasks/{t}"),
            &app.token("eve"),
            json!({ "title": "x" }),
        )
        .await;
    assert_eq!(assert_error(&a, 404, "not_found"), "task not found");
    assert_eq!(seq_of(&app, &plan).await, seq, "nothing was stored");
    watcher.expect_silence(200).await;

    // Restored, the same changes go through.
    assert_eq!(act(&app, &plan, "restore", "ada").await.status, 200);
    let a = app
        .patch(
            &format!("/api/tasks/{t}"),
            &app.token("bob"),
            json!({ "title": "Edit" }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = app
        .patch(
            &format!("/api/comments/{c}"),
            &app.token("bob"),
            json!({ "body": "edited" }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[actix_web::test]
async fn an_archived_plan_is_still_read_and_joined_and_its_room_still_relays_typing() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "vic", "viewer").await;
    let task = app.create_task(&plan, "ada", "Write").await;
    let t = task["id"].as_str().unwrap();
    let comment = app
        .post(
            &format!("/api/tasks/{t}/comments"),
            &app.token("ada"),
            json!({ "body": "hi" }),
        )
        .await;
    assert_eq!(comment.status, 201);
    let archived = act(&app, &plan, "archive", "ada").await;
    assert_eq!(archived.status, 200);

    let vic = app.token("vic");
    let p = format!("/api/plans/{plan}");
    for path in [
        p.clone(),
        format!("{p}/members"),
        format!("{p}/columns"),
        format!("{p}/tasks"),
        format!("{p}/progress"),
        format!("{p}/presence"),
        format!("{p}/events?since=0"),
        format!("/api/tasks/{t}"),
        format!("/api/tasks/{t}/comments"),
    ] {
        let a = app.get(&path, &vic).await;
        assert_eq!(a.status, 200, "GET {path}: {}", a.body);
    }
    let snapshot = app.get(&p, &vic).await;
    assert_eq!(snapshot.body["plan"], archived.body);
    assert_eq!(snapshot.plan_seq, archived.plan_seq);

    // Joining (and resuming) still works; typing and presence are relayed.
    let mut ada = app.ws("ada").await;
    let mut viewer = app.ws("vic").await;
    let joined = ada.join(&plan, Some(0)).await;
    assert_eq!(joined["seq"].as_i64(), archived.plan_seq);
    let mut replayed = Vec::new();
    for _ in 0..archived.plan_seq.unwrap() {
        replayed.push(ada.next_json().await["type"].clone());
    }
    assert_eq!(replayed.last(), Some(&json!("plan-archived")));
    viewer.join(&plan, None).await;
    ada.expect_type("user-joined").await;
    viewer
        .send(json!({ "type": "typing", "planId": plan, "taskId": t, "isTyping": true }))
        .await;
    let typing = ada.expect_type("typing").await;
    assert_eq!(typing["user"]["id"], "vic");
    viewer
        .send(json!({ "type": "presence", "status": "away" }))
        .await;
    let presence = ada.expect_type("presence-changed").await;
    assert_eq!(presence["status"], "away");
}

#[actix_web::test]
async fn archived_plans_are_left_out_of_the_list_unless_asked_for() {
    let app = spawn_app().await;
    let first = app.create_plan("ada", "First").await;
    let second = app.create_plan("ada", "Second").await;
    let third = app.create_plan("ada", "Third").await;
    app.add_member(&second, "ada", "bob", "viewer").await;
    assert_eq!(act(&app, &second, "archive", "ada").await.status, 200);
    let list = |query: &'static str, user: &'static str| {
        let app = &app;
        async move {
            let a = app
                .get(&format!("/api/plans{query}"), &app.token(user))
                .await;
            assert_eq!(a.status, 200, "{query}: {}", a.body);
            for p in a.body.as_array().unwrap() {
                assert_plan_shape(p);
            }
            ids(&a.body)
        }
    };
    assert_eq!(list("", "ada").await, [third.as_str(), first.as_str()]);
    assert_eq!(
        list("?archived=false", "ada").await,
        [third.as_str(), first.as_str()]
    );
    assert_eq!(
        list("?archived=true", "ada").await,
        [third.as_str(), second.as_str(), first.as_str()]
    );
    assert!(list("", "bob").await.is_empty());
    assert_eq!(list("?archived=true", "bob").await, [second.as_str()]);
    for bad in ["yes", "1", "TRUE", ""] {
        let a = app
            .get(&format!("/api/plans?archived={bad}"), &app.token("ada"))
            .await;
        assert_bad_field(&a, "archived");
    }

    assert_eq!(act(&app, &second, "restore", "ada").await.status, 200);
    assert_eq!(
        list("", "ada").await,
        [third.as_str(), second.as_str(), first.as_str()]
    );
    assert_eq!(list("", "bob").await, [second.as_str()]);
}

#[actix_web::test]
async fn an_archived_plan_may_be_deleted_without_being_restored() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    assert_eq!(act(&app, &plan, "archive", "ada").await.status, 200);
    let mut bob = app.ws("bob").await;
    bob.join(&plan, None).await;
    let refused = app
        .delete(&format!("/api/plans/{plan}"), &app.token("bob"))
        .await;
    assert_error(&refused, 403, "forbidden");
    let deleted = app
        .delete(&format!("/api/plans/{plan}"), &app.token("ada"))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let e = bob.expect_type("plan-deleted").await;
    assert_event(&e, "plan-deleted", deleted.plan_seq, "ada");
    bob.expect_type("removed-from-plan").await;
    let gone = app
        .get(&format!("/api/plans/{plan}"), &app.token("ada"))
        .await;
    assert_error(&gone, 404, "not_found");
    let listed = app.get("/api/plans?archived=true", &app.token("ada")).await;
    assert_eq!(listed.body, json!([]));
}

#[actix_web::test]
async fn the_tasks_of_an_archived_plan_are_not_reminded_until_it_is_restored() {
    // The sweep runs here by hand, not on its timer.
    let app = spawn_app_with(|a| a.due_reminder_sweep_ms = Some("3600000".into())).await;
    let policy = liveplan::reminders::ReminderPolicy {
        before: std::time::Duration::from_secs(3600),
        sweep_every: std::time::Duration::from_secs(3600),
    };
    let sweep = || liveplan::reminders::sweep(&app.state.db, &app.state.registry, policy);
    let plan = app.create_plan("ada", "Deadlines").await;
    let due = (chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339();
    let task = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &app.token("ada"),
            json!({ "title": "Soon", "assigneeId": "ada", "dueAt": due }),
        )
        .await;
    assert_eq!(task.status, 201, "{}", task.body);
    assert_eq!(act(&app, &plan, "archive", "ada").await.status, 200);
    let mut tab = app.ws("ada").await;
    assert_eq!(sweep().await.unwrap(), 0, "archived: no reminder");
    assert_eq!(act(&app, &plan, "restore", "ada").await.status, 200);
    assert_eq!(sweep().await.unwrap(), 1, "restored: reminded");
    let reminder = tab.expect_type("due-date-reminder").await;
    assert_eq!(reminder["task"]["id"], task.body["id"]);
}
