//! Members over REST (contract §2): an owner adds editors and viewers, the last owner
//! stays, and a removed member loses access at once.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::shapes::*;

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
