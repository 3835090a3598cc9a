//! Slow and greedy clients, in-process: the cap on requests in flight, the body deadline and
//! the header deadline of `listen::serve`.

mod common;

use std::time::Duration;

use axum::{
    body::{to_bytes, Body},
    http::{header, Request, StatusCode},
};
use serde_json::Value;
use storesync_worker::{
    app,
    listen::{self, ConnectionLimits},
    AppState,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use tower::ServiceExt;

use common::{raw_exchange, state_with_database};

/// A database that accepts connections and never answers: requests hang until the budget.
async fn silent_database() -> (String, tokio::task::JoinHandle<()>) {
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    (format!("host=127.0.0.1 port={port} user=storesync"), held)
}

fn webhook() -> Request<Body> {
    Request::post("/webhooks/salla")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap()
}

fn hanging_state(url: &str, max_in_flight: usize) -> AppState {
    let mut state = state_with_database(url);
    state.limits.max_in_flight = max_in_flight;
    state.limits.db_timeout = Duration::from_secs(5);
    state
}

#[tokio::test]
async fn requests_over_the_in_flight_cap_are_refused_as_overloaded() {
    let (url, held) = silent_database().await;
    let router = app(hanging_state(&url, 1));
    let first = tokio::spawn(router.clone().oneshot(webhook()));
    // Let the first request take the only place (it then waits for the silent database).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = router.clone().oneshot(webhook()).await.unwrap();
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(second.headers().contains_key(header::RETRY_AFTER));
    let body: Value =
        serde_json::from_slice(&to_bytes(second.into_body(), 1 << 16).await.unwrap()).unwrap();
    assert_eq!(body["error"], "overloaded");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));

    // The first one was not refused: it ran into the database budget instead.
    let first = first.await.unwrap().unwrap();
    let body: Value =
        serde_json::from_slice(&to_bytes(first.into_body(), 1 << 16).await.unwrap()).unwrap();
    assert_eq!(body["error"], "database_unavailable");
    // And its place is free again.
    let third = router.oneshot(webhook()).await.unwrap();
    let body: Value =
        serde_json::from_slice(&to_bytes(third.into_body(), 1 << 16).await.unwrap()).unwrap();
    assert_eq!(body["error"], "database_unavailable");
    held.abort();
}

async fn serve(limits: ConnectionLimits, state: AppState) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(listen::serve(
        listener,
        app(state),
        limits,
        std::future::pending(),
    ));
    address
}

fn limits(max_connections: usize) -> ConnectionLimits {
    ConnectionLimits {
        header_timeout: Duration::from_secs(1),
        max_connections,
        shutdown_grace: Duration::from_secs(1),
    }
}

#[tokio::test]
async fn a_trickled_body_is_answered_408() {
    let (url, held) = silent_database().await;
    let mut state = hanging_state(&url, 4);
    state.limits.body_timeout = Duration::from_secs(1);
    let address = serve(limits(8), state).await;
    // Declares 40 bytes and sends 2: the body never completes.
    let request = "POST /webhooks/salla HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\n\r\n{\"";
    let answer = raw_exchange(&address, request.as_bytes(), Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(
        answer.contains(r#""error":"request_timeout""#),
        "{answer:?}"
    );
    held.abort();
}

/// Reads until the server closes the connection; `None` if it is still open after `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut buffer = [0u8; 1024];
    tokio::time::timeout(wait, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return got,
                Ok(n) => got.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .ok()
}

#[tokio::test]
async fn a_client_trickling_headers_is_disconnected() {
    let address = serve(limits(8), common::state_with_database_down()).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"POST /webhooks/salla HTTP/1.1\r\nHost: t\r\n")
        .await
        .unwrap();
    let closed = closed_within(&mut stream, Duration::from_secs(10)).await;
    assert!(closed.is_some(), "the connection is still open");
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let address = serve(limits(1), common::state_with_database_down()).await;
    // Takes the only place with a request that never completes its headers.
    let mut holder = TcpStream::connect(&address).await.unwrap();
    holder
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .unwrap();
    // The next client is not served while the place is taken ...
    let mut waiting = TcpStream::connect(&address).await.unwrap();
    waiting
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 256];
    let early = tokio::time::timeout(Duration::from_millis(300), waiting.read(&mut buffer)).await;
    assert!(early.is_err(), "answered while the cap was reached");
    // ... and is once the holder is cut off by the header deadline.
    let answer = closed_within(&mut waiting, Duration::from_secs(10))
        .await
        .expect("served after the holder left");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
}
