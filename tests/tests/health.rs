//! Liveness, readiness, and what a sender sees when the database is away.

use std::time::Duration;

use storesync_tests::{fixture, TestDb, Worker};

/// Nothing listens on port 1: connections are refused at once.
const UNREACHABLE_DB: &str = "host=127.0.0.1 port=1 user=x dbname=x";

#[tokio::test]
async fn healthz_and_readyz_are_200_with_a_good_database() {
    let db = TestDb::new().await;
    let worker = Worker::start(db.url()).await;

    let health = worker.get("/healthz").await;
    assert_eq!(health.status, 200, "/healthz: {}", health.body);
    let ready = worker.get("/readyz").await;
    assert_eq!(ready.status, 200, "/readyz: {}", ready.body);
}

#[tokio::test]
async fn readyz_is_503_without_the_extension() {
    let db = TestDb::without_extension().await;
    let worker = Worker::start(db.url()).await;

    let ready = worker.get("/readyz").await;
    assert_eq!(
        ready.status, 503,
        "/readyz without the extension: {}",
        ready.body
    );
    let health = worker.get("/healthz").await;
    assert_eq!(health.status, 200, "/healthz: {}", health.body);
}

#[tokio::test]
async fn unreachable_database_is_503_quickly() {
    let worker = Worker::start(UNREACHABLE_DB).await;

    let health = worker.get("/healthz").await;
    assert_eq!(
        health.status, 200,
        "/healthz does not depend on the database: {}",
        health.body
    );

    let ready = worker.get("/readyz").await;
    assert_eq!(ready.status, 503, "/readyz: {}", ready.body);
    assert!(
        ready.elapsed < Duration::from_secs(2),
        "/readyz took {:?}",
        ready.elapsed
    );

    let reply = worker
        .post_signed(
            "salla-main",
            "any-secret",
            &fixture("salla/order.created.v2.docs.json"),
        )
        .await;
    reply.expect_error(503, Some("database_unavailable"));
    assert!(
        reply.elapsed < Duration::from_secs(2),
        "the 503 took {:?}",
        reply.elapsed
    );

    // Still answering (and still quickly) on the next try.
    let again = worker.post("salla-main", &[], b"{}".to_vec()).await;
    again.expect_error(503, Some("database_unavailable"));
    assert!(
        again.elapsed < Duration::from_secs(2),
        "the second 503 took {:?}",
        again.elapsed
    );
}
