//! Salla's store tax model (storetax.created).

use crate::model::Change;
use crate::rows::{Record, Table};
use crate::values::{decimal, field, required_id, text, FieldError};
use serde_json::Value;

/// Reads a store tax.
pub(super) fn tax(t: &Value) -> Result<Change, FieldError> {
    Ok(Change::Record(
        Record::new(Table::Taxes, vec![required_id(t.get("id"), "tax id")?])
            .with("rate", decimal(field(t, "tax"), "tax rate")?)
            .with("status", text(field(t, "status")))
            .with("country", text(field(t, "country"))),
    ))
}
