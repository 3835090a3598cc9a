//! Salla's shipment model: shipment.* events and the shipments listed in an order.

use super::LOCAL_TZ;
use crate::rows::{Record, Table};
use crate::values::{
    boolean, currency_of, decimal, field, id, required_id, text, timestamp, FieldError,
};
use serde_json::Value;

/// Reads a shipment; `order_id` names its order when the shipment sits inside one.
pub(super) fn shipment(s: &Value, order_id: Option<&str>) -> Result<Record, FieldError> {
    if !s.is_object() {
        return Err("shipment is not an object".into());
    }
    let total = field(s, "total");
    let order_id = match order_id {
        Some(o) => Some(o.to_string()),
        None => id(field(s, "order_id"), "shipment order_id")?,
    };
    Ok(Record::new(
        Table::Shipments,
        vec![required_id(s.get("id"), "shipment id")?],
    )
    .with("order_id", order_id)
    .with("order_reference_id", text(field(s, "order_reference_id")))
    .with("type", text(field(s, "type")))
    .with("status", text(field(s, "status")))
    .with(
        "courier_id",
        id(field(s, "courier_id"), "shipment courier_id")?,
    )
    .with("courier_name", text(field(s, "courier_name")))
    .with("shipping_number", text(field(s, "shipping_number")))
    .with("tracking_number", text(field(s, "tracking_number")))
    .with("tracking_link", text(field(s, "tracking_link")))
    .with("payment_method", text(field(s, "payment_method")))
    .with("currency", currency_of(total))
    .with("total", decimal(total, "shipment total")?)
    .with(
        "cash_on_delivery",
        decimal(field(s, "cash_on_delivery"), "shipment cash_on_delivery")?,
    )
    .with(
        "is_international",
        boolean(field(s, "is_international"), "shipment is_international")?,
    )
    .with(
        "shipment_created_at",
        timestamp(field(s, "created_at"), LOCAL_TZ, "shipment created_at")?,
    ))
}
