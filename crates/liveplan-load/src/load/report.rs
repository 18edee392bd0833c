//! The load tool's measurements: a latency histogram, the error tally, and the output (one
//! JSON line on stdout, a readable summary on stderr).

use std::collections::BTreeMap;

use serde_json::{json, Value};

/// Values below this many microseconds are counted exactly.
const LINEAR: usize = 2048;
/// Sub-buckets per power of two above [`LINEAR`]: at most 0.1 % relative error.
const SUB: usize = 1024;
/// Powers of two above [`LINEAR`] that a `u32` can reach (2^11 … 2^31).
const OCTAVES: usize = 21;

/// A log-linear histogram of latencies in microseconds: fixed size (≈ 190 KB), O(1) to
/// record, mergeable across threads, exact below 2 ms and within 0.1 % above. The maximum
/// is kept exactly.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u32,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; LINEAR + OCTAVES * SUB],
            total: 0,
            max: 0,
        }
    }
}

impl Histogram {
    fn index(v: u32) -> usize {
        let v = v as usize;
        if v < LINEAR {
            return v;
        }
        // The highest set bit is bit 11 or above; keep the 11 bits below and including it.
        let exp = (usize::BITS - 1 - v.leading_zeros()) as usize;
        let shift = exp - 10;
        let mantissa = v >> shift; // in [1024, 2048)
        LINEAR + (shift - 1) * SUB + (mantissa - SUB)
    }

    /// A representative value (the middle) of bucket `i`.
    fn value(i: usize) -> u64 {
        if i < LINEAR {
            return i as u64;
        }
        let j = i - LINEAR;
        let shift = j / SUB + 1;
        let mantissa = (j % SUB + SUB) as u64;
        (mantissa << shift) + ((1u64 << shift) >> 1)
    }

    pub fn record(&mut self, micros: u32) {
        self.counts[Self::index(micros)] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max_micros(&self) -> u32 {
        self.max
    }

    /// The value at quantile `q` (0…1) in microseconds; 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        if rank == self.total {
            return u64::from(self.max);
        }
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::value(i).min(u64::from(self.max));
            }
        }
        u64::from(self.max)
    }
}

/// Errors by kind: a total, and a count per distinct message (at most 32 kinds kept).
#[derive(Debug, Default, Clone)]
pub struct Errors {
    pub total: u64,
    pub kinds: BTreeMap<String, u64>,
}

impl Errors {
    pub fn add(&mut self, message: impl Into<String>) {
        self.total += 1;
        let mut message: String = message.into();
        if message.len() > 160 {
            let mut cut = 160;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        if let Some(n) = self.kinds.get_mut(&message) {
            *n += 1;
        } else if self.kinds.len() < 32 {
            self.kinds.insert(message, 1);
        } else {
            *self.kinds.entry("(other errors)".into()).or_insert(0) += 1;
        }
    }

    pub fn merge(&mut self, other: &Errors) {
        self.total += other.total;
        for (k, n) in &other.kinds {
            *self.kinds.entry(k.clone()).or_insert(0) += n;
        }
    }
}

/// Everything one run measured.
#[derive(Debug, Default)]
pub struct Report {
    pub target: String,
    pub mode: String,
    pub url: String,
    pub clients: usize,
    /// Plans (Socket.IO: rooms) the clients were spread over.
    pub plans: usize,
    pub threads: usize,
    pub source_ips: usize,
    pub rate: f64,
    pub duration_secs: f64,
    /// Writer connections (events) or 1 (typing).
    pub senders: usize,
    pub connected: usize,
    pub joined: usize,
    pub connect_ms: f64,
    pub join_ms: f64,
    /// Mutations answered with a seq (events) or typing messages written (typing).
    pub sent: u64,
    /// How long sending took, from the first scheduled send to the last answer.
    pub send_secs: f64,
    /// Deliveries expected: over the joined clients, what was sent to each one's plan.
    pub expected: u64,
    pub deliveries: u64,
    pub deliveries_in_window: u64,
    pub window_secs: f64,
    pub latency: Histogram,
    pub lost: u64,
    pub out_of_order: u64,
    /// 429 answers the writers waited out (events mode).
    pub rate_limited: u64,
    pub errors: Errors,
    pub rss_before_kb: Option<u64>,
    pub rss_after_kb: Option<u64>,
}

fn round(v: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (v * m).round() / m
}

fn ms(micros: u64) -> f64 {
    round(micros as f64 / 1000.0, 3)
}

impl Report {
    fn deliveries_per_sec(&self) -> f64 {
        if self.window_secs > 0.0 {
            self.deliveries_in_window as f64 / self.window_secs
        } else {
            0.0
        }
    }

    fn sent_per_sec(&self) -> f64 {
        if self.send_secs > 0.0 {
            self.sent as f64 / self.send_secs
        } else {
            0.0
        }
    }

