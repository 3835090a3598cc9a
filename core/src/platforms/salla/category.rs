//! Salla's category model (category.* events).

use crate::model::Change;
use crate::rows::{Record, Table};
use crate::values::{field, id, integer, required_id, text, FieldError, Timestamp};
use serde_json::Value;

/// Reads a category; `deleted_at` marks it deleted.
pub(super) fn category(c: &Value, deleted_at: Option<Timestamp>) -> Result<Change, FieldError> {
    let urls = field(c, "urls").unwrap_or(&Value::Null);
    Ok(Change::Record(
        Record::new(
            Table::Categories,
            vec![required_id(c.get("id"), "category id")?],
        )
        .with("name", text(field(c, "name")))
        .with(
            "parent_id",
            id(field(c, "parent_id"), "category parent_id")?,
        )
        .with("status", text(field(c, "status")))
        .with(
            "sort_order",
            integer(field(c, "sort_order"), "category sort_order")?,
        )
        .with("url", text(field(urls, "customer")))
        .with("deleted_at", deleted_at),
    ))
}
