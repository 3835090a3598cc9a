//! The extension's pure modules (no pgrx): envelope checks, platform mapping, values, records.
//! Compiled here from the extension's own files, so the fuzzer tests exactly that code.
#![allow(dead_code)]

#[path = "../../src/envelope.rs"]
pub mod envelope;
#[path = "../../src/model.rs"]
pub mod model;
#[path = "../../src/outcome.rs"]
pub mod outcome;
#[path = "../../src/platforms/mod.rs"]
pub mod platforms;
#[path = "../../src/record.rs"]
pub mod record;
#[path = "../../src/values.rs"]
pub mod values;

use platforms::{Mapped, Platform};

/// One delivery through everything `storesync.ingest` does before SQL: the first byte picks the
/// platform, the rest is the body. Returns whether it mapped; panics only on a bug.
pub fn run(data: &[u8]) -> bool {
    let Some((&first, body)) = data.split_first() else {
        return false;
    };
    let platform = if first % 2 == 0 {
        Platform::Salla
    } else {
        Platform::Flavours
    };
    let Ok((_, mut json)) = envelope::parse(body) else {
        return false;
    };
    let received_at = chrono::DateTime::from_timestamp(1_700_000_000, 0)
        .unwrap()
        .fixed_offset();
    let mapped = match platform.envelope(&json, received_at) {
        Ok(env) => {
            let _ = values::timestamp_text(&env.time());
            platform.map(&env)
        }
        Err(rejection) => {
            assert!(!rejection.message.is_empty());
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
        // Formatting walks every value the mapping produced.
        Ok(Mapped::Changes(changes)) => !format!("{changes:?}").is_empty(),
        Ok(Mapped::Ignored) => false,
        Err(reason) => {
            assert!(!reason.is_empty(), "a failure names its reason");
            false
        }
    }
}
