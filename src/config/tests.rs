use super::*;

#[test]
fn a_bad_number_names_its_variable() {
    let args = ServeArgs {
        heartbeat_ms: Some("soon".into()),
        ..Default::default()
    };
    let err = Settings::from_args(&args)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("LIVEPLAN_HEARTBEAT_MS"), "{err}");
}

#[test]
fn dev_mode_refuses_a_public_bind_address() {
    let args = ServeArgs {
        bind: Some("0.0.0.0:8080".into()),
        ..Default::default()
    };
    let err = Settings::from_args(&args).err().map(|e| e.variable);
    assert_eq!(err, Some("LIVEPLAN_BIND"));
}

#[test]
fn the_secret_never_shows_in_debug_output() {
    let args = ServeArgs {
        auth: AuthArgs {
            jwt_secret: Some("a-very-secret-value-that-is-long-enough-123".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let printed = format!("{args:?}");
    assert!(!printed.contains("a-very-secret-value"), "{printed}");
    assert!(printed.contains("[redacted]"), "{printed}");
}

#[test]
fn a_short_secret_is_refused() {
    let args = ServeArgs {
        auth: AuthArgs {
            jwt_secret: Some("short".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let err = Settings::from_args(&args).err().map(|e| e.variable);
    assert_eq!(err, Some("LIVEPLAN_JWT_SECRET"));
}

#[test]
fn origins_are_exact_and_a_path_or_wildcard_is_refused() {
    let parse = |v: &str| parse_origins(&Some(v.to_string()));
    assert_eq!(
        parse(" https://App.example.com , http://localhost:3000").ok(),
        Some(Some(vec![
            "https://app.example.com".to_string(),
            "http://localhost:3000".to_string()
        ]))
    );
    for bad in [
        "app.example.com",
        "https://a.example/",
        "https://*.example",
        ",",
    ] {
        let err = parse(bad).err().map(|e| e.variable);
        assert_eq!(err, Some("LIVEPLAN_ALLOWED_ORIGINS"), "{bad}");
    }
}

#[test]
fn durations_read_units() {
    assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
    assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
    assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
    assert_eq!(parse_duration("1y"), None);
}

const TABLE_START: &str = "<!-- config-table:start -->\n";
const TABLE_END: &str = "<!-- config-table:end -->";

/// README.md with the text between its `config-table` markers replaced by `table`.
fn with_table(readme: &str, table: &str) -> Option<String> {
    let start = readme.find(TABLE_START)? + TABLE_START.len();
    let end = start + readme[start..].find(TABLE_END)?;
    Some(format!("{}{table}{}", &readme[..start], &readme[end..]))
}

#[test]
fn the_readme_configuration_table_is_the_generated_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap_or_default();
    let generated = with_table(&readme, &markdown_table());
    assert!(
        generated.is_some(),
        "README.md lacks the config-table markers"
    );
    if std::env::var_os("LIVEPLAN_WRITE_README").is_some() {
        let written = generated.as_ref().map(|text| std::fs::write(path, text));
        assert!(matches!(written, Some(Ok(()))), "{written:?}");
    } else {
        assert!(
            generated.as_deref() == Some(readme.as_str()),
            "README.md's configuration table differs from the one generated from \
             src/config/args.rs; rewrite it with \
             `LIVEPLAN_WRITE_README=1 cargo test --lib config::tests::the_readme`"
        );
    }
}

#[test]
fn every_default_reads_and_gives_the_settings_the_table_states() {
    let settings = Settings::from_args(&ServeArgs::default());
    let Ok(s) = settings else {
        panic!("{settings:?}");
    };
    assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(s.database_url.expose(), DEFAULT_DATABASE_URL);
    assert_eq!(s.db_pool_size, 16);
    assert_eq!(
        (s.heartbeat, s.client_timeout),
        (Duration::from_secs(30), Duration::from_secs(75))
    );
    assert_eq!(s.max_message_bytes, 64 * 1024);
    assert_eq!(s.allowed_origins, None);
    assert_eq!(
        s.ws_rate,
        RateLimit {
            burst: 40,
            per_sec: 10
        }
    );
    assert_eq!(s.caps.members_per_plan, 5000);
    assert_eq!(s.outbound.max_bytes, 1024 * 1024);
    assert_eq!(s.retention.keep_for, Duration::from_secs(7 * 86_400));
    assert_eq!(s.reminders.before, Duration::from_secs(3600));
    assert!(s.auth.is_dev());
    assert_eq!(s.auth.leeway, Duration::from_secs(5));
}

#[test]
fn the_client_timeout_follows_the_heartbeat_and_must_exceed_it() {
    let args = |heartbeat: &str, timeout: Option<&str>| ServeArgs {
        heartbeat_ms: Some(heartbeat.into()),
        client_timeout_ms: timeout.map(String::from),
        ..Default::default()
    };
    let timeout = Settings::from_args(&args("101", None)).map(|s| s.client_timeout);
    assert_eq!(timeout.ok(), Some(Duration::from_millis(252)));
    let err = Settings::from_args(&args("1000", Some("1000")))
        .err()
        .map(|e| e.variable);
    assert_eq!(err, Some("LIVEPLAN_CLIENT_TIMEOUT_MS"));
}

#[test]
fn each_kind_of_bad_value_is_refused_naming_its_variable() {
    type Change = fn(&mut ServeArgs);
    let cases: [(Change, &str); 4] = [
        (
            |a| a.max_outbound_bytes = Some(" 12 ".into()),
            "LIVEPLAN_MAX_OUTBOUND_BYTES: 12 is outside 1024..=1073741824",
        ),
        (
            |a| a.event_retention_age = Some("soon".into()),
            "LIVEPLAN_EVENT_RETENTION_AGE: \"soon\" is not a duration such as 90s, 15m, 1h or 7d",
        ),
        (
            |a| a.bind = Some("localhost".into()),
            "LIVEPLAN_BIND: \"localhost\" is not an IP:port address",
        ),
        (
            |a| a.auth.jwt_algorithm = Some("none".into()),
            "LIVEPLAN_JWT_ALGORITHM: \"NONE\" is not one of HS256, RS256, ES256",
        ),
    ];
    for (set, problem) in cases {
        let mut args = ServeArgs::default();
        set(&mut args);
        let err = Settings::from_args(&args).err().map(|e| e.to_string());
        assert_eq!(err, Some(format!("configuration error: {problem}")));
    }
}

#[test]
fn an_empty_secret_is_a_short_secret_not_dev_mode() {
    let args = AuthArgs {
        jwt_secret: Some(String::new()),
        ..Default::default()
    };
    let err = AuthSettings::from_args(&args).err().map(|e| e.variable);
    assert_eq!(err, Some("LIVEPLAN_JWT_SECRET"));
}

#[test]
fn the_database_password_never_shows_in_debug_output() {
    let url = "postgres://ada:s3cret-pw@db.example:5432/liveplan";
    let args = ServeArgs {
        database_url: Some(url.into()),
        auth: AuthArgs {
            jwt_secret: Some("a-very-secret-value-that-is-long-enough-123".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let settings = Settings::from_args(&args);
    let printed = format!("{args:?} {settings:?}");
    assert!(settings.is_ok(), "{printed}");
    assert!(!printed.contains("s3cret-pw"), "{printed}");
    assert!(!printed.contains("a-very-secret-value"), "{printed}");
    assert!(
        printed.contains("postgres://ada:***@db.example:5432/liveplan"),
        "{printed}"
    );
}
