//! HTTP handlers, one file per endpoint family, and the JSON fallbacks.

pub mod health;
pub mod webhook;

use crate::error::ApiError;

/// Any path no route matches: 404 JSON instead of axum's empty body.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// A known path with the wrong method: 405 JSON. axum still adds the `Allow` header.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
