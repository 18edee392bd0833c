//! The REST API of contract §2: CRUD by role, the error shape, task versions and
//! `X-Plan-Seq`, reorder, progress, comments, the events route, members, dev mode and the
//! health routes.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::shapes::*;

// ---------------------------------------------------------------------------------------
// Small assertions shared by the tests below.

/// Exactly `{"error": {"code", "message"}}` (plus `current` for 409) with this status and
/// code; returns the message.
fn assert_error(a: &Answer, status: u16, code: &str) -> String {
    assert_eq!(a.status, status, "status; body {}", a.body);
    if status == 409 {
        assert_keys(&a.body, &["error", "current"]);
    } else {
        assert_keys(&a.body, &["error"]);
    }
    assert_keys(&a.body["error"], &["code", "message"]);
    assert_eq!(a.body["error"]["code"], code, "{}", a.body);
    let message = a.body["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("message is a string: {}", a.body))
        .to_string();
    assert!(!message.is_empty(), "{}", a.body);
    message
}

/// 400 `bad_request` whose message names `field`.
fn assert_bad_field(a: &Answer, field: &str) {
    let message = assert_error(a, 400, "bad_request");
    assert!(
        message.contains(field),
        "the message {message:?} should name `{field}`"
    );
}

/// A request with a raw (not necessarily valid JSON) body.
async fn raw(app: &TestApp, method: &str, path: &str, token: &str, body: String) -> Answer {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
    let resp = client
        .request(method, format!("{}{}", app.base, path))
        .bearer_auth(token)
        .insert_header(("content-type", "application/json"))
        .send_body(body)
        .await
        .expect("request sent");
    Answer::read(resp).await
}

fn by_user_id(mut members: Vec<Value>) -> Vec<Value> {
    members.sort_by(|a, b| {
        a["userId"]
            .as_str()
            .unwrap_or("")
            .cmp(b["userId"].as_str().unwrap_or(""))
    });
    members
}

fn ids(tasks: &Value) -> Vec<String> {
    tasks
        .as_array()
        .unwrap_or_else(|| panic!("expected an array, got {tasks}"))
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// 1. CRUD with each role.

#[actix_web::test]
async fn an_owner_creates_lists_renames_and_deletes_a_plan() {
    let app = spawn_app().await;
    let owner = app.token("owner");
    let stranger = app.token("stranger");

    let created = app
        .post(
            "/api/plans",
            &owner,
            json!({ "title": "  Launch  ", "description": "Q3 launch" }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_plan_shape(&created.body);
    assert_eq!(created.body["title"], "Launch", "titles are trimmed");
    assert_eq!(created.body["description"], "Q3 launch");
    assert_eq!(created.body["ownerId"], "owner");
    let plan = created.body.clone();
    let id = plan["id"].as_str().unwrap().to_string();

    // Without a description, it is null.
    let bare = app
        .post("/api/plans", &owner, json!({ "title": "Bare" }))
        .await;
    assert_eq!(bare.status, 201, "{}", bare.body);
    assert_plan_shape(&bare.body);
    assert_eq!(bare.body["description"], Value::Null);

    let mine = app.get("/api/plans", &owner).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let listed = mine.body.as_array().unwrap();
    assert_eq!(listed.len(), 2, "{}", mine.body);
    assert!(listed.contains(&plan), "{}", mine.body);
    assert!(listed.contains(&bare.body), "{}", mine.body);

    let theirs = app.get("/api/plans", &stranger).await;
    assert_eq!(theirs.status, 200);
    assert_eq!(theirs.body, json!([]));

    // The owner is the only member.
    let snapshot = app.get(&format!("/api/plans/{id}"), &owner).await;
    assert_eq!(snapshot.status, 200, "{}", snapshot.body);
    assert_keys(&snapshot.body, &["plan", "tasks", "members", "seq"]);
    assert_eq!(snapshot.body["plan"], plan);
    assert_eq!(snapshot.body["tasks"], json!([]));
    assert_eq!(
        snapshot.body["members"],
        json!([{ "planId": id, "userId": "owner", "name": "Owner", "role": "owner" }])
    );
    assert_eq!(snapshot.body["seq"], 0);

    // Rename.
    let renamed = app
        .patch(
            &format!("/api/plans/{id}"),
            &owner,
            json!({ "title": "Launch v2" }),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_plan_shape(&renamed.body);
    assert_eq!(renamed.body["id"], id.as_str());
    assert_eq!(renamed.body["title"], "Launch v2");
    assert_eq!(renamed.body["description"], "Q3 launch");
    assert_eq!(renamed.body["ownerId"], "owner");
    assert_eq!(renamed.body["createdAt"], plan["createdAt"]);
    assert!(
        renamed.body["updatedAt"].as_str().unwrap() >= plan["updatedAt"].as_str().unwrap(),
        "{}",
        renamed.body
    );
    assert_eq!(renamed.plan_seq, Some(1), "plan-updated is event 1");

    // null clears the description.
    let cleared = app
        .patch(
            &format!("/api/plans/{id}"),
            &owner,
            json!({ "description": null }),
        )
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.body["description"], Value::Null);
    assert_eq!(cleared.body["title"], "Launch v2");
    assert_eq!(cleared.plan_seq, Some(2));

    // A PATCH that changes nothing produces no event.
    let same = app
        .patch(
            &format!("/api/plans/{id}"),
            &owner,
            json!({ "title": "Launch v2" }),
        )
        .await;
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(same.body, cleared.body);
    assert_eq!(same.plan_seq, None, "no event, no X-Plan-Seq");

    let now = app.get(&format!("/api/plans/{id}"), &owner).await;
    assert_eq!(now.body["plan"], cleared.body);
    assert_eq!(now.body["seq"], 2);

    // Delete.
    let deleted = app.delete(&format!("/api/plans/{id}"), &owner).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(deleted.body, Value::Null);
    assert_eq!(deleted.plan_seq, Some(3), "plan-deleted is event 3");

    let gone = app.get(&format!("/api/plans/{id}"), &owner).await;
    assert_error(&gone, 404, "not_found");
    let missing = app.get("/api/plans/no-such-plan", &owner).await;
    assert_eq!(
        gone.body, missing.body,
        "a deleted plan looks like a missing one"
    );

    let again = app.delete(&format!("/api/plans/{id}"), &owner).await;
    assert_error(&again, 404, "not_found");

    let mine = app.get("/api/plans", &owner).await;
    assert_eq!(mine.body, json!([bare.body]));
}

#[actix_web::test]
async fn an_owner_adds_an_editor_and_a_viewer_as_members() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    let owner = app.token("owner");

    let editor = app
        .put(
            &format!("/api/plans/{plan}/members/editor"),
            &owner,
            json!({ "role": "editor", "name": "Editor" }),
        )
        .await;
    assert_eq!(editor.status, 200, "{}", editor.body);
    assert_eq!(
        editor.body,
        json!({ "planId": plan, "userId": "editor", "name": "Editor", "role": "editor" })
    );
    assert_eq!(editor.plan_seq, Some(1), "member-added");

    let viewer = app
        .put(
            &format!("/api/plans/{plan}/members/viewer"),
            &owner,
            json!({ "role": "viewer", "name": "Viewer" }),
        )
        .await;
    assert_eq!(viewer.status, 200, "{}", viewer.body);
    assert_keys(&viewer.body, MEMBER_KEYS);
    assert_eq!(
        viewer.body,
        json!({ "planId": plan, "userId": "viewer", "name": "Viewer", "role": "viewer" })
    );
    assert_eq!(viewer.plan_seq, Some(2));

    // Each member now sees the plan in their list.
    for user in ["editor", "viewer"] {
        let list = app.get("/api/plans", &app.token(user)).await;
        assert_eq!(list.status, 200);
        assert_eq!(ids(&list.body), vec![plan.clone()], "{user}");
    }

    let members = app
        .get(&format!("/api/plans/{plan}/members"), &app.token("viewer"))
        .await;
    assert_eq!(members.status, 200, "{}", members.body);
    assert_eq!(
        by_user_id(members.body.as_array().unwrap().clone()),
        vec![
            editor.body.clone(),
            json!({ "planId": plan, "userId": "owner", "name": "Owner", "role": "owner" }),
            viewer.body.clone(),
        ]
    );
}

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
    assert_keys(&snapshot.body, &["plan", "tasks", "members", "seq"]);
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

// ---------------------------------------------------------------------------------------
// 2. The error shape.

#[actix_web::test]
async fn a_missing_or_invalid_token_is_401_unauthorized() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    for path in ["/api/plans".to_string(), format!("/api/plans/{plan}")] {
        let a = app.request("GET", &path, None, None, &[]).await;
        assert_error(&a, 401, "unauthorized");
        let a = app
            .request("GET", &path, Some("not.a.jwt"), None, &[])
            .await;
        assert_error(&a, 401, "unauthorized");
    }
    let a = app
        .request(
            "POST",
            "/api/plans",
            None,
            Some(json!({ "title": "x" })),
            &[],
        )
        .await;
    assert_error(&a, 401, "unauthorized");
    // Nothing was created.
    let mine = app.get("/api/plans", &app.token("owner")).await;
    assert_eq!(ids(&mine.body), vec![plan]);
}

#[actix_web::test]
async fn malformed_json_is_400_bad_request() {
    let app = spawn_app().await;
    let owner = app.token("owner");
    let plan = app.create_plan("owner", "Board").await;
    for body in ["{\"title\": ", "not json", "{\"title\":\"x\"} trailing", ""] {
        let a = raw(&app, "POST", "/api/plans", &owner, body.to_string()).await;
        assert_error(&a, 400, "bad_request");
        let a = raw(
            &app,
            "POST",
            &format!("/api/plans/{plan}/tasks"),
            &owner,
            body.to_string(),
        )
        .await;
        assert_error(&a, 400, "bad_request");
    }
    let mine = app.get("/api/plans", &owner).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_json_body_that_is_not_an_object_is_400_bad_request() {
    let app = spawn_app().await;
    let owner = app.token("owner");
    for body in [
        json!(["title"]),
        json!(["title", "description"]),
        json!("title"),
        json!(42),
    ] {
        let a = app.post("/api/plans", &owner, body.clone()).await;
        assert_error(&a, 400, "bad_request");
    }
    let mine = app.get("/api/plans", &owner).await;
    assert_eq!(
        mine.body,
        json!([]),
        "no plan was created from a non-object body"
    );
}

#[actix_web::test]
async fn missing_and_invalid_fields_are_400_naming_the_field() {
    let app = spawn_app().await;
    let owner = app.token("owner");
    let plan = app.create_plan("owner", "Board").await;
    let tasks = format!("/api/plans/{plan}/tasks");

    // Plans.
    let a = app
        .post("/api/plans", &owner, json!({ "description": "no title" }))
        .await;
    assert_bad_field(&a, "title");
    let a = app
        .post("/api/plans", &owner, json!({ "title": "   " }))
        .await;
    assert_bad_field(&a, "title");
    let a = app
        .post("/api/plans", &owner, json!({ "title": "x".repeat(201) }))
        .await;
    assert_bad_field(&a, "title");
    let a = app.post("/api/plans", &owner, json!({ "title": 42 })).await;
    assert_bad_field(&a, "title");
    let ok = app
        .post("/api/plans", &owner, json!({ "title": "x".repeat(200) }))
        .await;
    assert_eq!(ok.status, 201, "200 characters is allowed: {}", ok.body);

    // Tasks.
    let a = app.post(&tasks, &owner, json!({})).await;
    assert_bad_field(&a, "title");
    let a = app
        .post(&tasks, &owner, json!({ "title": "x".repeat(201) }))
        .await;
    assert_bad_field(&a, "title");
    let a = app
        .post(&tasks, &owner, json!({ "title": "t", "status": "doing" }))
        .await;
    assert_bad_field(&a, "status");
    let a = app
        .post(&tasks, &owner, json!({ "title": "t", "dueAt": "tomorrow" }))
        .await;
    assert_bad_field(&a, "dueAt");
    let a = app
        .post(
            &tasks,
            &owner,
            json!({ "title": "t", "assigneeId": "nobody" }),
        )
        .await;
    assert_bad_field(&a, "assigneeId");

    let task = app.create_task(&plan, "owner", "Real").await;
    let task_path = format!("/api/tasks/{}", task["id"].as_str().unwrap());
    let a = app
        .patch(&task_path, &owner, json!({ "status": "Done" }))
        .await;
    assert_bad_field(&a, "status");
    let a = app.patch(&task_path, &owner, json!({ "title": "" })).await;
    assert_bad_field(&a, "title");
    let a = app
        .patch(&task_path, &owner, json!({ "title": "y".repeat(201) }))
        .await;
    assert_bad_field(&a, "title");
    let a = app
        .patch(&task_path, &owner, json!({ "dueAt": "2030-13-45" }))
        .await;
    assert_bad_field(&a, "dueAt");
    let a = app
        .patch(&task_path, &owner, json!({ "assigneeId": "nobody" }))
        .await;
    assert_bad_field(&a, "assigneeId");

    // Reorder.
    let second = app.create_task(&plan, "owner", "Second").await;
    let (t1, t2) = (task["id"].clone(), second["id"].clone());
    let reorder = format!("/api/plans/{plan}/tasks/reorder");
    for body in [
        json!({ "taskIds": [t1] }),
        json!({ "taskIds": [t1, t1] }),
        json!({ "taskIds": [t1, t2, t2] }),
        json!({ "taskIds": [t1, "unknown"] }),
        json!({}),
    ] {
        let a = app.post(&reorder, &owner, body.clone()).await;
        assert_bad_field(&a, "taskIds");
    }

    // Plan ids with characters outside the id alphabet.
    for path in [
        "/api/plans/bad%20id".to_string(),
        "/api/plans/bad%20id/tasks".to_string(),
        "/api/plans/bad%20id/progress".to_string(),
        "/api/plans/bad%20id/events".to_string(),
    ] {
        let a = app.get(&path, &owner).await;
        assert_bad_field(&a, "planId");
    }
    let a = app
        .post("/api/plans/bad%20id/tasks", &owner, json!({ "title": "t" }))
        .await;
    assert_bad_field(&a, "planId");
    let a = app.get("/api/tasks/bad%20id", &owner).await;
    assert_bad_field(&a, "taskId");
    let a = app
        .put(
            &format!("/api/plans/{plan}/members/bad%20id"),
            &owner,
            json!({ "role": "viewer" }),
        )
        .await;
    assert_bad_field(&a, "userId");

    // Members.
    let a = app
        .put(
            &format!("/api/plans/{plan}/members/friend"),
            &owner,
            json!({ "role": "admin" }),
        )
        .await;
    assert_bad_field(&a, "role");
    let a = app
        .put(
            &format!("/api/plans/{plan}/members/friend"),
            &owner,
            json!({}),
        )
        .await;
    assert_bad_field(&a, "role");

    // None of it wrote anything: two tasks, two task-created + two progress-updated.
    let snapshot = app.get(&format!("/api/plans/{plan}"), &owner).await;
    assert_eq!(snapshot.body["seq"], 4);
    assert_eq!(snapshot.body["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(snapshot.body["tasks"][0]["version"], 1);
    assert_eq!(snapshot.body["members"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn an_unknown_route_is_404_not_found_with_the_error_shape() {
    let app = spawn_app().await;
    let a = app.get("/api/nothing-here", &app.token("owner")).await;
    assert_error(&a, 404, "not_found");
}

#[actix_web::test]
async fn a_body_over_the_configured_limit_is_413_too_large() {
    let app = spawn_app_with(|a| a.max_body_bytes = Some("1024".into())).await;
    let owner = app.token("owner");
    let a = app
        .post(
            "/api/plans",
            &owner,
            json!({ "title": "Big", "description": "d".repeat(5000) }),
        )
        .await;
    assert_error(&a, 413, "too_large");

    // Under the limit is fine, and nothing was created by the refused one.
    let ok = app
        .post(
            "/api/plans",
            &owner,
            json!({ "title": "Small", "description": "d".repeat(500) }),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let plan = ok.body["id"].as_str().unwrap().to_string();
    let mine = app.get("/api/plans", &owner).await;
    assert_eq!(ids(&mine.body), vec![plan.clone()]);

    // The same on the other routes with bodies.
    let a = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &owner,
            json!({ "title": "t", "description": "d".repeat(5000) }),
        )
        .await;
    assert_error(&a, 413, "too_large");
}

#[actix_web::test]
async fn a_body_under_a_configured_limit_above_256_kib_is_accepted() {
    // LIVEPLAN_MAX_BODY_BYTES may be raised up to 64 MiB; a 300 KB body (valid JSON padded
    // with whitespace) is under a 1 MiB limit and must not be refused as too large.
    let app = spawn_app_with(|a| a.max_body_bytes = Some("1048576".into())).await;
    let owner = app.token("owner");
    let body = format!("{{\"title\": \"Padded\"{}}}", " ".repeat(300_000));
    let a = raw(&app, "POST", "/api/plans", &owner, body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["title"], "Padded");

    // And over the raised limit it is refused.
    let body = format!("{{\"title\": \"Padded\"{}}}", " ".repeat(1_100_000));
    let a = raw(&app, "POST", "/api/plans", &owner, body).await;
    assert_error(&a, 413, "too_large");
}

// ---------------------------------------------------------------------------------------
// 3. Task shape and versions.

#[actix_web::test]
async fn tasks_start_at_version_one_and_go_to_the_end_of_the_board() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    let owner = app.token("owner");

    let first = app.create_task(&plan, "owner", "First").await;
    assert_task_shape(&first);
    assert_eq!(first["planId"], plan.as_str());
    assert_eq!(first["title"], "First");
    assert_eq!(first["description"], Value::Null);
    assert_eq!(first["status"], "todo");
    assert_eq!(first["assigneeId"], Value::Null);
    assert_eq!(first["dueAt"], Value::Null);
    assert_eq!(first["position"], 0);
    assert_eq!(first["version"], 1);
    assert_eq!(first["createdBy"], "owner");

    let second = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &owner,
            json!({
                "title": "Second",
                "description": "line one\nline two",
                "status": "in_progress",
                "assigneeId": "owner",
                "dueAt": "2030-01-02T05:04:05+02:00",
            }),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    assert_task_shape(&second.body);
    assert_eq!(second.body["position"], 1);
    assert_eq!(second.body["version"], 1);
    assert_eq!(second.body["description"], "line one\nline two");
    assert_eq!(second.body["status"], "in_progress");
    assert_eq!(second.body["assigneeId"], "owner");
    assert_utc(&second.body["dueAt"]);
    assert_eq!(second.body["dueAt"], "2030-01-02T03:04:05.000Z");

    let listed = app.get(&format!("/api/plans/{plan}/tasks"), &owner).await;
    assert_eq!(listed.body, json!([first, second.body]));
}

#[actix_web::test]
async fn patches_bump_the_version_and_stale_versions_conflict() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    let owner = app.token("owner");
    let task = app.create_task(&plan, "owner", "A").await;
    let path = format!("/api/tasks/{}", task["id"].as_str().unwrap());

    let v2 = app.patch(&path, &owner, json!({ "title": "A2" })).await;
    assert_eq!(v2.status, 200, "{}", v2.body);
    assert_task_shape(&v2.body);
    assert_eq!(v2.body["version"], 2);
    assert_eq!(v2.body["title"], "A2");
    assert_eq!(v2.body["createdAt"], task["createdAt"]);
    assert!(v2.plan_seq.is_some());

    // If-Match with a stale version: 409 with the task as it is now.
    let stale = app
        .request(
            "PATCH",
            &path,
            Some(&owner),
            Some(json!({ "title": "A3" })),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_error(&stale, 409, "conflict");
    assert_eq!(stale.plan_seq, None);
    assert_task_shape(&stale.body["current"]);
    assert_eq!(stale.body["current"], v2.body);
    let now = app.get(&path, &owner).await;
    assert_eq!(now.body, v2.body, "the conflicting PATCH wrote nothing");

    // A stale version in the body: the same.
    let stale = app
        .patch(&path, &owner, json!({ "version": 1, "title": "A3" }))
        .await;
    assert_error(&stale, 409, "conflict");
    assert_eq!(stale.body["current"], v2.body);

    // The right version in the body succeeds.
    let v3 = app
        .patch(&path, &owner, json!({ "version": 2, "title": "A3" }))
        .await;
    assert_eq!(v3.status, 200, "{}", v3.body);
    assert_eq!(v3.body["version"], 3);
    assert_eq!(v3.body["title"], "A3");

    // The right version in If-Match succeeds.
    let v4 = app
        .request(
            "PATCH",
            &path,
            Some(&owner),
            Some(json!({ "status": "done" })),
            &[("If-Match", "\"3\"")],
        )
        .await;
    assert_eq!(v4.status, 200, "{}", v4.body);
    assert_eq!(v4.body["version"], 4);
    assert_eq!(v4.body["status"], "done");

    // Header and body that disagree are a bad request.
    let a = app
        .request(
            "PATCH",
            &path,
            Some(&owner),
            Some(json!({ "version": 4, "title": "A5" })),
            &[("If-Match", "\"3\"")],
        )
        .await;
    assert_bad_field(&a, "version");

    // Without either, the last write always wins.
    for (i, title) in ["B", "C", "D"].iter().enumerate() {
        let a = app.patch(&path, &owner, json!({ "title": title })).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["title"], *title);
        assert_eq!(a.body["version"], 5 + i as i64);
    }

    // A PATCH that changes nothing: 200, same version, no event.
    let before = app.get(&path, &owner).await;
    let same = app
        .patch(&path, &owner, json!({ "title": "D", "status": "done" }))
        .await;
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(same.body, before.body);
    assert_eq!(same.body["version"], 7);
    assert_eq!(same.plan_seq, None, "no event, no X-Plan-Seq");
    let empty = app.patch(&path, &owner, json!({})).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(empty.body, before.body);
    assert_eq!(empty.plan_seq, None);

    // Assign, then null clears assigneeId; dueAt likewise.
    let assigned = app
        .patch(
            &path,
            &owner,
            json!({ "assigneeId": "owner", "dueAt": "2030-06-01T12:00:00Z" }),
        )
        .await;
    assert_eq!(assigned.status, 200, "{}", assigned.body);
    assert_eq!(assigned.body["assigneeId"], "owner");
    assert_eq!(assigned.body["dueAt"], "2030-06-01T12:00:00.000Z");
    assert_eq!(assigned.body["version"], 8);
    let cleared = app
        .patch(&path, &owner, json!({ "assigneeId": null }))
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.body["assigneeId"], Value::Null);
    assert_eq!(
        cleared.body["dueAt"], "2030-06-01T12:00:00.000Z",
        "absent stays"
    );
    assert_eq!(cleared.body["version"], 9);
    let cleared = app.patch(&path, &owner, json!({ "dueAt": null })).await;
    assert_eq!(cleared.body["dueAt"], Value::Null);
    assert_eq!(cleared.body["version"], 10);
    let again = app
        .patch(&path, &owner, json!({ "assigneeId": null, "dueAt": null }))
        .await;
    assert_eq!(
        again.body["version"], 10,
        "clearing what is clear changes nothing"
    );
    assert_eq!(again.plan_seq, None);
}

// ---------------------------------------------------------------------------------------
// 4. X-Plan-Seq.

#[actix_web::test]
async fn mutations_answer_the_seq_of_their_last_event() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    let owner = app.token("owner");

    let created = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &owner,
            json!({ "title": "A" }),
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(
        created.plan_seq,
        Some(2),
        "task-created 1, progress-updated 2"
    );
    let path = format!("/api/tasks/{}", created.body["id"].as_str().unwrap());

    let renamed = app.patch(&path, &owner, json!({ "title": "A2" })).await;
    assert_eq!(renamed.plan_seq, Some(3), "task-updated 3");

    let moved = app
        .patch(&path, &owner, json!({ "status": "in_progress" }))
        .await;
    assert_eq!(
        moved.plan_seq,
        Some(5),
        "task-updated 4, progress-updated 5"
    );

    let snapshot = app.get(&format!("/api/plans/{plan}"), &owner).await;
    assert_eq!(snapshot.body["seq"], 5);

    let comment = app
        .post(&format!("{path}/comments"), &owner, json!({ "body": "hi" }))
        .await;
    assert_eq!(comment.plan_seq, Some(6), "comment-added 6");

    let member = app
        .put(
            &format!("/api/plans/{plan}/members/friend"),
            &owner,
            json!({ "role": "viewer" }),
        )
        .await;
    assert_eq!(member.plan_seq, Some(7), "member-added 7");
    let same_role = app
        .put(
            &format!("/api/plans/{plan}/members/friend"),
            &owner,
            json!({ "role": "viewer" }),
        )
        .await;
    assert_eq!(same_role.status, 200);
    assert_eq!(same_role.body, member.body);
    assert_eq!(same_role.plan_seq, None, "no change, no event");

    let deleted = app.delete(&path, &owner).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        deleted.plan_seq,
        Some(9),
        "task-deleted 8, progress-updated 9"
    );

    let snapshot = app.get(&format!("/api/plans/{plan}"), &owner).await;
    assert_eq!(snapshot.body["seq"], 9);
}

// ---------------------------------------------------------------------------------------
// 5. Reorder.

#[actix_web::test]
async fn reorder_sets_the_board_order_without_touching_versions() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    app.add_member(&plan, "owner", "editor", "editor").await;
    let editor = app.token("editor");
    for title in ["One", "Two", "Three"] {
        app.create_task(&plan, "editor", title).await;
    }
    let before = app.get(&format!("/api/plans/{plan}/tasks"), &editor).await;
    let mut order = ids(&before.body);
    assert_eq!(order.len(), 3);
    order.reverse();

    let reorder = format!("/api/plans/{plan}/tasks/reorder");
    let a = app
        .post(&reorder, &editor, json!({ "taskIds": order }))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body, json!({ "taskIds": order }));
    // member-added 1, 3 × (task-created, progress-updated) = 7, task-reordered 8.
    assert_eq!(a.plan_seq, Some(8));

    let after = app.get(&format!("/api/plans/{plan}/tasks"), &editor).await;
    assert_eq!(ids(&after.body), order);
    for t in after.body.as_array().unwrap() {
        assert_eq!(t["version"], 1, "reorder keeps versions: {t}");
        assert_task_shape(t);
    }
    let titles: Vec<&str> = after
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Three", "Two", "One"]);
    let snapshot = app.get(&format!("/api/plans/{plan}"), &editor).await;
    assert_eq!(ids(&snapshot.body["tasks"]), order);

    // The same order again changes nothing.
    let same = app
        .post(&reorder, &editor, json!({ "taskIds": order }))
        .await;
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(same.body, json!({ "taskIds": order }));
    assert_eq!(same.plan_seq, None);

    // A new task goes to the end of the new order.
    let four = app.create_task(&plan, "editor", "Four").await;
    let listed = app.get(&format!("/api/plans/{plan}/tasks"), &editor).await;
    let mut expected = order.clone();
    expected.push(four["id"].as_str().unwrap().to_string());
    assert_eq!(ids(&listed.body), expected);
}

// ---------------------------------------------------------------------------------------
// 6. Progress.

#[actix_web::test]
async fn progress_counts_tasks_by_status() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    let owner = app.token("owner");
    let progress = format!("/api/plans/{plan}/progress");

    let empty = app.get(&progress, &owner).await;
    assert_eq!(empty.status, 200);
    assert_eq!(
        empty.body,
        json!({ "planId": plan, "total": 0, "done": 0, "percent": 0,
                "byStatus": { "todo": 0, "in_progress": 0, "done": 0 } })
    );

    let a = app.create_task(&plan, "owner", "A").await;
    app.create_task(&plan, "owner", "B").await;
    app.create_task(&plan, "owner", "C").await;
    let done = app
        .patch(
            &format!("/api/tasks/{}", a["id"].as_str().unwrap()),
            &owner,
            json!({ "status": "done" }),
        )
        .await;
    assert_eq!(done.status, 200);

    let p = app.get(&progress, &owner).await;
    assert_eq!(p.status, 200);
    assert_eq!(
        p.body,
        json!({ "planId": plan, "total": 3, "done": 1, "percent": 33,
                "byStatus": { "todo": 2, "in_progress": 0, "done": 1 } })
    );

    // The progress-updated event carries the same Progress.
    let events = app
        .get(&format!("/api/plans/{plan}/events?since=0"), &owner)
        .await;
    let last = events.body["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["type"], "progress-updated");
    assert_eq!(last["data"], p.body);
}

// ---------------------------------------------------------------------------------------
// 7. Comments.

#[actix_web::test]
async fn comments_are_added_by_editors_and_listed_oldest_first() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    app.add_member(&plan, "owner", "editor", "editor").await;
    let editor = app.token("editor");
    let task = app.create_task(&plan, "owner", "A").await;
    let task_id = task["id"].as_str().unwrap().to_string();
    let comments = format!("/api/tasks/{task_id}/comments");

    let none = app.get(&comments, &editor).await;
    assert_eq!(none.status, 200);
    assert_eq!(none.body, json!([]));

    let first = app
        .post(
            &comments,
            &editor,
            json!({ "body": "first\nwith a second line" }),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_keys(&first.body, COMMENT_KEYS);
    assert!(first.body["id"].is_string());
    assert_eq!(first.body["taskId"], task_id.as_str());
    assert_eq!(first.body["authorId"], "editor");
    assert_eq!(first.body["body"], "first\nwith a second line");
    assert_utc(&first.body["createdAt"]);
    assert_eq!(
        first.plan_seq,
        Some(4),
        "member-added, task-created, progress, comment"
    );

    let second = app
        .post(&comments, &app.token("owner"), json!({ "body": "second" }))
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(second.body["authorId"], "owner");

    let listed = app.get(&comments, &editor).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body, json!([first.body, second.body]));

    for body in ["", "   ", "\n"] {
        let a = app.post(&comments, &editor, json!({ "body": body })).await;
        assert_bad_field(&a, "body");
    }
    let a = app.post(&comments, &editor, json!({})).await;
    assert_bad_field(&a, "body");

    let a = app
        .post(
            "/api/tasks/no-such-task/comments",
            &editor,
            json!({ "body": "hi" }),
        )
        .await;
    assert_error(&a, 404, "not_found");

    // Adding a comment does not change the task.
    let now = app.get(&format!("/api/tasks/{task_id}"), &editor).await;
    assert_eq!(now.body, task);
    let listed = app.get(&comments, &editor).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
}

