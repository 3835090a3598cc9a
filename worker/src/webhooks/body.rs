//! Reading a webhook body within the size limit.

use std::time::Duration;

use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::{header, HeaderMap},
};
use http_body_util::BodyExt;

use crate::error::ApiError;

/// The most bytes read and thrown away after a body is refused as too large, so that a
/// client which writes its whole body before reading (Python's `http.client`, many senders)
/// gets to read the `413` instead of a reset connection. Past this (or `--body-timeout`) the
/// connection is closed anyway.
pub const DRAIN_LIMIT: u64 = 8 * 1024 * 1024;

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
    let (parts, body) = request.into_parts();
    // SECURITY: a declared length over the limit is refused before a single byte is kept.
    let declared = declared_length(&parts.headers);
    if declared.is_some_and(|length| length > limit as u64) {
        drain_refused(&parts.headers, body, deadline);
        return Err(ApiError::PayloadTooLarge { limit });
    }
    // SECURITY: a chunked (or lying) body stops being buffered as soon as it passes the
    // limit; a client trickling its body a byte at a time cannot hold the request (and a
    // place among `--max-in-flight`) longer than `deadline`.
    let mut body = body;
    let mut kept = Vec::with_capacity(declared.map_or(0, |length| length as usize));
    let read = tokio::time::timeout(deadline, async {
        while let Some(frame) = body.frame().await {
            let frame =
                frame.map_err(|_| ApiError::BadRequest("the request body could not be read"))?;
            let Ok(data) = frame.into_data() else {
                continue; // trailers: nothing the extension looks at
            };
            if kept.len() + data.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            kept.extend_from_slice(&data);
        }
        Ok(())
    })
    .await;
    match read {
        Ok(Ok(())) => Ok(Bytes::from(kept)),
        Ok(Err(err @ ApiError::PayloadTooLarge { .. })) => {
            drain_refused(&parts.headers, body, deadline);
            Err(err)
        }
        Ok(Err(err)) => Err(err),
        Err(_) => Err(ApiError::BodyTimeout),
    }
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
}

/// Reads and discards the rest of a refused body in the background, up to [`DRAIN_LIMIT`]
/// bytes and `deadline`, while the `413` is written. Closing the connection with unread
/// bytes in the socket would make the kernel answer them with a reset, and a client still
/// writing would see a broken pipe instead of the answer.
///
/// Not done when the sender asked `Expect: 100-continue` (it sends nothing until told to,
/// and reading would tell it to) or declared more than the drain would read (it would be
/// reset all the same): those connections are closed at once, at no cost.
fn drain_refused(headers: &HeaderMap, mut body: Body, deadline: Duration) {
    let expects_continue = headers
        .get(header::EXPECT)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if expects_continue || declared_length(headers).is_some_and(|length| length > DRAIN_LIMIT) {
        return;
    }
    tokio::spawn(async move {
        let mut drained: u64 = 0;
        let _ = tokio::time::timeout(deadline, async {
            while let Some(Ok(frame)) = body.frame().await {
                drained += frame.data_ref().map_or(0, |data| data.len() as u64);
                if drained > DRAIN_LIMIT {
                    break;
                }
            }
        })
        .await;
        // Dropping the body here lets the connection close (the answer said so).
    });
}
