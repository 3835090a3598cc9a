//! Salla's order model (order.created, order.updated).

use super::{customer::customer, product::product, LOCAL_TZ};
use crate::model::{Order, OrderItem};
use crate::values::{
    boolean, currency_of, decimal, field, required_id, text, timestamp, FieldError,
};
use serde_json::Value;

/// Reads a Salla order object.
pub(super) fn order(o: &Value) -> Result<Order, FieldError> {
    let amounts = field(o, "amounts").unwrap_or(&Value::Null);
    let status = field(o, "status");
    let discounts = match field(amounts, "discounts") {
        None => None,
        Some(Value::Array(list)) => Some(
            list.iter()
                .filter_map(|d| decimal(field(d, "discount"), "order discount").transpose())
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err("order discounts is not a list".into()),
    };
    let items = match field(o, "items") {
        None => None,
        Some(Value::Array(list)) => Some(list.iter().map(item).collect::<Result<Vec<_>, _>>()?),
        Some(_) => return Err("order items is not a list".into()),
    };
    let total = field(amounts, "total");
    Ok(Order {
        id: required_id(o.get("id"), "order id")?,
        reference_id: text(field(o, "reference_id")),
        customer: field(o, "customer").map(customer).transpose()?,
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
        discounts,
        payment_method: text(field(o, "payment_method")),
        draft: boolean(field(o, "draft"), "order draft")?,
        items,
    })
}

fn item(i: &Value) -> Result<OrderItem, FieldError> {
    if !i.is_object() {
        return Err("order item is not an object".into());
    }
    let amounts = field(i, "amounts").unwrap_or(&Value::Null);
    Ok(OrderItem {
        id: required_id(i.get("id"), "order item id")?,
        product: field(i, "product").map(product).transpose()?,
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
