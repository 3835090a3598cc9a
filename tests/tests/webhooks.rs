//! Accepted webhooks: the Salla fixtures end up as typed rows, once, in the right state.

use storesync_tests::{assert_fields, fixture, replace_once, sign, TestDb, Worker};

const SOURCE: &str = "salla-main";
const SECRET: &str = "e2e-webhook-secret-4f9c2a7d";

const ORDER_CREATED: &str = "salla/order.created.v2.docs.json";

/// A database with one Signature source and a worker in front of it.
async fn setup() -> (TestDb, Worker) {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    let worker = Worker::start(db.url()).await;
    (db, worker)
}

#[tokio::test]
async fn order_created_is_processed_once_and_redeliveries_are_duplicates() {
    let (db, worker) = setup().await;
    let body = fixture(ORDER_CREATED);

    let event_id = worker
        .post_signed(SOURCE, SECRET, &body)
        .await
        .expect_accepted("processed");
    for attempt in 2..=3 {
        let again = worker.post_signed(SOURCE, SECRET, &body).await;
        let dup_id = again.expect_accepted("duplicate");
        assert_eq!(
            dup_id, event_id,
            "delivery {attempt}: duplicate must name the original event"
        );
    }

    let counts = db.counts().await;
    assert_eq!(counts.events, 1, "{counts:?}");
    assert_eq!(counts.stores, 1, "{counts:?}");
    assert_eq!(counts.orders, 1, "{counts:?}");
    assert_eq!(counts.order_items, 1, "{counts:?}");
    assert_eq!(counts.customers, 1, "{counts:?}");

    let event = db
        .row(
            "SELECT e.event_id::text, e.event_name, e.status, e.error,
                    (e.body_sha256 = sha256($1::bytea))::text AS body_sha256_matches,
                    s.platform, s.merchant_id
               FROM storesync.events e JOIN storesync.stores s USING (store_id)",
            &[&body],
        )
        .await;
    let event_id_text = event_id.to_string();
    assert_fields(
        &event,
        &[
            ("event_id", Some(&event_id_text)),
            ("event_name", Some("order.created")),
            ("status", Some("processed")),
            ("error", None),
            ("body_sha256_matches", Some("true")),
            ("platform", Some("salla")),
            ("merchant_id", Some("1305146709")),
        ],
    );

    let order = db
        .row(
            "SELECT o.order_id, o.reference_id, o.customer_id, o.status_slug, o.currency,
                    trim_scale(o.total)::text AS total,
                    trim_scale(o.sub_total)::text AS sub_total,
                    trim_scale(o.shipping_cost)::text AS shipping_cost,
                    trim_scale(o.tax)::text AS tax,
                    trim_scale(o.discount)::text AS discount,
                    o.payment_method, o.draft::text,
                    to_char(o.order_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS order_date_utc,
                    s.merchant_id
               FROM storesync.orders o JOIN storesync.stores s USING (store_id)",
            &[],
        )
        .await;
    assert_fields(
        &order,
        &[
            ("order_id", Some("2116149737")),
            ("reference_id", Some("41027662")),
            ("customer_id", Some("225167971")),
            ("status_slug", Some("under_review")),
            ("currency", Some("SAR")),
            ("total", Some("196")),
            ("sub_total", Some("186")),
            ("shipping_cost", Some("15")),
            ("tax", Some("0")),
            ("discount", Some("5")),
            ("payment_method", Some("bank")),
            ("draft", Some("false")),
            // 2022-06-26 12:21:45 Asia/Riyadh (UTC+3)
            ("order_date_utc", Some("2022-06-26 09:21:45")),
            ("merchant_id", Some("1305146709")),
        ],
    );

    let item = db
        .row(
            "SELECT order_id, item_id, product_id, sku,
                    trim_scale(quantity)::text AS quantity,
                    trim_scale(price)::text AS price,
                    trim_scale(total)::text AS total,
                    trim_scale(discount)::text AS discount
               FROM storesync.order_items",
            &[],
        )
        .await;
    assert_fields(
        &item,
        &[
            ("order_id", Some("2116149737")),
            ("item_id", Some("70815337")),
            ("product_id", Some("720881993")),
            ("sku", Some("54534534")),
            ("quantity", Some("1")),
            ("price", Some("186")),
            ("total", Some("186")),
            ("discount", Some("5")),
        ],
    );

    let customer = db
        .row(
            "SELECT customer_id, first_name, last_name, email, mobile, mobile_code
               FROM storesync.customers",
            &[],
        )
        .await;
    assert_fields(
        &customer,
        &[
            ("customer_id", Some("225167971")),
            ("first_name", Some("Mohammed")),
            ("last_name", Some("Ali")),
            ("email", Some("usertest@gmail.com")),
            ("mobile", Some("501806978")),
            ("mobile_code", Some("+966")),
        ],
    );
}

#[tokio::test]
async fn concurrent_redeliveries_store_one_event() {
    let (db, worker) = setup().await;
    let body = fixture(ORDER_CREATED);

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let endpoint = worker.endpoint();
        let body = body.clone();
        tasks.spawn(async move { endpoint.post_signed(SOURCE, SECRET, &body).await });
    }
    let mut processed = 0;
    let mut ids = Vec::new();
    while let Some(reply) = tasks.join_next().await {
        let reply = reply.expect("request task");
        assert_eq!(
            reply.status, 200,
            "a concurrent redelivery got {}: {}",
            reply.status, reply.body
        );
        let json = reply.json();
        match json["status"].as_str() {
            Some("processed") => processed += 1,
            Some("duplicate") => {}
            other => panic!("unexpected ingest status {other:?} in {json}"),
        }
        ids.push(json["event_id"].as_i64().expect("event_id"));
    }
    assert_eq!(
        processed, 1,
        "exactly one of 8 identical concurrent deliveries is processed"
    );
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "all answers name one event: {ids:?}"
    );

    let counts = db.counts().await;
    assert_eq!(
        (counts.events, counts.orders, counts.order_items),
        (1, 1, 1),
        "{counts:?}"
    );
}

