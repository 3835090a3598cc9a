//! Flavours' product model: `{id, market_id, product_category_id, name_en, stock, price,
//! modifiers, …}`.

use super::LOCAL_TZ;
use crate::model::Product;
use crate::values::{
    boolean, decimal, field, first, id, integer, required_id, text, timestamp, FieldError,
};
use serde_json::Value;

/// Reads a Flavours product.
pub(super) fn product(p: &Value) -> Result<Product, FieldError> {
    if !p.is_object() {
        return Err("product is not an object".into());
    }
    let category = id(
        field(p, "product_category_id"),
        "product product_category_id",
    )?;
    Ok(Product {
        id: required_id(p.get("id"), "product id")?,
        name: text(first(p, &["name_en", "name", "name_ar"])),
        sku: text(field(p, "sku")),
        price: decimal(field(p, "price"), "product price")?,
        cost_price: decimal(field(p, "cost"), "product cost")?,
        quantity: integer(field(p, "stock"), "product stock")?,
        is_available: boolean(
            first(p, &["is_available", "is_active"]),
            "product is_active",
        )?,
        category_ids: category.map(|c| vec![c]),
        updated_at: timestamp(field(p, "updated_at"), LOCAL_TZ, "product updated_at")?,
        ..Product::default()
    })
}
