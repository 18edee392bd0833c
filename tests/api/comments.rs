//! Comments over REST (contract §2, §6.1): editors add them, everyone who may read the
//! plan lists them, oldest first; their author edits them, their author or an owner
//! deletes them, and every member's socket sees `comment-updated` and `comment-deleted`.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::shapes::*;

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

/// Adds a comment as `user`; answers it.
async fn comment_on(app: &TestApp, task_id: &str, user: &str, body: &str) -> Value {
    let a = app
        .post(
            &format!("/api/tasks/{task_id}/comments"),
            &app.token(user),
            json!({ "body": body }),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
}

/// A board of `ada` (owner) with `bob` and `carol` (editors) and `vic` (viewer), one task.
async fn board(app: &TestApp) -> (String, String) {
    let plan = app.create_plan("ada", "Board").await;
    for (user, role) in [("bob", "editor"), ("carol", "editor"), ("vic", "viewer")] {
        app.add_member(&plan, "ada", user, role).await;
    }
    let task = app.create_task(&plan, "ada", "A").await;
    (plan, task["id"].as_str().unwrap().to_string())
}

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

#[actix_web::test]
async fn the_author_edits_a_comment_and_every_member_sees_comment_updated() {
    let app = spawn_app().await;
    let (plan, task) = board(&app).await;
    let mut watcher = app.ws("carol").await;
    watcher.join(&plan, None).await;
    let added = comment_on(&app, &task, "bob", "Draft is up.").await;
    assert!(added["updatedAt"].is_null(), "null until edited: {added}");
    let path = format!("/api/comments/{}", added["id"].as_str().unwrap());
    let bob = app.token("bob");

    let edited = app
        .patch(&path, &bob, json!({ "body": "Draft is up (v2)." }))
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_keys(&edited.body, COMMENT_KEYS);
    assert_eq!(edited.body["body"], "Draft is up (v2).");
    for same in ["id", "taskId", "authorId", "createdAt"] {
        assert_eq!(edited.body[same], added[same], "{same}");
    }
    assert_utc(&edited.body["updatedAt"]);
    let e = watcher.expect_type("comment-updated").await;
    assert_event(&e, "comment-updated", edited.plan_seq, "bob");
    assert_eq!(e["data"], json!({ "comment": edited.body }));
    let listed = app.get(&format!("/api/tasks/{task}/comments"), &bob).await;
    assert_eq!(listed.body, json!([edited.body]));

    // The same body again changes nothing: no event, `updatedAt` stays.
    let same = app
        .patch(&path, &bob, json!({ "body": "Draft is up (v2)." }))
        .await;
    assert_eq!((same.status, same.plan_seq), (200, None), "{}", same.body);
    assert_eq!(same.body, edited.body);

    // The rules of a new comment's body.
    for body in [
        json!(""),
        json!("  \n "),
        json!("x".repeat(10_001)),
        json!(7),
    ] {
        let a = app.patch(&path, &bob, json!({ "body": body })).await;
        assert_bad_field(&a, "body");
    }
    assert_bad_field(&app.patch(&path, &bob, json!({})).await, "body");

    // Only the author: another editor, and an owner, get 403.
    for user in ["carol", "ada"] {
        let a = app
            .patch(&path, &app.token(user), json!({ "body": "mine now" }))
            .await;
        let message = assert_error(&a, 403, "forbidden");
        assert!(message.contains("author"), "{message}");
    }
    let a = app
        .patch(&path, &app.token("vic"), json!({ "body": "x" }))
        .await;
    assert_error(&a, 403, "forbidden");
    watcher.expect_silence(200).await;
    let listed = app.get(&format!("/api/tasks/{task}/comments"), &bob).await;
    assert_eq!(listed.body, json!([edited.body]));
}

#[actix_web::test]
async fn a_comment_is_deleted_by_its_author_or_an_owner_and_every_member_sees_comment_deleted() {
    let app = spawn_app().await;
    let (plan, task) = board(&app).await;
    let mut watcher = app.ws("vic").await;
    watcher.join(&plan, None).await;
    let first = comment_on(&app, &task, "bob", "one").await;
    let second = comment_on(&app, &task, "bob", "two").await;
    let kept = comment_on(&app, &task, "carol", "three").await;
    let path = |c: &Value| format!("/api/comments/{}", c["id"].as_str().unwrap());

    // Another editor may not; a viewer may not.
    for user in ["carol", "vic"] {
        let a = app.delete(&path(&first), &app.token(user)).await;
        assert_error(&a, 403, "forbidden");
    }
    // The author may.
    let a = app.delete(&path(&first), &app.token("bob")).await;
    assert_eq!((a.status, &a.body), (204, &Value::Null));
    assert!(a.plan_seq.is_some());
    let e = watcher.expect_type("comment-deleted").await;
    assert_event(&e, "comment-deleted", a.plan_seq, "bob");
    assert_eq!(
        e["data"],
        json!({ "commentId": first["id"], "taskId": task })
    );
    // An owner may delete anyone's.
    let a = app.delete(&path(&second), &app.token("ada")).await;
    assert_eq!(a.status, 204, "{}", a.body);
    let e = watcher.expect_type("comment-deleted").await;
    assert_event(&e, "comment-deleted", a.plan_seq, "ada");
    assert_eq!(
        e["data"],
        json!({ "commentId": second["id"], "taskId": task })
    );

    let listed = app
        .get(&format!("/api/tasks/{task}/comments"), &app.token("vic"))
        .await;
    assert_eq!(listed.body, json!([kept]));
    // Gone: 404 for a second delete and for an edit.
    let again = app.delete(&path(&first), &app.token("bob")).await;
    assert_eq!(assert_error(&again, 404, "not_found"), "comment not found");
    let edit = app
        .patch(&path(&second), &app.token("bob"), json!({ "body": "x" }))
        .await;
    assert_eq!(edit.body, again.body);
}

#[actix_web::test]
async fn strangers_get_the_same_not_found_as_for_a_comment_that_does_not_exist() {
    let app = spawn_app().await;
    let (_, task) = board(&app).await;
    let comment = comment_on(&app, &task, "bob", "hello").await;
    let path = format!("/api/comments/{}", comment["id"].as_str().unwrap());
    let eve = app.token("eve");
    let missing = app
        .patch(
            "/api/comments/no-such-comment",
            &eve,
            json!({ "body": "x" }),
        )
        .await;
    assert_eq!(
        assert_error(&missing, 404, "not_found"),
        "comment not found"
    );
    for a in [
        app.patch(&path, &eve, json!({ "body": "x" })).await,
        app.delete(&path, &eve).await,
        app.delete("/api/comments/no-such-comment", &eve).await,
        app.delete("/api/comments/no-such-comment", &app.token("ada"))
            .await,
    ] {
        assert_eq!((a.status, &a.body), (404, &missing.body));
    }
    let bad = app.delete("/api/comments/not%20an%20id", &eve).await;
    assert_bad_field(&bad, "commentId");
    let unchanged = app
        .get(&format!("/api/tasks/{task}/comments"), &app.token("ada"))
        .await;
    assert_eq!(unchanged.body, json!([comment]));
}

#[actix_web::test]
async fn an_author_demoted_to_viewer_can_no_longer_edit_or_delete_and_a_removed_one_gets_404() {
    let app = spawn_app().await;
    let (plan, task) = board(&app).await;
    let comment = comment_on(&app, &task, "bob", "mine").await;
    let path = format!("/api/comments/{}", comment["id"].as_str().unwrap());
    let bob = app.token("bob");
    app.add_member(&plan, "ada", "bob", "viewer").await;
    let a = app
        .patch(&path, &bob, json!({ "body": "still mine?" }))
        .await;
    let message = assert_error(&a, 403, "forbidden");
    assert!(message.contains("editor"), "{message}");
    assert_error(&app.delete(&path, &bob).await, 403, "forbidden");
    // Made an editor again, they may.
    app.add_member(&plan, "ada", "bob", "editor").await;
    let a = app
        .patch(&path, &bob, json!({ "body": "mine again" }))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    // Removed, the plan and its comments are not theirs to see.
    let removed = app
        .delete(&format!("/api/plans/{plan}/members/bob"), &app.token("ada"))
        .await;
    assert_eq!(removed.status, 204);
    let a = app.patch(&path, &bob, json!({ "body": "x" })).await;
    assert_eq!(assert_error(&a, 404, "not_found"), "comment not found");
}

#[actix_web::test]
async fn deleting_a_task_takes_its_comments_without_a_comment_deleted_each() {
    let app = spawn_app().await;
    let (plan, task) = board(&app).await;
    let comment = comment_on(&app, &task, "bob", "soon gone").await;
    let ada = app.token("ada");
    let deleted = app.delete(&format!("/api/tasks/{task}"), &ada).await;
    assert_eq!(deleted.status, 204);
    let path = format!("/api/comments/{}", comment["id"].as_str().unwrap());
    let a = app
        .patch(&path, &app.token("bob"), json!({ "body": "x" }))
        .await;
    assert_eq!(assert_error(&a, 404, "not_found"), "comment not found");
    let events = app
        .get(&format!("/api/plans/{plan}/events?since=0"), &ada)
        .await;
    let types: Vec<&str> = events.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"task-deleted"), "{types:?}");
    assert!(!types.contains(&"comment-deleted"), "{types:?}");
}
