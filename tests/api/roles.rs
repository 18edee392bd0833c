//! What each role may do over REST (contract §2): editors change tasks, viewers only
//! read, only owners manage the plan, and strangers cannot tell a plan they may not see
//! from one that does not exist.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::shapes::*;

#[actix_web::test]
async fn editors_change_tasks_and_viewers_only_read() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    app.add_member(&plan, "owner", "editor", "editor").await;
    app.add_member(&plan, "owner", "viewer", "viewer").await;
    let editor = app.token("editor");
    let viewer = app.token("viewer");

    // The editor creates, edits and deletes a task.
    let created = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &editor,
            json!({ "title": "Write docs" }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_task_shape(&created.body);
    assert_eq!(created.body["createdBy"], "editor");
    assert_eq!(created.body["planId"], plan.as_str());
    let task = created.body["id"].as_str().unwrap().to_string();

    let edited = app
        .patch(
            &format!("/api/tasks/{task}"),
            &editor,
            json!({ "title": "Write the docs", "status": "in_progress" }),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_task_shape(&edited.body);
    assert_eq!(edited.body["title"], "Write the docs");
    assert_eq!(edited.body["status"], "in_progress");
    assert_eq!(edited.body["version"], 2);

    let comment = app
        .post(
            &format!("/api/tasks/{task}/comments"),
            &editor,
            json!({ "body": "on it" }),
        )
        .await;
    assert_eq!(comment.status, 201, "{}", comment.body);

    // The viewer may not change anything.
    let attempts = [
        app.post(
            &format!("/api/plans/{plan}/tasks"),
            &viewer,
            json!({ "title": "Sneaky" }),
        )
        .await,
        app.patch(
            &format!("/api/tasks/{task}"),
            &viewer,
            json!({ "title": "Sneaky" }),
        )
        .await,
        app.delete(&format!("/api/tasks/{task}"), &viewer).await,
        app.post(
            &format!("/api/tasks/{task}/comments"),
            &viewer,
            json!({ "body": "me too" }),
        )
        .await,
        app.post(
            &format!("/api/plans/{plan}/tasks/reorder"),
            &viewer,
            json!({ "taskIds": [task] }),
        )
        .await,
        app.patch(
            &format!("/api/plans/{plan}"),
            &viewer,
            json!({ "title": "Sneaky" }),
        )
        .await,
        app.put(
            &format!("/api/plans/{plan}/members/viewer"),
            &viewer,
            json!({ "role": "owner" }),
        )
        .await,
    ];
    for a in &attempts {
        assert_error(a, 403, "forbidden");
        assert_eq!(a.plan_seq, None);
    }

    // The viewer reads everything.
    let snapshot = app.get(&format!("/api/plans/{plan}"), &viewer).await;
    assert_eq!(snapshot.status, 200, "{}", snapshot.body);
    assert_keys(
        &snapshot.body,
        &["plan", "columns", "tasks", "members", "sprints", "seq"],
    );
    assert_plan_shape(&snapshot.body["plan"]);
    assert_eq!(snapshot.body["plan"]["id"], plan.as_str());
    assert_eq!(snapshot.body["tasks"], json!([edited.body]));
    assert_eq!(snapshot.body["members"].as_array().unwrap().len(), 3);
    // member-added ×2, task-created, progress-updated, task-updated, progress-updated,
    // comment-added.
    assert_eq!(snapshot.body["seq"], 7);

    let tasks = app.get(&format!("/api/plans/{plan}/tasks"), &viewer).await;
    assert_eq!(tasks.status, 200);
    assert_eq!(tasks.body, json!([edited.body]));

    let one = app.get(&format!("/api/tasks/{task}"), &viewer).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body, edited.body);

    let progress = app
        .get(&format!("/api/plans/{plan}/progress"), &viewer)
        .await;
    assert_eq!(progress.status, 200);
    assert_eq!(
        progress.body,
        json!({ "planId": plan, "total": 1, "done": 0, "percent": 0,
                "byStatus": { "todo": 0, "in_progress": 1, "done": 0 } })
    );

    let comments = app
        .get(&format!("/api/tasks/{task}/comments"), &viewer)
        .await;
    assert_eq!(comments.status, 200);
    assert_eq!(comments.body, json!([comment.body]));

    let presence = app
        .get(&format!("/api/plans/{plan}/presence"), &viewer)
        .await;
    assert_eq!(presence.status, 200, "{}", presence.body);
    assert_eq!(
        presence.body,
        json!({ "planId": plan, "participantCount": 0, "participants": [] })
    );

    let events = app
        .get(&format!("/api/plans/{plan}/events?since=0"), &viewer)
        .await;
    assert_eq!(events.status, 200);
    assert_eq!(events.body["seq"], 7);

    // Nothing the viewer tried left a trace.
    let after = app.get(&format!("/api/tasks/{task}"), &viewer).await;
    assert_eq!(after.body, edited.body);

    // And the editor deletes the task.
    let deleted = app.delete(&format!("/api/tasks/{task}"), &editor).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(deleted.body, Value::Null);
    assert_eq!(
        deleted.plan_seq,
        Some(9),
        "task-deleted 8, progress-updated 9"
    );
    let gone = app.get(&format!("/api/tasks/{task}"), &viewer).await;
    assert_error(&gone, 404, "not_found");
}

