//! The real `liveplan serve` binary as a child process, on 127.0.0.1:0: the port is read
//! from its `listening on port N` log line (within 30 s), every line it writes to stderr
//! is kept, and it is SIGKILLed (and reaped) when dropped.
//!
//! [`ServerBuilder`] covers what the tests set: the database (a URL, or a SQLite file in a
//! temp dir the process owns), the JWT secret, `RUST_LOG` (`info` unless told) and any
//! other environment variable.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the binary may take to log its port.
const START_TIMEOUT: Duration = Duration::from_secs(30);

enum Database {
    Url(String),
    /// A SQLite file of this name in a temp dir created at start.
    SqliteInTempDir(String),
}

/// How to start a [`ServerProcess`].
pub struct ServerBuilder {
    database: Database,
    secret: String,
    rust_log: String,
    envs: Vec<(String, String)>,
}

impl ServerBuilder {
    /// `DATABASE_URL=database_url`, `LIVEPLAN_JWT_SECRET=secret`, `RUST_LOG=info`.
    pub fn new(database_url: &str, secret: &str) -> ServerBuilder {
        ServerBuilder {
            database: Database::Url(database_url.to_string()),
            secret: secret.to_string(),
            rust_log: "info".to_string(),
            envs: Vec::new(),
        }
    }

    /// On a SQLite file `file_name` in a fresh temp dir that lives as long as the process.
    // Used by tests/api and shutdown; crash and replay_bound bring their own database.
    #[allow(dead_code)]
    pub fn sqlite_in_temp_dir(file_name: &str, secret: &str) -> ServerBuilder {
        ServerBuilder {
            database: Database::SqliteInTempDir(file_name.to_string()),
            ..ServerBuilder::new("", secret)
        }
    }

    /// `RUST_LOG` (default `info`).
    // Used by tests/api (logs.rs) only.
    #[allow(dead_code)]
    pub fn rust_log(mut self, filter: &str) -> ServerBuilder {
        self.rust_log = filter.to_string();
        self
    }

    /// One more environment variable for the child.
    // Used by tests/crash, replay_bound and shutdown; not by tests/api.
    #[allow(dead_code)]
    pub fn env(mut self, name: &str, value: impl ToString) -> ServerBuilder {
        self.envs.push((name.to_string(), value.to_string()));
        self
    }

    /// Spawns the binary and waits until it logs its port; panics (with everything it
    /// logged) if it does not within 30 s.
    pub fn start(self) -> ServerProcess {
        let (dir, database_url) = match self.database {
            Database::Url(url) => (None, url),
            Database::SqliteInTempDir(file) => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/{file}", dir.path().display());
                (Some(dir), url)
            }
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_liveplan"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", database_url)
            .env("LIVEPLAN_JWT_SECRET", &self.secret)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .env("RUST_LOG", &self.rust_log)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the liveplan binary");
        let stderr = child.stderr.take().expect("the child's stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let collected = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(port) = line.split("listening on port ").nth(1) {
                    let _ = port_tx.send(port.trim().parse::<u16>().expect("a port number"));
                }
                collected.lock().expect("log lines").push(line);
            }
        });
        let Ok(port) = port_rx.recv_timeout(START_TIMEOUT) else {
            let _ = child.kill();
            let _ = child.wait();
            let _ = reader.join();
            panic!(
                "the server did not log its port; it said: {:#?}",
                lines.lock().expect("log lines")
            );
        };
        ServerProcess {
            child,
            port,
            lines,
            reader: Some(reader),
            _dir: dir,
        }
    }
}

/// The `liveplan serve` binary as a child process, with its log lines collected.
pub struct ServerProcess {
    child: Child,
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
    // Dropped after the `Drop` impl below killed the process.
    _dir: Option<tempfile::TempDir>,
}

impl ServerProcess {
    // Used by tests/replay_bound and shutdown; api and crash use `base`.
    #[allow(dead_code)]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id (to read its memory from `/proc`).
    // Used by tests/replay_bound only.
    #[allow(dead_code)]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `http://127.0.0.1:{port}`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The log lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("log lines").clone()
    }

    /// SIGKILL: no shutdown hook, no flush, nothing graceful. Reaps the process and answers
    /// how it ended and everything it logged.
    // Used by tests/api and crash.
    #[allow(dead_code)]
    pub fn kill_9(mut self) -> (ExitStatus, Vec<String>) {
        self.child.kill().expect("SIGKILL the server");
        let status = self.child.wait().expect("reap the server");
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        (status, self.lines())
    }

    /// Sends `kill -{name}` (`TERM`, `INT`, …) to the process.
    // Used by tests/shutdown only.
    #[allow(dead_code)]
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the process to exit, polling; answers its exit code and how long it took.
    /// Panics when it still runs after `limit`.
    // Used by tests/shutdown only.
    #[allow(dead_code)]
    pub fn wait_exit(&mut self, limit: Duration) -> (Option<i32>, Duration) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the server") {
                return (status.code(), started.elapsed());
            }
            assert!(started.elapsed() < limit, "still running after {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The resident memory of process `pid`, in KiB (`VmRSS` in `/proc/PID/status`).
// Used by tests/api (slow.rs) and replay_bound.
#[allow(dead_code)]
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("/proc/PID/status")
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .expect("VmRSS in /proc/PID/status")
}
