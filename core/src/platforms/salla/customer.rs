//! Salla's customer model (customer.* events, orders, invoices) and its condensed copy (carts,
//! reviews, status updates), and one-time-password requests.

use super::LOCAL_TZ;
use crate::model::{Change, Customer};
use crate::rows::{Record, Table};
use crate::values::{date, field, required_id, text, timestamp, FieldError, Timestamp};
use serde_json::Value;

/// Reads a Salla customer object sent as the subject of its event.
pub(super) fn customer(c: &Value) -> Result<Customer, FieldError> {
    if !c.is_object() {
        return Err("customer is not an object".into());
    }
    Ok(Customer {
        id: required_id(c.get("id"), "customer id")?,
        // Only the condensed copy has a single name.
        name: text(field(c, "name")),
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
        deleted_at: None,
        condensed: false,
    })
}

/// Reads the customer inside another entity's event. Salla's full model always carries
/// `updated_at`; the condensed copy (name, mobile with its code, no modification time) does
/// not, so it only fills what is still unknown.
pub(super) fn embedded(c: &Value) -> Result<Customer, FieldError> {
    let mut customer = customer(c)?;
    customer.condensed = customer.updated_at.is_none();
    Ok(customer)
}

/// customer.otp.request: who asked for a code, when, and over which channel. The code itself
/// is never read (and is redacted from the stored payload).
pub(super) fn otp_request(d: &Value, at: Timestamp) -> Result<Change, FieldError> {
    let contact = text(field(d, "contact"))
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .ok_or("otp request contact is missing")?;
    let channel = if contact.contains('@') {
        "email"
    } else {
        "sms"
    };
    Ok(Change::Record(
        Record::new(
            Table::CustomerOtpRequests,
            vec![contact, crate::values::timestamp_text(&at)],
        )
        .with("channel", Some(channel)),
    ))
}
