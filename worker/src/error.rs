//! Errors the worker itself answers, always as JSON `{"error": code, "message": …}`.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

/// Seconds a sender is asked to wait before retrying after a 503.
const RETRY_AFTER_SECONDS: &str = "5";

/// A failure decided by the worker, not by `storesync.ingest`.
///
/// Messages are fixed texts: they never carry request data or database details.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is larger than `--body-limit`.
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in force, in bytes.
        limit: usize,
    },
    /// The request could not be read (bad path segment, broken upload).
    #[error("{0}")]
    BadRequest(&'static str),
    /// No database connection, or a database error that a retry may cure.
    #[error("the database is unavailable; retry later")]
    DatabaseUnavailable,
    /// The request took longer than `--request-timeout`.
    #[error("the request took too long; retry later")]
    Timeout,
    /// The client took longer than `--body-timeout` to send the body.
    #[error("the request body was not received in time")]
    BodyTimeout,
    /// More than `--max-in-flight` webhook requests at once.
    #[error("too many requests in progress; retry later")]
    Overloaded,
    /// No route matches the path.
    #[error("no such endpoint")]
    NotFound,
    /// The path exists but not for this method.
    #[error("method not allowed on this endpoint")]
    MethodNotAllowed,
    /// A bug or an unexpected database error; details are in the log only.
    #[error("{0}")]
    Internal(&'static str),
}

impl ApiError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            // A timeout is answered 503, not 408: it almost always means the database was
            // slow, not the sender, and 503 + Retry-After tells the sender to try again.
            Self::DatabaseUnavailable | Self::Timeout | Self::Overloaded => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code in the `error` field.
    pub fn code(&self) -> &'static str {
        match self {
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::BadRequest(_) => "bad_request",
            Self::DatabaseUnavailable => "database_unavailable",
            Self::Timeout => "timeout",
            Self::BodyTimeout => "request_timeout",
            Self::Overloaded => "overloaded",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Internal(_) => "internal",
        }
    }

    /// The JSON body: `{"error": code, "message": text}`.
    pub fn body(&self) -> Value {
        json!({ "error": self.code(), "message": self.to_string() })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(self.body())).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is read and discarded only up to a bound (see
            // `webhooks::body::DRAIN_LIMIT`); the connection is not reused after it.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// Any path no route matches: 404 JSON instead of axum's empty body.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// A known path with the wrong method: 405 JSON. axum still adds the `Allow` header.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
