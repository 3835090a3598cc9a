//! The platforms storesync understands. A new platform is a folder here plus one line in
//! [`Platform::from_name`].

pub mod salla;

use crate::model::Change;
use crate::outcome::Rejection;
use crate::values::{FieldError, Timestamp};
use serde_json::Value;

/// A webhook dialect, chosen by the source a delivery arrives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Salla,
}

/// The parts of a delivery every platform has.
#[derive(Debug)]
pub struct Envelope<'a> {
    /// The event name, e.g. `order.created`.
    pub event: String,
    /// The platform's merchant (store) id.
    pub merchant: String,
    /// When the platform says the event happened.
    pub created_at: Option<Timestamp>,
    /// The event's own data.
    pub data: &'a Value,
}

/// What a platform makes of an event.
#[derive(Debug)]
pub enum Mapped {
    /// Typed changes to apply.
    Changes(Vec<Change>),
    /// An event storesync stores but does not map.
    Ignored,
}

impl Platform {
    /// The platform a source's `platform` column names.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "salla" => Some(Platform::Salla),
            _ => None,
        }
    }

    /// The name stored in `stores.platform`.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Salla => "salla",
        }
    }

    /// Reads the envelope; a body without one is not a webhook of this platform (HTTP 400).
    pub fn envelope(self, json: &Value) -> Result<Envelope<'_>, Rejection> {
        match self {
            Platform::Salla => salla::envelope(json),
        }
    }

    /// Maps an event into typed changes; an error is stored as a `failed` event.
    pub fn map(self, envelope: &Envelope) -> Result<Mapped, FieldError> {
        match self {
            Platform::Salla => salla::map(envelope),
        }
    }

    /// Removes secrets (OAuth tokens) from a payload before it is stored. Returns whether it
    /// changed anything.
    pub fn redact(self, event: &str, json: &mut Value) -> bool {
        match self {
            Platform::Salla => salla::redact(event, json),
        }
    }
}
