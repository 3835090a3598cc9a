//! Salla's shipping zone and shipping company models (shipping.zone.*, shipping.company.*).

use crate::model::Change;
use crate::rows::{Record, Table};
use crate::values::{boolean, decimal, field, id, required_id, text, FieldError, Timestamp};
use serde_json::Value;

/// Reads a shipping zone.
pub(super) fn zone(z: &Value) -> Result<Change, FieldError> {
    let fees = field(z, "fees").unwrap_or(&Value::Null);
    let cod = field(z, "cash_on_delivery").unwrap_or(&Value::Null);
    let name = |v: Option<&Value>| v.and_then(|v| text(field(v, "name")).or_else(|| text(Some(v))));
    Ok(Change::Record(
        Record::new(
            Table::ShippingZones,
            vec![required_id(z.get("id"), "shipping zone id")?],
        )
        .with("zone_code", text(field(z, "zone_code")))
        .with(
            "company_id",
            id(
                field(z, "company").and_then(|c| field(c, "id")),
                "shipping zone company id",
            )?,
        )
        .with("country", name(field(z, "country")))
        .with("city", name(field(z, "city")))
        .with("fee", decimal(field(fees, "amount"), "shipping zone fee")?)
        .with("fee_type", text(field(fees, "type")))
        .with("currency", text(field(fees, "currency")))
        .with(
            "cod_available",
            boolean(field(cod, "status"), "shipping zone cod status")?,
        )
        .with(
            "cod_fee",
            decimal(field(cod, "fees"), "shipping zone cod fees")?,
        )
        .with("duration", text(field(z, "duration"))),
    ))
}

/// Reads a shipping company; `deleted_at` marks it deleted.
pub(super) fn company(c: &Value, deleted_at: Option<Timestamp>) -> Result<Change, FieldError> {
    Ok(Change::Record(
        Record::new(
            Table::ShippingCompanies,
            vec![required_id(c.get("id"), "shipping company id")?],
        )
        .with("name", text(field(c, "name")))
        .with(
            "is_active",
            boolean(field(c, "status"), "shipping company status")?,
        )
        .with("deleted_at", deleted_at),
    ))
}
