//! Harness for the storesync end-to-end tests: a throwaway database with the extension
//! installed ([`TestDb`]), the real `storesync-worker` binary pointed at it ([`Worker`]), an
//! HTTP client ([`Endpoint`], [`Reply`]) and an independent HMAC signer ([`sign`]).
//!
//! Environment (set by the Makefile, defaults shown):
//! - `STORESYNC_ADMIN_URL`: a superuser connection, `host=/var/run/postgresql user=root dbname=postgres`.
//! - `STORESYNC_WORKER_BIN`: the worker, `<workspace>/target/release/storesync-worker`, else `target/debug`.
//! - `STORESYNC_SIMULATE_BIN`: the traffic simulator, `<workspace>/target/release/storesync-simulate`, else `target/debug`.
//! - `PG_CONFIG`: the server's `pg_config` (for its library and extension folders), `pg_config`.
//! - `STORESYNC_E2E_KEEP=1`: keep the test databases (for debugging a failure).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub mod cluster;
pub mod released;
pub mod standard_webhooks;

/// Prefix of every database the harness creates; leftovers of dead runs are dropped.
const DB_PREFIX: &str = "storesync_e2e_";

/// The line the worker prints on stdout once it listens.
const LISTENING: &str = "storesync-worker listening on ";

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// Lowercase hex HMAC-SHA256 of `body` keyed by `secret`: what Salla sends in
/// `X-Salla-Signature`. Written here independently of the extension's own implementation.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The raw bytes of `tests/fixtures/<path>`, untouched.
pub fn fixture(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", full.display()))
}

/// `bytes` with the single occurrence of `from` replaced by `to`; panics unless `from` occurs
/// exactly once (so a variant built from a fixture is exactly the intended one).
pub fn replace_once(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let from_b = from.as_bytes();
    let hits: Vec<usize> = bytes
        .windows(from_b.len())
        .enumerate()
        .filter(|(_, w)| *w == from_b)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected exactly one {from:?} in the input, found {}",
        hits.len()
    );
    let at = hits[0];
    let mut out = Vec::with_capacity(bytes.len() + to.len());
    out.extend_from_slice(&bytes[..at]);
    out.extend_from_slice(to.as_bytes());
    out.extend_from_slice(&bytes[at + from_b.len()..]);
    out
}

/// Salla's documented `order.created` with the order id, the customer id and the total replaced.
pub fn salla_order(id: u64, customer: u64, total: f64) -> Vec<u8> {
    let mut body: serde_json::Value =
        serde_json::from_slice(&fixture("salla/order.created.v2.docs.json")).unwrap();
    body["data"]["id"] = serde_json::json!(id);
    body["data"]["customer"]["id"] = serde_json::json!(customer);
    body["data"]["amounts"]["total"]["amount"] = serde_json::json!(total);
    serde_json::to_vec(&body).unwrap()
}

/// A well-formed webhook of an event storesync does not map (stored as `ignored`), padded to
/// exactly `len` bytes.
pub fn padded_webhook(len: usize) -> Vec<u8> {
    let head = br#"{"event":"store.owner.changed","merchant":472944967,"created_at":"2021-11-22 13:51:57","data":{"pad":""#;
    let tail = br#""}}"#;
    assert!(
        len >= head.len() + tail.len(),
        "{len} bytes is too short for a webhook"
    );
    let mut body = Vec::with_capacity(len);
    body.extend_from_slice(head);
    body.resize(len - tail.len(), b'x');
    body.extend_from_slice(tail);
    body
}

// ---------------------------------------------------------------------------------------------
// Database
// ---------------------------------------------------------------------------------------------

/// The superuser connection string used to create and drop test databases.
pub fn admin_url() -> String {
    std::env::var("STORESYNC_ADMIN_URL")
        .unwrap_or_else(|_| "host=/var/run/postgresql user=root dbname=postgres".to_owned())
}

