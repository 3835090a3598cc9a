//! Flavours' customer model: `{id, gender, city, …, user: {name, email, phone_prefix, phone,
//! created_at, updated_at, deleted_at}}` (times in epoch milliseconds).

use super::LOCAL_TZ;
use crate::model::Customer;
use crate::values::{field, required_id, text, timestamp, FieldError};
use serde_json::Value;

/// Reads a Flavours customer; fields of the nested `user` win over the customer's own.
pub(super) fn customer(c: &Value) -> Result<Customer, FieldError> {
    if !c.is_object() {
        return Err("customer is not an object".into());
    }
    let user = field(c, "user").unwrap_or(&Value::Null);
    let get = |key: &str| field(user, key).or_else(|| field(c, key));
    // "966" → "+966", the form Salla uses, so one store's codes compare with another's.
    let mobile_code = text(get("phone_prefix")).map(|p| {
        let p = p.trim().to_string();
        if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() {
            format!("+{p}")
        } else {
            p
        }
    });
    Ok(Customer {
        id: required_id(c.get("id"), "customer id")?,
        name: text(get("name")),
        email: text(get("email")),
        mobile: text(get("phone")),
        mobile_code,
        gender: text(field(c, "gender")),
        city: text(field(c, "city")),
        updated_at: timestamp(get("updated_at"), LOCAL_TZ, "customer updated_at")?,
        deleted_at: timestamp(get("deleted_at"), LOCAL_TZ, "customer deleted_at")?,
        ..Customer::default()
    })
}
