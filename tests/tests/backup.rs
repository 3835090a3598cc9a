//! Backups as the README's "Backups" section takes them: a database filled through the worker
//! (several event families, RFM refreshed, segments moved, the segment map and the settings
//! edited) is dumped with `pg_dump` and restored into a new database, in the custom format with
//! `pg_restore` and as plain SQL with `psql`. Every table comes back row for row, every sequence
//! continues, and the restored database takes webhooks and refreshes. A restore without the
//! restore setting fails loudly instead of restoring something else.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Output;

use storesync_tests::cluster::bindir;
use storesync_tests::{describe, fixture, salla_order as order, TestDb, Worker};
use tokio::process::Command;

const SOURCE: &str = "salla-backup";
const SECRET: &str = "e2e-backup-secret-41c9";
const POS: &str = "flavours-backup";
const POS_TOKEN: &str = "e2e-backup-pos-token-8a2e";
const POS_HEADER: &str = "X-Flavours-Token";

/// The setting the restoring session runs with (README, "Backups").
const RESTORE_PGOPTIONS: &str = "-c storesync.restoring=on";

/// Tables the filling below must have put rows in (so a restore that brings back nothing, or
/// only the install's seed, cannot pass).
const FILLED: &[&str] = &[
    "storesync.stores",
    "storesync.store_credentials",
    "storesync.sources",
    "storesync.events",
    "storesync.customers",
    "storesync.products",
    "storesync.orders",
    "storesync.order_items",
    "storesync.reviews",
    "storesync.rfm_settings",
    "storesync.rfm_segment_map",
    "storesync.rfm_customers",
    "storesync.rfm_cut_points",
    "storesync.rfm_segment_changes",
];

async fn sql(db: &TestDb, statements: &str) {
    db.client()
        .batch_execute(statements)
        .await
        .unwrap_or_else(|e| panic!("{statements}\nfailed: {}", describe(&e)));
}

/// A database filled through the worker, scored, with segment changes of every cause and an
/// analyst's edits of the segment map and the settings.
async fn filled() -> TestDb {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    db.create_flavours_source(POS, POS_TOKEN, POS_HEADER).await;
    let worker = Worker::start(db.url()).await;

    // Orders of eight customers: 1 to 4 orders each, totals growing with the customer.
    let mut next_order = 5000;
    for customer in 0..8u64 {
        for k in 0..=(customer % 4) {
            next_order += 1;
            let total = 10.0 + 37.0 * customer as f64 + k as f64;
            worker
                .post_signed(SOURCE, SECRET, &order(next_order, 100 + customer, total))
                .await
                .expect_accepted("processed");
        }
    }
    for path in [
        "salla/customer.created.v2.DERIVED.json",
        "salla/product.created.v2.docs.json",
        "salla/review.added.docs.json",
        "salla/app.store.authorize.docs.json",
    ] {
        worker
            .post_signed(SOURCE, SECRET, &fixture(path))
            .await
            .expect_accepted("processed");
    }
    for path in [
        "flavours/customers.CREATE.docs.json",
        "flavours/order.delivery.created.DERIVED.json",
    ] {
        worker
            .post(POS, &[(POS_HEADER, POS_TOKEN)], fixture(path))
            .await
            .expect_accepted("processed");
    }

    sql(&db, "CALL storesync.refresh_rfm()").await;
    // The customer with the fewest orders and the smallest total becomes the best one: moved
    // in real time, against the refresh's cut points.
    for _ in 0..5 {
        next_order += 1;
        worker
            .post_signed(SOURCE, SECRET, &order(next_order, 100, 900.0))
            .await
            .expect_accepted("processed");
    }
    // An analyst renames the segment of a code customers have, deletes a code nobody has, and
    // changes a setting.
    sql(
        &db,
        "UPDATE storesync.rfm_segment_map SET segment = 'Backed Up'
          WHERE rfm_code = (SELECT min(rfm_code) FROM storesync.rfm_customers);
         DELETE FROM storesync.rfm_segment_map
          WHERE rfm_code = (SELECT min(m.rfm_code) FROM storesync.rfm_segment_map AS m
                             WHERE m.rfm_code NOT IN (SELECT rc.rfm_code FROM storesync.rfm_customers AS rc
                                                       WHERE rc.rfm_code IS NOT NULL));
         UPDATE storesync.rfm_settings SET default_rhythm_days = 45;",
    )
    .await;
    // A second refresh, later: the new orders' customer is ranked exactly.
    sql(
        &db,
        "CALL storesync.refresh_rfm(as_of => now() + interval '40 days')",
    )
    .await;

    let causes: Vec<String> = db
        .client()
        .query(
            "SELECT DISTINCT cause FROM storesync.rfm_segment_changes ORDER BY cause",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        causes,
        ["map", "realtime", "refresh"],
        "segment changes of every cause"
    );
    db
}

