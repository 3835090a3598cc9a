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
        assert!(truth(
            "SELECT order_id = '2116149737' AND total = 196 AND discount = 5 AND status_slug = 'under_review'
                AND source = 'store' AND shipping_company = 'السعودية' AND shipping_city = 'جدة'
                AND shipping_country = 'SA' AND deleted_at IS NULL
             FROM storesync.orders"
        ));
        // The shipments listed in the order are shipments of that order.
        assert!(truth(
            "SELECT count(*) = 1 AND bool_and(shipment_id = '649964784' AND order_id = '2116149737'
                AND type = 'shipment' AND status = 'in_progress' AND courier_name = 'أوتو'
                AND total = 175.47 AND currency = 'SAR' AND is_international)
             FROM storesync.shipments"
        ));
    }

    #[pg_test]
    fn order_status_updated_moves_the_status_and_keeps_its_history() {
        shop();
        let out = deliver(STATUS_UPDATED);
        assert_eq!(out["status"], "processed", "{out}");
        assert!(truth(
            "SELECT order_id = '629263027' AND reference_id = '42264' AND status_slug = 'completed'
                AND status_name = 'تم التنفيذ' AND total = 154 AND discount = 126 AND currency = 'SAR'
                AND customer_id = '1779795066' AND payment_method = 'cod'
                AND order_date = '2022-08-17 20:59:36+03'
             FROM storesync.orders"
        ));
        assert!(truth(
            "SELECT history_id = '198290473' AND order_id = '629263027' AND status_slug = 'completed'
                AND status_name = 'تم التنفيذ' AND note = 'تم إرسال تفاصيل الطلب  إلى بريد العميل'
                AND changed_at = '2022-08-17 23:59:38+03'
             FROM storesync.order_status_history"
        ));
        // Condensed items name their product by id.
        assert_eq!(
            text("SELECT string_agg(item_id || '>' || product_id, ',' ORDER BY item_id) FROM storesync.order_items")
                .as_deref(),
            Some("1329648281>674027926,2105258904>2047473815")
        );
        // The condensed customer is known by what it says, without a modification time.
        assert!(truth(
            "SELECT name = 'Test Salla' AND mobile = '+96652318526' AND email = 'Test.2022@salla.sa'
                AND source_ts = '-infinity' AND field_ts = '{}'
             FROM storesync.customers WHERE customer_id = '1779795066'"
        ));
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
        assert!(truth(
            "SELECT deleted_at = '2022-06-27 10:00:00+03' AND total = 196 FROM storesync.orders"
        ));
        assert_eq!(count("SELECT count(*) FROM storesync.order_items"), 1);
    }

    #[pg_test]
    fn order_shipment_events_map_the_order_and_record_cancellations() {
        shop();
        assert_eq!(deliver(SHIPMENT_CREATING)["status"], "processed");
        assert!(truth(
            "SELECT order_id = '1427738113' AND reference_id = '41030566' AND total = 114
                AND source = 'dashboard' AND customer_id = '1550968832' AND discount = 0
             FROM storesync.orders"
        ));
        assert_eq!(deliver(SHIPMENT_CANCELLED)["status"], "processed");
        assert!(truth(
            "SELECT order_id = '1427738113' AND kind = 'shipment' AND shipping_number = '846984645'
                AND reference_id = '41030566' AND canceled_at = '2022-06-26 14:41:11+03'
             FROM storesync.order_shipment_cancellations"
        ));
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
        let expect =
            "SELECT mobile = '555555555' AND first_name = 'User' AND name = 'User Mohammed'
                         AND email = 'test@gmail.com' AND city = 'الرياض'
                      FROM storesync.customers WHERE customer_id = '1779795066'";
        shop();
        assert_eq!(deliver(&profile)["status"], "processed");
        assert_eq!(deliver(STATUS_UPDATED)["status"], "processed");
        assert!(truth(expect));
        // The other way round ends the same.
        Spi::run(
            "DELETE FROM storesync.events; DELETE FROM storesync.order_status_history;
                  DELETE FROM storesync.orders; DELETE FROM storesync.customers;
                  DELETE FROM storesync.products; DELETE FROM storesync.shipments",
        )
        .unwrap();
        assert_eq!(deliver(STATUS_UPDATED)["status"], "processed");
        assert_eq!(deliver(&profile)["status"], "processed");
        assert!(truth(expect));
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
