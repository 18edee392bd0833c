//! The board model's columns and moves (contract §6.1): default columns, column changes,
//! `POST /api/tasks/{id}/move` with dense positions, versions and WIP limits, and the
//! events each change sends.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::shapes::*;

/// `(task id, position)` of each task of a column, in order.
async fn column_of(app: &TestApp, plan: &str, token: &str, column: &str) -> Vec<(String, i64)> {
    let tasks = app.get(&format!("/api/plans/{plan}/tasks"), token).await;
    assert_eq!(tasks.status, 200, "{}", tasks.body);
    tasks
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["columnId"] == column)
        .map(|t| {
            (
                t["title"].as_str().unwrap().to_string(),
                t["position"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn titles(column: &[(String, i64)]) -> Vec<&str> {
    column.iter().map(|(t, _)| t.as_str()).collect()
}

/// Positions are exactly 0..n-1, in order.
fn assert_dense(column: &[(String, i64)]) {
    let positions: Vec<i64> = column.iter().map(|(_, p)| *p).collect();
    assert_eq!(
        positions,
        (0..column.len() as i64).collect::<Vec<_>>(),
        "{column:?}"
    );
}

async fn task_in(app: &TestApp, plan: &str, user: &str, title: &str, status: &str) -> Value {
    let answer = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &app.token(user),
            json!({ "title": title, "status": status }),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.body
}

#[actix_web::test]
async fn a_new_plan_has_three_default_columns_in_its_snapshot_and_column_list() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    let ada = app.token("ada");
    let columns = app.get(&format!("/api/plans/{plan}/columns"), &ada).await;
    assert_eq!(columns.status, 200);
    let list = columns.body.as_array().unwrap();
    for c in list {
        assert_keys(c, COLUMN_KEYS);
    }
    let summary: Vec<Value> = list
        .iter()
        .map(|c| {
            json!([
                c["id"],
                c["name"],
                c["position"],
                c["category"],
                c["wipLimit"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            json!([format!("{plan}:todo"), "To do", 0, "todo", null]),
            json!([
                format!("{plan}:in_progress"),
                "In progress",
                1,
                "in_progress",
                null
            ]),
            json!([format!("{plan}:done"), "Done", 2, "done", null]),
        ]
    );
    let snapshot = app.get(&format!("/api/plans/{plan}"), &ada).await;
    assert_eq!(snapshot.body["columns"], columns.body);
}

#[actix_web::test]
async fn columns_are_created_renamed_reordered_and_deleted_with_their_events() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let ada = app.token("ada");
    let bob = app.token("bob");
    let mut watcher = app.ws("ada").await;
    watcher.join(&plan, None).await;

    // Bob (an editor) adds "Review" between In progress and Done.
    let review = app
        .post(
            &format!("/api/plans/{plan}/columns"),
            &bob,
            json!({ "name": " Review ", "category": "in_progress", "position": 2 }),
        )
        .await;
    assert_eq!(review.status, 201, "{}", review.body);
    assert_keys(&review.body, COLUMN_KEYS);
    assert_eq!(review.body["name"], "Review");
    assert_eq!(review.body["position"], 2);
    let review_id = review.body["id"].as_str().unwrap().to_string();
    let e = watcher.expect_type("column-created").await;
    assert_eq!(e["data"], json!({ "column": review.body }));
    let columns = app
        .get(&format!("/api/plans/{plan}/columns"), &ada)
        .await
        .body;
    let names: Vec<&str> = columns
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["To do", "In progress", "Review", "Done"]);

    // Rename; a WIP limit is the owner's to set.
    let path = format!("/api/columns/{review_id}");
    let renamed = app.patch(&path, &bob, json!({ "name": "In review" })).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let e = watcher.expect_type("column-updated").await;
    assert_eq!(e["data"]["column"]["name"], "In review");
    let refused = app.patch(&path, &bob, json!({ "wipLimit": 2 })).await;
    assert_error(&refused, 403, "forbidden");
    let limited = app.patch(&path, &ada, json!({ "wipLimit": 2 })).await;
    assert_eq!(limited.body["wipLimit"], 2);
    watcher.expect_type("column-updated").await;
    assert_error(
        &app.patch(&path, &ada, json!({ "wipLimit": 0 })).await,
        400,
        "bad_request",
    );
    // The same values again: no event.
    let same = app
        .patch(&path, &ada, json!({ "name": "In review", "wipLimit": 2 }))
        .await;
    assert_eq!(same.status, 200);
    assert_eq!(same.plan_seq, None);

    // Reorder: every column once.
    let ids: Vec<Value> = columns
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    let reversed: Vec<Value> = ids.iter().rev().cloned().collect();
    let order = app
        .post(
            &format!("/api/plans/{plan}/columns/reorder"),
            &bob,
            json!({ "columnIds": reversed }),
        )
        .await;
    assert_eq!(order.status, 200, "{}", order.body);
    let e = watcher.expect_type("columns-reordered").await;
    assert_eq!(e["data"], json!({ "columnIds": reversed }));
    let partial = app
        .post(
            &format!("/api/plans/{plan}/columns/reorder"),
            &bob,
            json!({ "columnIds": &ids[..2] }),
        )
        .await;
    assert!(assert_error(&partial, 400, "bad_request").starts_with("columnIds"));

    // Delete: the column's tasks go to `moveTo` first, one task-moved each.
    let t1 = task_in(&app, &plan, "bob", "One", "todo").await;
    let t2 = task_in(&app, &plan, "bob", "Two", "todo").await;
    for t in [&t1, &t2] {
        let moved = app
            .post(
                &format!("/api/tasks/{}/move", t["id"].as_str().unwrap()),
                &ada,
                json!({ "columnId": review_id, "position": 9 }),
            )
            .await;
        assert_eq!(moved.status, 200, "{}", moved.body);
    }
    let no_target = app.delete(&path, &bob).await;
    assert!(assert_error(&no_target, 400, "bad_request").starts_with("moveTo"));
    let elsewhere = app.create_plan("ada", "Elsewhere").await;
    let foreign = app
        .delete(&format!("{path}?moveTo={elsewhere}:done"), &bob)
        .await;
    assert_error(&foreign, 404, "not_found");
    let drain = watcher.expect_type("task-created").await;
    assert_eq!(drain["data"]["task"]["title"], "One");
    let done = format!("{plan}:done");
    let deleted = app.delete(&format!("{path}?moveTo={done}"), &bob).await;
    assert_eq!(deleted.status, 204);
    let mut moves = Vec::new();
    loop {
        let e = watcher.next_json().await;
        match e["type"].as_str().unwrap() {
            "task-moved" if e["actor"]["id"] == "bob" => moves.push(e["data"].clone()),
            "column-deleted" => {
                assert_eq!(e["data"], json!({ "columnId": review_id, "movedTo": done }));
                break;
            }
            _ => {}
        }
    }
    assert_eq!(moves.len(), 2);
    assert_eq!(
        moves[0]["from"],
        json!({ "columnId": review_id, "position": 0 })
    );
    assert_eq!(moves[0]["to"], json!({ "columnId": done, "position": 0 }));
    assert_eq!(
        moves[1]["from"],
        json!({ "columnId": review_id, "position": 0 })
    );
    assert_eq!(moves[1]["to"], json!({ "columnId": done, "position": 1 }));
    assert_eq!(moves[1]["task"]["status"], "done");
    let in_done = column_of(&app, &plan, &ada, &done).await;
    assert_eq!(titles(&in_done), ["One", "Two"]);
    assert_dense(&in_done);
    let columns = app
        .get(&format!("/api/plans/{plan}/columns"), &ada)
        .await
        .body;
    let positions: Vec<i64> = columns
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2]);
}

#[actix_web::test]
async fn the_last_column_of_a_category_stays_and_categories_change_only_when_empty() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    let ada = app.token("ada");
    let todo = format!("/api/columns/{plan}:todo");
    let last = app.delete(&todo, &ada).await;
    assert!(assert_error(&last, 400, "bad_request").contains("last todo column"));
    let recategorised = app.patch(&todo, &ada, json!({ "category": "done" })).await;
    assert!(assert_error(&recategorised, 400, "bad_request").starts_with("category"));

    let backlog = app
        .post(
            &format!("/api/plans/{plan}/columns"),
            &ada,
            json!({ "name": "Backlog", "category": "todo", "position": 0 }),
        )
        .await;
    let backlog_path = format!("/api/columns/{}", backlog.body["id"].as_str().unwrap());
    task_in(&app, &plan, "ada", "Old", "todo").await; // goes to the first todo column: Backlog
    let busy = app
        .patch(&backlog_path, &ada, json!({ "category": "done" }))
        .await;
    assert!(assert_error(&busy, 400, "bad_request").contains("holds no task"));
    // Now the default To do may go (Backlog remains), and an empty one may change category.
    let gone = app.delete(&todo, &ada).await;
    assert_eq!(gone.status, 204);
    assert_error(
        &app.get(&format!("/api/plans/{plan}/columns"), &app.token("eve"))
            .await,
        404,
        "not_found",
    );
    let missing = app
        .patch(
            &format!("/api/columns/{plan}:nope"),
            &ada,
            json!({ "name": "x" }),
        )
        .await;
    assert_eq!(assert_error(&missing, 404, "not_found"), "column not found");
    // A stranger gets the same 404 as for a column that does not exist.
    let stranger = app
        .patch(&backlog_path, &app.token("eve"), json!({ "name": "x" }))
        .await;
    assert_eq!(
        assert_error(&stranger, 404, "not_found"),
        "column not found"
    );
}

#[actix_web::test]
async fn a_move_is_one_event_keeps_both_columns_dense_and_bumps_the_version_only_across_columns() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let ada = app.token("ada");
    let mut bob = app.ws("bob").await;
    bob.join(&plan, None).await;
    let todo = format!("{plan}:todo");
    let doing = format!("{plan}:in_progress");
    let mut tasks = Vec::new();
    for title in ["A", "B", "C", "D"] {
        tasks.push(task_in(&app, &plan, "ada", title, "todo").await);
        bob.expect_type("task-created").await;
        bob.expect_type("progress-updated").await;
    }
    let id = |i: usize| tasks[i]["id"].as_str().unwrap().to_string();

    // Within the column: D to the top. No version bump, one event.
    let moved = app
        .post(
            &format!("/api/tasks/{}/move", id(3)),
            &ada,
            json!({ "columnId": todo, "position": 0 }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_task_shape(&moved.body);
    assert_eq!(moved.body["version"], 1);
    assert_eq!(moved.body["position"], 0);
    let e = bob.expect_type("task-moved").await;
    assert_eq!(
        e["data"],
        json!({ "task": moved.body, "from": { "columnId": todo, "position": 3 }, "to": { "columnId": todo, "position": 0 } })
    );
    bob.expect_silence(200).await;
    let column = column_of(&app, &plan, &ada, &todo).await;
    assert_eq!(titles(&column), ["D", "A", "B", "C"]);
    assert_dense(&column);

    // Across: B into In progress, far beyond its end → clamped to the end; status follows,
    // version +1, progress-updated follows.
    let across = app
        .post(
            &format!("/api/tasks/{}/move", id(1)),
            &ada,
            json!({ "columnId": doing, "position": 99, "version": 1 }),
        )
        .await;
    assert_eq!(across.status, 200, "{}", across.body);
    assert_eq!(across.body["status"], "in_progress");
    assert_eq!(across.body["columnId"], doing);
    assert_eq!(across.body["position"], 0);
    assert_eq!(across.body["version"], 2);
    assert!(across.plan_seq.is_some());
    let e = bob.expect_type("task-moved").await;
    assert_eq!(
        e["data"]["from"],
        json!({ "columnId": todo, "position": 2 })
    );
    let p = bob.expect_type("progress-updated").await;
    assert_eq!(
        p["data"]["byStatus"],
        json!({ "todo": 3, "in_progress": 1, "done": 0 })
    );
    let column = column_of(&app, &plan, &ada, &todo).await;
    assert_eq!(titles(&column), ["D", "A", "C"]);
    assert_dense(&column);

    // A stale version: 409 with the task as it is now; nothing moves.
    let stale = app
        .post(
            &format!("/api/tasks/{}/move", id(1)),
            &ada,
            json!({ "columnId": todo, "position": 0, "version": 1 }),
        )
        .await;
    assert_error(&stale, 409, "conflict");
    assert_eq!(stale.body["current"], across.body);
    // The same place: 200, no event.
    let same = app
        .post(
            &format!("/api/tasks/{}/move", id(1)),
            &ada,
            json!({ "columnId": doing, "position": 5 }),
        )
        .await;
    assert_eq!(same.status, 200);
    assert_eq!(same.plan_seq, None);
    bob.expect_silence(200).await;

    // Bad input.
    let negative = app
        .post(
            &format!("/api/tasks/{}/move", id(0)),
            &ada,
            json!({ "columnId": todo, "position": -1 }),
        )
        .await;
    assert!(assert_error(&negative, 400, "bad_request").starts_with("position"));
    let other_plan = app.create_plan("ada", "Other").await;
    let foreign = app
        .post(
            &format!("/api/tasks/{}/move", id(0)),
            &ada,
            json!({ "columnId": format!("{other_plan}:done"), "position": 0 }),
        )
        .await;
    assert_eq!(assert_error(&foreign, 404, "not_found"), "column not found");
    let viewer = app.token("vic");
    app.add_member(&plan, "ada", "vic", "viewer").await;
    let refused = app
        .post(
            &format!("/api/tasks/{}/move", id(0)),
            &viewer,
            json!({ "columnId": doing, "position": 0 }),
        )
        .await;
    assert_error(&refused, 403, "forbidden");
}

#[actix_web::test]
async fn a_column_at_its_wip_limit_refuses_tasks_unless_an_owner_forces_it() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let ada = app.token("ada");
    let bob = app.token("bob");
    let doing = format!("{plan}:in_progress");
    let limit = app
        .patch(
            &format!("/api/columns/{doing}"),
            &ada,
            json!({ "wipLimit": 1 }),
        )
        .await;
    assert_eq!(limit.status, 200, "{}", limit.body);
    let first = task_in(&app, &plan, "bob", "First", "in_progress").await;
    let second = task_in(&app, &plan, "bob", "Second", "todo").await;
    let second_id = second["id"].as_str().unwrap();

    let full = app
        .post(
            &format!("/api/tasks/{second_id}/move"),
            &bob,
            json!({ "columnId": doing, "position": 0 }),
        )
        .await;
    let message = assert_error(&full, 409, "wip_limit");
    assert!(
        message.contains("In progress") && message.contains('1'),
        "{message}"
    );
    // Nor by status, nor by creating into it.
    let by_status = app
        .patch(
            &format!("/api/tasks/{second_id}"),
            &bob,
            json!({ "status": "in_progress" }),
        )
        .await;
    assert_error(&by_status, 409, "wip_limit");
    let created = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &bob,
            json!({ "title": "Third", "columnId": doing }),
        )
        .await;
    assert_error(&created, 409, "wip_limit");
    // An editor may not force; an owner may.
    let forced_by_editor = app
        .post(
            &format!("/api/tasks/{second_id}/move"),
            &bob,
            json!({ "columnId": doing, "position": 0, "force": true }),
        )
        .await;
    assert!(assert_error(&forced_by_editor, 409, "wip_limit").contains("only an owner"));
    let forced = app
        .post(
            &format!("/api/tasks/{second_id}/move"),
            &ada,
            json!({ "columnId": doing, "position": 0, "force": true }),
        )
        .await;
    assert_eq!(forced.status, 200, "{}", forced.body);
    let column = column_of(&app, &plan, &ada, &doing).await;
    assert_eq!(titles(&column), ["Second", "First"]);
    assert_dense(&column);
    // Moving within a full column is not entering it.
    let within = app
        .post(
            &format!("/api/tasks/{}/move", first["id"].as_str().unwrap()),
            &bob,
            json!({ "columnId": doing, "position": 0 }),
        )
        .await;
    assert_eq!(within.status, 200, "{}", within.body);
}

