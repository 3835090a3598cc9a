//! One backend, many deliveries: `ingest` keeps its statements prepared per backend, and they
//! must stay right when the schema under them changes.

use storesync_tests::{describe, fixture, sign, TestDb};

const SOURCE: &str = "salla-backend";
const SECRET: &str = "e2e-backend-secret-4a7e90c1";

/// `storesync.ingest` of a signed body on the test's own connection; the result's status.
async fn ingest(db: &TestDb, body: &[u8]) -> String {
    let result = db.ingest(SOURCE, &sign(SECRET, body), body).await;
    result["status"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_backend_ingests_after_the_extension_is_recreated() {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    let order = fixture("salla/order.created.v2.docs.json");
    assert_eq!(ingest(&db, &order).await, "processed");
    assert_eq!(ingest(&db, &order).await, "duplicate");

    // Same backend: every table the prepared statements named is dropped and created anew.
    db.client()
        .batch_execute("DROP EXTENSION storesync CASCADE; CREATE EXTENSION storesync")
        .await
        .unwrap_or_else(|e| panic!("recreating the extension failed: {}", describe(&e)));
    db.create_source(SOURCE, "signature", SECRET).await;

    assert_eq!(
        ingest(&db, &order).await,
        "processed",
        "first delivery to the new tables"
    );
    assert_eq!(
        ingest(&db, &order).await,
        "duplicate",
        "dedupe against the new inbox"
    );
    let counts = db.counts().await;
    assert_eq!(
        (counts.events, counts.orders),
        (1, 1),
        "rows in the new tables"
    );
    assert!(counts.order_items > 0, "order items in the new tables");
}
