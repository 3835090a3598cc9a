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
