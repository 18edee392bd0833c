//! The board model's invariants under random concurrent changes (contract §6.1), checked
//! with proptest against a real database through the service layer (the same functions
//! the REST handlers call, each in its own transaction, several at once).
//!
//! After every step (a batch of changes by several users, run concurrently):
//! - every column's task positions are exactly 0..n-1, the columns' positions too, every
//!   task sits in a column of its plan and its status is that column's category;
//! - replaying the plan's event log from seq 0 on the plan's starting board (its three
//!   default columns, no task) with the rules of docs/protocol.md ("Replaying the board")
//!   gives exactly the database's columns and tasks, field for field.
//!
//! The cases run on one SQLite database (a new plan per case), or on PostgreSQL with
//! `LIVEPLAN_TEST_DATABASE_URL`. `PROPTEST_CASES` sets the number of cases (`.ci/run`'s
//! fuzz run: thousands).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/database.rs"]
mod database;

use std::collections::HashMap;
use std::sync::OnceLock;

use liveplan::db::{self, Database};
use liveplan::error::ApiError;
use liveplan::model::{Role, TaskStatus, UserRef};
use liveplan::service::columns::{self, ColumnOrder, ColumnPatch, NewColumn};
use liveplan::service::members::{self, MemberInput};
use liveplan::service::plans::{self, NewPlan};
use liveplan::service::tasks::{self, Move, NewTask, Reorder, TaskPatch};
use proptest::prelude::*;
use serde_json::Value;

use database::TestDatabase;

/// Cases per property: `default`, or `PROPTEST_CASES` when set.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Shared {
    runtime: tokio::runtime::Runtime,
    db: Database,
    _database: TestDatabase,
}

/// One database and one runtime for every case (each case makes its own plan).
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let (database, url) = TestDatabase::from_env("liveplan_board", "board.db");
        Shared {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            db: Database::connect(&url, 8).expect("database"),
            _database: database,
        }
    })
}

const USERS: [(&str, Role); 4] = [
    ("ada", Role::Owner),
    ("bob", Role::Editor),
    ("cy", Role::Editor),
    ("vic", Role::Viewer),
];

fn user(i: u8) -> UserRef {
    let (id, _) = USERS[usize::from(i) % USERS.len()];
    UserRef {
        id: id.to_string(),
        name: id.to_uppercase(),
    }
}

const STATUSES: [TaskStatus; 3] = [TaskStatus::Todo, TaskStatus::InProgress, TaskStatus::Done];

