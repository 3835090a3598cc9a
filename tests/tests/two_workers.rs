//! Two workers against one database, as behind a load balancer: the workers share nothing but
//! the database. Every delivery is sent to both at the same moment (a sender retrying on another
//! node, or two nodes receiving one redelivery), from several concurrent senders, over several
//! event families, stores and shared rows. Every event must be stored exactly once, every
//! answer be 2xx (one processed, one duplicate naming the same event), and no worker hit a
//! deadlock.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use storesync_tests::{fixture, Endpoint, Reply, TestDb, Worker};
use tokio::task::JoinSet;

const SOURCE: &str = "salla-two-workers";
const SECRET: &str = "e2e-two-workers-secret-5b7f20c9";
const SENDERS: usize = 6;
const ORDERS: u64 = 60;
const CUSTOMERS: u64 = 30;
const PRODUCTS: u64 = 30;
/// Products every order lists, so orders taken by different workers lock the same rows.
const SHARED_PRODUCTS: u64 = 4;
/// Stores the deliveries are spread over (created on first sight, by whichever worker).
const MERCHANTS: u64 = 3;

/// One delivery: the fixture `template` with its own entity id and merchant.
fn event(template: &Value, n: u64, id: u64) -> Vec<u8> {
    let mut event = template.clone();
    event["merchant"] = json!(7_100 + n % MERCHANTS);
    event["data"]["id"] = json!(id);
    serde_json::to_vec(&event).unwrap()
}

/// An `order.created` whose items list the shared products, in an order that varies.
fn order(template: &Value, n: u64) -> Vec<u8> {
    let mut value: Value = serde_json::from_slice(&event(template, n, 800_000 + n)).unwrap();
    let data = &mut value["data"];
    data["reference_id"] = json!(300_000 + n);
    data["customer"]["id"] = json!(600_000 + n % 5);
    let item = data["items"][0].clone();
    data["items"] = (0..SHARED_PRODUCTS)
        .map(|p| {
            let product = (p + n) % SHARED_PRODUCTS;
            let mut i = item.clone();
            i["id"] = json!(n * 100 + product);
            i["product"]["id"] = json!(9_000 + product);
            i
        })
        .collect();
    serde_json::to_vec(&value).unwrap()
}

/// The deliveries: orders, customers and products, interleaved.
fn deliveries() -> Vec<(String, Vec<u8>)> {
    let load = |path: &str| -> Value { serde_json::from_slice(&fixture(path)).unwrap() };
    let orders = load("salla/order.created.v2.docs.json");
    let customers = load("salla/customer.created.v2.DERIVED.json");
    let products = load("salla/product.created.v2.docs.json");
    let mut all = Vec::new();
    for n in 0..ORDERS.max(CUSTOMERS).max(PRODUCTS) {
        if n < ORDERS {
            all.push(("order.created".to_owned(), order(&orders, n)));
        }
        if n < CUSTOMERS {
            let body = event(&customers, n, 700_000 + n);
            all.push(("customer.created".to_owned(), body));
        }
        if n < PRODUCTS {
            let body = event(&products, n, 500_000 + n);
            all.push(("product.created".to_owned(), body));
        }
    }
    all
}

/// Sends `body` to both workers at once; both answers.
async fn to_both(a: &Endpoint, b: &Endpoint, body: &[u8]) -> (Reply, Reply) {
    tokio::join!(
        a.post_signed(SOURCE, SECRET, body),
        b.post_signed(SOURCE, SECRET, body)
    )
}

/// What is wrong with the pair of answers to one delivery, if anything: both must be 200, one
/// `processed` and one `duplicate`, naming the same event.
fn check_pair(what: &str, first: &Reply, second: &Reply) -> Option<String> {
    let describe = || {
        format!(
            "{what}: {} {} / {} {}",
            first.status, first.body, second.status, second.body
        )
    };
    if first.status != 200 || second.status != 200 {
        return Some(describe());
    }
    let (x, y) = (first.json(), second.json());
    let mut statuses = [x["status"].as_str(), y["status"].as_str()];
    statuses.sort();
    if statuses != [Some("duplicate"), Some("processed")]
        || x["event_id"].as_i64().is_none()
        || x["event_id"] != y["event_id"]
    {
        return Some(describe());
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_delivery_sent_to_two_workers_at_once_is_stored_once() {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    let first = Worker::start_with(db.url(), &["--pool-size", "4"]).await;
    let second = Worker::start_with(db.url(), &["--pool-size", "4"]).await;

    let all = deliveries();
    let mut senders = JoinSet::new();
    for sender in 0..SENDERS {
        let (a, b) = (first.endpoint(), second.endpoint());
        let mine: Vec<(String, Vec<u8>)> =
            all.iter().skip(sender).step_by(SENDERS).cloned().collect();
        senders.spawn(async move {
            let mut problems = Vec::new();
            for (name, body) in mine {
                // Alternate which worker hears first, so neither always wins.
                let (x, y) = if body.len() % 2 == 0 {
                    to_both(&a, &b, &body).await
                } else {
                    to_both(&b, &a, &body).await
                };
                problems.extend(check_pair(&name, &x, &y));
            }
            problems
        });
    }
    let mut problems = Vec::new();
    while let Some(done) = senders.join_next().await {
        problems.extend(done.unwrap());
    }
    assert!(
        problems.is_empty(),
        "{} of {} deliveries were not answered processed + duplicate, e.g. {:?}",
        problems.len(),
        all.len(),
        &problems[..problems.len().min(3)]
    );

    // Every event exactly once: the stored (event, body hash) pairs are the sent ones.
    let sent: BTreeSet<(String, String)> = all
        .iter()
        .map(|(name, body)| (name.clone(), hex::encode(Sha256::digest(body))))
        .collect();
    assert_eq!(sent.len(), all.len(), "the test sends distinct bodies");
    let rows = db
        .client()
        .query(
            "SELECT event_name, encode(body_sha256, 'hex') FROM storesync.events",
            &[],
        )
        .await
        .unwrap();
    let mut stored: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    stored.sort();
    assert_eq!(
        stored,
        sent.into_iter().collect::<Vec<_>>(),
        "events stored"
    );

    let row = db
        .row(
            "SELECT (SELECT count(*) FROM storesync.stores)::text AS stores,
                    (SELECT count(*) FROM storesync.orders)::text AS orders,
                    (SELECT count(*) FROM storesync.order_items)::text AS order_items,
                    (SELECT count(*) FROM storesync.customers
                      WHERE customer_id::bigint BETWEEN 700000 AND 799999)::text AS customers,
                    (SELECT count(*) FROM storesync.products
                      WHERE product_id::bigint BETWEEN 500000 AND 599999)::text AS products,
                    (SELECT count(*) FROM storesync.events
                      WHERE status <> 'processed')::text AS not_processed",
            &[],
        )
        .await;
    let expected = [
        ("customers", CUSTOMERS),
        ("not_processed", 0),
        ("order_items", ORDERS * SHARED_PRODUCTS),
        ("orders", ORDERS),
        ("products", PRODUCTS),
        ("stores", MERCHANTS),
    ];
    let expected = expected
        .iter()
        .map(|(k, v)| (k.to_string(), Some(v.to_string())))
        .collect();
    assert_eq!(row, expected, "typed rows");

    for (name, worker) in [("first", &first), ("second", &second)] {
        let logs = worker.logs().await;
        assert!(
            !logs.contains("40P01") && !logs.to_lowercase().contains("deadlock"),
            "the {name} worker logged a deadlock:\n{logs}"
        );
    }
}
