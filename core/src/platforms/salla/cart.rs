//! Salla's cart model (abandoned.cart, and the cart inside coupon.applied), the abandoned cart
//! status events, and the coupon a cart carries.

use super::{customer::embedded, LOCAL_TZ};
use crate::model::{CartItem, Change};
use crate::rows::{Record, Table, Version};
use crate::values::{
    boolean, currency_of, decimal, field, first, id, integer, list, required_id, text, timestamp,
    FieldError, Timestamp,
};
use serde_json::Value;

/// Reads a cart: the cart row, its customer (a condensed copy), its coupon and its items.
fn cart(c: &Value, abandoned: bool) -> Result<Vec<Change>, FieldError> {
    if !c.is_object() {
        return Err("cart is not an object".into());
    }
    let cart_id = required_id(c.get("id"), "cart id")?;
    let total = field(c, "total");
    let updated_at = timestamp(field(c, "updated_at"), LOCAL_TZ, "cart updated_at")?;
    let customer = field(c, "customer").map(embedded).transpose()?;
    let coupon = field(c, "coupon").map(coupon).transpose()?;
    let items = list(field(c, "items"), "cart items", |i| {
        Ok(Some(CartItem {
            id: required_id(i.get("id"), "cart item id")?,
            product_id: id(field(i, "product_id"), "cart item product_id")?,
            quantity: decimal(field(i, "quantity"), "cart item quantity")?,
        }))
    })?;
    let row = Record::new(Table::Carts, vec![cart_id.clone()])
        .with("customer_id", customer.as_ref().map(|c| c.id.clone()))
        .with("is_abandoned", abandoned.then_some(true))
        .with(
            "currency",
            currency_of(total).or_else(|| text(field(c, "currency"))),
        )
        .with("total", decimal(total, "cart total")?)
        .with("subtotal", decimal(field(c, "subtotal"), "cart subtotal")?)
        .with(
            "total_discount",
            decimal(field(c, "total_discount"), "cart total_discount")?,
        )
        .with(
            "coupon_code",
            coupon
                .as_ref()
                .and_then(|c| c.values.get("code"))
                .and_then(|v| text(Some(v))),
        )
        .with("checkout_url", text(field(c, "checkout_url")))
        .with(
            "age_in_minutes",
            integer(field(c, "age_in_minutes"), "cart age_in_minutes")?,
        )
        .with(
            "cart_created_at",
            timestamp(field(c, "created_at"), LOCAL_TZ, "cart created_at")?,
        )
        .with("cart_updated_at", updated_at)
        .versioned(updated_at.map_or(Version::Event, Version::At));
    let mut changes = Vec::new();
    changes.extend(customer.map(Change::Customer));
    changes.push(Change::Record(row));
    changes.extend(coupon.map(Change::Record));
    if let Some(items) = items {
        changes.push(Change::CartItems {
            cart_id,
            items,
            at: updated_at,
        });
    }
    Ok(changes)
}

/// Reads a coupon object.
fn coupon(c: &Value) -> Result<Record, FieldError> {
    Ok(
        Record::new(Table::Coupons, vec![required_id(c.get("id"), "coupon id")?])
            .with("code", text(field(c, "code")))
            .with("status", text(field(c, "status")))
            .with("type", text(field(c, "type")))
            .with("amount", decimal(field(c, "amount"), "coupon amount")?)
            .with(
                "minimum_amount",
                decimal(field(c, "minimum_amount"), "coupon minimum_amount")?,
            )
            .with(
                "free_shipping",
                boolean(field(c, "free_shipping"), "coupon free_shipping")?,
            )
            .with(
                "starts_at",
                timestamp(field(c, "start_date"), LOCAL_TZ, "coupon start_date")?,
            )
            .with(
                "expires_at",
                timestamp(field(c, "expiry_date"), LOCAL_TZ, "coupon expiry_date")?,
            ),
    )
}

/// abandoned.cart.
pub(super) fn abandoned(d: &Value) -> Result<Vec<Change>, FieldError> {
    cart(d, true)
}

/// coupon.applied: the cart the coupon was applied to, at `data.cart`.
pub(super) fn coupon_applied(d: &Value) -> Result<Vec<Change>, FieldError> {
    let c = field(d, "cart").ok_or("coupon.applied cart is missing")?;
    cart(c, false)
}

/// abandoned.cart.status.changed: `{id, status}`.
pub(super) fn status_changed(d: &Value) -> Result<Change, FieldError> {
    Ok(Change::Record(
        Record::new(Table::Carts, vec![required_id(d.get("id"), "cart id")?])
            .with("is_abandoned", Some(true))
            .with(
                "status",
                Some(text(field(d, "status")).ok_or("cart status is missing")?),
            ),
    ))
}

/// abandoned.cart.purchased: `{id, status, currency, total, subtotal, total_discount}`.
pub(super) fn purchased(d: &Value, at: Timestamp) -> Result<Change, FieldError> {
    let total = field(d, "total");
    Ok(Change::Record(
        Record::new(Table::Carts, vec![required_id(d.get("id"), "cart id")?])
            .with("is_abandoned", Some(true))
            .with(
                "status",
                text(field(d, "status")).or(Some("purchased".into())),
            )
            .with(
                "currency",
                text(field(d, "currency")).or_else(|| currency_of(total)),
            )
            .with("total", decimal(total, "cart total")?)
            .with(
                "subtotal",
                decimal(first(d, &["subtotal", "sub_total"]), "cart subtotal")?,
            )
            .with(
                "total_discount",
                decimal(field(d, "total_discount"), "cart total_discount")?,
            )
            .with("purchased_at", Some(at)),
    ))
}
