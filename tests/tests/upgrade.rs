//! Upgrades with `ALTER EXTENSION storesync UPDATE`, as a DBA runs them: the new package (library
//! and SQL files) is installed first, while databases still hold a released version's SQL; the
//! worker keeps serving them; then each database is updated. After the update the catalog is
//! exactly a fresh install's (tests/sql/catalog.sql), the data is untouched, and ingest and
//! refresh work. The upgrade scripts run a second time change nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::json;
use storesync_tests::released::{self, CURRENT};
use storesync_tests::{describe, fixture, sign, TestDb, Worker};

const SOURCE: &str = "salla-upgrade";
const SECRET: &str = "e2e-upgrade-secret-4b9e2c";

/// Event families the released SQL must keep mapping with the new library (orders, customers,
/// catalogue, carts, order status), each answered `processed`.
const FAMILIES: &[&str] = &[
    "salla/customer.created.v2.DERIVED.json",
    "salla/product.created.v2.docs.json",
    "salla/category.created.docs.json",
    "salla/abandoned.cart.docs.json",
    "salla/order.status.updated.docs.json",
];

/// `order.created` for order `id` of `customer`, dated `date` (YYYY-MM-DD), worth `total`.
fn order(id: u64, customer: u64, date: &str, total: f64) -> Vec<u8> {
    let mut body: serde_json::Value =
        serde_json::from_slice(&fixture("salla/order.created.v2.docs.json")).unwrap();
    body["data"]["id"] = json!(id);
    body["data"]["customer"]["id"] = json!(customer);
    body["data"]["amounts"]["total"]["amount"] = json!(total);
    body["data"]["date"]["date"] = json!(format!("{date} 10:00:00.000000"));
    serde_json::to_vec(&body).unwrap()
}

/// Panics with a unified diff unless `got` has exactly the lines of `expected`.
fn assert_same_lines(what: &str, expected: (&str, &[String]), got: (&str, &[String])) {
    if expected.1 == got.1 {
        return;
    }
    let text = |lines: &[String]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let (a, b) = (text(expected.1), text(got.1));
    let diff = similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(2)
        .header(expected.0, got.0)
        .to_string();
    panic!(
        "{what} differ ({} has {} lines, {} has {}):\n{diff}",
        expected.0,
        expected.1.len(),
        got.0,
        got.1.len()
    );
}

/// Every row of every table and view of schema storesync as JSON (`to_jsonb`), and every
/// sequence's position, sorted, by name.
async fn contents(db: &TestDb) -> BTreeMap<String, Vec<String>> {
    let relations = db
        .client()
        .query(
            "SELECT c.oid::regclass::text, c.relkind = 'S' FROM pg_class AS c
              WHERE c.relnamespace = 'storesync'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')",
            &[],
        )
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for relation in relations {
        let name: String = relation.get(0);
        // The name comes from the catalog, already quoted by regclass. A sequence has no row
        // type: its position is what must survive.
        let sql = if relation.get::<_, bool>(1) {
            format!("SELECT last_value::text || ' ' || is_called::text FROM {name}")
        } else {
            format!("SELECT to_jsonb(t)::text FROM {name} AS t ORDER BY 1")
        };
        let rows = db
            .client()
            .query(&sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {}", describe(&e)));
        out.insert(name, rows.iter().map(|r| r.get(0)).collect());
    }
    out
}

fn assert_same_contents(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
) {
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for name in names {
        let none = Vec::new();
        let (before, after) = without_added_columns(
            before.get(name).unwrap_or(&none),
            after.get(name).unwrap_or(&none),
        );
        assert_same_lines(
            &format!("rows of {name}"),
            ("before the update", &before),
            ("after the update", &after),
        );
    }
}

/// The rows of one relation, comparable across an update that added columns to it: where
/// `after` has columns no row of `before` has, those are dropped from `after` when NULL (a
/// new column left empty is data untouched; a filled one still shows as a difference), and
/// both sides are written anew by serde_json. Relations without new columns compare as
/// PostgreSQL wrote them.
fn without_added_columns(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let objects = |rows: &[String]| -> Option<Vec<serde_json::Map<String, serde_json::Value>>> {
        rows.iter()
            .map(|row| match serde_json::from_str(row) {
                Ok(serde_json::Value::Object(o)) => Some(o),
                _ => None,
            })
            .collect()
    };
    let (Some(old), Some(new)) = (objects(before), objects(after)) else {
        return (before.to_vec(), after.to_vec());
    };
    let old_keys: BTreeSet<&String> = old.iter().flat_map(|o| o.keys()).collect();
    if old.is_empty()
        || new
            .iter()
            .flat_map(|o| o.keys())
            .all(|k| old_keys.contains(k))
    {
        return (before.to_vec(), after.to_vec());
    }
    let write = |rows: Vec<serde_json::Map<String, serde_json::Value>>| {
        let mut out: Vec<String> = rows
            .into_iter()
            .map(|o| serde_json::Value::Object(o).to_string())
            .collect();
        out.sort();
        out
    };
    let trimmed = new
        .iter()
        .cloned()
        .map(|mut o| {
            o.retain(|k, v| old_keys.contains(k) || !v.is_null());
            o
        })
        .collect();
    (write(old.clone()), write(trimmed))
}

async fn refresh(db: &TestDb) {
    db.client()
        .batch_execute("CALL storesync.refresh_rfm()")
        .await
        .unwrap_or_else(|e| panic!("refresh_rfm failed: {}", describe(&e)));
}

/// (frequency, r_score) of `customer` in customer_rfm.
async fn rfm_of(db: &TestDb, customer: &str) -> (i64, Option<i16>) {
    let row = db
        .client()
        .query_one(
            "SELECT frequency, r_score FROM storesync.customer_rfm WHERE customer_id = $1",
            &[&customer],
        )
        .await
        .unwrap_or_else(|e| panic!("customer {customer} in customer_rfm: {}", describe(&e)));
    (row.get(0), row.get(1))
}

/// The library's dynamic symbols (`nm -D --defined-only`).
fn library_symbols() -> BTreeSet<String> {
    let lib = released::library();
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .unwrap_or_else(|e| panic!("cannot run nm (binutils) on {}: {e}", lib.display()));
    assert!(
        out.status.success(),
        "nm -D {} failed: {out:?}",
        lib.display()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_owned))
        .collect()
}

