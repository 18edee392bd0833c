//! Plans over REST (contract §2): an owner creates, lists, renames and deletes them.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::shapes::*;

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
    assert_keys(
        &snapshot.body,
        &["plan", "columns", "tasks", "members", "sprints", "seq"],
    );
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
