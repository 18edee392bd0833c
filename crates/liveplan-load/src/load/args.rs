//! The load tool's command line: the arguments, and the validated run they describe.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use clap::{Args, ValueEnum};

const AFTER_HELP: &str = "\
The server's own limits apply to the tool's users; raise them on the server for a run:
  LIVEPLAN_REST_RATE_BURST / LIVEPLAN_REST_RATE_PER_SEC (default 60 / 20 per user): setup
      adds --clients members as one owner, and in events mode one writer user sends
      --rate mutations per second; 429 answers are waited out (Retry-After) and counted.
  LIVEPLAN_WS_RATE_BURST / LIVEPLAN_WS_RATE_PER_SEC (default 40 / 10 per connection): in
      typing mode ONE connection sends --rate messages per second; over the limit the
      server answers rate_limited errors and closes it 4429.
  LIVEPLAN_WS_CONNECT_RATE_BURST / LIVEPLAN_WS_CONNECT_RATE_PER_SEC (default 20 / 10 per
      source address): all --clients connect from here; over it, HTTP 429.
  LIVEPLAN_MAX_PLANS_PER_CONNECTION (default 50): the writer / typing sender joins every
      one of --plans on one connection. LIVEPLAN_MAX_MEMBERS_PER_PLAN (default 5000):
      setup adds about --clients / --plans members to each plan.
With --plans P the clients are spread round-robin over P plans (Socket.IO: rooms
<room>-<p>); the writer / typing sender is in all of them and spreads --rate over them.
Example (the secret exported once, for both):
  export LIVEPLAN_JWT_SECRET=$(head -c 32 /dev/urandom | base64)
  LIVEPLAN_WS_RATE_BURST=1000000 LIVEPLAN_WS_RATE_PER_SEC=1000000 \\
  LIVEPLAN_REST_RATE_BURST=1000000 LIVEPLAN_REST_RATE_PER_SEC=1000000 \\
  LIVEPLAN_WS_CONNECT_RATE_BURST=1000000 LIVEPLAN_WS_CONNECT_RATE_PER_SEC=1000000 \\
  LIVEPLAN_MAX_PLANS_PER_CONNECTION=100000 LIVEPLAN_MAX_MEMBERS_PER_PLAN=1000000 \\
    liveplan serve --bind 127.0.0.1:8080 & SERVER=$!
  liveplan-load load --url http://127.0.0.1:8080 --clients 1000 --mode events --rate 100 \\
    --duration 10s --server-pid $SERVER
  liveplan-load load --url http://127.0.0.1:8080 --clients 1000 --mode typing --rate 1000 \\
    --duration 10s --server-pid $SERVER
  liveplan-load load --url http://127.0.0.1:8080 --clients 10000 --plans 100 --mode typing \\
    --rate 100 --duration 5s --server-pid $SERVER
Output: one JSON line on stdout (plans, connect_ms, join_ms, sent, deliveries,
deliveries_per_sec, latency_p50/p90/p99/max_ms, lost, out_of_order, errors,
server_rss_before/after_kb), a summary on stderr. lost and out_of_order must be 0. Exit status 0 unless the run could
not be set up.";

/// Which server the tool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// liveplan: JWTs, a plan, `/ws`.
    Liveplan,
    /// A Socket.IO v5 (Engine.IO v4) peer with `join`, `POST /mutate` and `typing`.
    Socketio,
}

/// What load is driven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// REST mutations at the rate; every client receives every event.
    Events,
    /// One extra connection sends `typing` at the rate; every other client receives it.
    Typing,
}

#[derive(Debug, Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct LoadArgs {
    /// The kind of server.
    #[arg(long, value_enum, default_value = "liveplan")]
    pub target: Target,
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The server's HS256 secret (liveplan only), to mint the clients' tokens.
    #[arg(long, env = "LIVEPLAN_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Listening clients (users u0…uN-1, one connection each).
    #[arg(long, default_value_t = 100)]
    pub clients: usize,
    /// Plans (Socket.IO: rooms) the clients are spread over, round-robin: client i joins
    /// plan i % P. The writer / typing sender is in every plan and spreads --rate over
    /// them, round-robin.
    #[arg(long, default_value_t = 1)]
    pub plans: usize,
    /// What to drive.
    #[arg(long, value_enum, default_value = "events")]
    pub mode: Mode,
    /// Mutations (events) or typing messages (typing) per second.
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// How long to drive, e.g. `10s`, `2m`.
    #[arg(long, default_value = "10s")]
    pub duration: String,
    /// How long to keep listening after the last send before counting what was lost.
    #[arg(long, default_value = "2s")]
    pub drain: String,
    /// Threads running the clients, each its own actix system.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Spread the clients' sockets over 127.0.0.1 … 127.0.0.K (one address has ~28k
    /// ephemeral ports). Default ceil(clients / 20000); with 1 the OS picks the address.
    #[arg(long)]
    pub source_ips: Option<usize>,
    /// Mutations in flight at most in events mode (default rate / 5, 4 to 512: the rate
    /// holds while an answer takes under 200 ms).
    #[arg(long)]
    pub writers: Option<usize>,
    /// WebSocket handshakes in flight at once (over all threads).
    #[arg(long, default_value_t = 128)]
    pub connect_concurrency: usize,
    /// The server's process id: its VmRSS is reported before and after.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// The Socket.IO room (default: a fresh `load-<uuid>`).
    #[arg(long)]
    pub room: Option<String>,
}

