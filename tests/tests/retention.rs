//! Inbox retention end to end: the worker's prune timer removes old inbox rows (failed ones
//! kept) while typed rows stay, and `CALL storesync.prune_events_in_batches` commits batch by
//! batch outside a transaction block.

use std::time::{Duration, Instant};

use storesync_tests::{salla_order, sign, TestDb, Worker};

const SOURCE: &str = "salla-retention";
const SECRET: &str = "e2e-retention-secret-41c9";

/// An order of customer 1, id `id`.
fn order(id: u64) -> Vec<u8> {
    salla_order(id, 1, 100.0)
}

async fn one(db: &TestDb, sql: &str) -> i64 {
    db.client().query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn the_prune_timer_removes_old_events_and_keeps_failed_recent_and_typed_rows() {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    for id in 1..=3 {
        let body = order(id);
        db.ingest(SOURCE, &sign(SECRET, &body), &body).await;
    }
    // 12,000 old processed rows (more than one batch of the timer), one old failed row, by hand.
    db.client()
        .batch_execute(
            "UPDATE storesync.events SET received_at = now() - interval '40 days' WHERE store_id IS NOT NULL;
             INSERT INTO storesync.events
                 (source_id, store_id, event_name, body_sha256, payload, received_at, status)
             SELECT (SELECT source_id FROM storesync.sources), (SELECT min(store_id) FROM storesync.stores),
                    'order.created', sha256(('old ' || k)::bytea),
                    '{}', now() - interval '40 days',
                    CASE WHEN k = 0 THEN 'failed' ELSE 'processed' END
               FROM generate_series(0, 12000) AS k;",
        )
        .await
        .unwrap();
    let orders = one(&db, "SELECT count(*) FROM storesync.orders").await;
    assert_eq!(orders, 3);

    let worker = Worker::start_with(
        db.url(),
        &["--prune-events-older-than", "30d", "--prune-interval", "1s"],
    )
    .await;
    // A recent delivery while the timer runs: kept.
    worker
        .post_signed(SOURCE, SECRET, &order(4))
        .await
        .expect_accepted("processed");
    let deadline = Instant::now() + Duration::from_secs(30);
    while one(&db, "SELECT count(*) FROM storesync.events").await > 2 {
        assert!(
            Instant::now() < deadline,
            "old events still there after 30 s:\n{}",
            worker.logs().await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let left = db
        .client()
        .query_one(
            "SELECT string_agg(status, ',' ORDER BY status) FROM storesync.events",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(left.get::<_, String>(0), "failed,processed");
    assert_eq!(one(&db, "SELECT count(*) FROM storesync.orders").await, 4);
    let logs = worker.logs().await;
    assert!(logs.contains("inbox pruning on"), "{logs}");
    assert!(logs.contains("inbox pruned"), "{logs}");
    assert!(!logs.contains(SECRET));
}

#[tokio::test]
async fn the_batch_procedure_commits_each_batch() {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    db.client()
        .batch_execute(
            "INSERT INTO storesync.stores (platform, merchant_id) VALUES ('salla', 'retention');
             INSERT INTO storesync.events
                 (source_id, store_id, event_name, body_sha256, payload, received_at, status)
             SELECT (SELECT source_id FROM storesync.sources), (SELECT store_id FROM storesync.stores),
                    'order.created', sha256(k::text::bytea),
                    '{}', now() - interval '40 days', 'ignored'
               FROM generate_series(1, 2500) AS k",
        )
        .await
        .unwrap();
    let row = db
        .client()
        .query_one(
            "CALL storesync.prune_events_in_batches('30 days', batch_size => 1000)",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i32>(1)), (2500, 3));
    assert_eq!(one(&db, "SELECT count(*) FROM storesync.events").await, 0);
    // Inside a transaction block it cannot commit, and says so.
    let err = db
        .client()
        .batch_execute("BEGIN; CALL storesync.prune_events_in_batches('30 days'); ROLLBACK")
        .await
        .expect_err("refused in a transaction block");
    assert_eq!(err.as_db_error().map(|d| d.code().code()), Some("2D000"));
    db.client().batch_execute("ROLLBACK").await.unwrap();
}
