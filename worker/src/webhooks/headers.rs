//! The request headers as the JSON object `storesync.ingest` receives.

use axum::http::HeaderMap;
use serde_json::{Map, Value};

/// Builds `{"lowercase-name": "value", …}` from the request headers.
///
/// Names are lowercase (the `http` crate stores them so). Repeated headers are joined with
/// `", "`, as HTTP allows for list-valued headers. Values that are not visible ASCII are
/// skipped: signatures and tokens always are, and the extension should not have to guess at
/// an encoding. A header left with no usable value is omitted.
// SECURITY: the values (signatures, tokens) go to the database as a bound parameter and are
// never logged.
pub fn header_object(headers: &HeaderMap) -> Value {
    let mut object = Map::new();
    for name in headers.keys() {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        if !values.is_empty() {
            object.insert(name.as_str().to_owned(), Value::String(values.join(", ")));
        }
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};
    use serde_json::json;

    #[test]
    fn names_are_lowercased_and_repeats_joined() {
        let mut headers = HeaderMap::new();
        headers.append(
            HeaderName::from_static("x-salla-signature"),
            HeaderValue::from_static("abc123"),
        );
        // `from_bytes` accepts mixed case and lowercases it, as hyper does for real requests.
        headers.append(
            HeaderName::from_bytes(b"X-Forwarded-For").unwrap(),
            HeaderValue::from_static("10.0.0.1"),
        );
        headers.append(
            HeaderName::from_bytes(b"x-forwarded-for").unwrap(),
            HeaderValue::from_static("10.0.0.2"),
        );
        assert_eq!(
            header_object(&headers),
            json!({ "x-salla-signature": "abc123", "x-forwarded-for": "10.0.0.1, 10.0.0.2" })
        );
    }

    #[test]
    fn non_ascii_values_are_skipped() {
        let mut headers = HeaderMap::new();
        let latin1 = HeaderValue::from_bytes(b"caf\xe9").unwrap();
        headers.append("x-note", latin1.clone());
        headers.append("x-mixed", latin1);
        headers.append("x-mixed", HeaderValue::from_static("plain"));
        assert_eq!(header_object(&headers), json!({ "x-mixed": "plain" }));
    }

    #[test]
    fn no_headers_is_an_empty_object() {
        assert_eq!(header_object(&HeaderMap::new()), json!({}));
    }
}
