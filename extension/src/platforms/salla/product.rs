//! Salla's product model, and the condensed product inside an order item.

use super::LOCAL_TZ;
use crate::model::Product;
use crate::values::{
    boolean, currency_of, decimal, field, integer, required_id, text, timestamp, FieldError,
};
use serde_json::Value;

/// Reads a Salla product object.
pub(super) fn product(p: &Value) -> Result<Product, FieldError> {
    if !p.is_object() {
        return Err("product is not an object".into());
    }
    let price = field(p, "price");
    Ok(Product {
        id: required_id(p.get("id"), "product id")?,
        name: text(field(p, "name")),
        sku: text(field(p, "sku")),
        kind: text(field(p, "type")),
        status: text(field(p, "status")),
        price: decimal(price, "product price")?,
        sale_price: decimal(field(p, "sale_price"), "product sale_price")?,
        regular_price: decimal(field(p, "regular_price"), "product regular_price")?,
        currency: currency_of(price).or_else(|| text(field(p, "currency"))),
        quantity: integer(field(p, "quantity"), "product quantity")?,
        is_available: boolean(field(p, "is_available"), "product is_available")?,
        updated_at: timestamp(field(p, "updated_at"), LOCAL_TZ, "product updated_at")?,
    })
}
