//! `GET /api/openapi.json`: an OpenAPI 3.1 document that lists exactly the routes the
//! server answers (`liveplan::routes::routes`), and that real answers fit.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::schema::Validator;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The headers whose presence in an answer its documentation must mention.
const DOCUMENTED_HEADERS: &[&str] = &["x-plan-seq", "etag", "retry-after", "www-authenticate"];

async fn document(app: &TestApp) -> Value {
    let a = app
        .request("GET", "/api/openapi.json", None, None, &[])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let content_type = a.headers.get("content-type").map(|v| v.to_str().unwrap());
    assert_eq!(content_type, Some("application/json"));
    a.body
}

/// `(METHOD, path)` of every operation in the document, sorted.
fn documented_routes(doc: &Value) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if METHODS.contains(&method.as_str()) {
                routes.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes.sort();
    routes
}

/// `(METHOD, path)` of every route the server registers, sorted.
fn served_routes(dev_mode: bool) -> Vec<(String, String)> {
    let mut routes: Vec<_> = liveplan::routes::routes(dev_mode)
        .map(|e| (e.method.to_string(), e.path.to_string()))
        .collect();
    routes.sort();
    routes
}

/// Every operation: `(METHOD, path, operation)`.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    documented_routes(doc)
        .into_iter()
        .map(|(method, path)| {
            let op = &doc["paths"][&path][method.to_lowercase()];
            (method, path, op)
        })
        .collect()
}

/// Every `$ref` anywhere in `value`.
fn refs<'v>(value: &'v Value, found: &mut Vec<&'v str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => found.push(r),
                    _ => refs(v, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

/// The names of the parameters of `op` that are `in` there.
fn parameters<'o>(op: &'o Value, place: &str) -> Vec<&'o str> {
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == place)
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

/// Whether the answer `status` of `op` documents `header`.
fn documents_header(op: &Value, status: &str, header: &str) -> bool {
    op["responses"][status]["headers"]
        .as_object()
        .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case(header)))
}

#[actix_web::test]
async fn the_document_lists_exactly_the_routes_served_in_each_mode() {
    for dev_mode in [false, true] {
        let app = spawn_app_with(|a| {
            if dev_mode {
                a.auth.jwt_secret = None;
            }
        })
        .await;
        let doc = document(&app).await;
        let version = doc["openapi"].as_str().expect("openapi");
        assert!(version.starts_with("3.1"), "openapi {version}");
        assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
        let (documented, served) = (documented_routes(&doc), served_routes(dev_mode));
        let undocumented: Vec<_> = served.iter().filter(|r| !documented.contains(r)).collect();
        let unrouted: Vec<_> = documented.iter().filter(|r| !served.contains(r)).collect();
        assert!(
            undocumented.is_empty() && unrouted.is_empty(),
            "dev mode {dev_mode}: routed but not documented (give the handler \
             #[utoipa::path] and list it in ApiDoc's paths): {undocumented:?}; \
             documented but not routed: {unrouted:?}"
        );
    }
}

#[actix_web::test]
async fn every_operation_names_its_parameters_headers_and_security() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (&bearer["type"], &bearer["scheme"]),
        (&json!("http"), &json!("bearer"))
    );
    assert_eq!(doc["security"], json!([{ "bearer": [] }]));

    let tags: Vec<&Value> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["name"])
        .collect();
    let mut ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().expect("operationId");
        assert!(ids.insert(id.to_string()), "operationId {id} twice");
        let tag = &op["tags"][0];
        assert!(
            tags.contains(&tag),
            "{method} {path}: tag {tag} is not in the list"
        );
        // Each `{segment}` of the path is a required path parameter, and nothing else is.
        let segments: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        assert_eq!(parameters(op, "path"), segments, "{method} {path}");
        let public = !path.starts_with("/api/") || op["security"] == json!([{}]);
        if public {
            assert_eq!(
                op["security"],
                json!([{}]),
                "{method} {path} needs no token"
            );
            continue;
        }
        assert!(op["responses"]["401"].is_object(), "{method} {path}: 401");
        if method != "GET" {
            assert!(
                parameters(op, "header").contains(&"X-Connection-Id"),
                "{method} {path}: X-Connection-Id"
            );
            let success = ["200", "201", "204"]
                .into_iter()
                .find(|s| op["responses"][s].is_object())
                .unwrap_or_else(|| panic!("{method} {path}: no success answer"));
            assert!(
                documents_header(op, success, "X-Plan-Seq"),
                "{method} {path}: X-Plan-Seq"
            );
        }
    }
    let public: Vec<String> = operations(&doc)
        .into_iter()
        .filter(|(_, _, op)| op["security"] == json!([{}]))
        .map(|(m, p, _)| format!("{m} {p}"))
        .collect();
    assert_eq!(
        public,
        [
            "GET /api/openapi.json",
            "GET /healthz",
            "GET /metrics",
            "GET /readyz",
            "GET /ws"
        ]
    );
    let snapshot = &doc["paths"]["/api/plans/{planId}"]["get"];
    assert!(documents_header(snapshot, "200", "X-Plan-Seq"));
    let patch = &doc["paths"]["/api/tasks/{taskId}"]["patch"];
    assert_eq!(parameters(patch, "header"), ["If-Match", "X-Connection-Id"]);
    assert!(patch["responses"]["409"].is_object());

    let mut found = Vec::new();
    refs(&doc, &mut found);
    let validator = Validator::new(&doc);
    for r in found {
        validator.resolve(r);
    }
}

