//! A mutation takes its plan's write lock (the plan row's lock on PostgreSQL, the one
//! writer on SQLite) only for a caller who may make it: a stranger or a viewer is refused
//! by a plain read first, and never queues behind the plan's writers or holds them up.
//! The role is checked again under the lock, since it may change while a writer waits.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use actix_web::rt::time::{sleep, timeout};
use liveplan::db::{members, plans, DbError};
use liveplan::model::Role;
use serde_json::json;

use crate::helpers::*;

/// How soon a refusal must come while the lock is held (it needs no lock at all).
const REFUSED_WITHIN: Duration = Duration::from_secs(2);

/// A write transaction in the server's own pool that took a plan's write lock as every
/// mutation does (`plans::lock_for_write`: the plan row's lock on PostgreSQL; on SQLite the
/// process's writer queue and the file's write lock) and keeps it until told to finish.
struct LockHolder {
    finish: mpsc::Sender<Option<String>>,
    done: actix_web::rt::task::JoinHandle<()>,
}

impl LockHolder {
    async fn take(app: &TestApp, plan: &str) -> LockHolder {
        let (locked_tx, locked_rx) = mpsc::channel();
        let (finish, finish_rx) = mpsc::channel::<Option<String>>();
        let (db, plan) = (app.state.db.clone(), plan.to_string());
        let done = actix_web::rt::spawn(async move {
            db.write(move |conn| -> Result<(), DbError> {
                plans::lock_for_write(conn, &plan)?;
                let _ = locked_tx.send(());
                // Finishing may demote a member, committed with the lock's release.
                if let Ok(Some(user)) = finish_rx.recv() {
                    members::set_role(conn, &plan, &user, Role::Viewer)?;
                }
                Ok(())
            })
            .await
            .expect("the holding write commits");
        });
        let deadline = Instant::now() + WAIT;
        while locked_rx.try_recv().is_err() {
            assert!(Instant::now() < deadline, "the lock was not taken");
            sleep(Duration::from_millis(5)).await;
        }
        LockHolder { finish, done }
    }

    /// Commits, demoting `demote` to viewer in the same transaction.
    async fn release(self, demote: Option<&str>) {
        self.finish
            .send(demote.map(str::to_string))
            .expect("the holder waits");
        self.done.await.expect("the holder ends");
    }
}

/// Answers the status, or fails when no answer came within the bound.
async fn refused_at_once(what: &str, call: impl std::future::Future<Output = Answer>) -> u16 {
    let started = Instant::now();
    let answer = timeout(REFUSED_WITHIN, call).await.unwrap_or_else(|_| {
        panic!("{what}: no answer within {REFUSED_WITHIN:?}: it waited for the plan's write lock")
    });
    eprintln!("{what}: {} in {:?}", answer.status, started.elapsed());
    answer.status
}

#[actix_web::test]
async fn strangers_and_viewers_are_refused_without_waiting_for_the_plans_write_lock() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Locked").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    app.add_member(&plan, "ada", "carol", "viewer").await;
    let task = app.create_task(&plan, "ada", "Contended").await;
    let task_path = format!("/api/tasks/{}", task["id"].as_str().unwrap());
    let tasks_path = format!("/api/plans/{plan}/tasks");
    let seq = app
        .get(&format!("/api/plans/{plan}"), &app.token("ada"))
        .await
        .body["seq"]
        .as_i64()
        .unwrap();

    // Each caller has been seen once: the server stores a user's row on their first
    // request (a write of its own, which on SQLite queues behind the writer too).
    let (bob, carol, stranger) = (app.token("bob"), app.token("carol"), app.token("stranger"));
    for token in [&bob, &carol, &stranger] {
        assert_eq!(app.get("/api/plans", token).await.status, 200);
    }

    let holder = LockHolder::take(&app, &plan).await;

    // An editor's write waits for the lock: proof that it is held.
    let mut editor = Box::pin(app.patch(&task_path, &bob, json!({ "title": "Bob's" })));
    if let Ok(answer) = timeout(Duration::from_millis(300), &mut editor).await {
        panic!("the editor's write did not wait for the lock: {answer:?}");
    }

    // Callers who may not make the change are refused by a read, lock or no lock (and
    // on SQLite, with the editor's write holding this process's writer queue).
    let rename = json!({ "title": "Nope" });
    let plan_path = format!("/api/plans/{plan}");
    let cases = [
        ("viewer PATCH task", "PATCH", &task_path, &carol, 403),
        ("viewer DELETE task", "DELETE", &task_path, &carol, 403),
        ("viewer POST task", "POST", &tasks_path, &carol, 403),
        ("stranger PATCH task", "PATCH", &task_path, &stranger, 404),
        ("stranger POST task", "POST", &tasks_path, &stranger, 404),
        (
            "editor PATCH plan (owner only)",
            "PATCH",
            &plan_path,
            &bob,
            403,
        ),
    ];
    for (what, method, path, token, status) in cases {
        let body = (method != "DELETE").then(|| rename.clone());
        let call = app.request(method, path, Some(token), body, &[]);
        assert_eq!(refused_at_once(what, call).await, status, "{what}");
    }

    // While Bob waits, he is demoted, in the transaction that holds the lock: the check
    // under the lock refuses him.
    holder.release(Some("bob")).await;
    let answer = timeout(WAIT, editor).await.expect("the editor's answer");
    assert_eq!(answer.status, 403, "{}", answer.body);

    // None of the refused calls wrote anything.
    let after = app
        .get(&format!("/api/plans/{plan}"), &app.token("ada"))
        .await;
    assert_eq!(after.body["seq"], seq, "{}", after.body);
    assert_eq!(after.body["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(after.body["tasks"][0]["version"], 1);
}
