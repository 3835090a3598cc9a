//! Least privilege, tried as each role: `storesync_ingest` can ingest and read nothing;
//! `storesync_analyst` reads typed tables, events and views but no secret; the grants follow
//! new objects when `storesync.grant_roles()` is re-run.

use serde_json::{json, Value};
use storesync_tests::{fixture, sign, TestDb};
use tokio_postgres::types::ToSql;

const SECRET: &str = "privileges-test-secret-7f3a";
const SECRETS: [&str; 2] = ["sources", "store_credentials"];

/// Runs `sql` as `role` (`SET ROLE`, then `RESET ROLE` whatever happens).
async fn as_role(
    db: &TestDb,
    role: &str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
    let client = db.client();
    client
        .batch_execute(&format!("SET ROLE {role}"))
        .await
        .expect("SET ROLE");
    let result = client.query(sql, params).await;
    client
        .batch_execute("RESET ROLE")
        .await
        .expect("RESET ROLE");
    result
}

/// Asserts `sql` is refused to `role` with SQLSTATE 42501 (insufficient_privilege).
async fn refused(db: &TestDb, role: &str, sql: &str) {
    match as_role(db, role, sql, &[]).await {
        Ok(_) => panic!("{role} may run: {sql}"),
        Err(e) => assert_eq!(
            e.as_db_error().map(|d| d.code().code()),
            Some("42501"),
            "{role}: {sql}: {e:?}"
        ),
    }
}

/// Every table and view of the schema.
async fn relations(db: &TestDb) -> Vec<String> {
    db.client()
        .query(
            "SELECT relname::text FROM pg_class
             WHERE relnamespace = 'storesync'::regnamespace AND relkind IN ('r', 'p', 'v', 'm')
             ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn ingest_as(db: &TestDb, role: &str, body: &[u8]) -> Value {
    let headers = json!({ "x-salla-signature": sign(SECRET, body) });
    let rows = as_role(
        db,
        role,
        "SELECT storesync.ingest('shop', $1, $2)",
        &[&headers, &body],
    )
    .await
    .unwrap_or_else(|e| panic!("{role} cannot ingest: {e:?}"));
    rows[0].get(0)
}

#[tokio::test]
async fn the_ingest_role_can_ingest_and_read_nothing() {
    let db = TestDb::new().await;
    db.create_source("shop", "signature", SECRET).await;
    for path in [
        "salla/order.created.v2.docs.json",
        "salla/app.store.authorize.docs.json",
    ] {
        let out = ingest_as(&db, "storesync_ingest", &fixture(path)).await;
        assert_eq!(out["status"], "processed", "{path}: {out}");
    }
    assert_eq!(db.counts().await.orders, 1);

    let all = relations(&db).await;
    assert!(all.len() > 10, "{all:?}");
    for relation in &all {
        refused(
            &db,
            "storesync_ingest",
            &format!("SELECT 1 FROM storesync.{relation} LIMIT 1"),
        )
        .await;
    }
    refused(
        &db,
        "storesync_ingest",
        "SELECT secret FROM storesync.sources",
    )
    .await;
    for call in [
        "SELECT storesync.create_source('x', 'salla', 'signature', 'y')",
        "SELECT * FROM storesync.replay(1)",
        "SELECT * FROM storesync.replay_failed()",
        "SELECT storesync.grant_roles()",
    ] {
        refused(&db, "storesync_ingest", call).await;
    }
    // What /readyz asks is open to it.
    let rows = as_role(
        &db,
        "storesync_ingest",
        "SELECT extversion FROM pg_extension WHERE extname = 'storesync'",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
}

#[tokio::test]
async fn the_analyst_reads_typed_tables_and_events_but_no_secret() {
    let db = TestDb::new().await;
    db.create_source("shop", "signature", SECRET).await;
    let authorize = fixture("salla/app.store.authorize.docs.json");
    for body in [
        fixture("salla/order.created.v2.docs.json"),
        authorize.clone(),
    ] {
        let out = ingest_as(&db, "postgres", &body).await;
        assert_eq!(out["status"], "processed", "{out}");
    }
    let tokens: Value = serde_json::from_slice(&authorize).unwrap();
    let access = tokens["data"]["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["data"]["refresh_token"].as_str().unwrap().to_owned();
    // The owner has them (so the check below looks for something that exists).
    let stored: String = db
        .client()
        .query_one("SELECT access_token FROM storesync.store_credentials", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, access);

    for relation in relations(&db).await {
        let sql =
            format!("SELECT coalesce(string_agg(t::text, ' '), '') FROM storesync.{relation} t");
        if SECRETS.contains(&relation.as_str()) {
            refused(&db, "storesync_analyst", &sql).await;
            continue;
        }
        let rows = as_role(&db, "storesync_analyst", &sql, &[])
            .await
            .unwrap_or_else(|e| panic!("the analyst cannot read {relation}: {e:?}"));
        let everything: String = rows[0].get(0);
        for secret in [SECRET, access.as_str(), refresh.as_str()] {
            assert!(
                !everything.contains(secret),
                "{relation} shows a secret to analysts"
            );
        }
    }
    let rows = as_role(
        &db,
        "storesync_analyst",
        "SELECT payload::text FROM storesync.events WHERE event_name = 'app.store.authorize'",
        &[],
    )
    .await
    .unwrap();
    let payload: String = rows[0].get(0);
    assert!(payload.contains("[redacted]"), "{payload}");
    for call in [
        "SELECT storesync.ingest('shop', '{}', ''::bytea)",
        "SELECT storesync.create_source('x', 'salla', 'signature', 'y')",
        "SELECT * FROM storesync.replay(1)",
        "SELECT storesync.grant_roles()",
        "UPDATE storesync.orders SET total = 0",
        "DELETE FROM storesync.events",
    ] {
        refused(&db, "storesync_analyst", call).await;
    }
}

#[tokio::test]
async fn grant_roles_covers_objects_added_later() {
    let db = TestDb::new().await;
    let client = db.client();
    client
        .batch_execute(
            "CREATE VIEW storesync.orders_per_store AS
                 SELECT store_id, count(*) AS orders FROM storesync.orders GROUP BY store_id;
             CREATE TABLE storesync.later_table (id int)",
        )
        .await
        .unwrap();
    // storesync.refresh_rfm comes with the RFM part of the schema; stand one in if absent.
    let has_refresh: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'refresh_rfm'
                            AND pronamespace = 'storesync'::regnamespace)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    if !has_refresh {
        client
            .batch_execute(
                "CREATE PROCEDURE storesync.refresh_rfm() LANGUAGE sql AS $$ SELECT 1 $$",
            )
            .await
            .unwrap();
    }
    client
        .batch_execute("SELECT storesync.grant_roles(); SELECT storesync.grant_roles()")
        .await
        .unwrap();
    as_role(
        &db,
        "storesync_analyst",
        "SELECT * FROM storesync.orders_per_store, storesync.later_table",
        &[],
    )
    .await
    .expect("the analyst reads new views and tables");
    refused(
        &db,
        "storesync_ingest",
        "SELECT * FROM storesync.orders_per_store",
    )
    .await;
    let row = client
        .query_one(
            "SELECT bool_and(has_function_privilege('storesync_ingest', p.oid, 'EXECUTE')),
                    bool_or(has_function_privilege('storesync_analyst', p.oid, 'EXECUTE'))
             FROM pg_proc p
             WHERE proname = 'refresh_rfm' AND pronamespace = 'storesync'::regnamespace",
            &[],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0), "the ingest role runs refresh_rfm");
    assert!(!row.get::<_, bool>(1), "the analyst does not");
}
