//! The platforms storesync understands. A new platform is a folder here plus one line in
//! [`Platform::from_name`].

pub mod flavours;
pub mod salla;

use crate::model::Change;
use crate::outcome::Reject;
use crate::values::{FieldError, Timestamp};
use serde_json::Value;

/// A webhook dialect, chosen by the source a delivery arrives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Salla,
    Flavours,
}

/// A platform name this build does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPlatform(pub String);

impl std::fmt::Display for UnknownPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown platform \"{}\"", self.0)
    }
}

impl std::error::Error for UnknownPlatform {}

/// The parts of a delivery every platform has.
#[derive(Debug)]
pub struct Envelope<'a> {
    /// The event name, e.g. `order.created`.
    pub event: String,
    /// The platform's merchant (store) id; `None` when the platform's webhooks name none, and
    /// the source says which store they belong to.
    pub merchant: Option<String>,
    /// When the platform says the event happened.
    pub created_at: Option<Timestamp>,
    /// When the delivery was received (the start of the transaction that stored it).
    pub received_at: Timestamp,
    /// The platform's id of this delivery, if it numbers them: the dedupe key.
    pub delivery_id: Option<String>,
    /// The event's own data.
    pub data: &'a Value,
}

impl Envelope<'_> {
    /// When the event happened: the platform's time, else the receive time.
    pub fn time(&self) -> Timestamp {
        self.created_at.unwrap_or(self.received_at)
    }
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
    /// The platform a source's `platform` column names. A name this build does not know is an
    /// error wherever it is read, never a guess.
    pub fn from_name(name: &str) -> Result<Self, UnknownPlatform> {
        match name {
            "salla" => Ok(Platform::Salla),
            "flavours" => Ok(Platform::Flavours),
            _ => Err(UnknownPlatform(name.chars().take(64).collect())),
        }
    }

    /// The name stored in `stores.platform`.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Salla => "salla",
            Platform::Flavours => "flavours",
        }
    }

    /// Reads the envelope; a body without one is not a webhook of this platform (HTTP 400).
    pub fn envelope(self, json: &Value, received_at: Timestamp) -> Result<Envelope<'_>, Reject> {
        match self {
            Platform::Salla => salla::envelope(json, received_at),
            Platform::Flavours => flavours::envelope(json, received_at),
        }
    }

    /// Maps an event into typed changes; an error is stored as a `failed` event.
    pub fn map(self, envelope: &Envelope) -> Result<Mapped, FieldError> {
        match self {
            Platform::Salla => salla::map(envelope),
            Platform::Flavours => flavours::map(envelope),
        }
    }

    /// Removes secrets (OAuth tokens, one-time codes, app settings) from a payload before it is
    /// stored. Returns whether it changed anything.
    pub fn redact(self, event: &str, json: &mut Value) -> bool {
        match self {
            Platform::Salla => salla::redact(event, json),
            Platform::Flavours => false,
        }
    }
}

/// What redaction leaves in place of a secret. Mappers treat it as "not sent", so replaying a
/// redacted payload never overwrites the real secret stored when it arrived.
pub const REDACTED: &str = "[redacted]";
