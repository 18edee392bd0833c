-- A due-date reminder was sent for this task, for this due time. A task whose due time
-- changes is reminded again (its row no longer matches).
CREATE TABLE due_reminders (
    task_id TEXT PRIMARY KEY NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    due_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP NOT NULL
);
