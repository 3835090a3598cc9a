//! Every event family through the real worker: Salla orders, products, customers, catalogue and
//! store, carts and more, app lifecycle; Flavours POS; and replay from SQL.

use storesync_tests::{assert_fields, fixture, TestDb, Worker};

const SOURCE: &str = "salla-events";
const SECRET: &str = "e2e-events-secret-2c8f1a9d";
const POS: &str = "flavours-pos";
const POS_TOKEN: &str = "e2e-pos-token-5d3b7e1f";
const POS_HEADER: &str = "X-Flavours-Token";

/// A database with a Salla Signature source and a Flavours Token source, and a worker.
async fn setup() -> (TestDb, Worker) {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    db.create_flavours_source(POS, POS_TOKEN, POS_HEADER).await;
    let worker = Worker::start(db.url()).await;
    (db, worker)
}

async fn processed(worker: &Worker, path: &str) -> i64 {
    worker
        .post_signed(SOURCE, SECRET, &fixture(path))
        .await
        .expect_accepted("processed")
}

#[tokio::test]
async fn order_status_update_moves_the_order_and_keeps_history() {
    let (db, worker) = setup().await;
    processed(&worker, "salla/order.status.updated.docs.json").await;
    let order = db
        .row(
            "SELECT o.status_slug, o.status_name, o.total::text, h.history_id, h.note
               FROM storesync.orders o JOIN storesync.order_status_history h USING (store_id, order_id)",
            &[],
        )
        .await;
    assert_fields(
        &order,
        &[
            ("status_slug", Some("completed")),
            ("status_name", Some("تم التنفيذ")),
            ("total", Some("154")),
            ("history_id", Some("198290473")),
            ("note", Some("تم إرسال تفاصيل الطلب  إلى بريد العميل")),
        ],
    );
}

#[tokio::test]
async fn a_partial_product_event_updates_only_what_it_carries() {
    let (db, worker) = setup().await;
    processed(&worker, "salla/product.price.updated.docs.json").await;
    processed(&worker, "salla/product.image.updated.docs.json").await;
    let product = db
        .row(
            "SELECT product_id, price::text, sale_price::text, cost_price::text, main_image, name
               FROM storesync.products",
            &[],
        )
        .await;
    assert_fields(
        &product,
        &[
            ("product_id", Some("1462551237")),
            ("price", Some("150")),
            ("sale_price", Some("85")),
            ("cost_price", Some("60")),
            (
                "main_image",
                Some("https://cdn.salla.sa/AzqOeQ/RsoIlcNiVFOaXRsyQU9rBT05yWQeiQ4CzIMHAh5m.png"),
            ),
            ("name", None),
        ],
    );
}

#[tokio::test]
async fn an_otp_request_is_recorded_without_its_code() {
    let (db, worker) = setup().await;
    processed(&worker, "salla/customer.otp.request.docs.json").await;
    let otp = db
        .row(
            "SELECT contact, channel,
                    (SELECT payload->'data'->>'code' FROM storesync.events) AS stored_code
               FROM storesync.customer_otp_requests",
            &[],
        )
        .await;
    assert_fields(
        &otp,
        &[
            ("contact", Some("+96652318526")),
            ("channel", Some("sms")),
            ("stored_code", Some("[redacted]")),
        ],
    );
    assert!(
        !worker.logs().await.contains("5331"),
        "the code in a log line"
    );
}

#[tokio::test]
async fn catalogue_and_store_events() {
    let (db, worker) = setup().await;
    for path in [
        "salla/category.created.docs.json",
        "salla/brand.created.docs.json",
        "salla/store.branch.updated.docs.json",
        "salla/storetax.created.docs.json",
        "salla/specialoffer.updated.docs.json",
        "salla/shipping.zone.created.docs.json",
        "salla/shipping.company.deleted.docs.json",
        "salla/shipment.creating.docs.json",
    ] {
        processed(&worker, path).await;
    }
    let counts = db
        .row(
            "SELECT (SELECT count(*) FROM storesync.categories)::text AS categories,
                    (SELECT count(*) FROM storesync.brands)::text AS brands,
                    (SELECT count(*) FROM storesync.branches)::text AS branches,
                    (SELECT count(*) FROM storesync.taxes)::text AS taxes,
                    (SELECT count(*) FROM storesync.special_offers)::text AS offers,
                    (SELECT count(*) FROM storesync.shipping_zones)::text AS zones,
                    (SELECT (deleted_at IS NOT NULL)::text FROM storesync.shipping_companies) AS company_deleted,
                    (SELECT status FROM storesync.shipments) AS shipment_status",
            &[],
        )
        .await;
    assert_fields(
        &counts,
        &[
            ("categories", Some("1")),
            ("brands", Some("1")),
            ("branches", Some("1")),
            ("taxes", Some("1")),
            ("offers", Some("1")),
            ("zones", Some("1")),
            ("company_deleted", Some("true")),
            ("shipment_status", Some("delivered")),
        ],
    );
}

