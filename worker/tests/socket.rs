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
