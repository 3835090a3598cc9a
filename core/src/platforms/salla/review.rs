//! Salla's review model (review.added).

use super::customer::embedded;
use crate::model::Change;
use crate::rows::{Record, Table};
use crate::values::{decimal, field, id, text, FieldError, Timestamp};
use serde_json::Value;

/// The review, and the (condensed) customer who wrote it. Salla's review carries no id of its
/// own: order, product and customer identify it.
pub(super) fn changes(r: &Value, at: Timestamp) -> Result<Vec<Change>, FieldError> {
    let id_of = |key: &str, what: &str| id(field(r, key).and_then(|o| o.get("id")), what);
    let order_id = id_of("order", "review order id")?;
    let product_id = id_of("product", "review product id")?;
    let customer = field(r, "customer").map(embedded).transpose()?;
    let customer_id = customer.as_ref().map(|c| c.id.clone());
    let review_id = match id(field(r, "id"), "review id")? {
        Some(id) => id,
        None if order_id.is_some() || product_id.is_some() => {
            [&order_id, &product_id, &customer_id]
                .iter()
                .map(|p| p.as_deref().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(":")
        }
        None => return Err("review id is missing (and no order or product names it)".into()),
    };
    let review = Record::new(Table::Reviews, vec![review_id])
        .with("type", text(field(r, "type")))
        .with("rating", decimal(field(r, "rating"), "review rating")?)
        .with("content", text(field(r, "content")))
        .with("customer_id", customer_id)
        .with("product_id", product_id)
        .with("order_id", order_id)
        .with("reviewed_at", Some(at));
    let mut changes = Vec::new();
    changes.extend(customer.map(Change::Customer));
    changes.push(Change::Record(review));
    Ok(changes)
}
