//! In-database tests (`cargo pgrx test`). Each `#[pg_test]` runs in a transaction that is rolled
//! back afterwards, so tests do not see each other's rows.

mod ingest;
mod salla_orders;
mod schema;
mod support;
