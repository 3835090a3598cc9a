//! Concurrent deliveries that touch the same rows in different orders: every one is processed.
//! Orders whose items list shared products in different orders used to deadlock each other
//! (each locking its first product and waiting for the other's), failing one of them.

use serde_json::{json, Value};
use storesync_tests::{fixture, TestDb, Worker};
use tokio::task::JoinSet;

const SOURCE: &str = "salla-concurrency";
const SECRET: &str = "e2e-concurrency-secret-81d0c4e2";
const CLIENTS: u64 = 8;
const ORDERS_PER_CLIENT: u64 = 40;
const PRODUCTS: u64 = 6;

/// A permutation of the shared products, different from order to order (a seeded LCG shuffle).
fn product_order(seed: u64) -> Vec<u64> {
    let mut ids: Vec<u64> = (0..PRODUCTS).collect();
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    for i in (1..ids.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (state >> 33) as usize % (i + 1);
        ids.swap(i, j);
    }
    ids
}

/// The documented `order.created` with its own id, customer and items over the shared products.
fn order_created(template: &Value, order: u64) -> Vec<u8> {
    let mut event = template.clone();
    let data = &mut event["data"];
    data["id"] = json!(900_000 + order);
    data["reference_id"] = json!(100_000 + order);
    data["customer"]["id"] = json!(500 + order % 7);
    let item = data["items"][0].clone();
    data["items"] = product_order(order)
        .into_iter()
        .map(|p| {
            let mut i = item.clone();
            i["id"] = json!(order * 100 + p);
            i["product"]["id"] = json!(7_000 + p);
            i
        })
        .collect();
    serde_json::to_vec(&event).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_sharing_products_in_any_order_are_all_processed() {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    let worker = Worker::start_with(db.url(), &["--pool-size", "8"]).await;
    let template: Value =
        serde_json::from_slice(&fixture("salla/order.created.v2.docs.json")).unwrap();

    let mut clients = JoinSet::new();
    for client in 0..CLIENTS {
        let endpoint = worker.endpoint();
        let bodies: Vec<Vec<u8>> = (0..ORDERS_PER_CLIENT)
            .map(|n| order_created(&template, client * ORDERS_PER_CLIENT + n))
            .collect();
        clients.spawn(async move {
            let mut failures = Vec::new();
            for body in bodies {
                let reply = endpoint.post_signed(SOURCE, SECRET, &body).await;
                if reply.status != 200 || !reply.body.contains("\"processed\"") {
                    failures.push(format!("{}: {}", reply.status, reply.body));
                }
            }
            failures
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = clients.join_next().await {
        failures.extend(done.unwrap());
    }
    assert!(
        failures.is_empty(),
        "{} of {} deliveries were not processed, e.g. {:?}",
        failures.len(),
        CLIENTS * ORDERS_PER_CLIENT,
        failures.first()
    );

    let counts = db.counts().await;
    let orders = (CLIENTS * ORDERS_PER_CLIENT) as i64;
    assert_eq!(counts.orders, orders, "orders stored");
    assert_eq!(
        counts.order_items,
        orders * PRODUCTS as i64,
        "order items stored"
    );
    assert_eq!(
        counts.products, PRODUCTS as i64,
        "shared products stored once"
    );
    drop(worker);
}
