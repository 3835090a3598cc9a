//! storesync: keeps PostgreSQL in step with e-commerce stores from their webhooks.
//!
//! `storesync.ingest(source, headers, body)` ([`ingest`]) runs the pipeline: [`auth`] finds
//! the source and verifies the raw bytes, the body is parsed, [`apply`] maps the event and
//! writes its typed rows ([`write`]), [`inbox`] records the delivery in `storesync.events`
//! (deduplicated by body hash, or the platform's delivery id) — all in the caller's transaction.
//! `storesync.replay` ([`replay`]) re-applies stored events through the same [`apply`].
//! Everything that needs no PostgreSQL (parsing, platforms, mapping, typed rows, verification)
//! is in the `storesync-core` crate.

use pgrx::prelude::*;

mod apply;
mod auth;
mod guard;
mod inbox;
mod ingest;
mod replay;
mod rule;
mod signature;
mod spi;
mod statements;
mod write;

// The core's modules, under the names the extension's code uses for them.
use storesync_core::{body, model, outcome, platforms, rows, values, writes};

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
// Inbox retention (storesync.prune_events): after the inbox, before the grants.
extension_sql_file!(
    "../../sql/retention.sql",
    name = "retention",
    requires = ["inbox"]
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
extension_sql_file!(
    "../../sql/rules.sql",
    name = "rules",
    requires = [rule_matches]
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
