//! Failures of the database under the real worker, on a private cluster the tests may kill:
//! - SIGKILL of the postmaster under load: no event that got a 2xx is lost, none is stored
//!   twice, and every event refused meanwhile (503, broken connection) is stored exactly once
//!   after the sender's retry;
//! - the database down: 503 at once, `/readyz` not ready, recovery without a restart.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use storesync_tests::cluster::Cluster;
use storesync_tests::{sign, Worker};

const SECRET: &str = "crash-test-secret";

/// A distinct, cheap-to-map webhook: a new customer numbered `n`.
fn event(n: usize) -> Vec<u8> {
    format!(
        r#"{{"event":"customer.created","merchant":9001,"created_at":"2024-03-01 10:00:00","data":{{"id":{n},"first_name":"C{n}","last_name":"K","email":"c{n}@example.com","mobile":"5{n:08}","updated_at":"2024-03-01 10:00:00"}}}}"#
    )
    .into_bytes()
}

/// What the sender saw for one delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    Acked,
    Refused(u16),
    Broken,
}

async fn send(client: &reqwest::Client, url: &str, body: &[u8]) -> Seen {
    let res = client
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Salla-Signature", sign(SECRET, body))
        .body(body.to_vec())
        .send()
        .await;
    match res {
        Ok(r) if r.status().is_success() => Seen::Acked,
        Ok(r) => Seen::Refused(r.status().as_u16()),
        Err(_) => Seen::Broken,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_postmaster_under_load_loses_no_acknowledged_event() {
    const EVENTS: usize = 3_000;
    const SENDERS: usize = 32;
    const KILL_AFTER: usize = 800;

    let cluster = Arc::new(Cluster::start());
    let db = cluster.storesync_database("crash", "shop", SECRET).await;
    let worker = Worker::start_with(&cluster.url("crash"), &["--pool-size", "16"]).await;
    let url = worker.url("/webhooks/shop");

    let next = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(vec![None; EVENTS]));
    let mut senders = Vec::new();
    for _ in 0..SENDERS {
        let (next, acked, seen, url) = (next.clone(), acked.clone(), seen.clone(), url.clone());
        senders.push(tokio::spawn(async move {
            let client = client();
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= EVENTS {
                    break;
                }
                let result = send(&client, &url, &event(n)).await;
                if result == Seen::Acked {
                    acked.fetch_add(1, Ordering::SeqCst);
                }
                seen.lock().unwrap()[n] = Some(result);
            }
        }));
    }

    // Kill the postmaster mid-way, leave it dead for a moment under load, restart it.
    let killer = {
        let (cluster, acked, next) = (cluster.clone(), acked.clone(), next.clone());
        tokio::spawn(async move {
            while acked.load(Ordering::SeqCst) < KILL_AFTER {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let sent_at_kill = next.load(Ordering::SeqCst);
            cluster.kill_postmaster();
            tokio::time::sleep(Duration::from_millis(1500)).await;
            tokio::task::spawn_blocking(move || cluster.start_again())
                .await
                .unwrap();
            sent_at_kill
        })
    };
    for s in senders {
        s.await.unwrap();
    }
    let sent_at_kill = killer.await.unwrap();
    let first_pass: Vec<Seen> = seen.lock().unwrap().iter().map(|s| s.unwrap()).collect();
    let refused = first_pass.iter().filter(|s| **s != Seen::Acked).count();
    eprintln!(
        "kill -9 at ~{sent_at_kill} sent: {} acked, {refused} refused or broken ({} 503, {} broken)",
        EVENTS - refused,
        first_pass
            .iter()
            .filter(|s| **s == Seen::Refused(503))
            .count(),
        first_pass.iter().filter(|s| **s == Seen::Broken).count(),
    );
    assert!(
        first_pass
            .iter()
            .all(|s| matches!(s, Seen::Acked | Seen::Refused(503) | Seen::Broken)),
        "only 2xx, 503 or a broken connection are acceptable answers: {:?}",
        first_pass
            .iter()
            .filter(|s| !matches!(s, Seen::Acked | Seen::Refused(503) | Seen::Broken))
            .take(5)
            .collect::<Vec<_>>()
    );
    assert!(
        refused > 0,
        "the kill went unnoticed: the test proves nothing"
    );

    // Every acknowledged event is stored, exactly once, before any retry.
    let db = {
        drop(db);
        cluster.connect("crash").await
    };
    let stored = |rows: Vec<tokio_postgres::Row>| -> HashSet<Vec<u8>> {
        rows.iter().map(|r| r.get::<_, Vec<u8>>(0)).collect()
    };
    let hashes = stored(
        db.query("SELECT body_sha256 FROM storesync.events", &[])
            .await
            .unwrap(),
    );
    let total: i64 = db
        .query_one("SELECT count(*) FROM storesync.events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(total as usize, hashes.len(), "an event is stored twice");
    let lost: Vec<usize> = (0..EVENTS)
        .filter(|n| first_pass[*n] == Seen::Acked)
        .filter(|n| !hashes.contains(Sha256::digest(event(*n)).as_slice()))
        .collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");

    // The sender retries what was refused, until it is acknowledged.
    let client = client();
    let deadline = Instant::now() + Duration::from_secs(120);
    for n in (0..EVENTS).filter(|n| first_pass[*n] != Seen::Acked) {
        while send(&client, &url, &event(n)).await != Seen::Acked {
            assert!(Instant::now() < deadline, "event {n} is never acknowledged");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let hashes = stored(
        db.query("SELECT body_sha256 FROM storesync.events", &[])
            .await
            .unwrap(),
    );
    let total: i64 = db
        .query_one(
            "SELECT count(*) FROM storesync.events WHERE status = 'processed'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(total as usize, EVENTS, "every event is stored exactly once");
    assert!((0..EVENTS).all(|n| hashes.contains(Sha256::digest(event(n)).as_slice())));
    let customers: i64 = db
        .query_one("SELECT count(*) FROM storesync.customers", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(customers as usize, EVENTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_down_is_503_at_once_and_the_worker_recovers_by_itself() {
    let cluster = Cluster::start();
    let _db = cluster.storesync_database("down", "shop", SECRET).await;
    let worker = Worker::start_with(&cluster.url("down"), &["--db-timeout", "1000"]).await;
    worker
        .post_signed("shop", SECRET, &event(1))
        .await
        .expect_accepted("processed");
    assert_eq!(worker.get("/readyz").await.status, 200);

    cluster.stop();
    // Twenty deliveries at once while the database is down: each is answered 503 within the
    // one-second database budget (plus slack for a loaded machine), none hangs.
    let endpoint = worker.endpoint();
    let started = Instant::now();
    let answers = futures_join(
        (2..22)
            .map(|n| {
                let endpoint = endpoint.clone();
                tokio::spawn(async move { endpoint.post_signed("shop", SECRET, &event(n)).await })
            })
            .collect(),
    )
    .await;
    let all_done = started.elapsed();
    for reply in &answers {
        reply.expect_error(503, Some("database_unavailable"));
        assert!(
            reply.elapsed < Duration::from_millis(1800),
            "503 took {:?}",
            reply.elapsed
        );
    }
    assert!(all_done < Duration::from_secs(3), "{all_done:?}");
    let ready = worker.get("/readyz").await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert_eq!(ready.json()["status"], "not_ready");

    cluster.start_again();
    // No restart of the worker: its pool reconnects on its own.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = worker.post_signed("shop", SECRET, &event(2)).await;
        if reply.status == 200 {
            reply.expect_accepted("processed");
            break;
        }
        reply.expect_error(503, Some("database_unavailable"));
        assert!(Instant::now() < deadline, "no recovery within 20 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(worker.get("/readyz").await.status, 200);
}

async fn futures_join(
    handles: Vec<tokio::task::JoinHandle<storesync_tests::Reply>>,
) -> Vec<storesync_tests::Reply> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
