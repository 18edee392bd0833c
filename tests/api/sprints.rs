//! Sprints (contract §6.1): create, list, change, start, complete with carry-over; the
//! one-active rule and the lifecycle's 409s; a task's `sprintId`; the events a second
//! member's connection sees, with their full shape; who may do what.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::shapes::*;

const SPRINT_KEYS: &[&str] = &[
    "id",
    "planId",
    "name",
    "goal",
    "status",
    "startsAt",
    "endsAt",
    "startedAt",
    "completedAt",
];

fn assert_sprint_shape(s: &Value) {
    assert_keys(s, SPRINT_KEYS);
    assert!(s["id"].is_string(), "{s}");
    for key in ["startsAt", "endsAt", "startedAt", "completedAt"] {
        if !s[key].is_null() {
            assert_utc(&s[key]);
        }
    }
}

/// Checks the envelope of a plan event (its seq is the call's `X-Plan-Seq` when given) and
/// returns its data.
fn event(v: &Value, kind: &str, plan: &str, seq: Option<i64>, actor: &str) -> Value {
    assert_keys(v, EVENT_KEYS);
    assert_eq!(v["type"], kind, "{v}");
    assert_eq!(v["planId"], plan, "{v}");
    if let Some(seq) = seq {
        assert_eq!(v["seq"], seq, "{v}");
    }
    assert_eq!(
        v["actor"],
        json!({ "id": actor, "name": display_name(actor) }),
        "{v}"
    );
    assert_utc(&v["timestamp"]);
    v["data"].clone()
}

/// A lifecycle refusal: 409 `conflict` with the plain error body (no `current`, there is
/// no task version to retry with); returns the message.
fn assert_state_conflict(a: &Answer) -> String {
    assert_eq!(a.status, 409, "{}", a.body);
    assert_keys(&a.body, &["error"]);
    assert_keys(&a.body["error"], &["code", "message"]);
    assert_eq!(a.body["error"]["code"], "conflict", "{}", a.body);
    a.body["error"]["message"].as_str().unwrap().to_string()
}

