//! Bad input: unknown sources, source names no source can have, bodies that are not webhooks,
//! bodies over the limit (also from a client that writes the whole body before reading). Each
//! gets a JSON error, writes nothing, and leaves the worker and the database answering.

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

#[tokio::test]
async fn a_nul_byte_in_the_source_name_is_400_and_stores_nothing() {
    let (db, worker) = setup(&[]).await;
    let body = fixture("salla/order.created.v2.docs.json");
    for source in ["a%00b", "%00", "shop%00"] {
        worker
            .post_signed(source, SECRET, &body)
            .await
            .expect_error(400, Some("bad_request"));
    }
    assert_eq!(db.counts().await, Counts::default());
    // Nothing was broken on the way: the same worker still ingests.
    worker
        .post_signed(SOURCE, SECRET, &body)
        .await
        .expect_accepted("processed");
}

/// Posts `size` bytes with Python's `http.client`, which sends the whole body before reading;
/// prints the status and the body, or the exception it got instead.
const PYTHON_POST: &str = r#"
import http.client, sys
port, size = int(sys.argv[1]), int(sys.argv[2])
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
try:
    connection.request("POST", "/webhooks/salla-main", body=b"x" * size,
                       headers={"Content-Type": "application/json"})
    answer = connection.getresponse()
    print(answer.status)
    print(answer.read().decode())
except Exception as error:
    print("error", type(error).__name__, error)
"#;

#[tokio::test]
async fn an_oversized_body_from_python_http_client_reads_the_413() {
    let (db, worker) = setup(&[]).await;
    let port = worker
        .url("")
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .expect("worker port");
    // Over the default 1 MiB limit, and more than loopback socket buffers hold: an unread
    // rest would reset the connection while Python is still writing.
    let size = 6 * 1024 * 1024;
    let out = tokio::process::Command::new("python3")
        .args(["-c", PYTHON_POST, &port.to_string(), &size.to_string()])
        .output()
        .await
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "python3 failed: {out:?}");
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("413"), "python3 got: {stdout}");
    let answer: serde_json::Value =
        serde_json::from_str(lines.next().unwrap_or_default()).expect("a JSON answer");
    assert_eq!(answer["error"], "payload_too_large", "{answer}");

    // A client that reads while it sends (reqwest, like curl) gets the same answer.
    worker
        .post(SOURCE, &[], vec![b'x'; size])
        .await
        .expect_error(413, Some("payload_too_large"));
    assert_eq!(db.counts().await, Counts::default());
}
