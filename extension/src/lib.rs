//! storesync: keeps PostgreSQL in step with e-commerce stores from their webhooks.
//!
//! `storesync.ingest(source, headers, body)` authenticates a delivery, records it in the
//! `storesync.events` inbox (deduplicated by body hash, or the platform's delivery id) and maps it into typed tables, all in
//! the caller's transaction. Platforms live under [`platforms`]; `storesync.replay` re-runs the
//! mapping of stored events.

use pgrx::prelude::*;

mod envelope;
mod guard;
mod ingest;
mod model;
mod outcome;
mod platforms;
mod record;
mod replay;
mod signature;
mod statements;
mod values;
mod write;

::pgrx::pg_module_magic!(name, version);

// The schema, one file per area (sql/), in dependency order.
extension_sql_file!("../../sql/stores.sql", name = "stores", bootstrap);
extension_sql_file!("../../sql/sources.sql", name = "sources");
extension_sql_file!(
    "../../sql/inbox.sql",
    name = "inbox",
    requires = ["sources", "stores"]
);
extension_sql_file!("../../sql/versions.sql", name = "versions");
extension_sql_file!(
    "../../sql/customers.sql",
    name = "customers",
    requires = ["stores"]
);
extension_sql_file!(
    "../../sql/catalogue.sql",
    name = "catalogue",
    requires = ["stores"]
);
extension_sql_file!(
    "../../sql/orders.sql",
    name = "orders",
    requires = ["stores"]
);
extension_sql_file!(
    "../../sql/store_setup.sql",
    name = "store_setup",
    requires = ["stores"]
);
extension_sql_file!("../../sql/carts.sql", name = "carts", requires = ["stores"]);
extension_sql_file!(
    "../../sql/rfm.sql",
    name = "rfm",
    requires = ["stores", "orders"]
);
extension_sql_file!(
    "../../sql/segment_map.sql",
    name = "segment_map",
    requires = ["rfm"]
);
extension_sql_file!(
    "../../sql/rfm_realtime.sql",
    name = "rfm_realtime",
    requires = ["rfm"]
);
extension_sql_file!(
    "../../sql/rfm_refresh.sql",
    name = "rfm_refresh",
    requires = ["rfm"]
);
extension_sql_file!(
    "../../sql/rfm_views.sql",
    name = "rfm_views",
    requires = ["rfm", "customers"]
);
// Comments that cannot sit beside their object: columns every table shares, functions in Rust.
extension_sql_file!(
    "../../sql/comments.sql",
    name = "comments",
    requires = [
        "inbox",
        "customers",
        "catalogue",
        "orders",
        "store_setup",
        "carts",
        "rfm",
        ingest,
        verify_signature,
        sign
    ]
);
extension_sql_file!("../../sql/privileges.sql", name = "privileges", finalize);

#[cfg(any(test, feature = "pg_test"))]
mod tests;

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
