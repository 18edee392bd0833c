//! Builds the application from [`Settings`]: database (migrated), token keys, the one
//! [`Registry`], and the HTTP server on its own listener (so port 0 works in tests).

use std::net::TcpListener;
use std::sync::Arc;

use actix::Addr;
use actix_web::dev::Server;
use actix_web::middleware::Logger;
use actix_web::{web, App, HttpServer};

use crate::auth::{self, KnownUsers, TokenIssuer, TokenVerifier};
use crate::config::{DatabaseUrl, Settings};
use crate::db::Database;
use crate::metrics::Metrics;
use crate::rate_limit::{PerSourceLimiter, PerUserLimiter};
use crate::realtime::messages::CloseAllSessions;
use crate::realtime::registry::Registry;
use crate::routes;
use crate::startup_error::StartupError;
use crate::state::AppState;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects and migrates the database, then binds. Must run inside an actix system.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let listener = TcpListener::bind(settings.bind).map_err(|source| StartupError::Bind {
            addr: settings.bind,
            source,
        })?;
        Self::build_on(settings, listener).await
    }

    pub async fn build_on(
        settings: Settings,
        listener: TcpListener,
    ) -> Result<Application, StartupError> {
        let port = listener.local_addr().map_err(StartupError::Server)?.port();
        // The URL's `Display` shows `***` for a password.
        log::info!("opening the database at {}", settings.database_url);
        let db = connect_database(&settings.database_url, settings.db_pool_size).await?;

        let (verifier, dev_issuer) = if settings.auth.is_dev() {
            let secret = auth::dev_secret(&db)
                .await
                .map_err(StartupError::DevSecret)?;
            log::warn!(
                "DEV MODE: no LIVEPLAN_JWT_SECRET or LIVEPLAN_JWT_PUBLIC_KEY_FILE configured. \
                 Tokens are signed with a random secret kept in the database, \
                 POST /api/dev/token hands them to any program on this machine that asks, \
                 and the server only listens on loopback. Never run this way in production."
            );
            let issuer = TokenIssuer::new(
                &secret,
                settings.auth.issuer.clone(),
                settings.auth.audience.clone(),
            );
            (
                TokenVerifier::new(&settings.auth, Some(&secret))?,
                Some(Arc::new(issuer)),
            )
        } else {
            (TokenVerifier::new(&settings.auth, None)?, None)
        };

        crate::retention::start(db.clone(), settings.retention);
        // Started once, here, not in the per-worker factory below: one registry for all.
        let metrics = Arc::new(Metrics::new()?);
        let registry: Addr<Registry> = Registry::launch(
            db.clone(),
            settings.room_idle_timeout,
            settings.max_connections_per_user,
            metrics.clone(),
        );
        crate::reminders::start(db.clone(), registry.clone(), settings.reminders);
        let dev_mode = dev_issuer.is_some();
        let workers = settings.workers;
        // actix counts the grace in whole seconds.
        let grace_secs = settings.shutdown_grace.as_millis().div_ceil(1000) as u64;
        let state = web::Data::new(AppState {
            db,
            registry,
            verifier: Arc::new(verifier),
            dev_issuer,
            users: KnownUsers::default(),
            rest_limiter: PerUserLimiter::new(settings.rest_rate),
            read_limiter: PerUserLimiter::new(settings.rest_read_rate),
            ws_connect_limiter: PerSourceLimiter::new(settings.ws_connect_rate),
            metrics,
            settings: Arc::new(settings),
        });
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(
                    crate::routes::metrics::time_request,
                ))
                // Outermost after the logger: a refused origin never reaches a handler.
                .wrap(actix_web::middleware::from_fn(crate::origin::guard))
                // The whole request line, query included (`since`, `limit` help operators);
                // a `token=` in it is redacted by the logger (see `logging`).
                .wrap(Logger::new("%a \"%r\" %s %b %Dms"))
                .app_data(app_state.clone())
                .configure(|cfg| routes::configure(cfg, dev_mode))
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(crate::error::ApiError::NotFound(
                        "no such route".into(),
                    ))
                }))
        })
        .workers(workers)
        // Signals are ours (`run_until_signalled`): WebSockets get 1001 before the stop.
        .disable_signals()
        .shutdown_timeout(grace_secs)
        .listen(listener)
        .map_err(StartupError::Server)?
        .run();
        log::info!("liveplan listening on port {port}");
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Shared state, for tests that want to look inside (e.g. the registry's counts).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully: stop accepting, tell every
    /// WebSocket `1001 server shutting down`, let in-flight requests finish, and return
    /// within `LIVEPLAN_SHUTDOWN_GRACE_MS`.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let registry = self.state.registry.clone();
        actix_web::rt::spawn(async move {
            let signal = shutdown_signal().await;
            log::info!("{signal}: shutting down gracefully");
            handle.pause().await;
            match registry.send(CloseAllSessions).await {
                Ok(told) => log::info!("told {told} WebSocket connection(s) to close (1001)"),
                Err(e) => log::error!("registry unreachable at shutdown: {e}"),
            }
            handle.stop(true).await;
        });
        let result = self.server.await;
        log::info!("liveplan stopped");
        result
    }
}

/// Opens the database (a pool of `pool_size`) and runs its migrations, on the blocking
/// thread pool. The error never shows the URL's password.
pub async fn connect_database(url: &DatabaseUrl, pool_size: u32) -> Result<Database, StartupError> {
    let owned = url.clone();
    actix_web::rt::task::spawn_blocking(move || Database::connect(owned.expose(), pool_size))
        .await?
        .map_err(|e| StartupError::Database(url.scrub(&e.to_string())))
}

/// Waits for SIGTERM or SIGINT; answers which one came.
async fn shutdown_signal() -> &'static str {
    use actix_web::rt::signal;
    let ctrl_c = Box::pin(async {
        let _ = signal::ctrl_c().await;
        "SIGINT"
    });
    let term = Box::pin(async {
        match signal::unix::signal(signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
                "SIGTERM"
            }
            Err(e) => {
                log::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<&'static str>().await
            }
        }
    });
    futures_util::future::select(ctrl_c, term)
        .await
        .factor_first()
        .0
}