async fn sprint(app: &TestApp, plan: &str, user: &str, name: &str) -> Value {
    let a = app
        .post(
            &format!("/api/plans/{plan}/sprints"),
            &app.token(user),
            json!({ "name": name }),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn task(app: &TestApp, plan: &str, title: &str, status: &str, sprint: Option<&str>) -> Value {
    let a = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &app.token("ada"),
            json!({ "title": title, "status": status, "sprintId": sprint }),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
}

#[actix_web::test]
async fn sprints_are_created_listed_changed_and_started_with_their_events() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let bob = app.token("bob");
    let mut ada = app.ws("ada").await;
    ada.join(&plan, None).await;

    // An editor creates one: trimmed name, dates normalised to UTC milliseconds.
    let created = app
        .post(
            &format!("/api/plans/{plan}/sprints"),
            &bob,
            json!({
                "name": "  Sprint 1 ",
                "goal": "Ship the beta\nand its docs",
                "startsAt": "2030-01-07T09:00:00+01:00",
                "endsAt": "2030-01-20T18:00:00Z",
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_sprint_shape(&created.body);
    let s1 = id(&created.body);
    assert_eq!(
        created.body,
        json!({
            "id": s1, "planId": plan, "name": "Sprint 1", "goal": "Ship the beta\nand its docs",
            "status": "planned", "startsAt": "2030-01-07T08:00:00.000Z",
            "endsAt": "2030-01-20T18:00:00.000Z", "startedAt": null, "completedAt": null,
        })
    );
    let d = event(
        &ada.next_json().await,
        "sprint-created",
        &plan,
        created.plan_seq,
        "bob",
    );
    assert_eq!(d, json!({ "sprint": created.body }));

    // A second one, with nothing but a name; both listed in creation order, also in the
    // snapshot.
    let second = app
        .post(
            &format!("/api/plans/{plan}/sprints"),
            &bob,
            json!({ "name": "Sprint 2" }),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(second.body["goal"], Value::Null);
    assert_eq!(second.body["startsAt"], Value::Null);
    ada.expect_type("sprint-created").await;
    let list = app
        .get(&format!("/api/plans/{plan}/sprints"), &app.token("ada"))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body, json!([created.body, second.body]));
    let snapshot = app.get(&format!("/api/plans/{plan}"), &bob).await;
    assert_eq!(snapshot.body["sprints"], list.body);

    // Change: the answer and the event carry the sprint as it is now.
    let path = format!("/api/sprints/{s1}");
    let renamed = app
        .patch(
            &path,
            &bob,
            json!({ "name": "Beta", "goal": null, "endsAt": "2030-01-21T18:00:00Z" }),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["name"], "Beta");
    assert_eq!(renamed.body["goal"], Value::Null);
    assert_eq!(renamed.body["endsAt"], "2030-01-21T18:00:00.000Z");
    assert_eq!(renamed.body["startsAt"], created.body["startsAt"]);
    let d = event(
        &ada.next_json().await,
        "sprint-updated",
        &plan,
        renamed.plan_seq,
        "bob",
    );
    assert_eq!(d, json!({ "sprint": renamed.body }));
    // The same values again: 200, no event.
    let same = app.patch(&path, &bob, json!({ "name": "Beta" })).await;
    assert_eq!(same.status, 200);
    assert_eq!(same.body, renamed.body);
    assert_eq!(same.plan_seq, None);
    ada.expect_silence(200).await;

    // Start: active, with startedAt.
    let started = app.post(&format!("{path}/start"), &bob, json!({})).await;
    assert_eq!(started.status, 200, "{}", started.body);
    assert_sprint_shape(&started.body);
    assert_eq!(started.body["status"], "active");
    assert!(started.body["startedAt"].is_string());
    assert_eq!(started.body["completedAt"], Value::Null);
    let d = event(
        &ada.next_json().await,
        "sprint-started",
        &plan,
        started.plan_seq,
        "bob",
    );
    assert_eq!(d, json!({ "sprint": started.body }));
    // An active sprint still changes.
    let goal = app.patch(&path, &bob, json!({ "goal": "Beta out" })).await;
    assert_eq!(goal.status, 200, "{}", goal.body);
    assert_eq!(goal.body["status"], "active");
    ada.expect_type("sprint-updated").await;
}

#[actix_web::test]
async fn a_plan_has_at_most_one_active_sprint_and_the_lifecycle_only_goes_forward() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    let ada = app.token("ada");
    let s1 = id(&sprint(&app, &plan, "ada", "One").await);
    let s2 = id(&sprint(&app, &plan, "ada", "Two").await);
    let start = |s: &str| format!("/api/sprints/{s}/start");
    let complete = |s: &str| format!("/api/sprints/{s}/complete");
    let backlog = json!({ "carryOverTo": null });

    // A planned sprint cannot complete.
    let early = app.post(&complete(&s1), &ada, backlog.clone()).await;
    assert!(assert_state_conflict(&early).contains("planned"));
    assert_eq!(app.post(&start(&s1), &ada, json!({})).await.status, 200);
    // A second start of it, and a start of another while it is active: 409.
    let again = app.post(&start(&s1), &ada, json!({})).await;
    assert!(assert_state_conflict(&again).contains("already active"));
    let second = app.post(&start(&s2), &ada, json!({})).await;
    let message = assert_state_conflict(&second);
    assert!(
        message.contains("\"One\"") && message.contains(&s1),
        "{message}"
    );

    let done = app.post(&complete(&s1), &ada, backlog.clone()).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_keys(&done.body, &["sprint", "done", "carriedOver"]);
    assert_eq!(done.body["sprint"]["status"], "completed");
    assert!(done.body["sprint"]["completedAt"].is_string());
    assert!(done.body["sprint"]["startedAt"].is_string());

    // Completed is final: no start, no second completion, no change.
    let restart = app.post(&start(&s1), &ada, json!({})).await;
    assert!(assert_state_conflict(&restart).contains("completed"));
    let twice = app.post(&complete(&s1), &ada, backlog.clone()).await;
    assert!(assert_state_conflict(&twice).contains("already completed"));
    let changed = app
        .patch(&format!("/api/sprints/{s1}"), &ada, json!({ "name": "x" }))
        .await;
    assert!(assert_state_conflict(&changed).contains("completed"));
    // With One completed, Two may start.
    let two = app.post(&start(&s2), &ada, json!({})).await;
    assert_eq!(two.status, 200, "{}", two.body);
    assert_eq!(two.body["status"], "active");
}

#[actix_web::test]
async fn of_sprints_started_at_the_same_time_exactly_one_becomes_active() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    let ada = app.token("ada");
    let mut paths = Vec::new();
    for n in 0..5 {
        let s = sprint(&app, &plan, "ada", &format!("S{n}")).await;
        paths.push(format!("/api/sprints/{}/start", id(&s)));
    }
    let answers =
        futures_util::future::join_all(paths.iter().map(|p| app.post(p, &ada, json!({})))).await;
    let started = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(started, 1, "{answers:?}");
    for refused in answers.iter().filter(|a| a.status != 200) {
        assert!(assert_state_conflict(refused).contains("at most one active sprint"));
    }
    let list = app.get(&format!("/api/plans/{plan}/sprints"), &ada).await;
    let active = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "active")
        .count();
    assert_eq!(active, 1);
}

#[actix_web::test]
async fn completing_a_sprint_carries_its_unfinished_tasks_to_another_sprint_one_event_each() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let s1 = id(&sprint(&app, &plan, "ada", "One").await);
    let s2 = id(&sprint(&app, &plan, "ada", "Two").await);
    let a = task(&app, &plan, "A", "todo", Some(&s1)).await;
    let b = task(&app, &plan, "B", "in_progress", Some(&s1)).await;
    let c = task(&app, &plan, "C", "done", Some(&s1)).await;
    let d = task(&app, &plan, "D", "todo", Some(&s1)).await;
    let e = task(&app, &plan, "E", "todo", None).await;
    let ada = app.token("ada");
    assert_eq!(
        app.post(&format!("/api/sprints/{s1}/start"), &ada, json!({}))
            .await
            .status,
        200
    );
    let mut bob = app.ws("bob").await;
    bob.join(&plan, None).await;

    let completed = app
        .post(
            &format!("/api/sprints/{s1}/complete"),
            &ada,
            json!({ "carryOverTo": s2 }),
        )
        .await;
    assert_eq!(completed.status, 200, "{}", completed.body);
    assert_eq!(completed.body["done"], 1);
    assert_eq!(completed.body["carriedOver"], 3);
    assert_sprint_shape(&completed.body["sprint"]);
    assert_eq!(completed.body["sprint"]["id"], s1.as_str());

    // One task-updated per unfinished task, in board order (To do: A, D; In progress: B),
    // each a plain edit of sprintId (version + 1); then sprint-completed, the call's last.
    let last = completed.plan_seq.unwrap();
    let first = last - 3;
    for (i, t) in [&a, &d, &b].into_iter().enumerate() {
        let data = event(
            &bob.next_json().await,
            "task-updated",
            &plan,
            Some(first + i as i64),
            "ada",
        );
        assert_task_shape(&data["task"]);
        assert_eq!(data["task"]["id"], t["id"]);
        assert_eq!(data["task"]["sprintId"], s2.as_str());
        assert_eq!(data["task"]["version"], 2);
        assert_eq!(
            data["changes"],
            json!({ "sprintId": { "from": s1, "to": s2 } })
        );
    }
    let data = event(
        &bob.next_json().await,
        "sprint-completed",
        &plan,
        Some(last),
        "ada",
    );
    assert_eq!(data, completed.body);
    bob.expect_silence(200).await;

    // The done task stays in the completed sprint; the backlog task is untouched.
    let get = |t: &Value| format!("/api/tasks/{}", t["id"].as_str().unwrap());
    let c_now = app.get(&get(&c), &ada).await.body;
    assert_eq!(c_now["sprintId"], s1.as_str());
    assert_eq!(c_now["version"], 1);
    let e_now = app.get(&get(&e), &ada).await.body;
    assert_eq!(e_now, e);
    let snapshot = app.get(&format!("/api/plans/{plan}"), &ada).await.body;
    let in_two: Vec<&str> = snapshot["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["sprintId"] == s2.as_str())
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(in_two, ["A", "D", "B"]);
}

#[actix_web::test]
async fn completing_into_the_backlog_needs_carry_over_to_and_refuses_bad_targets() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    let other_plan = app.create_plan("ada", "Elsewhere").await;
    let ada = app.token("ada");
    let old = id(&sprint(&app, &plan, "ada", "Old").await);
    let s1 = id(&sprint(&app, &plan, "ada", "One").await);
    let foreign = id(&sprint(&app, &other_plan, "ada", "Foreign").await);
    let open = task(&app, &plan, "Open", "in_progress", Some(&s1)).await;
    task(&app, &plan, "Finished", "done", Some(&s1)).await;
    // Old: started and completed empty.
    let start = |s: &str| format!("/api/sprints/{s}/start");
    assert_eq!(app.post(&start(&old), &ada, json!({})).await.status, 200);
    let done = app
        .post(
            &format!("/api/sprints/{old}/complete"),
            &ada,
            json!({ "carryOverTo": null }),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["done"], 0);
    assert_eq!(done.body["carriedOver"], 0);
    assert_eq!(app.post(&start(&s1), &ada, json!({})).await.status, 200);
    let complete = format!("/api/sprints/{s1}/complete");

    let missing = app.post(&complete, &ada, json!({})).await;
    assert_bad_field(&missing, "carryOverTo");
    let itself = app
        .post(&complete, &ada, json!({ "carryOverTo": s1 }))
        .await;
    assert_bad_field(&itself, "carryOverTo");
    let finished = app
        .post(&complete, &ada, json!({ "carryOverTo": old }))
        .await;
    let message = assert_error(&finished, 400, "bad_request");
    assert!(
        message.starts_with("carryOverTo") && message.contains("completed"),
        "{message}"
    );
    for target in [foreign.as_str(), "no-such-sprint"] {
        let refused = app
            .post(&complete, &ada, json!({ "carryOverTo": target }))
            .await;
        assert_eq!(
            assert_error(&refused, 404, "not_found"),
            "sprint not found",
            "{target}"
        );
    }
    let malformed = app
        .post(&complete, &ada, json!({ "carryOverTo": "a b" }))
        .await;
    assert_bad_field(&malformed, "carryOverTo");
    // Nothing of that changed anything.
    let list = app.get(&format!("/api/plans/{plan}/sprints"), &ada).await;
    assert_eq!(list.body[1]["status"], "active");

    let mut watcher = app.ws("ada").await;
    watcher.join(&plan, None).await;
    let done = app
        .post(&complete, &ada, json!({ "carryOverTo": null }))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body["done"], 1);
    assert_eq!(done.body["carriedOver"], 1);
    let e = watcher.expect_type("task-updated").await;
    assert_eq!(e["data"]["task"]["id"], open["id"]);
    assert_eq!(e["data"]["task"]["sprintId"], Value::Null);
    assert_eq!(
        e["data"]["changes"],
        json!({ "sprintId": { "from": s1, "to": null } })
    );
    let e = watcher.expect_type("sprint-completed").await;
    assert_eq!(e["data"], done.body);
}