#[tokio::test]
async fn customer_login_is_processed() {
    let (db, worker) = setup().await;
    let body = fixture("salla/customer.login.v2.docs.json");
    worker
        .post_signed(SOURCE, SECRET, &body)
        .await
        .expect_accepted("processed");

    let customer = db
        .row(
            "SELECT c.customer_id, c.first_name, c.last_name, c.mobile, c.mobile_code, c.email,
                    (c.last_login_at IS NOT NULL)::text AS has_last_login, s.merchant_id
               FROM storesync.customers c JOIN storesync.stores s USING (store_id)",
            &[],
        )
        .await;
    assert_fields(
        &customer,
        &[
            ("customer_id", Some("225167971")),
            ("first_name", Some("User")),
            ("last_name", Some("Mohammed")),
            ("mobile", Some("555555555")),
            ("mobile_code", Some("+966")),
            ("email", Some("test@gmail.com")),
            ("has_last_login", Some("true")),
            ("merchant_id", Some("1305146709")),
        ],
    );
    let event = db
        .row("SELECT event_name, status FROM storesync.events", &[])
        .await;
    assert_fields(
        &event,
        &[
            ("event_name", Some("customer.login")),
            ("status", Some("processed")),
        ],
    );
}

#[tokio::test]
async fn customer_created_is_processed() {
    let (db, worker) = setup().await;
    let body = fixture("salla/customer.created.v2.DERIVED.json");
    worker
        .post_signed(SOURCE, SECRET, &body)
        .await
        .expect_accepted("processed");

    let customer = db
        .row(
            "SELECT customer_id, first_name, last_name, mobile, mobile_code, email
               FROM storesync.customers",
            &[],
        )
        .await;
    assert_fields(
        &customer,
        &[
            ("customer_id", Some("225167971")),
            ("first_name", Some("User")),
            ("last_name", Some("Mohammed")),
            ("mobile", Some("555555555")),
            ("mobile_code", Some("+966")),
            ("email", Some("test@gmail.com")),
        ],
    );
    let counts = db.counts().await;
    assert_eq!(
        (counts.events, counts.customers, counts.orders),
        (1, 1, 0),
        "{counts:?}"
    );
}

#[tokio::test]
async fn product_created_is_processed() {
    let (db, worker) = setup().await;
    let body = fixture("salla/product.created.v2.docs.json");
    worker
        .post_signed(SOURCE, SECRET, &body)
        .await
        .expect_accepted("processed");

    let product = db
        .row(
            "SELECT product_id, name, trim_scale(price)::text AS price, quantity::text,
                    status, type
               FROM storesync.products",
            &[],
        )
        .await;
    assert_fields(
        &product,
        &[
            ("product_id", Some("1025569331")),
            ("name", Some("Product-Booking-API-Date-and-Time")),
            ("price", Some("299")),
            ("quantity", Some("20")),
            ("status", Some("hidden")),
            ("type", Some("booking")),
        ],
    );
}

