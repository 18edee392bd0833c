//! The real server run in-process, in the test's actix runtime, on port 0 (as
//! `tests/api`, `tests/soak.rs` and `tests/outage.rs` run it).

use liveplan::config::{AuthArgs, ServeArgs, Settings};
use liveplan::startup::Application;

/// Test defaults: 127.0.0.1:0, the HS256 `secret`, two workers, a pool of 8, 50
/// connections per user and generous rate limits, WebSocket upgrades per address included
/// (tests drive bursts far beyond a person's pace, all from 127.0.0.1; the limits have
/// their own tests). The caps on plans, members and tasks keep their defaults. No database
/// URL.
pub fn serve_args(secret: &str) -> ServeArgs {
    ServeArgs {
        bind: Some("127.0.0.1:0".into()),
        workers: Some("2".into()),
        db_pool_size: Some("8".into()),
        max_connections_per_user: Some("50".into()),
        rest_rate_burst: Some("100000".into()),
        rest_rate_per_sec: Some("100000".into()),
        ws_rate_burst: Some("100000".into()),
        ws_rate_per_sec: Some("100000".into()),
        rest_read_rate_burst: Some("100000".into()),
        rest_read_rate_per_sec: Some("100000".into()),
        ws_connect_rate_burst: Some("100000".into()),
        ws_connect_rate_per_sec: Some("100000".into()),
        auth: AuthArgs {
            jwt_secret: Some(secret.into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A server running on the current actix runtime.
pub struct Started {
    pub port: u16,
    // Read by tests/api (`TestApp::state`); outage and soak do not look inside.
    #[allow(dead_code)]
    pub state: actix_web::web::Data<liveplan::state::AppState>,
}

impl Started {
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Builds the application from `args` and spawns it on the current runtime (test logging
/// initialised once).
pub async fn start(args: &ServeArgs) -> Started {
    let _ = env_logger::builder().is_test(true).try_init();
    let settings = Settings::from_args(args).expect("valid test settings");
    let app = Application::build(settings).await.expect("app builds");
    let port = app.port();
    let state = app.state();
    actix_web::rt::spawn(app.run_until_stopped());
    Started { port, state }
}
