//! Flavours (restaurant POS): envelope `{xid, action, timestamp (epoch ms), data}`.
//!
//! Flavours' webhooks name no merchant: the source they arrive on says which store they belong
//! to. They carry no signature either (sources use the Token strategy), but they do number
//! their deliveries: `xid` is the dedupe key. Flavours documents its customer and product
//! payloads but not its order payload, so orders are read defensively (see [`order`]).

mod customer;
mod order;
mod product;

use super::{Envelope, Mapped};
use crate::model::Change;
use crate::outcome::Reject;
use crate::values::{self, FieldError, Timestamp};
use chrono_tz::Tz;
use serde_json::Value;

/// The zone of zone-less times (Flavours serves Saudi restaurants).
pub(crate) const LOCAL_TZ: Tz = chrono_tz::Asia::Riyadh;

/// The event name of Flavours' error webhook, `{code, endpoint, message}`.
pub const ERROR_EVENT: &str = "error";

pub(super) fn envelope(json: &Value, received_at: Timestamp) -> Result<Envelope<'_>, Reject> {
    let missing = |what: &str| Reject::NotAWebhook {
        reason: format!("the body is not a Flavours webhook: {what}"),
    };
    let (event, data) = match json.get("action") {
        Some(Value::String(a)) if !a.is_empty() && a.len() <= 200 => {
            let data = json
                .get("data")
                .filter(|d| d.is_object())
                .ok_or_else(|| missing("\"data\" is missing or not an object"))?;
            (a.clone(), data)
        }
        // Flavours' documented error webhook has no envelope: kept whole, as event "error".
        None if json.get("code").is_some() && json.get("message").is_some() => {
            (ERROR_EVENT.to_string(), json)
        }
        _ => return Err(missing("\"action\" is missing or not a string")),
    };
    let delivery_id =
        values::id(json.get("xid"), "xid").map_err(|_| missing("\"xid\" is not an id"))?;
    let created_at = values::timestamp(json.get("timestamp"), LOCAL_TZ, "timestamp")
        .ok()
        .flatten();
    Ok(Envelope {
        event,
        merchant: None,
        created_at,
        received_at,
        delivery_id,
        data,
    })
}

pub(super) fn map(env: &Envelope) -> Result<Mapped, FieldError> {
    let data = env.data;
    let changes = match env.event.as_str() {
        "customers.CREATE" | "customers.UPDATE" => {
            vec![Change::Customer(customer::customer(data)?)]
        }
        "customers.DELETE" => {
            let mut c = customer::customer(data)?;
            c.deleted_at = c.deleted_at.or(Some(env.time()));
            vec![Change::Customer(c)]
        }
        // Documented as CREATED/UPDATED; the customer actions' spelling is accepted too.
        "products.CREATED" | "products.UPDATED" | "products.CREATE" | "products.UPDATE" => {
            vec![Change::Product(product::product(data)?)]
        }
        "order.delivery.created" | "order.delivery.updated" => order::changes(data, env)?,
        _ => return Ok(Mapped::Ignored),
    };
    Ok(Mapped::Changes(changes))
}