/// `base` (a libpq key/value string or a `postgres://` URL) pointed at database `dbname`.
pub fn with_dbname(base: &str, dbname: &str) -> String {
    match base.find("://") {
        Some(i) => {
            let (scheme, rest) = base.split_at(i + 3);
            let (before_query, query) = rest.split_at(rest.find('?').unwrap_or(rest.len()));
            let authority = before_query.split('/').next().unwrap_or_default();
            format!("{scheme}{authority}/{dbname}{query}")
        }
        // libpq and tokio-postgres both let a later keyword win.
        None => format!("{base} dbname={dbname}"),
    }
}

async fn connect(url: &str) -> Result<Client, BoxError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        // An error here (the database being dropped under it, at the end of a test) shows up
        // in the client's next query, if there is one; nothing to do with it here.
        let _ = connection.await;
    });
    Ok(client)
}

fn unique_db_name() -> String {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{DB_PREFIX}{}_{}_{nanos}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// Drops the databases left by earlier runs whose process is gone (a killed or aborted run
/// cannot run its `Drop`s). Names carry the creating process id; live processes are left alone.
async fn drop_leftovers(admin: &Client) -> Result<(), BoxError> {
    if !std::path::Path::new("/proc/self").exists() {
        return Ok(()); // no way to tell dead runs from live ones
    }
    let rows = admin
        .query(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname::text, $1)",
            &[&DB_PREFIX],
        )
        .await?;
    for row in rows {
        let name: String = row.get(0);
        let pid = name[DB_PREFIX.len()..]
            .split('_')
            .next()
            .unwrap_or_default();
        let dead = pid.parse::<u32>().is_ok_and(|pid| {
            pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        });
        if dead {
            drop_database(admin, &name).await?;
        }
    }
    Ok(())
}

async fn drop_database(admin: &Client, name: &str) -> Result<(), BoxError> {
    assert!(
        name.starts_with(DB_PREFIX) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    );
    // The name is ours and checked above; identifiers cannot be bound as parameters.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    Ok(())
}

/// Drops the cluster-wide role `name` if it exists (a test's own role, at its end; errors are
/// ignored: a leftover role is harmless and the next run drops it first).
pub async fn drop_role(name: &str) {
    assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    if let Ok(admin) = connect(&admin_url()).await {
        // The name is checked above; identifiers cannot be bound as parameters.
        let _ = admin
            .batch_execute(&format!("DROP ROLE IF EXISTS {name}"))
            .await;
    }
}

/// A fresh database, dropped (with its connections) when this value is dropped.
pub struct TestDb {
    name: String,
    url: String,
    client: Client,
}

/// Row counts of the storesync tables.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub stores: i64,
    pub events: i64,
    pub customers: i64,
    pub products: i64,
    pub orders: i64,
    pub order_items: i64,
}

impl TestDb {
    /// A fresh database with `CREATE EXTENSION storesync` done.
    pub async fn new() -> Self {
        Self::created_with("CREATE EXTENSION storesync").await
    }