/// The C symbols a script binds: every `AS 'MODULE_PATHNAME', '<symbol>'`.
fn bound_symbols(script: &str) -> Vec<String> {
    const MARK: &str = "'MODULE_PATHNAME', '";
    script
        .match_indices(MARK)
        .map(|(at, _)| {
            let rest = &script[at + MARK.len()..];
            rest[..rest.find('\'').expect("closing quote")].to_owned()
        })
        .collect()
}

/// The installed SQL files are this build's: its install script and the repository's upgrade
/// scripts byte for byte (else the package installed is another build's).
fn assert_installed_package_is_current() {
    let dir = released::extension_dir();
    let install = dir.join(format!("storesync--{CURRENT}.sql"));
    assert!(
        install.is_file(),
        "{} is missing: install this build first (`make extension`)",
        install.display()
    );
    for (from, (to, path)) in released::upgrade_scripts() {
        let installed = dir.join(format!("storesync--{from}--{to}.sql"));
        let same = std::fs::read(&installed).ok() == Some(std::fs::read(&path).unwrap());
        assert!(
            same,
            "{} is missing or differs from {}: install this build first (`make extension`)",
            installed.display(),
            path.display()
        );
    }
}

/// The versions older than this build's that the repository can install.
fn older_releases() -> Vec<String> {
    let versions: Vec<String> = released::released_versions()
        .into_iter()
        .filter(|v| released::version_key(v) < released::version_key(CURRENT))
        .collect();
    assert!(!versions.is_empty(), "sql/released/ holds no older release");
    versions
}

#[test]
fn every_c_symbol_of_a_released_script_is_in_the_installed_library() {
    let symbols = library_symbols();
    for version in released::released_versions() {
        let script = std::fs::read_to_string(released::released_script(&version)).unwrap();
        let bound = bound_symbols(&script);
        assert!(!bound.is_empty(), "{version}'s script binds no C symbol");
        // fmgr looks up both: the function and its `pg_finfo_` record (version 1 convention).
        let missing: Vec<String> = bound
            .iter()
            .flat_map(|s| [s.clone(), format!("pg_finfo_{s}")])
            .filter(|s| !symbols.contains(s))
            .collect();
        assert!(
            missing.is_empty(),
            "{version}'s install script binds {missing:?}, which {} does not export: keep the \
             old symbol (a #[pg_extern(name = …)] wrapper) until an upgrade script replaces it",
            released::library().display()
        );
    }
}

