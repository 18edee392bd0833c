//! Tasks over REST (contract §2): their shape and versions, `X-Plan-Seq` on every
//! mutation, reorder and progress.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::shapes::*;

// ---------------------------------------------------------------------------------------
// Task shape and versions.

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
    // The first task of its column (`position` is the place inside the column).
    assert_eq!(second.body["position"], 0);
    assert_eq!(second.body["columnId"], format!("{plan}:in_progress"));
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
// X-Plan-Seq.

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
// Reorder.

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
// Progress.

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