/// The validated arguments.
pub(super) struct Plan {
    pub(super) args: LoadArgs,
    pub(super) duration: Duration,
    pub(super) drain: Duration,
    pub(super) source_ips: usize,
    pub(super) writers: usize,
    pub(super) total_sends: u64,
}

impl Plan {
    pub(super) fn from_args(args: LoadArgs) -> Result<Plan, String> {
        let duration = parse_duration(&args.duration)
            .filter(|d| !d.is_zero())
            .ok_or("--duration: expected e.g. 10s, 2m")?;
        let drain = parse_duration(&args.drain).ok_or("--drain: expected e.g. 2s")?;
        if args.clients == 0 {
            return Err("--clients: at least 1".into());
        }
        if args.plans == 0 || args.plans > args.clients {
            return Err("--plans: 1 to --clients".into());
        }
        if !(args.rate.is_finite() && args.rate > 0.0) {
            return Err("--rate: a number above 0".into());
        }
        if args.threads == 0 || args.threads > 256 {
            return Err("--threads: 1 to 256".into());
        }
        if args.connect_concurrency == 0 {
            return Err("--connect-concurrency: at least 1".into());
        }
        let source_ips = args.source_ips.unwrap_or(args.clients.div_ceil(20_000));
        if source_ips == 0 || source_ips > 65_000 {
            return Err("--source-ips: 1 to 65000".into());
        }
        if source_ips > 1 && !is_loopback_url(&args.url) {
            return Err(
                "--source-ips above 1 binds 127.0.0.x: the --url must be a loopback address".into(),
            );
        }
        let writers = args
            .writers
            .unwrap_or_else(|| ((args.rate / 5.0).ceil() as usize).clamp(4, 512));
        if writers == 0 {
            return Err("--writers: at least 1".into());
        }
        if args.target == Target::Liveplan && args.jwt_secret.as_deref().is_none_or(str::is_empty) {
            return Err("--jwt-secret (or LIVEPLAN_JWT_SECRET): the server's HS256 secret".into());
        }
        let total_sends = (args.rate * duration.as_secs_f64()).round().max(1.0) as u64;
        Ok(Plan {
            args,
            duration,
            drain,
            source_ips,
            writers,
            total_sends,
        })
    }

    pub(super) fn source_addresses(&self) -> Vec<Option<IpAddr>> {
        if self.source_ips == 1 {
            return vec![None];
        }
        (0..self.source_ips as u32)
            .map(|i| Some(IpAddr::V4(Ipv4Addr::from(0x7f00_0001u32 + i))))
            .collect()
    }
}

/// `90` or `90s`, `15m`, `1h`, `7d` (the server's duration syntax).
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = digits.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

fn is_loopback_url(url: &str) -> bool {
    let Ok(uri) = url.parse::<awc::http::Uri>() else {
        return false;
    };
    match uri.host() {
        Some("localhost") => true,
        Some(host) => host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("1y"), None);
        assert_eq!(parse_duration("s"), None);
    }

    #[test]
    fn loopback_urls() {
        assert!(is_loopback_url("http://127.0.0.1:8080"));
        assert!(is_loopback_url("http://localhost:3000"));
        assert!(!is_loopback_url("http://10.0.0.1:8080"));
    }

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: LoadArgs,
    }

    fn plan(extra: &[&str]) -> Result<Plan, String> {
        use clap::Parser;
        let argv = ["load", "--jwt-secret", "s", "--clients", "10"];
        let cli = Cli::try_parse_from(argv.iter().chain(extra)).map_err(|e| e.to_string())?;
        Plan::from_args(cli.args)
    }

    #[test]
    fn plans_are_validated() {
        assert_eq!(plan(&[]).map(|p| p.args.plans).ok(), Some(1));
        assert_eq!(
            plan(&["--plans", "10"]).map(|p| p.args.plans).ok(),
            Some(10)
        );
        assert!(plan(&["--plans", "0"]).is_err());
        assert!(plan(&["--plans", "11"]).is_err());
    }
}
