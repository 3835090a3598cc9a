//! `storesync-simulate` against a real worker: what it reports is what was stored.

use std::process::Output;

use storesync_tests::{simulate_bin, TestDb, Worker};

const SOURCE: &str = "simulated";
const SECRET: &str = "e2e-simulate-secret-81d3";

/// A database with the simulator's source and a worker in front of it.
async fn setup() -> (TestDb, Worker) {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    let worker = Worker::start(db.url()).await;
    (db, worker)
}

async fn simulate(url: &str, secret: &str, extra: &[&str]) -> (Output, serde_json::Value) {
    let output = tokio::process::Command::new(simulate_bin())
        .args(["--url", url, "--source", SOURCE, "--secret", secret])
        // A catalogue large enough that concurrent orders rarely share two rows: this test is
        // about counting, and a deadlock between two orders would turn one answer into a 503.
        .args(["--json", "--quiet", "--stores", "2", "--customers", "1000"])
        .args(["--products", "5000"])
        .args(extra)
        .output()
        .await
        .expect("storesync-simulate runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "simulate did not print a JSON report ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, report)
}

#[tokio::test]
async fn every_simulated_webhook_is_answered_2xx_and_stored_once() {
    let (db, worker) = setup().await;

    let (output, report) = simulate(
        &worker.url(""),
        SECRET,
        &["--count", "300", "--concurrency", "4", "--seed", "11"],
    )
    .await;
    assert!(
        output.status.success(),
        "exit {:?}: {report}",
        output.status
    );
    assert_eq!(report["sent"], 300, "{report}");
    assert_eq!(report["non_2xx"], 0, "{report}");
    assert_eq!(report["transport_errors"], 0, "{report}");
    assert_eq!(report["http"]["200"], 300, "{report}");
    assert!(report["p99_ms"].as_f64().unwrap() > 0.0, "{report}");

    // Distinct bodies: every one is a new event, none a duplicate, none failed to map, and
    // the statuses the worker answered are the ones stored.
    let rows = db
        .client()
        .query(
            "SELECT status, count(*) FROM storesync.events GROUP BY status",
            &[],
        )
        .await
        .unwrap();
    let stored: serde_json::Map<String, serde_json::Value> = rows
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1).into()))
        .collect();
    assert_eq!(
        serde_json::Value::Object(stored),
        report["outcomes"],
        "{report}"
    );
    assert_eq!(db.counts().await.events, 300);
    let counts = db.counts().await;
    assert_eq!(counts.stores, 2, "{counts:?}");
    assert!(
        counts.orders > 0 && counts.order_items >= counts.orders,
        "{counts:?}"
    );
    assert!(counts.customers > 0 && counts.products > 0, "{counts:?}");
    assert!(report["outcomes"].get("failed").is_none(), "{report}");

    // The same seed again: the same bodies, all duplicates, nothing new stored.
    let (_, again) = simulate(
        &worker.url(""),
        SECRET,
        &["--count", "300", "--concurrency", "4", "--seed", "11"],
    )
    .await;
    assert_eq!(again["outcomes"]["duplicate"], 300, "{again}");
    assert_eq!(db.counts().await.events, 300);
}

#[tokio::test]
async fn a_wrong_secret_is_reported_as_failures_and_stores_nothing() {
    let (db, worker) = setup().await;

    let (output, report) = simulate(
        &worker.url(""),
        "not-the-secret",
        &["--count", "20", "--concurrency", "2"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert_eq!(report["sent"], 20, "{report}");
    assert_eq!(report["non_2xx"], 20, "{report}");
    assert_eq!(report["http"]["401"], 20, "{report}");
    assert_eq!(db.counts().await.events, 0);
}

#[tokio::test]
async fn open_loop_sends_at_the_requested_rate() {
    let (db, worker) = setup().await;

    let (output, report) = simulate(
        &worker.url(""),
        SECRET,
        &["--count", "40", "--rate", "20", "--concurrency", "4"],
    )
    .await;
    assert!(output.status.success(), "{report}");
    assert_eq!(report["sent"], 40, "{report}");
    // 40 webhooks due 50 ms apart take about 2 s, not less.
    let elapsed = report["elapsed_s"].as_f64().unwrap();
    assert!((1.9..10.0).contains(&elapsed), "{report}");
    assert_eq!(db.counts().await.events, 40);
}