    /// The JSON line, its keys in this order (serde_json's maps would sort them).
    pub fn to_json(&self) -> String {
        let kinds: serde_json::Map<String, Value> = self
            .errors
            .kinds
            .iter()
            .map(|(k, n)| (k.clone(), json!(n)))
            .collect();
        let fields: Vec<(&str, Value)> = vec![
            ("target", json!(self.target)),
            ("mode", json!(self.mode)),
            ("url", json!(self.url)),
            ("clients", json!(self.clients)),
            ("plans", json!(self.plans)),
            ("threads", json!(self.threads)),
            ("source_ips", json!(self.source_ips)),
            ("senders", json!(self.senders)),
            ("rate", json!(self.rate)),
            ("duration_s", json!(self.duration_secs)),
            ("connected", json!(self.connected)),
            ("joined", json!(self.joined)),
            ("connect_ms", json!(round(self.connect_ms, 1))),
            ("join_ms", json!(round(self.join_ms, 1))),
            ("sent", json!(self.sent)),
            ("sent_per_sec", json!(round(self.sent_per_sec(), 1))),
            ("expected", json!(self.expected)),
            ("deliveries", json!(self.deliveries)),
            (
                "deliveries_per_sec",
                json!(round(self.deliveries_per_sec(), 1)),
            ),
            ("latency_p50_ms", json!(ms(self.latency.quantile(0.50)))),
            ("latency_p90_ms", json!(ms(self.latency.quantile(0.90)))),
            ("latency_p99_ms", json!(ms(self.latency.quantile(0.99)))),
            (
                "latency_max_ms",
                json!(ms(u64::from(self.latency.max_micros()))),
            ),
            ("lost", json!(self.lost)),
            ("out_of_order", json!(self.out_of_order)),
            ("rate_limited", json!(self.rate_limited)),
            ("errors", json!(self.errors.total)),
            ("error_kinds", json!(kinds)),
            ("server_rss_before_kb", json!(self.rss_before_kb)),
            ("server_rss_after_kb", json!(self.rss_after_kb)),
        ];
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}:{v}", Value::from(*k)))
            .collect();
        format!("{{{}}}", body.join(","))
    }

    pub fn summary(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "liveplan-load: {} {} against {}\n",
            self.target, self.mode, self.url
        ));
        s.push_str(&format!(
            "  clients     {} connected in {:.0} ms, {} joined to {} plan(s) in {:.0} ms \
             ({} thread(s), {} source address(es))\n",
            self.connected,
            self.connect_ms,
            self.joined,
            self.plans,
            self.join_ms,
            self.threads,
            self.source_ips
        ));
        s.push_str(&format!(
            "  sent        {} in {:.2} s ({:.1}/s, asked {}/s for {} s, {} sender(s))\n",
            self.sent,
            self.send_secs,
            self.sent_per_sec(),
            self.rate,
            self.duration_secs,
            self.senders
        ));
        s.push_str(&format!(
            "  deliveries  {} of {} expected ({:.0}/s during the run)\n",
            self.deliveries,
            self.expected,
            self.deliveries_per_sec()
        ));
        s.push_str(&format!(
            "  latency     p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms\n",
            ms(self.latency.quantile(0.50)),
            ms(self.latency.quantile(0.90)),
            ms(self.latency.quantile(0.99)),
            ms(u64::from(self.latency.max_micros()))
        ));
        let verdict = if self.lost == 0 && self.out_of_order == 0 {
            "ok"
        } else {
            "FAILED"
        };
        s.push_str(&format!(
            "  lost        {}   out of order {}   ({verdict})\n",
            self.lost, self.out_of_order
        ));
        if self.rate_limited > 0 {
            s.push_str(&format!(
                "  429         {} (waited out; raise LIVEPLAN_REST_RATE_* on the server)\n",
                self.rate_limited
            ));
        }
        s.push_str(&format!("  errors      {}\n", self.errors.total));
        for (kind, n) in &self.errors.kinds {
            s.push_str(&format!("    {n} × {kind}\n"));
        }
        match (self.rss_before_kb, self.rss_after_kb) {
            (Some(b), Some(a)) => s.push_str(&format!(
                "  server RSS  {:.1} MB before, {:.1} MB after ({:+.1} MB)\n",
                b as f64 / 1024.0,
                a as f64 / 1024.0,
                (a as f64 - b as f64) / 1024.0
            )),
            (b, a) if b.is_some() || a.is_some() => s.push_str(&format!(
                "  server RSS  before {b:?} kB, after {a:?} kB (process gone?)\n"
            )),
            _ => {}
        }
        s
    }
}

/// The resident set size of a process, from `/proc/PID/status` (`VmRSS`), in kB.
pub fn read_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_close() {
        let mut h = Histogram::default();
        for v in 1..=100_000u32 {
            h.record(v);
        }
        for (q, want) in [(0.5, 50_000.0), (0.9, 90_000.0), (0.99, 99_000.0)] {
            let got = h.quantile(q) as f64;
            assert!((got - want).abs() / want < 0.002, "q{q}: {got} vs {want}");
        }
        assert_eq!(h.max_micros(), 100_000);
        assert_eq!(h.quantile(0.0), 1);
        let mut big = Histogram::default();
        big.record(u32::MAX);
        assert_eq!(big.quantile(1.0), u64::from(u32::MAX));
        let mut small = Histogram::default();
        small.record(7);
        small.merge(&h);
        assert_eq!(small.count(), 100_001);
    }

    #[test]
    fn errors_group_by_message() {
        let mut e = Errors::default();
        e.add("a");
        e.add("a");
        e.add("b");
        assert_eq!(e.total, 3);
        assert_eq!(e.kinds.get("a"), Some(&2));
    }
}
