//! The body of a delivery: from raw bytes to a JSON object `jsonb` can hold, the checks every
//! platform shares. Runs after verification, which works on the raw bytes.

use crate::outcome::Reject;
use serde_json::Value;

/// Parses a webhook body into a JSON object PostgreSQL's `jsonb` can hold.
///
/// Refuses (HTTP 400) an empty body, invalid UTF-8, invalid JSON, JSON nested deeper than
/// serde_json's limit of 128 levels, anything but an object, and strings holding `\u0000`,
/// which `jsonb` cannot store.
pub fn parse(body: &[u8]) -> Result<(&str, Value), Reject> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Reject::EmptyBody);
    }
    let text = std::str::from_utf8(body).map_err(|e| Reject::InvalidJson {
        reason: format!("the body is not valid UTF-8 (byte {})", e.valid_up_to()),
    })?;
    let json: Value = serde_json::from_str(text).map_err(|e| {
        let why = if e.to_string().contains("recursion limit") {
            "the JSON is nested too deeply".to_string()
        } else {
            format!("the body is not valid JSON: {e}")
        };
        Reject::InvalidJson { reason: why }
    })?;
    if !json.is_object() {
        return Err(Reject::NotAWebhook {
            reason: "the body is JSON but not an object".into(),
        });
    }
    if holds_nul(&json) {
        return Err(Reject::UnsupportedUnicode);
    }
    Ok((text, json))
}

fn holds_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(a) => a.iter().any(holds_nul),
        Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: &[u8]) -> &'static str {
        parse(body).unwrap_err().code()
    }

    #[test]
    fn refuses_what_jsonb_cannot_hold_or_is_no_webhook() {
        assert_eq!(code(b""), "empty_body");
        assert_eq!(code(b"  \n"), "empty_body");
        assert_eq!(code(b"not json"), "invalid_json");
        assert_eq!(code(b"{\"a\":\"\xff\"}"), "invalid_json");
        assert_eq!(code(b"[1,2]"), "not_a_webhook");
        assert_eq!(code(b"\"str\""), "not_a_webhook");
        assert_eq!(code(br#"{"a":"x\u0000y"}"#), "unsupported_unicode");
        assert_eq!(code(br#"{"a\u0000":1}"#), "unsupported_unicode");
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let deep = format!("{{\"a\":{deep}}}");
        let err = parse(deep.as_bytes()).unwrap_err();
        assert_eq!(err.code(), "invalid_json");
        assert!(
            err.message().contains("nested too deeply"),
            "{}",
            err.message()
        );
        assert!(parse(br#"{"event":"x"}"#).is_ok());
    }
}
