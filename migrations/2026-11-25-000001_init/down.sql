DROP TABLE server_settings;
DROP TABLE plan_events;
DROP TABLE comments;
DROP TABLE tasks;
DROP TABLE plan_members;
DROP TABLE plans;
DROP TABLE users;
