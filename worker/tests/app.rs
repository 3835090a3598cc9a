//! The router driven in-process with `oneshot`, the database being down.

mod common;

use std::time::{Duration, Instant};

use axum::{
    body::{to_bytes, Body},
    http::{header, Method, Request, StatusCode},
    response::Response,
};
use serde_json::{json, Value};
use storesync_worker::app;
use tower::ServiceExt;

use common::{state_with_database, state_with_database_down, LIMIT};

async fn send(request: Request<Body>) -> Response {
    app(state_with_database_down())
        .oneshot(request)
        .await
        .unwrap()
}

async fn json_body(response: Response) -> Value {
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    serde_json::from_slice(&bytes).expect("the body is JSON")
}

fn webhook(body: impl Into<Body>) -> Request<Body> {
    Request::post("/webhooks/salla")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

#[tokio::test]
async fn healthz_is_ok_without_a_database() {
    let response = send(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_body(response).await, json!({ "status": "ok" }));
}

#[tokio::test]
async fn readyz_says_database_unavailable_quickly() {
    let started = Instant::now();
    let response = send(Request::get("/readyz").body(Body::empty()).unwrap()).await;
    // A hang guard, not a benchmark: a down database must not make the probe wait.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = json_body(response).await;
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["error"], "database_unavailable");
}

#[tokio::test]
async fn webhook_with_database_down_is_503_with_retry_after() {
    let started = Instant::now();
    let response = send(webhook(r#"{"event":"order.created"}"#)).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let body = json_body(response).await;
    assert_eq!(body["error"], "database_unavailable");
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn webhook_with_a_silent_database_is_503_within_the_budget() {
    // Accepts TCP connections but never answers the startup message: a hung server.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let state = state_with_database(&format!("host=127.0.0.1 port={port} user=storesync"));

    let started = Instant::now();
    let response = app(state).oneshot(webhook("{}")).await.unwrap();
    let elapsed = started.elapsed();
    held.abort();
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json_body(response).await["error"], "database_unavailable");
}

#[tokio::test]
async fn oversized_body_is_413_json() {
    let body = vec![b'x'; LIMIT + 1];
    let response = send(webhook(body)).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body = json_body(response).await;
    assert_eq!(body["error"], "payload_too_large");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains(&LIMIT.to_string()));
}

#[tokio::test]
async fn body_at_the_limit_is_accepted() {
    // Exactly LIMIT bytes passes the size check and reaches the (down) database.
    let response = send(webhook(vec![b'x'; LIMIT])).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn declared_length_over_the_limit_is_refused_before_reading() {
    // The body itself is empty: only the Content-Length check can refuse it.
    let request = Request::post("/webhooks/salla")
        .header(header::CONTENT_LENGTH, "10000000")
        .body(Body::empty())
        .unwrap();
    let response = send(request).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json_body(response).await["error"], "payload_too_large");
}

#[tokio::test]
async fn unknown_route_is_404_json() {
    let response = send(Request::get("/nope").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(response).await["error"], "not_found");
}

#[tokio::test]
async fn webhook_without_source_is_404_json() {
    let request = Request::post("/webhooks/").body(Body::empty()).unwrap();
    let response = send(request).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(response).await["error"], "not_found");
}

/// PostgreSQL text cannot hold NUL, so no source has one: refused before the (here down)
/// database is asked, which would otherwise answer 503 (or, reachable, fail with 22021).
#[tokio::test]
async fn a_source_name_with_a_nul_byte_is_400_without_asking_the_database() {
    for path in ["/webhooks/a%00b", "/webhooks/%00", "/webhooks/salla%00"] {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let response = send(request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body = json_body(response).await;
        assert_eq!(body["error"], "bad_request", "{path}");
        assert_eq!(
            body["message"], "the webhook source in the path is not valid",
            "{path}"
        );
    }
}

#[tokio::test]
async fn wrong_method_is_405_json_with_allow() {
    let request = Request::builder()
        .method(Method::GET)
        .uri("/webhooks/salla")
        .body(Body::empty())
        .unwrap();
    let response = send(request).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[header::ALLOW], "POST");
    assert_eq!(json_body(response).await["error"], "method_not_allowed");
}

#[tokio::test]
async fn metrics_count_webhooks_by_status_only() {
    let app = app(state_with_database_down());
    let answered = app.clone().oneshot(webhook("{}")).await.unwrap();
    assert_eq!(answered.status(), StatusCode::SERVICE_UNAVAILABLE);

    let response = app
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(
        text.contains(r#"storesync_webhooks_total{status="503"}"#),
        "{text}"
    );
    assert!(
        text.contains("storesync_webhook_duration_seconds_bucket"),
        "{text}"
    );
    // The source name is not a label.
    assert!(!text.contains("salla"), "{text}");
}
