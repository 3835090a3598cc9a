//! The cap on webhook requests in progress at once (`--max-in-flight`).
//!
//! Over the cap a request is answered `503 {"error":"overloaded"}` with `Retry-After` at once,
//! rather than queued: a queue would only grow while the database is slow, and every sender
//! retries a 503.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// The free places for requests in progress.
#[derive(Clone, Debug)]
pub struct Slots(Arc<Semaphore>);

impl Slots {
    /// `max` places (at least one).
    pub fn new(max: usize) -> Self {
        Self(Arc::new(Semaphore::new(max.max(1))))
    }
}

/// Middleware: runs the request in a free place, or answers 503 `overloaded`.
pub async fn limit(State(slots): State<Slots>, request: Request, next: Next) -> Response {
    match slots.0.try_acquire_owned() {
        Ok(place) => {
            let response = next.run(request).await;
            drop(place);
            response
        }
        Err(_) => {
            tracing::warn!("request refused: too many in flight");
            ApiError::Overloaded.into_response()
        }
    }
}