    /// A fresh database with `CREATE EXTENSION storesync VERSION '<version>'` done: the install
    /// script of that version (see [`released::install_released_scripts`]) with the library
    /// installed now.
    pub async fn at_version(version: &str) -> Self {
        assert!(
            !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit() || b == b'.'),
            "not a version: {version:?}"
        );
        // Checked above; CREATE EXTENSION takes no bind parameters.
        Self::created_with(&format!("CREATE EXTENSION storesync VERSION '{version}'")).await
    }

    async fn created_with(create: &str) -> Self {
        let db = Self::without_extension().await;
        if let Err(e) = db.client.batch_execute(create).await {
            panic!(
                "{create} failed in {}: {}\n(is the extension installed? `make extension`)",
                db.name,
                describe(&e)
            );
        }
        db
    }

    /// A fresh, empty database without the extension.
    pub async fn without_extension() -> Self {
        static CLEANED: AtomicBool = AtomicBool::new(false);
        let admin_url = admin_url();
        let admin = connect(&admin_url).await.unwrap_or_else(|e| {
            panic!("cannot connect to PostgreSQL with STORESYNC_ADMIN_URL={admin_url:?}: {e}")
        });
        if !CLEANED.swap(true, Ordering::SeqCst) {
            if let Err(e) = drop_leftovers(&admin).await {
                eprintln!("warning: could not drop leftover test databases: {e}");
            }
        }
        let name = unique_db_name();
        // The name is generated above from [a-z0-9_] only.
        if let Err(e) = admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
        {
            panic!("CREATE DATABASE {name} failed: {}", describe(&e));
        }
        let url = with_dbname(&admin_url, &name);
        let client = connect(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the new database {name}: {e}"));
        TestDb { name, url, client }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection string for this database, in the form of `STORESYNC_ADMIN_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A superuser connection to this database.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `extversion` of the storesync extension in this database.
    pub async fn extversion(&self) -> String {
        self.client
            .query_one(
                "SELECT extversion FROM pg_extension WHERE extname = 'storesync'",
                &[],
            )
            .await
            .unwrap_or_else(|e| panic!("reading extversion failed: {}", describe(&e)))
            .get(0)
    }

    /// The lines `tests/sql/catalog.sql` prints for this database (what `psql -At` prints): the
    /// whole catalog of schema storesync, sorted. Equal lines, equal schemas.
    pub async fn catalog(&self) -> Vec<String> {
        let messages = self
            .client
            .simple_query(include_str!("../sql/catalog.sql"))
            .await
            .unwrap_or_else(|e| panic!("tests/sql/catalog.sql failed: {}", describe(&e)));
        messages
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => {
                    Some(row.get(0).unwrap_or_default().to_owned())
                }
                _ => None,
            })
            .collect()
    }

    /// `storesync.create_source(name, 'salla', strategy, secret)`.
    pub async fn create_source(&self, name: &str, strategy: &str, secret: &str) {
        self.client
            .query_one(
                "SELECT storesync.create_source($1, 'salla', $2, $3)",
                &[&name, &strategy, &secret],
            )
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "create_source({name:?}, {strategy:?}) failed: {}",
                    describe(&e)
                )
            });
    }

    /// `storesync.create_source(name, 'flavours', 'token', token, header)`.
    pub async fn create_flavours_source(&self, name: &str, token: &str, header: &str) {
        self.client
            .query_one(
                "SELECT storesync.create_source($1, 'flavours', 'token', $2, $3)",
                &[&name, &token, &header],
            )
            .await
            .unwrap_or_else(|e| {
                panic!("create_source({name:?}, flavours) failed: {}", describe(&e))
            });
    }

    /// `storesync.ingest(source, {"X-Salla-Signature": signature}, body)` on this connection;
    /// the result object.
    pub async fn ingest(&self, source: &str, signature: &str, body: &[u8]) -> serde_json::Value {
        let row = self
            .client
            .query_one(
                "SELECT storesync.ingest($1, jsonb_build_object('X-Salla-Signature', $2::text), $3)",
                &[&source, &signature, &body],
            )
            .await
            .unwrap_or_else(|e| panic!("storesync.ingest failed: {}", describe(&e)));
        row.get(0)
    }

    /// Row counts of the storesync tables.
    pub async fn counts(&self) -> Counts {
        let row = self
            .client
            .query_one(
                "SELECT (SELECT count(*) FROM storesync.stores),
                        (SELECT count(*) FROM storesync.events),
                        (SELECT count(*) FROM storesync.customers),
                        (SELECT count(*) FROM storesync.products),
                        (SELECT count(*) FROM storesync.orders),
                        (SELECT count(*) FROM storesync.order_items)",
                &[],
            )
            .await
            .unwrap_or_else(|e| panic!("counting rows failed: {}", describe(&e)));
        Counts {
            stores: row.get(0),
            events: row.get(1),
            customers: row.get(2),
            products: row.get(3),
            orders: row.get(4),
            order_items: row.get(5),
        }
    }

    /// The single row `sql` returns, every column read as nullable text (cast in the SQL),
    /// keyed by column name.
    pub async fn row(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> BTreeMap<String, Option<String>> {
        let rows = self
            .client
            .query(sql, params)
            .await
            .unwrap_or_else(|e| panic!("query failed: {}\n{sql}", describe(&e)));
        assert_eq!(rows.len(), 1, "expected exactly one row from:\n{sql}");
        let row = &rows[0];
        row.columns()
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name().to_owned(), row.get::<_, Option<String>>(i)))
            .collect()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if std::env::var_os("STORESYNC_E2E_KEEP").is_some() {
            eprintln!("keeping test database {} (STORESYNC_E2E_KEEP)", self.name);
            return;
        }
        // Drop runs inside the test's runtime, which cannot be blocked on from itself: use a
        // thread with a runtime of its own.
        let name = self.name.clone();
        let done = std::thread::spawn(move || -> Result<(), BoxError> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let admin = connect(&admin_url()).await?;
                drop_database(&admin, &name).await
            })
        })
        .join();
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.name),
        }
    }
}

/// A PostgreSQL error with its SQLSTATE, message and detail, for panic messages.
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "{} {}{}",
            db.code().code(),
            db.message(),
            db.detail()
                .map(|d| format!(" (detail: {d})"))
                .unwrap_or_default()
        ),
        None => e.to_string(),
    }
}

/// Panics listing every field of `row` that differs from `expected` (`None` = SQL NULL).
pub fn assert_fields(row: &BTreeMap<String, Option<String>>, expected: &[(&str, Option<&str>)]) {
    let mismatches: Vec<String> = expected
        .iter()
        .filter_map(|(col, want)| {
            let got = row
                .get(*col)
                .unwrap_or_else(|| panic!("no column {col:?} in {row:?}"));
            (got.as_deref() != *want).then(|| format!("  {col}: expected {want:?}, got {got:?}"))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "field mismatches:\n{}\nrow: {row:?}",
        mismatches.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Worker
// ---------------------------------------------------------------------------------------------

/// The worker binary: `STORESYNC_WORKER_BIN`, else the workspace's release build, else debug.
pub fn worker_bin() -> PathBuf {
    built_binary("STORESYNC_WORKER_BIN", "storesync-worker")
}

/// The traffic simulator: `STORESYNC_SIMULATE_BIN`, else the workspace's release build, else
/// debug.
pub fn simulate_bin() -> PathBuf {
    built_binary("STORESYNC_SIMULATE_BIN", "storesync-simulate")
}

/// The binary `name` (also its package name): the path in `env`, else the workspace's release
/// build, else its debug build.
fn built_binary(env: &str, name: &str) -> PathBuf {
    if let Some(bin) = std::env::var_os(env) {
        return PathBuf::from(bin);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let candidates = [
        root.join("target/release").join(name),
        root.join("target/debug").join(name),
    ];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "{name} not found at {} or {}: build it (`cargo build --release -p {name}`) or set {env}",
                candidates[0].display(),
                candidates[1].display()
            )
        })
}

/// A running `storesync-worker serve`, killed when dropped. Its stderr (and any stdout after
/// the listening line) is collected and printed if the test panics.
pub struct Worker {
    // Held for `kill_on_drop`.
    _child: Child,
    endpoint: Endpoint,
    logs: Arc<Mutex<String>>,
}

impl Worker {
    /// Starts the worker on a free port against `database_url` and waits until `/healthz` answers.
    pub async fn start(database_url: &str) -> Self {
        Self::start_with(database_url, &[]).await
    }

    /// As [`Worker::start`], with extra `serve` arguments (e.g. `--body-limit 1024`).
    pub async fn start_with(database_url: &str, extra_args: &[&str]) -> Self {
        Self::start_with_env(database_url, extra_args, &[]).await
    }

    /// As [`Worker::start_with`], with extra environment variables (e.g. `RUST_LOG`).
    pub async fn start_with_env(
        database_url: &str,
        extra_args: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let bin = worker_bin();
        let mut child = Command::new(&bin)
            .arg("serve")
            .arg("--database-url")
            .arg(database_url)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .args(extra_args)
            .env("DATABASE_URL", database_url)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));

        let logs = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr is piped");
        collect_lines(stderr, "", logs.clone());

        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), stdout.next_line()).await;
        let line = match first {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) | Ok(Err(_)) => {
                let status = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
                tokio::time::sleep(Duration::from_millis(100)).await; // let stderr drain
                panic!(
                    "storesync-worker closed stdout before announcing its address (exit: {status:?})\nstderr:\n{}",
                    logs.lock().unwrap()
                );
            }
            Err(_) => panic!(
                "storesync-worker printed nothing on stdout within 30 s\nstderr:\n{}",
                logs.lock().unwrap()
            ),
        };
        collect_lines(stdout.into_inner(), "[stdout] ", logs.clone());

        let base = line
            .strip_prefix(LISTENING)
            .unwrap_or_else(|| panic!("unexpected first stdout line from the worker: {line:?}"));
        let port = base
            .strip_prefix("http://127.0.0.1:")
            .and_then(|p| p.parse::<u16>().ok())
            .filter(|p| *p != 0)
            .unwrap_or_else(|| {
                panic!("the worker announced {base:?}, not http://127.0.0.1:<port>")
            });

        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("reqwest client");
        let worker = Worker {
            _child: child,
            endpoint: Endpoint {
                client,
                base: format!("http://127.0.0.1:{port}"),
            },
            logs,
        };
        worker.wait_healthy().await;
        worker
    }

    async fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let last = self.endpoint.client.get(self.url("/healthz")).send().await;
            match last {
                Ok(r) if r.status().is_success() => return,
                _ if Instant::now() > deadline => {
                    panic!("/healthz did not answer 200 within 10 s: {last:?}")
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// What the worker wrote to stderr (and to stdout after the listening line) so far.
    pub async fn logs(&self) -> String {
        // The pipes are read by background tasks: give them a moment to catch up.
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.logs.lock().unwrap().clone()
    }

    /// A cloneable handle for sending requests (e.g. from spawned tasks).
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint.clone()
    }
}

impl std::ops::Deref for Worker {
    type Target = Endpoint;
    fn deref(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(logs) = self.logs.lock() {
                eprintln!("----- storesync-worker output -----\n{logs}-----------------------------------");
            }
        }
    }
}

fn collect_lines<R>(reader: R, prefix: &'static str, into: Arc<Mutex<String>>)
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut lines = BufReader::new(reader).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut logs = into.lock().unwrap();
            logs.push_str(prefix);
            logs.push_str(&line);
            logs.push('\n');
        }
    });
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/// Sends requests to one worker.
#[derive(Clone)]
pub struct Endpoint {
    client: reqwest::Client,
    base: String,
}

/// An HTTP answer, read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
    pub elapsed: Duration,
}

impl Endpoint {
    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        let started = Instant::now();
        let res = self.client.get(self.url(path)).send().await;
        read_reply(res, started, &format!("GET {path}")).await
    }

    /// `POST /webhooks/{source}` with `Content-Type: application/json`, the given headers and body.
    pub async fn post(&self, source: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
        let path = format!("/webhooks/{source}");
        let mut req = self
            .client
            .post(self.url(&path))
            .header("Content-Type", "application/json");
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let started = Instant::now();
        let res = req.body(body).send().await;
        read_reply(res, started, &format!("POST {path}")).await
    }

    /// Posts `body` the way Salla does under the Signature strategy.
    pub async fn post_signed(&self, source: &str, secret: &str, body: &[u8]) -> Reply {
        let signature = sign(secret, body);
        self.post(
            source,
            &[
                ("X-Salla-Security-Strategy", "Signature"),
                ("X-Salla-Signature", &signature),
            ],
            body.to_vec(),
        )
        .await
    }

    /// Posts `body` the way Salla does under the Token strategy.
    pub async fn post_token(&self, source: &str, token: &str, body: &[u8]) -> Reply {
        self.post(
            source,
            &[
                ("X-Salla-Security-Strategy", "Token"),
                ("Authorization", token),
            ],
            body.to_vec(),
        )
        .await
    }
}

async fn read_reply(
    res: reqwest::Result<reqwest::Response>,
    started: Instant,
    what: &str,
) -> Reply {
    let res = res.unwrap_or_else(|e| panic!("{what}: no HTTP answer: {e:?}"));
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let bytes = res
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{what}: reading the answer failed: {e:?}"));
    Reply {
        status,
        content_type,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        elapsed: started.elapsed(),
    }
}

impl Reply {
    /// The body as JSON; panics (showing the body) if it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("answer {} is not JSON ({e}): {:?}", self.status, self.body))
    }

    /// Asserts a 200 whose body is the ingest result with `status`; returns its `event_id`.
    pub fn expect_accepted(&self, status: &str) -> i64 {
        assert_eq!(
            self.status, 200,
            "expected 200 {status}, got {}: {}",
            self.status, self.body
        );
        let json = self.json();
        assert_eq!(json["status"], status, "ingest status, in {json}");
        assert_eq!(json["http_status"], 200, "http_status, in {json}");
        json["event_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("event_id is not an integer in {json}"))
    }

    /// Asserts an error answer: `status`, a JSON body `{"error": <non-empty code>, "message":
    /// <non-empty text>}`, and the code if `code` is given.
    pub fn expect_error(&self, status: u16, code: Option<&str>) {
        assert_eq!(
            self.status, status,
            "expected HTTP {status} {code:?}, got {}: {}",
            self.status, self.body
        );
        assert!(
            self.content_type
                .as_deref()
                .is_some_and(|c| c.starts_with("application/json")),
            "error answer Content-Type is {:?}, not application/json: {}",
            self.content_type,
            self.body
        );
        let json = self.json();
        let error = json["error"].as_str().unwrap_or_default();
        let message = json["message"].as_str().unwrap_or_default();
        assert!(!error.is_empty(), "no error code in {json}");
        assert!(!message.is_empty(), "no message in {json}");
        if let Some(code) = code {
            assert_eq!(error, code, "error code, in {json}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The harness's signer agrees with the published vectors (so a 401 is the worker's doing).
    #[test]
    fn sign_matches_the_signature_vectors() {
        let vectors: serde_json::Value =
            serde_json::from_slice(&fixture("salla_signature_vectors.json")).unwrap();
        let mut checked = 0;
        for v in vectors["vectors"].as_array().unwrap() {
            let secret = v["secret"].as_str().unwrap();
            if let Some(expected) = v["expected_x_salla_signature"].as_str() {
                let raw = hex::decode(v["raw_body_hex"].as_str().unwrap()).unwrap();
                assert_eq!(raw, v["raw_body_utf8"].as_str().unwrap().as_bytes());
                assert_eq!(sign(secret, &raw), expected);
                checked += 1;
            }
            if let Some(expected) = v["hmac_of_reserialized"].as_str() {
                let body = v["reserialized_body"].as_str().unwrap();
                assert_eq!(sign(secret, body.as_bytes()), expected);
                checked += 1;
            }
        }
        assert_eq!(checked, 4);
    }

    #[test]
    fn with_dbname_handles_both_forms() {
        assert_eq!(
            with_dbname("host=/var/run/postgresql user=root dbname=postgres", "x"),
            "host=/var/run/postgresql user=root dbname=postgres dbname=x"
        );
        assert_eq!(
            with_dbname("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_dbname("postgresql://h", "x"), "postgresql://h/x");
    }

    #[test]
    fn padded_webhook_has_the_exact_length() {
        for len in [200, 1024, 2048] {
            let body = padded_webhook(len);
            assert_eq!(body.len(), len);
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(json["event"], "store.owner.changed");
        }
    }

    #[test]
    fn replace_once_replaces() {
        assert_eq!(replace_once(b"a-b-c", "-b-", "+"), b"a+c");
    }
}