#[actix_web::test]
async fn status_and_create_place_tasks_at_the_end_of_the_first_column_of_their_category() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    let ada = app.token("ada");
    let triage = app
        .post(
            &format!("/api/plans/{plan}/columns"),
            &ada,
            json!({ "name": "Triage", "category": "todo", "position": 0 }),
        )
        .await;
    let triage_id = triage.body["id"].as_str().unwrap().to_string();
    let a = task_in(&app, &plan, "ada", "A", "todo").await;
    assert_eq!(a["columnId"], triage_id);
    let b = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &ada,
            json!({ "title": "B", "columnId": format!("{plan}:todo") }),
        )
        .await;
    assert_eq!(b.body["position"], 0);
    assert_eq!(b.body["status"], "todo");
    let mismatch = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &ada,
            json!({ "title": "C", "columnId": triage_id, "status": "done" }),
        )
        .await;
    assert!(assert_error(&mismatch, 400, "bad_request").starts_with("status"));

    let done = app
        .patch(
            &format!("/api/tasks/{}", a["id"].as_str().unwrap()),
            &ada,
            json!({ "status": "done" }),
        )
        .await;
    assert_eq!(done.body["columnId"], format!("{plan}:done"));
    assert_eq!(done.body["position"], 0);
    let back = app
        .patch(
            &format!("/api/tasks/{}", a["id"].as_str().unwrap()),
            &ada,
            json!({ "status": "todo" }),
        )
        .await;
    assert_eq!(back.body["columnId"], triage_id);
    assert_eq!(back.body["version"], 3);
}