/// A test app and its document: each call is checked against what the document says
/// of its route, method and status.
struct Checked {
    app: TestApp,
    doc: Value,
}

/// Who calls: a user's name (their token is minted), or `None` for no token.
type Caller<'a> = Option<&'a str>;
const ADA: Caller = Some("ada");
const BOB: Caller = Some("bob");
const CAROL: Caller = Some("carol");

impl Checked {
    async fn spawn_with(configure: impl FnOnce(&mut liveplan::config::ServeArgs)) -> Checked {
        let app = spawn_app_with(configure).await;
        let doc = document(&app).await;
        Checked { app, doc }
    }

    /// A call without a body.
    async fn bare(&self, method: &str, route: &str, ids: &[&str], caller: Caller<'_>) -> Answer {
        self.call(method, route, ids, caller, None, &[]).await
    }

    async fn send(
        &self,
        method: &str,
        route: &str,
        ids: &[&str],
        caller: Caller<'_>,
        body: Value,
    ) -> Answer {
        self.call(method, route, ids, caller, Some(body), &[]).await
    }

    /// `route` is the documented path (`/api/tasks/{taskId}`, optionally with a query);
    /// `ids` fill its segments in order.
    async fn call(
        &self,
        method: &str,
        route: &str,
        ids: &[&str],
        caller: Caller<'_>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut ids = ids.iter();
        let path: Vec<&str> = route
            .split('/')
            .map(|s| match s.starts_with('{') {
                true => ids.next().expect("an id for each segment"),
                false => s,
            })
            .collect();
        let token = caller.map(|user| self.app.token(user));
        let answer = self
            .app
            .request(method, &path.join("/"), token.as_deref(), body, headers)
            .await;
        let route = route.split('?').next().unwrap_or(route);
        self.assert_documented(method, route, &answer);
        answer
    }

    fn assert_documented(&self, method: &str, route: &str, a: &Answer) {
        let op = &self.doc["paths"][route][method.to_lowercase()];
        assert!(op.is_object(), "{method} {route} is not documented");
        let status = a.status.to_string();
        let response = &op["responses"][&status];
        let what = format!("{method} {route} → {status}");
        assert!(response.is_object(), "{what} is not documented: {}", a.body);
        if a.body.is_null() {
            assert!(
                response["content"].is_null(),
                "{what}: a body is documented"
            );
        } else {
            let schema = &response["content"]["application/json"]["schema"];
            assert!(schema.is_object(), "{what}: no JSON body is documented");
            let problems = Validator::new(&self.doc).problems(schema, &a.body);
            assert!(problems.is_empty(), "{what}: {problems:#?}\n{}", a.body);
        }
        for header in DOCUMENTED_HEADERS {
            if a.headers.contains_key(*header) {
                assert!(documents_header(op, &status, header), "{what}: {header}");
            }
        }
    }
}

const PLANS: &str = "/api/plans";
const PLAN: &str = "/api/plans/{planId}";
const MEMBER: &str = "/api/plans/{planId}/members/{userId}";
const TASKS: &str = "/api/plans/{planId}/tasks";
const TASK: &str = "/api/tasks/{taskId}";
const COMMENTS: &str = "/api/tasks/{taskId}/comments";

