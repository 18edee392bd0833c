//! The task list's filters and cursor paging (`GET /api/plans/{planId}/tasks?…`, contract
//! §6.1; docs/protocol.md "Task list: filters and paging").
//!
//! Without any of [`TaskQuery`]'s parameters the route answers the plain array, as it
//! always did ([`TaskList::All`]); with one of them, a [`TaskPage`] `{tasks, nextCursor}`.
//!
//! # The cursor
//!
//! Positions change under a reader's feet (a move or delete shifts every task after it in
//! its column), so a cursor of bare positions would skip or repeat tasks that never moved.
//! A [`Cursor`] names the last task of the page (its *anchor*) and, as a fallback, where
//! that task was: its column, the column's position and its own position. The next page
//! starts right after the anchor **where the anchor is now**: tasks in a column keep their
//! relative order however others come and go, so no task that stayed in its column is
//! skipped or repeated, whatever was created, moved or deleted meanwhile. When the anchor
//! itself has left its column (moved or deleted), the page starts at the place it had in
//! that column (the task behind it has moved up into it), or at the start of the column
//! that now has the old column's position when that column is gone. Columns are taken in
//! their order at the time of each page: a column reorder while paging moves the tasks of
//! the columns that change sides, like any other move. A task that moves while a client
//! pages shows up once if its new place is after the cursor, and not at all if it is
//! before (the client has the WebSocket's `task-moved` for it).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::board::{column_in_plan, MAX_LABEL};
use crate::db::tasks::{BoardKey, TaskFilter};
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::model::{Priority, Role, Task};
use crate::validate;

/// A page's size when `limit` is not given, and the largest `limit` accepted.
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 500;
/// The longest `q`, in characters (a task's title is at most 200).
pub const MAX_QUERY: usize = 200;
/// The longest `cursor` accepted; the server's are far shorter.
const MAX_CURSOR: usize = 1024;

/// `sprintId=none`: the backlog, the tasks of no sprint.
pub const BACKLOG: &str = "none";

/// The query parameters of the task list, as given. Any of them (even empty) turns the
/// answer into a [`TaskPage`]; other parameters are ignored.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct TaskQuery {
    /// Only the tasks of this column (404 when it is not one of the plan's).
    #[param(value_type = Option<String>)]
    pub column_id: Option<String>,
    /// Only the tasks assigned to this user.
    #[param(value_type = Option<String>)]
    pub assignee_id: Option<String>,
    /// Only the tasks of this sprint (404 when it is not one of the plan's); `none`: the
    /// backlog (tasks of no sprint).
    #[param(value_type = Option<String>)]
    pub sprint_id: Option<String>,
    /// Only the tasks that have this label (exactly, case included).
    #[param(value_type = Option<String>)]
    pub label: Option<String>,
    /// Only the tasks of this priority.
    #[param(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// Only the tasks whose title or description contains this text, ignoring case
    /// (at most 200 characters).
    #[param(value_type = Option<String>)]
    pub q: Option<String>,
    /// At most this many tasks (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// The `nextCursor` of the page before.
    #[param(value_type = Option<String>)]
    pub cursor: Option<String>,
}

