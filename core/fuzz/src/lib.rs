//! One delivery through everything `storesync.ingest` decides before SQL, from
//! `storesync-core`: body checks, envelope, mapping, redaction and the typed writes.

use storesync_core::platforms::{Mapped, Platform};
use storesync_core::{body, values, writes};

/// The first byte picks the platform, the rest is the body. Returns whether it mapped; panics
/// only on a bug.
pub fn run(data: &[u8]) -> bool {
    let Some((&first, raw)) = data.split_first() else {
        return false;
    };
    let platform = if first % 2 == 0 {
        Platform::Salla
    } else {
        Platform::Flavours
    };
    let Ok((_, mut json)) = body::parse(raw) else {
        return false;
    };
    let received_at = chrono::DateTime::from_timestamp(1_700_000_000, 0)
        .unwrap()
        .fixed_offset();
    let (mapped, event_ts) = match platform.envelope(&json, received_at) {
        Ok(env) => {
            let _ = values::timestamp_text(&env.time());
            (platform.map(&env), env.time())
        }
        Err(reject) => {
            assert!(!reject.message().is_empty());
            return false;
        }
    };
    let event = json
        .get("event")
        .and_then(|e| e.as_str())
        .unwrap_or_default()
        .to_string();
    platform.redact(&event, &mut json);
    match mapped {
        // Formatting walks every value of every write the mapping produced.
        Ok(Mapped::Changes(changes)) => {
            !format!("{:?}", writes::plan(&changes, event_ts)).is_empty()
        }
        Ok(Mapped::Ignored) => false,
        Err(reason) => {
            assert!(!reason.is_empty(), "a failure names its reason");
            false
        }
    }
}

/// A conditional rule through [`storesync_core::rule`]: the bytes up to the first NUL are the
/// rule, the rest a JSON document. An error points inside the rule (or one past its end); a
/// rule that parses prints in a canonical form that parses to the same verdict on the
/// document. Returns whether the rule parsed.
pub fn rule(data: &[u8]) -> bool {
    use storesync_core::rule::Rule;
    let (text, doc) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    let doc: serde_json::Value = serde_json::from_slice(doc).unwrap_or(serde_json::Value::Null);
    match Rule::parse(text) {
        Ok(rule) => {
            let verdict = rule.matches(&doc);
            let canonical = rule.to_string();
            let again = Rule::parse(&canonical)
                .unwrap_or_else(|e| panic!("canonical form {canonical:?} does not parse: {e}"));
            assert_eq!(again.to_string(), canonical, "canonical form is stable");
            assert_eq!(again.matches(&doc), verdict, "same verdict for {canonical:?}");
            true
        }
        Err(e) => {
            assert!(
                (1..=text.chars().count() + 1).contains(&e.position),
                "position {} outside {text:?}",
                e.position
            );
            assert!(!e.message.is_empty());
            false
        }
    }
}
