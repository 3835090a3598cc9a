//! The real binary: the "listening on" line, logs on stderr only, no password anywhere,
//! graceful stop on SIGTERM.

#![cfg(unix)]

mod common;

use std::{
    io::{BufRead, BufReader, Read},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::{raw_exchange, DOWN_DATABASE};

#[tokio::test]
async fn serve_announces_its_address_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_storesync-worker"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", DOWN_DATABASE)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let address = line
        .trim_end()
        .strip_prefix("storesync-worker listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();

    let request = "GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
    let answer = raw_exchange(&address, request.as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");

    let request = "POST /webhooks/salla HTTP/1.1\r\nHost: test\r\nX-Secret-Token: tok3n\r\n\
                   Content-Length: 2\r\nConnection: close\r\n\r\n{}";
    let answer = raw_exchange(&address, request.as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");

    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "stdout carries only the listening line");

    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("/webhooks/{source}"),
        "route template logged: {logs}"
    );
    assert!(logs.contains("status=503"), "{logs}");
    for secret in ["hunter2", "tok3n", "/webhooks/salla"] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs: {logs}"
        );
    }
}
