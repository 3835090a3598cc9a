//! Helpers of the RFM tests: stores and orders written straight into the typed tables, the
//! refresh, and the scores as compact text.

#![allow(dead_code)]

use pgrx::prelude::*;

/// The as_of every refresh in the RFM tests uses.
pub const AS_OF: &str = "2025-03-01 00:00:00+00";

/// A new store; returns its store_id.
pub fn new_store(merchant: &str) -> i64 {
    Spi::get_one_with_args::<i64>(
        "INSERT INTO storesync.stores (platform, merchant_id) VALUES ('salla', $1) RETURNING store_id",
        &[merchant.into()],
    )
    .unwrap()
    .unwrap()
}

/// An order of `customer` placed `days` whole days (and one hour) before [`AS_OF`].
pub fn order(store: i64, id: &str, customer: &str, days: i64, total: &str, status: &str) {
    Spi::run_with_args(
        &format!(
            "INSERT INTO storesync.orders
                    (store_id, order_id, customer_id, status_slug, order_date, total, currency, source_ts)
             VALUES ($1, $2, $3, $4,
                     '{AS_OF}'::timestamptz - make_interval(secs => $5 * 86400 + 3600),
                     $6::numeric, 'SAR', now())"
        ),
        &[
            store.into(),
            id.into(),
            customer.into(),
            status.into(),
            (days as f64).into(),
            total.into(),
        ],
    )
    .unwrap();
}

fn call(store: Option<i64>, recount: bool) {
    let store = store.map_or("NULL".to_string(), |s| s.to_string());
    Spi::run(&format!(
        "CALL storesync.refresh_rfm(store_id => {store}, as_of => '{AS_OF}', recount => {recount})"
    ))
    .unwrap();
}

/// `CALL storesync.refresh_rfm(store, AS_OF)`; `None`: every store.
pub fn refresh(store: Option<i64>) {
    call(store, false);
}

/// The same with `recount => true`.
pub fn recount(store: Option<i64>) {
    call(store, true);
}

fn joined(sql: &str) -> String {
    Spi::get_one::<String>(sql).unwrap().unwrap_or_default()
}

/// `customer=rfm_code,…` of a store, by customer.
pub fn codes(store: i64) -> String {
    joined(&format!(
        "SELECT string_agg(customer_id || '=' || coalesce(rfm_code, '-'), ',' ORDER BY customer_id)
           FROM storesync.rfm_customers WHERE store_id = {store}"
    ))
}

/// `customer=segment,…` of a store, by customer.
pub fn segments(store: i64) -> String {
    joined(&format!(
        "SELECT string_agg(customer_id || '=' || coalesce(segment, '-'), ',' ORDER BY customer_id)
           FROM storesync.rfm_customers WHERE store_id = {store}"
    ))
}

/// `customer:frequency:monetary,…` of a store, by customer.
pub fn figures(store: i64) -> String {
    joined(&format!(
        "SELECT string_agg(customer_id || ':' || frequency || ':' || monetary, ',' ORDER BY customer_id)
           FROM storesync.rfm_customers WHERE store_id = {store}"
    ))
}

/// The segment history of a store, oldest first: `customer:from:to?cause,…` ('-' for none).
pub fn changes(store: i64) -> String {
    joined(&format!(
        "SELECT string_agg(customer_id || ':' || coalesce(from_segment, '-') || ':'
                           || coalesce(to_segment, '-') || '?' || cause, ',' ORDER BY change_id)
           FROM storesync.rfm_segment_changes WHERE store_id = {store}"
    ))
}

/// The rfm_code of one customer ('-' if unscored).
pub fn code_of(store: i64, customer: &str) -> String {
    Spi::get_one_with_args::<String>(
        "SELECT coalesce(rfm_code, '-') FROM storesync.rfm_customers WHERE store_id = $1 AND customer_id = $2",
        &[store.into(), customer.into()],
    )
    .unwrap()
    .unwrap_or_else(|| "-".into())
}

/// The segment the map gives a code.
pub fn segment_of(code: &str) -> String {
    Spi::get_one_with_args::<String>(
        "SELECT segment FROM storesync.rfm_segment_map WHERE rfm_code = $1",
        &[code.into()],
    )
    .unwrap()
    .unwrap()
}
