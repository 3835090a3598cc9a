//! A Standard Webhooks sender (the official `standardwebhooks` library, as a gateway such as
//! Svix or Hookdeck signs) posting to the real worker: accepted once, a redelivery of the same
//! `webhook-id` a duplicate, a tampered body and an old timestamp refused with 401.

use std::time::{SystemTime, UNIX_EPOCH};

use storesync_tests::standard_webhooks::{sign, verifies};
use storesync_tests::{fixture, Counts, TestDb, Worker};

const SOURCE: &str = "gateway";
const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn official_sender_accepted_once_replays_duplicate_tampering_and_stale_refused() {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "standard-webhooks", SECRET).await;
    let worker = Worker::start(db.url()).await;
    let endpoint = worker.endpoint();
    let body = fixture("salla/order.created.v2.docs.json");

    let post = |id: String, timestamp: i64, signature: String, body: Vec<u8>| {
        let endpoint = endpoint.clone();
        async move {
            let ts = timestamp.to_string();
            endpoint
                .post(
                    SOURCE,
                    &[
                        ("webhook-id", &id),
                        ("webhook-timestamp", &ts),
                        ("webhook-signature", &signature),
                    ],
                    body,
                )
                .await
        }
    };

    let t = now();
    let signature = sign(SECRET, "msg_e2e_1", t, &body);
    // The library agrees with itself about what it signed: the signer is wired right.
    assert!(verifies(
        SECRET,
        "msg_e2e_1",
        &t.to_string(),
        &signature,
        &body
    ));
    let first = post("msg_e2e_1".into(), t, signature.clone(), body.clone())
        .await
        .expect_accepted("processed");

    // The sender retries the same message: a duplicate, whatever the body hash says.
    let again = post("msg_e2e_1".into(), t, signature.clone(), body.clone()).await;
    assert_eq!(again.expect_accepted("duplicate"), first);
    let row = db
        .client()
        .query_one(
            "SELECT count(*), max(dedupe_key) FROM storesync.events",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, i64>(0), row.get::<_, Option<String>>(1)),
        (1, Some("msg_e2e_1".to_string()))
    );
    let before = db.counts().await;
    assert_ne!(before, Counts::default());

    // One byte of the body changed under a valid signature of the original.
    let mut tampered = body.clone();
    let at = tampered.iter().position(|&b| b == b'1').unwrap();
    tampered[at] = b'2';
    post(
        "msg_e2e_2".into(),
        t,
        sign(SECRET, "msg_e2e_2", t, &body),
        tampered,
    )
    .await
    .expect_error(401, Some("invalid_signature"));

    // Signed correctly, but ten minutes ago (a captured delivery replayed under a new id).
    let old = t - 600;
    let stale = post(
        "msg_e2e_3".into(),
        old,
        sign(SECRET, "msg_e2e_3", old, &body),
        body.clone(),
    )
    .await;
    stale.expect_error(401, Some("stale_timestamp"));
    assert!(!stale.body.contains(SECRET.trim_start_matches("whsec_")));

    // Signed with another secret.
    let other = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX";
    post(
        "msg_e2e_4".into(),
        t,
        sign(other, "msg_e2e_4", t, &body),
        body.clone(),
    )
    .await
    .expect_error(401, Some("invalid_signature"));

    // Nothing the refused deliveries carried was stored.
    assert_eq!(db.counts().await, before);
}