// ---------------------------------------------------------------------------------------
// 8. The events route.

#[actix_web::test]
async fn the_events_route_returns_stored_events_in_seq_order() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    let owner = app.token("owner");
    let task = app.create_task(&plan, "owner", "A").await; // 1, 2
    let path = format!("/api/tasks/{}", task["id"].as_str().unwrap());
    let renamed = app.patch(&path, &owner, json!({ "title": "A2" })).await; // 3
    assert_eq!(renamed.plan_seq, Some(3));
    app.add_member(&plan, "owner", "viewer", "viewer").await; // 4
    let comment = app
        .post(&format!("{path}/comments"), &owner, json!({ "body": "hi" }))
        .await; // 5
    assert_eq!(comment.plan_seq, Some(5));

    let all = app
        .get(
            &format!("/api/plans/{plan}/events?since=0"),
            &app.token("viewer"),
        )
        .await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_keys(&all.body, &["events", "seq"]);
    assert_eq!(all.body["seq"], 5);
    let events = all.body["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "task-created",
            "progress-updated",
            "task-updated",
            "member-added",
            "comment-added"
        ]
    );
    for (i, e) in events.iter().enumerate() {
        assert_keys(e, EVENT_KEYS);
        assert_eq!(e["seq"], i as i64 + 1, "{e}");
        assert_eq!(e["planId"], plan.as_str());
        assert_eq!(e["actor"], json!({ "id": "owner", "name": "Owner" }));
        assert_utc(&e["timestamp"]);
    }
    assert_eq!(events[0]["data"], json!({ "task": task }));
    assert_eq!(
        events[1]["data"],
        json!({ "planId": plan, "total": 1, "done": 0, "percent": 0,
                "byStatus": { "todo": 1, "in_progress": 0, "done": 0 } })
    );
    assert_eq!(
        events[2]["data"],
        json!({ "task": renamed.body, "changes": { "title": { "from": "A", "to": "A2" } } })
    );
    assert_eq!(
        events[3]["data"],
        json!({ "member": { "planId": plan, "userId": "viewer", "name": "Viewer", "role": "viewer" } })
    );
    assert_eq!(events[4]["data"], json!({ "comment": comment.body }));

    // Without since: from the start.
    let default = app.get(&format!("/api/plans/{plan}/events"), &owner).await;
    assert_eq!(default.status, 200);
    assert_eq!(default.body, all.body);

    let page = app
        .get(&format!("/api/plans/{plan}/events?since=2&limit=1"), &owner)
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body["seq"], 5);
    assert_eq!(page.body["events"], json!([events[2]]));

    let tail = app
        .get(&format!("/api/plans/{plan}/events?since=3"), &owner)
        .await;
    assert_eq!(tail.body["events"], json!([events[3], events[4]]));

    let none = app
        .get(&format!("/api/plans/{plan}/events?since=5"), &owner)
        .await;
    assert_eq!(none.status, 200, "{}", none.body);
    assert_eq!(none.body, json!({ "events": [], "seq": 5 }));

    for query in ["since=abc", "since=-1", "since=1.5"] {
        let a = app
            .get(&format!("/api/plans/{plan}/events?{query}"), &owner)
            .await;
        assert_bad_field(&a, "since");
    }
    for query in ["since=0&limit=0", "since=0&limit=x"] {
        let a = app
            .get(&format!("/api/plans/{plan}/events?{query}"), &owner)
            .await;
        assert_bad_field(&a, "limit");
    }

    let ahead = app
        .get(&format!("/api/plans/{plan}/events?since=6"), &owner)
        .await;
    assert_error(&ahead, 410, "gone");
}

