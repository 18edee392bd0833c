//! `GET /api/plans/{planId}/tasks` with filters and cursor paging (contract §6.1): the
//! plain array without parameters, each filter and their combinations, paging a board of
//! several columns while it changes, limits, bad input, and who may read.

use serde_json::{json, Value};

use crate::common::http;
use crate::helpers::*;
use crate::shapes::*;

/// `text` percent-encoded for a query string (everything but letters and digits).
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn list(app: &TestApp, plan: &str, token: &str, query: &str) -> Answer {
    app.get(&format!("/api/plans/{plan}/tasks?{query}"), token)
        .await
}

/// A page answer: exactly `{tasks, nextCursor}`; its tasks' titles and its cursor.
fn page_of(a: &Answer) -> (Vec<String>, Option<String>) {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_keys(&a.body, &["tasks", "nextCursor"]);
    let titles = a.body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert_task_shape(t);
            t["title"].as_str().unwrap().to_string()
        })
        .collect();
    let cursor = match &a.body["nextCursor"] {
        Value::Null => None,
        Value::String(c) => Some(c.clone()),
        other => panic!("nextCursor {other}"),
    };
    (titles, cursor)
}

/// The titles of one filtered page (asserting it is the last one).
async fn titles(app: &TestApp, plan: &str, token: &str, query: &str) -> Vec<String> {
    let (titles, cursor) = page_of(&list(app, plan, token, query).await);
    assert_eq!(cursor, None, "{query}: one page");
    titles
}

/// Every page of `query` (which must not hold a cursor): the titles, and how many pages.
async fn all_pages(app: &TestApp, plan: &str, token: &str, query: &str) -> (Vec<String>, usize) {
    pages_from(app, plan, token, query, None).await
}

/// The pages of `query` from `cursor` on (from the start without one) to the last.
async fn pages_from(
    app: &TestApp,
    plan: &str,
    token: &str,
    query: &str,
    mut cursor: Option<String>,
) -> (Vec<String>, usize) {
    let (mut all, mut pages) = (Vec::new(), 0);
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&cursor={c}"),
            None => query.to_string(),
        };
        let (titles, next) = page_of(&list(app, plan, token, &q).await);
        all.extend(titles);
        pages += 1;
        match next {
            Some(c) => cursor = Some(c),
            None => return (all, pages),
        }
        assert!(pages < 1000, "paging does not end");
    }
}

/// Creates a task with `body` (its `title` required) as `user`.
async fn task(app: &TestApp, plan: &str, user: &str, body: Value) -> Value {
    let a = app
        .post(&format!("/api/plans/{plan}/tasks"), &app.token(user), body)
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
}

fn id(task: &Value) -> String {
    task["id"].as_str().unwrap().to_string()
}