/// One change, with its targets as indexes into the board as it is when the batch starts.
#[derive(Debug, Clone)]
enum Op {
    CreateTask {
        user: u8,
        column: u8,
        by_status: bool,
    },
    Move {
        user: u8,
        task: u8,
        column: u8,
        position: u8,
        force: bool,
        versioned: bool,
    },
    SetStatus {
        user: u8,
        task: u8,
        status: u8,
    },
    DeleteTask {
        user: u8,
        task: u8,
    },
    ReorderTasks {
        user: u8,
        seed: u64,
    },
    AddColumn {
        user: u8,
        category: u8,
        position: u8,
        wip: Option<u8>,
    },
    EditColumn {
        user: u8,
        column: u8,
        wip: Option<Option<u8>>,
        category: Option<u8>,
    },
    DeleteColumn {
        user: u8,
        column: u8,
        move_to: u8,
    },
    ReorderColumns {
        user: u8,
        seed: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let u = 0u8..4;
    prop_oneof![
        4 => (u.clone(), any::<u8>(), any::<bool>())
            .prop_map(|(user, column, by_status)| Op::CreateTask { user, column, by_status }),
        6 => (u.clone(), any::<u8>(), any::<u8>(), 0u8..8, any::<bool>(), any::<bool>())
            .prop_map(|(user, task, column, position, force, versioned)| Op::Move {
                user, task, column, position, force, versioned
            }),
        2 => (u.clone(), any::<u8>(), 0u8..3)
            .prop_map(|(user, task, status)| Op::SetStatus { user, task, status }),
        1 => (u.clone(), any::<u8>()).prop_map(|(user, task)| Op::DeleteTask { user, task }),
        1 => (u.clone(), any::<u64>()).prop_map(|(user, seed)| Op::ReorderTasks { user, seed }),
        2 => (u.clone(), 0u8..3, 0u8..8, proptest::option::of(1u8..4))
            .prop_map(|(user, category, position, wip)| Op::AddColumn { user, category, position, wip }),
        2 => (u.clone(), any::<u8>(), proptest::option::of(proptest::option::of(1u8..4)), proptest::option::of(0u8..3))
            .prop_map(|(user, column, wip, category)| Op::EditColumn { user, column, wip, category }),
        1 => (u.clone(), any::<u8>(), any::<u8>())
            .prop_map(|(user, column, move_to)| Op::DeleteColumn { user, column, move_to }),
        1 => (u, any::<u64>()).prop_map(|(user, seed)| Op::ReorderColumns { user, seed }),
    ]
}

/// The board as the database holds it: columns and tasks as their wire JSON.
#[derive(Debug, Clone, PartialEq)]
struct Board {
    /// In position order.
    columns: Vec<Value>,
    /// By task id.
    tasks: HashMap<String, Value>,
}

async fn board_in_db(plan: &str) -> Board {
    let plan = plan.to_string();
    shared()
        .db
        .read(move |c| -> Result<Board, ApiError> {
            let columns = db::columns::list(c, &plan)?;
            let tasks = db::tasks::list(c, &plan)?;
            Ok(Board {
                columns: columns
                    .iter()
                    .map(|x| serde_json::to_value(x).unwrap())
                    .collect(),
                tasks: tasks
                    .iter()
                    .map(|t| (t.id.clone(), serde_json::to_value(t).unwrap()))
                    .collect(),
            })
        })
        .await
        .expect("board")
}

async fn events_of(plan: &str) -> Vec<Value> {
    let plan = plan.to_string();
    shared()
        .db
        .read(move |c| -> Result<Vec<Value>, ApiError> {
            Ok(db::events::after(c, &plan, 0, i64::MAX)?
                .into_iter()
                .map(|e| serde_json::from_str(&e.payload).unwrap())
                .collect())
        })
        .await
        .expect("events")
}

// ---- the replay rules (docs/protocol.md, "Replaying the board") ----------------------

fn pos(v: &Value) -> i64 {
    v["position"].as_i64().unwrap()
}

/// Takes a task out of its place: the tasks after it in its column move up one.
fn take_out(board: &mut Board, id: &str) {
    let Some(old) = board.tasks.remove(id) else {
        return;
    };
    for t in board.tasks.values_mut() {
        if t["columnId"] == old["columnId"] && pos(t) > pos(&old) {
            t["position"] = Value::from(pos(t) - 1);
        }
    }
}

/// Puts a task at its place: the tasks at or after it in its column move down one.
fn put_in(board: &mut Board, task: &Value) {
    for t in board.tasks.values_mut() {
        if t["columnId"] == task["columnId"] && pos(t) >= pos(task) {
            t["position"] = Value::from(pos(t) + 1);
        }
    }
    board
        .tasks
        .insert(task["id"].as_str().unwrap().to_string(), task.clone());
}

fn replay(start: Board, events: &[Value]) -> Board {
    let mut board = start;
    for e in events {
        let data = &e["data"];
        match e["type"].as_str().unwrap() {
            "task-created" | "task-updated" | "task-moved" => {
                take_out(&mut board, data["task"]["id"].as_str().unwrap());
                put_in(&mut board, &data["task"]);
            }
            "task-deleted" => take_out(&mut board, data["taskId"].as_str().unwrap()),
            "task-reordered" => {
                let mut next: HashMap<String, i64> = HashMap::new();
                for id in data["taskIds"].as_array().unwrap() {
                    let t = board.tasks.get_mut(id.as_str().unwrap()).unwrap();
                    let slot = next
                        .entry(t["columnId"].as_str().unwrap().to_string())
                        .or_insert(0);
                    t["position"] = Value::from(*slot);
                    *slot += 1;
                }
            }
            "column-created" => {
                let column = &data["column"];
                for c in &mut board.columns {
                    if pos(c) >= pos(column) {
                        c["position"] = Value::from(pos(c) + 1);
                    }
                }
                board.columns.push(column.clone());
            }
            "column-updated" => {
                let column = &data["column"];
                let c = board
                    .columns
                    .iter_mut()
                    .find(|c| c["id"] == column["id"])
                    .unwrap();
                let position = c["position"].clone();
                *c = column.clone();
                c["position"] = position;
            }
            "column-deleted" => {
                let at = board
                    .columns
                    .iter()
                    .position(|c| c["id"] == data["columnId"])
                    .unwrap();
                let gone = board.columns.remove(at);
                for c in &mut board.columns {
                    if pos(c) > pos(&gone) {
                        c["position"] = Value::from(pos(c) - 1);
                    }
                }
            }
            "columns-reordered" => {
                for (i, id) in data["columnIds"].as_array().unwrap().iter().enumerate() {
                    let c = board.columns.iter_mut().find(|c| &c["id"] == id).unwrap();
                    c["position"] = Value::from(i as i64);
                }
            }
            _ => {}
        }
        board.columns.sort_by_key(pos);
    }
    board
}

fn check_invariants(board: &Board) -> Result<(), TestCaseError> {
    let positions: Vec<i64> = board.columns.iter().map(pos).collect();
    prop_assert_eq!(
        positions,
        (0..board.columns.len() as i64).collect::<Vec<_>>()
    );
    for column in &board.columns {
        let mut in_it: Vec<&Value> = board
            .tasks
            .values()
            .filter(|t| t["columnId"] == column["id"])
            .collect();
        in_it.sort_by_key(|t| pos(t));
        let positions: Vec<i64> = in_it.iter().map(|t| pos(t)).collect();
        prop_assert_eq!(
            &positions,
            &(0..in_it.len() as i64).collect::<Vec<_>>(),
            "column {}",
            column["name"]
        );
        for t in in_it {
            prop_assert_eq!(&t["status"], &column["category"]);
        }
    }
    for t in board.tasks.values() {
        prop_assert!(
            board.columns.iter().any(|c| c["id"] == t["columnId"]),
            "task in no column: {}",
            t
        );
    }
    for category in ["todo", "in_progress", "done"] {
        prop_assert!(
            board.columns.iter().any(|c| c["category"] == category),
            "no {} column",
            category
        );
    }
    Ok(())
}

/// A change may be refused (a full column, the last column of a category, a stale
/// version, a viewer, a target gone meanwhile), never fail on our side.
fn acceptable(result: Result<(), ApiError>) -> Result<(), TestCaseError> {
    match result {
        Ok(()) => Ok(()),
        Err(ApiError::Internal(e)) => Err(TestCaseError::fail(format!("internal error: {e}"))),
        Err(ApiError::Unavailable(e)) => Err(TestCaseError::fail(format!("unavailable: {e}"))),
        Err(_) => Ok(()),
    }
}

fn pick<T: Clone>(list: &[T], i: impl Into<u64>) -> Option<T> {
    if list.is_empty() {
        None
    } else {
        Some(list[(i.into() % list.len() as u64) as usize].clone())
    }
}

fn shuffled<T: Clone>(list: &[T], mut seed: u64) -> Vec<T> {
    let mut out = list.to_vec();
    for i in (1..out.len()).rev() {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.swap(i, (seed >> 33) as usize % (i + 1));
    }
    out
}

/// Runs one change in its own transaction, as its REST handler would.
async fn run(plan: String, board: Board, op: Op) -> Result<(), ApiError> {
    let mut columns: Vec<Value> = board.columns.clone();
    columns.sort_by_key(pos);
    let column_ids: Vec<String> = columns
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let mut task_list: Vec<&Value> = board.tasks.values().collect();
    task_list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let tasks: Vec<(String, i64)> = task_list
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["version"].as_i64().unwrap(),
            )
        })
        .collect();
    let db = &shared().db;
    match op {
        Op::CreateTask {
            user: u,
            column,
            by_status,
        } => {
            let column = pick(&columns, column).unwrap();
            let input = NewTask {
                title: "t".into(),
                description: None,
                status: by_status
                    .then(|| serde_json::from_value(column["category"].clone()).unwrap()),
                assignee_id: None,
                due_at: None,
                column_id: (!by_status).then(|| column["id"].as_str().unwrap().to_string()),
                priority: None,
                labels: None,
                force: false,
                sprint_id: None,
            };
            db.write(move |c| tasks::create(c, &user(u), &plan, input, 10_000).map(|_| ()))
                .await
        }
        Op::Move {
            user: u,
            task,
            column,
            position,
            force,
            versioned,
        } => {
            let Some((id, version)) = pick(&tasks, task) else {
                return Ok(());
            };
            let input = Move {
                column_id: pick(&column_ids, column).unwrap(),
                position: i64::from(position),
                version: None,
                force,
            };
            let expected = versioned.then_some(version);
            db.write(move |c| tasks::move_task(c, &user(u), &id, input, expected).map(|_| ()))
                .await
        }
        Op::SetStatus {
            user: u,
            task,
            status,
        } => {
            let Some((id, _)) = pick(&tasks, task) else {
                return Ok(());
            };
            let patch = TaskPatch {
                status: Some(STATUSES[usize::from(status)]),
                ..TaskPatch::default()
            };
            db.write(move |c| tasks::update(c, &user(u), &id, patch, None).map(|_| ()))
                .await
        }
        Op::DeleteTask { user: u, task } => {
            let Some((id, _)) = pick(&tasks, task) else {
                return Ok(());
            };
            db.write(move |c| tasks::delete(c, &user(u), &id).map(|_| ()))
                .await
        }
        Op::ReorderTasks { user: u, seed } => {
            let ids: Vec<String> = shuffled(&tasks, seed)
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            db.write(move |c| {
                tasks::reorder(c, &user(u), &plan, Reorder { task_ids: ids }).map(|_| ())
            })
            .await
        }
        Op::AddColumn {
            user: u,
            category,
            position,
            wip,
        } => {
            let input = NewColumn {
                name: "c".into(),
                category: STATUSES[usize::from(category)],
                position: Some(i64::from(position)),
                wip_limit: wip.map(i64::from),
            };
            db.write(move |c| columns::create(c, &user(u), &plan, input).map(|_| ()))
                .await
        }
        Op::EditColumn {
            user: u,
            column,
            wip,
            category,
        } => {
            let id = pick(&column_ids, column).unwrap();
            let patch = ColumnPatch {
                name: None,
                wip_limit: wip.map(|w| w.map(i64::from)),
                category: category.map(|k| STATUSES[usize::from(k)]),
            };
            db.write(move |c| columns::update(c, &user(u), &id, patch).map(|_| ()))
                .await
        }
        Op::DeleteColumn {
            user: u,
            column,
            move_to,
        } => {
            let id = pick(&column_ids, column).unwrap();
            let target = pick(&column_ids, move_to);
            db.write(move |c| columns::delete(c, &user(u), &id, target).map(|_| ()))
                .await
        }
        Op::ReorderColumns { user: u, seed } => {
            let order = ColumnOrder {
                column_ids: shuffled(&column_ids, seed),
            };
            db.write(move |c| columns::reorder(c, &user(u), &plan, order).map(|_| ()))
                .await
        }
    }
}