// ---------------------------------------------------------------------------------------
// 9. Members.

#[actix_web::test]
async fn the_last_owner_cannot_be_demoted_or_removed() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    let owner = app.token("owner");
    let me = format!("/api/plans/{plan}/members/owner");

    for role in ["editor", "viewer"] {
        let a = app.put(&me, &owner, json!({ "role": role })).await;
        assert_bad_field(&a, "userId");
    }
    let a = app.delete(&me, &owner).await;
    assert_bad_field(&a, "userId");

    // Still the owner, nothing happened.
    let snapshot = app.get(&format!("/api/plans/{plan}"), &owner).await;
    assert_eq!(snapshot.body["seq"], 0);
    assert_eq!(
        snapshot.body["members"],
        json!([{ "planId": plan, "userId": "owner", "name": "Owner", "role": "owner" }])
    );

    // With a second owner, the first may step down.
    app.add_member(&plan, "owner", "co", "owner").await;
    let down = app.put(&me, &owner, json!({ "role": "editor" })).await;
    assert_eq!(down.status, 200, "{}", down.body);
    assert_eq!(
        down.body,
        json!({ "planId": plan, "userId": "owner", "name": "Owner", "role": "editor" })
    );
    assert_eq!(down.plan_seq, Some(2), "member-added 1, member-updated 2");
    // Now `co` is the last owner.
    let co = app.token("co");
    let a = app
        .delete(&format!("/api/plans/{plan}/members/co"), &co)
        .await;
    assert_bad_field(&a, "userId");
}