impl TaskQuery {
    /// The parameters out of a query string's `(name, value)` pairs; `None` when none of
    /// them is there. A parameter given twice is a 400 naming it.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Option<TaskQuery>, ApiError> {
        let mut query = TaskQuery::default();
        let mut any = false;
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "columnId" => &mut query.column_id,
                "assigneeId" => &mut query.assignee_id,
                "sprintId" => &mut query.sprint_id,
                "label" => &mut query.label,
                "priority" => &mut query.priority,
                "q" => &mut query.q,
                "limit" => &mut query.limit,
                "cursor" => &mut query.cursor,
                _ => continue,
            };
            if slot.is_some() {
                return Err(ApiError::bad_field(&name, "given more than once"));
            }
            *slot = Some(value);
            any = true;
        }
        Ok(any.then_some(query))
    }

    /// Checks each parameter on its own (the 400s); what needs the database (the plan's
    /// columns and sprints, the cursor's plan) is checked by [`find`].
    pub fn check(self) -> Result<Find, ApiError> {
        let id = |field: &str, value: Option<String>| -> Result<Option<String>, ApiError> {
            if let Some(v) = &value {
                validate::id(field, v)?;
            }
            Ok(value)
        };
        let sprint_id = match self.sprint_id {
            Some(v) if v == BACKLOG => Some(None),
            other => id("sprintId", other)?.map(Some),
        };
        let priority = self
            .priority
            .map(|p| {
                Priority::parse(&p).ok_or_else(|| {
                    ApiError::bad_field("priority", "must be one of low, medium, high, urgent")
                })
            })
            .transpose()?;
        let label = self
            .label
            .map(|l| validate::title("label", &l, MAX_LABEL))
            .transpose()?;
        let text = self.q.map(|q| text_pattern(&q)).transpose()?;
        let limit = match self.limit {
            None => DEFAULT_LIMIT,
            Some(text) => {
                let n: i64 = text
                    .parse()
                    .map_err(|_| ApiError::bad_field("limit", "must be a whole number"))?;
                if !(1..=MAX_LIMIT).contains(&n) {
                    return Err(ApiError::bad_field(
                        "limit",
                        &format!("must be between 1 and {MAX_LIMIT}"),
                    ));
                }
                n
            }
        };
        Ok(Find {
            filter: TaskFilter {
                column_id: id("columnId", self.column_id)?,
                assignee_id: id("assigneeId", self.assignee_id)?,
                sprint_id,
                priority,
                text,
                label,
            },
            limit,
            cursor: self.cursor.as_deref().map(Cursor::decode).transpose()?,
        })
    }
}

/// `q` as a `LIKE` pattern: its `%`, `_` and `\` escaped with `\`, between two `%`.
fn text_pattern(q: &str) -> Result<String, ApiError> {
    if q.chars().count() > MAX_QUERY {
        return Err(ApiError::bad_field(
            "q",
            &format!("must be at most {MAX_QUERY} characters"),
        ));
    }
    let mut pattern = String::with_capacity(q.len() + 2);
    pattern.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Ok(pattern)
}

/// A checked [`TaskQuery`].
#[derive(Debug)]
pub struct Find {
    filter: TaskFilter,
    limit: i64,
    cursor: Option<Cursor>,
}

/// One page of the task list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskPage {
    /// The tasks that pass every filter, in board order: at most `limit`, and rarely
    /// fewer even when more follow (keep paging while `nextCursor` is not null).
    pub tasks: Vec<Task>,
    /// Pass it as `cursor` (with the same filters) for the next page; null on the last.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// What `GET /api/plans/{planId}/tasks` answers: without any of its query parameters, the
/// plain array of every task; with one, a page (`TaskPage`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum TaskList {
    /// No parameter: every task of the plan, in board order.
    All(Vec<Task>),
    /// Any parameter: one page.
    Page(TaskPage),
}

/// A place on a plan's board, handed out as `nextCursor`: the last task of a page (the
/// anchor) and where it was (module doc). On the wire, base64url (no padding) of the JSON
/// array `[1, planId, columnId, columnPosition, position, taskId]`; 1 is the format.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    plan_id: String,
    column_id: String,
    column_position: i64,
    position: i64,
    task_id: String,
}

/// The cursor format written now.
const CURSOR_FORMAT: u8 = 1;

type CursorWire = (u8, String, String, i64, i64, String);

fn bad_cursor() -> ApiError {
    ApiError::bad_field(
        "cursor",
        "is not a cursor of this list; pass a nextCursor back as it came",
    )
}

