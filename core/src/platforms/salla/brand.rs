//! Salla's brand model (brand.* events).

use crate::model::Change;
use crate::rows::{Record, Table};
use crate::values::{boolean, field, required_id, text, FieldError, Timestamp};
use serde_json::Value;

/// Reads a brand; `deleted_at` marks it deleted.
pub(super) fn brand(b: &Value, deleted_at: Option<Timestamp>) -> Result<Change, FieldError> {
    Ok(Change::Record(
        Record::new(Table::Brands, vec![required_id(b.get("id"), "brand id")?])
            .with("name", text(field(b, "name")))
            .with("description", text(field(b, "description")))
            .with("is_active", boolean(field(b, "status"), "brand status")?)
            .with("logo", text(field(b, "logo")))
            .with("banner", text(field(b, "banner")))
            .with("deleted_at", deleted_at),
    ))
}
