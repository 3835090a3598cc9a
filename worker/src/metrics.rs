//! Prometheus metrics: `GET /metrics` and the webhook counters behind it.
//!
//! Labels are the HTTP status only: never the source name, a store or any payload value,
//! so the endpoint leaks no tenant data and its cardinality stays small.

use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

use axum::{
    extract::Request,
    http::header::CONTENT_TYPE,
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Webhook requests answered, by HTTP status.
pub const WEBHOOKS_TOTAL: &str = "storesync_webhooks_total";
/// Webhook request latency in seconds, by HTTP status.
pub const WEBHOOK_SECONDS: &str = "storesync_webhook_duration_seconds";

/// Latency buckets in seconds, up to the sender's ~30 s patience.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process-wide recorder, installed on first use.
///
/// `metrics` has one global recorder per process, so several `app()`s (tests) share it.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(WEBHOOK_SECONDS.to_owned()), BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics will stay empty");
        }
        metrics::describe_counter!(WEBHOOKS_TOTAL, "Webhook requests answered, by HTTP status");
        metrics::describe_histogram!(
            WEBHOOK_SECONDS,
            metrics::Unit::Seconds,
            "Webhook request latency, by HTTP status"
        );
        handle
    })
}

/// `GET /metrics`: the Prometheus text exposition format.
pub async fn render() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        handle().render(),
    )
}

/// Middleware on the webhook route: counts each answer and records its latency.
pub async fn record(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(WEBHOOKS_TOTAL, "status" => status.clone()).increment(1);
    metrics::histogram!(WEBHOOK_SECONDS, "status" => status).record(started.elapsed());
    response
}

/// Drains histogram samples into their buckets every few seconds, so memory stays flat even
/// when nobody scrapes `/metrics`. Runs until the runtime stops.
pub fn spawn_upkeep() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            handle().run_upkeep();
        }
    })
}