#[actix_web::test]
async fn editors_cannot_rename_delete_or_manage_members_of_a_plan() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    app.add_member(&plan, "owner", "editor", "editor").await;
    let editor = app.token("editor");

    let rename = app
        .patch(
            &format!("/api/plans/{plan}"),
            &editor,
            json!({ "title": "Mine now" }),
        )
        .await;
    assert_error(&rename, 403, "forbidden");
    let delete = app.delete(&format!("/api/plans/{plan}"), &editor).await;
    assert_error(&delete, 403, "forbidden");
    let promote = app
        .put(
            &format!("/api/plans/{plan}/members/editor"),
            &editor,
            json!({ "role": "owner" }),
        )
        .await;
    assert_error(&promote, 403, "forbidden");
    let invite = app
        .put(
            &format!("/api/plans/{plan}/members/friend"),
            &editor,
            json!({ "role": "viewer" }),
        )
        .await;
    assert_error(&invite, 403, "forbidden");
    let evict = app
        .delete(&format!("/api/plans/{plan}/members/owner"), &editor)
        .await;
    assert_error(&evict, 403, "forbidden");

    // Nothing changed: one event (the editor's member-added), same title, two members.
    let snapshot = app
        .get(&format!("/api/plans/{plan}"), &app.token("owner"))
        .await;
    assert_eq!(snapshot.body["plan"]["title"], "Board");
    assert_eq!(snapshot.body["seq"], 1);
    assert_eq!(
        by_user_id(snapshot.body["members"].as_array().unwrap().clone()),
        vec![
            json!({ "planId": plan, "userId": "editor", "name": "Editor", "role": "editor" }),
            json!({ "planId": plan, "userId": "owner", "name": "Owner", "role": "owner" }),
        ]
    );
}

/// Each `(method, path template, body)` with `{}` = `real` (an id the caller may not see)
/// answers 404 `not_found`, with the same body as for the id `absent`. Returns the
/// answers for `real`.
async fn assert_not_told_apart(
    app: &TestApp,
    token: &str,
    routes: &[(&str, &str, Option<Value>)],
    real: &str,
    absent: &str,
) -> Vec<Answer> {
    let mut answers = Vec::new();
    for (method, template, body) in routes {
        let seen = app
            .request(
                method,
                &template.replace("{}", real),
                Some(token),
                body.clone(),
                &[],
            )
            .await;
        let fake = app
            .request(
                method,
                &template.replace("{}", absent),
                Some(token),
                body.clone(),
                &[],
            )
            .await;
        assert_error(&seen, 404, "not_found");
        assert_error(&fake, 404, "not_found");
        assert_eq!(
            seen.body, fake.body,
            "{method} {template}: an existing {real} must not be told apart from {absent}"
        );
        answers.push(seen);
    }
    answers
}

#[actix_web::test]
async fn strangers_get_the_same_not_found_as_for_a_plan_that_does_not_exist() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Secret").await;
    let task = app.create_task(&plan, "owner", "Hidden").await;
    let task = task["id"].as_str().unwrap().to_string();
    let stranger = app.token("stranger");

    let plan_routes: Vec<(&str, &str, Option<Value>)> = vec![
        ("GET", "/api/plans/{}", None),
        (
            "PATCH",
            "/api/plans/{}",
            Some(json!({ "title": "Hijacked" })),
        ),
        ("DELETE", "/api/plans/{}", None),
        ("GET", "/api/plans/{}/members", None),
        (
            "PUT",
            "/api/plans/{}/members/stranger",
            Some(json!({ "role": "owner" })),
        ),
        ("DELETE", "/api/plans/{}/members/owner", None),
        ("GET", "/api/plans/{}/tasks", None),
        (
            "POST",
            "/api/plans/{}/tasks",
            Some(json!({ "title": "Spam" })),
        ),
        (
            "POST",
            "/api/plans/{}/tasks/reorder",
            Some(json!({ "taskIds": [task] })),
        ),
        ("GET", "/api/plans/{}/progress", None),
        ("GET", "/api/plans/{}/presence", None),
        ("GET", "/api/plans/{}/events?since=0", None),
    ];
    let answers = assert_not_told_apart(&app, &stranger, &plan_routes, &plan, "no-such-plan").await;
    for ((method, template, _), real) in plan_routes.iter().zip(&answers) {
        assert_eq!(real.plan_seq, None, "{method} {template}");
    }

    let task_routes: Vec<(&str, &str, Option<Value>)> = vec![
        ("GET", "/api/tasks/{}", None),
        (
            "PATCH",
            "/api/tasks/{}",
            Some(json!({ "title": "Hijacked" })),
        ),
        ("DELETE", "/api/tasks/{}", None),
        ("GET", "/api/tasks/{}/comments", None),
        (
            "POST",
            "/api/tasks/{}/comments",
            Some(json!({ "body": "hi" })),
        ),
    ];
    assert_not_told_apart(&app, &stranger, &task_routes, &task, "no-such-task").await;

    // The stranger changed nothing.
    let owner = app.token("owner");
    let snapshot = app.get(&format!("/api/plans/{plan}"), &owner).await;
    assert_eq!(snapshot.status, 200);
    assert_eq!(snapshot.body["plan"]["title"], "Secret");
    assert_eq!(snapshot.body["seq"], 2);
    assert_eq!(ids(&snapshot.body["tasks"]), vec![task.clone()]);
    assert_eq!(snapshot.body["tasks"][0]["version"], 1);
    assert_eq!(snapshot.body["members"].as_array().unwrap().len(), 1);
    let comments = app
        .get(&format!("/api/tasks/{task}/comments"), &owner)
        .await;
    assert_eq!(comments.body, json!([]));
}
