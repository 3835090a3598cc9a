//! Shared helpers for the in-database tests: fixtures, sources, deliveries, one-value queries.

#![allow(dead_code)]

use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

pub const ORDER_CREATED: &str =
    include_str!("../../../tests/fixtures/salla/order.created.v2.docs.json");
pub const CUSTOMER_LOGIN: &str =
    include_str!("../../../tests/fixtures/salla/customer.login.v2.docs.json");
pub const CUSTOMER_CREATED: &str =
    include_str!("../../../tests/fixtures/salla/customer.created.v2.DERIVED.json");
pub const PRODUCT_CREATED: &str =
    include_str!("../../../tests/fixtures/salla/product.created.v2.docs.json");
pub const APP_AUTHORIZE: &str =
    include_str!("../../../tests/fixtures/salla/app.store.authorize.docs.json");
pub const APP_INSTALLED: &str =
    include_str!("../../../tests/fixtures/salla/app.installed.starterkit-comment.json");
pub const VECTORS: &str = include_str!("../../../tests/fixtures/salla_signature_vectors.json");

pub const SECRET: &str = "test-webhook-secret";

pub fn create_source(name: &str, strategy: &str, secret: &str) {
    Spi::run_with_args(
        "SELECT storesync.create_source($1, 'salla', $2, $3)",
        &[name.into(), strategy.into(), secret.into()],
    )
    .unwrap();
}

pub fn sign(body: &str) -> String {
    crate::signature::signature_hex(SECRET.as_bytes(), body.as_bytes())
}

pub fn ingest_raw(source: &str, headers: Value, body: &[u8]) -> Value {
    Spi::get_one_with_args::<JsonB>(
        "SELECT storesync.ingest($1, $2, $3)",
        &[source.into(), JsonB(headers).into(), body.into()],
    )
    .unwrap()
    .unwrap()
    .0
}

/// Delivers `body` to a Signature source named `shop`, signed as Salla does.
pub fn deliver(body: &str) -> Value {
    ingest_raw(
        "shop",
        json!({"X-Salla-Signature": sign(body)}),
        body.as_bytes(),
    )
}

pub fn shop() {
    create_source("shop", "signature", SECRET);
}

pub fn count(sql: &str) -> i64 {
    Spi::get_one::<i64>(sql).unwrap().unwrap()
}

pub fn truth(sql: &str) -> bool {
    Spi::get_one::<bool>(sql).unwrap().unwrap()
}

pub fn text(sql: &str) -> Option<String> {
    Spi::get_one::<String>(sql).unwrap()
}

pub fn rows_everywhere() -> i64 {
    count(
        "SELECT (SELECT count(*) FROM storesync.events) + (SELECT count(*) FROM storesync.stores)
              + (SELECT count(*) FROM storesync.customers) + (SELECT count(*) FROM storesync.products)
              + (SELECT count(*) FROM storesync.orders) + (SELECT count(*) FROM storesync.order_items)",
    )
}
