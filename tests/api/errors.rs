//! The error shape of contract §2 (`{"error": {"code", "message"}}`): 401 without a
//! valid token, 400 for bad JSON or fields (naming the field), 404 for an unknown route,
//! 413 for a body over the limit.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;
use crate::shapes::*;

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
