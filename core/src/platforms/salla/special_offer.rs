//! Salla's special offer model (specialoffer.* events).

use super::LOCAL_TZ;
use crate::model::Change;
use crate::rows::{Record, Table};
use crate::values::{field, required_id, text, timestamp, FieldError};
use serde_json::Value;

/// Reads a special offer.
pub(super) fn special_offer(o: &Value) -> Result<Change, FieldError> {
    Ok(Change::Record(
        Record::new(
            Table::SpecialOffers,
            vec![required_id(o.get("id"), "special offer id")?],
        )
        .with("name", text(field(o, "name")))
        .with("message", text(field(o, "message")))
        .with("offer_type", text(field(o, "offer_type")))
        .with("status", text(field(o, "status")))
        .with(
            "expires_at",
            timestamp(
                field(o, "expiry_date"),
                LOCAL_TZ,
                "special offer expiry_date",
            )?,
        ),
    ))
}
