//! The JSON shapes of the contract's resources, events and errors, checked exactly (every
//! key, no extra one), shared by the REST and the event tests.

use serde_json::Value;

use crate::helpers::Answer;

/// The object's keys, sorted.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("expected a JSON object, got {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

/// The object has exactly these keys.
pub fn assert_keys(v: &Value, expected: &[&str]) {
    let mut e: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    e.sort();
    assert_eq!(keys(v), e, "keys of {v}");
}

/// An RFC 3339 UTC timestamp ending in `Z`.
pub fn assert_utc(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("expected a timestamp string, got {v}"));
    assert!(s.ends_with('Z'), "not UTC with Z: {s}");
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("not RFC 3339: {s}: {e}"));
}

pub const PLAN_KEYS: &[&str] = &[
    "id",
    "title",
    "description",
    "ownerId",
    "createdAt",
    "updatedAt",
    "archivedAt",
];
pub const TASK_KEYS: &[&str] = &[
    "id",
    "planId",
    "title",
    "description",
    "status",
    "assigneeId",
    "dueAt",
    "position",
    "version",
    "createdBy",
    "createdAt",
    "updatedAt",
    "columnId",
    "priority",
    "labels",
    "sprintId",
];
pub const COLUMN_KEYS: &[&str] = &["id", "planId", "name", "position", "wipLimit", "category"];
pub const MEMBER_KEYS: &[&str] = &["planId", "userId", "name", "role"];
pub const COMMENT_KEYS: &[&str] = &["id", "taskId", "authorId", "body", "createdAt", "updatedAt"];
pub const EVENT_KEYS: &[&str] = &["type", "planId", "seq", "data", "actor", "timestamp"];

pub fn assert_plan_shape(p: &Value) {
    assert_keys(p, PLAN_KEYS);
    assert!(p["id"].is_string(), "{p}");
    assert_utc(&p["createdAt"]);
    assert_utc(&p["updatedAt"]);
}

pub fn assert_task_shape(t: &Value) {
    assert_keys(t, TASK_KEYS);
    assert!(t["id"].is_string(), "{t}");
    assert!(t["version"].is_i64(), "{t}");
    assert!(t["position"].is_i64(), "{t}");
    assert_utc(&t["createdAt"]);
    assert_utc(&t["updatedAt"]);
}

/// Exactly `{"error": {"code", "message"}}` (plus `current` for a 409 `conflict`) with
/// this status and code; returns the message.
pub fn assert_error(a: &Answer, status: u16, code: &str) -> String {
    assert_eq!(a.status, status, "status; body {}", a.body);
    if code == "conflict" {
        assert_keys(&a.body, &["error", "current"]);
    } else {
        assert_keys(&a.body, &["error"]);
    }
    assert_keys(&a.body["error"], &["code", "message"]);
    assert_eq!(a.body["error"]["code"], code, "{}", a.body);
    let message = a.body["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("message is a string: {}", a.body))
        .to_string();
    assert!(!message.is_empty(), "{}", a.body);
    message
}

/// 400 `bad_request` whose message names `field`.
pub fn assert_bad_field(a: &Answer, field: &str) {
    let message = assert_error(a, 400, "bad_request");
    assert!(
        message.contains(field),
        "the message {message:?} should name `{field}`"
    );
}
