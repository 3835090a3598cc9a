//! The result of one delivery, as `storesync.ingest` returns it to every client: the event's
//! [`Status`], or the [`Reject`] that refused it before anything was stored.
//!
//! Each code, HTTP status and message comes from one `match`, so the three cannot drift apart.

use serde_json::{json, Value};

/// The status of a stored event (`storesync.events.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Stored and mapped into typed rows.
    Processed,
    /// The same delivery was stored before; nothing changed.
    Duplicate,
    /// Stored, but storesync does not map this event.
    Ignored,
    /// Stored, but the payload could not be mapped or written; the event's error says why.
    Failed,
}

impl Status {
    /// The name stored in `storesync.events.status` and returned as `status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Processed => "processed",
            Status::Duplicate => "duplicate",
            Status::Ignored => "ignored",
            Status::Failed => "failed",
        }
    }
}

/// Why a delivery was refused before anything was stored.
///
/// SECURITY: no variant holds a secret, a header value or a payload value beyond what the
/// sender's own URL or parser position says, so a message is safe to log and to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reject {
    /// No source has the name in the URL; the name is kept printable and short.
    UnknownSource {
        name: String,
    },
    MissingSignature,
    InvalidSignature,
    /// The Token strategy's header (named) is missing.
    MissingToken {
        header: String,
    },
    /// The Token strategy's header (named) holds another token.
    InvalidToken {
        header: String,
    },
    /// Standard Webhooks: a required header (`webhook-id`, `webhook-timestamp` or
    /// `webhook-signature`) is missing.
    MissingWebhookHeader {
        header: &'static str,
    },
    /// Standard Webhooks: no signature in `webhook-signature` matches, or the source's secret
    /// is not a `whsec_` secret.
    InvalidWebhookSignature,
    /// Standard Webhooks: `webhook-timestamp` is not whole seconds since 1970.
    InvalidTimestamp,
    /// Standard Webhooks: `webhook-timestamp` is further from the receive time than the
    /// source's tolerance (a replay, or a sender's clock far off).
    StaleTimestamp {
        tolerance_seconds: i64,
    },
    EmptyBody,
    /// Not UTF-8, not JSON, or nested too deeply; the reason says which.
    InvalidJson {
        reason: String,
    },
    /// JSON, but not a webhook of the source's platform; the reason says what is missing.
    NotAWebhook {
        reason: String,
    },
    /// A string holds `\u0000`, which `jsonb` cannot store.
    UnsupportedUnicode,
}

impl Reject {
    /// An unknown source, its name cut to 64 printable characters for echoing.
    pub fn unknown_source(name: &str) -> Self {
        Reject::UnknownSource {
            name: name.chars().filter(|c| !c.is_control()).take(64).collect(),
        }
    }

    /// A stable machine-readable code (the `error` of the answer).
    pub fn code(&self) -> &'static str {
        match self {
            Reject::UnknownSource { .. } => "unknown_source",
            Reject::MissingSignature => "missing_signature",
            Reject::InvalidSignature => "invalid_signature",
            Reject::MissingToken { .. } => "missing_token",
            Reject::InvalidToken { .. } => "invalid_token",
            Reject::MissingWebhookHeader { .. } => "missing_signature",
            Reject::InvalidWebhookSignature => "invalid_signature",
            Reject::InvalidTimestamp => "invalid_timestamp",
            Reject::StaleTimestamp { .. } => "stale_timestamp",
            Reject::EmptyBody => "empty_body",
            Reject::InvalidJson { .. } => "invalid_json",
            Reject::NotAWebhook { .. } => "not_a_webhook",
            Reject::UnsupportedUnicode => "unsupported_unicode",
        }
    }

    /// The HTTP status a receiver answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            Reject::UnknownSource { .. } => 404,
            Reject::MissingSignature
            | Reject::InvalidSignature
            | Reject::MissingToken { .. }
            | Reject::InvalidToken { .. }
            | Reject::MissingWebhookHeader { .. }
            | Reject::InvalidWebhookSignature
            | Reject::InvalidTimestamp
            | Reject::StaleTimestamp { .. } => 401,
            Reject::EmptyBody
            | Reject::InvalidJson { .. }
            | Reject::NotAWebhook { .. }
            | Reject::UnsupportedUnicode => 400,
        }
    }

    /// A human-readable reason.
    pub fn message(&self) -> String {
        match self {
            Reject::UnknownSource { name } => format!("no source named \"{name}\""),
            Reject::MissingSignature => "the X-Salla-Signature header is missing".into(),
            Reject::InvalidSignature => {
                "the X-Salla-Signature header does not match the body".into()
            }
            Reject::MissingToken { header } => format!("the {header} header is missing"),
            Reject::InvalidToken { header } => {
                format!("the {header} header does not hold the source's token")
            }
            Reject::MissingWebhookHeader { header } => format!("the {header} header is missing"),
            Reject::InvalidWebhookSignature => "no signature in the webhook-signature header \
                matches webhook-id.webhook-timestamp.body"
                .into(),
            Reject::InvalidTimestamp => {
                "the webhook-timestamp header is not a number of seconds since 1970".into()
            }
            Reject::StaleTimestamp { tolerance_seconds } => format!(
                "the webhook-timestamp header is more than {tolerance_seconds} seconds from the \
                 time of receipt"
            ),
            Reject::EmptyBody => "the request body is empty".into(),
            Reject::InvalidJson { reason } | Reject::NotAWebhook { reason } => reason.clone(),
            Reject::UnsupportedUnicode => {
                "the body contains the character \\u0000, which PostgreSQL cannot store".into()
            }
        }
    }
}

