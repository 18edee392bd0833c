//! Every plan event and notice, with its full shape, as a second user's connection sees it;
//! and the events route (`GET /api/plans/{id}/events`) that serves the stored ones.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::shapes::*;

/// Checks the envelope of a plan event and returns its data.
fn event(v: &Value, kind: &str, plan: &str, seq: i64, actor: &str) -> Value {
    assert_eq!(v["type"], kind, "{v}");
    assert_eq!(v["planId"], plan, "{v}");
    assert_eq!(v["seq"], seq, "{v}");
    assert_eq!(
        v["actor"],
        json!({ "id": actor, "name": display_name(actor) }),
        "{v}"
    );
    assert_utc(&v["timestamp"]);
    assert_keys(v, EVENT_KEYS);
    v["data"].clone()
}

#[actix_web::test]
async fn every_plan_event_reaches_another_member_with_its_full_shape() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    let ada = app.token("ada");
    // seq 1: member-added (bob, editor)
    app.add_member(&plan, "ada", "bob", "editor").await;
    let mut bob = app.ws("bob").await;
    assert_eq!(bob.join(&plan, None).await["seq"], 1);

    // seq 2: member-added carol (viewer); 3: member-updated carol -> editor
    app.add_member(&plan, "ada", "carol", "viewer").await;
    let d = event(&bob.next_json().await, "member-added", &plan, 2, "ada");
    assert_eq!(
        d,
        json!({ "member": { "planId": plan, "userId": "carol", "name": "Carol", "role": "viewer" } })
    );
    app.add_member(&plan, "ada", "carol", "editor").await;
    let d = event(&bob.next_json().await, "member-updated", &plan, 3, "ada");
    assert_eq!(d["member"]["role"], "editor");

    // 4, 5: task-created + progress-updated
    let created = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &ada,
            json!({ "title": "Write docs", "dueAt": "2030-01-02T03:04:05Z" }),
        )
        .await;
    assert_eq!(created.status, 201);
    let task_id = created.body["id"].as_str().unwrap().to_string();
    let d = event(&bob.next_json().await, "task-created", &plan, 4, "ada");
    assert_task_shape(&d["task"]);
    assert_eq!(d["task"], created.body);
    assert_eq!(d["task"]["dueAt"], "2030-01-02T03:04:05.000Z");
    let d = event(&bob.next_json().await, "progress-updated", &plan, 5, "ada");
    assert_eq!(
        d,
        json!({ "planId": plan, "total": 1, "done": 0, "percent": 0, "byStatus": { "todo": 1, "in_progress": 0, "done": 0 } })
    );

    // 6, 7: task-updated with changes (+ progress-updated, status changed)
    let patched = app
        .patch(
            &format!("/api/tasks/{task_id}"),
            &ada,
            json!({ "title": "Write the docs", "status": "done" }),
        )
        .await;
    assert_eq!(patched.status, 200);
    let d = event(&bob.next_json().await, "task-updated", &plan, 6, "ada");
    assert_eq!(d["task"], patched.body);
    assert_eq!(d["task"]["version"], 2);
    assert_eq!(
        d["changes"],
        json!({
            "title": { "from": "Write docs", "to": "Write the docs" },
            "status": { "from": "todo", "to": "done" },
            "columnId": { "from": format!("{plan}:todo"), "to": format!("{plan}:done") },
        })
    );
    let d = event(&bob.next_json().await, "progress-updated", &plan, 7, "ada");
    assert_eq!(d["percent"], 100);

    // 8: task-reordered (within a column: the board order is by column, then position)
    let second = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &ada,
            json!({ "title": "Second", "status": "done" }),
        )
        .await
        .body;
    event(&bob.next_json().await, "task-created", &plan, 8, "ada");
    event(&bob.next_json().await, "progress-updated", &plan, 9, "ada");
    let order = json!([second["id"], task_id]);
    let r = app
        .post(
            &format!("/api/plans/{plan}/tasks/reorder"),
            &ada,
            json!({ "taskIds": order }),
        )
        .await;
    assert_eq!(r.status, 200);
    let d = event(&bob.next_json().await, "task-reordered", &plan, 10, "ada");
    assert_eq!(d, json!({ "taskIds": order }));

    // 11: comment-added
    let c = app
        .post(
            &format!("/api/tasks/{task_id}/comments"),
            &ada,
            json!({ "body": "Looks good" }),
        )
        .await;
    assert_eq!(c.status, 201);
    let d = event(&bob.next_json().await, "comment-added", &plan, 11, "ada");
    assert_eq!(d, json!({ "comment": c.body }));
    for key in ["id", "taskId", "authorId", "body", "createdAt"] {
        assert!(d["comment"].get(key).is_some(), "{key}");
    }

    // 12, 13: task-deleted + progress-updated
    assert_eq!(
        app.delete(&format!("/api/tasks/{task_id}"), &ada)
            .await
            .status,
        204
    );
    let d = event(&bob.next_json().await, "task-deleted", &plan, 12, "ada");
    assert_eq!(d, json!({ "taskId": task_id }));
    event(&bob.next_json().await, "progress-updated", &plan, 13, "ada");

    // 14: plan-updated
    let p = app
        .patch(
            &format!("/api/plans/{plan}"),
            &ada,
            json!({ "title": "Launch v2" }),
        )
        .await;
    assert_eq!(p.status, 200);
    let d = event(&bob.next_json().await, "plan-updated", &plan, 14, "ada");
    assert_eq!(d, json!({ "plan": p.body }));

    // 15: member-removed (carol; bob stays)
    assert_eq!(
        app.delete(&format!("/api/plans/{plan}/members/carol"), &ada)
            .await
            .status,
        204
    );
    let d = event(&bob.next_json().await, "member-removed", &plan, 15, "ada");
    assert_eq!(
        d,
        json!({ "member": { "planId": plan, "userId": "carol", "name": "Carol", "role": "editor" } })
    );

    // 16: plan-deleted, then removed-from-plan and the room closes
    assert_eq!(
        app.delete(&format!("/api/plans/{plan}"), &ada).await.status,
        204
    );
    let d = event(&bob.next_json().await, "plan-deleted", &plan, 16, "ada");
    assert_eq!(d, json!({ "planId": plan }));
    assert_eq!(
        bob.next_json().await,
        json!({ "type": "removed-from-plan", "planId": plan })
    );
    bob.expect_silence(200).await;
    // The stored log matches what was delivered, seq 1..16.
    let stats = app.registry_stats().await;
    assert_eq!(stats.rooms, 0, "the deleted plan's room is gone");
}

