//! Authentication: a delivery that fails its source's pinned strategy is answered 401, writes
//! nothing, and never echoes the secret.

use storesync_tests::{fixture, sign, Counts, Reply, TestDb, Worker};

const SIG_SOURCE: &str = "salla-signed";
const SIG_SECRET: &str = "e2e-sig-secret-9b31d0c6e2";
const TOKEN_SOURCE: &str = "salla-token";
const TOKEN: &str = "e2e-token-71a5f3b8c4d2";

const ORDER_CREATED: &str = "salla/order.created.v2.docs.json";

type Headers<'a> = Vec<(&'a str, &'a str)>;

/// Asserts a 401 with `code` that leaks no secret and left every table empty.
async fn assert_rejected(db: &TestDb, case: &str, reply: &Reply, code: &str) {
    assert_eq!(
        reply.status, 401,
        "{case}: expected 401 {code}, got {}: {}",
        reply.status, reply.body
    );
    reply.expect_error(401, Some(code));
    for secret in [SIG_SECRET, TOKEN] {
        assert!(
            !reply.body.contains(secret),
            "{case}: the answer contains a secret: {}",
            reply.body
        );
    }
    assert_eq!(
        db.counts().await,
        Counts::default(),
        "{case}: a rejected delivery wrote rows"
    );
}

#[tokio::test]
async fn signature_source_rejects_bad_or_missing_signatures() {
    let db = TestDb::new().await;
    db.create_source(SIG_SOURCE, "signature", SIG_SECRET).await;
    let worker = Worker::start(db.url()).await;
    let body = fixture(ORDER_CREATED);
    let good = sign(SIG_SECRET, &body);
    let other_key = sign("some-other-secret", &body);
    assert_eq!(other_key.len(), 64);
    let not_hex = "z".repeat(64);
    let truncated = &good[..32];
    let extended = format!("{good}00");

    let cases: [(&str, Option<&str>, &str); 5] = [
        (
            "wrong key, 64 hex chars",
            Some(&other_key),
            "invalid_signature",
        ),
        (
            "right signature truncated to 32 chars",
            Some(truncated),
            "invalid_signature",
        ),
        (
            "right signature with 2 extra chars",
            Some(&extended),
            "invalid_signature",
        ),
        ("64 non-hex chars", Some(&not_hex), "invalid_signature"),
        ("no signature header", None, "missing_signature"),
    ];
    for (case, signature, code) in cases {
        let mut headers = vec![("X-Salla-Security-Strategy", "Signature")];
        if let Some(signature) = signature {
            headers.push(("X-Salla-Signature", signature));
        }
        let reply = worker.post(SIG_SOURCE, &headers, body.clone()).await;
        assert_rejected(&db, case, &reply, code).await;
    }

    // An empty header is no signature at all, or a wrong one: 401 either way.
    let reply = worker
        .post(SIG_SOURCE, &[("X-Salla-Signature", "")], body.clone())
        .await;
    reply.expect_error(401, None);
    assert_eq!(
        db.counts().await,
        Counts::default(),
        "empty signature wrote rows"
    );

    // The same body, correctly signed, goes through: the 401s above were the signature's doing.
    worker
        .post_signed(SIG_SOURCE, SIG_SECRET, &body)
        .await
        .expect_accepted("processed");
}

#[tokio::test]
async fn token_source_requires_its_token_whatever_the_headers_claim() {
    let db = TestDb::new().await;
    db.create_source(TOKEN_SOURCE, "token", TOKEN).await;
    let worker = Worker::start(db.url()).await;
    let body = fixture(ORDER_CREATED);
    // A signature a Signature source with this secret would accept.
    let signature = sign(TOKEN, &body);
    let bearer = format!("Bearer {TOKEN}");

    let cases: [(&str, Headers, &str); 5] = [
        (
            "only a valid-looking X-Salla-Signature",
            vec![("X-Salla-Signature", &signature)],
            "missing_token",
        ),
        (
            "X-Salla-Signature and strategy Signature",
            vec![
                ("X-Salla-Security-Strategy", "Signature"),
                ("X-Salla-Signature", &signature),
            ],
            "missing_token",
        ),
        (
            "wrong Authorization",
            vec![
                ("X-Salla-Security-Strategy", "Token"),
                ("Authorization", "e2e-token-wrong"),
            ],
            "invalid_token",
        ),
        (
            "token prefixed with Bearer (Salla sends it verbatim)",
            vec![
                ("X-Salla-Security-Strategy", "Token"),
                ("Authorization", &bearer),
            ],
            "invalid_token",
        ),
        ("no headers at all", vec![], "missing_token"),
    ];
    for (case, headers, code) in cases {
        let reply = worker.post(TOKEN_SOURCE, &headers, body.clone()).await;
        assert_rejected(&db, case, &reply, code).await;
    }

    worker
        .post_token(TOKEN_SOURCE, TOKEN, &body)
        .await
        .expect_accepted("processed");
    let counts = db.counts().await;
    assert_eq!((counts.events, counts.orders), (1, 1), "{counts:?}");

    let logs = worker.logs().await;
    assert!(
        !logs.contains(TOKEN),
        "the worker logged the token:\n{logs}"
    );
}

#[tokio::test]
async fn signature_source_cannot_be_downgraded_to_token() {
    let db = TestDb::new().await;
    db.create_source(SIG_SOURCE, "signature", SIG_SECRET).await;
    let worker = Worker::start(db.url()).await;
    let body = fixture(ORDER_CREATED);

    let reply = worker
        .post(
            SIG_SOURCE,
            &[
                ("X-Salla-Security-Strategy", "Token"),
                ("Authorization", SIG_SECRET),
            ],
            body.clone(),
        )
        .await;
    assert_rejected(
        &db,
        "strategy Token + Authorization: <secret>",
        &reply,
        "missing_signature",
    )
    .await;

    let wrong = sign("some-other-secret", &body);
    let reply = worker
        .post(
            SIG_SOURCE,
            &[
                ("X-Salla-Security-Strategy", "Token"),
                ("Authorization", SIG_SECRET),
                ("X-Salla-Signature", &wrong),
            ],
            body.clone(),
        )
        .await;
    assert_rejected(
        &db,
        "Authorization: <secret> + a wrong signature",
        &reply,
        "invalid_signature",
    )
    .await;

    let logs = worker.logs().await;
    assert!(
        !logs.contains(SIG_SECRET),
        "the worker logged the secret:\n{logs}"
    );
}