#[actix_web::test]
async fn priority_and_labels_are_stored_checked_and_reported_as_changes() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    let ada = app.token("ada");
    let created = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &ada,
            json!({ "title": "Tagged", "priority": "high", "labels": ["ops", " ops ", "ui"] }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["priority"], "high");
    assert_eq!(created.body["labels"], json!(["ops", "ui"]));
    let plain = task_in(&app, &plan, "ada", "Plain", "todo").await;
    assert_eq!(plain["priority"], "medium");
    assert_eq!(plain["labels"], json!([]));

    let path = format!("/api/tasks/{}", created.body["id"].as_str().unwrap());
    let mut watcher = app.ws("ada").await;
    watcher.join(&plan, None).await;
    let patched = app
        .patch(
            &path,
            &ada,
            json!({ "priority": "urgent", "labels": ["ui"] }),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let e = watcher.expect_type("task-updated").await;
    assert_eq!(
        e["data"]["changes"],
        json!({ "priority": { "from": "high", "to": "urgent" }, "labels": { "from": ["ops", "ui"], "to": ["ui"] } })
    );

    let too_many: Vec<String> = (0..21).map(|i| format!("l{i}")).collect();
    for body in [
        json!({ "labels": too_many }),
        json!({ "labels": ["x".repeat(41)] }),
        json!({ "labels": [""] }),
        json!({ "labels": ["a\u{202e}b"] }),
    ] {
        let refused = app.patch(&path, &ada, body.clone()).await;
        assert!(
            assert_error(&refused, 400, "bad_request").starts_with("labels"),
            "{body}"
        );
    }
    let bad_priority = app
        .patch(&path, &ada, json!({ "priority": "someday" }))
        .await;
    assert_error(&bad_priority, 400, "bad_request");
}

#[actix_web::test]
async fn a_plan_has_at_most_50_columns() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    let ada = app.token("ada");
    let path = format!("/api/plans/{plan}/columns");
    for i in 3..50 {
        let made = app
            .post(
                &path,
                &ada,
                json!({ "name": format!("C{i}"), "category": "todo" }),
            )
            .await;
        assert_eq!(made.status, 201, "column {i}: {}", made.body);
    }
    let refused = app
        .post(
            &path,
            &ada,
            json!({ "name": "One too many", "category": "todo" }),
        )
        .await;
    assert!(assert_error(&refused, 403, "forbidden").contains("at most 50 columns"));
    let listed = app.get(&path, &ada).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 50);
}
