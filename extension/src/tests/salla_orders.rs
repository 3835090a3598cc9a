//! Salla order events: the order model events, order.status.updated (status history),
//! order.deleted, and the order shipment events.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

    use crate::tests::support::*;

    const STATUS_UPDATED: &str = fixture!("salla/order.status.updated.docs.json");
    const SHIPMENT_CREATING: &str = fixture!("salla/order.shipment.creating.docs.json");
    const SHIPMENT_CANCELLED: &str = fixture!("salla/order.shipment.cancelled.docs.json");

    #[pg_test]
    fn every_order_model_event_maps_the_order() {
        shop();
        let events = [
            "order.created",
            "order.updated",
            "order.cancelled",
            "order.refunded",
            "order.products.updated",
            "order.payment.updated",
            "order.coupon.updated",
            "order.total.price.updated",
            "order.shipping.address.updated",
            "order.shipment.creating",
            "order.shipment.created",
            "order.shipment.return.creating",
            "order.shipment.return.created",
        ];
        for event in events {
            let out = deliver(&as_event(ORDER_CREATED, event));
            assert_eq!(out["status"], "processed", "{event}: {out}");
        }
        assert_eq!(
            count("SELECT count(*) FROM storesync.events WHERE status = 'processed'"),
            13
        );
        assert_eq!(
            row(
                "SELECT order_id, total::text, discount::text, status_slug, source,
                        shipping_company, shipping_city, shipping_country, deleted_at
                 FROM storesync.orders"
            ),
            json!({"order_id": "2116149737", "total": "196", "discount": "5.00",
                   "status_slug": "under_review", "source": "store",
                   "shipping_company": "السعودية", "shipping_city": "جدة",
                   "shipping_country": "SA", "deleted_at": null})
        );
        // The shipments listed in the order are shipments of that order.
        assert_eq!(
            rows(
                "SELECT shipment_id, order_id, type, status, courier_name, total::text, currency,
                        is_international
                 FROM storesync.shipments ORDER BY shipment_id"
            ),
            json!([{"shipment_id": "649964784", "order_id": "2116149737", "type": "shipment",
                    "status": "in_progress", "courier_name": "أوتو", "total": "175.47",
                    "currency": "SAR", "is_international": true}])
        );
    }

    #[pg_test]
    fn order_status_updated_moves_the_status_and_keeps_its_history() {
        shop();
        let out = deliver(STATUS_UPDATED);
        assert_eq!(out["status"], "processed", "{out}");
        assert_eq!(
            row(
                "SELECT order_id, reference_id, status_slug, status_name, total::text,
                        discount::text, currency, customer_id, payment_method, order_date
                 FROM storesync.orders"
            ),
            json!({"order_id": "629263027", "reference_id": "42264", "status_slug": "completed",
                   "status_name": "تم التنفيذ", "total": "154", "discount": "126.00",
                   "currency": "SAR", "customer_id": "1779795066", "payment_method": "cod",
                   "order_date": "2022-08-17T20:59:36+03:00"})
        );
        assert_eq!(
            row(
                "SELECT history_id, order_id, status_slug, status_name, note, changed_at
                 FROM storesync.order_status_history"
            ),
            json!({"history_id": "198290473", "order_id": "629263027", "status_slug": "completed",
                   "status_name": "تم التنفيذ", "note": "تم إرسال تفاصيل الطلب  إلى بريد العميل",
                   "changed_at": "2022-08-17T23:59:38+03:00"})
        );
        // Condensed items name their product by id.
        assert_eq!(
            text("SELECT string_agg(item_id || '>' || product_id, ',' ORDER BY item_id) FROM storesync.order_items")
                .as_deref(),
            Some("1329648281>674027926,2105258904>2047473815")
        );
        // The condensed customer is known by what it says, without a modification time.
        assert_eq!(
            row("SELECT name, mobile, email, source_ts, field_ts
                 FROM storesync.customers WHERE customer_id = '1779795066'"),
            json!({"name": "Test Salla", "mobile": "+96652318526", "email": "Test.2022@salla.sa",
                   "source_ts": "-infinity", "field_ts": {}})
        );
    }

    #[pg_test]
    fn a_status_update_without_the_slug_fails_and_writes_no_typed_row() {
        shop();
        let body = edit(
            STATUS_UPDATED,
            "\"slug\": \"completed\"",
            "\"code\": \"completed\"",
        );
        let out = deliver(&body);
        assert_eq!(out["status"], "failed", "{out}");
        assert_eq!(out["http_status"], 200);
        assert_eq!(out["message"], "order status slug is missing");
        assert_eq!(
            count(
                "SELECT (SELECT count(*) FROM storesync.orders) + (SELECT count(*) FROM storesync.customers)
                      + (SELECT count(*) FROM storesync.order_status_history)"
            ),
            0
        );
    }

    #[pg_test]
    fn status_history_is_a_set_of_changes_in_any_order() {
        shop();
        let second = at_time(
            &edit(
                &edit(STATUS_UPDATED, "\"id\": 198290473", "\"id\": 198290999"),
                "\"slug\": \"completed\"",
                "\"slug\": \"delivered\"",
            ),
            "Thu Aug 18 2022 10:00:00 GMT+0300",
        );
        assert_eq!(deliver(&second)["status"], "processed");
        assert_eq!(deliver(STATUS_UPDATED)["status"], "processed");
        assert_eq!(
            count("SELECT count(*) FROM storesync.order_status_history"),
            2
        );
        // The older status update arrived last: the newer status stands.
        assert_eq!(
            text("SELECT status_slug FROM storesync.orders").as_deref(),
            Some("delivered")
        );
    }

    #[pg_test]
    fn order_deleted_is_soft_and_sticks() {
        shop();
        assert_eq!(deliver(ORDER_CREATED)["status"], "processed");
        let deleted = at_time(
            &as_event(ORDER_CREATED, "order.deleted"),
            "Mon Jun 27 2022 10:00:00 GMT+0300",
        );
        assert_eq!(deliver(&deleted)["status"], "processed");
        // A late, older update does not bring the order back.
        let late = at_time(
            &as_event(ORDER_CREATED, "order.updated"),
            "Sun Jun 26 2022 18:00:00 GMT+0300",
        );
        assert_eq!(deliver(&late)["status"], "processed");
        assert_eq!(
            row("SELECT deleted_at, total::text FROM storesync.orders"),
            json!({"deleted_at": "2022-06-27T10:00:00+03:00", "total": "196"})
        );
        assert_eq!(count("SELECT count(*) FROM storesync.order_items"), 1);
    }

    #[pg_test]
    fn order_shipment_events_map_the_order_and_record_cancellations() {
        shop();
        assert_eq!(deliver(SHIPMENT_CREATING)["status"], "processed");
        assert_eq!(
            row(
                "SELECT order_id, reference_id, total::text, source, customer_id, discount::text
                 FROM storesync.orders"
            ),
            json!({"order_id": "1427738113", "reference_id": "41030566", "total": "114",
                   "source": "dashboard", "customer_id": "1550968832", "discount": "0"})
        );
        assert_eq!(deliver(SHIPMENT_CANCELLED)["status"], "processed");
        assert_eq!(
            row(
                "SELECT order_id, kind, shipping_number, reference_id, canceled_at
                 FROM storesync.order_shipment_cancellations"
            ),
            json!({"order_id": "1427738113", "kind": "shipment", "shipping_number": "846984645",
                   "reference_id": "41030566", "canceled_at": "2022-06-26T14:41:11+03:00"})
        );
        let ret = as_event(SHIPMENT_CANCELLED, "order.shipment.return.cancelled");
        assert_eq!(deliver(&ret)["status"], "processed");
        assert_eq!(
            text("SELECT string_agg(kind, ',' ORDER BY kind) FROM storesync.order_shipment_cancellations")
                .as_deref(),
            Some("return,shipment")
        );
    }

    #[pg_test]
    fn a_condensed_customer_fills_gaps_but_never_overwrites_the_profile() {
        // The customer of the status update, as its own customer.updated event says it.
        let profile = edit(
            &edit(CUSTOMER_CREATED, "\"id\": 225167971", "\"id\": 1779795066"),
            "\"merchant\": 1305146709",
            "\"merchant\": 193718979",
        );
        let profile_of = || {
            row("SELECT mobile, first_name, name, email, city
                 FROM storesync.customers WHERE customer_id = '1779795066'")
        };
        let expected = json!({"mobile": "555555555", "first_name": "User", "name": "User Mohammed",
                              "email": "test@gmail.com", "city": "الرياض"});
        shop();
        assert_eq!(deliver(&profile)["status"], "processed");
        assert_eq!(deliver(STATUS_UPDATED)["status"], "processed");
        assert_eq!(profile_of(), expected);
        // The other way round ends the same.
        Spi::run(
            "DELETE FROM storesync.events; DELETE FROM storesync.order_status_history;
                  DELETE FROM storesync.orders; DELETE FROM storesync.customers;
                  DELETE FROM storesync.products; DELETE FROM storesync.shipments",
        )
        .unwrap();
        assert_eq!(deliver(STATUS_UPDATED)["status"], "processed");
        assert_eq!(deliver(&profile)["status"], "processed");
        assert_eq!(profile_of(), expected);
    }

    #[pg_test]
    fn a_required_field_of_an_impossible_type_names_the_field() {
        shop();
        for (pointer, value, reason) in [
            ("/data/id", json!({"x": 1}), "order id is not a valid id"),
            (
                "/data/items/0/quantity",
                json!("one"),
                "order item quantity is not a number",
            ),
            ("/data/items", json!({"x": 1}), "order items is not a list"),
            ("/data/customer", json!([1]), "customer is not an object"),
            ("/data/date", json!("yesterday"), "order date is not a date"),
        ] {
            let out = deliver(&with(ORDER_CREATED, pointer, value));
            assert_eq!(out["status"], "failed", "{pointer}: {out}");
            assert_eq!(out["http_status"], 200);
            assert_eq!(out["message"], reason);
        }
        assert_eq!(
            count("SELECT count(*) FROM storesync.events WHERE status = 'failed'"),
            5
        );
        assert_eq!(
            rows_everywhere() - count("SELECT count(*) FROM storesync.events"),
            1
        );
    }
}
