//! Dev mode (no JWT key configured): `POST /api/dev/token` hands out tokens that work;
//! with a key configured the route does not exist.

use serde_json::json;

use crate::helpers::*;
use crate::shapes::*;

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