async fn new_plan() -> String {
    let db = &shared().db;
    let plan = db
        .write(|c| {
            plans::create(
                c,
                &user(0),
                NewPlan {
                    title: "Board".into(),
                    description: None,
                },
                1_000_000,
            )
        })
        .await
        .expect("plan")
        .value
        .id;
    for (id, role) in USERS.iter().skip(1) {
        let (plan, id, role) = (plan.clone(), id.to_string(), *role);
        db.write(move |c| {
            members::put(
                c,
                &user(0),
                &plan,
                &id,
                MemberInput {
                    role,
                    name: Some(id.to_uppercase()),
                },
                1_000,
            )
        })
        .await
        .expect("member");
    }
    plan
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), ..ProptestConfig::default() })]

    #[test]
    fn random_concurrent_moves_and_column_changes_keep_the_board_dense_and_replayable(
        seeded in prop::collection::vec(0u8..3, 0..10),
        batches in prop::collection::vec(prop::collection::vec(op(), 1..5), 1..16)
    ) {
        let shared = shared();
        shared.runtime.block_on(async {
            let plan = new_plan().await;
            let start = board_in_db(&plan).await;
            // A few tasks to move about (their events are part of the log replayed).
            for column in seeded {
                let board = board_in_db(&plan).await;
                let op = Op::CreateTask { user: 1, column, by_status: false };
                acceptable(run(plan.clone(), board, op).await)?;
            }
            for batch in batches {
                let board = board_in_db(&plan).await;
                let runs = batch.into_iter().map(|op| run(plan.clone(), board.clone(), op));
                for result in futures_util::future::join_all(runs).await {
                    acceptable(result)?;
                }
                let now = board_in_db(&plan).await;
                check_invariants(&now)?;
                let replayed = replay(start.clone(), &events_of(&plan).await);
                prop_assert_eq!(&replayed.columns, &now.columns);
                prop_assert_eq!(&replayed.tasks, &now.tasks);
            }
            Ok(())
        })?;
    }
}

