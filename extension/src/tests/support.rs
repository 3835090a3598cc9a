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

/// The text of `tests/fixtures/<path>`, compiled in.
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/",
            $path
        ))
    };
}
pub(crate) use fixture;

/// `body` with its first `from` replaced by `to`; panics if `from` does not occur, so a variant
/// built from a fixture is the intended one.
pub fn edit(body: &str, from: &str, to: &str) -> String {
    assert!(body.contains(from), "{from:?} not in the body");
    body.replacen(from, to, 1)
}

/// `body` (a Salla webhook) renamed to `event`.
pub fn as_event(body: &str, event: &str) -> String {
    let mut json: Value = serde_json::from_str(body).unwrap();
    json["event"] = Value::String(event.into());
    json.to_string()
}

/// `body` (a Salla webhook) with its envelope `created_at` set to `at`.
pub fn at_time(body: &str, at: &str) -> String {
    let mut json: Value = serde_json::from_str(body).unwrap();
    json["created_at"] = Value::String(at.into());
    json.to_string()
}

pub const FLAVOURS_TOKEN: &str = "flavours-test-token";

/// A Flavours source named `pos` taking its token in the `X-Flavours-Token` header.
pub fn pos() {
    Spi::run_with_args(
        "SELECT storesync.create_source('pos', 'flavours', 'token', $1, 'X-Flavours-Token')",
        &[FLAVOURS_TOKEN.into()],
    )
    .unwrap();
}

/// Delivers `body` to the Flavours source `pos` with its token.
pub fn deliver_pos(body: &str) -> Value {
    ingest_raw(
        "pos",
        json!({"x-flavours-token": FLAVOURS_TOKEN}),
        body.as_bytes(),
    )
}

/// The one jsonb value `sql` selects.
pub fn jsonb(sql: &str) -> Value {
    Spi::get_one::<JsonB>(sql)
        .unwrap()
        .unwrap_or_else(|| panic!("no row from {sql}"))
        .0
}

/// The rows of `sql` as a JSON array of objects keyed by column name, in the query's order
/// (give it an ORDER BY), so `assert_eq!` against the expected rows shows what differs.
///
/// Conventions of the expected values: numeric columns are selected `::text` (JSON numbers
/// would lose their digits); a relation the value itself cannot show (a time set by `now()`,
/// one column equal to another) is selected as a named boolean; timestamps are shown in
/// Asia/Riyadh time, the zone Salla writes its payloads in, whatever the server's zone, so an
/// expected value reads as the fixture says it (the setting lasts for this query only).
pub fn rows(sql: &str) -> Value {
    let zone = text("SELECT current_setting('TimeZone')").unwrap();
    Spi::run("SELECT set_config('TimeZone', 'Asia/Riyadh', true)").unwrap();
    let rows = jsonb(&format!(
        "SELECT coalesce(jsonb_agg(to_jsonb(t)), '[]') FROM ({sql}) t"
    ));
    Spi::run_with_args("SELECT set_config('TimeZone', $1, true)", &[zone.into()]).unwrap();
    rows
}

/// The one row of `sql` as a JSON object (see [`rows`]); panics, showing the rows, unless there
/// is exactly one.
pub fn row(sql: &str) -> Value {
    match rows(sql) {
        Value::Array(mut rows) if rows.len() == 1 => rows.remove(0),
        rows => panic!("not one row but {rows} from {sql}"),
    }
}

/// `body` with the JSON value at `pointer` (e.g. `/data/items/0/quantity`) replaced by `value`.
pub fn with(body: &str, pointer: &str, value: Value) -> String {
    let mut json: Value = serde_json::from_str(body).unwrap();
    *json
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the body")) = value;
    json.to_string()
}

/// SplitMix64: a small seeded generator, so a failing seed can be replayed exactly.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
