//! Salla (salla.sa): envelope `{event, merchant, created_at, data}`.
//!
//! Times without a zone are Salla's local time, Asia/Riyadh, the zone of every PHP `DateTime`
//! object in Salla's payloads.

mod customer;
mod order;
mod product;

use super::{Envelope, Mapped};
use crate::model::Change;
use crate::outcome::Rejection;
use crate::values::{self, FieldError};
use chrono_tz::Tz;
use serde_json::Value;

/// The zone of Salla's zone-less times.
pub(crate) const LOCAL_TZ: Tz = chrono_tz::Asia::Riyadh;

pub(super) fn envelope(json: &Value) -> Result<Envelope<'_>, Rejection> {
    let missing = |what: &str| {
        Rejection::bad_request(
            "not_a_webhook",
            format!("the body is not a Salla webhook: {what}"),
        )
    };
    let event = json
        .get("event")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty() && e.len() <= 200)
        .ok_or_else(|| missing("\"event\" is missing or not a string"))?;
    let merchant = values::id(json.get("merchant"), "merchant")
        .ok()
        .flatten()
        .ok_or_else(|| missing("\"merchant\" is missing or not an id"))?;
    let data = json
        .get("data")
        .filter(|d| d.is_object())
        .ok_or_else(|| missing("\"data\" is missing or not an object"))?;
    // A created_at we cannot read is not worth refusing the event for: the receive time stands in.
    let created_at = values::timestamp(json.get("created_at"), LOCAL_TZ, "created_at")
        .ok()
        .flatten();
    Ok(Envelope {
        event: event.to_string(),
        merchant,
        created_at,
        data,
    })
}

pub(super) fn map(envelope: &Envelope) -> Result<Mapped, FieldError> {
    let data = envelope.data;
    let change = match envelope.event.as_str() {
        "order.created" | "order.updated" => Change::Order(Box::new(order::order(data)?)),
        "customer.created" | "customer.updated" => Change::Customer(customer::customer(data)?),
        "customer.login" => {
            let mut c = customer::customer(data)?;
            c.logged_in_at = envelope.created_at;
            Change::Customer(c)
        }
        "product.created" | "product.updated" => Change::Product(product::product(data)?),
        _ => return Ok(Mapped::Ignored),
    };
    Ok(Mapped::Changes(vec![change]))
}

pub(super) fn redact(event: &str, json: &mut Value) -> bool {
    // SECURITY: app.store.authorize carries the merchant's OAuth tokens; the inbox, which
    // analysts may read, keeps only the fact that they were sent.
    if event != "app.store.authorize" {
        return false;
    }
    let Some(data) = json.get_mut("data").and_then(Value::as_object_mut) else {
        return false;
    };
    let mut changed = false;
    for key in ["access_token", "refresh_token"] {
        if let Some(v) = data.get_mut(key) {
            *v = Value::String("[redacted]".into());
            changed = true;
        }
    }
    changed
}
