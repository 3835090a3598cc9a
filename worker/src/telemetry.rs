//! Logging: tracing to stderr, one span per request keyed by the matched route.

use std::io::IsTerminal;

use axum::{extract::MatchedPath, http::Request};
use tower_http::{
    classify::{ServerErrorsAsFailures, SharedClassifier},
    trace::{DefaultOnFailure, DefaultOnRequest, DefaultOnResponse, MakeSpan, TraceLayer},
    LatencyUnit,
};
use tracing::{Level, Span};
use tracing_subscriber::EnvFilter;

/// Sends logs to stderr (stdout carries only the "listening on" line), filtered by
/// `RUST_LOG`, `info` when unset. Colours only on a terminal, so files and journald get
/// plain text.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let filter = filter.add_directive(CLIENT_LIBRARY_CAP.parse().expect("a valid directive"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// SECURITY: tokio-postgres logs every statement's parameters at debug level, and ours are
/// the webhook's headers (signature, token) and body. Its records are capped at info whatever
/// `RUST_LOG` says, so `RUST_LOG=debug` cannot leak them.
pub const CLIENT_LIBRARY_CAP: &str = "tokio_postgres=info";

/// The request-logging layer: method, route template, status and latency of every request.
pub type Trace = TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RouteSpan>;

/// Builds the [`Trace`] layer. Completed requests are logged at info; 5xx at warn too.
pub fn trace_layer() -> Trace {
    TraceLayer::new_for_http()
        .make_span_with(RouteSpan)
        .on_request(DefaultOnRequest::new().level(Level::DEBUG))
        .on_response(
            DefaultOnResponse::new()
                .level(Level::INFO)
                .latency_unit(LatencyUnit::Millis),
        )
        // The cause of a 5xx is logged where it happens; this only marks the request.
        .on_failure(DefaultOnFailure::new().level(Level::WARN))
}

/// Names the request span by method and matched route template (`/webhooks/{source}`).
// SECURITY: never the raw URI, headers or body: the path holds the source name and header
// values hold signatures and tokens.
#[derive(Clone, Copy, Debug)]
pub struct RouteSpan;

impl<B> MakeSpan<B> for RouteSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("<unmatched>", MatchedPath::as_str);
        tracing::info_span!("request", method = %request.method(), route)
    }
}