// ---- the migration -------------------------------------------------------------------

/// Rows as the schema before the board model held them: a plan whose five tasks have
/// board-wide positions, and a plan without tasks.
const OLD_ROWS: &str = "
INSERT INTO users (id, name, email, created_at, updated_at) VALUES
    ('ada', 'Ada', NULL, '2026-11-20 10:00:00', '2026-11-20 10:00:00');
INSERT INTO plans (id, title, description, owner_id, seq, created_at, updated_at, deleted_at) VALUES
    ('p1', 'Old board', NULL, 'ada', 7, '2026-11-20 10:00:00', '2026-11-20 10:00:00', NULL),
    ('p2', 'Empty', NULL, 'ada', 0, '2026-11-21 10:00:00', '2026-11-21 10:00:00', NULL);
INSERT INTO plan_members (plan_id, user_id, role, created_at) VALUES
    ('p1', 'ada', 'owner', '2026-11-20 10:00:00'),
    ('p2', 'ada', 'owner', '2026-11-21 10:00:00');
INSERT INTO tasks (id, plan_id, title, description, status, assignee_id, due_at, position,
                   version, created_by, created_at, updated_at) VALUES
    ('a', 'p1', 'A', NULL, 'todo', NULL, NULL, 0, 1, 'ada', '2026-11-20 10:00:01', '2026-11-20 10:00:01'),
    ('b', 'p1', 'B', NULL, 'done', NULL, NULL, 1, 3, 'ada', '2026-11-20 10:00:02', '2026-11-20 10:00:02'),
    ('c', 'p1', 'C', NULL, 'todo', NULL, NULL, 2, 1, 'ada', '2026-11-20 10:00:03', '2026-11-20 10:00:03'),
    ('d', 'p1', 'D', NULL, 'in_progress', NULL, NULL, 3, 2, 'ada', '2026-11-20 10:00:04', '2026-11-20 10:00:04'),
    ('e', 'p1', 'E', NULL, 'todo', NULL, NULL, 4, 1, 'ada', '2026-11-20 10:00:05', '2026-11-20 10:00:05');
