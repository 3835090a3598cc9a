//! A private PostgreSQL cluster for tests that stop, kill or restart the server: its own data
//! directory, socket directory and port, so nothing they do disturbs the other tests.
//!
//! Made with the installed server's `initdb` and `pg_ctl` (`pg_config --bindir`), run as the
//! `postgres` OS user when the tests run as root (PostgreSQL refuses to run as root). Local
//! connections use `trust` authentication over the private socket only (no TCP listener).
//! Dropped: stopped (immediate) and deleted.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use tokio_postgres::{Client, NoTls};

/// The port number names the socket file inside the private socket directory; with no TCP
/// listener it cannot clash with another server.
const PORT: u16 = 5432;

/// A running private cluster.
pub struct Cluster {
    root: PathBuf,
    bindir: PathBuf,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Closes every inherited descriptor above stderr, then runs its arguments. A server must not
/// inherit ours: run under `flock … make test`, it would hold the lock for as long as it runs.
const CLOSE_FDS: &str = r#"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null; exec "$@""#;

/// Runs a server program, as `postgres` when we are root, with no inherited descriptors.
fn run(program: &Path, args: &[&str]) -> Output {
    let mut command = Command::new("bash");
    command.args(["-c", CLOSE_FDS, "close-fds"]);
    if is_root() {
        command.args(["runuser", "-u", "postgres", "--"]);
    }
    command
        .arg(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
}

/// The installed server's program directory (`pg_config --bindir`; `PG_CONFIG` names another
/// `pg_config`): where `initdb`, `pg_ctl`, `pg_dump`, `pg_restore` and `psql` are.
pub fn bindir() -> PathBuf {
    let pg_config = std::env::var("PG_CONFIG").unwrap_or_else(|_| "pg_config".to_owned());
    let out = Command::new(&pg_config)
        .arg("--bindir")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {pg_config}: {e}"));
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

impl Cluster {
    /// Creates and starts a fresh cluster.
    pub fn start() -> Self {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let root = PathBuf::from(format!(
            "/tmp/storesync-e2e-pg-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        let mut install = Command::new("install");
        install.arg("-d").arg("-m").arg("0700");
        if is_root() {
            install.args(["-o", "postgres", "-g", "postgres"]);
        }
        let ok = install.arg(&root).status().is_ok_and(|s| s.success());
        assert!(ok, "cannot create {}", root.display());
        let cluster = Cluster {
            root,
            bindir: bindir(),
        };
        let data = cluster.data();
        let out = run(
            &cluster.bindir.join("initdb"),
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        assert!(out.status.success(), "initdb failed: {out:?}");
        let settings = format!(
            "port = {PORT}\nunix_socket_directories = '{}'\nlisten_addresses = ''\n\
             max_connections = 60\nshared_buffers = 32MB\nfsync = on\nsynchronous_commit = on\n",
            cluster.root.display()
        );
        let conf = Path::new(&data).join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).expect("postgresql.conf");
        text.push_str(&settings);
        std::fs::write(&conf, text).expect("write postgresql.conf");
        cluster.start_again();
        cluster
    }

    fn data(&self) -> String {
        self.root.join("data").display().to_string()
    }

    fn pg_ctl(&self, args: &[&str]) -> Output {
        let data = self.data();
        let log = self.root.join("server.log").display().to_string();
        let mut all = vec!["-D", data.as_str(), "-l", log.as_str()];
        all.extend_from_slice(args);
        run(&self.bindir.join("pg_ctl"), &all)
    }

    /// Starts the server (again) and waits until it accepts connections. After a SIGKILL of
    /// the postmaster its orphaned backends may still hold the shared memory for a moment:
    /// retried for up to 60 s.
    pub fn start_again(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = self.pg_ctl(&["-w", "-t", "30", "start"]);
            if out.status.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "pg_ctl start failed: {out:?}\n{}",
                self.server_log()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Stops the server at once (`-m immediate`: no checkpoint, like a crash).
    pub fn stop(&self) {
        let out = self.pg_ctl(&["-w", "-m", "immediate", "stop"]);
        assert!(out.status.success(), "pg_ctl stop failed: {out:?}");
    }

    /// Kills the postmaster with SIGKILL, leaving its backends to notice and exit.
    pub fn kill_postmaster(&self) {
        let pid_file = Path::new(&self.data()).join("postmaster.pid");
        let text = std::fs::read_to_string(&pid_file).expect("postmaster.pid");
        let pid = text.lines().next().unwrap_or_default().trim().to_owned();
        assert!(pid.parse::<u32>().is_ok(), "no pid in {text:?}");
        let ok = Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -KILL {pid} failed");
    }

    /// What the server logged so far.
    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.root.join("server.log")).unwrap_or_default()
    }

    /// A connection string for database `dbname` as the cluster's superuser.
    pub fn url(&self, dbname: &str) -> String {
        format!(
            "host={} port={PORT} user=postgres dbname={dbname}",
            self.root.display()
        )
    }

    /// Connects to `dbname`.
    pub async fn connect(&self, dbname: &str) -> Client {
        let (client, connection) = tokio_postgres::connect(&self.url(dbname), NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to the private cluster: {e}"));
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    }

    /// Creates database `dbname` with the storesync extension and a Signature source.
    pub async fn storesync_database(&self, dbname: &str, source: &str, secret: &str) -> Client {
        let admin = self.connect("postgres").await;
        admin
            .batch_execute(&format!("CREATE DATABASE {dbname}"))
            .await
            .expect("CREATE DATABASE");
        let client = self.connect(dbname).await;
        client
            .batch_execute("CREATE EXTENSION storesync")
            .await
            .unwrap_or_else(|e| panic!("CREATE EXTENSION: {}", crate::describe(&e)));
        client
            .query_one(
                "SELECT storesync.create_source($1, 'salla', 'signature', $2)",
                &[&source, &secret],
            )
            .await
            .expect("create_source");
        client
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "----- private cluster log -----\n{}",
                self.server_log()
                    .lines()
                    .rev()
                    .take(40)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        let _ = self.pg_ctl(&["-w", "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