#[actix_web::test]
async fn real_answers_fit_the_schema_documented_for_their_status() {
    let c = Checked::spawn_with(|_| {}).await;
    c.bare("GET", "/healthz", &[], None).await;
    c.bare("GET", "/readyz", &[], None).await;

    let plan = c
        .send("POST", PLANS, &[], ADA, json!({ "title": "Launch" }))
        .await;
    assert_eq!(plan.status, 201);
    let p = plan.body["id"].as_str().unwrap();
    c.send("PATCH", PLAN, &[p], ADA, json!({ "description": "Q3" }))
        .await;
    for (user, role) in [("bob", "editor"), ("carol", "viewer")] {
        let body = json!({ "role": role, "name": display_name(user) });
        let a = c.send("PUT", MEMBER, &[p, user], ADA, body).await;
        assert_eq!(a.status, 200);
    }

    let body = json!({ "title": "Write", "assigneeId": "bob", "dueAt": "2030-01-01T10:00:00Z" });
    let full = c.send("POST", TASKS, &[p], BOB, body).await;
    assert!(full.plan_seq.is_some());
    let plain = c
        .send("POST", TASKS, &[p], BOB, json!({ "title": "Ship" }))
        .await;
    assert!(plain.body["dueAt"].is_null(), "{}", plain.body);
    let t1 = full.body["id"].as_str().unwrap();
    let t2 = plain.body["id"].as_str().unwrap();

    let a = c.bare("GET", TASK, &[t1], CAROL).await;
    assert!(a.headers.contains_key("etag"));
    let body = json!({ "status": "in_progress" });
    let (ids, matching) = ([t1], [("If-Match", "\"1\"")]);
    let a = c.call("PATCH", TASK, &ids, BOB, Some(body.clone()), &matching);
    assert_eq!(a.await.status, 200);
    let a = c
        .call("PATCH", TASK, &ids, BOB, Some(body), &matching)
        .await;
    assert_eq!(a.status, 409, "{}", a.body);
    let reorder = "/api/plans/{planId}/tasks/reorder";
    c.send("POST", reorder, &[p], BOB, json!({ "taskIds": [t2, t1] }))
        .await;
    c.send("POST", COMMENTS, &[t1], BOB, json!({ "body": "Draft" }))
        .await;

    let mut socket = c.app.ws("carol").await;
    socket.join(p, None).await;
    for read in [
        PLANS,
        PLAN,
        "/api/plans/{planId}/members",
        TASKS,
        "/api/plans/{planId}/tasks?limit=1",
        "/api/plans/{planId}/tasks?q=nothing",
        "/api/plans/{planId}/progress",
        "/api/plans/{planId}/presence",
        "/api/plans/{planId}/events?since=0",
        "/api/plans/{planId}/events?since=999",
    ] {
        c.bare("GET", read, &[p], CAROL).await;
    }
    c.bare("GET", COMMENTS, &[t1], CAROL).await;

    // Errors: 400, 401, 403, 404, 413 (409 and 410 above).
    c.send("POST", PLANS, &[], ADA, json!({})).await;
    c.bare("GET", PLANS, &[], None).await;
    let a = c
        .send("POST", TASKS, &[p], CAROL, json!({ "title": "x" }))
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(c.bare("GET", PLAN, &["nope"], ADA).await.status, 404);
    let huge = json!({ "title": "x".repeat(300 * 1024) });
    assert_eq!(c.send("POST", PLANS, &[], ADA, huge).await.status, 413);

    c.bare("DELETE", TASK, &[t2], BOB).await;
    c.bare("DELETE", MEMBER, &[p, "bob"], ADA).await;
    assert_eq!(c.bare("DELETE", PLAN, &[p], ADA).await.status, 204);
    socket.close().await;
}

#[actix_web::test]
async fn sprint_answers_fit_the_schema_documented_for_their_status() {
    let c = Checked::spawn_with(|_| {}).await;
    let plan = c
        .send("POST", PLANS, &[], ADA, json!({ "title": "Launch" }))
        .await;
    let p = plan.body["id"].as_str().unwrap();
    let (sprints, sprint) = ("/api/plans/{planId}/sprints", "/api/sprints/{sprintId}");
    let (start, complete) = (
        "/api/sprints/{sprintId}/start",
        "/api/sprints/{sprintId}/complete",
    );
    let body = json!({ "name": "One", "goal": "Beta", "startsAt": "2030-01-06T09:00:00Z" });
    let one = c.send("POST", sprints, &[p], ADA, body).await;
    assert_eq!(one.status, 201, "{}", one.body);
    let s1 = one.body["id"].as_str().unwrap();
    let two = c
        .send("POST", sprints, &[p], ADA, json!({ "name": "Two" }))
        .await;
    let s2 = two.body["id"].as_str().unwrap();
    let body = json!({ "title": "Write", "sprintId": s1 });
    assert_eq!(c.send("POST", TASKS, &[p], ADA, body).await.status, 201);
    c.send(
        "PATCH",
        sprint,
        &[s1],
        ADA,
        json!({ "endsAt": "2030-01-19T17:00:00Z" }),
    )
    .await;
    assert_eq!(c.bare("POST", start, &[s1], ADA).await.status, 200);
    // 409 (another is active), 400, 404.
    assert_eq!(c.bare("POST", start, &[s2], ADA).await.status, 409);
    let a = c
        .send("POST", complete, &[s1], ADA, json!({ "carryOverTo": s1 }))
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(c.bare("POST", start, &["nope"], ADA).await.status, 404);
    let done = c
        .send("POST", complete, &[s1], ADA, json!({ "carryOverTo": s2 }))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    c.bare("GET", sprints, &[p], ADA).await;
    c.bare("GET", PLAN, &[p], ADA).await;
}