#[actix_web::test]
async fn a_tasks_sprint_id_must_be_an_open_sprint_of_its_plan() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    let other_plan = app.create_plan("ada", "Elsewhere").await;
    let ada = app.token("ada");
    let s1 = id(&sprint(&app, &plan, "ada", "One").await);
    let s2 = id(&sprint(&app, &plan, "ada", "Two").await);
    let foreign = id(&sprint(&app, &other_plan, "ada", "Foreign").await);
    let mut watcher = app.ws("ada").await;
    watcher.join(&plan, None).await;

    let created = task(&app, &plan, "A", "todo", Some(&s1)).await;
    assert_eq!(created["sprintId"], s1.as_str());
    let e = watcher.expect_type("task-created").await;
    assert_eq!(e["data"]["task"], created);
    let path = format!("/api/tasks/{}", id(&created));

    let moved = app.patch(&path, &ada, json!({ "sprintId": s2 })).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["sprintId"], s2.as_str());
    assert_eq!(moved.body["version"], 2);
    let e = watcher.expect_type("task-updated").await;
    assert_eq!(
        e["data"]["changes"],
        json!({ "sprintId": { "from": s1, "to": s2 } })
    );
    let to_backlog = app.patch(&path, &ada, json!({ "sprintId": null })).await;
    assert_eq!(to_backlog.body["sprintId"], Value::Null);
    assert_eq!(to_backlog.body["version"], 3);
    // Absent: stays.
    let kept = app.patch(&path, &ada, json!({ "title": "A2" })).await;
    assert_eq!(kept.body["sprintId"], Value::Null);

    // Another plan's sprint, or none: 404; a malformed id: 400.
    for bad in [foreign.as_str(), "no-such-sprint"] {
        let refused = app.patch(&path, &ada, json!({ "sprintId": bad })).await;
        assert_eq!(assert_error(&refused, 404, "not_found"), "sprint not found");
        let refused = app
            .post(
                &format!("/api/plans/{plan}/tasks"),
                &ada,
                json!({ "title": "B", "sprintId": bad }),
            )
            .await;
        assert_eq!(assert_error(&refused, 404, "not_found"), "sprint not found");
    }
    let malformed = app.patch(&path, &ada, json!({ "sprintId": "a/b" })).await;
    assert_bad_field(&malformed, "sprintId");

    // A completed sprint takes no task (400), but one in it may stay.
    let in_s1 = task(&app, &plan, "Done", "done", Some(&s1)).await;
    app.post(&format!("/api/sprints/{s1}/start"), &ada, json!({}))
        .await;
    let completed = app
        .post(
            &format!("/api/sprints/{s1}/complete"),
            &ada,
            json!({ "carryOverTo": null }),
        )
        .await;
    assert_eq!(completed.status, 200, "{}", completed.body);
    let refused = app.patch(&path, &ada, json!({ "sprintId": s1 })).await;
    let message = assert_error(&refused, 400, "bad_request");
    assert!(
        message.starts_with("sprintId") && message.contains("completed"),
        "{message}"
    );
    let refused = app
        .post(
            &format!("/api/plans/{plan}/tasks"),
            &ada,
            json!({ "title": "Late", "sprintId": s1 }),
        )
        .await;
    assert_bad_field(&refused, "sprintId");
    let stays = app
        .patch(
            &format!("/api/tasks/{}", id(&in_s1)),
            &ada,
            json!({ "sprintId": s1 }),
        )
        .await;
    assert_eq!(stays.status, 200, "{}", stays.body);
    assert_eq!(stays.plan_seq, None);
}

