//! Diesel table definitions for `migrations/`. Written by hand with portable SQL types only,
//! so the same query code compiles for SQLite and PostgreSQL through [`super::DbConnection`].

diesel::table! {
    users (id) {
        id -> Text,
        name -> Text,
        email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        title -> Text,
        description -> Nullable<Text>,
        owner_id -> Text,
        seq -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    plan_members (plan_id, user_id) {
        plan_id -> Text,
        user_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tasks (id) {
        id -> Text,
        plan_id -> Text,
        title -> Text,
        description -> Nullable<Text>,
        status -> Text,
        assignee_id -> Nullable<Text>,
        due_at -> Nullable<Timestamp>,
        position -> BigInt,
        version -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        column_id -> Text,
        priority -> Text,
        labels -> Text,
        sprint_id -> Nullable<Text>,
    }
}

diesel::table! {
    comments (id) {
        id -> Text,
        task_id -> Text,
        plan_id -> Text,
        author_id -> Text,
        body -> Text,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    columns (id) {
        id -> Text,
        plan_id -> Text,
        name -> Text,
        position -> BigInt,
        wip_limit -> Nullable<BigInt>,
        category -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sprints (id) {
        id -> Text,
        plan_id -> Text,
        name -> Text,
        goal -> Nullable<Text>,
        status -> Text,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        started_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    plan_events (plan_id, seq) {
        plan_id -> Text,
        seq -> BigInt,
        event_type -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    server_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    due_reminders (task_id) {
        task_id -> Text,
        due_at -> Timestamp,
        sent_at -> Timestamp,
    }
}

diesel::joinable!(due_reminders -> tasks (task_id));
diesel::joinable!(plan_members -> users (user_id));
diesel::joinable!(plan_members -> plans (plan_id));
diesel::joinable!(tasks -> plans (plan_id));
diesel::joinable!(comments -> tasks (task_id));
diesel::joinable!(plan_events -> plans (plan_id));
diesel::joinable!(columns -> plans (plan_id));
diesel::joinable!(sprints -> plans (plan_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    plans,
    plan_members,
    tasks,
    comments,
    plan_events,
    server_settings,
    due_reminders,
    columns,
    sprints,
);
