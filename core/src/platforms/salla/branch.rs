//! Salla's branch model (store.branch.* events). Which branch is the default is store state
//! (`stores.default_branch_id`): setting a new default needs no write to the old one.

use crate::model::Change;
use crate::rows::{Record, Table};
use crate::values::{boolean, decimal, field, first, required_id, text, FieldError, Timestamp};
use serde_json::Value;

/// A name given as text or as an object `{name, …}` (country, city).
fn name_of(v: Option<&Value>) -> Option<String> {
    v.and_then(|v| text(field(v, "name")).or_else(|| text(Some(v))))
}

/// The branch, and the store's default branch when this event makes it (`set_default`) or
/// says it is the default; `deleted_at` marks it deleted.
pub(super) fn changes(
    b: &Value,
    set_default: bool,
    deleted_at: Option<Timestamp>,
) -> Result<Vec<Change>, FieldError> {
    let id = required_id(b.get("id"), "branch id")?;
    let location = field(b, "location").unwrap_or(&Value::Null);
    let contacts = field(b, "contacts").unwrap_or(&Value::Null);
    let branch = Record::new(Table::Branches, vec![id.clone()])
        .with("name", text(field(b, "name")))
        .with("status", text(field(b, "status")))
        .with("city", name_of(field(b, "city")))
        .with("country", name_of(field(b, "country")))
        .with("phone", text(field(contacts, "phone")))
        .with("whatsapp", text(field(contacts, "whatsapp")))
        .with("telephone", text(field(contacts, "telephone")))
        .with(
            "latitude",
            decimal(field(location, "lat"), "branch latitude")?,
        )
        // Salla's example spells the longitude "lang".
        .with(
            "longitude",
            decimal(first(location, &["lng", "lang"]), "branch longitude")?,
        )
        .with("preparation_time", text(field(b, "preparation_time")))
        .with(
            "is_cod_available",
            boolean(field(b, "is_cod_available"), "branch is_cod_available")?,
        )
        .with(
            "cod_cost",
            decimal(field(b, "cod_cost"), "branch cod_cost")?,
        )
        .with("deleted_at", deleted_at);
    let mut changes = vec![Change::Record(branch)];
    let is_default = boolean(field(b, "is_default"), "branch is_default")? == Some(true);
    if set_default || (is_default && deleted_at.is_none()) {
        changes.push(Change::Record(
            Record::new(Table::Stores, vec![]).with("default_branch_id", Some(id)),
        ));
    }
    Ok(changes)
}
