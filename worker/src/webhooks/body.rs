//! Reading a webhook body within the size limit.

use std::time::Duration;

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{header::CONTENT_LENGTH, StatusCode},
};

use crate::error::ApiError;

/// Reads the whole body as raw bytes, refusing anything over `limit` bytes with 413 and a
/// body not complete within `deadline` with 408.
///
/// The bytes are never parsed here: the extension verifies signatures over exactly these
/// bytes, so they must reach it untouched.
pub async fn read_limited(
    request: Request,
    limit: usize,
    deadline: Duration,
) -> Result<Bytes, ApiError> {
    // SECURITY: a declared length over the limit is refused before a single byte is read,
    // so an oversized upload costs nothing (and an `Expect: 100-continue` sender never
    // starts it). `DefaultBodyLimit` alone would read a first chunk before refusing.
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    // SECURITY: `DefaultBodyLimit::max(limit)`, set in `app()`, makes this stop reading a
    // chunked (or lying) body as soon as it passes the limit, instead of buffering it all.
    // SECURITY: a client trickling its body a byte at a time cannot hold the request (and
    // a place among `--max-in-flight`) longer than `deadline`.
    let read = tokio::time::timeout(deadline, Bytes::from_request(request, &()))
        .await
        .map_err(|_| ApiError::BodyTimeout)?;
    read.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge { limit }
        } else {
            ApiError::BadRequest("the request body could not be read")
        }
    })
}
