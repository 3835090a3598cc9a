//! Secrets never leak through the worker: it runs as a least-privileged login role (member of
//! `storesync_ingest` only) with `RUST_LOG=debug`, and after signed, token-authenticated and
//! forged deliveries neither its log, its answers nor `/metrics` hold a secret, a token, a
//! signature, the database password or a payload value.

use serde_json::Value;
use storesync_tests::{admin_url, fixture, sign, with_dbname, TestDb, Worker};
use tokio_postgres::NoTls;

const SECRET: &str = "Zq8-s3cr9t-4e1d9b-Kx";
const TOKEN: &str = "tok-5a7c2f90e3b14d68";

/// Every 6-character window of `secret`: an answer holding any of them shows part of it.
fn parts(secret: &str) -> Vec<&str> {
    (0..=secret.len().saturating_sub(6))
        .map(|i| &secret[i..i + 6])
        .collect()
}

fn assert_hides(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        for part in parts(secret) {
            assert!(
                !text.contains(part),
                "{what} shows part of a secret ({part:?}):\n{text}"
            );
        }
    }
}

/// A login role in `storesync_ingest` with a password, dropped at the end.
struct LoginRole {
    name: String,
    password: String,
}

impl LoginRole {
    async fn create(admin: &tokio_postgres::Client) -> Self {
        let name = format!("storesync_e2e_worker_{}", std::process::id());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let password = format!("pw-{:x}", nanos ^ 0x9e37_79b9_7f4a_7c15);
        // Names and password are generated here from [a-z0-9_-] only.
        admin
            .batch_execute(&format!(
                "DROP ROLE IF EXISTS {name};
                 CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE storesync_ingest"
            ))
            .await
            .expect("create the worker role");
        LoginRole { name, password }
    }
}

async fn admin() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&admin_url(), NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

#[tokio::test]
async fn no_secret_reaches_logs_answers_or_metrics() {
    let db = TestDb::new().await;
    db.create_source("shop", "signature", SECRET).await;
    db.client()
        .query_one(
            "SELECT storesync.create_source('pos', 'salla', 'token', $1)",
            &[&TOKEN],
        )
        .await
        .unwrap();
    let admin = admin().await;
    let role = LoginRole::create(&admin).await;
    let port: String = admin.query_one("SHOW port", &[]).await.unwrap().get(0);
    let url = with_dbname(
        &format!(
            "host=127.0.0.1 port={port} user={} password={}",
            role.name, role.password
        ),
        db.name(),
    );
    let worker = Worker::start_with_env(&url, &[], &[("RUST_LOG", "debug")]).await;

    let order = fixture("salla/order.created.v2.docs.json");
    let authorize = fixture("salla/app.store.authorize.docs.json");
    let mut signatures = Vec::new();
    for body in [&order, &authorize] {
        signatures.push(sign(SECRET, body));
        worker
            .post_signed("shop", SECRET, body)
            .await
            .expect_accepted("processed");
    }
    worker
        .post_token("pos", TOKEN, &order)
        .await
        .expect_accepted("processed");

    // Forged: a wrong secret, a wrong token, a near-miss of each.
    let mut answers = Vec::new();
    for (source, headers) in [
        ("shop", vec![("X-Salla-Signature", sign("wrong", &order))]),
        (
            "shop",
            vec![("X-Salla-Signature", sign(&SECRET[1..], &order))],
        ),
        ("pos", vec![("Authorization", "wrong-token".to_owned())]),
        (
            "pos",
            vec![("Authorization", TOKEN[..TOKEN.len() - 1].to_owned())],
        ),
    ] {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = worker.post(source, &headers, order.clone()).await;
        reply.expect_error(401, None);
        answers.push(reply.body);
    }
    assert_hides("a 401 answer", &answers.join("\n"), &[SECRET, TOKEN]);

    // The worker really is the unprivileged role.
    let user: String = db
        .client()
        .query_one(
            "SELECT usename::text FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'storesync-worker' LIMIT 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(user, role.name);

    let metrics = worker.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(metrics.body.contains("storesync_webhooks_total"));
    let labels: Vec<&str> = metrics
        .body
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('{').map(|(_, rest)| rest))
        .collect();
    let labels = labels.join("\n");
    assert!(
        !labels.contains("shop") && !labels.contains("pos\""),
        "{labels}"
    );
    assert_hides("/metrics", &metrics.body, &[SECRET, TOKEN]);

    let logs = worker.logs().await;
    assert!(
        logs.contains("DEBUG"),
        "RUST_LOG=debug took no effect:\n{logs}"
    );
    let json: Value = serde_json::from_slice(&authorize).unwrap();
    let order_json: Value = serde_json::from_slice(&order).unwrap();
    let payload_values = [
        json["data"]["access_token"].as_str().unwrap(),
        json["data"]["refresh_token"].as_str().unwrap(),
        order_json["data"]["customer"]["email"].as_str().unwrap(),
        "\"event\"",
    ];
    assert_hides(
        "the worker log",
        &logs,
        &[SECRET, TOKEN, role.password.as_str()],
    );
    for value in signatures.iter().map(String::as_str).chain(payload_values) {
        assert!(
            !logs.contains(value),
            "the worker log shows {value:?}:\n{logs}"
        );
    }

    drop(worker);
    admin
        .batch_execute(&format!("DROP ROLE IF EXISTS {}", role.name))
        .await
        .ok();
}

#[tokio::test]
async fn an_ingest_error_keeps_its_sqlstate_but_quotes_nothing() {
    let db = TestDb::new().await;
    db.create_source("shop", "signature", SECRET).await;
    // A constraint every order breaks when it is recorded: PostgreSQL's DETAIL for it
    // ("Failing row contains (…)") would quote the whole payload.
    db.client()
        .batch_execute(
            "ALTER TABLE storesync.events ADD CONSTRAINT no_orders
                 CHECK (event_name <> 'order.created')",
        )
        .await
        .unwrap();
    let body = fixture("salla/order.created.v2.docs.json");
    let order: Value = serde_json::from_slice(&body).unwrap();
    let email = order["data"]["customer"]["email"].as_str().unwrap();
    let headers = serde_json::json!({ "x-salla-signature": sign(SECRET, &body) });
    let err = db
        .client()
        .query_one(
            "SELECT storesync.ingest('shop', $1, $2)",
            &[&headers, &body],
        )
        .await
        .expect_err("the constraint fails the delivery");
    let db_err = err.as_db_error().expect("a server error");
    assert_eq!(db_err.code().code(), "23514");
    assert!(db_err.detail().is_none(), "{:?}", db_err.detail());
    assert!(db_err.hint().is_none(), "{:?}", db_err.hint());
    for quoted in [email, "order.created", SECRET] {
        assert!(!db_err.message().contains(quoted), "{}", db_err.message());
    }

    // Through the worker: a 500 with a fixed text, and the log quotes nothing either.
    let worker = Worker::start(db.url()).await;
    let reply = worker.post_signed("shop", SECRET, &body).await;
    reply.expect_error(500, Some("internal"));
    assert!(!reply.body.contains(email), "{}", reply.body);
    let logs = worker.logs().await;
    assert!(logs.contains("23514"), "{logs}");
    assert!(!logs.contains(email), "{logs}");
}
