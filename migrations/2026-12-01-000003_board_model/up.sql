-- The board model (contract §6.1): columns with WIP limits, task priority / labels /
-- sprint, sprints, editable comments, archived plans. Portable SQL (SQLite 3.25+ and
-- PostgreSQL): existing plans get their three default columns and their tasks are placed
-- in them by status, in their current board order.

-- A plan's columns, in `position` order (dense: 0..n-1). `category` is a task status:
-- a task's status is its column's category. The default columns of a plan have the ids
-- `<planId>:todo`, `<planId>:in_progress`, `<planId>:done`.
CREATE TABLE columns (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    wip_limit BIGINT,
    category TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX columns_by_plan ON columns (plan_id, position);

INSERT INTO columns (id, plan_id, name, position, wip_limit, category, created_at, updated_at)
SELECT id || ':todo', id, 'To do', 0, NULL, 'todo', created_at, created_at FROM plans;
INSERT INTO columns (id, plan_id, name, position, wip_limit, category, created_at, updated_at)
SELECT id || ':in_progress', id, 'In progress', 1, NULL, 'in_progress', created_at, created_at FROM plans;
INSERT INTO columns (id, plan_id, name, position, wip_limit, category, created_at, updated_at)
SELECT id || ':done', id, 'Done', 2, NULL, 'done', created_at, created_at FROM plans;

-- Sprints: planned → active → completed; at most one active per plan (checked by the
-- server under the plan's write lock).
CREATE TABLE sprints (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    goal TEXT,
    status TEXT NOT NULL,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sprints_by_plan ON sprints (plan_id, created_at);

-- `position` becomes the place inside the task's column (dense: 0..n-1 per column).
-- `labels` is a JSON array of strings.
ALTER TABLE tasks ADD COLUMN column_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN priority TEXT NOT NULL DEFAULT 'medium';
ALTER TABLE tasks ADD COLUMN labels TEXT NOT NULL DEFAULT '[]';
-- (no foreign key: SQLite cannot drop a column that has one; sprints are never deleted)
ALTER TABLE tasks ADD COLUMN sprint_id TEXT;

UPDATE tasks SET column_id = plan_id || ':' || status;
UPDATE tasks SET position = (
    SELECT ranked.place FROM (
        SELECT id, ROW_NUMBER() OVER (
            PARTITION BY plan_id, status ORDER BY position, created_at, id
        ) - 1 AS place
        FROM tasks
    ) ranked
    WHERE ranked.id = tasks.id
);
CREATE INDEX tasks_by_column ON tasks (column_id, position);
CREATE INDEX tasks_by_sprint ON tasks (sprint_id);

ALTER TABLE comments ADD COLUMN updated_at TIMESTAMP;
ALTER TABLE plans ADD COLUMN archived_at TIMESTAMP;
