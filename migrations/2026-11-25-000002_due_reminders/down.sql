DROP TABLE due_reminders;
