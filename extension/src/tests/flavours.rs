//! Flavours POS: sources, token header, xid dedupe, customers, products and delivery orders.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

    use crate::tests::support::*;

    const CUSTOMER_CREATE: &str = fixture!("flavours/customers.CREATE.docs.json");
    const CUSTOMER_UPDATE: &str = fixture!("flavours/customers.UPDATE.DERIVED.json");
    const CUSTOMER_DELETE: &str = fixture!("flavours/customers.DELETE.DERIVED.json");
    const PRODUCT_DOCS: &str = fixture!("flavours/products.webhook.docs.json");
    const PRODUCT_CREATED: &str = fixture!("flavours/products.CREATED.DERIVED.json");
    const ORDER_CREATED: &str = fixture!("flavours/order.delivery.created.DERIVED.json");
    const ORDER_UPDATED: &str = fixture!("flavours/order.delivery.updated.DERIVED.json");
    const ERROR_WEBHOOK: &str = fixture!("flavours/error-webhook.docs.json");

    fn processed(body: &str) -> serde_json::Value {
        let out = deliver_pos(body);
        assert_eq!(out["status"], "processed", "{out}");
        out
    }

    #[pg_test]
    fn create_source_knows_flavours_and_its_options() {
        pos();
        assert_eq!(
            row("SELECT platform, strategy, token_header, merchant_id
                 FROM storesync.sources WHERE name = 'pos'"),
            json!({"platform": "flavours", "strategy": "token",
                   "token_header": "X-Flavours-Token", "merchant_id": null})
        );
        Spi::run("SELECT storesync.create_source('pos2', 'Flavours', 'token', 't', NULL, 'restaurant-7')")
            .unwrap();
        assert_eq!(
            row("SELECT token_header, merchant_id FROM storesync.sources WHERE name = 'pos2'"),
            json!({"token_header": null, "merchant_id": "restaurant-7"})
        );
        // Named notation, as the README shows it.
        Spi::run("SELECT storesync.create_source('pos3', 'flavours', 'token', 't', token_header => 'X-T')")
            .unwrap();
        assert_eq!(
            row("SELECT token_header FROM storesync.sources WHERE name = 'pos3'"),
            json!({"token_header": "X-T"})
        );
        Spi::run(
            "CREATE FUNCTION pg_temp.state_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
             BEGIN EXECUTE sql; RETURN 'ok';
             EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$",
        )
        .unwrap();
        for (call, expected) in [
            ("('x', 'flavours', 'signature', 's')", "22023 flavours sources use the token strategy"),
            ("('x', 'salla', 'signature', 's', 'X-Token')", "22023 a token header applies to the token strategy only"),
            ("('x', 'salla', 'token', 's', 'bad header!')", "22023 invalid token header name"),
            ("('x', 'salla', 'token', 's', NULL, 'm')", "22023 salla webhooks name their merchant; a source merchant applies to flavours only"),
            ("('x', 'flavours', 'token', 's', NULL, '')", "22023 the merchant id must have 1 to 255 characters"),
        ] {
            let got = Spi::get_one_with_args::<String>(
                "SELECT pg_temp.state_of($1)",
                &[format!("SELECT storesync.create_source{call}").into()],
            )
            .unwrap()
            .unwrap();
            assert_eq!(got, expected, "{call}");
        }
    }

    #[pg_test]
    fn the_token_comes_in_the_configured_header() {
        pos();
        let body = CUSTOMER_CREATE.as_bytes();
        for (headers, code) in [
            (json!({"Authorization": FLAVOURS_TOKEN}), "missing_token"),
            (json!({"X-Flavours-Token": "wrong"}), "invalid_token"),
        ] {
            let out = ingest_raw("pos", headers, body);
            assert_eq!(out["http_status"], 401, "{out}");
            assert_eq!(out["error"], code);
            assert!(out["message"]
                .as_str()
                .unwrap()
                .contains("X-Flavours-Token"));
            assert!(!out.to_string().contains(FLAVOURS_TOKEN));
        }
        assert_eq!(rows_everywhere(), 0);
        processed(CUSTOMER_CREATE);
    }

    #[pg_test]
    fn customers_create_update_delete() {
        pos();
        processed(CUSTOMER_CREATE);
        // The payload's times are milliseconds since 1970: updated_at 1705548163869,
        // timestamp 1697681187551.
        assert_eq!(
            row(
                "SELECT s.platform, s.merchant_id, c.customer_id, c.name, c.email, c.mobile,
                        c.mobile_code, c.updated_at, c.deleted_at, e.event_created_at, e.dedupe_key
                 FROM storesync.customers c JOIN storesync.stores s USING (store_id)
                 JOIN storesync.events e USING (store_id)"
            ),
            json!({"platform": "flavours", "merchant_id": "pos",
                   "customer_id": "c4a868ea-735e-461f-868c-a5d2eaa212d0", "name": "User 1",
                   "email": "user1@example.com", "mobile": "55223322", "mobile_code": "+966",
                   "updated_at": "2024-01-18T06:22:43.869+03:00", "deleted_at": null,
                   "event_created_at": "2023-10-19T05:06:27.551+03:00",
                   "dedupe_key": "9a48c3ad-35e9-4929-b714-6fe30f4afc93"})
        );
        // Delete first, then the update it follows: the customer ends renamed and deleted.
        processed(CUSTOMER_DELETE);
        processed(CUSTOMER_UPDATE);
        // deleted_at 1705720963869.
        assert_eq!(
            row("SELECT name, city, deleted_at FROM storesync.customers"),
            json!({"name": "User One", "city": "Riyadh",
                   "deleted_at": "2024-01-20T06:22:43.869+03:00"})
        );
    }

    #[pg_test]
    fn the_same_xid_is_a_duplicate_even_with_another_body() {
        pos();
        let first = processed(CUSTOMER_CREATE);
        let resent = with(CUSTOMER_CREATE, "/timestamp", json!(1697681999999_i64));
        let again = deliver_pos(&resent);
        assert_eq!(again["status"], "duplicate", "{again}");
        assert_eq!(again["event_id"], first["event_id"]);
        assert_eq!(count("SELECT count(*) FROM storesync.events"), 1);
        // A Salla source keeps deduplicating by body: the same body twice, nothing else.
        shop();
        assert_eq!(deliver(ORDER_CREATED_SALLA)["status"], "processed");
        assert_eq!(deliver(ORDER_CREATED_SALLA)["status"], "duplicate");
        let changed = as_event(ORDER_CREATED_SALLA, "order.updated");
        assert_eq!(deliver(&changed)["status"], "processed");
    }

    const ORDER_CREATED_SALLA: &str = crate::tests::support::ORDER_CREATED;

    #[pg_test]
    fn products() {
        pos();
        // The documented example says customers.CREATE and has no id: stored, failed, named.
        let out = deliver_pos(PRODUCT_DOCS);
        assert_eq!(out["status"], "failed");
        assert_eq!(out["message"], "customer id is missing");
        let corrected = with(PRODUCT_DOCS, "/action", json!("products.CREATED"));
        let out = deliver_pos(&with(&corrected, "/xid", json!("another-delivery")));
        assert_eq!(out["status"], "failed");
        assert_eq!(out["message"], "product id is missing");
        processed(PRODUCT_CREATED);
        assert_eq!(
            row("SELECT product_id, name, quantity, price::text, category_ids FROM storesync.products"),
            json!({"product_id": "2f6d1c9a-8e4b-4a7c-b1d2-3e4f5a6b7c8d", "name": "Voluptas autem",
                   "quantity": 10, "price": "25", "category_ids": ["1"]})
        );
        assert_eq!(count("SELECT count(*) FROM storesync.customers"), 0);
    }

    #[pg_test]
    fn delivery_orders_in_any_order() {
        pos();
        processed(ORDER_UPDATED);
        processed(ORDER_CREATED);
        processed(CUSTOMER_CREATE);
        // created_at 1705720990000 (milliseconds since 1970).
        assert_eq!(
            row(
                "SELECT order_id, reference_id, customer_id, status_slug, status_name, total::text,
                        sub_total::text, tax::text, currency, payment_method, order_date, draft,
                        deleted_at
                 FROM storesync.orders"
            ),
            json!({"order_id": "b1f3c5d7-2e4a-4c6e-9f1a-3b5d7f9e1c2a", "reference_id": "FL-10023",
                   "customer_id": "c4a868ea-735e-461f-868c-a5d2eaa212d0",
                   "status_slug": "delivered", "status_name": "Delivered", "total": "57.50",
                   "sub_total": "50", "tax": "7.5", "currency": "SAR", "payment_method": "Mada",
                   "order_date": "2024-01-20T06:23:10+03:00", "draft": false, "deleted_at": null})
        );
        assert_eq!(
            text(
                "SELECT string_agg(history_id || '=' || status_slug, ',' ORDER BY changed_at)
                 FROM storesync.order_status_history"
            )
            .as_deref(),
            Some(
                "0e6b2d4f-9a1c-4b3e-8d7f-6a5c4b3a2f10=under_review,8d2c4e6a-1b3f-4d5e-9a7c-2e4f6a8c0b13=delivered"
            )
        );
        assert_eq!(
            row(
                "SELECT item_id, product_id, quantity::text, price::text, total::text, name
                 FROM storesync.order_items"
            ),
            json!({"item_id": "a9e8d7c6-b5a4-4392-8170-6f5e4d3c2b1a",
                   "product_id": "2f6d1c9a-8e4b-4a7c-b1d2-3e4f5a6b7c8d", "quantity": "2",
                   "price": "25", "total": "50", "name": "Voluptas autem"})
        );
        // The customer the order named only by id got its profile from its own event.
        assert_eq!(
            row("SELECT name FROM storesync.customers"),
            json!({"name": "User 1"})
        );
    }

    #[pg_test]
    fn every_delivery_status_maps_to_the_shared_vocabulary() {
        pos();
        for (status, slug, name) in [
            (json!(1), "under_review", "Under Review"),
            (json!("2"), "in_progress", "In process"),
            (json!({"id": 3}), "canceled", "Canceled"),
            (json!(4), "pickup_ready", "Pickup ready"),
            (json!(5), "assigned", "Assigned"),
            (json!(6), "out_for_delivery", "Out for delivery"),
            (json!("delivered"), "delivered", "Delivered"),
        ] {
            let body = with(ORDER_CREATED, "/data/status_id", status.clone());
            let body = with(&body, "/xid", json!(format!("xid-{slug}")));
            processed(&body);
            let got = Spi::get_one_with_args::<String>(
                "SELECT status_slug || '|' || status_name FROM storesync.order_status_history
                 WHERE history_id = $1",
                &[format!("xid-{slug}").into()],
            )
            .unwrap();
            assert_eq!(got, Some(format!("{slug}|{name}")), "{status}");
        }
    }

    #[pg_test]
    fn an_unmappable_order_fails_naming_the_field() {
        pos();
        for (pointer, value, reason) in [
            (
                "/data/status_id",
                json!(9),
                "order delivery status 9 is not one of the statuses 1 to 7",
            ),
            (
                "/data/items",
                json!("two pizzas"),
                "order items is not a list",
            ),
            ("/data/total", json!("lots"), "order total is not a number"),
            ("/data/id", json!(null), "order id is missing"),
        ] {
            let body = with(&with(ORDER_CREATED, pointer, value), "/xid", json!(pointer));
            let out = deliver_pos(&body);
            assert_eq!(out["status"], "failed", "{pointer}: {out}");
            assert_eq!(out["message"], reason);
        }
        assert_eq!(count("SELECT count(*) FROM storesync.orders"), 0);
    }

    #[pg_test]
    fn the_error_webhook_and_unknown_actions_are_stored_and_ignored() {
        pos();
        let out = deliver_pos(ERROR_WEBHOOK);
        assert_eq!(out["status"], "ignored", "{out}");
        let out = deliver_pos(&with(CUSTOMER_CREATE, "/action", json!("tables.CREATE")));
        assert_eq!(out["status"], "ignored", "{out}");
        assert_eq!(
            text("SELECT string_agg(event_name, ',' ORDER BY event_id) FROM storesync.events")
                .as_deref(),
            Some("error,tables.CREATE")
        );
        // Not a Flavours webhook at all: 400, nothing stored.
        let out = deliver_pos(r#"{"event": "order.created", "merchant": 1, "data": {}}"#);
        assert_eq!(out["http_status"], 400);
    }

    #[pg_test]
    fn a_source_merchant_names_the_store() {
        Spi::run_with_args(
            "SELECT storesync.create_source('pos', 'flavours', 'token', $1, 'X-Flavours-Token', 'restaurant-7')",
            &[FLAVOURS_TOKEN.into()],
        )
        .unwrap();
        processed(CUSTOMER_CREATE);
        assert_eq!(
            text("SELECT merchant_id FROM storesync.stores").as_deref(),
            Some("restaurant-7")
        );
    }
}
