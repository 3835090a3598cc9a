//! The extension's versions as the repository keeps them: the install scripts of released
//! versions (`sql/released/storesync--<version>.sql`, kept byte for byte) and the upgrade
//! scripts (`sql/storesync--<from>--<to>.sql`), and the server folders they are installed in.
//!
//! `cargo pgrx install` installs the current version's install script, the library and the
//! upgrade scripts, but not the released install scripts: [`install_released_scripts`] puts
//! those beside them, so a test can create the extension at a released version.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The version this build installs (the workspace version; the control file's
/// `default_version` is `@CARGO_VERSION@`).
pub const CURRENT: &str = env!("CARGO_PKG_VERSION");

/// The repository's `sql/` folder.
pub fn sql_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sql")
}

/// `pg_config <flag>` of the server (`PG_CONFIG`, else `pg_config` on PATH), as a path.
pub fn pg_config(flag: &str) -> PathBuf {
    let pg_config = std::env::var("PG_CONFIG").unwrap_or_else(|_| "pg_config".to_owned());
    let out = Command::new(&pg_config)
        .arg(flag)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {pg_config} {flag}: {e}"));
    assert!(out.status.success(), "{pg_config} {flag} failed: {out:?}");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// The server's extension folder: `$(pg_config --sharedir)/extension`.
pub fn extension_dir() -> PathBuf {
    pg_config("--sharedir").join("extension")
}

/// The installed library: `$(pg_config --pkglibdir)/storesync.so`.
pub fn library() -> PathBuf {
    pg_config("--pkglibdir").join("storesync.so")
}

/// A version's numbers, for ordering (`0.10.0` after `0.9.0`).
pub fn version_key(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map(|n| {
            n.parse()
                .unwrap_or_else(|_| panic!("not a version: {version:?}"))
        })
        .collect()
}

/// The file names in `dir` of the form `storesync--<middle>.sql`, with their middle part.
fn scripts_in(dir: &Path) -> Vec<(String, PathBuf)> {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut found: Vec<(String, PathBuf)> = entries
        .map(|e| e.expect("directory entry").path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            let middle = name.strip_prefix("storesync--")?.strip_suffix(".sql")?;
            Some((middle.to_owned(), path.clone()))
        })
        .collect();
    found.sort();
    found
}

/// The released versions whose install script `sql/released/` keeps, oldest first.
pub fn released_versions() -> Vec<String> {
    let mut versions: Vec<String> = scripts_in(&sql_dir().join("released"))
        .into_iter()
        .map(|(version, _)| version)
        .collect();
    versions.sort_by_key(|v| version_key(v));
    versions
}

/// The released install script of `version`.
pub fn released_script(version: &str) -> PathBuf {
    sql_dir()
        .join("released")
        .join(format!("storesync--{version}.sql"))
}

/// The upgrade scripts in `sql/`, as `from -> (to, path)`. Panics if a version has two ways
/// out (ALTER EXTENSION would pick the shortest path; this project keeps one chain).
pub fn upgrade_scripts() -> BTreeMap<String, (String, PathBuf)> {
    let mut scripts = BTreeMap::new();
    for (middle, path) in scripts_in(&sql_dir()) {
        let Some((from, to)) = middle.split_once("--") else {
            continue; // not an upgrade script
        };
        version_key(from);
        version_key(to);
        let previous = scripts.insert(from.to_owned(), (to.to_owned(), path.clone()));
        assert!(
            previous.is_none(),
            "two upgrade scripts leave {from}: {previous:?} and {}",
            path.display()
        );
    }
    scripts
}

/// Copies every released install script into the server's extension folder, where it is
/// missing or differs: written beside under a temporary name, then renamed over, so a server
/// reading the file meanwhile sees the old one or the new one, never a part. Once per process.
pub fn install_released_scripts() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let dir = extension_dir();
        for version in released_versions() {
            let source = released_script(&version);
            let wanted = std::fs::read(&source)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", source.display()));
            let target = dir.join(format!("storesync--{version}.sql"));
            if std::fs::read(&target).is_ok_and(|have| have == wanted) {
                continue;
            }
            let temp = dir.join(format!(
                ".storesync--{version}.sql.{}.tmp",
                std::process::id()
            ));
            let written = std::fs::File::create(&temp).and_then(|mut f| {
                f.write_all(&wanted)?;
                f.sync_all()
            });
            let renamed = written.and_then(|()| std::fs::rename(&temp, &target));
            if let Err(e) = renamed {
                let _ = std::fs::remove_file(&temp);
                panic!(
                    "cannot install {} as {}: {e}",
                    source.display(),
                    target.display()
                );
            }
        }
    });
}
