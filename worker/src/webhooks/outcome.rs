//! Maps the jsonb that `storesync.ingest` returns to the HTTP answer.
//!
//! The contract: `{"status", "event_id", "http_status", "error", "message"}`. The extension
//! chooses the status code; the worker only checks it is one it can send.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::error::ApiError;

/// The status and JSON body to answer for an ingest result.
///
/// A 2xx answer carries the result object unchanged; any other carries only
/// `{"error", "message"}`. A result without a usable `http_status` (missing, not an integer,
/// outside 200–599, or not an object at all) is a broken contract: an internal error.
pub fn to_http(result: Value) -> Result<(StatusCode, Value), ApiError> {
    let status = result
        .get("http_status")
        .and_then(Value::as_u64)
        .filter(|code| (200..=599).contains(code))
        .and_then(|code| StatusCode::from_u16(code as u16).ok())
        .ok_or(ApiError::Internal(
            "storesync.ingest returned no valid http_status",
        ))?;
    if status.is_success() {
        return Ok((status, result));
    }
    let field = |name: &str| result.get(name).cloned().unwrap_or(Value::Null);
    Ok((
        status,
        json!({ "error": field("error"), "message": field("message") }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processed_is_passed_through() {
        let result = json!({
            "status": "processed", "event_id": 42, "http_status": 200,
            "error": null, "message": null
        });
        let (status, body) = to_http(result.clone()).unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, result);
    }

    #[test]
    fn rejected_keeps_only_error_and_message() {
        let result = json!({
            "status": "rejected", "event_id": null, "http_status": 401,
            "error": "bad_signature", "message": "signature does not match"
        });
        let (status, body) = to_http(result).unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            body,
            json!({ "error": "bad_signature", "message": "signature does not match" })
        );
    }

    #[test]
    fn unusable_http_status_is_internal() {
        for result in [
            json!({ "status": "processed", "event_id": 1 }),
            json!({ "status": "processed", "http_status": "200" }),
            json!({ "status": "processed", "http_status": 99 }),
            json!({ "status": "processed", "http_status": 700 }),
            json!({ "status": "processed", "http_status": -1 }),
            json!([200]),
            Value::Null,
        ] {
            let err = to_http(result.clone()).expect_err(&result.to_string());
            assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(err.code(), "internal");
        }
    }
}
