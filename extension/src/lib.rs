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
mod signature;
mod spi;
mod statements;
mod write;

// The core's modules, under the names the extension's code uses for them.
use storesync_core::{body, model, outcome, platforms, rows, values, writes};

::pgrx::pg_module_magic!(name, version);

extension_sql_file!("../../sql/schema.sql", name = "schema", bootstrap);
extension_sql_file!(
    "../../sql/sources.sql",
    name = "sources",
    requires = ["schema"]
);
extension_sql_file!("../../sql/inbox.sql", name = "inbox", requires = ["schema"]);
extension_sql_file!(
    "../../sql/versions.sql",
    name = "versions",
    requires = ["schema"]
);
extension_sql_file!(
    "../../sql/typed.sql",
    name = "typed",
    requires = ["schema", "versions"]
);
extension_sql_file!("../../sql/rfm.sql", name = "rfm", requires = ["typed"]);
extension_sql_file!(
    "../../sql/segment_map.sql",
    name = "segment_map",
    requires = ["rfm"]
);
extension_sql_file!(
    "../../sql/rfm_views.sql",
    name = "rfm_views",
    requires = ["rfm"]
);
// Comments on everything in the schema, the functions written in Rust included.
extension_sql_file!(
    "../../sql/comments.sql",
    name = "comments",
    requires = [
        "sources",
        "inbox",
        "segment_map",
        "rfm_views",
        ingest,
        verify_signature,
        sign,
        replay,
        replay_failed
    ]
);
// Roles and grants over everything above: last in the script (see sql/privileges.sql).
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