#[actix_web::test]
async fn sprint_fields_are_checked_and_the_message_names_the_field() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    let ada = app.token("ada");
    let create = format!("/api/plans/{plan}/sprints");
    for (body, field) in [
        (json!({}), "name"),
        (json!({ "name": "   " }), "name"),
        (json!({ "name": "x".repeat(101) }), "name"),
        (json!({ "name": "a\u{202e}b" }), "name"),
        (json!({ "name": "S", "goal": "g".repeat(1001) }), "goal"),
        (
            json!({ "name": "S", "startsAt": "next monday" }),
            "startsAt",
        ),
        (
            json!({ "name": "S", "endsAt": "2030-13-01T00:00:00Z" }),
            "endsAt",
        ),
        (
            json!({ "name": "S", "startsAt": "2030-01-10T00:00:00Z", "endsAt": "2030-01-09T23:59:59Z" }),
            "endsAt",
        ),
    ] {
        let refused = app.post(&create, &ada, body.clone()).await;
        assert_bad_field(&refused, field);
        // A missing field is the body's fault (`body: missing field `name``).
        let message = refused.body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(field) || message.starts_with("body: missing field"),
            "{body}: {message}"
        );
    }
    let longest = app
        .post(
            &create,
            &ada,
            json!({ "name": "x".repeat(100), "goal": "g".repeat(1000), "startsAt": "2030-01-10T00:00:00Z", "endsAt": "2030-01-10T00:00:00Z" }),
        )
        .await;
    assert_eq!(longest.status, 201, "{}", longest.body);

    // A PATCH is checked against the dates it keeps, naming the one it changes.
    let path = format!("/api/sprints/{}", id(&longest.body));
    let early_end = app
        .patch(&path, &ada, json!({ "endsAt": "2030-01-01T00:00:00Z" }))
        .await;
    assert!(assert_error(&early_end, 400, "bad_request").starts_with("endsAt"));
    let late_start = app
        .patch(&path, &ada, json!({ "startsAt": "2030-02-01T00:00:00Z" }))
        .await;
    assert!(assert_error(&late_start, 400, "bad_request").starts_with("startsAt"));
    let both = app
        .patch(
            &path,
            &ada,
            json!({ "startsAt": "2030-02-01T00:00:00Z", "endsAt": null }),
        )
        .await;
    assert_eq!(both.status, 200, "{}", both.body);
    assert_eq!(both.body["endsAt"], Value::Null);
    let bad_carry = app
        .post(
            &format!("{path}/complete"),
            &ada,
            json!({ "carryOverTo": 7 }),
        )
        .await;
    assert_bad_field(&bad_carry, "carryOverTo");
}

