//! The per-request deadline for webhooks.

use std::time::Duration;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::error::ApiError;

/// Answers 503 `timeout` (JSON, with `Retry-After`) when the request is not done within
/// `budget`, body upload and database call included.
///
/// A middleware rather than tower-http's `TimeoutLayer`, which answers 408 with an empty
/// body. Why 503 and not 408 is in [`ApiError::status`]. Dropping the work on timeout may
/// leave the ingest running in the database; if it commits, the sender's retry is a duplicate,
/// which the extension answers 200 without storing twice.
pub async fn limit(State(budget): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(budget, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(budget_s = budget.as_secs(), "request timed out");
            ApiError::Timeout.into_response()
        }
    }
}
