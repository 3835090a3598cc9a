//! Salla carts and more: abandoned carts, coupon.applied, invoice.created, review.added.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

    use crate::tests::support::*;

    const ABANDONED: &str = fixture!("salla/abandoned.cart.docs.json");
    const STATUS_CHANGED: &str = fixture!("salla/abandoned.cart.status.changed.docs.json");
    const PURCHASED: &str = fixture!("salla/abandoned.cart.purchased.docs.json");
    const COUPON_APPLIED: &str = fixture!("salla/coupon.applied.docs.json");
    const INVOICE: &str = fixture!("salla/invoice.created.DERIVED.json");
    const REVIEW: &str = fixture!("salla/review.added.docs.json");

    fn processed(body: &str) {
        let out = deliver(body);
        assert_eq!(out["status"], "processed", "{out}");
    }

    #[pg_test]
    fn abandoned_cart_with_its_items_coupon_and_customer() {
        shop();
        processed(ABANDONED);
        assert_eq!(
            row(
                "SELECT cart_id, customer_id, is_abandoned, currency, total::text, subtotal::text,
                        total_discount::text, coupon_code, age_in_minutes, checkout_url,
                        cart_created_at, status
                 FROM storesync.carts"
            ),
            json!({"cart_id": "1097962121", "customer_id": "225167971", "is_abandoned": true,
                   "currency": "SAR", "total": "100", "subtotal": "60", "total_discount": "10",
                   "coupon_code": "wizefriend", "age_in_minutes": 83,
                   "checkout_url": "https://salla.sa/dev-wofftr4xsra5xtlv/checkout/1097962121",
                   "cart_created_at": "2025-01-21T17:09:39+03:00", "status": null})
        );
        assert_eq!(
            text("SELECT string_agg(item_id || ':' || product_id || 'x' || quantity, ',' ORDER BY item_id) FROM storesync.cart_items")
                .as_deref(),
            Some("1793843311:401511871x2,239847784:64738276x1")
        );
        assert_eq!(
            row(
                "SELECT code, type, amount::text, minimum_amount::text, free_shipping, expires_at,
                        starts_at
                 FROM storesync.coupons"
            ),
            json!({"code": "wizefriend", "type": "percentage", "amount": "20",
                   "minimum_amount": "0", "free_shipping": true,
                   "expires_at": "2025-04-13T00:00:00+03:00", "starts_at": null})
        );
        assert_eq!(
            row("SELECT name, email, source_ts FROM storesync.customers"),
            json!({"name": "User Name", "email": "customer@email.com", "source_ts": "-infinity"})
        );
        // An older version of the cart, with other items, arriving late changes nothing.
        let older = with(
            &with(
                ABANDONED,
                "/data/updated_at/date",
                json!("2025-01-21 17:00:00.000000"),
            ),
            "/data/items",
            json!([{"id": 1, "product_id": 2, "quantity": 9}]),
        );
        processed(&with(&older, "/data/total/amount", json!(5)));
        assert_eq!(count("SELECT count(*) FROM storesync.cart_items"), 2);
        assert_eq!(
            text("SELECT total::text FROM storesync.carts").as_deref(),
            Some("100")
        );
    }

    #[pg_test]
    fn abandoned_cart_status_and_purchase() {
        shop();
        processed(STATUS_CHANGED);
        assert_eq!(
            row("SELECT cart_id, status, is_abandoned FROM storesync.carts"),
            json!({"cart_id": "1305879817", "status": "purchased", "is_abandoned": true})
        );
        processed(PURCHASED);
        assert_eq!(
            row(
                "SELECT total::text, subtotal::text, total_discount::text, currency, purchased_at
                 FROM storesync.carts"
            ),
            json!({"total": "34.99", "subtotal": "30.43", "total_discount": "0", "currency": "SAR",
                   "purchased_at": "2025-03-25T11:59:37+03:00"})
        );
        let out = deliver(&with(STATUS_CHANGED, "/data/status", json!(null)));
        assert_eq!(out["status"], "failed");
        assert_eq!(out["message"], "cart status is missing");
    }

    #[pg_test]
    fn coupon_applied_records_the_cart_and_the_coupon() {
        shop();
        processed(COUPON_APPLIED);
        assert_eq!(
            row(
                "SELECT cart_id, coupon_code, total::text, is_abandoned, customer_id
                 FROM storesync.carts"
            ),
            json!({"cart_id": "746780865", "coupon_code": "wizefriend", "total": "2910",
                   "is_abandoned": null, "customer_id": "1448307086"})
        );
        assert_eq!(
            row("SELECT coupon_id, amount::text, minimum_amount::text FROM storesync.coupons"),
            json!({"coupon_id": "2036833834", "amount": "20", "minimum_amount": "0"})
        );
        let out = deliver(&with(COUPON_APPLIED, "/data/cart", json!(null)));
        assert_eq!(out["message"], "coupon.applied cart is missing");
    }

    #[pg_test]
    fn invoice_created() {
        shop();
        processed(INVOICE);
        assert_eq!(
            row(
                "SELECT invoice_id, order_id, invoice_number, type, invoice_date, payment_method,
                        currency, sub_total::text, shipping_cost::text, cod_cost::text,
                        discount::text, tax::text, total::text
                 FROM storesync.invoices"
            ),
            json!({"invoice_id": "500681815", "order_id": "1783506836", "invoice_number": "633544",
                   "type": "Tax Invoice", "invoice_date": "2025-05-19T12:05:05+03:00",
                   "payment_method": "credit_card", "currency": "SAR", "sub_total": "834.76",
                   "shipping_cost": "0", "cod_cost": "0", "discount": "41.74", "tax": "118.95",
                   "total": "911.97"})
        );
        assert_eq!(
            row("SELECT name, mobile, birthday, updated_at
                 FROM storesync.customers WHERE customer_id = '396470115'"),
            json!({"name": "بدر المطيري", "mobile": "555317835", "birthday": "1980-08-12",
                   "updated_at": "2025-05-19T12:01:31+03:00"})
        );
        // Invoices name their order; they do not make one up.
        assert_eq!(count("SELECT count(*) FROM storesync.orders"), 0);
    }

    #[pg_test]
    fn review_added() {
        shop();
        processed(REVIEW);
        assert_eq!(
            row(
                "SELECT review_id, type, rating::text, content, customer_id, product_id, order_id,
                        reviewed_at
                 FROM storesync.reviews"
            ),
            json!({"review_id": "1289663293:1653503260:2107468057", "type": "rating",
                   "rating": "5", "content": "Nice", "customer_id": "2107468057",
                   "product_id": "1653503260", "order_id": "1289663293",
                   "reviewed_at": "2021-07-07T14:50:48+03:00"})
        );
        assert_eq!(
            row("SELECT name FROM storesync.customers WHERE customer_id = '2107468057'"),
            json!({"name": "Mohammed Ali"})
        );
        let out = deliver(&with(
            &with(REVIEW, "/data/order", json!(null)),
            "/data/product",
            json!(null),
        ));
        assert_eq!(out["status"], "failed");
    }
}
