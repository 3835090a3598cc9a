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
        assert!(truth(
            "SELECT cart_id = '1097962121' AND customer_id = '225167971' AND is_abandoned
                AND currency = 'SAR' AND total = 100 AND subtotal = 60 AND total_discount = 10
                AND coupon_code = 'wizefriend' AND age_in_minutes = 83
                AND checkout_url = 'https://salla.sa/dev-wofftr4xsra5xtlv/checkout/1097962121'
                AND cart_created_at = '2025-01-21 17:09:39+03' AND status IS NULL
             FROM storesync.carts"
        ));
        assert_eq!(
            text("SELECT string_agg(item_id || ':' || product_id || 'x' || quantity, ',' ORDER BY item_id) FROM storesync.cart_items")
                .as_deref(),
            Some("1793843311:401511871x2,239847784:64738276x1")
        );
        assert!(truth(
            "SELECT code = 'wizefriend' AND type = 'percentage' AND amount = 20 AND minimum_amount = 0
                AND free_shipping AND expires_at = '2025-04-13 00:00:00+03' AND starts_at IS NULL
             FROM storesync.coupons"
        ));
        assert!(truth(
            "SELECT name = 'User Name' AND email = 'customer@email.com' AND source_ts = '-infinity'
             FROM storesync.customers"
        ));
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
        assert!(truth(
            "SELECT cart_id = '1305879817' AND status = 'purchased' AND is_abandoned FROM storesync.carts"
        ));
        processed(PURCHASED);
        assert!(truth(
            "SELECT total = 34.99 AND subtotal = 30.43 AND total_discount = 0 AND currency = 'SAR'
                AND purchased_at = '2025-03-25 11:59:37+03'
             FROM storesync.carts"
        ));
        let out = deliver(&with(STATUS_CHANGED, "/data/status", json!(null)));
        assert_eq!(out["status"], "failed");
        assert_eq!(out["message"], "cart status is missing");
    }

    #[pg_test]
    fn coupon_applied_records_the_cart_and_the_coupon() {
        shop();
        processed(COUPON_APPLIED);
        assert!(truth(
            "SELECT cart_id = '746780865' AND coupon_code = 'wizefriend' AND total = 2910
                AND is_abandoned IS NULL AND customer_id = '1448307086'
             FROM storesync.carts"
        ));
        assert!(truth(
            "SELECT coupon_id = '2036833834' AND amount = 20 AND minimum_amount = 0 FROM storesync.coupons"
        ));
        let out = deliver(&with(COUPON_APPLIED, "/data/cart", json!(null)));
        assert_eq!(out["message"], "coupon.applied cart is missing");
    }

    #[pg_test]
    fn invoice_created() {
        shop();
        processed(INVOICE);
        assert!(truth(
            "SELECT invoice_id = '500681815' AND order_id = '1783506836' AND invoice_number = '633544'
                AND type = 'Tax Invoice' AND invoice_date = '2025-05-19 12:05:05+03'
                AND payment_method = 'credit_card' AND currency = 'SAR' AND sub_total = 834.76
                AND shipping_cost = 0 AND cod_cost = 0 AND discount = 41.74 AND tax = 118.95
                AND total = 911.97
             FROM storesync.invoices"
        ));
        assert!(truth(
            "SELECT name = 'بدر المطيري' AND mobile = '555317835' AND birthday = '1980-08-12'
                AND updated_at = '2025-05-19 12:01:31+03'
             FROM storesync.customers WHERE customer_id = '396470115'"
        ));
        // Invoices name their order; they do not make one up.
        assert_eq!(count("SELECT count(*) FROM storesync.orders"), 0);
    }

    #[pg_test]
    fn review_added() {
        shop();
        processed(REVIEW);
        assert!(truth(
            "SELECT review_id = '1289663293:1653503260:2107468057' AND type = 'rating' AND rating = 5
                AND content = 'Nice' AND customer_id = '2107468057' AND product_id = '1653503260'
                AND order_id = '1289663293' AND reviewed_at = '2021-07-07 14:50:48+03'
             FROM storesync.reviews"
        ));
        assert!(truth(
            "SELECT name = 'Mohammed Ali' FROM storesync.customers WHERE customer_id = '2107468057'"
        ));
        let out = deliver(&with(
            &with(REVIEW, "/data/order", json!(null)),
            "/data/product",
            json!(null),
        ));
        assert_eq!(out["status"], "failed");
    }
}
