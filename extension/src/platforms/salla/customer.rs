//! Salla's customer model, shared by customer.* events and the customer inside an order.

use super::LOCAL_TZ;
use crate::model::Customer;
use crate::values::{date, field, required_id, text, timestamp, FieldError};
use serde_json::Value;

/// Reads a Salla customer object.
pub(super) fn customer(c: &Value) -> Result<Customer, FieldError> {
    if !c.is_object() {
        return Err("customer is not an object".into());
    }
    Ok(Customer {
        id: required_id(c.get("id"), "customer id")?,
        first_name: text(field(c, "first_name")),
        last_name: text(field(c, "last_name")),
        email: text(field(c, "email")),
        // Salla sends the mobile as a number or a string.
        mobile: text(field(c, "mobile")),
        mobile_code: text(field(c, "mobile_code")),
        gender: text(field(c, "gender")),
        birthday: date(field(c, "birthday"), LOCAL_TZ, "customer birthday")?,
        city: text(field(c, "city")),
        country: text(field(c, "country")),
        country_code: text(field(c, "country_code")),
        currency: text(field(c, "currency")),
        updated_at: timestamp(field(c, "updated_at"), LOCAL_TZ, "customer updated_at")?,
        logged_in_at: None,
    })
}