#[tokio::test]
async fn the_install_script_and_the_upgrade_scripts_agree_on_the_version() {
    let control = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../extension/storesync.control"),
    )
    .unwrap();
    assert!(
        control.contains("default_version = '@CARGO_VERSION@'"),
        "the control file's default_version must be the workspace version:\n{control}"
    );
    // Every release reaches this version by one chain of scripts, each naming its target.
    let scripts = released::upgrade_scripts();
    for version in older_releases() {
        let mut at = version.clone();
        while let Some((to, path)) = scripts.get(&at) {
            let text = std::fs::read_to_string(path).unwrap();
            let guard = format!(
                "\\echo Use \"ALTER EXTENSION storesync UPDATE TO '{to}'\" to load this file. \\quit"
            );
            assert!(
                text.lines().any(|l| l == guard),
                "{} lacks the line {guard}",
                path.display()
            );
            at = to.clone();
        }
        assert_eq!(
            at, CURRENT,
            "the upgrade scripts in sql/ lead from {version} to {at}, not to {CURRENT}"
        );
    }
    assert_installed_package_is_current();
    let fresh = TestDb::new().await;
    assert_eq!(fresh.extversion().await, CURRENT);
}

#[tokio::test]
async fn an_upgraded_database_keeps_its_data_and_matches_a_fresh_install() {
    released::install_released_scripts();
    assert_installed_package_is_current();
    let fresh = TestDb::new().await;
    let fresh_catalog = fresh.catalog().await;
    for version in older_releases() {
        upgrade_from(&version, &fresh_catalog).await;
    }
}

async fn upgrade_from(version: &str, fresh_catalog: &[String]) {
    let db = TestDb::at_version(version).await;
    assert_eq!(db.extversion().await, version);
    db.create_source(SOURCE, "signature", SECRET).await;
    let worker = Worker::start(db.url()).await;

    // The new library under the released SQL: every family through the worker, RFM in real
    // time (customer 701 twice, so a rhythm) and by refresh, and the other C functions.
    for path in FAMILIES {
        worker
            .post_signed(SOURCE, SECRET, &fixture(path))
            .await
            .expect_accepted("processed");
    }
    for (id, customer, date, total) in [
        (9001, 701, "2022-04-01", 120.0),
        (9002, 701, "2022-05-16", 80.0),
        (9003, 702, "2021-11-20", 30.0),
        (9004, 703, "2022-06-20", 400.0),
    ] {
        worker
            .post_signed(SOURCE, SECRET, &order(id, customer, date, total))
            .await
            .expect_accepted("processed");
    }
    refresh(&db).await;
    let (frequency, r_score) = rfm_of(&db, "701").await;
    assert_eq!(frequency, 2);
    assert!(r_score.is_some(), "customer 701 not scored by the refresh");
    let checks = db
        .row(
            "SELECT storesync.sign($1, 'body'::bytea) AS signature,
                    storesync.verify_signature($1, 'body'::bytea, storesync.sign($1, 'body'::bytea))::text AS verified,
                    (SELECT r.status FROM storesync.replay((SELECT max(event_id) FROM storesync.events)) AS r) AS replayed,
                    (SELECT count(*) FROM storesync.replay_failed())::text AS failed_replayed",
            &[&SECRET],
        )
        .await;
    let expected_signature = sign(SECRET, b"body");
    storesync_tests::assert_fields(
        &checks,
        &[
            ("signature", Some(expected_signature.as_str())),
            ("verified", Some("true")),
            ("replayed", Some("processed")),
            ("failed_replayed", Some("0")),
        ],
    );
    assert_ready_at(&worker, version).await;
    let before = contents(&db).await;

    // The update, with the worker serving (no restart).
    db.client()
        .batch_execute("ALTER EXTENSION storesync UPDATE")
        .await
        .unwrap_or_else(|e| panic!("ALTER EXTENSION storesync UPDATE failed: {}", describe(&e)));
    assert_eq!(db.extversion().await, CURRENT);
    assert_same_lines(
        &format!("catalogs (tests/sql/catalog.sql) of a fresh {CURRENT} and of {version} updated"),
        ("fresh install", fresh_catalog),
        ("updated install", &db.catalog().await),
    );
    assert_same_contents(&before, &contents(&db).await);

    // Ingest (real-time rescoring) and refresh after the update, through the same worker.
    worker
        .post_signed(SOURCE, SECRET, &order(9005, 701, "2022-06-25", 60.0))
        .await
        .expect_accepted("processed");
    worker
        .post_signed(SOURCE, SECRET, &order(9006, 704, "2022-06-24", 90.0))
        .await
        .expect_accepted("processed");
    assert_eq!(
        rfm_of(&db, "701").await.0,
        3,
        "real-time figures after the update"
    );
    refresh(&db).await;
    let (frequency, r_score) = rfm_of(&db, "704").await;
    assert_eq!(frequency, 1);
    assert!(
        r_score.is_some(),
        "customer 704 not scored by the refresh after the update"
    );
    assert_ready_at(&worker, CURRENT).await;
}

