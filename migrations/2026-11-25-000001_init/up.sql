-- One schema for SQLite and PostgreSQL: only portable types (TEXT, BIGINT, TIMESTAMP),
-- text ids minted by the server, no auto-increment columns.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- `seq` is the plan's last event number. Every writer increments it inside its
-- transaction, which also serialises writers per plan (row lock on PostgreSQL, the single
-- writer on SQLite), so seq is gapless and commit order equals seq order.
-- A deleted plan keeps its row (deleted_at set) so its event log stays readable.
CREATE TABLE plans (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    owner_id TEXT NOT NULL REFERENCES users (id),
    seq BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);

CREATE TABLE plan_members (
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, user_id)
);
CREATE INDEX plan_members_by_user ON plan_members (user_id);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    assignee_id TEXT REFERENCES users (id),
    due_at TIMESTAMP,
    position BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tasks_by_plan ON tasks (plan_id, position);

CREATE TABLE comments (
    id TEXT PRIMARY KEY NOT NULL,
    task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    author_id TEXT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_by_task ON comments (task_id, created_at);

-- The per-plan event log. `payload` is the complete event frame as sent on the wire,
-- serialised once at commit and replayed byte for byte.
CREATE TABLE plan_events (
    plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, seq)
);

-- Server-wide settings, e.g. the dev-mode signing secret.
CREATE TABLE server_settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