/// Every table of schema storesync, listed from the catalog, with all its rows as one sorted
/// JSON text; and every sequence of the schema with its state.
async fn snapshot(db: &TestDb) -> BTreeMap<String, String> {
    let client = db.client();
    let tables = client
        .query(
            "SELECT c.oid::regclass::text FROM pg_class AS c
               JOIN pg_namespace AS n ON n.oid = c.relnamespace
              WHERE n.nspname = 'storesync' AND c.relkind IN ('r', 'p')
              ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for row in tables {
        let table: String = row.get(0);
        // The name comes from the catalog, already quoted by regclass.
        let rows = client
            .query_one(
                &format!(
                    "SELECT coalesce(jsonb_agg(r ORDER BY r::text), '[]')::text
                       FROM (SELECT to_jsonb(t) AS r FROM {table} AS t) AS s"
                ),
                &[],
            )
            .await
            .unwrap_or_else(|e| panic!("reading {table}: {}", describe(&e)));
        out.insert(format!("table {table}"), rows.get(0));
    }
    let sequences = client
        .query(
            "SELECT format('sequence %I.%I', schemaname, sequencename),
                    format('last_value %s, start %s, increment %s', last_value, start_value,
                           increment_by)
               FROM pg_sequences WHERE schemaname = 'storesync' ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    for row in sequences {
        out.insert(row.get(0), row.get(1));
    }
    out
}

/// Panics naming every table or sequence whose content differs, with where it first differs.
fn assert_same(
    what: &str,
    original: &BTreeMap<String, String>,
    restored: &BTreeMap<String, String>,
) {
    let keys = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(original),
        keys(restored),
        "{what}: the restored objects"
    );
    let differences: Vec<String> = original
        .iter()
        .filter(|(key, rows)| restored[*key] != **rows)
        .map(|(key, rows)| {
            let other = &restored[key];
            let at = rows
                .bytes()
                .zip(other.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(rows.len().min(other.len()));
            let from = at.saturating_sub(80);
            let excerpt = |s: &str| s.get(from..(at + 200).min(s.len())).unwrap_or("").to_owned();
            format!(
                "{key}: {} chars, restored {} chars; from char {from}:\n  original: {}\n  restored: {}",
                rows.len(),
                other.len(),
                excerpt(rows),
                excerpt(other)
            )
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{what}: the restored database differs:\n{}",
        differences.join("\n")
    );
}

/// Runs a PostgreSQL client program of the installed server, with the restore setting in
/// PGOPTIONS or without any.
async fn run(program: &str, args: &[&str], restoring: bool) -> Output {
    let path = bindir().join(program);
    let mut command = Command::new(&path);
    command.args(args).env_remove("PGOPTIONS");
    if restoring {
        command.env("PGOPTIONS", RESTORE_PGOPTIONS);
    }
    command
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()))
}

/// The README's plain-SQL restore: psql, stopping at the first error, in one transaction.
async fn psql_restore(url: &str, file: &str, restoring: bool) -> Output {
    run(
        "psql",
        &[
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "--single-transaction",
            "-d",
            url,
            "-f",
            file,
        ],
        restoring,
    )
    .await
}

fn expect_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A dump file, removed when dropped.
struct DumpFile(PathBuf);

impl DumpFile {
    fn new(suffix: &str) -> Self {
        DumpFile(std::env::temp_dir().join(format!(
            "storesync-e2e-backup-{}-{suffix}",
            std::process::id()
        )))
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temporary path")
    }
}

impl Drop for DumpFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The restored database works: every identity continues above the restored keys, a new
/// signed webhook is processed with a new event id and rescored in real time, and a refresh
/// runs.
async fn assert_usable(original: &TestDb, restored: &TestDb) {
    let identities = restored
        .client()
        .query(
            "SELECT c.oid::regclass::text, quote_ident(a.attname), a.attname::text
               FROM pg_attribute AS a
               JOIN pg_class AS c ON c.oid = a.attrelid
               JOIN pg_namespace AS n ON n.oid = c.relnamespace
              WHERE n.nspname = 'storesync' AND a.attidentity <> '' AND NOT a.attisdropped
              ORDER BY 1, 2",
            &[],
        )
        .await
        .unwrap();
    assert!(
        identities.len() >= 4,
        "identity columns: {}",
        identities.len()
    );
    for row in identities {
        let (table, column, name): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        // Names from the catalog, quoted above.
        let fresh = restored
            .client()
            .query_one(
                &format!(
                    "SELECT nextval(pg_get_serial_sequence($1, $2)) > (SELECT coalesce(max({column}), 0) FROM {table}),
                            (SELECT count(*) FROM {table}) > 0"
                ),
                &[&table, &name],
            )
            .await
            .unwrap_or_else(|e| panic!("the sequence of {table}.{column}: {}", describe(&e)));
        assert!(
            fresh.get::<_, bool>(0) || !fresh.get::<_, bool>(1),
            "{table}.{column}: the next value is not above the restored ones"
        );
    }

    let last_event: i64 = original
        .client()
        .query_one("SELECT max(event_id) FROM storesync.events", &[])
        .await
        .unwrap()
        .get(0);
    let worker = Worker::start(restored.url()).await;
    let event = worker
        .post_signed(SOURCE, SECRET, &order(9_000_001, 777, 123.0))
        .await
        .expect_accepted("processed");
    assert!(event > last_event, "event {event} after {last_event}");
    let scored = restored
        .client()
        .query_one(
            "SELECT r_score IS NOT NULL FROM storesync.rfm_customers WHERE customer_id = '777'",
            &[],
        )
        .await
        .unwrap_or_else(|e| panic!("the new customer's RFM row: {}", describe(&e)));
    assert!(scored.get::<_, bool>(0), "rescored in real time");
    restored
        .client()
        .batch_execute("CALL storesync.refresh_rfm()")
        .await
        .unwrap_or_else(|e| panic!("refresh in the restored database: {}", describe(&e)));
}

#[tokio::test]
async fn a_dump_restores_every_row_and_the_database_keeps_working() {
    let original = filled().await;
    let before = snapshot(&original).await;
    for table in FILLED {
        let rows = &before[&format!("table {table}")];
        assert_ne!(rows, "[]", "{table} has rows to back up");
    }
    let url = original.url();

    // Custom format, pg_restore.
    let custom = DumpFile::new("custom.dump");
    expect_success(
        "pg_dump -Fc",
        &run("pg_dump", &["-Fc", "-f", custom.path(), "-d", url], false).await,
    );
    let restored = TestDb::without_extension().await;
    expect_success(
        "pg_restore",
        &run(
            "pg_restore",
            &["--exit-on-error", "-d", restored.url(), custom.path()],
            true,
        )
        .await,
    );
    assert_same(
        "pg_dump -Fc + pg_restore",
        &before,
        &snapshot(&restored).await,
    );
    assert_usable(&original, &restored).await;

    // Plain SQL, psql.
    let plain = DumpFile::new("plain.sql");
    expect_success(
        "pg_dump",
        &run("pg_dump", &["-f", plain.path(), "-d", url], false).await,
    );
    let restored = TestDb::without_extension().await;
    expect_success(
        "psql -f",
        &psql_restore(restored.url(), plain.path(), true).await,
    );
    assert_same("pg_dump + psql", &before, &snapshot(&restored).await);
    assert_usable(&original, &restored).await;
}

#[tokio::test]
async fn a_restore_without_the_restore_setting_fails_loudly() {
    let original = filled().await;
    let custom = DumpFile::new("loud.dump");
    expect_success(
        "pg_dump -Fc",
        &run(
            "pg_dump",
            &["-Fc", "-f", custom.path(), "-d", original.url()],
            false,
        )
        .await,
    );
    // pg_restore goes on after an error, and says so in its exit status.
    let restored = TestDb::without_extension().await;
    let out = run("pg_restore", &["-d", restored.url(), custom.path()], false).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "pg_restore succeeded:\n{stderr}");
    assert!(
        stderr.contains("storesync.restoring"),
        "the error names the restore setting:\n{stderr}"
    );

    // psql with ON_ERROR_STOP stops at the first error, in one transaction: nothing restored.
    let plain = DumpFile::new("loud.sql");
    expect_success(
        "pg_dump",
        &run(
            "pg_dump",
            &["-f", plain.path(), "-d", original.url()],
            false,
        )
        .await,
    );
    let restored = TestDb::without_extension().await;
    let out = psql_restore(restored.url(), plain.path(), false).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "psql stops on the error:\n{stderr}"
    );
    let installed: i64 = restored
        .client()
        .query_one(
            "SELECT count(*) FROM pg_extension WHERE extname = 'storesync'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(installed, 0, "the failed restore left nothing behind");
}

/// The README's commands are the ones tested here.
#[test]
fn the_readme_documents_these_commands() {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("## Backups")
        .expect("README has a Backups section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    for needle in [
        "pg_dump -Fc",
        "pg_restore --exit-on-error",
        "ON_ERROR_STOP=1 --single-transaction",
        RESTORE_PGOPTIONS,
    ] {
        assert!(
            section.contains(needle),
            "the Backups section shows {needle:?}"
        );
    }
}
