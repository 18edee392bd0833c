//! [`StartupError`]: why `liveplan serve` or `liveplan token` could not start (or, for
//! `serve`, why the server stopped with an error). Not client-facing: `main` prints it
//! and exits with status 2. Each message names the variable or flag to fix where there
//! is one; the cause, where there is one, is its `source()`.

use std::net::SocketAddr;

use crate::config::ConfigError;
use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is malformed, or settings contradict each other.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The JWT public key file is not a usable PEM key of the configured kind.
    #[error("LIVEPLAN_JWT_PUBLIC_KEY_FILE: not a usable PEM public key")]
    Key(#[source] jsonwebtoken::errors::Error),
    /// The configured keys do not fit together (the configuration should have refused).
    #[error("token keys: {0}")]
    Keys(&'static str),
    /// The listen address cannot be taken (in use, not ours, no permission).
    #[error("LIVEPLAN_BIND: cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// The database cannot be opened or migrated. The text never holds the URL's password.
    // (The text of `db::SetupError` with the URL's password scrubbed out, hence a `String`.)
    #[error("DATABASE_URL: {0}")]
    Database(String),
    /// The dev-mode secret cannot be read from or stored in the database.
    #[error("dev-mode secret")]
    DevSecret(#[source] ApiError),
    /// The Prometheus metrics cannot be registered.
    #[error("metrics")]
    Metrics(#[from] prometheus::Error),
    /// A start-up step run on the blocking thread pool panicked.
    #[error("a start-up task failed")]
    Task(#[from] actix_web::rt::task::JoinError),
    /// The HTTP server cannot serve on its listener, or failed while running.
    #[error("HTTP server")]
    Server(#[source] std::io::Error),
    /// A `liveplan token` flag has a value it cannot use.
    #[error("{flag}: {problem}")]
    Usage {
        flag: &'static str,
        problem: &'static str,
    },
    /// `liveplan token` with a public key configured: only the identity provider can sign.
    #[error(
        "a public key is configured: tokens come from your identity provider, \
         liveplan cannot sign them"
    )]
    CannotSign,
    /// Signing the token failed.
    #[error("token signing")]
    Signing(#[source] ApiError),
}

impl StartupError {
    /// The message and every cause after it, `: `-separated, on one line.
    pub fn report(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(error) = cause {
            text.push_str(": ");
            text.push_str(&error.to_string());
            cause = error.source();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_the_variable_then_every_cause_on_one_line() {
        let bind = StartupError::Bind {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            source: std::io::Error::new(std::io::ErrorKind::AddrInUse, "address in use"),
        };
        assert_eq!(
            bind.report(),
            "LIVEPLAN_BIND: cannot listen on 127.0.0.1:8080: address in use"
        );
        let config = StartupError::from(ConfigError {
            variable: "LIVEPLAN_WORKERS",
            problem: "0 is outside 1..=1024".into(),
        });
        assert_eq!(
            config.report(),
            "configuration error: LIVEPLAN_WORKERS: 0 is outside 1..=1024"
        );
    }
}
