//! Real-time RFM through storesync.ingest with real fixtures: a new order rescores its
//! customer against the cut points of the last refresh in the event's transaction; duplicates,
//! out-of-order deliveries, cancellations (Salla and Flavours), deletions and an order moving
//! to another customer leave the figures a recount from the orders finds.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::{json, Value};

    use crate::tests::rfm_support::*;
    use crate::tests::support::*;

    const FLAVOURS_ORDER: &str = fixture!("flavours/order.delivery.created.DERIVED.json");

    /// A Salla order webhook from the docs fixture: `event` for order `id` of `customer`,
    /// placed on `date` (Riyadh wall clock), total `total`, status `slug`, sent at `sent`.
    fn salla(
        event: &str,
        id: u64,
        customer: u64,
        date: &str,
        total: u64,
        slug: &str,
        sent: &str,
    ) -> String {
        let body = with(ORDER_CREATED, "/data/id", json!(id));
        let body = with(&body, "/data/customer/id", json!(customer));
        let body = with(
            &body,
            "/data/date/date",
            json!(format!("{date} 12:00:00.000000")),
        );
        let body = with(&body, "/data/amounts/total/amount", json!(total));
        let body = with(&body, "/data/status/slug", json!(slug));
        at_time(&as_event(&body, event), sent)
    }

    fn processed(body: &str) -> Value {
        let out = deliver(body);
        assert_eq!(out["status"], "processed", "{out}");
        out
    }

    fn store() -> i64 {
        Spi::get_one::<i64>(
            "SELECT store_id FROM storesync.stores WHERE merchant_id = '1305146709'",
        )
        .unwrap()
        .unwrap()
    }

    /// The score a value gets against the store's cut points, computed here from the stored
    /// cut points: 1 + the number of cut points the value reaches.
    fn expected_code(store: i64, customer: &str) -> String {
        let v = row(&format!(
            "SELECT (SELECT count(*) FROM unnest(cp.r_cuts) AS t WHERE rc.last_order_at >= t) AS r,
                    (SELECT count(*) FROM unnest(cp.f_cuts) AS t WHERE rc.frequency >= t) AS f,
                    (SELECT count(*) FROM unnest(cp.m_cuts) AS t WHERE rc.monetary >= t) AS m
               FROM storesync.rfm_customers rc JOIN storesync.rfm_cut_points cp USING (store_id)
              WHERE rc.store_id = {store} AND rc.customer_id = '{customer}'"
        ));
        format!(
            "{}{}{}",
            1 + v["r"].as_i64().unwrap(),
            1 + v["f"].as_i64().unwrap(),
            1 + v["m"].as_i64().unwrap()
        )
    }

    /// The figures the triggers kept equal those a recount from the orders finds.
    fn assert_figures_match_a_recount(s: i64) {
        let kept = figures(s);
        recount(Some(s));
        assert_eq!(figures(s), kept);
    }

    #[pg_test]
    fn order_events_rescore_their_customer_in_real_time() {
        shop();
        let sent = "Sun Jun 26 2022 12:21:48 GMT+0300";
        processed(&salla(
            "order.created",
            1,
            11,
            "2022-06-01",
            100,
            "completed",
            sent,
        ));
        processed(&salla(
            "order.created",
            2,
            12,
            "2022-06-10",
            50,
            "completed",
            sent,
        ));
        processed(&salla(
            "order.created",
            3,
            12,
            "2022-06-11",
            50,
            "completed",
            sent,
        ));
        processed(&salla(
            "order.created",
            4,
            13,
            "2022-06-20",
            10,
            "under_review",
            sent,
        ));
        let s = store();
        // Scored in real time before any refresh: figures, no scores yet.
        assert_eq!(figures(s), "11:1:100,12:2:100,13:1:10");
        assert_eq!(codes(s), "11=-,12=-,13=-");
        Spi::run("CALL storesync.refresh_rfm(as_of => '2022-07-01 00:00:00+03')").unwrap();
        let before = codes(s);
        // n = 3, as of 2022-07-01: 11 (29 days, 1, 100), 12 (19 days, 2, 100), 13 (10 days, 1, 10).
        assert_eq!(before, "11=112,12=242,13=411");

        // Customer 13 buys 300 on 2022-06-25: rescored against the cut points, at once
        // (5 days reaches R 4, 2 orders F 4, 310 only M 2: nobody had more than 100).
        let big = salla("order.created", 5, 13, "2022-06-25", 300, "completed", sent);
        processed(&big);
        assert_eq!(figures(s), "11:1:100,12:2:100,13:2:310");
        assert_eq!(code_of(s, "13"), expected_code(s, "13"));
        assert_eq!(code_of(s, "13"), "442");
        assert!(changes(s).ends_with(&format!(
            "13:{}:{}?realtime",
            segment_of("411"),
            segment_of("442")
        )));

        // The same webhook again: a duplicate, nothing changes.
        assert_eq!(deliver(&big)["status"], "duplicate");
        assert_eq!(figures(s), "11:1:100,12:2:100,13:2:310");

        // Cancelled later: the order stops counting, the score goes back.
        let later = "Mon Jun 27 2022 12:00:00 GMT+0300";
        processed(&salla(
            "order.cancelled",
            5,
            13,
            "2022-06-25",
            300,
            "canceled",
            later,
        ));
        assert_eq!(figures(s), "11:1:100,12:2:100,13:1:10");
        assert_eq!(code_of(s, "13"), "411");

        // A cancellation that arrives before its order: the older creation does not revive it.
        processed(&salla(
            "order.cancelled",
            6,
            11,
            "2022-06-26",
            999,
            "canceled",
            later,
        ));
        processed(&salla(
            "order.created",
            6,
            11,
            "2022-06-26",
            999,
            "completed",
            sent,
        ));
        assert_eq!(figures(s), "11:1:100,12:2:100,13:1:10");

        // Deleted: no longer counted, the customer leaves the scores.
        processed(&salla(
            "order.deleted",
            1,
            11,
            "2022-06-01",
            100,
            "completed",
            later,
        ));
        assert_eq!(figures(s), "12:2:100,13:1:10");
        assert!(changes(s).ends_with(&format!("11:{}:-?realtime", segment_of("112"))));

        // An order that moves to another customer moves its figures.
        processed(&salla(
            "order.updated",
            3,
            13,
            "2022-06-11",
            50,
            "completed",
            later,
        ));
        assert_eq!(figures(s), "12:1:50,13:2:60");

        // A status change between two counted statuses changes nothing.
        let changes_before = changes(s);
        processed(&salla(
            "order.updated",
            2,
            12,
            "2022-06-10",
            50,
            "delivered",
            "Tue Jun 28 2022 12:00:00 GMT+0300",
        ));
        assert_eq!(changes(s), changes_before);
        assert_eq!(code_of(s, "12"), expected_code(s, "12"));
        assert_eq!(code_of(s, "13"), expected_code(s, "13"));
        assert_figures_match_a_recount(s);
    }

    #[pg_test]
    fn a_flavours_delivery_cancelled_stops_counting() {
        pos();
        let delivered = with(FLAVOURS_ORDER, "/data/status_id", json!(7));
        assert_eq!(deliver_pos(&delivered)["status"], "processed");
        let s = Spi::get_one::<i64>("SELECT store_id FROM storesync.orders")
            .unwrap()
            .unwrap();
        assert_eq!(figures(s), "c4a868ea-735e-461f-868c-a5d2eaa212d0:1:57.50");
        // Delivery status 3 (Canceled), a later delivery.
        let cancelled = with(FLAVOURS_ORDER, "/data/status_id", json!(3));
        let cancelled = with(&cancelled, "/xid", json!("cancel-1"));
        let cancelled = with(&cancelled, "/timestamp", json!(1_705_722_000_000_i64));
        assert_eq!(deliver_pos(&cancelled)["status"], "processed");
        assert_eq!(
            text("SELECT status_slug FROM storesync.orders").as_deref(),
            Some("canceled")
        );
        assert_eq!(figures(s), "");
        assert_figures_match_a_recount(s);
    }
}
