//! Reinstalling the extension's shared library while the worker serves.
//!
//! Backends map `storesync.so`. Installed by rename (`deploy/install-extension.sh`, which
//! `make extension` uses), a new build leaves running backends on the file they mapped, and
//! every webhook keeps being answered. Overwritten in place, the running backends execute
//! another file's bytes and every call fails; the worker must then drop those connections
//! and answer 503 (the sender retries) until fresh backends answer again, never 500.
//!
//! Both tests change the library every PostgreSQL backend on this machine loads, so they run
//! one at a time (a lock), restore the library they found whatever happens, and run only
//! under the PostgreSQL lock that `make e2e` is run under.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use storesync_tests::cluster::Cluster;
use storesync_tests::released;
use storesync_tests::{fixture, Endpoint, TestDb, Worker};
use tokio::task::JoinSet;

const SOURCE: &str = "salla-reinstall";
const SECRET: &str = "e2e-reinstall-secret-5a1f09c3";
const SENDERS: usize = 4;

/// One test at a time: each owns the installed library while it runs. Each `#[tokio::test]`
/// has a runtime (and a thread) of its own, so holding this across awaits only makes the
/// other test wait.
static LIBRARY: Mutex<()> = Mutex::new(());

fn exclusive() -> MutexGuard<'static, ()> {
    LIBRARY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn install_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/install-extension.sh")
}

fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .ino()
}

/// The installed library, saved when made and put back by rename when dropped (also when the
/// test fails), so that later tests and sessions find it as it was.
struct InstalledLibrary {
    path: PathBuf,
    work: PathBuf,
    original: Vec<u8>,
    permissions: std::fs::Permissions,
}