#[actix_web::test]
async fn a_removed_member_loses_access_at_once() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    app.add_member(&plan, "owner", "editor", "editor").await;
    let owner = app.token("owner");
    let editor = app.token("editor");
    let task = app.create_task(&plan, "editor", "A").await;
    let task_id = task["id"].as_str().unwrap();

    let before = app.get(&format!("/api/plans/{plan}"), &editor).await;
    assert_eq!(before.status, 200);

    // Changing the role answers the updated member.
    let demoted = app
        .put(
            &format!("/api/plans/{plan}/members/editor"),
            &owner,
            json!({ "role": "viewer" }),
        )
        .await;
    assert_eq!(demoted.status, 200, "{}", demoted.body);
    assert_eq!(
        demoted.body,
        json!({ "planId": plan, "userId": "editor", "name": "Editor", "role": "viewer" })
    );
    let a = app
        .patch(
            &format!("/api/tasks/{task_id}"),
            &editor,
            json!({ "title": "B" }),
        )
        .await;
    assert_error(&a, 403, "forbidden");

    let removed = app
        .delete(&format!("/api/plans/{plan}/members/editor"), &owner)
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    assert_eq!(removed.body, Value::Null);
    assert!(removed.plan_seq.is_some());

    let a = app.get(&format!("/api/plans/{plan}"), &editor).await;
    assert_error(&a, 404, "not_found");
    let a = app.get(&format!("/api/tasks/{task_id}"), &editor).await;
    assert_error(&a, 404, "not_found");
    let list = app.get("/api/plans", &editor).await;
    assert_eq!(list.body, json!([]));

    // Removing someone who is not a member.
    let a = app
        .delete(&format!("/api/plans/{plan}/members/editor"), &owner)
        .await;
    assert_error(&a, 404, "not_found");
    let a = app
        .delete(&format!("/api/plans/{plan}/members/nobody"), &owner)
        .await;
    assert_error(&a, 404, "not_found");

    let members = app.get(&format!("/api/plans/{plan}/members"), &owner).await;
    assert_eq!(
        members.body,
        json!([{ "planId": plan, "userId": "owner", "name": "Owner", "role": "owner" }])
    );
}