impl Cursor {
    /// The cursor after `task`, whose column is at `column_position`.
    fn after(task: &Task, column_position: i64) -> Cursor {
        Cursor {
            plan_id: task.plan_id.clone(),
            column_id: task.column_id.clone(),
            column_position,
            position: task.position,
            task_id: task.id.clone(),
        }
    }

    fn encode(&self) -> String {
        let wire: CursorWire = (
            CURSOR_FORMAT,
            self.plan_id.clone(),
            self.column_id.clone(),
            self.column_position,
            self.position,
            self.task_id.clone(),
        );
        // A tuple of strings and numbers always serializes.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&wire).unwrap_or_default())
    }

    fn decode(text: &str) -> Result<Cursor, ApiError> {
        if text.len() > MAX_CURSOR {
            return Err(bad_cursor());
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad_cursor())?;
        let (format, plan_id, column_id, column_position, position, task_id): CursorWire =
            serde_json::from_slice(&bytes).map_err(|_| bad_cursor())?;
        let ids = [&plan_id, &column_id, &task_id];
        if format != CURSOR_FORMAT
            || column_position < 0
            || position < 0
            || !ids.iter().all(|id| validate::is_id(id))
        {
            return Err(bad_cursor());
        }
        Ok(Cursor {
            plan_id,
            column_id,
            column_position,
            position,
            task_id,
        })
    }

    /// Where the next page starts, on the board as it is now (module doc).
    fn resume(&self, conn: &mut DbConnection, plan_id: &str) -> Result<BoardKey, ApiError> {
        if self.plan_id != plan_id {
            return Err(ApiError::bad_field("cursor", "is a cursor of another plan"));
        }
        let column = db::columns::find(conn, &self.column_id)?.filter(|c| c.plan_id == plan_id);
        let Some(column) = column else {
            // The column is gone: from the start of the one that took its place.
            return Ok(BoardKey {
                column_position: self.column_position,
                position: 0,
                task_id: String::new(),
            });
        };
        match db::tasks::find(conn, &self.task_id)? {
            // The anchor is still in its column: right after it, wherever it is now.
            Some(anchor) if anchor.column_id == column.id => Ok(BoardKey {
                column_position: column.position,
                position: anchor.position,
                task_id: anchor.id,
            }),
            // It left: from the place it had, which the task behind it now holds.
            _ => Ok(BoardKey {
                column_position: column.position,
                position: self.position,
                task_id: String::new(),
            }),
        }
    }
}

