//! Salla's order model (the order events and the order shipment events), the status-history
//! record of order.status.updated, and order shipment cancellations.

use super::{customer::embedded, product::product, shipment::shipment, LOCAL_TZ};
use crate::model::{Change, Order, OrderItem, Product};
use crate::rows::{Record, Table};
use crate::values::{
    boolean, currency_of, decimal, field, id, list, required_id, text, timestamp, Decimal,
    FieldError, Timestamp,
};
use serde_json::Value;

/// Reads a Salla order object: the full model, or the condensed one inside a status update.
pub(super) fn order(o: &Value) -> Result<Order, FieldError> {
    if !o.is_object() {
        return Err("order is not an object".into());
    }
    let amounts = field(o, "amounts").unwrap_or(&Value::Null);
    let status = field(o, "status");
    // The order's discount is the sum of the discounts it lists.
    let discount = list(field(amounts, "discounts"), "order discounts", |d| {
        decimal(field(d, "discount"), "order discount")
    })?
    .map(|list| Decimal::sum(&list).ok_or("order discounts do not add up to a storable number"))
    .transpose()?;
    let items = list(field(o, "items"), "order items", |i| item(i).map(Some))?;
    let total = field(amounts, "total").or_else(|| field(o, "total"));
    let shipping = field(o, "shipping").unwrap_or(&Value::Null);
    let address = field(shipping, "address").unwrap_or(&Value::Null);
    Ok(Order {
        id: required_id(o.get("id"), "order id")?,
        reference_id: text(field(o, "reference_id")),
        customer: field(o, "customer").map(embedded).transpose()?,
        status_slug: status.and_then(|s| text(field(s, "slug"))),
        status_name: status.and_then(|s| text(field(s, "name"))),
        order_date: timestamp(field(o, "date"), LOCAL_TZ, "order date")?,
        currency: text(field(o, "currency")).or_else(|| currency_of(total)),
        total: decimal(total, "order total")?,
        sub_total: decimal(field(amounts, "sub_total"), "order sub_total")?,
        shipping_cost: decimal(field(amounts, "shipping_cost"), "order shipping_cost")?,
        tax: decimal(
            field(amounts, "tax").and_then(|t| field(t, "amount")),
            "order tax",
        )?,
        discount,
        payment_method: text(field(o, "payment_method")),
        draft: boolean(field(o, "draft"), "order draft")?,
        items,
        source: text(field(o, "source")),
        shipping_company: text(field(shipping, "company")),
        shipping_city: text(field(address, "city")),
        shipping_country: text(field(address, "country")),
        updated_at: None,
        deleted_at: None,
    })
}

fn item(i: &Value) -> Result<OrderItem, FieldError> {
    if !i.is_object() {
        return Err("order item is not an object".into());
    }
    let amounts = field(i, "amounts").unwrap_or(&Value::Null);
    // The full model nests the product; the condensed one names it by product_id.
    let product = match field(i, "product") {
        Some(p) => Some(product(p)?),
        None => id(field(i, "product_id"), "order item product_id")?.map(|id| Product {
            id,
            ..Product::default()
        }),
    };
    Ok(OrderItem {
        id: required_id(i.get("id"), "order item id")?,
        product,
        name: text(field(i, "name")),
        sku: text(field(i, "sku")),
        quantity: decimal(field(i, "quantity"), "order item quantity")?,
        currency: text(field(i, "currency")),
        price: decimal(field(amounts, "price_without_tax"), "order item price")?,
        discount: decimal(field(amounts, "total_discount"), "order item discount")?,
        tax: decimal(
            field(amounts, "tax").and_then(|t| field(t, "amount")),
            "order item tax",
        )?,
        total: decimal(field(amounts, "total"), "order item total")?,
    })
}

/// The order and the shipments it lists; `deleted_at` marks it deleted (order.deleted).
pub(super) fn changes(o: &Value, deleted_at: Option<Timestamp>) -> Result<Vec<Change>, FieldError> {
    let mut order = order(o)?;
    order.deleted_at = deleted_at;
    let order_id = order.id.clone();
    let shipments = list(field(o, "shipments"), "order shipments", |s| {
        shipment(s, Some(&order_id)).map(Some)
    })?
    .unwrap_or_default();
    let mut changes = vec![Change::Order(Box::new(order))];
    changes.extend(shipments.into_iter().map(Change::Record));
    Ok(changes)
}

/// order.status.updated: `data` is a status-history record (its `status` is the display
/// name); the order, condensed, is at `data.order`, its new slug at `data.order.status.slug`.
pub(super) fn status_updated(d: &Value) -> Result<Vec<Change>, FieldError> {
    let o = field(d, "order")
        .filter(|o| o.is_object())
        .ok_or("order status order is missing")?;
    let mut changes = changes(o, None)?;
    let Some(Change::Order(order)) = changes.first_mut() else {
        unreachable!("changes() starts with the order");
    };
    let slug = order
        .status_slug
        .clone()
        .ok_or("order status slug is missing")?;
    let name = text(field(d, "status")).or_else(|| order.status_name.clone());
    order.status_name = name.clone();
    let history = Record::new(
        Table::OrderStatusHistory,
        vec![
            order.id.clone(),
            required_id(d.get("id"), "order status history id")?,
        ],
    )
    .with("status_slug", Some(slug))
    .with("status_name", name)
    .with("note", text(field(d, "note")))
    .with(
        "changed_at",
        timestamp(field(d, "created_at"), LOCAL_TZ, "order status created_at")?,
    );
    changes.push(Change::Record(history));
    Ok(changes)
}

/// order.shipment.cancelled / order.shipment.return.cancelled: `{id, reference_id,
/// shipping_number}` of the order; `kind` is shipment or return.
pub(super) fn shipment_cancelled(
    d: &Value,
    kind: &str,
    at: Timestamp,
) -> Result<Vec<Change>, FieldError> {
    let order_id = required_id(d.get("id"), "order id")?;
    let number = text(field(d, "shipping_number")).unwrap_or_default();
    Ok(vec![Change::Record(
        Record::new(
            Table::OrderShipmentCancellations,
            vec![order_id, kind.to_string(), number],
        )
        .with("reference_id", text(field(d, "reference_id")))
        .with("canceled_at", Some(at)),
    )])
}