// ---------------------------------------------------------------------------------------
// 10. Dev mode.

#[actix_web::test]
async fn dev_mode_hands_out_tokens_that_work() {
    let app = spawn_app_with(|a| a.auth.jwt_secret = None).await;
    let a = app
        .request(
            "POST",
            "/api/dev/token",
            None,
            Some(json!({ "name": "Dev" })),
            &[],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_keys(&a.body, &["token", "user"]);
    assert_keys(&a.body["user"], &["id", "name"]);
    assert_eq!(a.body["user"]["name"], "Dev");
    assert!(!a.body["user"]["id"].as_str().unwrap().is_empty());
    let token = a.body["token"].as_str().unwrap().to_string();

    let plans = app.get("/api/plans", &token).await;
    assert_eq!(plans.status, 200, "{}", plans.body);
    assert_eq!(plans.body, json!([]));
    let created = app
        .post("/api/plans", &token, json!({ "title": "Dev" }))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["ownerId"], a.body["user"]["id"]);

    // A chosen user id is kept.
    let b = app
        .request(
            "POST",
            "/api/dev/token",
            None,
            Some(json!({ "userId": "ada", "name": "Ada" })),
            &[],
        )
        .await;
    assert_eq!(b.status, 200, "{}", b.body);
    assert_eq!(b.body["user"], json!({ "id": "ada", "name": "Ada" }));

    // Missing name is a bad request.
    let c = app
        .request("POST", "/api/dev/token", None, Some(json!({})), &[])
        .await;
    assert_bad_field(&c, "name");

    // The test secret does not work against the dev secret.
    let foreign = app.get("/api/plans", &app.token("owner")).await;
    assert_error(&foreign, 401, "unauthorized");
}

