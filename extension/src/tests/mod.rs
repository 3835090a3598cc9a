//! In-database tests (`cargo pgrx test`). Each `#[pg_test]` runs in a transaction that is rolled
//! back afterwards, so tests do not see each other's rows.

mod backup;
mod comments;
mod distribution;
mod flavours;
mod ingest;
mod property;
mod replay;
mod replay_isolation;
mod retention;
mod rfm;
mod rfm_realtime;
mod rfm_reference;
mod rfm_support;
mod rules;
mod salla_app;
mod salla_carts;
mod salla_catalog;
mod salla_customers;
mod salla_orders;
mod salla_products;
mod schema;
mod standard_webhooks;
mod support;
