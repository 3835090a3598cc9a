//! The result of one delivery, as `storesync.ingest` returns it to every client.

use serde_json::{json, Value};

/// Why a delivery was refused before anything was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The HTTP status a receiver should answer with.
    pub http_status: u16,
    /// A stable machine-readable code.
    pub code: &'static str,
    /// A human-readable reason. SECURITY: never contains a secret.
    pub message: String,
}

impl Rejection {
    pub fn new(http_status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            http_status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }
}

/// What became of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored and mapped into typed rows.
    Processed { event_id: i64 },
    /// The same body from the same source was stored before; nothing changed.
    Duplicate { event_id: Option<i64> },
    /// Stored, but storesync does not map this event.
    Ignored { event_id: i64 },
    /// Stored, but the payload could not be mapped; `reason` says why.
    Failed { event_id: i64, reason: String },
    /// Refused; nothing stored.
    Rejected(Rejection),
}

impl Outcome {
    /// `{status, event_id, http_status, error, message}`.
    pub fn to_json(&self) -> Value {
        let (status, event_id, http, error, message): (
            _,
            Option<i64>,
            u16,
            Option<&str>,
            Option<&str>,
        ) = match self {
            Outcome::Processed { event_id } => ("processed", Some(*event_id), 200, None, None),
            Outcome::Duplicate { event_id } => ("duplicate", *event_id, 200, None, None),
            Outcome::Ignored { event_id } => ("ignored", Some(*event_id), 200, None, None),
            Outcome::Failed { event_id, reason } => (
                "failed",
                Some(*event_id),
                200,
                Some("mapping_failed"),
                Some(reason),
            ),
            Outcome::Rejected(r) => (
                "rejected",
                None,
                r.http_status,
                Some(r.code),
                Some(&r.message),
            ),
        };
        json!({
            "status": status,
            "event_id": event_id,
            "http_status": http,
            "error": error,
            "message": message,
        })
    }
}