#[actix_web::test]
async fn the_dev_token_route_does_not_exist_when_a_key_is_configured() {
    let app = spawn_app().await;
    let a = app
        .request(
            "POST",
            "/api/dev/token",
            None,
            Some(json!({ "name": "Dev" })),
            &[],
        )
        .await;
    assert_error(&a, 404, "not_found");
    let a = app
        .post(
            "/api/dev/token",
            &app.token("owner"),
            json!({ "name": "Dev" }),
        )
        .await;
    assert_error(&a, 404, "not_found");
}

// ---------------------------------------------------------------------------------------
// 11. Health.

#[actix_web::test]
async fn health_and_readiness_answer_200() {
    let app = spawn_app().await;
    let health = app.request("GET", "/healthz", None, None, &[]).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body, json!({ "status": "ok" }));
    let ready = app.request("GET", "/readyz", None, None, &[]).await;
    assert_eq!(ready.status, 200, "{}", ready.body);
}

#[actix_web::test]
async fn comments_posted_in_quick_succession_are_listed_in_the_order_they_were_added() {
    let app = spawn_app().await;
    let plan = app.create_plan("owner", "Board").await;
    let owner = app.token("owner");
    let task = app.create_task(&plan, "owner", "A").await;
    let comments = format!("/api/tasks/{}/comments", task["id"].as_str().unwrap());
    let mut posted = Vec::new();
    for i in 0..40 {
        let a = app
            .post(&comments, &owner, json!({ "body": format!("comment {i}") }))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        posted.push(a.body);
    }
    let listed = app.get(&comments, &owner).await;
    assert_eq!(listed.status, 200);
    let bodies: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..40).map(|i| format!("comment {i}")).collect();
    assert_eq!(
        bodies, expected,
        "oldest first, in the order they were added"
    );
    assert_eq!(listed.body, Value::Array(posted));
}

