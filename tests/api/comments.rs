//! Comments over REST (contract §2): editors add them, everyone who may read the plan
//! lists them, oldest first.

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