#[tokio::test]
async fn app_installed_is_reflected_in_the_store_state() {
    let (db, worker) = setup().await;
    let body = fixture("salla/app.installed.starterkit-comment.json");
    let event_id = worker
        .post_signed(SOURCE, SECRET, &body)
        .await
        .expect_accepted("processed");

    let event = db
        .row(
            "SELECT event_id::text, event_name, status FROM storesync.events",
            &[],
        )
        .await;
    let event_id_text = event_id.to_string();
    assert_fields(
        &event,
        &[
            ("event_id", Some(&event_id_text)),
            ("event_name", Some("app.installed")),
            ("status", Some("processed")),
        ],
    );
    let store = db
        .row(
            "SELECT merchant_id, app_installed::text, array_length(app_scopes, 1)::text AS scopes
               FROM storesync.stores",
            &[],
        )
        .await;
    assert_fields(
        &store,
        &[
            ("merchant_id", Some("472944967")),
            ("app_installed", Some("true")),
            ("scopes", Some("4")),
        ],
    );
    let counts = db.counts().await;
    assert_eq!(
        (
            counts.customers,
            counts.products,
            counts.orders,
            counts.order_items
        ),
        (0, 0, 0, 0),
        "{counts:?}"
    );
}

/// `app.store.authorize` carries the merchant's OAuth tokens: they must not come back in the
/// answer nor sit in the inbox payload (schema: "OAuth tokens are redacted before storing").
#[tokio::test]
async fn app_store_authorize_tokens_are_not_stored_in_events() {
    let (db, worker) = setup().await;
    let body = fixture("salla/app.store.authorize.docs.json");
    let fixture_json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let access = fixture_json["data"]["access_token"].as_str().unwrap();
    let refresh = fixture_json["data"]["refresh_token"].as_str().unwrap();

    let reply = worker.post_signed(SOURCE, SECRET, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let status = reply.json()["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        status == "processed" || status == "ignored",
        "app.store.authorize answered {status:?}: {}",
        reply.body
    );
    assert!(
        !reply.body.contains(access) && !reply.body.contains(refresh),
        "tokens in the answer"
    );

    let stored = db
        .row(
            "SELECT count(*)::text AS n,
                    bool_or(payload::text LIKE '%' || $1 || '%')::text AS has_access,
                    bool_or(payload::text LIKE '%' || $2 || '%')::text AS has_refresh
               FROM storesync.events",
            &[&access, &refresh],
        )
        .await;
    assert_fields(
        &stored,
        &[
            ("n", Some("1")),
            ("has_access", Some("false")),
            ("has_refresh", Some("false")),
        ],
    );
}

#[tokio::test]
async fn unmappable_order_is_stored_as_failed() {
    let (db, worker) = setup().await;
    // The fixture without its order id: a well-formed webhook that cannot be mapped.
    let body = replace_once(&fixture(ORDER_CREATED), "\"id\": 2116149737,", "");

    let event_id = worker
        .post_signed(SOURCE, SECRET, &body)
        .await
        .expect_accepted("failed");

    let event = db
        .row(
            "SELECT event_id::text, event_name, status,
                    (coalesce(error, '') <> '')::text AS has_error
               FROM storesync.events",
            &[],
        )
        .await;
    let event_id_text = event_id.to_string();
    assert_fields(
        &event,
        &[
            ("event_id", Some(&event_id_text)),
            ("event_name", Some("order.created")),
            ("status", Some("failed")),
            ("has_error", Some("true")),
        ],
    );
    let counts = db.counts().await;
    assert_eq!(
        (
            counts.events,
            counts.orders,
            counts.order_items,
            counts.customers,
            counts.products
        ),
        (1, 0, 0, 0, 0),
        "a failed event leaves no typed rows: {counts:?}"
    );
}

/// The fixture turned into a later `order.updated` that completes the order.
fn order_completed_later() -> Vec<u8> {
    let body = fixture(ORDER_CREATED);
    let body = replace_once(
        &body,
        "\"event\": \"order.created\"",
        "\"event\": \"order.updated\"",
    );
    let body = replace_once(
        &body,
        "\"created_at\": \"Sun Jun 26 2022 12:21:48 GMT+0300\"",
        "\"created_at\": \"Sun Jun 26 2022 15:05:10 GMT+0300\"",
    );
    replace_once(
        &body,
        "\"slug\": \"under_review\"",
        "\"slug\": \"completed\"",
    )
}

async fn order_state(db: &TestDb) -> (String, i64, i64) {
    let row = db
        .row("SELECT status_slug FROM storesync.orders", &[])
        .await;
    let counts = db.counts().await;
    (
        row["status_slug"].clone().unwrap_or_default(),
        counts.events,
        counts.order_items,
    )
}

#[tokio::test]
async fn older_event_arriving_late_does_not_overwrite_newer_state() {
    let (db, worker) = setup().await;
    worker
        .post_signed(SOURCE, SECRET, &order_completed_later())
        .await
        .expect_accepted("processed");
    let late = worker
        .post_signed(SOURCE, SECRET, &fixture(ORDER_CREATED))
        .await;
    assert_eq!(late.status, 200, "{}", late.body);

    assert_eq!(
        order_state(&db).await,
        ("completed".to_owned(), 2, 1),
        "(status_slug, events, order_items) after updated-then-created"
    );
}

#[tokio::test]
async fn events_in_order_end_in_the_same_state() {
    let (db, worker) = setup().await;
    worker
        .post_signed(SOURCE, SECRET, &fixture(ORDER_CREATED))
        .await
        .expect_accepted("processed");
    worker
        .post_signed(SOURCE, SECRET, &order_completed_later())
        .await
        .expect_accepted("processed");

    assert_eq!(
        order_state(&db).await,
        ("completed".to_owned(), 2, 1),
        "(status_slug, events, order_items) after created-then-updated"
    );
}

/// The signature covers the raw bytes: the published vector is accepted as sent, and the same
/// JSON re-serialised (other bytes) is refused under the original signature.
#[tokio::test]
async fn signature_vector_is_accepted_over_raw_bytes_only() {
    let vectors: serde_json::Value =
        serde_json::from_slice(&fixture("salla_signature_vectors.json")).unwrap();
    let vector = &vectors["vectors"][2];
    let reserialized = &vectors["vectors"][3];
    let secret = vector["secret"].as_str().unwrap();
    let raw = hex::decode(vector["raw_body_hex"].as_str().unwrap()).unwrap();
    let signature = vector["expected_x_salla_signature"].as_str().unwrap();
    assert_eq!(sign(secret, &raw), signature);

    let db = TestDb::new().await;
    db.create_source("vectors", "signature", secret).await;
    let worker = Worker::start(db.url()).await;

    let other_bytes = reserialized["reserialized_body"]
        .as_str()
        .unwrap()
        .as_bytes()
        .to_vec();
    worker
        .post("vectors", &[("X-Salla-Signature", signature)], other_bytes)
        .await
        .expect_error(401, Some("invalid_signature"));
    assert_eq!(db.counts().await.events, 0);

    worker
        .post("vectors", &[("X-Salla-Signature", signature)], raw)
        .await
        .expect_accepted("processed");
    let customer = db
        .row("SELECT customer_id, city FROM storesync.customers", &[])
        .await;
    assert_fields(
        &customer,
        &[("customer_id", Some("1")), ("city", Some("الرياض"))],
    );
}

/// `storesync.ingest` is the contract every client uses; it answers the same from plain SQL.
#[tokio::test]
async fn ingest_answers_the_same_from_sql() {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    let body = fixture("salla/customer.login.v2.docs.json");
    let signature = sign(SECRET, &body);

    let first = db.ingest(SOURCE, &signature, &body).await;
    for key in ["status", "event_id", "http_status", "error", "message"] {
        assert!(
            first.get(key).is_some(),
            "ingest result lacks {key:?}: {first}"
        );
    }
    assert_eq!(first["status"], "processed", "{first}");
    assert_eq!(first["http_status"], 200, "{first}");
    assert!(first["event_id"].as_i64().is_some(), "{first}");

    let again = db.ingest(SOURCE, &signature, &body).await;
    assert_eq!(again["status"], "duplicate", "{again}");
    assert_eq!(again["event_id"], first["event_id"], "{again}");

    let bad = db
        .ingest(SOURCE, &sign("not-the-secret", b"x"), &body)
        .await;
    assert_eq!(bad["status"], "rejected", "{bad}");
    assert_eq!(bad["http_status"], 401, "{bad}");
    assert_eq!(bad["error"], "invalid_signature", "{bad}");
    assert!(bad["event_id"].is_null(), "{bad}");
    assert!(!bad.to_string().contains(SECRET), "secret in {bad}");
}