#[actix_web::test]
async fn metrics_are_served_in_prometheus_text_format_and_count_what_happens() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Measured").await;
    app.add_member(&plan, "ada", "bob", "viewer").await;
    let mut bob = app.ws("bob").await;
    bob.join(&plan, None).await;
    bob.send(json!({ "type": "ping" })).await;
    bob.expect_type("pong").await;
    bob.send(json!({ "type": "nonsense" })).await;
    bob.expect_type("error").await;
    app.create_task(&plan, "ada", "t").await;
    bob.expect_type("task-created").await;
    bob.expect_type("progress-updated").await;

    let mut resp = awc::Client::default()
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("request sent");
    assert_eq!(resp.status().as_u16(), 200);
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let body = String::from_utf8(resp.body().await.unwrap().to_vec()).unwrap();
    let value = |line_start: &str| -> f64 {
        body.lines()
            .find(|l| l.starts_with(line_start))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no `{line_start}` in:\n{body}"))
    };
    assert_eq!(value("liveplan_connections "), 1.0);
    assert_eq!(value("liveplan_rooms "), 1.0);
    assert_eq!(value("liveplan_participants "), 1.0);
    // member-added, task-created, progress-updated
    assert_eq!(value("liveplan_events_committed_total "), 3.0);
    assert!(value("liveplan_frames_delivered_total ") >= 2.0);
    assert_eq!(value("liveplan_frames_dropped_total "), 0.0);
    assert_eq!(value("liveplan_client_messages_total{type=\"ping\"}"), 1.0);
    assert_eq!(
        value("liveplan_client_messages_total{type=\"invalid\"}"),
        1.0
    );
    assert_eq!(
        value("liveplan_client_messages_total{type=\"join-plan\"}"),
        1.0
    );
    assert!(value("liveplan_commit_to_enqueue_seconds_count ") >= 2.0);
    assert_eq!(value("liveplan_largest_outbound_queue_bytes "), 0.0);
    assert!(
        value(
            "liveplan_http_request_duration_seconds_count{method=\"POST\",route=\"/api/plans/{planId}/tasks\",status=\"201\"}"
        ) == 1.0
    );
    bob.send_raw(awc::ws::Message::Close(Some(
        awc::ws::CloseCode::Normal.into(),
    )))
    .await;
    let (code, _) = bob.expect_close().await;
    assert_eq!(code, Some(1000));
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    let body = String::from_utf8(
        awc::Client::default()
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .body()
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(
        body.contains("liveplan_connections_closed_total{code=\"1000\"} 1"),
        "{body}"
    );
}