/// The plain list's titles, in board order.
async fn board(app: &TestApp, plan: &str, token: &str) -> Vec<String> {
    let a = app.get(&format!("/api/plans/{plan}/tasks"), token).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
        .as_array()
        .unwrap_or_else(|| panic!("a plain array: {}", a.body))
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

/// Adds a sprint row to `plan` and puts `tasks` in it. (Straight into the database: the
/// sprint routes are another change.)
async fn sprint_with(app: &TestApp, plan: &str, sprint: &str, tasks: Vec<String>) {
    use diesel::prelude::*;
    use liveplan::db::schema::{sprints, tasks as task_rows};
    use liveplan::db::DbError;
    let (plan, sprint) = (plan.to_string(), sprint.to_string());
    let now = chrono::Utc::now().naive_utc();
    app.state
        .db
        .write(move |c| -> Result<(), DbError> {
            diesel::insert_into(sprints::table)
                .values((
                    sprints::id.eq(&sprint),
                    sprints::plan_id.eq(&plan),
                    sprints::name.eq("Sprint"),
                    sprints::status.eq("planned"),
                    sprints::created_at.eq(now),
                    sprints::updated_at.eq(now),
                ))
                .execute(c)?;
            diesel::update(task_rows::table.filter(task_rows::id.eq_any(&tasks)))
                .set(task_rows::sprint_id.eq(Some(&sprint)))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// The plain array.

#[actix_web::test]
async fn without_parameters_the_list_is_the_plain_array_byte_for_byte_as_before() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    task(&app, &plan, "ada", json!({ "title": "A", "labels": ["x"] })).await;
    task(
        &app,
        &plan,
        "ada",
        json!({ "title": "B", "status": "done" }),
    )
    .await;
    task(
        &app,
        &plan,
        "ada",
        json!({ "title": "C", "priority": "high" }),
    )
    .await;

    // What the route answered before filters existed: `Json(db::tasks::list(..))`.
    let plan_id = plan.clone();
    let before: Vec<liveplan::model::Task> = app
        .state
        .db
        .read(move |c| liveplan::db::tasks::list(c, &plan_id))
        .await
        .unwrap();
    let expected = serde_json::to_vec(&before).unwrap();
    for query in ["", "?", "?_=1700000000", "?columnid=x&Label=y"] {
        let mut resp = http::client(WAIT)
            .get(format!("{}/api/plans/{plan}/tasks{query}", app.base))
            .bearer_auth(app.token("ada"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{query}");
        let content_type = resp.headers().get("content-type").unwrap();
        assert_eq!(content_type.to_str().unwrap(), "application/json");
        let body = resp.body().await.unwrap();
        assert_eq!(
            String::from_utf8_lossy(&body),
            String::from_utf8_lossy(&expected),
            "{query}"
        );
    }
    assert_eq!(board(&app, &plan, &app.token("ada")).await, ["A", "C", "B"]);
}

// ---------------------------------------------------------------------------------------
// Each filter, and filters together.

#[actix_web::test]
async fn each_filter_narrows_the_list_and_filters_combine() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    app.add_member(&plan, "ada", "bob", "editor").await;
    let ada = app.token("ada");
    let review = app
        .post(
            &format!("/api/plans/{plan}/columns"),
            &ada,
            json!({ "name": "Review", "category": "in_progress", "position": 2 }),
        )
        .await;
    assert_eq!(review.status, 201, "{}", review.body);
    let review = review.body["id"].as_str().unwrap().to_string();
    let todo = format!("{plan}:todo");

    let t1 = task(
        &app,
        &plan,
        "ada",
        json!({ "title": "Fix login", "description": "The OAuth redirect loops", "assigneeId": "bob",
                "priority": "high", "labels": ["bug", "auth"] }),
    )
    .await;
    task(
        &app,
        &plan,
        "ada",
        json!({ "title": "Write docs", "labels": ["docs"], "columnId": review }),
    )
    .await;
    let t3 = task(
        &app,
        &plan,
        "ada",
        json!({ "title": "Login page copy", "assigneeId": "bob", "priority": "low",
                "labels": ["Bug"], "columnId": review }),
    )
    .await;
    task(
        &app,
        &plan,
        "ada",
        json!({ "title": "Ship it", "status": "done", "priority": "high", "labels": ["bugfix"] }),
    )
    .await;
    task(
        &app,
        &plan,
        "ada",
        json!({ "title": "Backlog idea", "description": null, "assigneeId": "ada" }),
    )
    .await;
    assert_eq!(
        board(&app, &plan, &ada).await,
        [
            "Fix login",
            "Backlog idea",
            "Write docs",
            "Login page copy",
            "Ship it"
        ]
    );
    sprint_with(&app, &plan, "sprint-1", vec![id(&t1), id(&t3)]).await;

    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("columnId={}", enc(&review)),
            vec!["Write docs", "Login page copy"],
        ),
        (
            format!("columnId={}", enc(&todo)),
            vec!["Fix login", "Backlog idea"],
        ),
        (
            "assigneeId=bob".into(),
            vec!["Fix login", "Login page copy"],
        ),
        ("assigneeId=nobody".into(), vec![]),
        (
            "sprintId=sprint-1".into(),
            vec!["Fix login", "Login page copy"],
        ),
        (
            "sprintId=none".into(),
            vec!["Backlog idea", "Write docs", "Ship it"],
        ),
        // Labels match whole and with their case: not `Bug`, not `bugfix`.
        ("label=bug".into(), vec!["Fix login"]),
        ("label=Bug".into(), vec!["Login page copy"]),
        ("label=bu".into(), vec![]),
        (format!("label={}", enc(" docs ")), vec!["Write docs"]),
        ("priority=high".into(), vec!["Fix login", "Ship it"]),
        ("priority=medium".into(), vec!["Backlog idea", "Write docs"]),
        ("priority=urgent".into(), vec![]),
        // `q`: title or description, any case.
        ("q=login".into(), vec!["Fix login", "Login page copy"]),
        ("q=OAUTH".into(), vec!["Fix login"]),
        // "Write" holds "it" too.
        ("q=it".into(), vec!["Write docs", "Ship it"]),
        (
            "q=".into(),
            vec![
                "Fix login",
                "Backlog idea",
                "Write docs",
                "Login page copy",
                "Ship it",
            ],
        ),
        // Together: AND.
        ("assigneeId=bob&priority=high".into(), vec!["Fix login"]),
        (
            "label=bug&q=login&sprintId=sprint-1&priority=high".into(),
            vec!["Fix login"],
        ),
        (
            format!("columnId={}&assigneeId=bob&sprintId=sprint-1", enc(&review)),
            vec!["Login page copy"],
        ),
        ("sprintId=none&priority=high".into(), vec!["Ship it"]),
        ("label=bug&priority=low".into(), vec![]),
        (
            "limit=500".into(),
            vec![
                "Fix login",
                "Backlog idea",
                "Write docs",
                "Login page copy",
                "Ship it",
            ],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(titles(&app, &plan, &ada, &query).await, expected, "{query}");
    }
}

#[actix_web::test]
async fn q_matches_its_wildcards_and_backslashes_as_plain_characters() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    let ada = app.token("ada");
    for (title, description) in [
        ("50% off", None),
        ("500 off", None),
        ("snake_case", Some("rename it")),
        ("snakeXcase", None),
        ("C:\\temp", None),
        ("C:temp", Some("no backslash")),
        ("Plain", Some("takes 100%_ of the time")),
        ("ÄRGER im Büro", None),
    ] {
        task(
            &app,
            &plan,
            "ada",
            json!({ "title": title, "description": description }),
        )
        .await;
    }
    let cases: &[(&str, &[&str])] = &[
        ("%", &["50% off", "Plain"]),
        ("0%", &["50% off", "Plain"]),
        ("_", &["snake_case", "Plain"]),
        ("e_c", &["snake_case"]),
        ("%_", &["Plain"]),
        ("\\", &["C:\\temp"]),
        (":\\t", &["C:\\temp"]),
        ("büro", &["ÄRGER im Büro"]),
        ("Rename IT", &["snake_case"]),
        ("%%", &[]),
    ];
    for (q, expected) in cases {
        let got = titles(&app, &plan, &ada, &format!("q={}", enc(q))).await;
        assert_eq!(&got, expected, "q={q:?}");
    }
}

#[actix_web::test]
async fn a_label_matches_only_a_whole_label_whatever_characters_it_holds() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    let ada = app.token("ada");
    let tricky = [
        ("Quote", vec!["say \"hi\"", "x"]),
        ("Comma", vec!["a,b", "c"]),
        ("Lead comma", vec![",c"]),
        ("Trail comma", vec!["q,"]),
        ("Brackets", vec!["[x]", "]"]),
        ("Backslash", vec!["C:\\", "\\"]),
        ("Pair", vec!["q,", ",r"]),
        ("Percent", vec!["100%", "_"]),
    ];
    for (title, labels) in &tricky {
        task(
            &app,
            &plan,
            "ada",
            json!({ "title": title, "labels": labels }),
        )
        .await;
    }
    let cases: &[(&str, &[&str])] = &[
        ("say \"hi\"", &["Quote"]),
        ("\"hi\"", &[]),
        ("a,b", &["Comma"]),
        ("a", &[]),
        ("b", &[]),
        ("c", &["Comma"]),
        (",c", &["Lead comma"]),
        (",", &[]),
        ("q,", &["Trail comma", "Pair"]),
        (",r", &["Pair"]),
        ("\",\"", &[]),
        ("[x]", &["Brackets"]),
        ("]", &["Brackets"]),
        ("x", &["Quote"]),
        ("C:\\", &["Backslash"]),
        ("\\", &["Backslash"]),
        ("100%", &["Percent"]),
        ("%", &[]),
        ("_", &["Percent"]),
    ];
    for (label, expected) in cases {
        let got = titles(&app, &plan, &ada, &format!("label={}", enc(label))).await;
        assert_eq!(&got, expected, "label={label:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Paging.

/// A board of five columns holding `n` tasks, dealt round-robin (task i in column i % 5),
/// with every third one `high`; answers the plan.
async fn big_board(app: &TestApp, n: usize) -> String {
    let plan = app.create_plan("ada", "Big").await;
    let ada = app.token("ada");
    for (name, category, position) in [("Icebox", "todo", 0), ("Review", "in_progress", 3)] {
        let body = json!({ "name": name, "category": category, "position": position });
        let a = app
            .post(&format!("/api/plans/{plan}/columns"), &ada, body)
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let columns: Vec<String> = app
        .get(&format!("/api/plans/{plan}/columns"), &ada)
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(columns.len(), 5);
    for i in 0..n {
        let priority = if i % 3 == 0 { "high" } else { "low" };
        let body = json!({ "title": format!("T{i:03}"), "columnId": columns[i % 5], "priority": priority });
        task(app, &plan, "ada", body).await;
    }
    plan
}

#[actix_web::test]
async fn paging_through_260_tasks_in_five_columns_gives_each_once_in_board_order() {
    let app = spawn_app().await;
    let plan = big_board(&app, 260).await;
    let ada = app.token("ada");
    let everything = board(&app, &plan, &ada).await;
    assert_eq!(everything.len(), 260);
    // Board order is by column first: the column of T000 (Icebox is first) holds 52.
    assert_eq!(&everything[..2], ["T000", "T005"]);

    let (paged, pages) = all_pages(&app, &plan, &ada, "limit=100").await;
    assert_eq!(pages, 3);
    assert_eq!(paged, everything);

    // The default page is 100; the last page has no cursor.
    let first = list(&app, &plan, &ada, "priority=low").await;
    let (tasks, cursor) = page_of(&first);
    assert_eq!(tasks.len(), 100);
    let cursor = cursor.expect("a next page");
    let second = list(&app, &plan, &ada, &format!("priority=low&cursor={cursor}")).await;
    let (rest, end) = page_of(&second);
    assert_eq!((rest.len(), end), (73, None));

    // Filtered paging in small pages: the same tasks as the plain list, filtered.
    let high: Vec<String> = everything
        .iter()
        .filter(|t| t[1..].parse::<usize>().unwrap() % 3 == 0)
        .cloned()
        .collect();
    let (paged, pages) = all_pages(&app, &plan, &ada, "priority=high&limit=7").await;
    assert_eq!(paged, high);
    assert_eq!(pages, high.len().div_ceil(7));

    // A page that ends exactly at the end has no cursor.
    let (all, pages) = all_pages(&app, &plan, &ada, "limit=260").await;
    assert_eq!((all.len(), pages), (260, 1));
    let (all, pages) = all_pages(&app, &plan, &ada, "limit=130").await;
    assert_eq!((all.len(), pages), (260, 2));
}

#[actix_web::test]
async fn a_cursor_neither_skips_nor_repeats_tasks_that_stayed_while_the_board_changed() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    let ada = app.token("ada");
    let (todo, doing, done) = (
        format!("{plan}:todo"),
        format!("{plan}:in_progress"),
        format!("{plan}:done"),
    );
    let mut ids = std::collections::HashMap::new();
    for (prefix, column) in [("a", &todo), ("b", &doing), ("c", &done)] {
        for i in 0..6 {
            let title = format!("{prefix}{i}");
            let t = task(
                &app,
                &plan,
                "ada",
                json!({ "title": title, "columnId": column }),
            )
            .await;
            ids.insert(title, id(&t));
        }
    }
    let url = |title: &str| format!("/api/tasks/{}", ids[title]);

    // Page 1 ends inside the first column, at a3.
    let (page1, cursor) = page_of(&list(&app, &plan, &ada, "limit=4").await);
    assert_eq!(page1, ["a0", "a1", "a2", "a3"]);
    let cursor = cursor.unwrap();

    // Meanwhile: tasks before the cursor go (a0 deleted, a1 moved to the last column), a
    // new task lands at the end of the first column, one in the middle column moves to
    // its front.
    assert_eq!(app.delete(&url("a0"), &ada).await.status, 204);
    let moved = app
        .post(
            &format!("{}/move", url("a1")),
            &ada,
            json!({ "columnId": done, "position": 99 }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    task(
        &app,
        &plan,
        "ada",
        json!({ "title": "a6", "columnId": todo }),
    )
    .await;
    let moved = app
        .post(
            &format!("{}/move", url("b4")),
            &ada,
            json!({ "columnId": doing, "position": 0 }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);

    // Page 2 starts right after a3, though a3 is now at position 1.
    let (page2, cursor) =
        page_of(&list(&app, &plan, &ada, &format!("limit=4&cursor={cursor}")).await);
    assert_eq!(page2, ["a4", "a5", "a6", "b4"]);

    // The anchor itself leaves: page 3 starts at the place b4 had (b0 took it).
    assert_eq!(app.delete(&url("b4"), &ada).await.status, 204);
    let (page3, cursor) = page_of(
        &list(
            &app,
            &plan,
            &ada,
            &format!("limit=4&cursor={}", cursor.unwrap()),
        )
        .await,
    );
    assert_eq!(page3, ["b0", "b1", "b2", "b3"]);

    // A column before the cursor is reordered after it: its tasks come again (they moved),
    // the others neither skip nor repeat; a1 shows once, at its new place.
    let order = json!({ "columnIds": [doing, todo, done] });
    let reordered = app
        .post(&format!("/api/plans/{plan}/columns/reorder"), &ada, order)
        .await;
    assert_eq!(reordered.status, 200, "{}", reordered.body);
    let (rest, _) = pages_from(&app, &plan, &ada, "limit=4", cursor).await;
    assert_eq!(
        rest,
        ["b5", "a2", "a3", "a4", "a5", "a6", "c0", "c1", "c2", "c3", "c4", "c5", "a1"]
    );
}

#[actix_web::test]
async fn a_cursor_whose_column_was_deleted_goes_on_with_the_column_that_took_its_place() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    let ada = app.token("ada");
    let review = app
        .post(
            &format!("/api/plans/{plan}/columns"),
            &ada,
            json!({ "name": "Review", "category": "in_progress", "position": 1 }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (title, column) in [
        ("t0", format!("{plan}:todo")),
        ("r0", review.clone()),
        ("r1", review.clone()),
        ("p0", format!("{plan}:in_progress")),
        ("d0", format!("{plan}:done")),
    ] {
        task(
            &app,
            &plan,
            "ada",
            json!({ "title": title, "columnId": column }),
        )
        .await;
    }
    let (page1, cursor) = page_of(&list(&app, &plan, &ada, "limit=2").await);
    assert_eq!(page1, ["t0", "r0"]);
    let done = format!("{plan}:done");
    let deleted = app
        .delete(
            &format!("/api/columns/{review}?moveTo={}", enc(&done)),
            &ada,
        )
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let (rest, _) = pages_from(&app, &plan, &ada, "limit=10", cursor).await;
    // r0 and r1 moved to the end of Done: r0 shows again there, r1 once.
    assert_eq!(rest, ["p0", "d0", "r0", "r1"]);
}

// ---------------------------------------------------------------------------------------
// Bad input, 404s, who may read.

#[actix_web::test]
async fn bad_parameters_are_400s_that_name_the_parameter() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    let ada = app.token("ada");
    task(&app, &plan, "ada", json!({ "title": "A" })).await;
    let long_q = format!("q={}", "q".repeat(201));
    let long_label = format!("label={}", "l".repeat(41));
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=", "limit"),
        ("priority=HIGH", "priority"),
        ("priority=", "priority"),
        ("columnId=a%20b", "columnId"),
        ("columnId=", "columnId"),
        ("assigneeId=%2F", "assigneeId"),
        ("sprintId=", "sprintId"),
        ("label=", "label"),
        ("label=%20%20", "label"),
        (long_label.as_str(), "label"),
        (long_q.as_str(), "q"),
        ("cursor=", "cursor"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=%E2%9C%93", "cursor"),
        ("label=a&label=b", "label"),
        ("limit=5&limit=5", "limit"),
    ] {
        let a = list(&app, &plan, &ada, query).await;
        assert_bad_field(&a, field);
        assert!(
            assert_error(&a, 400, "bad_request").starts_with(&format!("{field}: ")),
            "{query}: {}",
            a.body
        );
    }
    // A cursor of another plan.
    let other = app.create_plan("ada", "Other").await;
    task(&app, &other, "ada", json!({ "title": "X" })).await;
    task(&app, &other, "ada", json!({ "title": "Y" })).await;
    let (_, cursor) = page_of(&list(&app, &other, &ada, "limit=1").await);
    let foreign = list(&app, &plan, &ada, &format!("cursor={}", cursor.unwrap())).await;
    assert_bad_field(&foreign, "cursor");
}

#[actix_web::test]
async fn columns_and_sprints_of_another_plan_are_as_missing_as_unknown_ones() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    let other = app.create_plan("ada", "Other").await;
    let ada = app.token("ada");
    sprint_with(&app, &other, "their-sprint", vec![]).await;
    sprint_with(&app, &plan, "our-sprint", vec![]).await;
    for (query, message) in [
        (
            format!("columnId={}", enc(&format!("{other}:todo"))),
            "column not found",
        ),
        ("columnId=nope".to_string(), "column not found"),
        ("sprintId=their-sprint".to_string(), "sprint not found"),
        ("sprintId=nope".to_string(), "sprint not found"),
    ] {
        let a = list(&app, &plan, &ada, &query).await;
        assert_eq!(assert_error(&a, 404, "not_found"), message, "{query}");
    }
    assert_eq!(
        titles(&app, &plan, &ada, "sprintId=our-sprint").await,
        Vec::<String>::new()
    );
}

#[actix_web::test]
async fn viewers_can_filter_and_strangers_get_the_plans_404() {
    let app = spawn_app().await;
    let plan = app.create_plan("ada", "Board").await;
    app.add_member(&plan, "ada", "carol", "viewer").await;
    task(&app, &plan, "ada", json!({ "title": "A", "labels": ["x"] })).await;
    task(&app, &plan, "ada", json!({ "title": "B" })).await;
    let carol = app.token("carol");
    assert_eq!(titles(&app, &plan, &carol, "label=x").await, ["A"]);
    let (first, cursor) = page_of(&list(&app, &plan, &carol, "limit=1").await);
    assert_eq!(first, ["A"]);
    let next = format!("limit=1&cursor={}", cursor.unwrap());
    assert_eq!(page_of(&list(&app, &plan, &carol, &next).await).0, ["B"]);

    let eve = app.token("eve");
    for query in ["label=x", "limit=1", &next, "columnId=nope"] {
        let a = list(&app, &plan, &eve, query).await;
        assert_eq!(
            assert_error(&a, 404, "not_found"),
            "plan not found",
            "{query}"
        );
    }
    let missing = list(&app, "no-such-plan", &carol, "limit=1").await;
    assert_eq!(assert_error(&missing, 404, "not_found"), "plan not found");
    let anonymous = app
        .request(
            "GET",
            &format!("/api/plans/{plan}/tasks?limit=1"),
            None,
            None,
            &[],
        )
        .await;
    assert_error(&anonymous, 401, "unauthorized");
}
