//! Slow, stuck and greedy clients against the real worker, over raw sockets: header and body
//! deadlines, the cap on requests in flight, and the body limit enforced before the body is
//! read.

use std::time::{Duration, Instant};

use storesync_tests::{TestDb, Worker};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn setup(args: &[&str]) -> (TestDb, Worker, String) {
    let db = TestDb::new().await;
    db.create_source("shop", "signature", "slow-secret").await;
    let worker = Worker::start_with(db.url(), args).await;
    let address = worker.url("").trim_start_matches("http://").to_owned();
    (db, worker, address)
}

/// Reads until the server closes the connection or `wait` passes; returns what it sent and
/// whether it closed.
async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let mut buffer = [0u8; 4096];
    let closed = tokio::time::timeout(wait, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .is_ok();
    (String::from_utf8_lossy(&got).into_owned(), closed)
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let (_db, _worker, address) = setup(&["--header-timeout", "1"]).await;
    let stream = TcpStream::connect(&address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // A header line every 300 ms, never the blank line that ends them: each byte arrives
    // well within any idle timeout, so only a deadline for the whole head stops it.
    let trickle = tokio::spawn(async move {
        if writer
            .write_all(b"POST /webhooks/shop HTTP/1.1\r\nHost: t\r\n")
            .await
            .is_err()
        {
            return;
        }
        for i in 0..100 {
            let line = format!("X-Slow-{i}: a\r\n");
            if writer.write_all(line.as_bytes()).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    trickle.abort();
    assert!(
        closed.is_ok(),
        "the trickling client is still connected after 10 s"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_trickled_body_gets_408_and_frees_its_place() {
    let (_db, worker, address) = setup(&["--body-timeout", "1", "--max-in-flight", "2"]).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"POST /webhooks/shop HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{\"ev")
        .await
        .unwrap();
    let started = Instant::now();
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(
        answer.contains(r#""error":"request_timeout""#),
        "{answer:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // The place it held is free again.
    worker.get("/healthz").await;
    let reply = worker.post("shop", &[], b"{}".to_vec()).await;
    reply.expect_error(401, Some("missing_signature"));
}

#[tokio::test]
async fn requests_over_the_in_flight_cap_are_refused_at_once() {
    let (_db, worker, address) = setup(&["--body-timeout", "20", "--max-in-flight", "2"]).await;
    // Two uploads that never finish hold both places.
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(&address).await.unwrap();
        s.write_all(b"POST /webhooks/shop HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{")
            .await
            .unwrap();
        holders.push(s);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let reply = worker.post("shop", &[], b"{}".to_vec()).await;
    reply.expect_error(503, Some("overloaded"));
    assert!(
        reply.elapsed < Duration::from_secs(2),
        "{:?}",
        reply.elapsed
    );
    // Health checks are not webhooks: still answered.
    assert_eq!(worker.get("/healthz").await.status, 200);
    drop(holders);
    // Once the holders are gone, webhooks are served again.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = worker.post("shop", &[], b"{}".to_vec()).await;
        if reply.status == 401 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still overloaded: {}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_is_read() {
    let (_db, _worker, address) = setup(&["--body-limit", "1024"]).await;
    // Declares 50 MB, sends 10 bytes: answered at once, without waiting for the rest.
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"POST /webhooks/shop HTTP/1.1\r\nHost: t\r\nContent-Length: 50000000\r\n\r\n0123456789")
        .await
        .unwrap();
    let started = Instant::now();
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    assert!(
        answer.contains(r#""error":"payload_too_large""#),
        "{answer:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // Chunked, no length declared: cut off once past the limit, the upload left unfinished.
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let chunk = "x".repeat(600);
    let head = "POST /webhooks/shop HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    let body = format!(
        "{:x}\r\n{chunk}\r\n{:x}\r\n{chunk}\r\n",
        chunk.len(),
        chunk.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
}