";

/// The migrations before the board model, then [`OLD_ROWS`].
fn old_database<C>(conn: &mut C)
where
    C: diesel::Connection + diesel_migrations::MigrationHarness<C::Backend>,
{
    for _ in 0..2 {
        conn.run_next_migration(db::MIGRATIONS)
            .expect("an old migration");
    }
    let applied = conn.applied_migrations().expect("applied");
    assert_eq!(applied.len(), 2, "{applied:?}");
    conn.batch_execute(OLD_ROWS).expect("old rows");
}

#[test]
fn the_migration_gives_old_plans_their_columns_and_places_their_tasks_by_status_in_order() {
    use diesel::Connection;
    let (_database, url) = TestDatabase::from_env("liveplan_migration", "old.db");
    if let Some(path) = url.strip_prefix("sqlite://") {
        old_database(&mut diesel::SqliteConnection::establish(path).expect("sqlite"));
    } else {
        old_database(&mut diesel::PgConnection::establish(&url).expect("postgres"));
    }
    // Opening the database runs the board model's migration.
    let db = Database::connect(&url, 2).expect("migrated");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (columns, tasks, empty) = runtime
        .block_on(db.read(|c| -> Result<_, ApiError> {
            Ok((
                db::columns::list(c, "p1")?,
                db::tasks::list(c, "p1")?,
                db::columns::list(c, "p2")?,
            ))
        }))
        .expect("read");

    let summary: Vec<(String, String, i64, String)> = columns
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                c.name.clone(),
                c.position,
                c.category.as_str().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "p1:todo".to_string(),
                "To do".to_string(),
                0,
                "todo".to_string()
            ),
            (
                "p1:in_progress".to_string(),
                "In progress".to_string(),
                1,
                "in_progress".to_string()
            ),
            (
                "p1:done".to_string(),
                "Done".to_string(),
                2,
                "done".to_string()
            ),
        ]
    );
    assert_eq!(empty.len(), 3);
    let placed: Vec<(&str, &str, i64, i64)> = tasks
        .iter()
        .map(|t| (t.id.as_str(), t.column_id.as_str(), t.position, t.version))
        .collect();
    assert_eq!(
        placed,
        vec![
            ("a", "p1:todo", 0, 1),
            ("c", "p1:todo", 1, 1),
            ("e", "p1:todo", 2, 1),
            ("d", "p1:in_progress", 0, 2),
            ("b", "p1:done", 0, 3),
        ]
    );
    for t in &tasks {
        assert_eq!(t.priority, liveplan::model::Priority::Medium);
        assert!(t.labels.is_empty() && t.sprint_id.is_none());
    }
}