#[actix_web::test]
async fn task_assigned_reaches_every_connection_of_the_assignee_even_outside_the_room() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let mut bob_tab1 = app.ws("bob").await;
    let mut bob_tab2 = app.ws("bob").await; // joined no room at all
    bob_tab1.join(&plan, None).await;
    let a = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &app.token("ada"),
            json!({ "title": "Review", "assigneeId": "bob" }),
        )
        .await;
    assert_eq!(a.status, 201);
    let expected = json!({ "type": "task-assigned", "planId": plan, "task": a.body, "actor": { "id": "ada", "name": "Ada" } });
    assert_eq!(bob_tab2.next_json().await, expected);
    assert_eq!(bob_tab1.expect_type("task-assigned").await, expected);
    // Reassigning to nobody sends nothing personal.
    let task_id = a.body["id"].as_str().unwrap();
    app.patch(
        &format!("/api/tasks/{task_id}"),
        &app.token("ada"),
        json!({ "assigneeId": null }),
    )
    .await;
    bob_tab2.expect_silence(300).await;
}

#[actix_web::test]
async fn typing_is_relayed_to_the_others_with_the_user_and_not_echoed() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let mut ada = app.ws("ada").await;
    let mut bob = app.ws("bob").await;
    ada.join(&plan, None).await;
    bob.join(&plan, None).await;
    ada.expect_type("user-joined").await;
    ada.send(json!({ "type": "typing", "planId": plan, "taskId": "t-1", "isTyping": true }))
        .await;
    assert_eq!(
        bob.next_json().await,
        json!({ "type": "typing", "planId": plan, "taskId": "t-1", "user": { "id": "ada", "name": "Ada" }, "isTyping": true })
    );
    ada.expect_silence(200).await;
    // Not joined: an error, and the connection stays open.
    bob.send(json!({ "type": "typing", "planId": "other-plan", "taskId": "t-1", "isTyping": true, "requestId": "q" })).await;
    let e = bob.next_json().await;
    assert_eq!(e["type"], "error");
    assert_eq!(e["code"], "bad_request");
    assert_eq!(e["requestId"], "q");
}

// ---------------------------------------------------------------------------------------
// The events route.

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
