//! The official Standard Webhooks library (PyPI `standardwebhooks`, pinned) as an independent
//! signer and verifier. It is installed on first use, once per machine, into a virtual
//! environment under the cargo target directory (`<target>/py-standardwebhooks`); only
//! `python3` (3.8 or newer) is needed. Where `python3 -m venv` is unavailable (Debian without
//! `python3-venv`), `pip install --target` into the same folder is used instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The package and version the tests sign and verify with.
pub const PACKAGE: &str = "standardwebhooks==1.1.0";

/// How to run Python with the package importable: the interpreter and a `PYTHONPATH`.
struct Python {
    interpreter: PathBuf,
    path: Option<PathBuf>,
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

fn imports(python: &Python) -> bool {
    let mut cmd = Command::new(&python.interpreter);
    cmd.args(["-c", "import standardwebhooks"]);
    if let Some(path) = &python.path {
        cmd.env("PYTHONPATH", path);
    }
    cmd.stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run(cmd: &mut Command) -> bool {
    cmd.status().is_ok_and(|s| s.success())
}

/// Installs the package if it is not importable yet (idempotent), and says how to run it.
fn python() -> &'static Python {
    static PYTHON: OnceLock<Python> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let dir = target_dir().join("py-standardwebhooks");
        let venv = Python {
            interpreter: dir.join("bin/python"),
            path: None,
        };
        if imports(&venv) {
            return venv;
        }
        if run(Command::new("python3").args(["-m", "venv"]).arg(&dir))
            && run(Command::new(&venv.interpreter).args(["-m", "pip", "install", "-q", PACKAGE]))
            && imports(&venv)
        {
            return venv;
        }
        let site = dir.join("site");
        let plain = Python {
            interpreter: PathBuf::from("python3"),
            path: Some(site.clone()),
        };
        if !imports(&plain) {
            let installed = run(Command::new("python3")
                .args(["-m", "pip", "install", "-q", "--target"])
                .arg(&site)
                .arg(PACKAGE));
            assert!(
                installed && imports(&plain),
                "cannot install {PACKAGE}: needs python3 with venv or pip, and PyPI"
            );
        }
        plain
    })
}

/// Runs `script` with `args`, `stdin` as its standard input; returns its standard output.
fn python_output(script: &str, args: &[&str], stdin: &[u8]) -> String {
    let python = python();
    let mut cmd = Command::new(&python.interpreter);
    cmd.arg("-c").arg(script).args(args);
    if let Some(path) = &python.path {
        cmd.env("PYTHONPATH", path);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The `webhook-signature` the official library sends for `body` (UTF-8) as message `id` at
/// `timestamp` (seconds since 1970), with a `whsec_` secret.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    const SCRIPT: &str = "import sys, datetime
from standardwebhooks.webhooks import Webhook
at = datetime.datetime.fromtimestamp(int(sys.argv[3]), tz=datetime.timezone.utc)
print(Webhook(sys.argv[1]).sign(sys.argv[2], at, sys.stdin.buffer.read().decode()))";
    python_output(SCRIPT, &[secret, id, &timestamp.to_string()], body)
}

/// Whether the official library accepts `body` with these three headers (it checks the
/// timestamp against its own clock, with its 5-minute tolerance).
pub fn verifies(secret: &str, id: &str, timestamp: &str, signature: &str, body: &[u8]) -> bool {
    const SCRIPT: &str = "import sys
from standardwebhooks.webhooks import Webhook
headers = {'webhook-id': sys.argv[2], 'webhook-timestamp': sys.argv[3], 'webhook-signature': sys.argv[4]}
try:
    Webhook(sys.argv[1]).verify(sys.stdin.buffer.read(), headers, json_parse=False)
    print('ok')
except Exception as e:
    print(type(e).__name__)";
    python_output(SCRIPT, &[secret, id, timestamp, signature], body) == "ok"
}