/// One page of the plan's tasks that pass `find`'s filters, in board order (viewers
/// may read). Runs in one snapshot: the cursor is placed on the board the page is read
/// from.
///
/// The rows are read in one bounded query: at most `limit + 1` (the one more tells
/// whether a next page exists), never the whole plan. Every filter but `label` is exact
/// in SQL; `label`'s SQL condition lets through, rarely, a task that only looks like it has
/// the label (`db::tasks::page`), so the tasks are checked once more here. Such a task
/// still counts as read: the cursor moves past it, so the page may hold fewer than
/// `limit` tasks and still have a `nextCursor`, and no row is read twice.
pub fn find(
    conn: &mut DbConnection,
    user_id: &str,
    plan_id: &str,
    find: Find,
) -> Result<TaskPage, ApiError> {
    super::require_role(conn, plan_id, user_id, Role::Viewer)?;
    let Find {
        filter,
        limit,
        cursor,
    } = find;
    if let Some(column_id) = &filter.column_id {
        column_in_plan(conn, plan_id, column_id, "columnId")?;
    }
    if let Some(Some(sprint_id)) = &filter.sprint_id {
        super::sprints::in_plan(conn, plan_id, sprint_id, "sprintId")?;
    }
    let after = cursor.map(|c| c.resume(conn, plan_id)).transpose()?;
    let mut rows = db::tasks::page(conn, plan_id, &filter, after.as_ref(), limit + 1)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = match rows.last() {
        Some((task, column_position)) if more => {
            Some(Cursor::after(task, *column_position).encode())
        }
        _ => None,
    };
    let tasks = rows
        .into_iter()
        .map(|(task, _)| task)
        .filter(|task| {
            filter
                .label
                .as_ref()
                .is_none_or(|l| task.labels.contains(l))
        })
        .collect();
    Ok(TaskPage { tasks, next_cursor })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Result<Option<TaskQuery>, ApiError> {
        TaskQuery::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn message(err: ApiError) -> String {
        err.public_message()
    }

    #[test]
    fn only_the_lists_own_parameters_ask_for_a_page() {
        assert!(query(&[]).unwrap().is_none());
        assert!(query(&[("_", "123"), ("columnid", "x")]).unwrap().is_none());
        assert!(query(&[("q", "")]).unwrap().is_some());
        let twice = query(&[("label", "a"), ("label", "b")]).unwrap_err();
        assert_eq!(message(twice), "label: given more than once");
    }

    #[test]
    fn q_becomes_a_like_pattern_with_its_wildcards_escaped() {
        assert_eq!(text_pattern("50%_off\\").unwrap(), "%50\\%\\_off\\\\%");
        assert_eq!(text_pattern("").unwrap(), "%%");
        assert!(text_pattern(&"x".repeat(MAX_QUERY)).is_ok());
        assert!(text_pattern(&"x".repeat(MAX_QUERY + 1)).is_err());
    }

    #[test]
    fn a_cursor_survives_its_round_trip_and_a_tampered_one_is_refused() {
        let cursor = Cursor {
            plan_id: "p-1".into(),
            column_id: "p-1:todo".into(),
            column_position: 2,
            position: 41,
            task_id: "9a4c1be7-94a9-4ca0-95eb-f3c07cd87da1".into(),
        };
        let text = cursor.encode();
        assert!(text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(Cursor::decode(&text).unwrap(), cursor);
        for bad in [
            String::new(),
            "!!".to_string(),
            URL_SAFE_NO_PAD.encode(b"[2,\"p\",\"c\",0,0,\"t\"]"),
            URL_SAFE_NO_PAD.encode(b"[1,\"p\",\"c\",-1,0,\"t\"]"),
            URL_SAFE_NO_PAD.encode(b"[1,\"p q\",\"c\",0,0,\"t\"]"),
            URL_SAFE_NO_PAD.encode(b"{\"p\":1}"),
            "A".repeat(MAX_CURSOR + 1),
        ] {
            let err = Cursor::decode(&bad).unwrap_err();
            assert!(message(err).starts_with("cursor: "), "{bad}");
        }
    }

    #[test]
    fn each_parameter_is_checked_and_named() {
        let check =
            |pairs: &[(&str, &str)]| message(query(pairs).unwrap().unwrap().check().unwrap_err());
        assert!(check(&[("limit", "0")]).starts_with("limit: must be between 1 and 500"));
        assert!(check(&[("limit", "501")]).starts_with("limit: "));
        assert!(check(&[("limit", "ten")]).starts_with("limit: "));
        assert!(check(&[("priority", "HIGH")]).starts_with("priority: "));
        assert!(check(&[("columnId", "a b")]).starts_with("columnId: "));
        assert!(check(&[("assigneeId", "")]).starts_with("assigneeId: "));
        assert!(check(&[("sprintId", "x/y")]).starts_with("sprintId: "));
        assert!(check(&[("label", " ")]).starts_with("label: "));
        assert!(check(&[("cursor", "")]).starts_with("cursor: "));
        let backlog = query(&[("sprintId", "none"), ("label", " bug ")])
            .unwrap()
            .unwrap()
            .check()
            .unwrap();
        assert_eq!(backlog.filter.sprint_id, Some(None));
        assert_eq!(backlog.filter.label.as_deref(), Some("bug"));
        assert_eq!(backlog.limit, DEFAULT_LIMIT);
    }
}
