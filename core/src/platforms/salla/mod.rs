//! Salla (salla.sa): envelope `{event, merchant, created_at, data}`.
//!
//! Times without a zone are Salla's local time, Asia/Riyadh, the zone of every PHP `DateTime`
//! object in Salla's payloads. One module per entity; events that share a model share its
//! reader.

mod app;
mod branch;
mod brand;
mod cart;
mod category;
mod customer;
mod invoice;
mod order;
mod product;
mod review;
mod shipment;
mod shipping;
mod special_offer;
mod tax;

use super::{Envelope, Mapped, REDACTED};
use crate::model::Change;
use crate::outcome::Reject;
use crate::values::{self, FieldError, Timestamp};
use chrono_tz::Tz;
use serde_json::Value;

/// The zone of Salla's zone-less times.
pub(crate) const LOCAL_TZ: Tz = chrono_tz::Asia::Riyadh;

pub(super) fn envelope(json: &Value, received_at: Timestamp) -> Result<Envelope<'_>, Reject> {
    let missing = |what: &str| Reject::NotAWebhook {
        reason: format!("the body is not a Salla webhook: {what}"),
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
        merchant: Some(merchant),
        created_at,
        received_at,
        delivery_id: None,
        data,
    })
}

pub(super) fn map(env: &Envelope) -> Result<Mapped, FieldError> {
    let data = env.data;
    let changes: Vec<Change> = match env.event.as_str() {
        // The order model: ten order events, and the order shipment events that carry it.
        "order.created"
        | "order.updated"
        | "order.cancelled"
        | "order.refunded"
        | "order.products.updated"
        | "order.payment.updated"
        | "order.coupon.updated"
        | "order.total.price.updated"
        | "order.shipping.address.updated"
        | "order.shipment.creating"
        | "order.shipment.created"
        | "order.shipment.return.creating"
        | "order.shipment.return.created" => order::changes(data, None)?,
        "order.deleted" => order::changes(data, Some(env.time()))?,
        "order.status.updated" => order::status_updated(data)?,
        "order.shipment.cancelled" => order::shipment_cancelled(data, "shipment", env.time())?,
        "order.shipment.return.cancelled" => order::shipment_cancelled(data, "return", env.time())?,
        // The product model, whole or in part (the granular events carry a few fields only).
        "product.created"
        | "product.updated"
        | "product.available"
        | "product.quantity.low"
        | "product.price.updated"
        | "product.status.updated"
        | "product.image.updated"
        | "product.category.updated"
        | "product.brand.updated"
        | "product.tags.updated"
        | "product.channels.changed" => vec![Change::Product(product::product(data)?)],
        "product.deleted" => {
            let mut p = product::product(data)?;
            p.deleted_at = Some(env.time());
            vec![Change::Product(p)]
        }
        "customer.created" | "customer.updated" => {
            vec![Change::Customer(customer::customer(data)?)]
        }
        "customer.login" => {
            let mut c = customer::customer(data)?;
            c.logged_in_at = Some(env.time());
            vec![Change::Customer(c)]
        }
        "customer.otp.request" => vec![customer::otp_request(data, env.time())?],
        "category.created" | "category.updated" => vec![category::category(data, None)?],
        "category.deleted" => vec![category::category(data, Some(env.time()))?],
        "brand.created" | "brand.updated" => vec![brand::brand(data, None)?],
        "brand.deleted" => vec![brand::brand(data, Some(env.time()))?],
        "store.branch.created" | "store.branch.updated" | "store.branch.activated" => {
            branch::changes(data, false, None)?
        }
        "store.branch.setDefault" => branch::changes(data, true, None)?,
        "store.branch.deleted" => branch::changes(data, false, Some(env.time()))?,
        "storetax.created" => vec![tax::tax(data)?],
        "specialoffer.created" | "specialoffer.updated" => {
            vec![special_offer::special_offer(data)?]
        }
        "shipping.zone.created" | "shipping.zone.updated" => vec![shipping::zone(data)?],
        "shipping.company.created" | "shipping.company.updated" => {
            vec![shipping::company(data, None)?]
        }
        "shipping.company.deleted" => vec![shipping::company(data, Some(env.time()))?],
        "shipment.creating" | "shipment.created" | "shipment.updated" => {
            vec![Change::Record(shipment::shipment(data, None)?)]
        }
        "shipment.cancelled" => {
            let canceled = shipment::shipment(data, None)?.with("canceled_at", Some(env.time()));
            vec![Change::Record(canceled)]
        }
        "abandoned.cart" => cart::abandoned(data)?,
        "abandoned.cart.status.changed" => vec![cart::status_changed(data)?],
        "abandoned.cart.purchased" => vec![cart::purchased(data, env.time())?],
        "coupon.applied" => cart::coupon_applied(data)?,
        "invoice.created" => invoice::changes(data)?,
        "review.added" => review::changes(data, env.time())?,
        event if event.starts_with("app.") => match app::changes(event, data, env.time())? {
            Some(changes) => changes,
            None => return Ok(Mapped::Ignored),
        },
        _ => return Ok(Mapped::Ignored),
    };
    Ok(Mapped::Changes(changes))
}

pub(super) fn redact(event: &str, json: &mut Value) -> bool {
    // SECURITY: the inbox, which analysts may read, keeps only the fact that these were sent:
    // the merchant's OAuth tokens, a customer's one-time password, and the app settings (which
    // may hold third-party keys). Tokens and settings are stored in store_credentials.
    let keys: &[&str] = match event {
        "app.store.authorize" => &["access_token", "refresh_token"],
        "customer.otp.request" => &["code"],
        "app.settings.updated" => &["settings"],
        _ => return false,
    };
    let Some(data) = json.get_mut("data").and_then(Value::as_object_mut) else {
        return false;
    };
    let mut changed = false;
    for key in keys {
        if let Some(v) = data.get_mut(*key) {
            *v = Value::String(REDACTED.into());
            changed = true;
        }
    }
    changed
}
