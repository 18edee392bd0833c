//! Prometheus metrics (`GET /metrics`, text format). Documented in docs/operations.md.
//!
//! Everything counted on a hot path is one atomic add per event or per request, never per
//! recipient: a room adds its whole fan-out to `frames_delivered` at once. Gauges that are
//! cheaper to read than to keep (sessions, rooms, the largest queue) are filled in from the
//! `Registry` when `/metrics` is scraped.

use std::time::Duration;

use crate::limits::Limit;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

/// Every metric liveplan exports, registered in its own registry (one per server, so that
/// servers started side by side in tests do not mix their figures).
pub struct Metrics {
    registry: Registry,
    pub connections: IntGauge,
    pub rooms: IntGauge,
    pub participants: IntGauge,
    pub events_committed: IntCounter,
    pub frames_delivered: IntCounter,
    pub frames_dropped: IntCounter,
    pub connections_closed: IntCounterVec,
    pub client_messages: IntCounterVec,
    pub limit_refusals: IntCounterVec,
    pub http_requests: HistogramVec,
    pub commit_to_enqueue: Histogram,
    pub largest_queue_bytes: IntGauge,
}

/// Latency buckets in seconds, from 50 µs to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0, 10.0,
];

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("liveplan".into()), None)?;
        let gauge = |name: &str, help: &str| -> Result<IntGauge, prometheus::Error> {
            let g = IntGauge::new(name, help)?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        let counter = |name: &str, help: &str| -> Result<IntCounter, prometheus::Error> {
            let c = IntCounter::new(name, help)?;
            registry.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let counter_vec =
            |name: &str, help: &str, labels: &[&str]| -> Result<IntCounterVec, prometheus::Error> {
                let c = IntCounterVec::new(Opts::new(name, help), labels)?;
                registry.register(Box::new(c.clone()))?;
                Ok(c)
            };
        let http_requests = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "REST requests by route, method and status, with their duration",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method", "status"],
        )?;
        registry.register(Box::new(http_requests.clone()))?;
        let commit_to_enqueue = Histogram::with_opts(
            HistogramOpts::new(
                "commit_to_enqueue_seconds",
                "From an event's commit to its enqueue for the last participant of its room",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
        )?;
        registry.register(Box::new(commit_to_enqueue.clone()))?;
        Ok(Metrics {
            connections: gauge("connections", "Open WebSocket connections")?,
            rooms: gauge("rooms", "Plan rooms running")?,
            participants: gauge("participants", "Connections joined to a room")?,
            events_committed: counter("events_committed_total", "Plan events committed")?,
            frames_delivered: counter(
                "frames_delivered_total",
                "Frames handed to WebSocket connections' queues",
            )?,
            frames_dropped: counter(
                "frames_dropped_total",
                "Frames not queued because the connection's queue was full (it closes 1008)",
            )?,
            connections_closed: counter_vec(
                "connections_closed_total",
                "WebSocket connections closed, by close code (1006: no close frame)",
                &["code"],
            )?,
            client_messages: counter_vec(
                "client_messages_total",
                "Client messages, by type (invalid: not decodable; rate_limited: dropped)",
                &["type"],
            )?,
            limit_refusals: {
                let c = counter_vec(
                    "limit_refusals_total",
                    "Requests, joins and upgrades refused by a cap or a rate limit, by limit",
                    &["limit"],
                )?;
                // Every limit shows from the start, at 0.
                for limit in Limit::ALL {
                    c.with_label_values(&[limit.as_str()]).inc_by(0);
                }
                c
            },
            http_requests,
            commit_to_enqueue,
            largest_queue_bytes: gauge(
                "largest_outbound_queue_bytes",
                "The largest outbound queue of any connection, in bytes",
            )?,
            registry,
        })
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        String::from_utf8(buffer).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }

    pub fn observe_request(&self, route: &str, method: &str, status: u16, took: Duration) {
        self.http_requests
            .with_label_values(&[route, method, &status.to_string()])
            .observe(took.as_secs_f64());
    }

    pub fn connection_closed(&self, code: u16) {
        self.connections_closed
            .with_label_values(&[&code.to_string()])
            .inc();
    }

    pub fn client_message(&self, kind: &str) {
        self.client_messages.with_label_values(&[kind]).inc();
    }

    pub fn limit_refused(&self, limit: Limit) {
        self.limit_refusals
            .with_label_values(&[limit.as_str()])
            .inc();
    }
}