#[actix_web::test]
async fn the_dev_token_answer_fits_its_schema() {
    let c = Checked::spawn_with(|a| a.auth.jwt_secret = None).await;
    let body = json!({ "userId": "ada", "name": "Ada" });
    let a = c.send("POST", "/api/dev/token", &[], None, body).await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[actix_web::test]
async fn the_validator_refuses_what_the_schema_does_not_allow() {
    let c = Checked::spawn_with(|_| {}).await;
    let plan = c.app.create_plan("ada", "Launch").await;
    let task = c.app.create_task(&plan, "ada", "Write").await;
    let validator = Validator::new(&c.doc);
    let schema = json!({ "$ref": "#/components/schemas/Task" });
    assert_eq!(validator.problems(&schema, &task), Vec::<String>::new());
    let mut broken = Vec::new();
    for (field, value) in [
        ("status", json!("doing")),
        ("version", json!("1")),
        ("createdAt", json!("yesterday")),
        ("title", Value::Null),
        ("extra", json!(1)),
    ] {
        let mut t = task.clone();
        t[field] = value;
        broken.push(t);
    }
    let mut without = task.clone();
    without.as_object_mut().unwrap().remove("updatedAt");
    broken.push(without);
    for t in broken {
        assert!(!validator.problems(&schema, &t).is_empty(), "accepted {t}");
    }
}

#[actix_web::test]
async fn comment_edits_archive_and_the_409s_of_an_archived_plan_fit_the_schema() {
    let c = Checked::spawn_with(|_| {}).await;
    let plan = c
        .send("POST", PLANS, &[], ADA, json!({ "title": "Launch" }))
        .await;
    let p = plan.body["id"].as_str().unwrap();
    let body = json!({ "role": "editor", "name": "Bob" });
    c.send("PUT", MEMBER, &[p, "bob"], ADA, body).await;
    let task = c
        .send("POST", TASKS, &[p], BOB, json!({ "title": "Write" }))
        .await;
    let t = task.body["id"].as_str().unwrap();
    let comment = c
        .send("POST", COMMENTS, &[t], BOB, json!({ "body": "Draft" }))
        .await;
    let id = comment.body["id"].as_str().unwrap();
    const COMMENT: &str = "/api/comments/{commentId}";
    let edited = c
        .send("PATCH", COMMENT, &[id], BOB, json!({ "body": "Draft 2" }))
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let refused = c
        .send("PATCH", COMMENT, &[id], ADA, json!({ "body": "x" }))
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(c.bare("DELETE", COMMENT, &["nope"], ADA).await.status, 404);
    let second = c
        .send("POST", COMMENTS, &[t], BOB, json!({ "body": "Later" }))
        .await;
    let later = second.body["id"].as_str().unwrap();

    let archived = c
        .bare("POST", "/api/plans/{planId}/archive", &[p], ADA)
        .await;
    assert_eq!(archived.status, 200, "{}", archived.body);
    c.bare("POST", "/api/plans/{planId}/archive", &[p], ADA)
        .await;
    assert_eq!(
        c.bare("GET", "/api/plans?archived=true", &[], ADA)
            .await
            .status,
        200
    );
    assert_eq!(
        c.bare("GET", "/api/plans?archived=no", &[], ADA)
            .await
            .status,
        400
    );
    // One call per kind of 409 answer: `Archived`, `ArchivedOrFull`, `TaskConflict`.
    for a in [
        c.send("PATCH", COMMENT, &[id], BOB, json!({ "body": "x" }))
            .await,
        c.bare("DELETE", COMMENT, &[later], BOB).await,
        c.send("PATCH", PLAN, &[p], ADA, json!({ "title": "x" }))
            .await,
        c.send("POST", TASKS, &[p], BOB, json!({ "title": "x" }))
            .await,
        c.send("PATCH", TASK, &[t], BOB, json!({ "title": "x" }))
            .await,
    ] {
        assert_eq!(a.status, 409, "{}", a.body);
        assert_eq!(a.body["error"]["code"], "archived");
    }
    let restored = c
        .bare("POST", "/api/plans/{planId}/restore", &[p], ADA)
        .await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(c.bare("DELETE", COMMENT, &[later], ADA).await.status, 204);
}
