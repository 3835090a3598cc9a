//! Helpers shared by the worker's tests. None needs a database: the pool points at a closed
//! port, which is exactly the "database down" case.

#![allow(dead_code)] // each test file uses a different part

use std::{str::FromStr, time::Duration};

use storesync_worker::{db, AppState, Limits};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Body limit used by the tests: small, so oversized bodies are cheap to build.
pub const LIMIT: usize = 64;

/// A connection string nobody listens on (port 1 is never a PostgreSQL server).
pub const DOWN_DATABASE: &str = "host=127.0.0.1 port=1 user=storesync password=hunter2";

/// App state whose database is unreachable.
pub fn state_with_database_down() -> AppState {
    state_with_database(DOWN_DATABASE)
}

/// App state whose database is reached with `connection_string`.
pub fn state_with_database(connection_string: &str) -> AppState {
    let limits = Limits {
        body_limit: LIMIT,
        ..Limits::default()
    };
    let config = tokio_postgres::Config::from_str(connection_string).unwrap();
    AppState {
        pool: db::pool(config, 4, limits.db_timeout).unwrap(),
        limits,
    }
}

/// Sends raw bytes, then reads until the server closes or `wait` passes. Returns what was
/// read; the caller checks it is a full answer.
pub async fn raw_exchange(address: &str, request: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let _ = tokio::time::timeout(wait, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buffer[..n]);
                    // One response is enough: headers done and the JSON body closed.
                    let text = String::from_utf8_lossy(&answer);
                    if text.contains("\r\n\r\n") && text.trim_end().ends_with('}') {
                        break;
                    }
                }
            }
        }
    })
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}