/// `/readyz` answers 200 and reports extension `version`.
async fn assert_ready_at(worker: &Worker, version: &str) {
    let ready = worker.get("/readyz").await;
    assert_eq!(ready.status, 200, "/readyz: {}", ready.body);
    assert_eq!(
        ready.json()["extension_version"],
        version,
        "/readyz: {}",
        ready.body
    );
}

#[tokio::test]
async fn the_upgrade_scripts_run_a_second_time_change_nothing() {
    released::install_released_scripts();
    assert_installed_package_is_current();
    let oldest = older_releases().remove(0);
    let db = TestDb::at_version(&oldest).await;
    db.create_source(SOURCE, "signature", SECRET).await;
    let body = order(9101, 801, "2022-06-01", 75.0);
    db.ingest(SOURCE, &sign(SECRET, &body), &body).await;
    db.client()
        .batch_execute("ALTER EXTENSION storesync UPDATE")
        .await
        .unwrap_or_else(|e| panic!("ALTER EXTENSION storesync UPDATE failed: {}", describe(&e)));
    let once = db.catalog().await;
    let rows = contents(&db).await;

    // ALTER EXTENSION runs the scripts from the version the catalog records: recording the
    // oldest release again runs every script once more, as an extension script (the way they
    // run for real; some statements, like pg_extension_config_dump, work only there).
    db.client()
        .execute(
            "UPDATE pg_catalog.pg_extension SET extversion = $1 WHERE extname = 'storesync'",
            &[&oldest],
        )
        .await
        .unwrap();
    db.client()
        .batch_execute("ALTER EXTENSION storesync UPDATE")
        .await
        .unwrap_or_else(|e| {
            panic!(
                "the upgrade scripts failed the second time: {}",
                describe(&e)
            )
        });
    assert_same_lines(
        "catalogs after one and after two runs of the upgrade scripts",
        ("updated once", &once),
        ("updated twice", &db.catalog().await),
    );
    assert_same_contents(&rows, &contents(&db).await);
}

/// A trusted install: the database owner (no superuser) created the extension at the oldest
/// release and updates it; the result is a fresh trusted install's catalog.
#[tokio::test]
async fn a_database_owner_updates_a_trusted_install() {
    released::install_released_scripts();
    assert_installed_package_is_current();
    let oldest = older_releases().remove(0);
    let role = format!("storesync_e2e_upgrader_{}", std::process::id());
    let (updated, fresh) = (
        TestDb::without_extension().await,
        TestDb::without_extension().await,
    );
    // The role name is generated here from [a-z0-9_] only, the database names by the harness,
    // the version checked by older_releases.
    updated
        .client()
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
        ))
        .await
        .unwrap_or_else(|e| panic!("set-up: {}", describe(&e)));
    let create_old =
        format!("CREATE EXTENSION storesync VERSION '{oldest}'; ALTER EXTENSION storesync UPDATE");
    for (db, create) in [
        (&updated, create_old.as_str()),
        (&fresh, "CREATE EXTENSION storesync"),
    ] {
        db.client()
            .batch_execute(&format!(
                "ALTER DATABASE \"{}\" OWNER TO {role}; SET ROLE {role}; {create}; RESET ROLE",
                db.name()
            ))
            .await
            .unwrap_or_else(|e| panic!("{create} as the database owner: {}", describe(&e)));
    }
    assert_eq!(updated.extversion().await, CURRENT);
    let catalogs = (fresh.catalog().await, updated.catalog().await);
    for db in [&updated, &fresh] {
        db.client()
            .batch_execute(&format!(
                "DROP EXTENSION storesync CASCADE; REASSIGN OWNED BY {role} TO CURRENT_USER; DROP OWNED BY {role}"
            ))
            .await
            .unwrap_or_else(|e| panic!("clean-up: {}", describe(&e)));
    }
    drop((updated, fresh));
    storesync_tests::drop_role(&role).await;
    assert_same_lines(
        "catalogs of a fresh trusted install and of an updated one",
        ("fresh install", &catalogs.0),
        ("updated install", &catalogs.1),
    );
}
