//! storesync-worker: receives store webhooks over HTTP and hands each raw request to one SQL
//! call, `storesync.ingest(source, headers, body)`, then answers with the HTTP status that call
//! chose. Everything about platforms, signatures and payloads lives in the extension; this
//! crate only moves bytes and maps outcomes.
//!
//! [`app`] builds the router so tests can drive it without a socket; [`server::run`] binds it.

// The jobs: receiving webhooks, the health endpoints, the RFM refresh and inbox pruning timers.
pub mod health;
pub mod prune_timer;
pub mod rfm_timer;
pub mod webhooks;

// What the jobs share: configuration, the server and its listener, the database pool, errors,
// request limits, metrics and logs.
pub mod config;
pub mod db;
pub mod error;
pub mod in_flight;
pub mod listen;
pub mod metrics;
pub mod server;
pub mod telemetry;
pub mod timeout;

use std::time::Duration;

use axum::{
    extract::DefaultBodyLimit,
    middleware,
    routing::{get, post},
    Router,
};
use deadpool_postgres::Pool;

/// Limits the worker enforces on webhook requests and database waits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted webhook body, in bytes.
    pub body_limit: usize,
    /// Longest a webhook request may take, body upload and database call included.
    pub request_timeout: Duration,
    /// Longest we wait for a database connection (pool wait plus connect).
    pub db_timeout: Duration,
    /// Longest the upload of a webhook body may take once the headers are in (408 after).
    pub body_timeout: Duration,
    /// Most webhook requests handled at once; more are answered 503 `overloaded` at once.
    pub max_in_flight: usize,
}

impl Default for Limits {
    /// The documented defaults of `storesync-worker serve`.
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(25),
            db_timeout: Duration::from_millis(1000),
            body_timeout: Duration::from_secs(10),
            max_in_flight: 64,
        }
    }
}

/// What every handler shares: the connection pool and the limits.
#[derive(Clone)]
pub struct AppState {
    /// Pool of connections to the database that has the storesync extension.
    pub pool: Pool,
    /// Request limits.
    pub limits: Limits,
}

/// Builds the HTTP application: routes, JSON fallbacks, body limit, timeout, metrics, tracing.
pub fn app(state: AppState) -> Router {
    let limits = state.limits;
    // Timeout inside metrics, so a timed-out webhook is still counted with its 503.
    let webhook = post(webhooks::receive)
        .route_layer(middleware::from_fn_with_state(
            limits.request_timeout,
            timeout::limit,
        ))
        // Outside the timeout, so a request refused for overload is answered at once.
        .route_layer(middleware::from_fn_with_state(
            in_flight::Slots::new(limits.max_in_flight),
            in_flight::limit,
        ))
        .route_layer(middleware::from_fn(metrics::record));

    // Touch the recorder now so `/metrics` and the counters share it from the first request.
    metrics::handle();

    Router::new()
        .route("/webhooks/{source}", webhook)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        // After the routes: it applies to the routes registered so far.
        .method_not_allowed_fallback(error::method_not_allowed)
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(limits.body_limit))
        .layer(telemetry::trace_layer())
        .with_state(state)
}