#[tokio::test]
async fn carts_coupons_invoices_and_reviews() {
    let (db, worker) = setup().await;
    for path in [
        "salla/abandoned.cart.docs.json",
        "salla/abandoned.cart.purchased.docs.json",
        "salla/coupon.applied.docs.json",
        "salla/invoice.created.DERIVED.json",
        "salla/review.added.docs.json",
    ] {
        processed(&worker, path).await;
    }
    let row = db
        .row(
            "SELECT (SELECT count(*) FROM storesync.carts)::text AS carts,
                    (SELECT count(*) FROM storesync.cart_items)::text AS cart_items,
                    (SELECT string_agg(DISTINCT code, ',') FROM storesync.coupons) AS coupon,
                    (SELECT total::text FROM storesync.invoices) AS invoice_total,
                    (SELECT rating::text FROM storesync.reviews) AS rating",
            &[],
        )
        .await;
    assert_fields(
        &row,
        &[
            ("carts", Some("3")),
            ("cart_items", Some("3")),
            ("coupon", Some("wizefriend")),
            ("invoice_total", Some("911.97")),
            ("rating", Some("5")),
        ],
    );
}

#[tokio::test]
async fn app_lifecycle_reflects_in_the_store_and_hides_secrets() {
    let (db, worker) = setup().await;
    for path in [
        "salla/app.installed.docs.json",
        "salla/app.subscription.started.docs.json",
        "salla/app.store.authorize.docs.json",
        "salla/app.settings.updated.docs.json",
    ] {
        processed(&worker, path).await;
    }
    let store = db
        .row(
            "SELECT s.app_installed::text, s.subscription_status, s.subscription_id,
                    (c.access_token IS NOT NULL)::text AS has_token,
                    (c.app_settings->>'email') AS setting,
                    (SELECT bool_or(payload::text LIKE '%KGsnBcNNkR2AgHnrd0U9lCIjrUiukF%'
                                    OR payload::text LIKE '%Mohammed@Gmail.com%')::text
                       FROM storesync.events) AS secret_in_inbox
               FROM storesync.stores s JOIN storesync.store_credentials c USING (store_id)",
            &[],
        )
        .await;
    assert_fields(
        &store,
        &[
            ("app_installed", Some("true")),
            ("subscription_status", Some("started")),
            ("subscription_id", Some("1510766049")),
            ("has_token", Some("true")),
            ("setting", Some("Mohammed@Gmail.com")),
            ("secret_in_inbox", Some("false")),
        ],
    );
    let logs = worker.logs().await;
    assert!(
        !logs.contains("KGsnBcNNkR2AgHnrd0U9lCIjrUiukF"),
        "a token in a log line"
    );
}

#[tokio::test]
async fn flavours_customers_and_orders_with_token_header_and_xid_dedupe() {
    let (db, worker) = setup().await;
    let post = |path: &'static str, token: &'static str| {
        let endpoint = worker.endpoint();
        async move {
            endpoint
                .post(POS, &[(POS_HEADER, token)], fixture(path))
                .await
        }
    };
    post("flavours/customers.CREATE.docs.json", "not-the-token")
        .await
        .expect_error(401, Some("invalid_token"));
    let first = post("flavours/customers.CREATE.docs.json", POS_TOKEN)
        .await
        .expect_accepted("processed");
    // The same xid again, serialised differently: a duplicate of the first delivery.
    let resent: serde_json::Value =
        serde_json::from_slice(&fixture("flavours/customers.CREATE.docs.json")).unwrap();
    let again = worker
        .post(
            POS,
            &[(POS_HEADER, POS_TOKEN)],
            serde_json::to_vec(&resent).unwrap(),
        )
        .await
        .expect_accepted("duplicate");
    assert_eq!(again, first);
    post("flavours/order.delivery.updated.DERIVED.json", POS_TOKEN)
        .await
        .expect_accepted("processed");
    post("flavours/order.delivery.created.DERIVED.json", POS_TOKEN)
        .await
        .expect_accepted("processed");
    post("flavours/products.CREATED.DERIVED.json", POS_TOKEN)
        .await
        .expect_accepted("processed");
    let order = db
        .row(
            "SELECT s.platform, s.merchant_id, o.status_slug, o.total::text, c.name AS customer,
                    (SELECT count(*) FROM storesync.order_status_history)::text AS history
               FROM storesync.orders o JOIN storesync.stores s USING (store_id)
               JOIN storesync.customers c USING (store_id, customer_id)",
            &[],
        )
        .await;
    assert_fields(
        &order,
        &[
            ("platform", Some("flavours")),
            ("merchant_id", Some(POS)),
            ("status_slug", Some("delivered")),
            ("total", Some("57.50")),
            ("customer", Some("User 1")),
            ("history", Some("2")),
        ],
    );
    let line = db
        .row(
            "SELECT i.quantity::text, p.name FROM storesync.order_items i
               JOIN storesync.products p USING (store_id, product_id)",
            &[],
        )
        .await;
    assert_fields(
        &line,
        &[("quantity", Some("2")), ("name", Some("Voluptas autem"))],
    );
}

#[tokio::test]
async fn replay_from_sql_remaps_a_stored_event() {
    let (db, worker) = setup().await;
    let event_id = processed(&worker, "salla/order.created.v2.docs.json").await;
    // Typed rows lost (say, by a faulty manual edit): replay rebuilds them from the inbox.
    db.client()
        .batch_execute("DELETE FROM storesync.orders")
        .await
        .unwrap();
    let replayed = db
        .row(
            "SELECT previous_status, status, error FROM storesync.replay($1)",
            &[&event_id],
        )
        .await;
    assert_fields(
        &replayed,
        &[
            ("previous_status", Some("processed")),
            ("status", Some("processed")),
            ("error", None),
        ],
    );
    let order = db
        .row(
            "SELECT total::text, (SELECT count(*) FROM storesync.order_items)::text AS items
               FROM storesync.orders",
            &[],
        )
        .await;
    assert_fields(&order, &[("total", Some("196")), ("items", Some("1"))]);
}
