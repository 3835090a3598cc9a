//! Salla's invoice model (invoice.created).

use super::{customer::embedded, LOCAL_TZ};
use crate::model::Change;
use crate::rows::{Record, Table};
use crate::values::{currency_of, decimal, field, id, required_id, text, timestamp, FieldError};
use serde_json::Value;

/// The invoice, and the customer it names.
pub(super) fn changes(i: &Value) -> Result<Vec<Change>, FieldError> {
    let total = field(i, "total");
    let amount = |key: &str, what: &str| {
        // Tax is {percent, amount: {amount, currency}}; the others are {amount, currency}.
        let v = field(i, key);
        let v = v
            .and_then(|v| field(v, "amount").filter(|a| a.is_object()))
            .or(v);
        decimal(v, what)
    };
    let invoice = Record::new(
        Table::Invoices,
        vec![required_id(i.get("id"), "invoice id")?],
    )
    .with("order_id", id(field(i, "order_id"), "invoice order_id")?)
    .with("invoice_number", text(field(i, "invoice_number")))
    .with("type", text(field(i, "type")))
    .with(
        "invoice_date",
        timestamp(field(i, "date"), LOCAL_TZ, "invoice date")?,
    )
    .with("payment_method", text(field(i, "payment_method")))
    .with("currency", currency_of(total))
    .with("sub_total", amount("sub_total", "invoice sub_total")?)
    .with(
        "shipping_cost",
        amount("shipping_cost", "invoice shipping_cost")?,
    )
    .with("cod_cost", amount("cod_cost", "invoice cod_cost")?)
    .with("discount", amount("discount", "invoice discount")?)
    .with("tax", amount("tax", "invoice tax")?)
    .with("total", amount("total", "invoice total")?);
    let mut changes = Vec::new();
    changes.extend(
        field(i, "customer")
            .map(embedded)
            .transpose()?
            .map(Change::Customer),
    );
    changes.push(Change::Record(invoice));
    Ok(changes)
}
