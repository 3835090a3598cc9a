//! Salla's product model: the product events, the granular product.*.updated events (which
//! carry a few of its fields: only those are read, so only those change), and the condensed
//! product inside an order item.

use super::LOCAL_TZ;
use crate::model::Product;
use crate::values::{
    boolean, currency_of, decimal, field, first, id, integer, list, required_id, text, timestamp,
    FieldError,
};
use serde_json::Value;

/// Reads a Salla product object, whole or partial.
pub(super) fn product(p: &Value) -> Result<Product, FieldError> {
    if !p.is_object() {
        return Err("product is not an object".into());
    }
    let price = field(p, "price");
    // The main image is an object {id, url, …} (product.image.updated) or a URL.
    let main_image =
        field(p, "main_image").and_then(|m| text(field(m, "url")).or_else(|| text(Some(m))));
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
        mpn: text(field(p, "mpn")),
        gtin: text(field(p, "gtin")),
        // product.created says cost_price, product.price.updated says cost.
        cost_price: decimal(first(p, &["cost_price", "cost"]), "product cost_price")?,
        taxed_price: decimal(field(p, "taxed_price"), "product taxed_price")?,
        main_image: main_image.or_else(|| text(field(p, "thumbnail"))),
        brand_id: match field(p, "brand") {
            Some(b) if b.is_object() => id(b.get("id"), "product brand id")?,
            _ => id(field(p, "brand_id"), "product brand_id")?,
        },
        category_ids: list(field(p, "categories"), "product categories", |c| {
            id(
                if c.is_object() { c.get("id") } else { Some(c) },
                "product category id",
            )
        })?,
        tags: list(field(p, "tags"), "product tags", |t| {
            Ok(if t.is_object() {
                text(field(t, "name"))
            } else {
                text(Some(t))
            })
        })?,
        channels: list(field(p, "channels"), "product channels", |c| {
            Ok(text(Some(c)))
        })?,
        deleted_at: None,
    })
}
