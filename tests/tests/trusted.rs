//! The extension is `trusted`: a database owner who is not a superuser installs it, and is
//! then its owner: registers sources, reads the secrets, re-applies the grants, ingests.

use serde_json::json;
use storesync_tests::{describe, fixture, sign, TestDb};

#[tokio::test]
async fn a_database_owner_without_superuser_rights_installs_and_owns_it() {
    let db = TestDb::without_extension().await;
    let client = db.client();
    let role = format!("storesync_e2e_owner_{}", std::process::id());
    // The role name is generated here from [a-z0-9_] only; the database name by the harness.
    client
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role};
             CREATE ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
             ALTER DATABASE \"{}\" OWNER TO {role};
             SET ROLE {role}",
            db.name()
        ))
        .await
        .unwrap_or_else(|e| panic!("set-up: {}", describe(&e)));
    let super_now: bool = client
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!super_now, "the test must run this as a non-superuser");

    client
        .batch_execute("CREATE EXTENSION storesync")
        .await
        .unwrap_or_else(|e| panic!("CREATE EXTENSION as a database owner: {}", describe(&e)));
    client
        .query_one(
            "SELECT storesync.create_source('shop', 'salla', 'signature', 'owner-secret')",
            &[],
        )
        .await
        .unwrap_or_else(|e| panic!("create_source as the owner: {}", describe(&e)));
    let secret: String = client
        .query_one("SELECT secret FROM storesync.sources", &[])
        .await
        .unwrap_or_else(|e| panic!("the owner reads sources: {}", describe(&e)))
        .get(0);
    assert_eq!(secret, "owner-secret");
    client
        .batch_execute("SELECT storesync.grant_roles()")
        .await
        .unwrap_or_else(|e| panic!("grant_roles as the owner: {}", describe(&e)));
    let body = fixture("salla/order.created.v2.docs.json");
    let headers = json!({ "x-salla-signature": sign("owner-secret", &body) });
    let out: serde_json::Value = client
        .query_one(
            "SELECT storesync.ingest('shop', $1, $2)",
            &[&headers, &body],
        )
        .await
        .unwrap_or_else(|e| panic!("ingest as the owner: {}", describe(&e)))
        .get(0);
    assert_eq!(out["status"], "processed", "{out}");
    let owner: String = client
        .query_one(
            "SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'storesync'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(owner, role);

    client
        .batch_execute(&format!(
            "RESET ROLE; DROP EXTENSION storesync CASCADE; REASSIGN OWNED BY {role} TO CURRENT_USER;
             DROP OWNED BY {role}"
        ))
        .await
        .unwrap_or_else(|e| panic!("clean-up: {}", describe(&e)));
    drop(db);
    storesync_tests::drop_role(&role).await;
}