/// What became of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored and mapped into typed rows.
    Processed { event_id: i64 },
    /// The same delivery was stored before; nothing changed.
    Duplicate { event_id: Option<i64> },
    /// Stored, but storesync does not map this event.
    Ignored { event_id: i64 },
    /// Stored, but the payload could not be mapped; `reason` says why.
    Failed { event_id: i64, reason: String },
    /// Refused; nothing stored.
    Rejected(Reject),
}

impl Outcome {
    /// The outcome of a stored event, from its status (and its error, when failed).
    pub fn stored(event_id: i64, status: Status, error: Option<String>) -> Self {
        match status {
            Status::Processed => Outcome::Processed { event_id },
            Status::Duplicate => Outcome::Duplicate {
                event_id: Some(event_id),
            },
            Status::Ignored => Outcome::Ignored { event_id },
            Status::Failed => Outcome::Failed {
                event_id,
                reason: error.unwrap_or_default(),
            },
        }
    }

    /// `{status, event_id, http_status, error, message}`.
    pub fn to_json(&self) -> Value {
        let (status, event_id, error, message) = match self {
            Outcome::Processed { event_id } => {
                (Status::Processed.as_str(), Some(*event_id), None, None)
            }
            Outcome::Duplicate { event_id } => (Status::Duplicate.as_str(), *event_id, None, None),
            Outcome::Ignored { event_id } => {
                (Status::Ignored.as_str(), Some(*event_id), None, None)
            }
            Outcome::Failed { event_id, reason } => (
                Status::Failed.as_str(),
                Some(*event_id),
                Some("mapping_failed"),
                Some(reason.clone()),
            ),
            Outcome::Rejected(r) => ("rejected", None, Some(r.code()), Some(r.message())),
        };
        let http_status = match self {
            Outcome::Rejected(r) => r.http_status(),
            _ => 200,
        };
        json!({
            "status": status,
            "event_id": event_id,
            "http_status": http_status,
            "error": error,
            "message": message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_answers_with_its_code_status_and_message() {
        let r = Reject::InvalidToken {
            header: "X-Flavours-Token".into(),
        };
        assert_eq!(
            Outcome::Rejected(r).to_json(),
            json!({
                "status": "rejected", "event_id": null, "http_status": 401,
                "error": "invalid_token",
                "message": "the X-Flavours-Token header does not hold the source's token",
            })
        );
    }

    #[test]
    fn stored_events_answer_200_with_their_status() {
        assert_eq!(
            Outcome::stored(7, Status::Failed, Some("no id".into())).to_json(),
            json!({
                "status": "failed", "event_id": 7, "http_status": 200,
                "error": "mapping_failed", "message": "no id",
            })
        );
        assert_eq!(
            Outcome::Duplicate { event_id: None }.to_json(),
            json!({
                "status": "duplicate", "event_id": null, "http_status": 200,
                "error": null, "message": null,
            })
        );
    }

    #[test]
    fn unknown_source_names_are_echoed_printable_and_short() {
        let r = Reject::unknown_source(&format!("a\u{0}b\n{}", "x".repeat(100)));
        assert_eq!(r.code(), "unknown_source");
        assert_eq!(r.http_status(), 404);
        assert_eq!(
            r.message(),
            format!("no source named \"ab{}\"", "x".repeat(62))
        );
    }
}