#[actix_web::test]
async fn viewers_only_read_sprints_and_strangers_and_other_plans_get_404() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Launch").await;
    app.add_member(&plan, "ada", "vic", "viewer").await;
    let vic = app.token("vic");
    let eve = app.token("eve");
    let s1 = id(&sprint(&app, &plan, "ada", "One").await);
    let path = format!("/api/sprints/{s1}");

    // A viewer reads, in the list and the snapshot, and changes nothing.
    let list = app.get(&format!("/api/plans/{plan}/sprints"), &vic).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(ids(&list.body), vec![s1.as_str()]);
    let snapshot = app.get(&format!("/api/plans/{plan}"), &vic).await;
    assert_eq!(snapshot.body["sprints"], list.body);
    let mut writes = vec![
        app.post(
            &format!("/api/plans/{plan}/sprints"),
            &vic,
            json!({ "name": "Mine" }),
        )
        .await,
    ];
    writes.push(app.patch(&path, &vic, json!({ "name": "Mine" })).await);
    writes.push(app.post(&format!("{path}/start"), &vic, json!({})).await);
    writes.push(
        app.post(
            &format!("{path}/complete"),
            &vic,
            json!({ "carryOverTo": null }),
        )
        .await,
    );
    for refused in &writes {
        assert_error(refused, 403, "forbidden");
    }

    // A stranger: the plan's 404 on plan routes, `sprint not found` on sprint routes,
    // exactly as for a sprint that does not exist.
    let list = app.get(&format!("/api/plans/{plan}/sprints"), &eve).await;
    assert_eq!(assert_error(&list, 404, "not_found"), "plan not found");
    for target in [s1.as_str(), "no-such-sprint"] {
        let path = format!("/api/sprints/{target}");
        let answers = [
            app.patch(&path, &eve, json!({ "name": "x" })).await,
            app.post(&format!("{path}/start"), &eve, json!({})).await,
            app.post(
                &format!("{path}/complete"),
                &eve,
                json!({ "carryOverTo": null }),
            )
            .await,
        ];
        for a in &answers {
            assert_eq!(assert_error(a, 404, "not_found"), "sprint not found");
        }
    }
    // The owner of another plan is a stranger here too.
    let other = app.create_plan("eve", "Hers").await;
    let hers = id(&sprint(&app, &other, "eve", "Hers").await);
    let ada = app.token("ada");
    let cross = app
        .post(&format!("/api/sprints/{hers}/start"), &ada, json!({}))
        .await;
    assert_eq!(assert_error(&cross, 404, "not_found"), "sprint not found");
    // A malformed id in the path: 400 naming the segment.
    let malformed = app.post("/api/sprints/a%20b/start", &ada, json!({})).await;
    assert_bad_field(&malformed, "sprintId");
    // Nothing was started.
    let list = app.get(&format!("/api/plans/{plan}/sprints"), &ada).await;
    assert_eq!(list.body[0]["status"], "planned");
}
