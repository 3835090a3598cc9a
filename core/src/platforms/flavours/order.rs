//! Flavours delivery orders (order.delivery.created / order.delivery.updated).
//!
//! Flavours documents no order payload, so this reads the fields a POS order plainly has under
//! the names such payloads use: the order at `data` or `data.order`; `id` (or `order_id`,
//! `uuid`); the customer as an object or a `customer_id`; the delivery status id (`status_id`,
//! `delivery_status_id`, `delivery_status` or `status`: a number, a numeric string, `{id}`, or
//! one of the status names); `total` (or `total_price`, `grand_total`, `amount`); `created_at`;
//! and `items` (or `products`, `order_items`). Whatever is present but unreadable fails the
//! event with the field's name; nothing is guessed.

use super::{customer::customer, Envelope, LOCAL_TZ};
use crate::model::{Change, Customer, Order, OrderItem, Product};
use crate::rows::{Record, Table};
use crate::values::{
    currency_of, decimal, field, first, id, required_id, text, timestamp, timestamp_text,
    FieldError,
};
use serde_json::Value;

/// Flavours delivery statuses: id, `status_slug` (the vocabulary orders share across
/// platforms), display name.
const STATUSES: [(i64, &str, &str); 7] = [
    (1, "under_review", "Under Review"),
    (2, "in_progress", "In process"),
    (3, "canceled", "Canceled"),
    (4, "pickup_ready", "Pickup ready"),
    (5, "assigned", "Assigned"),
    (6, "out_for_delivery", "Out for delivery"),
    (7, "delivered", "Delivered"),
];

/// The delivery status a value names, as (slug, name).
fn delivery_status(v: &Value) -> Result<(&'static str, &'static str), FieldError> {
    let v = if v.is_object() {
        first(v, &["id", "status_id"]).unwrap_or(&Value::Null)
    } else {
        v
    };
    let number = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok().or_else(|| {
            STATUSES
                .iter()
                .find(|(_, _, name)| name.eq_ignore_ascii_case(s.trim()))
                .map(|(id, _, _)| *id)
        }),
        _ => None,
    };
    number
        .and_then(|n| STATUSES.iter().find(|(id, _, _)| *id == n))
        .map(|(_, slug, name)| (*slug, *name))
        .ok_or_else(|| format!("order delivery status {v} is not one of the statuses 1 to 7"))
}

fn item(i: &Value, line: usize) -> Result<OrderItem, FieldError> {
    if !i.is_object() {
        return Err("order item is not an object".into());
    }
    let nested = field(i, "product").filter(|p| p.is_object());
    let product_id = match nested {
        Some(p) => id(p.get("id"), "order item product id")?,
        None => id(field(i, "product_id"), "order item product_id")?,
    };
    let name = text(first(i, &["name_en", "name"]))
        .or_else(|| nested.and_then(|p| text(first(p, &["name_en", "name"]))));
    Ok(OrderItem {
        // POS lines may have no id of their own: their position stands in.
        id: id(first(i, &["id", "item_id"]), "order item id")?
            .unwrap_or_else(|| format!("line-{line}")),
        product: product_id.map(|id| Product {
            id,
            name: name.clone(),
            ..Product::default()
        }),
        name,
        sku: text(field(i, "sku")),
        quantity: decimal(first(i, &["quantity", "qty"]), "order item quantity")?,
        price: decimal(first(i, &["price", "unit_price"]), "order item price")?,
        discount: decimal(field(i, "discount"), "order item discount")?,
        tax: decimal(first(i, &["tax", "vat"]), "order item tax")?,
        total: decimal(first(i, &["total", "total_price"]), "order item total")?,
        ..OrderItem::default()
    })
}

/// The order, and a status-history entry for the delivery status it reports.
pub(super) fn changes(d: &Value, env: &Envelope) -> Result<Vec<Change>, FieldError> {
    let o = field(d, "order").filter(|o| o.is_object()).unwrap_or(d);
    let order_id = required_id(first(o, &["id", "order_id", "uuid"]), "order id")?;
    let customer = match field(o, "customer") {
        Some(c) if c.is_object() => {
            let mut c = customer(c)?;
            c.condensed = c.updated_at.is_none();
            Some(c)
        }
        _ => id(field(o, "customer_id"), "order customer_id")?.map(|id| Customer {
            id,
            condensed: true,
            ..Customer::default()
        }),
    };
    let status = first(
        o,
        &[
            "status_id",
            "delivery_status_id",
            "delivery_status",
            "status",
        ],
    )
    .map(delivery_status)
    .transpose()?;
    let total = first(o, &["total", "total_price", "grand_total", "amount"]);
    let items = match first(o, &["items", "products", "order_items"]) {
        None => None,
        Some(Value::Array(list)) => Some(
            list.iter()
                .enumerate()
                .map(|(n, i)| item(i, n + 1))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err("order items is not a list".into()),
    };
    let payment = field(o, "payment_method");
    let updated_at = timestamp(field(o, "updated_at"), LOCAL_TZ, "order updated_at")?;
    let order = Order {
        id: order_id.clone(),
        reference_id: text(first(
            o,
            &["reference", "reference_id", "order_number", "number"],
        )),
        customer,
        status_slug: status.map(|(slug, _)| slug.to_string()),
        status_name: status.map(|(_, name)| name.to_string()),
        order_date: timestamp(
            first(o, &["created_at", "date", "ordered_at"]),
            LOCAL_TZ,
            "order created_at",
        )?,
        currency: text(field(o, "currency")).or_else(|| currency_of(total)),
        total: decimal(total, "order total")?,
        sub_total: decimal(first(o, &["sub_total", "subtotal"]), "order sub_total")?,
        shipping_cost: decimal(
            first(o, &["delivery_fee", "delivery_cost", "shipping_cost"]),
            "order delivery_fee",
        )?,
        tax: decimal(first(o, &["tax", "vat", "tax_amount"]), "order tax")?,
        discount: decimal(first(o, &["discount", "discount_amount"]), "order discount")?,
        payment_method: payment
            .and_then(|p| text(first(p, &["name", "key"])).or_else(|| text(Some(p)))),
        items,
        updated_at,
        ..Order::default()
    };
    let mut changes = vec![Change::Order(Box::new(order))];
    if let Some((slug, name)) = status {
        let at = updated_at.unwrap_or(env.time());
        // Each delivery is one status report: its xid identifies the history entry.
        let history_id = env
            .delivery_id
            .clone()
            .unwrap_or_else(|| timestamp_text(&at));
        changes.push(Change::Record(
            Record::new(Table::OrderStatusHistory, vec![order_id, history_id])
                .with("status_slug", Some(slug))
                .with("status_name", Some(name))
                .with("changed_at", Some(at)),
        ));
    }
    Ok(changes)
}
