//! Body limits over a real socket: an oversized upload is refused without being read.
//!
//! Each request leaves the upload unfinished. A server that waited for the whole body would
//! never answer, and `raw_exchange` would return empty-handed after its wait.

mod common;

use std::time::Duration;

use storesync_worker::app;
use tokio::net::TcpListener;

use common::{raw_exchange, state_with_database_down, LIMIT};

async fn start() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        axum::serve(listener, app(state_with_database_down()))
            .await
            .unwrap();
    });
    address
}

#[tokio::test]
async fn declared_length_over_the_limit_is_answered_before_the_body_is_sent() {
    let address = start().await;
    let request = "POST /webhooks/salla HTTP/1.1\r\nHost: test\r\n\
                   Content-Length: 10000000\r\n\r\n";
    let answer = raw_exchange(&address, request.as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    assert!(
        answer.contains(r#""error":"payload_too_large""#),
        "{answer:?}"
    );
}

#[tokio::test]
async fn chunked_upload_is_cut_off_once_over_the_limit() {
    let address = start().await;
    let chunk = "x".repeat(LIMIT + 1);
    // One chunk over the limit, then no terminating chunk: the upload never ends.
    let request = format!(
        "POST /webhooks/salla HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{chunk}\r\n",
        chunk.len()
    );
    let answer = raw_exchange(&address, request.as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    assert!(
        answer.contains(r#""error":"payload_too_large""#),
        "{answer:?}"
    );
}

/// Writes the whole request before reading, as Python's `http.client` and many senders do;
/// the write fails if the server resets the connection instead of reading the rest.
async fn write_all_then_read(address: &str, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), stream.write_all(request))
        .await
        .expect("the server stopped reading the upload")
        .expect("the upload was cut off before the answer could be read");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_sender_that_writes_its_whole_oversized_body_first_reads_the_413() {
    let address = start().await;
    // More than the loopback socket buffers hold (so an unread rest would be reset), less
    // than the drain reads.
    let body = "x".repeat(6 * 1024 * 1024);
    assert!(body.len() as u64 <= storesync_worker::webhooks::body::DRAIN_LIMIT);
    let declared = format!(
        "POST /webhooks/salla HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let chunked = format!(
        "POST /webhooks/salla HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    for request in [declared, chunked] {
        let answer = write_all_then_read(&address, request.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
        assert!(
            answer.contains(r#""error":"payload_too_large""#),
            "{answer:?}"
        );
        assert!(answer.contains("connection: close"), "{answer:?}");
    }
}