impl InstalledLibrary {
    fn take() -> Self {
        let path = released::library();
        let original = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let work =
            std::env::temp_dir().join(format!("storesync-e2e-library-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        let permissions = std::fs::metadata(&path)
            .expect("library metadata")
            .permissions();
        InstalledLibrary {
            path,
            work,
            original,
            permissions,
        }
    }

    /// Installs `bytes` as the library with the project's install script (written beside,
    /// then renamed).
    fn install(&self, bytes: &[u8]) {
        let package = self.work.join("package");
        let _ = std::fs::remove_dir_all(&package);
        let relative = self.path.strip_prefix("/").expect("an absolute pkglibdir");
        let file = package.join(relative);
        std::fs::create_dir_all(file.parent().unwrap()).expect("package directory");
        std::fs::write(&file, bytes).expect("packaged library");
        // The script installs each file with its packaged mode.
        std::fs::set_permissions(&file, self.permissions.clone()).expect("library mode");
        let out = Command::new("bash")
            .arg(install_script())
            .arg(&package)
            .output()
            .expect("run install-extension.sh");
        assert!(out.status.success(), "install-extension.sh failed: {out:?}");
    }

    /// Overwrites the installed file in place (same inode), as `cp` does (and `cargo pgrx
    /// install --sudo`), with bytes of the same length that are not this build.
    fn overwrite_in_place(&self) {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .unwrap_or_else(|e| panic!("{}: {e}", self.path.display()));
        file.write_all(&vec![0u8; self.original.len()])
            .expect("overwrite the library");
        file.sync_all().expect("sync the library");
    }
}

impl Drop for InstalledLibrary {
    fn drop(&mut self) {
        let current = std::fs::read(&self.path).unwrap_or_default();
        if current != self.original {
            self.install(&self.original.clone());
        }
        let _ = std::fs::remove_dir_all(&self.work);
    }
}

/// The documented `order.created` as order `n`: every webhook is a new order.
fn order(template: &Value, n: u64) -> Vec<u8> {
    let mut event = template.clone();
    event["data"]["id"] = json!(4_000_000 + n);
    event["data"]["reference_id"] = json!(8_000_000 + n);
    serde_json::to_vec(&event).unwrap()
}

/// An answer: when it came, its status and its `error` code.
type Answer = (Instant, u16, String);

/// `SENDERS` senders posting signed new orders back to back until `stop` is set; each
/// answer, in the order received.
fn senders(endpoint: &Endpoint, stop: &Arc<AtomicBool>) -> JoinSet<Vec<Answer>> {
    let template: Value =
        serde_json::from_slice(&fixture("salla/order.created.v2.docs.json")).unwrap();
    let next = Arc::new(AtomicU64::new(0));
    let mut set = JoinSet::new();
    for _ in 0..SENDERS {
        let (endpoint, stop, next, template) = (
            endpoint.clone(),
            stop.clone(),
            next.clone(),
            template.clone(),
        );
        set.spawn(async move {
            let mut answers = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let body = order(&template, next.fetch_add(1, Ordering::Relaxed));
                let reply = endpoint.post_signed(SOURCE, SECRET, &body).await;
                let code = serde_json::from_str::<Value>(&reply.body)
                    .ok()
                    .and_then(|v| v["error"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                answers.push((Instant::now(), reply.status, code));
            }
            answers
        });
    }
    set
}

async fn stop_and_collect(stop: &AtomicBool, mut set: JoinSet<Vec<Answer>>) -> Vec<Answer> {
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    while let Some(answers) = set.join_next().await {
        all.extend(answers.expect("a sender panicked"));
    }
    all.sort_by_key(|(at, _, _)| *at);
    all
}

/// Every pooled connection has run `storesync.ingest` (so its backend has the library mapped).
async fn warm_up(worker: &Worker) {
    let template: Value =
        serde_json::from_slice(&fixture("salla/order.created.v2.docs.json")).unwrap();
    let mut set = JoinSet::new();
    for n in 0..8 {
        let (endpoint, body) = (worker.endpoint(), order(&template, 1_000_000 + n));
        set.spawn(async move { endpoint.post_signed(SOURCE, SECRET, &body).await });
    }
    while let Some(reply) = set.join_next().await {
        reply.unwrap().expect_accepted("processed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[allow(clippy::await_holding_lock)] // see LIBRARY
async fn reinstalling_the_library_by_rename_keeps_every_webhook_answered() {
    let _exclusive = exclusive();
    let library = InstalledLibrary::take();
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    let worker = Worker::start_with(db.url(), &["--pool-size", "4"]).await;
    warm_up(&worker).await;

    let stop = Arc::new(AtomicBool::new(false));
    let load = senders(&worker.endpoint(), &stop);
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Another build (different bytes: a trailing byte is ignored by the loader), then the
    // original again, each installed the way `make extension` installs.
    let before = inode(&library.path);
    let mut other = library.original.clone();
    other.push(0);
    library.install(&other);
    assert_ne!(inode(&library.path), before, "not installed by rename");
    assert_eq!(std::fs::read(&library.path).unwrap(), other);
    tokio::time::sleep(Duration::from_secs(4)).await;
    library.install(&library.original);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let answers = stop_and_collect(&stop, load).await;

    let failed: Vec<_> = answers
        .iter()
        .filter(|(_, status, _)| !(200..300).contains(status))
        .collect();
    eprintln!(
        "reinstall by rename under load: {} webhooks, {} not 2xx",
        answers.len(),
        failed.len()
    );
    assert!(answers.len() >= 40, "only {} webhooks sent", answers.len());
    assert!(failed.is_empty(), "answers that were not 2xx: {failed:?}");
    let ready = worker.get("/readyz").await;
    assert_eq!(ready.status, 200, "/readyz: {}", ready.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[allow(clippy::await_holding_lock)] // see LIBRARY
async fn after_an_in_place_overwrite_the_worker_answers_503_then_recovers() {
    let _exclusive = exclusive();
    let library = InstalledLibrary::take();
    // A private cluster: a backend running the overwritten bytes may crash on its way out,
    // and the crash restart then stays inside this cluster.
    let cluster = Cluster::start();
    let _client = cluster
        .storesync_database("reinstall", SOURCE, SECRET)
        .await;
    let worker = Worker::start_with(&cluster.url("reinstall"), &["--pool-size", "4"]).await;
    warm_up(&worker).await;

    let stop = Arc::new(AtomicBool::new(false));
    let load = senders(&worker.endpoint(), &stop);
    tokio::time::sleep(Duration::from_secs(2)).await;
    // The backends' mapped file now holds other bytes; the real library is then put back by
    // rename at once, so new backends load a good file.
    let broken_at = Instant::now();
    library.overwrite_in_place();
    library.install(&library.original);
    tokio::time::sleep(Duration::from_secs(15)).await;
    let answers = stop_and_collect(&stop, load).await;

    let unavailable: Vec<&Answer> = answers.iter().filter(|(_, s, _)| *s == 503).collect();
    let other: Vec<&Answer> = answers
        .iter()
        .filter(|(_, s, _)| *s != 503 && !(200..300).contains(s))
        .collect();
    // The overwrite did break the sessions (else this test proves nothing) ...
    let logs = worker.logs().await;
    let Some(&&(last_503, _, _)) = unavailable.last() else {
        panic!("the in-place overwrite broke nothing; logs:\n{logs}");
    };
    let recovered = last_503.duration_since(broken_at);
    let ok_after = answers
        .iter()
        .filter(|(at, s, _)| *at > last_503 && (200..300).contains(s))
        .count();
    eprintln!(
        "in-place overwrite under load: {} webhooks, {} answered 503, the last {recovered:?} \
         after the overwrite, then {ok_after} answered 2xx",
        answers.len(),
        unavailable.len(),
    );
    assert!(other.is_empty(), "answers neither 2xx nor 503: {other:?}");
    for (_, _, code) in &unavailable {
        assert!(
            code == "database_unavailable" || code == "timeout",
            "503 {code}"
        );
    }
    // ... and the worker was back within seconds, answering 2xx to the end. A backend that
    // ran the other bytes may crash on its way out (the library's destructors are those
    // bytes too); most of this time is then the cluster's crash recovery, not the worker's.
    assert!(
        recovered < Duration::from_secs(12),
        "503s until {recovered:?}"
    );
    assert!(
        ok_after >= 10,
        "only {ok_after} webhooks answered 2xx after the last 503"
    );
    let ready = worker.get("/readyz").await;
    assert_eq!(ready.status, 200, "/readyz: {}", ready.body);
}
