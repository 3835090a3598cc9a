//! Bad input: unknown sources, bodies that are not webhooks, bodies over the limit. Each gets
//! a JSON error, writes nothing, and leaves the worker and the database answering.

use storesync_tests::{fixture, padded_webhook, sign, Counts, TestDb, Worker};

const SOURCE: &str = "salla-main";
const SECRET: &str = "e2e-webhook-secret-0c7e52ab";
const ORDER_CREATED: &str = "salla/order.created.v2.docs.json";

async fn setup(extra_args: &[&str]) -> (TestDb, Worker) {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    let worker = Worker::start_with(db.url(), extra_args).await;
    (db, worker)
}

#[tokio::test]
async fn unknown_source_is_404() {
    let (db, worker) = setup(&[]).await;
    let body = fixture(ORDER_CREATED);

    // Signed with the known source's secret, and unsigned: the source is looked up first.
    worker
        .post_signed("no-such-source", SECRET, &body)
        .await
        .expect_error(404, Some("unknown_source"));
    worker
        .post("no-such-source", &[], body.clone())
        .await
        .expect_error(404, Some("unknown_source"));
    assert_eq!(db.counts().await, Counts::default());

    worker
        .post_signed(SOURCE, SECRET, &body)
        .await
        .expect_accepted("processed");
}

fn nested(depth: usize) -> Vec<u8> {
    let mut body =
        br#"{"event":"order.created","merchant":1305146709,"data":{"id":1,"x":"#.to_vec();
    body.extend(std::iter::repeat_n(b'[', depth));
    body.extend(std::iter::repeat_n(b']', depth));
    body.extend_from_slice(b"}}");
    body
}

#[tokio::test]
async fn malformed_bodies_are_400_and_store_nothing() {
    let (db, worker) = setup(&[]).await;

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not json", b"not json".to_vec()),
        ("empty body", Vec::new()),
        (
            "invalid UTF-8",
            b"{\"event\":\"order.created\",\"merchant\":1,\"data\":{\"id\":1,\"x\":\"\xff\xfe\xc3\"}}".to_vec(),
        ),
        ("array", b"[1,2]".to_vec()),
        ("string", b"\"str\"".to_vec()),
        ("empty object", b"{}".to_vec()),
        ("no merchant, no data", br#"{"event":"order.created"}"#.to_vec()),
        (
            "\\u0000 in a string",
            br#"{"event":"order.created","merchant":1,"data":{"id":1,"x":"a\u0000b"}}"#.to_vec(),
        ),
        ("10,000 nested arrays", {
            let mut deep = vec![b'['; 10_000];
            deep.extend(std::iter::repeat_n(b']', 10_000));
            deep
        }),
        ("webhook with 10,000 levels inside data", nested(10_000)),
    ];
    for (case, body) in cases {
        let reply = worker.post_signed(SOURCE, SECRET, &body).await;
        assert_eq!(
            reply.status, 400,
            "{case}: expected 400, got {}: {}",
            reply.status, reply.body
        );
        reply.expect_error(400, None);
        assert!(!reply.body.contains(SECRET), "{case}: secret in the answer");
        assert_eq!(
            db.counts().await,
            Counts::default(),
            "{case}: rows were written"
        );
    }

    // Nothing crashed: the same worker and database still take a valid webhook.
    worker
        .post_signed(SOURCE, SECRET, &fixture(ORDER_CREATED))
        .await
        .expect_accepted("processed");
    assert_eq!(db.counts().await.orders, 1);
}

#[tokio::test]
async fn body_over_the_configured_limit_is_413() {
    let (db, worker) = setup(&["--body-limit", "1024"]).await;

    let body = padded_webhook(2048);
    let reply = worker.post_signed(SOURCE, SECRET, &body).await;
    reply.expect_error(413, Some("payload_too_large"));
    assert_eq!(db.counts().await, Counts::default());

    let body = padded_webhook(1025);
    let reply = worker.post_signed(SOURCE, SECRET, &body).await;
    reply.expect_error(413, Some("payload_too_large"));
    assert_eq!(db.counts().await, Counts::default());

    // Exactly at the limit is allowed.
    let body = padded_webhook(1024);
    worker
        .post_signed(SOURCE, SECRET, &body)
        .await
        .expect_accepted("ignored");
}

#[tokio::test]
async fn default_body_limit_is_one_mib() {
    let (db, worker) = setup(&[]).await;
    const MIB: usize = 1024 * 1024;

    let body = padded_webhook(MIB + 1);
    let signature = sign(SECRET, &body);
    let reply = worker
        .post(SOURCE, &[("X-Salla-Signature", &signature)], body)
        .await;
    reply.expect_error(413, Some("payload_too_large"));
    assert_eq!(db.counts().await, Counts::default());

    worker
        .post_signed(SOURCE, SECRET, &padded_webhook(MIB))
        .await
        .expect_accepted("ignored");
}
